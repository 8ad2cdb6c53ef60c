//! `RabbitMQ` (AMQP 0-9-1): a requeue is a persistent, mandatory `basic.publish` on a channel in
//! confirm mode, and it counts as delivered only once the broker acks it without returning it.
//!
//! One connection with one channel, opened on the first publish and shared behind a mutex: the
//! relay publishes one message at a time per destination, so there is nothing to gain from more.
//! How a failure is reported decides what the relay does with the message:
//!
//! - The broker returned the message (no queue bound to the routing key), nacked it, or closed
//!   the channel because of this publish (404 no such exchange, 406 too large, 403 ...):
//!   [`PublishError::Rejected`], with the broker's reply. Only the channel is reopened next time.
//! - The connection could not be made or broke (refused, TLS, login, closed by the broker), or
//!   no confirm came within `delivery.timeout`: [`PublishError::Unavailable`]. The connection is
//!   dropped, and the next publish connects afresh.
//!
//! The URL carries credentials: it is logged only through [`redact_url`], and never put in an
//! error.

pub mod config;

use std::{fmt, path::PathBuf, time::Duration};

use futures::{FutureExt, future::BoxFuture};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties,
    message::BasicReturnMessage,
    options::{BasicPublishOptions, ConfirmSelectOptions},
    tcp::OwnedTLSConfig,
    types::{AMQPValue, FieldTable, LongString, ShortString},
    uri::AMQPUri,
};
use tokio::sync::Mutex;

use self::config::RabbitMqSettings;
use super::publish::{Broker, Outgoing, PublishError, Publisher};
use salvage_model::redact_url;
use salvage_model::headers;

/// AMQP `delivery_mode` 2: the broker writes the message to disk in a durable queue.
const PERSISTENT: u8 = 2;

/// Publishes to one `RabbitMQ` broker with publisher confirms; connects lazily and reconnects
/// after a failure.
pub struct RabbitMqPublisher {
    url: String,
    exchange: String,
    routing_key: Option<String>,
    tls_ca_file: Option<PathBuf>,
    timeout: Duration,
    /// `None` until the first publish, and again after the connection failed.
    link: Mutex<Option<Link>>,
}

/// An open connection, and its confirm-mode channel unless the broker closed that.
struct Link {
    connection: Connection,
    channel: Option<Channel>,
}

/// A failed step, and whether the connection survives it.
enum Failure {
    /// Give up on the connection: the next publish reconnects.
    Connection(String),
    /// The broker closed the channel over this publish: reopen only the channel.
    Channel(String),
    /// The broker refused this message; the channel is fine.
    Message(String),
}

impl Broker for RabbitMqPublisher {
    type Settings = RabbitMqSettings;

    /// From its settings. Does no I/O: the connection is made on the first publish.
    fn new(settings: &RabbitMqSettings) -> Self {
        Self {
            url: settings.url.clone(),
            exchange: settings.exchange.clone(),
            routing_key: settings.routing_key.clone(),
            tls_ca_file: settings.tls_ca_file.clone(),
            timeout: settings.delivery.timeout,
            link: Mutex::new(None),
        }
    }
}

