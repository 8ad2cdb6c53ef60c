//! Safe redrive: a bulk resubmit that survives a SIGKILL without doubling anything, the rate
//! limit, auto-stop when resubmitted messages fail again (and resume/cancel), and the canary.

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use redis::{
    AsyncCommands,
    streams::{StreamReadOptions, StreamReadReply},
};
use salvage::proto::v1::run::State;
use tonic::Code;

use super::*;

/// 10,000 parked, a resubmit of the group at 2,000/s, Salvage SIGKILLed midway and started
/// again: the run is taken over and completes, and every message arrives exactly once.
#[tokio::test]
async fn bulk_resubmit_survives_a_kill_and_sends_each_message_once() {
    const N: usize = 10_000;
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut first = Process::start(dir.path(), "first", &redis.url(), "").await;
    let client = first.client().await;
    park_all(
        &client,
        (0..N).map(|i| fraud_declined(&format!("p-{i}"))).collect(),
    )
    .await;
    let op = admin(&first.parking, OPERATOR).await;
    let resp = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(group_filter(&fraud_group("p-1"))),
            options: Some(pb::RedriveOptions {
                rate_per_second: 2000.0,
                ..Default::default()
            }),
            dry_run: false,
            comment: "bulk replay".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.matched, N as u64);
    let run_id = resp.run.unwrap().run_id;
    let midway = wait_run(&op, &run_id, Duration::from_secs(30), |r| r.done >= 1).await;
    first.abort();
    assert!(
        midway.done < N as u64,
        "the run ended before the kill: {midway:?}"
    );
    let conn = connect(&redis.url()).await;
    let sent: usize = conn.clone().xlen("payments").await.unwrap();
    assert!(0 < sent && sent < N, "killed midway: {sent} sent");

    let second = Process::start(dir.path(), "second", &redis.url(), "").await;
    let _client = second.client().await;
    let op = admin(&second.parking, OPERATOR).await;
    let run = wait_run(&op, &run_id, Duration::from_secs(60), is_final).await;
    assert_eq!(run.state(), State::Completed, "{run:?}");
    assert_eq!((run.total, run.done), (N as u64, N as u64), "{run:?}");
    assert_eq!(run.resubmitted, N as u64, "{run:?}");

    let landed = entries(&conn, "payments").await;
    assert_eq!(landed.len(), N, "each message exactly once");
    let ids: HashSet<_> = landed.iter().map(|e| e.fields["id"].clone()).collect();
    assert_eq!(ids.len(), N, "no message twice");
    assert!(list_all(&op, pb::ParkedFilter::default()).await.is_empty());
    assert_eq!(groups(&op).await.total_groups, 0);
}

/// 60 messages at 20/s: no one-second window holds much more than 20, and the whole takes
/// at least two seconds.
#[tokio::test]
async fn rate_limited_redrive_keeps_its_rate() {
    let app = spawn_app().await;
    let op = app.operator().await;
    app.park_all((0..60).map(|i| fraud_declined(&format!("p-{i}"))).collect())
        .await;
    let resp = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(queue_filter("payments")),
            options: Some(pb::RedriveOptions {
                rate_per_second: 20.0,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let run = wait_state(&op, &resp.run.unwrap().run_id, State::Completed, RUN_LIMIT).await;
    assert_eq!(run.resubmitted, 60);

    let times: Vec<u64> = entries(&app.conn, "payments")
        .await
        .iter()
        .map(Entry::millis)
        .collect();
    assert_eq!(times.len(), 60);
    let most = 20.0 * 1.25 + 3.0;
    for (i, start) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|t| **t < start + 1000).count();
        assert!(
            in_window as f64 <= most,
            "{in_window} entries in the second from {start}: {times:?}"
        );
    }
    let span = times.last().unwrap() - times.first().unwrap();
    assert!(span >= 2000, "60 at 20/s took only {span} ms");
}

