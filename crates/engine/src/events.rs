//! What the engine records when a call changes: the status log line, and the `start`/`end`
//! webhooks (contract §7) to every hook of the call's use case.

use crate::agent::tools::Invocation;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::lifecycle::{CallEvent, IllegalTransition};
use switchyard_core::transcript::Message;
use switchyard_core::use_case::Hook;
use switchyard_core::webhook::NewWebhook;
use switchyard_core::webhook_faults::WebhookFaults;
use switchyard_core::{Id, Timestamp};

/// Where a call's events go ([`Engine::current_hooks`]), and the faults the sandbox
/// injects into the organization's deliveries (none without `--sandbox`).
///
/// [`Engine::current_hooks`]: crate::Engine::current_hooks
#[derive(Clone, Debug, Default)]
pub struct EventHooks {
    pub hooks: Vec<Hook>,
    pub faults: WebhookFaults,
}

/// Applies `event` to `call` (the state machine decides) and logs the change with `why`.
pub fn transition(
    call: &mut Call,
    event: CallEvent,
    at: Timestamp,
    why: &str,
    logs: &mut Vec<NewLog>,
) -> Result<(), IllegalTransition> {
    let from = call.status;
    call.apply(event)?;
    let mut data = json!({"from": from.as_str(), "to": call.status.as_str()});
    if let Some(reason) = call.end_reason.filter(|_| call.status.is_final()) {
        data["end_reason"] = json!(reason.as_str());
    }
    logs.push(NewLog::info(
        at,
        "status",
        format!("{from} -> {}: {why}", call.status),
        data,
    ));
    Ok(())
}

/// `start`, when the call is answered: `content: {recording: null}`.
pub fn start_webhooks(call: &Call, hooks: &EventHooks, at: Timestamp) -> Vec<NewWebhook> {
    webhooks(call, hooks, "start", json!({"recording": null}), at)
}

/// `end`, when the call reaches a final status: `content: {messages, tools}`, where
/// `tools` maps each tool the agent called to its invocations.
pub fn end_webhooks(
    call: &Call,
    hooks: &EventHooks,
    messages: &[Message],
    tools: &BTreeMap<String, Vec<Invocation>>,
    at: Timestamp,
) -> Vec<NewWebhook> {
    let content = json!({"messages": messages, "tools": tools});
    webhooks(call, hooks, "end", content, at)
}

/// One delivery of the event to each hook (the use case's as they are now, with their
/// credentials: the call's own snapshot has them masked, see [`Engine::current_hooks`]),
/// shaped by the sandbox's faults: every delivery the engine makes is built here.
///
/// [`Engine::current_hooks`]: crate::Engine::current_hooks
fn webhooks(
    call: &Call,
    hooks: &EventHooks,
    event_type: &str,
    content: Value,
    at: Timestamp,
) -> Vec<NewWebhook> {
    if hooks.hooks.is_empty() {
        return Vec::new();
    }
    let body = json!({"type": event_type, "call": call, "content": content}).to_string();
    hooks
        .hooks
        .iter()
        .map(|hook| {
            let mut webhook = NewWebhook {
                id: Id::new(at),
                event_type: event_type.to_owned(),
                url: hook.url.clone(),
                headers: hook.headers.clone(),
                body: body.clone(),
                created_at: at,
                first_attempt_at: at,
                duplicate: false,
            };
            hooks.faults.apply(&mut webhook);
            webhook
        })
        .collect()
}
