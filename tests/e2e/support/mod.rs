//! Shared helpers: a private redis-server (or Sentinel deployment, or Redis Cluster) per test,
//! a fresh Salvage per test (`spawn_app`), and builders for realistic reports.

#![allow(dead_code, reason = "shared by many tests; each uses part of it")]

pub mod admin;
pub mod browser;
pub mod certs;
pub mod cluster;
pub mod ports;
pub mod process;
pub mod prometheus;
pub mod redis_server;
pub mod sentinel;

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use redis::AsyncCommands;
use salvage::{
    config::{DestinationSettings, Settings},
    proto::v1::{self as pb, salvage_client::SalvageClient},
    shutdown::Shutdown,
    startup::Application,
};
use salvage_model::{Clock, ManualClock, SystemClock};
use tonic::transport::Channel;

pub use self::{process::Process, redis_server::RedisServer};

/// The example rules shipped in the repository.
pub fn example_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/rules.toml")
}

/// Settings for a test: every listener on 127.0.0.1:0 (the OS gives each a free port), the given
/// Copies the schema files the example rules name (`examples/schemas/`) into `dir/schemas/`,
/// for a test that writes the example rules, or rules built on them, into `dir`.
pub fn copy_example_schemas(dir: &std::path::Path) {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/schemas");
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("schemas").join(entry.file_name())).unwrap();
    }
}

/// Redis, the example rules, fast relay and stats.
pub fn test_settings(redis_url: &str) -> Settings {
    let mut s = Settings::default();
    s.server.grpc_addr = "127.0.0.1:0".parse().unwrap();
    s.admin.addr = "127.0.0.1:0".parse().unwrap();
    s.redis.url = redis_url.to_owned();
    s.redis.response_timeout = Duration::from_millis(500);
    s.redis.connect_timeout = Duration::from_millis(500);
    s.rules.path = example_rules();
    s.relay.poll_interval = Duration::from_millis(20);
    s.relay.stats_interval = Duration::from_millis(50);
    s.server.shutdown_grace = Duration::from_secs(5);
    s.parking_lot.addr = "127.0.0.1:0".parse().unwrap();
    s.parking_lot.run_lease = Duration::from_secs(1);
    s.redis.buckets = test_buckets();
    s.parking_lot.tokens = vec![
        token(OPERATOR, "olivia", salvage::config::Role::Operator),
        token(VIEWER, "victor", salvage::config::Role::Viewer),
    ];
    s
}

/// `SALVAGE_TEST_BUCKETS=n` runs the tests with their state in `n` buckets (`redis.buckets`):
/// `.ci/run` runs the parking-lot suites a second time so.
pub fn test_buckets() -> Option<u32> {
    std::env::var("SALVAGE_TEST_BUCKETS")
        .ok()
        .and_then(|n| n.parse().ok())
}

/// The keys of the bucket a tracking id was minted in, under the default prefix and the test
/// settings' number of buckets (`SALVAGE_TEST_BUCKETS`).
pub fn bucket_keys(tracking_id: &str) -> salvage::store::Keys {
    let layout = salvage::store::Layout::new("{salvage}", test_buckets().unwrap_or(1));
    let b = layout.of_tracking_id(tracking_id).unwrap_or(0);
    layout.bucket(b).clone()
}

/// The test settings' buckets (`SALVAGE_TEST_BUCKETS`, else one), under the default prefix.
pub fn test_layout() -> salvage::store::Layout {
    salvage::store::Layout::new("{salvage}", test_buckets().unwrap_or(1))
}

/// Members of a parking-lot index (`index` names it in one bucket), summed over the test
/// settings' buckets.
pub async fn index_len(
    conn: &mut (impl redis::aio::ConnectionLike + Send),
    index: impl Fn(&salvage::store::Keys) -> String,
) -> usize {
    let mut n = 0;
    for (_, keys) in test_layout().buckets() {
        let k: usize = redis::cmd("ZCARD")
            .arg(index(keys))
            .query_async(conn)
            .await
            .unwrap();
        n += k;
    }
    n
}

/// The operator token of the test settings (its name is "olivia").
pub const OPERATOR: &str = "operator-token-1";
/// The viewer token of the test settings (its name is "victor").
pub const VIEWER: &str = "viewer-token-1";

fn token(token: &str, name: &str, role: salvage::config::Role) -> salvage::config::TokenSettings {
    salvage::config::TokenSettings {
        name: name.to_owned(),
        role,
        token: Some(token.to_owned()),
        token_sha256: None,
    }
}

/// Requeues through the outbox and the relay instead of inline.
pub fn use_outbox(s: &mut Settings) {
    for d in s.destinations.values_mut() {
        if let DestinationSettings::RedisStreams(r) = d {
            r.inline = false;
        }
    }
}

