//! EditParked: optimistic concurrency between two operators, the edit history, the audit
//! entry, and that a resubmit sends the edited payload.

use tonic::Code;

use super::*;

#[tokio::test]
async fn concurrent_edits_one_wins_the_other_is_aborted() {
    let app = spawn_app().await;
    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    let original = r#"{"payment_id":"p-1","amount_cents":990}"#;
    let (alice, bob) = (app.operator().await, app.operator().await);

    // Both read version 1, both edit.
    let read = get(&alice, &tid).await.unwrap();
    let version = read.summary.as_ref().unwrap().version;
    assert_eq!(version, 1);
    let a = r#"{"payment_id":"p-1","amount_cents":990,"reviewed":"alice"}"#;
    let b = r#"{"payment_id":"p-1","amount_cents":990,"reviewed":"bob"}"#;
    let (ra, rb) = tokio::join!(
        edit_payload(&alice, &tid, version, a),
        edit_payload(&bob, &tid, version, b)
    );
    let (winner, loser, won, lost) = match (ra, rb) {
        (Ok(rec), Err(status)) => (rec, status, a, b),
        (Err(status), Ok(rec)) => (rec, status, b, a),
        (ra, rb) => panic!("exactly one edit must succeed: {ra:?} / {rb:?}"),
    };
    assert_eq!(loser.code(), Code::Aborted, "{loser:?}");
    assert_eq!(winner.summary.as_ref().unwrap().version, 2);
    assert_eq!(winner.payload, won.as_bytes());

    let now = get(&alice, &tid).await.unwrap();
    assert_eq!(now.summary.as_ref().unwrap().version, 2);
    assert_eq!(
        now.payload,
        won.as_bytes(),
        "the losing payload is not stored"
    );
    assert_ne!(now.payload, lost.as_bytes());
    assert_eq!(now.edits.len(), 1, "{:?}", now.edits);
    let edit = &now.edits[0];
    assert_eq!(edit.previous_payload, original.as_bytes());
    assert_eq!(edit.actor, "olivia");
    assert!(edit.at.is_some());
    assert_eq!(
        now.summary.as_ref().unwrap().payload_bytes as usize,
        won.len()
    );

    // A stale version is refused and changes nothing.
    let stale = edit_payload(&bob, &tid, 1, b).await.unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    assert_eq!(get(&bob, &tid).await.unwrap().payload, won.as_bytes());

    // Headers can be replaced; the previous ones are kept in the edit.
    let new_headers = HashMap::from([("x-reviewed-by".to_owned(), "olivia".to_owned())]);
    let rec = alice
        .clone()
        .edit_parked(pb::EditParkedRequest {
            tracking_id: tid.clone(),
            expected_version: 2,
            payload: None,
            headers: new_headers.clone(),
            replace_headers: true,
            comment: "mark as reviewed".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rec.summary.as_ref().unwrap().version, 3);
    assert_eq!(rec.headers, new_headers);
    assert_eq!(rec.payload, won.as_bytes(), "payload unset: kept");
    assert_eq!(rec.edits.len(), 2);
    assert_eq!(rec.edits[1].previous_payload, won.as_bytes());
    assert!(
        rec.edits[1].previous_headers.is_empty(),
        "{:?}",
        rec.edits[1]
    );

    // The audit log has both edits with before and after, newest first.
    let audit = alice
        .clone()
        .list_audit(pb::ListAuditRequest {
            tracking_id: tid.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(audit.entries.len(), 2, "{:#?}", audit.entries);
    let first_edit = &audit.entries[1];
    assert_eq!(first_edit.action, "edit");
    assert_eq!(first_edit.actor, "olivia");
    assert_eq!(first_edit.tracking_ids, std::slice::from_ref(&tid));
    assert_eq!(first_edit.payload_before, original.as_bytes());
    assert_eq!(first_edit.payload_after, won.as_bytes());
    assert_eq!(first_edit.comment, "corrected by hand");
    let headers_edit = &audit.entries[0];
    let after: HashMap<String, String> = serde_json::from_str(&headers_edit.headers_after).unwrap();
    assert_eq!(after, new_headers);
    assert_eq!(headers_edit.comment, "mark as reviewed");

    // A resubmit sends what the operator wrote.
    let run = resubmit_ids(&alice, std::slice::from_ref(&tid))
        .await
        .run
        .unwrap();
    assert_eq!(run.resubmitted, 1);
    let entries = app.await_stream("payments", 1).await;
    assert_eq!(entries[0]["payload"], won);
    assert_eq!(headers_of(&entries[0])["x-reviewed-by"], "olivia");
}

#[tokio::test]
async fn edit_of_an_unknown_message_is_not_found() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let status = edit_payload(&op, "0192f3a4-7c1e-7b2a-9d4e-1f2a3b4c5d6e", 1, "{}")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}

/// For a message not typed as JSON the server takes any bytes as a payload (a JSON one must stay
/// JSON: see `exact_data`); the resubmit sends them as they are. Headers stay as they were
/// unless replaced.
#[tokio::test]
async fn edit_accepts_any_bytes_and_keeps_headers_unless_replaced() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let mut req = fraud_declined("p-1");
    message(&mut req).headers = HashMap::from([("traceparent".to_owned(), "t-1".to_owned())]);
    message(&mut req).content_type = "text/plain".to_owned();
    let tid = app.park_all(vec![req]).await.remove(0);
    let rec = edit_payload(&op, &tid, 1, "amount=990;currency=EUR")
        .await
        .unwrap();
    assert_eq!(rec.payload, b"amount=990;currency=EUR");
    assert_eq!(rec.headers["traceparent"], "t-1", "headers kept");
    assert_eq!(
        rec.summary.unwrap().payload_preview,
        "amount=990;currency=EUR"
    );
    resubmit_ids(&op, std::slice::from_ref(&tid)).await;
    let entries = app.await_stream("payments", 1).await;
    assert_eq!(entries[0]["payload"], "amount=990;currency=EUR");
    assert_eq!(headers_of(&entries[0])["traceparent"], "t-1");
}
