//! The conformance suite against Amazon SQS, emulated by moto (`moto[server]` from PyPI): a
//! private moto server per test on a free port, stopped at the end. Its queues live in memory, so
//! the outage test's restart makes the test's queue again before the server listens (like a real
//! queue, which outlives an SQS outage). The test reads with the Rust SDK as a consumer does:
//! receive (attributes and all), then delete.

use std::{
    collections::HashMap,
    path::Path,
    process::{Child, Command},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use aws_sdk_sqs::{
    Client,
    config::{BehaviorVersion, Credentials, Region},
    types::{
        DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
    },
};
use salvage::{
    config::DestinationSettings,
    destinations::sqs::config::{SQS_MAX_MESSAGE_BYTES, SqsSettings},
    proto::v1 as pb,
};
use tokio::sync::mpsc;

use super::{Broker, Received, app_with, fast_delivery, race::Consume, to, unique};
use crate::support::{message, order_total_as_string, origin, ports};

/// moto's server, its queues made in its backend first (the names after the port).
const MOTO: &str = r#"
import sys
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import main
from moto.sqs.models import sqs_backends
for name in sys.argv[2:]:
    attributes = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
    sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].create_queue(name, **attributes)
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
"#;

/// A private moto server; killed on drop.
struct Moto {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Moto {
    fn start() -> Self {
        Self::start_with(&[], &[])
    }

    /// Start it with `queues` made, and `env` (moto's own settings) in its environment.
    fn start_with(queues: &[String], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (port, child) = ports::on_a_free_port("private moto_server", |port| {
            Ok((port, spawn(dir.path(), port, queues, env)?))
        });
        Self {
            port,
            dir,
            child: Some(child),
        }
    }

    /// Start it again on its port, with `queues` made (empty) before it listens.
    fn restart(&mut self, queues: &[String]) {
        let (dir, port) = (self.dir.path(), self.port);
        self.child = Some(ports::on_its_port("private moto_server", port, || {
            spawn(dir, port, queues, &[])
        }));
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            ports::kill(&mut c);
        }
    }

    fn sqs(&self) -> Sqs {
        let endpoint = format!("http://127.0.0.1:{}", self.port);
        let config = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        Sqs {
            endpoint,
            client: Client::from_conf(config),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Run moto on `port` (log: `dir/moto.log`) and wait until it listens.
fn spawn(
    dir: &Path,
    port: u16,
    queues: &[String],
    env: &[(&str, &str)],
) -> Result<Child, ports::PortTaken> {
    ports::spawn_listening(
        Command::new("python3")
            .args(["-c", MOTO, &port.to_string()])
            .args(queues)
            .envs(env.iter().copied()),
        "private moto_server",
        port,
        &dir.join("moto.log"),
        Duration::from_secs(30),
        "python3 on PATH with moto[server]: pip install 'moto[server]'",
    )
}

#[derive(Clone)]
struct Sqs {
    endpoint: String,
    client: Client,
}

impl Sqs {
    async fn url(&self, queue: &str) -> String {
        let answer = self.client.get_queue_url().queue_name(queue).send().await;
        answer.unwrap().queue_url().unwrap().to_owned()
    }

    /// One receive (up to 10, waiting up to 1 s), each message deleted once read.
    async fn receive(&self, url: &str) -> Vec<Message> {
        let Ok(answer) = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
        else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            return Vec::new();
        };
        let messages = answer.messages.unwrap_or_default();
        let entries = messages.iter().enumerate().filter_map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .set_receipt_handle(m.receipt_handle().map(str::to_owned))
                .build()
                .ok()
        });
        let entries: Vec<_> = entries.collect();
        if !entries.is_empty() {
            let delete = self.client.delete_message_batch().queue_url(url);
            let _ = delete.set_entries(Some(entries)).send().await;
        }
        messages
    }
}

/// A received message as the suite sees it: its attributes, and the `salvage-headers` JSON
/// attribute opened into the headers, as a consumer reads them.
fn received(m: &Message) -> Received {
    let mut headers: HashMap<String, String> = m
        .message_attributes()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_owned())))
        .collect();
    if let Some(json) = headers.remove("salvage-headers") {
        let rest: HashMap<String, String> = serde_json::from_str(&json).unwrap();
        headers.extend(rest);
    }
    Received {
        payload: m.body().unwrap_or_default().as_bytes().to_vec(),
        id: headers
            .get("salvage-message-id")
            .cloned()
            .unwrap_or_default(),
        headers,
    }
}

