//! The per-application Prometheus recorder: metrics described once, rendered for `/metrics`,
//! and the capped origin-queue label.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use metrics::{Key, Label, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use super::{Tally, names::*};

/// A gauge series: its name and labels.
type SeriesKey = (&'static str, Vec<(&'static str, String)>);

/// The metrics of one application.
pub struct Metrics {
    pub(super) recorder: PrometheusRecorder,
    pub(super) handle: PrometheusHandle,
    pub(super) queues: Mutex<HashSet<Arc<str>>>,
    pub(super) max_queues: usize,
    /// Label sets of the breakdown gauges set last time, so those gone now read 0.
    pub(super) breakdown: Mutex<HashSet<SeriesKey>>,
    /// Outcome counts for the console's "last hour", on their way to Redis.
    pub(super) tally: Tally,
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
            REDIS_PRIMARY_CHANGES_TOTAL,
            "Times the Redis primary holding Salvage's keys changed (a failover, or a slot move).",
        );
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
        c(
            RULES_RELOADS_TOTAL,
            "Reloads of the rules tried, by result (applied, failed).",
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
            RULES_INFO,
            "1 for the version of the rules in force, 0 for versions replaced by a reload.",
        );
        g(
            RULES_RELOAD_FAILING,
            "1 while the rules on disk fail to load or their tests fail (the earlier rules stay in force).",
        );
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
        let mut text = self.handle.render();
        text.push_str(&super::process::exposition());
        text
    }

    /// Drain histogram samples into buckets; call periodically.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    pub(super) fn counter(&self, name: &'static str, labels: Vec<Label>) -> metrics::Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &METADATA)
    }

    pub(super) fn gauge(&self, name: &'static str, labels: Vec<Label>) -> metrics::Gauge {
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
}
