//! One pattern for the background workers (the call engine, the export worker), so that
//! starting, waking, leasing and stopping work the same way in both:
//!
//! * **A pass** ([`Worker::run_due`]) does everything due at the clock's `now` and returns
//!   what it did. Tests call it after moving a manual clock; nothing waits on real time.
//! * **The loop** ([`run`], [`spawn`]) repeats passes until shutdown: at once when woken
//!   ([`WorkerState::wake`], e.g. a call was dialed on this instance), when another
//!   instance announces work ([`Worker::announced`]), else every poll interval. A failed
//!   pass is logged once and retried after the interval.
//! * **Leases** ([`Leases`]): every row a worker takes (a call's run, a webhook delivery, an
//!   export) is held under a lease naming the instance, until a deadline it renews while it
//!   works. An instance that dies leaves its leases to run out; another claims the rows.
//! * **Shutdown**: the cancellation token. A worker whose passes may be cut short
//!   ([`Worker::INTERRUPTIBLE`]) drops the pass at once and its leases run out; the others
//!   finish the pass first.

use std::sync::Arc;
use std::time::Duration;
use switchyard_core::Timestamp;
use switchyard_core::run::Lease;
use switchyard_core::store::StoreResult;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The leases one worker instance takes: its name and how long each lasts.
#[derive(Clone, Debug)]
pub struct Leases {
    owner: String,
    duration: Duration,
}

impl Leases {
    /// `owner` names the instance in the rows it holds; unique per process.
    pub fn new(owner: String, duration: Duration) -> Leases {
        Leases { owner, duration }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// A lease taken (or renewed) at `now`.
    pub fn at(&self, now: Timestamp) -> Lease {
        Lease {
            owner: self.owner.clone(),
            until: now.plus_millis(i64::try_from(self.duration.as_millis()).unwrap_or(i64::MAX)),
        }
    }
}

/// What every worker keeps for its loop: its leases, how often it looks for work unasked,
/// and the signal that asks it now.
pub struct WorkerState {
    leases: Leases,
    poll_interval: Duration,
    wake: Notify,
}

impl WorkerState {
    pub fn new(leases: Leases, poll_interval: Duration) -> WorkerState {
        WorkerState {
            leases,
            poll_interval,
            wake: Notify::new(),
        }
    }

    pub fn leases(&self) -> &Leases {
        &self.leases
    }

    /// Asks the loop to run a pass now (at most one pass is owed, however many wakes).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

#[async_trait::async_trait]
pub trait Worker: Send + Sync + 'static {
    /// What one pass did.
    type Report: Send;
    /// Names the worker in the log.
    const NAME: &'static str;
    /// Whether shutdown may drop a pass halfway: only for work whose every step is
    /// re-done safely by whoever claims it after the lease runs out.
    const INTERRUPTIBLE: bool;

    fn state(&self) -> &WorkerState;

    /// Does everything due at the clock's `now`.
    async fn run_due(&self) -> StoreResult<Self::Report>;

    /// Completes when another instance announces work; by default never (the worker
    /// relies on its wake signal and the poll interval).
    async fn announced(&self) {
        std::future::pending::<()>().await
    }
}

/// Runs `worker`'s loop on its own task until `shutdown`.
pub fn spawn<W: Worker>(worker: Arc<W>, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(run(worker, shutdown))
}

/// Runs passes until `shutdown`: at once when woken or when work is announced, else
/// every poll interval.
pub async fn run<W: Worker>(worker: Arc<W>, shutdown: CancellationToken) {
    let state = worker.state();
    let instance = state.leases.owner().to_owned();
    tracing::info!(%instance, "{} started", W::NAME);
    loop {
        let result = if W::INTERRUPTIBLE {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                result = worker.run_due() => result,
            }
        } else {
            worker.run_due().await
        };
        if let Err(error) = result {
            tracing::error!(%instance, %error, "{} pass failed; retrying after the poll interval", W::NAME);
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = state.wake.notified() => {}
            _ = worker.announced() => {}
            _ = tokio::time::sleep(state.poll_interval) => {}
        }
    }
    tracing::info!(%instance, "{} stopped", W::NAME);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use switchyard_core::store::StoreError;
    use tokio::sync::{Semaphore, mpsc};

