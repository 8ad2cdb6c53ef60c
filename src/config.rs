//! Typed settings: a TOML file, then environment overrides (`SALVAGE__SECTION__KEY=value`), then
//! validation. Every field has a default, so an empty file is a working configuration for a
//! local Redis. Secrets (the Redis URL may hold a password) never appear in `Debug` output.

use std::{
    collections::BTreeMap,
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Deserialize;

/// The prefix of environment variables that override settings: `SALVAGE__REDIS__URL` sets
/// `redis.url`. Values are read as TOML when they parse as such (numbers, booleans), else as strings.
pub const ENV_PREFIX: &str = "SALVAGE__";

/// All settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The gRPC server consumers call.
    pub server: ServerSettings,
    /// The admin HTTP server: `/metrics`, `/healthz`, `/readyz`.
    pub admin: AdminSettings,
    /// The Redis that holds outcomes, the outbox, the retry schedule and the parking lot.
    pub redis: RedisSettings,
    /// The repair rules.
    pub rules: RulesSettings,
    /// Limits on what a report may carry.
    pub limits: Limits,
    /// The relay that delivers the outbox and moves due retries.
    pub relay: RelaySettings,
    /// The destination used when a report's `origin.destination` is empty.
    pub default_destination: String,
    /// Where requeued messages go, by name (`origin.destination` picks one).
    pub destinations: BTreeMap<String, DestinationSettings>,
    /// Logs.
    pub telemetry: TelemetrySettings,
    /// The parking lot: its admin gRPC API, credentials, retention and redrive.
    pub parking_lot: ParkingLotSettings,
    /// The operator console: a web page on the admin HTTP port.
    pub console: ConsoleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        let mut destinations = BTreeMap::new();
        destinations.insert("redis".to_owned(), DestinationSettings::default());
        Self {
            server: ServerSettings::default(),
            admin: AdminSettings::default(),
            redis: RedisSettings::default(),
            rules: RulesSettings::default(),
            limits: Limits::default(),
            relay: RelaySettings::default(),
            default_destination: "redis".to_owned(),
            destinations,
            telemetry: TelemetrySettings::default(),
            parking_lot: ParkingLotSettings::default(),
            console: ConsoleSettings::default(),
        }
    }
}

/// The gRPC server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free port.
    pub grpc_addr: SocketAddr,
    /// Reports processed at once across all connections; more are answered RESOURCE_EXHAUSTED.
    pub max_in_flight: usize,
    /// Request bytes (encoded) of the reports processed at once; more are answered
    /// RESOURCE_EXHAUSTED (a unary call before its body is read). At least `max_message_bytes`.
    pub max_in_flight_bytes: usize,
    /// Largest request message (encoded) the gRPC port accepts; a larger one is refused with
    /// OUT_OF_RANGE before it is buffered. At least `limits.max_payload_bytes +
    /// limits.max_header_bytes + 16 KiB`.
    pub max_message_bytes: usize,
    /// HTTP/2 streams (calls) one connection may have open at once; clients queue the rest.
    pub max_concurrent_streams: u32,
    /// Requests of one `ReportStream` processed at once (answers stay in order).
    pub stream_window: usize,
    /// How long shutdown waits for in-flight reports and the relay to finish.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Serve TLS (with `client_ca_file`: mutual TLS, every client shows a certificate).
    pub tls: Option<ListenerTls>,
}

/// TLS on one listener. The files are read at start; a missing or unreadable file stops
/// start-up with an error naming it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ListenerTls {
    /// PEM file: the server's certificate, then any intermediate certificates.
    pub cert_file: PathBuf,
    /// PEM file: the certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// PEM file of CA certificates; when set, every client must present a certificate signed by
    /// one of them (mutual TLS), else the handshake fails.
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 50051)),
            max_in_flight: 4096,
            // These two set memory under overload: each admitted byte costs about six in
            // buffers and copies, and each open call holds its HTTP/2 window and a message
            // being read (bench/overload.sh: 16 and 8 MiB keep the peak near 120 MiB).
            max_in_flight_bytes: 8 * 1024 * 1024,
            max_message_bytes: 2 * 1024 * 1024,
            max_concurrent_streams: 16,
            stream_window: 128,
            shutdown_grace: Duration::from_secs(10),
            tls: None,
        }
    }
}

