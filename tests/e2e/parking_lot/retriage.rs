//! RetriageParked: messages parked under rules A, a Salvage restarted with rules B (A plus a
//! repair), a dry run per group with before/after samples, then the apply run.

use std::path::Path;

use salvage::proto::v1::run::{Kind, State};
use tonic::Code;

use super::*;

/// What B adds to A: invoices whose due date is written day/month/year get RFC 3339.
const INVOICE_RULE: &str = r#"

[[rule]]
name = "invoice-due-date"
description = "The invoicing service writes due dates as dd/mm/yyyy."
when.queue = "invoices"
when.code = "BAD_DATE"
when.payload = [{ pointer = "/due", matches = '^\d{2}/\d{2}/\d{4}$' }]
actions = [{ op = "timestamp", path = "/due" }]
decision = "requeue"

[[test]]
name = "an invoice due date becomes RFC 3339"
rule = "invoice-due-date"
input.queue = "invoices"
input.event_type = "InvoiceIssued"
input.class = "data"
input.code = "BAD_DATE"
input.payload = '{"invoice_id":"inv-1","due":"22/11/2026"}'
expect.decision = "requeue"
expect.payload = '{"invoice_id":"inv-1","due":"2026-11-22T00:00:00Z"}'
"#;

fn invoice(id: &str, due: &str) -> pb::ReportRequest {
    report(
        id,
        "invoices",
        "InvoiceIssued",
        pb::ErrorClass::Data,
        "BAD_DATE",
        "the due date is not an RFC 3339 date",
        &format!(r#"{{"invoice_id":"{id}","due":"{due}"}}"#),
    )
}

/// Write rules A (the example rules) and B (A plus the invoice rule) into `dir`.
fn write_rules(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let a = std::fs::read_to_string(example_rules()).unwrap();
    copy_example_schemas(dir);
    let (path_a, path_b) = (dir.join("rules-a.toml"), dir.join("rules-b.toml"));
    std::fs::write(&path_a, &a).unwrap();
    std::fs::write(&path_b, format!("{a}{INVOICE_RULE}")).unwrap();
    (path_a, path_b)
}

#[tokio::test]
async fn retriage_with_a_new_rule_repairs_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let (rules_a, rules_b) = write_rules(dir.path());
    let version = |p: &Path| serde_json::Value::from(salvage::rules::load(p).unwrap().version);
    let (version_a, version_b) = (version(&rules_a), version(&rules_b));

    // Rules A: no rule knows invoices, so all of these park.
    let mut app_a = spawn_app_with(|s| s.rules.path = rules_a).await;
    let mut reqs: Vec<_> = (0..5)
        .map(|i| invoice(&format!("inv-{i}"), "22/11/2026"))
        .collect();
    reqs.push(invoice("inv-5", "next tuesday"));
    reqs.push(invoice("inv-6", "end of month"));
    reqs.push(fraud_declined("p-1"));
    reqs.push(fraud_declined("p-2"));
    let parked_a = app_a.park_all(reqs).await;
    let repairable: Vec<String> = parked_a[..5].to_vec();
    app_a.stop().await;

    // Rules B, same Redis; a few more that B cannot repair either.
    let mut settings = test_settings(&app_a.redis.url());
    settings.rules.path = rules_b;
    let mut app_b = RunningApp::start(settings).await;
    app_b
        .park_all(vec![
            invoice("inv-7", "soon"),
            invoice("inv-8", "22-11-2026"),
        ])
        .await;
    let op = app_b.operator().await;
    let invoices_gid = failure_group(
        "invoices",
        "BAD_DATE",
        "the due date is not an RFC 3339 date",
    );

    // Dry run over everything: per group counts and samples; nothing changes.
    let dry = op
        .clone()
        .retriage_parked(pb::RetriageParkedRequest {
            selection: by_filter(pb::ParkedFilter::default()),
            dry_run: true,
            samples_per_group: 3,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((dry.matched, dry.would_repair), (11, 5), "{dry:#?}");
    assert!(dry.run.is_none());
    assert_eq!(
        serde_json::Value::from(dry.rules_version.clone()),
        version_b,
        "the dry run names the rules that decided it: B's"
    );
    assert_eq!(dry.groups.len(), 2, "{dry:#?}");
    let inv = dry.groups.iter().find(|g| g.group == invoices_gid).unwrap();
    assert_eq!((inv.matched, inv.would_repair), (9, 5), "{inv:#?}");
    assert_eq!(inv.by_decision.get("park"), Some(&4), "{inv:#?}");
    assert!(
        !inv.samples.is_empty() && inv.samples.len() <= 3,
        "{inv:#?}"
    );
    let repaired_samples: Vec<_> = inv
        .samples
        .iter()
        .filter(|s| s.rule == "invoice-due-date")
        .collect();
    assert!(!repaired_samples.is_empty(), "{inv:#?}");
    for s in repaired_samples {
        assert!(repairable.contains(&s.tracking_id), "{s:?}");
        let before: serde_json::Value = serde_json::from_slice(&s.before).unwrap();
        let after: serde_json::Value = serde_json::from_slice(&s.after).unwrap();
        assert_eq!(before["due"], "22/11/2026");
        assert_eq!(after["due"], "2026-11-22T00:00:00Z");
        assert_eq!(after["invoice_id"], before["invoice_id"]);
    }
    let fraud = dry.groups.iter().find(|g| g.group != invoices_gid).unwrap();
    assert_eq!((fraud.matched, fraud.would_repair), (2, 0), "{fraud:#?}");
    assert_eq!(fraud.by_decision.get("park"), Some(&2), "{fraud:#?}");
    assert_eq!(
        fraud.by_rule.get("payment-fraud-declined"),
        Some(&2),
        "{fraud:#?}"
    );
    let conn = connect(&app_a.redis.url()).await;
    assert!(
        entries(&conn, "invoices").await.is_empty(),
        "a dry run sends nothing"
    );
    assert_eq!(list_all(&op, pb::ParkedFilter::default()).await.len(), 11);

    // Apply: exactly the messages the dry run said are resubmitted, repaired.
    let applied = op
        .clone()
        .retriage_parked(pb::RetriageParkedRequest {
            selection: by_filter(pb::ParkedFilter::default()),
            comment: "invoice-due-date rule added".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let run = applied.run.unwrap();
    assert_eq!(run.kind(), Kind::Retriage);
    let run = wait_run(&op, &run.run_id, RUN_LIMIT, is_final).await;
    assert_eq!(run.state(), State::Completed, "{run:?}");
    assert_eq!(run.resubmitted, dry.would_repair, "{run:?}");
    assert_eq!((run.total, run.skipped), (11, 6), "{run:?}");

    let landed = entries(&conn, "invoices").await;
    assert_eq!(landed.len(), 5);
    let mut ids = Vec::new();
    for e in &landed {
        let payload: serde_json::Value = serde_json::from_str(&e.fields["payload"]).unwrap();
        assert_eq!(payload["due"], "2026-11-22T00:00:00Z", "{e:?}");
        assert_eq!(e.headers()["salvage-rule"], "invoice-due-date");
        // The history names the rules that repaired it: B's, not the A that parked it.
        let history = history_holding(&conn, &e.headers()["salvage-tracking-id"]).await;
        let versions: Vec<_> = history.iter().map(|a| a["rules_version"].clone()).collect();
        assert_eq!(
            versions,
            [version_a.clone(), version_b.clone()],
            "{history:?}"
        );
        ids.push(e.fields["id"].clone());
    }
    ids.sort();
    assert_eq!(ids, ["inv-0", "inv-1", "inv-2", "inv-3", "inv-4"]);
    for tid in &repairable {
        assert_eq!(get(&op, tid).await.unwrap_err().code(), Code::NotFound);
    }
    let left = list_all(&op, pb::ParkedFilter::default()).await;
    let mut left_ids = message_ids(&left);
    left_ids.sort();
    assert_eq!(left_ids, ["inv-5", "inv-6", "inv-7", "inv-8", "p-1", "p-2"]);
    await_metric(
        &app_b.admin_url,
        r#"salvage_parked_resolution_seconds_count{outcome="retriaged"}"#,
        |v| v == 5.0,
    )
    .await;
    app_b.stop().await;
}
