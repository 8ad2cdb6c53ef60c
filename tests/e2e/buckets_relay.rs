//! The relay over buckets (`redis.buckets = 4` on a standalone redis-server): due retries of
//! every bucket are promoted and delivered once each, a broker destination publishes from every
//! bucket's outbox under each bucket's own lease and settles (or parks) in the entry's bucket,
//! and the gauges add up the buckets.
//!
//! The tests named `reports_*` go through the report path, which puts a message's state in its
//! bucket: they need that part of the buckets work (until then reports write the home keys,
//! which a deployment with several buckets does not drain). The others write the buckets' keys
//! themselves, as the report path will, and pass on their own.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::future::BoxFuture;
use redis::AsyncCommands;
use salvage::{
    config::Settings,
    destinations::{
        DeliverySettings, Destination, Remote,
        publish::{Broker, BrokerSettings, Outgoing, PublishError, Publisher},
    },
    proto::v1 as pb,
    store::{Store, config::RedisSettings},
};

use crate::support::{
    RedisServer, connect, eventually, fraud_declined, gateway_timeout, manual_clock, outcome,
    read_stream, spawn_app_with, spawn_app_with_clock, use_outbox,
};

const BUCKETS: u32 = 4;

fn four_buckets(s: &mut Settings) {
    s.redis.buckets = Some(BUCKETS);
}

/// A store of its own on `url`, in four buckets.
fn store(url: &str) -> Store {
    let settings = RedisSettings {
        url: url.to_owned(),
        buckets: Some(BUCKETS),
        ..RedisSettings::default()
    };
    Store::connect(&settings).unwrap()
}

/// The prefix of bucket `b` (as `layout.rs` builds it from the default `{salvage}`).
fn bucket(b: u32) -> String {
    salvage::store::Layout::new("{salvage}", BUCKETS)
        .bucket(b)
        .prefix()
        .to_owned()
}

