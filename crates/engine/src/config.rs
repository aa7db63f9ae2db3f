//! The engine's settings, with the defaults a laptop or a CI job wants.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Live calls per organization; more wait in `Queued`.
    pub concurrency_per_org: u32,
    /// How much faster than real time the simulated network runs (1 = real time).
    pub sim_speed: f64,
    /// How long a claim on a call or a webhook delivery holds before another instance may
    /// take it over. The holder renews it on every step.
    pub lease: Duration,
    /// The longest the engine loop sleeps between polls (new work also wakes it at once).
    pub poll_interval: Duration,
    /// Telephony price per minute, in USD.
    pub telephony_per_minute: f64,
    /// AI price per minute of conversation, in USD.
    pub ai_per_minute: f64,
    pub webhooks: WebhookConfig,
    /// `serve --sandbox`: organizations may freeze their clocks, so the pass over every
    /// organization leaves the frozen ones to their own `advance`.
    pub sandbox: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            concurrency_per_org: 10,
            sim_speed: 1.0,
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            telephony_per_minute: 0.014,
            ai_per_minute: 0.06,
            webhooks: WebhookConfig::default(),
            sandbox: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Wait before each retry; its length is the number of retries. Each wait gets up to
    /// 20% of jitter.
    pub retry_schedule: Vec<Duration>,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Deliver to private, loopback and link-local addresses (local development, tests).
    pub allow_private: bool,
    /// Hosts or IP networks (`10.1.2.0/24`) allowed although private.
    pub allow_list: Vec<String>,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            retry_schedule: [5, 30, 120, 600, 1800, 3600, 7200, 14400]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            timeout: Duration::from_secs(10),
            allow_private: false,
            allow_list: Vec::new(),
            max_retry_after: Duration::from_secs(3600),
        }
    }
}
