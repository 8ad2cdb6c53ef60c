//! Redis Cluster (`redis.cluster`): Salvage keeps its state on a 3 + 3 cluster, requeues to
//! origin streams in other slots through its outbox, each copy once, and keeps going through a
//! primary killed mid-run, a slot moved mid-run, and three Salvage processes at once.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use redis::AsyncCommands;
use salvage::{
    config::Settings,
    proto::v1 as pb,
    store::{Layout, slot_of},
};
use tonic::Code;

use crate::support::{
    admin::{Admin, by_ids, is_final, list_archived, wait_run},
    cluster::ClusterSet,
    *,
};

/// The buckets Salvage lays its state out in on `set` (24 unless `SALVAGE_TEST_BUCKETS`).
fn cluster_layout(set: &ClusterSet) -> Layout {
    Layout::new("{salvage}", cluster_settings(set).redis.bucket_count())
}

/// Salvage's settings for `set`: `redis.cluster` with every node, `redis.url` unused.
fn cluster_settings(set: &ClusterSet) -> Settings {
    let mut s = test_settings("redis://127.0.0.1:1");
    s.redis.cluster = Some(salvage::config::ClusterSettings { urls: set.urls() });
    s
}

async fn start_cluster() -> ClusterSet {
    tokio::task::spawn_blocking(ClusterSet::start)
        .await
        .unwrap()
}

/// A test's own connection to the cluster (follows MOVED and ASK).
async fn cluster_conn(urls: Vec<String>) -> redis::cluster_async::ClusterConnection {
    redis::cluster::ClusterClient::new(urls)
        .unwrap()
        .get_async_connection()
        .await
        .unwrap()
}

/// Every id on stream `queue`, with how many entries carry it.
async fn landed(
    conn: &mut redis::cluster_async::ClusterConnection,
    queue: &str,
) -> HashMap<String, usize> {
    let mut landed = HashMap::new();
    for entry in read_stream(conn, queue).await {
        *landed.entry(entry["id"].clone()).or_default() += 1;
    }
    landed
}

/// Waits (bounded) until stream `queue` holds `n` entries.
async fn await_len(conn: &redis::cluster_async::ClusterConnection, queue: &str, n: usize) {
    let got = eventually(Duration::from_secs(30), || {
        let mut conn = conn.clone();
        async move {
            let len: usize = conn.xlen(queue).await.unwrap();
            (len >= n).then_some(len)
        }
    })
    .await;
    assert_eq!(got, Some(n), "{queue}: not {n} entries within 30 s");
}

