//! One HTTP attempt at a delivery: sign, POST, and report what happened.

use super::guard::{Guard, GuardError};
use super::sign;
use crate::config::WebhookConfig;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::redirect;
use std::time::{Duration, Instant};
use switchyard_core::Timestamp;
use switchyard_core::webhook::WebhookDelivery;
use url::Url;

const USER_AGENT: &str = concat!("switchyard-webhooks/", env!("CARGO_PKG_VERSION"));

/// How much of a receiver's answer body the ledger keeps.
pub const EXCERPT_BYTES: usize = 512;

/// What one attempt produced: a status, or the error that kept it from getting one.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptResult {
    pub status: Option<u16>,
    pub error: Option<String>,
    /// The receiver's `Retry-After`, in seconds or as an HTTP date.
    pub retry_after: Option<Duration>,
    /// Until the receiver's answer (its status and headers), or the error.
    pub elapsed_ms: u64,
    /// The start of the answer's body (see [`excerpt`]); `None` without an answer.
    pub response_excerpt: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error("cannot build the webhook HTTP client")]
    Client(#[source] reqwest::Error),
}

/// Sends deliveries through the SSRF guard. Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct WebhookSender {
    client: reqwest::Client,
    guard: Guard,
    timeout: Duration,
}

impl WebhookSender {
    pub fn new(config: &WebhookConfig) -> Result<WebhookSender, SenderError> {
        let guard = Guard::new(config)?;
        let client = guarded_client(&guard, config.timeout, USER_AGENT)?;
        Ok(WebhookSender {
            client,
            guard,
            timeout: config.timeout,
        })
    }

    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// POSTs the delivery's body signed with `secret`; `now` is the `webhook-timestamp`.
    pub async fn send(
        &self,
        delivery: &WebhookDelivery,
        secret: &str,
        now: Timestamp,
    ) -> AttemptResult {
        let started = Instant::now();
        let result = self.post(delivery, secret, now).await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(response) => AttemptResult {
                status: Some(response.status().as_u16()),
                error: None,
                retry_after: retry_after(response.headers(), now),
                elapsed_ms,
                response_excerpt: Some(excerpt(response).await),
            },
            Err(error) => AttemptResult {
                status: None,
                error: Some(error),
                retry_after: None,
                elapsed_ms,
                response_excerpt: None,
            },
        }
    }

    async fn post(
        &self,
        delivery: &WebhookDelivery,
        secret: &str,
        now: Timestamp,
    ) -> Result<reqwest::Response, String> {
        let url = Url::parse(&delivery.url).map_err(|e| format!("invalid URL: {e}"))?;
        self.guard.check_url(&url).map_err(|e| e.to_string())?;
        let id = delivery.id.to_string();
        let timestamp = now.unix_seconds();
        let pairs = delivery
            .headers
            .iter()
            .map(|h| (h.key.as_str(), h.value.as_str()));
        let signed = Signed {
            secret,
            id: &id,
            timestamp,
            body: &delivery.body,
        };
        let mut headers = signed_json_headers("hook", pairs, &signed)?;
        headers.insert(
            HeaderName::from_static("webhook-sequence"),
            HeaderValue::from(delivery.sequence),
        );
        self.client
            .post(url)
            .headers(headers)
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(|e| describe(&e, self.timeout))
    }
}

/// What a request to a tenant's URL is signed with (Standard Webhooks).
pub(crate) struct Signed<'a> {
    pub secret: &'a str,
    /// `webhook-id`: receivers deduplicate on it.
    pub id: &'a str,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
    pub body: &'a str,
}

/// The headers of a signed JSON request: the hook's or tool's own (`what` names which;
/// see [`custom_headers`]), `content-type: application/json`, and `webhook-id`,
/// `webhook-timestamp` and `webhook-signature` over `signed.body`.
pub(crate) fn signed_json_headers<'a>(
    what: &str,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    signed: &Signed<'_>,
) -> Result<HeaderMap, String> {
    let signature = sign::signature(
        signed.secret,
        signed.id,
        signed.timestamp,
        signed.body.as_bytes(),
    )
    .map_err(|e| format!("cannot sign: {e}"))?;
    let mut headers = custom_headers(what, pairs)?;
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in [
        ("webhook-id", signed.id.to_owned()),
        ("webhook-timestamp", signed.timestamp.to_string()),
        ("webhook-signature", signature),
    ] {
        let value = HeaderValue::try_from(value).map_err(|e| e.to_string())?;
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok(headers)
}

/// A client that reaches only what `guard` allows, for requests to tenants' URLs
/// (webhooks, tools).
pub(crate) fn guarded_client(
    guard: &Guard,
    timeout: Duration,
    user_agent: &'static str,
) -> Result<reqwest::Client, SenderError> {
    reqwest::Client::builder()
        .dns_resolver(guard.clone())
        .timeout(timeout)
        // A redirect would be a second destination that only the resolver checks, and a
        // receiver has no business moving: a 3xx is a failed attempt.
        .redirect(redirect::Policy::none())
        // A proxy resolves names itself, out of the guard's sight.
        .no_proxy()
        .user_agent(user_agent)
        .build()
        .map_err(SenderError::Client)
}

/// A short reason for the call's logs. reqwest's own message leads with the full URL
/// (query tokens included) and buries the cause at the end of the chain.
pub(crate) fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("timed out after {} ms", timeout.as_millis());
    }
    let chain = std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |e| {
        (*e).source()
    });
    // A refusal reads the same whatever its reason (how a name resolved stays out of
    // logs that tenants read); the operator's log has the reason.
    if let Some(refusal) = chain.clone().find(|e| e.is::<GuardError>()) {
        return refusal.to_string();
    }
    chain.last().map(|e| e.to_string()).unwrap_or_default()
}

