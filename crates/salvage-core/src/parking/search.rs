//! Bounds on searches that read payloads (a `text` or `json_pointer` filter), so operators
//! cannot stall the report path: at most [`CONCURRENT`] such scans run at once in a process
//! (others wait their turn), each reads records in batches of [`PAYLOAD_CHUNK`] at most
//! `parking_lot.search_read_rate` bytes per second, reads and matches them on a thread of their
//! own at a lower CPU priority ([`Lane`]), and stops after [`TIME_BUDGET`] with a cursor to
//! continue from (the page says how many messages it examined: refine the filter or ask for the
//! next page).

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot},
    time::Instant,
};
use tracing::{debug, warn};

use super::{Filter, ParkingError, Record, record::SUMMARY_FIELDS, redact::Redactor};
use crate::store::Store;

/// Payload scans running at once in one process.
pub const CONCURRENT: usize = 1;
/// Records read per Redis call while scanning payloads: Redis answers one call at a time, so a
/// batch of large payloads (8 × 64 KiB = 512 KiB) must stay short next to a report's script.
pub const PAYLOAD_CHUNK: usize = 8;
/// How long one page of a payload scan may run before it returns short, with a cursor.
pub const TIME_BUDGET: Duration = Duration::from_secs(2);

/// The process's turn-taking, pace and thread for payload scans.
#[derive(Debug, Clone)]
pub struct Searches {
    turns: Arc<Semaphore>,
    /// Bytes per second a scan may read; 0: no limit.
    read_rate: u64,
    lane: Lane,
}

impl Searches {
    /// Scans reading at most `read_rate` bytes per second (0: no limit), one at a time, on a
    /// thread of their own reading `store` over a connection of their own.
    pub fn new(read_rate: u64, store: &Store) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(CONCURRENT)),
            read_rate,
            lane: Lane::start(store),
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

impl Searches {
    /// Read the records `ids` and keep those matching `filter`, on the search thread (reading
    /// and matching megabytes of payloads is CPU work that would otherwise compete with reports);
    /// also the bytes read, for the pace. Without a search thread (it could not start), here,
    /// on `store`.
    pub(super) async fn read_and_match(
        &self,
        store: &Store,
        redactor: &Arc<Redactor>,
        filter: &Filter,
        ids: Vec<String>,
        archived: bool,
    ) -> Result<(Vec<Record>, usize), ParkingError> {
        let (on_lane, ids_here) = (filter.clone(), ids.clone());
        let lane_redactor = redactor.clone();
        let work = move |store: Store| async move {
            read_and_match_on(&store, &lane_redactor, &on_lane, &ids, archived).await
        };
        match self.lane.run(work).await {
            Some(found) => found,
            None => read_and_match_on(store, redactor, filter, &ids_here, archived).await,
        }
    }
}

/// The records `ids` read from `store` that match `filter` as operators see them, and the bytes
/// read.
async fn read_and_match_on(
    store: &Store,
    redactor: &Redactor,
    filter: &Filter,
    ids: &[String],
    archived: bool,
) -> Result<(Vec<Record>, usize), ParkingError> {
    let raw = store.records(ids, SUMMARY_FIELDS, archived).await?;
    let bytes = raw.iter().flat_map(|r| r.values()).map(Vec::len).sum();
    let records = raw
        .iter()
        .filter_map(Record::parse)
        .filter_map(|r| matches_masked(redactor, filter, r))
        .collect();
    Ok((records, bytes))
}

/// `r` if it matches `filter`, judged on its payload as operators see it (sensitive values
/// masked by `redactor`): otherwise a text or JSON Pointer filter would let anyone who may list
/// guess a masked value one character at a time.
pub(super) fn matches_masked(
    redactor: &Redactor,
    filter: &Filter,
    mut r: Record,
) -> Option<Record> {
    let payload_filter = !filter.text.is_empty() || !filter.json_pointer.is_empty();
    let masked = payload_filter
        .then(|| redactor.mask_bytes(&r.message.payload))
        .flatten();
    let matched = match masked {
        // Judge the masked payload, then put the stored one back.
        Some(masked) => {
            let stored = std::mem::replace(&mut r.message.payload, masked);
            let matched = filter.matches(&r);
            r.message.payload = stored;
            matched
        }
        None => filter.matches(&r),
    };
    matched.then_some(r)
}

/// How much lower than the process's the search thread's CPU priority is (in nice steps; Linux
/// caps nice at 19): payload scans yield the CPU to reports.
pub const NICE: i32 = 10;

