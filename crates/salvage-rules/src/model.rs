//! The engine's public vocabulary: what a rule is evaluated against ([`Input`]) and what
//! evaluation decides ([`Evaluation`], [`Decision`], [`Backoff`]).
//!
//! These types carry no behaviour beyond small conversions, so every other part of Salvage can
//! depend on them without depending on how rules are written or matched.

use std::{fmt, str::FromStr, sync::Arc, time::Duration};

use serde::{Deserialize, Deserializer};

/// Failure class reported by the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The failure may go away by itself (a timeout, a dependency that is down).
    Transient,
    /// The message's content is wrong: delivering it unchanged will fail again.
    Data,
    /// The consumer could not tell.
    Unknown,
}

impl ErrorClass {
    /// Every class, in declaration order.
    pub const ALL: [ErrorClass; 3] = [ErrorClass::Transient, ErrorClass::Data, ErrorClass::Unknown];

    /// The class as spelled in rules files and metric labels: `transient`, `data` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Transient => "transient",
            ErrorClass::Data => "data",
            ErrorClass::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A class name that is not `transient`, `data` or `unknown`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error class `{0}` (expected transient, data or unknown)")]
pub struct ParseClassError(pub String);

impl FromStr for ErrorClass {
    type Err = ParseClassError;

    /// Parses a class name in any case (`Data`, `DATA` and `data` are the same).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorClass::ALL
            .into_iter()
            .find(|class| class.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseClassError(s.to_owned()))
    }
}

impl<'de> Deserialize<'de> for ErrorClass {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// What a rule is evaluated against: one failed message as the consumer reported it.
///
/// Borrowed, so evaluation copies nothing unless a repair changes the payload.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The queue (stream, topic, subject) the message came from.
    pub queue: &'a str,
    /// The event type, e.g. `OrderPlaced`.
    pub event_type: &'a str,
    /// How the consumer classified the failure.
    pub class: ErrorClass,
    /// The consumer's error code, e.g. `INVALID_TYPE`.
    pub code: &'a str,
    /// The consumer's error message in words.
    pub message: &'a str,
    /// The message body as delivered (rules that inspect or repair it expect JSON).
    pub payload: &'a [u8],
}

/// How long to wait before each retry.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// Delay before the first retry.
    pub initial: Duration,
    /// Factor applied to the delay after each retry (at least 1).
    pub multiplier: f64,
    /// Upper bound of the delay before jitter.
    pub max: Duration,
    /// In `[0, 1]`: the delay is multiplied by a random factor in `[1 - jitter, 1 + jitter]`.
    pub jitter: f64,
    /// Whether a retry waits at least as long as the consumer's `retry_after` says (the failing
    /// dependency's own `Retry-After`), up to `retry_after_max`.
    pub use_retry_after: bool,
    /// The longest `retry_after` honoured (a longer one waits this long).
    pub retry_after_max: Duration,
}

impl Default for Backoff {
    /// `initial = "1s", multiplier = 2.0, max = "5m", jitter = 0.2`, `use_retry_after = true`,
    /// `retry_after_max = "1h"`.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            multiplier: 2.0,
            max: Duration::from_secs(300),
            jitter: 0.2,
            use_retry_after: true,
            retry_after_max: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The shortest delay a retry may be scheduled with, given the consumer's `retry_after`:
    /// that, capped at `retry_after_max`, when the backoff uses it; else zero (the backoff
    /// alone decides). The delay is the longer of this and the backoff's own.
    pub fn retry_floor(&self, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) if self.use_retry_after => wait.min(self.retry_after_max),
            _ => Duration::ZERO,
        }
    }

    /// The factor a retry delay is multiplied by, in `[1 - jitter, 1 + jitter]`.
    ///
    /// `random` is a number in `[0, 1)` supplied by the caller (the engine has no randomness of
    /// its own): 0 gives the shortest delay, values near 1 the longest. The delay itself,
    /// `min(initial × multiplier^(attempt - 1), max) × factor`, is computed by the report script,
    /// which alone knows the attempt number (`crates/salvage-store/src/lua/report.lua`; pinned by
    /// `tests/e2e/golden.rs`), so a jittered delay may exceed `max` by the jitter fraction.
    pub fn jitter_factor(&self, random: f64) -> f64 {
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        1.0 - jitter + 2.0 * jitter * random
    }
}

/// What to do with a failed message.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send back to the origin queue. `payload` is the repaired payload, `None` = unchanged.
    Requeue {
        /// The repaired payload (compact JSON), or `None` to send the original bytes.
        payload: Option<Vec<u8>>,
    },
    /// Send back unchanged after a backoff.
    Retry {
        /// How long to wait between attempts.
        backoff: Backoff,
    },
    /// Keep for an operator, with the reason in words.
    Park {
        /// Why the message was parked.
        reason: String,
    },
}

