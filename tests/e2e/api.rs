//! The gRPC surface: bad input, the stream RPC, health, and the `check` command.

use std::{collections::HashMap, process::Command};

use futures::StreamExt;
use salvage::proto::v1 as pb;
use tonic::Code;

use crate::support::*;

/// Every malformed report gets INVALID_ARGUMENT naming the field, and nothing is recorded.
#[tokio::test]
async fn bad_input_is_rejected_with_the_field_named() {
    let app = spawn_app_with(|s| s.limits.max_payload_bytes = 1024).await;
    let mut client = app.client();
    type Breaker = fn(&mut pb::ReportRequest);
    let cases: Vec<(&str, Breaker)> = vec![
        ("message:", |r| r.message = None),
        ("failure:", |r| r.failure = None),
        ("message.id:", |r| message(r).id.clear()),
        ("message.origin:", |r| message(r).origin = None),
        ("message.origin.queue:", |r| {
            origin(r).queue.clear();
        }),
        (
            "message.origin.destination: unknown destination \"kafka\"",
            |r| {
                origin(r).destination = "kafka".into();
            },
        ),
        (
            "message.payload: payload is 2000 bytes, over the limit of 1024",
            |r| {
                message(r).payload = vec![b'x'; 2000];
            },
        ),
        ("failure.class:", |r| r.failure.as_mut().unwrap().class = 42),
        ("message.id: is 600 bytes", |r| {
            message(r).id = "i".repeat(600)
        }),
        (
            "message.origin.queue: \"{salvage}:retries\" is inside Salvage's own key space",
            |r| {
                origin(r).queue = "{salvage}:retries".into();
            },
        ),
        (
            "message.origin.queue: \"salvage:delivered:{7}\" is inside Salvage's own key space",
            |r| {
                origin(r).queue = "salvage:delivered:{7}".into();
            },
        ),
        ("message.headers:", |r| {
            message(r).headers = (0..100)
                .map(|i| (format!("h{i}"), "v".to_owned()))
                .collect::<HashMap<_, _>>();
        }),
    ];
    for (want, breaker) in cases {
        let mut req = order_total_as_string("o-1");
        breaker(&mut req);
        let status = client.report(req).await.expect_err(want);
        assert_eq!(status.code(), Code::InvalidArgument, "{want}: {status:?}");
        assert!(
            status.message().starts_with(want),
            "want {want:?}, got {:?}",
            status.message()
        );
    }
    assert!(app.stream("orders").await.is_empty(), "nothing requeued");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("{salvage}:msg:*")
        .query_async(&mut app.conn.clone())
        .await
        .unwrap();
    assert!(keys.is_empty(), "nothing recorded: {keys:?}");
}

/// An empty destination means the configured default.
#[tokio::test]
async fn empty_destination_uses_the_default() {
    let app = spawn_app().await;
    let mut req = order_total_as_string("o-1");
    origin(&mut req).destination.clear();
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Requeued);
    assert_eq!(app.stream("orders").await.len(), 1);
}

/// `ReportStream` answers every request, in order; an invalid one is answered in line.
#[tokio::test]
async fn report_stream_answers_in_order() {
    let app = spawn_app().await;
    let mut reqs = Vec::new();
    for i in 0..300 {
        reqs.push(match i % 3 {
            0 => order_total_as_string(&format!("o-{i}")),
            1 => fraud_declined(&format!("p-{i}")),
            _ => gateway_timeout(&format!("t-{i}")),
        });
    }
    let mut bad = order_total_as_string("bad");
    message(&mut bad).id.clear();
    reqs.insert(150, bad);
    let responses: Vec<pb::ReportResponse> = app
        .client()
        .report_stream(futures::stream::iter(reqs))
        .await
        .unwrap()
        .into_inner()
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(responses.len(), 301);
    for (i, resp) in responses.iter().enumerate() {
        if i == 150 {
            assert_eq!(outcome(resp), pb::Outcome::Unspecified);
            assert!(resp.error.starts_with("message.id:"), "{}", resp.error);
            assert_eq!(resp.error_code, Code::InvalidArgument as u32);
            continue;
        }
        let n = if i > 150 { i - 1 } else { i };
        let want = [
            pb::Outcome::Requeued,
            pb::Outcome::Parked,
            pb::Outcome::RetryScheduled,
        ][n % 3];
        assert_eq!(outcome(resp), want, "response {i} out of order: {resp:?}");
        assert!(resp.error.is_empty());
    }
    assert_eq!(app.stream("orders").await.len(), 100);
}

