//! Amazon SQS: a requeue is a `SendMessage` to the consumer's own queue (`message.queue`: its
//! URL, or its name, resolved once with `GetQueueUrl` and cached), counted as delivered once SQS
//! answered with a message id. Never to an SNS topic that feeds the queue: that would deliver the
//! event again to every subscriber.
//!
//! A copy carries at most 10 message attributes (SQS's limit), all of type `String`: first
//! `salvage-tracking-id`, `salvage-attempt`, `salvage-rule`, `salvage-message-id`,
//! `salvage-event-type` and `content-type` (those present), then every other header (the
//! message's own and Salvage's) in name order. When they are more than 10, the first 9 are
//! attributes and the rest travel in one attribute, `salvage-headers`: a JSON object of strings.
//! A header that cannot be an attribute (a name SQS refuses, an empty value, characters SQS does
//! not carry) travels there too, so no header is lost. On a FIFO queue (`.fifo`), the
//! `MessageGroupId` is the partition key (the message id when it has none) and the
//! `MessageDeduplicationId` the tracking id: a copy sent twice within five minutes is stored once.
//!
//! What SQS refuses for this message is [`PublishError::Rejected`] (retried, then parked with the
//! reason): a copy over `max_message_bytes`, a body SQS cannot carry (not UTF-8, control
//! characters, empty), a queue that does not exist, any other 4xx. What says nothing about the
//! message is [`PublishError::Unavailable`] (kept in the outbox, sent again later): no answer in
//! time, throttling, a 5xx, and credentials SQS refuses (logged at ERROR: an operator must act).
//! Remote does the retrying: the SDK's own retries are off.
//!
//! The client is made on the first publish, not in [`SqsPublisher::new`]: loading the standard
//! credential and region chain may ask IMDS, which is I/O.

pub mod config;

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    sync::{Mutex, PoisonError},
};

use aws_config::retry::RetryConfig;
use aws_sdk_sqs::{
    Client,
    config::{BehaviorVersion, Credentials, Region},
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    types::MessageAttributeValue,
};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use futures::{FutureExt, future::BoxFuture};
use tokio::sync::OnceCell;

use self::config::SqsSettings;
use super::publish::{Broker, Outgoing, PublishError, Publisher};
use salvage_model::headers;

/// SQS's limit on message attributes per message.
const MAX_ATTRIBUTES: usize = 10;
/// The attribute that carries the headers beyond the limit, as a JSON object of strings.
pub const OVERFLOW_ATTRIBUTE: &str = "salvage-headers";
/// The attribute that carries `Message::content_type`.
pub const CONTENT_TYPE_ATTRIBUTE: &str = "content-type";
/// The one attribute data type used.
const STRING: &str = "String";
/// Kept as attributes first, in this order (those present).
const FIRST: [&str; 6] = [
    headers::TRACKING_ID,
    headers::ATTEMPT,
    headers::RULE,
    headers::MESSAGE_ID,
    headers::EVENT_TYPE,
    CONTENT_TYPE_ATTRIBUTE,
];

/// Publishes to Amazon SQS, making its client on first use.
pub struct SqsPublisher {
    /// For the client (made by the first publish); its `Debug` hides the secret.
    settings: SqsSettings,
    client: OnceCell<Client>,
    /// Queue name → URL, from `GetQueueUrl`.
    urls: Mutex<HashMap<String, String>>,
}

impl Broker for SqsPublisher {
    type Settings = SqsSettings;

    /// From its settings. Does no I/O: the client is made by the first publish.
    fn new(settings: &SqsSettings) -> Self {
        Self {
            settings: settings.clone(),
            client: OnceCell::new(),
            urls: Mutex::new(HashMap::new()),
        }
    }
}

impl fmt::Debug for SqsPublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqsPublisher")
            .field("settings", &self.settings)
            .field("client", &self.client.initialized())
            .finish_non_exhaustive()
    }
}

impl Publisher for SqsPublisher {
    fn publish<'a>(&'a self, copy: &'a Outgoing) -> BoxFuture<'a, Result<(), PublishError>> {
        async move {
            let request = Request::of(copy, self.settings.max_message_bytes)
                .map_err(PublishError::Rejected)?;
            // One bound for the client, the URL lookup and the send. A send cut off here may
            // still be stored: on a FIFO queue the retry's deduplication id drops the second
            // copy; on a standard queue (at-least-once anyway) the consumer sees it twice.
            let timeout = self.settings.delivery.timeout;
            tokio::time::timeout(timeout, self.send(copy, request))
                .await
                .unwrap_or_else(|_| {
                    Err(PublishError::Unavailable(format!(
                        "no answer from SQS within {timeout:?}"
                    )))
                })
        }
        .boxed()
    }
}

