//! What a broker implements: the seam between the outbox relay and a broker. A [`Publisher`]
//! sends one message to its origin queue/subject/topic and returns only once the broker
//! confirmed it (publisher confirm, JetStream ack, Kafka `acks=all`). The relay (`remote.rs`)
//! removes the outbox entry only after that, retries what the broker could not take, and parks
//! what it refuses for good.
//!
//! A broker's folder (`destinations/<broker>/`) provides a [`Broker`] (its publisher, made from
//! its settings) and a [`BrokerSettings`] (its settings, holding [`DeliverySettings`]); the
//! registry in `destinations/mod.rs` does the rest.

use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;

use salvage_model::Message;

/// One copy to publish, as it goes back to its origin (`message.queue`): the message (its
/// headers the ones to send, Salvage's `salvage-*` ones among them) and the copy's tracking id.
/// A broker without a field for the event type or the partition key sends them as the
/// `salvage-event-type` and `salvage-partition-key` headers (Kafka: the partition key is the
/// record key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Salvage's tracking id of this copy (a deduplication key: NATS `Nats-Msg-Id`).
    pub tracking_id: String,
    /// The message.
    pub message: Message,
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

/// A broker's publisher, made from its settings.
pub trait Broker: Publisher + Sized + 'static {
    /// Its settings: the `[destinations.<name>]` table of its `type`.
    type Settings: BrokerSettings;
    /// From its settings. Does no I/O: it connects on its first publish (and reconnects by
    /// itself), so that Salvage starts while the broker is down.
    #[must_use]
    fn new(settings: &Self::Settings) -> Self;
}

/// A broker's settings, as the registry and the checks at load time see them.
pub trait BrokerSettings {
    /// Confirmation timeout, attempts and backoff (`destinations.<name>.delivery`), checked for
    /// every broker.
    fn delivery(&self) -> &DeliverySettings;
    /// Checks of its own beyond `delivery` (none by default); an error names the setting as
    /// `destinations.{name}.<field>`.
    fn validate(&self, name: &str) -> Result<(), String> {
        let _ = name;
        Ok(())
    }
}

/// How a broker destination delivers.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// How long one publish may wait for the broker's confirmation; longer counts as the broker
    /// being unavailable.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// A message the broker refuses (no such queue, ...) is parked with the broker's error after
    /// this many attempts.
    pub max_attempts: u32,
    /// Wait before the second attempt of a refused message; doubles each time.
    #[serde(with = "humantime_serde")]
    pub backoff_initial: Duration,
    /// Longest wait between attempts of a refused message.
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_attempts: 5,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }
}

impl DeliverySettings {
    /// The checks of destination `name`'s `delivery`.
    pub(crate) fn validate(&self, name: &str) -> Result<(), String> {
        if self.max_attempts == 0 || self.timeout.is_zero() {
            return Err(format!(
                "destinations.{name}.delivery: max_attempts and timeout must be greater than 0"
            ));
        }
        Ok(())
    }
}
