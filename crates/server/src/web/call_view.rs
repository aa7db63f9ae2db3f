//! The call page's view of a call: its facts as label/value pairs, its timeline, the
//! transcript as a conversation, what the analysis found, notes and rating toggles.

use super::view::{Me, badge, duration, offset, time};
use serde_json::Value;
use std::collections::HashMap;
use switchyard_core::call::Call;
use switchyard_core::call_log::LogEntry;
use switchyard_core::enums::{Emoji, MessageRole};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::transcript::Transcript;

pub struct CallView {
    pub id: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub is_final: bool,
    /// Who speaks for the agent in the transcript (the live script's lines too).
    pub agent: String,
    pub title: String,
    pub facts: Vec<(&'static str, String)>,
    pub timeline: Vec<TimelineEntry>,
    pub messages: Vec<Line>,
    pub extraction: Vec<(String, String)>,
    pub classification: Option<(String, String)>,
    pub notes: Vec<NoteView>,
    pub ratings: Vec<RatingToggle>,
    pub can_stop: bool,
    pub can_cancel: bool,
    pub recording: Option<String>,
}

pub struct TimelineEntry {
    pub at: String,
    pub level: &'static str,
    pub event: String,
    pub message: String,
    pub is_status: bool,
}

/// A turn of the conversation; the tool calls it made are folded under it.
pub struct Line {
    pub speaker: String,
    pub side: &'static str,
    pub at: String,
    pub content: String,
    pub tools: Vec<ToolUse>,
}

/// One tool call: what the agent sent, how the request went, what came back.
pub struct ToolUse {
    pub name: String,
    pub arguments: String,
    /// From the call's logs: "200 in 12 ms", "failed: timed out after 300 ms", or "".
    pub outcome: String,
    pub answer: String,
}

pub struct NoteView {
    pub id: String,
    pub author: String,
    pub created: String,
    pub edited: Option<String>,
    pub content: String,
    pub flagged: bool,
    /// The signed-in member wrote it: only they may edit or flag it.
    pub mine: bool,
    /// They wrote it, or they are an Owner.
    pub can_delete: bool,
}

pub struct RatingToggle {
    pub emoji: &'static str,
    pub label: &'static str,
    /// The signed-in member gave this one: the button removes it.
    pub mine: bool,
    pub count: usize,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl CallView {
    pub fn new(
        call: &Call,
        logs: &[LogEntry],
        transcript: Option<&Transcript>,
        recording: Option<String>,
        me: &Me,
    ) -> CallView {
        let mut facts = vec![
            ("From", call.metadata.from.clone()),
            ("To", call.metadata.to.clone()),
            ("Type", call.call_type.to_string()),
            ("Agent", call.agent.name.clone()),
            ("Use case", call.use_case.name.clone()),
            ("Language", call.language.to_string()),
            ("Created", format!("{} UTC", time(call.created))),
        ];
        if let Some(at) = call.scheduled_for {
            facts.push(("Scheduled for", format!("{} UTC", time(at))));
        }
        if let Some(campaign) = call.campaign_id {
            facts.push(("Campaign", campaign.to_string()));
        }
        facts.push(("Duration", duration(call.duration)));
        if let Some(costs) = &call.costs {
            facts.push((
                "Costs",
                format!(
                    "{:.4} {} (telephony {:.4}, AI {:.4})",
                    costs.total, costs.currency, costs.telephony, costs.ai
                ),
            ));
        }
        if let Some(reason) = call.end_reason {
            facts.push(("End reason", reason.to_string().replace('_', " ")));
        }
        if let Some(answered) = call.answered_by {
            facts.push(("Answered by", answered.to_string()));
        }
        if !call.metadata.tags.is_empty() {
            facts.push(("Tags", call.metadata.tags.join(", ")));
        }
        if !call.viewed_by.is_empty() {
            facts.push(("Viewed by", call.viewed_by.join(", ")));
        }
        let agent = call.agent.name.clone();
        let messages = transcript
            .map(|t| conversation(t, &call.agent.name, logs))
            .unwrap_or_default();
        let can_write = me.can_write;
        CallView {
            id: call.id.to_string(),
            status: call.status.as_str(),
            badge: badge(call.status),
            is_final: call.status.is_final(),
            agent,
            title: format!("{} → {}", call.metadata.from, call.metadata.to),
            facts,
            timeline: logs
                .iter()
                .map(|log| TimelineEntry {
                    at: time(log.timestamp),
                    level: log.level.as_str(),
                    event: log.event.clone(),
                    message: log.message.clone(),
                    is_status: log.event == "status",
                })
                .collect(),
            messages,
            extraction: call
                .extraction
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), text(v)))
                .collect(),
            classification: call
                .classification
                .as_ref()
                .map(|c| (c.tag.clone(), c.reasoning.clone())),
            notes: call
                .notes
                .iter()
                .map(|note| NoteView {
                    id: note.id.to_string(),
                    author: note.user_id.clone(),
                    created: time(note.created_at),
                    edited: note.updated_at.map(time),
                    content: note.content.clone(),
                    flagged: note.flagged,
                    mine: can_write && note.user_id == me.email,
                    can_delete: can_write && (note.user_id == me.email || me.is_owner),
                })
                .collect(),
            ratings: Emoji::ALL
                .iter()
                .map(|&emoji| RatingToggle {
                    emoji: emoji.as_str(),
                    label: match emoji {
                        Emoji::Check => "Good call",
                        Emoji::ThumbsDown => "Poor call",
                        Emoji::Siren => "Needs attention",
                    },
                    mine: call
                        .ratings
                        .iter()
                        .any(|r| r.emoji == emoji && r.email == me.email),
                    count: call.ratings.iter().filter(|r| r.emoji == emoji).count(),
                })
                .collect(),
            can_stop: can_write && call.status.is_live(),
            can_cancel: can_write
                && matches!(call.status, CallStatus::Scheduled | CallStatus::Queued),
            recording,
        }
    }
}

