//! Finding one's way at 3 a.m.: the overview's last hour and its live refresh, filters kept in
//! the URL (permalinks), pagination, and the audit log page.

use super::*;
use crate::support::admin::park_all;

#[tokio::test]
async fn the_overview_counts_the_last_hour_and_refreshes_live() {
    let c = Console::start().await;
    // Five repairs requeued, then the attempt limit parks the sixth report.
    c.park_after_five_repairs().await;
    // Each process adds its last-hour counts to Redis once a second; a page shown before that
    // would show them only at its next 10 s poll (no event announces a count).
    await_counted(&c.app, "requeued", 5).await;
    c.sign_in(VIEWER, "victor").await;
    c.browser.wait_text("#parked-now", "1").await;
    c.browser.wait_text("#last-hour-requeued", "5").await;
    c.browser.wait_text("#last-hour-repaired", "5").await;
    c.browser.wait_text("#last-hour-parked", "1").await;
    c.browser
        .wait_text("#origins tr[data-queue=\"orders\"]", "1")
        .await;
    c.browser.wait_text("#outbox", "redis").await;
    // A new park shows up without reloading the page (events, or the poll).
    c.park(fraud_declined("p-1")).await;
    c.browser.wait_text("#parked-now", "2").await;
    c.browser
        .find(&format!(
            "#top-groups tr[data-group=\"{}\"]",
            fraud_group("p-1")
        ))
        .await;
}

