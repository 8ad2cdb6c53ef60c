//! The conformance suite against RabbitMQ: the shared local server (guest/guest on 5672) with one
//! unique queue per test, and a private `rabbitmq-server` node on a free port for the outage.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use lapin::{
    Connection, ConnectionProperties,
    options::{BasicConsumeOptions, BasicGetOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable},
};
use salvage::{config::DestinationSettings, destinations::rabbitmq::config::RabbitMqSettings};

use futures::StreamExt;
use tokio::sync::mpsc;

use super::{Broker, Received, fast_delivery, race::Consume};
use crate::support::ports;

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

struct Rabbit {
    url: String,
    /// Every queue declared, to declare again after a restart (as a consumer does on connect).
    queues: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Rabbit {
    async fn channel(&self) -> lapin::Channel {
        let conn = Connection::connect(&self.url, ConnectionProperties::default())
            .await
            .expect("RabbitMQ reachable (guest/guest)");
        conn.create_channel().await.unwrap()
    }
}

fn shared() -> Rabbit {
    Rabbit {
        url: URL.to_owned(),
        queues: std::sync::Arc::default(),
    }
}

fn text(v: &AMQPValue) -> String {
    match v {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.as_str().to_owned(),
        other => format!("{other:?}"),
    }
}

/// What a consumer sees of a delivery.
fn received(d: &lapin::message::Delivery) -> Received {
    let p = &d.properties;
    let headers = p
        .headers()
        .as_ref()
        .map(|t| {
            t.inner()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), text(v)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(*p.delivery_mode(), Some(2), "persistent delivery");
    Received {
        payload: d.data.clone(),
        id: p
            .message_id()
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        headers,
    }
}

impl Consume for Rabbit {
    async fn subscribe(&self, queue: &str) -> mpsc::UnboundedReceiver<Received> {
        let ch = self.channel().await;
        let mut consumer = ch
            .basic_consume(
                queue.into(),
                "race-consumer".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let _channel = ch;
            while let Some(Ok(d)) = consumer.next().await {
                if tx.send(received(&d)).is_err() {
                    break;
                }
            }
        });
        rx
    }
}

impl Broker for Rabbit {
    fn destination(&self) -> DestinationSettings {
        DestinationSettings::Rabbitmq(RabbitMqSettings {
            url: self.url.clone(),
            exchange: String::new(),
            routing_key: None,
            tls_ca_file: None,
            delivery: fast_delivery(),
        })
    }

    async fn create(&self, queue: &str) {
        self.channel()
            .await
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        self.queues.lock().unwrap().push(queue.to_owned());
    }

    async fn read(&self, queue: &str, n: usize) -> Vec<Received> {
        let ch = self.channel().await;
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while out.len() < n {
            let got = ch
                .basic_get(queue.into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap();
            match got {
                Some(m) => out.push(received(&m.delivery)),
                None => {
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "{queue}: {} of {n} messages within 30s",
                        out.len()
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        out
    }
}

#[tokio::test]
async fn repaired_message_arrives_exactly() {
    super::repaired_message_arrives_exactly(&shared()).await;
}

#[tokio::test]
async fn one_key_keeps_its_order() {
    super::one_key_keeps_its_order(&shared()).await;
}

#[tokio::test]
async fn refused_publish_is_retried_then_parked() {
    super::refused_publish_is_retried_then_parked(&shared()).await;
}

#[tokio::test]
async fn resubmit_run_says_what_became_of_its_copies() {
    super::resubmit_run_says_what_became_of_its_copies(&shared()).await;
}

#[tokio::test]
async fn python_consumer_failing_every_copy_loses_nothing() {
    super::outsider::python_consumer_failing_every_copy_loses_nothing(&shared(), URL).await;
}

#[tokio::test]
async fn failing_every_copy_at_once_loses_nothing() {
    super::race::failing_every_copy_at_once_loses_nothing(&shared(), 1000).await;
}

/// A private RabbitMQ node: its own name, ports and data folder (RabbitMQ drops to its own user,
/// so the folder is world-writable); stopped on drop. Its output is in `out` and its log in
/// `log/` in that folder.
struct PrivateRabbit {
    port: u16,
    node: String,
    dir: tempfile::TempDir,
    /// The start script we spawned (reaped after a kill).
    child: std::sync::Mutex<Option<Child>>,
}

impl PrivateRabbit {
    /// Start it on a free port (other ones if its AMQP or distribution port is taken before it
    /// binds it) and wait until it listens.
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("mnesia")).unwrap();
        std::fs::create_dir_all(d.join("log")).unwrap();
        std::fs::write(d.join("enabled_plugins"), "[].\n").unwrap();
        let (port, child) = ports::on_a_free_port("private rabbitmq-server", |port| {
            Ok((port, spawn_rabbit(d, &node_name(port), port)?))
        });
        Self {
            port,
            node: node_name(port),
            dir,
            child: std::sync::Mutex::new(Some(child)),
        }
    }

    /// Start it again after [`PrivateRabbit::stop`], on its port and data.
    fn restart(&self) {
        let child = ports::on_its_port("private rabbitmq-server", self.port, || {
            spawn_rabbit(self.dir.path(), &self.node, self.port)
        });
        *self.child.lock().unwrap() = Some(child);
    }

    /// Kill every process of this node, and reap the start script.
    fn kill(&self) {
        kill_node(&self.node);
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.wait();
        }
    }

    fn stop(&self) {
        self.kill();
        let port = self.port;
        let down = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(25));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        });
        assert!(down, "private rabbitmq-server did not stop");
    }
}

