//! Test clocks (`serve --sandbox`): an organization's own time, frozen at an instant and
//! moved only by [`Engine::advance_test_clock`], which walks from one due instant to the
//! next and runs a pass for that organization alone at each. The pass over every
//! organization on real time leaves frozen organizations out (`EngineScope::RealTime`),
//! so the two never work on the same organization.

use crate::engine::{Engine, PassReport};
use std::sync::Arc;
use switchyard_core::store::{EngineScope, StoreResult};
use switchyard_core::{OrgId, Timestamp};

/// What one advance ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdvanceReport {
    /// Instants at which something was due, each run in order.
    pub steps: u64,
    pub pass: PassReport,
}

impl Engine {
    /// Freezes the organization's clock at `at`, or returns it to real time (`None`).
    /// Stored first, so that the pass over real time never sees a frozen organization
    /// as its own.
    pub async fn set_test_clock(&self, org: OrgId, at: Option<Timestamp>) -> StoreResult<()> {
        let lock = self.clock_locks.of(org);
        let _held = lock.lock().await;
        self.store.set_frozen_clock(org, at).await?;
        self.clock.set(org, at);
        if at.is_none() {
            self.wake();
        }
        Ok(())
    }

    /// Moves the organization's clock forward to `to` (freezing it, if it ran on real
    /// time), stopping at every instant in between at which something is due and running
    /// it: what happens at 10:00 is done before anything due at 10:01 is looked at.
    /// Runs on a task of its own: a client that stops waiting does not cut a pass short.
    pub async fn advance_test_clock(
        self: &Arc<Self>,
        org: OrgId,
        to: Timestamp,
    ) -> StoreResult<AdvanceReport> {
        let engine = self.clone();
        tokio::spawn(async move { engine.advance_held(org, to).await })
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    async fn advance_held(&self, org: OrgId, to: Timestamp) -> StoreResult<AdvanceReport> {
        let lock = self.clock_locks.of(org);
        let _held = lock.lock().await;
        let start = self.clock.now_for(org);
        if self.clock.frozen_at(org).is_none() {
            self.store.set_frozen_clock(org, Some(start)).await?;
            self.clock.set(org, Some(start));
        }
        let walked = self.walk(org, start, to).await;
        // Where the walk got to is kept even when it failed half-way: those steps ran.
        self.store
            .set_frozen_clock(org, Some(self.clock.now_for(org)))
            .await?;
        walked
    }

    async fn walk(
        &self,
        org: OrgId,
        mut now: Timestamp,
        to: Timestamp,
    ) -> StoreResult<AdvanceReport> {
        let mut report = AdvanceReport::default();
        loop {
            report
                .pass
                .add(self.run_due_in(EngineScope::Org(org)).await?);
            let next = self.store.next_due_at(org, now).await?;
            now = match next {
                Some(next) if next <= to => next,
                _ if now < to => to,
                _ => return Ok(report),
            };
            self.clock.set(org, Some(now));
            report.steps += 1;
        }
    }
}
