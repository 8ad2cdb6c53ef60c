//! Rules changed while Salvage runs (the file watch and SIGHUP), the rules' version in
//! histories, parked records and metrics, and the consumer's `retry_after`.

use std::{
    path::Path,
    time::{Duration, SystemTime},
};

use salvage::proto::v1 as pb;

use crate::support::{
    OPERATOR, RunningApp, TestApp,
    admin::{admin, get},
    eventually, gateway_timeout, history_holding, outcome,
    process::Process,
    redis_server::RedisServer,
    report, spawn_app_with,
};

/// Rules with one rule for `KNOWN` and a test of it; `NEW` matches nothing (default: park).
const BEFORE: &str = r#"[[rule]]
name = "known"
when.code = "KNOWN"
decision = "park"
reason = "known and parked"

[[test]]
name = "known parks"
rule = "known"
input = { queue = "events", event_type = "Tick", class = "data", code = "KNOWN" }
expect = { decision = "park" }
"#;

/// [`BEFORE`] and a rule that requeues `NEW`, tested.
fn after() -> String {
    format!(
        "{BEFORE}\n[[rule]]\nname = \"new\"\nwhen.code = \"NEW\"\ndecision = \"requeue\"\n\n\
         [[test]]\nname = \"new requeues\"\nrule = \"new\"\n\
         input = {{ queue = \"events\", event_type = \"Tick\", class = \"data\", code = \"NEW\" }}\n\
         expect = {{ decision = \"requeue\" }}\n"
    )
}

fn new_code(id: &str) -> pb::ReportRequest {
    report(
        id,
        "events",
        "Tick",
        pb::ErrorClass::Data,
        "NEW",
        "a failure no rule knew",
        r#"{"n":1}"#,
    )
}

/// A metric's value in `/metrics` text: the first line starting with `series ` (labels
/// included).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

async fn await_metric(app: &RunningApp, series: &str, want: f64) {
    let seen = eventually(Duration::from_secs(20), || async {
        (value(&app.metrics().await, series) == Some(want)).then_some(())
    })
    .await;
    assert!(
        seen.is_some(),
        "{series} never became {want}:\n{}",
        app.metrics().await
    );
}

fn version_of(path: &Path) -> String {
    salvage::rules::version_of(&[&std::fs::read(path).unwrap()])
}

async fn app_with(rules: &str) -> (TestApp, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, rules).unwrap();
    let p = path.clone();
    let app = spawn_app_with(move |s| {
        s.rules.path = p;
        s.rules.watch_interval = Duration::from_millis(50);
    })
    .await;
    (app, dir, path)
}

