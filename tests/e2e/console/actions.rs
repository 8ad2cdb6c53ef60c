//! What an operator does in the console: find a parked message in its group, fix and resend it,
//! resend a whole group, discard and restore, and meet an edit conflict.

use super::*;
use crate::support::admin::*;

#[tokio::test]
async fn a_parked_message_shows_up_in_its_group() {
    let c = Console::start().await;
    let tid = c.park(fraud_declined("p-1")).await;
    let group = fraud_group("p-1");
    c.sign_in(OPERATOR, "olivia").await;
    c.browser.wait_text("#parked-now", "1").await;
    c.browser
        .find(&format!("#top-groups tr[data-group=\"{group}\"]"))
        .await;
    c.open("#/groups").await;
    let row = format!("tr[data-group=\"{group}\"]");
    c.browser.wait_text(&format!("{row} td.count"), "1").await;
    c.browser.click(&format!("{row} a.group-link")).await;
    c.browser.wait_text("#group-count", "1").await;
    c.browser
        .click(&format!("tr[data-tracking-id=\"{tid}\"] a.message-link"))
        .await;
    let payload = c.browser.wait_text("#payload", "payment_id").await;
    assert!(payload.contains("\"p-1\""), "{payload}");
    c.browser.wait_text("#failure", "FRAUD_DECLINED").await;
    assert!(c.browser.url().await.ends_with(&format!("#/message/{tid}")));
}