/// Server reflection lists the Salvage service, so generic clients (grpcurl) need no proto.
#[tokio::test]
async fn reflection_lists_the_service() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let app = spawn_app().await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", app.grpc_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(futures::stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let resp = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
        panic!("unexpected reflection answer: {resp:?}");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"salvage.v1.Salvage".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_owned()),
        "{names:?}"
    );
}

/// The standard health service reports SERVING; `/healthz` and `/readyz` answer.
#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", app.grpc_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let resp = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "salvage.v1.Salvage".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        resp.status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
    let healthz = reqwest::get(format!("{}/healthz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(healthz.status(), 200);
    let readyz = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(readyz.status(), 200);
}

fn salvage_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_salvage"))
}

/// A configuration file that cannot be read is named once, with the reason said once.
#[test]
fn check_without_a_configuration_file_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.toml");
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot read configuration file {}",
            missing.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "the reason once: {stderr}"
    );
}

/// `salvage check` validates the configuration, the rules and their embedded tests.
#[test]
fn check_command_validates_config_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("salvage.toml");
    let rules = example_rules();
    std::fs::write(
        &config,
        format!("[rules]\npath = {:?}\n", rules.display().to_string()),
    )
    .unwrap();
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 failed"), "{stdout}");
    assert!(
        !stdout.contains("has no [[test]]"),
        "every example rule is tested: {stdout}"
    );
    assert!(
        stdout.contains("redis: standalone at redis://127.0.0.1:6379"),
        "{stdout}"
    );
    // The schemas it read, and the version an operator finds in histories and metrics.
    assert!(
        stdout.contains("1 schema file(s) are valid: schemas/checkout-completed.v2.json"),
        "{stdout}"
    );
    let version = salvage::rules::load(&rules).unwrap().version;
    assert!(
        stdout.contains(&format!("rules version: {version}\n")),
        "{stdout}"
    );

    // The Redis it would use is named: a cluster (password hidden), or why not.
    let cluster = dir.path().join("cluster.toml");
    let with_cluster = |extra: &str| {
        format!(
            "[rules]\npath = {:?}\n[redis]\n{extra}[redis.cluster]\nurls = [\"redis://:pw@10.0.0.1:6379\", \"redis://:pw@10.0.0.2:6379\"]\n",
            rules.display().to_string()
        )
    };
    std::fs::write(&cluster, with_cluster("")).unwrap();
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&cluster)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "redis: cluster through 2 nodes (redis://:***@10.0.0.1:6379, redis://:***@10.0.0.2:6379)"
        ),
        "{stdout}"
    );
    std::fs::write(
        &cluster,
        with_cluster(
            "[redis.sentinel]\nurls = [\"redis://10.0.0.9:26379\"]\nmaster_name = \"m\"\n",
        ),
    )
    .unwrap();
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&cluster)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("redis.cluster and redis.sentinel are both set"),
        "{stderr}"
    );

    // A broken rule: the error names the file, the line and the rule.
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "[[rule]]\nname = \"ok\"\ndecision = \"park\"\n\n[[rule]]\nname = \"bad-regex\"\nwhen = { message = \"(unclosed\" }\ndecision = \"park\"\n",
    )
    .unwrap();
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&config)
        .arg("--rules")
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.toml:5"), "{stderr}");
    assert!(stderr.contains("bad-regex"), "{stderr}");

    // A valid rule without a test is pointed out (a warning, not a failure).
    let untested = dir.path().join("untested.toml");
    std::fs::write(
        &untested,
        "[[rule]]\nname = \"lonely\"\ndecision = \"park\"\n",
    )
    .unwrap();
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&config)
        .arg("--rules")
        .arg(&untested)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("rule `lonely` has no [[test]]"));

    // An unknown configuration key is named.
    std::fs::write(&config, "[server]\ngrcp_addr = \"127.0.0.1:1\"\n").unwrap();
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("grcp_addr"));
}

