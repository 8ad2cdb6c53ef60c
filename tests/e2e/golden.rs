//! Golden tests: what the Lua scripts write, pinned byte for byte, with the values that change
//! per run (tracking id, times, trace ids) put back to placeholders. The console, the CLI, the
//! parking lot, retries and consumers read these forms; a change to them must be a decision,
//! seen here, not a side effect. The retry delay, computed by the report script (it knows the
//! attempt number), is pinned here too.

use std::collections::HashMap;

use prost_types::Timestamp;
use salvage::proto::v1 as pb;

use crate::support::{admin::by_ids, *};

/// `text` with each of `subs` replaced by its placeholder.
fn normalise(text: &str, subs: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (value, placeholder) in subs {
        if !value.is_empty() {
            out = out.replace(value, placeholder);
        }
    }
    out
}

/// The version of the example rules the test apps run (what each history entry names).
fn example_rules_version() -> String {
    salvage::rules::load(&example_rules()).unwrap().version
}

/// The traceparent Salvage put in a copy's headers (a fresh span id per report).
fn traceparent(headers_json: &str) -> String {
    let headers: HashMap<String, String> = serde_json::from_str(headers_json).unwrap();
    headers.get("traceparent").cloned().unwrap_or_default()
}

/// The message's history and its `updated` time (the report's `now`).
async fn history(app: &TestApp, queue: &str, id: &str) -> (String, String) {
    let key = format!(
        "{{salvage}}:msg:{}",
        salvage_model::message_key("redis", queue, id)
    );
    redis::cmd("HMGET")
        .arg(&key)
        .arg("history")
        .arg("updated")
        .query_async(&mut app.conn.clone())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_repair_writes_this_stream_entry_and_this_history_entry() {
    let app = spawn_app().await;
    let resp = app
        .client()
        .report(order_total_as_string("o-1"))
        .await
        .unwrap()
        .into_inner();
    let entries = app.await_stream("orders", 1).await;
    let (history, now) = history(&app, "orders", "o-1").await;
    let trace = traceparent(&entries[0]["headers"]);
    let rules = example_rules_version();
    let subs = [
        (resp.tracking_id.as_str(), "<tid>"),
        (now.as_str(), "<now>"),
        (trace.as_str(), "<traceparent>"),
        (rules.as_str(), "<rules>"),
    ];
    let mut fields: Vec<String> = entries[0]
        .iter()
        .map(|(k, v)| format!("{k}={}", normalise(v, &subs)))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "content_type=application/json",
            "event_type=OrderPlaced",
            r#"headers={"salvage-attempt":"1","salvage-tracking-id":"<tid>","salvage-rule":"order-total-as-string","salvage-error-code":"INVALID_TYPE","traceparent":"<traceparent>"}"#,
            "id=o-1",
            r#"payload={"order_id":"o-1","total":129.90,"currency":"EUR"}"#,
        ]
    );
    assert_eq!(
        normalise(&history, &subs),
        r#"{"attempt":1,"outcome":"REQUEUED","reason":"","at":<now>,"tracking_id":"<tid>","class":"data","code":"INVALID_TYPE","message":"total must be a number","consumer":"billing","delivery_attempt":1,"rule":"order-total-as-string","decision":"requeue","rules_version":"<rules>","payload":"{\"order_id\":\"o-1\",\"total\":129.90,\"currency\":\"EUR\"}","changes":[{"pointer":"/total","op":"changed","before":"129.90","after":129.90}]}"#
    );
}

/// A resubmit run writes the history entry itself (Rust, `salvage_model::history::Attempt`),
/// after the report script's: the same shape, its own fields.
#[tokio::test]
async fn a_resubmit_writes_this_stream_entry_and_this_history_entry() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let tids = app.park_all(vec![fraud_declined("p-7")]).await;
    let run = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(&tids),
            options: None,
            dry_run: false,
            comment: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    assert_eq!(run.resubmitted, 1, "{run:?}");
    let entries = app.await_stream("payments", 1).await;
    let copy: HashMap<String, String> = serde_json::from_str(&entries[0]["headers"]).unwrap();
    let copy_tid = copy["salvage-tracking-id"].clone();
    let (history, _) = history(&app, "payments", "p-7").await;
    let (_, at) = history
        .rsplit_once(r#""at":"#)
        .and_then(|(_, rest)| rest.split_once(','))
        .map(|(at, _)| ("", at.to_owned()))
        .unwrap();
    let subs = [
        (tids[0].as_str(), "<parked tid>"),
        (copy_tid.as_str(), "<tid>"),
        (run.run_id.as_str(), "<run>"),
        (at.as_str(), "<at>"),
    ];
    let mut fields: Vec<String> = entries[0]
        .iter()
        .map(|(k, v)| format!("{k}={}", normalise(v, &subs)))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "content_type=application/json",
            "event_type=PaymentCaptured",
            // "0": a run reads the records without their history, so it counts no attempts
            // before (and the message's attempt counter starts again after a resubmit).
            r#"headers={"salvage-attempt":"0","salvage-tracking-id":"<tid>","salvage-error-code":"FRAUD_DECLINED"}"#,
            "id=p-7",
            r#"payload={"payment_id":"p-7","amount_cents":990}"#,
        ]
    );
    let resubmitted = normalise(&history, &subs);
    let resubmitted = resubmitted.rsplit_once(",{").map(|(_, e)| e).unwrap();
    assert_eq!(
        resubmitted,
        r#""attempt":0,"outcome":"RESUBMITTED","reason":"resubmitted by olivia","at":<at>,"tracking_id":"<tid>","rule":"","actor":"olivia","run_id":"<run>","payload":null}"#
    );
}

