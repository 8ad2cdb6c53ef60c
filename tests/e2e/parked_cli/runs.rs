//! Runs: followed with a progress bar, --no-wait, cancel/resume, auto-stop; `retriage`.

use super::*;

/// A rate-limited run goes on in the background: the CLI follows it with a progress bar on
/// stderr; --no-wait prints the run id; cancel and resume act on it; `runs`/`run show` list it.
#[tokio::test]
async fn background_runs_are_followed_listed_cancelled_and_resumed() {
    let app = spawn_app().await;
    for id in ["p-1", "p-2", "p-3"] {
        park_fraud(&app, id).await;
    }
    let out = op(
        &app,
        &["resubmit", "--queue", "payments", "--rate", "20", "--yes"],
    )
    .await;
    out.assert_ok();
    assert!(out.stderr.contains("] 3/3 resubmitted 3"), "{}", out.stderr);
    assert!(
        out.stdout.contains("COMPLETED: 3/3, resubmitted 3"),
        "{}",
        out.stdout
    );
    assert_eq!(app.await_stream("payments", 3).await.len(), 3);

    for id in ["p-4", "p-5", "p-6"] {
        park_fraud(&app, id).await;
    }
    let started = op(
        &app,
        &[
            "resubmit",
            "--queue",
            "payments",
            "--rate",
            "1",
            "--yes",
            "--no-wait",
        ],
    )
    .await;
    started.assert_ok();
    let run_id = started.stdout.trim().to_owned();
    assert!(
        !run_id.is_empty() && !run_id.contains(' '),
        "{}",
        started.stdout
    );

    let cancelled = op(&app, &["run", "cancel", &run_id]).await;
    cancelled.assert_ok();
    let shown = eventually(Duration::from_secs(10), || async {
        let doc = op(&app, &["run", "show", "--json", &run_id]).await.json();
        (doc["state"] == "CANCELLED").then_some(doc)
    })
    .await
    .expect("the run gets cancelled");
    let done_when_cancelled = shown["resubmitted"].as_u64().unwrap();
    assert!(done_when_cancelled < 3, "{shown}");

    let table = op(&app, &["runs"]).await;
    table.assert_ok();
    assert!(
        table.stdout.contains(&run_id) && table.stdout.contains("CANCELLED"),
        "{}",
        table.stdout
    );
    let runs = op(&app, &["runs", "--json"]).await.json();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2, "{runs}");
    let details = op(&app, &["run", "show", &run_id]).await;
    assert!(
        details.stdout.contains("olivia") && details.stdout.contains("rate 1/s"),
        "{}",
        details.stdout
    );

    // Resume goes on to the end; a completed run cannot be resumed.
    let resumed = op(&app, &["run", "resume", &run_id]).await;
    resumed.assert_ok();
    assert!(resumed.stdout.contains("COMPLETED"), "{}", resumed.stdout);
    assert_eq!(app.await_stream("payments", 6).await.len(), 6);
    let again = op(&app, &["run", "resume", &run_id]).await;
    again.assert_failed();
    assert!(
        again.stderr.starts_with("error: not possible now"),
        "{}",
        again.stderr
    );
}

/// A canary whose copies fail again stops the run by itself: the CLI exits non-zero, says why
/// and how to resume, and the rest stays parked.
#[tokio::test]
async fn a_run_stopped_by_its_canary_exits_non_zero() {
    let app = spawn_app().await;
    for id in ["p-1", "p-2", "p-3", "p-4"] {
        park_fraud(&app, id).await;
    }
    let args = [
        "resubmit",
        "--queue",
        "payments",
        "--canary",
        "2",
        "--canary-wait",
        "3s",
        "--stop-min",
        "1",
        "--stop-ratio",
        "0.5",
        "--yes",
    ];
    let following = tokio::spawn(cli(app.parking_addr, Some(OPERATOR), &args).run());
    // The consumer fails on both canary copies again and reports them with their headers.
    for copy in app.await_stream("payments", 2).await {
        let mut r = fraud_declined(&copy["id"]);
        message(&mut r).headers = serde_json::from_str(&copy["headers"]).unwrap();
        park(&app, r).await;
    }
    let out = following.await.unwrap();
    out.assert_failed();
    assert!(out.stderr.contains("stopped by itself"), "{}", out.stderr);
    assert!(
        out.stderr.contains("salvage parked run resume"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("STOPPED"), "{}", out.stdout);
    assert_eq!(
        app.stream("payments").await.len(),
        2,
        "the rest was not sent"
    );
    let parked = op(&app, &["list", "--json", "--queue", "payments"])
        .await
        .json();
    assert_eq!(listed(&parked).len(), 4, "2 never sent + 2 parked again");
}

/// Re-triage after the rules changed: the dry run shows per group what the new rules would
/// repair (before/after) and changes nothing; --apply resubmits the repaired payload.
#[tokio::test]
async fn retriage_shows_and_applies_what_the_new_rules_repair() {
    // Park an order with rules that know nothing ("no rule matched")...
    let dir = tempfile::tempdir().unwrap();
    let empty_rules = dir.path().join("rules.toml");
    std::fs::write(&empty_rules, "[defaults]\non_other = \"park\"\n").unwrap();
    let mut first = spawn_app_with(|s| s.rules.path = empty_rules.clone()).await;
    let order = park(&first, order_total_as_string("o-1")).await;
    let fraud = park_fraud(&first, "p-1").await;
    first.stop().await;
    // ...then run a Salvage with the example rules on the same Redis.
    let mut second = RunningApp::start(test_settings(&first.redis.url())).await;
    let parking_addr = second.parking_addr;

    let out = cli(parking_addr, Some(VIEWER), &["retriage"]).run().await;
    out.assert_ok();
    let version = salvage::rules::load(&example_rules()).unwrap().version;
    for want in [
        "1 matched, 1 would be repaired",
        "order-total-as-string",
        r#"before: {"order_id":"o-1","total":"129.90","currency":"EUR"}"#,
        r#""total":129.90"#,
        "In all: 2 messages matched, 1 would be repaired",
        &format!("Decided by rules version {version}."),
        "Dry run: nothing changed",
    ] {
        assert!(
            out.stdout.contains(want),
            "{want:?} missing in:\n{}",
            out.stdout
        );
    }
    let doc = cli(parking_addr, Some(VIEWER), &["retriage", "--json"])
        .run()
        .await
        .json();
    assert_eq!(doc["matched"], 2);
    assert_eq!(doc["would_repair"], 1);
    assert_eq!(doc["rules_version"], version.as_str());
    assert!(is_parked(&first, &order).await, "a dry run changes nothing");
    assert!(first.stream("orders").await.is_empty());

    let applied = cli(
        parking_addr,
        Some(OPERATOR),
        &["retriage", "--all-parked", "--apply", "--yes"],
    )
    .run()
    .await;
    applied.assert_ok();
    assert!(
        applied.stderr.contains("This will resubmit 1 message"),
        "{}",
        applied.stderr
    );
    assert!(
        applied.stdout.contains("resubmitted 1, skipped 1"),
        "{}",
        applied.stdout
    );
    let entries = first.await_stream("orders", 1).await;
    assert_eq!(
        entries[0]["payload"],
        r#"{"order_id":"o-1","total":129.90,"currency":"EUR"}"#
    );
    assert!(!is_parked(&first, &order).await);
    assert!(
        is_parked(&first, &fraud).await,
        "no rule repairs it: it stays parked"
    );
    second.stop().await;
}
