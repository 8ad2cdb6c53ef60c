//! The settings of a destination with `type = "kafka"`. Compiled with or without the `kafka`
//! feature: a build without it still reads them, and refuses the destination by name.

use std::{fmt, path::PathBuf};

use serde::Deserialize;

use crate::destinations::publish::{BrokerSettings, DeliverySettings};

/// A Kafka destination: the origin queue is the topic, which must exist (nothing is created).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    /// Bootstrap brokers, `host:port` separated by commas.
    pub brokers: String,
    /// The `client.id` the brokers see (logs, quotas).
    #[serde(default = "default_kafka_client_id")]
    pub client_id: String,
    /// Connect with TLS.
    #[serde(default)]
    pub tls: bool,
    /// A PEM file of CA certificates to trust for TLS, instead of the system's.
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// SASL authentication, if the brokers want it.
    #[serde(default)]
    pub sasl: Option<KafkaSasl>,
    /// Confirmation timeout, attempts and backoff.
    #[serde(default)]
    pub delivery: DeliverySettings,
}

fn default_kafka_client_id() -> String {
    "salvage".to_owned()
}

impl fmt::Debug for KafkaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaSettings")
            .field("brokers", &self.brokers)
            .field("client_id", &self.client_id)
            .field("tls", &self.tls)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("sasl", &self.sasl)
            .field("delivery", &self.delivery)
            .finish()
    }
}

/// SASL user and password for Kafka.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSasl {
    /// `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    pub mechanism: SaslMechanism,
    /// The SASL user.
    pub username: String,
    /// The SASL password. Never logged.
    pub password: String,
}

impl fmt::Debug for KafkaSasl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaSasl")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A SASL mechanism Kafka brokers offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SaslMechanism {
    /// User and password in the clear (use it with TLS).
    #[serde(rename = "PLAIN")]
    Plain,
    /// SCRAM with SHA-256.
    #[serde(rename = "SCRAM-SHA-256")]
    ScramSha256,
    /// SCRAM with SHA-512.
    #[serde(rename = "SCRAM-SHA-512")]
    ScramSha512,
}

impl BrokerSettings for KafkaSettings {
    fn delivery(&self) -> &DeliverySettings {
        &self.delivery
    }
}

// Whole settings naming a kafka destination load only in a build with the feature.
#[cfg(all(test, feature = "kafka"))]
mod tests {
    use super::SaslMechanism;
    use crate::{config::testing::parse, destinations::DestinationSettings};

    #[test]
    fn kafka_destination_parses_and_hides_its_password() {
        let toml = "default_destination = \"events\"\n[destinations.events]\ntype = \"kafka\"\nbrokers = \"k1:9092,k2:9092\"\n\
                    sasl = { mechanism = \"SCRAM-SHA-512\", username = \"u\", password = \"hunter2\" }\n";
        let s = parse(toml, &[]).unwrap();
        let DestinationSettings::Kafka(k) = &s.destinations["events"] else {
            panic!("not kafka");
        };
        assert_eq!(k.client_id, "salvage");
        assert_eq!(
            k.sasl.as_ref().unwrap().mechanism,
            SaslMechanism::ScramSha512
        );
        assert!(!format!("{s:?}").contains("hunter2"));
        let bad = toml.replace("SCRAM-SHA-512", "GSSAPI");
        assert!(parse(&bad, &[]).is_err());
    }
}