/// Shutdown does not wait for a client that keeps its stream open: the stream stops being read,
/// what was read is answered, and the stream ends.
#[tokio::test]
async fn shutdown_ends_open_streams() {
    let mut app =
        spawn_app_with(|s| s.server.shutdown_grace = std::time::Duration::from_secs(20)).await;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut responses = app
        .client()
        .report_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(order_total_as_string("o-1")).await.unwrap();
    let first = responses.message().await.unwrap().unwrap();
    assert_eq!(outcome(&first), pb::Outcome::Requeued);
    // The client keeps `tx` open; stopping must still finish well within the grace period.
    tokio::time::timeout(std::time::Duration::from_secs(10), app.stop())
        .await
        .expect("shutdown does not wait for the open stream");
    assert!(
        responses
            .message()
            .await
            .map(|m| m.is_none())
            .unwrap_or(true),
        "the stream ended"
    );
    drop(tx);
}

/// Logs can be JSON lines; each report's span carries its tracking id; payloads never appear.
#[tokio::test]
async fn json_logs_carry_the_tracking_id_and_never_the_payload() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let extra = "[telemetry]\nlog_format = \"json\"\nlog_level = \"salvage=debug,info\"\n";
    let mut salvage = Process::start(dir.path(), "json", &redis.url(), extra).await;
    let mut client = salvage.client().await;
    let mut req = fraud_declined("p-secret");
    message(&mut req).payload = br#"{"card":"SECRET-4111-1111"}"#.to_vec();
    let mut req = tonic::Request::new(req);
    req.metadata_mut().insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    let resp = client.report(req).await.unwrap().into_inner();
    let log_path = dir.path().join("json.log");
    let line = eventually(std::time::Duration::from_secs(10), || async {
        let text = std::fs::read_to_string(&log_path).ok()?;
        text.lines()
            .find(|l| l.contains(&resp.tracking_id))
            .map(str::to_owned)
    })
    .await
    .expect("a log line with the tracking id");
    let event: serde_json::Value = serde_json::from_str(&line).expect("JSON lines");
    assert_eq!(
        event["span"]["tracking_id"],
        resp.tracking_id.as_str(),
        "{event}"
    );
    assert_eq!(
        event["span"]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736",
        "the log line joins the caller's trace: {event}"
    );
    salvage.abort();
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        !text.contains("SECRET-4111"),
        "the payload was logged:\n{text}"
    );
    for l in text.lines() {
        serde_json::from_str::<serde_json::Value>(l).expect("every line is JSON");
    }
}

/// `examples/salvage.toml` is complete and valid: `salvage check` accepts it (its rules and their
/// tests included), and it names every setting of the README's configuration table.
#[test]
fn the_example_configuration_names_every_setting_and_checks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("examples/salvage.toml");
    let out = salvage_bin()
        .args(["check", "--config"])
        .arg(&example)
        .env_remove("SALVAGE__REDIS__URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("rule tests:") && stdout.contains(" 0 failed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&example).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    let mut keys = 0;
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let key = row[3..].split('`').next().unwrap();
        // The setting's own name: `destinations.<name>.delivery.*` is `delivery`.
        let name = key.trim_end_matches(".*").rsplit('.').next().unwrap();
        let section = key.split('.').next().unwrap();
        let named = text.contains(&format!("\n{name} = "))
            || text.contains(&format!("\n# {name} = "))
            || text.contains(&format!(" {name} = "))
            || text.contains(&format!(".{name}]"));
        assert!(named, "examples/salvage.toml does not name {key}");
        if key.contains('.') && !key.starts_with("destinations.") {
            assert!(
                text.contains(&format!("\n[{section}]\n")),
                "no [{section}] in examples/salvage.toml"
            );
        }
        keys += 1;
    }
    assert!(keys > 50, "{keys} settings found in the README's table");
}
