//! JSON Schemas through a running Salvage (the example rules and `examples/schemas/`): a
//! zero-rule repair lands on the stream exactly as the schema repaired it, with its history; a
//! rule's repair that still breaks the schema is parked with the errors, never requeued.

use salvage::proto::v1 as pb;

use crate::support::{
    OPERATOR,
    admin::{admin, get},
    history_holding, outcome, report, spawn_app,
};

fn checkout(id: &str, code: &str, payload: &str) -> pb::ReportRequest {
    report(
        id,
        "checkout",
        "CheckoutCompleted",
        pb::ErrorClass::Data,
        code,
        "payload does not match the contract",
        payload,
    )
}

#[tokio::test]
async fn the_schema_repairs_what_no_rule_knows_and_refuses_what_it_cannot() {
    let app = spawn_app().await;
    let mut client = app.client();

    // No rule matches: the schema coerces the quantity, fixes the enum's case, drops an
    // undeclared member and fills the required currency from its default.
    let sent = r#"{"schema_version":"2","checkout_id":"co-1","customer":{"id":"c-77","email":"ana@example.com"},"lines":[{"sku":"SKU-1","quantity":"2","unit_price":12.30}],"shipping":{"method":"EXPRESS","address":{"country":"DE","zip":"10115"}},"total":24.60,"debug":{"trace":"a1b2"}}"#;
    let resp = client
        .report(checkout("co-1", "SCHEMA_VIOLATION", sent))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Requeued, "{resp:?}");
    assert_eq!(resp.rule, "schema:CheckoutCompleted");
    let entries = app.await_stream("checkout", 1).await;
    assert_eq!(
        entries[0]["payload"],
        r#"{"schema_version":"2","checkout_id":"co-1","customer":{"id":"c-77","email":"ana@example.com"},"lines":[{"sku":"SKU-1","quantity":2,"unit_price":12.30}],"shipping":{"method":"express","address":{"country":"DE","zip":"10115"}},"total":24.60,"currency":"EUR"}"#
    );
    let history = history_holding(&app.conn, &resp.tracking_id).await;
    let changed: Vec<&str> = history[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        changed,
        [
            "/lines/0/quantity",
            "/shipping/method",
            "/debug",
            "/currency"
        ],
        "{history:?}"
    );

    // A rule repairs the total, but the email still breaks the schema: parked, never sent.
    let bad = r#"{"schema_version":"2","checkout_id":"co-2","customer":{"id":"c-78","email":"not-an-address"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":9.99}],"shipping":{"method":"standard","address":{"country":"FR","zip":"75001"}},"currency":"EUR","total":"9.99"}"#;
    let resp = client
        .report(checkout("co-2", "INVALID_TYPE", bad))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    assert_eq!(resp.rule, "checkout-total-as-string");
    assert_eq!(
        resp.reason,
        r#"repaired payload does not match schema schemas/checkout-completed.v2.json: /customer/email: "not-an-address" is not a "email""#
    );
    let operator = admin(&app.parking_url(), OPERATOR).await;
    let record = get(&operator, &resp.tracking_id).await.unwrap();
    assert_eq!(record.payload, bad.as_bytes(), "parked as reported");
    assert_eq!(
        app.stream("checkout").await.len(),
        1,
        "nothing more was sent"
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.lines().any(|l| l
            == r#"salvage_repairs_total{rule="schema:CheckoutCompleted",result="repaired"} 1"#),
        "{metrics}"
    );
}
