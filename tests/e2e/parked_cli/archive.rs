//! `discard` and `restore`, and who may do what: tokens, roles, an unreachable Salvage.

use super::*;

/// Discard moves to the archive (listed with --archived, shown as archived); restore brings
/// it back; the reason is required.
#[tokio::test]
async fn discard_and_restore() {
    let app = spawn_app().await;
    let gone = park_fraud(&app, "p-1").await;
    let stays = park_fraud(&app, "p-2").await;

    let no_reason = op(&app, &["discard", &gone, "--yes"]).await;
    no_reason.assert_failed();
    assert!(
        no_reason.stderr.contains("--reason"),
        "{}",
        no_reason.stderr
    );
    assert!(is_parked(&app, &gone).await);

    let out = op(&app, &["discard", &gone, "--reason", "test data", "--yes"]).await;
    out.assert_ok();
    assert!(out.stdout.contains("Discarded 1 message"), "{}", out.stdout);
    assert!(!is_parked(&app, &gone).await);
    assert!(is_archived(&app, &gone).await);
    assert!(is_parked(&app, &stays).await);

    let archived = op(&app, &["list", "--archived", "--json"]).await.json();
    assert_eq!(listed(&archived), vec![gone.clone()]);
    assert_eq!(archived["messages"][0]["archived"]["reason"], "test data");
    assert_eq!(
        archived["messages"][0]["archived"]["discarded_by"],
        "olivia"
    );
    let table = op(&app, &["list", "--archived"]).await;
    assert!(
        table.stdout.contains("DISCARDED") && table.stdout.contains("olivia"),
        "{}",
        table.stdout
    );
    let shown = op(&app, &["show", &gone]).await;
    assert!(
        shown.stdout.contains("ARCHIVED") && shown.stdout.contains("test data"),
        "{}",
        shown.stdout
    );
    assert_eq!(
        listed(&op(&app, &["list", "--json"]).await.json()),
        vec![stays.clone()]
    );

    let answered_no = cli(app.parking_addr, Some(OPERATOR), &["restore", &gone])
        .stdin("n\n")
        .run()
        .await;
    answered_no.assert_failed();
    assert!(
        answered_no.stderr.contains("This will restore 1 message"),
        "{}",
        answered_no.stderr
    );
    assert!(!is_parked(&app, &gone).await);

    let restored = op(&app, &["restore", &gone, "--yes"]).await;
    restored.assert_ok();
    assert!(
        restored.stdout.contains("Restored 1 message"),
        "{}",
        restored.stdout
    );
    assert!(is_parked(&app, &gone).await);
    assert!(!is_archived(&app, &gone).await);
    assert_eq!(
        listed(&op(&app, &["list", "--json"]).await.json()),
        vec![stays, gone]
    );
}

/// A viewer may look but not change: the discard is refused with a clear message.
#[tokio::test]
async fn a_viewer_token_cannot_discard() {
    let app = spawn_app().await;
    let tid = park_fraud(&app, "p-1").await;
    let out = cli(
        app.parking_addr,
        Some(VIEWER),
        &["discard", &tid, "--reason", "x", "--yes"],
    )
    .run()
    .await;
    out.assert_failed();
    assert!(
        out.stderr.contains("error: permission denied"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("role is viewer"), "{}", out.stderr);
    assert!(is_parked(&app, &tid).await);
    assert!(!is_archived(&app, &tid).await);
}

/// No token (or a wrong one): the hint says how to give one. No Salvage there: says so.
#[tokio::test]
async fn missing_token_and_unreachable_salvage_get_hints() {
    let app = spawn_app().await;
    for token in [None, Some("not-a-token")] {
        let out = cli(app.parking_addr, token, &["list"]).run().await;
        out.assert_failed();
        assert!(
            out.stderr.starts_with("error: not authenticated"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("set --token or SALVAGE_ADMIN_TOKEN"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
    // A port bound but not listening, and held until the end: connecting to it is refused, and
    // no other process can start listening on it meanwhile (as on a port picked free and closed).
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = closed.local_addr().unwrap().to_string();
    let out = cli(&addr, Some(OPERATOR), &["list"]).run().await;
    out.assert_failed();
    assert!(
        out.stderr.contains(&format!(
            "is Salvage running at http://{addr} (parking_lot.addr)?"
        )),
        "{}",
        out.stderr
    );
}
