//! NATS JetStream: a requeue is an acknowledged JetStream publish to the origin subject, which a
//! stream must capture. The message's tracking id goes out as `Nats-Msg-Id`, so a copy published
//! twice (the ack was lost, the relay tried again) is stored once within the stream's duplicate
//! window, and a PubAck saying `duplicate` counts as delivered.
//!
//! The client connects on the first publish, not in [`NatsPublisher::new`]; a failed first
//! connect is [`PublishError::Unavailable`] and the next publish tries again. Once connected,
//! async-nats reconnects by itself; while it is disconnected, publishes fail fast as unavailable
//! instead of queueing in the client.

pub mod config;

use std::fmt;

use async_nats::{
    ConnectOptions, Event, HeaderMap, HeaderName, HeaderValue,
    connection::State,
    jetstream::{
        self,
        context::{PublishError as JsPublishError, PublishErrorKind},
        message::PublishMessage,
    },
};
use futures::{FutureExt, future::BoxFuture};
use tokio::sync::OnceCell;

use self::config::NatsSettings;
use super::publish::{Broker, Outgoing, PublishError, Publisher};
use salvage_model::headers;

/// JetStream's deduplication header; it carries `Outgoing::tracking_id`.
const MSG_ID_HEADER: &str = "Nats-Msg-Id";
/// The header that carries `Outgoing::content_type`.
const CONTENT_TYPE_HEADER: &str = "Content-Type";
/// The JetStream API's "service unavailable" code (no quorum, out of resources, ...).
const API_UNAVAILABLE: usize = 503;

/// Publishes to NATS JetStream, connecting on first use.
pub struct NatsPublisher {
    /// For the first connect (made, and retried, by publishes); its `Debug` hides secrets.
    settings: NatsSettings,
    /// Set once the first connect succeeded; async-nats keeps the connection up from then on.
    connection: OnceCell<Connection>,
}

/// User info from a server URL: a user and password, or a token alone.
type UrlCredentials = (String, Option<String>);

/// A live client and its JetStream context.
struct Connection {
    client: async_nats::Client,
    jetstream: jetstream::Context,
}

impl Broker for NatsPublisher {
    type Settings = NatsSettings;

    /// From its settings. Does no I/O: the connection is made by the first publish.
    fn new(settings: &NatsSettings) -> Self {
        Self {
            settings: settings.clone(),
            connection: OnceCell::new(),
        }
    }
}

impl NatsPublisher {
    /// The connection, made now if there is none yet. Concurrent first publishes wait for one
    /// connect instead of each opening their own.
    async fn connection(&self) -> Result<&Connection, PublishError> {
        self.connection.get_or_try_init(|| self.connect()).await
    }

    async fn connect(&self) -> Result<Connection, PublishError> {
        let (servers, url_credentials) = server_list(&self.settings.url);
        if servers.is_empty() {
            return Err(PublishError::Unavailable(
                "no NATS server configured".to_owned(),
            ));
        }
        let client = self
            .options(url_credentials)
            .await?
            .connect(servers)
            .await
            .map_err(|e| PublishError::Unavailable(format!("cannot connect to NATS: {e}")))?;
        let jetstream = jetstream::ContextBuilder::new()
            .timeout(self.settings.delivery.timeout)
            .build(client.clone());
        Ok(Connection { client, jetstream })
    }

    /// Connect options from the settings (`user`/`token` win over credentials in the URL).
    /// Reads the credentials file, if any.
    async fn options(
        &self,
        url_credentials: Option<UrlCredentials>,
    ) -> Result<ConnectOptions, PublishError> {
        let s = &self.settings;
        let timeout = s.delivery.timeout;
        // retry_on_initial_connect stays off (the default): a failed first connect must come
        // back as an error so that this publish reports the destination unavailable.
        let mut options = ConnectOptions::new()
            .name("salvage")
            .connection_timeout(timeout)
            .require_tls(s.tls_required)
            .event_callback(|event| async move {
                match event {
                    Event::Connected => tracing::info!("NATS connected"),
                    Event::Disconnected | Event::ServerError(_) | Event::ClientError(_) => {
                        tracing::warn!(%event, "NATS connection event");
                    }
                    _ => tracing::debug!(%event, "NATS connection event"),
                }
            });
        if let Some(user) = &s.user {
            let password = s.password.clone().unwrap_or_default();
            options = options.user_and_password(user.clone(), password);
        }
        if let Some(token) = &s.token {
            options = options.token(token.clone());
        }
        match url_credentials.filter(|_| s.user.is_none() && s.token.is_none()) {
            Some((user, Some(password))) => options = options.user_and_password(user, password),
            Some((token, None)) => options = options.token(token),
            None => {}
        }
        if let Some(ca) = &s.tls_ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some(creds) = &s.credentials_file {
            // The error names the file, never its contents.
            options = options
                .credentials_file(creds)
                .await
                .map_err(|e| PublishError::Unavailable(format!("NATS credentials: {e}")))?;
        }
        Ok(options)
    }

