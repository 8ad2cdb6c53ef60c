//! `[limits]`: what a report may carry.

use serde::Deserialize;

/// Limits on what a report may carry; a report over a limit gets INVALID_ARGUMENT.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest `message.payload`, in bytes.
    pub max_payload_bytes: usize,
    /// `failure.detail` is cut to this many bytes in the parked record.
    pub max_detail_bytes: usize,
    /// Most headers on one message.
    pub max_headers: usize,
    /// Largest total size of header names and values, in bytes.
    pub max_header_bytes: usize,
    /// Distinct origin queues used as metric labels; further queues are counted as `_other`
    /// (keeps the metrics' memory bounded whatever clients send).
    pub max_queue_labels: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_bytes: 1024 * 1024,
            max_detail_bytes: 16 * 1024,
            max_headers: 64,
            max_header_bytes: 16 * 1024,
            max_queue_labels: 100,
        }
    }
}

impl Limits {
    /// Its own checks.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.max_payload_bytes == 0 {
            return Err("limits.max_payload_bytes must be greater than 0".to_owned());
        }
        Ok(())
    }
}
