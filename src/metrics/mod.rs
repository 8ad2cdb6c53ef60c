//! Metrics: every metric name, its help text, and one method per event that counts it.
//!
//! Each `Application` owns its own Prometheus recorder instead of installing a global one, so
//! several applications (in tests) never mix their counts. Labels come from small fixed sets
//! (outcome, class, rule name, destination, reason code); origin queues are capped at
//! `limits.max_queue_labels` distinct values, further ones count as `_other`, so a client
//! cannot grow the metrics without bound.

mod process;
mod tally;

pub use self::tally::Tally;

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// Reports received, by origin `queue`, failure `class` and `outcome`.
pub const REPORTS_TOTAL: &str = "salvage_reports_total";
/// Reports rejected as invalid, by the `field` at fault.
pub const REPORTS_REJECTED_TOTAL: &str = "salvage_reports_rejected_total";
/// Time from receiving a report to answering it, by `rpc` (unary, stream).
pub const REPORT_DURATION_SECONDS: &str = "salvage_report_duration_seconds";
/// Repairs attempted by a rule, by `rule` and `result` (repaired, failed).
pub const REPAIRS_TOTAL: &str = "salvage_repairs_total";
/// Decisions taken, by `rule` (`_default` when none matched) and `decision`.
pub const RULE_DECISIONS_TOTAL: &str = "salvage_rule_decisions_total";
/// Messages parked, by `reason` code (rule, no_rule, attempt_limit, invalid_json, repair_failed,
/// not_a_stream, delivery_failed).
pub const PARKS_TOTAL: &str = "salvage_parks_total";
/// Messages delivered to a destination, by `destination`, `path` (inline, relay) and `result`.
pub const REQUEUES_TOTAL: &str = "salvage_requeues_total";
/// 1 while a broker destination is reachable, 0 while it is down, by `destination`.
pub const DESTINATION_UP: &str = "salvage_destination_up";
/// Parked messages now (read from Redis, so correct across restarts and processes).
pub const PARKED_MESSAGES: &str = "salvage_parked_messages";
/// Outbox entries waiting for delivery, by `destination`.
pub const OUTBOX_PENDING: &str = "salvage_outbox_pending";
/// Retries scheduled and not yet due.
pub const RETRIES_SCHEDULED: &str = "salvage_retries_scheduled";
/// Failed Redis calls, by `op`.
pub const REDIS_ERRORS_TOTAL: &str = "salvage_redis_errors_total";
/// 1 when the last Redis call of the stats poller succeeded, else 0.
pub const REDIS_UP: &str = "salvage_redis_up";
/// Time from parked to resolved, by `outcome` (resubmitted, retriaged, discarded, expired).
pub const PARKED_RESOLUTION_SECONDS: &str = "salvage_parked_resolution_seconds";
/// Age of the oldest parked message (0 when none is parked).
pub const PARKED_OLDEST_AGE_SECONDS: &str = "salvage_parked_oldest_age_seconds";
/// Archived (discarded, restorable) messages now.
pub const ARCHIVED_MESSAGES: &str = "salvage_archived_messages";
/// Resubmitted messages reported failing again (recurrence).
pub const RESUBMITTED_FAILED_AGAIN_TOTAL: &str = "salvage_resubmitted_failed_again_total";
/// Messages expired by retention, by `stage` (parked: moved to the archive; archive: deleted).
pub const PARKING_LOT_EXPIRED_TOTAL: &str = "salvage_parking_lot_expired_total";
/// Operator actions on the parking lot, by `action`.
pub const OPERATOR_ACTIONS_TOTAL: &str = "salvage_operator_actions_total";
/// Parked messages now, by origin `queue` (the `limits.max_queue_labels` largest queues).
pub const PARKED_MESSAGES_BY_QUEUE: &str = "salvage_parked_messages_by_queue";
/// Parked messages of the largest failure groups, by `group`, `queue` and `code` (the 10
/// largest; a group that drops out reads 0).
pub const PARKED_TOP_GROUP_MESSAGES: &str = "salvage_parked_top_group_messages";
/// User and system CPU time of the process, in seconds (a gauge that only grows).
pub const PROCESS_CPU_SECONDS_TOTAL: &str = "process_cpu_seconds_total";
/// Resident memory, in bytes.
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";
/// Virtual memory, in bytes.
pub const PROCESS_VIRTUAL_MEMORY_BYTES: &str = "process_virtual_memory_bytes";
/// Open file descriptors.
pub const PROCESS_OPEN_FDS: &str = "process_open_fds";
/// The open file descriptor limit.
pub const PROCESS_MAX_FDS: &str = "process_max_fds";
/// Process start time, in seconds since the Unix epoch.
pub const PROCESS_START_TIME_SECONDS: &str = "process_start_time_seconds";
/// How many failure groups `salvage_parked_top_group_messages` shows.
pub const TOP_GROUPS: usize = 10;
/// Always 1, labelled with the `version`.
pub const BUILD_INFO: &str = "salvage_build_info";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Resolution times span minutes to weeks.
const RESOLUTION_BUCKETS: &[f64] = &[
    60.0,
    300.0,
    900.0,
    3600.0,
    4.0 * 3600.0,
    12.0 * 3600.0,
    86400.0,
    3.0 * 86400.0,
    7.0 * 86400.0,
    30.0 * 86400.0,
];

