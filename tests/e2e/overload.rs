//! Overload: over the in-flight budget (count or bytes) a report is answered RESOURCE_EXHAUSTED
//! at once, nothing answered OK is lost, and reports succeed again afterwards; an oversized
//! message gets tonic's OUT_OF_RANGE; Redis out of memory is RESOURCE_EXHAUSTED and not ready.
//!
//! Reports are held in flight by pausing the test Redis's writes (`CLIENT PAUSE ... WRITE`: the
//! report script waits), so the budget is full for as long as the test needs, without timing.

use std::time::Duration;

use salvage::proto::v1 as pb;
use tonic::{Code, Request};

use crate::support::{TestApp, eventually, fraud_declined, message, outcome, spawn_app_with};

/// Settings for a test that holds reports in flight: Redis answers may take the whole pause.
fn patient(s: &mut salvage::config::Settings) {
    s.redis.response_timeout = Duration::from_secs(20);
}

/// A parking report whose payload is padded to about `bytes`.
fn padded(id: &str, bytes: usize) -> pb::ReportRequest {
    let mut r = fraud_declined(id);
    let pad = "x".repeat(bytes);
    message(&mut r).payload = format!(r#"{{"payment_id":"{id}","pad":"{pad}"}}"#).into_bytes();
    r
}

/// Pause the app's Redis for writes: report scripts wait until [`resume`].
fn pause(app: &TestApp) {
    assert_eq!(
        app.redis.command(&["CLIENT", "PAUSE", "30000", "WRITE"]),
        "OK"
    );
}

fn resume(app: &TestApp) {
    assert_eq!(app.redis.command(&["CLIENT", "UNPAUSE"]), "OK");
}

/// Start reports that will wait in flight (Redis paused); their handles answer later.
fn hold(
    app: &TestApp,
    reqs: Vec<pb::ReportRequest>,
) -> Vec<tokio::task::JoinHandle<Result<pb::ReportResponse, tonic::Status>>> {
    reqs.into_iter()
        .map(|r| {
            let mut client = app.client();
            tokio::spawn(async move {
                loop {
                    // As a consumer would: refused while a probe holds a place, so back off and
                    // report again until admitted.
                    match client.report(r.clone()).await {
                        Err(s) if s.code() == Code::ResourceExhausted => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        other => return other.map(tonic::Response::into_inner),
                    }
                }
            })
        })
        .collect()
}

/// Send `probe()` (with a short deadline, so one let in while the budget fills just times out)
/// until it is refused with RESOURCE_EXHAUSTED; return that status.
async fn await_exhausted(app: &TestApp, probe: impl Fn() -> pb::ReportRequest) -> tonic::Status {
    eventually(Duration::from_secs(10), || async {
        let mut req = Request::new(probe());
        req.set_timeout(Duration::from_millis(300));
        match app.client().report(req).await {
            Err(s) if s.code() == Code::ResourceExhausted => Some(s),
            _ => None,
        }
    })
    .await
    .expect("a report over the budget is answered RESOURCE_EXHAUSTED")
}

/// Every held report answered OK, and each is parked in Redis (nothing acknowledged is lost).
async fn all_ok_and_parked(
    app: &TestApp,
    held: Vec<tokio::task::JoinHandle<Result<pb::ReportResponse, tonic::Status>>>,
) {
    for h in held {
        let resp = h
            .await
            .unwrap()
            .expect("a report held in flight is answered OK");
        assert_eq!(outcome(&resp), pb::Outcome::Parked);
        let record = app.parked(&resp.tracking_id).await;
        assert!(
            !record.is_empty(),
            "{} answered OK but not in Redis",
            resp.tracking_id
        );
    }
}

#[tokio::test]
async fn over_the_count_budget_a_report_is_resource_exhausted_and_none_answered_ok_is_lost() {
    let mut app = spawn_app_with(|s| {
        patient(s);
        s.server.max_in_flight = 3;
    })
    .await;
    pause(&app);
    let held = hold(
        &app,
        (0..3)
            .map(|i| fraud_declined(&format!("held-{i}")))
            .collect(),
    );
    let status = await_exhausted(&app, || fraud_declined("probe")).await;
    assert!(
        status.message().contains("server.max_in_flight = 3"),
        "{status:?}"
    );
    resume(&app);
    all_ok_and_parked(&app, held).await;
    // After the overload, reports succeed again.
    let after = app.client().report(fraud_declined("after")).await.unwrap();
    assert_eq!(outcome(after.get_ref()), pb::Outcome::Parked);
    app.stop().await;
}

#[tokio::test]
async fn over_the_byte_budget_a_report_is_refused_before_its_body_is_read() {
    let mut app = spawn_app_with(|s| {
        patient(s);
        s.limits.max_payload_bytes = 200_000;
        s.server.max_message_bytes = 250_000;
        s.server.max_in_flight_bytes = 300_000;
    })
    .await;
    pause(&app);
    let held = hold(&app, vec![padded("big-held", 150_000)]);
    let status = await_exhausted(&app, || padded("big-probe", 160_000)).await;
    assert!(
        status
            .message()
            .contains("server.max_in_flight_bytes = 300000"),
        "{status:?}"
    );
    resume(&app);
    all_ok_and_parked(&app, held).await;
    let after = app
        .client()
        .report(padded("big-after", 160_000))
        .await
        .unwrap();
    assert_eq!(outcome(after.get_ref()), pb::Outcome::Parked);
    app.stop().await;
}

#[tokio::test]
async fn a_message_over_max_message_bytes_is_out_of_range() {
    let mut app = spawn_app_with(|s| {
        s.limits.max_payload_bytes = 200_000;
        s.server.max_message_bytes = 250_000;
        s.server.max_in_flight_bytes = 300_000;
    })
    .await;
    let mut req = padded("huge", 100);
    req.failure.as_mut().unwrap().detail = "d".repeat(260_000);
    let err = app.client().report(req).await.unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "{err:?}");
    assert!(
        err.message().contains("the limit is: 250000 bytes"),
        "{err:?}"
    );
    // The connection and the budget are fine afterwards.
    let ok = app.client().report(fraud_declined("small")).await.unwrap();
    assert_eq!(outcome(ok.get_ref()), pb::Outcome::Parked);
    app.stop().await;
}

