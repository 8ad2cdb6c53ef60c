//! The dashboard and the rule files against a real Prometheus scraping a real Salvage that has
//! seen every kind of traffic (requeues inline and through the outbox, a delivery error,
//! retries, duplicates, parks, a rejected report, ReportStream, resubmit, a copy failing again,
//! discard, archive retention, a Redis outage): every expression must evaluate, and find series.
//! A metric renamed or dropped in the code fails here, naming the panel or alert.

use std::{collections::BTreeSet, sync::Mutex, time::Duration};

use redis::AsyncCommands;
use regex::Regex;
use salvage::{
    config::{DeliverySettings, DestinationSettings, RedisStreamsSettings, RetentionSettings},
    destinations::activemq::config::{ActiveMqSettings, MessageType},
    proto::v1 as pb,
};
use serde_json::Value;

use super::{dashboard, panel_queries, rule_files, signal_side, substitute};
use crate::support::{admin::*, prometheus::PrometheusServer, *};

/// Bound for Prometheus to have scraped and evaluated what happened (rates need two scrapes,
/// 1 s apart; rules are evaluated every second).
const PROMETHEUS_LIMIT: Duration = Duration::from_secs(20);

/// The Redis error counter appears with the first error, so only after the outage.
const REDIS_ERRORS: &str = "salvage_redis_errors_total";

