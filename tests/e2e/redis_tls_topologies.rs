//! TLS to Redis beyond a standalone server: Salvage on a Redis Cluster and on a Sentinel-managed
//! primary whose every process speaks only TLS (`rediss://`) and requires a client certificate
//! signed by the test CA (`support/certs.rs`; the sets of `support/cluster.rs` and
//! `support/sentinel.rs` started with `start_tls`). Salvage is given the CA and the client
//! certificate in `redis.tls`; the tests read what it stored over TLS with clients of their own.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use redis::AsyncCommands;
use salvage::{config::Settings, proto::v1 as pb};
use tonic::Code;

use crate::support::{certs::Certs, cluster::ClusterSet, sentinel::SentinelSet, *};

/// How many reports each test sends (before a failover, and again after it).
const REPORTS: usize = 10;
/// How long Salvage may take to read ready, or to answer again after a failover.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// `/readyz`'s status now.
async fn readyz(app: &RunningApp) -> u16 {
    reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Wait (bounded) until `/readyz` answers 200; panics with the status it answers then.
async fn await_ready(app: &RunningApp) {
    let ready = eventually(READY_TIMEOUT, || async {
        (readyz(app).await == 200).then_some(())
    })
    .await;
    assert!(
        ready.is_some(),
        "/readyz is {}, not 200, after {READY_TIMEOUT:?}",
        readyz(app).await
    );
}

/// Report `id` once: its outcome, or the status of a failed call.
async fn report_once(app: &RunningApp, id: &str) -> Result<pb::Outcome, tonic::Status> {
    let answer = app.client().report(order_total_as_string(id)).await?;
    Ok(outcome(answer.get_ref()))
}

/// A consumer's loop for one message: report until Salvage gives an answer (UNAVAILABLE is
/// "report again later"), for at most 60 s.
async fn report_until_answered(app: &RunningApp, id: &str) -> pb::Outcome {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        match report_once(app, id).await {
            Ok(outcome) => return outcome,
            Err(status) if status.code() == Code::Unavailable => {
                assert!(
                    Instant::now() < deadline,
                    "{id}: still no answer after {READY_TIMEOUT:?}: {status:?}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => panic!("{id}: {status:?}"),
        }
    }
}

/// How many entries of `entries` carry each id.
fn count_ids(entries: &[HashMap<String, String>]) -> HashMap<String, usize> {
    let mut ids = HashMap::new();
    for entry in entries {
        *ids.entry(entry["id"].clone()).or_default() += 1;
    }
    ids
}

/// Asserts that `entries` hold exactly one repaired copy of each of `ids`, and nothing else.
fn assert_once_each_repaired(entries: &[HashMap<String, String>], ids: &[String]) {
    let counted = count_ids(entries);
    let expected: HashMap<String, usize> = ids.iter().map(|id| (id.clone(), 1)).collect();
    assert_eq!(counted, expected, "each copy once");
    for entry in entries {
        assert!(
            entry["payload"].contains(r#""total":129.9"#),
            "repaired: {entry:?}"
        );
    }
}

async fn start_tls_cluster(certs: &Arc<Certs>) -> ClusterSet {
    let certs = certs.clone();
    tokio::task::spawn_blocking(move || ClusterSet::start_tls(&certs))
        .await
        .unwrap()
}

/// Salvage's settings for the TLS cluster `set`: every node's `rediss://` URL in
/// `redis.cluster`, and `redis.tls` with the CA and, when `client_cert`, the client certificate.
fn tls_cluster_settings(set: &ClusterSet, certs: &Certs, client_cert: bool) -> Settings {
    let mut s = test_settings("rediss://127.0.0.1:1");
    s.redis.cluster = Some(salvage::config::ClusterSettings { urls: set.urls() });
    let mut tls = certs.salvage_redis_tls();
    if !client_cert {
        (tls.cert_file, tls.key_file) = (None, None);
    }
    s.redis.tls = Some(tls);
    s
}

/// On a Redis Cluster that speaks only TLS, Salvage connects to every node with the CA and the
/// client certificate of `redis.tls`: it reads ready, answers each report REQUEUED, and its relay
/// adds each repaired copy once to the origin stream, which is on another primary. Without the
/// client certificate the nodes require, it is not ready and answers UNAVAILABLE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_tls_cluster_reports_are_requeued_once_each_and_salvage_is_ready() {
    let certs = Arc::new(Certs::generate());
    let set = start_tls_cluster(&certs).await;
    assert!(set.urls().iter().all(|u| u.starts_with("rediss://")));
    let (orders, prefix) = (
        ClusterSet::slot_of("orders"),
        ClusterSet::slot_of("{salvage}"),
    );
    assert_ne!(
        set.primary_of_slot(orders),
        set.primary_of_slot(prefix),
        "the test needs the origin stream on another primary than Salvage's keys"
    );
    let app = RunningApp::start(tls_cluster_settings(&set, &certs, true)).await;
    await_ready(&app).await;

    let ids: Vec<String> = (0..REPORTS).map(|i| format!("o-{i}")).collect();
    for id in &ids {
        let answer = report_once(&app, id).await;
        assert_eq!(answer.ok(), Some(pb::Outcome::Requeued), "{id}");
    }

    // Read back over TLS with the redis crate's cluster client, given the same certificates.
    let client = redis::cluster::ClusterClientBuilder::new(set.urls())
        .certs(certs.redis_client_tls())
        .build()
        .unwrap();
    let mut conn = client.get_async_connection().await.unwrap();
    let landed = eventually(Duration::from_secs(30), || {
        let mut conn = conn.clone();
        async move {
            let len: usize = conn.xlen("orders").await.unwrap();
            (len >= REPORTS).then_some(len)
        }
    })
    .await;
    assert_eq!(landed, Some(REPORTS), "the copies on the orders stream");
    let reply: redis::streams::StreamRangeReply = conn.xrange_all("orders").await.unwrap();
    let entries: Vec<HashMap<String, String>> = reply
        .ids
        .into_iter()
        .map(|e| {
            (e.map.into_iter())
                .map(|(k, v)| (k, redis::from_redis_value::<String>(v).unwrap()))
                .collect()
        })
        .collect();
    assert_once_each_repaired(&entries, &ids);
    // On Salvage's own slot, its outbox: every entry settled.
    let outbox_left: usize = conn.xlen("{salvage}:outbox:redis").await.unwrap();
    assert_eq!(outbox_left, 0, "the relay settled every outbox entry");
    assert_eq!(readyz(&app).await, 200);

    // The nodes require a client certificate: without one Salvage cannot use the cluster.
    let without = RunningApp::start(tls_cluster_settings(&set, &certs, false)).await;
    let refused = report_once(&without, "o-refused").await;
    assert_eq!(
        refused.as_ref().map_err(tonic::Status::code),
        Err(Code::Unavailable),
        "{refused:?}"
    );
    assert_eq!(readyz(&without).await, 503);
    drop(without);
    drop(app);
}

/// Salvage's settings for the TLS Sentinel set `set`: the sentinels' `rediss://` URLs, a
/// `rediss://` `redis.url` whose address is never used (the sentinels name the primary), and
/// `redis.tls` with the CA and the client certificate; the replica wait, so that what was
/// answered before a failover is on the new primary.
fn tls_sentinel_settings(set: &SentinelSet, certs: &Certs) -> Settings {
    let mut s = test_settings("rediss://127.0.0.1:1");
    s.redis.sentinel = Some(salvage::config::SentinelSettings {
        urls: set.sentinel_urls(),
        master_name: set.master_name().to_owned(),
        poll_interval: Duration::from_millis(50),
    });
    s.redis.tls = Some(certs.salvage_redis_tls());
    s.redis.wait_replicas = 1;
    s.redis.wait_timeout = Duration::from_secs(1);
    s
}

/// The repaired copies on the orders stream of the primary on `port`, read over TLS with the
/// test certificates.
async fn primary_stream(certs: &Certs, port: u16, n: usize) -> Vec<HashMap<String, String>> {
    let url = format!("rediss://127.0.0.1:{port}");
    let client = redis::Client::build_with_tls(url, certs.redis_client_tls()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let entries = await_stream(&mut conn, "orders", n).await;
    // Nothing more arrives meanwhile: every report was answered before this.
    assert_eq!(entries.len(), n, "{entries:?}");
    entries
}

/// On a Sentinel deployment that speaks only TLS (primary, replicas and sentinels), Salvage asks
/// the `rediss://` sentinels where the primary is with the CA and client certificate of
/// `redis.tls`, and reaches the primary the same way: reports are answered, their copies on the
/// primary's stream. The primary is killed; the sentinels promote a replica, Salvage follows it
/// over TLS and answers again, and every answered copy is on the new primary, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_tls_sentinel_set_reports_are_answered_and_follow_a_failover() {
    let certs = Arc::new(Certs::generate());
    let c = certs.clone();
    let set = tokio::task::spawn_blocking(move || SentinelSet::start_tls("salvage-tls", &c))
        .await
        .unwrap();
    assert!(
        set.sentinel_urls()
            .iter()
            .all(|u| u.starts_with("rediss://"))
    );
    let first_primary = set.primary_port();
    let app = RunningApp::start(tls_sentinel_settings(&set, &certs)).await;
    await_ready(&app).await;

    let before: Vec<String> = (0..REPORTS).map(|i| format!("before-{i}")).collect();
    for id in &before {
        let answer = report_once(&app, id).await;
        assert_eq!(answer.ok(), Some(pb::Outcome::Requeued), "{id}");
    }
    let entries = primary_stream(&certs, first_primary, REPORTS).await;
    assert_once_each_repaired(&entries, &before);

    let (set, new_primary) = tokio::task::spawn_blocking(move || {
        let mut set = set;
        let old = set.kill_primary();
        let new = set.await_failover(old);
        (set, new)
    })
    .await
    .unwrap();
    assert_ne!(new_primary, first_primary);

    // Until Salvage follows the new primary and its remaining replica resyncs from it, reports
    // are answered UNAVAILABLE; one recorded before the replica confirmed it is answered
    // DUPLICATE when reported again.
    let after: Vec<String> = (0..REPORTS).map(|i| format!("after-{i}")).collect();
    for id in &after {
        let answer = report_until_answered(&app, id).await;
        assert!(
            matches!(answer, pb::Outcome::Requeued | pb::Outcome::Duplicate),
            "{id}: {answer:?}"
        );
    }
    await_ready(&app).await;
    let all: Vec<String> = before.iter().chain(&after).cloned().collect();
    let entries = primary_stream(&certs, new_primary, all.len()).await;
    assert_once_each_repaired(&entries, &all);
    drop(app);
    drop(set);
}