/// A consumer that fails on every resubmitted copy: the run stops by itself, the rest stays
/// parked; it can be resumed, cancelled and resumed again to the end.
#[tokio::test]
async fn auto_stop_when_resubmitted_messages_fail_again() {
    const N: usize = 40;
    let app = spawn_app().await;
    let op = app.operator().await;
    let originals = app
        .park_all((0..N).map(|i| fraud_declined(&format!("p-{i}"))).collect())
        .await;

    // The consumer: reads each copy and reports it failing again, with the copy's headers.
    let consumer = tokio::spawn({
        let mut conn = connect(&app.redis.url()).await;
        let mut client = app.client();
        async move {
            let mut last = "0-0".to_owned();
            loop {
                let opts = StreamReadOptions::default().count(100).block(100);
                let reply: StreamReadReply = conn
                    .xread_options(&["payments"], &[last.as_str()], &opts)
                    .await
                    .unwrap();
                for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
                    last = entry.id.clone();
                    let get = |f: &str| redis::from_redis_value::<String>(entry.map[f].clone());
                    let id = get("id").unwrap();
                    let mut req = fraud_declined(&id);
                    message(&mut req).payload = get("payload").unwrap().into_bytes();
                    message(&mut req).headers =
                        serde_json::from_str(&get("headers").unwrap()).unwrap();
                    let resp = client.report(req).await.unwrap().into_inner();
                    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
                }
            }
        }
    });

    let resp = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(group_filter(&fraud_group("p-1"))),
            options: Some(pb::RedriveOptions {
                rate_per_second: 20.0,
                stop_min_failures: 3,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let run_id = resp.run.unwrap().run_id;
    let stopped = wait_run(&op, &run_id, RUN_LIMIT, is_final).await;
    assert_eq!(stopped.state(), State::Stopped, "{stopped:?}");
    assert!(!stopped.stop_reason.is_empty(), "{stopped:?}");
    assert!(stopped.failed_again >= 3, "{stopped:?}");
    assert!(stopped.resubmitted < N as u64, "{stopped:?}");
    let mut still_parked = 0;
    for tid in &originals {
        if get(&op, tid).await.is_ok() {
            still_parked += 1;
        }
    }
    assert_eq!(
        still_parked,
        N as u64 - stopped.resubmitted,
        "the rest stays parked"
    );
    await_metric(
        &app.admin_url,
        "salvage_resubmitted_failed_again_total",
        |v| v > 0.0,
    )
    .await;
    consumer.abort();
    let _ = consumer.await;

    // Resume: running again (no more failures now); cancel; resume again to the end.
    let resumed = op
        .clone()
        .resume_run(pb::GetRunRequest {
            run_id: run_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resumed.state(), State::Running, "{resumed:?}");
    op.clone()
        .cancel_run(pb::GetRunRequest {
            run_id: run_id.clone(),
        })
        .await
        .unwrap();
    let cancelled = wait_run(&op, &run_id, RUN_LIMIT, is_final).await;
    assert_eq!(cancelled.state(), State::Cancelled, "{cancelled:?}");
    let resumed = op
        .clone()
        .resume_run(pb::GetRunRequest {
            run_id: run_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resumed.state(), State::Running);
    let done = wait_run(&op, &run_id, RUN_LIMIT, is_final).await;
    assert_eq!(done.state(), State::Completed, "{done:?}");
    assert_eq!((done.total, done.done), (N as u64, N as u64));
    for tid in &originals {
        assert_eq!(get(&op, tid).await.unwrap_err().code(), Code::NotFound);
    }
    let status = op
        .clone()
        .resume_run(pb::GetRunRequest { run_id })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
}

/// With a canary and no failures, the run waits after the canary and then completes.
#[tokio::test]
async fn canary_waits_then_completes() {
    let app = spawn_app().await;
    let op = app.operator().await;
    app.park_all((0..10).map(|i| fraud_declined(&format!("p-{i}"))).collect())
        .await;
    let started = Instant::now();
    let resp = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(queue_filter("payments")),
            options: Some(pb::RedriveOptions {
                canary: 3,
                canary_wait: Some(prost_types::Duration {
                    seconds: 1,
                    nanos: 0,
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let run_id = resp.run.unwrap().run_id;
    let waiting = wait_state(&op, &run_id, State::CanaryWait, RUN_LIMIT).await;
    assert_eq!(waiting.resubmitted, 3, "the canary: {waiting:?}");
    assert_eq!(app.stream("payments").await.len(), 3);
    let done = wait_run(&op, &run_id, RUN_LIMIT, is_final).await;
    assert_eq!(done.state(), State::Completed, "{done:?}");
    assert_eq!(done.resubmitted, 10);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the canary wait was skipped"
    );
    assert_eq!(app.stream("payments").await.len(), 10);
}
