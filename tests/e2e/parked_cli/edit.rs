//! `edit`: in $EDITOR or from a file, JSON checked before sending, concurrent edits refused.

use super::*;

/// The editor's change is sent (compact, numbers as written) with the version read; an
/// unchanged file sends nothing.
#[tokio::test]
async fn edit_in_the_editor_changes_the_payload() {
    let app = spawn_app().await;
    let tid = park_fraud(&app, "p-1").await;
    let dir = tempfile::tempdir().unwrap();
    let editor = write_script(dir.path(), "editor.sh", r#"sed -i 's/990/1990.50/' "$1""#);

    let out = cli(
        app.parking_addr,
        Some(OPERATOR),
        &["edit", &tid, "--comment", "fix amount"],
    )
    .env("EDITOR", &editor)
    .run()
    .await;
    out.assert_ok();
    assert!(out.stdout.contains("version 1 → 2"), "{}", out.stdout);
    let record = app.parked(&tid).await;
    assert_eq!(
        record["payload"],
        r#"{"payment_id":"p-1","amount_cents":1990.50}"#
    );
    assert_eq!(record["version"], "2");

    let same = cli(app.parking_addr, Some(OPERATOR), &["edit", &tid])
        .env("EDITOR", "true")
        .run()
        .await;
    same.assert_ok();
    assert!(same.stdout.contains("No change"), "{}", same.stdout);
    assert_eq!(app.parked(&tid).await["version"], "2");

    // From a file, JSON out: the new record.
    let file = dir.path().join("new.json");
    std::fs::write(&file, "{\"payment_id\": \"p-1\", \"amount_cents\": 7}\n").unwrap();
    let doc = op(
        &app,
        &[
            "edit",
            "--json",
            &tid,
            "--payload-file",
            file.to_str().unwrap(),
        ],
    )
    .await
    .json();
    assert_eq!(doc["version"], 3);
    assert_eq!(doc["payload_json"]["amount_cents"], 7);
    assert_eq!(
        app.parked(&tid).await["payload"],
        r#"{"payment_id":"p-1","amount_cents":7}"#
    );
}

/// Invalid JSON from the editor (or a file) is refused with where it is wrong; nothing sent.
#[tokio::test]
async fn edit_refuses_invalid_json_and_sends_nothing() {
    let app = spawn_app().await;
    let tid = park_fraud(&app, "p-1").await;
    let before = app.parked(&tid).await["payload"].clone();
    let dir = tempfile::tempdir().unwrap();
    // Line 3 of the pretty payload is `  "amount_cents": 990`: unquote the key.
    let editor = write_script(
        dir.path(),
        "editor.sh",
        r#"sed -i 's/"amount_cents"/amount_cents/' "$1""#,
    );
    let out = cli(app.parking_addr, Some(OPERATOR), &["edit", &tid])
        .env("EDITOR", &editor)
        .run()
        .await;
    out.assert_failed();
    assert!(out.stderr.contains("not valid JSON"), "{}", out.stderr);
    assert!(out.stderr.contains("line 3"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing sent"), "{}", out.stderr);

    let file = dir.path().join("bad.json");
    std::fs::write(&file, "{\"payment_id\": \"p-1\",}").unwrap();
    let out = op(
        &app,
        &["edit", &tid, "--payload-file", file.to_str().unwrap()],
    )
    .await;
    out.assert_failed();
    assert!(
        out.stderr.contains("not valid JSON: line 1"),
        "{}",
        out.stderr
    );

    let record = app.parked(&tid).await;
    assert_eq!(record["payload"], before);
    assert_eq!(record["version"], "1");
}

/// Someone else's edit while the editor is open: the second save is refused (ABORTED) with a
/// clear message, and the first edit stands.
#[tokio::test]
async fn edit_conflict_says_someone_else_edited_first() {
    let app = spawn_app().await;
    let tid = park_fraud(&app, "p-1").await;
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"payment_id":"p-1","amount_cents":5}"#).unwrap();
    // The "editor" first has a colleague save another edit, then changes its own file.
    let editor = write_script(
        dir.path(),
        "editor.sh",
        r#""$SALVAGE_BIN" parked edit "$TID" --payload-file "$OTHER" >/dev/null || exit 1
sed -i 's/990/2990/' "$1""#,
    );
    let out = cli(app.parking_addr, Some(OPERATOR), &["edit", &tid])
        .env("EDITOR", &editor)
        .env("SALVAGE_BIN", env!("CARGO_BIN_EXE_salvage"))
        .env("TID", &tid)
        .env("OTHER", &other)
        .run()
        .await;
    out.assert_failed();
    assert!(out.stderr.contains("someone else edited"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("Re-run `salvage parked edit {tid}`")),
        "{}",
        out.stderr
    );
    let record = app.parked(&tid).await;
    assert_eq!(
        record["payload"],
        r#"{"payment_id":"p-1","amount_cents":5}"#
    );
    assert_eq!(record["version"], "2");
}