/// The admin HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Serve HTTPS (with `client_ca_file`: clients must present a certificate).
    pub tls: Option<ListenerTls>,
    /// Serve the console beyond loopback without TLS anyway (tokens and session cookies then
    /// cross the network in the clear; only behind a TLS-terminating proxy).
    pub allow_plaintext: bool,
    /// A request's headers must arrive within this, counted from when the connection is ready
    /// for a request (opened, or its previous answer sent): it also closes idle connections.
    #[serde(with = "humantime_serde")]
    pub header_timeout: Duration,
    /// A request's body must arrive in full within this (then 408).
    #[serde(with = "humantime_serde")]
    pub body_timeout: Duration,
}

/// The operator console, served on the admin HTTP port (`admin.addr`) under `path`. Operators
/// sign in with a `parking_lot.tokens` token; its role decides what they may do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleSettings {
    /// Serve the console.
    pub enabled: bool,
    /// Where: `/console` by default; `/` alone is not allowed (it would shadow `/metrics`).
    pub path: String,
    /// A session ends this long after sign-in (the page then asks to sign in again).
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (set it when the console is reached over HTTPS, e.g.
    /// through a TLS-terminating proxy).
    pub secure_cookie: bool,
    /// Sign-in attempts allowed per client address within `sign_in_window`; more get 429 with
    /// `Retry-After`.
    pub sign_in_attempts: u32,
    /// See `sign_in_attempts`.
    #[serde(with = "humantime_serde")]
    pub sign_in_window: Duration,
    /// Live sessions per token; signing in once more ends that token's oldest session.
    pub max_sessions_per_token: u32,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "/console".to_owned(),
            session_ttl: Duration::from_secs(8 * 3600),
            secure_cookie: false,
            sign_in_attempts: 10,
            sign_in_window: Duration::from_secs(60),
            max_sessions_per_token: 5,
        }
    }
}

impl ConsoleSettings {
    fn validate(&self) -> Result<(), String> {
        let p = &self.path;
        let safe = |c: char| c.is_ascii_alphanumeric() || "/-_.".contains(c);
        if !p.starts_with('/') || p.len() < 2 || p.ends_with('/') || !p.chars().all(safe) {
            return Err(format!(
                "console.path {p:?} must start with '/', not end with one, and hold only letters,                  digits, '-', '_', '.' and '/' (e.g. \"/console\")"
            ));
        }
        if ["/metrics", "/healthz", "/readyz"].contains(&p.as_str()) {
            return Err(format!("console.path {p:?} is taken by the admin server"));
        }
        if self.session_ttl.is_zero() || self.sign_in_window.is_zero() {
            return Err(
                "console.session_ttl and console.sign_in_window must be greater than 0".to_owned(),
            );
        }
        if self.sign_in_attempts == 0 || self.max_sessions_per_token == 0 {
            return Err(
                "console.sign_in_attempts and console.max_sessions_per_token must be greater \
                 than 0"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 9464)),
            tls: None,
            allow_plaintext: false,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// Redis.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// `redis://[:password@]host:port[/db]` (or `rediss://`). Never logged.
    pub url: String,
    /// Prefix of every key Salvage owns. Must contain a `{hash tag}` so that all keys share one
    /// Redis Cluster slot.
    pub key_prefix: String,
    /// How long one connection attempt may take.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// How long one command may take before the report fails with UNAVAILABLE.
    #[serde(with = "humantime_serde")]
    pub response_timeout: Duration,
    /// How long a message's attempt count and history are kept after its last report (parked
    /// messages keep theirs until resolved). Loop protection spans this window.
    #[serde(with = "humantime_serde")]
    pub state_ttl: Duration,
    /// For a `rediss://` URL: the CA to trust (default: the system's) and a client certificate.
    pub tls: Option<RedisTls>,
}

/// TLS to Redis (`rediss://` URLs only).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RedisTls {
    /// PEM file of CA certificates to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// PEM file: a client certificate, for a Redis with `tls-auth-clients yes` (give `key_file`).
    pub cert_file: Option<PathBuf>,
    /// PEM file: the client certificate's private key.
    pub key_file: Option<PathBuf>,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".to_owned(),
            key_prefix: "{salvage}".to_owned(),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(2),
            state_ttl: Duration::from_secs(7 * 24 * 3600),
            tls: None,
        }
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &redact_url(&self.url))
            .field("key_prefix", &self.key_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("state_ttl", &self.state_ttl)
            .field("tls", &self.tls)
            .finish()
    }
}

