//! `list`, `show`, `groups`, `audit` and `watch`: what people and scripts read.

use tokio::io::{AsyncBufReadExt, BufReader};

use super::*;

/// `list` as a table and as JSON, newest first, with each kind of filter and paging.
#[tokio::test]
async fn list_shows_parked_messages_with_filters() {
    let app = spawn_app().await;
    let p1 = park_fraud(&app, "p-1").await;
    let p2 = park_fraud(&app, "p-2").await;
    let p3 = park_fraud(&app, "p-3").await;
    let inv = park_invoice(&app, "inv-1").await;

    // Viewers may list.
    let out = cli(app.parking_addr, Some(VIEWER), &["list"]).run().await;
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("TRACKING ID"), "{}", out.stdout);
    for tid in [&p1, &p2, &p3, &inv] {
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(tid.as_str())).count(),
            1,
            "{tid} once in:\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("FRAUD_DECLINED") && out.stdout.contains("invoices"));

    let all = op(&app, &["list", "--json"]).await;
    all.assert_ok();
    assert_eq!(
        listed(&all.json()),
        vec![inv.clone(), p3.clone(), p2.clone(), p1.clone()]
    );
    let first = &all.json()["messages"][0];
    assert_eq!(first["origin"]["queue"], "invoices");
    assert_eq!(first["version"], 1);

    let cases: Vec<(Vec<&str>, Vec<&String>)> = vec![
        (vec!["--queue", "invoices"], vec![&inv]),
        (vec!["--code", "FRAUD_DECLINED"], vec![&p3, &p2, &p1]),
        (vec!["--event-type", "InvoiceIssued"], vec![&inv]),
        (vec!["--text", "\"p-2\""], vec![&p2]),
        (
            vec!["--pointer", "/payment_id", "--value", "p-3"],
            vec![&p3],
        ),
        (vec!["--pointer", "/invoice_id"], vec![&inv]),
        (
            vec!["--destination", "redis", "--queue", "payments"],
            vec![&p3, &p2, &p1],
        ),
        (vec!["--since", "1h"], vec![&inv, &p3, &p2, &p1]),
        (vec!["--until", "1h"], vec![]),
        (vec!["--since", "2999-01-01T00:00:00Z"], vec![]),
    ];
    for (flags, want) in cases {
        let mut args = vec!["list", "--json"];
        args.extend(&flags);
        let out = op(&app, &args).await;
        out.assert_ok();
        let want: Vec<String> = want.into_iter().cloned().collect();
        assert_eq!(listed(&out.json()), want, "list {flags:?}");
    }

    // Paging: two of three, then the rest with the token; --all follows the pages.
    let page = op(
        &app,
        &["list", "--json", "--code", "FRAUD_DECLINED", "--limit", "2"],
    )
    .await;
    assert_eq!(listed(&page.json()), vec![p3.clone(), p2.clone()]);
    let token = page.json()["next_page_token"].as_str().unwrap().to_owned();
    assert!(!token.is_empty());
    let rest = op(
        &app,
        &[
            "list",
            "--json",
            "--code",
            "FRAUD_DECLINED",
            "--page-token",
            &token,
        ],
    )
    .await;
    assert_eq!(listed(&rest.json()), vec![p1.clone()]);
    let every = op(
        &app,
        &[
            "list",
            "--json",
            "--code",
            "FRAUD_DECLINED",
            "--limit",
            "1",
            "--all",
        ],
    )
    .await;
    assert_eq!(listed(&every.json()), vec![p3, p2, p1]);

    let bad = op(&app, &["list", "--since", "last tuesday"]).await;
    bad.assert_failed();
    assert!(bad.stderr.contains("error: --since"), "{}", bad.stderr);
}