/// On a cluster, the repaired copies go back to their origin streams, which live in other slots
/// (on other primaries) than Salvage's keys: each copy once, repaired. Parked messages are listed
/// as on a standalone Redis, a queue that is not a stream gets its message parked with the reason,
/// and Salvage reads ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requeues_reach_streams_in_other_slots_once_and_the_parking_lot_works() {
    let set = start_cluster().await;
    let prefix_slot = slot_of(b"{salvage}");
    assert_ne!(
        slot_of(b"orders"),
        prefix_slot,
        "the test needs another slot"
    );
    assert_ne!(
        set.primary_of_slot(slot_of(b"orders")),
        set.primary_of_slot(prefix_slot),
        "the test needs the origin stream on another primary"
    );
    let app = RunningApp::start(cluster_settings(&set)).await;
    let mut client = app.client();
    let mut conn = cluster_conn(set.urls()).await;

    for i in 0..20 {
        let answer = client
            .report(order_total_as_string(&format!("o-{i}")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(outcome(&answer), pb::Outcome::Requeued, "o-{i}");
    }
    await_len(&conn, "orders", 20).await;
    let entries = read_stream(&mut conn, "orders").await;
    let mut ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20, "each copy once: {ids:?}");
    assert!(
        entries
            .iter()
            .all(|e| e["payload"].contains(r#""total":129.9"#)),
        "repaired: {:?}",
        entries[0]
    );

    // Parked, listed by the parking lot API.
    for i in 0..3 {
        let answer = client
            .report(fraud_declined(&format!("p-{i}")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(outcome(&answer), pb::Outcome::Parked);
    }
    // A queue that holds a list: answered REQUEUED (it goes through the outbox), then parked by
    // the relay with the reason.
    let () = conn.rpush("orders-not-a-stream", "x").await.unwrap();
    let mut odd = order_total_as_string("o-odd");
    origin(&mut odd).queue = "orders-not-a-stream".to_owned();
    let answer = client.report(odd).await.unwrap().into_inner();
    assert_eq!(outcome(&answer), pb::Outcome::Requeued);
    let op = app.operator().await;
    let parked = eventually(Duration::from_secs(30), || {
        let mut op = op.clone();
        async move {
            let list = op
                .list_parked(pb::ListParkedRequest::default())
                .await
                .unwrap()
                .into_inner();
            (list.messages.len() == 4).then_some(list.messages)
        }
    })
    .await
    .expect("4 parked messages listed");
    let odd = parked
        .iter()
        .find(|m| m.id == "o-odd")
        .expect("o-odd parked");
    assert!(
        odd.reason.contains("holds a Redis list, not a stream"),
        "{}",
        odd.reason
    );
    let ready = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200, "{:?}", ready.text().await);
}

/// The parking lot's live view and its operations on a cluster (each script runs on the slot of
/// Salvage's keys, whichever node the client would pick for a keyless one): a watch (its blocking
/// read on a cluster connection of its own) sees three messages parked and one of them
/// resubmitted; the resubmitted copy goes through the outbox (its stream is in another slot) and
/// lands once; a discard, a restore, and the archive's retention (at most one archived message)
/// purging the older of two discarded. A retry is scheduled, promoted and delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_resubmit_discard_restore_purge_and_retry_work_on_a_cluster() {
    use salvage::{config::RetentionSettings, proto::v1::parking_lot_event::Kind};

    let set = start_cluster().await;
    let mut settings = cluster_settings(&set);
    settings.parking_lot.archive = RetentionSettings {
        max_age: None,
        max_count: Some(1),
    };
    settings.parking_lot.retention_interval = Duration::from_millis(100);
    let app = RunningApp::start(settings).await;
    let conn = cluster_conn(set.urls()).await;
    let op = app.operator().await;
    let mut watch = op
        .clone()
        .watch_parked(pb::WatchParkedRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), watch.message())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the watch goes on")
    };
    let tids = app
        .park_all(vec![
            fraud_declined("p-1"),
            fraud_declined("p-2"),
            fraud_declined("p-3"),
        ])
        .await;
    let mut parked = Vec::new();
    while parked.len() < 3 {
        let event = next().await;
        assert_eq!(event.kind(), Kind::Parked, "{event:?}");
        parked.extend(event.tracking_ids);
    }
    parked.sort();
    let mut want = tids.clone();
    want.sort();
    assert_eq!(parked, want);

    let started = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(&tids[..1]),
            options: None,
            dry_run: false,
            comment: "fixed upstream".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    let run = started.run.expect("a run");
    let run = wait_run(&op, &run.run_id, Duration::from_secs(30), is_final).await;
    assert_eq!(run.resubmitted, 1, "{run:?}");
    let event = next().await;
    assert_eq!(event.kind(), Kind::Resubmitted, "{event:?}");
    assert_eq!(event.tracking_ids, tids[..1]);
    await_len(&conn, "payments", 1).await;
    assert_eq!(
        landed(&mut conn.clone(), "payments").await.get("p-1"),
        Some(&1)
    );

    let discard = |ids: &[String]| {
        let op = op.clone();
        let selection = by_ids(ids);
        async move {
            op.clone()
                .discard_parked(pb::DiscardParkedRequest {
                    selection,
                    reason: "a test payment".to_owned(),
                    dry_run: false,
                })
                .await
                .unwrap()
                .into_inner()
                .discarded
        }
    };
    assert_eq!(discard(&tids[1..2]).await, 1);
    let restored = op
        .clone()
        .restore_archived(pb::RestoreArchivedRequest {
            selection: by_ids(&tids[1..2]),
            comment: "not a test after all".to_owned(),
            dry_run: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(restored.restored, 1, "{restored:?}");
    let listed = |op: Admin| async move {
        let mut ids: Vec<String> = op
            .clone()
            .list_parked(pb::ListParkedRequest::default())
            .await
            .unwrap()
            .into_inner()
            .messages
            .into_iter()
            .map(|m| m.tracking_id)
            .collect();
        ids.sort();
        ids
    };
    let mut both = tids[1..].to_vec();
    both.sort();
    assert_eq!(listed(op.clone()).await, both);
    // Both discarded: the archive keeps one, its retention purges the older.
    assert_eq!(discard(&tids[1..]).await, 2);
    assert!(listed(op.clone()).await.is_empty());
    let kept = eventually(Duration::from_secs(10), || async {
        let archived = list_archived(&op, pb::ParkedFilter::default()).await;
        (archived.len() == 1).then_some(archived)
    })
    .await
    .expect("the archive's retention keeps one");
    assert!(tids[1..].contains(&kept[0].tracking_id), "{kept:?}");

    // A retry: scheduled, promoted when due, delivered through the outbox.
    let answer = app
        .client()
        .report(gateway_timeout("g-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&answer), pb::Outcome::RetryScheduled);
    await_len(&conn, "payments", 2).await;
    assert_eq!(
        landed(&mut conn.clone(), "payments").await.get("g-1"),
        Some(&1)
    );
}

/// A relay that died after adding a copy to its stream and before settling the outbox entry left
/// both the copy and the entry (and the marker on the stream's slot): the next relay settles the
/// entry without adding the copy again. An entry without a marker is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_added_before_a_relay_died_is_not_added_again() {
    let set = start_cluster().await;
    let settings = cluster_settings(&set);
    let store = salvage::store::Store::connect(&settings.redis).unwrap();
    let app = RunningApp::start(settings).await;
    let mut conn = cluster_conn(set.urls()).await;

    let entry = |id: &str| {
        vec![
            ("id".to_owned(), id.to_owned()),
            ("payload".to_owned(), format!(r#"{{"order_id":"{id}"}}"#)),
            ("headers".to_owned(), "{}".to_owned()),
        ]
    };
    // The state a relay leaves when it dies between the two steps.
    let tid = "0193a000-0000-7000-8000-000000000001";
    let _: String = conn.xadd("orders", "*", &entry("m-1")).await.unwrap();
    let marker = store.delivery_marker_key("orders");
    assert_eq!(slot_of(marker.as_bytes()), slot_of(b"orders"));
    let () = conn
        .zadd(&marker, tid, salvage_model::now_ms())
        .await
        .unwrap();
    let outbox = cluster_layout(&set).bucket(0).outbox("redis");
    let outbox = outbox.as_str();
    let mut fields = vec![
        ("tracking_id".to_owned(), tid.to_owned()),
        ("destination".to_owned(), "redis".to_owned()),
        ("queue".to_owned(), "orders".to_owned()),
    ];
    fields.extend(entry("m-1"));
    let _: String = conn.xadd(outbox, "*", &fields).await.unwrap();
    let settled = eventually(Duration::from_secs(30), || {
        let mut conn = conn.clone();
        async move {
            let len: usize = conn.xlen(outbox).await.unwrap();
            (len == 0).then_some(())
        }
    })
    .await;
    assert!(settled.is_some(), "the entry was not settled");
    assert_eq!(landed(&mut conn, "orders").await.get("m-1"), Some(&1));

    // Without a marker, an entry is delivered.
    let mut fields = vec![
        (
            "tracking_id".to_owned(),
            "0193a000-0000-7000-8000-000000000002".to_owned(),
        ),
        ("destination".to_owned(), "redis".to_owned()),
        ("queue".to_owned(), "orders".to_owned()),
    ];
    fields.extend(entry("m-2"));
    let _: String = conn.xadd(outbox, "*", &fields).await.unwrap();
    await_len(&conn, "orders", 2).await;
    let landed = landed(&mut conn, "orders").await;
    assert_eq!((landed.get("m-1"), landed.get("m-2")), (Some(&1), Some(&1)));
    let markers: usize = conn.zcard(&marker).await.unwrap();
    assert_eq!(markers, 2, "a marker per delivered copy");
    drop(app);
}

/// On a cluster the replica wait also checks that the server its `WAIT` reached holds the
/// report's outcome (after a failover that server is the new primary, which may lack it). Staged
/// without a failover: the replica of Salvage's primary is stopped (SIGSTOP) so the `WAIT`
/// blocks, the committed message state is deleted meanwhile (what a promoted replica without it
/// would hold), and the replica resumed so the `WAIT` is met: the report is answered UNAVAILABLE
/// (report again), not REQUEUED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_wait_refuses_an_outcome_missing_on_the_primary_it_reached() {
    let set = start_cluster().await;
    let mut settings = cluster_settings(&set);
    settings.redis.response_timeout = Duration::from_secs(5);
    settings.redis.wait_replicas = 1;
    settings.redis.wait_timeout = Duration::from_secs(4);
    let app = RunningApp::start(settings).await;
    let mut client = app.client();
    let first = client
        .report(order_total_as_string("o-0"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&first), pb::Outcome::Requeued);

    // Each message's bucket is on some primary: the replica stopped is that primary's.
    let layout = cluster_layout(&set);
    let state_of = |id: &str| {
        let keys = layout.bucket(layout.of_message("redis", "orders", "", id));
        let state = keys.message(&salvage_model::message_key("redis", "orders", id));
        let home = set.primary_of_slot(slot_of(state.as_bytes()));
        let (replica, pid) = set
            .node_ports()
            .into_iter()
            .zip(set.pids())
            .find(|(port, _)| {
                *port != home && set.command(*port, &["ROLE"]).contains(&home.to_string())
            })
            .expect("the primary of the message's bucket has a replica");
        (state, home, replica, pid)
    };
    let signal = |sig: &str, pid: u32, replica: u16| {
        let ok = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} {pid} (replica on {replica})");
    };
    // The WAIT blocked while the replica is stopped, met once it resumes: `delete` says whether
    // the message state is deleted in between.
    let staged = |id: &'static str, delete: bool| {
        let mut client = app.client();
        let set = &set;
        let signal = &signal;
        let (state, home, replica, pid) = state_of(id);
        async move {
            signal("-STOP", pid, replica);
            let report =
                tokio::spawn(async move { client.report(order_total_as_string(id)).await });
            let committed = eventually(Duration::from_secs(3), || async {
                (set.command(home, &["EXISTS", &state]) == "1").then_some(())
            })
            .await;
            let deleted = delete.then(|| set.command(home, &["DEL", &state]));
            signal("-CONT", pid, replica);
            assert!(committed.is_some(), "{id}: the report was not committed");
            assert!(
                deleted.as_deref().is_none_or(|d| d == "1"),
                "{id}: {deleted:?}"
            );
            report.await.unwrap()
        }
    };
    // The control: the wait met, the outcome there: answered.
    let kept = staged("o-1", false).await.unwrap().into_inner();
    assert_eq!(outcome(&kept), pb::Outcome::Requeued);
    // The outcome missing where the wait was met: UNAVAILABLE, and reporting again records it.
    let refused = staged("o-2", true).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    // The message names the replica wait among the causes, and what to do.
    assert!(
        refused.message().contains("redis.wait_replicas")
            && refused.message().contains("report it again"),
        "{}",
        refused.message()
    );
    let again = app
        .client()
        .report(order_total_as_string("o-2"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&again), pb::Outcome::Requeued);
}

/// What a run under load saw: every answer with when it came.
struct Load {
    answers: Vec<(String, pb::Outcome, Instant)>,
    unavailable: usize,
}

/// `apps.len()` Salvage processes, 4 consumers each reporting `per_consumer` messages to them in
/// turn; `disturb` runs (on a blocking thread) once a quarter were answered.
async fn under_load(
    apps: &[RunningApp],
    per_consumer: usize,
    disturb: impl FnOnce() + Send + 'static,
) -> Load {
    const CONSUMERS: usize = 4;
    let answered = Arc::new(AtomicUsize::new(0));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let mut consumers = Vec::new();
    for c in 0..CONSUMERS {
        let mut client = apps[c % apps.len()].client();
        let answered = answered.clone();
        let unavailable = unavailable.clone();
        consumers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for i in 0..per_consumer {
                let id = format!("c{c}-{i}");
                let got = report_until_answered(&mut client, &id, &unavailable).await;
                answered.fetch_add(1, Ordering::Relaxed);
                outcomes.push((id, got, Instant::now()));
            }
            outcomes
        }));
    }
    let quarter = CONSUMERS * per_consumer / 4;
    let reached = eventually(Duration::from_secs(60), || async {
        (answered.load(Ordering::Relaxed) >= quarter).then_some(())
    })
    .await;
    assert!(reached.is_some(), "the consumers did not get going");
    tokio::task::spawn_blocking(disturb).await.unwrap();
    let mut answers = Vec::new();
    for consumer in consumers {
        answers.extend(consumer.await.unwrap());
    }
    for (id, got, _) in &answers {
        assert!(
            matches!(got, pb::Outcome::Requeued | pb::Outcome::Duplicate),
            "{id}: {got:?}"
        );
    }
    Load {
        answers,
        unavailable: unavailable.load(Ordering::Relaxed),
    }
}