/// A retry job of message `id` to stream `queue` in bucket `b`, due at `due_ms`, written as the
/// report script writes it (no message state: the relay needs none).
async fn schedule(
    conn: &mut redis::aio::MultiplexedConnection,
    b: u32,
    tid: &str,
    id: &str,
    queue: &str,
    due_ms: u64,
) {
    let p = bucket(b);
    let () = conn
        .hset_multiple(
            format!("{p}:job:{tid}"),
            &[
                ("message_key", format!("mk-{id}")),
                ("destination", "redis".to_owned()),
                ("queue", queue.to_owned()),
                ("id", id.to_owned()),
                ("payload", format!(r#"{{"id":"{id}"}}"#)),
                ("headers", "{}".to_owned()),
            ],
        )
        .await
        .unwrap();
    let () = conn
        .zadd(format!("{p}:retries"), tid, due_ms)
        .await
        .unwrap();
}

/// Each id exactly once on `entries`.
fn once_each(entries: &[HashMap<String, String>], ids: &[String]) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for e in entries {
        *seen.entry(e["id"].as_str()).or_default() += 1;
    }
    for id in ids {
        assert_eq!(seen.get(id.as_str()), Some(&1), "{id}: {seen:?}");
    }
    assert_eq!(entries.len(), ids.len(), "{seen:?}");
}

async fn zcard(conn: &mut redis::aio::MultiplexedConnection, key: String) -> u64 {
    conn.zcard(key).await.unwrap()
}

/// Retries scheduled in every bucket are moved and delivered by the relay, each once; the
/// buckets' schedules and outboxes end empty.
#[tokio::test]
async fn retries_of_every_bucket_are_promoted_and_delivered_once() {
    let app = spawn_app_with(|s| {
        four_buckets(s);
        use_outbox(s);
    })
    .await;
    let mut conn = app.conn.clone();
    let now = salvage_model::now_ms();
    let ids: Vec<String> = (0..40).map(|i| format!("r-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let b = u32::try_from(i).unwrap() % BUCKETS;
        let tid = app_tid(b, id);
        schedule(&mut conn, b, &tid, id, "bk-retries", now.saturating_sub(1)).await;
    }
    app.await_stream("bk-retries", ids.len()).await;
    // A little longer: a second copy would show up by now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    once_each(&app.stream("bk-retries").await, &ids);
    for b in 0..BUCKETS {
        let p = bucket(b);
        assert_eq!(
            zcard(&mut conn, format!("{p}:retries")).await,
            0,
            "bucket {b}"
        );
        let left: u64 = conn.xlen(format!("{p}:outbox:redis")).await.unwrap();
        assert_eq!(left, 0, "bucket {b}'s outbox");
    }
}

/// A tracking id for a test's job (any unique text does for the relay).
fn app_tid(b: u32, id: &str) -> String {
    format!("t{b}-{id}")
}

/// The store takes up to `limit` due retries from each bucket in one call, and only due ones.
#[tokio::test]
async fn promotion_takes_a_batch_from_each_bucket() {
    let redis = RedisServer::start();
    let store = store(&redis.url());
    let mut conn = connect(&redis.url()).await;
    let now = salvage_model::now_ms();
    for b in 0..BUCKETS {
        for i in 0..10 {
            let id = format!("p-{b}-{i}");
            schedule(&mut conn, b, &app_tid(b, &id), &id, "bk-promote", now - 1).await;
        }
        let later = format!("later-{b}");
        schedule(
            &mut conn,
            b,
            &app_tid(b, &later),
            &later,
            "bk-promote",
            now + 60_000,
        )
        .await;
    }
    assert_eq!(store.promote_due_retries(now, 6).await.unwrap(), 24);
    assert_eq!(store.promote_due_retries(now, 6).await.unwrap(), 16);
    assert_eq!(store.promote_due_retries(now, 6).await.unwrap(), 0);
    for b in 0..BUCKETS {
        let p = bucket(b);
        let outbox: u64 = conn.xlen(format!("{p}:outbox:redis")).await.unwrap();
        assert_eq!(outbox, 10, "bucket {b}: its own retries, in its own outbox");
        assert_eq!(zcard(&mut conn, format!("{p}:retries")).await, 1);
    }
    let fields = salvage::destinations::StreamFields::default();
    let drained = store.drain_local("redis", &fields, 100, now).await.unwrap();
    assert_eq!(drained.delivered, 40);
    let ids: Vec<String> = (0..BUCKETS)
        .flat_map(|b| (0..10).map(move |i| format!("p-{b}-{i}")))
        .collect();
    once_each(&read_stream(&mut conn, "bk-promote").await, &ids);
}

/// A broker that records what it was given, and refuses queue "refused".
#[derive(Debug)]
struct Recorder {
    log: Arc<Mutex<Vec<Outgoing>>>,
}

#[derive(Debug, Clone)]
struct RecorderSettings {
    delivery: DeliverySettings,
    log: Arc<Mutex<Vec<Outgoing>>>,
}

impl BrokerSettings for RecorderSettings {
    fn delivery(&self) -> &DeliverySettings {
        &self.delivery
    }
}

impl Publisher for Recorder {
    fn publish<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            if message.message.queue == "refused" {
                return Err(PublishError::Rejected("no such queue".to_owned()));
            }
            self.log.lock().unwrap().push(message.clone());
            Ok(())
        })
    }
}

impl Broker for Recorder {
    type Settings = RecorderSettings;

    fn new(settings: &RecorderSettings) -> Self {
        Self {
            log: settings.log.clone(),
        }
    }
}

/// An outbox entry of destination "fake" in bucket `b`, as the report script writes it.
async fn enqueue(conn: &mut redis::aio::MultiplexedConnection, b: u32, tid: &str, queue: &str) {
    let () = redis::cmd("XADD")
        .arg(format!("{}:outbox:fake", bucket(b)))
        .arg("*")
        .arg("tracking_id")
        .arg(tid)
        .arg("message_key")
        .arg(format!("mk-{tid}"))
        .arg("destination")
        .arg("fake")
        .arg("queue")
        .arg(queue)
        .arg("id")
        .arg(format!("id-{tid}"))
        .arg("payload")
        .arg("{}")
        .arg("headers")
        .arg("{}")
        .query_async(conn)
        .await
        .unwrap();
}