impl Decision {
    /// The decision's name as written in rules files: `requeue`, `retry` or `park`.
    pub fn kind(&self) -> &'static str {
        match self {
            Decision::Requeue { .. } => "requeue",
            Decision::Retry { .. } => "retry",
            Decision::Park { .. } => "park",
        }
    }
}

/// The result of evaluating a rule set. Evaluation never fails: problems become a
/// [`Decision::Park`] with a reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Name of the rule that decided; `None` when no rule matched and the defaults applied.
    pub rule: Option<Arc<str>>,
    /// What to do with the message.
    pub decision: Decision,
    /// The deciding rule's `max_attempts`, else the defaults' `max_attempts`.
    pub max_attempts: u32,
    /// Whether a repair was attempted and how it went (for metrics).
    pub repair: Repair,
    /// What a repair changed in the payload (empty otherwise), for the message's history.
    pub changes: Vec<super::diff::Change>,
}

/// Whether the deciding rule repaired the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// The rule applied no actions, or no rule matched.
    None,
    /// The rule's actions ran and succeeded.
    Repaired,
    /// An action failed, the payload was not JSON, or the actions changed nothing and the
    /// rule says `if_unchanged = "park"`.
    Failed,
}

impl Repair {
    /// The outcome as a metric label: `none`, `repaired` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Repair::None => "none",
            Repair::Repaired => "repaired",
            Repair::Failed => "failed",
        }
    }
}

/// What happens when no rule matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    /// Attempt budget for messages no rule overrides (default 5).
    pub max_attempts: u32,
    /// Backoff for retries; rules' `backoff` tables fill their gaps from it.
    pub backoff: Backoff,
    /// What to do when no rule matches a transient failure (default retry).
    pub on_transient: DefaultAction,
    /// What to do when no rule matches any other failure (default park).
    pub on_other: DefaultAction,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            max_attempts: 5,
            backoff: Backoff::default(),
            on_transient: DefaultAction::Retry,
            on_other: DefaultAction::Park,
        }
    }
}

/// The decision taken when no rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultAction {
    /// Retry unchanged with the default backoff.
    Retry,
    /// Park with the reason "no rule matched".
    Park,
}

/// The result of one `[[test]]` case embedded in a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// The test's `name`.
    pub name: String,
    /// Line of the test's `[[test]]` header (1-based).
    pub line: usize,
    /// Whether every expectation held.
    pub passed: bool,
    /// What differed, in words; `None` when the test passed.
    pub failure: Option<String>,
    /// The rule that actually decided; `None` when the defaults applied.
    pub rule: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_parses_in_any_case() {
        for (text, class) in [
            ("transient", ErrorClass::Transient),
            ("DATA", ErrorClass::Data),
            ("Unknown", ErrorClass::Unknown),
        ] {
            assert_eq!(text.parse::<ErrorClass>().unwrap(), class);
        }
        let err = "fatal".parse::<ErrorClass>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown error class `fatal` (expected transient, data or unknown)"
        );
    }

    #[test]
    fn backoff_jitter_factor_spans_the_jitter_both_ways() {
        let backoff = Backoff {
            initial: Duration::from_millis(500),
            multiplier: 2.0,
            max: Duration::from_secs(30),
            jitter: 0.1,
            ..Backoff::default()
        };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(backoff.jitter_factor(0.0), 0.9));
        assert!(close(backoff.jitter_factor(0.5), 1.0));
        assert!(close(backoff.jitter_factor(1.0), 1.1));
        assert!(close(backoff.jitter_factor(f64::NAN), 1.0));
        assert!(close(backoff.jitter_factor(7.0), 1.1));
        let none = Backoff {
            jitter: 0.0,
            ..backoff
        };
        assert!(close(none.jitter_factor(0.99), 1.0));
    }

    #[test]
    fn retry_floor_is_the_consumers_retry_after_capped_unless_ignored() {
        let backoff = Backoff::default();
        let secs = Duration::from_secs;
        assert_eq!(backoff.retry_floor(None), Duration::ZERO);
        assert_eq!(backoff.retry_floor(Some(secs(600))), secs(600));
        assert_eq!(backoff.retry_floor(Some(secs(7200))), secs(3600));
        let capped = Backoff {
            retry_after_max: secs(120),
            ..Backoff::default()
        };
        assert_eq!(capped.retry_floor(Some(secs(600))), secs(120));
        let ignored = Backoff {
            use_retry_after: false,
            ..Backoff::default()
        };
        assert_eq!(ignored.retry_floor(Some(secs(600))), Duration::ZERO);
    }
}