#[tokio::test]
async fn an_edited_rules_file_is_in_force_for_the_next_report_and_a_broken_one_is_not() {
    let (app, _dir, path) = app_with(BEFORE).await;
    let first = version_of(&path);
    let metrics = app.metrics().await;
    assert_eq!(
        value(
            &metrics,
            &format!("salvage_rules_info{{version=\"{first}\"}}")
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(value(&metrics, "salvage_rules_reload_failing"), Some(0.0));
    let mut client = app.client();

    // No rule knows NEW yet: parked, and its record names the rules that decided.
    let parked = client.report(new_code("m-1")).await.unwrap().into_inner();
    assert_eq!(outcome(&parked), pb::Outcome::Parked, "{parked:?}");
    assert_eq!(parked.reason, "no rule matched");
    let operator = admin(&app.parking_url(), OPERATOR).await;
    let record = get(&operator, &parked.tracking_id).await.unwrap();
    assert_eq!(record.rules_version, first);
    assert_eq!(record.attempts[0].rules_version, first);

    // The operator adds a rule (with its test): in force within the watch interval.
    std::fs::write(&path, after()).unwrap();
    let second = version_of(&path);
    await_metric(&app, "salvage_rules_reloads_total{result=\"applied\"}", 1.0).await;
    let metrics = app.metrics().await;
    assert_eq!(
        value(
            &metrics,
            &format!("salvage_rules_info{{version=\"{second}\"}}")
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &metrics,
            &format!("salvage_rules_info{{version=\"{first}\"}}")
        ),
        Some(0.0)
    );
    let requeued = client.report(new_code("m-2")).await.unwrap().into_inner();
    assert_eq!(outcome(&requeued), pb::Outcome::Requeued, "{requeued:?}");
    assert_eq!(requeued.rule, "new");
    let history = history_holding(&app.conn, &requeued.tracking_id).await;
    assert_eq!(history[0]["rules_version"], second.as_str(), "{history:?}");

    // A broken edit: not loaded, counted, flagged; the rules in force still decide.
    std::fs::write(
        &path,
        after().replace("[[rule]]\nname = \"new\"", "[[rule]\nname = \"new\""),
    )
    .unwrap();
    await_metric(&app, "salvage_rules_reloads_total{result=\"failed\"}", 1.0).await;
    await_metric(&app, "salvage_rules_reload_failing", 1.0).await;
    let still = client.report(new_code("m-3")).await.unwrap().into_inner();
    assert_eq!(outcome(&still), pb::Outcome::Requeued, "{still:?}");
    assert_eq!(still.rule, "new");

    // Rules that load but whose own test fails are refused the same way.
    std::fs::write(
        &path,
        after().replace("decision = \"requeue\"\n\n", "decision = \"park\"\n\n"),
    )
    .unwrap();
    await_metric(&app, "salvage_rules_reloads_total{result=\"failed\"}", 2.0).await;
    let still = client.report(new_code("m-4")).await.unwrap().into_inner();
    assert_eq!(outcome(&still), pb::Outcome::Requeued, "{still:?}");

    // Put back as it was: the version in force again, the flag cleared, nothing counted.
    std::fs::write(&path, after()).unwrap();
    await_metric(&app, "salvage_rules_reload_failing", 0.0).await;
    let metrics = app.metrics().await;
    assert_eq!(
        value(&metrics, "salvage_rules_reloads_total{result=\"applied\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(
            &metrics,
            &format!("salvage_rules_info{{version=\"{second}\"}}")
        ),
        Some(1.0)
    );
}

#[tokio::test]
async fn sighup_reloads_the_rules_of_a_running_binary() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, BEFORE).unwrap();
    let path_text = path.display().to_string();
    // The watch is off: only the signal reloads.
    let process = Process::start_with_env(
        dir.path(),
        "sighup",
        &redis.url(),
        "",
        &[
            ("SALVAGE__RULES__PATH", &path_text),
            ("SALVAGE__RULES__WATCH_INTERVAL", "0s"),
        ],
    )
    .await;
    let mut client = process.client().await;
    let parked = client.report(new_code("h-1")).await.unwrap().into_inner();
    assert_eq!(outcome(&parked), pb::Outcome::Parked, "{parked:?}");

    std::fs::write(&path, after()).unwrap();
    let second = version_of(&path);
    let pid = process.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let metrics_url = format!("{}/metrics", process.admin);
    let reloaded = eventually(Duration::from_secs(20), || async {
        let text = reqwest::get(&metrics_url).await.ok()?.text().await.ok()?;
        (value(
            &text,
            &format!("salvage_rules_info{{version=\"{second}\"}}"),
        ) == Some(1.0))
        .then_some(())
    })
    .await;
    assert!(reloaded.is_some(), "SIGHUP did not reload the rules");
    let requeued = client.report(new_code("h-2")).await.unwrap().into_inner();
    assert_eq!(outcome(&requeued), pb::Outcome::Requeued, "{requeued:?}");
    assert_eq!(requeued.rule, "new");
    let log = std::fs::read_to_string(dir.path().join("sighup.log")).unwrap();
    assert!(log.contains("SIGHUP: reloading the rules"), "{log}");
    assert!(log.contains("rules reloaded"), "{log}");
}