/// `redis://user:secret@host` → `redis://user:***@host`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The repair rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesSettings {
    /// The rules file; a relative path is taken from the configuration file's folder.
    pub path: PathBuf,
}

impl Default for RulesSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("rules.toml"),
        }
    }
}

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

/// The relay.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelaySettings {
    /// Run the relay in this process. With several processes on one Redis, any (or all) may run
    /// it: delivery is atomic, so none doubles another's work.
    pub enabled: bool,
    /// Outbox entries or due retries handled per Redis call.
    pub batch_size: usize,
    /// How often the relay looks for work it was not told about (due retries, other processes'
    /// outbox entries).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// How often the parked/outbox/retry gauges are read from Redis.
    #[serde(with = "humantime_serde")]
    pub stats_interval: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            batch_size: 256,
            poll_interval: Duration::from_millis(100),
            stats_interval: Duration::from_secs(5),
        }
    }
}

/// A destination, by `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DestinationSettings {
    /// XADD to the origin stream on the Redis that Salvage uses for its own state.
    RedisStreams(RedisStreamsSettings),
    /// Publish to RabbitMQ (AMQP 0-9-1) with publisher confirms.
    Rabbitmq(RabbitMqSettings),
    /// Publish to NATS JetStream with an acknowledged publish.
    Nats(NatsSettings),
    /// Produce to Kafka with an idempotent producer and `acks=all`.
    Kafka(KafkaSettings),
}

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

/// A NATS JetStream destination: the origin queue is the subject, which a stream must capture.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSettings {
    /// `nats://host:4222` (`tls://` for TLS); several servers separated by commas.
    pub url: String,
    /// User and password, if the server wants them. Never logged.
    #[serde(default)]
    pub user: Option<String>,
    /// See `user`.
    #[serde(default)]
    pub password: Option<String>,
    /// A token, if the server wants one. Never logged.
    #[serde(default)]
    pub token: Option<String>,
    /// A `.creds` file (NATS decentralised auth).
    #[serde(default)]
    pub credentials_file: Option<PathBuf>,
    /// A PEM file of CA certificates to trust for TLS.
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// Refuse to connect without TLS.
    #[serde(default)]
    pub tls_required: bool,
    /// Confirmation timeout, attempts and backoff.
    #[serde(default)]
    pub delivery: DeliverySettings,
}

impl fmt::Debug for NatsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsSettings")
            .field("url", &redact_url(&self.url))
            .field("user", &self.user)
            .field("credentials_file", &self.credentials_file)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("tls_required", &self.tls_required)
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}

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

impl Default for DestinationSettings {
    fn default() -> Self {
        Self::RedisStreams(RedisStreamsSettings::default())
    }
}

/// A Redis Streams destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisStreamsSettings {
    /// Commit the outcome and the XADD in one script (exactly once, fastest). When false,
    /// requeues go through the outbox and the relay (the path other destinations use).
    pub inline: bool,
    /// Field names of the stream entry.
    pub fields: StreamFields,
}

impl Default for RedisStreamsSettings {
    fn default() -> Self {
        Self {
            inline: true,
            fields: StreamFields::default(),
        }
    }
}

