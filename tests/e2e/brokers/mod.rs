#![cfg_attr(
    not(any(
        feature = "rabbitmq",
        feature = "nats",
        feature = "kafka",
        feature = "sqs",
        feature = "activemq"
    )),
    allow(
        dead_code,
        reason = "the suite's helpers (and race.rs) serve the brokers this build has"
    )
)]

//! One conformance suite for every broker destination: the same cases run against RabbitMQ, NATS
//! JetStream, Kafka (tansu), Amazon SQS (moto) and ActiveMQ (Debian's), each a real server or
//! emulator. Tests on the shared local servers isolate themselves with unique queue/stream names;
//! the outage test starts a private server on a free port (SQS and ActiveMQ: every test starts
//! its own).

#[cfg(feature = "activemq")]
mod activemq;
mod clients;
#[cfg(feature = "kafka")]
mod kafka;
#[cfg(feature = "nats")]
mod nats;
#[cfg(feature = "rabbitmq")]
mod outsider;
#[cfg(feature = "rabbitmq")]
mod rabbitmq;
mod race;
#[cfg(feature = "sqs")]
mod sqs;

use std::{collections::HashMap, time::Duration};

use salvage::{
    config::{DeliverySettings, DestinationSettings, Settings},
    proto::v1 as pb,
};

use crate::support::*;

/// A message as a consumer of the broker received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The body.
    pub payload: Vec<u8>,
    /// Headers (AMQP headers / NATS headers / Kafka record headers).
    pub headers: HashMap<String, String>,
    /// The message's own id as the broker carries it.
    pub id: String,
}

/// What the suite needs from a broker.
pub trait Broker {
    /// The destination settings Salvage publishes with.
    fn destination(&self) -> DestinationSettings;
    /// Make `queue` exist (a queue, or a stream capturing the subject).
    async fn create(&self, queue: &str);
    /// Wait (bounded) until `n` messages were read from `queue`, and return them in order.
    async fn read(&self, queue: &str, n: usize) -> Vec<Received>;
}

/// Fast delivery retries for tests.
pub fn fast_delivery() -> DeliverySettings {
    DeliverySettings {
        timeout: Duration::from_secs(3),
        max_attempts: 3,
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
    }
}

/// A unique name for this test's queue.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid_like())
}

fn uuid_like() -> String {
    format!("{:x}{:x}", std::process::id(), fastrand_u64())
}

fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// Salvage with the test defaults plus a destination "broker".
pub async fn app_with(broker: &impl Broker, f: impl FnOnce(&mut Settings)) -> TestApp {
    let dest = broker.destination();
    spawn_app_with(move |s| {
        s.destinations.insert("broker".to_owned(), dest);
        f(s);
    })
    .await
}

pub fn to(req: &mut pb::ReportRequest, queue: &str) {
    let o = origin(req);
    o.destination = "broker".to_owned();
    o.queue = queue.to_owned();
}

/// A repaired message arrives at its origin with exactly the bytes the Redis Streams destination
/// delivers for the same report, the original id and headers, and Salvage's headers.
pub async fn repaired_message_arrives_exactly(broker: &impl Broker) {
    let app = app_with(broker, |_| {}).await;
    let queue = unique("orders");
    broker.create(&queue).await;
    let mut req = order_total_as_string("o-1");
    message(&mut req)
        .headers
        .insert("x-origin".to_owned(), "checkout".to_owned());
    let same_on_redis = req.clone();
    to(&mut req, &queue);
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
    let got = broker.read(&queue, 1).await.remove(0);

    app.client().report(same_on_redis).await.unwrap();
    let on_redis = app.await_stream("orders", 1).await.remove(0);
    assert_eq!(
        got.payload,
        on_redis["payload"].as_bytes(),
        "the repaired bytes, exactly"
    );
    let order: serde_json::Value = serde_json::from_slice(&got.payload).unwrap();
    assert_eq!(order["total"].to_string(), "129.90", "the digits as sent");
    assert_eq!(got.id, "o-1", "the original id");
    let h = &got.headers;
    assert_eq!(h["x-origin"], "checkout", "{h:?}");
    assert_eq!(h["salvage-tracking-id"], resp.tracking_id, "{h:?}");
    assert_eq!(h["salvage-attempt"], "1");
    assert_eq!(h["salvage-rule"], "order-total-as-string");
    assert_eq!(h["salvage-error-code"], "INVALID_TYPE");
    assert!(h["traceparent"].starts_with("00-"), "{h:?}");
}

