//! Typed configuration. Every value comes from a command-line flag or the `SWITCHYARD_*`
//! environment variable of the same name, with the defaults documented in the README.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use switchyard_engine::exports::ExportConfig;

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
    /// The server's address as clients reach it (`https://calls.example.com`), for links
    /// such as recording URLs; default: the `Host` the request came to, over http.
    #[arg(long, env = "SWITCHYARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Requests per second allowed per API key; 0 (the default) turns rate limiting off.
    #[arg(long, env = "SWITCHYARD_RATE_LIMIT_PER_SECOND", default_value_t = 0)]
    pub rate_limit_per_second: u32,
    /// Requests a key may make at once above its rate; 0 means the same as the rate.
    #[arg(long, env = "SWITCHYARD_RATE_LIMIT_BURST", default_value_t = 0)]
    pub rate_limit_burst: u32,
    /// A request still unanswered after this many milliseconds gets `503`.
    #[arg(long, env = "SWITCHYARD_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,
    /// Requests handled at once; beyond it new ones get `503` at once instead of queueing.
    #[arg(long, env = "SWITCHYARD_MAX_IN_FLIGHT", default_value_t = 1024)]
    pub max_in_flight: usize,
    /// Connections served at once; one beyond it is answered `503` and closed.
    #[arg(long, env = "SWITCHYARD_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// A connection that sends no request head for this many milliseconds (idle between
    /// requests, or a head arriving too slowly) is closed, freeing its place.
    #[arg(long, env = "SWITCHYARD_IDLE_TIMEOUT_MS", default_value_t = 30_000)]
    pub idle_timeout_ms: u64,
    /// How long a checked API key is trusted without looking it up again, in milliseconds;
    /// a key revoked outside this server (`switchyard key revoke`, another instance) keeps
    /// working here for at most this long. 0 looks every key up on every request.
    #[arg(long, env = "SWITCHYARD_KEY_CACHE_MS", default_value_t = 1_000)]
    pub key_cache_ms: u64,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 1024 * 1024,
            batch_body_limit_bytes: 10 * 1024 * 1024,
            public_url: None,
            rate_limit_per_second: 0,
            rate_limit_burst: 0,
            request_timeout_ms: 30_000,
            max_in_flight: 1024,
            max_connections: 1024,
            idle_timeout_ms: 30_000,
            key_cache_ms: 1_000,
        }
    }
}

/// The call engine of `serve`.
#[derive(Clone, Debug, clap::Args)]
pub struct EngineArgs {
    /// Run the API only, without the call engine (for API-only replicas on PostgreSQL).
    #[arg(long, env = "SWITCHYARD_NO_ENGINE")]
    pub no_engine: bool,
    /// How much faster than real time the simulated telephone network runs (1 = real time).
    #[arg(long, env = "SWITCHYARD_SIM_SPEED", default_value_t = 1.0, value_parser = positive)]
    pub sim_speed: f64,
    /// Live calls per organization; more wait in `Queued`.
    #[arg(long, env = "SWITCHYARD_CONCURRENCY_PER_ORG", default_value_t = 10)]
    pub concurrency_per_org: u32,
    /// Seconds a claim on a call or a webhook holds before another instance may take it over.
    #[arg(long, env = "SWITCHYARD_ENGINE_LEASE_SECS", default_value_t = 30)]
    pub engine_lease_secs: u64,
    /// Deliver webhooks to private and loopback addresses (local development, tests).
    #[arg(long, env = "SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,
    /// Hosts or networks (`10.1.0.0/16`) webhooks may reach although private, comma-separated.
    #[arg(long, env = "SWITCHYARD_WEBHOOK_ALLOW_LIST", value_delimiter = ',')]
    pub webhook_allow_list: Vec<String>,
    /// Waits before each webhook retry, in seconds, comma-separated; its length is the
    /// number of retries.
    #[arg(
        long,
        env = "SWITCHYARD_WEBHOOK_RETRY_SECS",
        value_delimiter = ',',
        default_value = "5,30,120,600,1800,3600,7200,14400"
    )]
    pub webhook_retry_secs: Vec<u64>,
    /// An OpenAI-compatible API (`https://api.openai.com/v1`) for the analysis and for
    /// agents whose model is not `scripted`; without it the deterministic built-in
    /// analyzer and the scripted agent are used.
    #[arg(long, env = "SWITCHYARD_OPENAI_BASE_URL")]
    pub openai_base_url: Option<String>,
    /// The model the analysis asks for (the agent asks for the call's model).
    #[arg(long, env = "SWITCHYARD_OPENAI_MODEL", default_value = "gpt-4o-mini")]
    pub openai_model: String,
    #[arg(long, env = "SWITCHYARD_OPENAI_API_KEY", hide_env_values = true)]
    pub openai_api_key: Option<String>,
    /// A backup OpenAI-compatible API used when the first one fails (`use_backup: true`).
    #[arg(long, env = "SWITCHYARD_OPENAI_BACKUP_BASE_URL")]
    pub openai_backup_base_url: Option<String>,
    #[arg(long, env = "SWITCHYARD_OPENAI_BACKUP_MODEL")]
    pub openai_backup_model: Option<String>,
    #[arg(long, env = "SWITCHYARD_OPENAI_BACKUP_API_KEY", hide_env_values = true)]
    pub openai_backup_api_key: Option<String>,
    #[command(flatten)]
    pub telephony: TelephonyArgs,
}

