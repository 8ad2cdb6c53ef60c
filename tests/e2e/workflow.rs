//! The workflow: the consumer loop end to end, each decision, backoff, loop protection,
//! duplicates, and the metrics they produce.

use std::{
    collections::HashMap,
    time::{Duration, SystemTime},
};

use redis::AsyncCommands;
use salvage::{api::to_system_time, proto::v1 as pb};
use serde_json::Value;

use crate::support::*;

/// A consumer reads `orders`, fails on a defective message, reports it, and then processes the
/// repaired copy Salvage put back on the same stream.
#[tokio::test]
async fn consumer_loop_repairs_and_requeues() {
    let app = spawn_app().await;
    let mut conn = app.conn.clone();
    let _: () = conn
        .xgroup_create_mkstream("orders", "billing", "0")
        .await
        .unwrap();
    // A producer publishes an order whose total is a string.
    let _: String = conn
        .xadd(
            "orders",
            "*",
            &[
                ("id", "o-1"),
                (
                    "payload",
                    r#"{"order_id":"o-1","total":"129.90","currency":"EUR"}"#,
                ),
                ("headers", r#"{"x-origin":"checkout","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#),
            ],
        )
        .await
        .unwrap();

    let mut processed = Vec::new();
    let mut client = app.client();
    // The consumer loop: at most a few rounds; each round reads new entries.
    for _ in 0..20 {
        let reply: redis::streams::StreamReadReply = conn
            .xread_options(
                &["orders"],
                &[">"],
                &redis::streams::StreamReadOptions::default()
                    .group("billing", "c1")
                    .count(10)
                    .block(200),
            )
            .await
            .unwrap();
        for key in reply.keys {
            for entry in key.ids {
                let get =
                    |f: &str| redis::from_redis_value::<String>(entry.map[f].clone()).unwrap();
                let (id, payload, headers) = (get("id"), get("payload"), get("headers"));
                let order: Value = serde_json::from_str(&payload).unwrap();
                if order["total"].is_number() {
                    processed.push((id, order, headers));
                } else {
                    let headers: HashMap<String, String> = serde_json::from_str(&headers).unwrap();
                    let mut req = order_total_as_string(&id);
                    message(&mut req).payload = payload.into_bytes();
                    message(&mut req).headers = headers;
                    let resp = client.report(req).await.unwrap().into_inner();
                    assert_eq!(outcome(&resp), pb::Outcome::Requeued, "{resp:?}");
                    assert_eq!(resp.rule, "order-total-as-string");
                }
                let _: i64 = conn.xack("orders", "billing", &[entry.id]).await.unwrap();
            }
        }
        if !processed.is_empty() {
            break;
        }
    }
    assert_eq!(processed.len(), 1, "the repaired copy was processed once");
    let (id, order, headers) = &processed[0];
    assert_eq!(id, "o-1", "the original id is kept");
    assert_eq!(order["total"].to_string(), "129.90", "the digits as sent");
    let headers: HashMap<String, String> = serde_json::from_str(headers).unwrap();
    assert_eq!(headers["salvage-attempt"], "1");
    assert_eq!(headers["salvage-rule"], "order-total-as-string");
    assert_eq!(headers["salvage-error-code"], "INVALID_TYPE");
    assert_eq!(
        headers["x-origin"], "checkout",
        "the original headers are kept"
    );
    assert!(
        headers["traceparent"].starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "the copy stays in the message's trace: {headers:?}"
    );
    assert!(!headers["salvage-tracking-id"].is_empty());
}

#[tokio::test]
async fn retry_is_scheduled_with_backoff_then_delivered_unchanged() {
    let app = spawn_app().await;
    let mut client = app.client();
    let before = SystemTime::now();
    let resp = client
        .report(gateway_timeout("p-1"))
        .await
        .unwrap()
        .into_inner();
    let after = SystemTime::now();
    assert_eq!(outcome(&resp), pb::Outcome::RetryScheduled, "{resp:?}");
    assert_eq!(resp.rule, "payment-gateway-timeout");
    // initial 500 ms, jitter 0.1: due 450 to 550 ms after the report was committed.
    let due = to_system_time(resp.retry_at.as_ref().unwrap()).unwrap();
    assert_within(due, before, after, 450, 550);
    assert!(
        app.stream("payments").await.is_empty(),
        "not delivered before it is due"
    );
    let entries = app.await_stream("payments", 1).await;
    assert!(SystemTime::now() >= due, "delivered no earlier than due");
    assert_eq!(
        entries[0]["payload"],
        r#"{"payment_id":"p-1","amount_cents":12990,"method":"card"}"#
    );
    let headers: HashMap<String, String> = serde_json::from_str(&entries[0]["headers"]).unwrap();
    assert_eq!(headers["salvage-tracking-id"], resp.tracking_id);

    // The delivered copy fails again: the second backoff doubles (about 1 s).
    let mut again = gateway_timeout("p-1");
    message(&mut again).headers = headers;
    let before = SystemTime::now();
    let resp2 = client.report(again).await.unwrap().into_inner();
    let after = SystemTime::now();
    assert_eq!(outcome(&resp2), pb::Outcome::RetryScheduled);
    assert_eq!(resp2.attempt, 2);
    let due = to_system_time(resp2.retry_at.as_ref().unwrap()).unwrap();
    assert_within(due, before, after, 900, 1100);
}

/// `due` lies `min_ms..=max_ms` after a moment between `before` and `after` (ms resolution).
fn assert_within(due: SystemTime, before: SystemTime, after: SystemTime, min_ms: u64, max_ms: u64) {
    let ms = Duration::from_millis;
    assert!(
        due + ms(1) >= before + ms(min_ms),
        "due {due:?} earlier than {min_ms} ms after {before:?}"
    );
    assert!(
        due <= after + ms(max_ms + 1),
        "due {due:?} later than {max_ms} ms after {after:?}"
    );
}

#[tokio::test]
async fn rule_parks_with_reason_and_group() {
    let app = spawn_app().await;
    let mut client = app.client();
    let resp = client
        .report(fraud_declined("p-9"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked);
    assert_eq!(resp.rule, "payment-fraud-declined");
    assert!(resp.reason.contains("fraud"), "{}", resp.reason);
    let rec = app.parked(&resp.tracking_id).await;
    assert_eq!(rec["id"], "p-9");
    assert_eq!(rec["queue"], "payments");
    assert_eq!(rec["payload"], r#"{"payment_id":"p-9","amount_cents":990}"#);
    let failure: Value = serde_json::from_str(&rec["failure"]).unwrap();
    assert_eq!(failure["code"], "FRAUD_DECLINED");
    let attempts: Value = serde_json::from_str(&rec["attempts"]).unwrap();
    assert_eq!(attempts.as_array().unwrap().len(), 1);

    // A second failure of the same kind lands in the same group, indexed for a dashboard.
    let resp2 = client
        .report(fraud_declined("p-10"))
        .await
        .unwrap()
        .into_inner();
    let rec2 = app.parked(&resp2.tracking_id).await;
    assert_eq!(rec["group"], rec2["group"], "same bug, one group");
    let mut conn = app.conn.clone();
    let count: i64 = conn
        .hget(format!("{{salvage}}:group:{}", rec["group"]), "count")
        .await
        .unwrap();
    assert_eq!(count, 2);
    let by_group: Vec<String> = conn
        .zrange(format!("{{salvage}}:idx:group:{}", rec["group"]), 0, -1)
        .await
        .unwrap();
    assert_eq!(by_group.len(), 2);
    let by_queue: i64 = conn.zcard("{salvage}:idx:queue:payments").await.unwrap();
    assert_eq!(by_queue, 2);
}

#[tokio::test]
async fn defaults_when_no_rule_matches() {
    let app = spawn_app().await;
    let mut client = app.client();
    let data = report(
        "x-1",
        "shipments",
        "Shipped",
        pb::ErrorClass::Data,
        "WHATEVER",
        "odd",
        "{}",
    );
    let resp = client.report(data).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked);
    assert_eq!(resp.reason, "no rule matched");
    assert_eq!(resp.rule, "");

    let transient = report(
        "x-2",
        "shipments",
        "Shipped",
        pb::ErrorClass::Transient,
        "DB_DOWN",
        "timeout",
        "{}",
    );
    let resp = client.report(transient).await.unwrap().into_inner();
    assert_eq!(
        outcome(&resp),
        pb::Outcome::RetryScheduled,
        "transient defaults to retry"
    );
    assert!(resp.retry_at.is_some());
}

#[tokio::test]
async fn payload_that_is_not_json_is_parked_with_reason() {
    let app = spawn_app().await;
    let mut req = order_total_as_string("o-bad");
    message(&mut req).payload = b"total=12.50&currency=EUR".to_vec();
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked);
    assert_eq!(resp.reason, "payload is not valid JSON");
    let rec = app.parked(&resp.tracking_id).await;
    assert_eq!(
        rec["payload"], "total=12.50&currency=EUR",
        "kept as received"
    );
}

/// A message that keeps failing after repairs is parked once the attempt limit is passed, with
/// its whole history.
#[tokio::test]
async fn attempt_limit_parks_with_history() {
    let app = spawn_app().await;
    let mut client = app.client();
    let mut headers = HashMap::new();
    let mut last = None;
    // The example defaults allow 5 attempts; the 6th report parks.
    for attempt in 1..=6u32 {
        let mut req = order_total_as_string("o-loop");
        message(&mut req).headers = headers.clone();
        let resp = client.report(req).await.unwrap().into_inner();
        assert_eq!(resp.attempt, attempt);
        if attempt <= 5 {
            assert_eq!(
                outcome(&resp),
                pb::Outcome::Requeued,
                "attempt {attempt}: {resp:?}"
            );
            let entries = app.await_stream("orders", attempt as usize).await;
            headers = serde_json::from_str(&entries.last().unwrap()["headers"]).unwrap();
            assert_eq!(headers["salvage-attempt"], attempt.to_string());
        }
        last = Some(resp);
    }
    let last = last.unwrap();
    assert_eq!(outcome(&last), pb::Outcome::Parked);
    assert_eq!(last.reason, "attempt limit (5) reached");
    let rec = app.parked(&last.tracking_id).await;
    let attempts: Vec<Value> = serde_json::from_str(&rec["attempts"]).unwrap();
    assert_eq!(attempts.len(), 6, "every attempt is in the history");
    assert_eq!(attempts[0]["outcome"], "REQUEUED");
    assert_eq!(attempts[0]["rule"], "order-total-as-string");
    assert!(
        attempts[0]["payload"].as_str().unwrap().contains("129.9"),
        "payload produced"
    );
    assert_eq!(attempts[5]["outcome"], "PARKED");
    assert_eq!(app.stream("orders").await.len(), 5, "no sixth requeue");

    // Reported again while parked: no new record, no requeue.
    let mut req = order_total_as_string("o-loop");
    message(&mut req)
        .headers
        .insert("salvage-tracking-id".into(), "other".into());
    let again = client.report(req).await.unwrap().into_inner();
    assert_eq!(outcome(&again), pb::Outcome::Parked);
    assert_eq!(
        again.tracking_id, last.tracking_id,
        "the same parked record"
    );
    let parked: i64 = app
        .conn
        .clone()
        .zcard("{salvage}:idx:parked")
        .await
        .unwrap();
    assert_eq!(parked, 1);
}

#[tokio::test]
async fn duplicate_reports_change_nothing() {
    let app = spawn_app().await;
    let mut client = app.client();
    // Pending: a retry not yet delivered.
    let first = client
        .report(gateway_timeout("p-dup"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&first), pb::Outcome::RetryScheduled);
    let dup = client
        .report(gateway_timeout("p-dup"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&dup), pb::Outcome::Duplicate);
    assert_eq!(
        dup.tracking_id, first.tracking_id,
        "the original tracking id"
    );
    let scheduled: i64 = app.conn.clone().zcard("{salvage}:retries").await.unwrap();
    assert_eq!(scheduled, 1, "nothing new scheduled");

    // The same copy reported twice (e.g. the consumer retried the call after a timeout).
    let one = client
        .report(order_total_as_string("o-dup"))
        .await
        .unwrap()
        .into_inner();
    let entries = app.await_stream("orders", 1).await;
    let headers: HashMap<String, String> = serde_json::from_str(&entries[0]["headers"]).unwrap();
    let mut copy = order_total_as_string("o-dup");
    message(&mut copy).headers = headers;
    let two = client.report(copy.clone()).await.unwrap().into_inner();
    assert_eq!(outcome(&two), pb::Outcome::Requeued);
    assert_ne!(two.tracking_id, one.tracking_id);
    let three = client.report(copy).await.unwrap().into_inner();
    assert_eq!(outcome(&three), pb::Outcome::Duplicate);
    assert_eq!(three.tracking_id, two.tracking_id);
    assert_eq!(
        app.stream("orders").await.len(),
        2,
        "the duplicate added nothing"
    );

    // The original redelivered by the broker (no Salvage header, the original payload).
    let original = client
        .report(order_total_as_string("o-dup"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&original), pb::Outcome::Duplicate, "{original:?}");
    assert_eq!(original.tracking_id, two.tracking_id);

    // A consumer that drops headers, failing on the copy Salvage sent: a new attempt (here no
    // rule repairs the repaired copy again, so the default parks it), not a duplicate.
    let entries = app.await_stream("orders", 2).await;
    let mut headerless = order_total_as_string("o-dup");
    message(&mut headerless).payload = entries[1]["payload"].clone().into_bytes();
    let four = client.report(headerless).await.unwrap().into_inner();
    assert_eq!(outcome(&four), pb::Outcome::Parked, "{four:?}");
    assert_eq!(four.reason, "no rule matched");
    assert_eq!(four.attempt, 3);
}

/// A requeue to a key that is not a stream is parked with the reason, inline or via the
/// outbox; the outbox is not blocked by it.
#[tokio::test]
async fn origin_queue_that_is_not_a_stream_is_parked() {
    for outbox in [false, true] {
        let app = spawn_app_with(|s| {
            if outbox {
                use_outbox(s);
            }
        })
        .await;
        let mut conn = app.conn.clone();
        let _: () = conn.rpush("orders-list", "x").await.unwrap();
        let mut req = order_total_as_string("o-list");
        origin(&mut req).queue = "orders-list".into();
        let resp = app.client().report(req).await.unwrap().into_inner();
        app.client()
            .report(order_total_as_string("o-ok"))
            .await
            .unwrap();
        app.await_stream("orders", 1).await;
        let parked = eventually(Duration::from_secs(10), || async {
            let ids: Vec<String> = conn
                .clone()
                .zrange("{salvage}:idx:parked", 0, -1)
                .await
                .ok()?;
            (ids.len() == 1).then_some(ids)
        })
        .await
        .expect("the message is parked");
        let rec = app.parked(&parked[0]).await;
        assert!(rec["reason"].contains("orders-list"), "{rec:?}");
        assert_eq!(rec["id"], "o-list");
        if outbox {
            assert_eq!(
                outcome(&resp),
                pb::Outcome::Requeued,
                "accepted into the outbox"
            );
            assert!(
                rec["reason"].starts_with("delivery to orders-list failed"),
                "{rec:?}"
            );
            // The group the script computed is the one salvage-model defines.
            assert_eq!(
                rec["group"],
                salvage_model::group::delivery_failure_group("orders-list")
            );
            let pending: usize = conn.xlen("{salvage}:outbox:redis").await.unwrap();
            assert_eq!(pending, 0, "the outbox is not blocked");
        } else {
            assert_eq!(outcome(&resp), pb::Outcome::Parked);
            assert_eq!(
                resp.reason,
                "origin queue orders-list holds a Redis list, not a stream"
            );
        }
    }
}

#[tokio::test]
async fn metrics_show_what_happened() {
    let app = spawn_app().await;
    let mut client = app.client();
    for i in 0..3 {
        client
            .report(order_total_as_string(&format!("o-{i}")))
            .await
            .unwrap();
    }
    client.report(fraud_declined("p-1")).await.unwrap();
    client.report(gateway_timeout("p-2")).await.unwrap();
    let mut bad = fraud_declined("p-3");
    message(&mut bad).id.clear();
    assert!(client.report(bad).await.is_err());

    let text = eventually(Duration::from_secs(5), || async {
        let t = app.metrics().await;
        t.contains("salvage_parked_messages 1").then_some(t)
    })
    .await
    .expect("the parked gauge reaches 1");
    for line in [
        r#"salvage_reports_total{queue="orders",class="data",outcome="requeued"} 3"#,
        r#"salvage_reports_total{queue="payments",class="data",outcome="parked"} 1"#,
        r#"salvage_reports_total{queue="payments",class="transient",outcome="retry_scheduled"} 1"#,
        r#"salvage_repairs_total{rule="order-total-as-string",result="repaired"} 3"#,
        r#"salvage_parks_total{reason="rule"} 1"#,
        r#"salvage_requeues_total{destination="redis",path="inline",result="ok"} 3"#,
        r#"salvage_reports_rejected_total{field="message.id"} 1"#,
        r#"salvage_report_duration_seconds_count{rpc="unary"} 6"#,
        "salvage_retries_scheduled 1",
        "salvage_redis_up 1",
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }

    // The parked gauge is read from Redis, so a fresh process (a restart) shows it too.
    let mut other = RunningApp::start(test_settings(&app.redis.url())).await;
    let seen = eventually(Duration::from_secs(5), || async {
        let t = reqwest::get(format!("{}/metrics", other.admin_url))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        t.contains("salvage_parked_messages 1").then_some(())
    })
    .await;
    assert!(seen.is_some(), "a new process reports the parked message");
    other.stop().await;
}

/// `failure.detail` (a stack trace) is kept in the parked record, cut to the configured size,
/// and never copied into the headers of a requeued copy.
#[tokio::test]
async fn detail_is_capped_and_never_in_headers() {
    let app = spawn_app_with(|s| s.limits.max_detail_bytes = 100).await;
    let mut client = app.client();
    let trace = format!(
        "java.lang.IllegalStateException\n{}",
        "\tat Foo.bar(Foo.java:42)\n".repeat(50)
    );
    let mut parked = fraud_declined("p-trace");
    parked.failure.as_mut().unwrap().detail = trace.clone();
    let resp = client.report(parked).await.unwrap().into_inner();
    let rec = app.parked(&resp.tracking_id).await;
    let failure: Value = serde_json::from_str(&rec["failure"]).unwrap();
    let detail = failure["detail"].as_str().unwrap();
    assert_eq!(detail.len(), 100);
    assert!(trace.starts_with(detail));
    assert_eq!(failure["detail_truncated"], true);

    let mut requeued = order_total_as_string("o-trace");
    requeued.failure.as_mut().unwrap().detail = trace;
    client.report(requeued).await.unwrap();
    let entries = app.await_stream("orders", 1).await;
    assert!(
        !entries[0]["headers"].contains("IllegalStateException"),
        "{:?}",
        entries[0]
    );
    assert!(
        entries[0].values().all(|v| !v.contains("Foo.java")),
        "{:?}",
        entries[0]
    );
}