/// Messages with one partition key arrive in the order they were reported. (Not SQS's case: it
/// keeps order only in FIFO queues, per group; `sqs.rs` has its own test.)
#[cfg_attr(
    not(any(
        feature = "rabbitmq",
        feature = "nats",
        feature = "kafka",
        feature = "activemq"
    )),
    allow(dead_code, reason = "SQS runs its FIFO variant")
)]
pub async fn one_key_keeps_its_order(broker: &impl Broker) {
    let app = app_with(broker, |_| {}).await;
    let queue = unique("orders");
    broker.create(&queue).await;
    let mut client = app.client();
    for i in 0..30 {
        let mut req = order_total_as_string(&format!("o-{i}"));
        to(&mut req, &queue);
        origin(&mut req).partition_key = "customer-7".to_owned();
        client.report(req).await.unwrap();
    }
    let got = broker.read(&queue, 30).await;
    let ids: Vec<String> = got.iter().map(|r| r.id.clone()).collect();
    let want: Vec<String> = (0..30).map(|i| format!("o-{i}")).collect();
    assert_eq!(ids, want);
    assert!(got.iter().all(
        |r| r.headers.get("salvage-partition-key").map(String::as_str) == Some("customer-7")
            || r.headers.is_empty()
    ));
}

/// A publish the broker refuses (no such queue/stream) is retried with backoff, visible in the
/// metrics, and parked with the broker's error after `delivery.max_attempts`.
pub async fn refused_publish_is_retried_then_parked(broker: &impl Broker) {
    let app = app_with(broker, |_| {}).await;
    let queue = unique("orders-missing");
    let mut req = order_total_as_string("o-refused");
    to(&mut req, &queue);
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
    let parked = eventually(Duration::from_secs(15), || async {
        let rec = app.parked(&resp.tracking_id).await;
        (!rec.is_empty()).then_some(rec)
    })
    .await
    .expect("the refused message is parked");
    assert!(
        parked["reason"].starts_with(&format!("delivery to {queue} failed: ")),
        "{parked:?}"
    );
    let metrics = app.metrics().await;
    let retries = metrics
        .lines()
        .find(|l| {
            l.starts_with(
                "salvage_requeues_total{destination=\"broker\",path=\"relay\",result=\"retry\"}",
            )
        })
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert_eq!(
        retries, 2.0,
        "two refused attempts before the third parks:\n{metrics}"
    );
    assert!(
        metrics.contains("salvage_parks_total{reason=\"delivery_failed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("salvage_destination_up{destination=\"broker\"} 1"),
        "a refusal is not an outage:\n{metrics}"
    );
}

/// The broker stops while messages are being requeued: reports keep succeeding, the outbox grows,
/// metrics show the destination down and `/readyz` names it while staying ready (the sidecar can
/// still take reports: an unready sidecar would take its consumer's pod out of service); once the
/// broker is back every message arrives, none lost. Before its first delivery attempt the
/// destination is unknown: no `salvage_destination_up` sample, "unknown" in the console.
pub async fn broker_outage_loses_nothing<B: Broker>(
    broker: &B,
    stop: impl AsyncFnOnce(),
    start: impl AsyncFnOnce(),
) {
    let app = app_with(broker, |_| {}).await;
    let queue = unique("orders");
    broker.create(&queue).await;
    // Unknown until tried: the gauges were polled (the outbox's is there), the reachability not.
    let polled = eventually(Duration::from_secs(15), || async {
        let text = app.metrics().await;
        text.contains("salvage_outbox_pending{destination=\"broker\"} 0")
            .then_some(text)
    })
    .await
    .expect("the gauges are polled");
    assert!(
        !polled.contains("salvage_destination_up{destination=\"broker\"}"),
        "not up, not down, before any delivery attempt:\n{polled}"
    );
    let cookie = console_sign_in(&app).await;
    let overview = console_get(&app, &cookie, "overview", &[]).await;
    let row = overview["outbox"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["destination"] == "broker"))
        .cloned();
    assert_eq!(row.map(|r| r["up"].clone()), Some(serde_json::Value::Null));
    let mut client = app.client();
    let send = |i: usize| {
        let mut req = order_total_as_string(&format!("o-{i}"));
        to(&mut req, &queue);
        req
    };
    for i in 0..20 {
        client.report(send(i)).await.unwrap();
    }
    broker.read(&queue, 20).await;

    stop().await;
    for i in 20..60 {
        let resp = client
            .report(send(i))
            .await
            .expect("reports keep succeeding");
        assert_eq!(resp.into_inner().outcome(), pb::Outcome::Requeued);
    }
    // The gauges are polled every `relay.stats_interval`: wait for a poll after the reports.
    let waiting = |text: &str| {
        text.lines().any(|l| {
            l.starts_with("salvage_outbox_pending{destination=\"broker\"}") && !l.ends_with(" 0")
        })
    };
    let down = eventually(Duration::from_secs(15), || async {
        let text = app.metrics().await;
        (text.contains("salvage_destination_up{destination=\"broker\"} 0") && waiting(&text))
            .then_some(())
    })
    .await;
    assert!(
        down.is_some(),
        "the destination shows down and its outbox holds what waits:\n{}",
        app.metrics().await
    );
    let ready = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200, "still accepting reports");
    let text = ready.text().await.unwrap();
    assert!(
        text.starts_with("ready\n") && text.contains("destination broker: down"),
        "{text}"
    );

    start().await;
    let got = broker.read(&queue, 40).await;
    let mut ids: Vec<String> = got.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        40,
        "every message sent during the outage arrived"
    );
    let ready = eventually(Duration::from_secs(15), || async {
        let r = reqwest::get(format!("{}/readyz", app.admin_url))
            .await
            .ok()?;
        (r.status() == 200 && r.text().await.ok()? == "ready\n").then_some(())
    })
    .await;
    assert!(
        ready.is_some(),
        "no destination named down once the broker is back"
    );
}

