//! The parking lot: its parts wired together, and each operation handed to the part that does
//! it. The public operations are listed here, by part; what each does is in the part's file.

use std::sync::Arc;

use salvage_model::Clock;
use tokio::sync::Notify;

use super::{
    Caller, Filter, ParkingError, Record, Selection,
    actions::{Actions, Edit, Moved},
    audit::{Audit, AuditEntry},
    config::ParkingLotSettings,
    list::{Group, GroupSort, Page, Reader},
    redact,
    retention::Retention,
    retriage::{DryRun, Retriage},
    runs::{self, Redrive, Run, Runs, Started},
    search,
    watch::{self, Hub},
};
use crate::{destinations::Destinations, metrics::Metrics, shutdown::ShutdownSignal, store::Store};

/// The parking lot. Cheap to clone.
///
/// Each group of operations is a part of its own, in its own file, holding what it uses (its
/// fields say which of the store, rules, destinations, metrics, clock and settings it touches);
/// the parking lot wires them and hands each call to its part.
#[derive(Debug, Clone)]
pub struct ParkingLot {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Pages, selections, records, groups (`list.rs`, `search.rs`).
    read: Reader,
    /// Edit, discard, restore (`actions.rs`).
    actions: Actions,
    /// The audit log (`audit.rs`).
    audit: Audit,
    /// Re-triage dry runs (`retriage.rs`).
    retriage: Retriage,
    /// Resubmit and re-triage runs, and their worker (`runs/`).
    runs: Arc<Runs>,
    /// Expiry of parked and archived messages (`retention.rs`).
    retention: Retention,
    /// For the events tail (`watch.rs`) and the console's sessions and counts.
    store: Store,
    /// For the API's answers (the archive's age).
    settings: ParkingLotSettings,
    /// For the console (the outboxes on the overview).
    destinations: Destinations,
    /// For the accessor.
    metrics: Arc<Metrics>,
    /// For the console's sessions (when each began).
    clock: Arc<dyn Clock>,
}

