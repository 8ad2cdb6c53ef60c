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

use std::{collections::HashMap, sync::Mutex, time::Duration};

use serde_json::json;
use tokio::time::Instant;
use tracing::{info, warn};

use super::{
    Caller, ParkingError, ParkingLot, Record, Selection, audit::audit_fields,
    record::SUMMARY_FIELDS, retriage::verdict,
};
use crate::{
    shutdown::ShutdownSignal,
    store::{BatchResult, RequeueMode, ResubmitEntry},
    workflow::outgoing_headers,
};
use salvage_model::{headers, now_ms, payload_digest};

/// Runs of at most this many messages, without rate limit or canary, complete inside the call.
pub const INLINE_RUN_MAX: usize = 1000;

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// Resubmit as is (with any edits).
    Resubmit,
    /// Resubmit what the current rules repair, repaired.
    Retriage,
}

impl RunKind {
    /// Its name in Redis and the APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resubmit => "resubmit",
            Self::Retriage => "retriage",
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Working.
    Running,
    /// The canary went out; waiting for its fate.
    CanaryWait,
    /// Every message handled, and every resubmitted copy delivered.
    Completed,
    /// Every message handled; some resubmitted copies are still on their way to a broker (in
    /// the outbox). Derived on read, never stored.
    Delivering,
    /// Every message handled, but some resubmitted copies could not be delivered and were parked
    /// again (`delivery_failed`). Derived on read, never stored.
    CompletedWithFailures,
    /// Cancelled by an operator.
    Cancelled,
    /// Stopped by itself (auto-stop).
    Stopped,
}

impl RunState {
    fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "canary_wait" => Self::CanaryWait,
            "cancelled" => Self::Cancelled,
            "stopped" => Self::Stopped,
            _ => Self::Completed,
        }
    }

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::CanaryWait => "canary_wait",
            Self::Completed => "completed",
            Self::Delivering => "delivering",
            Self::CompletedWithFailures => "completed_with_failures",
            Self::Cancelled => "cancelled",
            Self::Stopped => "stopped",
        }
    }
}

/// Safe-redrive options.
#[derive(Debug, Clone, PartialEq)]
pub struct Redrive {
    /// Messages per second; 0 = unlimited.
    pub rate_per_second: f64,
    /// Canary size; 0 = none.
    pub canary: u64,
    /// Wait after the canary.
    pub canary_wait: Duration,
    /// Auto-stop ratio.
    pub stop_failure_ratio: f64,
    /// Auto-stop minimum.
    pub stop_min_failures: u64,
    /// No auto-stop.
    pub disable_auto_stop: bool,
}

impl Default for Redrive {
    fn default() -> Self {
        Self {
            rate_per_second: 0.0,
            canary: 0,
            canary_wait: Duration::from_secs(30),
            stop_failure_ratio: 0.2,
            stop_min_failures: 3,
            disable_auto_stop: false,
        }
    }
}