impl Broker for Sqs {
    fn destination(&self) -> DestinationSettings {
        DestinationSettings::Sqs(SqsSettings {
            region: Some("us-east-1".to_owned()),
            endpoint_url: Some(self.endpoint.clone()),
            access_key_id: Some("test".to_owned()),
            secret_access_key: Some("test".to_owned()),
            max_message_bytes: SQS_MAX_MESSAGE_BYTES,
            delivery: fast_delivery(),
        })
    }

    async fn create(&self, queue: &str) {
        let mut create = self.client.create_queue().queue_name(queue);
        if queue.ends_with(".fifo") {
            create = create.attributes(QueueAttributeName::FifoQueue, "true");
        }
        create.send().await.unwrap();
    }

    async fn read(&self, queue: &str, n: usize) -> Vec<Received> {
        let url = self.url(queue).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut out = Vec::new();
        while out.len() < n {
            assert!(
                Instant::now() < deadline,
                "{queue}: {} of {n} messages within 30s",
                out.len()
            );
            out.extend(self.receive(&url).await.iter().map(received));
        }
        out
    }
}

impl Consume for Sqs {
    async fn subscribe(&self, queue: &str) -> mpsc::UnboundedReceiver<Received> {
        let url = self.url(queue).await;
        let (tx, rx) = mpsc::unbounded_channel();
        let sqs = self.clone();
        tokio::spawn(async move {
            while !tx.is_closed() {
                for m in sqs.receive(&url).await {
                    if tx.send(received(&m)).is_err() {
                        return;
                    }
                }
            }
        });
        rx
    }
}

#[tokio::test]
async fn repaired_message_arrives_exactly() {
    let moto = Moto::start();
    super::repaired_message_arrives_exactly(&moto.sqs()).await;
}

#[tokio::test]
async fn refused_publish_is_retried_then_parked() {
    // The queue does not exist: GetQueueUrl's QueueDoesNotExist, refused, then parked.
    let moto = Moto::start();
    super::refused_publish_is_retried_then_parked(&moto.sqs()).await;
}

#[tokio::test]
async fn resubmit_run_says_what_became_of_its_copies() {
    let moto = Moto::start();
    super::resubmit_run_says_what_became_of_its_copies(&moto.sqs()).await;
}

#[tokio::test]
async fn failing_every_copy_at_once_loses_nothing() {
    let moto = Moto::start();
    super::race::failing_every_copy_at_once_loses_nothing(&moto.sqs(), 1000).await;
}

#[tokio::test]
async fn broker_outage_loses_nothing() {
    let moto = Arc::new(Mutex::new(Moto::start()));
    let sqs = moto.lock().unwrap().sqs();
    // The suite makes one queue; the restart makes it again (moto keeps queues in memory).
    let made: Arc<Mutex<Vec<String>>> = Arc::default();
    let broker = Remembering {
        sqs,
        made: made.clone(),
    };
    let (a, b) = (moto.clone(), moto.clone());
    super::broker_outage_loses_nothing(
        &broker,
        async move || a.lock().unwrap().stop(),
        async move || {
            let queues = made.lock().unwrap().clone();
            b.lock().unwrap().restart(&queues);
        },
    )
    .await;
}

/// SQS remembering the queues the suite made.
struct Remembering {
    sqs: Sqs,
    made: Arc<Mutex<Vec<String>>>,
}

impl Broker for Remembering {
    fn destination(&self) -> DestinationSettings {
        self.sqs.destination()
    }

    async fn create(&self, queue: &str) {
        self.made.lock().unwrap().push(queue.to_owned());
        self.sqs.create(queue).await;
    }

    async fn read(&self, queue: &str, n: usize) -> Vec<Received> {
        self.sqs.read(queue, n).await
    }
}