/// One expression to evaluate, and what it must return.
#[derive(Debug, Clone)]
struct Check {
    /// Which panel, variable or rule it is, for messages.
    name: String,
    /// The expression as Prometheus gets it (dashboard variables substituted).
    expr: String,
    /// What must return at least one series: the whole expression, or for an alert the signal
    /// left of its threshold comparison (the whole returns series only while it fires).
    must_find: String,
    /// For a template variable: the label the series must carry.
    label: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_and_alert_queries_find_their_series_in_prometheus() {
    let mut app = spawn_app_with(|s| {
        s.relay.stats_interval = Duration::from_millis(200);
        // A second destination that requeues through the outbox and the relay.
        s.destinations.insert(
            "outbox".to_owned(),
            DestinationSettings::RedisStreams(RedisStreamsSettings {
                inline: false,
                ..Default::default()
            }),
        );
        // The archive keeps one message: of two discarded, retention deletes one.
        s.parking_lot.archive = RetentionSettings {
            max_age: None,
            max_count: Some(1),
        };
        s.parking_lot.retention_interval = Duration::from_millis(200);
        // A broker destination nobody listens for: its reachability reads 0 once tried.
        s.destinations.insert(
            "broker".to_owned(),
            DestinationSettings::Activemq(ActiveMqSettings {
                url: format!("tcp://127.0.0.1:{}", ports::free_port()),
                user: None,
                password: None,
                tls_ca_file: None,
                message_type: MessageType::Bytes,
                delivery: DeliverySettings::default(),
            }),
        );
    })
    .await;
    let target = app.admin_url.trim_start_matches("http://").to_owned();
    let prometheus = PrometheusServer::start(&target, &rule_files()).await;

    let mut checks = dashboard_checks();
    checks.extend(rule_checks(&prometheus).await);

    generate_traffic(&app).await;
    await_exported(&app, &checks).await;
    // With every kind of series there, the exposition passes promtool's lint.
    promtool_check_metrics(&app.metrics().await);
    // Last, as Redis stays down: the Redis error counter, and redis_up 0.
    tokio::task::block_in_place(|| app.redis.stop());
    await_metric(&app.admin_url, "salvage_redis_up", |v| v == 0.0).await;

    await_series(&prometheus, &checks).await;
    // The alerts see the outage (pending: they wait a minute or more before firing).
    await_alerts(&prometheus, &["SalvageRedisDown", "SalvageRedisErrors"]).await;
}

/// `promtool check metrics` on a `/metrics` text: types, names and help texts as Prometheus
/// expects them (a counter named `_total`, no counter typed as a gauge, ...); panics with its
/// findings.
fn promtool_check_metrics(text: &str) {
    use std::io::Write as _;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run promtool (is it on PATH?): {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let findings = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && findings.trim().is_empty(),
        "promtool check metrics ({}):\n{findings}",
        out.status
    );
    assert!(text.contains("# TYPE process_cpu_seconds_total counter"));
}

/// Every target of the dashboard, and its template variables' queries.
fn dashboard_checks() -> Vec<Check> {
    let d = dashboard();
    let mut checks: Vec<Check> = panel_queries(&d)
        .into_iter()
        .map(|q| {
            let expr = substitute(&q.expr);
            Check {
                name: q.name,
                must_find: expr.clone(),
                expr,
                label: None,
            }
        })
        .collect();
    // `label_values(<selector>, <label>)`: the selector's series must carry the label.
    let label_values = Regex::new(r"^label_values\((.*),\s*(\w+)\)$").unwrap();
    for v in d["templating"]["list"].as_array().unwrap() {
        let query = v["query"]["query"].as_str().or(v["query"].as_str());
        let Some(c) = query.and_then(|q| label_values.captures(q)) else {
            continue;
        };
        let expr = substitute(&c[1]);
        checks.push(Check {
            name: format!("template variable {}", v["name"]),
            must_find: expr.clone(),
            expr,
            label: Some(c[2].to_owned()),
        });
    }
    checks
}

/// Every rule Prometheus loaded from the rule files, which must be all of them, each alert
/// with its severity and annotations.
async fn rule_checks(prometheus: &PrometheusServer) -> Vec<Check> {
    let in_files: usize = rule_files()
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter(|l| {
                    let l = l.trim();
                    l.starts_with("- alert:") || l.starts_with("- record:")
                })
                .count()
        })
        .sum();
    let rules = loaded_rules(prometheus).await;
    assert_eq!(
        rules.len(),
        in_files,
        "Prometheus loaded {} rules of {in_files}: {rules:#?}",
        rules.len()
    );
    rules
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap();
            let expr = r["query"].as_str().unwrap().to_owned();
            if r["type"] == "recording" {
                return Check {
                    name: format!("recording rule {name}"),
                    must_find: expr.clone(),
                    expr,
                    label: None,
                };
            }
            let what = format!("alert {name}");
            assert!(r["duration"].is_number(), "{what}: no `for`");
            let severity = r["labels"]["severity"].as_str().unwrap_or_default();
            assert!(
                ["critical", "warning", "info"].contains(&severity),
                "{what}: severity {severity:?}"
            );
            for a in ["summary", "description", "runbook"] {
                assert!(
                    r["annotations"][a].as_str().is_some_and(|s| s.len() > 10),
                    "{what}: annotation {a} missing or empty"
                );
            }
            let signal = signal_side(&expr)
                .unwrap_or_else(|| panic!("{what}: no threshold comparison in {expr}"))
                .to_owned();
            Check {
                name: what,
                expr,
                must_find: signal,
                label: None,
            }
        })
        .collect()
}

