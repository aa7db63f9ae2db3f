//! Typed configuration. Every value comes from a command-line flag or the `SWITCHYARD_*`
//! environment variable of the same name, with the defaults documented in the README.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where data lives: PostgreSQL when a URL is given, else the SQLite file in the data dir.
#[derive(Clone, Debug, clap::Args)]
pub struct StorageConfig {
    /// Directory of the embedded SQLite database (`switchyard.db`).
    #[arg(
        long,
        env = "SWITCHYARD_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// `postgres://user@host/db` to use PostgreSQL instead of SQLite.
    #[arg(long, env = "SWITCHYARD_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

#[derive(Clone, Debug, clap::Args)]
pub struct HttpConfig {
    /// Address to listen on.
    #[arg(long, env = "SWITCHYARD_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Largest request body accepted, in bytes (batched dial: `--batch-body-limit-bytes`).
    #[arg(long, env = "SWITCHYARD_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// Largest body of `POST /dial/outbound-batched` and `/dial/scheduled`, in bytes.
    #[arg(long, env = "SWITCHYARD_BATCH_BODY_LIMIT_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub batch_body_limit_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 1024 * 1024,
            batch_body_limit_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Every `SWITCHYARD_*` variable the server reads; others are warned about at start-up,
/// since a misspelt variable otherwise silently does nothing.
pub const KNOWN_ENV_VARS: &[&str] = &[
    "SWITCHYARD_DATA_DIR",
    "SWITCHYARD_DATABASE_URL",
    "SWITCHYARD_ADDR",
    "SWITCHYARD_BODY_LIMIT_BYTES",
    "SWITCHYARD_BATCH_BODY_LIMIT_BYTES",
    "SWITCHYARD_DEMO",
    "SWITCHYARD_LOG",
    "SWITCHYARD_LOG_FORMAT",
    "SWITCHYARD_TEST_POSTGRES_URL",
];

pub fn unknown_env_vars() -> Vec<String> {
    std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("SWITCHYARD_") && !KNOWN_ENV_VARS.contains(&name.as_str()))
        .collect()
}