/// A broker destination publishes from every bucket's outbox, each under its own lease (a
/// bucket another process holds is left to it, and taken over once its lease is gone), and
/// settles each entry in its bucket: a refused one is parked there.
#[tokio::test]
async fn a_broker_outbox_is_published_from_every_bucket() {
    let redis = RedisServer::start();
    let store = store(&redis.url());
    let mut conn = connect(&redis.url()).await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let settings = RecorderSettings {
        delivery: DeliverySettings {
            max_attempts: 1,
            ..DeliverySettings::default()
        },
        log: log.clone(),
    };
    let fake = Remote::of::<Recorder>("fake", "recorder", &settings);
    let mut sent = Vec::new();
    for b in [0, 1, 3] {
        for i in 0..3 {
            let tid = format!("tid-{b}-{i}");
            enqueue(&mut conn, b, &tid, "orders").await;
            sent.push(tid);
        }
    }
    enqueue(&mut conn, 2, "tid-refused", "refused").await;
    // Another process holds bucket 3's outbox.
    let () = conn
        .set_ex(format!("{}:outbox:fake:lease", bucket(3)), "another", 60)
        .await
        .unwrap();

    let now = salvage_model::now_ms();
    let first = fake.drain(&store, 100, now).await.unwrap();
    assert_eq!((first.delivered, first.parked), (6, 1), "{first:?}");
    let left: u64 = conn
        .xlen(format!("{}:outbox:fake", bucket(3)))
        .await
        .unwrap();
    assert_eq!(left, 3, "bucket 3 is left to its lease holder");
    // Parked in the bucket the entry came from.
    let parked: bool = conn
        .exists(format!("{}:parked:tid-refused", bucket(2)))
        .await
        .unwrap();
    assert!(parked, "the refused entry is parked in bucket 2");
    let home: bool = conn.exists("{salvage}:parked:tid-refused").await.unwrap();
    assert!(!home, "not under the home prefix");

    // The holder died: its lease expires, and this process takes bucket 3 over.
    let () = conn
        .del(format!("{}:outbox:fake:lease", bucket(3)))
        .await
        .unwrap();
    let second = fake.drain(&store, 100, now).await.unwrap();
    assert_eq!(second.delivered, 3, "{second:?}");
    let published: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|o| o.tracking_id.clone())
        .collect();
    assert_eq!(
        published.iter().collect::<HashSet<_>>(),
        sent.iter().collect::<HashSet<_>>()
    );
    assert_eq!(published.len(), sent.len(), "each published once");
    for b in 0..BUCKETS {
        let left: u64 = conn
            .xlen(format!("{}:outbox:fake", bucket(b)))
            .await
            .unwrap();
        assert_eq!(left, 0, "bucket {b}");
        let lease: Option<String> = conn
            .get(format!("{}:outbox:fake:lease", bucket(b)))
            .await
            .unwrap();
        if [0, 1, 3].contains(&b) {
            assert!(lease.is_some(), "bucket {b}: its own lease");
        }
    }
}

/// Parked messages of bucket `b`: `n` of them in queue `queue` and group `group`, parked at
/// `at + i`, counted as `park.lua` counts them.
async fn park(
    conn: &mut redis::aio::MultiplexedConnection,
    b: u32,
    n: u64,
    queue: &str,
    group: &str,
    at: u64,
) {
    let p = bucket(b);
    for i in 0..n {
        let tid = format!("parked-{b}-{queue}-{group}-{i}");
        let () = conn
            .zadd(format!("{p}:idx:parked"), tid, at + i)
            .await
            .unwrap();
    }
    let () = conn.zincr(format!("{p}:queues"), queue, n).await.unwrap();
    let () = conn
        .zincr(format!("{p}:groups:count"), group, n)
        .await
        .unwrap();
    let () = conn
        .hset_multiple(
            format!("{p}:group:{group}"),
            &[("queue", queue), ("code", "FRAUD_DECLINED")],
        )
        .await
        .unwrap();
}