    /// Publish and wait for the PubAck (bounded by the caller's timeout).
    async fn send(&self, copy: &Outgoing, headers: HeaderMap) -> Result<(), PublishError> {
        let connection = self.connection().await?;
        if connection.client.connection_state() == State::Disconnected {
            return Err(PublishError::Unavailable(
                "not connected to NATS (reconnecting)".to_owned(),
            ));
        }
        let publish = PublishMessage::build()
            .payload(copy.message.payload.clone().into())
            .headers(headers);
        let ack = connection
            .jetstream
            .send_publish(copy.message.queue.clone(), publish)
            .await
            .map_err(|e| classify(&copy.message.queue, &e))?
            .await
            .map_err(|e| classify(&copy.message.queue, &e))?;
        if ack.duplicate {
            tracing::debug!(
                tracking_id = %copy.tracking_id,
                stream = %ack.stream,
                sequence = ack.sequence,
                "JetStream already had this copy (duplicate window); counted as delivered"
            );
        }
        Ok(())
    }
}

impl fmt::Debug for NatsPublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsPublisher")
            .field("settings", &self.settings)
            .field("connected", &self.connection.initialized())
            .finish()
    }
}

impl Publisher for NatsPublisher {
    fn publish<'a>(&'a self, copy: &'a Outgoing) -> BoxFuture<'a, Result<(), PublishError>> {
        async move {
            let headers = build_headers(copy).map_err(PublishError::Rejected)?;
            // One bound for connect, publish and ack: the relay must not wait longer than this.
            // A publish cut off here may still be stored; the retry carries the same
            // Nats-Msg-Id, so JetStream drops the second copy.
            let timeout = self.settings.delivery.timeout;
            tokio::time::timeout(timeout, self.send(copy, headers))
                .await
                .unwrap_or_else(|_| {
                    let what = if self.connection.initialized() {
                        "JetStream acknowledgement"
                    } else {
                        "connection to NATS"
                    };
                    Err(PublishError::Unavailable(format!(
                        "no {what} within {timeout:?}"
                    )))
                })
        }
        .boxed()
    }
}

