//! The one door to the blocking image-processing pool: a bounded number of
//! running jobs plus a bounded queue; a full queue is refused at once.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// Bounded pool for CPU-heavy work.
#[derive(Clone, Debug)]
pub struct Workers {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

/// The queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl Workers {
    /// `threads` jobs run at once; up to `queue` more wait.
    pub fn new(threads: usize, queue: usize) -> Workers {
        let threads = threads.max(1);
        Workers {
            running: Arc::new(Semaphore::new(threads)),
            admitted: Arc::new(Semaphore::new(threads + queue)),
        }
    }

    /// Runs `f` on the blocking pool once a worker is free; `Err(Busy)` when
    /// the queue is full. A panic in `f` is returned as `Ok(Err(..))`.
    pub async fn run<T, F>(&self, f: F) -> Result<Result<T, tokio::task::JoinError>, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        let _running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        Ok(tokio::task::spawn_blocking(f).await)
    }

    /// Jobs waiting or running.
    pub fn in_flight(&self, capacity: usize) -> usize {
        capacity.saturating_sub(self.admitted.available_permits())
    }
}
