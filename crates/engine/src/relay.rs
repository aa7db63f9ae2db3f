//! The live feed across instances (PostgreSQL): this process announces its call changes
//! through the store, and one task per process publishes the others' to its own feed, so
//! that a page sees a call's progress whichever instance's engine runs it.

use crate::engine::Engine;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

impl Engine {
    /// Sends this process's changes published since the last time to the other
    /// instances; on SQLite (one process) it sends nothing.
    pub async fn announce_changes(&self) {
        let changes = self.feed().take_outgoing();
        if changes.is_empty() {
            return;
        }
        if let Err(error) = self.store.announce_call_changes(&changes).await {
            tracing::warn!(%error, "cannot announce call changes to the other instances");
        }
    }

    /// Publishes the changes the other instances announce to this process's feed, until
    /// `shutdown`.
    pub async fn relay_changes(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            let changes = tokio::select! {
                () = shutdown.cancelled() => return,
                changes = self.store.wait_for_call_changes() => changes,
            };
            for change in &changes {
                self.feed().relayed(change);
            }
        }
    }
}