impl Redrive {
    /// Reject what cannot be meant.
    pub fn validate(&self) -> Result<(), ParkingError> {
        let r = self.rate_per_second;
        if !r.is_finite() || r < 0.0 {
            return Err(ParkingError::invalid(
                "options.rate_per_second",
                format!("{r} is not a rate: give messages per second, or 0 for no limit"),
            ));
        }
        let q = self.stop_failure_ratio;
        if !(q > 0.0 && q <= 1.0) {
            return Err(ParkingError::invalid(
                "options.stop_failure_ratio",
                format!("{q} is not a share: give a number in (0, 1], or 0 for the default 0.2"),
            ));
        }
        Ok(())
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Its id.
    pub id: String,
    /// Resubmit or re-triage.
    pub kind: RunKind,
    /// Where it is.
    pub state: RunState,
    /// Messages selected.
    pub total: u64,
    /// Handled so far.
    pub done: u64,
    /// Resubmitted.
    pub resubmitted: u64,
    /// Skipped.
    pub skipped: u64,
    /// Resubmitted and reported failing again.
    pub failed_again: u64,
    /// Resubmitted copies their destination took (inline: at once; brokers: once confirmed).
    pub delivered: u64,
    /// Resubmitted copies a broker refused until they were parked again.
    pub delivery_failed: u64,
    /// Why it stopped by itself.
    pub stop_reason: String,
    /// Who started it.
    pub created_by: String,
    /// When (ms).
    pub created_at: u64,
    /// Last change (ms).
    pub updated_at: u64,
    /// Safe redrive.
    pub options: Redrive,
    /// The operator's comment.
    pub comment: String,
    canary_done: bool,
    canary_until: u64,
    base_failed: u64,
    base_resubmitted: u64,
}

impl Run {
    fn from_fields(id: &str, f: &HashMap<String, String>) -> Option<Self> {
        let n = |k: &str| f.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let x = |k: &str| f.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        let s = |k: &str| f.get(k).cloned().unwrap_or_default();
        let kind = match f.get("kind")?.as_str() {
            "retriage" => RunKind::Retriage,
            _ => RunKind::Resubmit,
        };
        let resubmitted = n("resubmitted");
        let (delivered, delivery_failed) = (n("delivered"), n("delivery_failed"));
        let mut state = RunState::parse(&s("state"));
        // A finished walk is not the end of a run's messages: say what became of them. (Runs
        // made before delivery was counted have no `delivered` field: they stay "completed".)
        if state == RunState::Completed && f.contains_key("delivered") {
            if delivered + delivery_failed < resubmitted {
                state = RunState::Delivering;
            } else if delivery_failed > 0 {
                state = RunState::CompletedWithFailures;
            }
        }
        Some(Self {
            id: id.to_owned(),
            kind,
            state,
            total: n("total"),
            done: n("cursor"),
            resubmitted,
            skipped: n("skipped"),
            failed_again: n("failed_again"),
            delivered,
            delivery_failed,
            stop_reason: s("stop_reason"),
            created_by: s("created_by"),
            created_at: n("created_at"),
            updated_at: n("updated_at"),
            options: Redrive {
                rate_per_second: x("rate"),
                canary: n("canary"),
                canary_wait: Duration::from_millis(n("canary_wait_ms")),
                stop_failure_ratio: x("stop_ratio"),
                stop_min_failures: n("stop_min"),
                disable_auto_stop: s("auto_stop") == "0",
            },
            comment: s("comment"),
            canary_done: s("canary_done") == "1",
            canary_until: n("canary_until"),
            base_failed: n("base_failed"),
            base_resubmitted: n("base_resubmitted"),
        })
    }

    /// Why this run should stop now, if it should.
    fn auto_stop(&self) -> Option<String> {
        let o = &self.options;
        if o.disable_auto_stop {
            return None;
        }
        let failed = self.failed_again.saturating_sub(self.base_failed);
        let sent = self
            .resubmitted
            .saturating_sub(self.base_resubmitted)
            .max(1);
        #[allow(
            clippy::cast_precision_loss,
            reason = "a ratio of two counts; f64 is exact below 2^52"
        )]
        let share = failed as f64 / sent as f64;
        (failed >= o.stop_min_failures && share >= o.stop_failure_ratio).then(|| {
            format!(
                "{failed} of {sent} resubmitted messages were reported failing again \
                 ({:.0}% >= {:.0}%){}",
                share * 100.0,
                o.stop_failure_ratio * 100.0,
                if self.canary_done && self.state == RunState::CanaryWait {
                    " during the canary"
                } else {
                    ""
                }
            )
        })
    }
}

/// What starting a run answered.
#[derive(Debug, Clone, Default)]
pub struct Started {
    /// The run (none for a dry run).
    pub run: Option<Run>,
    /// Messages selected.
    pub matched: u64,
    /// Some of them.
    pub sample: Vec<Record>,
}

