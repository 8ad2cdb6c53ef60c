//! The seam between the outbox relay and a broker: a [`Publisher`] sends one message to its
//! origin queue/subject/topic and returns only once the broker confirmed it (publisher confirm,
//! JetStream ack, Kafka `acks=all`). The relay (`remote.rs`) removes the outbox entry only after
//! that, retries what the broker could not take, and parks what it refuses for good.

use std::collections::BTreeMap;

use futures::future::BoxFuture;

/// One message to publish, as it goes back to its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Salvage's tracking id of this copy (a deduplication key: NATS `Nats-Msg-Id`).
    pub tracking_id: String,
    /// The message's own id (AMQP `message_id`).
    pub id: String,
    /// The origin queue / subject / topic.
    pub queue: String,
    /// The body.
    pub payload: Vec<u8>,
    /// The headers to send: the message's own plus Salvage's `salvage-*` ones.
    pub headers: BTreeMap<String, String>,
    /// Content type, or "".
    pub content_type: String,
    /// Event type, or "" (sent as the `salvage-event-type` header where the broker has no field).
    pub event_type: String,
    /// Partition / ordering key, or "" (Kafka record key).
    pub partition_key: String,
}

/// Why a publish failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The broker could not be reached, or did not confirm in time: the destination is down; the
    /// message stays in the outbox and is sent again later (no attempt is counted).
    #[error("broker unavailable: {0}")]
    Unavailable(String),
    /// The broker refused this message (no such queue, stream or topic; too large; ...): retried
    /// with backoff, and parked with this error after the configured number of attempts.
    #[error("broker refused the message: {0}")]
    Rejected(String),
}

/// Publishes to one broker. Implementations connect lazily and reconnect by themselves.
pub trait Publisher: Send + Sync + std::fmt::Debug {
    /// Send `message` and wait for the broker's confirmation.
    fn publish<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<(), PublishError>>;
}