/// Waits (bounded) until every outbox of `destination` on the cluster is empty.
async fn await_outbox_empty(conn: &redis::cluster_async::ClusterConnection, layout: &Layout) {
    let empty = eventually(Duration::from_secs(60), || {
        let mut conn = conn.clone();
        async move {
            for (_, keys) in layout.buckets() {
                let len: usize = conn.xlen(keys.outbox("redis")).await.ok()?;
                if len > 0 {
                    return None;
                }
            }
            Some(())
        }
    })
    .await;
    assert!(empty.is_some(), "the outbox did not drain within 60 s");
}

/// The primary holding Salvage's slot is killed (SIGKILL) under load; the cluster promotes its
/// replica and Salvage goes on without a restart (consumers see UNAVAILABLE in between and report
/// again). With `redis.wait_replicas = 1`, nothing answered is lost, and nothing is doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_replica_wait_a_primary_killed_under_load_loses_and_doubles_nothing() {
    let failover = failover_under_load(1).await;
    assert!(
        failover.lost.is_empty(),
        "answered but lost: {:?}",
        failover.lost
    );
}

/// The same without the replica wait: what is lost was answered within the second before the
/// kill (asynchronous replication), and nothing is doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_replica_wait_a_primary_killed_loses_only_the_last_moments() {
    let failover = failover_under_load(0).await;
    failover.assert_only_the_last_moments_lost("cluster failover without the replica wait");
}

