//! Time as Salvage stores it: milliseconds since the Unix epoch, and the clock that tells it.
//!
//! The application reads the times it records (on messages, in the audit log, on runs) from one
//! [`Clock`], passed in where it is built: [`SystemClock`] in production, a [`ManualClock`] in a
//! test that needs distinct or exact times without waiting for the wall clock to move.

use std::{
    fmt::Debug,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// Now, in milliseconds since the Unix epoch (the unit of every time Salvage stores).
pub fn now_ms() -> u64 {
    millis(SystemTime::now())
}

/// `t` in milliseconds since the Unix epoch (0 before it, `u64::MAX` past what fits).
pub fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Where the application reads the time it records. Shared as `Arc<dyn Clock>`.
pub trait Clock: Send + Sync + Debug {
    /// Now, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The wall clock ([`now_ms`]): what Salvage runs on.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        now_ms()
    }
}

/// A clock that stands still until it is set or advanced, for tests: two events a test wants
/// in distinct milliseconds are one [`ManualClock::advance`] apart instead of a sleep. Whatever
/// the application times by its clock waits for it too: a retry comes due, a run lease runs out
/// and a canary wait ends only when the test moves the clock past them.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    /// A clock showing `ms` (milliseconds since the Unix epoch).
    pub fn new(ms: u64) -> Self {
        Self {
            now: AtomicU64::new(ms),
        }
    }

    /// Show `ms` from now on (it may go back: a clock set by hand can).
    pub fn set(&self, ms: u64) {
        self.now.store(ms, Ordering::SeqCst);
    }

    /// Move the clock forward by `by` (whole milliseconds; saturates at `u64::MAX`). Returns
    /// the new time.
    pub fn advance(&self, by: Duration) -> u64 {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let previous = self
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(by))
            })
            .unwrap_or_else(|t| t);
        previous.saturating_add(by)
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn millis_counts_from_the_epoch_and_saturates() {
        assert_eq!(millis(UNIX_EPOCH), 0);
        assert_eq!(
            millis(UNIX_EPOCH + Duration::from_millis(1_764_979_200_123)),
            1_764_979_200_123
        );
        assert_eq!(millis(UNIX_EPOCH - Duration::from_secs(1)), 0);
        assert!(now_ms() > 1_764_979_200_000);
    }

    #[test]
    fn the_system_clock_is_the_wall_clock() {
        let before = now_ms();
        let read = SystemClock.now_ms();
        assert!(before <= read && read <= now_ms());
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(1_000);
        let shared: Arc<dyn Clock> = Arc::new(ManualClock::new(7));
        assert_eq!(shared.now_ms(), 7);
        assert_eq!(clock.now_ms(), 1_000);
        assert_eq!(clock.now_ms(), 1_000);
        assert_eq!(clock.advance(Duration::from_millis(1)), 1_001);
        assert_eq!(clock.now_ms(), 1_001);
        assert_eq!(clock.advance(Duration::from_micros(1_999)), 1_002);
        clock.set(5);
        assert_eq!(clock.now_ms(), 5);
        clock.set(u64::MAX - 1);
        assert_eq!(clock.advance(Duration::from_secs(1)), u64::MAX);
    }
}
