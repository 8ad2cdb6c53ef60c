//! Kafka: a requeue is one record produced to the origin topic by an idempotent producer with
//! `acks=all`, and it counts as delivered only once its delivery report says the leader and every
//! in-sync replica have it. The record key is the partition key, so the records of one key land in
//! one partition in the order they were published; the idempotent producer keeps that order across
//! its own retries and stores each of its retries once.
//!
//! Client: rdkafka 0.39 with its bundled librdkafka 2.12.1 (Debian's librdkafka 2.0.2 fails the
//! ApiVersions handshake with some Kafka-compatible brokers); tested against tansu 0.6.0.
//!
//! How a failure is reported decides what the relay does with the message:
//!
//! - The cluster says the topic does not exist, the record is too large, the topic name is
//!   invalid, or we may not write to it: [`PublishError::Rejected`]. librdkafka waits
//!   `topic.metadata.propagation.max.ms` before it believes a topic is missing (new topics take a
//!   moment to propagate); that is set to half the delivery timeout so the verdict comes in time.
//! - No broker reachable, no acknowledgement within `delivery.timeout`, not enough in-sync
//!   replicas, authentication failed: [`PublishError::Unavailable`].
//! - A fatal error of the idempotent producer (its sequence was broken; rare), or a timeout:
//!   unavailable, and the producer is dropped (purging what it still holds) so the next publish
//!   starts a new one with a new producer id. A broker that lost its producer state (a restarted
//!   tansu with memory storage) otherwise refuses every epoch librdkafka bumps locally.
//!
//! The producer is made on the first publish. librdkafka connects, reconnects and retries by
//! itself in its own threads. `message.timeout.ms` (the delivery timeout) bounds a record's life
//! in the client, except while its partition's leader is down, hence an outer timeout too.

pub mod config;

use std::{
    fmt,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use futures::{FutureExt, future::BoxFuture};
use rdkafka::{
    ClientConfig, ClientContext,
    config::RDKafkaLogLevel,
    error::{KafkaError, RDKafkaErrorCode},
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord, Producer},
    util::Timeout,
};

use self::config::{KafkaSettings, SaslMechanism};
use super::publish::{Broker, Outgoing, PublishError, Publisher};
use salvage_model::headers;

/// The header that carries `Outgoing::content_type`.
const CONTENT_TYPE_HEADER: &str = "content-type";
/// Extra time the relay waits past `message.timeout.ms` for librdkafka's own timeout report.
const REPORT_GRACE: Duration = Duration::from_secs(2);

/// The producer type: a future producer whose librdkafka logs go to `tracing`.
type Kafka = FutureProducer<TracingContext>;

/// Publishes to one Kafka cluster with an idempotent producer; made on the first publish, and
/// made again after a fatal error.
pub struct KafkaPublisher {
    /// For making the producer; its `Debug` hides the SASL password.
    settings: KafkaSettings,
    /// `None` until the first publish, and again after a fatal producer error. Held only to
    /// clone the `Arc`, never across an `.await`.
    producer: Mutex<Option<Arc<Kafka>>>,
}

impl Broker for KafkaPublisher {
    type Settings = KafkaSettings;

    /// From its settings. Does no I/O: the producer is made by the first publish.
    fn new(settings: &KafkaSettings) -> Self {
        Self {
            settings: settings.clone(),
            producer: Mutex::new(None),
        }
    }
}

impl KafkaPublisher {
    /// The producer, made now if there is none. Making one starts librdkafka's threads but does
    /// not wait for a connection.
    fn producer(&self) -> Result<Arc<Kafka>, PublishError> {
        let mut slot = self.producer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(producer) = slot.as_ref() {
            return Ok(producer.clone());
        }
        let producer: Kafka = client_config(&self.settings)
            .create_with_context(TracingContext)
            .map_err(|e| PublishError::Unavailable(format!("cannot make a Kafka producer: {e}")))?;
        let producer = Arc::new(producer);
        *slot = Some(producer.clone());
        Ok(producer)
    }

