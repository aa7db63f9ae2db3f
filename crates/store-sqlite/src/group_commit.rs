//! Group commit of review writes (store-common/call_children.rs). One task takes the writes
//! queued since its last commit, runs them one after another in one `BEGIN IMMEDIATE`
//! transaction, commits once (one disk sync for all of them) and only then answers each
//! caller, so a `200` still means "on disk". Writes arriving while a batch runs form the
//! next one, so a lone write waits for nobody.
//!
//! A write that fails fails alone. Refused as `NotFound` (not the organization's call, no
//! such note), it has changed nothing, and the batch goes on. Any other failure rolls the
//! batch back, and it runs again without that write. So no write needs a savepoint of its
//! own to be undone alone: savepoints were what a write cost most, because inside one
//! SQLite copies each page to a journal of its own before changing it, and every write of
//! a batch changes the same few pages (bench/README.md).
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
use switchyard_core::call_json::CallJson;
use switchyard_core::id::{CallId, Entity, OrgId};
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
    org: OrgId,
    call: CallId,
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
        org: OrgId,
        call: CallId,
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

/// Runs the batch, and again without a write that failed (answered with its error) until
/// the rest commit, or the commit itself fails them all.
fn run_batch(conn: &mut Connection, mut writes: Vec<Pending>) -> Outcomes {
    let mut outcomes = Vec::with_capacity(writes.len());
    while !writes.is_empty() {
        match try_batch(conn, &writes) {
            Batch::Committed(results) => {
                let answers = writes.into_iter().map(|w| w.answer);
                outcomes.extend(answers.zip(results));
                break;
            }
            Batch::WriteFailed(index, error) => {
                outcomes.push((writes.remove(index).answer, Err(error)));
            }
            Batch::Failed(error) => {
                tracing::error!(%error, writes = writes.len(), "a batch of review writes failed");
                outcomes.extend(failed(writes.into_iter().map(|w| w.answer), &error));
                break;
            }
        }
    }
    outcomes
}

enum Batch {
    /// Each write's result: the call as it is after the write, or `NotFound`.
    Committed(Vec<StoreResult<CallJson>>),
    /// The write at this index failed otherwise, and the transaction was rolled back.
    WriteFailed(usize, StoreError),
    /// The transaction could not begin or commit.
    Failed(String),
}

fn try_batch(conn: &mut Connection, writes: &[Pending]) -> Batch {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => return Batch::Failed(error.to_string()),
    };
    let mut results = Vec::with_capacity(writes.len());
    for (index, pending) in writes.iter().enumerate() {
        match apply(&tx, pending) {
            Ok(call) => results.push(Ok(call)),
            // Refused before it changed anything: the batch goes on.
            Err(StoreError::NotFound(what)) => results.push(Err(StoreError::NotFound(what))),
            // It may have changed something (and SQLite may have rolled the transaction
            // back already): dropping `tx` rolls back.
            Err(error) => return Batch::WriteFailed(index, error),
        }
    }
    match tx.commit() {
        Ok(()) => Batch::Committed(results),
        Err(error) => Batch::Failed(error.to_string()),
    }
}

/// Makes one write and reads the call back. `NotFound` only when nothing was changed: the
/// call is not the organization's, or the note to change is not there.
fn apply(conn: &Connection, pending: &Pending) -> StoreResult<CallJson> {
    let Pending {
        org, call, write, ..
    } = pending;
    let mut lock = Sql::default();
    push_lock_call(&mut lock, *org, *call);
    if lock.rows(conn, |_| Ok(()))?.is_empty() {
        return Err(StoreError::NotFound(Entity::Call));
    }
    let mut change = Sql::default();
    push_change(&mut change, *org, *call, write);
    let changed = change.execute(conn)?;
    if write.must_change_a_row() {
        found(changed as u64, Entity::Note)?;
    }
    read_call(conn, *org, *call).map_err(|error| match error {
        StoreError::NotFound(_) => backend("a call locked by its write was not found"),
        other => other,
    })
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