/// SQS keeps order only in FIFO queues, per message group: there one partition key's copies
/// arrive in the order they were reported, in the partition key's group, each with its tracking
/// id as deduplication id.
#[tokio::test]
async fn fifo_queue_keeps_one_keys_order_in_its_group() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let app = app_with(&sqs, |_| {}).await;
    let queue = format!("{}.fifo", unique("orders"));
    sqs.create(&queue).await;
    let mut client = app.client();
    for i in 0..20 {
        let mut req = order_total_as_string(&format!("o-{i}"));
        to(&mut req, &queue);
        origin(&mut req).partition_key = "customer-7".to_owned();
        client.report(req).await.unwrap();
    }
    let url = sqs.url(&queue).await;
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < 20 && Instant::now() < deadline {
        got.extend(sqs.receive(&url).await);
    }
    let ids: Vec<String> = got.iter().map(|m| received(m).id).collect();
    let want: Vec<String> = (0..20).map(|i| format!("o-{i}")).collect();
    assert_eq!(ids, want);
    for m in &got {
        let system = m.attributes().unwrap();
        assert_eq!(
            system[&MessageSystemAttributeName::MessageGroupId],
            "customer-7"
        );
        assert_eq!(
            system[&MessageSystemAttributeName::MessageDeduplicationId],
            received(m).headers["salvage-tracking-id"]
        );
    }
}

/// A copy larger than SQS takes is refused without asking SQS, and parked with the reason.
#[tokio::test]
async fn a_copy_over_256_kib_is_parked_with_the_reason() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let app = app_with(&sqs, |_| {}).await;
    let queue = unique("orders");
    sqs.create(&queue).await;
    let mut req = order_total_as_string("o-big");
    to(&mut req, &queue);
    let m = message(&mut req);
    let mut order: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
    order["note"] = "x".repeat(SQS_MAX_MESSAGE_BYTES).into();
    m.payload = serde_json::to_vec(&order).unwrap();
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
    let parked = crate::support::eventually(Duration::from_secs(15), || async {
        let rec = app.parked(&resp.tracking_id).await;
        (!rec.is_empty()).then_some(rec)
    })
    .await
    .expect("the copy is parked");
    assert!(
        parked["reason"].contains("SQS takes at most 262144"),
        "{parked:?}"
    );
}

/// The example rule `order-total-as-string` for a queue named by its URL.
const BILLING_RULES: &str = r#"
[[rule]]
name = "order-total-as-string"
when.queue = "*/billing-*"
when.class = "data"
when.code = "INVALID_TYPE"
actions = [{ op = "coerce", path = "/total", to = "number" }]
decision = "requeue"
"#;

/// SNS fans an event out to two queues (raw delivery). The billing consumer fails on it, reports
/// to Salvage with its own queue's URL as origin, and deletes it only after Salvage answered: the
/// repaired copy lands back on the billing queue, and the other subscriber (audit) never sees the
/// event a second time, as it would if the copy had gone to the topic.
#[tokio::test]
async fn sns_fan_out_copy_goes_back_to_the_consumers_queue_not_the_topic() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    // The origin queue is a URL, and rules see it as reported: this one matches it by its end.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, BILLING_RULES).unwrap();
    let app = app_with(&sqs, |s| s.rules.path = rules).await;
    let (billing, audit) = (unique("billing"), unique("audit"));
    let mut req = order_total_as_string("o-sns");
    let body = String::from_utf8(message(&mut req).payload.clone()).unwrap();
    // The topic, its two queues and their subscriptions, and one event published (boto3, which
    // comes with moto: the tests need no SNS client of their own).
    let setup = r#"
import sys, boto3
endpoint, billing, audit, body = sys.argv[1:5]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
topic = sns.create_topic(Name="orders-" + billing)["TopicArn"]
for name in (billing, audit):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true"})
sns.publish(TopicArn=topic, Message=body,
            MessageAttributes={"x-origin": {"DataType": "String", "StringValue": "checkout"}})
