//! The client kits (`clients/`), as a consumer team uses them: each example consumer, in Python
//! and in TypeScript, on a real broker against a real Salvage. Two orders are published
//! (`clients/python/examples/publish.py`): one the consumer fails on (its total is a string),
//! which it reports and acknowledges once Salvage answered REQUEUED, and one it handles; then it
//! handles the repaired copy Salvage put back on its queue. `clients/run-examples.sh` is the
//! contract (`.ci/run` installs the kits first with `clients/setup.sh`).

use std::process::Command;

use crate::support::*;

/// Publish the two orders to `queue` on `broker` (`redis`, `rabbitmq`, `nats`, `kafka`) at
/// `url`, then run the `lang` example consumer until it handled both and the repaired copy, and
/// check its summary.
pub async fn kit_consumer_handles_its_repaired_copy(
    app: &TestApp,
    broker: &str,
    lang: &str,
    url: &str,
    queue: &str,
    destination: &str,
) {
    let root = env!("CARGO_MANIFEST_DIR");
    let publish = Command::new("python3")
        .arg(format!("{root}/clients/python/examples/publish.py"))
        .args([broker, url, queue])
        .output()
        .expect("python3 on PATH");
    assert!(
        publish.status.success(),
        "publish.py (bash clients/setup.sh installs what it needs):\n{}",
        String::from_utf8_lossy(&publish.stderr)
    );
    let (addr, args) = (
        app.grpc_addr.to_string(),
        [
            broker.to_owned(),
            lang.to_owned(),
            url.to_owned(),
            queue.to_owned(),
            destination.to_owned(),
        ],
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(format!("{root}/clients/run-examples.sh"))
            .args([
                &args[0], &args[1], &addr, &args[2], &args[3], &args[4], "2", "60",
            ])
            .output()
            .expect("bash")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the {lang} {broker} example failed:\n{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(
        summary,
        serde_json::json!({
            "processed": ["o-2", "o-1"],
            "repaired": ["o-1"],
            "reported": {"REQUEUED": 1},
            "actions": {"ack": 1},
            "ok": true
        }),
        "{stderr}"
    );
}

#[tokio::test]
async fn python_kit_on_redis_streams() {
    let app = spawn_app().await;
    let queue = super::unique("orders");
    kit_consumer_handles_its_repaired_copy(
        &app,
        "redis",
        "python",
        &app.redis.url(),
        &queue,
        "redis",
    )
    .await;
}

#[tokio::test]
async fn typescript_kit_on_redis_streams() {
    let app = spawn_app().await;
    let queue = super::unique("orders");
    kit_consumer_handles_its_repaired_copy(
        &app,
        "redis",
        "typescript",
        &app.redis.url(),
        &queue,
        "redis",
    )
    .await;
}

/// The kits' own tests (`clients/python/tests`, `npm test` in `clients/typescript`), the live ones
/// included: against this Salvage, a REQUEUED then DUPLICATE answer, INVALID_ARGUMENT reported
/// once, and ReportStream.
#[tokio::test]
async fn the_kits_own_tests_pass_against_a_live_salvage() {
    let app = spawn_app().await;
    let root = env!("CARGO_MANIFEST_DIR");
    let addr = app.grpc_addr.to_string();
    let runs = tokio::task::spawn_blocking(move || {
        let python = Command::new("python3")
            .args(["-m", "unittest", "discover", "-v", "-s"])
            .arg(format!("{root}/clients/python/tests"))
            .env("SALVAGE_ADDR", &addr)
            .output()
            .expect("python3");
        let node = Command::new("npm")
            .args(["test", "--silent"])
            .current_dir(format!("{root}/clients/typescript"))
            .env("SALVAGE_ADDR", &addr)
            .output()
            .expect("npm on PATH");
        [("python", python), ("typescript", node)]
    })
    .await
    .unwrap();
    for (lang, out) in runs {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{lang}:\n{text}");
        let none_skipped = match lang {
            "python" => !text.contains("skipped") && text.contains("OK"),
            _ => text.contains("# skipped 0") && text.contains("# fail 0"),
        };
        assert!(none_skipped, "{lang}: live tests skipped:\n{text}");
    }
}