static METADATA: Metadata<'static> = Metadata::new("salvage", Level::INFO, Some("salvage"));

/// The label used for origin queues past the cap.
pub const OTHER_QUEUE: &str = "_other";

/// A gauge series: its name and labels.
type SeriesKey = (&'static str, Vec<(&'static str, String)>);

/// The metrics of one application.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    queues: Mutex<HashSet<Arc<str>>>,
    max_queues: usize,
    /// Label sets of the breakdown gauges set last time, so those gone now read 0.
    breakdown: Mutex<HashSet<SeriesKey>>,
    /// Outcome counts for the console's "last hour", on their way to Redis.
    tally: Tally,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh recorder with every metric described.
    pub fn new(max_queue_labels: usize) -> Self {
        // Fails only for an empty bucket list, which LATENCY_BUCKETS is not; fall back to the
        // exporter's defaults (a summary) rather than fail start-up if it ever did.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(REPORT_DURATION_SECONDS.to_owned()),
                LATENCY_BUCKETS,
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(PARKED_RESOLUTION_SECONDS.to_owned()),
                    RESOLUTION_BUCKETS,
                )
            })
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let m = Self {
            recorder,
            handle,
            queues: Mutex::default(),
            max_queues: max_queue_labels,
            breakdown: Mutex::default(),
            tally: Tally::default(),
        };
        m.describe();
        m.gauge(
            BUILD_INFO,
            vec![Label::new("version", env!("CARGO_PKG_VERSION"))],
        )
        .set(1.0);
        m
    }

    fn describe(&self) {
        let r = &self.recorder;
        let c = |name: &'static str, help: &'static str| {
            r.describe_counter(name.into(), None, help.into());
        };
        c(
            REPORTS_TOTAL,
            "Reports received, by origin queue, failure class and outcome.",
        );
        c(
            REPORTS_REJECTED_TOTAL,
            "Reports rejected as invalid, by the field at fault.",
        );
        c(
            REPAIRS_TOTAL,
            "Repairs attempted by a rule, by rule and result.",
        );
        c(
            RULE_DECISIONS_TOTAL,
            "Decisions taken, by rule (_default: no rule matched) and decision.",
        );
        c(PARKS_TOTAL, "Messages parked, by reason code.");
        c(
            REQUEUES_TOTAL,
            "Messages delivered to a destination, by destination, path and result.",
        );
        c(REDIS_ERRORS_TOTAL, "Failed Redis calls, by operation.");
        c(
            RESUBMITTED_FAILED_AGAIN_TOTAL,
            "Resubmitted messages reported failing again.",
        );
        c(
            PARKING_LOT_EXPIRED_TOTAL,
            "Messages expired by retention, by stage (parked: archived; archive: deleted).",
        );
        c(
            OPERATOR_ACTIONS_TOTAL,
            "Operator actions on the parking lot, by action.",
        );
        let g = |name: &'static str, help: &'static str| {
            r.describe_gauge(name.into(), None, help.into());
        };
        g(PARKED_MESSAGES, "Parked messages now.");
        g(
            OUTBOX_PENDING,
            "Outbox entries waiting for delivery, by destination.",
        );
        g(RETRIES_SCHEDULED, "Retries scheduled and not yet due.");
        g(
            REDIS_UP,
            "1 when Redis answered the last stats poll, else 0.",
        );
        g(BUILD_INFO, "Always 1, labelled with the version.");
        g(
            PARKED_OLDEST_AGE_SECONDS,
            "Age of the oldest parked message (0 when none is parked).",
        );
        g(
            ARCHIVED_MESSAGES,
            "Archived (discarded, restorable) messages now.",
        );
        g(
            DESTINATION_UP,
            "1 while a broker destination is reachable, 0 while it is down.",
        );
        g(
            PARKED_MESSAGES_BY_QUEUE,
            "Parked messages now, by origin queue (the largest queues).",
        );
        g(
            PARKED_TOP_GROUP_MESSAGES,
            "Parked messages of the largest failure groups (others read 0).",
        );
        g(
            PROCESS_CPU_SECONDS_TOTAL,
            "User and system CPU time, in seconds.",
        );
        g(PROCESS_RESIDENT_MEMORY_BYTES, "Resident memory, in bytes.");
        g(PROCESS_VIRTUAL_MEMORY_BYTES, "Virtual memory, in bytes.");
        g(PROCESS_OPEN_FDS, "Open file descriptors.");
        g(PROCESS_MAX_FDS, "The open file descriptor limit.");
        g(
            PROCESS_START_TIME_SECONDS,
            "Process start time, in seconds since the Unix epoch.",
        );
        r.describe_histogram(
            PARKED_RESOLUTION_SECONDS.into(),
            Some(Unit::Seconds),
            "Time from parked to resolved, by outcome.".into(),
        );
        r.describe_histogram(
            REPORT_DURATION_SECONDS.into(),
            Some(Unit::Seconds),
            "Time from receiving a report to answering it, by rpc.".into(),
        );
    }

    /// The outcome counts on their way to Redis (for the console's last hour).
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Drain histogram samples into buckets; call periodically.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    fn counter(&self, name: &'static str, labels: Vec<Label>) -> metrics::Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &METADATA)
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>) -> metrics::Gauge {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
    }

    /// The label for an origin queue, capped (see the module doc).
    pub fn queue_label(&self, queue: &str) -> SharedString {
        let Ok(mut set) = self.queues.lock() else {
            return OTHER_QUEUE.into();
        };
        // Labels share the stored `Arc<str>`: no allocation per report once a queue is known.
        if let Some(q) = set.get(queue) {
            return SharedString::from_shared(q.clone());
        }
        if set.len() < self.max_queues {
            let q: Arc<str> = Arc::from(queue);
            set.insert(q.clone());
            return SharedString::from_shared(q);
        }
        OTHER_QUEUE.into()
    }

    /// A report answered with `outcome`.
    pub fn report(&self, queue: &str, class: &'static str, outcome: &'static str) {
        let labels = vec![
            Label::new("queue", self.queue_label(queue)),
            Label::new("class", class),
            Label::new("outcome", outcome),
        ];
        self.counter(REPORTS_TOTAL, labels).increment(1);
    }

    /// A report rejected because of `field`.
    pub fn rejected(&self, field: &'static str) {
        self.counter(REPORTS_REJECTED_TOTAL, vec![Label::new("field", field)])
            .increment(1);
    }

    /// How long a report took.
    pub fn report_duration(&self, rpc: &'static str, seconds: f64) {
        let key = Key::from_parts(REPORT_DURATION_SECONDS, vec![Label::new("rpc", rpc)]);
        self.recorder
            .register_histogram(&key, &METADATA)
            .record(seconds);
    }

    /// The rule engine's decision for one report.
    pub fn decision(
        &self,
        rule: Option<&Arc<str>>,
        decision: &'static str,
        repair: Option<&'static str>,
    ) {
        let rule: SharedString =
            rule.map_or("_default".into(), |r| SharedString::from_shared(r.clone()));
        if let Some(result) = repair {
            let labels = vec![
                Label::new("rule", rule.clone()),
                Label::new("result", result),
            ];
            self.counter(REPAIRS_TOTAL, labels).increment(1);
        }
        let labels = vec![Label::new("rule", rule), Label::new("decision", decision)];
        self.counter(RULE_DECISIONS_TOTAL, labels).increment(1);
    }

    /// `n` messages parked for `reason` (a fixed code).
    pub fn parked(&self, reason: &'static str, n: u64) {
        self.counter(PARKS_TOTAL, vec![Label::new("reason", reason)])
            .increment(n);
    }

    /// `n` messages delivered (or failed to be) to `destination`.
    pub fn requeued(&self, destination: &str, path: &'static str, ok: bool, n: u64) {
        let labels = vec![
            Label::new("destination", destination.to_owned()),
            Label::new("path", path),
            Label::new("result", if ok { "ok" } else { "error" }),
        ];
        self.counter(REQUEUES_TOTAL, labels).increment(n);
    }

    /// Create every counter and histogram series whose labels are known up front, at 0, so that
    /// `rate()` and `increase()` see their first event (a series that appears only at its first
    /// increment hides that increment from them). `destinations`: name and whether it requeues
    /// inline.
    pub fn register_known(&self, destinations: &[(String, bool)]) {
        let zero = |name: &'static str, labels: Vec<Label>| self.counter(name, labels).increment(0);
        for reason in [
            "rule",
            "no_rule",
            "attempt_limit",
            "invalid_json",
            "repair_failed",
            "not_a_stream",
            "delivery_failed",
        ] {
            zero(PARKS_TOTAL, vec![Label::new("reason", reason)]);
        }
        for (dest, inline) in destinations {
            let paths: &[&'static str] = if *inline {
                &["inline", "relay"]
            } else {
                &["relay"]
            };
            for path in paths {
                let results: &[&'static str] = if *path == "relay" {
                    &["ok", "error", "retry"]
                } else {
                    &["ok", "error"]
                };
                for result in results {
                    zero(
                        REQUEUES_TOTAL,
                        vec![
                            Label::new("destination", dest.clone()),
                            Label::new("path", *path),
                            Label::new("result", *result),
                        ],
                    );
                }
            }
        }
        for op in ["report", "promote", "drain", "stats"] {
            zero(REDIS_ERRORS_TOTAL, vec![Label::new("op", op)]);
        }
        for action in [
            "edit",
            "resubmit",
            "retriage",
            "discard",
            "restore",
            "cancel_run",
            "resume_run",
        ] {
            zero(OPERATOR_ACTIONS_TOTAL, vec![Label::new("action", action)]);
        }
        for stage in ["parked", "archive"] {
            zero(PARKING_LOT_EXPIRED_TOTAL, vec![Label::new("stage", stage)]);
        }
        zero(RESUBMITTED_FAILED_AGAIN_TOTAL, vec![]);
        for outcome in ["resubmitted", "retriaged", "discarded", "expired"] {
            self.resolved(outcome, &[], 0);
        }
    }

    /// `n` messages a broker refused, to be tried again after a backoff.
    pub fn requeue_retried(&self, destination: &str, n: u64) {
        let labels = vec![
            Label::new("destination", destination.to_owned()),
            Label::new("path", "relay"),
            Label::new("result", "retry"),
        ];
        self.counter(REQUEUES_TOTAL, labels).increment(n);
    }

    /// Whether a broker destination is reachable.
    pub fn set_destination_up(&self, destination: &str, up: bool) {
        self.gauge(
            DESTINATION_UP,
            vec![Label::new("destination", destination.to_owned())],
        )
        .set(if up { 1.0 } else { 0.0 });
    }

    /// A failed Redis call.
    pub fn redis_error(&self, op: &'static str) {
        self.counter(REDIS_ERRORS_TOTAL, vec![Label::new("op", op)])
            .increment(1);
    }

    /// Gauges read from Redis by the stats poller.
    pub fn set_store_stats(&self, parked: u64, retries: u64, outbox: &[(String, u64)]) {
        #[allow(
            clippy::cast_precision_loss,
            reason = "metric values: counts and durations far below 2^52"
        )]
        let f = |n: u64| n as f64;
        self.gauge(PARKED_MESSAGES, vec![]).set(f(parked));
        self.gauge(RETRIES_SCHEDULED, vec![]).set(f(retries));
        for (dest, n) in outbox {
            self.gauge(
                OUTBOX_PENDING,
                vec![Label::new("destination", dest.clone())],
            )
            .set(f(*n));
        }
    }

    /// The parking-lot gauges read from Redis.
    pub fn set_parking_stats(&self, archived: u64, oldest_parked_ms: Option<u64>, now_ms: u64) {
        #[allow(
            clippy::cast_precision_loss,
            reason = "metric values: counts and durations far below 2^52"
        )]
        let f = |n: u64| n as f64;
        self.gauge(ARCHIVED_MESSAGES, vec![]).set(f(archived));
        let age = oldest_parked_ms.map_or(0, |at| now_ms.saturating_sub(at));
        self.gauge(PARKED_OLDEST_AGE_SECONDS, vec![])
            .set(f(age) / 1000.0);
    }

    /// How many origin queues may be metric labels.
    pub fn max_queue_labels(&self) -> usize {
        self.max_queues
    }

    /// Parked messages by origin queue and of the largest groups; series set before and absent
    /// now read 0.
    pub fn set_parking_breakdown(
        &self,
        by_queue: &[(String, u64)],
        top_groups: &[(String, String, String, u64)],
    ) {
        type Series = (&'static str, Vec<(&'static str, String)>, f64);
        #[allow(
            clippy::cast_precision_loss,
            reason = "metric values: counts and durations far below 2^52"
        )]
        let mut now: Vec<Series> = by_queue
            .iter()
            .map(|(q, n)| {
                (
                    PARKED_MESSAGES_BY_QUEUE,
                    vec![("queue", q.clone())],
                    *n as f64,
                )
            })
            .collect();
        #[allow(
            clippy::cast_precision_loss,
            reason = "metric values: counts and durations far below 2^52"
        )]
        now.extend(top_groups.iter().map(|(g, q, c, n)| {
            (
                PARKED_TOP_GROUP_MESSAGES,
                vec![
                    ("group", g.clone()),
                    ("queue", q.clone()),
                    ("code", c.clone()),
                ],
                *n as f64,
            )
        }));
        let Ok(mut before) = self.breakdown.lock() else {
            return;
        };
        let labels = |l: &[(&'static str, String)]| {
            l.iter()
                .map(|(k, v)| Label::new(*k, v.clone()))
                .collect::<Vec<_>>()
        };
        let mut seen = HashSet::new();
        for (name, l, v) in now {
            self.gauge(name, labels(&l)).set(v);
            seen.insert((name, l));
        }
        for (name, l) in before.difference(&seen) {
            self.gauge(name, labels(l)).set(0.0);
        }
        // Remember zeroed series only while they are few: a bounded set either way.
        if before.len() > 10 * (self.max_queues + TOP_GROUPS) {
            before.clear();
        }
        before.extend(seen);
    }

    /// The process figures (CPU, memory, file descriptors), where the OS provides them.
    pub fn set_process_stats(&self) {
        let Some(p) = process::read() else { return };
        #[allow(
            clippy::cast_precision_loss,
            reason = "metric values: counts and durations far below 2^52"
        )]
        let f = |n: u64| n as f64;
        self.gauge(PROCESS_CPU_SECONDS_TOTAL, vec![])
            .set(p.cpu_seconds);
        self.gauge(PROCESS_RESIDENT_MEMORY_BYTES, vec![])
            .set(f(p.resident_bytes));
        self.gauge(PROCESS_VIRTUAL_MEMORY_BYTES, vec![])
            .set(f(p.virtual_bytes));
        self.gauge(PROCESS_OPEN_FDS, vec![]).set(f(p.open_fds));
        self.gauge(PROCESS_MAX_FDS, vec![]).set(f(p.max_fds));
        self.gauge(PROCESS_START_TIME_SECONDS, vec![])
            .set(p.start_time_seconds);
    }

    /// Parked messages resolved (`outcome`: resubmitted, retriaged, discarded, expired), with
    /// when each was parked.
    pub fn resolved(&self, outcome: &'static str, parked_at_ms: &[u64], now_ms: u64) {
        let h = self.recorder.register_histogram(
            &Key::from_parts(
                PARKED_RESOLUTION_SECONDS,
                vec![Label::new("outcome", outcome)],
            ),
            &METADATA,
        );
        for at in parked_at_ms {
            #[allow(
                clippy::cast_precision_loss,
                reason = "metric values: counts and durations far below 2^52"
            )]
            h.record(now_ms.saturating_sub(*at) as f64 / 1000.0);
        }
    }

    /// A resubmitted message failed again.
    pub fn failed_again(&self) {
        self.counter(RESUBMITTED_FAILED_AGAIN_TOTAL, vec![])
            .increment(1);
    }

    /// Retention expired `n` messages at `stage` (parked, archive).
    pub fn expired(&self, stage: &'static str, n: u64) {
        self.counter(PARKING_LOT_EXPIRED_TOTAL, vec![Label::new("stage", stage)])
            .increment(n);
    }

    /// An operator action.
    pub fn operator_action(&self, action: &'static str) {
        self.counter(OPERATOR_ACTIONS_TOTAL, vec![Label::new("action", action)])
            .increment(1);
    }

    /// Whether Redis answered.
    pub fn set_redis_up(&self, up: bool) {
        self.gauge(REDIS_UP, vec![]).set(if up { 1.0 } else { 0.0 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_labels_are_capped() {
        let m = Metrics::new(2);
        m.report("a", "data", "parked");
        m.report("b", "data", "parked");
        m.report("c", "data", "parked");
        m.report("d", "data", "parked");
        let text = m.render();
        assert!(text.contains("queue=\"a\""), "{text}");
        assert!(!text.contains("queue=\"c\""), "{text}");
        assert!(
            text.contains("queue=\"_other\",class=\"data\",outcome=\"parked\"} 2"),
            "{text}"
        );
    }

    #[test]
    fn known_series_start_at_zero() {
        let m = Metrics::new(2);
        m.register_known(&[("redis".to_owned(), true)]);
        m.upkeep();
        let text = m.render();
        for line in [
            r#"salvage_redis_errors_total{op="report"} 0"#,
            r#"salvage_requeues_total{destination="redis",path="inline",result="error"} 0"#,
            r#"salvage_parks_total{reason="delivery_failed"} 0"#,
            r#"salvage_operator_actions_total{action="discard"} 0"#,
            r#"salvage_parked_resolution_seconds_count{outcome="expired"} 0"#,
            "salvage_resubmitted_failed_again_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
    }

    #[test]
    fn latency_is_a_histogram() {
        let m = Metrics::new(2);
        m.report_duration("unary", 0.003);
        m.upkeep();
        let text = m.render();
        assert!(
            text.contains("salvage_report_duration_seconds_bucket"),
            "{text}"
        );
    }
}
