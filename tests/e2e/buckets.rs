//! `redis.buckets`: the number of buckets is fixed by a deployment's first start, and messages
//! spread over them. (The parking-lot suites run again with `SALVAGE_TEST_BUCKETS=4` in
//! `.ci/run`: listing, groups, runs, retention, watch and audit across buckets.)

use redis::AsyncCommands;
use salvage::{startup::Application, store::Layout};

use crate::support::*;

/// A deployment's first start records its number of buckets; a later start with another number
/// is refused with a message that names the recorded one, and so is several buckets over state a
/// one-bucket deployment left (parked records, or only an in-flight requeue's state and outbox
/// entry).
#[tokio::test]
async fn the_number_of_buckets_is_fixed_by_the_first_start() {
    let redis = RedisServer::start();
    let mut conn = connect(&redis.url()).await;

    // State of a deployment that never set redis.buckets: parked records under the plain prefix.
    let mut settings = test_settings(&redis.url());
    settings.redis.buckets = None;
    {
        let app = Application::build(settings.clone()).await.unwrap();
        drop(app);
    }
    let recorded: String = conn.hget("{salvage}:layout", "buckets").await.unwrap();
    assert_eq!(recorded, "1");
    let () = conn.del("{salvage}:layout").await.unwrap();
    let () = conn
        .zadd("{salvage}:idx:parked", "some-tracking-id", 1)
        .await
        .unwrap();
    settings.redis.buckets = Some(4);
    let e = format!(
        "{:#}",
        Application::build(settings.clone()).await.unwrap_err()
    );
    assert!(
        e.contains("redis.buckets is 4") && e.contains("set redis.buckets = 1"),
        "{e}"
    );

    // Only a message state and an outbox entry of an in-flight requeue: refused too.
    let () = conn.del("{salvage}:idx:parked").await.unwrap();
    let () = conn
        .hset("{salvage}:msg:abc", "last_tid", "t")
        .await
        .unwrap();
    let _: String = conn
        .xadd("{salvage}:outbox:redis", "*", &[("tracking_id", "t")])
        .await
        .unwrap();
    let e = format!(
        "{:#}",
        Application::build(settings.clone()).await.unwrap_err()
    );
    assert!(e.contains("set redis.buckets = 1"), "{e}");

    // A fresh deployment with 4 buckets: recorded; 8 later is refused, 4 again is fine.
    let () = conn
        .del(&["{salvage}:msg:abc", "{salvage}:outbox:redis"])
        .await
        .unwrap();
    let app = Application::build(settings.clone()).await.unwrap();
    drop(app);
    let recorded: String = conn.hget("{salvage}:layout", "buckets").await.unwrap();
    assert_eq!(recorded, "4");
    settings.redis.buckets = Some(8);
    let e = format!(
        "{:#}",
        Application::build(settings.clone()).await.unwrap_err()
    );
    assert!(
        e.contains("redis.buckets is 8") && e.contains("laid out in 4 bucket(s)"),
        "{e}"
    );
    settings.redis.buckets = Some(4);
    Application::build(settings).await.expect("the same number");
}

/// With 4 buckets, 400 parked messages land in every bucket (each within ±25 % of
/// an even share: 100), each record in the bucket its tracking id names, and none under the
/// plain prefix; the list shows each exactly once.
#[tokio::test]
async fn parked_messages_spread_over_the_buckets_and_list_as_one() {
    let app = spawn_app_with(|s| s.redis.buckets = Some(4)).await;
    // A fixed sample of ids, so the spread is the same at every run.
    let reqs = (0..400)
        .map(|i| fraud_declined(&format!("spread-{i}")))
        .collect();
    let tids = app.park_all(reqs).await;
    let layout = Layout::new("{salvage}", 4);
    let mut conn = app.conn.clone();
    for (b, keys) in layout.buckets() {
        let n: usize = conn.zcard(keys.parked_index()).await.unwrap();
        assert!((75..=125).contains(&n), "bucket {b} holds {n} of 400");
    }
    for t in &tids {
        let b = layout
            .of_tracking_id(t)
            .expect("a tracking id names its bucket");
        let exists: bool = conn.exists(layout.bucket(b).parked(t)).await.unwrap();
        assert!(exists, "{t} is not in bucket {b}");
    }
    let plain: usize = conn.zcard("{salvage}:idx:parked").await.unwrap();
    assert_eq!(plain, 0);

    let op = app.operator().await;
    let mut listed = Vec::new();
    let mut token = String::new();
    loop {
        let page = op
            .clone()
            .list_parked(salvage::proto::v1::ListParkedRequest {
                filter: None,
                page_size: 33,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_in_index, 400);
        listed.extend(page.messages.into_iter().map(|m| m.tracking_id));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    let mut want = tids.clone();
    want.sort();
    let mut got = listed.clone();
    got.sort();
    assert_eq!(got, want, "each parked message listed exactly once");
}

/// Redis down when Salvage starts: the number of buckets cannot be checked then, so the first
/// report checks it; one laid out in another number is refused (INTERNAL, the log names the fix)
/// and writes nothing.
#[tokio::test]
async fn a_first_report_checks_the_layout_when_redis_was_down_at_start() {
    let mut redis = RedisServer::start();
    let mut conn = connect(&redis.url()).await;
    let () = conn.hset("{salvage}:layout", "buckets", 4).await.unwrap();
    drop(conn);
    redis.stop();
    let mut settings = test_settings(&redis.url());
    settings.redis.buckets = Some(1);
    let app = RunningApp::start(settings).await;
    redis.restart();
    let mut client = app.client();
    // The client reconnects after the restart: UNAVAILABLE until it has (each call waits for it).
    let mut refused = None;
    for _ in 0..100 {
        match client.report(fraud_declined("f-1")).await {
            Err(e) if e.code() == tonic::Code::Unavailable => {}
            other => {
                refused = Some(other.expect_err("a report over another layout is refused"));
                break;
            }
        }
    }
    let refused = refused.expect("an answer other than UNAVAILABLE within 100 reports");
    assert_eq!(refused.code(), tonic::Code::Internal, "{refused:?}");
    let mut conn = connect(&redis.url()).await;
    let keys: Vec<String> = conn.keys("{salvage}*").await.unwrap();
    assert_eq!(keys, ["{salvage}:layout"], "nothing but the layout record");
}