    /// Drop `producer` if it is still the current one, so the next publish makes a new one (with
    /// a new producer id). Dropping purges what it still holds, which can block for a while, so
    /// the last reference is dropped off the async threads.
    fn discard(&self, producer: Arc<Kafka>) {
        {
            let mut slot = self.producer.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.as_ref().is_some_and(|p| Arc::ptr_eq(p, &producer)) {
                *slot = None;
            }
        }
        tokio::task::spawn_blocking(move || drop(producer));
    }

    async fn send(&self, copy: &Outgoing) -> Result<(), PublishError> {
        let producer = self.producer()?;
        let mut record = FutureRecord::to(&copy.message.queue)
            .payload(&copy.message.payload)
            .headers(headers(copy));
        if !copy.message.partition_key.is_empty() {
            record = record.key(&copy.message.partition_key);
        }
        let timeout = self.settings.delivery.timeout;
        // `queue_timeout` bounds only the wait for room in the local queue; the delivery report
        // is bounded by `message.timeout.ms`, except while the partition's leader is down: then
        // librdkafka notices the timeout only when it reconnects (seen 10 s late against tansu),
        // hence the outer timeout.
        let report = tokio::time::timeout(
            timeout + REPORT_GRACE,
            producer.send(record, Timeout::After(timeout)),
        )
        .await;
        let error = match report {
            Ok(Ok(delivery)) => {
                tracing::debug!(
                    tracking_id = %copy.tracking_id,
                    topic = %copy.message.queue,
                    partition = delivery.partition,
                    offset = delivery.offset,
                    "Kafka acknowledged the record"
                );
                return Ok(());
            }
            Ok(Err((error, _))) => error,
            Err(_) => {
                // The record may still be in the producer: drop the producer, purging it, so it
                // is not delivered behind the relay's back (one already sent may still land).
                self.discard(producer);
                return Err(PublishError::Unavailable(format!(
                    "no Kafka acknowledgement within {timeout:?}"
                )));
            }
        };
        if let Some((code, reason)) = producer.client().fatal_error() {
            tracing::warn!(
                ?code,
                %reason,
                "fatal Kafka producer error; a new producer is made on the next publish"
            );
            self.discard(producer);
            return Err(PublishError::Unavailable(format!(
                "Kafka producer failed: {reason}"
            )));
        }
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::MessageTimedOut) {
            // Start afresh after a timeout: a broker that lost its producer state (a restarted
            // tansu with memory storage) answers UNKNOWN_PRODUCER_ID to every epoch librdkafka
            // bumps locally, and only a new producer id gets through.
            self.discard(producer);
        }
        Err(classify(&copy.message.queue, &error))
    }
}

impl Publisher for KafkaPublisher {
    fn publish<'a>(&'a self, copy: &'a Outgoing) -> BoxFuture<'a, Result<(), PublishError>> {
        self.send(copy).boxed()
    }
}

impl fmt::Debug for KafkaPublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let made = self
            .producer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        f.debug_struct("KafkaPublisher")
            .field("settings", &self.settings)
            .field("producer_made", &made)
            .finish()
    }
}

/// librdkafka's configuration for `settings`.
fn client_config(settings: &KafkaSettings) -> ClientConfig {
    let timeout_ms = settings
        .delivery
        .timeout
        .as_millis()
        .clamp(1, i32::MAX as u128);
    // A missing topic must be reported before the record times out, or it would look like an
    // outage; but not at once, since a topic just created may not be known to every broker yet.
    let propagation_ms = (timeout_ms / 2).max(1);
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("client.id", &settings.client_id)
        // Idempotence implies acks=all, retries and at most 5 requests in flight; set acks
        // explicitly so the guarantee does not hang on a default.
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("message.timeout.ms", timeout_ms.to_string())
        .set(
            "topic.metadata.propagation.max.ms",
            propagation_ms.to_string(),
        )
        // A typo in a queue name must be refused, not create a topic (the producer's default is
        // to ask the broker to create it, if the broker allows that).
        .set("allow.auto.create.topics", "false")
        // The relay publishes one message at a time and waits: do not wait for a batch.
        .set("linger.ms", "0")
        .set_log_level(RDKafkaLogLevel::Warning);
    let protocol = match (settings.tls, settings.sasl.is_some()) {
        (false, false) => "plaintext",
        (true, false) => "ssl",
        (false, true) => "sasl_plaintext",
        (true, true) => "sasl_ssl",
    };
    config.set("security.protocol", protocol);
    if let Some(ca) = &settings.tls_ca_file {
        config.set("ssl.ca.location", ca.display().to_string());
    }
    if let Some(sasl) = &settings.sasl {
        let mechanism = match sasl.mechanism {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        };
        config
            .set("sasl.mechanism", mechanism)
            .set("sasl.username", &sasl.username)
            .set("sasl.password", &sasl.password);
    }
    config
}