/// Which telephone network the engine's calls go over (docs/TELEPHONY.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Telephony {
    /// The simulated network: nothing leaves the machine.
    #[default]
    Sim,
    /// A SIP trunk, with real audio (RTP, G.711) and the offline voice pipeline.
    Sip,
}

/// The SIP trunk of `--telephony sip`.
#[derive(Clone, Debug, clap::Args)]
pub struct TelephonyArgs {
    #[arg(long, env = "SWITCHYARD_TELEPHONY", value_enum, default_value_t = Telephony::Sim)]
    pub telephony: Telephony,
    /// Where outbound calls go: the carrier or outbound proxy, `sip:HOST:PORT`.
    #[arg(long, env = "SWITCHYARD_SIP_TRUNK")]
    pub sip_trunk: Option<String>,
    /// Digest authentication with the trunk (`401`/`407` challenges).
    #[arg(long, env = "SWITCHYARD_SIP_USERNAME", requires = "sip_password")]
    pub sip_username: Option<String>,
    #[arg(long, env = "SWITCHYARD_SIP_PASSWORD", hide_env_values = true)]
    pub sip_password: Option<String>,
    /// The UDP address SIP is sent from and received on (inbound calls arrive here).
    #[arg(long, env = "SWITCHYARD_SIP_BIND", default_value = "127.0.0.1:5060")]
    pub sip_bind: std::net::SocketAddr,
    /// The UDP ports audio (RTP) uses, `LOW-HIGH`; one per call.
    #[arg(long, env = "SWITCHYARD_RTP_PORTS", default_value = "10000-20000")]
    pub rtp_ports: String,
    /// The host in `From` and `Contact` (default: the bind address's IP).
    #[arg(long, env = "SWITCHYARD_SIP_FROM_DOMAIN")]
    pub sip_from_domain: Option<String>,
    /// How long an outbound call may ring before it is canceled (`No answer`).
    #[arg(long, env = "SWITCHYARD_SIP_RING_TIMEOUT_SECS", default_value_t = 30)]
    pub sip_ring_timeout_secs: u64,
}

/// The sandbox for integrators' CI (docs/TESTING.md): routes under `/api/v1/sandbox/`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SandboxArgs {
    /// Switch on the sandbox: test clocks, scenarios, reset and injected webhook faults
    /// per organization. Without it every `/api/v1/sandbox/` route is `404`.
    #[arg(long, env = "SWITCHYARD_SANDBOX")]
    pub sandbox: bool,
    /// The bearer token of `POST /api/v1/sandbox/orgs`, which creates organizations (at
    /// least 32 characters). Without it that route is `404`.
    #[arg(
        long,
        env = "SWITCHYARD_ADMIN_TOKEN",
        hide_env_values = true,
        requires = "sandbox",
        value_parser = admin_token
    )]
    pub admin_token: Option<String>,
}

fn admin_token(raw: &str) -> Result<String, String> {
    if raw.chars().count() < 32 {
        return Err("the admin token must be at least 32 characters long".to_owned());
    }
    Ok(raw.to_owned())
}

