//! The one door to the image-processing pool: a fixed set of threads, a
//! bounded number of running jobs plus a bounded queue; a full queue is
//! refused at once.
//!
//! When there are exactly as many threads as cores this process may run on
//! (the default), each thread is pinned to a core of its own. Left to the
//! scheduler, two decodes on a 2-core machine often shared one core while
//! the other idled (about 20% of the CPU idle under `wrk -c2`, threads
//! waiting 0.6 ms per switch on average); pinned, every job has a core to
//! itself (P2 at `wrk -c2`: 115 → 140 requests/s). With fewer threads than
//! cores (a CPU quota, or a `workers` setting below the core count) nothing
//! is pinned: which cores are free is then the scheduler's to judge.

use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::{oneshot, Semaphore};

/// A job as the threads receive it.
type Job = Box<dyn FnOnce() + Send>;

/// Bounded pool for CPU-heavy work.
#[derive(Clone, Debug)]
pub struct Workers {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    pinned: bool,
}

/// The queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The job panicked (the thread survives it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panicked;

impl Workers {
    /// `threads` jobs run at once, on `threads` threads of their own; up to
    /// `queue` more wait.
    pub fn new(threads: usize, queue: usize) -> Workers {
        let threads = threads.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let cores = core_affinity::get_core_ids().unwrap_or_default();
        let pin = cores.len() == threads;
        let mut pinned = pin;
        for i in 0..threads {
            let rx = rx.clone();
            let core = if pin { cores.get(i).copied() } else { None };
            let spawned = std::thread::Builder::new()
                .name(format!("ossimg-img-{i}"))
                .spawn(move || {
                    if let Some(core) = core {
                        core_affinity::set_for_current(core);
                    }
                    loop {
                        // The lock is held only while waiting: one thread
                        // takes each job.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            // Every `Workers` is gone.
                            Err(_) => return,
                        }
                    }
                });
            if spawned.is_err() {
                pinned = false;
                tracing::error!("could not start image worker thread {i}");
            }
        }
        Workers {
            running: Arc::new(Semaphore::new(threads)),
            admitted: Arc::new(Semaphore::new(threads + queue)),
            jobs: tx,
            pinned,
        }
    }

    /// Runs `f` on the pool once a worker is free; `Err(Busy)` when the queue
    /// is full. A panic in `f` is returned as `Ok(Err(Panicked))`.
    ///
    /// The job keeps its place in the pool until it ends, even if the caller
    /// stops waiting (a disconnected client cannot make jobs pile up).
    pub async fn run<T, F>(&self, f: F) -> Result<Result<T, Panicked>, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            drop((running, admitted));
            let _ = tx.send(out.map_err(|_| Panicked));
        });
        self.jobs.send(job).map_err(|_| Busy)?;
        rx.await.map_err(|_| Busy)
    }

    /// Whether each thread is pinned to a core of its own.
    pub fn pinned(&self) -> bool {
        self.pinned
    }

    /// Jobs waiting or running.
    pub fn in_flight(&self, capacity: usize) -> usize {
        capacity.saturating_sub(self.admitted.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_survives_a_panic() {
        let w = Workers::new(2, 0);
        assert_eq!(w.run(|| 6 * 7).await, Ok(Ok(42)));
        assert_eq!(w.run(|| -> u8 { panic!("boom") }).await, Ok(Err(Panicked)));
        assert_eq!(w.run(|| "still here").await, Ok(Ok("still here")));
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once() {
        let w = Workers::new(1, 1);
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        let blockers: Vec<_> = (0..2)
            .map(|_| {
                let (w, hold) = (w.clone(), hold.clone());
                tokio::spawn(async move {
                    w.run(move || {
                        let _ = hold.lock().map(|h| h.recv());
                    })
                    .await
                })
            })
            .collect();
        // One job runs and one waits: the third is refused.
        while w.in_flight(2) < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(w.run(|| ()).await, Err(Busy));
        for _ in 0..2 {
            let _ = release.send(());
        }
        for b in blockers {
            assert_eq!(b.await.ok(), Some(Ok(Ok(()))));
        }
        assert_eq!(w.run(|| 1).await, Ok(Ok(1)));
    }

    #[tokio::test]
    async fn threads_are_pinned_only_one_per_core() {
        let cores = core_affinity::get_core_ids().unwrap_or_default().len();
        assert_eq!(Workers::new(cores, 0).pinned(), cores >= 1);
        assert!(!Workers::new(cores + 1, 0).pinned());
        if cores > 1 {
            assert!(!Workers::new(cores - 1, 0).pinned());
        }
    }
}
