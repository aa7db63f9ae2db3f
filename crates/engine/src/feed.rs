//! The live feed of call changes (the review app's `/events`): every status change and
//! transcript line this process's engine writes, broadcast once to every listener. Each
//! change is serialized once, when it is published; listeners filter by organization and
//! copy the text. A listener that falls behind loses its backlog and is told to resync
//! instead of buffering without bound; a few hundred recent changes are kept so that a
//! reconnecting listener gets what it missed (or a resync when that is too old).
//!
//! Other instances on the same database (PostgreSQL) hear of this process's changes
//! through the store (`announce_call_changes`: what `outgoing` collects) and publish them
//! to their own feed ([`CallFeed::relayed`]), one listener per process.

use serde_json::json;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use switchyard_core::call::Call;
use switchyard_core::enums::MessageRole;
use switchyard_core::transcript::Message;
use switchyard_core::{CallId, OrgId};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Changes a listener may fall behind by before it must resync.
const LISTENER_BACKLOG: usize = 256;
/// Changes kept for listeners that reconnect, and at most waiting to be announced.
const RECENT: usize = 512;
/// Under PostgreSQL's limit of 8,000 bytes for a `NOTIFY` payload.
const MAX_ANNOUNCED_BYTES: usize = 7_900;

/// One published change, ready to send.
#[derive(Debug)]
pub struct CallChange {
    /// `<epoch>-<seq>`: the SSE event id (a listener's `Last-Event-ID`).
    pub id: String,
    pub seq: u64,
    pub org: OrgId,
    pub call: CallId,
    /// The SSE event name: `status` or `line`.
    pub kind: &'static str,
    /// The event's JSON data.
    pub data: String,
}

pub type Change = Arc<CallChange>;

/// Where a listener starts.
pub enum Start {
    /// Changes published after these (none were missed).
    Backlog(Vec<Change>),
    /// Changes were missed that the feed no longer keeps: read the state again.
    Resync,
}

pub struct CallFeed {
    /// Names this process's sequence, so that an id from another process (or before a
    /// restart) is recognized as unknown.
    epoch: u32,
    sender: broadcast::Sender<Change>,
    recent: Mutex<Recent>,
    /// Ends every listener's stream (the server is shutting down: an open stream would
    /// hold its connection, and the shutdown, forever).
    closed: CancellationToken,
}

#[derive(Default)]
struct Recent {
    next_seq: u64,
    changes: VecDeque<Change>,
    /// This process's changes, as announced to the others, until the engine sends them.
    outgoing: Vec<String>,
}

/// A change as another instance announced it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Announced<'a> {
    /// The announcing process's epoch: a process skips its own.
    from: u32,
    org: OrgId,
    call: CallId,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    data: Cow<'a, str>,
}

impl Default for CallFeed {
    fn default() -> Self {
        CallFeed {
            epoch: rand::random(),
            sender: broadcast::channel(LISTENER_BACKLOG).0,
            recent: Mutex::default(),
            closed: CancellationToken::new(),
        }
    }
}

impl CallFeed {
    /// Ends the listeners' streams.
    pub fn close(&self) {
        self.closed.cancel();
    }

    /// Cancelled once the feed is closed.
    pub fn closed(&self) -> CancellationToken {
        self.closed.clone()
    }

    /// The id a page rendered now passes back to start from (`?since=`).
    pub fn position(&self) -> String {
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        format!("{}-{}", self.epoch, recent.next_seq)
    }

    /// A new listener, and what it missed since `after` (an event id, or a position);
    /// `None`: from now on.
    pub fn listen(&self, after: Option<&str>) -> (broadcast::Receiver<Change>, Start) {
        // Under the lock, so that no change falls between the backlog and the receiver.
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let receiver = self.sender.subscribe();
        let Some(after) = after else {
            return (receiver, Start::Backlog(Vec::new()));
        };
        let next = match after.split_once('-') {
            Some((epoch, seq)) if epoch == self.epoch.to_string() => seq.parse::<u64>().ok(),
            _ => None,
        };
        let oldest = recent.changes.front().map_or(recent.next_seq, |c| c.seq);
        let start = match next {
            Some(next) if next >= oldest && next <= recent.next_seq => Start::Backlog(
                recent
                    .changes
                    .iter()
                    .filter(|c| c.seq >= next)
                    .cloned()
                    .collect(),
            ),
            _ => Start::Resync,
        };
        (receiver, start)
    }