/// Field names of a requeued stream entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct StreamFields {
    /// The message's own id.
    pub id: String,
    /// The payload bytes.
    pub payload: String,
    /// The headers, as one JSON object of strings.
    pub headers: String,
    /// The content type (omitted when empty).
    pub content_type: String,
    /// The event type (omitted when empty).
    pub event_type: String,
    /// The partition key (omitted when empty).
    pub partition_key: String,
}

impl Default for StreamFields {
    fn default() -> Self {
        Self {
            id: "id".to_owned(),
            payload: "payload".to_owned(),
            headers: "headers".to_owned(),
            content_type: "content_type".to_owned(),
            event_type: "event_type".to_owned(),
            partition_key: "partition_key".to_owned(),
        }
    }
}

impl StreamFields {
    /// In the order the report script takes them.
    pub fn as_array(&self) -> [&str; 6] {
        [
            &self.id,
            &self.payload,
            &self.headers,
            &self.content_type,
            &self.event_type,
            &self.partition_key,
        ]
    }
}

/// Log output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySettings {
    /// `human` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `salvage=debug,info`; `RUST_LOG` overrides it.
    pub log_level: String,
    /// Export spans over OTLP/gRPC to this collector, e.g. `http://127.0.0.1:4317`; unset: spans
    /// are not exported (trace context is still propagated).
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of exported spans.
    pub service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Human,
            log_level: "info".to_owned(),
            otlp_endpoint: None,
            service_name: "salvage".to_owned(),
        }
    }
}

/// The parking lot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParkingLotSettings {
    /// Address of the admin gRPC API (`salvage.v1.ParkingLot`); port 0 picks a free port.
    pub addr: SocketAddr,
    /// Who may call the admin API. With none, every call is refused (UNAUTHENTICATED).
    pub tokens: Vec<TokenSettings>,
    /// How long and how many parked messages are kept before retention archives them.
    pub retention: RetentionSettings,
    /// How long and how many discarded messages are kept (restorable) before being deleted.
    pub archive: RetentionSettings,
    /// How often retention runs.
    #[serde(with = "humantime_serde")]
    pub retention_interval: Duration,
    /// Operator actions kept in the audit log (older ones are trimmed).
    pub audit_max_entries: u64,
    /// Parking-lot events kept for `WatchParked` (a short buffer, not a log).
    pub events_max_entries: u64,
    /// Messages handled per Redis call by bulk runs.
    pub batch_size: usize,
    /// Bulk runs (with their id lists) are kept this long after they end.
    #[serde(with = "humantime_serde")]
    pub run_ttl: Duration,
    /// A process working on a bulk run holds it for this long and renews it after each batch; a
    /// run whose holder died is taken over by another process (or the restarted one) after it.
    #[serde(with = "humantime_serde")]
    pub run_lease: Duration,
    /// JSON Pointers (e.g. `/card/number`; a `*` segment matches any key or index) whose values
    /// are masked wherever a payload is shown to an operator (admin API, CLI, console); only an
    /// operator can reveal them, and that is audited.
    pub sensitive: Vec<String>,
    /// Serve the API over TLS (with `client_ca_file`: clients must present a certificate).
    pub tls: Option<ListenerTls>,
    /// Listen beyond loopback without TLS anyway (bearer tokens then cross the network in the
    /// clear).
    pub allow_plaintext: bool,
    /// Bytes per second that searches reading payloads (a `text` or `json_pointer` filter) may
    /// read from Redis, so they cannot crowd out reports; 0 means no limit.
    pub search_read_rate: u64,
}

