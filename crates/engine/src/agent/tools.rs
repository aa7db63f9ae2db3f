//! A tool call is an HTTP request to the integrator's endpoint: signed like a webhook
//! (Standard Webhooks headers, the organization's secret), through the same SSRF guard,
//! never redirected and never retried. Whatever happens becomes the answer the agent
//! reads, one entry of the end webhook's `content.tools`, and a line of the call's logs.

use crate::webhooks::guard::Guard;
use crate::webhooks::sender::{SenderError, Signed, describe, guarded_client, signed_json_headers};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchyard_core::call::{Call, JsonObject};
use switchyard_core::call_log::NewLog;
pub use switchyard_core::conversation::Invocation;
use switchyard_core::prompt::{Tool, ToolMethod};
use switchyard_core::use_case::masked_url;
use switchyard_core::{MessageId, Timestamp};
use url::Url;

const USER_AGENT: &str = concat!("switchyard-tools/", env!("CARGO_PKG_VERSION"));
/// The most of an answer the agent reads; a longer one is refused rather than cut, since
/// half a JSON document is not JSON.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Sends tool requests. Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct ToolCaller {
    client: reqwest::Client,
    guard: Guard,
}

impl ToolCaller {
    /// Each request has its tool's own timeout; the client's is the longest allowed.
    pub fn new(guard: Guard) -> Result<ToolCaller, SenderError> {
        let longest =
            Duration::from_millis(u64::from(switchyard_core::prompt::MAX_TOOL_TIMEOUT_MS));
        Ok(ToolCaller {
            client: guarded_client(&guard, longest, USER_AGENT)?,
            guard,
        })
    }

    /// Calls `tool` with `arguments` for `call`, signing with the organization's `secret`;
    /// `at` is the `webhook-timestamp` and the log line's time.
    pub async fn invoke(
        &self,
        call: &Call,
        tool: &Tool,
        tool_call_id: &str,
        arguments: JsonObject,
        secret: &str,
        at: Timestamp,
    ) -> (Invocation, NewLog) {
        let timeout = Duration::from_millis(u64::from(tool.timeout_ms));
        let started = Instant::now();
        let outcome = self
            .request(call, tool, &arguments, secret, at, timeout)
            .await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, result, error) = match outcome {
            Ok((status, _)) if !(200..300).contains(&status) => (
                Some(status),
                Value::Null,
                Some(format!("the endpoint answered {status}")),
            ),
            Ok((status, body)) => (Some(status), body, None),
            Err((status, error)) => (status, Value::Null, Some(error)),
        };
        let invocation = Invocation {
            arguments,
            status,
            result,
            duration_ms,
            error,
        };
        let log = log_line(tool, tool_call_id, &invocation, at);
        (invocation, log)
    }

    async fn request(
        &self,
        call: &Call,
        tool: &Tool,
        arguments: &JsonObject,
        secret: &str,
        at: Timestamp,
        timeout: Duration,
    ) -> Result<(u16, Value), (Option<u16>, String)> {
        let fail = |error: String| (None, error);
        let mut url = Url::parse(&tool.url).map_err(|e| fail(format!("invalid URL: {e}")))?;
        self.guard
            .check_url(&url)
            .map_err(|e| fail(e.to_string()))?;
        let body = match tool.method {
            ToolMethod::Post => Value::Object(arguments.clone()).to_string(),
            ToolMethod::Get => {
                let mut query = url.query_pairs_mut();
                for (name, value) in arguments {
                    query.append_pair(name, &super::plain(value));
                }
                drop(query);
                String::new()
            }
        };
        let id = format!("msg_{}", MessageId::new(at));
        let pairs = tool
            .headers
            .iter()
            .map(|h| (h.key.as_str(), h.value.as_str()));
        let signed = Signed {
            secret,
            id: &id,
            timestamp: at.unix_seconds(),
            body: &body,
        };
        let mut headers = signed_json_headers("tool", pairs, &signed).map_err(fail)?;
        let call_id =
            HeaderValue::try_from(call.id.to_string()).map_err(|e| fail(e.to_string()))?;
        headers.insert(HeaderName::from_static("x-switchyard-call-id"), call_id);
        let request = match tool.method {
            ToolMethod::Post => self.client.post(url).body(body),
            ToolMethod::Get => self.client.get(url),
        };
        let mut response = request
            .headers(headers)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| fail(describe(&e, timeout)))?;
        let status = response.status().as_u16();
        let mut answer = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    answer.extend_from_slice(&chunk);
                    if answer.len() > MAX_ANSWER_BYTES {
                        return Err((
                            Some(status),
                            format!("the answer is larger than {} KiB", MAX_ANSWER_BYTES / 1024),
                        ));
                    }
                }
                Ok(None) => break,
                Err(e) => return Err((Some(status), describe(&e, timeout))),
            }
        }
        let text = String::from_utf8_lossy(&answer).into_owned();
        let result = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, result))
    }
}

fn log_line(tool: &Tool, tool_call_id: &str, invocation: &Invocation, at: Timestamp) -> NewLog {
    let method = match tool.method {
        ToolMethod::Post => "POST",
        ToolMethod::Get => "GET",
    };
    // The call's logs are read by every role: the URL keeps no credential.
    let url = masked_url(&tool.url);
    let what = match (&invocation.error, invocation.status) {
        (None, Some(status)) => format!("answered {status}"),
        (Some(error), _) => format!("failed: {error}"),
        (None, None) => "gave no answer".to_owned(),
    };
    let message = format!(
        "tool {} ({method} {url}) {what} in {} ms",
        tool.name, invocation.duration_ms
    );
    let data = json!({
        "tool": tool.name,
        "tool_call_id": tool_call_id,
        "method": method,
        "url": url,
        "status": invocation.status,
        "duration_ms": invocation.duration_ms,
        "error": invocation.error,
    });
    if invocation.error.is_none() {
        NewLog::info(at, "tool", message, data)
    } else {
        NewLog::warn(at, "tool", message, data)
    }
}