/// The rules of every group Prometheus loaded.
async fn loaded_rules(prometheus: &PrometheusServer) -> Vec<Value> {
    let data = prometheus.api("/api/v1/rules").await.unwrap();
    data["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Traffic that makes every series exist.
async fn generate_traffic(app: &TestApp) {
    let url = &app.admin_url;
    let mut client = app.client();
    let mut conn = connect(&app.redis.url()).await;
    let mut send = async |req: pb::ReportRequest, want: pb::Outcome| {
        let resp = client.report(req).await.unwrap().into_inner();
        assert_eq!(outcome(&resp), want, "{resp:?}");
        resp.tracking_id
    };

    // Repaired and requeued: inline, and through the outbox and the relay.
    for i in 0..3 {
        send(
            order_total_as_string(&format!("o-{i}")),
            pb::Outcome::Requeued,
        )
        .await;
    }
    let mut via_outbox = order_total_as_string("o-outbox");
    origin(&mut via_outbox).destination = "outbox".to_owned();
    send(via_outbox, pb::Outcome::Requeued).await;
    // Through the outbox to a key that is not a stream: the relay parks it (result="error").
    let _: () = conn.rpush("orders-list", "not a stream").await.unwrap();
    let mut undeliverable = order_total_as_string("o-list");
    origin(&mut undeliverable).destination = "outbox".to_owned();
    origin(&mut undeliverable).queue = "orders-list".to_owned();
    send(undeliverable, pb::Outcome::Requeued).await;
    // To a broker that is down: the copy waits in its outbox, the destination reads down.
    let mut to_broker = order_total_as_string("o-broker");
    origin(&mut to_broker).destination = "broker".to_owned();
    send(to_broker, pb::Outcome::Requeued).await;
    // A transient failure is retried (the relay delivers it when due); reported again while
    // the retry is pending, it is a duplicate.
    send(gateway_timeout("g-1"), pb::Outcome::RetryScheduled).await;
    send(gateway_timeout("g-1"), pb::Outcome::Duplicate).await;
    // Parked by a rule: unary, and over ReportStream.
    let mut parked = Vec::new();
    for i in 1..=3 {
        parked.push(send(fraud_declined(&format!("p-{i}")), pb::Outcome::Parked).await);
    }
    park_all(&app.client(), vec![fraud_declined("p-4")]).await;
    // Rejected: no message id.
    let mut bad = fraud_declined("p-bad");
    message(&mut bad).id.clear();
    assert!(app.client().report(bad).await.is_err());

    // Operators: resubmit p-1, whose copy its consumer reports failing again; discard p-2 and
    // p-3 (the archive keeps one, so retention deletes the other).
    let op = app.operator().await;
    op.clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(&parked[..1]),
            options: None,
            dry_run: false,
            comment: "fixed upstream".to_owned(),
        })
        .await
        .unwrap();
    let copy = eventually(Duration::from_secs(10), || async {
        read_stream(&mut conn.clone(), "payments")
            .await
            .into_iter()
            .find(|e| e["id"] == "p-1")
    })
    .await
    .expect("the resubmitted copy of p-1 lands on payments");
    let mut again = fraud_declined("p-1");
    message(&mut again).headers = headers_of(&copy);
    send(again, pb::Outcome::Parked).await;
    op.clone()
        .discard_parked(pb::DiscardParkedRequest {
            selection: by_ids(&parked[1..]),
            reason: "test noise".to_owned(),
            dry_run: false,
        })
        .await
        .unwrap();

    // Wait for what happens in the background: the relay's deliveries, retention.
    for series in [
        r#"salvage_requeues_total{destination="outbox",path="relay",result="ok"}"#,
        r#"salvage_requeues_total{destination="outbox",path="relay",result="error"}"#,
        r#"salvage_requeues_total{destination="redis",path="relay",result="ok"}"#,
        r#"salvage_parking_lot_expired_total{stage="archive"}"#,
        "salvage_resubmitted_failed_again_total",
    ] {
        await_metric(url, series, |v| v >= 1.0).await;
    }
}

/// Metric names in an expression (`salvage_*`, `process_*`, `up`).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let re = Regex::new(r"\b((?:salvage|process)_[a-z_]+|up)\b").unwrap();
    re.captures_iter(expr).map(|c| c[1].to_owned()).collect()
}