impl Default for ParkingLotSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 50052)),
            tokens: Vec::new(),
            // About 5.6 KiB of Redis memory per parked message with a 1 KiB payload (measured
            // by tests/e2e/parking_lot/observe.rs): these defaults bound the parking lot to about
            // 1.4 GiB and the archive to about 280 MiB.
            retention: RetentionSettings {
                max_age: Some(Duration::from_secs(90 * 24 * 3600)),
                max_count: Some(250_000),
            },
            archive: RetentionSettings {
                max_age: Some(Duration::from_secs(30 * 24 * 3600)),
                max_count: Some(50_000),
            },
            retention_interval: Duration::from_secs(60),
            audit_max_entries: 100_000,
            events_max_entries: 10_000,
            batch_size: 100,
            run_ttl: Duration::from_secs(7 * 24 * 3600),
            run_lease: Duration::from_secs(10),
            sensitive: Vec::new(),
            tls: None,
            allow_plaintext: false,
            // 32 MiB/s: see bench/search.sh (Report p99 at 2,000/s while searches run).
            search_read_rate: 32 * 1024 * 1024,
        }
    }
}

/// Limits on what is kept; each is optional (unset keeps everything).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Older than this (e.g. "90d") is expired.
    #[serde(default, with = "humantime_serde")]
    pub max_age: Option<Duration>,
    /// Past this many, the oldest are expired.
    #[serde(default)]
    pub max_count: Option<u64>,
}

/// A credential for the admin API.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    /// Who holds it: recorded in the audit log as the actor.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The bearer token itself. Never logged. Give this or `token_sha256`.
    #[serde(default)]
    pub token: Option<String>,
    /// The SHA-256 of the token, in hex (`printf %s "$TOKEN" | sha256sum`), so the configuration
    /// file holds no secret.
    #[serde(default)]
    pub token_sha256: Option<String>,
}

impl fmt::Debug for TokenSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSettings")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What a token may do.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read: list, show, groups, audit, watch, dry runs.
    Viewer,
    /// Everything a viewer may, and edit, resubmit, re-triage, discard, restore.
    Operator,
}

impl Role {
    /// `viewer` or `operator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
        }
    }
}

/// Log format.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per line.
    Json,
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file (or an override) is not valid.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Settings {
    /// Read `path`, apply environment overrides, validate. Relative paths inside the file are
    /// resolved against the file's folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut settings = Self::parse(&text, std::env::vars(), path)?;
        if settings.rules.path.is_relative() {
            let base = path.parent().unwrap_or_else(|| Path::new("."));
            settings.rules.path = base.join(&settings.rules.path);
        }
        Ok(settings)
    }

    /// Parse TOML text with the given environment overrides, then validate.
    pub fn parse(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
        path: &Path,
    ) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let mut table: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        for (name, value) in env {
            if let Some(rest) = name.strip_prefix(ENV_PREFIX) {
                apply_override(&mut table, rest, &value)
                    .map_err(|m| invalid(format!("environment variable {name}: {m}")))?;
            }
        }
        let settings: Settings = table
            .try_into()
            .map_err(|e: toml::de::Error| invalid(e.to_string().trim_end().to_owned()))?;
        settings.validate().map_err(invalid)?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), String> {
        let p = &self.redis.key_prefix;
        let tag = p.find('{').and_then(|o| p[o..].find('}').map(|c| c > 1));
        if tag != Some(true) {
            return Err(format!(
                "redis.key_prefix {p:?} must contain a non-empty {{hash tag}}, e.g. \"{{salvage}}\", \
                 so that all of Salvage's keys share one Redis Cluster slot"
            ));
        }
        if !self.destinations.contains_key(&self.default_destination) {
            return Err(format!(
                "default_destination {:?} is not among [destinations] ({})",
                self.default_destination,
                self.destinations
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (name, d) in &self.destinations {
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(format!(
                    "destination name {name:?} must be non-empty, without spaces"
                ));
            }
            let delivery = match d {
                DestinationSettings::RedisStreams(s) => {
                    let f = s.fields.as_array();
                    let reserved = ["tracking_id", "message_key", "destination", "queue"];
                    for (i, a) in f.iter().enumerate() {
                        if a.is_empty() || reserved.contains(a) || f[i + 1..].contains(a) {
                            return Err(format!(
                                "destinations.{name}.fields: field names must be distinct, \
                                 non-empty and not one of {reserved:?} (got {a:?})"
                            ));
                        }
                    }
                    continue;
                }
                DestinationSettings::Rabbitmq(r) => &r.delivery,
                DestinationSettings::Nats(n) => &n.delivery,
                DestinationSettings::Kafka(k) => &k.delivery,
            };
            if delivery.max_attempts == 0 || delivery.timeout.is_zero() {
                return Err(format!(
                    "destinations.{name}.delivery: max_attempts and timeout must be greater than 0"
                ));
            }
        }
        let positive = [
            ("server.max_in_flight", self.server.max_in_flight),
            ("server.stream_window", self.server.stream_window),
            (
                "server.max_concurrent_streams",
                self.server.max_concurrent_streams as usize,
            ),
            ("relay.batch_size", self.relay.batch_size),
            ("limits.max_payload_bytes", self.limits.max_payload_bytes),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("{name} must be greater than 0"));
            }
        }
        let intervals = [
            ("relay.poll_interval", self.relay.poll_interval),
            ("relay.stats_interval", self.relay.stats_interval),
            ("redis.response_timeout", self.redis.response_timeout),
            ("redis.connect_timeout", self.redis.connect_timeout),
        ];
        for (name, v) in intervals {
            if v.is_zero() {
                return Err(format!("{name} must be greater than 0"));
            }
        }
        self.validate_budget()?;
        self.console.validate()?;
        self.validate_tls()?;
        self.validate_parking_lot()?;
        if self.redis.state_ttl < Duration::from_secs(1) {
            return Err("redis.state_ttl must be at least 1s".to_owned());
        }
        Ok(())
    }
}

