//! The admin port against hostile or careless clients, and start-up against careless settings:
//! a client sending its headers slowly (or nothing) is disconnected after `admin.header_timeout`,
//! a slow body gets 408 after `admin.body_timeout`, console sign-ins are limited per client
//! address (429 with `Retry-After`), a token's live sessions are capped (the oldest ends), a
//! console resubmit of a whole group defaults to a rate and a canary, and a token-protected
//! listener bound beyond loopback without TLS is refused unless `allow_plaintext` says so.

use std::time::{Duration, Instant};

use salvage::startup::Application;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::support::*;

/// Wait (at most `limit`) until the server closes `conn` (a read gives end of file or an
/// error); returns how long that took, or `None` if it stayed open. Bytes the server sends
/// first (such as an error answer) are read and ignored.
async fn closed_within(conn: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        let left = limit.checked_sub(start.elapsed())?;
        match tokio::time::timeout(left, conn.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

fn admin_addr(app: &TestApp) -> String {
    app.admin_url.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_client_sending_headers_slowly_is_disconnected_after_the_header_timeout() {
    let app = spawn_app_with(|s| s.admin.header_timeout = Duration::from_secs(1)).await;
    let mut conn = TcpStream::connect(admin_addr(&app)).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One header byte every 200 ms, for up to 10 s: the server must not wait for the end.
    let start = Instant::now();
    let mut cut_off = false;
    for b in b"X-Slow: ".iter().cycle().take(50) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if conn.write_all(&[*b]).await.is_err() {
            cut_off = true;
            break;
        }
        let mut buf = [0u8; 256];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), conn.read(&mut buf)).await
        {
            cut_off = true;
            break;
        }
    }
    let took = start.elapsed();
    assert!(
        cut_off,
        "the slow client was still connected after {took:?}"
    );
    assert!(took < Duration::from_secs(5), "cut off only after {took:?}");
}

