//! What a run measured: each worker fills its own [`Recorder`] (no sharing, no locks on the hot
//! path), and the recorders are merged into one [`Summary`] at the end.
//!
//! Memory stays bounded however long the run: a fixed-size HDR histogram for latency and a few
//! counters keyed by static names.

use std::{collections::BTreeMap, time::Duration};

use hdrhistogram::Histogram;
use tokio::time::Instant;

use crate::proto::v1::{Outcome, ReportResponse};

/// Latencies above this (in microseconds) are recorded as this value.
const HIGHEST_MICROS: u64 = 3_600_000_000;
/// Significant digits the histogram keeps (0.1% precision).
const SIGNIFICANT_DIGITS: u8 = 3;

/// The figures of one run, as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Requests sent after warmup (each one either `ok` or an error by the end).
    pub sent: u64,
    /// Requests answered with an outcome.
    pub ok: u64,
    /// Requests that failed: a gRPC error, a stream response carrying `error`, or no answer.
    pub errors: u64,
    /// `errors` by gRPC code name (e.g. `UNAVAILABLE`; `INVALID_ARGUMENT` for rejected stream
    /// requests, `UNANSWERED` for requests a stream ended without answering).
    pub error_codes: BTreeMap<String, u64>,
    /// From the end of warmup until the last response.
    pub elapsed: Duration,
    /// `ok` per second of `elapsed`.
    pub throughput: f64,
    /// Latency percentiles and maximum of the `ok` requests.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// 99.9th percentile latency.
    pub p999: Duration,
    /// Highest latency seen.
    pub max: Duration,
    /// `ok` by the response's outcome name (`REQUEUED`, `RETRY_SCHEDULED`, `PARKED`,
    /// `DUPLICATE`).
    pub outcomes: BTreeMap<String, u64>,
    /// Entries that appeared on the origin streams during the run (warmup included), when
    /// `--redis-url` was given.
    pub landed: Option<u64>,
}

/// One worker's counts.
pub(super) struct Recorder {
    latency: Histogram<u64>,
    sent: u64,
    ok: u64,
    errors: BTreeMap<&'static str, u64>,
    outcomes: BTreeMap<&'static str, u64>,
    /// REQUEUED answers including warmup: what should land on the origin streams.
    requeued_all: u64,
}

impl Recorder {
    pub(super) fn new() -> anyhow::Result<Self> {
        Ok(Recorder {
            latency: Histogram::new_with_bounds(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS)?,
            sent: 0,
            ok: 0,
            errors: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            requeued_all: 0,
        })
    }

    /// A request went out (`counted`: intended after warmup).
    pub(super) fn sent(&mut self, counted: bool) {
        if counted {
            self.sent += 1;
        }
    }

    /// A response arrived for a request whose latency counts from `start`.
    pub(super) fn answered(&mut self, start: Instant, counted: bool, response: &ReportResponse) {
        let outcome = Outcome::try_from(response.outcome).ok();
        if outcome == Some(Outcome::Requeued) && response.error.is_empty() {
            self.requeued_all += 1;
        }
        if !counted {
            return;
        }
        if !response.error.is_empty() {
            // A stream's way of failing one request: `error_code` is the status `Report` would
            // have returned (it was counted as INVALID_ARGUMENT whatever the code).
            let code = i32::try_from(response.error_code).unwrap_or(i32::MAX);
            self.failed(true, code_name(tonic::Code::from(code)));
            return;
        }
        self.ok += 1;
        let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(micros.max(1));
        let name = outcome.map_or("UNRECOGNIZED", |o| o.as_str_name());
        *self.outcomes.entry(name).or_default() += 1;
    }

    /// A request failed with `code` (a gRPC code name, or `UNANSWERED`).
    pub(super) fn failed(&mut self, counted: bool, code: &'static str) {
        if counted {
            *self.errors.entry(code).or_default() += 1;
        }
    }

    pub(super) fn requeued_all(&self) -> u64 {
        self.requeued_all
    }

    /// Fold another worker's counts into this one.
    pub(super) fn merge(&mut self, other: &Recorder) -> anyhow::Result<()> {
        self.latency.add(&other.latency)?;
        self.sent += other.sent;
        self.ok += other.ok;
        self.requeued_all += other.requeued_all;
        for (code, n) in &other.errors {
            *self.errors.entry(code).or_default() += n;
        }
        for (outcome, n) in &other.outcomes {
            *self.outcomes.entry(outcome).or_default() += n;
        }
        Ok(())
    }