impl Settings {
    fn validate_budget(&self) -> Result<(), String> {
        let (s, l) = (&self.server, &self.limits);
        let least = l.max_payload_bytes + l.max_header_bytes + 16 * 1024;
        if s.max_message_bytes < least {
            return Err(format!(
                "server.max_message_bytes ({}) must be at least limits.max_payload_bytes + \
                 limits.max_header_bytes + 16 KiB ({least}), or reports within the limits \
                 would be refused",
                s.max_message_bytes
            ));
        }
        if s.max_in_flight_bytes < s.max_message_bytes {
            return Err(format!(
                "server.max_in_flight_bytes ({}) must be at least server.max_message_bytes ({})",
                s.max_in_flight_bytes, s.max_message_bytes
            ));
        }
        Ok(())
    }

    /// Token-protected listeners (the parking lot API; the admin port when it serves the
    /// console) reachable beyond loopback need TLS or an explicit `allow_plaintext`.
    /// `Application::build` checks it too (settings built in code skip `validate`).
    pub fn check_plaintext_listeners(&self) -> Result<(), String> {
        let guarded = [
            (
                "parking_lot",
                self.parking_lot.addr,
                self.parking_lot.tls.is_some(),
                self.parking_lot.allow_plaintext,
                true,
            ),
            (
                "admin",
                self.admin.addr,
                self.admin.tls.is_some(),
                self.admin.allow_plaintext,
                self.console.enabled,
            ),
        ];
        for (name, addr, tls, allowed, tokens) in guarded {
            if tokens && !tls && !allowed && !addr.ip().is_loopback() {
                return Err(format!(
                    "{name}.addr {addr} is reachable beyond this host without TLS: its tokens \
                     would cross the network in the clear. Set {name}.tls = {{ cert_file, \
                     key_file }}, bind it to 127.0.0.1, or set {name}.allow_plaintext = true \
                     (e.g. behind a TLS-terminating proxy)"
                ));
            }
        }
        Ok(())
    }

    /// Redis TLS settings need a `rediss://` URL, and a client certificate its key.
    fn validate_tls(&self) -> Result<(), String> {
        self.check_plaintext_listeners()?;
        if let Some(t) = &self.redis.tls {
            if !self.redis.url.starts_with("rediss://") {
                return Err("redis.tls is set but redis.url is not a rediss:// URL".to_owned());
            }
            if t.cert_file.is_some() != t.key_file.is_some() {
                return Err("redis.tls: give both cert_file and key_file, or neither".to_owned());
            }
        }
        if self.admin.header_timeout.is_zero() || self.admin.body_timeout.is_zero() {
            return Err(
                "admin.header_timeout and admin.body_timeout must be greater than 0".to_owned(),
            );
        }
        Ok(())
    }

