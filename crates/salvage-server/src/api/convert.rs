//! Wire ↔ domain: the only place protobuf types meet the workflow's. Structural checks happen
//! here (required fields, sizes that need no configuration); every error names the field.

use std::time::SystemTime;

use tonic::Status;
use tracing::error;

use salvage_model::Outcome;
use salvage_rules::ErrorClass;

use crate::{
    proto::v1 as pb,
    workflow::{Decided, Failure, FailureReport, Message, ReportError},
};

const MAX_ID_BYTES: usize = 512;
const MAX_QUEUE_BYTES: usize = 512;
const MAX_CODE_BYTES: usize = 256;
const MAX_MESSAGE_BYTES: usize = 4096;

/// The report a request carries, checked structurally (every error names the field).
pub(super) fn report_of(req: pb::ReportRequest) -> Result<FailureReport, ReportError> {
    let m = req.message.ok_or_else(|| {
        ReportError::invalid("message", "is required: the message the consumer failed on")
    })?;
    let f = req.failure.ok_or_else(|| {
        ReportError::invalid(
            "failure",
            "is required: why the consumer failed (class, code, message)",
        )
    })?;
    let origin = m.origin.ok_or_else(|| {
        ReportError::invalid(
            "message.origin",
            "is required: the queue the message was consumed from (origin.queue)",
        )
    })?;
    if m.id.is_empty() {
        return Err(ReportError::invalid(
            "message.id",
            "is required: the message's own id, stable across redeliveries (e.g. a CloudEvents id)",
        ));
    }
    check_len("message.id", &m.id, MAX_ID_BYTES)?;
    if origin.queue.is_empty() {
        return Err(ReportError::invalid(
            "message.origin.queue",
            "is required: the stream/queue/topic the message was consumed from, where the \
             repaired copy goes back to",
        ));
    }
    check_len("message.origin.queue", &origin.queue, MAX_QUEUE_BYTES)?;
    check_len(
        "message.origin.partition_key",
        &origin.partition_key,
        MAX_ID_BYTES,
    )?;
    check_len("message.event_type", &m.event_type, MAX_QUEUE_BYTES)?;
    check_len("message.content_type", &m.content_type, MAX_QUEUE_BYTES)?;
    check_len("failure.code", &f.code, MAX_CODE_BYTES)?;
    check_len("failure.message", &f.message, MAX_MESSAGE_BYTES)?;
    check_len("failure.consumer", &f.consumer, MAX_QUEUE_BYTES)?;
    let class = match pb::ErrorClass::try_from(f.class) {
        Ok(pb::ErrorClass::Transient) => ErrorClass::Transient,
        Ok(pb::ErrorClass::Data) => ErrorClass::Data,
        Ok(pb::ErrorClass::Unknown | pb::ErrorClass::Unspecified) => ErrorClass::Unknown,
        Err(_) => {
            return Err(ReportError::invalid(
                "failure.class",
                format!(
                    "unknown error class {}; use TRANSIENT, DATA or UNKNOWN",
                    f.class
                ),
            ));
        }
    };
    let retry_after = f
        .retry_after
        .map(|d| {
            std::time::Duration::try_from(d).map_err(|_| {
                ReportError::invalid(
                    "failure.retry_after",
                    format!(
                        "is negative or out of range ({}s {}ns); give how long the dependency asked \
                         to wait, or leave it unset",
                        d.seconds, d.nanos
                    ),
                )
            })
        })
        .transpose()?;
    Ok(FailureReport {
        message: Message {
            id: m.id,
            destination: origin.destination,
            queue: origin.queue,
            partition_key: origin.partition_key,
            payload: m.payload,
            content_type: m.content_type,
            headers: m.headers.into_iter().collect(),
            event_type: m.event_type,
        },
        failure: Failure {
            class,
            code: f.code,
            message: f.message,
            consumer: f.consumer,
            delivery_attempt: f.delivery_attempt,
            detail: f.detail,
            retry_after,
        },
        trace: None,
    })
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), ReportError> {
    if value.len() > max {
        return Err(ReportError::invalid(
            field,
            format!("is {} bytes, over the limit of {max} bytes", value.len()),
        ));
    }
    Ok(())
}

/// The answer to a report that was decided.
pub(super) fn response_of(d: Decided) -> pb::ReportResponse {
    let outcome = match d.outcome {
        Outcome::Requeued => pb::Outcome::Requeued,
        Outcome::RetryScheduled => pb::Outcome::RetryScheduled,
        Outcome::Parked => pb::Outcome::Parked,
        Outcome::Duplicate => pb::Outcome::Duplicate,
    };
    pb::ReportResponse {
        tracking_id: d.tracking_id,
        outcome: outcome.into(),
        rule: d.rule,
        retry_at: d.retry_at.map(prost_types::Timestamp::from),
        reason: d.reason,
        attempt: d.attempt,
        error: String::new(),
        error_code: 0,
    }
}

/// The UNAVAILABLE message of a report: says what the consumer can rely on, not more.
pub(super) const UNAVAILABLE_MESSAGE: &str = "Salvage could not have the outcome committed and \
     confirmed in time (Redis unreachable, timed out or failing over, or fewer replicas than \
     redis.wait_replicas confirmed it), so it may or may not be recorded: keep the message and \
     report it again later (a report that was recorded is answered DUPLICATE)";

/// The INTERNAL message of a report (the cause is in Salvage's log).
pub(super) const INTERNAL_MESSAGE: &str = "internal error, see Salvage's log; the outcome may or \
     may not be recorded: keep the message and report it again later (a report that was recorded \
     is answered DUPLICATE)";

/// The one mapping from report errors to gRPC statuses: bad input → INVALID_ARGUMENT naming the
/// field; Redis down → UNAVAILABLE; anything else → INTERNAL with an opaque message, the full
/// error logged.
pub(super) fn status_of(e: ReportError) -> Status {
    match e {
        ReportError::Invalid { .. } => Status::invalid_argument(e.to_string()),
        // Neither status claims that nothing was recorded: Redis may have committed before the
        // connection failed or the answer timed out. Reporting again is always safe.
        ReportError::Unavailable(_) => Status::unavailable(UNAVAILABLE_MESSAGE),
        // Redis refuses a script at its first write when out of memory: nothing was written.
        ReportError::OutOfMemory(_) => Status::resource_exhausted(
            "Redis is out of memory (maxmemory reached, policy noeviction) and refused the \
             report, nothing was recorded: keep the message and report it later",
        ),
        ReportError::Internal(source) => {
            error!(error = %source, "report failed");
            Status::internal(INTERNAL_MESSAGE)
        }
    }
}

/// `SystemTime` of a protobuf timestamp (for clients and tests).
pub fn to_system_time(ts: &prost_types::Timestamp) -> Option<SystemTime> {
    SystemTime::try_from(*ts).ok()
}