/// Whether `name` can be sent as an HTTP header name (checked when a hook is saved, so that
/// delivery never meets one it cannot send).
pub fn is_header_name(name: &str) -> bool {
    HeaderName::from_bytes(name.as_bytes()).is_ok()
}

/// Whether `value` can be sent as an HTTP header value: visible ASCII, no line breaks.
pub fn is_header_value(value: &str) -> bool {
    HeaderValue::from_str(value).is_ok()
}

/// A hook's or tool's own headers (`what` names which), minus those that would change how
/// the body is framed or typed, or forge the signature headers. An invalid one fails the
/// request, so that the call's logs say why the receiver never saw it. Values are marked
/// sensitive (they carry credentials) and never appear in errors.
pub(crate) fn custom_headers<'a>(
    what: &str,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    for (key, value) in pairs {
        let name = HeaderName::from_bytes(key.as_bytes())
            .map_err(|_| format!("{what} header `{key}` is not a valid name"))?;
        let reserved = matches!(
            name.as_str(),
            "content-type" | "content-length" | "transfer-encoding" | "connection" | "host"
        ) || name.as_str().starts_with("webhook-");
        if reserved {
            continue;
        }
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| format!("{what} header `{name}` has a value that is not valid HTTP"))?;
        value.set_sensitive(true);
        headers.append(name, value);
    }
    Ok(headers)
}

/// The first [`EXCERPT_BYTES`] of the answer's body as text (invalid UTF-8 replaced, a
/// character cut by the limit left out). The rest is not waited for, and a body that
/// breaks off (or outlasts the attempt's timeout) keeps what had arrived.
async fn excerpt(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() <= EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    text_prefix(&bytes)
}

