//! The conformance suite against Kafka: a private tansu broker (a Kafka-compatible broker,
//! `cargo install tansu --features dynostore --locked`) per test, on a free port, with memory
//! storage. Debian has no Kafka; `.ci/run` installs tansu where it is missing. Topics have three
//! partitions, so keying by the partition key is what keeps one key's order.

use std::{
    collections::HashMap,
    path::Path,
    process::{Child, Command},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rdkafka::{
    ClientConfig, Message, Offset, TopicPartitionList,
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    consumer::{BaseConsumer, Consumer},
    message::Headers,
};
use salvage::{
    config::DestinationSettings, destinations::kafka::config::KafkaSettings, proto::v1 as pb,
};

use tokio::sync::mpsc;

use super::{Broker, Received, app_with, fast_delivery, race::Consume, to, unique};
use crate::support::{order_total_as_string, origin, ports};

/// Partitions per test topic.
const PARTITIONS: i32 = 3;

/// A private tansu with memory storage; killed on drop. Its log (`tansu.log`) is in its
/// temporary folder.
struct Tansu {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Tansu {
    /// Start it on a free port (another one if that one is taken before it binds it).
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (port, child) =
            ports::on_a_free_port("tansu", |port| Ok((port, spawn_tansu(dir.path(), port)?)));
        Self {
            port,
            dir,
            child: Some(child),
        }
    }

    /// Start it again after [`Tansu::stop`], on its port (memory storage: empty).
    fn restart(&mut self) {
        let (dir, port) = (self.dir.path(), self.port);
        self.child = Some(ports::on_its_port("tansu", port, || spawn_tansu(dir, port)));
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            ports::kill(&mut c);
        }
    }
}

/// Run a tansu broker on `port` (its log in `dir`) and wait until it listens. A tansu that
/// cannot bind its port logs the error and may go on running: it is killed then.
fn spawn_tansu(dir: &Path, port: u16) -> Result<Child, ports::PortTaken> {
    let url = format!("tcp://127.0.0.1:{port}");
    ports::spawn_listening(
        Command::new("tansu")
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .current_dir(dir)
            .env(
                "RUST_LOG",
                std::env::var("TANSU_LOG").unwrap_or_else(|_| "warn".to_owned()),
            ),
        "tansu",
        port,
        &dir.join("tansu.log"),
        Duration::from_secs(10),
        "cargo install tansu --features dynostore --locked",
    )
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A record as a Kafka consumer read it.
struct Record {
    partition: i32,
    key: Option<Vec<u8>>,
    received: Received,
}

struct Kafka {
    tansu: Arc<Mutex<Tansu>>,
    brokers: String,
    /// Every topic created, to create again after a restart (memory storage forgets them).
    topics: Arc<Mutex<Vec<String>>>,
}

impl Kafka {
    fn start() -> Self {
        let tansu = Tansu::start();
        Self {
            brokers: format!("127.0.0.1:{}", tansu.port),
            tansu: Arc::new(Mutex::new(tansu)),
            topics: Arc::default(),
        }
    }

    /// Read `n` records of `topic` from the start of every partition (bounded wait).
    async fn records(&self, topic: &str, n: usize) -> Vec<Record> {
        let (brokers, topic) = (self.brokers.clone(), topic.to_owned());
        tokio::task::spawn_blocking(move || read_blocking(&brokers, &topic, n))
            .await
            .unwrap()
    }
}

async fn create_topic(brokers: &str, topic: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    let new = NewTopic::new(topic, PARTITIONS, TopicReplication::Fixed(1));
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    for r in admin.create_topics([&new], &opts).await.unwrap() {
        r.unwrap();
    }
}

/// What a consumer sees of a record.
fn received(m: &rdkafka::message::BorrowedMessage<'_>) -> Received {
    let headers: HashMap<String, String> = m
        .headers()
        .map(|h| {
            h.iter()
                .map(|h| {
                    let v = String::from_utf8_lossy(h.value.unwrap_or_default());
                    (h.key.to_owned(), v.into_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    Received {
        payload: m.payload().unwrap_or_default().to_vec(),
        id: headers
            .get("salvage-message-id")
            .cloned()
            .unwrap_or_default(),
        headers,
    }
}

fn read_blocking(brokers: &str, topic: &str, n: usize) -> Vec<Record> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", unique("reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        out.push(Record {
            partition: m.partition(),
            key: m.key().map(<[u8]>::to_vec),
            received: received(&m),
        });
    }
    assert_eq!(out.len(), n, "{topic}: records read within 30s");
    out
}

impl Consume for Kafka {
    async fn subscribe(&self, queue: &str) -> mpsc::UnboundedReceiver<Received> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.brokers)
            .set("group.id", unique("race-consumer"))
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut tpl = TopicPartitionList::new();
        for p in 0..PARTITIONS {
            tpl.add_partition_offset(queue, p, Offset::Beginning)
                .unwrap();
        }
        consumer.assign(&tpl).unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            while !tx.is_closed() {
                let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) else {
                    continue;
                };
                if tx.send(received(&m)).is_err() {
                    break;
                }
            }
        });
        rx
    }
}

