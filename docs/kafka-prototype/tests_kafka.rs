//! `KafkaPublisher` against a real tansu broker (`tansu broker`, memory storage) started per test
//! on a free port, or against the broker named by `KAFKA_BROKERS` when set (topics are unique per
//! test there). `KAFKA_MOCK=1` runs the same cases against librdkafka's mock cluster instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{
    collections::BTreeMap,
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use kafka_scratch::{
    config::{DeliverySettings, KafkaSettings},
    destinations::{
        kafka::KafkaPublisher,
        publish::{Outgoing, PublishError, Publisher},
    },
};
use rdkafka::{
    ClientConfig, Message, TopicPartitionList,
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    consumer::{BaseConsumer, Consumer},
    message::Headers,
    mocking::MockCluster,
    producer::DefaultProducerContext,
};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A broker for one test: a private tansu, the shared one of `KAFKA_BROKERS`, or a mock cluster.
enum Broker {
    Tansu { port: u16, child: Option<Child> },
    Shared(String),
    Mock(MockCluster<'static, DefaultProducerContext>),
}

impl Broker {
    fn start() -> Self {
        if std::env::var("KAFKA_MOCK").is_ok() {
            return Broker::Mock(MockCluster::new(1).unwrap());
        }
        if let Ok(brokers) = std::env::var("KAFKA_BROKERS") {
            return Broker::Shared(brokers);
        }
        let mut b = Broker::Tansu {
            port: free_port(),
            child: None,
        };
        b.run();
        b
    }

    fn brokers(&self) -> String {
        match self {
            Broker::Tansu { port, .. } => format!("127.0.0.1:{port}"),
            Broker::Shared(b) => b.clone(),
            Broker::Mock(m) => m.bootstrap_servers(),
        }
    }