/// The message's headers plus Salvage's: its id, and the content type, event type and partition
/// key when not empty. Ours replace any of the message's own with the same name (in any case), so
/// a consumer sees one value.
fn headers(copy: &Outgoing) -> OwnedHeaders {
    // Kafka records have no id field; the partition key is the record key as well.
    let ours = [
        (headers::MESSAGE_ID, &copy.message.id),
        (CONTENT_TYPE_HEADER, &copy.message.content_type),
        (headers::EVENT_TYPE, &copy.message.event_type),
        (headers::PARTITION_KEY, &copy.message.partition_key),
    ];
    let ours: Vec<_> = ours.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let overridden = |name: &str| ours.iter().any(|(o, _)| o.eq_ignore_ascii_case(name));
    let theirs = copy.message
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value))
        .filter(|(name, _)| !overridden(name));
    let mut headers = OwnedHeaders::new_with_capacity(copy.message.headers.len() + ours.len());
    for (key, value) in theirs.chain(ours.iter().copied()) {
        headers = headers.insert(Header {
            key,
            value: Some(value.as_bytes()),
        });
    }
    headers
}

/// Map a failed delivery: what the cluster refused for this record is `Rejected`; what says
/// nothing about the record (no broker, no acknowledgement in time) is `Unavailable`.
fn classify(topic: &str, error: &KafkaError) -> PublishError {
    let code = match error {
        KafkaError::MessageProduction(code) => *code,
        other => return PublishError::Unavailable(format!("Kafka: {other}")),
    };
    match code {
        RDKafkaErrorCode::UnknownTopic | RDKafkaErrorCode::UnknownTopicOrPartition => {
            PublishError::Rejected(format!("no Kafka topic {topic}"))
        }
        RDKafkaErrorCode::UnknownPartition
        | RDKafkaErrorCode::InvalidTopic
        | RDKafkaErrorCode::MessageSizeTooLarge
        | RDKafkaErrorCode::InvalidMessageSize
        | RDKafkaErrorCode::InvalidMessage
        | RDKafkaErrorCode::InvalidRecord
        | RDKafkaErrorCode::PolicyViolation
        | RDKafkaErrorCode::TopicAuthorizationFailed => {
            PublishError::Rejected(format!("Kafka refused the record for {topic}: {code}"))
        }
        _ => PublishError::Unavailable(format!("Kafka: {error}")),
    }
}

/// Sends librdkafka's logs and client errors to `tracing` (target `librdkafka`) instead of the
/// `log` crate.
struct TracingContext;

