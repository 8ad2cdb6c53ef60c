//! The workflow processor: a failure report in, one durable outcome out.
//!
//! 1. check the report against the limits and the configured destinations;
//! 2. evaluate the rules (pure, cannot fail: problems become a park decision with a reason);
//! 3. commit in one Redis script, which also applies loop protection (attempt limit) and
//!    duplicate detection, so the answer is only given once the outcome is durable;
//! 4. count it, and wake the relay when something went to an outbox.
//!
//! What the script is given besides the message is built in `headers` (the reported headers and
//! the requeued copy's) and `attempt` (the history entry, the failure, the backoff).

mod attempt;
pub mod config;
mod headers;
mod report;
pub mod trace;

use std::{
    sync::Arc,
    time::{Duration, UNIX_EPOCH},
};

use tokio::sync::Notify;
use tracing::{Instrument, debug};

pub(crate) use self::headers::outgoing_headers;
pub use self::report::{Decided, Failure, FailureReport, ReportError};
pub use salvage_model::Message;
use salvage_model::{
    Clock, Outcome, failure_group, headers::TRACKING_ID, message_key, payload_digest,
};
use salvage_rules::{Decision, Evaluation, Input, Repair};

use self::{
    attempt::{attempt_tail, backoff_args, failure_json},
    config::Limits,
    headers::json_object,
};
use crate::{
    destinations::Destinations,
    metrics::Metrics,
    rules::LiveRules,
    store::{Committed, Override, ReportCommit, RequeueMode, Store, StoreError},
};

/// Processes reports. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Processor {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The rules in force; a report takes them once and is decided by that set.
    rules: Arc<LiveRules>,
    store: Store,
    destinations: Destinations,
    default_destination: String,
    limits: Limits,
    metrics: Arc<Metrics>,
    relay_wake: Arc<Notify>,
    /// When a report happened: its attempt's time, a retry's start, a park's time.
    clock: Arc<dyn Clock>,
}

