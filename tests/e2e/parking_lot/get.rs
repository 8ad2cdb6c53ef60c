//! GetParked: the whole record of a message that was repaired five times and then parked on
//! the attempt limit, and NOT_FOUND for an unknown id.

use salvage::api::to_system_time;
use tonic::Code;

use super::*;

#[tokio::test]
async fn whole_record_with_every_attempt_and_the_payloads_repairs_produced() {
    let app = spawn_app().await;
    let mut client = app.client();
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
        assert_eq!(repaired["total"].to_string(), "129.90", "{a:?}");
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
    let clock = manual_clock();
    let app = spawn_app_with_clock(clock.clone(), |_| {}).await;
    let op = app.operator().await;
    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    let first = get(&op, &tid).await.unwrap().summary.unwrap();
    assert_eq!(first.reports, 1);
    clock.advance(std::time::Duration::from_millis(5));
    let again = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    assert_eq!(again, tid, "the same parked record");
    let now = get(&op, &tid).await.unwrap().summary.unwrap();
    assert_eq!(now.reports, 2);
    let at = |t: &Option<prost_types::Timestamp>| to_system_time(t.as_ref().unwrap()).unwrap();
    assert!(at(&now.last_seen) > at(&first.last_seen));
    assert_eq!(at(&now.parked_at), at(&first.parked_at));
    assert_eq!(list_all(&op, pb::ParkedFilter::default()).await.len(), 1);
}

#[tokio::test]
async fn sensitive_values_are_masked_unless_an_operator_reveals_them() {
    let app = spawn_app_with(|s| {
        s.parking_lot.sensitive = vec!["/card/number".to_owned(), "/items/*/email".to_owned()];
    })
    .await;
    let payload = r#"{"order_id":"s-9","card":{"number":"4111111111111111"},"items":[{"email":"a@example.com","sku":"x"}]}"#;
    let resp = app
        .client()
        .report(shipment("s-9", payload))
        .await
        .unwrap()
        .into_inner();
    let tid = resp.tracking_id;
    let (viewer, op) = (app.viewer().await, app.operator().await);

    let shown = get(&viewer, &tid).await.unwrap();
    let text = String::from_utf8(shown.payload.clone()).unwrap();
    assert!(text.contains("\"[redacted]\""), "{text}");
    assert!(
        !text.contains("4111") && !text.contains("a@example.com"),
        "{text}"
    );
    assert!(text.contains("\"sku\":\"x\""), "the rest is intact: {text}");
    let listed = list_all(&viewer, queue_filter("shipments")).await;
    assert!(!listed[0].payload_preview.contains("4111"));
    // Filters see the masked payload: they cannot be used to guess a masked value.
    let by = |text: &str, pointer: &str, value: &str| pb::ParkedFilter {
        text: text.to_owned(),
        json_pointer: pointer.to_owned(),
        json_value: value.to_owned(),
        ..queue_filter("shipments")
    };
    assert!(list_all(&viewer, by("4111", "", "")).await.is_empty());
    assert!(
        list_all(&viewer, by("", "/card/number", "4111111111111111"))
            .await
            .is_empty()
    );
    assert_eq!(list_all(&viewer, by("sku", "", "")).await.len(), 1);
    assert_eq!(
        list_all(&viewer, by("", "/card/number", "[redacted]"))
            .await
            .len(),
        1
    );

    let denied = viewer
        .clone()
        .get_parked(pb::GetParkedRequest {
            tracking_id: tid.clone(),
            reveal: true,
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let revealed = op
        .clone()
        .get_parked(pb::GetParkedRequest {
            tracking_id: tid.clone(),
            reveal: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revealed.payload, payload.as_bytes(), "the exact bytes");
    let audit = audit_of(&op, &tid).await;
    assert_eq!(audit.len(), 1, "only the reveal is audited");
    assert_eq!(audit[0].action, "reveal");
    assert_eq!(audit[0].actor, "olivia");

    // An edit of the masked payload keeps what the masks hide.
    let edited = text.replace("\"order_id\":\"s-9\"", "\"order_id\":\"s-9b\"");
    op.clone()
        .edit_parked(pb::EditParkedRequest {
            tracking_id: tid.clone(),
            expected_version: 1,
            payload: Some(edited.into_bytes()),
            ..Default::default()
        })
        .await
        .unwrap();
    let stored: serde_json::Value =
        serde_json::from_str(&app.parked(&tid).await["payload"]).unwrap();
    assert_eq!(stored["order_id"], "s-9b");
    assert_eq!(stored["card"]["number"], "4111111111111111");
    assert_eq!(stored["items"][0]["email"], "a@example.com");
    let audit = audit_of(&op, &tid).await;
    let before = String::from_utf8_lossy(&audit[0].payload_before).into_owned();
    assert!(
        !before.contains("4111"),
        "the audit's before/after are masked: {before}"
    );
}
