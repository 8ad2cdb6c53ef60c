//! The parking lot's operations: what operators (through `salvage.v1.ParkingLot` and the CLI) do
//! with the messages Salvage could not repair. Find them (`list`), read them (`record`), fix them
//! (`actions::edit`), send them back (`runs`: resubmit and re-triage, in resumable bulk runs with
//! safe redrive), discard and restore them (`actions`), and expire them (`retention`). Every
//! change is one Redis script (see `crates/salvage-store/src/parking.rs`), recorded in the audit log and announced
//! on the events stream (`watch`).

pub mod actions;
pub mod audit;
pub mod auth;
pub mod config;
pub mod filter;
pub mod list;
pub mod record;
pub mod redact;
pub mod retention;
pub mod retriage;
pub mod runs;
pub mod search;
pub mod watch;

use std::sync::Arc;

use tokio::sync::Notify;

pub use self::{
    auth::{Caller, Tokens},
    filter::{Cursor, Filter},
    record::Record,
};
use salvage_model::Clock;
use salvage_rules::RuleSet;

use self::config::ParkingLotSettings;
use crate::{
    destinations::Destinations,
    metrics::Metrics,
    store::{Store, StoreError},
};

/// Why a parking-lot operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ParkingError {
    /// The request is malformed.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What to fix.
        message: String,
    },
    /// No such message or run.
    #[error("{0}")]
    NotFound(String),
    /// Someone changed it first.
    #[error("{0}")]
    Aborted(String),
    /// Not possible in the current state.
    #[error("{0}")]
    FailedPrecondition(String),
    /// Redis failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ParkingError {
    /// A bad-input error naming `field`.
    pub fn invalid(field: &'static str, message: String) -> Self {
        Self::Invalid { field, message }
    }
}

/// Which messages a bulk operation touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// By tracking id.
    pub tracking_ids: Vec<String>,
    /// Or by filter.
    pub filter: Filter,
}

/// The parking lot. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ParkingLot {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) rules: Arc<RuleSet>,
    pub(crate) destinations: Destinations,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) settings: ParkingLotSettings,
    pub(crate) relay_wake: Arc<Notify>,
    /// Wakes this process's run worker when a run was created or resumed here.
    pub(crate) runs_wake: Arc<Notify>,
    /// This process's identity as a run lease holder.
    pub(crate) owner: String,
    /// Runs this process is driving now.
    pub(crate) driving: runs::Driving,
    /// `limits.max_payload_bytes`, for edits.
    pub(crate) max_payload: usize,
    /// Masks `parking_lot.sensitive` in what operators are shown.
    pub(crate) redactor: redact::Redactor,
    /// Turn-taking for searches that read payloads.
    pub(crate) searches: search::Searches,
    /// The time of every change: an action's, its audit entry's, a run's.
    pub(crate) clock: Arc<dyn Clock>,
}

impl ParkingLot {
    /// Wire the parking lot.
    #[allow(
        clippy::too_many_arguments,
        reason = "one constructor, called by Application::build, naming each part it wires"
    )]
    pub fn new(
        store: Store,
        rules: Arc<RuleSet>,
        destinations: Destinations,
        metrics: Arc<Metrics>,
        settings: ParkingLotSettings,
        max_payload: usize,
        relay_wake: Arc<Notify>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let redactor = redact::Redactor::new(&settings.sensitive);
        let searches = search::Searches::new(settings.search_read_rate, &store);
        let inner = Inner {
            store,
            rules,
            destinations,
            metrics,
            settings,
            relay_wake,
            runs_wake: Arc::new(Notify::new()),
            owner: uuid::Uuid::now_v7().to_string(),
            driving: runs::Driving::default(),
            max_payload,
            redactor,
            searches,
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
        &self.inner.redactor
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }
}
