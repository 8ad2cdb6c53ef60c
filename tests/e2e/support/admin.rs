//! Helpers for the parking lot's admin API (`salvage.v1.ParkingLot`): a client that sends a
//! bearer token, parking many messages at once over `ReportStream`, waiting for a bulk run to
//! end, paging through lists, reading stream entries with their ids, and reading metrics.

use std::{collections::HashMap, time::Duration};

use futures::StreamExt;
use salvage::proto::v1::{
    self as pb, parking_lot_client::ParkingLotClient, salvage_client::SalvageClient,
};
use tonic::{
    Request, Status,
    metadata::{Ascii, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::Channel,
};

use super::{OPERATOR, RunningApp, VIEWER, eventually, outcome};

/// The next event of a `WatchParked` stream, within 10 s.
pub async fn next_event(events: &mut tonic::Streaming<pb::ParkingLotEvent>) -> pb::ParkingLotEvent {
    tokio::time::timeout(Duration::from_secs(10), events.message())
        .await
        .expect("an event within 10s")
        .unwrap()
        .expect("the watch goes on")
}

/// Adds `authorization: Bearer <token>` to every call (or nothing, for the anonymous client).
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Interceptor for Bearer {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A parking lot client holding one token.
pub type Admin = ParkingLotClient<InterceptedService<Channel, Bearer>>;

/// A client of the parking lot API at `url` (`http://127.0.0.1:PORT`) that sends `token`.
pub async fn admin(url: &str, token: &str) -> Admin {
    connect_admin(url, Some(token)).await
}

/// A client of the parking lot API at `url` that sends no token at all.
pub async fn anonymous(url: &str) -> Admin {
    connect_admin(url, None).await
}

async fn connect_admin(url: &str, token: Option<&str>) -> Admin {
    let channel = Channel::from_shared(url.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the parking lot API at {url}: {e}"));
    let bearer = Bearer(token.map(|t| format!("Bearer {t}").parse().unwrap()));
    ParkingLotClient::with_interceptor(channel, bearer).max_decoding_message_size(64 << 20)
}

impl RunningApp {
    /// `http://<parking_addr>`.
    pub fn parking_url(&self) -> String {
        format!("http://{}", self.parking_addr)
    }

    /// A parking lot client with the operator token ("olivia").
    pub async fn operator(&self) -> Admin {
        admin(&self.parking_url(), OPERATOR).await
    }

    /// A parking lot client with the viewer token ("victor").
    pub async fn viewer(&self) -> Admin {
        admin(&self.parking_url(), VIEWER).await
    }

    /// Park every report (over one `ReportStream`), asserting each was parked; returns the
    /// tracking ids in request order.
    pub async fn park_all(&self, reqs: Vec<pb::ReportRequest>) -> Vec<String> {
        park_all(&self.client, reqs).await
    }
}

/// Send every report over one `ReportStream` and return the answers, in request order. Panics
/// on an answer carrying an error.
pub async fn report_all(
    client: &SalvageClient<Channel>,
    reqs: Vec<pb::ReportRequest>,
) -> Vec<pb::ReportResponse> {
    let n = reqs.len();
    let responses: Vec<pb::ReportResponse> = client
        .clone()
        .report_stream(futures::stream::iter(reqs))
        .await
        .unwrap()
        .into_inner()
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(responses.len(), n, "every report answered");
    for r in &responses {
        assert!(r.error.is_empty(), "report failed: {r:?}");
    }
    responses
}

/// Park every report over one `ReportStream`, asserting each was parked; returns the tracking
/// ids in request order.
pub async fn park_all(
    client: &SalvageClient<Channel>,
    reqs: Vec<pb::ReportRequest>,
) -> Vec<String> {
    report_all(client, reqs)
        .await
        .into_iter()
        .map(|r| {
            assert_eq!(outcome(&r), pb::Outcome::Parked, "{r:?}");
            r.tracking_id
        })
        .collect()
}

/// A selection by tracking ids.
pub fn by_ids<S: AsRef<str>>(ids: &[S]) -> Option<pb::Selection> {
    Some(pb::Selection {
        tracking_ids: ids.iter().map(|s| s.as_ref().to_owned()).collect(),
        filter: None,
    })
}

/// A selection by filter.
pub fn by_filter(filter: pb::ParkedFilter) -> Option<pb::Selection> {
    Some(pb::Selection {
        tracking_ids: Vec::new(),
        filter: Some(filter),
    })
}

/// A filter on one failure group.
pub fn group_filter(group: &str) -> pb::ParkedFilter {
    pb::ParkedFilter {
        group: group.to_owned(),
        ..Default::default()
    }
}

/// A filter on one origin queue.
pub fn queue_filter(queue: &str) -> pb::ParkedFilter {
    pb::ParkedFilter {
        queue: queue.to_owned(),
        ..Default::default()
    }
}

/// Every parked message matching `filter`, newest first, paging with `page_size` 1000 until the
/// server says there is no more.
pub async fn list_all(admin: &Admin, filter: pb::ParkedFilter) -> Vec<pb::ParkedSummary> {
    list_pages(admin, filter, false).await
}

/// Every archived message matching `filter`, most recently discarded first.
pub async fn list_archived(admin: &Admin, filter: pb::ParkedFilter) -> Vec<pb::ParkedSummary> {
    list_pages(admin, filter, true).await
}

async fn list_pages(
    admin: &Admin,
    filter: pb::ParkedFilter,
    archived: bool,
) -> Vec<pb::ParkedSummary> {
    let mut out = Vec::new();
    let mut token = String::new();
    for _ in 0..10_000 {
        let req = pb::ListParkedRequest {
            filter: Some(filter.clone()),
            page_size: 1000,
            page_token: token,
        };
        let page = if archived {
            admin.clone().list_archived(req).await
        } else {
            admin.clone().list_parked(req).await
        }
        .unwrap()
        .into_inner();
        out.extend(page.messages);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
    panic!("listing did not end after 10,000 pages");
}

/// The tracking ids of every parked message matching `filter`, newest first.
pub async fn list_ids(admin: &Admin, filter: pb::ParkedFilter) -> Vec<String> {
    list_all(admin, filter)
        .await
        .into_iter()
        .map(|s| s.tracking_id)
        .collect()
}

/// Every failure group (up to 1000), by count.
pub async fn groups(admin: &Admin) -> pb::ListGroupsResponse {
    admin
        .clone()
        .list_groups(pb::ListGroupsRequest {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// The count of a failure group (0 when it is not listed).
pub async fn group_count(admin: &Admin, group: &str) -> u64 {
    groups(admin)
        .await
        .groups
        .into_iter()
        .find(|g| g.group == group)
        .map_or(0, |g| g.count)
}

/// A parked (or archived) message, whole.
pub async fn get(admin: &Admin, tracking_id: &str) -> Result<pb::ParkedMessage, Status> {
    admin
        .clone()
        .get_parked(pb::GetParkedRequest {
            tracking_id: tracking_id.to_owned(),
            reveal: false,
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The audit entries naming `tracking_id`, newest first.
pub async fn audit_of(admin: &Admin, tracking_id: &str) -> Vec<pb::AuditEntry> {
    admin
        .clone()
        .list_audit(pb::ListAuditRequest {
            tracking_id: tracking_id.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries
}

/// A run's progress.
pub async fn get_run(admin: &Admin, run_id: &str) -> pb::Run {
    admin
        .clone()
        .get_run(pb::GetRunRequest {
            run_id: run_id.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Poll GetRun until `pred` holds (bounded by `limit`); panics with the last state otherwise.
pub async fn wait_run(
    admin: &Admin,
    run_id: &str,
    limit: Duration,
    pred: impl Fn(&pb::Run) -> bool,
) -> pb::Run {
    let last = std::sync::Mutex::new(None);
    let found = eventually(limit, || async {
        let run = get_run(admin, run_id).await;
        let ok = pred(&run);
        *last.lock().unwrap() = Some(run.clone());
        ok.then_some(run)
    })
    .await;
    found.unwrap_or_else(|| {
        panic!(
            "run {run_id} did not reach the expected state within {limit:?}; last: {:?}",
            last.lock().unwrap()
        )
    })
}

/// Whether a run has ended (COMPLETED, CANCELLED or STOPPED).
pub fn is_final(run: &pb::Run) -> bool {
    use pb::run::State;
    matches!(
        run.state(),
        State::Completed | State::CompletedWithFailures | State::Cancelled | State::Stopped
    )
}

/// Poll GetRun until the run is in `state` (bounded by `limit`).
pub async fn wait_state(
    admin: &Admin,
    run_id: &str,
    state: pb::run::State,
    limit: Duration,
) -> pb::Run {
    wait_run(admin, run_id, limit, |r| r.state() == state).await
}

/// One stream entry with its id (`<ms>-<seq>`).
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub fields: HashMap<String, String>,
}

impl Entry {
    /// The millisecond timestamp of the entry id (when Redis added it).
    pub fn millis(&self) -> u64 {
        self.id.split('-').next().unwrap().parse().unwrap()
    }

    /// The `headers` field, parsed.
    pub fn headers(&self) -> HashMap<String, String> {
        serde_json::from_str(&self.fields["headers"]).unwrap()
    }
}

/// The entries of a stream, with their ids, oldest first.
pub async fn entries(conn: &redis::aio::MultiplexedConnection, queue: &str) -> Vec<Entry> {
    use redis::AsyncCommands;
    let reply: redis::streams::StreamRangeReply = conn.clone().xrange_all(queue).await.unwrap();
    reply
        .ids
        .into_iter()
        .map(|e| Entry {
            id: e.id,
            fields: e
                .map
                .into_iter()
                .map(|(k, v)| (k, redis::from_redis_value::<String>(v).unwrap()))
                .collect(),
        })
        .collect()
}

/// `/metrics` text from an admin base URL.
pub async fn metrics_at(admin_url: &str) -> String {
    reqwest::get(format!("{admin_url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of one series in Prometheus text, e.g. `salvage_archived_messages` or
/// `salvage_parking_lot_expired_total{stage="parked"}`.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(series)?;
        rest.strip_prefix(' ')?.trim().parse().ok()
    })
}

/// Wait (bounded, 10 s) until `series` satisfies `pred` on `/metrics`; returns its value.
pub async fn await_metric(admin_url: &str, series: &str, pred: impl Fn(f64) -> bool) -> f64 {
    let last = std::sync::Mutex::new(String::new());
    eventually(Duration::from_secs(10), || async {
        let text = metrics_at(admin_url).await;
        let value = metric(&text, series);
        *last.lock().unwrap() = text;
        value.filter(|v| pred(*v))
    })
    .await
    .unwrap_or_else(|| {
        let text = last.lock().unwrap();
        let related: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with(series.split('{').next().unwrap()))
            .collect();
        panic!("{series} did not reach the expected value within 10s; got {related:?}")
    })
}

/// `used_memory` from Redis `INFO memory`.
pub async fn used_memory(conn: &redis::aio::MultiplexedConnection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut conn.clone())
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Parsed headers of a report, for passing a copy's headers back as a consumer would.
pub fn headers_of(entry: &HashMap<String, String>) -> HashMap<String, String> {
    serde_json::from_str(&entry["headers"]).unwrap()
}