#[tokio::test]
async fn a_park_writes_this_record_and_this_history_entry() {
    let app = spawn_app().await;
    let resp = app
        .client()
        .report(fraud_declined("p-9"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    let record = app.parked(&resp.tracking_id).await;
    // A parked message's state holds no history: the record's `attempts` is it.
    let key = format!(
        "{{salvage}}:msg:{}",
        salvage_model::message_key("redis", "payments", "p-9")
    );
    let (history, now): (Option<String>, String) = redis::cmd("HMGET")
        .arg(&key)
        .arg("history")
        .arg("updated")
        .query_async(&mut app.conn.clone())
        .await
        .unwrap();
    assert_eq!(history, None);
    let group = record.get("group").cloned().unwrap_or_default();
    let rules = example_rules_version();
    let subs = [
        (resp.tracking_id.as_str(), "<tid>"),
        (now.as_str(), "<now>"),
        (group.as_str(), "<group>"),
        (rules.as_str(), "<rules>"),
    ];
    let mut fields: Vec<String> = record
        .iter()
        .map(|(k, v)| format!("{k}={}", normalise(v, &subs)))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            r#"attempts=[{"attempt":1,"outcome":"PARKED","reason":"declined by fraud screening: needs a person to review","at":<now>,"tracking_id":"<tid>","class":"data","code":"FRAUD_DECLINED","message":"payment p-9 declined by screening (score 0.97)","consumer":"billing","delivery_attempt":1,"rule":"payment-fraud-declined","decision":"park","rules_version":"<rules>","payload":null}]"#,
            "code=FRAUD_DECLINED",
            "content_type=application/json",
            "destination=redis",
            "event_type=PaymentCaptured",
            r#"failure={"class":"data","code":"FRAUD_DECLINED","message":"payment p-9 declined by screening (score 0.97)","consumer":"billing","delivery_attempt":1,"detail":"","detail_truncated":false}"#,
            "first_seen=<now>",
            "group=<group>",
            "headers={}",
            "id=p-9",
            "last_seen=<now>",
            "message_key=f484e9e867112aedf18b697bda5bcde7",
            "partition_key=",
            r#"payload={"payment_id":"p-9","amount_cents":990}"#,
            "queue=payments",
            "reason=declined by fraud screening: needs a person to review",
            "reports=1",
            "rule=payment-fraud-declined",
            "tracking_id=<tid>",
            "version=1",
        ]
    );
    // The group Lua stored is the one Rust defines (salvage-model).
    assert_eq!(
        group,
        salvage_model::failure_group(
            "payments",
            "FRAUD_DECLINED",
            "payment p-9 declined by screening (score 0.97)"
        )
    );
}

/// A rules file whose only rule retries with no jitter, so each delay is exact.
const EXACT_BACKOFF: &str = r#"
[[rule]]
name = "exact-backoff"
when.code = "SLOW"
decision = "retry"
backoff = { initial = "100ms", multiplier = 3.0, max = "500ms", jitter = 0.0 }
max_attempts = 5
"#;

fn millis(t: &Timestamp) -> i64 {
    t.seconds * 1000 + i64::from(t.nanos) / 1_000_000
}

/// Reports a slow message (rule `exact-backoff`), with the consumer's `retry_after` when given,
/// then reports each copy again as it lands: attempt n's retry is due exactly `delays_ms[n-1]`
/// after the report was committed.
async fn assert_retry_delays(retry_after: Option<prost_types::Duration>, delays_ms: &[i64]) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, EXACT_BACKOFF).unwrap();
    let app = spawn_app_with(|s| s.rules.path = rules).await;
    let mut client = app.client();
    let mut req = report(
        "s-1",
        "slow",
        "Slow",
        pb::ErrorClass::Transient,
        "SLOW",
        "downstream is slow",
        "{}",
    );
    req.failure.as_mut().unwrap().retry_after = retry_after;
    for (attempt, delay_ms) in (1u32..).zip(delays_ms) {
        let resp = client.report(req.clone()).await.unwrap().into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::RetryScheduled, "{resp:?}");
        assert_eq!(resp.attempt, attempt);
        let (_, now) = history(&app, "slow", "s-1").await;
        let now: i64 = now.parse().unwrap();
        assert_eq!(
            millis(resp.retry_at.as_ref().unwrap()) - now,
            *delay_ms,
            "attempt {attempt}"
        );
        // The copy arrives once due; its failure is the next attempt.
        let copy = app
            .await_stream("slow", attempt as usize)
            .await
            .pop()
            .unwrap();
        let headers: HashMap<String, String> = serde_json::from_str(&copy["headers"]).unwrap();
        message(&mut req).headers = headers;
    }
}

#[tokio::test]
async fn the_retry_delay_grows_by_the_multiplier_up_to_the_cap() {
    // Attempt n waits min(100 ms × 3^(n-1), 500 ms): 100, 300, 500 (not 900), 500.
    assert_retry_delays(None, &[100, 300, 500, 500]).await;
}

#[tokio::test]
async fn the_retry_delay_is_at_least_the_consumers_retry_after() {
    // max(min(100 ms × 3^(n-1), 500 ms), 250 ms): 250 (not 100), then 300, past the floor.
    let quarter = prost_types::Duration {
        seconds: 0,
        nanos: 250_000_000,
    };
    assert_retry_delays(Some(quarter), &[250, 300]).await;
}
