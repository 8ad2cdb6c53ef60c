//! Bulk runs: resubmit and re-triage, with safe redrive.
//!
//! A run snapshots the tracking ids it will handle (a Redis list) and walks them with a cursor.
//! Each batch is one script that requeues its messages, takes them out of the parking lot and
//! advances the cursor atomically, so a run killed at any point resumes at the next batch and
//! resubmits no message twice. One process works on a run at a time, holding a lease it renews
//! with each batch; when the holder dies, another process (or the restarted one) takes over once
//! the lease runs out.
//!
//! Safe redrive: a rate limit (batches of about a tenth of the rate, ten per second), an optional
//! canary (resubmit a few, wait, look at their fate), and an automatic stop when too many
//! resubmitted messages are reported failing again (the report script counts those on the run).
//!
//! - `types`: a run, its kind, state and redrive settings, what starting one answered;
//! - this file: `Runs`, what runs use of the parking lot, and the operations (start, look at,
//!   cancel, resume, finish a run);
//! - `driver`: the background worker that takes runs over and paces them;
//! - `batch`: one batch committed, and the resubmit entry built for each message.

mod batch;
mod driver;
mod types;

use std::{sync::Arc, time::Duration};

use salvage_model::Clock;
use tokio::sync::Notify;
use tracing::{info, warn};

use super::{Caller, ParkingError, Selection, audit::audit_fields, list::Reader};
use crate::{destinations::Destinations, metrics::Metrics, rules::LiveRules, store::Store};

pub(super) use self::driver::Driving;
pub use self::types::{Redrive, Run, RunKind, RunState, Started};

/// Runs of at most this many messages, without rate limit or canary, complete inside the call.
pub const INLINE_RUN_MAX: usize = 1000;

/// Runs: what they use of the parking lot.
#[derive(Debug)]
pub(super) struct Runs {
    /// The selection of a resubmit, and a dry run's sample.
    pub(super) read: Reader,
    /// Runs, their id lists and leases, and the batch script.
    pub(super) store: Store,
    /// A re-triage run's verdicts.
    pub(super) rules: Arc<LiveRules>,
    /// Where each message goes back to (its stream fields, inline or through an outbox).
    pub(super) destinations: Destinations,
    /// Operator actions, and how long resubmitted messages were parked.
    pub(super) metrics: Arc<Metrics>,
    /// A run's times, its leases and its canary's wait.
    pub(super) clock: Arc<dyn Clock>,
    /// Wakes the relay when a batch went to an outbox.
    pub(super) relay_wake: Arc<Notify>,
    /// Wakes this process's run worker when a run was created or resumed here.
    pub(super) wake: Notify,
    /// This process's identity as a run lease holder.
    pub(super) owner: String,
    /// Runs this process is driving now.
    pub(super) driving: Driving,
    /// `parking_lot.batch_size`: messages per batch at most.
    pub(super) batch_size: usize,
    /// `parking_lot.run_lease`.
    pub(super) lease: Duration,
    /// `parking_lot.run_ttl`: how long a run is kept after it ends.
    pub(super) ttl: Duration,
}

impl Runs {
    /// Start a resubmit (or, with `dry_run`, only count the selection).
    pub(super) async fn resubmit(
        &self,
        caller: &Caller,
        selection: &Selection,
        options: Redrive,
        dry_run: bool,
        comment: &str,
    ) -> Result<Started, ParkingError> {
        options.validate()?;
        let ids = self.read.select(selection, false).await?;
        if dry_run {
            return Ok(Started {
                run: None,
                matched: ids.len() as u64,
                sample: self.read.sample(&ids, false).await?,
            });
        }
        self.start_run(caller, RunKind::Resubmit, selection, ids, options, comment)
            .await
    }

    /// Start a re-triage apply run over `ids`, the selection its dry run already read (see
    /// `DryRun::ids`), so the selection is not walked twice.
    pub(super) async fn retriage_apply(
        &self,
        caller: &Caller,
        selection: &Selection,
        ids: Vec<String>,
        options: Redrive,
        comment: &str,
    ) -> Result<Started, ParkingError> {
        options.validate()?;
        self.start_run(caller, RunKind::Retriage, selection, ids, options, comment)
            .await
    }

