//! Reads that span buckets (`redis.buckets` > 1): the live events, the audit log, the failure
//! groups and the console's last hour read home's keys and every bucket's, merged.
//!
//! Most tests write bucket keys directly (an events entry in bucket 2's `events`, an audit
//! entry in bucket 3's `audit`, a group in bucket 1's `group:<id>`) and read them back through
//! the API, so they do not depend on which bucket a report lands in. The last test reports
//! failures that park in several buckets: it needs the report path in buckets.

use std::collections::HashSet;

use redis::AsyncCommands;
use salvage::proto::v1::{
    self as pb, ParkingLotEvent, list_groups_request::Sort, parking_lot_event::Kind,
};
use serde_json::json;
use tonic::Streaming;

use crate::support::{
    admin::{Admin, next_event},
    cluster::ClusterSet,
    *,
};

/// How many buckets these tests use outside a Cluster.
const BUCKETS: u32 = 4;

async fn spawn_bucketed() -> TestApp {
    spawn_app_with(|s| s.redis.buckets = Some(BUCKETS)).await
}

thread_local! {
    /// The number of buckets of the test running on this thread (its runtime is current-thread):
    /// [`BUCKETS`], or a Cluster's default.
    static COUNT: std::cell::Cell<u32> = const { std::cell::Cell::new(BUCKETS) };
}

/// `key` of bucket `b` (`None`: home) under the test prefix `{salvage}`.
fn key(b: Option<u32>, rest: &str) -> String {
    match b {
        None => format!("{{salvage}}:{rest}"),
        Some(b) => {
            let layout = salvage::store::Layout::new("{salvage}", COUNT.get());
            format!("{}:{rest}", layout.bucket(b).prefix())
        }
    }
}

/// An events entry as the scripts write it; returns its stream id.
async fn add_event(
    conn: &mut (impl redis::aio::ConnectionLike + Send),
    b: Option<u32>,
    tid: &str,
) -> String {
    redis::cmd("XADD")
        .arg(key(b, "events"))
        .arg("*")
        .arg(&[
            ("kind", "parked"),
            ("tids", tid),
            ("queue", "payments"),
            ("group", "g"),
            ("actor", "salvage"),
            ("at", "1700000000000"),
        ])
        .query_async(conn)
        .await
        .unwrap()
}

/// An audit entry as the scripts write it, at stream id `id`, its comment `label`.
async fn add_audit(
    conn: &mut (impl redis::aio::ConnectionLike + Send),
    b: Option<u32>,
    id: &str,
    label: &str,
) {
    let now = salvage_model::now_ms().to_string();
    let ms = id.split('-').next().filter(|_| id != "*").unwrap_or(&now);
    let _: String = redis::cmd("XADD")
        .arg(key(b, "audit"))
        .arg(id)
        .arg(&[
            ("at", ms),
            ("actor", "olivia"),
            ("role", "operator"),
            ("action", "discard"),
            ("tracking_ids", "t"),
            ("message_count", "1"),
            ("comment", label),
        ])
        .query_async(conn)
        .await
        .unwrap();
}

/// A failure group's line in one bucket, as park.lua keeps it.
async fn add_group(
    conn: &mut (impl redis::aio::ConnectionLike + Send),
    b: u32,
    group: &str,
    count: u64,
    (first, last): (u64, u64),
    queue: &str,
) {
    let mut pipe = redis::pipe();
    pipe.hset_multiple(
        key(Some(b), &format!("group:{group}")),
        &[
            ("count", count.to_string()),
            ("first_seen", first.to_string()),
            ("last_seen", last.to_string()),
            ("queue", queue.to_owned()),
            ("code", format!("CODE_{queue}")),
            ("sample_message", format!("first failure on {queue}")),
        ],
    )
    .ignore()
    .zadd(key(Some(b), "groups"), group, last)
    .ignore();
    let () = pipe.query_async(conn).await.unwrap();
}

async fn watch(viewer: &Admin) -> Streaming<ParkingLotEvent> {
    viewer
        .clone()
        .watch_parked(pb::WatchParkedRequest::default())
        .await
        .unwrap()
        .into_inner()
}