impl Broker for Kafka {
    fn destination(&self) -> DestinationSettings {
        DestinationSettings::Kafka(KafkaSettings {
            brokers: self.brokers.clone(),
            client_id: "salvage-test".to_owned(),
            tls: false,
            tls_ca_file: None,
            sasl: None,
            delivery: fast_delivery(),
        })
    }

    async fn create(&self, queue: &str) {
        create_topic(&self.brokers, queue).await;
        self.topics.lock().unwrap().push(queue.to_owned());
    }

    async fn read(&self, queue: &str, n: usize) -> Vec<Received> {
        self.records(queue, n)
            .await
            .into_iter()
            .map(|r| r.received)
            .collect()
    }
}

#[tokio::test]
async fn repaired_message_arrives_exactly() {
    super::repaired_message_arrives_exactly(&Kafka::start()).await;
}

#[tokio::test]
async fn one_key_keeps_its_order() {
    super::one_key_keeps_its_order(&Kafka::start()).await;
}

#[tokio::test]
async fn refused_publish_is_retried_then_parked() {
    super::refused_publish_is_retried_then_parked(&Kafka::start()).await;
}

#[tokio::test]
async fn failing_every_copy_at_once_loses_nothing() {
    super::race::failing_every_copy_at_once_loses_nothing(&Kafka::start(), 1000).await;
}

#[tokio::test]
async fn broker_outage_loses_nothing() {
    let kafka = Kafka::start();
    let (tansu, brokers, topics) = (
        kafka.tansu.clone(),
        kafka.brokers.clone(),
        kafka.topics.clone(),
    );
    let stopping = kafka.tansu.clone();
    super::broker_outage_loses_nothing(
        &kafka,
        async move || stopping.lock().unwrap().stop(),
        async move || {
            tansu.lock().unwrap().restart();
            // Memory storage: the restarted broker has forgotten its topics.
            let topics = topics.lock().unwrap().clone();
            for topic in topics {
                create_topic(&brokers, &topic).await;
            }
        },
    )
    .await;
}

/// The record key is the message's partition key: each key's records are in one partition, in
/// the order they were reported, while the keys spread over the partitions.
#[tokio::test]
async fn records_are_keyed_by_the_partition_key() {
    let kafka = Kafka::start();
    let app = app_with(&kafka, |_| {}).await;
    let queue = unique("orders");
    kafka.create(&queue).await;
    let keys = ["customer-1", "customer-2", "customer-3", "customer-4"];
    let mut client = app.client();
    for i in 0..40 {
        let mut req = order_total_as_string(&format!("o-{i}"));
        to(&mut req, &queue);
        origin(&mut req).partition_key = keys[i % keys.len()].to_owned();
        let resp = client.report(req).await.unwrap().into_inner();
        assert_eq!(resp.outcome(), pb::Outcome::Requeued);
    }
    let got = kafka.records(&queue, 40).await;
    let mut partitions = std::collections::BTreeSet::new();
    for (k, key) in keys.iter().enumerate() {
        let mine: Vec<&Record> = got
            .iter()
            .filter(|r| r.key.as_deref() == Some(key.as_bytes()))
            .collect();
        let ids: Vec<&str> = mine.iter().map(|r| r.received.id.as_str()).collect();
        let want: Vec<String> = (k..40)
            .step_by(keys.len())
            .map(|i| format!("o-{i}"))
            .collect();
        assert_eq!(ids, want, "{key}: every record, in report order");
        let theirs: std::collections::BTreeSet<i32> = mine.iter().map(|r| r.partition).collect();
        assert_eq!(theirs.len(), 1, "{key}: one partition, got {theirs:?}");
        assert!(
            mine.iter()
                .all(|r| r.received.headers["salvage-partition-key"] == *key)
        );
        partitions.extend(theirs);
    }
    assert!(
        partitions.len() > 1,
        "four keys over {PARTITIONS} partitions use more than one: {partitions:?}"
    );
}

/// The client kits' Kafka example consumers (`clients/`), in Python (confluent-kafka) and
/// TypeScript (kafkajs), on a private tansu.
#[tokio::test]
async fn client_kits_consumers_handle_their_repaired_copies() {
    // A broker each: both examples join the consumer group `salvage-example`, with different
    // assignment protocols (librdkafka's and kafkajs'), which one group cannot mix.
    for lang in ["python", "typescript"] {
        let kafka = Kafka::start();
        let app = super::app_with(&kafka, |_| {}).await;
        let url = format!("kafka://{}", kafka.brokers);
        let queue = super::unique("orders");
        kafka.create(&queue).await;
        super::clients::kit_consumer_handles_its_repaired_copy(
            &app, "kafka", lang, &url, &queue, "broker",
        )
        .await;
    }
}