impl SqsPublisher {
    /// The client, made now if there is none yet (concurrent first publishes wait for one).
    async fn client(&self) -> Result<&Client, PublishError> {
        self.client.get_or_try_init(|| self.make_client()).await
    }

    async fn make_client(&self) -> Result<Client, PublishError> {
        let s = &self.settings;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        // Retries are Remote's (with backoff, counted in the metrics), not the SDK's.
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .retry_config(RetryConfig::disabled());
        if let Some(region) = &s.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &s.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let (Some(id), Some(secret)) = (&s.access_key_id, &s.secret_access_key) {
            let static_keys = Credentials::new(id, secret, None, None, "salvage-settings");
            loader = loader.credentials_provider(static_keys);
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(PublishError::Unavailable(
                "no AWS region: set the destination's `region`, or AWS_REGION".to_owned(),
            ));
        }
        Ok(Client::new(&config))
    }

    /// The URL of `queue`: itself when it is one, else `GetQueueUrl`'s answer (cached).
    async fn queue_url(&self, client: &Client, queue: &str) -> Result<String, PublishError> {
        if is_url(queue) {
            return Ok(queue.to_owned());
        }
        if let Some(url) = self.cached(queue) {
            return Ok(url);
        }
        let answer = client
            .get_queue_url()
            .queue_name(queue)
            .send()
            .await
            .map_err(|e| classify_sdk(queue, &e))?;
        let url = answer.queue_url().ok_or_else(|| {
            PublishError::Unavailable(format!("GetQueueUrl answered no URL for {queue}"))
        })?;
        self.urls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(queue.to_owned(), url.to_owned());
        Ok(url.to_owned())
    }

    fn cached(&self, queue: &str) -> Option<String> {
        let urls = self.urls.lock().unwrap_or_else(PoisonError::into_inner);
        urls.get(queue).cloned()
    }

    async fn send(&self, copy: &Outgoing, request: Request) -> Result<(), PublishError> {
        let client = self.client().await?;
        let queue = &copy.message.queue;
        let url = self.queue_url(client, queue).await?;
        let mut send = client
            .send_message()
            .queue_url(&url)
            .message_body(request.body)
            .set_message_group_id(request.group_id)
            .set_message_deduplication_id(request.deduplication_id);
        for (name, value) in request.attributes {
            let value = MessageAttributeValue::builder()
                .data_type(STRING)
                .string_value(value)
                .build()
                .map_err(|e| PublishError::Rejected(format!("attribute {name}: {e}")))?;
            send = send.message_attributes(name, value);
        }
        let sent = send.send().await.map_err(|e| {
            let error = classify_sdk(queue, &e);
            if matches!(error, PublishError::Rejected(_)) && !is_url(queue) {
                // The queue may have been deleted (and made again with another URL).
                self.urls
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(queue);
            }
            error
        })?;
        tracing::debug!(
            tracking_id = %copy.tracking_id,
            sqs_message_id = sent.message_id().unwrap_or_default(),
            "SQS took the copy"
        );
        Ok(())
    }
}

/// A `SendMessage` without its queue: what the copy becomes on SQS.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    body: String,
    /// At most [`MAX_ATTRIBUTES`], in the order they were chosen.
    attributes: Vec<(String, String)>,
    /// FIFO queues only.
    group_id: Option<String>,
    /// FIFO queues only.
    deduplication_id: Option<String>,
}

