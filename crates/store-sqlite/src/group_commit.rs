//! Group commit of review writes (store-common/call_children.rs). One task takes the writes
//! queued since its last commit and runs each in a savepoint of one `BEGIN IMMEDIATE`
//! transaction, commits once (one disk sync for all of them) and only then answers each
//! caller, so a `200` still means "on disk". A write that fails is rolled back to its
//! savepoint and the others still commit. Writes arriving while a batch runs form the next
//! one, so a lone write waits for nobody.
//!
//! The batch runs on a connection of its own through SQLite's C API (rusqlite), on a
//! blocking thread: through sqlx, each of a write's five statements was a hand-off to the
//! connection's worker thread and back, which cost more than the SQL. While it runs, the
//! task holds sqlx's one write connection, so no other writer of this process runs at the
//! same time (and none meets SQLite's busy handler, which sleeps for milliseconds).

use crate::call_children::{ReviewWrite, push_change, push_lock_call};
use crate::reads::{Sql, read_call};
use crate::support::{backend, found};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use sqlx::SqlitePool;
use std::path::PathBuf;
use std::time::Duration;
use switchyard_core::Id;
use switchyard_core::call_json::CallJson;
use switchyard_core::store::{StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot};

/// Writes per transaction at most: bounds how long a batch holds the database.
const MAX_BATCH: usize = 64;
/// Prepared statements kept on the connection: every review write's kinds, and then some.
const STATEMENT_CACHE: usize = 32;

#[derive(Clone, Debug)]
pub(crate) struct GroupCommit {
    queue: mpsc::UnboundedSender<Pending>,
}

/// A write waiting for its batch, and where its outcome goes.
struct Pending {
    org: Id,
    call: Id,
    write: ReviewWrite,
    answer: oneshot::Sender<StoreResult<CallJson>>,
}

/// How the batches' connection is opened (again, should a batch have lost it).
pub(crate) struct Writer {
    pub(crate) path: PathBuf,
    /// The `synchronous` pragma: `FULL` (durable) or `NORMAL` (bulk loads).
    pub(crate) synchronous: &'static str,
    pub(crate) busy_timeout: Duration,
}

impl GroupCommit {
    /// Starts the committing task; it ends when the last handle is dropped. `write` is
    /// sqlx's pool of one write connection.
    pub(crate) fn start(writer: Writer, write: SqlitePool) -> StoreResult<GroupCommit> {
        let conn = writer.open()?;
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(commit_batches(writer, conn, write, pending));
        Ok(GroupCommit { queue })
    }

    /// Makes `write` to the organization's `call` and returns the call as it then is, once
    /// the write is committed.
    pub(crate) async fn write(
        &self,
        org: Id,
        call: Id,
        write: ReviewWrite,
    ) -> StoreResult<CallJson> {
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            org,
            call,
            write,
            answer,
        };
        self.queue
            .send(pending)
            .map_err(|_| backend("the review writer has stopped"))?;
        answered
            .await
            .map_err(|_| backend("the write was dropped before it committed"))?
    }
}

impl Writer {
    fn open(&self) -> StoreResult<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(backend)?;
        conn.busy_timeout(self.busy_timeout).map_err(backend)?;
        conn.pragma_update(None, "synchronous", self.synchronous)
            .map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }
}

async fn commit_batches(
    writer: Writer,
    conn: Connection,
    write: SqlitePool,
    mut queue: mpsc::UnboundedReceiver<Pending>,
) {
    let mut conn = Some(conn);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let writes = std::mem::take(&mut batch);
        let held = match write.acquire().await {
            Ok(held) => held,
            Err(error) => {
                fail_all(writes, &error.to_string());
                continue;
            }
        };
        let mut batch_conn = match conn.take() {
            Some(open) => open,
            None => match writer.open() {
                Ok(open) => open,
                Err(error) => {
                    fail_all(writes, &error.to_string());
                    continue;
                }
            },
        };
        let ran = tokio::task::spawn_blocking(move || {
            let outcomes = run_batch(&mut batch_conn, writes);
            (batch_conn, outcomes)
        })
        .await;
        drop(held);
        match ran {
            Ok((used, outcomes)) => {
                conn = Some(used);
                for (answer, outcome) in outcomes {
                    // A caller that went away does not need to hear it.
                    let _ = answer.send(outcome);
                }
            }
            // The callers hear of it through their dropped answers; the next batch opens a
            // new connection.
            Err(error) => tracing::error!(%error, "a batch of review writes panicked"),
        }
    }
}