    fn validate_parking_lot(&self) -> Result<(), String> {
        let p = &self.parking_lot;
        let mut names = std::collections::BTreeSet::new();
        for (i, t) in p.tokens.iter().enumerate() {
            let at = format!("parking_lot.tokens[{i}]");
            if t.name.trim().is_empty() {
                return Err(format!("{at}.name must not be empty"));
            }
            if !names.insert(t.name.as_str()) {
                return Err(format!("{at}.name {:?} is used twice", t.name));
            }
            match (&t.token, &t.token_sha256) {
                (Some(tok), None) if tok.len() >= 8 => {}
                (Some(_), None) => {
                    return Err(format!("{at}.token is too short (at least 8 characters)"));
                }
                (None, Some(h)) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {}
                (None, Some(_)) => {
                    return Err(format!("{at}.token_sha256 must be 64 hex characters"));
                }
                _ => return Err(format!("{at}: give exactly one of token and token_sha256")),
            }
        }
        for (name, r) in [
            ("parking_lot.retention", &p.retention),
            ("parking_lot.archive", &p.archive),
        ] {
            if r.max_age.is_some_and(|d| d.is_zero()) || r.max_count == Some(0) {
                return Err(format!(
                    "{name}: max_age and max_count must be greater than 0 (leave them out to \
                     keep everything)"
                ));
            }
        }
        for (i, ptr) in p.sensitive.iter().enumerate() {
            if !ptr.starts_with('/') {
                return Err(format!(
                    "parking_lot.sensitive[{i}] {ptr:?} must be a JSON Pointer starting with '/' \
                     (e.g. \"/card/number\")"
                ));
            }
        }
        if p.batch_size == 0 || p.retention_interval.is_zero() || p.run_lease.is_zero() {
            return Err(
                "parking_lot.batch_size, parking_lot.retention_interval and \
                 parking_lot.run_lease must be greater than 0"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// Set `a__b__c` (lower-cased path) in `table` to `value`.
fn apply_override(table: &mut toml::Table, path: &str, value: &str) -> Result<(), String> {
    let parts: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
    let Some((last, parents)) = parts.split_last() else {
        return Err("empty setting name".to_owned());
    };
    let mut cur = table;
    for p in parents {
        let entry = cur
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = entry
            .as_table_mut()
            .ok_or_else(|| format!("{p} is not a section"))?;
    }
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    cur.insert(last.clone(), parsed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        Settings::parse(text, env, Path::new("salvage.toml"))
    }

    #[test]
    fn empty_file_is_valid() {
        let s = parse("", &[]).unwrap();
        assert_eq!(s.default_destination, "redis");
        assert_eq!(s.redis.key_prefix, "{salvage}");
    }

    #[test]
    fn env_overrides_file() {
        let s = parse(
            "[redis]\nurl = \"redis://a:1\"\n",
            &[
                ("SALVAGE__REDIS__URL", "redis://b:2"),
                ("SALVAGE__RELAY__BATCH_SIZE", "7"),
            ],
        )
        .unwrap();
        assert_eq!(s.redis.url, "redis://b:2");
        assert_eq!(s.relay.batch_size, 7);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = parse("[redis]\nulr = \"x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("ulr"), "{e}");
    }

    #[test]
    fn prefix_needs_hash_tag() {
        let e = parse("[redis]\nkey_prefix = \"salvage\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("hash tag"), "{e}");
    }

    #[test]
    fn debug_hides_password() {
        let s = parse("[redis]\nurl = \"redis://u:hunter2@h:1\"\n", &[]).unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("hunter2"), "{d}");
    }

    #[test]
    fn console_settings_are_checked() {
        let s = parse("", &[]).unwrap();
        assert!(s.console.enabled);
        assert_eq!(s.console.path, "/console");
        let ok =
            "[console]\npath = \"/ops/console\"\n[parking_lot]\nsensitive = [\"/card/number\"]\n";
        assert_eq!(parse(ok, &[]).unwrap().console.path, "/ops/console");
        for bad in ["/", "console", "/console/", "/metrics", "/a b"] {
            let toml = format!("[console]\npath = {bad:?}\n");
            let e = parse(&toml, &[]).unwrap_err().to_string();
            assert!(e.contains("console.path"), "{bad}: {e}");
        }
        let e = parse("[parking_lot]\nsensitive = [\"card.number\"]\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("JSON Pointer"), "{e}");
        let s = parse("", &[("SALVAGE__CONSOLE__ENABLED", "false")]).unwrap();
        assert!(!s.console.enabled);
    }

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

    #[test]
    fn parking_lot_tokens_are_checked() {
        let ok = "[[parking_lot.tokens]]\nname = \"alice\"\nrole = \"operator\"\n\
                  token = \"s3cret-token\"\n";
        let s = parse(ok, &[]).unwrap();
        assert_eq!(s.parking_lot.tokens[0].role, Role::Operator);
        assert!(!format!("{s:?}").contains("s3cret"));
        let both = format!("{ok}token_sha256 = \"{}\"\n", "a".repeat(64));
        assert!(
            parse(&both, &[])
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
        let bad_role = ok.replace("operator", "admin");
        assert!(
            parse(&bad_role, &[])
                .unwrap_err()
                .to_string()
                .contains("admin")
        );
        let retention = "[parking_lot.archive]\nmax_count = 0\n";
        assert!(parse(retention, &[]).is_err());
        let s = parse("[parking_lot.retention]\nmax_age = \"2h\"\n", &[]).unwrap();
        assert_eq!(s.parking_lot.retention.max_count, None);
    }

    #[test]
    fn tls_settings_parse_and_plaintext_beyond_loopback_is_refused() {
        let t = "[server]\ntls = { cert_file = \"s.pem\", key_file = \"s.key\", \
                 client_ca_file = \"ca.pem\" }\n";
        let s = parse(t, &[]).unwrap();
        let tls = s.server.tls.unwrap();
        assert_eq!(tls.client_ca_file, Some(PathBuf::from("ca.pem")));
        let typo = "[server]\ntls = { cert_file = \"a\", key_file = \"b\", ca = \"c\" }\n";
        assert!(parse(typo, &[]).unwrap_err().to_string().contains("ca"));

        let open = "[parking_lot]\naddr = \"0.0.0.0:50052\"\n";
        let e = parse(open, &[]).unwrap_err().to_string();
        assert!(e.contains("parking_lot.allow_plaintext = true"), "{e}");
        assert!(parse(&format!("{open}allow_plaintext = true\n"), &[]).is_ok());
        let with_tls = format!("{open}tls = {{ cert_file = \"a\", key_file = \"b\" }}\n");
        assert!(parse(&with_tls, &[]).is_ok());
        let admin = "[admin]\naddr = \"0.0.0.0:9464\"\n";
        assert!(parse(admin, &[]).is_err());
        assert!(parse(admin, &[("SALVAGE__CONSOLE__ENABLED", "false")]).is_ok());

        let redis = "[redis]\nurl = \"redis://h:1\"\ntls = { ca_file = \"ca.pem\" }\n";
        assert!(
            parse(redis, &[])
                .unwrap_err()
                .to_string()
                .contains("rediss://")
        );
        let half = "[redis]\nurl = \"rediss://h:1\"\ntls = { cert_file = \"c.pem\" }\n";
        assert!(
            parse(half, &[])
                .unwrap_err()
                .to_string()
                .contains("key_file")
        );
    }

    #[test]
    fn clashing_field_names_rejected() {
        let t = "[destinations.redis]\ntype = \"redis_streams\"\nfields = { id = \"queue\" }\n";
        assert!(parse(t, &[]).is_err());
    }
}