impl Request {
    /// The copy as SQS will take it, or why SQS cannot (the reason it is parked with).
    fn of(copy: &Outgoing, max_bytes: usize) -> Result<Self, String> {
        let m = &copy.message;
        let body = String::from_utf8(m.payload.clone())
            .map_err(|_| "SQS carries text only: the payload is not UTF-8".to_owned())?;
        if body.is_empty() {
            return Err("SQS refuses an empty message body".to_owned());
        }
        if let Some(c) = body.chars().find(|c| !sqs_char(*c)) {
            return Err(format!(
                "SQS refuses the character U+{:04X} in a message body",
                u32::from(c)
            ));
        }
        let attributes = attributes(copy)?;
        let size = body.len()
            + attributes
                .iter()
                .map(|(n, v)| n.len() + STRING.len() + v.len())
                .sum::<usize>();
        if size > max_bytes {
            return Err(format!(
                "the copy is {size} bytes with its attributes; SQS takes at most {max_bytes}"
            ));
        }
        let fifo = m.queue.ends_with(".fifo");
        let group = [&m.partition_key, &m.id, &copy.tracking_id]
            .into_iter()
            .find(|k| !k.is_empty());
        Ok(Self {
            body,
            attributes,
            group_id: group.filter(|_| fifo).cloned(),
            deduplication_id: fifo.then(|| copy.tracking_id.clone()),
        })
    }
}

/// The attributes of `copy` (see the module's doc for which and in what order).
fn attributes(copy: &Outgoing) -> Result<Vec<(String, String)>, String> {
    let m = &copy.message;
    // Every header, the message's fields winning over same-named headers; empty fields left out.
    let mut all: BTreeMap<&str, &str> = m
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    for (name, value) in [
        (headers::MESSAGE_ID, &m.id),
        (headers::EVENT_TYPE, &m.event_type),
        (headers::PARTITION_KEY, &m.partition_key),
        (CONTENT_TYPE_ATTRIBUTE, &m.content_type),
    ] {
        if !value.is_empty() {
            all.insert(name, value);
        }
    }
    // `salvage-headers` is ours: a message's own would be read as the overflow.
    all.remove(OVERFLOW_ATTRIBUTE);
    let (fit, misfit): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(n, v)| valid_name(n) && !v.is_empty() && v.chars().all(sqs_char));
    let mut fit: Vec<(&str, &str)> = fit;
    // Stable: FIRST in its order, the rest in name order.
    fit.sort_by_key(|(n, _)| FIRST.iter().position(|f| f == n).unwrap_or(FIRST.len()));
    let room = if misfit.is_empty() && fit.len() <= MAX_ATTRIBUTES {
        MAX_ATTRIBUTES
    } else {
        MAX_ATTRIBUTES - 1
    };
    let rest: Vec<(&str, &str)> = fit.split_off(room.min(fit.len()));
    let mut out: Vec<(String, String)> = fit
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let mut overflow: Vec<(&str, &str)> = rest.into_iter().chain(misfit).collect();
    if !overflow.is_empty() {
        overflow.sort_unstable();
        let object: serde_json::Map<String, serde_json::Value> = overflow
            .into_iter()
            .map(|(n, v)| (n.to_owned(), serde_json::Value::String(v.to_owned())))
            .collect();
        let json = serde_json::to_string(&object)
            .map_err(|e| format!("cannot write {OVERFLOW_ATTRIBUTE}: {e}"))?;
        out.push((OVERFLOW_ATTRIBUTE.to_owned(), json));
    }
    Ok(out)
}

/// A character SQS carries in a body or attribute value.
fn sqs_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// A message attribute name SQS accepts: 1 to 256 of `A-Za-z0-9_-.`, no leading, trailing or
/// doubled `.`, not starting with `AWS.` or `Amazon.` (any case).
fn valid_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (1..=256).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.")
}

fn is_url(queue: &str) -> bool {
    queue.starts_with("https://") || queue.starts_with("http://")
}

/// Map an SDK error: SQS's answer by its code and status (`classify`); no answer (no connection,
/// timeout, no credentials to sign with) is `Unavailable`.
fn classify_sdk<E>(queue: &str, error: &SdkError<E>) -> PublishError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = DisplayErrorContext(error).to_string();
    match error {
        SdkError::ServiceError(service) => {
            let code = service.err().code();
            let status = error.raw_response().map(|r| r.status().as_u16());
            let message = service.err().message().unwrap_or(&detail);
            if code.is_some_and(refused_credentials) || matches!(status, Some(401 | 403)) {
                tracing::error!(
                    code,
                    "SQS refused Salvage's credentials: check the destination's credential \
                     chain and its permission to send to {queue}"
                );
            }
            classify(queue, code, status.unwrap_or(0), message)
        }
        _ => {
            // No answer from SQS: nothing it said about the message. No credentials found in the
            // chain (or a request that cannot be made) needs an operator; the rest may pass.
            let construction = matches!(error, SdkError::ConstructionFailure(_));
            if construction || detail.contains("credentials") {
                tracing::error!(
                    error = %detail,
                    "cannot make an SQS request: check the destination's credential chain, \
                     region and endpoint"
                );
            }
            PublishError::Unavailable(format!("SQS unreachable: {detail}"))
        }
    }
}