    async fn start_run(
        &self,
        caller: &Caller,
        kind: RunKind,
        selection: &Selection,
        ids: Vec<String>,
        options: Redrive,
        comment: &str,
    ) -> Result<Started, ParkingError> {
        let matched = ids.len() as u64;
        let run_id = uuid::Uuid::now_v7().to_string();
        let now = self.clock.now_ms();
        let o = &options;
        let fields = [
            ("kind", kind.as_str().to_owned()),
            ("state", "running".to_owned()),
            ("total", matched.to_string()),
            ("cursor", "0".to_owned()),
            ("resubmitted", "0".to_owned()),
            ("skipped", "0".to_owned()),
            ("failed_again", "0".to_owned()),
            ("delivered", "0".to_owned()),
            ("delivery_failed", "0".to_owned()),
            ("created_by", caller.name.clone()),
            ("created_at", now.to_string()),
            ("updated_at", now.to_string()),
            ("rate", o.rate_per_second.to_string()),
            ("canary", o.canary.to_string()),
            ("canary_wait_ms", o.canary_wait.as_millis().to_string()),
            ("stop_ratio", o.stop_failure_ratio.to_string()),
            ("stop_min", o.stop_min_failures.to_string()),
            (
                "auto_stop",
                if o.disable_auto_stop { "0" } else { "1" }.to_owned(),
            ),
            ("comment", comment.to_owned()),
            (
                "filter",
                serde_json::to_string(&selection.filter).unwrap_or_default(),
            ),
        ];
        let mut audit = audit_fields(
            now,
            caller,
            kind.as_str(),
            &ids,
            Some(&selection.filter),
            comment,
        );
        audit.push(("run_id", run_id.clone()));
        self.store
            .create_run(&run_id, &fields, &ids, &audit, now)
            .await?;
        self.metrics.operator_action(kind.as_str());
        info!(actor = %caller.name, run_id, kind = kind.as_str(), total = matched, "run started");
        let inline = o.rate_per_second == 0.0 && o.canary == 0 && ids.len() <= INLINE_RUN_MAX;
        if inline {
            // Small runs finish before the call returns; if this fails midway (Redis down), the
            // run stays active and the background worker finishes it.
            if let Err(e) = self.drive(&run_id, None).await {
                warn!(run_id, error = %e, "run did not finish inline; continuing in the background");
            }
        }
        self.wake.notify_one();
        Ok(Started {
            run: Some(self.run(&run_id).await?),
            matched,
            sample: Vec::new(),
        })
    }

    /// A run.
    pub(super) async fn run(&self, run_id: &str) -> Result<Run, ParkingError> {
        let f = self.store.run_fields(run_id).await?;
        Run::from_fields(run_id, &f).ok_or_else(|| {
            ParkingError::NotFound(format!(
                "no run {run_id:?} (runs are kept for parking_lot.run_ttl after they end)"
            ))
        })
    }

    /// The most recent runs.
    pub(super) async fn runs(&self, limit: usize) -> Result<Vec<Run>, ParkingError> {
        let ids = self.store.recent_runs(limit).await?;
        let mut out = Vec::new();
        for id in ids {
            if let Ok(r) = self.run(&id).await {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Cancel a run after its current batch.
    pub(super) async fn cancel(&self, caller: &Caller, run_id: &str) -> Result<Run, ParkingError> {
        let run = self.run(run_id).await?;
        if !matches!(run.state, RunState::Running | RunState::CanaryWait) {
            return Err(ParkingError::FailedPrecondition(format!(
                "run {run_id} is {}, not running",
                run.state.as_str()
            )));
        }
        self.finish(run_id, RunState::Cancelled, "").await?;
        let now = self.clock.now_ms();
        let mut audit = audit_fields(now, caller, "cancel_run", &[], None, "");
        audit.push(("run_id", run_id.to_owned()));
        self.store.audit(&audit).await?;
        self.metrics.operator_action("cancel_run");
        info!(actor = %caller.name, run_id, "run cancelled");
        self.run(run_id).await
    }

    /// Resume a cancelled or stopped run where it stopped.
    pub(super) async fn resume(&self, caller: &Caller, run_id: &str) -> Result<Run, ParkingError> {
        let run = self.run(run_id).await?;
        if !matches!(run.state, RunState::Cancelled | RunState::Stopped) {
            return Err(ParkingError::FailedPrecondition(format!(
                "run {run_id} is {}; only cancelled or stopped runs can be resumed",
                run.state.as_str()
            )));
        }
        // Auto-stop judges what happens from here on.
        let now = self.clock.now_ms();
        let fields = [
            ("state", "running".to_owned()),
            ("stop_reason", String::new()),
            ("base_failed", run.failed_again.to_string()),
            ("base_resubmitted", run.resubmitted.to_string()),
            ("canary_done", "1".to_owned()),
            ("updated_at", now.to_string()),
        ];
        self.store.reactivate_run(run_id, &fields).await?;
        let mut audit = audit_fields(now, caller, "resume_run", &[], None, "");
        audit.push(("run_id", run_id.to_owned()));
        self.store.audit(&audit).await?;
        self.metrics.operator_action("resume_run");
        info!(actor = %caller.name, run_id, "run resumed");
        self.wake.notify_one();
        self.run(run_id).await
    }

    async fn finish(
        &self,
        run_id: &str,
        state: RunState,
        reason: &str,
    ) -> Result<(), ParkingError> {
        let fields = [
            ("state", state.as_str().to_owned()),
            ("stop_reason", reason.to_owned()),
            ("updated_at", self.clock.now_ms().to_string()),
            ("lease_until", "0".to_owned()),
        ];
        self.store
            .finish_run(run_id, &fields, self.ttl.as_secs().max(1))
            .await?;
        Ok(())
    }
}
