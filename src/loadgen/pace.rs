//! When to send: the phases of a run ([`Plan`]) and each worker's send schedule ([`Pacer`]).
//!
//! In open loop (`--rate`), every request has an *intended* send time fixed in advance, and its
//! latency is measured from that time, not from when it actually went out. A server that stalls
//! then shows up as the latency every scheduled request would have seen, instead of as fewer
//! requests sent (coordinated omission, as wrk2 corrects it).

use std::time::Duration;

use tokio::time::Instant;

/// The phases of one run, the same for every worker.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// When the workers start sending (warmup begins).
    pub(super) start: Instant,
    /// Requests sent from here on are measured; earlier ones are warmup.
    pub(super) measure_from: Instant,
    /// No request is sent at or after this instant; in-flight ones are still awaited.
    pub(super) end: Instant,
    /// Responses still missing by then are counted as `DEADLINE_EXCEEDED`.
    pub(super) drain_until: Instant,
}

impl Plan {
    pub(super) fn new(
        start: Instant,
        warmup: Duration,
        duration: Duration,
        drain: Duration,
    ) -> Self {
        let measure_from = start + warmup;
        let end = measure_from + duration;
        Plan {
            start,
            measure_from,
            end,
            drain_until: end + drain,
        }
    }

    /// Whether a request sent at `at` is measured (not warmup).
    pub(super) fn counts(&self, at: Instant) -> bool {
        at >= self.measure_from
    }
}

/// One worker's send schedule.
#[derive(Debug, Clone)]
pub(super) enum Pacer {
    /// Send as soon as the worker may (one call at a time, or a free slot in the window).
    Closed,
    /// Send request `n` at `first + n * interval`, whatever happened to earlier ones.
    Open {
        first: Instant,
        interval: f64,
        sent: u64,
    },
}

impl Pacer {
    /// The schedule of worker `index` of `workers` that share `rate` requests per second
    /// (closed loop when `rate` is `None`). Workers are staggered by `1 / rate` so that
    /// together they send evenly rather than in bursts of `workers`.
    pub(super) fn new(rate: Option<f64>, index: usize, workers: usize, start: Instant) -> Self {
        match rate {
            None => Pacer::Closed,
            Some(rate) => Pacer::Open {
                first: after(start, index as f64 / rate),
                interval: workers as f64 / rate,
                sent: 0,
            },
        }
    }

    /// The intended send time of the next request; `now` in closed loop.
    pub(super) fn due(&self, now: Instant) -> Instant {
        match self {
            Pacer::Closed => now,
            // Computed from the start rather than accumulated, so rounding does not drift.
            Pacer::Open {
                first,
                interval,
                sent,
            } => after(*first, interval * *sent as f64),
        }
    }

    /// Move on after sending the request that was due.
    pub(super) fn advance(&mut self) {
        if let Pacer::Open { sent, .. } = self {
            *sent += 1;
        }
    }
}

/// `base + secs`, saturating at a day past `base` (a rate so low that this matters sends
/// nothing within any sensible run anyway).
fn after(base: Instant, secs: f64) -> Instant {
    const FAR: Duration = Duration::from_secs(24 * 60 * 60);
    let offset = Duration::try_from_secs_f64(secs).map_or(FAR, |d| d.min(FAR));
    base + offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_loop_workers_interleave_evenly() {
        let start = Instant::now();
        let mut a = Pacer::new(Some(100.0), 0, 2, start);
        let b = Pacer::new(Some(100.0), 1, 2, start);
        assert_eq!(a.due(start), start);
        assert_eq!(b.due(start), start + Duration::from_millis(10));
        a.advance();
        assert_eq!(a.due(start), start + Duration::from_millis(20));
    }

    #[test]
    fn closed_loop_is_always_due_now() {
        let now = Instant::now();
        let mut pacer = Pacer::new(None, 3, 4, now);
        pacer.advance();
        assert_eq!(pacer.due(now), now);
    }

    #[test]
    fn warmup_requests_do_not_count() {
        let start = Instant::now();
        let plan = Plan::new(
            start,
            Duration::from_secs(2),
            Duration::from_secs(10),
            Duration::ZERO,
        );
        assert!(!plan.counts(start + Duration::from_secs(1)));
        assert!(plan.counts(plan.measure_from));
        assert_eq!(plan.end - start, Duration::from_secs(12));
    }
}
