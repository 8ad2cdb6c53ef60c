//! The `ParkingLot` gRPC service: authenticates each call (bearer token, role), converts the
//! request, calls `crate::parking`, and maps its errors to status codes that say what to fix.

use std::{borrow::Cow, pin::Pin, time::Duration};

use futures::{Stream, StreamExt};
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};
use tonic::{Request, Response, Status};
use tracing::error;

use super::parking_convert as conv;
use crate::{
    parking::{
        Caller, ParkingError, ParkingLot, Record, Tokens, actions::Edit, auth::AuthError,
        config::Role, list::GroupSort, watch::Hub,
    },
    proto::v1::{self as pb, parking_lot_server},
    shutdown::ShutdownSignal,
    store::StoreError,
};

/// How long `WatchParked` waits for the events tail to follow the stream before it answers.
const WATCH_READY_WITHIN: Duration = Duration::from_secs(5);

/// The service implementation.
#[derive(Debug, Clone)]
pub struct ParkingLotService {
    lot: ParkingLot,
    tokens: Tokens,
    hub: Hub,
    shutdown: ShutdownSignal,
}

impl ParkingLotService {
    /// A service over `lot`.
    pub fn new(lot: ParkingLot, tokens: Tokens, hub: Hub, shutdown: ShutdownSignal) -> Self {
        Self {
            lot,
            tokens,
            hub,
            shutdown,
        }
    }

    fn caller<T>(&self, req: &Request<T>, role: Role) -> Result<Caller, Status> {
        let auth = req
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        self.tokens.check(auth, role).map_err(|e| match e {
            AuthError::Unauthenticated(m) => Status::unauthenticated(m),
            AuthError::PermissionDenied(m) => Status::permission_denied(m),
        })
    }
}

fn status(e: ParkingError) -> Status {
    match e {
        ParkingError::Invalid { field, message } => {
            Status::invalid_argument(format!("{field}: {message}"))
        }
        ParkingError::NotFound(m) => Status::not_found(m),
        ParkingError::Aborted(m) => Status::aborted(m),
        ParkingError::FailedPrecondition(m) => Status::failed_precondition(m),
        ParkingError::Store(StoreError::Unavailable(e)) => Status::unavailable(format!(
            "redis is unavailable ({e}); nothing was changed, retry later"
        )),
        ParkingError::Store(StoreError::OutOfMemory(_)) => Status::resource_exhausted(
            "Redis is out of memory (maxmemory reached, policy noeviction); nothing was changed, \
             retry once memory is freed",
        ),
        ParkingError::Store(e) => {
            error!(error = %e, "parking lot operation failed");
            Status::internal("internal error; see Salvage's log")
        }
    }
}

fn page_size(n: u32, default: usize) -> usize {
    match n {
        0 => default,
        n => usize::try_from(n).unwrap_or(1000).min(1000),
    }
}