/// `show` prints the whole record: failure, pretty payload, headers, attempts; `--json` too.
#[tokio::test]
async fn show_prints_the_whole_message() {
    let app = spawn_app().await;
    let tid = park_fraud(&app, "p-1").await;

    let out = op(&app, &["show", &tid]).await;
    out.assert_ok();
    for want in [
        tid.as_str(),
        "payments",
        "PaymentCaptured",
        "FRAUD_DECLINED",
        "payment p-1 declined by screening (score 0.97)",
        "payment-fraud-declined",
        "  \"payment_id\": \"p-1\",",
        "headers",
        "attempts",
        "PARKED",
    ] {
        assert!(
            out.stdout.contains(want),
            "{want:?} missing in:\n{}",
            out.stdout
        );
    }

    let doc = op(&app, &["show", "--json", &tid]).await.json();
    assert_eq!(doc["tracking_id"], tid.as_str());
    assert_eq!(doc["payload_json"]["payment_id"], "p-1");
    assert_eq!(doc["failure"]["code"], "FRAUD_DECLINED");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["archived"], Value::Null);

    let missing = op(&app, &["show", "0000-no-such-id"]).await;
    missing.assert_failed();
    assert!(
        missing.stderr.starts_with("error: not found"),
        "{}",
        missing.stderr
    );
    assert!(missing.stdout.is_empty());
}

/// Failures that differ only by ids and numbers make one group.
#[tokio::test]
async fn groups_count_failures_of_one_kind_together() {
    let clock = manual_clock();
    let app = spawn_app_with_clock(clock.clone(), |_| {}).await;
    for id in ["p-1", "p-22", "p-333"] {
        park_fraud(&app, id).await;
    }
    // Park the invoice in a later millisecond than the last fraud, so "recent" has an order.
    clock.advance(Duration::from_millis(1));
    park_invoice(&app, "inv-1").await;

    let doc = op(&app, &["groups", "--json"]).await.json();
    let groups = doc["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{doc}");
    assert_eq!(groups[0]["count"], 3);
    assert_eq!(groups[0]["error_code"], "FRAUD_DECLINED");
    assert_eq!(groups[1]["count"], 1);
    assert_eq!(doc["total_groups"], 2);

    let one = op(&app, &["groups", "--json", "--queue", "invoices"])
        .await
        .json();
    assert_eq!(one["groups"].as_array().unwrap().len(), 1);
    assert_eq!(one["groups"][0]["error_code"], "MISSING_VAT");

    let recent = op(&app, &["groups", "--json", "--sort", "recent"])
        .await
        .json();
    // Most recently parked first: the invoice group.
    assert_eq!(recent["groups"][0]["error_code"], "MISSING_VAT", "{recent}");
    let table = op(&app, &["groups"]).await;
    table.assert_ok();
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert!(rows[0].starts_with("GROUP"), "{}", table.stdout);
    assert!(
        rows[1].contains("FRAUD_DECLINED") && rows[1].contains(" 3 "),
        "{}",
        table.stdout
    );
    assert!(
        rows[2].contains("MISSING_VAT") && rows[2].contains(" 1 "),
        "{}",
        table.stdout
    );

    // The group id from `groups` works as a filter.
    let gid = groups[0]["group"].as_str().unwrap();
    let members = op(&app, &["list", "--json", "--group", gid]).await.json();
    assert_eq!(listed(&members).len(), 3);
}