    pub(super) fn summary(&self, elapsed: Duration, landed: Option<u64>) -> Summary {
        let at = |q: f64| Duration::from_micros(self.latency.value_at_quantile(q));
        let empty = self.latency.is_empty();
        let pick = |q| if empty { Duration::ZERO } else { at(q) };
        let seconds = elapsed.as_secs_f64();
        Summary {
            sent: self.sent,
            ok: self.ok,
            errors: self.errors.values().sum(),
            error_codes: self
                .errors
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            elapsed,
            throughput: if seconds > 0.0 {
                self.ok as f64 / seconds
            } else {
                0.0
            },
            p50: pick(0.50),
            p99: pick(0.99),
            p999: pick(0.999),
            max: if empty {
                Duration::ZERO
            } else {
                Duration::from_micros(self.latency.max())
            },
            outcomes: self
                .outcomes
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            landed,
        }
    }
}

/// The gRPC name of `status`'s code; the first time each code that no server answer documents
/// (`UNKNOWN`, `INTERNAL`, `DATA_LOSS`) is seen, its message goes to stderr too, so a run that
/// counts such errors also says what they were.
pub(super) fn status_name(status: &tonic::Status) -> &'static str {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tonic::Code;
    static SEEN: [AtomicBool; 3] = [const { AtomicBool::new(false) }; 3];
    let slot = match status.code() {
        Code::Unknown => Some(0),
        Code::Internal => Some(1),
        Code::DataLoss => Some(2),
        _ => None,
    };
    let name = code_name(status.code());
    if let Some(slot) = slot.and_then(|i| SEEN.get(i))
        && !slot.swap(true, Ordering::Relaxed)
    {
        eprintln!("loadgen: first {name}: {:?}", status.message());
    }
    name
}

/// The gRPC name of a status code, e.g. `UNAVAILABLE`.
pub(super) fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(outcome: Outcome, error: &str) -> ReportResponse {
        ReportResponse {
            outcome: outcome.into(),
            error: error.to_owned(),
            // An in-line failure carries its status code (3 INVALID_ARGUMENT here).
            error_code: if error.is_empty() { 0 } else { 3 },
            ..Default::default()
        }
    }

    #[test]
    fn merges_counts_and_ignores_warmup() -> anyhow::Result<()> {
        let due = Instant::now();
        let mut a = Recorder::new()?;
        a.sent(true);
        a.answered(due, true, &response(Outcome::Requeued, ""));
        a.sent(false);
        a.answered(due, false, &response(Outcome::Requeued, ""));
        let mut b = Recorder::new()?;
        b.sent(true);
        b.answered(due, true, &response(Outcome::Parked, ""));
        b.sent(true);
        b.answered(
            due,
            true,
            &response(Outcome::Unspecified, "message.id is required"),
        );
        b.sent(true);
        b.failed(true, code_name(tonic::Code::Unavailable));
        b.sent(true);
        b.answered(
            due,
            true,
            &ReportResponse {
                error: "too many report bytes in flight".to_owned(),
                error_code: 8,
                ..Default::default()
            },
        );
        a.merge(&b)?;
        assert_eq!(a.requeued_all(), 2);
        let summary = a.summary(Duration::from_secs(2), Some(2));
        assert_eq!((summary.sent, summary.ok, summary.errors), (5, 2, 3));
        assert_eq!(summary.error_codes.get("RESOURCE_EXHAUSTED"), Some(&1));
        assert_eq!(summary.throughput, 1.0);
        assert_eq!(summary.outcomes.get("REQUEUED"), Some(&1));
        assert_eq!(summary.outcomes.get("PARKED"), Some(&1));
        assert_eq!(summary.error_codes.get("INVALID_ARGUMENT"), Some(&1));
        assert_eq!(summary.error_codes.get("UNAVAILABLE"), Some(&1));
        assert!(summary.p50 <= summary.p99 && summary.p99 <= summary.max);
        Ok(())
    }

    #[test]
    fn empty_run_has_zero_latency() -> anyhow::Result<()> {
        let summary = Recorder::new()?.summary(Duration::ZERO, None);
        assert_eq!((summary.max, summary.throughput), (Duration::ZERO, 0.0));
        Ok(())
    }
}