/// The servers of a comma-separated `url`, blanks dropped and user info (`user:password@`,
/// `token@`) cut out, and the first user info found, percent-decoded. async-nats 0.51 ignores
/// credentials in URLs (and logs URLs at debug level), so they are passed as options instead.
fn server_list(url: &str) -> (Vec<String>, Option<UrlCredentials>) {
    let mut credentials = None;
    let servers = url.split(',').map(str::trim).filter(|s| !s.is_empty());
    let servers = servers.map(|server| {
        let host = server.find("://").map_or(0, |i| i + 3);
        let end = server[host..]
            .find(['/', '?', '#'])
            .map_or(server.len(), |i| host + i);
        let Some(at) = server[host..end].rfind('@').map(|i| host + i) else {
            return server.to_owned();
        };
        let info = &server[host..at];
        credentials.get_or_insert_with(|| match info.split_once(':') {
            Some((user, password)) => (percent_decode(user), Some(percent_decode(password))),
            None => (percent_decode(info), None),
        });
        format!("{}{}", &server[..host], &server[at + 1..])
    });
    (servers.collect(), credentials)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
        match hex.map(|h| u8::from_str_radix(h, 16)) {
            Some(Ok(decoded)) if bytes[i] == b'%' => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The message's headers plus Salvage's: `Nats-Msg-Id` always (replacing the message's own, in
/// any case, so the duplicate window keys on this copy), `Content-Type` and the `salvage-*`
/// headers when not empty. Names and values are checked here because async-nats panics on
/// invalid ones.
fn build_headers(copy: &Outgoing) -> Result<HeaderMap, String> {
    // NATS messages have no id field, and `Nats-Msg-Id` holds the copy's tracking id for
    // deduplication: the message's own id goes in `salvage-message-id`.
    let ours = [
        (MSG_ID_HEADER, &copy.tracking_id),
        (headers::MESSAGE_ID, &copy.message.id),
        (CONTENT_TYPE_HEADER, &copy.message.content_type),
        (headers::EVENT_TYPE, &copy.message.event_type),
        (headers::PARTITION_KEY, &copy.message.partition_key),
    ];
    let ours: Vec<_> = ours
        .into_iter()
        .filter(|(name, value)| *name == MSG_ID_HEADER || !value.is_empty())
        .collect();
    let overridden = |name: &str| ours.iter().any(|(o, _)| o.eq_ignore_ascii_case(name));
    let theirs = copy.message
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value));
    let mut headers = HeaderMap::new();
    // `Nats-Expected-*` headers made the original publish conditional on the stream's state then;
    // a requeued copy is a new publish, which they would make fail for good.
    let conditional = |name: &str| {
        name.get(..14)
            .is_some_and(|p| p.eq_ignore_ascii_case("nats-expected-"))
    };
    for (name, value) in theirs
        .filter(|(name, _)| !overridden(name) && !conditional(name))
        .chain(ours.clone())
    {
        let parsed: Option<HeaderName> = Some(name)
            .filter(|n| !n.is_empty())
            .and_then(|n| n.parse().ok());
        let parsed = parsed.ok_or_else(|| {
            format!("invalid header name {name:?}: must be printable ASCII without ':'")
        })?;
        let value: HeaderValue = value
            .parse()
            .map_err(|_| format!("invalid value of header {name:?}: contains a line break"))?;
        headers.insert(parsed, value);
    }
    Ok(headers)
}

/// Map an async-nats publish error: what the server refused for this message is `Rejected`;
/// what says nothing about the message (no connection, no ack in time) is `Unavailable`.
fn classify(subject: &str, error: &JsPublishError) -> PublishError {
    match error.kind() {
        // The server answered "no responders" (503): no stream listens on the subject.
        PublishErrorKind::StreamNotFound => {
            PublishError::Rejected(format!("no JetStream stream captures subject {subject}"))
        }
        PublishErrorKind::MaxPayloadExceeded
        | PublishErrorKind::WrongLastMessageId
        | PublishErrorKind::WrongLastSequence => PublishError::Rejected(error.to_string()),
        PublishErrorKind::Other => {
            let source = std::error::Error::source(error);
            if let Some(api) = source.and_then(|s| s.downcast_ref::<jetstream::Error>()) {
                // An error in the ack is the server's verdict on this message, except a 503,
                // which is JetStream itself being temporarily unable to store anything.
                if api.code() == API_UNAVAILABLE {
                    PublishError::Unavailable(format!("JetStream unavailable: {api}"))
                } else {
                    PublishError::Rejected(format!("JetStream refused the message: {api}"))
                }
            } else if source.is_some_and(|s| s.is::<async_nats::SubjectError>()) {
                PublishError::Rejected(format!("invalid NATS subject {subject:?}"))
            } else {
                PublishError::Unavailable(error.to_string())
            }
        }
        PublishErrorKind::TimedOut
        | PublishErrorKind::BrokenPipe
        | PublishErrorKind::MaxAckPending => PublishError::Unavailable(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use salvage_model::Message;

    fn outgoing() -> Outgoing {
        Outgoing {
            tracking_id: "t-1".to_owned(),
            message: Message {
                id: "m-1".to_owned(),
                queue: "orders.created".to_owned(),
                payload: b"{}".to_vec(),
                headers: BTreeMap::from([
                    ("x-origin".to_owned(), "shop".to_owned()),
                    ("nats-msg-id".to_owned(), "old".to_owned()),
                ]),
                content_type: "application/json".to_owned(),
                event_type: String::new(),
                partition_key: "p-7".to_owned(),
                ..Message::default()
            },
        }
    }

    fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
        headers.get(name).map(HeaderValue::as_str)
    }

    #[test]
    fn headers_carry_the_messages_and_salvages() {
        let headers = build_headers(&outgoing()).unwrap();
        assert_eq!(get(&headers, "x-origin"), Some("shop"));
        assert_eq!(get(&headers, "Nats-Msg-Id"), Some("t-1"));
        assert_eq!(
            get(&headers, "nats-msg-id"),
            None,
            "the message's own id is replaced"
        );
        assert_eq!(get(&headers, "Content-Type"), Some("application/json"));
        assert_eq!(get(&headers, "salvage-partition-key"), Some("p-7"));
        assert_eq!(get(&headers, "salvage-message-id"), Some("m-1"));
        assert_eq!(
            get(&headers, "salvage-event-type"),
            None,
            "empty fields are not sent"
        );
        assert_eq!(headers.len(), 5);
    }

    #[test]
    fn conditional_publish_headers_are_dropped() {
        let mut message = outgoing();
        message
            .message
            .headers
            .insert("Nats-Expected-Last-Sequence".to_owned(), "41".to_owned());
        let headers = build_headers(&message).unwrap();
        assert_eq!(get(&headers, "Nats-Expected-Last-Sequence"), None);
        assert_eq!(get(&headers, "x-origin"), Some("shop"));
    }

    #[test]
    fn a_messages_own_content_type_stays_when_ours_is_empty() {
        let mut message = outgoing();
        message.message.content_type.clear();
        message
            .message
            .headers
            .insert("content-type".to_owned(), "text/plain".to_owned());
        let headers = build_headers(&message).unwrap();
        assert_eq!(get(&headers, "content-type"), Some("text/plain"));
    }

    #[test]
    fn invalid_headers_are_refused_not_panicked_on() {
        for (name, value) in [("bad name", "v"), ("a:b", "v"), ("", "v"), ("ok", "x\r\ny")] {
            let mut message = outgoing();
            message.message.headers.insert(name.to_owned(), value.to_owned());
            assert!(build_headers(&message).is_err(), "{name:?}: {value:?}");
        }
        let mut message = outgoing();
        message.message.event_type = "a\nb".to_owned();
        assert!(
            build_headers(&message)
                .unwrap_err()
                .contains("salvage-event-type")
        );
    }

    #[test]
    fn servers_split_on_commas_without_user_info() {
        let (servers, credentials) = server_list("nats://a:4222, tls://b:4222,");
        assert_eq!(servers, ["nats://a:4222", "tls://b:4222"]);
        assert_eq!(credentials, None);
        assert!(server_list(" , ").0.is_empty());

        let (servers, credentials) = server_list("nats://u%40x:p%3Aw@a:4222/x@y,tok@b,c");
        assert_eq!(servers, ["nats://a:4222/x@y", "b", "c"]);
        assert_eq!(
            credentials,
            Some(("u@x".to_owned(), Some("p:w".to_owned())))
        );
        assert_eq!(
            server_list("b,tls://tok@c").1,
            Some(("tok".to_owned(), None))
        );
        assert_eq!(percent_decode("100%-%4%+1%zz%41"), "100%-%4%+1%zzA");
    }

    fn api_error(code: usize, err_code: u64) -> JsPublishError {
        let api: jetstream::Error = serde_json::from_value(serde_json::json!({
            "code": code, "err_code": err_code, "description": "something"
        }))
        .unwrap();
        JsPublishError::with_source(PublishErrorKind::Other, api)
    }

    #[test]
    fn errors_map_to_rejected_or_unavailable() {
        let rejected = |e: &JsPublishError| matches!(classify("s", e), PublishError::Rejected(_));
        let missing = JsPublishError::new(PublishErrorKind::StreamNotFound);
        assert_eq!(
            classify("a.b", &missing),
            PublishError::Rejected("no JetStream stream captures subject a.b".to_owned())
        );
        assert!(rejected(&JsPublishError::new(
            PublishErrorKind::MaxPayloadExceeded
        )));
        assert!(rejected(&api_error(400, 10054)), "message too large");
        assert!(rejected(&api_error(400, 10060)), "wrong expected stream");
        assert!(
            !rejected(&api_error(503, 10008)),
            "JetStream temporarily unavailable"
        );
        let subject = JsPublishError::with_source(
            PublishErrorKind::Other,
            async_nats::SubjectError::InvalidFormat,
        );
        assert!(rejected(&subject));
        for kind in [
            PublishErrorKind::TimedOut,
            PublishErrorKind::BrokenPipe,
            PublishErrorKind::MaxAckPending,
            PublishErrorKind::Other,
        ] {
            assert!(!rejected(&JsPublishError::new(kind)), "{kind:?}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let settings: NatsSettings = toml::from_str(
            "url = 'nats://u:pw1@h:4222'\nuser = 'u'\npassword = 'pw2'\ntoken = 'tok3'",
        )
        .unwrap();
        let debug = format!("{:?}", NatsPublisher::new(&settings));
        for secret in ["pw1", "pw2", "tok3"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
