//! The outcome counts behind the console's "last hour", kept in this process and added to
//! Redis's per-minute buckets once a second (`flush`), so the report path pays an atomic
//! increment instead of a Redis write per report. A crash loses at most a second of these counts
//! (they are for people to read; the Prometheus counters stay exact).

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use crate::{
    shutdown::ShutdownSignal,
    store::{OutcomeCounts, Store},
};
use salvage_model::{Outcome, now_ms};

/// How often the counts go to Redis.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Outcome counts not yet in Redis.
#[derive(Debug, Default)]
pub struct Tally {
    parked: AtomicU64,
    requeued: AtomicU64,
    repaired: AtomicU64,
    retried: AtomicU64,
}

impl Tally {
    /// Count one committed outcome (`repaired`: a requeue with a repaired payload).
    pub fn count(&self, outcome: Outcome, repaired: bool) {
        let n = match outcome {
            Outcome::Requeued => {
                if repaired {
                    self.repaired.fetch_add(1, Ordering::Relaxed);
                }
                &self.requeued
            }
            Outcome::RetryScheduled => &self.retried,
            Outcome::Parked => &self.parked,
            Outcome::Duplicate => return,
        };
        n.fetch_add(1, Ordering::Relaxed);
    }

    /// Take the counts (they start again from 0).
    fn take(&self) -> OutcomeCounts {
        OutcomeCounts {
            parked: self.parked.swap(0, Ordering::Relaxed),
            requeued: self.requeued.swap(0, Ordering::Relaxed),
            repaired: self.repaired.swap(0, Ordering::Relaxed),
            retried: self.retried.swap(0, Ordering::Relaxed),
            resubmitted: 0,
        }
    }

    /// Put back counts that could not be written.
    fn put_back(&self, c: &OutcomeCounts) {
        self.parked.fetch_add(c.parked, Ordering::Relaxed);
        self.requeued.fetch_add(c.requeued, Ordering::Relaxed);
        self.repaired.fetch_add(c.repaired, Ordering::Relaxed);
        self.retried.fetch_add(c.retried, Ordering::Relaxed);
    }

    /// Add the counts to Redis every second until `shutdown`, then once more.
    pub async fn flush(&self, store: Store, mut shutdown: ShutdownSignal) {
        loop {
            let stopping = tokio::select! {
                () = tokio::time::sleep(FLUSH_EVERY) => false,
                () = shutdown.recv() => true,
            };
            let counts = self.take();
            if counts != OutcomeCounts::default()
                && let Err(e) = store.add_outcome_counts(now_ms(), &counts).await
            {
                tracing::debug!(error = %e, "outcome counts not written; trying again");
                self.put_back(&counts);
            }
            if stopping {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_outcome_and_takes_them_once() {
        let t = Tally::default();
        t.count(Outcome::Requeued, true);
        t.count(Outcome::Requeued, false);
        t.count(Outcome::RetryScheduled, false);
        t.count(Outcome::Parked, false);
        t.count(Outcome::Duplicate, false);
        let c = t.take();
        assert_eq!((c.requeued, c.repaired, c.retried, c.parked), (2, 1, 1, 1));
        assert_eq!(t.take(), OutcomeCounts::default());
        t.put_back(&c);
        assert_eq!(t.take(), c);
    }
}
