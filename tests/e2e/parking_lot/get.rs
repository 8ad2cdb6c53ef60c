//! GetParked: the whole record of a message that was repaired five times and then parked on
//! the attempt limit, and NOT_FOUND for an unknown id.

use salvage::api::to_system_time;
use tonic::Code;

use super::*;

#[tokio::test]
async fn whole_record_with_every_attempt_and_the_payloads_repairs_produced() {
    let app = spawn_app().await;
    let mut client = app.client.clone();
    let op = app.operator().await;
    let original = r#"{"order_id":"o-loop","total":"129.90","currency":"EUR"}"#;

    // The consumer fails on every copy; the example rules allow 5 attempts, the 6th parks.
    let mut headers = HashMap::from([("x-origin".to_owned(), "checkout".to_owned())]);
    let mut responses = Vec::new();
    for attempt in 1..=6usize {
        let mut req = order_total_as_string("o-loop");
        message(&mut req).headers = headers.clone();
        let resp = client.report(req).await.unwrap().into_inner();
        if attempt <= 5 {
            assert_eq!(outcome(&resp), pb::Outcome::Requeued, "{resp:?}");
            let entries = app.await_stream("orders", attempt).await;
            headers = headers_of(entries.last().unwrap());
        }
        responses.push(resp);
    }
    let last = responses.last().unwrap();
    assert_eq!(outcome(last), pb::Outcome::Parked);

    let rec = get(&op, &last.tracking_id).await.unwrap();
    let s = rec.summary.as_ref().unwrap();
    assert_eq!(s.tracking_id, last.tracking_id);
    assert_eq!(s.id, "o-loop");
    let origin = s.origin.as_ref().unwrap();
    assert_eq!(
        (origin.destination.as_str(), origin.queue.as_str()),
        ("redis", "orders")
    );
    assert_eq!(s.event_type, "OrderPlaced");
    assert_eq!(s.error_code, "INVALID_TYPE");
    assert_eq!(s.error_message, "total must be a number");
    assert_eq!(s.reason, "attempt limit (5) reached");
    assert_eq!(
        s.group,
        failure_group("orders", "INVALID_TYPE", "total must be a number")
    );
    assert_eq!(s.version, 1, "never edited");
    assert_eq!(s.reports, 1);
    assert_eq!(s.payload_bytes as usize, original.len());
    assert_eq!(s.payload_preview, original);
    assert!(s.archived.is_none());
    let parked_at = to_system_time(s.parked_at.as_ref().unwrap()).unwrap();
    let last_seen = to_system_time(s.last_seen.as_ref().unwrap()).unwrap();
    assert!(last_seen >= parked_at);

    assert_eq!(
        rec.payload,
        original.as_bytes(),
        "the payload as last reported"
    );
    assert_eq!(rec.content_type, "application/json");
    assert_eq!(rec.headers["x-origin"], "checkout", "{:?}", rec.headers);
    assert_eq!(
        rec.headers["salvage-tracking-id"], responses[4].tracking_id,
        "the headers of the last report: those of the fifth copy"
    );
    let failure = rec.failure.as_ref().unwrap();
    assert_eq!(failure.code, "INVALID_TYPE");
    assert_eq!(failure.class(), pb::ErrorClass::Data);
    assert_eq!(failure.consumer, "billing");
    assert!(rec.edits.is_empty());

    assert_eq!(rec.attempts.len(), 6, "{:#?}", rec.attempts);
    for (i, a) in rec.attempts.iter().enumerate() {
        assert_eq!(a.attempt as usize, i + 1);
        assert_eq!(a.tracking_id, responses[i].tracking_id, "attempt {}", i + 1);
        assert_eq!(a.error_code, "INVALID_TYPE");
        assert!(a.at.is_some());
    }
    for a in &rec.attempts[..5] {
        assert_eq!(a.outcome, "REQUEUED");
        assert_eq!(a.rule, "order-total-as-string");
        assert!(a.has_payload, "a repair produced a payload: {a:?}");
        let repaired: serde_json::Value = serde_json::from_slice(&a.payload).unwrap();
        assert_eq!(repaired["total"], serde_json::json!(129.9), "{a:?}");
    }
    assert_eq!(rec.attempts[5].outcome, "PARKED");
    assert_eq!(rec.attempts[5].reason, "attempt limit (5) reached");
    assert!(!rec.attempts[5].has_payload);
}

#[tokio::test]
async fn unknown_tracking_id_is_not_found() {
    let app = spawn_app().await;
    let op = app.operator().await;
    app.park_all(vec![fraud_declined("p-1")]).await;
    for id in ["0192f3a4-7c1e-7b2a-9d4e-1f2a3b4c5d6e", "nope"] {
        let status = get(&op, id).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{id}: {status:?}");
    }
}

/// A parked message reported again (the original redelivered) stays one record; `reports` and
/// `last_seen` say so.
#[tokio::test]
async fn reports_while_parked_are_counted_on_the_record() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    let first = get(&op, &tid).await.unwrap().summary.unwrap();
    assert_eq!(first.reports, 1);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    assert_eq!(again, tid, "the same parked record");
    let now = get(&op, &tid).await.unwrap().summary.unwrap();
    assert_eq!(now.reports, 2);
    let at = |t: &Option<prost_types::Timestamp>| to_system_time(t.as_ref().unwrap()).unwrap();
    assert!(at(&now.last_seen) > at(&first.last_seen));
    assert_eq!(at(&now.parked_at), at(&first.parked_at));
    assert_eq!(list_all(&op, pb::ParkedFilter::default()).await.len(), 1);
}