/// SQS's answer: a missing queue and other 4xx are `Rejected`; throttling, refused credentials
/// (by code, or any 401 and 403) and 5xx are `Unavailable`.
fn classify(queue: &str, code: Option<&str>, status: u16, message: &str) -> PublishError {
    let code_text = code.unwrap_or("no error code");
    match code {
        Some("QueueDoesNotExist" | "AWS.SimpleQueueService.NonExistentQueue") => {
            PublishError::Rejected(format!("SQS queue {queue} does not exist"))
        }
        Some(
            "RequestThrottled" | "ThrottlingException" | "Throttling" | "KmsThrottled"
            | "KMS.ThrottlingException" | "RequestThrottledException",
        ) => PublishError::Unavailable(format!("SQS throttled the send ({code_text})")),
        Some(c) if refused_credentials(c) => PublishError::Unavailable(format!(
            "SQS refused the credentials ({c}): {message}"
        )),
        // Without a code SQS recognises (an error page from a proxy or an emulator's auth).
        _ if status == 401 || status == 403 => PublishError::Unavailable(format!(
            "SQS refused the credentials ({code_text}, {status}): {message}"
        )),
        _ if status >= 500 || status == 0 => {
            PublishError::Unavailable(format!("SQS failed ({code_text}, {status}): {message}"))
        }
        _ => PublishError::Rejected(format!("SQS refused the message ({code_text}): {message}")),
    }
}

