//! Group commit of review writes (store-common/write_jobs.rs). One task takes the jobs
//! queued since its last commit, runs each in a savepoint of one `BEGIN IMMEDIATE`
//! transaction on the write connection, commits once (one disk sync for all of them) and
//! only then answers each job's caller. A job that fails is rolled back to its savepoint
//! and the others still commit. Jobs arriving while a batch runs form the next one, so a
//! lone write waits for nobody.

use crate::support::{Conn, OrBackend};
use crate::write_jobs::{Deliver, Job, JobFuture, Ran};
use sqlx::SqlitePool;
use switchyard_core::store::StoreResult;
use tokio::sync::mpsc;

/// Jobs per transaction at most: bounds how long the batch holds the write connection.
const MAX_BATCH: usize = 64;

#[derive(Clone, Debug)]
pub(crate) struct GroupCommit {
    jobs: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts the committing task; it ends when the last handle is dropped.
    pub(crate) fn start(write: SqlitePool) -> GroupCommit {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(commit_batches(write, queue));
        GroupCommit { jobs }
    }

    /// Queues `job`; its caller hears the outcome through the job itself. A job that
    /// cannot be queued is dropped, which its caller hears as a failed write.
    pub(crate) fn submit(&self, job: Job) {
        let _ = self.jobs.send(job);
    }
}

async fn commit_batches(write: SqlitePool, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut answers = Vec::with_capacity(jobs.len());
        let outcome = run_batch(write.clone(), std::mem::take(&mut jobs), &mut answers).await;
        if let Err(error) = &outcome {
            tracing::error!(%error, jobs = answers.len(), "a batch of review writes failed");
        }
        let outcome = outcome.map_err(|error| error.to_string());
        for deliver in answers {
            deliver(outcome.clone());
        }
    }
}

async fn run_batch(
    write: SqlitePool,
    jobs: Vec<Job>,
    answers: &mut Vec<Deliver>,
) -> StoreResult<()> {
    let mut tx = write.begin_with("BEGIN IMMEDIATE").await.db()?;
    // A lone job needs no savepoint: the transaction is its own.
    let alone = jobs.len() == 1;
    for job in jobs {
        if !alone {
            statement(&mut tx, "SAVEPOINT job").await?;
        }
        let Ran { succeeded, deliver } = job(&mut tx).await;
        answers.push(deliver);
        match (succeeded, alone) {
            (true, false) => statement(&mut tx, "RELEASE job").await?,
            (false, false) => {
                statement(&mut tx, "ROLLBACK TO job").await?;
                statement(&mut tx, "RELEASE job").await?;
            }
            (false, true) => return tx.rollback().await.db(),
            (true, true) => {}
        }
    }
    tx.commit().await.db()
}

/// Boxed: a future holding `&mut SqliteConnection` across sqlx's `execute` is not `Send`
/// for every lifetime, which `tokio::spawn` of the batch loop needs.
fn statement<'c>(conn: &'c mut Conn, sql: &'static str) -> JobFuture<'c, StoreResult<()>> {
    Box::pin(async move { sqlx::query(sql).execute(conn).await.db().map(|_| ()) })
}
