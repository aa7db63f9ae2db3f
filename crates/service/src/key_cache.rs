//! Keys recently checked, so that a client's stream of requests costs one key lookup per
//! `--key-cache-ms` instead of one per request (a fifth to a quarter of a
//! `GET /calls/{id}`'s instructions, bench/README.md).
//!
//! A change made through this server (a member's role changed or the member removed, a key
//! made or revoked in the console) empties the cache at once. A change it cannot see, a key revoked with `switchyard key revoke` or
//! through another instance sharing the database, takes effect here within the TTL: that
//! is the bound on how long a revoked key keeps working (docs/OPERATIONS.md). A TTL of 0
//! turns the cache off.
//!
//! Entries are found by the key's SHA-256 (the form keys are stored in), never the key, and
//! age on the server's clock, so that tests move time instead of sleeping: the reason this
//! is a map of its own rather than a caching crate, whose expiry reads the system clock.

use std::collections::HashMap;
use std::sync::Mutex;
use switchyard_core::auth::KeyOwner;
use switchyard_core::time::Timestamp;

/// Keys remembered at most; when full, expired entries go, and if none had, all of them.
const MAX_KEYS: usize = 10_000;

pub struct KeyCache {
    ttl_ms: i64,
    keys: Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    checked: HashMap<String, Checked>,
    /// Counts `forget_all`s: a lookup that began before one must not be remembered after it.
    generation: u64,
}

struct Checked {
    owner: KeyOwner,
    at: Timestamp,
}

impl KeyCache {
    pub fn new(ttl_ms: u64) -> KeyCache {
        KeyCache {
            ttl_ms: i64::try_from(ttl_ms).unwrap_or(i64::MAX),
            keys: Mutex::default(),
        }
    }

    /// The owner of the key hashed `hash`, if it was checked less than the TTL before `now`.
    pub fn get(&self, hash: &str, now: Timestamp) -> Option<KeyOwner> {
        if self.ttl_ms == 0 {
            return None;
        }
        self.lock()
            .checked
            .get(hash)
            .filter(|checked| self.fresh(checked, now))
            .map(|checked| checked.owner.clone())
    }

    /// What to pass to `put` for a lookup that begins now.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Remembers that the key hashed `hash` was found to be `owner`'s at `now`, by a lookup
    /// that began at `generation` (unless keys were forgotten since: it may have read them
    /// before the change).
    pub fn put(&self, hash: String, owner: KeyOwner, now: Timestamp, generation: u64) {
        if self.ttl_ms == 0 {
            return;
        }
        let mut keys = self.lock();
        if keys.generation != generation {
            return;
        }
        if keys.checked.len() >= MAX_KEYS {
            keys.checked.retain(|_, checked| self.fresh(checked, now));
            if keys.checked.len() >= MAX_KEYS {
                keys.checked.clear();
            }
        }
        keys.checked.insert(hash, Checked { owner, at: now });
    }

    /// Forgets every key: after a change to who may use them.
    pub fn forget_all(&self) {
        let mut keys = self.lock();
        keys.checked.clear();
        keys.generation += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keys> {
        // The map is consistent after any panic: every change is one call on it.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh(&self, checked: &Checked, now: Timestamp) -> bool {
        let age = now.millis().saturating_sub(checked.at.millis());
        (0..self.ttl_ms).contains(&age)
    }
}