/// Salvage on a cluster (`wait_replicas` as given), four consumers reporting 50 messages each;
/// the primary of Salvage's slot is killed once a quarter were answered, and restarted (it
/// rejoins as a replica) once its replica took over. Asserts that the failover was seen and that
/// nothing landed twice.
async fn failover_under_load(wait_replicas: u32) -> Failover {
    let set = Arc::new(Mutex::new(start_cluster().await));
    let mut settings = cluster_settings(&set.lock().unwrap());
    settings.redis.wait_replicas = wait_replicas;
    settings.redis.wait_timeout = Duration::from_millis(200);
    let apps = [RunningApp::start(settings).await];
    // The failover must be counted: the poller has to know the servers before the kill.
    apps[0].await_stats_polled().await;
    let killed_at = Arc::new(Mutex::new(None));
    let (set2, killed) = (set.clone(), killed_at.clone());
    let load = under_load(&apps, 50, move || {
        let mut set = set2.lock().unwrap();
        let slot = slot_of(b"{salvage}");
        let old = set.kill_primary_of_slot(slot);
        *killed.lock().unwrap() = Some(Instant::now());
        let new = set.await_failover(slot, old);
        assert_ne!(new, old);
        // Back as the new primary's replica (its only one: until then a replica wait cannot
        // be met, and reports are answered UNAVAILABLE).
        set.restart_node(old);
    })
    .await;
    assert!(
        load.unavailable > 0,
        "the failover was not seen by any report"
    );
    let killed_at = killed_at.lock().unwrap().unwrap();
    // The failover is counted (the stats poller saw another primary of Salvage's slot).
    apps[0].await_primary_changes(1).await;
    let urls = set.lock().unwrap().urls();
    let conn = cluster_conn(urls).await;
    let layout = cluster_layout(&set.lock().unwrap());
    await_outbox_empty(&conn, &layout).await;
    let landed = landed(&mut conn.clone(), "orders").await;
    let doubled: Vec<_> = landed.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "doubled: {doubled:?}");
    let lost = load
        .answers
        .iter()
        .filter(|(id, ..)| !landed.contains_key(id))
        .map(|(id, _, at)| (id.clone(), killed_at.saturating_duration_since(*at)))
        .collect();
    drop(apps);
    Failover {
        answered: load.answers.len(),
        lost,
    }
}