fn archive_age_ms(lot: &ParkingLot) -> Option<u64> {
    lot.settings()
        .archive
        .max_age
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::ParkingLotEvent, Status>> + Send>>;

#[tonic::async_trait]
impl parking_lot_server::ParkingLot for ParkingLotService {
    async fn list_parked(
        &self,
        req: Request<pb::ListParkedRequest>,
    ) -> Result<Response<pb::ListParkedResponse>, Status> {
        self.caller(&req, Role::Viewer)?;
        list(&self.lot, req.into_inner(), false).await
    }

    async fn list_archived(
        &self,
        req: Request<pb::ListParkedRequest>,
    ) -> Result<Response<pb::ListParkedResponse>, Status> {
        self.caller(&req, Role::Viewer)?;
        list(&self.lot, req.into_inner(), true).await
    }

    async fn get_parked(
        &self,
        req: Request<pb::GetParkedRequest>,
    ) -> Result<Response<pb::ParkedMessage>, Status> {
        let reveal = req.get_ref().reveal;
        // Seeing masked values in the clear is an operator's, and audited.
        let caller = self.caller(&req, if reveal { Role::Operator } else { Role::Viewer })?;
        let tracking_id = req.into_inner().tracking_id;
        let r = self.lot.get(&tracking_id).await.map_err(status)?;
        if reveal {
            self.lot
                .audit_reveal(&caller, &tracking_id)
                .await
                .map_err(status)?;
            return Ok(Response::new(conv::message(&r, archive_age_ms(&self.lot))));
        }
        Ok(Response::new(conv::message(
            &shown(&self.lot, &r),
            archive_age_ms(&self.lot),
        )))
    }

    async fn list_groups(
        &self,
        req: Request<pb::ListGroupsRequest>,
    ) -> Result<Response<pb::ListGroupsResponse>, Status> {
        self.caller(&req, Role::Viewer)?;
        let r = req.into_inner();
        let sort = match r.sort() {
            pb::list_groups_request::Sort::Count => GroupSort::Count,
            pb::list_groups_request::Sort::Recent => GroupSort::Recent,
        };
        let (groups, total) = self
            .lot
            .groups(sort, &r.queue, page_size(r.limit, 100))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListGroupsResponse {
            groups: groups.iter().map(conv::group).collect(),
            total_groups: total,
        }))
    }

    async fn edit_parked(
        &self,
        req: Request<pb::EditParkedRequest>,
    ) -> Result<Response<pb::ParkedMessage>, Status> {
        let caller = self.caller(&req, Role::Operator)?;
        let r = req.into_inner();
        let edit = Edit {
            tracking_id: r.tracking_id,
            expected_version: r.expected_version,
            payload: r.payload,
            headers: r.replace_headers.then(|| r.headers.into_iter().collect()),
            comment: r.comment,
        };
        let rec = self.lot.edit(&caller, &edit).await.map_err(status)?;
        Ok(Response::new(conv::message(
            &shown(&self.lot, &rec),
            archive_age_ms(&self.lot),
        )))
    }

    async fn resubmit_parked(
        &self,
        req: Request<pb::ResubmitParkedRequest>,
    ) -> Result<Response<pb::ResubmitParkedResponse>, Status> {
        let dry = req.get_ref().dry_run;
        let caller = self.caller(&req, if dry { Role::Viewer } else { Role::Operator })?;
        let r = req.into_inner();
        let sel = conv::selection(r.selection);
        let started = self
            .lot
            .resubmit(&caller, &sel, conv::redrive(r.options), dry, &r.comment)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ResubmitParkedResponse {
            run: started.run.as_ref().map(conv::run),
            matched: started.matched,
            sample: started
                .sample
                .iter()
                .map(|r| conv::summary(&shown(&self.lot, r)))
                .collect(),
        }))
    }

    async fn retriage_parked(
        &self,
        req: Request<pb::RetriageParkedRequest>,
    ) -> Result<Response<pb::RetriageParkedResponse>, Status> {
        let dry = req.get_ref().dry_run;
        let caller = self.caller(&req, if dry { Role::Viewer } else { Role::Operator })?;
        let r = req.into_inner();
        let sel = conv::selection(r.selection);
        let samples = match r.samples_per_group {
            0 => 1,
            n => usize::try_from(n).unwrap_or(10).min(10),
        };
        let mut dry_run = self
            .lot
            .retriage_dry_run(&caller, &sel, samples)
            .await
            .map_err(status)?;
        dry_run.mask(self.lot.redactor());
        let (groups, matched, would_repair) = conv::dry_run(&dry_run);
        let run = if dry {
            None
        } else {
            let started = self
                .lot
                .retriage_apply(
                    &caller,
                    &sel,
                    dry_run.ids,
                    conv::redrive(r.options),
                    &r.comment,
                )
                .await
                .map_err(status)?;
            started.run.as_ref().map(conv::run)
        };
        Ok(Response::new(pb::RetriageParkedResponse {
            matched,
            would_repair,
            groups,
            run,
            rules_version: dry_run.rules_version,
        }))
    }

    async fn discard_parked(
        &self,
        req: Request<pb::DiscardParkedRequest>,
    ) -> Result<Response<pb::DiscardParkedResponse>, Status> {
        let dry = req.get_ref().dry_run;
        let caller = self.caller(&req, if dry { Role::Viewer } else { Role::Operator })?;
        let r = req.into_inner();
        let sel = conv::selection(r.selection);
        let moved = self
            .lot
            .discard(&caller, &sel, &r.reason, dry)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::DiscardParkedResponse {
            matched: moved.matched,
            discarded: moved.moved,
            sample: moved
                .sample
                .iter()
                .map(|r| conv::summary(&shown(&self.lot, r)))
                .collect(),
        }))
    }

    async fn restore_archived(
        &self,
        req: Request<pb::RestoreArchivedRequest>,
    ) -> Result<Response<pb::RestoreArchivedResponse>, Status> {
        let dry = req.get_ref().dry_run;
        let caller = self.caller(&req, if dry { Role::Viewer } else { Role::Operator })?;
        let r = req.into_inner();
        let sel = conv::selection(r.selection);
        let moved = self
            .lot
            .restore(&caller, &sel, &r.comment, dry)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::RestoreArchivedResponse {
            matched: moved.matched,
            restored: moved.moved,
            not_restored: moved
                .not_moved
                .into_iter()
                .map(|(t, why)| format!("{t}: {why}"))
                .collect(),
        }))
    }

    async fn get_run(&self, req: Request<pb::GetRunRequest>) -> Result<Response<pb::Run>, Status> {
        self.caller(&req, Role::Viewer)?;
        let r = self
            .lot
            .run(&req.into_inner().run_id)
            .await
            .map_err(status)?;
        Ok(Response::new(conv::run(&r)))
    }

    async fn list_runs(
        &self,
        req: Request<pb::ListRunsRequest>,
    ) -> Result<Response<pb::ListRunsResponse>, Status> {
        self.caller(&req, Role::Viewer)?;
        let limit = page_size(req.into_inner().limit, 20);
        let runs = self.lot.runs(limit).await.map_err(status)?;
        Ok(Response::new(pb::ListRunsResponse {
            runs: runs.iter().map(conv::run).collect(),
        }))
    }

    async fn cancel_run(
        &self,
        req: Request<pb::GetRunRequest>,
    ) -> Result<Response<pb::Run>, Status> {
        let caller = self.caller(&req, Role::Operator)?;
        let r = self
            .lot
            .cancel_run(&caller, &req.into_inner().run_id)
            .await
            .map_err(status)?;
        Ok(Response::new(conv::run(&r)))
    }

    async fn resume_run(
        &self,
        req: Request<pb::GetRunRequest>,
    ) -> Result<Response<pb::Run>, Status> {
        let caller = self.caller(&req, Role::Operator)?;
        let r = self
            .lot
            .resume_run(&caller, &req.into_inner().run_id)
            .await
            .map_err(status)?;
        Ok(Response::new(conv::run(&r)))
    }

    type WatchParkedStream = EventStream;

    async fn watch_parked(
        &self,
        req: Request<pb::WatchParkedRequest>,
    ) -> Result<Response<Self::WatchParkedStream>, Status> {
        self.caller(&req, Role::Viewer)?;
        let queue = req.into_inner().queue;
        let mut stop = self.shutdown.clone();
        let subscribed = self.hub.subscribe();
        // Answer once the tail follows the stream, so every change made after the watcher has
        // its answer reaches it (or after 5 s: Redis unreachable; events flow once it is back).
        self.hub.ready(WATCH_READY_WITHIN).await;
        let events = BroadcastStream::new(subscribed)
            .take_until(async move { stop.recv().await })
            .filter_map(move |e| {
                let out = match e {
                    Ok(e) if queue.is_empty() || e.queue == queue => Some(Ok(conv::event(&e))),
                    Ok(_) => None,
                    // A slow watcher skips ahead rather than holding everyone up.
                    Err(BroadcastStreamRecvError::Lagged(_)) => None,
                };
                futures::future::ready(out)
            });
        Ok(Response::new(Box::pin(events)))
    }

    async fn list_audit(
        &self,
        req: Request<pb::ListAuditRequest>,
    ) -> Result<Response<pb::ListAuditResponse>, Status> {
        self.caller(&req, Role::Viewer)?;
        let r = req.into_inner();
        let (entries, next) = self
            .lot
            .audit_log(
                &r.actor,
                &r.tracking_id,
                &r.page_token,
                page_size(r.page_size, 50),
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAuditResponse {
            entries: entries
                .into_iter()
                .map(|mut e| {
                    self.lot.redactor().mask_audit(&mut e);
                    conv::audit(e)
                })
                .collect(),
            next_page_token: next,
        }))
    }
}

/// `r` as an operator may see it: `parking_lot.sensitive` masked.
fn shown<'a>(lot: &ParkingLot, r: &'a Record) -> Cow<'a, Record> {
    if lot.redactor().is_empty() {
        return Cow::Borrowed(r);
    }
    let mut r = r.clone();
    lot.redactor().mask_record(&mut r);
    Cow::Owned(r)
}

async fn list(
    lot: &ParkingLot,
    r: pb::ListParkedRequest,
    archived: bool,
) -> Result<Response<pb::ListParkedResponse>, Status> {
    let filter = conv::filter(r.filter);
    let page = lot
        .list(&filter, archived, page_size(r.page_size, 50), &r.page_token)
        .await
        .map_err(status)?;
    Ok(Response::new(pb::ListParkedResponse {
        messages: page
            .records
            .iter()
            .map(|r| conv::summary(&shown(lot, r)))
            .collect(),
        next_page_token: page.next.map(|c| c.token()).unwrap_or_default(),
        scanned: u32::try_from(page.scanned).unwrap_or(u32::MAX),
        total_in_index: page.total_in_index,
    }))
}