/// A job for the search thread, given the thread's own store.
type Job = Box<dyn FnOnce(Store) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// One thread of its own, at a lower CPU priority ([`NICE`]), on which payload scans read and
/// match records over their own Redis connection: decoding megabytes of replies and matching them
/// is CPU work, and there the kernel runs it only when reports' threads leave a core idle.
#[derive(Debug, Clone)]
pub struct Lane {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Lane {
    /// Start the thread; its store is `store` over a connection made (and driven) on it.
    pub fn start(store: &Store) -> Self {
        let (jobs, mut next) = mpsc::unbounded_channel::<Job>();
        let store = store.clone();
        let thread = std::thread::Builder::new()
            .name("salvage-search".to_owned())
            .spawn(move || {
                lower_priority();
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        warn!(error = %e, "no search thread: searches run beside reports");
                        return;
                    }
                };
                runtime.block_on(async move {
                    // Made here, so its connection's reader runs on this thread.
                    let store = match store.with_own_connection() {
                        Ok(store) => store,
                        Err(e) => {
                            warn!(error = %e, "no search thread: searches run beside reports");
                            return;
                        }
                    };
                    while let Some(job) = next.recv().await {
                        tokio::spawn(job(store.clone()));
                    }
                });
            });
        if let Err(e) = thread {
            warn!(error = %e, "no search thread: searches run beside reports");
        }
        Self { jobs }
    }

    /// Run `work` on the search thread; `None` if the thread is gone (the caller then does the
    /// work itself).
    pub async fn run<T, F, Fut>(&self, work: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce(Store) -> Fut + Send + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            Box::pin(async move {
                // The caller may have gone (its call was cancelled): nothing to answer.
                let _ = answer.send(work(store).await);
            })
        });
        self.jobs.send(job).ok()?;
        answered.await.ok()
    }
}

/// Lower this thread's CPU priority by [`NICE`] (Linux keeps a nice value per thread).
fn lower_priority() {
    let thread = Some(rustix::thread::gettid());
    let lowered = rustix::process::getpriority_process(thread)
        .and_then(|now| rustix::process::setpriority_process(thread, (now + NICE).min(19)));
    if let Err(e) = lowered {
        debug!(error = %e, "the search thread runs at the process's CPU priority");
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
        let searches = Searches::new(10 * 1024 * 1024, &store());
        let started = Instant::now();
        searches.pace(started, 1024 * 1024).await;
        assert!(
            started.elapsed() >= Duration::from_millis(100),
            "1 MiB at 10 MiB/s took {:?}",
            started.elapsed()
        );
    }

    /// Connected lazily: these tests never touch Redis.
    fn store() -> Store {
        Store::connect(&crate::store::config::RedisSettings::default()).expect("store")
    }

    fn lane() -> Lane {
        Lane::start(&store())
    }

    #[tokio::test]
    async fn lane_work_runs_on_its_own_thread_at_a_lower_priority() {
        let lane = lane();
        let here = std::thread::current().id();
        let gettid = || Some(rustix::thread::gettid());
        let own = rustix::process::getpriority_process(gettid()).expect("getpriority");
        let (thread, name, nice) = lane
            .run(move |_store| async move {
                let me = std::thread::current();
                let nice = rustix::process::getpriority_process(gettid());
                (
                    me.id(),
                    me.name().map(str::to_owned),
                    nice.expect("getpriority"),
                )
            })
            .await
            .expect("the lane answers");
        assert_ne!(thread, here);
        assert_eq!(name.as_deref(), Some("salvage-search"));
        assert_eq!(nice, (own + NICE).min(19), "the search thread's nice value");
        let after = rustix::process::getpriority_process(gettid()).expect("getpriority");
        assert_eq!(after, own, "the caller's priority is left alone");
    }

    #[tokio::test]
    async fn lane_runs_jobs_side_by_side() {
        // A job waiting (on Redis, say) does not hold up the next one.
        let lane = lane();
        let (open, opened) = oneshot::channel::<()>();
        let first = {
            let lane = lane.clone();
            tokio::spawn(async move { lane.run(|_| async { opened.await.is_ok() }).await })
        };
        assert_eq!(lane.run(|_| async { 7 }).await, Some(7));
        open.send(()).expect("the first job waits");
        assert_eq!(first.await.expect("join"), Some(true));
    }

    #[tokio::test]
    async fn a_rate_of_zero_does_not_wait() {
        let searches = Searches::new(0, &store());
        let started = Instant::now();
        // At any finite rate, a terabyte would take hours.
        tokio::time::timeout(Duration::from_secs(10), searches.pace(started, 1 << 40))
            .await
            .expect("no limit: no wait");
    }
}