impl ClientContext for TracingContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                tracing::warn!(target: "librdkafka", facility, "{message}");
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(target: "librdkafka", facility, "{message}");
            }
            RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", facility, "{message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        // While a broker is down these repeat several times a second and `log` has already said
        // so; the relay's health gauge is what an operator watches.
        let transport = matches!(
            error.rdkafka_error_code(),
            Some(RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::AllBrokersDown)
        );
        if transport {
            tracing::debug!(target: "librdkafka", %error, reason, "Kafka client error");
        } else {
            tracing::warn!(target: "librdkafka", %error, reason, "Kafka client error");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rdkafka::message::Headers;

    use super::{config::KafkaSasl, *};
    use salvage_model::Message;
    use crate::destinations::DeliverySettings;

    fn message() -> Outgoing {
        Outgoing {
            tracking_id: "t-1".to_owned(),
            message: Message {
                id: "m-1".to_owned(),
                queue: "orders".to_owned(),
                payload: b"{}".to_vec(),
                headers: BTreeMap::from([
                    ("x-origin".to_owned(), "shop".to_owned()),
                    ("Content-Type".to_owned(), "text/plain".to_owned()),
                ]),
                content_type: "application/json".to_owned(),
                event_type: String::new(),
                partition_key: "customer-7".to_owned(),
                ..Message::default()
            },
        }
    }

    fn settings() -> KafkaSettings {
        KafkaSettings {
            brokers: "127.0.0.1:9092".to_owned(),
            client_id: "salvage".to_owned(),
            tls: false,
            tls_ca_file: None,
            sasl: None,
            delivery: DeliverySettings::default(),
        }
    }

    fn pairs(headers: &OwnedHeaders) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|h| {
                let value = String::from_utf8_lossy(h.value.unwrap_or_default());
                (h.key.to_owned(), value.into_owned())
            })
            .collect()
    }

    #[test]
    fn headers_carry_the_messages_and_salvages_with_ours_winning() {
        let got = pairs(&headers(&message()));
        let want = [
            ("x-origin", "shop"),
            ("salvage-message-id", "m-1"),
            ("content-type", "application/json"),
            ("salvage-partition-key", "customer-7"),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(got, want, "no empty event type, one content type");
    }

    #[test]
    fn config_is_idempotent_acks_all_and_bounded_by_the_delivery_timeout() {
        let mut s = settings();
        s.delivery.timeout = Duration::from_secs(3);
        let c = client_config(&s);
        assert_eq!(c.get("enable.idempotence"), Some("true"));
        assert_eq!(c.get("acks"), Some("all"));
        assert_eq!(c.get("message.timeout.ms"), Some("3000"));
        assert_eq!(c.get("topic.metadata.propagation.max.ms"), Some("1500"));
        assert_eq!(c.get("allow.auto.create.topics"), Some("false"));
        assert_eq!(c.get("security.protocol"), Some("plaintext"));
    }

    #[test]
    fn tls_and_sasl_choose_the_security_protocol() {
        let mut s = settings();
        s.sasl = Some(KafkaSasl {
            mechanism: SaslMechanism::ScramSha512,
            username: "u".to_owned(),
            password: "p".to_owned(),
        });
        assert_eq!(
            client_config(&s).get("security.protocol"),
            Some("sasl_plaintext")
        );
        s.tls = true;
        let c = client_config(&s);
        assert_eq!(c.get("security.protocol"), Some("sasl_ssl"));
        assert_eq!(c.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
        s.sasl = None;
        assert_eq!(client_config(&s).get("security.protocol"), Some("ssl"));
    }

    #[test]
    fn missing_topic_is_rejected_and_timeouts_are_unavailable() {
        let rejected = |c| {
            matches!(
                classify("t", &KafkaError::MessageProduction(c)),
                PublishError::Rejected(_)
            )
        };
        assert!(rejected(RDKafkaErrorCode::UnknownTopic));
        assert!(rejected(RDKafkaErrorCode::UnknownTopicOrPartition));
        assert!(rejected(RDKafkaErrorCode::MessageSizeTooLarge));
        assert!(!rejected(RDKafkaErrorCode::MessageTimedOut));
        assert!(!rejected(RDKafkaErrorCode::AllBrokersDown));
        assert!(!rejected(RDKafkaErrorCode::NotEnoughReplicas));
    }

    #[test]
    fn debug_hides_the_sasl_password() {
        let mut s = settings();
        s.sasl = Some(KafkaSasl {
            mechanism: SaslMechanism::Plain,
            username: "u".to_owned(),
            password: "hunter2".to_owned(),
        });
        let shown = format!("{:?}", KafkaPublisher::new(&s));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
