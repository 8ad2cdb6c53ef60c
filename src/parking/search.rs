//! Bounds on searches that read payloads (a `text` or `json_pointer` filter), so operators
//! cannot stall the report path: at most [`CONCURRENT`] such scans run at once in a process
//! (others wait their turn), each reads records in batches of [`PAYLOAD_CHUNK`], matches them
//! on a blocking thread instead of an async worker, and stops after [`TIME_BUDGET`] with a
//! cursor to continue from (the page says how many messages it examined: refine the filter or
//! ask for the next page).

use std::{sync::Arc, time::Duration};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{Filter, ParkingLot, Record};

/// Payload scans running at once in one process.
pub const CONCURRENT: usize = 1;
/// Records read per Redis call while scanning payloads (a batch of large payloads is megabytes).
pub const PAYLOAD_CHUNK: usize = 50;
/// How long one page of a payload scan may run before it returns short, with a cursor.
pub const TIME_BUDGET: Duration = Duration::from_secs(2);

/// The process's turn-taking for payload scans.
#[derive(Debug, Clone)]
pub struct Searches {
    turns: Arc<Semaphore>,
}

impl Default for Searches {
    fn default() -> Self {
        Self {
            turns: Arc::new(Semaphore::new(CONCURRENT)),
        }
    }
}

impl Searches {
    /// Wait for a turn to scan payloads; held until dropped.
    pub async fn turn(&self) -> Option<OwnedSemaphorePermit> {
        // Never closed; `None` would only mean no bound.
        self.turns.clone().acquire_owned().await.ok()
    }
}

/// Does matching `filter` read payloads?
pub fn reads_payloads(filter: &Filter) -> bool {
    !filter.text.is_empty() || !filter.json_pointer.is_empty()
}

impl ParkingLot {
    /// Parse and match raw records on a blocking thread (payload filters are CPU work over
    /// megabytes: on an async worker they would delay reports' tasks).
    pub(super) async fn match_off_runtime(
        &self,
        filter: &Filter,
        raw: Vec<crate::store::RawRecord>,
    ) -> Vec<Record> {
        let lot = self.clone();
        let filter = filter.clone();
        let work = move || {
            raw.iter()
                .filter_map(Record::parse)
                .filter_map(|r| lot.matches_masked(&filter, r))
                .collect::<Vec<_>>()
        };
        // The closure does not panic on data (parse and match return options); if it did, the
        // chunk counts as matching nothing rather than failing the page.
        tokio::task::spawn_blocking(work).await.unwrap_or_default()
    }
}
