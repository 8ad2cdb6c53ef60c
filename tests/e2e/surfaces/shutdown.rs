//! Stopping the built binary (SIGTERM) with reports in flight, held there by a gate between
//! Salvage and its Redis that lets nothing through until the test opens it: calls in flight are
//! answered (OK once Redis answers within the grace period, the documented UNAVAILABLE after it),
//! never cut off, and `/readyz` answers 503 throughout the drain. Parking-lot calls too.

use std::{
    collections::HashSet,
    net::SocketAddr,
    process::Command,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::StreamExt;
use salvage::proto::v1 as pb;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::{mpsc, watch},
};
use tonic::Code;

use crate::support::{admin::admin, *};

/// Marks each report's payload: `INFLIGHT-000`, `INFLIGHT-001`, …
const MARK: &[u8] = b"INFLIGHT-";
const MARK_DIGITS: usize = 3;

/// A TCP proxy to Redis that reads everything Salvage sends (noting which reports' markers it
/// saw) but forwards it only while open.
struct Gate {
    addr: SocketAddr,
    open: watch::Sender<bool>,
    seen: Arc<Mutex<HashSet<String>>>,
}

impl Gate {
    async fn start(redis_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (open, _) = watch::channel(true);
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let (gate, marks) = (open.clone(), seen.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", redis_port)).await else {
                    continue;
                };
                proxy(client, upstream, gate.subscribe(), marks.clone());
            }
        });
        Self { addr, open, seen }
    }

    fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    fn close(&self) {
        self.open.send_replace(false);
    }

    fn open(&self) {
        self.open.send_replace(true);
    }

    /// How many distinct reports' markers went into the gate.
    fn seen(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

fn proxy(
    client: TcpStream,
    upstream: TcpStream,
    mut open: watch::Receiver<bool>,
    seen: Arc<Mutex<HashSet<String>>>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
    });
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        // The end of the previous read, so a marker split across two reads is still seen.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut window = std::mem::take(&mut carry);
            window.extend_from_slice(&buf[..n]);
            {
                let mut seen = seen.lock().unwrap();
                for i in 0..window.len() {
                    let token = &window[i..];
                    if token.starts_with(MARK) && token.len() >= MARK.len() + MARK_DIGITS {
                        let digits = &token[MARK.len()..MARK.len() + MARK_DIGITS];
                        seen.insert(String::from_utf8_lossy(digits).into_owned());
                    }
                }
            }
            let keep = (MARK.len() + MARK_DIGITS - 1).min(window.len());
            carry = window[window.len() - keep..].to_vec();
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(chunk) = rx.recv().await {
            if open.wait_for(|open| *open).await.is_err()
                || upstream_write.write_all(&chunk).await.is_err()
            {
                break;
            }
        }
    });
}

