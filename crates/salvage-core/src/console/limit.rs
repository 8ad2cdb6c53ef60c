//! The sign-in limit: at most `console.sign_in_attempts` sign-ins per client address within
//! `console.sign_in_window` (successful or not, so guessing tokens is slow), counted in this
//! process (with several processes, each counts its own). An address over it gets 429 with
//! `Retry-After`: the seconds until its oldest attempt leaves the window.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// Addresses remembered at most; past it, addresses with no attempt in the window are dropped
/// (memory stays bounded whatever clients do).
const MAX_ADDRESSES: usize = 10_000;

/// Recent sign-in attempts per client address.
#[derive(Debug)]
pub(super) struct SignInLimit {
    attempts: usize,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl SignInLimit {
    pub(super) fn new(attempts: u32, window: Duration) -> Self {
        Self {
            attempts: usize::try_from(attempts).unwrap_or(usize::MAX).max(1),
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Count an attempt from `addr` at `now`, or say how long it must wait.
    pub(super) fn attempt(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() >= MAX_ADDRESSES && !seen.contains_key(&addr) {
            seen.retain(|_, times| times.back().is_some_and(|t| now - *t < self.window));
        }
        let times = seen.entry(addr).or_default();
        while times.front().is_some_and(|t| now - *t >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.attempts {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now - oldest));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_the_limit_waits_until_its_oldest_attempt_leaves_the_window() {
        let limit = SignInLimit::new(3, Duration::from_secs(60));
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limit.attempt(a, t0 + Duration::from_secs(i)).is_ok());
        }
        let wait = limit.attempt(a, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            limit.attempt(b, t0 + Duration::from_secs(10)).is_ok(),
            "per address"
        );
        assert!(limit.attempt(a, t0 + Duration::from_secs(60)).is_ok());
    }
}
