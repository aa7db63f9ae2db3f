//! Opens the configured store and brings its schema up to date.

use crate::config::StorageConfig;
use std::sync::Arc;
use switchyard_core::store::{Store, StoreError};
use switchyard_store_postgres::PostgresStore;
use switchyard_store_sqlite::SqliteStore;

pub const SQLITE_FILE: &str = "switchyard.db";

/// Connects and runs pending migrations (they are idempotent, so every command may call it).
pub async fn open(config: &StorageConfig) -> Result<Arc<dyn Store>, StoreError> {
    match &config.database_url {
        Some(url) => {
            let store = PostgresStore::connect(url).await?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
        None => {
            let store = SqliteStore::open(&config.data_dir.join(SQLITE_FILE)).await?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
    }
}

/// As [`open`], tuned for bulk loads (`switchyard seed`) in this process's connections.
pub async fn open_for_bulk_load(config: &StorageConfig) -> Result<Arc<dyn Store>, StoreError> {
    match &config.database_url {
        Some(_) => open(config).await,
        None => {
            let path = config.data_dir.join(SQLITE_FILE);
            let store = SqliteStore::open_for_bulk_load(&path).await?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
    }
}

/// As [`open`], for a sandbox server (`serve --sandbox`): SQLite commits do not wait for
/// the disk (`SqliteStore::open_for_sandbox`).
pub async fn open_for_sandbox(config: &StorageConfig) -> Result<Arc<dyn Store>, StoreError> {
    match &config.database_url {
        Some(_) => open(config).await,
        None => {
            let path = config.data_dir.join(SQLITE_FILE);
            let store = SqliteStore::open_for_sandbox(&path).await?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
    }
}

/// A human-readable name of where data lives, for start-up logs (never the password).
pub fn describe(config: &StorageConfig) -> String {
    match &config.database_url {
        Some(url) => match url::Url::parse(url) {
            Ok(parsed) => format!(
                "postgres at {}{}",
                parsed.host_str().unwrap_or("?"),
                parsed.path()
            ),
            Err(_) => "postgres".to_owned(),
        },
        None => format!("sqlite at {}", config.data_dir.join(SQLITE_FILE).display()),
    }
}
