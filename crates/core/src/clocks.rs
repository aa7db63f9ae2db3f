//! Time as each organization sees it. Every organization lives on the world's clock
//! (the system's, or a test's [`ManualClock`](crate::ManualClock)) unless the sandbox
//! froze its own test clock at an instant; then its `now` moves only when the sandbox
//! advances it. Everything an organization's objects are stamped with, and everything
//! the engine finds due for it, is read from [`Clocks::now_for`].
//!
//! The frozen instants are kept here, in memory, for the hot path (every request reads
//! its organization's time); the sandbox stores them too, so that they survive a restart.

use crate::id::OrgId;
use crate::time::{Clock, Timestamp};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

pub struct Clocks {
    world: Arc<dyn Clock>,
    frozen: RwLock<HashMap<OrgId, Timestamp>>,
    /// Whether any organization is frozen: lets the usual case skip the lock.
    any_frozen: AtomicBool,
}

impl Clocks {
    pub fn new(world: Arc<dyn Clock>) -> Clocks {
        Clocks {
            world,
            frozen: RwLock::new(HashMap::new()),
            any_frozen: AtomicBool::new(false),
        }
    }

    /// The world's time: for what belongs to no organization (sessions, the key cache,
    /// the engine's pass over every organization on real time).
    pub fn now(&self) -> Timestamp {
        self.world.now()
    }

    /// The organization's time: its test clock when frozen, else the world's.
    pub fn now_for(&self, org: OrgId) -> Timestamp {
        self.frozen_at(org).unwrap_or_else(|| self.world.now())
    }

    /// The instant the organization's clock is frozen at, if it is.
    pub fn frozen_at(&self, org: OrgId) -> Option<Timestamp> {
        if !self.any_frozen.load(Ordering::Acquire) {
            return None;
        }
        self.read().get(&org).copied()
    }

    /// Freezes the organization's clock at `at` (`Some`), or returns it to the world's
    /// time (`None`).
    pub fn set(&self, org: OrgId, at: Option<Timestamp>) {
        let mut frozen = self.frozen.write().unwrap_or_else(|p| p.into_inner());
        match at {
            Some(at) => frozen.insert(org, at),
            None => frozen.remove(&org),
        };
        self.any_frozen.store(!frozen.is_empty(), Ordering::Release);
    }

    /// Whether any organization has a frozen clock.
    pub fn any_frozen(&self) -> bool {
        self.any_frozen.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<OrgId, Timestamp>> {
        self.frozen.read().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    #[test]
    fn a_frozen_organization_keeps_its_instant_while_the_world_moves() {
        let world = Arc::new(ManualClock::new(Timestamp::from_millis(1_000)));
        let clocks = Clocks::new(world.clone());
        let (frozen, other) = (
            OrgId::new(Timestamp::from_millis(0)),
            OrgId::new(Timestamp::from_millis(0)),
        );
        clocks.set(frozen, Some(Timestamp::from_millis(50_000)));
        world.advance_seconds(10);
        assert_eq!(clocks.now_for(frozen), Timestamp::from_millis(50_000));
        assert_eq!(clocks.now_for(other), Timestamp::from_millis(11_000));
        assert!(clocks.any_frozen());
        clocks.set(frozen, None);
        assert_eq!(clocks.now_for(frozen), Timestamp::from_millis(11_000));
        assert!(!clocks.any_frozen());
    }
}