/// Every event of `tids` (any order across streams): tracking id → event id.
async fn events_of(
    events: &mut Streaming<ParkingLotEvent>,
    tids: &[&str],
) -> std::collections::HashMap<String, String> {
    let mut seen = std::collections::HashMap::new();
    while seen.len() < tids.len() {
        let e = next_event(events).await;
        assert_eq!(e.kind(), Kind::Parked, "{e:?}");
        let [tid] = &e.tracking_ids[..] else {
            panic!("one tracking id: {e:?}")
        };
        assert!(tids.contains(&tid.as_str()), "{e:?}");
        assert!(
            seen.insert(tid.clone(), e.event_id.clone()).is_none(),
            "{e:?}"
        );
    }
    seen
}

/// Every audit entry, newest first, `size` per page: (id, comment) of each, and the pages.
async fn audit_paged(op: &Admin, size: u32) -> (Vec<(String, String)>, usize) {
    let (mut all, mut token, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let page = op
            .clone()
            .list_audit(pb::ListAuditRequest {
                page_size: size,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.entries.len() <= size as usize);
        pages += 1;
        all.extend(page.entries.into_iter().map(|e| (e.id, e.comment)));
        if page.next_page_token.is_empty() {
            return (all, pages);
        }
        token = page.next_page_token;
        assert!(pages < 50, "paging does not end");
    }
}

/// The audit entries of [`write_audit`], newest first: by stream id (numerically), then home
/// before bucket 0 before bucket 1 …
const AUDIT_ORDER: [&str; 8] = [
    "b1 1700000000001-0",
    "home 1700000000000-1",
    "b3 1700000000000-0",
    "b2 1700000000000-0",
    "home 1700000000000-0",
    "b2 1699999999999-5",
    "b0 1600000000000-10",
    "home 1600000000000-9",
];

/// Audit entries in home's and three buckets' streams, three of them at the same stream id.
async fn write_audit(conn: &mut (impl redis::aio::ConnectionLike + Send)) {
    for label in AUDIT_ORDER.iter().rev() {
        let (place, id) = label.split_once(' ').unwrap();
        let b = place.strip_prefix('b').map(|b| b.parse().unwrap());
        add_audit(conn, b, id, label).await;
    }
}

/// The ids of [`AUDIT_ORDER`] as the API shows them: home's as they are, a bucket's tagged.
fn audit_ids() -> Vec<(String, String)> {
    AUDIT_ORDER
        .iter()
        .map(|label| {
            let (place, id) = label.split_once(' ').unwrap();
            let shown = match place.strip_prefix('b') {
                Some(b) => format!("{id}@{b}"),
                None => id.to_owned(),
            };
            (shown, (*label).to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_watch_sees_events_of_home_and_of_every_bucket() {
    let mut app = spawn_bucketed().await;
    let viewer = app.viewer().await;
    let mut events = watch(&viewer).await;

    add_event(&mut app.conn, None, "t-home").await;
    add_event(&mut app.conn, Some(2), "t-2").await;
    let id3 = add_event(&mut app.conn, Some(3), "t-3").await;
    // The same stream id in another bucket: still two events, with two ids.
    let _: String = redis::cmd("XADD")
        .arg(key(Some(0), "events"))
        .arg(&id3)
        .arg(&[("kind", "parked"), ("tids", "t-0"), ("queue", "payments")])
        .query_async(&mut app.conn)
        .await
        .unwrap();

    let seen = events_of(&mut events, &["t-home", "t-2", "t-3", "t-0"]).await;
    assert!(
        !seen["t-home"].contains('@'),
        "home's ids are stream ids: {seen:?}"
    );
    assert!(seen["t-2"].ends_with("@2"), "{seen:?}");
    assert_eq!(seen["t-3"], format!("{id3}@3"));
    assert_eq!(seen["t-0"], format!("{id3}@0"));

    // And later events still, from each stream where the last read stopped.
    add_event(&mut app.conn, Some(1), "t-1").await;
    add_event(&mut app.conn, Some(2), "t-2b").await;
    events_of(&mut events, &["t-1", "t-2b"]).await;
}

#[tokio::test]
async fn the_audit_log_merges_every_bucket_newest_first_and_pages_strictly() {
    let mut app = spawn_bucketed().await;
    let op = app.operator().await;
    write_audit(&mut app.conn).await;

    let want = audit_ids();
    for size in [1, 2, 3, 8, 50] {
        let (got, pages) = audit_paged(&op, size).await;
        assert_eq!(got, want, "pages of {size}");
        assert!(
            pages >= want.len().div_ceil(size as usize),
            "pages of {size}"
        );
    }

    // The console's audit page (the admin port) reads the same log.
    let cookie = console_sign_in(&app).await;
    let (mut ids, mut token) = (Vec::new(), String::new());
    loop {
        let page = console_get(
            &app,
            &cookie,
            "audit",
            &[("limit", "3"), ("page_token", &token)],
        )
        .await;
        for e in page["entries"].as_array().unwrap() {
            ids.push(e["id"].as_str().unwrap().to_owned());
        }
        token = page["next_page_token"].as_str().unwrap().to_owned();
        if token.is_empty() {
            break;
        }
        assert!(ids.len() <= want.len(), "paging does not end");
    }
    assert_eq!(
        ids,
        want.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()
    );

    // An entry written at home now (as `Store::audit` records a reveal) comes first, the newest.
    add_audit(&mut app.conn, None, "*", "home now").await;
    let (got, _) = audit_paged(&op, 50).await;
    assert_eq!(got.len(), want.len() + 1, "{got:?}");
    assert_eq!(got[0].1, "home now");
    assert_eq!(got[1..], want[..]);
}

#[tokio::test]
async fn a_group_in_several_buckets_is_one_line() {
    let mut app = spawn_bucketed().await;
    let viewer = app.viewer().await;
    let c = &mut app.conn;
    // Group g1: seen first in bucket 3 (on `orders`), last in bucket 1.
    add_group(
        c,
        1,
        "g1",
        2,
        (1_700_000_001_000, 1_700_000_009_000),
        "payments",
    )
    .await;
    add_group(
        c,
        3,
        "g1",
        3,
        (1_700_000_000_500, 1_700_000_003_000),
        "orders",
    )
    .await;
    add_group(
        c,
        0,
        "g1",
        1,
        (1_700_000_002_000, 1_700_000_002_000),
        "shipments",
    )
    .await;
    // Group g2: one bucket only, between g1's last and first.
    add_group(
        c,
        2,
        "g2",
        4,
        (1_700_000_004_000, 1_700_000_005_000),
        "payments",
    )
    .await;

    let list = |sort: Sort| {
        let viewer = viewer.clone();
        async move {
            viewer
                .clone()
                .list_groups(pb::ListGroupsRequest {
                    sort: sort.into(),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .groups
        }
    };
    let recent = list(Sort::Recent).await;
    let ids: Vec<_> = recent.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(ids, ["g1", "g2"], "one line per group, most recent first");
    let g1 = &recent[0];
    assert_eq!(g1.count, 6);
    assert_eq!(g1.first_seen.unwrap().seconds, 1_700_000_000);
    assert_eq!(g1.first_seen.unwrap().nanos, 500_000_000);
    assert_eq!(g1.last_seen.unwrap().seconds, 1_700_000_009);
    assert_eq!(
        g1.origins,
        ["orders"],
        "the bucket that saw it first: {g1:?}"
    );
    assert_eq!(g1.error_code, "CODE_orders");
    assert_eq!(g1.sample_error, "first failure on orders");
    let by_count: Vec<_> = list(Sort::Count)
        .await
        .into_iter()
        .map(|g| (g.group, g.count))
        .collect();
    assert_eq!(by_count, [("g1".to_owned(), 6), ("g2".to_owned(), 4)]);

    // The console's groups page reads the same lines.
    let cookie = console_sign_in(&app).await;
    let page = console_get(&app, &cookie, "groups", &[]).await;
    let text = page.to_string();
    assert!(text.contains("\"g1\"") && text.contains("\"g2\""), "{page}");
}

#[tokio::test]
async fn the_last_hour_adds_up_home_and_every_bucket() {
    let mut app = spawn_bucketed().await;
    let minute = salvage_model::now_ms() / 60_000;
    let stats = format!("stats:{minute}");
    let c = &mut app.conn;
    let _: () = c.hset(key(None, &stats), "parked", 2).await.unwrap();
    let _: () = c.hset(key(None, &stats), "resubmitted", 1).await.unwrap();
    let _: () = c
        .hset(key(Some(2), &stats), "resubmitted", 3)
        .await
        .unwrap();
    let _: () = c
        .hset(
            key(Some(3), &format!("stats:{}", minute - 5)),
            "resubmitted",
            5,
        )
        .await
        .unwrap();

    let cookie = console_sign_in(&app).await;
    let overview = console_get(&app, &cookie, "overview", &[]).await;
    assert_eq!(overview["last_hour"]["resubmitted"], json!(9), "{overview}");
    assert_eq!(overview["last_hour"]["parked"], json!(2), "{overview}");
}

/// On a Redis Cluster (its default 24 buckets, in slots of their own): the tail polls each bucket's events
/// stream, and the audit log and the groups read each bucket on its own node.
#[tokio::test]
async fn on_a_cluster_every_bucket_is_read() {
    let set = tokio::task::spawn_blocking(ClusterSet::start)
        .await
        .unwrap();
    let mut settings = test_settings("redis://127.0.0.1:1");
    settings.redis.cluster = Some(salvage::config::ClusterSettings { urls: set.urls() });
    COUNT.set(settings.redis.bucket_count());
    let app = RunningApp::start(settings).await;
    let mut conn = redis::cluster::ClusterClient::new(set.urls())
        .unwrap()
        .get_async_connection()
        .await
        .unwrap();
    let viewer = app.viewer().await;
    let mut events = watch(&viewer).await;

    let mut tids = Vec::new();
    for b in [0, 5, 11, 15] {
        tids.push(format!("t-{b}"));
        add_event(&mut conn, Some(b), &format!("t-{b}")).await;
    }
    add_event(&mut conn, None, "t-home").await;
    tids.push("t-home".to_owned());
    let want: Vec<&str> = tids.iter().map(String::as_str).collect();
    let seen = events_of(&mut events, &want).await;
    assert!(seen["t-11"].ends_with("@11"), "{seen:?}");
    let ids: HashSet<_> = seen.values().collect();
    assert_eq!(ids.len(), want.len());

    write_audit(&mut conn).await;
    let (got, _) = audit_paged(&viewer, 3).await;
    assert_eq!(got, audit_ids());

    add_group(&mut conn, 4, "g", 2, (2_000, 3_000), "payments").await;
    add_group(&mut conn, 13, "g", 1, (1_000, 2_000), "orders").await;
    let groups = crate::support::admin::groups(&viewer).await.groups;
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(
        (groups[0].count, groups[0].origins.clone()),
        (3, vec!["orders".to_owned()])
    );
}

/// Needs the report path in buckets (merged from the branch that writes a message's state in
/// its bucket): reports of one failure group that park in several buckets make one group line
/// with their summed count, and the watch sees every park.
#[tokio::test]
async fn parks_in_several_buckets_make_one_group_and_reach_the_watch() {
    let app = spawn_bucketed().await;
    let viewer = app.viewer().await;
    let mut events = watch(&viewer).await;
    let n: u64 = 16;
    let reqs: Vec<_> = (0..n).map(|i| fraud_declined(&format!("p-{i}"))).collect();
    let tids = app.park_all(reqs).await;

    let groups = crate::support::admin::groups(&viewer).await.groups;
    assert_eq!(groups.len(), 1, "one line for the group: {groups:?}");
    assert_eq!(groups[0].count, n);

    let want: Vec<&str> = tids.iter().map(String::as_str).collect();
    let seen = events_of(&mut events, &want).await;
    let tagged: HashSet<_> = seen
        .values()
        .filter_map(|id| id.split_once('@').map(|(_, b)| b.to_owned()))
        .collect();
    assert!(tagged.len() > 1, "parks from several buckets: {seen:?}");
}
