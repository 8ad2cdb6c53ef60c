//! A run and its parts, as stored and as answered.

use std::{collections::HashMap, time::Duration};

use crate::parking::{ParkingError, Record};

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// Resubmit as is (with any edits).
    Resubmit,
    /// Resubmit what the current rules repair, repaired.
    Retriage,
}

impl RunKind {
    /// Its name in Redis and the APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resubmit => "resubmit",
            Self::Retriage => "retriage",
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Working.
    Running,
    /// The canary went out; waiting for its fate.
    CanaryWait,
    /// Every message handled, and every resubmitted copy delivered.
    Completed,
    /// Every message handled; some resubmitted copies are still on their way to a broker (in
    /// the outbox). Derived on read, never stored.
    Delivering,
    /// Every message handled, but some resubmitted copies could not be delivered and were parked
    /// again (`delivery_failed`). Derived on read, never stored.
    CompletedWithFailures,
    /// Cancelled by an operator.
    Cancelled,
    /// Stopped by itself (auto-stop).
    Stopped,
}

impl RunState {
    pub(super) fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "canary_wait" => Self::CanaryWait,
            "cancelled" => Self::Cancelled,
            "stopped" => Self::Stopped,
            _ => Self::Completed,
        }
    }

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::CanaryWait => "canary_wait",
            Self::Completed => "completed",
            Self::Delivering => "delivering",
            Self::CompletedWithFailures => "completed_with_failures",
            Self::Cancelled => "cancelled",
            Self::Stopped => "stopped",
        }
    }
}

/// Safe-redrive options.
#[derive(Debug, Clone, PartialEq)]
pub struct Redrive {
    /// Messages per second; 0 = unlimited.
    pub rate_per_second: f64,
    /// Canary size; 0 = none.
    pub canary: u64,
    /// Wait after the canary.
    pub canary_wait: Duration,
    /// Auto-stop ratio.
    pub stop_failure_ratio: f64,
    /// Auto-stop minimum.
    pub stop_min_failures: u64,
    /// No auto-stop.
    pub disable_auto_stop: bool,
}

impl Default for Redrive {
    fn default() -> Self {
        Self {
            rate_per_second: 0.0,
            canary: 0,
            canary_wait: Duration::from_secs(30),
            stop_failure_ratio: 0.2,
            stop_min_failures: 3,
            disable_auto_stop: false,
        }
    }
}

impl Redrive {
    /// Reject what cannot be meant.
    pub fn validate(&self) -> Result<(), ParkingError> {
        let r = self.rate_per_second;
        if !r.is_finite() || r < 0.0 {
            return Err(ParkingError::invalid(
                "options.rate_per_second",
                format!("{r} is not a rate: give messages per second, or 0 for no limit"),
            ));
        }
        let q = self.stop_failure_ratio;
        if !(q > 0.0 && q <= 1.0) {
            return Err(ParkingError::invalid(
                "options.stop_failure_ratio",
                format!("{q} is not a share: give a number in (0, 1], or 0 for the default 0.2"),
            ));
        }
        Ok(())
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Its id.
    pub id: String,
    /// Resubmit or re-triage.
    pub kind: RunKind,
    /// Where it is.
    pub state: RunState,
    /// Messages selected.
    pub total: u64,
    /// Handled so far.
    pub done: u64,
    /// Resubmitted.
    pub resubmitted: u64,
    /// Skipped.
    pub skipped: u64,
    /// Resubmitted and reported failing again.
    pub failed_again: u64,
    /// Resubmitted copies their destination took (inline: at once; brokers: once confirmed).
    pub delivered: u64,
    /// Resubmitted copies a broker refused until they were parked again.
    pub delivery_failed: u64,
    /// Why it stopped by itself.
    pub stop_reason: String,
    /// Who started it.
    pub created_by: String,
    /// When (ms).
    pub created_at: u64,
    /// Last change (ms).
    pub updated_at: u64,
    /// Safe redrive.
    pub options: Redrive,
    /// The operator's comment.
    pub comment: String,
    pub(super) canary_done: bool,
    pub(super) canary_until: u64,
    pub(super) base_failed: u64,
    pub(super) base_resubmitted: u64,
}

impl Run {
    pub(super) fn from_fields(id: &str, f: &HashMap<String, String>) -> Option<Self> {
        let n = |k: &str| f.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let x = |k: &str| f.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        let s = |k: &str| f.get(k).cloned().unwrap_or_default();
        let kind = match f.get("kind")?.as_str() {
            "retriage" => RunKind::Retriage,
            _ => RunKind::Resubmit,
        };
        let resubmitted = n("resubmitted");
        let (delivered, delivery_failed) = (n("delivered"), n("delivery_failed"));
        let mut state = RunState::parse(&s("state"));
        // A finished walk is not the end of a run's messages: say what became of them. (Runs
        // made before delivery was counted have no `delivered` field: they stay "completed".)
        if state == RunState::Completed && f.contains_key("delivered") {
            if delivered + delivery_failed < resubmitted {
                state = RunState::Delivering;
            } else if delivery_failed > 0 {
                state = RunState::CompletedWithFailures;
            }
        }
        Some(Self {
            id: id.to_owned(),
            kind,
            state,
            total: n("total"),
            done: n("cursor"),
            resubmitted,
            skipped: n("skipped"),
            failed_again: n("failed_again"),
            delivered,
            delivery_failed,
            stop_reason: s("stop_reason"),
            created_by: s("created_by"),
            created_at: n("created_at"),
            updated_at: n("updated_at"),
            options: Redrive {
                rate_per_second: x("rate"),
                canary: n("canary"),
                canary_wait: Duration::from_millis(n("canary_wait_ms")),
                stop_failure_ratio: x("stop_ratio"),
                stop_min_failures: n("stop_min"),
                disable_auto_stop: s("auto_stop") == "0",
            },
            comment: s("comment"),
            canary_done: s("canary_done") == "1",
            canary_until: n("canary_until"),
            base_failed: n("base_failed"),
            base_resubmitted: n("base_resubmitted"),
        })
    }

    /// Why this run should stop now, if it should.
    pub(super) fn auto_stop(&self) -> Option<String> {
        let o = &self.options;
        if o.disable_auto_stop {
            return None;
        }
        let failed = self.failed_again.saturating_sub(self.base_failed);
        let sent = self
            .resubmitted
            .saturating_sub(self.base_resubmitted)
            .max(1);
        #[allow(
            clippy::cast_precision_loss,
            reason = "a ratio of two counts; f64 is exact below 2^52"
        )]
        let share = failed as f64 / sent as f64;
        (failed >= o.stop_min_failures && share >= o.stop_failure_ratio).then(|| {
            format!(
                "{failed} of {sent} resubmitted messages were reported failing again \
                 ({:.0}% >= {:.0}%){}",
                share * 100.0,
                o.stop_failure_ratio * 100.0,
                if self.canary_done && self.state == RunState::CanaryWait {
                    " during the canary"
                } else {
                    ""
                }
            )
        })
    }
}

/// What starting a run answered.
#[derive(Debug, Clone, Default)]
pub struct Started {
    /// The run (none for a dry run).
    pub run: Option<Run>,
    /// Messages selected.
    pub matched: u64,
    /// Some of them.
    pub sample: Vec<Record>,
}
