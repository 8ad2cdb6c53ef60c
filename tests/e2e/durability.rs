//! Durability: a killed Salvage loses nothing and doubles nothing; Redis going away gives
//! UNAVAILABLE and then recovery; a second process drains the first one's outbox.

use std::{collections::HashSet, time::Duration};

use redis::AsyncCommands;
use salvage::proto::v1 as pb;
use tonic::Code;

use crate::support::*;

const OUTBOX_NO_RELAY: &str =
    "[relay]\nenabled = false\n[destinations.redis]\ntype = \"redis_streams\"\ninline = false\n";
const OUTBOX: &str = "[relay]\npoll_interval = \"20ms\"\n[destinations.redis]\ntype = \"redis_streams\"\ninline = false\n";

/// Outcomes committed, Salvage killed before its outbox drained, restarted: every message
/// arrives exactly once, retries included.
#[tokio::test]
async fn killed_before_the_outbox_drained_delivers_exactly_once_after_restart() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut first = Process::start(dir.path(), "first", &redis.url(), OUTBOX_NO_RELAY).await;
    let mut client = first.client().await;
    const ORDERS: usize = 200;
    const PAYMENTS: usize = 20;
    for i in 0..ORDERS {
        let resp = client
            .report(order_total_as_string(&format!("o-{i}")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::Requeued);
    }
    for i in 0..PAYMENTS {
        let resp = client
            .report(gateway_timeout(&format!("p-{i}")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::RetryScheduled);
    }
    first.abort();

    let mut conn = connect(&redis.url()).await;
    assert_eq!(
        read_stream(&mut conn, "orders").await.len(),
        0,
        "nothing delivered yet"
    );
    let pending: usize = conn.xlen("{salvage}:outbox:redis").await.unwrap();
    assert_eq!(pending, ORDERS, "every requeue is in the outbox");

    let second = Process::start(dir.path(), "second", &redis.url(), OUTBOX).await;
    let _ = second.client().await;
    await_stream(&mut conn, "orders", ORDERS).await;
    await_stream(&mut conn, "payments", PAYMENTS).await;
    // Everything drained: nothing left that could still arrive.
    let drained = eventually(Duration::from_secs(10), || async {
        let mut c = conn.clone();
        let outbox: usize = c.xlen("{salvage}:outbox:redis").await.ok()?;
        let retries: usize = c.zcard("{salvage}:retries").await.ok()?;
        (outbox == 0 && retries == 0).then_some(())
    })
    .await;
    assert!(drained.is_some());
    let orders_now = read_stream(&mut conn, "orders").await;
    let payments_now = read_stream(&mut conn, "payments").await;
    assert_eq!(orders_now.len(), ORDERS, "each order exactly once");
    assert_eq!(payments_now.len(), PAYMENTS, "each retry exactly once");
    let ids: HashSet<_> = orders_now.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(ids.len(), ORDERS, "no order doubled");
    assert!(
        orders_now
            .iter()
            .all(|e| e["payload"].contains("129.9") && !e["payload"].contains("\"129.90\""))
    );
}

/// Redis goes away: reports get UNAVAILABLE and readiness fails; Redis comes back: Salvage
/// reconnects by itself and nothing committed is lost.
#[tokio::test]
async fn redis_stopped_mid_run_then_recovery() {
    let mut app = spawn_app_with(use_outbox).await;
    let mut client = app.client();
    for i in 0..50 {
        client
            .report(order_total_as_string(&format!("before-{i}")))
            .await
            .unwrap();
    }
    app.redis.stop();
    let status = client
        .report(order_total_as_string("during"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    let readyz = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(readyz.status(), 503);
    let text = reqwest::get(format!("{}/metrics", app.admin_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"salvage_redis_errors_total{op="report"}"#),
        "{text}"
    );

    app.redis.restart();
    // The consumer kept its message and reports again until Salvage answers.
    let resp = eventually(Duration::from_secs(15), || {
        let mut client = client.clone();
        async move { client.report(order_total_as_string("during")).await.ok() }
    })
    .await
    .expect("Salvage reconnects to Redis by itself");
    assert_eq!(outcome(&resp.into_inner()), pb::Outcome::Requeued);
    for i in 0..50 {
        client
            .report(order_total_as_string(&format!("after-{i}")))
            .await
            .unwrap();
    }
    let mut conn = connect(&app.redis.url()).await;
    app.conn = conn.clone();
    let entries = await_stream(&mut conn, "orders", 101).await;
    let ids: HashSet<_> = entries.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(ids.len(), 101, "every message once");
    assert!(ids.contains("before-0") && ids.contains("during") && ids.contains("after-49"));
    let readyz = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(readyz.status(), 200);
    app.stop().await;
}

/// Two Salvage processes on one Redis: one only takes reports (its relay is off, as if it
/// died), the other delivers its outbox.
#[tokio::test]
async fn another_process_drains_the_outbox() {
    let mut taker = spawn_app_with(|s| {
        use_outbox(s);
        s.relay.enabled = false;
    })
    .await;
    let mut client = taker.client();
    for i in 0..30 {
        client
            .report(order_total_as_string(&format!("o-{i}")))
            .await
            .unwrap();
    }
    assert!(taker.stream("orders").await.is_empty());
    let pending = eventually(Duration::from_secs(5), || async {
        let text = taker.metrics().await;
        text.contains(r#"salvage_outbox_pending{destination="redis"} 30"#)
            .then_some(())
    })
    .await;
    assert!(
        pending.is_some(),
        "the outbox gauge shows the 30 waiting requeues"
    );
    let mut settings = test_settings(&taker.redis.url());
    use_outbox(&mut settings);
    let mut relay = RunningApp::start(settings).await;
    let entries = taker.await_stream("orders", 30).await;
    assert_eq!(entries.len(), 30);
    relay.stop().await;
    taker.stop().await;
}

/// Redis forgets its scripts (`SCRIPT FLUSH`: as after a restart, or on a replica promoted by a
/// failover): the next report loads the report script again on that server and is answered,
/// once, and the message lands once.
#[tokio::test]
async fn a_report_after_redis_forgot_its_scripts_loads_them_again() {
    let app = spawn_app().await;
    let first = app
        .client()
        .report(order_total_as_string("o-before"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&first), pb::Outcome::Requeued);
    let mut admin = connect(&app.redis.url()).await;
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut admin)
        .await
        .unwrap();
    let after = app
        .client()
        .report(order_total_as_string("o-after"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&after), pb::Outcome::Requeued, "{after:?}");
    let copies = app.await_stream("orders", 2).await;
    let ids: Vec<&str> = copies.iter().map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["o-before", "o-after"]);
    // Loaded again, on that server.
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut admin)
        .await
        .unwrap();
    let cached = info
        .lines()
        .find_map(|l| l.strip_prefix("number_of_cached_scripts:"))
        .map(|n| n.trim().to_owned());
    assert_ne!(cached.as_deref(), Some("0"), "{info}");
    assert!(cached.is_some(), "{info}");
}
