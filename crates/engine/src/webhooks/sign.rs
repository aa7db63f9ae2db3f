//! Signing in the Standard Webhooks format (contract §7), so receivers can verify with any
//! Standard Webhooks or svix library.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use standardwebhooks::{Webhook, WebhookError};

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn generate_secret() -> String {
    let key: [u8; 32] = rand::random();
    format!("whsec_{}", STANDARD.encode(key))
}

/// The `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. The
/// version prefix lets a receiver accept several signatures while keys rotate.
///
/// Fails if the secret is not base64 (a corrupted store) or the body is not UTF-8, which
/// the Standard Webhooks format requires.
pub fn signature(
    secret: &str,
    msg_id: &str,
    timestamp_secs: i64,
    body: &[u8],
) -> Result<String, WebhookError> {
    Webhook::new(secret)?.sign(msg_id, timestamp_secs, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn secrets_are_standard_webhooks_keys() {
        let secret = generate_secret();
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        assert_eq!(key.len(), 32);
        assert_ne!(secret, generate_secret());
    }

    #[test]
    fn signature_verifies() {
        let secret = generate_secret();
        let now = chrono::Utc::now().timestamp();
        let body = br#"{"type":"end"}"#;
        let sig = signature(&secret, "msg_1", now, body).unwrap();
        assert!(sig.starts_with("v1,"));

        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_static("msg_1"));
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", sig.parse().unwrap());
        let verifier = Webhook::new(&secret).unwrap();
        verifier.verify(body, &headers).unwrap();
        assert!(verifier.verify(br#"{"type":"start"}"#, &headers).is_err());
    }

    #[test]
    fn a_broken_secret_is_an_error() {
        assert!(signature("whsec_not base64!", "msg_1", 0, b"{}").is_err());
    }
}
