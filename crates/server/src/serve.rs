//! `switchyard serve`: the HTTP API and, unless `--no-engine`, the call engine in the same
//! process, both stopped gracefully on Ctrl-C or SIGTERM.

use crate::app::{self, AppState};
use crate::config::{EngineArgs, HttpConfig, StorageConfig};
use crate::recordings::RecordingLinks;
use crate::{demo, engine_setup, storage};
use anyhow::Context;
use std::sync::Arc;
use switchyard_core::store::Store;
use switchyard_core::time::Clock;
use tokio_util::sync::CancellationToken;

pub async fn run(
    storage_config: &StorageConfig,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    http: HttpConfig,
    engine_args: EngineArgs,
    demo: bool,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(http.addr)
        .await
        .with_context(|| format!("cannot listen on {}", http.addr))?;
    let addr = listener.local_addr()?;
    if demo {
        demo::ensure(store.as_ref(), clock.now(), addr).await?;
    }
    let blobs = engine_setup::blob_store(&storage_config.data_dir);
    let engine = Arc::new(engine_setup::build(
        store.clone(),
        clock.clone(),
        blobs.clone(),
        engine_setup::engine_config(&engine_args),
        engine_setup::analyzer(&engine_args)?,
    )?);
    let recording_links = RecordingLinks::load(store.as_ref()).await?;
    let shutdown = CancellationToken::new();
    let engine_task = if engine_args.no_engine {
        None
    } else {
        if storage_config.database_url.is_none() {
            // One server per SQLite file: whatever a previous process had claimed died with
            // it, so take it over now instead of waiting for its leases to run out.
            store.expire_leases().await?;
        }
        Some(tokio::spawn(engine.clone().run(shutdown.clone())))
    };
    tracing::info!(
        %addr,
        storage = %storage::describe(storage_config),
        engine = if engine_task.is_some() { "on" } else { "off" },
        sim_speed = engine_args.sim_speed,
        "switchyard listening"
    );
    let state = AppState {
        store,
        clock,
        http: Arc::new(http),
        engine,
        blobs,
        recording_links,
    };
    let stop = shutdown.clone();
    app::serve(listener, state, async move {
        shutdown_signal().await;
        stop.cancel();
    })
    .await?;
    shutdown.cancel();
    if let Some(task) = engine_task {
        task.await.context("the call engine panicked")?;
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