/// Wait (bounded) until Salvage's `/metrics` exports every metric the checks name (but `up`,
/// which Prometheus makes, and the Redis error counter, which appears with the first error).
/// Fails naming each missing metric and who uses it.
async fn await_exported(app: &TestApp, checks: &[Check]) {
    let missing = |text: &str| -> Vec<String> {
        let mut out = Vec::new();
        for c in checks {
            for m in metric_names(&c.expr) {
                if m == "up" || m == REDIS_ERRORS {
                    continue;
                }
                let exported = text.lines().any(|l| {
                    l.strip_prefix(m.as_str())
                        .is_some_and(|r| r.starts_with(['{', ' ']))
                });
                if !exported {
                    out.push(format!("{m} (used by {})", c.name));
                }
            }
        }
        out
    };
    let last = Mutex::new(Vec::new());
    let done = eventually(Duration::from_secs(10), || async {
        let m = missing(&app.metrics().await);
        let ok = m.is_empty();
        *last.lock().unwrap() = m;
        ok.then_some(())
    })
    .await;
    assert!(
        done.is_some(),
        "Salvage's /metrics does not export:\n  {}",
        last.lock().unwrap().join("\n  ")
    );
}

/// Wait (bounded) until every check's expression evaluates and finds series, and every rule is
/// healthy. An expression Prometheus refuses fails at once.
async fn await_series(prometheus: &PrometheusServer, checks: &[Check]) {
    let pending = Mutex::new(checks.to_vec());
    let unhealthy = Mutex::new(Vec::new());
    let done = eventually(PROMETHEUS_LIMIT, || async {
        let todo = pending.lock().unwrap().clone();
        let mut still = Vec::new();
        for c in todo {
            let whole = prometheus.query(&c.expr).await.unwrap_or_else(|e| {
                panic!(
                    "{}: Prometheus refuses the expression: {e}\n  {}",
                    c.name, c.expr
                )
            });
            let found = if c.must_find == c.expr {
                whole
            } else {
                prometheus.query(&c.must_find).await.unwrap_or_else(|e| {
                    panic!("{}: Prometheus refuses {}: {e}", c.name, c.must_find)
                })
            };
            let ok = match &c.label {
                None => !found.series.is_empty(),
                Some(label) => found.series.iter().any(|s| s["metric"][label].is_string()),
            };
            if !ok {
                still.push(c);
            }
        }
        *pending.lock().unwrap() = still;
        let mut bad = Vec::new();
        for r in loaded_rules(prometheus).await {
            match r["health"].as_str() {
                Some("ok") => {}
                Some("err") => panic!("rule {} fails: {}", r["name"], r["lastError"]),
                other => bad.push(format!("rule {} health {other:?}", r["name"])),
            }
        }
        *unhealthy.lock().unwrap() = bad;
        (pending.lock().unwrap().is_empty() && unhealthy.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    if done.is_none() {
        let pending = pending.into_inner().unwrap();
        let lines: Vec<String> = pending
            .iter()
            .map(|c| match &c.label {
                None => format!("{}: no series for {}", c.name, c.must_find),
                Some(l) => format!("{}: no series with label {l} for {}", c.name, c.must_find),
            })
            .chain(unhealthy.into_inner().unwrap())
            .collect();
        let targets = prometheus.api("/api/v1/targets").await.unwrap_or_default();
        let log = prometheus.log();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        panic!(
            "within {PROMETHEUS_LIMIT:?}:\n  {}\nscrape targets: {}\nthe end of Prometheus' \
             log:\n{}",
            lines.join("\n  "),
            targets["activeTargets"],
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
}

/// Wait (bounded) until each alert is pending or firing.
async fn await_alerts(prometheus: &PrometheusServer, names: &[&str]) {
    let last = Mutex::new(Value::Null);
    let done = eventually(PROMETHEUS_LIMIT, || async {
        let data = prometheus.api("/api/v1/alerts").await.unwrap();
        let active: BTreeSet<String> = data["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["labels"]["alertname"].as_str().map(str::to_owned))
            .collect();
        *last.lock().unwrap() = data;
        names.iter().all(|n| active.contains(*n)).then_some(())
    })
    .await;
    assert!(
        done.is_some(),
        "{names:?} not all pending or firing; alerts: {:#}",
        last.lock().unwrap()
    );
}
