//! Which report is a new attempt (the state machine of ARCHITECTURE.md, and README
//! "Guarantees"): the copy Salvage sent last counts even before its outbox entry is settled; the
//! original redelivered after an unchanged copy, and identical reports racing each other, do not.

use std::collections::HashMap;

use redis::AsyncCommands;
use salvage::proto::v1 as pb;

use crate::support::*;

/// A rule that requeues without changing anything (so the copy's bytes are the original's).
const UNCHANGED_RULES: &str = r#"
[defaults]
max_attempts = 5
backoff = { initial = "1s", multiplier = 2.0, max = "5m", jitter = 0.2 }
on_transient = "retry"
on_other = "park"

[[rule]]
name = "pass-again"
when.code = "PASS_AGAIN"
decision = "requeue"
"#;

async fn app_with_rules(rules: &str) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, rules).unwrap();
    (spawn_app_with(|s| s.rules.path = path).await, dir)
}

fn pass_again(id: &str) -> pb::ReportRequest {
    report(
        id,
        "events",
        "Tick",
        pb::ErrorClass::Data,
        "PASS_AGAIN",
        "try once more",
        &format!(r#"{{"id":"{id}","amount":12.30}}"#),
    )
}

/// The relay publishes a copy, the consumer receives it and fails at once, before the relay
/// settled the outbox entry: that report proves the copy was delivered and is a new attempt (it
/// used to be answered DUPLICATE, and the consumer acknowledged it: the message was lost).
#[tokio::test]
async fn the_last_copy_reported_before_its_outbox_entry_is_settled_is_a_new_attempt() {
    // No relay: the outbox entry stays unsettled for as long as the test needs.
    let app = spawn_app_with(|s| {
        use_outbox(s);
        s.relay.enabled = false;
    })
    .await;
    let mut client = app.client();
    let first = client
        .report(order_total_as_string("o-race"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&first), pb::Outcome::Requeued, "{first:?}");

    // The copy exactly as the relay would publish it: the outbox entry's headers.
    let mut conn = app.conn.clone();
    let entries: redis::streams::StreamRangeReply =
        conn.xrange_all("{salvage}:outbox:redis").await.unwrap();
    assert_eq!(entries.ids.len(), 1, "the copy waits in the outbox");
    let headers: String = entries.ids[0].get("headers").unwrap();
    let headers: HashMap<String, String> = serde_json::from_str(&headers).unwrap();
    assert_eq!(headers["salvage-tracking-id"], first.tracking_id);

    let mut copy = order_total_as_string("o-race");
    message(&mut copy).headers = headers.clone();
    let second = client.report(copy.clone()).await.unwrap().into_inner();
    assert_ne!(
        outcome(&second),
        pb::Outcome::Duplicate,
        "the copy Salvage sent last, reported before settling, is a new attempt: {second:?}"
    );
    assert_eq!(second.attempt, 2, "{second:?}");
    assert_ne!(second.tracking_id, first.tracking_id);

    // Reporting that copy again (the consumer retried the call) is now a duplicate.
    let again = client.report(copy).await.unwrap().into_inner();
    assert_eq!(outcome(&again), pb::Outcome::Duplicate, "{again:?}");
    assert_eq!(again.tracking_id, second.tracking_id);
}

/// After an unchanged copy was delivered, the broker redelivering the original (same id, same
/// bytes, no `salvage-*` headers) is a duplicate, not a second copy.
#[tokio::test]
async fn the_original_redelivered_after_an_unchanged_copy_is_a_duplicate() {
    let (app, _dir) = app_with_rules(UNCHANGED_RULES).await;
    let mut client = app.client();
    let first = client.report(pass_again("e-1")).await.unwrap().into_inner();
    assert_eq!(outcome(&first), pb::Outcome::Requeued, "{first:?}");
    let copy = app.await_stream("events", 1).await.remove(0);
    assert_eq!(
        copy["payload"].as_bytes(),
        message(&mut pass_again("e-1")).payload.as_slice(),
        "an unchanged copy"
    );

    let redelivered = client.report(pass_again("e-1")).await.unwrap().into_inner();
    assert_eq!(
        outcome(&redelivered),
        pb::Outcome::Duplicate,
        "{redelivered:?}"
    );
    assert_eq!(redelivered.tracking_id, first.tracking_id);
    assert_eq!(app.stream("events").await.len(), 1, "no second copy");

    // The copy itself, reported with its headers, is the next attempt.
    let mut failed_copy = pass_again("e-1");
    message(&mut failed_copy).headers = serde_json::from_str(&copy["headers"]).unwrap();
    let next = client.report(failed_copy).await.unwrap().into_inner();
    assert_eq!(outcome(&next), pb::Outcome::Requeued, "{next:?}");
    assert_eq!(next.attempt, 2);
    assert_eq!(app.stream("events").await.len(), 2);
}

/// Three identical reports of one delivery racing each other make one copy: the first is the
/// attempt, the others are duplicates of it.
#[tokio::test]
async fn identical_reports_racing_each_other_make_one_copy() {
    let (app, _dir) = app_with_rules(UNCHANGED_RULES).await;
    for round in 0..10 {
        let id = format!("e-race-{round}");
        let calls = (0..3).map(|_| {
            let mut client = app.client();
            let req = pass_again(&id);
            async move { client.report(req).await.unwrap().into_inner() }
        });
        let answers = futures::future::join_all(calls).await;
        let requeued = answers
            .iter()
            .filter(|a| outcome(a) == pb::Outcome::Requeued)
            .count();
        let duplicates = answers
            .iter()
            .filter(|a| outcome(a) == pb::Outcome::Duplicate)
            .count();
        assert_eq!((requeued, duplicates), (1, 2), "{id}: {answers:?}");
    }
    assert_eq!(app.stream("events").await.len(), 10, "one copy per message");
}

/// The consumer gives up waiting (its deadline passes) while Redis, paused, still holds the
/// report: Salvage commits it anyway. Reporting the message again, as the contract says after
/// any error, is answered DUPLICATE with the committed tracking id, and no second copy is made.
#[tokio::test]
async fn a_report_whose_answer_was_lost_is_a_duplicate_when_reported_again() {
    let app = spawn_app().await;
    // A first report loads the script into Redis (EVALSHA, not a NOSCRIPT round trip later).
    app.client()
        .report(order_total_as_string("o-warm"))
        .await
        .unwrap();
    let mut admin = connect(&app.redis.url()).await;
    // Writes wait 400 ms in Redis: longer than the caller's deadline, shorter than Salvage's
    // response timeout (500 ms in tests).
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(400)
        .arg("WRITE")
        .query_async(&mut admin)
        .await
        .unwrap();
    let mut req = tonic::Request::new(order_total_as_string("o-lost"));
    req.set_timeout(std::time::Duration::from_millis(100));
    let err = app.client().report(req).await.unwrap_err();
    // (tonic's client reports its own timeout as CANCELLED "Timeout expired".)
    assert!(
        matches!(
            err.code(),
            tonic::Code::DeadlineExceeded | tonic::Code::Cancelled
        ),
        "{err:?}"
    );

    // Redis runs the report once the pause ends: it was committed although no one was told.
    let copies = app.await_stream("orders", 2).await;
    let committed = copies[1]["headers"].clone();
    let again = app
        .client()
        .report(order_total_as_string("o-lost"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&again), pb::Outcome::Duplicate, "{again:?}");
    let headers: HashMap<String, String> = serde_json::from_str(&committed).unwrap();
    assert_eq!(again.tracking_id, headers["salvage-tracking-id"]);
    assert_eq!(app.stream("orders").await.len(), 2, "one copy of each");
}

/// After a resubmit, a consumer that drops headers is recognised by the copy's bytes only when
/// an edit changed them; an unchanged resubmitted copy without headers is the original again.
#[tokio::test]
async fn a_resubmitted_copy_without_headers_counts_only_when_its_bytes_changed() {
    use crate::support::admin::{by_ids, get};

    let app = spawn_app().await;
    let op = app.operator().await;
    let tids = app
        .park_all(vec![fraud_declined("p-same"), fraud_declined("p-edited")])
        .await;
    let version = get(&op, &tids[1]).await.unwrap().summary.unwrap().version;
    let edited = r#"{"payment_id":"p-edited","amount_cents":990,"reviewed":true}"#;
    op.clone()
        .edit_parked(pb::EditParkedRequest {
            tracking_id: tids[1].clone(),
            expected_version: version,
            payload: Some(edited.as_bytes().to_vec()),
            headers: HashMap::new(),
            comment: "reviewed".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap();
    let run = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(&tids),
            options: None,
            dry_run: false,
            comment: "reviewed".to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    assert_eq!(run.resubmitted, 2, "{run:?}");
    app.await_stream("payments", 2).await;

    let mut client = app.client();
    let same = client
        .report(fraud_declined("p-same"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        outcome(&same),
        pb::Outcome::Duplicate,
        "unchanged bytes without headers are the original again: {same:?}"
    );

    let mut headerless = fraud_declined("p-edited");
    message(&mut headerless).payload = edited.as_bytes().to_vec();
    let changed = client.report(headerless).await.unwrap().into_inner();

    assert_eq!(
        outcome(&changed),
        pb::Outcome::Parked,
        "the edited copy, recognised by its bytes, is a new attempt: {changed:?}"
    );
}

/// The message state lives `redis.state_ttl` after the last report: a report after that is a
/// first report again (README "What stays ambiguous").
#[tokio::test]
async fn a_report_after_the_state_expired_is_a_first_report() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, UNCHANGED_RULES).unwrap();
    let app = spawn_app_with(|s| {
        s.rules.path = rules;
        s.redis.state_ttl = std::time::Duration::from_secs(1);
    })
    .await;
    let mut client = app.client();
    let first = client
        .report(pass_again("e-ttl"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((outcome(&first), first.attempt), (pb::Outcome::Requeued, 1));
    let again = client
        .report(pass_again("e-ttl"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&again), pb::Outcome::Duplicate, "{again:?}");

    let key = format!(
        "{{salvage}}:msg:{}",
        salvage_model::message_key("redis", "events", "e-ttl")
    );
    let conn = app.conn.clone();
    let gone = eventually(std::time::Duration::from_secs(10), || {
        let (mut conn, key) = (conn.clone(), key.clone());
        async move {
            let exists: bool = conn.exists(&key).await.unwrap();
            (!exists).then_some(())
        }
    })
    .await;
    assert!(gone.is_some(), "the state expired");
    let later = client
        .report(pass_again("e-ttl"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (outcome(&later), later.attempt),
        (pb::Outcome::Requeued, 1),
        "{later:?}"
    );
}
