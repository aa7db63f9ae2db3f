//! A request whose client goes away is dropped mid-await, at any point of its store call.
//! That must never leave a connection half inside a transaction: on SQLite all writes share
//! one connection, so one such drop would fail every later write.

use crate::common::TestDatabase;
use crate::common::fixtures::{START, at};
use crate::{note, one_call};
use std::time::Duration;
use switchyard_core::Id;

crate::backend_tests!(writes_dropped_at_any_point_leave_the_store_usable);

async fn writes_dropped_at_any_point_leave_the_store_usable(db: TestDatabase) {
    let store = db.store.as_ref();
    let (org, _, c) = one_call(store).await;
    // Deadlines from nothing to a whole write, so that drops land before, inside and
    // after `BEGIN`, in the statements, and around `COMMIT`.
    for micros in (0..400).step_by(3) {
        let n = note(&format!("dropped after {micros} µs"), Id::new(at(START)));
        let _ = tokio::time::timeout(Duration::from_micros(micros), store.add_note(org, c.id, &n))
            .await;
    }
    let kept = note("still writable", Id::new(at(START)));
    let after = tokio::time::timeout(Duration::from_secs(10), store.add_note(org, c.id, &kept))
        .await
        .expect("the store answers")
        .expect("writes still work after dropped ones")
        .to_call()
        .unwrap();
    assert!(after.notes.iter().any(|n| n.content == "still writable"));
}