/// Runs this process is driving now (so two of its tasks never drive one run).
#[derive(Debug, Default)]
pub(crate) struct Driving(Mutex<std::collections::HashSet<String>>);

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

impl ParkingLot {
    /// Start a resubmit (or, with `dry_run`, only count the selection).
    pub async fn resubmit(
        &self,
        caller: &Caller,
        selection: &Selection,
        options: Redrive,
        dry_run: bool,
        comment: &str,
    ) -> Result<Started, ParkingError> {
        options.validate()?;
        let ids = self.select(selection, false).await?;
        if dry_run {
            return Ok(Started {
                run: None,
                matched: ids.len() as u64,
                sample: self.sample(&ids, false).await?,
            });
        }
        self.start_run(caller, RunKind::Resubmit, selection, ids, options, comment)
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
        let now = now_ms();
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
            caller,
            kind.as_str(),
            &ids,
            Some(&selection.filter),
            comment,
        );
        audit.push(("run_id", run_id.clone()));
        self.inner
            .store
            .create_run(&run_id, &fields, &ids, &audit)
            .await?;
        self.inner.metrics.operator_action(kind.as_str());
        info!(actor = %caller.name, run_id, kind = kind.as_str(), total = matched, "run started");
        let inline = o.rate_per_second == 0.0 && o.canary == 0 && ids.len() <= INLINE_RUN_MAX;
        if inline {
            // Small runs finish before the call returns; if this fails midway (Redis down), the
            // run stays active and the background worker finishes it.
            if let Err(e) = self.drive(&run_id, None).await {
                warn!(run_id, error = %e, "run did not finish inline; continuing in the background");
            }
        }
        self.inner.runs_wake.notify_one();
        Ok(Started {
            run: Some(self.run(&run_id).await?),
            matched,
            sample: Vec::new(),
        })
    }

    /// A run.
    pub async fn run(&self, run_id: &str) -> Result<Run, ParkingError> {
        let f = self.inner.store.run_fields(run_id).await?;
        Run::from_fields(run_id, &f).ok_or_else(|| {
            ParkingError::NotFound(format!(
                "no run {run_id:?} (runs are kept for parking_lot.run_ttl after they end)"
            ))
        })
    }

    /// The most recent runs.
    pub async fn runs(&self, limit: usize) -> Result<Vec<Run>, ParkingError> {
        let ids = self.inner.store.recent_runs(limit).await?;
        let mut out = Vec::new();
        for id in ids {
            if let Ok(r) = self.run(&id).await {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Cancel a run after its current batch.
    pub async fn cancel_run(&self, caller: &Caller, run_id: &str) -> Result<Run, ParkingError> {
        let run = self.run(run_id).await?;
        if !matches!(run.state, RunState::Running | RunState::CanaryWait) {
            return Err(ParkingError::FailedPrecondition(format!(
                "run {run_id} is {}, not running",
                run.state.as_str()
            )));
        }
        self.finish(run_id, RunState::Cancelled, "").await?;
        let mut audit = audit_fields(caller, "cancel_run", &[], None, "");
        audit.push(("run_id", run_id.to_owned()));
        self.inner.store.audit(&audit).await?;
        self.inner.metrics.operator_action("cancel_run");
        info!(actor = %caller.name, run_id, "run cancelled");
        self.run(run_id).await
    }

    /// Resume a cancelled or stopped run where it stopped.
    pub async fn resume_run(&self, caller: &Caller, run_id: &str) -> Result<Run, ParkingError> {
        let run = self.run(run_id).await?;
        if !matches!(run.state, RunState::Cancelled | RunState::Stopped) {
            return Err(ParkingError::FailedPrecondition(format!(
                "run {run_id} is {}; only cancelled or stopped runs can be resumed",
                run.state.as_str()
            )));
        }
        // Auto-stop judges what happens from here on.
        let fields = [
            ("state", "running".to_owned()),
            ("stop_reason", String::new()),
            ("base_failed", run.failed_again.to_string()),
            ("base_resubmitted", run.resubmitted.to_string()),
            ("canary_done", "1".to_owned()),
            ("updated_at", now_ms().to_string()),
        ];
        self.inner.store.reactivate_run(run_id, &fields).await?;
        let mut audit = audit_fields(caller, "resume_run", &[], None, "");
        audit.push(("run_id", run_id.to_owned()));
        self.inner.store.audit(&audit).await?;
        self.inner.metrics.operator_action("resume_run");
        info!(actor = %caller.name, run_id, "run resumed");
        self.inner.runs_wake.notify_one();
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
            ("updated_at", now_ms().to_string()),
            ("lease_until", "0".to_owned()),
        ];
        self.inner
            .store
            .finish_run(
                run_id,
                &fields,
                self.inner.settings.run_ttl.as_secs().max(1),
            )
            .await?;
        Ok(())
    }

    /// Work on active runs until shutdown: each run is driven by one task at a time, in this
    /// process or another.
    pub async fn run_worker(self, mut shutdown: ShutdownSignal) {
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            match self.inner.store.active_runs().await {
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
                () = self.inner.runs_wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Drive one run until it ends, another process holds it, or shutdown.
    async fn drive(
        &self,
        run_id: &str,
        shutdown: Option<ShutdownSignal>,
    ) -> Result<(), ParkingError> {
        let Some(_guard) = self.inner.driving.enter(run_id) else {
            return Ok(());
        };
        let store = &self.inner.store;
        let owner = &self.inner.owner;
        let lease = u64::try_from(self.inner.settings.run_lease.as_millis()).unwrap_or(u64::MAX);
        let stopping = || shutdown.as_ref().is_some_and(ShutdownSignal::is_triggered);
        loop {
            let now = now_ms();
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
            let batch = self.inner.settings.batch_size as u64;
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
                let until =
                    now_ms() + u64::try_from(run.options.canary_wait.as_millis()).unwrap_or(0);
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

    /// Build and commit one batch. Returns false when the run is no longer ours.
    async fn batch(
        &self,
        run: &Run,
        ids: &[String],
        lease_until: u64,
    ) -> Result<bool, ParkingError> {
        let store = &self.inner.store;
        let new_cursor = run.done + ids.len() as u64;
        let mut excluded: Vec<String> = Vec::new();
        for _ in 0..5 {
            // The edits too: a copy whose payload an operator edited counts as changed.
            let fields: Vec<&str> = SUMMARY_FIELDS.iter().copied().chain(["edits"]).collect();
            let records = store.records(ids, &fields, false).await?;
            let records: Vec<Record> = records.iter().filter_map(Record::parse).collect();
            let mut extra_skipped = (ids.len() - records.len()) as u64;
            let mut entries = Vec::new();
            let mut wake = false;
            for r in &records {
                if excluded.contains(&r.tracking_id) {
                    extra_skipped += 1;
                    continue;
                }
                match self.entry(run, r) {
                    Some((e, outbox)) => {
                        wake |= outbox;
                        entries.push(e);
                    }
                    None => extra_skipped += 1,
                }
            }
            let result = store
                .resubmit_batch(
                    &run.id,
                    &self.inner.owner,
                    lease_until,
                    new_cursor,
                    &run.created_by,
                    extra_skipped,
                    &entries,
                    now_ms(),
                )
                .await?;
            match result {
                BatchResult::Done { parked_at, .. } => {
                    let outcome = match run.kind {
                        RunKind::Resubmit => "resubmitted",
                        RunKind::Retriage => "retriaged",
                    };
                    self.inner.metrics.resolved(outcome, &parked_at, now_ms());
                    if wake {
                        self.inner.relay_wake.notify_one();
                    }
                    return Ok(true);
                }
                BatchResult::Lost => return Ok(false),
                BatchResult::Stale(_) => {}
                BatchResult::Error {
                    tracking_id,
                    message,
                } => {
                    warn!(run_id = %run.id, tracking_id, message, "cannot resubmit; it stays parked");
                    excluded.push(tracking_id);
                }
            }
        }
        Err(ParkingError::Aborted(format!(
            "run {}: records kept changing while being resubmitted; retrying later",
            run.id
        )))
    }

    /// The resubmit entry for one record, and whether it goes through an outbox; `None` when it
    /// is not to be resubmitted (re-triage: no rule repairs it; or its destination is gone).
    fn entry(&self, run: &Run, r: &Record) -> Option<(ResubmitEntry, bool)> {
        let (payload, rule) = match run.kind {
            RunKind::Resubmit => (r.payload.clone(), String::new()),
            RunKind::Retriage => {
                let v = verdict(&self.inner.rules, r);
                (v.repaired?, v.rule)
            }
        };
        let Some(dest) = self.inner.destinations.get(&r.destination) else {
            warn!(tracking_id = %r.tracking_id, destination = %r.destination, "the message's destination is no longer configured; it stays parked");
            return None;
        };
        let new_tid = uuid::Uuid::now_v7().to_string();
        let attempts = r.attempts.len();
        let out_headers = outgoing_headers(&r.headers, &new_tid, &rule, &r.code, None);
        let mut headers: serde_json::Map<String, serde_json::Value> = serde_json::Map::new();
        headers.insert(headers::ATTEMPT.to_owned(), json!(attempts.to_string()));
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&out_headers) {
            headers.extend(m);
        }
        let headers = serde_json::Value::Object(headers).to_string();
        let f = dest.fields();
        let outbox = dest.requeue_mode() == RequeueMode::Outbox;
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut push = |k: &str, v: &[u8]| {
            fields.push(k.as_bytes().to_vec());
            fields.push(v.to_vec());
        };
        if outbox {
            push("tracking_id", new_tid.as_bytes());
            push("message_key", r.message_key.as_bytes());
            push("destination", r.destination.as_bytes());
            push("queue", r.queue.as_bytes());
            // Settling the entry counts the copy as delivered or failed on the run.
            push("run", run.id.as_bytes());
        }
        push(&f.id, r.id.as_bytes());
        push(&f.payload, &payload);
        push(&f.headers, headers.as_bytes());
        for (name, v) in [
            (&f.content_type, &r.content_type),
            (&f.event_type, &r.event_type),
            (&f.partition_key, &r.partition_key),
        ] {
            if !v.is_empty() {
                push(name, v.as_bytes());
            }
        }
        let changed = payload != r.payload || !r.edits.is_empty();
        let reason = match run.kind {
            RunKind::Resubmit => format!("resubmitted by {}", run.created_by),
            RunKind::Retriage => {
                format!("re-triaged by {}: repaired by rule {rule}", run.created_by)
            }
        };
        let history = json!({
            "attempt": attempts,
            "outcome": "RESUBMITTED",
            "reason": reason,
            "at": now_ms(),
            "tracking_id": new_tid,
            "rule": rule,
            "actor": run.created_by,
            "run_id": run.id,
            "payload": changed.then(|| String::from_utf8_lossy(&payload).into_owned()),
        })
        .to_string();
        let target = if outbox {
            self.inner.store.keys().outbox(&r.destination)
        } else {
            r.queue.clone()
        };
        Some((
            ResubmitEntry {
                tracking_id: r.tracking_id.clone(),
                version: r.version,
                new_tracking_id: new_tid,
                target,
                digest: payload_digest(&payload),
                changed,
                history,
                fields,
            },
            outbox,
        ))
    }
}

/// Sleep until `until`, or less if shutdown comes first.
async fn pause(until: Instant, shutdown: Option<&ShutdownSignal>) {
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
