//! Race tests against real brokers: a consumer that fails on every copy at once, reporting it the
//! moment it arrives — often before the relay has settled the outbox entry it came from. Every
//! message must end parked after exactly its attempts (none lost to a DUPLICATE answer, none
//! doubled), and one key's first copies arrive in the order they were reported.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use redis::AsyncCommands;
use salvage::proto::v1 as pb;
use tokio::sync::mpsc;

use super::{Broker, Received, app_with, to, unique};
use crate::support::*;

/// A broker the test can consume from as a real consumer does: pushed messages, each taken off
/// the queue when it arrives.
pub trait Consume {
    /// Every message of `queue` from now on, as it arrives.
    async fn subscribe(&self, queue: &str) -> mpsc::UnboundedReceiver<Received>;
}

/// Data failures are repaired and requeued; transient ones retried after 10 ms; the report after
/// the third attempt parks.
pub(super) const RULES: &str = r#"
[defaults]
max_attempts = 3
backoff = { initial = "10ms", multiplier = 1.0, max = "10ms", jitter = 0.0 }
on_transient = "retry"
on_other = "park"

[[rule]]
name = "fix"
when.class = "data"
when.code = "FIX"
actions = [{ op = "add", path = "/fixed", value = true }]
decision = "requeue"
"#;

/// Copies per message: the repaired one, then two retries; the fourth report parks.
const COPIES: usize = 3;
const KEYS: usize = 8;

/// What the consumer saw of one copy and what Salvage answered when it reported it.
#[derive(Debug)]
struct Seen {
    /// Arrival order at the consumer.
    seq: usize,
    id: String,
    key: String,
    attempt: String,
    tracking_id: String,
    outcome: pb::Outcome,
}