/// Codes SQS (and AWS's signing front) answer when the credentials are wrong, expired or not
/// allowed: nothing about the message, an operator must act.
fn refused_credentials(code: &str) -> bool {
    matches!(
        code,
        "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "IncompleteSignature"
            | "MissingAuthenticationToken"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidSecurity"
            | "InvalidAccessKeyId"
            | "AccessDenied"
            | "AccessDeniedException"
            | "KmsAccessDenied"
            | "KMS.AccessDeniedException"
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use salvage_model::Message;

    fn outgoing(queue: &str) -> Outgoing {
        Outgoing {
            tracking_id: "t-1".to_owned(),
            message: Message {
                id: "m-1".to_owned(),
                queue: queue.to_owned(),
                payload: br#"{"total":"129.90"}"#.to_vec(),
                headers: BTreeMap::from([
                    ("x-origin".to_owned(), "shop".to_owned()),
                    (headers::TRACKING_ID.to_owned(), "t-1".to_owned()),
                    (headers::ATTEMPT.to_owned(), "1".to_owned()),
                    (headers::RULE.to_owned(), "fix".to_owned()),
                ]),
                content_type: "application/json".to_owned(),
                event_type: String::new(),
                partition_key: "p-7".to_owned(),
                ..Message::default()
            },
        }
    }

    fn names(r: &Request) -> Vec<&str> {
        r.attributes.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn few_headers_are_all_attributes_salvages_first() {
        let r = Request::of(&outgoing("orders"), 262_144).unwrap();
        assert_eq!(
            names(&r),
            [
                "salvage-tracking-id",
                "salvage-attempt",
                "salvage-rule",
                "salvage-message-id",
                "content-type",
                "salvage-partition-key",
                "x-origin"
            ]
        );
        assert_eq!(r.body, r#"{"total":"129.90"}"#);
        assert_eq!((r.group_id, r.deduplication_id), (None, None));
    }

    #[test]
    fn headers_beyond_ten_travel_as_one_json_attribute() {
        let mut copy = outgoing("orders");
        for i in 0..6 {
            copy.message
                .headers
                .insert(format!("x-{i}"), format!("v{i}"));
        }
        // Cannot be attributes: a name SQS refuses, an empty value, a control character.
        copy.message.headers.insert("AWS.x".to_owned(), "a".to_owned());
        copy.message.headers.insert("x-empty".to_owned(), String::new());
        copy.message.headers.insert("x-bell".to_owned(), "\u{7}".to_owned());
        copy.message
            .headers
            .insert(OVERFLOW_ATTRIBUTE.to_owned(), "forged".to_owned());
        let r = Request::of(&copy, 262_144).unwrap();
        assert_eq!(r.attributes.len(), 10);
        assert_eq!(
            names(&r)[..9],
            [
                "salvage-tracking-id",
                "salvage-attempt",
                "salvage-rule",
                "salvage-message-id",
                "content-type",
                "salvage-partition-key",
                "x-0",
                "x-1",
                "x-2"
            ]
        );
        let (name, json) = &r.attributes[9];
        assert_eq!(name, OVERFLOW_ATTRIBUTE);
        let rest: BTreeMap<String, String> = serde_json::from_str(json).unwrap();
        let rest_names: Vec<&str> = rest.keys().map(String::as_str).collect();
        assert_eq!(
            rest_names,
            ["AWS.x", "x-3", "x-4", "x-5", "x-bell", "x-empty", "x-origin"]
        );
        assert_eq!(rest["x-bell"], "\u{7}");
    }

    #[test]
    fn exactly_ten_need_no_overflow() {
        let mut copy = outgoing("orders");
        for i in 0..3 {
            copy.message.headers.insert(format!("x-{i}"), "v".to_owned());
        }
        let r = Request::of(&copy, 262_144).unwrap();
        assert_eq!(r.attributes.len(), 10);
        assert!(!names(&r).contains(&OVERFLOW_ATTRIBUTE));
    }

    #[test]
    fn fifo_queues_get_a_group_and_a_deduplication_id() {
        let url = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo";
        let r = Request::of(&outgoing(url), 262_144).unwrap();
        assert_eq!(r.group_id.as_deref(), Some("p-7"));
        assert_eq!(r.deduplication_id.as_deref(), Some("t-1"));
        let mut copy = outgoing("orders.fifo");
        copy.message.partition_key.clear();
        let r = Request::of(&copy, 262_144).unwrap();
        assert_eq!(r.group_id.as_deref(), Some("m-1"), "the message id");
    }

    #[test]
    fn what_sqs_cannot_carry_is_refused_not_sent() {
        let copy = outgoing("orders");
        let size = Request::of(&copy, 262_144)
            .map(|r| {
                r.body.len()
                    + r.attributes
                        .iter()
                        .map(|(n, v)| n.len() + 6 + v.len())
                        .sum::<usize>()
            })
            .unwrap();
        assert!(Request::of(&copy, size).is_ok(), "exactly the limit");
        let e = Request::of(&copy, size - 1).unwrap_err();
        assert!(e.contains(&format!("{size} bytes")), "{e}");

        for (payload, why) in [
            (vec![0xff, 0xfe], "not UTF-8"),
            (vec![], "empty"),
            (b"a\x00b".to_vec(), "U+0000"),
        ] {
            let mut copy = outgoing("orders");
            copy.message.payload = payload;
            let e = Request::of(&copy, 262_144).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn attribute_names_sqs_accepts() {
        for ok in ["a", "salvage-rule", "x_y.z", &"n".repeat(256)] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "", ".a", "a.", "a..b", "a b", "a:b", "aws.x", "Amazon.y", "é", &"n".repeat(257),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn errors_map_to_rejected_or_unavailable() {
        let rejected = |code: Option<&str>, status| {
            matches!(classify("q", code, status, "m"), PublishError::Rejected(_))
        };
        assert_eq!(
            classify("orders", Some("QueueDoesNotExist"), 400, "m"),
            PublishError::Rejected("SQS queue orders does not exist".to_owned())
        );
        assert!(rejected(
            Some("AWS.SimpleQueueService.NonExistentQueue"),
            400
        ));
        assert!(rejected(Some("InvalidParameterValue"), 400));
        assert!(rejected(Some("InvalidMessageContents"), 400));
        assert!(rejected(Some("KmsDisabled"), 400));
        for code in [
            "RequestThrottled",
            "ThrottlingException",
            "KmsThrottled",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
            "AccessDenied",
        ] {
            assert!(!rejected(Some(code), 400), "{code}");
        }
        assert!(!rejected(None, 403), "refused credentials without a code");
        assert!(!rejected(Some("InternalError"), 500));
        assert!(!rejected(None, 503));
        assert!(!rejected(None, 0), "no status: no answer");
    }

    #[test]
    fn debug_hides_the_secret() {
        let settings: SqsSettings = toml::from_str(
            "region = 'eu-west-1'\naccess_key_id = 'AKIA1'\nsecret_access_key = 's3cr3t'",
        )
        .unwrap();
        let debug = format!("{:?}", SqsPublisher::new(&settings));
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("eu-west-1"), "{debug}");
    }
}