fn text_prefix(bytes: &[u8]) -> String {
    let mut end = bytes.len().min(EXCERPT_BYTES);
    // A UTF-8 continuation byte (`10xxxxxx`) right after the cut means the cut split a
    // character (of at most 4 bytes): leave it out rather than show half of it replaced.
    let continues = |at: usize| bytes.get(at).is_some_and(|b| b & 0xC0 == 0x80);
    let floor = end.saturating_sub(3);
    while end > floor && continues(end) {
        end -= 1;
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `Retry-After` as seconds or an HTTP date (a date in the past means now).
fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let ahead_ms = at.timestamp_millis().saturating_sub(now.millis());
    Some(Duration::from_millis(u64::try_from(ahead_ms).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::routing::post;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};
    use switchyard_core::Id;
    use switchyard_core::use_case::HookHeader;

    type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

    /// A receiver answering `POST /{status}` with that status, and `POST /slow` late.
    async fn receiver() -> (SocketAddr, Received) {
        let received = Received::default();
        let app = Router::new()
            .route("/{status}", post(answer))
            .route("/slow", post(|| tokio::time::sleep(Duration::from_secs(5))))
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (addr, received)
    }

    async fn answer(
        State(received): State<Received>,
        Path(status): Path<u16>,
        headers: HeaderMap,
        body: Bytes,
    ) -> impl IntoResponse {
        received.lock().unwrap().push((headers, body));
        let retry_after = match status {
            503 => "120".to_owned(),
            429 => httpdate_in(90),
            _ => String::new(),
        };
        let status = StatusCode::from_u16(status).unwrap();
        (status, [(RETRY_AFTER, retry_after)])
    }

    fn httpdate_in(seconds: i64) -> String {
        (chrono::Utc::now() + chrono::Duration::seconds(seconds))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    }

    fn now() -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
    }

    fn delivery(url: String) -> WebhookDelivery {
        let header = |key: &str, value: &str| HookHeader {
            key: key.into(),
            value: value.into(),
        };
        WebhookDelivery {
            sequence: 1,
            id: Id::new(now()),
            organization_id: Id::new(now()),
            call_id: Id::new(now()),
            event_type: "end".into(),
            url,
            headers: vec![
                header("Authorization", "Bearer hook-secret"),
                header("Content-Type", "text/plain"),
                header("Webhook-Signature", "v1,forged"),
            ],
            body: r#"{"type":"end","call":{},"content":{"messages":[]}}"#.into(),
            attempts: 0,
            replay: false,
            duplicate: false,
            created_at: now(),
        }
    }

    fn sender(allow_private: bool) -> WebhookSender {
        WebhookSender::new(&WebhookConfig {
            allow_private,
            timeout: Duration::from_millis(300),
            ..WebhookConfig::default()
        })
        .unwrap()
    }

    #[tokio::test]
    async fn posts_signed_json_with_the_hooks_headers() {
        let (addr, received) = receiver().await;
        let secret = sign::generate_secret();
        let delivery = delivery(format!("http://{addr}/200"));
        let result = sender(true).send(&delivery, &secret, now()).await;
        assert_eq!(result.status, Some(200), "{result:?}");
        assert_eq!(result.error, None);

        let (headers, body) = received.lock().unwrap().pop().unwrap();
        assert_eq!(body, delivery.body.as_bytes());
        assert_eq!(headers[CONTENT_TYPE], "application/json");
        assert_eq!(headers.get_all(CONTENT_TYPE).iter().count(), 1);
        assert_eq!(headers["authorization"], "Bearer hook-secret");
        assert_eq!(headers["webhook-id"], delivery.id.to_string().as_str());
        assert_eq!(headers.get_all("webhook-signature").iter().count(), 1);
        assert!(
            headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("switchyard-webhooks/")
        );
        standardwebhooks::Webhook::new(&secret)
            .unwrap()
            .verify(&body, &headers)
            .unwrap();
    }

    #[tokio::test]
    async fn reports_statuses_and_retry_after() {
        let (addr, _) = receiver().await;
        let send = |status: u16| async move {
            let delivery = delivery(format!("http://{addr}/{status}"));
            sender(true).send(&delivery, "whsec_c2VjcmV0", now()).await
        };
        let unavailable = send(503).await;
        assert_eq!(unavailable.status, Some(503));
        assert_eq!(unavailable.retry_after, Some(Duration::from_secs(120)));

        let limited = send(429).await;
        let wait = limited.retry_after.unwrap().as_secs();
        assert!((85..=90).contains(&wait), "{wait}");

        let moved = send(302).await;
        assert_eq!((moved.status, moved.retry_after), (Some(302), None));
    }

    #[tokio::test]
    async fn private_destinations_are_refused_before_any_request() {
        let (addr, received) = receiver().await;
        let port = addr.port();
        let strict = sender(false);
        let secret = sign::generate_secret();
        for url in [
            format!("http://127.0.0.1:{port}/200"),
            format!("http://localhost:{port}/200"),
            format!("http://no-such-host.invalid:{port}/200"),
        ] {
            let result = strict.send(&delivery(url), &secret, now()).await;
            assert_eq!(result.status, None);
            assert_eq!(result.error.as_deref(), Some(super::super::guard::REFUSED));
        }
        assert!(received.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn network_failures_are_described() {
        let (addr, _) = receiver().await;
        let secret = sign::generate_secret();
        let slow = sender(true)
            .send(&delivery(format!("http://{addr}/slow")), &secret, now())
            .await;
        assert_eq!(slow.error.as_deref(), Some("timed out after 300 ms"));

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_addr = closed.local_addr().unwrap();
        drop(closed);
        let refused = sender(true)
            .send(&delivery(format!("http://{closed_addr}/")), &secret, now())
            .await;
        let error = refused.error.unwrap().to_lowercase();
        assert!(error.contains("refused"), "{error}");
    }

    #[tokio::test]
    async fn keeps_the_start_of_the_answer() {
        let (addr, _) = receiver().await;
        let secret = sign::generate_secret();
        let answered = sender(true)
            .send(&delivery(format!("http://{addr}/503")), &secret, now())
            .await;
        assert_eq!(answered.response_excerpt.as_deref(), Some(""));
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_addr = closed.local_addr().unwrap();
        drop(closed);
        let refused = sender(true)
            .send(&delivery(format!("http://{closed_addr}/")), &secret, now())
            .await;
        assert_eq!(refused.response_excerpt, None);
    }

    #[test]
    fn excerpts_are_cut_between_characters() {
        let long = "a".repeat(EXCERPT_BYTES + 10);
        assert_eq!(text_prefix(long.as_bytes()), "a".repeat(EXCERPT_BYTES));
        // `é` is two bytes: the limit falls inside the last one, which is left out.
        let accented = format!("{}é", "a".repeat(EXCERPT_BYTES - 1));
        assert_eq!(
            text_prefix(accented.as_bytes()),
            "a".repeat(EXCERPT_BYTES - 1)
        );
        // A four-byte character cut after its first byte.
        let emoji = format!("{}🚨 more", "a".repeat(EXCERPT_BYTES - 1));
        assert_eq!(text_prefix(emoji.as_bytes()), "a".repeat(EXCERPT_BYTES - 1));
        assert_eq!(text_prefix(b"ok \xff done"), "ok \u{fffd} done");
        assert_eq!(text_prefix("short é".as_bytes()), "short é");
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let at = Timestamp::parse("2015-10-21T07:28:00Z").unwrap();
        let parse = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            retry_after(&headers, at)
        };
        assert_eq!(parse("30"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse("Wed, 21 Oct 2015 07:30:00 GMT"),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse("Wed, 21 Oct 2015 07:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse("soon"), None);
    }
}
