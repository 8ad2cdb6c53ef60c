//! The settings of a destination with `type = "rabbitmq"`. Compiled with or without the `rabbitmq`
//! feature: a build without it still reads them, and refuses the destination by name.

use std::{fmt, path::PathBuf};

use salvage_model::redact_url;
use serde::Deserialize;

use crate::{
    destinations::publish::{BrokerSettings, DeliverySettings},
};

/// A RabbitMQ destination.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RabbitMqSettings {
    /// `amqp://user:password@host:5672/vhost` (`amqps://` for TLS; the vhost `/` is `%2f`).
    /// Never logged.
    pub url: String,
    /// The exchange to publish to; "" (the default) is the default exchange, where the routing
    /// key is the queue name.
    #[serde(default)]
    pub exchange: String,
    /// The routing key; unset: the message's origin queue.
    #[serde(default)]
    pub routing_key: Option<String>,
    /// A PEM file of CA certificates to trust for `amqps://` (default: the system's).
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// Confirmation timeout, attempts and backoff.
    #[serde(default)]
    pub delivery: DeliverySettings,
}

impl fmt::Debug for RabbitMqSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RabbitMqSettings")
            .field("url", &redact_url(&self.url))
            .field("exchange", &self.exchange)
            .field("routing_key", &self.routing_key)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("delivery", &self.delivery)
            .finish()
    }
}

impl BrokerSettings for RabbitMqSettings {
    fn delivery(&self) -> &DeliverySettings {
        &self.delivery
    }
}
