//! `salvage dev`, the README's first command, as a new user runs it: the built binary starts its
//! own Redis and Salvage with the example rules, prints where everything is, and a report of the
//! example's broken order comes back repaired on the stream. Stopped with SIGINT (Ctrl-C), it
//! stops its Redis too. Without `redis-server` it says what to install.

use std::{process::Stdio, time::Duration};

use redis::AsyncCommands;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Command,
};

use crate::support::*;

#[tokio::test]
async fn salvage_dev_runs_the_example_end_to_end_and_stops_its_redis() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_salvage"))
        .args([
            "dev",
            "--grpc-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
        ])
        .args(["--parking-lot-addr", "127.0.0.1:0"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.starts_with("Parked:");
            printed.push(line);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("salvage dev printed its addresses within 60 s");
    let text = printed.join("\n");
    let field = |prefix: &str| {
        printed
            .iter()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{text}"))
            .to_owned()
    };
    let grpc = field("gRPC");
    let redis_url = field("redis");
    assert!(text.contains("Try: grpcurl -plaintext"), "{text}");
    assert!(text.contains("dev-operator-token"), "{text}");

    // The README's first report (the grpcurl line's request), over gRPC.
    let mut client =
        salvage::proto::v1::salvage_client::SalvageClient::connect(format!("http://{grpc}"))
            .await
            .unwrap();
    let resp = client
        .report(order_total_as_string("o-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        resp.outcome(),
        salvage::proto::v1::Outcome::Requeued,
        "{resp:?}"
    );
    let mut conn = redis::Client::open(redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let entries: redis::streams::StreamRangeReply = conn.xrange_all("orders").await.unwrap();
    assert_eq!(entries.ids.len(), 1, "the repaired copy is on the stream");
    drop(conn);

    // Ctrl-C: Salvage and its Redis stop.
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("salvage dev stopped within 30 s")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    let gone = eventually(Duration::from_secs(10), || async {
        redis::Client::open(redis_url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .is_err()
            .then_some(())
    })
    .await;
    assert!(gone.is_some(), "its redis-server stopped too");
}

#[tokio::test]
async fn salvage_dev_without_redis_server_says_what_to_install() {
    let out = Command::new(env!("CARGO_BIN_EXE_salvage"))
        .args([
            "dev",
            "--grpc-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
        ])
        .args(["--parking-lot-addr", "127.0.0.1:0"])
        .args(["--redis-server", "/nonexistent/redis-server"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("apt-get install redis-server"), "{stderr}");
}