impl ParkingLot {
    /// Wire the parking lot.
    #[allow(
        clippy::too_many_arguments,
        reason = "one constructor, called by Application::build, naming each part it wires"
    )]
    pub fn new(
        store: Store,
        rules: Arc<crate::rules::LiveRules>,
        destinations: Destinations,
        metrics: Arc<Metrics>,
        settings: ParkingLotSettings,
        max_payload: usize,
        relay_wake: Arc<Notify>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let read = Reader {
            store: store.clone(),
            redactor: Arc::new(redact::Redactor::new(&settings.sensitive)),
            searches: search::Searches::new(settings.search_read_rate, &store),
        };
        let actions = Actions {
            read: read.clone(),
            store: store.clone(),
            redactor: read.redactor.clone(),
            metrics: metrics.clone(),
            clock: clock.clone(),
            max_payload,
            batch_size: settings.batch_size,
        };
        let audit = Audit {
            store: store.clone(),
            clock: clock.clone(),
        };
        let retriage = Retriage {
            read: read.clone(),
            store: store.clone(),
            rules: rules.clone(),
        };
        let runs = Runs {
            read: read.clone(),
            store: store.clone(),
            rules,
            destinations: destinations.clone(),
            metrics: metrics.clone(),
            clock: clock.clone(),
            relay_wake,
            wake: Notify::new(),
            owner: uuid::Uuid::now_v7().to_string(),
            driving: runs::Driving::default(),
            batch_size: settings.batch_size,
            lease: settings.run_lease,
            ttl: settings.run_ttl,
        };
        let retention = Retention {
            store: store.clone(),
            metrics: metrics.clone(),
            clock: clock.clone(),
            parked: settings.retention.clone(),
            archive: settings.archive.clone(),
            interval: settings.retention_interval,
        };
        let inner = Inner {
            read,
            actions,
            audit,
            retriage,
            runs: Arc::new(runs),
            retention,
            store,
            settings,
            destinations,
            metrics,
            clock,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Now, by the application's clock (ms since the epoch).
    pub fn now_ms(&self) -> u64 {
        self.inner.clock.now_ms()
    }

    /// The settings.
    pub fn settings(&self) -> &ParkingLotSettings {
        &self.inner.settings
    }

    /// The configured destinations.
    pub fn destinations(&self) -> &Destinations {
        &self.inner.destinations
    }

    /// The masks of `parking_lot.sensitive`.
    pub fn redactor(&self) -> &redact::Redactor {
        self.inner.read.redactor()
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }
}

/// Reading (`list::Reader`).
impl ParkingLot {
    /// One page of parked (or archived) messages matching `filter`, after `page_token`.
    pub async fn list(
        &self,
        filter: &Filter,
        archived: bool,
        page_size: usize,
        page_token: &str,
    ) -> Result<Page, ParkingError> {
        self.inner
            .read
            .list(filter, archived, page_size, page_token)
            .await
    }

    /// Every tracking id a selection names that exists now (parked, or archived with
    /// `archived`), oldest first, at most `list::MAX_SELECTION`.
    pub async fn select(
        &self,
        selection: &Selection,
        archived: bool,
    ) -> Result<Vec<String>, ParkingError> {
        self.inner.read.select(selection, archived).await
    }

    /// One record, parked or archived.
    pub async fn get(&self, tracking_id: &str) -> Result<Record, ParkingError> {
        self.inner.read.get(tracking_id).await
    }

    /// Failure groups with parked messages, sorted, optionally of one queue; and how many there
    /// are in all (before `limit`).
    pub async fn groups(
        &self,
        sort: GroupSort,
        queue: &str,
        limit: usize,
    ) -> Result<(Vec<Group>, u64), ParkingError> {
        self.inner.read.groups(sort, queue, limit).await
    }
}

/// Operator actions (`actions::Actions`) and the audit log (`audit::Audit`).
impl ParkingLot {
    /// Apply an edit if the record is still at the version the caller read.
    pub async fn edit(&self, caller: &Caller, edit: &Edit) -> Result<Record, ParkingError> {
        self.inner.actions.edit(caller, edit).await
    }

    /// Move the selected parked messages to the archive (with `dry_run`, only count and sample
    /// them).
    pub async fn discard(
        &self,
        caller: &Caller,
        selection: &Selection,
        reason: &str,
        dry_run: bool,
    ) -> Result<Moved, ParkingError> {
        self.inner
            .actions
            .discard(caller, selection, reason, dry_run)
            .await
    }

    /// Bring the selected archived messages back into the parking lot (with `dry_run`, only
    /// count and sample them).
    pub async fn restore(
        &self,
        caller: &Caller,
        selection: &Selection,
        comment: &str,
        dry_run: bool,
    ) -> Result<Moved, ParkingError> {
        self.inner
            .actions
            .restore(caller, selection, comment, dry_run)
            .await
    }

    /// One page of the audit log, newest first, after `page_token`, keeping entries by `actor`
    /// and naming `tracking_id` (empty: any); and the next page token ("" at the end).
    pub async fn audit_log(
        &self,
        actor: &str,
        tracking_id: &str,
        page_token: &str,
        size: usize,
    ) -> Result<(Vec<AuditEntry>, String), ParkingError> {
        self.inner
            .audit
            .log(actor, tracking_id, page_token, size)
            .await
    }

    /// Record that `caller` saw the masked values of a message in the clear.
    pub async fn audit_reveal(
        &self,
        caller: &Caller,
        tracking_id: &str,
    ) -> Result<(), ParkingError> {
        self.inner.audit.reveal(caller, tracking_id).await
    }
}

/// Re-triage (`retriage::Retriage`) and runs (`runs::Runs`).
impl ParkingLot {
    /// What the current rules would do with the selected parked messages; changes nothing.
    pub async fn retriage_dry_run(
        &self,
        caller: &Caller,
        selection: &Selection,
        samples_per_group: usize,
    ) -> Result<DryRun, ParkingError> {
        self.inner
            .retriage
            .dry_run(caller, selection, samples_per_group)
            .await
    }

    /// Start a resubmit (or, with `dry_run`, only count the selection).
    pub async fn resubmit(
        &self,
        caller: &Caller,
        selection: &Selection,
        options: Redrive,
        dry_run: bool,
        comment: &str,
    ) -> Result<Started, ParkingError> {
        self.inner
            .runs
            .resubmit(caller, selection, options, dry_run, comment)
            .await
    }

    /// Start a re-triage apply run over `ids`, the selection its dry run already read (see
    /// `DryRun::ids`), so the selection is not walked twice.
    pub async fn retriage_apply(
        &self,
        caller: &Caller,
        selection: &Selection,
        ids: Vec<String>,
        options: Redrive,
        comment: &str,
    ) -> Result<Started, ParkingError> {
        self.inner
            .runs
            .retriage_apply(caller, selection, ids, options, comment)
            .await
    }

    /// A run.
    pub async fn run(&self, run_id: &str) -> Result<Run, ParkingError> {
        self.inner.runs.run(run_id).await
    }

    /// The most recent runs.
    pub async fn runs(&self, limit: usize) -> Result<Vec<Run>, ParkingError> {
        self.inner.runs.runs(limit).await
    }

    /// Cancel a run after its current batch.
    pub async fn cancel_run(&self, caller: &Caller, run_id: &str) -> Result<Run, ParkingError> {
        self.inner.runs.cancel(caller, run_id).await
    }

    /// Resume a cancelled or stopped run where it stopped.
    pub async fn resume_run(&self, caller: &Caller, run_id: &str) -> Result<Run, ParkingError> {
        self.inner.runs.resume(caller, run_id).await
    }
}

/// The background tasks: the run worker (`runs::Runs`), retention (`retention::Retention`), the
/// events tail (`watch`).
impl ParkingLot {
    /// Work on active runs until shutdown: each run is driven by one task at a time, in this
    /// process or another.
    pub async fn run_worker(self, shutdown: ShutdownSignal) {
        self.inner.runs.clone().work(shutdown).await;
    }

    /// Run retention every `parking_lot.retention_interval` until shutdown.
    pub async fn retention_worker(self, shutdown: ShutdownSignal) {
        self.inner.retention.work(shutdown).await;
    }

    /// Tail the events stream into `hub` until shutdown.
    pub async fn tail_events(self, hub: Hub, shutdown: ShutdownSignal) {
        watch::tail_events(&self.inner.store, &hub, shutdown).await;
    }
}
