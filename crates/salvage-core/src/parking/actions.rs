//! Operator actions on single records and selections: edit (optimistic concurrency), discard to
//! the archive, restore from it. Each is one script that also writes the audit entry and the
//! event, so an action is never done without its record.

use std::{collections::BTreeMap, sync::Arc};

use salvage_model::Clock;
use tracing::info;

use super::{
    Caller, ParkingError, Record, Selection, audit::audit_fields, list::Reader, redact::Redactor,
};
use crate::{
    metrics::Metrics,
    store::{EditResult, Store},
};

/// A change to a parked record.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    /// The record.
    pub tracking_id: String,
    /// The version the caller read.
    pub expected_version: u64,
    /// New payload.
    pub payload: Option<Vec<u8>>,
    /// New headers (all of them).
    pub headers: Option<BTreeMap<String, String>>,
    /// Why.
    pub comment: String,
}

/// What a discard or restore did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moved {
    /// Messages the selection matched.
    pub matched: u64,
    /// Moved.
    pub moved: u64,
    /// Not moved, with why.
    pub not_moved: Vec<(String, String)>,
    /// Some of the matched messages (for dry runs).
    pub sample: Vec<Record>,
}

/// Whether a content type says JSON: `application/json`, `text/json` or any `+json` type
/// (`application/cloudevents+json`), parameters and case aside.
pub fn is_json_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

/// Edits, discards and restores: what they use of the parking lot.
#[derive(Debug)]
pub(super) struct Actions {
    /// Selections, samples, and the record an edit returns.
    pub(super) read: Reader,
    /// The scripts that change records (and write the audit entry and the event).
    pub(super) store: Store,
    /// Puts back the stored values at masks an edit left in place.
    pub(super) redactor: Arc<Redactor>,
    /// Operator actions, and how long discarded messages were parked.
    pub(super) metrics: Arc<Metrics>,
    /// The time of each action.
    pub(super) clock: Arc<dyn Clock>,
    /// `limits.max_payload_bytes`: an edited payload's limit.
    pub(super) max_payload: usize,
    /// `parking_lot.batch_size`: messages moved per script.
    pub(super) batch_size: usize,
}

impl Actions {
    /// Apply an edit if the record is still at the version the caller read.
    pub(super) async fn edit(&self, caller: &Caller, edit: &Edit) -> Result<Record, ParkingError> {
        if edit.tracking_id.is_empty() {
            return Err(ParkingError::invalid(
                "tracking_id",
                "required: the tracking id of a parked message".to_owned(),
            ));
        }
        if edit.expected_version == 0 {
            return Err(ParkingError::invalid(
                "expected_version",
                "required: the version you read (GetParked summary.version)".to_owned(),
            ));
        }
        if edit.payload.is_none() && edit.headers.is_none() {
            return Err(ParkingError::invalid(
                "payload",
                "nothing to change: set payload and/or headers (with replace_headers)".to_owned(),
            ));
        }
        let payload = match &edit.payload {
            Some(p) => Some(self.unmasked(edit, p).await?),
            None => None,
        };
        if let Some(p) = &payload {
            self.check_json(&edit.tracking_id, p).await?;
        }
        if let Some(p) = &payload
            && p.len() > self.max_payload
        {
            return Err(ParkingError::invalid(
                "payload",
                format!(
                    "{} bytes, over the limit of {} bytes (limits.max_payload_bytes)",
                    p.len(),
                    self.max_payload
                ),
            ));
        }
        let headers = edit
            .headers
            .as_ref()
            .map(|h| serde_json::to_string(h).unwrap_or_else(|_| "{}".to_owned()));
        let ids = [edit.tracking_id.clone()];
        let now = self.clock.now_ms();
        let audit = audit_fields(now, caller, "edit", &ids, None, &edit.comment);
        let result = self
            .store
            .edit_parked(
                &edit.tracking_id,
                edit.expected_version,
                payload.as_deref(),
                headers.as_deref(),
                &caller.name,
                now,
                &audit,
            )
            .await?;
        match result {
            EditResult::Edited(v) => {
                self.metrics.operator_action("edit");
                info!(actor = %caller.name, tracking_id = %edit.tracking_id, version = v, "parked message edited");
                self.read.get(&edit.tracking_id).await
            }
            EditResult::Stale(v) => Err(ParkingError::Aborted(format!(
                "message {} is at version {v}, not {}: someone changed it since you read it; \
                 read it again and redo your edit",
                edit.tracking_id, edit.expected_version
            ))),
            EditResult::Missing => Err(ParkingError::NotFound(format!(
                "no parked message with tracking id {:?} (resolved or archived meanwhile?)",
                edit.tracking_id
            ))),
        }
    }

