//! The call page's view of a call: its facts as label/value pairs, its timeline, the
//! transcript as a conversation, what the analysis found, notes and rating toggles.

use super::view::{Me, badge, duration, offset, time};
use serde_json::Value;
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

/// A turn of the conversation; tool calls and results are folded under it.
pub struct Line {
    pub speaker: String,
    pub side: &'static str,
    pub at: String,
    pub content: String,
    pub tools: Vec<(String, String)>,
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
            .map(|t| conversation(t, &agent))
            .unwrap_or_default();
        let can_write = me.can_write;
        CallView {
            id: call.id.to_string(),
            status: call.status.as_str(),
            badge: badge(call.status),
            is_final: call.status.is_final(),
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

/// Messages as turns: system prompts are left out, tool calls and their results are
/// attached to the turn that made them.
fn conversation(transcript: &Transcript, agent: &str) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for message in &transcript.messages {
        match message.role {
            MessageRole::System => {}
            MessageRole::Tool => {
                let name = message.name.clone().unwrap_or_else(|| "tool".to_owned());
                let result = (format!("{name} → result"), message.content.clone());
                match lines.last_mut() {
                    Some(last) => last.tools.push(result),
                    None => lines.push(Line {
                        speaker: "Tool".to_owned(),
                        side: "tool",
                        at: offset(message.start),
                        content: String::new(),
                        tools: vec![result],
                    }),
                }
            }
            MessageRole::Assistant | MessageRole::User => {
                let assistant = message.role == MessageRole::Assistant;
                lines.push(Line {
                    speaker: if assistant {
                        agent.to_owned()
                    } else {
                        "Caller".to_owned()
                    },
                    side: if assistant { "agent" } else { "caller" },
                    at: offset(message.start),
                    content: message.content.clone(),
                    tools: message
                        .tool_calls
                        .iter()
                        .flatten()
                        .map(|t| (t.function.name.clone(), t.function.arguments.clone()))
                        .collect(),
                });
            }
        }
    }
    lines
}
