//! One method per event that counts something.

use std::{collections::HashSet, sync::Arc};

use metrics::{Key, Label, Recorder, SharedString};

use super::{Metrics, names::*};

impl Metrics {
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
        for result in ["applied", "failed"] {
            zero(RULES_RELOADS_TOTAL, vec![Label::new("result", result)]);
        }
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
        zero(REDIS_PRIMARY_CHANGES_TOTAL, vec![]);
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

    /// The server holding Salvage's keys changed since the last stats poll.
    pub fn redis_primary_changed(&self) {
        self.counter(REDIS_PRIMARY_CHANGES_TOTAL, vec![])
            .increment(1);
    }

    /// The rules of `version` are in force, replacing those of `replaced` (if any).
    pub fn rules_in_force(&self, version: &str, replaced: Option<&str>) {
        if let Some(old) = replaced.filter(|old| *old != version) {
            self.gauge(RULES_INFO, vec![Label::new("version", old.to_owned())])
                .set(0.0);
        }
        self.gauge(RULES_INFO, vec![Label::new("version", version.to_owned())])
            .set(1.0);
        self.gauge(RULES_RELOAD_FAILING, vec![]).set(0.0);
    }

    /// A reload of the rules tried: `applied` or `failed` (a failure leaves the rules in force
    /// and sets `salvage_rules_reload_failing` until a load succeeds).
    pub fn rules_reload(&self, result: &'static str) {
        self.counter(RULES_RELOADS_TOTAL, vec![Label::new("result", result)])
            .increment(1);
        if result == "failed" {
            self.gauge(RULES_RELOAD_FAILING, vec![]).set(1.0);
        }
    }

    /// The rules on disk load again, unchanged from those in force (after a failed reload
    /// was undone).
    pub fn rules_reload_recovered(&self) {
        self.gauge(RULES_RELOAD_FAILING, vec![]).set(0.0);
    }
}