/// Messages as turns: system prompts are left out, and each tool call is attached to the
/// turn that made it, with its answer and, from the logs, how the request went.
fn conversation(transcript: &Transcript, agent: &str, logs: &[LogEntry]) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    // (line, tool) of each tool call id, to attach its answer.
    let mut calls: HashMap<&str, (usize, usize)> = HashMap::new();
    for message in &transcript.messages {
        match message.role {
            MessageRole::System => {}
            MessageRole::Tool => {
                let answer = readable(&message.content);
                let made = message.tool_call_id.as_deref().and_then(|id| calls.get(id));
                match made {
                    Some(&(line, tool)) => lines[line].tools[tool].answer = answer,
                    None => lines.push(Line {
                        speaker: "Tool".to_owned(),
                        side: "tool",
                        at: offset(message.start),
                        content: String::new(),
                        tools: vec![ToolUse {
                            name: message.name.clone().unwrap_or_else(|| "tool".to_owned()),
                            arguments: String::new(),
                            outcome: String::new(),
                            answer,
                        }],
                    }),
                }
            }
            MessageRole::Assistant | MessageRole::User => {
                let assistant = message.role == MessageRole::Assistant;
                let made = message.tool_calls.iter().flatten();
                for (k, call) in made.clone().enumerate() {
                    calls.insert(call.id.as_str(), (lines.len(), k));
                }
                lines.push(Line {
                    speaker: if assistant {
                        agent.to_owned()
                    } else {
                        "Caller".to_owned()
                    },
                    side: if assistant { "agent" } else { "caller" },
                    at: offset(message.start),
                    content: message.content.clone(),
                    tools: made
                        .map(|call| ToolUse {
                            name: call.function.name.clone(),
                            arguments: readable(&call.function.arguments),
                            outcome: outcome(logs, &call.id),
                            answer: String::new(),
                        })
                        .collect(),
                });
            }
        }
    }
    lines
}

/// JSON indented for reading; anything else as it is.
fn readable(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| text.to_owned())
}

/// How the request of tool call `id` went, from its log line.
fn outcome(logs: &[LogEntry], id: &str) -> String {
    let Some(data) = logs
        .iter()
        .find(|log| log.event == "tool" && log.data["tool_call_id"] == id)
        .map(|log| &log.data)
    else {
        return String::new();
    };
    let took = data["duration_ms"].as_u64().unwrap_or(0);
    match (data["error"].as_str(), data["status"].as_u64()) {
        (Some(error), _) => format!("failed: {error} ({took} ms)"),
        (None, Some(status)) => format!("{status} in {took} ms"),
        (None, None) => String::new(),
    }
}
