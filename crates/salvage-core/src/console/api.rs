//! The console's JSON API (`{path}/api/...`, see `docs/console-api.md`): thin handlers over the
//! parking lot, which does the work and writes the audit log; this file checks the session,
//! reads the request and masks what it answers.

use std::{collections::HashMap, convert::Infallible, time::Duration};

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_stream::wrappers::BroadcastStream;

use super::{ApiError, ConsoleState, parse_json, session::Need, view};
use crate::parking::{
    Filter, ParkingError, Selection,
    actions::Edit,
    list::GroupSort,
    runs::{Redrive, RunState},
};

/// Listing page sizes.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;
/// Tracking ids a dry run answers with.
const DRY_RUN_IDS: usize = 20;

type Q = Query<HashMap<String, String>>;

fn q<'a>(query: &'a HashMap<String, String>, k: &str) -> &'a str {
    query.get(k).map_or("", |v| v.trim())
}

fn limit(query: &HashMap<String, String>) -> Result<usize, ApiError> {
    match q(query, "limit") {
        "" => Ok(DEFAULT_PAGE),
        v => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::bad(format!("limit: a number from 1 to {MAX_PAGE}"))),
    }
}

fn millis(query: &HashMap<String, String>, k: &'static str) -> Result<Option<u64>, ApiError> {
    match q(query, k) {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::bad(format!("{k}: milliseconds since the epoch"))),
    }
}

fn filter_from(query: &HashMap<String, String>) -> Result<Filter, ApiError> {
    Ok(Filter {
        queue: q(query, "queue").to_owned(),
        group: q(query, "group").to_owned(),
        error_code: q(query, "code").to_owned(),
        event_type: q(query, "event_type").to_owned(),
        after_ms: millis(query, "since")?,
        before_ms: millis(query, "until")?,
        text: query.get("text").cloned().unwrap_or_default(),
        ..Filter::default()
    })
}

/// `GET /api/overview`.
pub(super) async fn overview(State(s): State<ConsoleState>, headers: HeaderMap) -> Response {
    reply(async {
        s.session(&headers, Need::Read).await?;
        let store = s.lot.store();
        let names = s.lot.destinations().names();
        let stats = store.stats(&names, 20, 0).await?;
        let hour = store.outcome_counts(salvage_model::now_ms(), 60).await?;
        let (groups, _) = s.lot.groups(GroupSort::Count, "", 10).await?;
        let runs = s.lot.runs(10).await?;
        let active = |st: RunState| {
            matches!(
                st,
                RunState::Running | RunState::CanaryWait | RunState::Delivering
            )
        };
        let mut shown: Vec<_> = runs.iter().filter(|r| active(r.state)).collect();
        shown.extend(runs.iter().filter(|r| !active(r.state)).take(5));
        let outbox: Vec<Value> = stats
            .outbox
            .iter()
            .map(|(d, pending)| {
                // true, false, or null: a broker not tried yet (Redis Streams is always up).
                let up = match s.lot.destinations().get(d).and_then(|d| d.health()) {
                    Some(h) => h.up,
                    None => Some(true),
                };
                json!({"destination": d, "pending": pending, "up": up})
            })
            .collect();
        Ok(Json(json!({
            "parked": stats.parked,
            "archived": stats.archived,
            "oldest_parked_at": stats.oldest_parked_ms.unwrap_or(0),
            "last_hour": {
                "parked": hour.parked,
                "requeued": hour.requeued,
                "repaired": hour.repaired,
                "retried": hour.retried,
                "resubmitted": hour.resubmitted,
            },
            "origins": stats.parked_by_queue.iter()
                .map(|(queue, parked)| json!({"queue": queue, "parked": parked}))
                .collect::<Vec<_>>(),
            "outbox": outbox,
            "top_groups": groups.iter().map(view::group).collect::<Vec<_>>(),
            "runs": shown.into_iter().map(view::run).collect::<Vec<_>>(),
        })))
    })
    .await
}

/// `GET /api/groups`.
pub(super) async fn groups(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    Query(query): Q,
) -> Response {
    reply(async {
        s.session(&headers, Need::Read).await?;
        let sort = match q(&query, "sort") {
            "" | "count" => GroupSort::Count,
            "recent" => GroupSort::Recent,
            other => return Err(ApiError::bad(format!("sort {other:?}: count or recent"))),
        };
        let (groups, total) = s
            .lot
            .groups(sort, q(&query, "queue"), limit(&query)?)
            .await?;
        Ok(Json(json!({
            "groups": groups.iter().map(view::group).collect::<Vec<_>>(),
            "total": total,
        })))
    })
    .await
}

