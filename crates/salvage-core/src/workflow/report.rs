//! The domain form of a report, independent of the wire format (`api/convert.rs` builds it from
//! the protobuf request), and the answer the processor gives.

use std::time::SystemTime;

use salvage_model::{Message, Outcome};
use salvage_rules::ErrorClass;

/// A failed message and why it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureReport {
    /// The message as the consumer received it.
    pub message: Message,
    /// Why the consumer failed.
    pub failure: Failure,
    /// The trace context of the call (gRPC metadata), if the consumer sent one.
    pub trace: Option<super::trace::TraceContext>,
}

/// Why the consumer failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The failure class.
    pub class: ErrorClass,
    /// A short, stable error code.
    pub code: String,
    /// The error message.
    pub message: String,
    /// The consumer's name.
    pub consumer: String,
    /// The broker's delivery count.
    pub delivery_attempt: u32,
    /// Longer detail (a stack trace); cut to `limits.max_detail_bytes` when stored.
    pub detail: String,
    /// How long the failing dependency asked to wait (its `Retry-After`), if it said.
    pub retry_after: Option<std::time::Duration>,
}

/// The processor's answer to a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// Salvage's id for this outcome (the earlier one for a duplicate).
    pub tracking_id: String,
    /// What happened.
    pub outcome: Outcome,
    /// The deciding rule, or "" when the default applied.
    pub rule: String,
    /// When a retry is due.
    pub retry_at: Option<SystemTime>,
    /// Why, in words.
    pub reason: String,
    /// How many times the message has been reported, this report included.
    pub attempt: u32,
}

/// Why a report was not answered with an outcome. For `Invalid` nothing was recorded; for the
/// others Salvage cannot tell (Redis may have committed before the connection failed or the
/// answer timed out), so the consumer keeps the message and reports it again: a report that was
/// recorded is then answered DUPLICATE.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The report is malformed or over a limit; `field` names the part to fix.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault, as named in the proto (e.g. `message.origin.queue`).
        field: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Redis is unreachable, did not answer in time, is failing over, or too few replicas
    /// confirmed the outcome (`redis.wait_replicas`); the consumer keeps the message and reports
    /// it again later.
    #[error(
        "the outcome was not committed and confirmed in time, it may or may not be recorded: {0}"
    )]
    Unavailable(#[source] crate::store::StoreError),
    /// Redis is out of memory and refuses writes; the consumer should keep the message and
    /// retry later.
    #[error("cannot record the report, Redis is out of memory: {0}")]
    OutOfMemory(#[source] crate::store::StoreError),
    /// Anything else (logged in full; the client sees an opaque message).
    #[error("internal error: {0}")]
    Internal(#[source] crate::store::StoreError),
}

impl ReportError {
    /// An invalid-argument error.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
