//! ResubmitParked: one message by id (what lands on the stream, what leaves the parking lot,
//! the history and metrics), by filter and by group, and dry runs that change nothing.

use redis::AsyncCommands;
use salvage::proto::v1::run::{Kind, State};
use tonic::Code;

use super::*;

#[tokio::test]
async fn resubmit_by_id_sends_the_message_once_and_resolves_it() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let mut first = fraud_declined("p-1");
    message(&mut first).headers = HashMap::from([("x-origin".to_owned(), "checkout".to_owned())]);
    let tids = app.park_all(vec![first, fraud_declined("p-2")]).await;
    let group = fraud_group("p-1");
    assert_eq!(group_count(&op, &group).await, 2);

    let resp = resubmit_ids(&op, &tids[..1]).await;
    assert_eq!(resp.matched, 1);
    let run = resp.run.unwrap();
    assert_eq!(
        run.state(),
        State::Completed,
        "small runs by id end in the call: {run:?}"
    );
    assert_eq!(run.kind(), Kind::Resubmit);
    assert_eq!(
        (run.total, run.done, run.resubmitted, run.skipped),
        (1, 1, 1, 0)
    );
    assert_eq!(run.created_by, "olivia");
    assert_eq!(run.comment, "fixed upstream");

    let entries = app.stream("payments").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["id"], "p-1");
    assert_eq!(e["payload"], r#"{"payment_id":"p-1","amount_cents":990}"#);
    assert_eq!(e["content_type"], "application/json");
    assert_eq!(e["event_type"], "PaymentCaptured");
    let headers = headers_of(e);
    assert_eq!(headers["x-origin"], "checkout", "original headers kept");
    assert_eq!(headers["salvage-error-code"], "FRAUD_DECLINED");
    let copy_tid = &headers["salvage-tracking-id"];
    assert!(
        !copy_tid.is_empty() && *copy_tid != tids[0],
        "a new tracking id: {headers:?}"
    );
    headers["salvage-attempt"]
        .parse::<u32>()
        .unwrap_or_else(|_| panic!("salvage-attempt is a number: {headers:?}"));

    // Gone from the parking lot, in the same step.
    assert_eq!(get(&op, &tids[0]).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(group_count(&op, &group).await, 1);
    assert_eq!(
        list_ids(&op, pb::ParkedFilter::default()).await,
        [tids[1].clone()]
    );
    await_metric(
        &app.admin_url,
        r#"salvage_parked_resolution_seconds_count{outcome="resubmitted"}"#,
        |v| v == 1.0,
    )
    .await;

    // Resubmitting it again sends nothing: it is no longer parked.
    let again = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(&tids[..1]),
            ..Default::default()
        })
        .await;
    if let Ok(again) = again {
        let run = again.into_inner().run.unwrap();
        let run = wait_run(&op, &run.run_id, RUN_LIMIT, is_final).await;
        assert_eq!(run.resubmitted, 0, "{run:?}");
    }
    assert_eq!(app.stream("payments").await.len(), 1, "arrives once");

    // The copy fails again: a new attempt, parked again, with the resubmit in its history.
    let mut copy = fraud_declined("p-1");
    message(&mut copy).headers = headers.clone();
    let resp = app.client().report(copy).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    let rec = get(&op, &resp.tracking_id).await.unwrap();
    let outcomes: Vec<_> = rec.attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["PARKED", "RESUBMITTED", "PARKED"],
        "{:#?}",
        rec.attempts
    );
    assert_eq!(rec.attempts[1].actor, "olivia");
}

