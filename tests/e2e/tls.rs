//! TLS on every connection, with certificates each test makes (`support/certs.rs`): the
//! consumer gRPC port and the parking lot's (TLS and mutual TLS, with tonic clients: plaintext
//! refused, a server certificate from an unknown CA refused, a client certificate required when
//! configured), the admin port over HTTPS (reqwest), and Redis over `rediss://` with a CA file
//! and a client certificate, against a redis-server that speaks only TLS.

use std::net::SocketAddr;

use salvage::{
    config::{RedisTls, Settings},
    proto::v1::{self as pb, parking_lot_client::ParkingLotClient, salvage_client::SalvageClient},
    shutdown::Shutdown,
    startup::Application,
};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use crate::support::{
    certs::{Certs, TlsRedis},
    *,
};

/// A Salvage started from `settings`, with no client (the caller picks how to connect).
struct Running {
    grpc: SocketAddr,
    parking: SocketAddr,
    admin: SocketAddr,
    shutdown: Shutdown,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

async fn run(settings: Settings) -> Running {
    let app = Application::build(settings)
        .await
        .expect("application builds");
    let running = Running {
        grpc: app.grpc_addr(),
        parking: app.parking_lot_addr(),
        admin: app.admin_addr(),
        shutdown: app.shutdown_handle(),
    };
    tokio::spawn(app.run_until_stopped());
    running
}

/// A TLS client configuration trusting `ca` (a file of `certs`), presenting `identity`
/// (`client` or `stranger`) if given.
fn client_tls(certs: &Certs, ca: &str, identity: Option<&str>) -> ClientTlsConfig {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(certs.read(ca)))
        .domain_name("localhost");
    if let Some(who) = identity {
        tls = tls.identity(Identity::from_pem(
            certs.read(&format!("{who}.pem")),
            certs.read(&format!("{who}.key")),
        ));
    }
    tls
}

/// Connect to `addr` (with `tls`, or in the clear) and send one report: its outcome, or the
/// error text of the connection or the call.
async fn report_over(
    addr: SocketAddr,
    tls: Option<ClientTlsConfig>,
) -> Result<pb::Outcome, String> {
    let endpoint = match tls {
        Some(tls) => Channel::from_shared(format!("https://localhost:{}", addr.port()))
            .unwrap()
            .tls_config(tls)
            .map_err(|e| e.to_string())?,
        None => Channel::from_shared(format!("http://{addr}")).unwrap(),
    };
    let channel = endpoint
        .timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let resp = SalvageClient::new(channel)
        .report(order_total_as_string(&format!(
            "o-{}",
            uuid::Uuid::new_v4()
        )))
        .await
        .map_err(|e| format!("report: {e:?}"))?;
    Ok(outcome(resp.get_ref()))
}

#[tokio::test]
async fn the_grpc_port_serves_tls_and_refuses_plaintext_and_unknown_servers() {
    let redis = RedisServer::start();
    let certs = Certs::generate();
    let mut s = test_settings(&redis.url());
    s.server.tls = Some(certs.listener(false));
    let app = run(s).await;

    let ok = report_over(app.grpc, Some(client_tls(&certs, "ca.pem", None))).await;
    assert_eq!(ok, Ok(pb::Outcome::Requeued), "a client trusting our CA");
    let plain = report_over(app.grpc, None).await;
    assert!(plain.is_err(), "a plaintext client must fail: {plain:?}");
    let wrong_ca = report_over(app.grpc, Some(client_tls(&certs, "other-ca.pem", None))).await;
    assert!(
        wrong_ca.is_err(),
        "a client that does not trust the server's CA must fail: {wrong_ca:?}"
    );
}

#[tokio::test]
async fn with_client_ca_file_the_grpc_port_requires_a_client_certificate_from_that_ca() {
    let redis = RedisServer::start();
    let certs = Certs::generate();
    let mut s = test_settings(&redis.url());
    s.server.tls = Some(certs.listener(true));
    let app = run(s).await;

    let with_cert = report_over(app.grpc, Some(client_tls(&certs, "ca.pem", Some("client")))).await;
    assert_eq!(with_cert, Ok(pb::Outcome::Requeued));
    let without = report_over(app.grpc, Some(client_tls(&certs, "ca.pem", None))).await;
    assert!(without.is_err(), "no client certificate: {without:?}");
    let stranger = report_over(
        app.grpc,
        Some(client_tls(&certs, "ca.pem", Some("stranger"))),
    )
    .await;
    assert!(
        stranger.is_err(),
        "a client certificate from another CA: {stranger:?}"
    );
}