/// The audit log names the operator ("olivia") and the action; filters by actor and id.
#[tokio::test]
async fn audit_shows_who_did_what() {
    let app = spawn_app().await;
    let edited = park_fraud(&app, "p-1").await;
    let discarded = park_fraud(&app, "p-2").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.json");
    std::fs::write(&file, r#"{"payment_id":"p-1","amount_cents":1}"#).unwrap();
    op(
        &app,
        &[
            "edit",
            &edited,
            "--payload-file",
            file.to_str().unwrap(),
            "--comment",
            "typo",
        ],
    )
    .await
    .assert_ok();
    op(
        &app,
        &["discard", &discarded, "--reason", "duplicate", "--yes"],
    )
    .await
    .assert_ok();

    let table = cli(app.parking_addr, Some(VIEWER), &["audit"]).run().await;
    table.assert_ok();
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert!(rows[0].starts_with("AT"), "{}", table.stdout);
    // Newest first.
    assert!(
        rows[1].contains("olivia") && rows[1].contains("discard"),
        "{}",
        table.stdout
    );
    assert!(rows[2].contains("olivia") && rows[2].contains("edit") && rows[2].contains("typo"));

    let doc = op(&app, &["audit", "--json", "--actor", "olivia"])
        .await
        .json();
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{doc}");
    assert!(
        entries
            .iter()
            .all(|e| e["actor"] == "olivia" && e["role"] == "operator")
    );
    let one = op(&app, &["audit", "--json", "--id", &edited]).await.json();
    let entries = one["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{one}");
    assert_eq!(entries[0]["action"], "edit");
    assert_eq!(
        entries[0]["payload_after"],
        r#"{"payment_id":"p-1","amount_cents":1}"#
    );
    let nobody = op(&app, &["audit", "--json", "--actor", "victor"])
        .await
        .json();
    assert!(nobody["entries"].as_array().unwrap().is_empty());
}

/// `watch` prints events as they happen.
#[tokio::test]
async fn watch_prints_events_as_they_happen() {
    let app = spawn_app().await;
    let mut child = cli(
        app.parking_addr,
        Some(VIEWER),
        &["watch", "--json", "--queue", "payments"],
    )
    .cmd
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The watch starts from "now", whenever its stream is set up: park until an event shows.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut parked = Vec::new();
    let seen = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no event within 15s"
        );
        let n = parked.len() + 1;
        park_invoice(&app, &format!("inv-{n}")).await; // another queue: filtered out
        parked.push(park_fraud(&app, &format!("p-{n}")).await);
        if let Ok(line) = tokio::time::timeout(Duration::from_millis(500), lines.next_line()).await
        {
            break line.unwrap().expect("watch prints until stopped");
        }
    };
    let event: Value = serde_json::from_str(&seen).unwrap();
    assert_eq!(event["kind"], "PARKED");
    assert_eq!(event["queue"], "payments");
    assert_eq!(event["actor"], "salvage");
    let tid = event["tracking_ids"][0].as_str().unwrap();
    assert!(parked.iter().any(|p| p == tid), "{seen}");
    child.kill().await.unwrap();
}

/// Output piped into a program that stops reading (`salvage parked list | head -1`) ends the
/// command quietly with exit 0, not a panic on the closed pipe. The listing is larger than a
/// pipe holds, so the CLI is still writing when the reader goes away.
#[tokio::test]
async fn a_reader_that_stops_early_ends_the_listing_quietly() {
    let app = spawn_app().await;
    let reqs = (0..1000)
        .map(|i| fraud_declined(&format!("p-{i}")))
        .collect();
    app.park_all(reqs).await;
    let mut child = cli(app.parking_addr, Some(VIEWER), &["list", "--limit", "1000"])
        .cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    assert!(first.starts_with("TRACKING ID"), "{first}");
    drop(lines);
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Scripts can tell failures apart by the exit code: 3 not found, 4 refused, 5 Salvage
/// unreachable (2 is a command line clap cannot parse).
#[tokio::test]
async fn exit_codes_say_not_found_refused_or_unreachable() {
    let app = spawn_app().await;
    let p1 = park_fraud(&app, "p-1").await;
    let gone = op(&app, &["show", "01999999-0000-7000-8000-000000000000"]).await;
    assert_eq!(gone.code, Some(3), "{}", gone.stderr);
    assert!(
        gone.stderr.starts_with("error: not found"),
        "{}",
        gone.stderr
    );
    let viewer = cli(
        app.parking_addr,
        Some(VIEWER),
        &["discard", &p1, "--reason", "x", "--yes"],
    )
    .run()
    .await;
    assert_eq!(viewer.code, Some(4), "{}", viewer.stderr);
    let no_token = cli(app.parking_addr, None, &["list"]).run().await;
    assert_eq!(no_token.code, Some(4), "{}", no_token.stderr);
    let nobody = format!("127.0.0.1:{}", crate::support::ports::free_port());
    let unreachable = cli(nobody, Some(OPERATOR), &["list"]).run().await;
    assert_eq!(unreachable.code, Some(5), "{}", unreachable.stderr);
    assert!(unreachable.stderr.contains("cannot reach Salvage"));
    let usage = op(&app, &["list", "--no-such-flag"]).await;
    assert_eq!(usage.code, Some(2), "{}", usage.stderr);
}