/// A Salvage running in this process, on the ports its settings name (the test settings bind
/// 127.0.0.1:0, so each listener gets a free port from the OS and `Application` reports it: no
/// port is picked and released first). Dropping it triggers its shutdown without waiting;
/// [`RunningApp::stop`] waits for it.
pub struct RunningApp {
    /// Its Salvage gRPC API (reports).
    pub grpc_addr: SocketAddr,
    /// `http://` and its admin HTTP address (`/metrics`, `/readyz`, the console).
    pub admin_url: String,
    /// `http://` and where the console is served: the admin port, or `console.addr`.
    pub console_url: String,
    /// Its parking lot's admin gRPC API.
    pub parking_addr: SocketAddr,
    client: SalvageClient<Channel>,
    shutdown: Shutdown,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl RunningApp {
    /// Build and run a Salvage in this process from `settings`, connected to its gRPC API.
    pub async fn start(settings: Settings) -> Self {
        Self::start_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`RunningApp::start`], its times read from `clock`.
    pub async fn start_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Self {
        let app = Application::build_with_clock(settings, clock)
            .await
            .expect("application builds");
        let grpc_addr = app.grpc_addr();
        let admin_url = format!("http://{}", app.admin_addr());
        let console_url = format!("http://{}", app.console_addr());
        let parking_addr = app.parking_lot_addr();
        let shutdown = app.shutdown_handle();
        let handle = tokio::spawn(app.run_until_stopped());
        let client = SalvageClient::connect(format!("http://{grpc_addr}"))
            .await
            .expect("grpc connects");
        Self {
            grpc_addr,
            admin_url,
            console_url,
            parking_addr,
            client,
            shutdown,
            handle: Some(handle),
        }
    }

    /// A client of its Salvage API (a clone sharing one connection: cheap).
    pub fn client(&self) -> SalvageClient<Channel> {
        self.client.clone()
    }

    /// Trigger its shutdown without waiting for it (see [`RunningApp::stop`]).
    pub fn shutdown(&self) {
        self.shutdown.trigger();
    }

    /// Stop it gracefully and wait until it has; panics unless it stopped cleanly. Stopping it
    /// again does nothing.
    pub async fn stop(&mut self) {
        self.shutdown.trigger();
        if let Some(h) = self.handle.take() {
            h.await.expect("app task").expect("app stopped cleanly");
        }
    }

    /// Waits (bounded, 30 s) until the stats poller has run once with Redis answering
    /// (`salvage_redis_up 1`): from then on it knows which servers hold Salvage's keys, so a
    /// failover after this is counted in `salvage_redis_primary_changes_total`.
    pub async fn await_stats_polled(&self) {
        let seen = eventually(Duration::from_secs(30), || async {
            let text = self.metrics().await;
            text.lines()
                .any(|l| l == "salvage_redis_up 1")
                .then_some(())
        })
        .await;
        assert!(
            seen.is_some(),
            "the stats poller did not see Redis up within 30 s"
        );
    }

    /// Waits (bounded, 30 s) until `salvage_redis_primary_changes_total` reaches `at_least`,
    /// and returns it.
    pub async fn await_primary_changes(&self, at_least: u64) -> u64 {
        let seen = eventually(Duration::from_secs(30), || async {
            let text = self.metrics().await;
            let n: u64 = text
                .lines()
                .find_map(|l| l.strip_prefix("salvage_redis_primary_changes_total "))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map_or(0, |v| v as u64);
            (n >= at_least).then_some(n)
        })
        .await;
        seen.unwrap_or_else(|| panic!("salvage_redis_primary_changes_total below {at_least}"))
    }

    /// `/metrics` text.
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.admin_url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// A running Salvage with its own Redis. The Salvage's fields and methods ([`RunningApp`]:
/// `client()`, `grpc_addr`, `admin_url`, `parking_addr`, `stop()`, ...) are reached through it.
pub struct TestApp {
    /// Declared first, so it is told to stop before its Redis is killed.
    salvage: RunningApp,
    pub redis: RedisServer,
    pub conn: redis::aio::MultiplexedConnection,
}

impl std::ops::Deref for TestApp {
    type Target = RunningApp;

    fn deref(&self) -> &RunningApp {
        &self.salvage
    }
}

impl std::ops::DerefMut for TestApp {
    fn deref_mut(&mut self) -> &mut RunningApp {
        &mut self.salvage
    }
}

/// A fresh Redis and a fresh Salvage with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A fresh Redis and a fresh Salvage, settings adjusted by `f`.
pub async fn spawn_app_with(f: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with_clock(Arc::new(SystemClock), f).await
}

/// A clock for [`spawn_app_with_clock`] that shows the wall clock's time and stands still until
/// the test moves it (`advance`): events a test needs in distinct milliseconds are one
/// `advance` apart, not a sleep. Whatever the application times by it (retries, run leases,
/// canaries, retention) waits for the test too.
pub fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(salvage_model::now_ms()))
}

