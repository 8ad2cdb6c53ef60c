//! ActiveMQ over STOMP 1.2: a requeue is a persistent `SEND` to the consumer's own queue with a
//! `receipt` header, and it counts as delivered only once the broker's `RECEIPT` for it came
//! back. ActiveMQ answers a receipted persistent send only after storing the message (the send
//! is synchronous), so a receipt means the copy is on disk.
//!
//! STOMP rather than AMQP 1.0 or OpenWire: Debian's `activemq` package has no AMQP connector,
//! OpenWire has no Rust client, and STOMP is small enough to speak here (`frame.rs`), with no
//! new dependency. One connection, opened on the first publish and shared behind a mutex (the
//! relay publishes one copy at a time per destination). How a failure is reported decides what
//! the relay does with the copy:
//!
//! - The broker answered this `SEND` with an `ERROR` naming its receipt (not authorized to
//!   create or write to the queue, a message it cannot take): [`PublishError::Rejected`] with
//!   the broker's words. ActiveMQ closes the connection after an `ERROR`; the next publish
//!   connects afresh.
//! - No connection, a TLS handshake that fails (`ssl://`: the broker's certificate is checked
//!   against `tls_ca_file` or the system's CAs), refused credentials (an `ERROR` answering
//!   `CONNECT`), a connection that broke, an `ERROR` not tied to this send, or no receipt
//!   within `delivery.timeout`: [`PublishError::Unavailable`]; the copy waits in the outbox.
//!
//! What a copy carries (the README's ActiveMQ section says the same):
//!
//! - `destination`: `/queue/<origin queue>`; `queue://x` and `/queue/x` are taken as the queue
//!   `x`. A topic is refused: a copy sent there would reach every subscriber again.
//! - `persistent:true`, and `content-length` unless `message_type = "text"`.
//! - `content-type`, `type` (JMSType) = the event type, `JMSXGroupID` = the partition key (a
//!   message group: one consumer at a time, in order), when set.
//! - The message's headers as JMS string properties, with `salvage-message-id` (ActiveMQ sets
//!   `JMSMessageID` itself), `salvage-event-type` and `salvage-partition-key`. A header whose name
//!   STOMP or JMS reserve (`destination`, `priority`, `JMS*`, ...), or whose name or value
//!   holds a NUL, travels instead in one JSON property, `salvage-headers`; `correlation-id` is
//!   sent as JMSCorrelationID.

pub mod config;
mod frame;

use std::{
    collections::BTreeMap,
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use futures::{FutureExt, future::BoxFuture};
use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{CertificateDer, ServerName, pem::PemObject},
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
    sync::Mutex,
};
use tokio_rustls::TlsConnector;

use self::{
    config::{ActiveMqSettings, Endpoint, MessageType},
    frame::Frame,
};
use super::publish::{Broker, Outgoing, PublishError, Publisher};
use salvage_model::headers;

/// The JSON property that carries the headers that cannot travel as properties of their own.
pub const OVERFLOW_HEADER: &str = "salvage-headers";

/// Header names ActiveMQ's STOMP connector reads off a `SEND` frame, or sets on the messages it
/// delivers: a message header of one of these names would change how the copy is sent, or be
/// dropped, so it travels in [`OVERFLOW_HEADER`]. (`correlation-id` is sent as itself.)
const RESERVED: &[&str] = &[
    "destination",
    "receipt",
    "transaction",
    "content-length",
    "content-type",
    "persistent",
    "priority",
    "expires",
    "type",
    "reply-to",
    "message-id",
    "redelivered",
    "timestamp",
    "subscription",
    "ack",
    "original-destination",
    "transformation",
    "browser",
];

/// Publishes to ActiveMQ over STOMP with receipts; connects lazily and reconnects after a
/// failure.
pub struct ActiveMqPublisher {
    settings: ActiveMqSettings,
    /// `None` until the first publish, and again after a failure.
    link: Mutex<Option<Link>>,
    /// Receipt ids, unique for the publisher's life.
    receipts: AtomicU64,
}

