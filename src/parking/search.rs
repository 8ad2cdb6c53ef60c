//! Bounds on searches that read payloads (a `text` or `json_pointer` filter), so operators
//! cannot stall the report path: at most [`CONCURRENT`] such scans run at once in a process
//! (others wait their turn), each reads records in batches of [`PAYLOAD_CHUNK`] at most
//! `parking_lot.search_read_rate` bytes per second, matches them on a blocking thread instead of
//! an async worker, and stops after [`TIME_BUDGET`] with a cursor to continue from (the page
//! says how many messages it examined: refine the filter or ask for the next page).

use std::{sync::Arc, time::Duration};

use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

use super::{Filter, ParkingLot, Record};

/// Payload scans running at once in one process.
pub const CONCURRENT: usize = 1;
/// Records read per Redis call while scanning payloads: Redis answers one call at a time, so a
/// batch of large payloads (8 × 64 KiB = 512 KiB) must stay short next to a report's script.
pub const PAYLOAD_CHUNK: usize = 8;
/// How long one page of a payload scan may run before it returns short, with a cursor.
pub const TIME_BUDGET: Duration = Duration::from_secs(2);

/// The process's turn-taking and pace for payload scans.
#[derive(Debug, Clone)]
pub struct Searches {
    turns: Arc<Semaphore>,
    /// Bytes per second a scan may read; 0: no limit.
    read_rate: u64,
}

impl Searches {
    /// Scans reading at most `read_rate` bytes per second (0: no limit), one at a time.
    pub fn new(read_rate: u64) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(CONCURRENT)),
            read_rate,
        }
    }

    /// Wait until a batch of `bytes` read since `started` is within the read rate.
    pub async fn pace(&self, started: Instant, bytes: usize) {
        if self.read_rate == 0 {
            return;
        }
        #[allow(
            clippy::cast_precision_loss,
            reason = "a pace needs no more than f64's 52 bits of bytes"
        )]
        let due = Duration::from_secs_f64(bytes as f64 / self.read_rate as f64);
        tokio::time::sleep_until(started + due).await;
    }

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

#[cfg(test)]
#[allow(
    clippy::expect_used,
    reason = "a test fails by panicking, like every test module here"
)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scan_reads_no_faster_than_its_rate() {
        let searches = Searches::new(10 * 1024 * 1024);
        let started = Instant::now();
        searches.pace(started, 1024 * 1024).await;
        assert!(
            started.elapsed() >= Duration::from_millis(100),
            "1 MiB at 10 MiB/s took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_rate_of_zero_does_not_wait() {
        let searches = Searches::new(0);
        let started = Instant::now();
        // At any finite rate, a terabyte would take hours.
        tokio::time::timeout(Duration::from_secs(10), searches.pace(started, 1 << 40))
            .await
            .expect("no limit: no wait");
    }
}