/// The gauges add up the buckets: totals, each queue and each group one line with its count over
/// all buckets (labels from a bucket that has them), the oldest parked message of any bucket.
#[tokio::test]
async fn gauges_sum_over_buckets() {
    let app = spawn_app_with(four_buckets).await;
    let mut conn = app.conn.clone();
    let at = salvage_model::now_ms() - 3_600_000;
    // payments: 1 + 2 + 3 = 6 in group g-pay; orders: 4 in g-ord, in bucket 3 only (its labels
    // are there alone).
    park(&mut conn, 0, 1, "payments", "g-pay", at + 500).await;
    park(&mut conn, 1, 2, "payments", "g-pay", at + 100).await;
    park(&mut conn, 2, 3, "payments", "g-pay", at + 200).await;
    park(&mut conn, 3, 4, "orders", "g-ord", at).await;
    for b in 0..BUCKETS {
        // Far from due: the relay leaves them.
        let () = conn
            .zadd(
                format!("{}:retries", bucket(b)),
                format!("later-{b}"),
                at * 2,
            )
            .await
            .unwrap();
        let () = conn
            .zadd(format!("{}:idx:archive", bucket(b)), format!("a-{b}"), at)
            .await
            .unwrap();
        let () = redis::cmd("XADD")
            .arg(format!("{}:outbox:elsewhere", bucket(b)))
            .arg("*")
            .arg("x")
            .arg("1")
            .query_async(&mut conn)
            .await
            .unwrap();
    }

    let stats = store(&app.redis.url())
        .stats(&["elsewhere".to_owned()], 20, 10)
        .await
        .unwrap();
    assert_eq!(stats.parked, 10);
    assert_eq!(stats.retries, 4);
    assert_eq!(stats.archived, 4);
    assert_eq!(stats.outbox, vec![("elsewhere".to_owned(), 4)]);
    assert_eq!(stats.oldest_parked_ms, Some(at));
    assert_eq!(
        stats.parked_by_queue,
        vec![("payments".to_owned(), 6), ("orders".to_owned(), 4)]
    );
    let labelled =
        |g: &str, q: &str, n| (g.to_owned(), q.to_owned(), "FRAUD_DECLINED".to_owned(), n);
    assert_eq!(
        stats.top_groups,
        vec![
            labelled("g-pay", "payments", 6),
            labelled("g-ord", "orders", 4)
        ]
    );

    let text = eventually(Duration::from_secs(5), || async {
        let t = app.metrics().await;
        t.contains("salvage_parked_messages 10").then_some(t)
    })
    .await
    .expect("the parked gauge reaches 10");
    for line in [
        "salvage_retries_scheduled 4",
        "salvage_archived_messages 4",
        r#"salvage_parked_messages_by_queue{queue="payments"} 6"#,
        r#"salvage_parked_messages_by_queue{queue="orders"} 4"#,
        r#"salvage_parked_top_group_messages{group="g-pay",queue="payments",code="FRAUD_DECLINED"} 6"#,
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
    let age = text
        .lines()
        .find_map(|l| l.strip_prefix("salvage_parked_oldest_age_seconds "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no oldest age\n{text}"));
    assert!(age >= 3600.0, "the oldest of any bucket: {age}");
}

/// Needs the report path's buckets. Retries scheduled by reports land in several buckets, and
/// each is delivered once when due.
#[tokio::test]
async fn reports_retried_in_several_buckets_are_delivered_once() {
    let clock = manual_clock();
    let app = spawn_app_with_clock(clock.clone(), four_buckets).await;
    let mut client = app.client();
    let ids: Vec<String> = (0..40).map(|i| format!("pay-{i}")).collect();
    for id in &ids {
        let resp = client
            .report(gateway_timeout(id))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::RetryScheduled, "{resp:?}");
    }
    let mut conn = app.conn.clone();
    let mut per_bucket = Vec::new();
    for b in 0..BUCKETS {
        per_bucket.push(zcard(&mut conn, format!("{}:retries", bucket(b))).await);
    }
    assert_eq!(per_bucket.iter().sum::<u64>(), 40, "{per_bucket:?}");
    assert!(
        per_bucket.iter().filter(|n| **n > 0).count() >= 2,
        "spread over buckets: {per_bucket:?}"
    );
    clock.advance(Duration::from_secs(2));
    app.await_stream("payments", ids.len()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    once_each(&app.stream("payments").await, &ids);
}

/// Needs the report path's buckets. Parks by reports land in several buckets; the gauges count
/// them all, one line for their queue and their group.
#[tokio::test]
async fn reports_parked_in_several_buckets_are_counted_once_each() {
    let app = spawn_app_with(four_buckets).await;
    let mut client = app.client();
    for i in 0..20 {
        let resp = client
            .report(fraud_declined(&format!("fraud-{i}")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    }
    let mut conn = app.conn.clone();
    let mut per_bucket = Vec::new();
    for b in 0..BUCKETS {
        per_bucket.push(zcard(&mut conn, format!("{}:idx:parked", bucket(b))).await);
    }
    assert!(
        per_bucket.iter().filter(|n| **n > 0).count() >= 2,
        "spread over buckets: {per_bucket:?}"
    );
    let text = eventually(Duration::from_secs(5), || async {
        let t = app.metrics().await;
        t.contains("salvage_parked_messages 20").then_some(t)
    })
    .await
    .expect("the parked gauge reaches 20");
    assert!(
        text.contains(r#"salvage_parked_messages_by_queue{queue="payments"} 20"#),
        "{text}"
    );
    let groups: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("salvage_parked_top_group_messages{"))
        .collect();
    assert_eq!(groups.len(), 1, "one group, one line: {groups:?}");
    assert!(groups[0].ends_with(" 20"), "{groups:?}");
}
