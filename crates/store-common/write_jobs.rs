// Review writes (notes, ratings, views) as jobs that a backend may commit together. Each
// is small, and on SQLite each paid a disk sync of its own on the one write connection:
// that sync, not the SQL, bounded how many notes a second the server could take. A job
// runs inside a savepoint of a transaction that the backend may share with the jobs
// queued behind it (SQLite: crates/store-sqlite/src/group_commit.rs); its caller hears the
// result only once that transaction is committed, so a `200` still means "on disk".

use crate::support::{Conn, backend};
use std::future::Future;
use std::pin::Pin;
use switchyard_core::store::{StoreError, StoreResult};
use tokio::sync::oneshot;

pub(crate) type JobFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// Runs on the write connection, inside a transaction; returns whether it succeeded (else
/// its changes are rolled back) and how to tell its caller the commit's outcome.
pub(crate) type Job = Box<dyn for<'c> FnOnce(&'c mut Conn) -> JobFuture<'c, Ran> + Send>;

pub(crate) struct Ran {
    pub(crate) succeeded: bool,
    pub(crate) deliver: Deliver,
}

/// Tells a job's caller its outcome, given the commit's (`Err` with the commit's error).
pub(crate) type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;

/// Runs `change` as a job of `store` and returns its result once it is committed.
pub(crate) async fn shared_write<R, F>(store: &crate::ThisStore, change: F) -> StoreResult<R>
where
    R: Send + 'static,
    F: for<'c> FnOnce(&'c mut Conn) -> JobFuture<'c, StoreResult<R>> + Send + 'static,
{
    let (answer, answered) = oneshot::channel();
    let job: Job = Box::new(move |conn| {
        Box::pin(async move {
            let result = change(conn).await;
            Ran {
                succeeded: result.is_ok(),
                deliver: Box::new(move |commit: Result<(), String>| {
                    let outcome = match commit {
                        Ok(()) => result,
                        Err(error) => Err(backend(error)),
                    };
                    // A caller that went away does not need to hear it.
                    let _ = answer.send(outcome);
                }),
            }
        })
    });
    store.run_job(job).await;
    answered
        .await
        .map_err(|_| StoreError::Backend("the write was dropped before it committed".into()))?
}