fn with_retry_after(mut r: pb::ReportRequest, seconds: i64) -> pb::ReportRequest {
    r.failure.as_mut().unwrap().retry_after = Some(prost_types::Duration { seconds, nanos: 0 });
    r
}

/// `due` is `secs` seconds after a moment between `before` and `after`, within the jitter.
fn assert_due_about(resp: &pb::ReportResponse, before: SystemTime, after: SystemTime, secs: u64) {
    let due = SystemTime::try_from(resp.retry_at.unwrap()).unwrap();
    let wait = Duration::from_secs(secs);
    assert!(due >= before + wait - Duration::from_millis(1), "{resp:?}");
    assert!(due <= after + wait + Duration::from_millis(1), "{resp:?}");
}

#[tokio::test]
async fn a_retry_waits_as_long_as_the_consumers_retry_after_up_to_the_rules_cap() {
    let (app, _dir, _path) = app_with(
        r#"[[rule]]
name = "rate-limited"
when.code = "RATE_LIMITED"
decision = "retry"
backoff = { initial = "1m", max = "1m", jitter = 0.0, retry_after_max = "30m" }

[[rule]]
name = "stubborn"
when.code = "STUBBORN"
decision = "retry"
backoff = { initial = "1m", max = "1m", jitter = 0.0, use_retry_after = false }
"#,
    )
    .await;
    let mut client = app.client();
    let limited = |id: &str, code: &str| {
        let mut r = gateway_timeout(id);
        r.failure.as_mut().unwrap().code = code.to_owned();
        r
    };

    // Retry-After 600 s: the retry waits 600 s, not the backoff's 60.
    let before = SystemTime::now();
    let resp = client
        .report(with_retry_after(limited("r-1", "RATE_LIMITED"), 600))
        .await
        .unwrap()
        .into_inner();
    let after = SystemTime::now();
    assert_eq!(outcome(&resp), pb::Outcome::RetryScheduled, "{resp:?}");
    assert_due_about(&resp, before, after, 600);

    // Shorter than the backoff: the backoff decides.
    let before = SystemTime::now();
    let resp = client
        .report(with_retry_after(limited("r-2", "RATE_LIMITED"), 5))
        .await
        .unwrap()
        .into_inner();
    assert_due_about(&resp, before, SystemTime::now(), 60);

    // Past the rule's cap: the cap.
    let before = SystemTime::now();
    let resp = client
        .report(with_retry_after(limited("r-3", "RATE_LIMITED"), 7 * 86_400))
        .await
        .unwrap()
        .into_inner();
    assert_due_about(&resp, before, SystemTime::now(), 1800);

    // A rule that ignores it.
    let before = SystemTime::now();
    let resp = client
        .report(with_retry_after(limited("r-4", "STUBBORN"), 600))
        .await
        .unwrap()
        .into_inner();
    assert_due_about(&resp, before, SystemTime::now(), 60);

    // Negative: refused, naming the field, nothing recorded.
    let err = client
        .report(with_retry_after(limited("r-5", "RATE_LIMITED"), -1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    assert!(err.message().contains("failure.retry_after"), "{err:?}");
    let again = client
        .report(limited("r-5", "RATE_LIMITED"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.attempt, 1, "the refused report recorded nothing");

    // The consumer's figure is kept with the failure of a parked message.
    let mut parks = with_retry_after(limited("r-6", "NO_RULE"), 90);
    parks.failure.as_mut().unwrap().class = pb::ErrorClass::Data.into();
    let parked = client.report(parks).await.unwrap().into_inner();
    assert_eq!(outcome(&parked), pb::Outcome::Parked, "{parked:?}");
    let operator = admin(&app.parking_url(), OPERATOR).await;
    let record = get(&operator, &parked.tracking_id).await.unwrap();
    let failure = record.failure.unwrap();
    assert_eq!(
        failure.retry_after,
        Some(prost_types::Duration {
            seconds: 90,
            nanos: 0
        })
    );
}