    fn run(&mut self) {
        let Broker::Tansu { port, child } = self else {
            return;
        };
        let url = format!("tcp://127.0.0.1:{port}");
        let log = std::fs::File::create(format!("/tmp/tansu-test-{port}.log")).unwrap();
        let spawned = Command::new("tansu")
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .env(
                "RUST_LOG",
                std::env::var("TANSU_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("tansu on PATH (cargo install tansu --features dynostore --locked)");
        *child = Some(spawned);
        let port = *port;
        let up = (0..400).any(|_| {
            std::thread::sleep(Duration::from_millis(25));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "tansu did not listen on {port} within 10s");
    }

    fn stop(&mut self) {
        if let Broker::Tansu { child, .. } = self
            && let Some(mut c) = child.take()
        {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn create(&self, topic: &str, partitions: i32) {
        if let Broker::Mock(m) = self {
            m.create_topic(topic, partitions, 1).unwrap();
            return;
        }
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .create()
            .unwrap();
        let topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let result = admin.create_topics([&topic], &opts).await.unwrap();
        for r in result {
            r.unwrap();
        }
    }

    /// Read `n` records of partition `partition` of `topic` from the start (bounded wait).
    fn read(&self, topic: &str, partition: i32, n: usize) -> Vec<Record> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .set("group.id", unique("reader"))
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, partition, rdkafka::Offset::Beginning)
            .unwrap();
        consumer.assign(&tpl).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut out = Vec::new();
        while out.len() < n && Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(m)) => out.push(Record {
                    key: m.key().map(<[u8]>::to_vec),
                    payload: m.payload().unwrap_or_default().to_vec(),
                    headers: m
                        .headers()
                        .map(|h| {
                            h.iter()
                                .map(|h| {
                                    let v = String::from_utf8_lossy(h.value.unwrap_or_default());
                                    (h.key.to_owned(), v.into_owned())
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }),
                Some(Err(e)) => println!("consumer: {e}"),
                None => {}
            }
        }
        assert_eq!(out.len(), n, "{topic}/{partition}: records read within 30s");
        out
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Debug)]
struct Record {
    key: Option<Vec<u8>>,
    payload: Vec<u8>,
    headers: Vec<(String, String)>,
}

fn settings(brokers: &str, timeout: Duration) -> KafkaSettings {
    KafkaSettings {
        brokers: brokers.to_owned(),
        client_id: "salvage-test".to_owned(),
        tls: false,
        tls_ca_file: None,
        sasl: None,
        delivery: DeliverySettings {
            timeout,
            ..DeliverySettings::default()
        },
    }
}

fn outgoing(topic: &str, id: &str, key: &str) -> Outgoing {
    Outgoing {
        tracking_id: format!("t-{id}"),
        id: id.to_owned(),
        queue: topic.to_owned(),
        payload: format!("{{\"id\":\"{id}\"}}").into_bytes(),
        headers: BTreeMap::from([
            ("x-origin".to_owned(), "checkout".to_owned()),
            ("salvage-tracking-id".to_owned(), format!("t-{id}")),
        ]),
        content_type: "application/json".to_owned(),
        event_type: "OrderPlaced".to_owned(),
        partition_key: key.to_owned(),
    }
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_test_writer()
        .try_init();
}

#[tokio::test]
async fn a_record_arrives_with_key_and_headers() {
    init_tracing();
    let broker = Broker::start();
    let topic = unique("orders");
    broker.create(&topic, 1).await;
    let publisher = KafkaPublisher::new(&settings(&broker.brokers(), Duration::from_secs(10)));
    let started = Instant::now();
    publisher
        .publish(&outgoing(&topic, "o-1", "customer-7"))
        .await
        .unwrap();
    println!(
        "first publish (connect + InitProducerId + produce) took {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    publisher
        .publish(&outgoing(&topic, "o-2", "customer-7"))
        .await
        .unwrap();
    println!("second publish took {:?}", started.elapsed());
    let got = broker.read(&topic, 0, 2);
    println!("{:?}", got[0]);
    assert_eq!(got[0].key.as_deref(), Some(&b"customer-7"[..]));
    assert_eq!(got[0].payload, b"{\"id\":\"o-1\"}");
    let h: BTreeMap<_, _> = got[0].headers.iter().cloned().collect();
    assert_eq!(h["x-origin"], "checkout");
    assert_eq!(h["salvage-tracking-id"], "t-o-1");
    assert_eq!(h["salvage-message-id"], "o-1");
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["salvage-event-type"], "OrderPlaced");
    assert_eq!(h["salvage-partition-key"], "customer-7");
}

#[tokio::test]
async fn one_key_keeps_its_order_on_one_partition() {
    init_tracing();
    let broker = Broker::start();
    let topic = unique("orders");
    broker.create(&topic, 3).await;
    let publisher = KafkaPublisher::new(&settings(&broker.brokers(), Duration::from_secs(10)));
    for i in 0..30 {
        publisher
            .publish(&outgoing(&topic, &format!("o-{i}"), "customer-7"))
            .await
            .unwrap();
    }
    // The key picks one partition: find it, and read all 30 from it in order.
    let mut per_partition = Vec::new();
    for p in 0..3 {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", broker.brokers())
            .create()
            .unwrap();
        let (low, high) = consumer
            .fetch_watermarks(&topic, p, Duration::from_secs(10))
            .unwrap();
        per_partition.push(high - low);
    }
    println!("records per partition: {per_partition:?}");
    let p = per_partition
        .iter()
        .position(|n| *n == 30)
        .expect("one partition holds all 30");
    let got = broker.read(&topic, i32::try_from(p).unwrap(), 30);
    let ids: Vec<String> = got
        .iter()
        .map(|r| String::from_utf8_lossy(&r.payload).into_owned())
        .collect();
    let want: Vec<String> = (0..30).map(|i| format!("{{\"id\":\"o-{i}\"}}")).collect();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn a_missing_topic_is_rejected_within_the_timeout() {
    init_tracing();
    let broker = Broker::start();
    let topic = unique("missing");
    let timeout = Duration::from_secs(3);
    let publisher = KafkaPublisher::new(&settings(&broker.brokers(), timeout));
    let started = Instant::now();
    let result = publisher.publish(&outgoing(&topic, "o-1", "k")).await;
    let took = started.elapsed();
    println!("missing topic: {result:?} after {took:?}");
    assert!(
        matches!(result, Err(PublishError::Rejected(_))),
        "{result:?}"
    );
    assert!(took < timeout + Duration::from_secs(3), "{took:?}");
    // The producer still works for a topic that exists.
    let good = unique("orders");
    broker.create(&good, 1).await;
    publisher
        .publish(&outgoing(&good, "o-2", "k"))
        .await
        .unwrap();
}

#[tokio::test]
async fn no_broker_is_unavailable_within_the_timeout() {
    init_tracing();
    let port = free_port();
    let timeout = Duration::from_secs(2);
    let publisher = KafkaPublisher::new(&settings(&format!("127.0.0.1:{port}"), timeout));
    let started = Instant::now();
    let result = publisher.publish(&outgoing("orders", "o-1", "k")).await;
    let took = started.elapsed();
    println!("no broker: {result:?} after {took:?}");
    assert!(
        matches!(result, Err(PublishError::Unavailable(_))),
        "{result:?}"
    );
    assert!(took < timeout + Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn a_stopped_broker_is_unavailable_and_a_restarted_one_is_used_again() {
    init_tracing();
    let mut broker = Broker::start();
    if !matches!(broker, Broker::Tansu { .. }) {
        println!("skipped: needs a private tansu");
        return;
    }
    let topic = unique("orders");
    broker.create(&topic, 1).await;
    let publisher = KafkaPublisher::new(&settings(&broker.brokers(), Duration::from_secs(3)));
    publisher
        .publish(&outgoing(&topic, "o-1", "k"))
        .await
        .unwrap();
    broker.stop();
    let started = Instant::now();
    let result = publisher.publish(&outgoing(&topic, "o-2", "k")).await;
    println!("stopped broker: {result:?} after {:?}", started.elapsed());
    assert!(
        matches!(result, Err(PublishError::Unavailable(_))),
        "{result:?}"
    );
    broker.run();
    // Memory storage: the restarted broker has forgotten the topic.
    broker.create(&topic, 1).await;
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(30) {
        match publisher.publish(&outgoing(&topic, "o-3", "k")).await {
            Ok(()) => {
                last = None;
                break;
            }
            Err(e) => {
                println!("after restart, {:?}: {e:?}", started.elapsed());
                last = Some(e);
            }
        }
    }
    assert!(last.is_none(), "{last:?}");
    println!("published again {:?} after the restart", started.elapsed());
    let got = broker.read(&topic, 0, 1);
    assert_eq!(got[0].payload, b"{\"id\":\"o-3\"}");
}