/// Three Salvage processes share the cluster while slots move mid-run (MOVED/ASK followed): 1,000
/// slots of the primary holding Salvage's keys by `redis-cli --cluster reshard`, then the slot of
/// Salvage's keys and that of the origin stream by name: every answered message lands on its
/// stream exactly once, none lost (no server died).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_and_slots_moved_mid_run_lose_and_double_nothing() {
    let set = Arc::new(Mutex::new(start_cluster().await));
    let settings = cluster_settings(&set.lock().unwrap());
    let mut apps = Vec::new();
    for _ in 0..3 {
        apps.push(RunningApp::start(settings.clone()).await);
    }
    for app in &apps {
        app.await_stats_polled().await;
    }
    let set2 = set.clone();
    let load = under_load(&apps, 150, move || {
        let set = set2.lock().unwrap();
        let other = |from: u16| {
            set.primary_ports()
                .into_iter()
                .find(|p| *p != from)
                .unwrap()
        };
        // `redis-cli --cluster reshard`: 1,000 slots of the primary holding Salvage's keys to
        // another (its lowest slots: Salvage's own may or may not be among them).
        let home = set.primary_of_slot(slot_of(b"{salvage}"));
        let before = set.slots_of(home).len();
        set.reshard(home, other(home), 1000);
        assert_eq!(set.slots_of(home).len(), before - 1000);
        // Then the slot of Salvage's keys and that of the origin stream, by name.
        for key in [&b"{salvage}"[..], b"orders"] {
            let slot = slot_of(key);
            let from = set.primary_of_slot(slot);
            let to = other(from);
            set.move_slot(slot, to);
            assert_eq!(set.primary_of_slot(slot), to);
        }
    })
    .await;
    for app in &apps {
        app.await_primary_changes(1).await;
    }
    let urls = set.lock().unwrap().urls();
    let conn = cluster_conn(urls).await;
    let layout = cluster_layout(&set.lock().unwrap());
    await_outbox_empty(&conn, &layout).await;
    let landed = landed(&mut conn.clone(), "orders").await;
    let doubled: Vec<_> = landed.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "doubled: {doubled:?}");
    let lost: Vec<_> = load
        .answers
        .iter()
        .filter(|(id, ..)| !landed.contains_key(id))
        .map(|(id, ..)| id)
        .collect();
    assert!(lost.is_empty(), "answered but lost: {lost:?}");
    assert_eq!(landed.len(), 4 * 150);
}

