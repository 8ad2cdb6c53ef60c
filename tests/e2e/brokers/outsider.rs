//! An outsider's consumer against RabbitMQ: `tests/outsider/rabbit_race.py` (Python, grpcio and
//! pika, stubs generated from the proto at run time) fails on every copy the moment it arrives
//! and acknowledges only after Salvage answered. Nothing it reports may be lost or doubled.

use std::process::Command;

use crate::support::index_len;

use super::{Broker, app_with, race::RULES, unique};

pub async fn python_consumer_failing_every_copy_loses_nothing(broker: &impl Broker, amqp: &str) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, RULES).unwrap();
    let app = app_with(broker, |s| s.rules.path = rules).await;
    let queue = unique("py-race");
    broker.create(&queue).await;
    let n = 200;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/outsider/rabbit_race.py");
    let (addr, amqp, q) = (app.grpc_addr.to_string(), amqp.to_owned(), queue.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([script, &addr, &amqp, &q, &n.to_string()])
            .output()
            .expect("python3 on PATH")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the Python consumer failed (needs grpcio, grpcio-tools and pika: `.ci/run` installs \
         them):\n{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let outcomes = &summary["outcomes"];
    assert!(outcomes.get("DUPLICATE").is_none(), "{summary}");
    assert_eq!(outcomes["RETRY_SCHEDULED"], 2 * n, "{summary}");
    assert_eq!(outcomes["PARKED"], n, "{summary}");
    assert_eq!(summary["messages"], n, "{summary}");
    assert_eq!(
        summary["copies_per_message"],
        serde_json::json!({ "3": n }),
        "three copies each, none doubled: {summary}"
    );
    let parked = index_len(&mut app.conn.clone(), |k| k.parked_index()).await;
    assert_eq!(parked, n, "every message parked");
}