#[tokio::test]
async fn a_silent_or_idle_connection_is_closed() {
    let app = spawn_app_with(|s| s.admin.header_timeout = Duration::from_secs(1)).await;
    let mut silent = TcpStream::connect(admin_addr(&app)).await.unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(took.is_some(), "a connection that sends nothing stays open");

    // A kept-alive connection after its answer: closed too.
    let mut idle = TcpStream::connect(admin_addr(&app)).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(
        closed_within(&mut idle, Duration::from_secs(5))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_slow_request_body_gets_408() {
    let app = spawn_app_with(|s| s.admin.body_timeout = Duration::from_secs(1)).await;
    let mut conn = TcpStream::connect(admin_addr(&app)).await.unwrap();
    conn.write_all(
        b"POST /console/api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"tok",
    )
    .await
    .unwrap();
    let start = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
}

/// POST a sign-in with `token`: the status, the `Retry-After` header and the cookie.
async fn sign_in(app: &TestApp, token: &str) -> (u16, Option<String>, Option<String>) {
    let r = reqwest::Client::new()
        .post(format!("{}/console/api/session", app.admin_url))
        .header("content-type", "application/json")
        .body(json!({ "token": token }).to_string())
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let retry = header("retry-after");
    let cookie = header("set-cookie").map(|c| c.split(';').next().unwrap().to_owned());
    (r.status().as_u16(), retry, cookie)
}

#[tokio::test]
async fn sign_ins_are_limited_per_client_address() {
    let app = spawn_app_with(|s| {
        s.console.sign_in_attempts = 3;
        s.console.sign_in_window = Duration::from_secs(60);
    })
    .await;
    for _ in 0..3 {
        let (status, _, _) = sign_in(&app, "guess-guess-guess").await;
        assert_eq!(status, 401);
    }
    let (status, retry, _) = sign_in(&app, "guess-guess-guess").await;
    assert_eq!(status, 429);
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    // The right token too: the limit is on the address, so guessing cannot be interleaved.
    let (status, _, _) = sign_in(&app, OPERATOR).await;
    assert_eq!(status, 429);
}

async fn me(app: &TestApp, cookie: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/console/api/session", app.admin_url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_tokens_sessions_are_capped_and_the_oldest_ends() {
    let clock = manual_clock();
    let app = spawn_app_with_clock(clock.clone(), |s| {
        s.console.max_sessions_per_token = 2;
    })
    .await;
    let mut cookies = Vec::new();
    for _ in 0..3 {
        let (status, _, cookie) = sign_in(&app, OPERATOR).await;
        assert_eq!(status, 200);
        cookies.push(cookie.unwrap());
        // Sessions are ordered by sign-in time in milliseconds.
        clock.advance(Duration::from_millis(1));
    }
    assert_eq!(me(&app, &cookies[0]).await, 401, "the oldest session ended");
    assert_eq!(me(&app, &cookies[1]).await, 200);
    assert_eq!(me(&app, &cookies[2]).await, 200);
    // Another token's sessions are not counted with these.
    let (status, _, viewer) = sign_in(&app, VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(me(&app, &viewer.unwrap()).await, 200);
    assert_eq!(me(&app, &cookies[1]).await, 200);
}

#[tokio::test]
async fn a_console_resubmit_of_a_whole_group_defaults_to_a_rate_and_a_canary() {
    let app = spawn_app().await;
    let reqs = (0..150)
        .map(|i| fraud_declined(&format!("pay-{i}")))
        .collect();
    app.park_all(reqs).await;
    let group = salvage_model::failure_group(
        "payments",
        "FRAUD_DECLINED",
        "payment pay-0 declined by screening (score 0.97)",
    );
    let (status, _, cookie) = sign_in(&app, OPERATOR).await;
    assert_eq!(status, 200);
    let cookie = cookie.unwrap();
    let csrf = {
        let r = reqwest::Client::new()
            .get(format!("{}/console/api/session", app.admin_url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        v["csrf"].as_str().unwrap().to_owned()
    };
    let post = |body: Value| {
        let (cookie, csrf, url) = (cookie.clone(), csrf.clone(), app.admin_url.clone());
        async move {
            let r = reqwest::Client::new()
                .post(format!("{url}/console/api/resubmit"))
                .header("cookie", cookie)
                .header("x-salvage-csrf", csrf)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
            (status, v)
        }
    };

    // The confirmation shows the count, a sample and the redrive it will use.
    let (status, dry) = post(json!({ "group": group, "dry_run": true })).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["count"], 150);
    assert_eq!(
        dry["tracking_ids"].as_array().unwrap().len(),
        10,
        "a sample"
    );
    assert_eq!(
        dry["redrive"],
        json!({ "rate_per_second": 50.0, "canary": 20, "canary_wait_seconds": 60 })
    );

    // Confirmed without choosing: the canary goes out, then the run waits.
    let (status, started) =
        post(json!({ "group": group, "dry_run": false, "expected_count": 150 })).await;
    assert_eq!(status, 200, "{started}");
    let run_id = started["run_id"].as_str().unwrap().to_owned();
    let run = eventually(Duration::from_secs(10), || async {
        let r = reqwest::Client::new()
            .get(format!("{}/console/api/runs/{run_id}", app.admin_url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        (v["state"] == "canary_wait").then_some(v)
    })
    .await
    .expect("the run waits after its canary");
    assert_eq!(run["done"], 20, "{run}");
    assert_eq!(app.stream("payments").await.len(), 20);
}

#[tokio::test]
async fn a_token_protected_listener_beyond_loopback_needs_tls_or_allow_plaintext() {
    let redis = RedisServer::start();

    let mut parking = test_settings(&redis.url());
    parking.parking_lot.addr = "0.0.0.0:0".parse().unwrap();
    let e = format!(
        "{:#}",
        Application::build(parking.clone()).await.unwrap_err()
    );
    assert!(
        e.contains("parking_lot.addr") && e.contains("parking_lot.allow_plaintext = true"),
        "{e}"
    );
    parking.parking_lot.allow_plaintext = true;
    Application::build(parking)
        .await
        .expect("allowed explicitly");

    let mut console = test_settings(&redis.url());
    console.admin.addr = "0.0.0.0:0".parse().unwrap();
    let e = format!(
        "{:#}",
        Application::build(console.clone()).await.unwrap_err()
    );
    assert!(e.contains("admin.allow_plaintext = true"), "{e}");
    console.console.enabled = false;
    Application::build(console.clone())
        .await
        .expect("metrics alone hold no token");
    console.console.enabled = true;
    console.admin.allow_plaintext = true;
    Application::build(console)
        .await
        .expect("allowed explicitly");

    // The same check when the file is loaded (`salvage check` and `serve`).
    let text = "[parking_lot]\naddr = \"0.0.0.0:50052\"\n";
    let e = salvage::config::Settings::parse(text, [], std::path::Path::new("s.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("without TLS"), "{e}");
}