/// A connection to a broker: plain TCP or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open, logged-in connection and the bytes read but not yet decoded.
struct Link {
    stream: Box<dyn Io>,
    buffer: Vec<u8>,
    broker: String,
}

impl Broker for ActiveMqPublisher {
    type Settings = ActiveMqSettings;

    /// From its settings. Does no I/O: the connection is made on the first publish.
    fn new(settings: &ActiveMqSettings) -> Self {
        Self {
            settings: settings.clone(),
            link: Mutex::new(None),
            receipts: AtomicU64::new(1),
        }
    }
}

impl Publisher for ActiveMqPublisher {
    fn publish<'a>(&'a self, copy: &'a Outgoing) -> BoxFuture<'a, Result<(), PublishError>> {
        self.send(copy).boxed()
    }
}

impl fmt::Debug for ActiveMqPublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveMqPublisher")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Why a step failed, and whether the copy is to blame.
enum Failure {
    /// The broker refused this copy.
    Refused(String),
    /// The broker could not be reached or talked to.
    Down(String),
}

impl ActiveMqPublisher {
    async fn send(&self, copy: &Outgoing) -> Result<(), PublishError> {
        let receipt = self.receipts.fetch_add(1, Ordering::Relaxed).to_string();
        // Everything that can be refused is checked before touching the network.
        let frame = send_frame(copy, self.settings.message_type, &receipt)
            .map_err(PublishError::Rejected)?;
        let timeout = self.settings.delivery.timeout;
        let mut link = self.link.lock().await;
        let outcome = tokio::time::timeout(timeout, self.send_on(&mut link, &frame, &receipt))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Down(format!(
                    "no connection or receipt from ActiveMQ within {timeout:?}"
                )))
            });
        match outcome {
            Ok(()) => Ok(()),
            Err(failure) => {
                // After an ERROR the broker closes the connection; after anything else it cannot
                // be trusted to be in step: start afresh next time.
                if let Some(old) = link.take() {
                    tracing::debug!(broker = %old.broker, "ActiveMQ connection dropped");
                }
                match failure {
                    Failure::Refused(reason) => Err(PublishError::Rejected(reason)),
                    Failure::Down(reason) => Err(PublishError::Unavailable(reason)),
                }
            }
        }
    }

    async fn send_on(
        &self,
        link: &mut Option<Link>,
        frame: &[u8],
        receipt: &str,
    ) -> Result<(), Failure> {
        let open = match link {
            Some(open) => open,
            None => link.insert(self.connect().await?),
        };
        let broker = open.broker.clone();
        let down = |e: std::io::Error| Failure::Down(format!("ActiveMQ at {broker}: {e}"));
        open.stream.write_all(frame).await.map_err(down)?;
        loop {
            let answer = read_frame(open).await?;
            match answer.command.as_str() {
                "RECEIPT" if answer.header("receipt-id") == Some(receipt) => return Ok(()),
                "ERROR" if answer.header("receipt-id") == Some(receipt) => {
                    return Err(Failure::Refused(format!(
                        "ActiveMQ refused the message: {}",
                        answer.error_text()
                    )));
                }
                "ERROR" => {
                    return Err(Failure::Down(format!(
                        "ActiveMQ at {}: {}",
                        open.broker,
                        answer.error_text()
                    )));
                }
                // A receipt of an earlier send that timed out, or anything else: not ours.
                _ => {}
            }
        }
    }

    /// Connect and log in to the first broker of `url` that answers.
    async fn connect(&self) -> Result<Link, Failure> {
        let brokers = self.settings.brokers().map_err(Failure::Down)?;
        let mut errors = Vec::new();
        for endpoint in brokers {
            match self.connect_to(&endpoint).await {
                Ok(link) => {
                    let broker = &endpoint.address;
                    tracing::info!(%broker, tls = endpoint.tls, "connected to ActiveMQ");
                    return Ok(link);
                }
                Err(e) => errors.push(e),
            }
        }
        Err(Failure::Down(errors.join("; ")))
    }

    /// The TLS configuration for `ssl://` brokers: `tls_ca_file`'s certificates, else the
    /// system's. Read at each connect, so a renewed CA file is picked up.
    fn tls(&self) -> Result<TlsConnector, String> {
        let mut roots = RootCertStore::empty();
        match &self.settings.tls_ca_file {
            Some(path) => {
                let shown = path.display();
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| format!("cannot read tls_ca_file {shown}: {e}"))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("tls_ca_file {shown}: {e}"))?;
                if certs.is_empty() {
                    return Err(format!("tls_ca_file {shown} holds no PEM certificate"));
                }
                for cert in certs {
                    roots
                        .add(cert)
                        .map_err(|e| format!("tls_ca_file {shown}: {e}"))?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
                if roots.is_empty() {
                    return Err(
                        "no CA certificates found on this system: set tls_ca_file".to_owned()
                    );
                }
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsConnector::from(Arc::new(config)))
    }

    async fn connect_to(&self, endpoint: &Endpoint) -> Result<Link, String> {
        let broker = endpoint.address.as_str();
        let tcp = TcpStream::connect(broker)
            .await
            .map_err(|e| format!("cannot connect to ActiveMQ at {broker}: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let host = endpoint.host();
        let stream: Box<dyn Io> = if endpoint.tls {
            let name = ServerName::try_from(host.to_owned())
                .map_err(|e| format!("ActiveMQ at {broker}: {host:?} is not a server name: {e}"))?;
            let tls = self.tls()?.connect(name, tcp).await.map_err(|e| {
                format!("TLS handshake with ActiveMQ at {broker} failed: {e}")
            })?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let mut headers = vec![
            ("accept-version", "1.2"),
            ("host", host),
            ("heart-beat", "0,0"),
        ];
        if let Some(user) = &self.settings.user {
            headers.push(("login", user));
            headers.push(("passcode", self.settings.password.as_deref().unwrap_or("")));
        }
        let mut link = Link {
            stream,
            buffer: Vec::new(),
            broker: broker.to_owned(),
        };
        link.stream
            .write_all(&frame::encode("CONNECT", &headers, b""))
            .await
            .map_err(|e| format!("ActiveMQ at {broker}: {e}"))?;
        let answer = read_frame(&mut link).await.map_err(|f| match f {
            Failure::Down(e) | Failure::Refused(e) => e,
        })?;
        match answer.command.as_str() {
            "CONNECTED" => Ok(link),
            "ERROR" => {
                let reason = answer.error_text();
                tracing::error!(%broker, %reason, "ActiveMQ refused the connection");
                Err(format!("ActiveMQ at {broker} refused the connection: {reason}"))
            }
            other => Err(format!(
                "ActiveMQ at {broker} answered CONNECT with {other}, not CONNECTED"
            )),
        }
    }
}

/// The next frame from the broker.
async fn read_frame(link: &mut Link) -> Result<Frame, Failure> {
    let mut chunk = [0u8; 8192];
    loop {
        match frame::decode(&mut link.buffer) {
            Ok(Some(frame)) => return Ok(frame),
            Ok(None) => {}
            Err(e) => return Err(Failure::Down(format!("ActiveMQ at {}: {e}", link.broker))),
        }
        let n = link
            .stream
            .read(&mut chunk)
            .await
            .map_err(|e| Failure::Down(format!("ActiveMQ at {}: {e}", link.broker)))?;
        if n == 0 {
            return Err(Failure::Down(format!(
                "ActiveMQ at {} closed the connection",
                link.broker
            )));
        }
        link.buffer.extend_from_slice(&chunk[..n]);
    }
}

/// The STOMP destination of origin queue `queue`, or why a copy cannot go there.
fn destination(queue: &str) -> Result<String, String> {
    let name = queue
        .strip_prefix("queue://")
        .or_else(|| queue.strip_prefix("/queue/"))
        .unwrap_or(queue);
    let topic = ["topic://", "/topic/", "temp-queue://", "/temp-queue/", "/temp-topic/"]
        .iter()
        .any(|p| queue.starts_with(p));
    if topic {
        return Err(format!(
            "origin queue {queue:?} is a topic or temporary destination: a copy sent there would \
             reach every subscriber again, or no one; report the consumer's own queue (for a \
             virtual topic, its Consumer.<name>.VirtualTopic.<topic> queue)"
        ));
    }
    if name.is_empty() {
        return Err("the origin queue is empty".to_owned());
    }
    Ok(format!("/queue/{name}"))
}

/// The `SEND` frame of `copy`, asking for receipt `receipt`.
fn send_frame(copy: &Outgoing, kind: MessageType, receipt: &str) -> Result<Vec<u8>, String> {
    let m = &copy.message;
    let destination = destination(&m.queue)?;
    let length = m.payload.len().to_string();
    let mut frame: Vec<(&str, &str)> = vec![
        ("destination", &destination),
        ("persistent", "true"),
        ("receipt", receipt),
    ];
    match kind {
        MessageType::Bytes => frame.push(("content-length", &length)),
        MessageType::Text => {
            let text = std::str::from_utf8(&m.payload).map_err(|_| {
                "the payload is not UTF-8, so it cannot be sent as a text message; set \
                 message_type = \"bytes\""
                    .to_owned()
            })?;
            if text.contains('\0') {
                return Err("the payload holds a NUL byte, which STOMP cannot carry in a text \
                            message; set message_type = \"bytes\""
                    .to_owned());
            }
        }
    }
    for (name, value) in [
        ("content-type", &m.content_type),
        ("type", &m.event_type),
        ("JMSXGroupID", &m.partition_key),
    ] {
        if !value.is_empty() {
            frame.push((name, value));
        }
    }
    let ours = [
        (headers::MESSAGE_ID, &m.id),
        (headers::EVENT_TYPE, &m.event_type),
        (headers::PARTITION_KEY, &m.partition_key),
    ];
    let ours = ours.into_iter().filter(|(_, v)| !v.is_empty());
    let mut overflow = BTreeMap::new();
    let theirs = m
        .headers
        .iter()
        .filter(|(name, _)| !ours.clone().any(|(o, _)| o == name.as_str()));
    for (name, value) in theirs {
        if travels_alone(name, value) {
            frame.push((name, value));
        } else {
            overflow.insert(name.as_str(), value.as_str());
        }
    }
    frame.extend(ours.map(|(n, v)| (n, v.as_str())));
    let overflow_json;
    if !overflow.is_empty() {
        overflow_json = serde_json::to_string(&overflow)
            .map_err(|e| format!("cannot encode the reserved headers: {e}"))?;
        frame.push((OVERFLOW_HEADER, &overflow_json));
    }
    Ok(frame::encode("SEND", &frame, &m.payload))
}

/// Whether header `name` can be a JMS property of its own (else it goes in `salvage-headers`).
fn travels_alone(name: &str, value: &str) -> bool {
    if name == "correlation-id" {
        return !value.contains('\0');
    }
    !(name.is_empty()
        || name == OVERFLOW_HEADER
        || RESERVED.contains(&name)
        || name.starts_with("JMS")
        || name.contains('\0')
        || value.contains('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use salvage_model::Message;

    fn copy() -> Outgoing {
        Outgoing {
            tracking_id: "t-1".to_owned(),
            message: Message {
                id: "m-1".to_owned(),
                queue: "orders".to_owned(),
                payload: b"{\"total\":1}".to_vec(),
                headers: [
                    ("x-origin".to_owned(), "checkout".to_owned()),
                    ("salvage-tracking-id".to_owned(), "t-1".to_owned()),
                ]
                .into(),
                content_type: "application/json".to_owned(),
                event_type: "OrderPlaced".to_owned(),
                partition_key: "customer-7".to_owned(),
                ..Message::default()
            },
        }
    }

    fn decoded(copy: &Outgoing, kind: MessageType) -> Frame {
        let mut bytes = send_frame(copy, kind, "9").unwrap();
        let frame = frame::decode(&mut bytes).unwrap().unwrap();
        assert!(bytes.is_empty());
        frame
    }

    #[test]
    fn a_copy_is_a_persistent_receipted_send_to_its_queue() {
        let f = decoded(&copy(), MessageType::Bytes);
        assert_eq!(f.command, "SEND");
        for (name, value) in [
            ("destination", "/queue/orders"),
            ("persistent", "true"),
            ("receipt", "9"),
            ("content-length", "11"),
            ("content-type", "application/json"),
            ("type", "OrderPlaced"),
            ("JMSXGroupID", "customer-7"),
            ("x-origin", "checkout"),
            ("salvage-tracking-id", "t-1"),
            ("salvage-message-id", "m-1"),
            ("salvage-event-type", "OrderPlaced"),
            ("salvage-partition-key", "customer-7"),
        ] {
            assert_eq!(f.header(name), Some(value), "{name}: {f:?}");
        }
        assert_eq!(f.header(OVERFLOW_HEADER), None);
        assert_eq!(f.body, b"{\"total\":1}");
    }

    #[test]
    fn reserved_headers_travel_in_one_json_property_and_nothing_is_lost() {
        let mut c = copy();
        for (name, value) in [
            ("destination", "/queue/elsewhere"),
            ("priority", "9"),
            ("JMSXGroupSeq", "3"),
            ("content-length", "1"),
            ("with-nul", "a\0b"),
            ("correlation-id", "req-1"),
            ("colon:name", "line\nbreak"),
        ] {
            c.message.headers.insert(name.to_owned(), value.to_owned());
        }
        let f = decoded(&c, MessageType::Bytes);
        assert_eq!(f.header("destination"), Some("/queue/orders"));
        assert_eq!(f.header("content-length"), Some("11"));
        assert_eq!(f.header("correlation-id"), Some("req-1"));
        assert_eq!(f.header("colon:name"), Some("line\nbreak"), "escaped, not moved");
        assert_eq!(f.headers.iter().filter(|(n, _)| n == "destination").count(), 1);
        let overflow: BTreeMap<String, String> =
            serde_json::from_str(f.header(OVERFLOW_HEADER).unwrap()).unwrap();
        let want: BTreeMap<String, String> = [
            ("destination", "/queue/elsewhere"),
            ("priority", "9"),
            ("JMSXGroupSeq", "3"),
            ("content-length", "1"),
            ("with-nul", "a\0b"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        assert_eq!(overflow, want);
    }

    #[test]
    fn salvages_own_headers_win_over_the_messages() {
        let mut c = copy();
        c.message
            .headers
            .insert("salvage-message-id".to_owned(), "stale".to_owned());
        let f = decoded(&c, MessageType::Bytes);
        let ids: Vec<_> = f
            .headers
            .iter()
            .filter(|(n, _)| n == "salvage-message-id")
            .collect();
        assert_eq!(ids.len(), 1);
        assert_eq!(ids[0].1, "m-1");
    }

    #[test]
    fn bytes_are_sent_exactly_and_text_refuses_what_it_cannot_carry() {
        let mut c = copy();
        c.message.payload = b"\0\xff\n\x01".to_vec();
        assert_eq!(decoded(&c, MessageType::Bytes).body, b"\0\xff\n\x01");
        let e = send_frame(&c, MessageType::Text, "1").unwrap_err();
        assert!(e.contains("not UTF-8") && e.contains("message_type"), "{e}");
        c.message.payload = b"a\0b".to_vec();
        let e = send_frame(&c, MessageType::Text, "1").unwrap_err();
        assert!(e.contains("NUL"), "{e}");
        let text = decoded(&copy(), MessageType::Text);
        assert_eq!(text.header("content-length"), None, "a TextMessage");
        assert_eq!(text.body, b"{\"total\":1}");
    }

    #[test]
    fn queues_are_named_as_consumers_see_them_and_topics_are_refused() {
        for (queue, want) in [
            ("orders", "/queue/orders"),
            ("queue://orders", "/queue/orders"),
            ("/queue/orders", "/queue/orders"),
            (
                "Consumer.billing.VirtualTopic.Orders",
                "/queue/Consumer.billing.VirtualTopic.Orders",
            ),
        ] {
            assert_eq!(destination(queue).unwrap(), want);
        }
        for queue in ["topic://orders", "/topic/orders", "/temp-queue/x", ""] {
            assert!(destination(queue).is_err(), "{queue}");
        }
        assert!(destination("/topic/x").unwrap_err().contains("virtual topic"));
    }
}