fn held_report(i: usize) -> pb::ReportRequest {
    shipment(
        &format!("held-{i}"),
        &format!(r#"{{"note":"INFLIGHT-{i:03}"}}"#),
    )
}

fn sigterm(salvage: &Process) {
    let status = Command::new("kill")
        .args(["-TERM", &salvage.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn readyz(salvage: &Process) -> Option<(u16, String)> {
    let resp = reqwest::get(format!("{}/readyz", salvage.admin))
        .await
        .ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.text().await.ok()?))
}

async fn exit_status(salvage: &mut Process) -> std::process::ExitStatus {
    eventually(Duration::from_secs(30), || {
        let status = salvage.child.try_wait().unwrap();
        async move { status }
    })
    .await
    .expect("salvage exits")
}

/// SIGTERM while 16 reports wait for Redis: `/readyz` answers 503 "shutting down" (the admin
/// port stays open through the drain), and once Redis answers, within the grace period, every
/// report is answered OK; then Salvage exits cleanly.
#[tokio::test]
async fn reports_in_flight_at_shutdown_are_answered_and_readyz_says_503_while_draining() {
    // As many as one connection may have open at once (`server.max_concurrent_streams`): a
    // client queues further calls itself, so they would not be in flight.
    const N: usize = 16;
    let redis = RedisServer::start();
    let gate = Gate::start(redis.port()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut salvage = Process::start_with_env(
        dir.path(),
        "drain",
        &gate.url(),
        "",
        &[
            ("SALVAGE__REDIS__RESPONSE_TIMEOUT", "60s"),
            ("SALVAGE__SERVER__SHUTDOWN_GRACE", "30s"),
        ],
    )
    .await;
    let client = salvage.client().await;
    gate.close();
    let calls: Vec<_> = (0..N)
        .map(|i| {
            let mut client = client.clone();
            tokio::spawn(async move { client.report(held_report(i)).await })
        })
        .collect();
    eventually(Duration::from_secs(10), || async {
        (gate.seen() == N).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("{} of {N} reports reached Redis", gate.seen()));

    sigterm(&salvage);
    let (status, body) = eventually(Duration::from_secs(10), || async {
        readyz(&salvage)
            .await
            .filter(|(_, body)| body == "shutting down\n")
    })
    .await
    .expect("/readyz answers \"shutting down\" while draining (not a closed port)");
    assert_eq!(status, 503, "{body}");
    assert!(
        calls.iter().all(|c| !c.is_finished()),
        "the reports are still waiting for Redis"
    );
    // Still draining, still answering.
    assert_eq!(
        readyz(&salvage).await.map(|(s, _)| s),
        Some(503),
        "the admin port stays open through the drain"
    );

    gate.open();
    for (i, call) in calls.into_iter().enumerate() {
        let resp = call
            .await
            .unwrap()
            .unwrap_or_else(|s| panic!("report {i} in flight at shutdown got {s:?}"))
            .into_inner();
        assert_eq!(outcome(&resp), pb::Outcome::Parked, "report {i}: {resp:?}");
    }
    let status = exit_status(&mut salvage).await;
    assert!(status.success(), "{status:?}");
}

/// SIGTERM while reports wait for a Redis that does not answer within the grace period (1 s):
/// each unary report gets UNAVAILABLE saying Salvage is shutting down and the outcome is unknown,
/// each request a stream had read is answered in line with `error_code` 14 and the stream ends;
/// no call is cut off (CANCELLED, a reset connection). Then Salvage exits.
#[tokio::test]
async fn reports_still_in_flight_after_the_grace_period_get_unavailable() {
    const N: usize = 10;
    let redis = RedisServer::start();
    let gate = Gate::start(redis.port()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut salvage = Process::start_with_env(
        dir.path(),
        "abandon",
        &gate.url(),
        "",
        &[
            ("SALVAGE__REDIS__RESPONSE_TIMEOUT", "60s"),
            ("SALVAGE__SERVER__SHUTDOWN_GRACE", "1s"),
        ],
    )
    .await;
    let client = salvage.client().await;
    gate.close();
    let calls: Vec<_> = (0..N)
        .map(|i| {
            let mut client = client.clone();
            tokio::spawn(async move { client.report(held_report(i)).await })
        })
        .collect();
    let stream = {
        let mut client = client.clone();
        // Two requests, then the request side stays open (a consumer with more to send).
        let (tx, rx) = mpsc::unbounded_channel();
        tx.send(held_report(N)).unwrap();
        tx.send(held_report(N + 1)).unwrap();
        let requests = tokio_stream::wrappers::UnboundedReceiverStream::new(rx);
        tokio::spawn(async move {
            let responses: Vec<_> = client
                .report_stream(requests)
                .await
                .unwrap()
                .into_inner()
                .collect()
                .await;
            drop(tx);
            responses
        })
    };
    eventually(Duration::from_secs(10), || async {
        (gate.seen() == N + 2).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("{} of {} reports reached Redis", gate.seen(), N + 2));

    sigterm(&salvage);
    for (i, call) in calls.into_iter().enumerate() {
        let status = call
            .await
            .unwrap()
            .expect_err("Redis never answered: no outcome");
        assert_eq!(status.code(), Code::Unavailable, "report {i}: {status:?}");
        assert!(
            status.message().starts_with(
                "Salvage is shutting down and stopped waiting for this report's outcome"
            ),
            "report {i}: {status:?}"
        );
    }
    let responses = stream.await.unwrap();
    assert_eq!(responses.len(), 2, "{responses:?}");
    for resp in responses {
        let resp = resp.expect("answered in line, not an error ending the stream");
        assert_eq!(resp.error_code, Code::Unavailable as u32, "{resp:?}");
        assert!(
            resp.error.starts_with("Salvage is shutting down"),
            "{resp:?}"
        );
    }
    let status = exit_status(&mut salvage).await;
    assert!(status.success(), "{status:?}");
}

/// SIGTERM while parking-lot calls (a read, a list, a discard) wait for a Redis that does not
/// answer within the grace period (1 s): each gets UNAVAILABLE saying Salvage is shutting down
/// and that a change may or may not have been made, not a cut connection. Then Salvage exits.
#[tokio::test]
async fn parking_lot_calls_still_in_flight_after_the_grace_period_get_unavailable() {
    let redis = RedisServer::start();
    let gate = Gate::start(redis.port()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut salvage = Process::start_with_env(
        dir.path(),
        "abandon-lot",
        &gate.url(),
        "",
        &[
            ("SALVAGE__REDIS__RESPONSE_TIMEOUT", "60s"),
            ("SALVAGE__SERVER__SHUTDOWN_GRACE", "1s"),
        ],
    )
    .await;
    salvage.client().await;
    let lot = admin(&salvage.parking, OPERATOR).await;
    gate.close();
    // Each call's first Redis command names its marker, so the gate tells when it is waiting.
    let (mut get, mut list, mut discard) = (lot.clone(), lot.clone(), lot.clone());
    let calls: Vec<tokio::task::JoinHandle<Result<(), tonic::Status>>> = vec![
        tokio::spawn(async move {
            get.get_parked(pb::GetParkedRequest {
                tracking_id: "INFLIGHT-900".into(),
                reveal: false,
            })
            .await
            .map(drop)
        }),
        tokio::spawn(async move {
            list.list_parked(pb::ListParkedRequest {
                filter: Some(pb::ParkedFilter {
                    queue: "INFLIGHT-901".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .map(drop)
        }),
        tokio::spawn(async move {
            discard
                .discard_parked(pb::DiscardParkedRequest {
                    selection: Some(pb::Selection {
                        tracking_ids: vec!["INFLIGHT-902".into()],
                        filter: None,
                    }),
                    reason: "test".into(),
                    dry_run: false,
                })
                .await
                .map(drop)
        }),
    ];
    eventually(Duration::from_secs(10), || async {
        (gate.seen() == calls.len()).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("{} of {} calls reached Redis", gate.seen(), calls.len()));

    sigterm(&salvage);
    for (i, call) in calls.into_iter().enumerate() {
        let status = call
            .await
            .unwrap()
            .expect_err("Redis never answered: no result");
        assert_eq!(status.code(), Code::Unavailable, "call {i}: {status:?}");
        assert!(
            status
                .message()
                .starts_with("Salvage is shutting down and stopped waiting for Redis"),
            "call {i}: {status:?}"
        );
    }
    let status = exit_status(&mut salvage).await;
    assert!(status.success(), "{status:?}");
}