#[tokio::test]
async fn resubmit_by_group_and_by_filter_with_dry_runs() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let mut reqs: Vec<_> = (0..4).map(|i| fraud_declined(&format!("p-{i}"))).collect();
    reqs.extend((0..2).map(|i| shipment(&format!("s-{i}"), "{}")));
    let tids = app.park_all(reqs).await;
    let fraud = fraud_group("p-1");

    // Dry run: counts and a sample, no run, nothing changes.
    let dry = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(group_filter(&fraud)),
            dry_run: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dry.matched, 4);
    assert!(dry.run.is_none());
    assert_eq!(dry.sample.len(), 4);
    assert!(
        dry.sample.iter().all(|s| s.group == fraud),
        "{:?}",
        dry.sample
    );
    assert!(app.stream("payments").await.is_empty());
    assert_eq!(group_count(&op, &fraud).await, 4);
    assert_eq!(list_all(&op, pb::ParkedFilter::default()).await.len(), 6);
    let runs = op
        .clone()
        .list_runs(pb::ListRunsRequest { limit: 10 })
        .await
        .unwrap()
        .into_inner();
    assert!(runs.runs.is_empty(), "a dry run starts no run: {runs:?}");

    // By group.
    let resp = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(group_filter(&fraud)),
            comment: "fraud service fixed".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.matched, 4);
    let run = wait_state(&op, &resp.run.unwrap().run_id, State::Completed, RUN_LIMIT).await;
    assert_eq!((run.total, run.resubmitted), (4, 4));
    let entries = app.stream("payments").await;
    let mut ids: Vec<_> = entries.iter().map(|e| e["id"].clone()).collect();
    ids.sort();
    assert_eq!(ids, ["p-0", "p-1", "p-2", "p-3"]);
    assert_eq!(group_count(&op, &fraud).await, 0);
    for tid in &tids[..4] {
        assert_eq!(get(&op, tid).await.unwrap_err().code(), Code::NotFound);
    }

    // By filter (queue), the other group.
    let resp = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(queue_filter("shipments")),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let run = wait_state(&op, &resp.run.unwrap().run_id, State::Completed, RUN_LIMIT).await;
    assert_eq!(run.resubmitted, 2);
    assert_eq!(app.stream("shipments").await.len(), 2);
    assert!(list_all(&op, pb::ParkedFilter::default()).await.is_empty());
    assert_eq!(
        app.stream("payments").await.len(),
        4,
        "nothing more on payments"
    );
    let runs = op
        .clone()
        .list_runs(pb::ListRunsRequest { limit: 10 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(runs.runs.len(), 2, "newest first: {runs:?}");
    assert_eq!(runs.runs[0].run_id, run.run_id);
}

/// A message parked on the attempt limit, resubmitted: the rules get fresh attempts, so its copy
/// failing again is repaired and requeued, not parked on the limit again.
#[tokio::test]
async fn resubmit_resets_the_attempt_counter() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let mut client = app.client();
    let mut headers = HashMap::new();
    let mut last = None;
    for attempt in 1..=6usize {
        let mut req = order_total_as_string("o-loop");
        message(&mut req).headers = headers.clone();
        let resp = client.report(req).await.unwrap().into_inner();
        if attempt <= 5 {
            headers = headers_of(app.await_stream("orders", attempt).await.last().unwrap());
        }
        last = Some(resp);
    }
    let last = last.unwrap();
    assert_eq!(last.reason, "attempt limit (5) reached");
    resubmit_ids(&op, std::slice::from_ref(&last.tracking_id)).await;
    let entries = app.await_stream("orders", 6).await;
    let copy = entries.last().unwrap();
    let mut req = order_total_as_string("o-loop");
    message(&mut req).payload = copy["payload"].clone().into_bytes();
    message(&mut req).headers = headers_of(copy);
    let resp = client.report(req).await.unwrap().into_inner();
    assert_eq!(
        outcome(&resp),
        pb::Outcome::Requeued,
        "fresh attempts: {resp:?}"
    );
    assert_eq!(resp.rule, "order-total-as-string");
    assert!(resp.attempt <= 2, "the count started again: {resp:?}");
}

