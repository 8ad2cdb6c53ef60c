//! Destinations: where requeued messages go. A destination decides how the report path commits a
//! requeue (inline in the report script, or through its outbox) and drains its outbox, removing
//! an entry only once the message is confirmed delivered.
//!
//! Redis Streams (`redis_streams/`) delivers on Salvage's own Redis; brokers go through their
//! outbox (`remote.rs`) and publish with a [`publish::Publisher`]. Each broker is one folder,
//! `<broker>/` (`mod.rs`: the publisher; `config.rs`: its settings and their checks), and one
//! line in the list below, behind its cargo feature; ARCHITECTURE.md has the recipe.

pub mod publish;
pub mod redis_streams;
mod registry;
mod remote;

use std::{collections::BTreeMap, sync::Arc};

use futures::future::BoxFuture;

pub use self::{
    publish::DeliverySettings,
    redis_streams::{
        RedisStreams,
        config::{RedisStreamsSettings, StreamFields},
    },
    remote::Remote,
};
use crate::store::{Drained, RequeueMode, Store, StoreError};

registry::brokers! {
    /// Publish to RabbitMQ (AMQP 0-9-1) with publisher confirms.
    "rabbitmq" => Rabbitmq(rabbitmq::{RabbitMqSettings, RabbitMqPublisher}),
    /// Publish to NATS JetStream with an acknowledged publish.
    "nats" => Nats(nats::{NatsSettings, NatsPublisher}),
    /// Produce to Kafka with an idempotent producer and `acks=all`.
    "kafka" => Kafka(kafka::{KafkaSettings, KafkaPublisher}),
    /// Send to Amazon SQS (the consumer's own queue) and wait for its message id.
    "sqs" => Sqs(sqs::{SqsSettings, SqsPublisher}),
    /// Send to ActiveMQ over STOMP (a persistent send) and wait for its receipt.
    "activemq" => Activemq(activemq::{ActiveMqSettings, ActiveMqPublisher}),
}

impl Default for DestinationSettings {
    fn default() -> Self {
        Self::RedisStreams(RedisStreamsSettings::default())
    }
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    /// Salvage's own Redis failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The destination refused or could not be reached.
    #[error("publish failed: {0}")]
    Publish(String),
}

/// A place requeued messages are delivered to.
pub trait Destination: Send + Sync + std::fmt::Debug {
    /// The configured name (`origin.destination`).
    fn name(&self) -> &str;
    /// How the report path commits a requeue to this destination.
    fn requeue_mode(&self) -> RequeueMode;
    /// The field names of outbox entries (and, for streams, of the delivered entry).
    fn fields(&self) -> &StreamFields;
    /// Whether the destination is reachable, for those that can be down on their own (brokers).
    fn health(&self) -> Option<DestinationHealth> {
        None
    }
    /// Deliver up to `limit` entries of this destination's outbox. An entry leaves the outbox
    /// only once its delivery is confirmed, or parked when the destination refuses it for good.
    fn drain<'a>(
        &'a self,
        store: &'a Store,
        limit: usize,
        now_ms: u64,
    ) -> BoxFuture<'a, Result<Drained, DestinationError>>;
}

/// A broker destination's reachability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationHealth {
    /// Whether the last publish reached the broker; `None` (unknown) until the first attempt.
    pub up: Option<bool>,
    /// Why not, when down.
    pub last_error: String,
}

/// The configured destinations, by name.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    by_name: BTreeMap<String, Arc<dyn Destination>>,
}

impl Destinations {
    /// Build every configured destination; fails for a type this build has no support for.
    /// `inline_requeues`: whether the store can XADD an origin stream inside its report script
    /// ([`Store::inline_requeues`]: not on a Redis Cluster); when not, Redis Streams
    /// destinations go through their outbox.
    pub fn build(
        settings: &BTreeMap<String, DestinationSettings>,
        inline_requeues: bool,
    ) -> Result<Self, String> {
        let by_name = settings
            .iter()
            .map(|(name, s)| Ok((name.clone(), build(name, s, inline_requeues)?)))
            .collect::<Result<_, String>>()?;
        Ok(Self { by_name })
    }

    /// The destination called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Destination>> {
        self.by_name.get(name)
    }

    /// Every destination.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Destination>> {
        self.by_name.values()
    }

    /// Every name, for error messages and gauges.
    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {

    /// A build without a broker's feature refuses a configuration naming that broker, and says
    /// which feature it needs (`cargo test --no-default-features --lib destinations`; CI runs it).
    #[test]
    #[cfg(not(all(
        feature = "rabbitmq",
        feature = "nats",
        feature = "kafka",
        feature = "sqs",
        feature = "activemq"
    )))]
    fn a_destination_without_its_feature_is_refused_with_the_feature_named() {
        let toml = "[destinations.redis]\ntype = \"redis_streams\"\n\
                    [destinations.rabbit]\ntype = \"rabbitmq\"\nurl = \"amqp://x\"\n\
                    [destinations.jet]\ntype = \"nats\"\nurl = \"nats://x\"\n\
                    [destinations.log]\ntype = \"kafka\"\nbrokers = \"127.0.0.1:9\"\n\
                    [destinations.sqs]\ntype = \"sqs\"\nregion = \"eu-west-1\"\n\
                    [destinations.amq]\ntype = \"activemq\"\nurl = \"tcp://127.0.0.1:9\"\n";
        // Refused when the settings are loaded (so `salvage check` refuses it too).
        let Err(e) = crate::config::Settings::parse(toml, [], std::path::Path::new("t.toml"))
        else {
            panic!("loaded without the feature");
        };
        let e = e.to_string();
        assert!(e.contains("has no") && e.contains("cargo feature"), "{e}");
    }

    #[test]
    #[cfg(all(
        feature = "rabbitmq",
        feature = "nats",
        feature = "kafka",
        feature = "sqs",
        feature = "activemq"
    ))]
    fn every_destination_type_builds_with_the_default_features() {
        let toml = "[destinations.redis]\ntype = \"redis_streams\"\n\
                    [destinations.rabbit]\ntype = \"rabbitmq\"\nurl = \"amqp://x\"\n\
                    [destinations.jet]\ntype = \"nats\"\nurl = \"nats://x\"\n\
                    [destinations.log]\ntype = \"kafka\"\nbrokers = \"127.0.0.1:9\"\n\
                    [destinations.sqs]\ntype = \"sqs\"\nregion = \"eu-west-1\"\n\
                    [destinations.amq]\ntype = \"activemq\"\nurl = \"tcp://127.0.0.1:9\"\n";
        let settings = crate::config::Settings::parse(toml, [], std::path::Path::new("t.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let d = super::Destinations::build(&settings.destinations, true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.names(), ["amq", "jet", "log", "rabbit", "redis", "sqs"]);
        assert!(
            d.iter()
                .all(|d| d.name() == "redis" || d.requeue_mode() == super::RequeueMode::Outbox)
        );
    }
}