/// A resubmit run says what became of its copies: the broker refusing every one (no such queue)
/// ends the run COMPLETED_WITH_FAILURES with them counted as delivery failures and parked again,
/// not COMPLETED; copies the broker took end a run COMPLETED with them counted as delivered.
pub async fn resubmit_run_says_what_became_of_its_copies(broker: &impl Broker) {
    use crate::support::admin::{by_ids, is_final, wait_run};
    use pb::run::State;

    let app = app_with(broker, |_| {}).await;
    let op = app.operator().await;
    let gone = unique("payments-gone");
    let good = unique("payments-ok");
    broker.create(&good).await;
    let park = |id: String, queue: &str| {
        let mut req = fraud_declined(&id);
        to(&mut req, queue);
        req
    };
    let refused = app
        .park_all((0..5).map(|i| park(format!("p-gone-{i}"), &gone)).collect())
        .await;
    let fine = app
        .park_all((0..5).map(|i| park(format!("p-ok-{i}"), &good)).collect())
        .await;

    let resubmit = |ids: Vec<String>| {
        let mut op = op.clone();
        async move {
            op.resubmit_parked(pb::ResubmitParkedRequest {
                selection: by_ids(&ids),
                options: None,
                dry_run: false,
                comment: "fixed upstream".to_owned(),
            })
            .await
            .unwrap()
            .into_inner()
            .run
            .unwrap()
            .run_id
        }
    };
    let run_id = resubmit(refused.clone()).await;
    let run = wait_run(&op, &run_id, Duration::from_secs(30), is_final).await;
    assert_eq!(run.state(), State::CompletedWithFailures, "{run:?}");
    assert_eq!(
        (run.resubmitted, run.delivered, run.delivery_failed),
        (5, 0, 5),
        "{run:?}"
    );
    let mut conn = app.conn.clone();
    let parked_again = index_len(&mut conn, |k| k.queue_index(&gone)).await;
    assert_eq!(parked_again, 5, "the refused copies are parked again");

    let run_id = resubmit(fine).await;
    let run = wait_run(&op, &run_id, Duration::from_secs(30), is_final).await;
    assert_eq!(run.state(), State::Completed, "{run:?}");
    assert_eq!(
        (run.resubmitted, run.delivered, run.delivery_failed),
        (5, 5, 0),
        "{run:?}"
    );
    assert_eq!(broker.read(&good, 5).await.len(), 5);
}

/// A broker Salvage cannot talk to (credentials it refuses, a certificate Salvage does not trust)
/// is an outage, not the message's fault: the destination shows down, `/readyz` names the reason
/// (`says`), the copy waits in the outbox, and nothing is parked. `queue` exists.
pub async fn an_outage_parks_nothing(broker: &impl Broker, queue: &str, says: &[&str]) {
    let app = app_with(broker, |_| {}).await;
    let mut req = order_total_as_string("o-creds");
    to(&mut req, queue);
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
    let down = eventually(Duration::from_secs(15), || async {
        let text = app.metrics().await;
        text.contains("salvage_destination_up{destination=\"broker\"} 0")
            .then_some(())
    })
    .await;
    assert!(down.is_some(), "down:\n{}", app.metrics().await);
    let ready = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for words in says {
        assert!(ready.contains(words), "{words:?} in {ready}");
    }
    // Longer than three refused attempts would take (fast_delivery: 50 ms, then 100 ms).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        app.parked(&resp.tracking_id).await.is_empty(),
        "not parked: it waits for the credentials to be fixed"
    );
}