/// CSV exports (`POST /calls/export`): the SMTP server that mails them and how long they
/// are kept. The export worker runs with the engine (not on `--no-engine` replicas).
#[derive(Clone, Debug, clap::Args)]
pub struct ExportArgs {
    /// The SMTP server that mails exports: `smtp://host:port` (plain),
    /// `smtp+starttls://host:port` (STARTTLS required; also `smtp://host:port?tls=required`)
    /// or `smtps://host:port` (TLS from the start), with `user:password@` before the host
    /// to log in. Without it exports are only downloadable.
    #[arg(long, env = "SWITCHYARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of export mails.
    #[arg(long, env = "SWITCHYARD_SMTP_FROM", default_value = switchyard_engine::exports::DEFAULT_FROM)]
    pub smtp_from: String,
    /// Hours a finished export (its status and its CSV) is kept before it is deleted.
    #[arg(
        long,
        env = "SWITCHYARD_EXPORT_RETENTION_HOURS",
        default_value_t = 168,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub export_retention_hours: u64,
    /// Largest CSV attached to the mail, in bytes; a larger one is only linked.
    #[arg(long, env = "SWITCHYARD_EXPORT_MAX_ATTACHMENT_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub export_max_attachment_bytes: u64,
}

impl ExportArgs {
    /// The export worker's settings for `serve`: scratch files go to `DATA_DIR/tmp`, next
    /// to `DATA_DIR/blobs`.
    pub fn config(&self, data_dir: &std::path::Path, public_url: Option<String>) -> ExportConfig {
        ExportConfig {
            smtp_url: self.smtp_url.clone(),
            smtp_from: self.smtp_from.clone(),
            retention: Duration::from_secs(self.export_retention_hours.saturating_mul(3600)),
            max_attachment_bytes: self.export_max_attachment_bytes,
            scratch_dir: data_dir.join("tmp"),
            public_url,
            ..ExportConfig::default()
        }
    }
}

fn positive(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(value) if value > 0.0 && value.is_finite() => Ok(value),
        _ => Err(format!("`{raw}` is not a positive number")),
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
    "SWITCHYARD_PUBLIC_URL",
    "SWITCHYARD_RATE_LIMIT_PER_SECOND",
    "SWITCHYARD_RATE_LIMIT_BURST",
    "SWITCHYARD_REQUEST_TIMEOUT_MS",
    "SWITCHYARD_MAX_IN_FLIGHT",
    "SWITCHYARD_MAX_CONNECTIONS",
    "SWITCHYARD_IDLE_TIMEOUT_MS",
    "SWITCHYARD_NO_ENGINE",
    "SWITCHYARD_SIM_SPEED",
    "SWITCHYARD_CONCURRENCY_PER_ORG",
    "SWITCHYARD_ENGINE_LEASE_SECS",
    "SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS",
    "SWITCHYARD_WEBHOOK_ALLOW_LIST",
    "SWITCHYARD_WEBHOOK_RETRY_SECS",
    "SWITCHYARD_OPENAI_BASE_URL",
    "SWITCHYARD_OPENAI_MODEL",
    "SWITCHYARD_OPENAI_API_KEY",
    "SWITCHYARD_OPENAI_BACKUP_BASE_URL",
    "SWITCHYARD_OPENAI_BACKUP_MODEL",
    "SWITCHYARD_OPENAI_BACKUP_API_KEY",
    "SWITCHYARD_TELEPHONY",
    "SWITCHYARD_SIP_TRUNK",
    "SWITCHYARD_SIP_USERNAME",
    "SWITCHYARD_SIP_PASSWORD",
    "SWITCHYARD_SIP_BIND",
    "SWITCHYARD_RTP_PORTS",
    "SWITCHYARD_SIP_FROM_DOMAIN",
    "SWITCHYARD_SIP_RING_TIMEOUT_SECS",
    "SWITCHYARD_SANDBOX",
    "SWITCHYARD_ADMIN_TOKEN",
    "SWITCHYARD_SMTP_URL",
    "SWITCHYARD_SMTP_FROM",
    "SWITCHYARD_EXPORT_RETENTION_HOURS",
    "SWITCHYARD_EXPORT_MAX_ATTACHMENT_BYTES",
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