impl RabbitMqPublisher {
    async fn send(&self, copy: &Outgoing) -> Result<(), PublishError> {
        // Build everything that can be refused before touching the network.
        let routing_key = self.routing_key.as_deref().unwrap_or(&copy.message.queue);
        let exchange = short("exchange", &self.exchange).map_err(PublishError::Rejected)?;
        let key = short("routing key", routing_key).map_err(PublishError::Rejected)?;
        let properties = properties(copy).map_err(PublishError::Rejected)?;

        let mut link = self.link.lock().await;
        let attempt = self.publish_on(&mut link, exchange, key, copy, properties);
        // One deadline covers connecting and the confirm. On expiry the half-done connect or the
        // unconfirmed publish is abandoned with the connection, so nothing stale is reused.
        let outcome = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure::Connection(format!(
                "no connection or publisher confirm within {:?}",
                self.timeout
            ))),
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(Failure::Message(reason)) => Err(PublishError::Rejected(reason)),
            Err(Failure::Channel(reason)) => {
                if let Some(link) = link.as_mut() {
                    link.channel = None;
                }
                Err(PublishError::Rejected(reason))
            }
            Err(Failure::Connection(reason)) => {
                if link.take().is_some() {
                    tracing::warn!(
                        url = %redact_url(&self.url),
                        error = %reason,
                        "RabbitMQ connection dropped; reconnecting on the next publish"
                    );
                }
                Err(PublishError::Unavailable(reason))
            }
        }
    }

    /// Publish on the open channel, (re)connecting first if needed, and wait for the confirm.
    async fn publish_on(
        &self,
        link: &mut Option<Link>,
        exchange: ShortString,
        routing_key: ShortString,
        copy: &Outgoing,
        properties: BasicProperties,
    ) -> Result<(), Failure> {
        let channel = self.channel(link).await?;
        let options = BasicPublishOptions {
            mandatory: true,
            immediate: false,
        };
        let shown_key = routing_key.to_string();
        let confirm = channel
            .basic_publish(exchange, routing_key, options, &copy.message.payload, properties)
            .await
            .map_err(|e| Failure::Connection(format!("publish failed: {e}")))?;
        match confirm.await {
            Ok(Confirmation::Ack(None)) => Ok(()),
            Ok(Confirmation::Ack(Some(returned))) => Err(Failure::Message(returned_reason(
                &self.exchange,
                &shown_key,
                &returned,
            ))),
            Ok(Confirmation::Nack(returned)) => Err(Failure::Message(match returned {
                Some(r) => format!("the broker nacked the message: {}", r.reply_text),
                None => "the broker nacked the message".to_owned(),
            })),
            // Cannot happen after `confirm_select`; start over rather than trust the channel.
            Ok(Confirmation::NotRequested) => Err(Failure::Connection(
                "the channel is not in confirm mode".to_owned(),
            )),
            // A channel-level (soft) error while the connection stays up: the broker closed the
            // channel because of this publish (404 no such exchange, 406 too large, ...).
            Err(e) if e.is_amqp_soft_error() && connected(link.as_ref()) => Err(Failure::Channel(
                format!("the broker closed the channel: {e}"),
            )),
            Err(e) => Err(Failure::Connection(format!("publish not confirmed: {e}"))),
        }
    }

    /// The open confirm-mode channel: connects and opens it as needed.
    async fn channel(&self, link: &mut Option<Link>) -> Result<Channel, Failure> {
        if !connected(link.as_ref()) {
            *link = None;
        }
        let open = match link {
            Some(open) => open,
            None => link.insert(Link {
                connection: self.connect().await?,
                channel: None,
            }),
        };
        if let Some(channel) = open.channel.as_ref().filter(|c| c.status().connected()) {
            return Ok(channel.clone());
        }
        let channel = open
            .connection
            .create_channel()
            .await
            .map_err(|e| Failure::Connection(format!("cannot open a channel: {e}")))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| Failure::Connection(format!("cannot enable publisher confirms: {e}")))?;
        open.channel = Some(channel.clone());
        Ok(channel)
    }

    async fn connect(&self) -> Result<Connection, Failure> {
        // The parser's error quotes the URL, password included: never pass it on as is.
        let uri: AMQPUri = self.url.parse().map_err(|e: String| {
            let e = e.replace(&self.url, &redact_url(&self.url));
            Failure::Connection(format!("invalid RabbitMQ URL: {e}"))
        })?;
        let tls = OwnedTLSConfig {
            identity: None,
            cert_chain: self.ca_certificates().await?,
        };
        let runtime = lapin::runtime::default_runtime()
            .map_err(|e| Failure::Connection(format!("no async runtime: {e}")))?;
        let properties = ConnectionProperties::default().with_connection_name("salvage".into());
        tracing::debug!(url = %redact_url(&self.url), "connecting to RabbitMQ");
        let connection = Connection::connect_uri_with_config(uri, properties, tls, runtime)
            .await
            .map_err(|e| Failure::Connection(format!("cannot connect to RabbitMQ: {e}")))?;
        tracing::info!(url = %redact_url(&self.url), "connected to RabbitMQ");
        Ok(connection)
    }

    /// The PEM of `tls_ca_file`, read at each connect so a renewed CA is picked up.
    async fn ca_certificates(&self) -> Result<Option<String>, Failure> {
        let Some(path) = &self.tls_ca_file else {
            return Ok(None);
        };
        let pem = tokio::fs::read_to_string(path).await.map_err(|e| {
            Failure::Connection(format!("cannot read tls_ca_file {}: {e}", path.display()))
        })?;
        // rustls skips what it cannot parse; a file without certificates would otherwise
        // silently fall back to the system roots.
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(Failure::Connection(format!(
                "tls_ca_file {} holds no PEM certificate",
                path.display()
            )));
        }
        Ok(Some(pem))
    }
}

impl Publisher for RabbitMqPublisher {
    fn publish<'a>(&'a self, copy: &'a Outgoing) -> BoxFuture<'a, Result<(), PublishError>> {
        self.send(copy).boxed()
    }
}

impl fmt::Debug for RabbitMqPublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RabbitMqPublisher")
            .field("url", &redact_url(&self.url))
            .field("exchange", &self.exchange)
            .field("routing_key", &self.routing_key)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn connected(link: Option<&Link>) -> bool {
    link.is_some_and(|l| l.connection.status().connected())
}

fn returned_reason(exchange: &str, routing_key: &str, returned: &BasicReturnMessage) -> String {
    let exchange = if exchange.is_empty() {
        "the default exchange"
    } else {
        exchange
    };
    format!(
        "no queue bound for routing key {routing_key:?} on {exchange}: {} {}",
        returned.reply_code, returned.reply_text
    )
}