impl Processor {
    /// Wire a processor.
    #[allow(
        clippy::too_many_arguments,
        reason = "one constructor, called by Application::build, naming each part it wires"
    )]
    pub fn new(
        rules: Arc<LiveRules>,
        store: Store,
        destinations: Destinations,
        default_destination: String,
        limits: Limits,
        metrics: Arc<Metrics>,
        relay_wake: Arc<Notify>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let inner = Inner {
            rules,
            store,
            destinations,
            default_destination,
            limits,
            metrics,
            relay_wake,
            clock,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The metrics this processor counts into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// Process one report: returns only once its outcome is committed in Redis.
    pub async fn report(&self, report: FailureReport) -> Result<Decided, ReportError> {
        let bucket = self.bucket_of(&report.message);
        let tracking_id = self.inner.store.layout().new_tracking_id(bucket);
        let span = tracing::info_span!(
            "report",
            tracking_id = %tracking_id,
            queue = %report.message.queue,
            message_id = %report.message.id,
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty,
        );
        // The call's context first (the consumer's current attempt), else the message's own.
        let parent = report
            .trace
            .clone()
            .or_else(|| trace::TraceContext::from_headers(&report.message.headers));
        let own = trace::join(&span, parent.as_ref());
        self.report_inner(report, bucket, tracking_id, own)
            .instrument(span)
            .await
    }

    /// The bucket that holds a message's state (`store::Layout`): of its destination (the default
    /// one when it names none), queue, and partition key or id.
    fn bucket_of(&self, msg: &Message) -> u32 {
        let dest = if msg.destination.is_empty() {
            &self.inner.default_destination
        } else {
            &msg.destination
        };
        self.inner
            .store
            .layout()
            .of_message(dest, &msg.queue, &msg.partition_key, &msg.id)
    }

    async fn report_inner(
        &self,
        report: FailureReport,
        bucket: u32,
        tracking_id: String,
        trace: trace::TraceContext,
    ) -> Result<Decided, ReportError> {
        let inner = &*self.inner;
        let (msg, failure) = (&report.message, &report.failure);
        self.check_limits(msg)?;
        let dest_name = if msg.destination.is_empty() {
            &inner.default_destination
        } else {
            &msg.destination
        };
        let destination = inner.destinations.get(dest_name).ok_or_else(|| {
            ReportError::invalid(
                "message.origin.destination",
                format!(
                    "unknown destination {dest_name:?}; configured destinations: {}",
                    inner.destinations.names().join(", ")
                ),
            )
        })?;

        let rules = inner.rules.current();
        let eval = rules.set.evaluate(&Input {
            queue: &msg.queue,
            event_type: &msg.event_type,
            class: failure.class,
            code: &failure.code,
            message: &failure.message,
            payload: &msg.payload,
        });
        let (decision, reason, backoff, repaired) = match &eval.decision {
            Decision::Requeue { payload } => ("requeue", String::new(), None, payload.as_deref()),
            Decision::Retry { backoff } => ("retry", String::new(), Some(backoff), None),
            Decision::Park { reason } => ("park", reason.clone(), None, None),
        };
        let rule = eval.rule.as_deref().unwrap_or("");
        let now_ms = inner.clock.now_ms();
        let incoming = msg.headers.get(TRACKING_ID).map_or("", String::as_str);
        let mkey = message_key(dest_name, &msg.queue, &msg.id);
        let group = failure_group(&msg.queue, &failure.code, &failure.message);
        let headers_in = json_object(msg.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let headers_out = outgoing_headers(
            &msg.headers,
            &tracking_id,
            rule,
            &failure.code,
            Some(&trace),
        );
        let failure_json = failure_json(failure, inner.limits.max_detail_bytes);
        let attempt_tail = attempt_tail(
            now_ms,
            &tracking_id,
            failure,
            rule,
            decision,
            &rules.version,
            repaired.map(|p| (p, eval.changes.as_slice())),
        );

        let retry_backoff = backoff.unwrap_or(&rules.set.defaults().backoff);
        let in_digest = payload_digest(&msg.payload);
        let out_digest = repaired.map(payload_digest);
        let commit = ReportCommit {
            bucket,
            now_ms,
            tracking_id: &tracking_id,
            incoming_tracking_id: incoming,
            decision,
            rule,
            reason: &reason,
            max_attempts: eval.max_attempts,
            mode: destination.requeue_mode(),
            backoff: backoff_args(retry_backoff),
            retry_floor_ms: u64::try_from(
                retry_backoff.retry_floor(failure.retry_after).as_millis(),
            )
            .unwrap_or(u64::MAX),
            message_key: &mkey,
            message: msg,
            destination: dest_name,
            repaired,
            headers_in: &headers_in,
            headers_out: &headers_out,
            failure: &failure_json,
            attempt_tail: &attempt_tail,
            group: &group,
            code: &failure.code,
            error_message: &failure.message,
            fields: destination.fields(),
            in_digest: &in_digest,
            out_digest: out_digest.as_ref().unwrap_or(&in_digest),
        };
        let committed = inner.store.commit_report(&commit).await.map_err(|e| {
            inner.metrics.redis_error("report");
            match e {
                StoreError::Unavailable(_) => ReportError::Unavailable(e),
                StoreError::OutOfMemory(_) => ReportError::OutOfMemory(e),
                other => ReportError::Internal(other),
            }
        })?;

        let outcome = committed.outcome;
        inner.metrics.tally().count(outcome, repaired.is_some());
        self.count(
            &report,
            dest_name,
            &eval,
            &committed,
            destination.requeue_mode(),
        );
        debug!(outcome = outcome.as_str(), rule, attempt = committed.attempt, reason = %committed.reason, "report committed");
        if outcome == Outcome::Requeued && destination.requeue_mode() == RequeueMode::Outbox {
            inner.relay_wake.notify_one();
        }
        Ok(Decided {
            tracking_id: committed.tracking_id,
            outcome,
            rule: committed.rule,
            retry_at: (committed.retry_at_ms > 0)
                .then(|| UNIX_EPOCH + Duration::from_millis(committed.retry_at_ms)),
            reason: committed.reason,
            attempt: committed.attempt,
        })
    }

    fn check_limits(&self, msg: &Message) -> Result<(), ReportError> {
        let keys = self.inner.store.keys();
        let prefix = keys.prefix();
        if keys.owns(&msg.queue) {
            return Err(ReportError::invalid(
                "message.origin.queue",
                format!(
                    "{:?} is inside Salvage's own key space ({prefix}); name the queue the message came from",
                    msg.queue
                ),
            ));
        }
        let limits = &self.inner.limits;
        if msg.payload.len() > limits.max_payload_bytes {
            return Err(ReportError::invalid(
                "message.payload",
                format!(
                    "payload is {} bytes, over the limit of {} bytes (limits.max_payload_bytes)",
                    msg.payload.len(),
                    limits.max_payload_bytes
                ),
            ));
        }
        if msg.headers.len() > limits.max_headers {
            return Err(ReportError::invalid(
                "message.headers",
                format!(
                    "{} headers, over the limit of {} (limits.max_headers)",
                    msg.headers.len(),
                    limits.max_headers
                ),
            ));
        }
        let header_bytes: usize = msg.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        if header_bytes > limits.max_header_bytes {
            return Err(ReportError::invalid(
                "message.headers",
                format!(
                    "headers total {header_bytes} bytes, over the limit of {} bytes \
                     (limits.max_header_bytes)",
                    limits.max_header_bytes
                ),
            ));
        }
        Ok(())
    }

    fn count(
        &self,
        report: &FailureReport,
        destination: &str,
        eval: &Evaluation,
        committed: &Committed,
        mode: RequeueMode,
    ) {
        let m = &self.inner.metrics;
        let outcome = committed.outcome;
        if committed.recurred {
            m.failed_again();
        }
        m.report(
            &report.message.queue,
            report.failure.class.as_str(),
            outcome.as_str(),
        );
        // Nothing was decided for a duplicate, nor for a report of a message parked before.
        if outcome == Outcome::Duplicate || committed.overridden == Some(Override::AlreadyParked) {
            return;
        }
        // The script parks instead of the rules' proposal past the attempt limit, or when the
        // origin queue is not a stream.
        let overridden = committed.overridden.is_some();
        let decision = match (&eval.decision, overridden) {
            (_, true) | (Decision::Park { .. }, _) => "park",
            (Decision::Requeue { .. }, _) => "requeue",
            (Decision::Retry { .. }, _) => "retry",
        };
        let repair = match eval.repair {
            Repair::None => None,
            Repair::Repaired if overridden => None,
            r => Some(r.as_str()),
        };
        m.decision(eval.rule.as_ref(), decision, repair);
        match outcome {
            Outcome::Parked => {
                let code = match committed.overridden {
                    Some(Override::AttemptLimit) => "attempt_limit",
                    Some(_) => "not_a_stream",
                    None if salvage_rules::is_unreadable_payload(&committed.reason) => {
                        "invalid_json"
                    }
                    None if eval.repair == Repair::Failed => "repair_failed",
                    None if eval.rule.is_none() => "no_rule",
                    None => "rule",
                };
                m.parked(code, 1);
                if eval.repair == Repair::Failed {
                    // The reason may quote payload values: debug level only.
                    debug!(rule = eval.rule.as_deref().unwrap_or(""), reason = %committed.reason, "repair failed; parked");
                }
            }
            Outcome::Requeued if mode == RequeueMode::Inline => {
                m.requeued(destination, "inline", true, 1);
            }
            _ => {}
        }
    }
}