#[tokio::test]
async fn the_parking_lot_api_serves_mutual_tls_beyond_loopback() {
    let redis = RedisServer::start();
    let certs = Certs::generate();
    let mut s = test_settings(&redis.url());
    // Beyond loopback is allowed because it has TLS.
    s.parking_lot.addr = "0.0.0.0:0".parse().unwrap();
    s.parking_lot.tls = Some(certs.listener(true));
    let app = run(s).await;

    let list = |tls: Option<ClientTlsConfig>| async move {
        let endpoint = match tls {
            Some(tls) => Channel::from_shared(format!("https://localhost:{}", app.parking.port()))
                .unwrap()
                .tls_config(tls)
                .unwrap(),
            None => {
                Channel::from_shared(format!("http://127.0.0.1:{}", app.parking.port())).unwrap()
            }
        };
        let channel = endpoint.connect().await.map_err(|e| format!("{e:?}"))?;
        let bearer: tonic::metadata::MetadataValue<_> =
            format!("Bearer {OPERATOR}").parse().unwrap();
        let auth = move |mut req: tonic::Request<()>| {
            req.metadata_mut().insert("authorization", bearer.clone());
            Ok(req)
        };
        ParkingLotClient::with_interceptor(channel, auth)
            .list_parked(pb::ListParkedRequest {
                page_size: 10,
                ..Default::default()
            })
            .await
            .map(|r| r.into_inner().messages.len())
            .map_err(|e| format!("{e:?}"))
    };
    assert_eq!(
        list(Some(client_tls(&certs, "ca.pem", Some("client")))).await,
        Ok(0)
    );
    assert!(list(None).await.is_err(), "plaintext");
    assert!(
        list(Some(client_tls(&certs, "ca.pem", None)))
            .await
            .is_err(),
        "no client cert"
    );
}

#[tokio::test]
async fn the_admin_port_serves_https_and_the_console_cookie_is_secure() {
    let redis = RedisServer::start();
    let certs = Certs::generate();
    let mut s = test_settings(&redis.url());
    s.admin.tls = Some(certs.listener(false));
    let app = run(s).await;
    let port = app.admin.port();

    let ca = reqwest::Certificate::from_pem(&certs.read("ca.pem")).unwrap();
    let https = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let health = https
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let metrics = https
        .get(format!("https://localhost:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert!(metrics.text().await.unwrap().contains("salvage_build_info"));

    let sign_in = https
        .post(format!("https://localhost:{port}/console/api/session"))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "token": OPERATOR }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(sign_in.status(), 200);
    let cookie = sign_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");

    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(plain.is_err(), "plaintext HTTP must fail: {plain:?}");
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&certs.read("other-ca.pem")).unwrap())
        .build()
        .unwrap();
    let wrong_ca = untrusting
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await;
    assert!(wrong_ca.is_err(), "{wrong_ca:?}");
}

#[tokio::test]
async fn a_missing_certificate_file_stops_start_up_naming_it() {
    let redis = RedisServer::start();
    let certs = Certs::generate();
    let mut s = test_settings(&redis.url());
    let mut tls = certs.listener(false);
    tls.key_file = certs.path("nope.key");
    s.parking_lot.tls = Some(tls);
    let e = Application::build(s).await.unwrap_err();
    let text = format!("{e:#}");
    assert!(
        text.contains("parking_lot.tls.key_file") && text.contains("nope.key"),
        "{text}"
    );
}

/// Settings on a TLS-only Redis, trusting its CA, with the client certificate when `cert`.
fn rediss_settings(redis: &TlsRedis, certs: &Certs, cert: bool) -> Settings {
    let mut s = test_settings(&redis.url());
    s.redis.tls = Some(RedisTls {
        ca_file: Some(certs.path("ca.pem")),
        cert_file: cert.then(|| certs.path("client.pem")),
        key_file: cert.then(|| certs.path("client.key")),
    });
    s
}

#[tokio::test]
async fn rediss_with_a_ca_file_and_a_client_certificate_commits_reports() {
    let certs = Certs::generate();
    let redis = TlsRedis::start(&certs, true);
    let app = run(rediss_settings(&redis, &certs, true)).await;

    let first = report_over(app.grpc, None).await;
    assert_eq!(first, Ok(pb::Outcome::Requeued));
    let ready = reqwest::get(format!("http://{}/readyz", app.admin))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    // The repaired copy is on the stream of that Redis, read over TLS by a client of our own.
    let tls = redis::TlsCertificates {
        client_tls: Some(redis::ClientTlsConfig {
            client_cert: certs.read("client.pem"),
            client_key: certs.read("client.key"),
        }),
        root_cert: Some(certs.read("ca.pem")),
    };
    let client = redis::Client::build_with_tls(redis.url(), tls).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let entries = await_stream(&mut conn, "orders", 1).await;
    assert!(entries[0]["payload"].contains("129.9"), "{entries:?}");
}

#[tokio::test]
async fn rediss_without_the_client_certificate_the_server_wants_is_not_ready() {
    let certs = Certs::generate();
    let redis = TlsRedis::start(&certs, true);
    let app = run(rediss_settings(&redis, &certs, false)).await;

    let report = report_over(app.grpc, None).await;
    assert!(
        report.as_ref().is_err_and(|e| e.contains("Unavailable")),
        "{report:?}"
    );
    let ready = reqwest::get(format!("http://{}/readyz", app.admin))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
}

#[tokio::test]
async fn a_missing_redis_ca_file_stops_start_up_naming_it() {
    let certs = Certs::generate();
    let redis = TlsRedis::start(&certs, false);
    let mut s = rediss_settings(&redis, &certs, false);
    s.redis.tls.as_mut().unwrap().ca_file = Some(certs.path("missing-ca.pem"));
    let e = Application::build(s).await.unwrap_err();
    let text = format!("{e:#}");
    assert!(
        text.contains("redis.tls.ca_file") && text.contains("missing-ca.pem"),
        "{text}"
    );
}