/// The node name of the private node on `port`.
fn node_name(port: u16) -> String {
    format!("salvagetest{port}@localhost")
}

/// Run rabbitmq-server as `node` in `dir` with AMQP on `port` and its distribution on a free
/// port, and wait until its log says it listens on `port`.
fn spawn_rabbit(dir: &Path, node: &str, port: u16) -> Result<Child, ports::PortTaken> {
    std::fs::write(
        dir.join("rabbitmq.conf"),
        format!("listeners.tcp.default = 127.0.0.1:{port}\nloopback_users = none\n"),
    )
    .unwrap();
    // The node runs as the rabbitmq user: let it use the folder.
    let _ = Command::new("chmod")
        .arg("-R")
        .arg("a+rwx")
        .arg(dir)
        .status();
    let (out, log) = (dir.join("out"), dir.join("log").join(format!("{node}.log")));
    let marks = (ports::len(&out), ports::len(&log));
    let output = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&out)
        .and_then(|file| Ok((file.try_clone()?, file)))
        .unwrap();
    let mut child = Command::new("rabbitmq-server")
        .current_dir(dir)
        .env("RABBITMQ_NODENAME", node)
        .env("RABBITMQ_NODE_PORT", port.to_string())
        .env("RABBITMQ_DIST_PORT", ports::free_port().to_string())
        .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
        .env("RABBITMQ_LOG_BASE", dir.join("log"))
        .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
        .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq"))
        .env("RABBITMQ_PID_FILE", dir.join("pid"))
        .stdin(Stdio::null())
        .stdout(output.0)
        .stderr(output.1)
        .spawn()
        .expect("rabbitmq-server on PATH (apt-get install rabbitmq-server)");
    // Its own line, not a connection: another process may hold the port.
    let listening = format!("started TCP listener on 127.0.0.1:{port}");
    ports::await_ready(
        &format!("private rabbitmq-server on port {port}"),
        &mut child,
        Duration::from_secs(60),
        || {
            format!(
                "{}{}",
                ports::read_from(&out, marks.0),
                ports::read_from(&log, marks.1)
            )
        },
        || ports::read_from(&log, marks.1).contains(&listening),
        |child| {
            kill_node(node);
            let _ = child.wait();
        },
    )?;
    Ok(child)
}

/// Kill every process of `node`: the start script, `su`, beam.smp and its helpers all carry the
/// node name in their environment (not in their command lines).
fn kill_node(node: &str) {
    let needle = format!("RABBITMQ_NODENAME={node}");
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let environ = std::fs::read(p.path().join("environ")).unwrap_or_default();
        if environ.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

impl Drop for PrivateRabbit {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn broker_outage_loses_nothing() {
    let server = std::sync::Arc::new(PrivateRabbit::start());
    let rabbit = Rabbit {
        url: format!("amqp://guest:guest@127.0.0.1:{}/%2f", server.port),
        queues: std::sync::Arc::default(),
    };
    let (a, b) = (server.clone(), server.clone());
    // After the restart the consumer declares its queue again, as consumers do on connect: a
    // durable queue declared seconds before a kill -9 of a loaded node was seen missing after it.
    let again = Rabbit {
        url: rabbit.url.clone(),
        queues: rabbit.queues.clone(),
    };
    super::broker_outage_loses_nothing(
        &rabbit,
        async move || tokio::task::spawn_blocking(move || a.stop()).await.unwrap(),
        async move || {
            tokio::task::spawn_blocking(move || b.restart())
                .await
                .unwrap();
            let queues = again.queues.lock().unwrap().clone();
            for queue in queues {
                again.create(&queue).await;
            }
        },
    )
    .await;
}

/// The client kits' rabbitmq example consumers (`clients/`), in Python and TypeScript.
#[tokio::test]
async fn client_kits_consumers_handle_their_repaired_copies() {
    let broker = shared();
    let app = super::app_with(&broker, |_| {}).await;
    for lang in ["python", "typescript"] {
        let queue = super::unique("orders");
        broker.create(&queue).await;
        super::clients::kit_consumer_handles_its_repaired_copy(
            &app, "rabbitmq", lang, URL, &queue, "broker",
        )
        .await;
    }
}