/// Discard drops the message state and restore brings the record back without it: the history
/// must still follow the message through a resubmit and a second park.
#[tokio::test]
async fn history_survives_discard_restore_resubmit_and_a_second_park() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let tid = app.park_all(vec![fraud_declined("p-h")]).await.remove(0);
    discard(&op, std::slice::from_ref(&tid), "by mistake").await;
    assert_eq!(restore(&op, std::slice::from_ref(&tid)).await.restored, 1);
    resubmit_ids(&op, std::slice::from_ref(&tid)).await;
    let copy = app.await_stream("payments", 1).await.remove(0);

    // The consumer fails on the copy again: parked again, as a new record.
    let mut req = fraud_declined("p-h");
    message(&mut req).headers = headers_of(&copy);
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    assert_ne!(resp.tracking_id, tid);
    let rec = get(&op, &resp.tracking_id).await.unwrap();
    let outcomes: Vec<&str> = rec.attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["PARKED", "RESUBMITTED", "PARKED"],
        "{:?}",
        rec.attempts
    );
    assert_eq!(rec.attempts[0].tracking_id, tid);
    assert_eq!(rec.attempts[1].actor, "olivia");
}

/// A message requeued first and then parked at its attempt limit: its state is written afresh
/// without the history (a small listpack: the record holds the history while it is parked), and
/// the history still follows the message through a resubmit and a second park.
#[tokio::test]
async fn a_parked_state_holds_no_history_and_the_record_carries_it_on() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let mut client = app.client();
    let mut headers = HashMap::new();
    let mut parked = None;
    // The example defaults allow 5 attempts; the 6th report parks.
    for attempt in 1..=6usize {
        let mut req = order_total_as_string("o-st");
        message(&mut req).headers = headers.clone();
        let resp = client.report(req).await.unwrap().into_inner();
        if attempt <= 5 {
            assert_eq!(outcome(&resp), pb::Outcome::Requeued, "{resp:?}");
            let entries = app.await_stream("orders", attempt).await;
            headers = headers_of(entries.last().unwrap());
        } else {
            assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
            parked = Some(resp.tracking_id);
        }
    }
    let tid = parked.unwrap();
    let rec = app.parked(&tid).await;
    let state_key = bucket_keys(&tid).message(&rec["message_key"]);
    let mut conn = app.conn.clone();
    let state: HashMap<String, String> = conn.hgetall(&state_key).await.unwrap();
    let mut fields: Vec<&str> = state.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "attempts",
            "last_rule",
            "last_tid",
            "parked_tid",
            "pending",
            "status",
            "updated"
        ],
        "{state:?}"
    );
    assert_eq!(
        (state["status"].as_str(), state["attempts"].as_str()),
        ("parked", "6")
    );
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(&state_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        encoding, "listpack",
        "written afresh, not the old hashtable"
    );

    // Reported again while parked: the same record, the state unchanged.
    let mut req = order_total_as_string("o-st");
    message(&mut req).headers = headers.clone();
    let again = client.report(req).await.unwrap().into_inner();
    assert_eq!(
        (outcome(&again), again.tracking_id.as_str()),
        (pb::Outcome::Parked, tid.as_str())
    );

    // Resubmitted, the copy fails at once: the new record has every attempt, in order.
    resubmit_ids(&op, std::slice::from_ref(&tid)).await;
    let copy = app.await_stream("orders", 6).await.remove(5);
    let mut req = order_total_as_string("o-st");
    message(&mut req).headers = headers_of(&copy);
    let resp = client.report(req).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Requeued, "{resp:?}");
    let rec = get(&op, &tid).await;
    assert!(rec.is_err(), "resubmitted: out of the lot");
    // The state holds the history again (the record's, then the resubmit, then this attempt).
    let state: HashMap<String, String> = conn.hgetall(&state_key).await.unwrap();
    let history: Vec<serde_json::Value> =
        serde_json::from_str(&format!("[{}]", state["history"])).unwrap();
    let outcomes: Vec<&str> = history
        .iter()
        .map(|a| a["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        outcomes,
        [
            "REQUEUED",
            "REQUEUED",
            "REQUEUED",
            "REQUEUED",
            "REQUEUED",
            "PARKED",
            "RESUBMITTED",
            "REQUEUED"
        ]
    );
    assert_eq!(history[5]["tracking_id"], tid.as_str());
}