/// `GET /api/messages`.
pub(super) async fn messages(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    Query(query): Q,
) -> Response {
    reply(async {
        s.session(&headers, Need::Read).await?;
        let archived = matches!(q(&query, "archived"), "true" | "1");
        let filter = filter_from(&query)?;
        let page = s
            .lot
            .list(&filter, archived, limit(&query)?, q(&query, "page_token"))
            .await?;
        Ok(Json(json!({
            "messages": page.records.iter()
                .map(|r| view::summary(r, s.lot.redactor()))
                .collect::<Vec<_>>(),
            "next_page_token": page.next.map(|c| c.token()).unwrap_or_default(),
            "total_in_index": page.total_in_index,
        })))
    })
    .await
}

/// `GET /api/messages/{tid}`.
pub(super) async fn message(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    Path(tid): Path<String>,
) -> Response {
    reply(async {
        s.session(&headers, Need::Read).await?;
        let r = s.lot.get(&tid).await?;
        Ok(Json(view::detail(&r, s.lot.redactor(), false)))
    })
    .await
}

/// `POST /api/messages/{tid}/reveal`: the message without masks; audited.
pub(super) async fn reveal(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    Path(tid): Path<String>,
) -> Response {
    reply(async {
        let session = s.session(&headers, Need::Change).await?;
        let r = s.lot.get(&tid).await?;
        s.lot.audit_reveal(&session.caller, &tid).await?;
        tracing::info!(actor = %session.caller.name, tracking_id = %tid, "masked values revealed");
        Ok(Json(view::detail(&r, s.lot.redactor(), true)))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct EditRequest {
    payload: String,
    version: u64,
    #[serde(default)]
    comment: String,
}

/// `POST /api/messages/{tid}/edit`.
pub(super) async fn edit(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    Path(tid): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    reply(async {
        let session = s.session(&headers, Need::Change).await?;
        let req: EditRequest = parse_json(&body)?;
        let current = s.lot.get(&tid).await?;
        if current.archived.is_some() {
            return Err(ApiError::bad(
                "this message is archived: restore it before editing",
            ));
        }
        // Sent as typed (a re-serialisation would rewrite numbers such as 12.30); the parking
        // lot refuses what is not JSON for a JSON content type (400, naming the field), as for
        // EditParked and the CLI; a mask left in place keeps the stored value.
        let payload = req.payload.into_bytes();
        let edit = Edit {
            tracking_id: tid.clone(),
            expected_version: req.version,
            payload: Some(payload),
            headers: None,
            comment: req.comment,
        };
        match s.lot.edit(&session.caller, &edit).await {
            Ok(r) => Ok(Json(view::detail(&r, s.lot.redactor(), false)).into_response()),
            Err(ParkingError::Aborted(m)) => {
                let now = s.lot.get(&tid).await.map(|r| r.version).unwrap_or(0);
                Ok((
                    StatusCode::CONFLICT,
                    Json(json!({"error": m, "current_version": now})),
                )
                    .into_response())
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterBody {
    #[serde(default)]
    queue: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    since: Option<u64>,
    #[serde(default)]
    until: Option<u64>,
    #[serde(default)]
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkRequest {
    #[serde(default)]
    tracking_ids: Vec<String>,
    #[serde(default)]
    group: String,
    #[serde(default)]
    filter: Option<FilterBody>,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reason: String,
    /// For a resubmit: the count the operator confirmed; refused when the selection changed.
    #[serde(default)]
    expected_count: Option<u64>,
    /// For a resubmit: messages per second, 0 for no limit. Default: see [`Redrive`] below.
    #[serde(default)]
    rate_per_second: Option<f64>,
    /// For a resubmit: how many go first (then a wait), 0 for no canary.
    #[serde(default)]
    canary: Option<u64>,
    /// For a resubmit: the wait after the canary, in seconds.
    #[serde(default)]
    canary_wait_seconds: Option<u64>,
}

/// A group or filter resubmit from the console goes at this rate unless the operator chose
/// another (never at full speed by default: a whole group can be tens of thousands).
pub(super) const DEFAULT_RATE_PER_SECOND: f64 = 50.0;
/// ... and, when it holds more than [`CANARY_ABOVE`] messages, starts with a canary this size.
pub(super) const DEFAULT_CANARY: u64 = 20;
/// See [`DEFAULT_CANARY`].
pub(super) const CANARY_ABOVE: u64 = 100;
/// The wait after the default canary.
pub(super) const DEFAULT_CANARY_WAIT_SECONDS: u64 = 60;

/// The redrive options of a console resubmit.
#[derive(Debug, Clone, Copy, Serialize)]
struct RedriveBody {
    rate_per_second: f64,
    canary: u64,
    canary_wait_seconds: u64,
}

impl BulkRequest {
    /// What the operator chose, else the defaults: for messages picked by id, none (full
    /// speed, as before); for a group or filter, a rate, and a canary when it is large. The
    /// API's auto-stop (too many resubmitted messages failing again) is always on.
    fn redrive(&self, count: u64) -> RedriveBody {
        let by_ids = !self.tracking_ids.is_empty();
        RedriveBody {
            rate_per_second: self.rate_per_second.unwrap_or(if by_ids {
                0.0
            } else {
                DEFAULT_RATE_PER_SECOND
            }),
            canary: self.canary.unwrap_or(if by_ids || count <= CANARY_ABOVE {
                0
            } else {
                DEFAULT_CANARY
            }),
            canary_wait_seconds: self
                .canary_wait_seconds
                .unwrap_or(DEFAULT_CANARY_WAIT_SECONDS),
        }
    }
}

impl BulkRequest {
    fn selection(&self) -> Result<Selection, ApiError> {
        let mut filter = self
            .filter
            .as_ref()
            .map_or_else(Filter::default, |f| Filter {
                queue: f.queue.clone(),
                group: f.group.clone(),
                error_code: f.code.clone(),
                event_type: f.event_type.clone(),
                after_ms: f.since,
                before_ms: f.until,
                text: f.text.clone(),
                ..Filter::default()
            });
        if !self.group.is_empty() {
            filter.group.clone_from(&self.group);
        }
        if self.tracking_ids.is_empty() && filter.is_empty() {
            return Err(ApiError::bad(
                "select messages: give tracking_ids, a group or a filter",
            ));
        }
        Ok(Selection {
            tracking_ids: self.tracking_ids.clone(),
            filter,
        })
    }
}

#[derive(Debug, Serialize)]
struct Counted {
    count: u64,
    /// A resubmit's redrive options (the defaults in a dry run, for the page to show).
    #[serde(skip_serializing_if = "Option::is_none")]
    redrive: Option<RedriveBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tracking_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_moved: Vec<Value>,
}

/// `POST /api/resubmit`: resubmit a selection (a bulk run), or count it with `dry_run`.
pub(super) async fn resubmit(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    reply(async {
        let session = s.session(&headers, Need::Change).await?;
        let req: BulkRequest = parse_json(&body)?;
        let selection = req.selection()?;
        // The count now: checked against the one the operator confirmed, and it decides
        // whether the default redrive has a canary.
        let mut count = 0;
        if !req.dry_run {
            count = s.lot.select(&selection, false).await?.len() as u64;
            if let Some(confirmed) = req.expected_count.filter(|c| *c != count) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    format!(
                        "the selection now holds {count} parked messages, not the {confirmed} \
                         you confirmed: nothing was resubmitted; look again and confirm"
                    ),
                ));
            }
        }
        let mut redrive = req.redrive(count);
        let started = s
            .lot
            .resubmit(
                &session.caller,
                &selection,
                Redrive {
                    rate_per_second: redrive.rate_per_second,
                    canary: redrive.canary,
                    canary_wait: Duration::from_secs(redrive.canary_wait_seconds),
                    ..Redrive::default()
                },
                req.dry_run,
                &req.comment,
            )
            .await?;
        if req.dry_run {
            redrive = req.redrive(started.matched);
        }
        Ok(Json(Counted {
            count: started.matched,
            redrive: Some(redrive),
            tracking_ids: if req.dry_run {
                started
                    .sample
                    .iter()
                    .take(DRY_RUN_IDS)
                    .map(|r| r.tracking_id.clone())
                    .collect()
            } else {
                Vec::new()
            },
            run_id: started.run.map(|r| r.id),
            not_moved: Vec::new(),
        }))
    })
    .await
}

/// `POST /api/discard`: archive a selection, with a reason.
pub(super) async fn discard(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    move_selection(&s, &headers, &body, Move::Discard).await
}

/// `POST /api/restore`: bring archived messages back.
pub(super) async fn restore(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    move_selection(&s, &headers, &body, Move::Restore).await
}

/// Which way a selection moves between the parking lot and the archive.
#[derive(Clone, Copy)]
enum Move {
    Discard,
    Restore,
}

async fn move_selection(s: &ConsoleState, headers: &HeaderMap, body: &[u8], way: Move) -> Response {
    reply(async {
        let session = s.session(headers, Need::Change).await?;
        let req: BulkRequest = parse_json(body)?;
        let selection = req.selection()?;
        let moved = match way {
            Move::Discard => {
                s.lot
                    .discard(&session.caller, &selection, &req.reason, req.dry_run)
                    .await?
            }
            Move::Restore => {
                s.lot
                    .restore(&session.caller, &selection, &req.comment, req.dry_run)
                    .await?
            }
        };
        Ok(Json(counted_moves(moved)))
    })
    .await
}

fn counted_moves(moved: crate::parking::actions::Moved) -> Counted {
    Counted {
        count: moved.moved,
        redrive: None,
        tracking_ids: Vec::new(),
        run_id: None,
        not_moved: moved
            .not_moved
            .into_iter()
            .map(|(tracking_id, why)| json!({"tracking_id": tracking_id, "why": why}))
            .collect(),
    }
}

/// `GET /api/runs/{id}`.
pub(super) async fn run(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    reply(async {
        s.session(&headers, Need::Read).await?;
        Ok(Json(view::run(&s.lot.run(&id).await?)))
    })
    .await
}

/// `GET /api/audit`.
pub(super) async fn audit(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    Query(query): Q,
) -> Response {
    reply(async {
        s.session(&headers, Need::Read).await?;
        let (entries, next) = s
            .lot
            .audit_log(
                q(&query, "actor"),
                q(&query, "tracking_id"),
                q(&query, "page_token"),
                limit(&query)?,
            )
            .await?;
        Ok(Json(json!({
            "entries": entries.iter().map(|e| view::audit(e, s.lot.redactor())).collect::<Vec<_>>(),
            "next_page_token": next,
        })))
    })
    .await
}

/// How often an open event stream checks that its session still holds.
const SESSION_RECHECK: Duration = Duration::from_secs(30);

/// `GET /api/events`: parking-lot events as Server-Sent Events, until the client leaves, its
/// session ends (checked every 30 s) or the process stops (an open stream must not hold up a
/// graceful shutdown).
pub(super) async fn events(State(s): State<ConsoleState>, headers: HeaderMap) -> Response {
    if let Err(e) = s.session(&headers, Need::Read).await {
        return e.into_response();
    }
    let mut stop = s.shutdown.clone();
    let watch = s.clone();
    let session_gone = async move {
        loop {
            tokio::time::sleep(SESSION_RECHECK).await;
            if let Err(e) = watch.session(&headers, Need::Read).await
                && e.status == StatusCode::UNAUTHORIZED
            {
                return;
            }
        }
    };
    let subscribed = s.hub.subscribe();
    // Once the tail follows the stream (or after 5 s), as for WatchParked.
    s.hub.ready(std::time::Duration::from_secs(5)).await;
    let stream = BroadcastStream::new(subscribed)
        .filter_map(|e| {
            // A slow page skips ahead; it re-reads what it shows anyway.
            let out = e.ok().map(|e| {
                let data = json!({
                    "kind": e.kind,
                    "tracking_id": e.tracking_ids.first().cloned().unwrap_or_default(),
                    "count": e.tracking_ids.len(),
                    "queue": e.queue,
                    "group": e.group,
                    "at": e.at,
                });
                Ok::<_, Infallible>(
                    SseEvent::default()
                        .event(e.kind.clone())
                        .data(data.to_string()),
                )
            });
            futures::future::ready(out)
        })
        .take_until(async move {
            tokio::select! {
                () = stop.recv() => {}
                () = session_gone => {}
            }
        });
    sse(stream)
}

fn sse(stream: impl Stream<Item = Result<SseEvent, Infallible>> + Send + 'static) -> Response {
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Run a handler body, turning its error into a JSON error answer.
async fn reply<T: IntoResponse>(f: impl Future<Output = Result<T, ApiError>>) -> Response {
    match f.await {
        Ok(v) => v.into_response(),
        Err(e) => e.into_response(),
    }
}