type Outcomes = Vec<(
    oneshot::Sender<StoreResult<CallJson>>,
    StoreResult<CallJson>,
)>;

fn run_batch(conn: &mut Connection, writes: Vec<Pending>) -> Outcomes {
    let count = writes.len();
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => return failed(writes.into_iter().map(|w| w.answer), &error.to_string()),
    };
    // A lone write needs no savepoint: the transaction is its own.
    let alone = count == 1;
    let mut outcomes = Vec::with_capacity(count);
    let mut writes = writes.into_iter();
    while let Some(pending) = writes.next() {
        let outcome = if alone {
            apply(&tx, &pending)
        } else {
            match in_savepoint(&tx, &pending) {
                Ok(outcome) => outcome,
                // Without its savepoint a failed write could not be undone alone: the
                // whole batch is rolled back (dropping `tx`) and fails.
                Err(error) => {
                    let answers = outcomes.into_iter().map(|(answer, _)| answer);
                    let answers = answers
                        .chain(std::iter::once(pending.answer))
                        .chain(writes.map(|w| w.answer));
                    return failed(answers, &error.to_string());
                }
            }
        };
        outcomes.push((pending.answer, outcome));
    }
    let failed_alone = alone && outcomes.iter().any(|(_, outcome)| outcome.is_err());
    let commit = if failed_alone {
        tx.rollback()
    } else {
        tx.commit()
    };
    match commit {
        Ok(()) => outcomes,
        Err(error) => {
            tracing::error!(%error, writes = count, "a batch of review writes failed");
            failed(
                outcomes.into_iter().map(|(answer, _)| answer),
                &error.to_string(),
            )
        }
    }
}

/// `pending` in a savepoint, rolled back alone if it fails; `Err` if the savepoint itself
/// failed.
fn in_savepoint(conn: &Connection, pending: &Pending) -> StoreResult<StoreResult<CallJson>> {
    statement(conn, "SAVEPOINT review_write")?;
    let outcome = apply(conn, pending);
    if outcome.is_err() {
        statement(conn, "ROLLBACK TO review_write")?;
    }
    statement(conn, "RELEASE review_write")?;
    Ok(outcome)
}

fn apply(conn: &Connection, pending: &Pending) -> StoreResult<CallJson> {
    let Pending {
        org, call, write, ..
    } = pending;
    let mut lock = Sql::default();
    push_lock_call(&mut lock, *org, *call);
    if lock.rows(conn, |_| Ok(()))?.is_empty() {
        return Err(StoreError::NotFound);
    }
    let mut change = Sql::default();
    push_change(&mut change, *org, *call, write);
    let changed = change.execute(conn)?;
    if write.must_change_a_row() {
        found(changed as u64)?;
    }
    read_call(conn, *org, *call)
}

fn statement(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(|_| ())
        .map_err(backend)
}

fn fail_all(writes: Vec<Pending>, error: &str) {
    for (answer, outcome) in failed(writes.into_iter().map(|w| w.answer), error) {
        let _ = answer.send(outcome);
    }
}

fn failed(
    answers: impl Iterator<Item = oneshot::Sender<StoreResult<CallJson>>>,
    error: &str,
) -> Outcomes {
    answers
        .map(|answer| (answer, Err(backend(error.to_owned()))))
        .collect()
}