    fn publish(&self, org: OrgId, call: CallId, kind: &'static str, data: String) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.outgoing.len() < RECENT {
            let announced = |kind, data| Announced {
                from: self.epoch,
                org,
                call,
                kind: Cow::Borrowed(kind),
                data: Cow::Borrowed(data),
            };
            let mut text = serde_json::to_string(&announced(kind, &data)).unwrap_or_default();
            if text.len() > MAX_ANNOUNCED_BYTES {
                // Too long a line for a notification: the others' pages read the call again.
                text = serde_json::to_string(&announced("resync", "{}")).unwrap_or_default();
            }
            recent.outgoing.push(text);
        }
        self.push(&mut recent, org, call, kind, data);
    }

    fn push(
        &self,
        recent: &mut Recent,
        org: OrgId,
        call: CallId,
        kind: &'static str,
        data: String,
    ) {
        let seq = recent.next_seq;
        recent.next_seq += 1;
        let change = Arc::new(CallChange {
            // The id names the next position, so that resuming from it skips this change.
            id: format!("{}-{}", self.epoch, seq + 1),
            seq,
            org,
            call,
            kind,
            data,
        });
        if recent.changes.len() == RECENT {
            recent.changes.pop_front();
        }
        recent.changes.push_back(change.clone());
        // Nobody listening is not an error.
        let _ = self.sender.send(change);
    }

    /// This process's changes not yet announced to the other instances.
    pub fn take_outgoing(&self) -> Vec<String> {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut recent.outgoing)
    }

    /// A change another instance announced: published here as if it were this
    /// process's (and not announced again). This process's own, and anything unreadable,
    /// are left out.
    pub fn relayed(&self, text: &str) {
        let Ok(change) = serde_json::from_str::<Announced>(text) else {
            tracing::warn!("an unreadable call change announced: left out");
            return;
        };
        let kind = match change.kind.as_ref() {
            "status" => "status",
            "line" => "line",
            "resync" => "resync",
            _ => return,
        };
        if change.from == self.epoch {
            return;
        }
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        self.push(
            &mut recent,
            change.org,
            change.call,
            kind,
            change.data.into_owned(),
        );
    }

    /// The call's status as just written.
    pub fn status(&self, call: &Call) {
        let data = json!({
            "call_id": call.id,
            "status": call.status.as_str(),
            "final": call.status.is_final(),
            "end_reason": call.end_reason.filter(|_| call.status.is_final()).map(|r| r.as_str()),
        });
        self.publish(call.organization_id, call.id, "status", data.to_string());
    }

    /// The call's transcript lines (system prompts left out), in order.
    pub fn lines(&self, org: OrgId, call: CallId, messages: &[Message]) {
        for message in messages.iter().filter(|m| m.role != MessageRole::System) {
            let data = json!({
                "call_id": call,
                "message_id": message.id,
                "role": message.role.as_str(),
                "name": message.name,
                "content": message.content,
                "start": message.start,
            });
            self.publish(org, call, "line", data.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::{Id, Timestamp};

    fn change(feed: &CallFeed, org: OrgId) {
        feed.publish(
            org,
            Id::new(Timestamp::from_millis(0)),
            "status",
            "{}".into(),
        );
    }

    fn backlog(start: Start) -> Vec<u64> {
        match start {
            Start::Backlog(changes) => changes.iter().map(|c| c.seq).collect(),
            Start::Resync => panic!("a resync"),
        }
    }

    #[test]
    fn a_listener_resumes_after_the_last_change_it_saw() {
        let feed = CallFeed::default();
        let org = Id::new(Timestamp::from_millis(0));
        let start = feed.position();
        for _ in 0..3 {
            change(&feed, org);
        }
        assert_eq!(backlog(feed.listen(Some(&start)).1), [0, 1, 2]);
        let second = feed.recent.lock().unwrap().changes[1].id.clone();
        assert_eq!(backlog(feed.listen(Some(&second)).1), [2]);
        assert_eq!(
            backlog(feed.listen(Some(&feed.position())).1),
            Vec::<u64>::new()
        );
        assert_eq!(backlog(feed.listen(None).1), Vec::<u64>::new());
    }

    #[test]
    fn what_the_feed_no_longer_keeps_or_never_had_is_a_resync() {
        let feed = CallFeed::default();
        let org = Id::new(Timestamp::from_millis(0));
        let start = feed.position();
        for _ in 0..RECENT + 1 {
            change(&feed, org);
        }
        assert!(matches!(feed.listen(Some(&start)).1, Start::Resync));
        for unknown in ["1-0", "nonsense", &format!("{}-99999", feed.epoch)] {
            assert!(
                matches!(feed.listen(Some(unknown)).1, Start::Resync),
                "{unknown}"
            );
        }
    }

    #[tokio::test]
    async fn a_listener_that_falls_behind_is_told_instead_of_buffering() {
        let feed = CallFeed::default();
        let org = Id::new(Timestamp::from_millis(0));
        let (mut receiver, _) = feed.listen(None);
        for _ in 0..LISTENER_BACKLOG + 1 {
            change(&feed, org);
        }
        assert!(matches!(
            receiver.recv().await,
            Err(broadcast::error::RecvError::Lagged(1))
        ));
    }
}
