//! Data exactly as sent: a repair changes only what its rule touched (numbers keep their
//! digits, strings their escapes, the text its layout); a payload whose JSON is ambiguous (a
//! key written twice) or nested deeper than the parser allows is parked saying so; EditParked
//! refuses a JSON message's payload that is not JSON. Salvage over gRPC, a real Redis.

use std::collections::HashMap;

use salvage::proto::v1 as pb;
use tonic::Code;

use crate::support::{admin::*, *};

/// An order whose total is a string (the example rule `order-total-as-string` coerces it),
/// with every other field in a form a re-serialisation would rewrite.
const ORDER: &str = "{\"order_id\": \"o-1\", \"total\": \"129.90\", \"tax\": 12.30, \
                     \"count\": 1e3, \"Count2\": 1E+3, \"delta\": -0, \"one\": 1.0, \
                     \"id\": 20261121000000000000001, \"small\": 1.5e-7,\n  \
                     \"note\": \"caf\\u00e9 \\/ ok\", \"lines\": [{\"price\": 2.50}, 10.0]}";

fn order(id: &str, payload: &str) -> pb::ReportRequest {
    let mut req = order_total_as_string(id);
    message(&mut req).payload = payload.as_bytes().to_vec();
    req
}

/// The requeued copy is the reported text with only `"129.90"` → `129.90` changed: every other
/// number, escape and space as sent.
#[tokio::test]
async fn a_repair_changes_only_what_its_rule_touched() {
    let app = spawn_app().await;
    let resp = app
        .client()
        .report(order("o-1", ORDER))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Requeued, "{resp:?}");
    let entries = app.await_stream("orders", 1).await;
    let expected = ORDER.replace("\"total\": \"129.90\"", "\"total\": 129.90");
    assert_eq!(entries[0]["payload"], expected);

    // The history's change carries the exact value too (what the console shows).
    let mut conn = app.conn.clone();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("{salvage}:msg:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    let history: String = redis::cmd("HGET")
        .arg(&keys[0])
        .arg("history")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        history.contains(r#""before":"129.90","after":129.90"#),
        "{history}"
    );
}

/// A 23-digit id given as a string becomes a number with every digit.
#[tokio::test]
async fn coercing_a_big_integer_string_keeps_every_digit() {
    let app = spawn_app().await;
    let payload = r#"{"order_id":"o-2","total":"20261121000000000000001","currency":"EUR"}"#;
    let resp = app
        .client()
        .report(order("o-2", payload))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Requeued, "{resp:?}");
    let entries = app.await_stream("orders", 1).await;
    assert_eq!(
        entries[0]["payload"],
        r#"{"order_id":"o-2","total":20261121000000000000001,"currency":"EUR"}"#
    );
}

#[tokio::test]
async fn duplicate_keys_are_parked_as_ambiguous() {
    let app = spawn_app().await;
    let cases = [
        (
            r#"{"order_id":"o-3","total":"1.00","total":"2.00"}"#,
            r#"payload is ambiguous: key "total" appears more than once in the top-level object"#,
        ),
        (
            r#"{"order_id":"o-4","total":"1.00","lines":[{"sku":"a"},{"sku":"b","sku":"c"}]}"#,
            r#"payload is ambiguous: key "sku" appears more than once in the object at /lines/1"#,
        ),
    ];
    for (i, (payload, reason)) in cases.into_iter().enumerate() {
        let resp = app
            .client()
            .report(order(&format!("o-dup-{i}"), payload))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
        assert_eq!(resp.reason, reason);
        let rec = app.parked(&resp.tracking_id).await;
        assert_eq!(rec["payload"], payload, "kept as received");
    }
    assert!(app.stream("orders").await.is_empty(), "nothing was guessed");
    assert!(
        app.metrics()
            .await
            .contains(r#"salvage_parks_total{reason="invalid_json"} 2"#),
        "counted as an unreadable payload"
    );
}

#[tokio::test]
async fn payload_nested_too_deep_is_parked_saying_so() {
    let app = spawn_app().await;
    let deep = format!(
        r#"{{"order_id":"o-5","total":"1.00","x":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let resp = app
        .client()
        .report(order("o-5", &deep))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    assert_eq!(resp.reason, "payload is nested deeper than 127 levels");
}

/// EditParked on an `application/json` message refuses what is not JSON, or is ambiguous, with
/// INVALID_ARGUMENT naming the field, and changes nothing; valid JSON is stored byte for byte.
#[tokio::test]
async fn edit_parked_refuses_invalid_json_for_a_json_message() {
    let app = spawn_app().await;
    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    let op = app.operator().await;
    let edit = |payload: &str| {
        let mut op = op.clone();
        let req = pb::EditParkedRequest {
            tracking_id: tid.clone(),
            expected_version: 1,
            payload: Some(payload.as_bytes().to_vec()),
            headers: HashMap::new(),
            replace_headers: false,
            comment: String::new(),
        };
        async move { op.edit_parked(req).await }
    };
    let err = edit(r#"{"payment_id":"p-1","amount_cents":}"#)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(
        err.message().starts_with("payload: must be JSON"),
        "{}",
        err.message()
    );
    assert!(
        err.message()
            .contains("is not valid JSON: expected value at line 1 column 36"),
        "{}",
        err.message()
    );
    let err = edit(r#"{"payment_id":"p-1","payment_id":"p-2"}"#)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(
        err.message()
            .contains(r#"key "payment_id" appears more than once"#),
        "{}",
        err.message()
    );
    let stored = get(&op, &tid).await.unwrap();
    assert_eq!(
        stored.summary.as_ref().unwrap().version,
        1,
        "nothing changed"
    );

    let exact = r#"{"payment_id": "p-1", "amount_cents": 990, "rate": 1.50, "big": 20261121000000000000001}"#;
    let rec = edit(exact).await.unwrap().into_inner();
    assert_eq!(rec.payload, exact.as_bytes(), "stored as sent");
}

/// A message that is not typed as JSON may be edited to anything.
#[tokio::test]
async fn edit_parked_takes_any_payload_for_a_message_not_typed_json() {
    let app = spawn_app().await;
    let mut req = fraud_declined("p-2");
    message(&mut req).content_type = "text/plain".to_owned();
    let tid = app.park_all(vec![req]).await.remove(0);
    let op = app.operator().await;
    let rec = op
        .clone()
        .edit_parked(pb::EditParkedRequest {
            tracking_id: tid,
            expected_version: 1,
            payload: Some(b"payment p-2: amount=990".to_vec()),
            headers: HashMap::new(),
            replace_headers: false,
            comment: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rec.payload, b"payment p-2: amount=990");
}
