//! One batch of a run, committed in one script, and the resubmit entry of each message.

use tracing::warn;

use crate::parking::{ParkingError, Record, record::SUMMARY_FIELDS, retriage::verdict};
use crate::{
    store::{BatchResult, RequeueMode, ResubmitEntry},
    workflow::outgoing_headers,
};
use salvage_model::{
    entry::{Entry, with_attempt},
    history::Attempt,
    payload_digest,
};

use super::{
    Runs,
    types::{Run, RunKind},
};

impl Runs {
    /// Build and commit one batch. Returns false when the run is no longer ours.
    pub(super) async fn batch(
        &self,
        run: &Run,
        ids: &[String],
        lease_until: u64,
    ) -> Result<bool, ParkingError> {
        let store = &self.store;
        let new_cursor = run.done + ids.len() as u64;
        let mut excluded: Vec<String> = Vec::new();
        for _ in 0..5 {
            // The edits too: a copy whose payload an operator edited counts as changed.
            let fields: Vec<&str> = SUMMARY_FIELDS.iter().copied().chain(["edits"]).collect();
            let records = store.records(ids, &fields, false).await?;
            let records: Vec<Record> = records.iter().filter_map(Record::parse).collect();
            let mut extra_skipped = (ids.len() - records.len()) as u64;
            let now = self.clock.now_ms();
            let mut entries = Vec::new();
            let mut wake = false;
            for r in &records {
                if excluded.contains(&r.tracking_id) {
                    extra_skipped += 1;
                    continue;
                }
                match self.entry(run, r, now) {
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
                    &self.owner,
                    lease_until,
                    new_cursor,
                    &run.created_by,
                    extra_skipped,
                    &entries,
                    now,
                )
                .await?;
            match result {
                BatchResult::Done { parked_at, .. } => {
                    let outcome = match run.kind {
                        RunKind::Resubmit => "resubmitted",
                        RunKind::Retriage => "retriaged",
                    };
                    self.metrics.resolved(outcome, &parked_at, now);
                    if wake {
                        self.relay_wake.notify_one();
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

    /// The resubmit entry for one record, resubmitted `now` (ms), and whether it goes through an
    /// outbox; `None` when it is not to be resubmitted (re-triage: no rule repairs it; or its
    /// destination is gone).
    pub(super) fn entry(&self, run: &Run, r: &Record, now: u64) -> Option<(ResubmitEntry, bool)> {
        let (payload, rule, rules_version) = match run.kind {
            RunKind::Resubmit => (r.message.payload.clone(), String::new(), None),
            RunKind::Retriage => {
                let v = verdict(&self.rules.current(), r);
                (
                    v.repaired?,
                    v.rule,
                    Some(v.rules_version).filter(|v| !v.is_empty()),
                )
            }
        };
        let Some(dest) = self.destinations.get(&r.message.destination) else {
            warn!(tracking_id = %r.tracking_id, destination = %r.message.destination, "the message's destination is no longer configured; it stays parked");
            return None;
        };
        // The copy stays in the record's bucket: its tracking id says so.
        let layout = self.store.layout();
        let bucket = layout.of_tracking_id(&r.tracking_id)?;
        let new_tid = layout.new_tracking_id(bucket);
        let attempts = r.attempts.len();
        let out_headers = outgoing_headers(&r.message.headers, &new_tid, &rule, &r.code, None);
        let entry = Entry {
            id: r.message.id.clone(),
            payload,
            headers: with_attempt(attempts as u64, &out_headers),
            content_type: r.message.content_type.clone(),
            event_type: r.message.event_type.clone(),
            partition_key: r.message.partition_key.clone(),
        };
        let outbox = dest.requeue_mode() == RequeueMode::Outbox;
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut push = |k: &str, v: &[u8]| {
            fields.push(k.as_bytes().to_vec());
            fields.push(v.to_vec());
        };
        if outbox {
            push("tracking_id", new_tid.as_bytes());
            push("message_key", r.message_key.as_bytes());
            push("destination", r.message.destination.as_bytes());
            push("queue", r.message.queue.as_bytes());
            // Settling the entry counts the copy as delivered or failed on the run.
            push("run", run.id.as_bytes());
        }
        for (name, v) in entry.fields(dest.fields()) {
            push(name, v);
        }
        let payload = entry.payload;
        let changed = payload != r.message.payload || !r.edits.is_empty();
        let reason = match run.kind {
            RunKind::Resubmit => format!("resubmitted by {}", run.created_by),
            RunKind::Retriage => {
                format!("re-triaged by {}: repaired by rule {rule}", run.created_by)
            }
        };
        let history = serde_json::to_string(&Attempt {
            attempt: attempts as u64,
            outcome: "RESUBMITTED".to_owned(),
            reason,
            at: now,
            tracking_id: new_tid.clone(),
            rule,
            rules_version,
            actor: Some(run.created_by.clone()),
            run_id: Some(run.id.clone()),
            payload: changed.then(|| String::from_utf8_lossy(&payload).into_owned()),
            ..Attempt::default()
        })
        .unwrap_or_default();
        let target = if outbox {
            layout.bucket(bucket).outbox(&r.message.destination)
        } else {
            r.message.queue.clone()
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
