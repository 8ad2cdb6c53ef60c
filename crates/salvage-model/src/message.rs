//! The message: what a consumer failed on, what Salvage parks and what it sends back. One type
//! for every stage (a report's message, a parked record's, a copy a broker publishes), so its
//! fields are defined once.

use std::collections::BTreeMap;

/// A message as the consumer received it (and as Salvage keeps and requeues it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The message's own id, stable across redeliveries.
    pub id: String,
    /// The destination name ("" in a report = the configured default).
    pub destination: String,
    /// The origin queue/stream/topic.
    pub queue: String,
    /// The partition key, or "".
    pub partition_key: String,
    /// The body, unchanged.
    pub payload: Vec<u8>,
    /// The content type, or "".
    pub content_type: String,
    /// The headers as received.
    pub headers: BTreeMap<String, String>,
    /// The event type, or "".
    pub event_type: String,
}