/// Data failures are repaired and requeued; transient ones retried after 10 ms; the report after
/// the third attempt parks (the brokers' race test's rules).
const RACE_RULES: &str = r#"
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

/// The race of the trust issue on a stream in another cluster slot: a consumer fails on every
/// copy the moment it lands (often before the relay has settled the outbox entry on Salvage's
/// slot) and reports it with its headers. Every message ends parked after exactly three copies
/// (the repaired one, two retries), none answered DUPLICATE (the consumer would ack it: lost),
/// none doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_every_copy_at_once_on_a_cluster_loses_and_doubles_nothing() {
    const N: usize = 200;
    let set = start_cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, RACE_RULES).unwrap();
    let mut settings = cluster_settings(&set);
    settings.rules.path = rules;
    let app = RunningApp::start(settings).await;
    let queue = "race";
    assert_ne!(slot_of(queue.as_bytes()), slot_of(b"{salvage}"));

    // The consumer: its own connection (a blocking read), every copy reported at once.
    let mut reader = cluster_conn(set.urls()).await;
    let client = app.client();
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let consumer = tokio::spawn(async move {
        let mut reports = tokio::task::JoinSet::new();
        let mut seen = Vec::new();
        let mut last = "0-0".to_owned();
        loop {
            // Dropped unanswered when a report ends first: nothing is lost, the next read starts
            // after the last entry taken.
            let mut xread = redis::cmd("XREAD");
            xread
                .arg("BLOCK")
                .arg(200)
                .arg("COUNT")
                .arg(100)
                .arg("STREAMS")
                .arg(queue)
                .arg(&last);
            tokio::select! {
                read = xread.query_async::<Option<redis::streams::StreamReadReply>>(&mut reader) => {
                    for stream in read.unwrap().map(|r| r.keys).unwrap_or_default() {
                        for entry in stream.ids {
                            last.clone_from(&entry.id);
                            let field = |f: &str| entry.get::<String>(f).unwrap_or_default();
                            let (id, payload) = (field("id"), field("payload"));
                            let headers: HashMap<String, String> =
                                serde_json::from_str(&field("headers")).unwrap();
                            let mut client = client.clone();
                            reports.spawn(async move {
                                let mut req = report(&id, queue, "Tick", pb::ErrorClass::Transient,
                                    "DOWNSTREAM_TIMEOUT", "downstream timed out", &payload);
                                message(&mut req).headers = headers.clone();
                                let answer = client.report(req).await.expect("report of a copy");
                                (id, headers, answer.into_inner().outcome())
                            });
                        }
                    }
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

    let mut client = app.client();
    for i in 0..N {
        let req = report(
            &format!("m-{i}"),
            queue,
            "Tick",
            pb::ErrorClass::Data,
            "FIX",
            "needs a fix",
            &format!(r#"{{"n":{i}}}"#),
        );
        let answer = client.report(req).await.unwrap().into_inner();
        assert_eq!(outcome(&answer), pb::Outcome::Requeued, "{answer:?}");
    }
    let conn = cluster_conn(set.urls()).await;
    let layout = cluster_layout(&set);
    let all_parked = eventually(Duration::from_secs(60), || {
        let mut conn = conn.clone();
        let layout = &layout;
        async move {
            let mut parked = 0;
            for (_, keys) in layout.buckets() {
                let n: usize = conn.zcard(keys.parked_index()).await.unwrap();
                parked += n;
            }
            (parked >= N).then_some(parked)
        }
    })
    .await;
    stop.send(()).unwrap();
    let seen = consumer.await.unwrap();
    assert_eq!(all_parked, Some(N), "every message ends parked: none lost");

    let duplicates: Vec<_> = seen
        .iter()
        .filter(|(.., o)| *o == pb::Outcome::Duplicate)
        .collect();
    assert!(
        duplicates.is_empty(),
        "copies answered DUPLICATE (lost): {}, e.g. {:?}",
        duplicates.len(),
        duplicates.first()
    );
    let mut per_message: HashMap<&str, Vec<&HashMap<String, String>>> = HashMap::new();
    for (id, headers, _) in &seen {
        per_message.entry(id).or_default().push(headers);
    }
    assert_eq!(per_message.len(), N, "every message's copies arrived");
    for (id, copies) in &per_message {
        let mut attempts: Vec<&str> = copies
            .iter()
            .map(|h| h.get("salvage-attempt").map_or("", String::as_str))
            .collect();
        attempts.sort_unstable();
        assert_eq!(
            attempts,
            ["1", "2", "3"],
            "{id}: one copy per attempt, none doubled"
        );
    }
}

/// On a 3-primary cluster, Salvage's 24 buckets sit 8 on each primary, and 3,000 parked messages
/// spread over the primaries within ±10 % of an even share (1,000 each); the parking lot counts
/// them as one. The ids are a fixed sample (`spread-0` …), so the test is repeatable: random ones
/// would stray past ±10 % now and then at this size (about 3 % of runs at 1,500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_spread_evenly_over_the_primaries() {
    let set = start_cluster().await;
    let layout = cluster_layout(&set);
    let app = RunningApp::start(cluster_settings(&set)).await;
    let reqs = (0..3000)
        .map(|i| fraud_declined(&format!("spread-{i}")))
        .collect();
    let tids = crate::support::admin::park_all(&app.client(), reqs).await;
    assert_eq!(tids.len(), 3000);
    let mut conn = cluster_conn(set.urls()).await;
    let mut per_primary: std::collections::BTreeMap<u16, (usize, usize)> = Default::default();
    for (_, keys) in layout.buckets() {
        let primary = set.primary_of_slot(slot_of(keys.prefix().as_bytes()));
        let n: usize = conn.zcard(keys.parked_index()).await.unwrap();
        let e = per_primary.entry(primary).or_default();
        e.0 += 1;
        e.1 += n;
    }
    assert_eq!(per_primary.len(), 3, "{per_primary:?}");
    for (primary, (buckets, parked)) in &per_primary {
        assert_eq!(*buckets, 8, "primary {primary}: {per_primary:?}");
        assert!(
            (900..=1100).contains(parked),
            "primary {primary} holds {parked} of 3,000: {per_primary:?}"
        );
    }
    let op = app.operator().await;
    let page = op
        .clone()
        .list_parked(pb::ListParkedRequest {
            filter: None,
            page_size: 10,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_in_index, 3000);
}
