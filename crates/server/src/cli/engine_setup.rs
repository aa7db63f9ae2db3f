//! Builds the call engine of `serve` from its settings: the telephone network, the
//! analyzer (built-in, or an OpenAI-compatible API), and recordings in the data directory.

use crate::config::EngineArgs;
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use switchyard_core::Clocks;
use switchyard_core::store::Store;
use switchyard_engine::analysis::Analyzer;
use switchyard_engine::analysis::builtin::BuiltinAnalyzer;
use switchyard_engine::analysis::openai::OpenAiAnalyzer;
use switchyard_engine::blob::{BlobStore, FsBlobStore};
use switchyard_engine::config::{EngineConfig, WebhookConfig};
use switchyard_engine::llm::{ChatApi, OpenAiConfig, OpenAiEndpoint};
use switchyard_engine::provider::TelephonyProvider;
use switchyard_engine::{Engine, EngineParts};

const OPENAI_TIMEOUT: Duration = Duration::from_secs(60);

pub fn engine_config(args: &EngineArgs) -> EngineConfig {
    EngineConfig {
        concurrency_per_org: args.concurrency_per_org,
        sim_speed: args.sim_speed,
        lease: Duration::from_secs(args.engine_lease_secs.max(1)),
        webhooks: WebhookConfig {
            retry_schedule: args
                .webhook_retry_secs
                .iter()
                .copied()
                .map(Duration::from_secs)
                .collect(),
            allow_private: args.allow_private_webhooks,
            allow_list: args.webhook_allow_list.clone(),
            ..WebhookConfig::default()
        },
        ..EngineConfig::default()
    }
}

/// The OpenAI-compatible API, when one is configured: it serves both the analysis and
/// the agent.
pub fn chat_api(args: &EngineArgs) -> anyhow::Result<Option<Arc<ChatApi>>> {
    let Some(base_url) = &args.openai_base_url else {
        return Ok(None);
    };
    let backup = args
        .openai_backup_base_url
        .as_ref()
        .map(|url| OpenAiEndpoint {
            base_url: url.clone(),
            model: args
                .openai_backup_model
                .clone()
                .unwrap_or_else(|| args.openai_model.clone()),
            api_key: args.openai_backup_api_key.clone(),
        });
    let config = OpenAiConfig {
        primary: OpenAiEndpoint {
            base_url: base_url.clone(),
            model: args.openai_model.clone(),
            api_key: args.openai_api_key.clone(),
        },
        backup,
        timeout: OPENAI_TIMEOUT,
    };
    let api = ChatApi::new(config).context("cannot set up the OpenAI-compatible API")?;
    Ok(Some(Arc::new(api)))
}

/// The built-in analyzer, or the one backed by the OpenAI-compatible API.
pub fn analyzer(chat: Option<&Arc<ChatApi>>) -> Arc<dyn Analyzer> {
    match chat {
        Some(api) => Arc::new(OpenAiAnalyzer::new(api.clone())),
        None => Arc::new(BuiltinAnalyzer),
    }
}

/// Recordings live in `data_dir/blobs`.
pub fn blob_store(data_dir: &Path) -> Arc<dyn BlobStore> {
    Arc::new(FsBlobStore::new(data_dir.join("blobs")))
}

pub fn build(
    store: Arc<dyn Store>,
    clock: Arc<Clocks>,
    blobs: Arc<dyn BlobStore>,
    config: EngineConfig,
    analyzer: Arc<dyn Analyzer>,
    chat: Option<Arc<ChatApi>>,
    provider: Arc<dyn TelephonyProvider>,
) -> anyhow::Result<Arc<Engine>> {
    let instance = format!(
        "{}-{}",
        std::process::id(),
        hex::encode(rand::random::<[u8; 4]>())
    );
    let engine = Engine::new(EngineParts {
        store,
        clock,
        provider,
        analyzer,
        chat,
        blobs,
        config,
        instance,
    })
    .context("cannot start the call engine")?;
    let engine = Arc::new(engine);
    engine.connect_provider();
    Ok(engine)
}
