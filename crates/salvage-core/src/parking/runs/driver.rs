//! The background worker: takes over active runs (one task per run, one process per run by
//! lease), paces them (rate, canary) and stops them when resubmitted messages fail again.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::time::Instant;
use tracing::{info, warn};

use crate::parking::ParkingError;
use crate::shutdown::ShutdownSignal;

use super::{Runs, types::RunState};

/// Runs this process is driving now (so two of its tasks never drive one run).
#[derive(Debug, Default)]
pub(in crate::parking) struct Driving(Mutex<std::collections::HashSet<String>>);

struct DriveGuard<'a>(&'a Driving, String);

impl Drop for DriveGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.0.0.lock() {
            set.remove(&self.1);
        }
    }
}

impl Driving {
    fn enter(&self, id: &str) -> Option<DriveGuard<'_>> {
        let mut set = self.0.lock().ok()?;
        set.insert(id.to_owned())
            .then(|| DriveGuard(self, id.to_owned()))
    }
}

impl Runs {
    /// Work on active runs until shutdown: each run is driven by one task at a time, in this
    /// process or another.
    pub(in crate::parking) async fn work(self: Arc<Self>, mut shutdown: ShutdownSignal) {
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            match self.store.active_runs().await {
                Ok(ids) => {
                    for id in ids {
                        let me = self.clone();
                        let stop = shutdown.clone();
                        tasks.spawn(async move {
                            if let Err(e) = me.drive(&id, Some(stop)).await {
                                warn!(run_id = %id, error = %e, "run paused by an error; retrying");
                            }
                        });
                    }
                }
                Err(e) => warn!(error = %e, "cannot read the active runs; retrying"),
            }
            while tasks.try_join_next().is_some() {}
            tokio::select! {
                () = shutdown.recv() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Drive one run until it ends, another process holds it, or shutdown.
    pub(super) async fn drive(
        &self,
        run_id: &str,
        shutdown: Option<ShutdownSignal>,
    ) -> Result<(), ParkingError> {
        let Some(_guard) = self.driving.enter(run_id) else {
            return Ok(());
        };
        let store = &self.store;
        let owner = &self.owner;
        let lease = u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX);
        let stopping = || shutdown.as_ref().is_some_and(ShutdownSignal::is_triggered);
        loop {
            let now = self.clock.now_ms();
            if stopping() {
                store.claim_run(run_id, owner, now, 0, true).await?;
                return Ok(());
            }
            let Some(state) = store
                .claim_run(run_id, owner, now, now + lease, false)
                .await?
            else {
                return Ok(());
            };
            let run = self.run(run_id).await?;
            if let Some(reason) = run.auto_stop() {
                warn!(run_id, reason, "run stopped by itself");
                self.finish(run_id, RunState::Stopped, &reason).await?;
                return Ok(());
            }
            if state == "canary_wait" {
                if now < run.canary_until {
                    let wait = Duration::from_millis((run.canary_until - now).min(250));
                    pause(Instant::now() + wait, shutdown.as_ref()).await;
                    continue;
                }
                store
                    .set_run_fields(run_id, &[("state", "running".to_owned())])
                    .await?;
                info!(run_id, "canary passed; resubmitting the rest");
                continue;
            }
            if run.done >= run.total {
                self.finish(run_id, RunState::Completed, "").await?;
                info!(
                    run_id,
                    resubmitted = run.resubmitted,
                    skipped = run.skipped,
                    "run completed"
                );
                return Ok(());
            }
            let batch = self.batch_size as u64;
            let mut k = batch;
            let rate = run.options.rate_per_second;
            if rate > 0.0 {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a positive, finite rate (validated) divided by 10 and rounded up"
                )]
                let per_tick = (rate / 10.0).ceil() as u64;
                k = per_tick.clamp(1, batch);
            }
            let in_canary = run.options.canary > 0 && !run.canary_done;
            if in_canary {
                k = k.min(run.options.canary.saturating_sub(run.done).max(1));
            }
            let started = Instant::now();
            let ids = store.run_ids(run_id, run.done, k).await?;
            let handled = ids.len() as u64;
            if !self.batch(&run, &ids, now + lease).await? {
                return Ok(());
            }
            if in_canary && run.done + handled >= run.options.canary {
                let until = self.clock.now_ms()
                    + u64::try_from(run.options.canary_wait.as_millis()).unwrap_or(0);
                store
                    .set_run_fields(
                        run_id,
                        &[
                            ("state", "canary_wait".to_owned()),
                            ("canary_done", "1".to_owned()),
                            ("canary_until", until.to_string()),
                        ],
                    )
                    .await?;
                info!(
                    run_id,
                    canary = run.options.canary,
                    "canary resubmitted; waiting for its fate"
                );
            }
            if rate > 0.0 {
                #[allow(
                    clippy::cast_precision_loss,
                    reason = "a count of messages, far below 2^52"
                )]
                let due = Duration::from_secs_f64(handled as f64 / rate);
                pause(started + due, shutdown.as_ref()).await;
            }
        }
    }
}

/// Sleep until `until`, or less if shutdown comes first.
pub(super) async fn pause(until: Instant, shutdown: Option<&ShutdownSignal>) {
    match shutdown {
        Some(s) => {
            let mut s = s.clone();
            tokio::select! {
                () = s.recv() => {}
                () = tokio::time::sleep_until(until) => {}
            }
        }
        None => tokio::time::sleep_until(until).await,
    }
}