pub async fn failing_every_copy_at_once_loses_nothing<B: Broker + Consume>(broker: &B, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, RULES).unwrap();
    let app = app_with(broker, |s| s.rules.path = rules).await;
    let queue = unique("race");
    broker.create(&queue).await;
    let mut copies = broker.subscribe(&queue).await;

    // The consumer: every copy fails at once and is reported with all its headers, concurrently.
    let client = app.client();
    let q = queue.clone();
    let arrived = Arc::new(AtomicUsize::new(0));
    let arriving = arrived.clone();
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let consumer = tokio::spawn(async move {
        let mut reports = tokio::task::JoinSet::new();
        let mut seen = Vec::new();
        let mut seq = 0;
        loop {
            tokio::select! {
                copy = copies.recv() => {
                    let Some(copy) = copy else { break };
                    seq += 1;
                    arriving.fetch_add(1, Ordering::Relaxed);
                    let mut client = client.clone();
                    let q = q.clone();
                    reports.spawn(async move {
                        let key = copy.headers.get("salvage-partition-key").cloned().unwrap_or_default();
                        let mut req = report(&copy.id, &q, "Tick", pb::ErrorClass::Transient,
                            "DOWNSTREAM_TIMEOUT", "downstream timed out",
                            std::str::from_utf8(&copy.payload).unwrap());
                        to(&mut req, &q);
                        origin(&mut req).partition_key = key.clone();
                        message(&mut req).headers = copy.headers.clone();
                        let resp = client.report(req).await.expect("report of a copy").into_inner();
                        Seen {
                            seq,
                            id: copy.id,
                            key,
                            attempt: copy.headers.get("salvage-attempt").cloned().unwrap_or_default(),
                            tracking_id: copy.headers.get("salvage-tracking-id").cloned().unwrap_or_default(),
                            outcome: resp.outcome(),
                        }
                    });
                }
                Some(done) = reports.join_next() => seen.push(done.unwrap()),
                _ = &mut stopped => break,
            }
        }
        while let Some(done) = reports.join_next().await {
            seen.push(done.unwrap());
        }
        seen
    });

    // The originals, one key's messages in order (one caller, so the order is the report order).
    let mut client = app.client();
    let mut order: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..n {
        let id = format!("m-{i}");
        let key = format!("k{}", i % KEYS);
        let mut req = report(
            &id,
            &queue,
            "Tick",
            pb::ErrorClass::Data,
            "FIX",
            "needs a fix",
            &format!(r#"{{"n":{i},"amount":12.30}}"#),
        );
        to(&mut req, &queue);
        origin(&mut req).partition_key = key.clone();
        let resp = client.report(req).await.unwrap().into_inner();
        assert_eq!(resp.outcome(), pb::Outcome::Requeued, "{resp:?}");
        order.entry(key).or_default().push(id);
    }

    // Every message ends parked, or the test stops once nothing moved for 20 s: no copy arrived
    // and none parked (a slow broker on a loaded machine is progress, a stall is not).
    let mut conn = app.conn.clone();
    let (mut last, mut since) = ((0usize, 0usize), tokio::time::Instant::now());
    loop {
        let parked = index_len(&mut conn, |k| k.parked_index()).await;
        if parked >= n {
            break;
        }
        let now = (parked, arrived.load(Ordering::Relaxed));
        if now != last {
            (last, since) = (now, tokio::time::Instant::now());
        } else if since.elapsed() > Duration::from_secs(20) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Stop consuming; the reports under way are answered first.
    let parked = index_len(&mut conn, |k| k.parked_index()).await;
    stop.send(()).unwrap();
    let seen = consumer.await.unwrap();
    let stalled = format!(
        "{} of {} copies arrived and {parked} of {n} messages parked before nothing moved for 20 s",
        seen.len(),
        n * COPIES
    );

    let duplicates: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.outcome == pb::Outcome::Duplicate)
        .collect();
    assert!(
        duplicates.is_empty(),
        "{} reports of the copy Salvage sent last were answered DUPLICATE (the consumer acks \
         them: lost), e.g. {:?}",
        duplicates.len(),
        duplicates.first()
    );
    assert_eq!(
        parked, n,
        "every message ends parked: none lost ({stalled})"
    );

    let mut per_message: HashMap<&str, Vec<&Seen>> = HashMap::new();
    for s in &seen {
        per_message.entry(&s.id).or_default().push(s);
    }
    assert_eq!(per_message.len(), n, "every message's copies arrived");
    for (id, copies) in &per_message {
        let mut attempts: Vec<&str> = copies.iter().map(|s| s.attempt.as_str()).collect();
        attempts.sort_unstable();
        assert_eq!(
            attempts,
            ["1", "2", "3"],
            "{id}: one copy per attempt, none doubled"
        );
        let mut tids: Vec<&str> = copies.iter().map(|s| s.tracking_id.as_str()).collect();
        tids.sort_unstable();
        tids.dedup();
        assert_eq!(tids.len(), COPIES, "{id}: distinct copies");
        let last = copies.iter().find(|s| s.attempt == "3").unwrap();
        assert_eq!(
            last.outcome,
            pb::Outcome::Parked,
            "{id}: the fourth report parks"
        );
    }
    // One key's first copies arrive in the order the originals were reported.
    let arrival = first_copy_arrival(&seen);
    for (key, want) in &order {
        let got: Vec<&String> = arrival
            .get(key)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let want: Vec<&String> = want.iter().collect();
        assert_eq!(got, want, "key {key}: first copies in report order");
    }
    // The parked records hold the whole history: four attempts each.
    for i in [0, n / 2, n - 1] {
        let st: HashMap<String, String> = conn
            .hgetall({
                let id = format!("m-{i}");
                let layout = test_layout();
                let b = layout.of_message("broker", &queue, &format!("k{}", i % KEYS), &id);
                layout.bucket(b).message(&message_key_of(&queue, &id))
            })
            .await
            .unwrap();
        assert_eq!(
            st.get("attempts").map(String::as_str),
            Some("4"),
            "m-{i}: {st:?}"
        );
    }
}

/// Ids of the first copies per key, in the order the consumer received them.
fn first_copy_arrival(seen: &[Seen]) -> BTreeMap<String, Vec<String>> {
    let mut firsts: Vec<&Seen> = seen.iter().filter(|s| s.attempt == "1").collect();
    firsts.sort_by_key(|s| s.seq);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in firsts {
        out.entry(s.key.clone()).or_default().push(s.id.clone());
    }
    out
}

fn message_key_of(queue: &str, id: &str) -> String {
    salvage_model::message_key("broker", queue, id)
}