/// An AMQP short string (at most 255 bytes), or why not.
fn short(what: &str, value: &str) -> Result<ShortString, String> {
    ShortString::try_new(value)
        .map_err(|_| format!("{what} is {} bytes, over AMQP's limit of 255", value.len()))
}

/// The AMQP properties of `message`: persistent, its id, content type, type and headers.
fn properties(copy: &Outgoing) -> Result<BasicProperties, String> {
    let mut properties = BasicProperties::default()
        .with_delivery_mode(PERSISTENT)
        .with_message_id(short("message id", &copy.message.id)?)
        .with_headers(headers(copy)?);
    if !copy.message.content_type.is_empty() {
        properties = properties.with_content_type(short("content type", &copy.message.content_type)?);
    }
    if !copy.message.event_type.is_empty() {
        properties = properties.with_type(short("event type", &copy.message.event_type)?);
    }
    Ok(properties)
}

/// The message's headers as long strings, plus the event type and partition key when set.
fn headers(copy: &Outgoing) -> Result<FieldTable, String> {
    // AMQP has no field for the partition key; the event type is also the `type` property.
    let extra = [
        (headers::EVENT_TYPE, &copy.message.event_type),
        (headers::PARTITION_KEY, &copy.message.partition_key),
    ];
    let all = copy.message
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value))
        .chain(extra.into_iter().filter(|(_, value)| !value.is_empty()));
    let mut table = FieldTable::default();
    for (name, value) in all {
        let value = AMQPValue::LongString(LongString::from(value.as_bytes()));
        table.insert(short(&format!("header name {name:?}"), name)?, value);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use salvage_model::Message;

    fn message() -> Outgoing {
        Outgoing {
            tracking_id: "t-1".to_owned(),
            message: Message {
                id: "m-1".to_owned(),
                queue: "orders".to_owned(),
                payload: b"{}".to_vec(),
                headers: [("x-retry".to_owned(), "2".to_owned())].into(),
                content_type: "application/json".to_owned(),
                event_type: "OrderPlaced".to_owned(),
                partition_key: "customer-7".to_owned(),
                ..Message::default()
            },
        }
    }

    fn long(s: &str) -> AMQPValue {
        AMQPValue::LongString(s.into())
    }

    #[test]
    fn headers_are_long_strings_with_event_type_and_partition_key() {
        let table = headers(&message()).unwrap();
        let inner = table.inner();
        assert_eq!(inner.len(), 3);
        assert_eq!(inner.get("x-retry"), Some(&long("2")));
        assert_eq!(inner.get(headers::EVENT_TYPE), Some(&long("OrderPlaced")));
        assert_eq!(inner.get(headers::PARTITION_KEY), Some(&long("customer-7")));
    }

    #[test]
    fn empty_event_type_and_partition_key_are_left_out() {
        let mut m = message();
        m.message.event_type.clear();
        m.message.partition_key.clear();
        m.message.content_type.clear();
        let p = properties(&m).unwrap();
        assert_eq!(p.headers().as_ref().unwrap().inner().len(), 1);
        assert_eq!(p.kind(), &None);
        assert_eq!(p.content_type(), &None);
    }

    #[test]
    fn properties_are_persistent_with_id_type_and_content_type() {
        let p = properties(&message()).unwrap();
        assert_eq!(p.delivery_mode(), &Some(2));
        assert_eq!(
            p.message_id().as_ref().map(ShortString::as_str),
            Some("m-1")
        );
        assert_eq!(
            p.kind().as_ref().map(ShortString::as_str),
            Some("OrderPlaced")
        );
        assert_eq!(
            p.content_type().as_ref().map(ShortString::as_str),
            Some("application/json")
        );
    }

    #[test]
    fn over_long_short_strings_are_refused_not_panicking() {
        let mut m = message();
        m.message.id = "x".repeat(256);
        assert!(
            properties(&m)
                .unwrap_err()
                .contains("message id is 256 bytes")
        );
        let mut m = message();
        m.message.headers.insert("h".repeat(300), "v".to_owned());
        assert!(headers(&m).unwrap_err().contains("header name"));
        // Long header values are fine: they are long strings.
        let mut m = message();
        m.message.headers.insert("big".to_owned(), "v".repeat(10_000));
        assert!(headers(&m).is_ok());
    }

    #[test]
    fn debug_hides_the_password() {
        let settings = RabbitMqSettings {
            url: "amqp://guest:hunter2@localhost:5672/%2f".to_owned(),
            exchange: String::new(),
            routing_key: None,
            tls_ca_file: None,
            delivery: crate::destinations::DeliverySettings::default(),
        };
        let shown = format!("{:?}", RabbitMqPublisher::new(&settings));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