#[tokio::test]
async fn a_stream_request_over_budget_is_answered_resource_exhausted_in_line() {
    let mut app = spawn_app_with(|s| {
        patient(s);
        s.server.max_in_flight = 2;
    })
    .await;
    pause(&app);
    let held = hold(
        &app,
        (0..2)
            .map(|i| fraud_declined(&format!("held-{i}")))
            .collect(),
    );
    await_exhausted(&app, || fraud_declined("probe")).await;
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let mut answers = app
        .client()
        .report_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    for i in 0..3 {
        tx.send(fraud_declined(&format!("streamed-{i}")))
            .await
            .unwrap();
        let answer = answers.message().await.unwrap().expect("answered in line");
        assert_eq!(
            answer.error_code,
            Code::ResourceExhausted as u32,
            "{answer:?}"
        );
        assert!(answer.error.contains("server.max_in_flight"), "{answer:?}");
    }
    resume(&app);
    all_ok_and_parked(&app, held).await;
    // The same stream goes on, and its next request succeeds.
    tx.send(fraud_declined("streamed-after")).await.unwrap();
    let answer = answers.message().await.unwrap().expect("answered");
    assert_eq!(outcome(&answer), pb::Outcome::Parked, "{answer:?}");
    drop(tx);
    app.stop().await;
}

#[tokio::test]
async fn redis_out_of_memory_is_resource_exhausted_and_not_ready() {
    let mut app = spawn_app_with(|_| {}).await;
    assert_eq!(
        app.redis
            .command(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]),
        "OK"
    );
    assert_eq!(
        app.redis.command(&["CONFIG", "SET", "maxmemory", "4mb"]),
        "OK"
    );
    // Fill until Redis refuses a write.
    let value = "v".repeat(1000);
    let mut filled = 0;
    loop {
        let reply = app
            .redis
            .command(&["SET", &format!("filler:{filled}"), &value]);
        if reply.contains("OOM") {
            break;
        }
        assert_eq!(reply, "OK");
        filled += 1;
        assert!(filled < 100_000, "redis never refused a write");
    }
    let mut refused = None;
    for i in 0..5 {
        match app
            .client()
            .report(padded(&format!("oom-{i}"), 20_000))
            .await
        {
            Err(s) => {
                assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
                refused = Some(s);
                break;
            }
            Ok(_) => continue,
        }
    }
    let status = refused.expect("a report to a full Redis is refused");
    assert!(
        status.message().contains("Redis is out of memory"),
        "{status:?}"
    );
    assert!(status.message().contains("keep the message"), "{status:?}");
    let ready = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert!(ready.text().await.unwrap().contains("out of memory"));

    // Memory freed: ready again, and reports succeed.
    assert_eq!(
        app.redis.command(&["CONFIG", "SET", "maxmemory", "0"]),
        "OK"
    );
    let ready = reqwest::get(format!("{}/readyz", app.admin_url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let ok = app
        .client()
        .report(padded("oom-after", 20_000))
        .await
        .unwrap();
    assert_eq!(outcome(ok.get_ref()), pb::Outcome::Parked);
    app.stop().await;
}