/// A fresh Redis and a fresh Salvage reading its times from `clock` (see [`manual_clock`]),
/// settings adjusted by `f`.
pub async fn spawn_app_with_clock(clock: Arc<dyn Clock>, f: impl FnOnce(&mut Settings)) -> TestApp {
    let redis = RedisServer::start();
    let mut settings = test_settings(&redis.url());
    f(&mut settings);
    let salvage = RunningApp::start_with_clock(settings, clock).await;
    let conn = connect(&redis.url()).await;
    TestApp {
        salvage,
        redis,
        conn,
    }
}

/// A multiplexed connection to a Redis.
pub async fn connect(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

impl TestApp {
    /// The entries of stream `queue`, as (field → value) maps, oldest first.
    pub async fn stream(&self, queue: &str) -> Vec<HashMap<String, String>> {
        read_stream(&mut self.conn.clone(), queue).await
    }

    /// Wait until stream `queue` holds at least `n` entries (bounded), and return them.
    pub async fn await_stream(&self, queue: &str, n: usize) -> Vec<HashMap<String, String>> {
        await_stream(&mut self.conn.clone(), queue, n).await
    }

    /// A parked record.
    pub async fn parked(&self, tracking_id: &str) -> HashMap<String, String> {
        self.conn
            .clone()
            .hgetall(bucket_keys(tracking_id).parked(tracking_id))
            .await
            .unwrap()
    }
}

/// A consumer's loop for one message: report `order_total_as_string(id)` until Salvage gives an
/// answer (UNAVAILABLE and INTERNAL are "report again later", as the README tells consumers;
/// each is counted in `unavailable`). Panics after 90 s without one.
pub async fn report_until_answered(
    client: &mut SalvageClient<Channel>,
    id: &str,
    unavailable: &std::sync::atomic::AtomicUsize,
) -> pb::Outcome {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        match client.report(order_total_as_string(id)).await {
            Ok(resp) => return outcome(&resp.into_inner()),
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::Unavailable | tonic::Code::Internal
                ) =>
            {
                unavailable.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                assert!(
                    std::time::Instant::now() < deadline,
                    "{id}: still no answer after 90 s: {status:?}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => panic!("{id}: {status:?}"),
        }
    }
}

/// What a failover under load did: messages answered, and those answered but missing afterwards
/// (on the new primary, or from the stream), with how long before the kill each was answered.
pub struct Failover {
    pub answered: usize,
    pub lost: Vec<(String, Duration)>,
}

impl Failover {
    /// Without a replica wait: asserts that whatever was lost was answered within the second
    /// before the kill (asynchronous replication), and prints how much was.
    pub fn assert_only_the_last_moments_lost(&self, what: &str) {
        let late: Vec<&(String, Duration)> = self
            .lost
            .iter()
            .filter(|(_, before_kill)| *before_kill > Duration::from_secs(1))
            .collect();
        assert!(
            late.is_empty(),
            "{what}: lost although answered over 1 s before the kill: {late:?}"
        );
        eprintln!(
            "{what}: {} of {} answered messages lost",
            self.lost.len(),
            self.answered
        );
    }
}

/// The entries of a stream.
pub async fn read_stream(
    conn: &mut (impl redis::aio::ConnectionLike + Send + Sync),
    queue: &str,
) -> Vec<HashMap<String, String>> {
    let reply: redis::streams::StreamRangeReply = conn.xrange_all(queue).await.unwrap();
    reply
        .ids
        .into_iter()
        .map(|e| {
            e.map
                .into_iter()
                .map(|(k, v)| (k, redis::from_redis_value::<String>(v).unwrap()))
                .collect()
        })
        .collect()
}

/// Wait (bounded, 10 s) until a stream holds at least `n` entries.
pub async fn await_stream(
    conn: &mut redis::aio::MultiplexedConnection,
    queue: &str,
    n: usize,
) -> Vec<HashMap<String, String>> {
    eventually(Duration::from_secs(10), || async {
        let entries = read_stream(&mut conn.clone(), queue).await;
        (entries.len() >= n).then_some(entries)
    })
    .await
    .unwrap_or_else(|| panic!("stream {queue} did not reach {n} entries within 10s"))
}

/// Poll `f` every 10 ms until it returns `Some`, or `None` after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A report builder.
pub fn report(
    id: &str,
    queue: &str,
    event_type: &str,
    class: pb::ErrorClass,
    code: &str,
    message: &str,
    payload: &str,
) -> pb::ReportRequest {
    pb::ReportRequest {
        message: Some(pb::FailedMessage {
            id: id.to_owned(),
            origin: Some(pb::Origin {
                destination: "redis".to_owned(),
                queue: queue.to_owned(),
                partition_key: String::new(),
            }),
            payload: payload.as_bytes().to_vec(),
            content_type: "application/json".to_owned(),
            headers: HashMap::new(),
            event_type: event_type.to_owned(),
        }),
        failure: Some(pb::Failure {
            class: class.into(),
            code: code.to_owned(),
            message: message.to_owned(),
            consumer: "billing".to_owned(),
            delivery_attempt: 1,
            detail: String::new(),
            retry_after: None,
        }),
    }
}

/// An order whose total was sent as a string: the example rule `order-total-as-string`
/// repairs it.
pub fn order_total_as_string(id: &str) -> pb::ReportRequest {
    report(
        id,
        "orders",
        "OrderPlaced",
        pb::ErrorClass::Data,
        "INVALID_TYPE",
        "total must be a number",
        &format!(r#"{{"order_id":"{id}","total":"129.90","currency":"EUR"}}"#),
    )
}

/// A payment that timed out at the gateway: the example rule `payment-gateway-timeout`
/// schedules a retry (500 ms initial backoff, ×2, jitter 0.1, max 6 attempts).
pub fn gateway_timeout(id: &str) -> pb::ReportRequest {
    report(
        id,
        "payments",
        "PaymentRequested",
        pb::ErrorClass::Transient,
        "GATEWAY_TIMEOUT",
        "gateway did not answer within 5s",
        &format!(r#"{{"payment_id":"{id}","amount_cents":12990,"method":"card"}}"#),
    )
}

/// A payment declined by fraud screening: the example rule `payment-fraud-declined` parks it.
pub fn fraud_declined(id: &str) -> pb::ReportRequest {
    report(
        id,
        "payments",
        "PaymentCaptured",
        pb::ErrorClass::Data,
        "FRAUD_DECLINED",
        &format!("payment {id} declined by screening (score 0.97)"),
        &format!(r#"{{"payment_id":"{id}","amount_cents":990}}"#),
    )
}

/// A shipment no example rule knows: parked with "no rule matched".
pub fn shipment(id: &str, payload: &str) -> pb::ReportRequest {
    report(
        id,
        "shipments",
        "Shipped",
        pb::ErrorClass::Data,
        "ADDRESS_INVALID",
        "the shipping address is incomplete",
        payload,
    )
}

/// The outcome of a response, by name.
pub fn outcome(resp: &pb::ReportResponse) -> pb::Outcome {
    pb::Outcome::try_from(resp.outcome).unwrap()
}

/// The message of a report being built.
pub fn message(r: &mut pb::ReportRequest) -> &mut pb::FailedMessage {
    r.message.as_mut().unwrap()
}

/// The origin of a report being built.
pub fn origin(r: &mut pb::ReportRequest) -> &mut pb::Origin {
    message(r).origin.as_mut().unwrap()
}

/// The history of the message whose state's history holds `tracking_id` (any bucket), as
/// JSON values, oldest first; panics when no message state holds it.
pub async fn history_holding(
    conn: &redis::aio::MultiplexedConnection,
    tracking_id: &str,
) -> Vec<serde_json::Value> {
    let mut conn = conn.clone();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*:msg:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    for key in keys {
        let history: Option<String> = redis::cmd("HGET")
            .arg(&key)
            .arg("history")
            .query_async(&mut conn)
            .await
            .unwrap();
        if let Some(h) = history.filter(|h| h.contains(tracking_id)) {
            // Stored as the entries, comma-separated (the script appends to it).
            return serde_json::from_str(&format!("[{h}]")).unwrap();
        }
    }
    panic!("no message state holds {tracking_id}");
}

/// Sign in to the console with the operator token: the session cookie.
pub async fn console_sign_in(app: &TestApp) -> String {
    let r = reqwest::Client::new()
        .post(format!("{}/console/api/session", app.console_url))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "token": OPERATOR }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "sign-in");
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// `GET /console/api/<path>` with the session `cookie`: its JSON.
pub async fn console_get(
    app: &TestApp,
    cookie: &str,
    path: &str,
    query: &[(&str, &str)],
) -> serde_json::Value {
    let r = reqwest::Client::new()
        .get(format!("{}/console/api/{path}", app.console_url))
        .query(query)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}
