//! What happened to a report.

/// What happened to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Sent back to the origin queue (or committed to the outbox on its way there).
    Requeued,
    /// To be sent back unchanged after a backoff.
    RetryScheduled,
    /// Kept for an operator.
    Parked,
    /// Already reported; nothing changed.
    Duplicate,
}

impl Outcome {
    /// The name the report script answers with, the history records and the metrics use as a
    /// label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requeued => "requeued",
            Self::RetryScheduled => "retry_scheduled",
            Self::Parked => "parked",
            Self::Duplicate => "duplicate",
        }
    }
}