    /// Refuses a payload that is not JSON (or is ambiguous JSON: a key written twice, or nested
    /// too deep) for a message whose content type says JSON: the rules could not read it.
    async fn check_json(&self, tracking_id: &str, payload: &[u8]) -> Result<(), ParkingError> {
        let ids = [tracking_id.to_owned()];
        let rows = self.store.records(&ids, &["content_type"], false).await?;
        let content_type = rows
            .first()
            .and_then(|r| r.get("content_type"))
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        if !is_json_content_type(&content_type) {
            return Ok(());
        }
        salvage_rules::exact::parse(payload)
            .map(|_| ())
            .map_err(|e| {
                ParkingError::invalid(
                    "payload",
                    format!(
                        "must be JSON, as the message's content type is {content_type:?}, but it \
                     {e}; nothing was changed"
                    ),
                )
            })
    }

    /// `payload` with every mask left at a sensitive place replaced by the stored value, so an
    /// operator who edits a masked payload does not overwrite what they never saw. Unchanged
    /// when nothing is masked, or when the record is not at the version the edit expects (the
    /// edit is refused as stale anyway).
    async fn unmasked(&self, edit: &Edit, payload: &[u8]) -> Result<Vec<u8>, ParkingError> {
        let redactor = &self.redactor;
        let mask = super::redact::MASK.as_bytes();
        if redactor.is_empty() || !payload.windows(mask.len()).any(|w| w == mask) {
            return Ok(payload.to_vec());
        }
        let Ok(mut edited) = serde_json::from_slice::<serde_json::Value>(payload) else {
            return Ok(payload.to_vec());
        };
        let raw = self.store.record(&edit.tracking_id, false).await?;
        let Some(stored) = Record::parse(&raw).filter(|r| r.version == edit.expected_version)
        else {
            return Ok(payload.to_vec());
        };
        let Ok(stored) = serde_json::from_slice::<serde_json::Value>(&stored.message.payload)
        else {
            return Ok(payload.to_vec());
        };
        let typed = edited.clone();
        redactor.unmask(&mut edited, &stored);
        // The operator's text, with only the masks replaced (numbers and escapes as typed).
        Ok(salvage_rules::splice::rewrite(payload, &typed, &edited)
            .or_else(|| serde_json::to_vec(&edited).ok())
            .unwrap_or_else(|| payload.to_vec()))
    }

    /// Move the selected parked messages to the archive.
    pub(super) async fn discard(
        &self,
        caller: &Caller,
        selection: &Selection,
        reason: &str,
        dry_run: bool,
    ) -> Result<Moved, ParkingError> {
        if reason.trim().is_empty() {
            return Err(ParkingError::invalid(
                "reason",
                "required: say why these messages are discarded (kept in the archive and the \
                 audit log)"
                    .to_owned(),
            ));
        }
        let ids = self.read.select(selection, false).await?;
        let mut out = Moved {
            matched: ids.len() as u64,
            ..Moved::default()
        };
        if dry_run {
            out.sample = self.read.sample(&ids, false).await?;
            return Ok(out);
        }
        let batch = self.batch_size;
        let now = self.clock.now_ms();
        let mut parked_at = Vec::new();
        for (i, chunk) in ids.chunks(batch).enumerate() {
            // One audit entry for the whole action, written with its first batch.
            let audit = if i == 0 {
                let mut a = audit_fields(now, caller, "discard", &ids, Some(&selection.filter), "");
                a.push(("reason", reason.to_owned()));
                a
            } else {
                Vec::new()
            };
            let moved = self
                .store
                .discard_parked(
                    chunk,
                    &caller.name,
                    reason,
                    false,
                    now,
                    self.store.state_ttl_secs(),
                    &audit,
                )
                .await?;
            out.moved += moved.len() as u64;
            parked_at.extend(moved);
        }
        self.metrics.operator_action("discard");
        self.metrics.resolved("discarded", &parked_at, now);
        info!(actor = %caller.name, discarded = out.moved, reason, "parked messages discarded");
        Ok(out)
    }

    /// Bring the selected archived messages back into the parking lot.
    pub(super) async fn restore(
        &self,
        caller: &Caller,
        selection: &Selection,
        comment: &str,
        dry_run: bool,
    ) -> Result<Moved, ParkingError> {
        let ids = self.read.select(selection, true).await?;
        let mut out = Moved {
            matched: ids.len() as u64,
            ..Moved::default()
        };
        if !selection.tracking_ids.is_empty() {
            for t in &selection.tracking_ids {
                if !ids.contains(t) {
                    out.not_moved
                        .push((t.clone(), "not in the archive".to_owned()));
                }
            }
        }
        if dry_run {
            out.sample = self.read.sample(&ids, true).await?;
            return Ok(out);
        }
        let now = self.clock.now_ms();
        for (i, chunk) in ids.chunks(self.batch_size).enumerate() {
            let audit = if i == 0 {
                audit_fields(
                    now,
                    caller,
                    "restore",
                    &ids,
                    Some(&selection.filter),
                    comment,
                )
            } else {
                Vec::new()
            };
            let (n, not) = self
                .store
                .restore_archived(chunk, &caller.name, now, &audit)
                .await?;
            out.moved += n;
            out.not_moved.extend(not);
        }
        self.metrics.operator_action("restore");
        info!(actor = %caller.name, restored = out.moved, "archived messages restored");
        Ok(out)
    }
}
