//! The parking lot's operations: what operators (through `salvage.v1.ParkingLot` and the CLI) do
//! with the messages Salvage could not repair. Find them (`list`), read them (`record`), fix them
//! (`actions::edit`), send them back (`runs`: resubmit and re-triage, in resumable bulk runs with
//! safe redrive), discard and restore them (`actions`), and expire them (`retention`). Every
//! change is one Redis script (see `crates/salvage-store/src/parking.rs`), recorded in the audit log and announced
//! on the events stream (`watch`).
//!
//! [`ParkingLot`] (`lot.rs`) wires the parts and hands each call to its part. Each part holds
//! exactly what it uses, so its fields say which of the store, rules, destinations, metrics,
//! clock and settings its file touches: `list::Reader` (reading, also held by the parts that
//! select), `actions::Actions`, `audit::Audit`, `retriage::Retriage`, `runs::Runs`,
//! `retention::Retention`; the events tail (`watch`) takes the store it reads.

pub mod actions;
pub mod audit;
pub mod auth;
pub mod config;
pub mod filter;
pub mod list;
mod lot;
pub mod record;
pub mod redact;
pub mod retention;
pub mod retriage;
pub mod runs;
pub mod search;
pub mod watch;

pub use self::{
    auth::{Caller, Tokens},
    filter::{Cursor, Filter},
    lot::ParkingLot,
    record::Record,
};
use crate::store::StoreError;

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
