//! The conformance suite against NATS JetStream: the shared local server (unique subjects and
//! streams per test), and a private `nats-server` on a free port for the outage.

use std::{
    path::Path,
    process::{Child, Command},
    time::Duration,
};

use async_nats::jetstream;
use salvage::{config::DestinationSettings, destinations::nats::config::NatsSettings};

use futures::StreamExt;
use tokio::sync::mpsc;

use super::{Broker, Received, fast_delivery, race::Consume};
use crate::support::{eventually, ports};

struct Nats {
    url: String,
}

impl Nats {
    async fn js(&self) -> jetstream::Context {
        let client = async_nats::connect(&self.url).await.unwrap();
        jetstream::new(client)
    }
}

impl Broker for Nats {
    fn destination(&self) -> DestinationSettings {
        DestinationSettings::Nats(NatsSettings {
            url: self.url.clone(),
            user: None,
            password: None,
            token: None,
            credentials_file: None,
            tls_ca_file: None,
            tls_required: false,
            delivery: fast_delivery(),
        })
    }

    async fn create(&self, queue: &str) {
        self.js()
            .await
            .create_stream(jetstream::stream::Config {
                name: queue.replace('.', "_"),
                subjects: vec![queue.to_owned()],
                ..Default::default()
            })
            .await
            .unwrap();
    }

    async fn read(&self, queue: &str, n: usize) -> Vec<Received> {
        let js = self.js().await;
        let name = queue.replace('.', "_");
        let ok = eventually(Duration::from_secs(30), || async {
            let info = js.get_stream(&name).await.ok()?.info().await.ok()?.clone();
            (info.state.messages >= n as u64).then_some(())
        })
        .await;
        assert!(ok.is_some(), "{queue}: fewer than {n} messages within 30s");
        let stream = js.get_stream(&name).await.unwrap();
        let mut out = Vec::new();
        for seq in 1..=n as u64 {
            let m = stream.get_raw_message(seq).await.unwrap();
            let headers: std::collections::HashMap<String, String> = m
                .headers
                .iter()
                .flat_map(|(k, vs)| vs.iter().map(move |v| (k.to_string(), v.to_string())))
                .collect();
            out.push(Received {
                payload: m.payload.to_vec(),
                id: headers
                    .get("salvage-message-id")
                    .cloned()
                    .unwrap_or_default(),
                headers,
            });
        }
        out
    }
}

impl Consume for Nats {
    async fn subscribe(&self, queue: &str) -> mpsc::UnboundedReceiver<Received> {
        let js = self.js().await;
        let stream = js.get_stream(queue.replace('.', "_")).await.unwrap();
        let consumer = stream
            .create_consumer(jetstream::consumer::pull::Config {
                deliver_policy: jetstream::consumer::DeliverPolicy::New,
                ack_policy: jetstream::consumer::AckPolicy::None,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut messages = consumer.messages().await.unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(m)) = messages.next().await {
                let headers: std::collections::HashMap<String, String> = m
                    .headers
                    .iter()
                    .flat_map(|h| h.iter())
                    .flat_map(|(k, vs)| vs.iter().map(move |v| (k.to_string(), v.to_string())))
                    .collect();
                let got = Received {
                    payload: m.payload.to_vec(),
                    id: headers
                        .get("salvage-message-id")
                        .cloned()
                        .unwrap_or_default(),
                    headers,
                };
                if tx.send(got).is_err() {
                    break;
                }
            }
        });
        rx
    }
}

fn shared() -> Nats {
    Nats {
        url: "nats://127.0.0.1:4222".to_owned(),
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
async fn failing_every_copy_at_once_loses_nothing() {
    super::race::failing_every_copy_at_once_loses_nothing(&shared(), 1000).await;
}

/// A private `nats-server` with JetStream, its data and log (`nats.log`) in a temporary folder;
/// killed on drop.
struct PrivateNats {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateNats {
    /// Start it on a free port (another one if that one is taken before it binds it).
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (port, child) = ports::on_a_free_port("private nats-server", |port| {
            Ok((port, spawn(dir.path(), port)?))
        });
        Self {
            port,
            dir,
            child: Some(child),
        }
    }

    /// Start it again after [`PrivateNats::stop`], on its port and data.
    fn restart(&mut self) {
        let (dir, port) = (self.dir.path(), self.port);
        self.child = Some(ports::on_its_port("private nats-server", port, || {
            spawn(dir, port)
        }));
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            ports::kill(&mut c);
        }
    }
}

/// Run nats-server with JetStream on `port`, its data in `dir/js`, and wait until it listens.
fn spawn(dir: &Path, port: u16) -> Result<Child, ports::PortTaken> {
    ports::spawn_listening(
        Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.join("js")),
        "private nats-server",
        port,
        &dir.join("nats.log"),
        Duration::from_secs(10),
        "apt-get install nats-server",
    )
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn broker_outage_loses_nothing() {
    let server = std::sync::Arc::new(std::sync::Mutex::new(PrivateNats::start()));
    let nats = Nats {
        url: format!("nats://127.0.0.1:{}", server.lock().unwrap().port),
    };
    let (a, b) = (server.clone(), server.clone());
    super::broker_outage_loses_nothing(
        &nats,
        async move || a.lock().unwrap().stop(),
        async move || b.lock().unwrap().restart(),
    )
    .await;
}

/// The client kits' nats example consumers (`clients/`), in Python and TypeScript.
#[tokio::test]
async fn client_kits_consumers_handle_their_repaired_copies() {
    let broker = shared();
    let app = super::app_with(&broker, |_| {}).await;
    for lang in ["python", "typescript"] {
        let queue = super::unique("orders");
        broker.create(&queue).await;
        super::clients::kit_consumer_handles_its_repaired_copy(
            &app,
            "nats",
            lang,
            "nats://127.0.0.1:4222",
            &queue,
            "broker",
        )
        .await;
    }
}
