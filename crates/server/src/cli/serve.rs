//! `switchyard serve`: the HTTP API and, unless `--no-engine`, the call engine and the
//! export worker in the same process, all stopped gracefully on Ctrl-C or SIGTERM.

use super::{engine_setup, storage, telephony};
use crate::app;
use crate::config::{EngineArgs, ExportArgs, HttpConfig, SandboxArgs, StorageConfig};
use crate::state::{AppParts, AppState};
use anyhow::Context;
use std::sync::Arc;
use switchyard_core::store::Store;
use switchyard_core::{Clock, Clocks};
use switchyard_engine::config::EngineConfig;
use switchyard_engine::exports::{ExportParts, ExportWorker};
use switchyard_engine::worker;
use switchyard_service::Services;
use switchyard_service::demo;
use switchyard_service::key_cache::KeyCache;
use switchyard_service::recordings::RecordingLinks;
use switchyard_service::sandbox::SandboxSettings;
use tokio_util::sync::CancellationToken;

/// What `serve` was asked for.
pub struct ServeArgs {
    pub http: HttpConfig,
    pub engine: EngineArgs,
    pub exports: ExportArgs,
    pub sandbox: SandboxArgs,
    pub demo: bool,
}

pub async fn run(
    storage_config: &StorageConfig,
    store: Arc<dyn Store>,
    world: Arc<dyn Clock>,
    args: ServeArgs,
) -> anyhow::Result<()> {
    let ServeArgs {
        http,
        engine: engine_args,
        exports: export_args,
        sandbox,
        demo,
    } = args;
    let clock = Arc::new(Clocks::new(world));
    if sandbox.sandbox {
        for (org, at) in store.frozen_clocks().await? {
            clock.set(org, Some(at));
        }
    }
    let listener = tokio::net::TcpListener::bind(http.addr)
        .await
        .with_context(|| format!("cannot listen on {}", http.addr))?;
    let addr = listener.local_addr()?;
    if demo {
        let key = demo::ensure(store.as_ref(), clock.now())
            .await
            .context("cannot create the demo organization")?;
        let (org, owner) = (demo::DEMO_ORG, demo::DEMO_OWNER);
        println!("\nDemo organization \"{org}\" is ready. Owner API key ({owner}):\n  {key}\n");
        println!(
            "Try:\n  curl -s -H 'authorization: Bearer {key}' 'http://{addr}/api/v1/calls?limit=5'\n"
        );
    }
    let blobs = engine_setup::blob_store(&storage_config.data_dir);
    let chat = engine_setup::chat_api(&engine_args)?;
    let shutdown = CancellationToken::new();
    let provider = telephony::provider(
        &engine_args.telephony,
        engine_args.sim_speed,
        store.clone(),
        clock.clone(),
        shutdown.clone(),
    )
    .await?;
    let engine = engine_setup::build(
        store.clone(),
        clock.clone(),
        blobs.clone(),
        EngineConfig {
            sandbox: sandbox.sandbox,
            ..engine_setup::engine_config(&engine_args)
        },
        engine_setup::analyzer(chat.as_ref()),
        chat,
        provider,
    )?;
    let exports = Arc::new(ExportWorker::new(ExportParts {
        store: store.clone(),
        clock: clock.clone(),
        blobs: blobs.clone(),
        config: export_args.config(&storage_config.data_dir, http.public_url.clone()),
        instance: format!(
            "exports-{}-{}",
            std::process::id(),
            hex::encode(rand::random::<[u8; 4]>())
        ),
    })?);
    let recording_links = RecordingLinks::load(store.as_ref()).await?;
    let engine_task = if engine_args.no_engine {
        None
    } else {
        if storage_config.database_url.is_none() {
            // One server per SQLite file: whatever a previous process had claimed died with
            // it, so take it over now instead of waiting for its leases to run out.
            store.expire_leases().await?;
        }
        Some((
            worker::spawn(engine.clone(), shutdown.clone()),
            worker::spawn(exports.clone(), shutdown.clone()),
        ))
    };
    tracing::info!(
        %addr,
        storage = %storage::describe(storage_config),
        engine = if engine_task.is_some() { "on" } else { "off" },
        sim_speed = engine_args.sim_speed,
        export_mail = if export_args.smtp_url.is_some() { "smtp" } else { "off" },
        sandbox = if sandbox.sandbox { "on" } else { "off" },
        "switchyard listening"
    );
    let keys = Arc::new(KeyCache::new(http.key_cache_ms));
    let state = AppState::new(AppParts {
        services: Services {
            store,
            clock,
            engine,
            blobs,
            recording_links,
            exports,
            keys,
            sandbox: if sandbox.sandbox {
                SandboxSettings::on(sandbox.admin_token.as_deref())
            } else {
                SandboxSettings::off()
            },
        },
        http: Arc::new(http),
        metrics: crate::observability::prometheus(),
    });
    // Every instance, engine or not, shows the others' call changes on its pages.
    let relay = tokio::spawn(
        state
            .services
            .engine
            .clone()
            .relay_changes(shutdown.clone()),
    );
    let stop = shutdown.clone();
    let feed = state.services.engine.clone();
    app::serve(listener, state, async move {
        shutdown_signal().await;
        stop.cancel();
        feed.feed().close();
    })
    .await?;
    shutdown.cancel();
    relay.await.context("the call changes' relay panicked")?;
    if let Some((engine, exports)) = engine_task {
        engine.await.context("the call engine panicked")?;
        exports.await.context("the export worker panicked")?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
