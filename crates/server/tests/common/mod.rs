//! Shared by every integration test binary of the server crate: a fresh, migrated database
//! per test on each backend, the `backend_tests!` macro that runs a test on both, and
//! builders of domain objects (`fixtures`).
//!
//! SQLite always runs (a temporary file). PostgreSQL runs when `SWITCHYARD_TEST_POSTGRES_URL`
//! is set, each test in its own schema; if the variable is set but the server cannot be
//! reached the test panics, so that CI fails instead of silently skipping.
#![allow(dead_code)]

pub mod fixtures;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use switchyard_core::store::Store;
use switchyard_store_postgres::PostgresStore;
use switchyard_store_sqlite::SqliteStore;

pub const POSTGRES_URL_VAR: &str = "SWITCHYARD_TEST_POSTGRES_URL";
/// Test schemas are named `sytest_<unix seconds>_<random>`.
const SCHEMA_PREFIX: &str = "sytest_";
/// Schemas of earlier runs older than this are dropped (once per test process).
const STALE_AFTER_SECS: u64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    /// The SQLite file, for tests that open it a second time (as the CLI would).
    pub sqlite_path: Option<PathBuf>,
    /// The PostgreSQL url and the schema this test's tables live in.
    pub postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh, migrated database, or `None` when PostgreSQL is asked for but not configured.
pub async fn test_database(backend: Backend) -> Option<TestDatabase> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let path = dir.path().join("data").join("switchyard.db");
            let store = SqliteStore::open(&path)
                .await
                .expect("open the SQLite test database");
            store
                .migrate()
                .await
                .expect("migrate the SQLite test database");
            Some(TestDatabase {
                store: Arc::new(store),
                backend,
                sqlite_path: Some(path),
                postgres: None,
                _dir: Some(dir),
            })
        }
        Backend::Postgres => {
            let url = match std::env::var(POSTGRES_URL_VAR) {
                Ok(url) if !url.trim().is_empty() => url,
                _ => {
                    println!("postgres: {POSTGRES_URL_VAR} not set, skipped");
                    return None;
                }
            };
            drop_stale_schemas_once(&url).await;
            let schema = format!(
                "{SCHEMA_PREFIX}{}_{:08x}",
                unix_seconds(),
                rand::random::<u32>()
            );
            let store = PostgresStore::connect_in_schema(&url, &schema)
                .await
                .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unusable: {e:?}"));
            store
                .migrate()
                .await
                .expect("migrate the PostgreSQL test schema");
            Some(TestDatabase {
                store: Arc::new(store),
                backend,
                sqlite_path: None,
                postgres: Some((url, schema)),
                _dir: None,
            })
        }
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Drops the `sytest_` schemas that earlier runs left behind more than an hour ago.
async fn drop_stale_schemas_once(url: &str) {
    static DONE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    DONE.get_or_init(|| drop_stale_schemas(url)).await;
}

async fn drop_stale_schemas(url: &str) {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unreachable: {e}"));
    let schemas: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname, $1)")
            .bind(SCHEMA_PREFIX)
            .fetch_all(&mut conn)
            .await
            .expect("list the test schemas");
    let cutoff = unix_seconds().saturating_sub(STALE_AFTER_SECS);
    for schema in schemas {
        let created = schema[SCHEMA_PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|at| at < cutoff) {
            // Another test process may be dropping it too: failures are harmless.
            let _ = conn
                .execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
                .await;
        }
    }
    let _ = conn.close().await;
}

/// For each `async fn name(db: TestDatabase)`, a module `name` with the tests `sqlite` and
/// `postgres` (which passes without running when PostgreSQL is not configured).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let backend = $crate::common::Backend::Sqlite;
                    if let Some(db) = $crate::common::test_database(backend).await {
                        super::$name(db).await;
                    }
                }

                #[tokio::test]
                async fn postgres() {
                    let backend = $crate::common::Backend::Postgres;
                    if let Some(db) = $crate::common::test_database(backend).await {
                        super::$name(db).await;
                    }
                }
            }
        )*
    };
}
