//! The conformance suite against ActiveMQ: Debian's `activemq` package, a private broker per test
//! on free ports with its own data folder (KahaDB), stopped at the end. Its STOMP connector is
//! what Salvage sends to; users and rights are set as a production broker would have them:
//! Salvage's user may write to queues but not create them (so a copy for a queue that does not
//! exist is refused), the test's own `admin` reads and creates. The test reads with a STOMP
//! client of its own (below, written apart from Salvage's), acknowledging each message it keeps.

use std::{
    collections::HashMap,
    path::Path,
    process::{Child, Command},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use salvage::{
    config::DestinationSettings,
    destinations::activemq::config::{ActiveMqSettings, MessageType},
    proto::v1 as pb,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::mpsc,
};

use super::{Broker, Received, app_with, fast_delivery, race::Consume, to, unique};
use crate::support::{eventually, message, order_total_as_string, origin, ports};

/// The broker's configuration: STOMP (and OpenWire, for the JMS reader) on the given ports,
/// KahaDB in `{data}`, two users.
const CONFIG: &str = r#"<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" useJmx="false" brokerName="salvage-test"
          dataDirectory="{data}" persistent="true">
    <persistenceAdapter><kahaDB directory="{data}/kahadb"/></persistenceAdapter>{ssl_context}
    <plugins>
      <simpleAuthenticationPlugin anonymousAccessAllowed="false">
        <users>
          <authenticationUser username="admin" password="admin-pw" groups="admins"/>
          <authenticationUser username="salvage" password="s3cret" groups="senders"/>
        </users>
      </simpleAuthenticationPlugin>
      <authorizationPlugin>
        <map>
          <authorizationMap>
            <authorizationEntries>
              <authorizationEntry queue=">" read="admins" write="admins,senders" admin="admins"/>
              <authorizationEntry topic=">" read="admins" write="admins" admin="admins"/>
              <authorizationEntry topic="ActiveMQ.Advisory.>" read="admins,senders"
                                  write="admins,senders" admin="admins,senders"/>
            </authorizationEntries>
          </authorizationMap>
        </map>
      </authorizationPlugin>
    </plugins>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:{stomp}"/>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:{openwire}"/>{ssl_connector}
    </transportConnectors>
  </broker>
</beans>
"#;

/// A private ActiveMQ; killed on drop.
struct ActiveMq {
    stomp: u16,
    openwire: u16,
    /// The `stomp+ssl` connector's port, when started with TLS.
    ssl: Option<u16>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

/// The broker's ports: STOMP, OpenWire and, with TLS, `stomp+ssl` (its keystore).
#[derive(Clone, Copy)]
struct Ports<'a> {
    stomp: u16,
    openwire: u16,
    ssl: Option<(u16, &'a Path)>,
}

impl ActiveMq {
    fn start() -> Self {
        Self::start_with(None)
    }

    /// Started with a `stomp+ssl` connector too, its certificate and key in `keystore` (PKCS#12,
    /// password `changeit`).
    fn start_with(keystore: Option<&Path>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (ports, child) = ports::on_a_free_port("private ActiveMQ", |stomp| {
            let ports = Ports {
                stomp,
                openwire: ports::free_port(),
                ssl: keystore.map(|k| (ports::free_port(), k)),
            };
            Ok((ports, spawn(dir.path(), ports)?))
        });
        Self {
            stomp: ports.stomp,
            openwire: ports.openwire,
            ssl: ports.ssl.map(|(port, _)| port),
            dir,
            child: Some(child),
        }
    }

    /// Start it again on its ports and data (its queues and stored messages with it).
    fn restart(&mut self) {
        let ports = Ports {
            stomp: self.stomp,
            openwire: self.openwire,
            ssl: None,
        };
        let dir = self.dir.path();
        self.child = Some(ports::on_its_port("private ActiveMQ", ports.stomp, || {
            spawn(dir, ports)
        }));
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            ports::kill(&mut c);
        }
    }

    fn client(&self) -> Amq {
        Amq {
            address: format!("127.0.0.1:{}", self.stomp),
            user: "salvage",
            password: "s3cret",
        }
    }
}

impl Drop for ActiveMq {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Run the broker (the JVM that Debian's `activemq` script would run, in the foreground), its
/// output in `dir/activemq.log`, and wait until its STOMP connector listens.
fn spawn(dir: &Path, ports: Ports<'_>) -> Result<Child, ports::PortTaken> {
    let data = dir.join("data");
    let conf = dir.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let (ssl_context, ssl_connector) = match ports.ssl {
        Some((port, keystore)) => (
            format!(
                "\n    <sslContext><sslContext keyStore=\"file:{}\" keyStorePassword=\"changeit\" \
                 keyStoreType=\"pkcs12\"/></sslContext>",
                keystore.display()
            ),
            format!(
                "\n      <transportConnector name=\"stomp+ssl\" uri=\"stomp+ssl://127.0.0.1:{port}\"/>"
            ),
        ),
        None => (String::new(), String::new()),
    };
    let xml = CONFIG
        .replace("{ssl_context}", &ssl_context)
        .replace("{ssl_connector}", &ssl_connector)
        .replace("{data}", &data.display().to_string())
        .replace("{stomp}", &ports.stomp.to_string())
        .replace("{openwire}", &ports.openwire.to_string());
    let file = conf.join("activemq.xml");
    std::fs::write(&file, xml).unwrap();
    let define = |name: &str, value: &Path| format!("-Dactivemq.{name}={}", value.display());
    ports::spawn_listening(
        Command::new("java")
            .args(["-Xmx256m", "-Xss512k", "-XX:+UseSerialGC"])
            .arg(define("home", Path::new("/usr/share/activemq")))
            .arg(define("base", dir))
            .arg(define("conf", &conf))
            .arg(define("data", &data))
            .args(["-jar", "/usr/share/activemq/bin/activemq.jar", "start"])
            .arg(format!("xbean:file:{}", file.display())),
        "private ActiveMQ",
        ports.stomp,
        &dir.join("activemq.log"),
        Duration::from_secs(60),
        "apt-get install activemq (and a Java runtime)",
    )
}

/// The broker as the suite sees it: where Salvage sends, with which user.
#[derive(Clone)]
struct Amq {
    address: String,
    user: &'static str,
    password: &'static str,
}

/// The test's own STOMP connection, logged in as `admin`.
struct Stomp {
    stream: TcpStream,
    buffer: Vec<u8>,
}

/// A frame as the test reads it.
#[derive(Debug)]
struct Frame {
    command: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Stomp {
    async fn connect(address: &str) -> Self {
        let stream = TcpStream::connect(address).await.unwrap();
        let mut s = Self {
            stream,
            buffer: Vec::new(),
        };
        s.write("CONNECT\naccept-version:1.2\nhost:localhost\nlogin:admin\npasscode:admin-pw\n\n")
            .await;
        let f = s.frame().await;
        assert_eq!(f.command, "CONNECTED", "{f:?}");
        s
    }

    async fn write(&mut self, head: &str) {
        self.stream.write_all(head.as_bytes()).await.unwrap();
        self.stream.write_all(b"\0").await.unwrap();
    }

    /// Subscribe to `queue` (acknowledging each message, so what is not taken stays queued),
    /// with `extra` headers (a selector), and wait until the broker confirmed it.
    async fn subscribe(&mut self, queue: &str, extra: &str) {
        self.write(&format!(
            "SUBSCRIBE\ndestination:/queue/{queue}\nid:0\nack:client-individual\n{extra}receipt:sub\n\n"
        ))
        .await;
        let f = self.frame().await;
        assert_eq!(f.command, "RECEIPT", "{f:?}");
    }

    async fn ack(&mut self, frame: &Frame) {
        let id = &frame.headers["ack"];
        self.write(&format!("ACK\nid:{id}\n\n")).await;
    }

    /// The next frame (heart-beat line ends skipped).
    async fn frame(&mut self) -> Frame {
        loop {
            if let Some(f) = self.parse() {
                return f;
            }
            let mut chunk = [0u8; 16384];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "ActiveMQ closed the test's connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    fn parse(&mut self) -> Option<Frame> {
        while self.buffer.first().is_some_and(|b| *b == b'\n') {
            self.buffer.remove(0);
        }
        let end = self.buffer.windows(2).position(|w| w == b"\n\n")?;
        let head = String::from_utf8(self.buffer[..end].to_vec()).unwrap();
        let mut lines = head.lines();
        let command = lines.next().unwrap().to_owned();
        let mut headers = HashMap::new();
        for line in lines {
            let (name, value) = line.split_once(':').unwrap();
            // The first of a repeated header counts.
            headers
                .entry(unescape(name))
                .or_insert_with(|| unescape(value));
        }
        let start = end + 2;
        let stop = match headers.get("content-length") {
            Some(n) => start + n.parse::<usize>().unwrap(),
            None => start + self.buffer[start..].iter().position(|b| *b == 0)?,
        };
        if self.buffer.len() <= stop {
            return None;
        }
        let body = self.buffer[start..stop].to_vec();
        self.buffer.drain(..=stop);
        Some(Frame {
            command,
            headers,
            body,
        })
    }
}

fn unescape(s: &str) -> String {
    s.replace("\\c", ":")
        .replace("\\n", "\n")
        .replace("\\r", "\r")
        .replace("\\\\", "\\")
}

/// A delivered message as the suite sees it: its properties, and the `salvage-headers` JSON
/// property opened into them, as a consumer reads them.
fn received(f: Frame) -> Received {
    let mut headers = f.headers;
    if let Some(json) = headers.remove("salvage-headers") {
        let rest: HashMap<String, String> = serde_json::from_str(&json).unwrap();
        headers.extend(rest);
    }
    Received {
        payload: f.body,
        id: headers
            .get("salvage-message-id")
            .cloned()
            .unwrap_or_default(),
        headers,
    }
}

impl Amq {
    /// Read `n` messages of `queue` (those with `selector`, if given) within 30 s, in order.
    async fn read_where(&self, queue: &str, n: usize, selector: Option<&str>) -> Vec<Received> {
        let mut stomp = Stomp::connect(&self.address).await;
        let extra = selector.map_or(String::new(), |s| format!("selector:{s}\n"));
        stomp.subscribe(queue, &extra).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut out = Vec::new();
        while out.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(f) = tokio::time::timeout(left, stomp.frame()).await else {
                panic!("{queue}: {} of {n} messages within 30s", out.len());
            };
            assert_eq!(f.command, "MESSAGE", "{f:?}");
            stomp.ack(&f).await;
            out.push(received(f));
        }
        // Send the last ACK before leaving (a receipt answers only after what came before it).
        stomp.write("DISCONNECT\nreceipt:bye\n\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(5), stomp.frame()).await;
        out
    }
}

impl Broker for Amq {
    fn destination(&self) -> DestinationSettings {
        DestinationSettings::Activemq(ActiveMqSettings {
            url: format!("tcp://{}", self.address),
            user: Some(self.user.to_owned()),
            password: Some(self.password.to_owned()),
            tls_ca_file: None,
            message_type: MessageType::Bytes,
            delivery: fast_delivery(),
        })
    }

    async fn create(&self, queue: &str) {
        // Subscribing makes the queue (as admin: Salvage's user may not).
        let mut stomp = Stomp::connect(&self.address).await;
        stomp.subscribe(queue, "").await;
        stomp.write("DISCONNECT\nreceipt:bye\n\n").await;
        stomp.frame().await;
    }

    async fn read(&self, queue: &str, n: usize) -> Vec<Received> {
        self.read_where(queue, n, None).await
    }
}

impl Consume for Amq {
    async fn subscribe(&self, queue: &str) -> mpsc::UnboundedReceiver<Received> {
        let mut stomp = Stomp::connect(&self.address).await;
        stomp.subscribe(queue, "").await;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let f = stomp.frame().await;
                if f.command != "MESSAGE" {
                    continue;
                }
                stomp.ack(&f).await;
                if tx.send(received(f)).is_err() {
                    return;
                }
            }
        });
        rx
    }
}

#[tokio::test]
async fn repaired_message_arrives_exactly() {
    let amq = ActiveMq::start();
    super::repaired_message_arrives_exactly(&amq.client()).await;
}

#[tokio::test]
async fn one_key_keeps_its_order() {
    let amq = ActiveMq::start();
    super::one_key_keeps_its_order(&amq.client()).await;
}

#[tokio::test]
async fn refused_publish_is_retried_then_parked() {
    // The queue does not exist, and Salvage's user may not create it: ActiveMQ's ERROR, "User
    // salvage is not authorized to create: queue://...", refused, then parked.
    let amq = ActiveMq::start();
    super::refused_publish_is_retried_then_parked(&amq.client()).await;
}

#[tokio::test]
async fn resubmit_run_says_what_became_of_its_copies() {
    let amq = ActiveMq::start();
    super::resubmit_run_says_what_became_of_its_copies(&amq.client()).await;
}

#[tokio::test]
async fn failing_every_copy_at_once_loses_nothing() {
    let amq = ActiveMq::start();
    super::race::failing_every_copy_at_once_loses_nothing(&amq.client(), 1000).await;
}

#[tokio::test]
async fn broker_outage_loses_nothing() {
    let amq = Arc::new(Mutex::new(ActiveMq::start()));
    let client = amq.lock().unwrap().client();
    let (a, b) = (amq.clone(), amq.clone());
    super::broker_outage_loses_nothing(
        &client,
        async move || a.lock().unwrap().stop(),
        async move || b.lock().unwrap().restart(),
    )
    .await;
}

/// The partition key is the copy's JMS message group (`JMSXGroupID`): a consumer selecting one
/// group gets that key's copies, in order, and none of another key's.
#[tokio::test]
async fn the_partition_key_is_the_message_group() {
    let amq = ActiveMq::start();
    let broker = amq.client();
    let app = app_with(&broker, |_| {}).await;
    let queue = unique("orders");
    broker.create(&queue).await;
    let mut client = app.client();
    for i in 0..20 {
        let mut req = order_total_as_string(&format!("o-{i}"));
        to(&mut req, &queue);
        origin(&mut req).partition_key = format!("customer-{}", i % 2);
        client.report(req).await.unwrap();
    }
    let odd = broker
        .read_where(&queue, 10, Some("JMSXGroupID = 'customer-1'"))
        .await;
    let ids: Vec<String> = odd.iter().map(|r| r.id.clone()).collect();
    let want: Vec<String> = (0..20)
        .filter(|i| i % 2 == 1)
        .map(|i| format!("o-{i}"))
        .collect();
    assert_eq!(ids, want);
    let even = broker.read(&queue, 10).await;
    assert!(
        even.iter()
            .all(|r| r.headers["salvage-partition-key"] == "customer-0"),
        "{even:?}"
    );
}

/// Headers that STOMP or JMS reserve do not change how the copy is sent (a `destination` header
/// from the message cannot redirect it, `content-length` cannot cut it): they arrive in the
/// `salvage-headers` property, each as it was; `correlation-id` arrives as the copy's own.
#[tokio::test]
async fn reserved_headers_arrive_in_salvage_headers() {
    let amq = ActiveMq::start();
    let broker = amq.client();
    let app = app_with(&broker, |_| {}).await;
    let queue = unique("orders");
    broker.create(&queue).await;
    let mut req = order_total_as_string("o-reserved");
    to(&mut req, &queue);
    let reserved = [
        ("destination", "/queue/elsewhere"),
        ("content-length", "2"),
        ("priority", "9"),
        ("JMSXGroupSeq", "4"),
        ("expires", "1"),
        ("correlation-id", "req-42"),
        ("x-line", "one\ntwo: three\\"),
    ];
    for (name, value) in reserved {
        message(&mut req)
            .headers
            .insert(name.to_owned(), value.to_owned());
    }
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
    let got = broker.read(&queue, 1).await.remove(0);
    for (name, value) in reserved {
        assert_eq!(got.headers[name], value, "{name}: {:?}", got.headers);
    }
    let order: serde_json::Value = serde_json::from_slice(&got.payload).unwrap();
    assert_eq!(order["total"].to_string(), "129.90", "the whole body");
}

/// Credentials ActiveMQ refuses are an outage, not the message's fault: the destination shows
/// down with the broker's words, the copy waits in the outbox, and nothing is parked.
#[tokio::test]
async fn refused_credentials_are_an_outage_not_a_refusal() {
    let amq = ActiveMq::start();
    let broker = Amq {
        password: "wrong",
        ..amq.client()
    };
    let queue = unique("orders");
    broker.create(&queue).await;
    super::an_outage_parks_nothing(
        &broker,
        &queue,
        &["refused the connection", "password is invalid"],
    )
    .await;
}

/// What a JMS application reads: `tests/outsider/JmsRead.java`, on ActiveMQ's own Java client
/// (OpenWire), run as a single source file. The copy is a persistent `BytesMessage` with the
/// repaired bytes, `JMSType` = the event type, `JMSXGroupID` = the partition key, the headers as
/// string properties; with `message_type = "text"`, a `TextMessage` with the same text.
async fn jms_read(amq: &ActiveMq, queue: &str, n: usize) -> Vec<serde_json::Value> {
    let classpath = [
        "activemq-client",
        "geronimo-jms_1.1_spec",
        "hawtbuf",
        "slf4j-api",
        "geronimo-j2ee-management-1.1-spec",
    ]
    .map(|jar| format!("/usr/share/java/{jar}.jar"))
    .join(":");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/outsider/JmsRead.java");
    let url = format!("tcp://127.0.0.1:{}", amq.openwire);
    let queue = queue.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("java")
            .args(["-cp", &classpath, source, &url, "admin", "admin-pw", &queue])
            .arg(n.to_string())
            .output()
            .expect("java on PATH")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "the JMS reader failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test]
async fn a_jms_consumer_reads_the_copy_as_sent() {
    let amq = ActiveMq::start();
    for (kind, class) in [
        (MessageType::Bytes, "BytesMessage"),
        (MessageType::Text, "TextMessage"),
    ] {
        let broker = amq.client();
        let dest = match broker.destination() {
            DestinationSettings::Activemq(s) => DestinationSettings::Activemq(ActiveMqSettings {
                message_type: kind,
                ..s
            }),
            _ => unreachable!(),
        };
        let app = crate::support::spawn_app_with(move |s| {
            s.destinations.insert("broker".to_owned(), dest);
        })
        .await;
        let queue = unique("orders");
        broker.create(&queue).await;
        let mut req = order_total_as_string("o-jms");
        to(&mut req, &queue);
        origin(&mut req).partition_key = "customer-7".to_owned();
        message(&mut req).event_type = "OrderPlaced".to_owned();
        message(&mut req)
            .headers
            .insert("x-origin".to_owned(), "checkout".to_owned());
        let resp = app.client().report(req).await.unwrap().into_inner();
        assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
        let m = &jms_read(&amq, &queue, 1).await.remove(0);
        assert_eq!(m["class"], class, "{m}");
        assert_eq!(m["JMSType"], "OrderPlaced", "{m}");
        assert_eq!(m["JMSXGroupID"], "customer-7", "{m}");
        assert_eq!(m["persistent"], "true", "{m}");
        let hex = m["body"].as_str().unwrap();
        let body: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let order: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(order["total"].to_string(), "129.90", "{m}");
        let p = &m["properties"];
        assert_eq!(p["x-origin"], "checkout", "{m}");
        assert_eq!(p["salvage-message-id"], "o-jms", "{m}");
        assert_eq!(p["salvage-tracking-id"], resp.tracking_id.as_str(), "{m}");
    }
}

/// The example rule `order-total-as-string`, for any queue.
const ANY_QUEUE_RULES: &str = r#"
[[rule]]
name = "order-total-as-string"
when.class = "data"
when.code = "INVALID_TYPE"
actions = [{ op = "coerce", path = "/total", to = "number" }]
decision = "requeue"
"#;

/// A virtual topic fans an event out to one queue per consuming service (ActiveMQ's answer to
/// SNS → SQS). The billing consumer fails on it and reports its own queue: the repaired copy
/// lands back on that queue only, and the audit consumer never sees the event a second time, as
/// it would if the copy had gone to the topic (which Salvage refuses).
#[tokio::test]
async fn virtual_topic_copy_goes_back_to_the_consumers_queue_not_the_topic() {
    let amq = ActiveMq::start();
    let broker = amq.client();
    // The example rule `order-total-as-string`, for any queue (it is written for `orders*`).
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, ANY_QUEUE_RULES).unwrap();
    let app = app_with(&broker, |s| s.rules.path = rules).await;
    let topic = format!("VirtualTopic.{}", unique("orders"));
    let billing = format!("Consumer.billing.{topic}");
    let audit = format!("Consumer.audit.{topic}");
    broker.create(&billing).await;
    broker.create(&audit).await;
    let mut req = order_total_as_string("o-vt");
    let body = message(&mut req).payload.clone();
    let mut publisher = Stomp::connect(&broker.address).await;
    let head = format!(
        "SEND\ndestination:/topic/{topic}\npersistent:true\nsalvage-message-id:o-vt\n\
         content-length:{}\nreceipt:pub\n\n",
        body.len()
    );
    publisher.stream.write_all(head.as_bytes()).await.unwrap();
    publisher.stream.write_all(&body).await.unwrap();
    publisher.stream.write_all(b"\0").await.unwrap();
    assert_eq!(publisher.frame().await.command, "RECEIPT");

    // The billing consumer gets the event, fails on it and reports it with its own queue.
    let event = broker.read(&billing, 1).await.remove(0);
    assert_eq!(event.payload, body);
    to(&mut req, &billing);
    let resp = app.client().report(req.clone()).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
    let copy = broker.read(&billing, 1).await.remove(0);
    assert_eq!(copy.headers["salvage-tracking-id"], resp.tracking_id);
    assert_eq!(copy.id, "o-vt");

    // Audit got the event once, from the topic, and nothing from Salvage.
    let seen = broker.read(&audit, 1).await;
    assert_eq!(seen[0].payload, body);
    assert!(!seen[0].headers.contains_key("salvage-tracking-id"));
    let mut stomp = Stomp::connect(&broker.address).await;
    stomp.subscribe(&audit, "").await;
    let more = tokio::time::timeout(Duration::from_secs(2), stomp.frame()).await;
    assert!(more.is_err(), "audit received a second copy: {more:?}");

    // Reporting the topic itself is refused: the copy would reach audit again. It is parked.
    to(&mut req, &format!("topic://{topic}"));
    message(&mut req).id = "o-vt-topic".to_owned();
    let resp = app.client().report(req).await.unwrap().into_inner();
    let parked = eventually(Duration::from_secs(15), || async {
        let rec = app.parked(&resp.tracking_id).await;
        (!rec.is_empty()).then_some(rec)
    })
    .await
    .expect("a copy for a topic is parked");
    assert!(parked["reason"].contains("is a topic"), "{parked:?}");
}

/// ActiveMQ over TLS (`ssl://`, the broker's `stomp+ssl` connector).
struct OverTls {
    plain: Amq,
    url: String,
    ca: std::path::PathBuf,
}

impl Broker for OverTls {
    fn destination(&self) -> DestinationSettings {
        let DestinationSettings::Activemq(s) = self.plain.destination() else {
            unreachable!()
        };
        DestinationSettings::Activemq(ActiveMqSettings {
            url: self.url.clone(),
            tls_ca_file: Some(self.ca.clone()),
            ..s
        })
    }

    async fn create(&self, queue: &str) {
        self.plain.create(queue).await;
    }

    async fn read(&self, queue: &str, n: usize) -> Vec<Received> {
        self.plain.read(queue, n).await
    }
}

/// Over TLS the copy arrives exactly as over TCP, the broker's certificate checked against
/// `tls_ca_file` for the name in the URL; a certificate that CA did not sign is an outage (no
/// fallback to plain text), and nothing is parked.
#[tokio::test]
async fn over_tls_the_copy_arrives_and_an_untrusted_broker_is_an_outage() {
    let certs = crate::support::certs::Certs::generate();
    let keystore = certs.path("server.p12");
    let made = Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:changeit", "-in"])
        .arg(certs.path("server.pem"))
        .arg("-inkey")
        .arg(certs.path("server.key"))
        .arg("-out")
        .arg(&keystore)
        .status()
        .unwrap();
    assert!(made.success(), "openssl pkcs12");
    let amq = ActiveMq::start_with(Some(&keystore));
    let url = format!("ssl://localhost:{}", amq.ssl.unwrap());
    let trusted = OverTls {
        plain: amq.client(),
        url: url.clone(),
        ca: certs.path("ca.pem"),
    };
    super::repaired_message_arrives_exactly(&trusted).await;

    let untrusted = OverTls {
        plain: amq.client(),
        url,
        ca: certs.path("other-ca.pem"),
    };
    let queue = unique("orders");
    untrusted.create(&queue).await;
    super::an_outage_parks_nothing(&untrusted, &queue, &["TLS handshake", "certificate"]).await;
}