#[tokio::test]
async fn filters_live_in_the_url_and_long_lists_are_paged() {
    let c = Console::start().await;
    let many: Vec<_> = (0..55).map(|i| fraud_declined(&format!("p-{i}"))).collect();
    park_all(&c.app.client(), many).await;
    let lyon = c
        .park(shipment("s-1", r#"{"order_id":"s-1","city":"Lyon"}"#))
        .await;
    let paris = c
        .park(shipment("s-2", r#"{"order_id":"s-2","city":"Paris"}"#))
        .await;
    c.sign_in(OPERATOR, "olivia").await;

    c.open("#/messages").await;
    let rows = "tr[data-tracking-id]";
    until("a first page of 50", || async {
        c.browser.count(rows).await == 50
    })
    .await;
    c.browser.click("button#next-page").await;
    until("a second page of 7", || async {
        c.browser.count(rows).await == 7
    })
    .await;

    c.open("#/messages").await;
    c.browser
        .type_into("form#filters input[name=\"queue\"]", "shipments")
        .await;
    c.browser.click("button#apply-filters").await;
    until("the shipments only", || async {
        c.browser.count(rows).await == 2
    })
    .await;
    assert!(c.browser.url().await.contains("queue=shipments"));
    c.browser
        .type_into("form#filters input[name=\"text\"]", "Paris")
        .await;
    c.browser.click("button#apply-filters").await;
    until("the one with Paris", || async {
        c.browser.count(rows).await == 1
    })
    .await;
    c.browser
        .find(&format!("tr[data-tracking-id=\"{paris}\"]"))
        .await;
    // The URL is a permalink: opened afresh, it shows the same selection.
    let url = c.browser.url().await;
    assert!(url.contains("text=Paris"), "{url}");
    c.browser.goto("about:blank").await;
    c.browser.goto(&url).await;
    c.browser
        .find(&format!("tr[data-tracking-id=\"{paris}\"]"))
        .await;
    until("still one", || async { c.browser.count(rows).await == 1 }).await;
    assert_eq!(
        c.browser
            .count(&format!("tr[data-tracking-id=\"{lyon}\"]"))
            .await,
        0
    );
}

#[tokio::test]
async fn the_audit_page_lists_who_did_what() {
    let c = Console::start().await;
    let tid = c.park(shipment("s-1", r#"{"order_id":"s-1"}"#)).await;
    c.sign_in(OPERATOR, "olivia").await;
    c.open(&format!("#/message/{tid}")).await;
    c.browser.wait_text("#payload", "s-1").await;
    c.browser.click("button#discard").await;
    c.browser
        .type_into("input#discard-reason", "test leftovers")
        .await;
    c.browser.click("button#confirm-ok").await;
    until("archived", || async { c.app.parked(&tid).await.is_empty() }).await;
    c.open("#/audit").await;
    let row = c.browser.wait_text("tr.audit-entry", "discard").await;
    assert!(
        row.contains("olivia") && row.contains("test leftovers"),
        "{row}"
    );
    c.browser.type_into("input#audit-actor", "victor").await;
    c.browser.wait_gone("tr.audit-entry").await;
}

/// Every filter of the messages page reaches the API with its meaning: origin queue, group, error
/// code, event type, time range and payload text (the page puts its form into these parameters).
#[tokio::test]
async fn every_filter_selects_what_it_names() {
    let clock = manual_clock();
    let c = Console::start_with_clock(clock.clone()).await;
    let fraud = c.park(fraud_declined("p-1")).await;
    let ship = c
        .park(shipment("s-1", r#"{"order_id":"s-1","city":"Lyon"}"#))
        .await;
    // A millisecond strictly after the first two parks.
    let since = clock.advance(std::time::Duration::from_millis(1));
    let late = c
        .park(shipment("s-2", r#"{"order_id":"s-2","city":"Paris"}"#))
        .await;
    c.sign_in(OPERATOR, "olivia").await;
    // Read through the page's own session, as the page does.
    let ids = |query: String| {
        let b = &c.browser;
        async move {
            let got = b
                .exec_async(
                    "const done = arguments[arguments.length - 1];
                     fetch(arguments[0]).then(r => r.json())
                       .then(j => done(j.messages.map(m => m.tracking_id)));",
                    serde_json::json!([format!("api/messages?{query}")]),
                )
                .await;
            let mut v: Vec<String> = serde_json::from_value(got).unwrap();
            v.sort();
            v
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        ids("code=FRAUD_DECLINED".into()).await,
        std::slice::from_ref(&fraud)
    );
    assert_eq!(
        ids("queue=shipments".into()).await,
        sorted(vec![ship.clone(), late.clone()])
    );
    assert_eq!(
        ids(format!("group={}", fraud_group("p-1"))).await,
        std::slice::from_ref(&fraud)
    );
    assert_eq!(
        ids("event_type=Shipped".into()).await,
        sorted(vec![ship.clone(), late.clone()])
    );
    assert_eq!(
        ids(format!("since={since}")).await,
        std::slice::from_ref(&late)
    );
    assert_eq!(
        ids(format!("until={since}")).await,
        sorted(vec![fraud.clone(), ship.clone()])
    );
    assert_eq!(ids("text=Paris".into()).await, std::slice::from_ref(&late));
    // The form fills the same parameters.
    c.open("#/messages").await;
    c.browser
        .type_into("form#filters input[name=\"code\"]", "FRAUD_DECLINED")
        .await;
    c.browser.click("button#apply-filters").await;
    until("the fraud decline only", || async {
        c.browser.count("tr[data-tracking-id]").await == 1
    })
    .await;
    c.browser
        .find(&format!("tr[data-tracking-id=\"{fraud}\"]"))
        .await;
    assert!(c.browser.url().await.contains("code=FRAUD_DECLINED"));
}

/// Waits (bounded, 10 s) until the last hour's counts in Redis add up to `n` for `field`.
async fn await_counted(app: &TestApp, field: &str, n: u64) {
    let got = eventually(Duration::from_secs(10), || {
        let mut conn = app.conn.clone();
        async move {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg("*stats:*")
                .query_async(&mut conn)
                .await
                .ok()?;
            let mut sum = 0;
            for key in keys {
                let v: Option<u64> = redis::cmd("HGET")
                    .arg(&key)
                    .arg(field)
                    .query_async(&mut conn)
                    .await
                    .ok()?;
                sum += v.unwrap_or(0);
            }
            (sum >= n).then_some(())
        }
    })
    .await;
    assert!(
        got.is_some(),
        "{field} did not reach {n} in the last hour's counts within 10 s"
    );
}