#[tokio::test]
async fn an_operator_edits_and_resubmits_and_it_arrives_repaired() {
    let c = Console::start().await;
    let tid = c
        .park(shipment(
            "s-1",
            r#"{"order_id":"s-1","address":{"street":"","city":"Lyon"}}"#,
        ))
        .await;
    c.sign_in(OPERATOR, "olivia").await;
    c.open(&format!("#/message/{tid}")).await;
    c.browser.wait_text("#payload", "Lyon").await;
    c.browser.click("button#edit").await;
    c.browser.clear("textarea#editor").await;
    c.browser
        .type_into("textarea#editor", r#"{"order_id": "s-1", "address": {"#)
        .await;
    until("the editor flags invalid JSON", || async {
        !c.browser
            .text("#editor-status")
            .await
            .contains("valid JSON")
            && !c.browser.enabled("button#save").await
    })
    .await;
    c.browser.clear("textarea#editor").await;
    let fixed = r#"{"order_id":"s-1","address":{"street":"1 rue Victor Hugo","city":"Lyon"}}"#;
    c.browser.type_into("textarea#editor", fixed).await;
    c.browser.wait_text("#editor-status", "valid JSON").await;
    assert!(c.browser.enabled("button#save").await);
    c.browser.click("button#save").await;
    c.browser.wait_text("#payload", "Victor Hugo").await;

    c.browser.click("button#resubmit").await;
    c.browser.wait_text("#confirm-text", "1").await;
    c.browser.click("button#confirm-ok").await;
    let landed = c.app.await_stream("shipments", 1).await.remove(0);
    let got: serde_json::Value = serde_json::from_str(&landed["payload"]).unwrap();
    let want: serde_json::Value = serde_json::from_str(fixed).unwrap();
    assert_eq!(got, want, "the repaired payload arrived on its stream");
    assert!(c.app.parked(&tid).await.is_empty(), "no longer parked");
}

#[tokio::test]
async fn bulk_resubmit_of_a_whole_group() {
    let c = Console::start().await;
    for i in 1..=5 {
        c.park(fraud_declined(&format!("p-{i}"))).await;
    }
    let other = c.park(gateway_timeout_parked()).await;
    c.sign_in(OPERATOR, "olivia").await;
    c.open(&format!("#/group/{}", fraud_group("p-1"))).await;
    c.browser.wait_text("#group-count", "5").await;
    // Two ticked first: a selection.
    let ticks = "tr[data-tracking-id] input.select";
    until("five rows", || async { c.browser.count(ticks).await == 5 }).await;
    c.browser
        .exec(
            "const t = document.querySelectorAll(arguments[0]); t[0].click(); t[1].click();",
            serde_json::json!([ticks]),
        )
        .await;
    c.browser.click("button#resubmit-selected").await;
    c.browser.wait_text("#confirm-text", "2").await;
    c.browser.click("button#confirm-ok").await;
    c.browser.wait_text("#run-status", "completed").await;
    assert_eq!(c.app.await_stream("payments", 2).await.len(), 2);
    // Then the rest of the group.
    c.browser.wait_text("#group-count", "3").await;
    c.browser.click("button#resubmit-group").await;
    let question = c.browser.wait_text("#confirm-text", "3").await;
    assert!(question.contains('3'), "{question}");
    // A whole group is not resent at full speed unless the operator says so: the dialog offers
    // the server's default rate (no canary for 3 messages).
    let redrive = c
        .browser
        .exec(
            "const v = (s) => document.querySelector(s).value; \
             return [document.querySelector('#confirm-redrive').hidden, v('#redrive-rate'), \
             v('#redrive-canary')];",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(redrive, serde_json::json!([false, "50", "0"]));
    c.browser.click("button#confirm-ok").await;
    let landed = c.app.await_stream("payments", 5).await;
    assert_eq!(landed.len(), 5);
    assert!(
        !c.app.parked(&other).await.is_empty(),
        "another group's message stays parked"
    );
}

#[tokio::test]
async fn a_large_group_resubmit_shows_a_sample_and_starts_with_a_canary_at_a_rate() {
    let c = Console::start().await;
    let reqs = (0..120)
        .map(|i| fraud_declined(&format!("p-{i}")))
        .collect();
    c.app.park_all(reqs).await;
    c.sign_in(OPERATOR, "olivia").await;
    c.open(&format!("#/group/{}", fraud_group("p-1"))).await;
    c.browser.wait_text("#group-count", "120").await;
    c.browser.click("button#resubmit-group").await;
    c.browser.wait_text("#confirm-text", "120").await;
    let shown = c
        .browser
        .exec(
            "const v = (s) => document.querySelector(s).value; \
             return [document.querySelector('#confirm-redrive').hidden, v('#redrive-rate'), \
             v('#redrive-canary'), v('#redrive-wait'), \
             document.querySelectorAll('#confirm-sample li').length];",
            serde_json::json!([]),
        )
        .await;
    // A sample of 10 ids and "… and 110 more".
    assert_eq!(shown, serde_json::json!([false, "50", "20", "60", 11]));
    c.browser.click("button#confirm-ok").await;
    let status = c.browser.wait_text("#run-status", "canary_wait").await;
    assert!(status.contains("20/120 done"), "{status}");
    assert_eq!(
        c.app.stream("payments").await.len(),
        20,
        "only the canary went"
    );
}

/// A parked message of another group on the same queue.
fn gateway_timeout_parked() -> pb::ReportRequest {
    report(
        "x-1",
        "payments",
        "PaymentCaptured",
        pb::ErrorClass::Data,
        "CARD_EXPIRED",
        "the card expired",
        r#"{"payment_id":"x-1"}"#,
    )
}

#[tokio::test]
async fn discard_with_a_reason_then_restore_from_the_archive() {
    let c = Console::start().await;
    let tid = c.park(shipment("s-2", r#"{"order_id":"s-2"}"#)).await;
    c.sign_in(OPERATOR, "olivia").await;
    c.open(&format!("#/message/{tid}")).await;
    c.browser.wait_text("#payload", "s-2").await;
    // Escape closes the dialog and changes nothing (the keyboard is enough).
    c.browser.click("button#discard").await;
    c.browser.find("dialog#confirm[open]").await;
    c.browser
        .type_into("input#discard-reason", "\u{E00C}")
        .await;
    c.browser.wait_gone("dialog#confirm[open]").await;
    assert!(!c.app.parked(&tid).await.is_empty());
    c.browser.click("button#discard").await;
    assert!(
        !c.browser.enabled("button#confirm-ok").await,
        "no discard without a reason"
    );
    c.browser
        .type_into("input#discard-reason", "duplicate of s-1")
        .await;
    c.browser.click("button#confirm-ok").await;
    until("the message is archived", || async {
        c.app.parked(&tid).await.is_empty()
    })
    .await;

    c.open("#/archive").await;
    let row = format!("tr[data-tracking-id=\"{tid}\"]");
    c.browser.click(&format!("{row} input.select")).await;
    // Restoring only puts a message back in the parking lot: no confirmation.
    c.browser.click("button#restore-selected").await;
    until("the message is parked again", || async {
        !c.app.parked(&tid).await.is_empty()
    })
    .await;
    let audit = audit_of(&c.app.operator().await, &tid).await;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["restore", "discard"], "audited, newest first");
    assert!(audit[1].comment.contains("duplicate of s-1"));
    assert!(audit.iter().all(|e| e.actor == "olivia"));
}

#[tokio::test]
async fn an_edit_conflict_is_shown_and_nothing_is_overwritten() {
    let c = Console::start().await;
    let tid = c.park(shipment("s-3", r#"{"order_id":"s-3"}"#)).await;
    c.sign_in(OPERATOR, "olivia").await;
    c.open(&format!("#/message/{tid}")).await;
    c.browser.wait_text("#payload", "s-3").await;
    c.browser.click("button#edit").await;
    // Someone else edits it first, through the admin API.
    let theirs = r#"{"order_id":"s-3","fixed_by":"someone else"}"#;
    c.app
        .operator()
        .await
        .edit_parked(pb::EditParkedRequest {
            tracking_id: tid.clone(),
            expected_version: 1,
            payload: Some(theirs.as_bytes().to_vec()),
            headers: Default::default(),
            replace_headers: false,
            comment: String::new(),
        })
        .await
        .unwrap();
    c.browser.clear("textarea#editor").await;
    c.browser
        .type_into("textarea#editor", r#"{"order_id":"s-3","fixed_by":"me"}"#)
        .await;
    c.browser.wait_text("#editor-status", "valid JSON").await;
    c.browser.click("button#save").await;
    c.browser.wait_text("#conflict", "changed").await;
    let stored = get(&c.app.operator().await, &tid).await.unwrap();
    assert_eq!(stored.payload, theirs.as_bytes(), "the other edit stands");
    assert_eq!(stored.summary.unwrap().version, 2);
    c.browser.click("button#reload").await;
    c.browser.wait_text("#payload", "someone else").await;
}

#[tokio::test]
async fn the_detail_shows_every_attempt_with_the_diff_its_repair_made() {
    let c = Console::start().await;
    let tid = c.park_after_five_repairs().await;
    c.sign_in(VIEWER, "victor").await;
    c.open(&format!("#/message/{tid}")).await;
    c.browser.wait_text("#failure", "INVALID_TYPE").await;
    assert_eq!(c.browser.count("#attempts .attempt").await, 6);
    let diff = c.browser.text("#attempts .diff-row").await;
    assert!(diff.contains("/total"), "{diff}");
    assert!(diff.contains("129.90") && diff.contains("129.9"), "{diff}");
    let original = c.browser.text("#original").await;
    assert!(original.contains("\"129.90\""), "{original}");
    // Each attempt names the version of the rules that decided it.
    let version = salvage::rules::load(&example_rules()).unwrap().version;
    let first = c.browser.text("#attempts .attempt").await;
    assert!(
        first.contains("Rules version") && first.contains(&version),
        "{first}"
    );
}
