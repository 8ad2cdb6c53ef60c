//! `resubmit`: by id or filter, the confirmation question, the --all-parked guard.

use super::*;

/// One id: resubmitted at once, the copy on its origin stream with a new tracking id, the
/// record out of the parking lot.
#[tokio::test]
async fn resubmit_one_id_sends_it_back_to_its_queue() {
    let app = spawn_app().await;
    let tid = park_fraud(&app, "p-1").await;
    let keep = park_fraud(&app, "p-2").await;

    let out = op(
        &app,
        &["resubmit", &tid, "--yes", "--comment", "fraud check fixed"],
    )
    .await;
    out.assert_ok();
    assert!(out.stdout.contains("COMPLETED"), "{}", out.stdout);
    let entries = app.await_stream("payments", 1).await;
    assert_eq!(ids(&entries), vec!["p-1"]);
    let headers: HashMap<String, String> = serde_json::from_str(&entries[0]["headers"]).unwrap();
    assert!(!headers["salvage-tracking-id"].is_empty());
    assert_ne!(headers["salvage-tracking-id"], tid);
    assert!(!is_parked(&app, &tid).await);
    assert!(is_parked(&app, &keep).await);
}

/// A filter with --yes: every match goes back, the rest stays; --json gives the run.
#[tokio::test]
async fn resubmit_by_filter_with_yes() {
    let app = spawn_app().await;
    for id in ["p-1", "p-2", "p-3"] {
        park_fraud(&app, id).await;
    }
    let inv = park_invoice(&app, "inv-1").await;

    let out = op(
        &app,
        &["resubmit", "--json", "--code", "FRAUD_DECLINED", "--yes"],
    )
    .await;
    out.assert_ok();
    let doc = out.json();
    assert_eq!(doc["matched"], 3);
    assert_eq!(doc["run"]["state"], "COMPLETED");
    assert_eq!(doc["run"]["resubmitted"], 3);
    assert_eq!(doc["run"]["created_by"], "olivia");
    let entries = app.await_stream("payments", 3).await;
    assert_eq!(ids(&entries), vec!["p-1", "p-2", "p-3"]);
    assert!(is_parked(&app, &inv).await);
    assert!(app.stream("invoices").await.is_empty());
}

/// Without --yes the CLI asks: "n" (or end of input) changes nothing, "y" goes ahead. With
/// no selection at all it refuses unless --all-parked.
#[tokio::test]
async fn resubmit_asks_before_changing_anything() {
    let app = spawn_app().await;
    let a = park_fraud(&app, "p-1").await;
    let b = park_fraud(&app, "p-2").await;

    for answer in ["n\n", "", "yes please\n"] {
        let out = cli(
            app.parking_addr,
            Some(OPERATOR),
            &["resubmit", "--queue", "payments"],
        )
        .stdin(answer)
        .run()
        .await;
        out.assert_failed();
        assert!(
            out.stderr.contains("This will resubmit 2 messages"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("Continue? [y/N]"), "{}", out.stderr);
        assert!(out.stderr.contains("nothing changed"), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    let refused = op(&app, &["resubmit", "--yes"]).await;
    refused.assert_failed();
    assert!(
        refused.stderr.contains("--all-parked"),
        "{}",
        refused.stderr
    );
    assert!(
        app.stream("payments").await.is_empty(),
        "nothing resubmitted"
    );
    assert!(is_parked(&app, &a).await && is_parked(&app, &b).await);

    let out = cli(
        app.parking_addr,
        Some(OPERATOR),
        &["resubmit", "--queue", "payments"],
    )
    .stdin("y\n")
    .run()
    .await;
    out.assert_ok();
    assert_eq!(
        ids(&app.await_stream("payments", 2).await),
        vec!["p-1", "p-2"]
    );
    assert!(!is_parked(&app, &a).await && !is_parked(&app, &b).await);

    // --all-parked selects everything that is left.
    let c = park_invoice(&app, "inv-1").await;
    op(&app, &["resubmit", "--all-parked", "--yes"])
        .await
        .assert_ok();
    assert_eq!(ids(&app.await_stream("invoices", 1).await), vec!["inv-1"]);
    assert!(!is_parked(&app, &c).await);
}