    /// Counts its passes: each says it `started`, waits for a permit of `gate`, then
    /// reports on `done`. The first pass fails (the loop must go on).
    struct Probe<const INTERRUPTIBLE: bool> {
        state: WorkerState,
        started: mpsc::UnboundedSender<()>,
        gate: Semaphore,
        done: mpsc::UnboundedSender<usize>,
        passes: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl<const I: bool> Worker for Probe<I> {
        type Report = usize;
        const NAME: &'static str = "probe";
        const INTERRUPTIBLE: bool = I;

        fn state(&self) -> &WorkerState {
            &self.state
        }

        async fn run_due(&self) -> StoreResult<usize> {
            self.started.send(()).unwrap();
            self.gate.acquire().await.unwrap().forget();
            let pass = self.passes.fetch_add(1, Ordering::SeqCst) + 1;
            self.done.send(pass).unwrap();
            if pass == 1 {
                return Err(StoreError::Conflict("the first pass fails".to_owned()));
            }
            Ok(pass)
        }
    }

    struct Observed {
        started: mpsc::UnboundedReceiver<()>,
        passes: mpsc::UnboundedReceiver<usize>,
    }

    fn probe<const I: bool>() -> (Arc<Probe<I>>, Observed) {
        let (done, passes) = mpsc::unbounded_channel();
        let (started, started_rx) = mpsc::unbounded_channel();
        let probe = Probe {
            // The poll interval never comes within a test: passes run only when woken.
            state: WorkerState::new(
                Leases::new("probe-1".to_owned(), Duration::from_secs(60)),
                Duration::from_secs(86_400),
            ),
            started,
            gate: Semaphore::new(0),
            done,
            passes: Default::default(),
        };
        let observed = Observed {
            started: started_rx,
            passes,
        };
        (Arc::new(probe), observed)
    }

    #[tokio::test]
    async fn a_pass_at_start_then_one_per_wake_even_after_a_failure() {
        let (worker, mut observed) = probe::<false>();
        let shutdown = CancellationToken::new();
        let task = spawn(worker.clone(), shutdown.clone());
        worker.gate.add_permits(1);
        assert_eq!(
            observed.passes.recv().await,
            Some(1),
            "the pass at start (it fails)"
        );
        worker.state.wake();
        worker.gate.add_permits(1);
        assert_eq!(
            observed.passes.recv().await,
            Some(2),
            "the pass after a wake"
        );
        shutdown.cancel();
        task.await.unwrap();
        assert_eq!(worker.passes.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn shutdown_lets_a_pass_finish_unless_the_worker_is_interruptible() {
        let (steady, mut steady_seen) = probe::<false>();
        let (interruptible, mut interruptible_seen) = probe::<true>();
        let shutdown = CancellationToken::new();
        let steady_task = spawn(steady.clone(), shutdown.clone());
        let interruptible_task = spawn(interruptible.clone(), shutdown.clone());
        // Both are inside their first pass, waiting for the gate.
        steady_seen.started.recv().await.unwrap();
        interruptible_seen.started.recv().await.unwrap();
        shutdown.cancel();
        interruptible_task.await.unwrap();
        assert_eq!(
            interruptible.passes.load(Ordering::SeqCst),
            0,
            "the interruptible pass was dropped"
        );
        steady.gate.add_permits(1);
        steady_task.await.unwrap();
        assert_eq!(
            steady_seen.passes.try_recv(),
            Ok(1),
            "the steady pass finished"
        );
    }

    #[test]
    fn a_lease_runs_from_now_for_its_duration() {
        let leases = Leases::new("engine-7".to_owned(), Duration::from_secs(90));
        let now = Timestamp::from_millis(1_000);
        let lease = leases.at(now);
        assert_eq!(lease.owner, "engine-7");
        assert_eq!(lease.until, Timestamp::from_millis(91_000));
    }
}