"#;
    let status = Command::new("python3")
        .args(["-c", setup, &sqs.endpoint, &billing, &audit, &body])
        .status()
        .unwrap();
    assert!(status.success(), "SNS setup");

    // The billing consumer receives the event, fails on it and reports it.
    let billing_url = sqs.url(&billing).await;
    let event = loop {
        let answer = sqs
            .client
            .receive_message()
            .queue_url(&billing_url)
            .wait_time_seconds(1)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .unwrap();
        if let Some(m) = answer.messages.unwrap_or_default().pop() {
            break m;
        }
    };
    let got = received(&event);
    assert_eq!(
        got.payload,
        body.as_bytes(),
        "raw delivery: the event itself"
    );
    assert_eq!(got.headers["x-origin"], "checkout");
    let m = message(&mut req);
    m.id = event.message_id().unwrap().to_owned();
    m.payload = got.payload.clone();
    m.headers = got.headers.clone().into_iter().collect();
    to(&mut req, &billing_url);
    let receives =
        &event.attributes().unwrap()[&MessageSystemAttributeName::ApproximateReceiveCount];
    req.failure.as_mut().unwrap().delivery_attempt = receives.parse().unwrap();
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
    // Only now, Salvage having answered, the consumer deletes the event.
    sqs.client
        .delete_message()
        .queue_url(&billing_url)
        .receipt_handle(event.receipt_handle().unwrap())
        .send()
        .await
        .unwrap();

    let copy = sqs.read(&billing, 1).await.remove(0);
    assert_eq!(copy.headers["salvage-tracking-id"], resp.tracking_id);
    assert_eq!(copy.headers["x-origin"], "checkout");
    assert_eq!(copy.id, event.message_id().unwrap());
    let order: serde_json::Value = serde_json::from_slice(&copy.payload).unwrap();
    assert_eq!(order["total"].to_string(), "129.90", "repaired");

    // Audit got the event once, from SNS, and nothing from Salvage.
    let audit_url = sqs.url(&audit).await;
    let mut seen = Vec::new();
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        seen.extend(sqs.receive(&audit_url).await);
    }
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].body(), Some(body.as_str()));
}

/// Credentials SQS refuses are an outage, not the message's fault: the destination shows down,
/// the copy waits in the outbox, and nothing is parked. (moto checks credentials against its IAM
/// when `INITIAL_NO_AUTH_ACTION_COUNT` is 0; the test's keys are unknown to it.)
#[tokio::test]
async fn refused_credentials_are_an_outage_not_a_refusal() {
    let queue = unique("orders");
    let moto = Moto::start_with(
        std::slice::from_ref(&queue),
        &[("INITIAL_NO_AUTH_ACTION_COUNT", "0")],
    );
    super::an_outage_parks_nothing(&moto.sqs(), &queue, &["SQS refused the credentials"]).await;
}

/// A FIFO copy sent twice (the relay's retry after a lost answer) is stored once: its
/// `MessageDeduplicationId` is the tracking id, and SQS drops the second send within its 5-minute
/// window. A different copy of the same message (a new tracking id) is a new message.
#[tokio::test]
async fn a_fifo_copy_sent_twice_is_stored_once() {
    use salvage::destinations::{
        publish::{Broker as _, Outgoing, Publisher as _},
        sqs::SqsPublisher,
    };
    let moto = Moto::start();
    let sqs = moto.sqs();
    let queue = format!("{}.fifo", unique("orders"));
    sqs.create(&queue).await;
    let DestinationSettings::Sqs(settings) = sqs.destination() else {
        unreachable!()
    };
    let publisher = SqsPublisher::new(&settings);
    let copy = |tracking_id: &str| Outgoing {
        tracking_id: tracking_id.to_owned(),
        message: salvage_model_message(&queue, tracking_id),
    };
    for tracking_id in ["t-1", "t-1", "t-2"] {
        publisher.publish(&copy(tracking_id)).await.unwrap();
    }
    let url = sqs.url(&queue).await;
    let mut got = Vec::new();
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        got.extend(sqs.receive(&url).await.iter().map(received));
    }
    let tracking: Vec<&str> = got
        .iter()
        .map(|r| r.headers["salvage-tracking-id"].as_str())
        .collect();
    assert_eq!(tracking, ["t-1", "t-2"], "the second t-1 was dropped");
}

/// One copy of message `o-1` for `queue`, tagged with `tracking_id`.
fn salvage_model_message(queue: &str, tracking_id: &str) -> salvage_model::Message {
    salvage_model::Message {
        id: "o-1".to_owned(),
        queue: queue.to_owned(),
        payload: br#"{"total":1}"#.to_vec(),
        partition_key: "customer-7".to_owned(),
        headers: [("salvage-tracking-id".to_owned(), tracking_id.to_owned())].into(),
        ..Default::default()
    }
}
