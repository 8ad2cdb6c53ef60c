//! The audit log: every operator action, newest first, filtered by actor or tracking id. Entries
//! are written by the scripts that make the change, with the fields [`audit_fields`] makes; this
//! reads them back, and records what changes nothing but must still be known (revealing a masked
//! value in the console).

use std::{collections::HashMap, sync::Arc};

use salvage_model::Clock;

use super::{Caller, ParkingError};
use crate::store::{AuditFields, Store};

/// Entries examined per page at most, so a rare actor cannot make one page walk the whole log.
const AUDIT_SCAN: usize = 5_000;

/// Tracking ids listed in one audit entry (the count has them all).
const AUDIT_IDS: usize = 100;

/// The audit fields common to every action, done `at` (ms).
pub(crate) fn audit_fields(
    at: u64,
    caller: &Caller,
    action: &str,
    ids: &[String],
    filter: Option<&super::Filter>,
    comment: &str,
) -> AuditFields {
    let mut f: AuditFields = vec![
        ("at", at.to_string()),
        ("actor", caller.name.clone()),
        ("role", caller.role.as_str().to_owned()),
        ("action", action.to_owned()),
        (
            "tracking_ids",
            ids.iter()
                .take(AUDIT_IDS)
                .cloned()
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("message_count", ids.len().to_string()),
    ];
    if let Some(filter) = filter.filter(|f| !f.is_empty()) {
        f.push(("filter", serde_json::to_string(filter).unwrap_or_default()));
    }
    if !comment.is_empty() {
        f.push(("comment", comment.to_owned()));
    }
    f
}

/// One audit entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its stream id (also the page token); with more than one bucket, an entry of a bucket's
    /// audit stream has `@<bucket>` after it, so ids stay unique and strictly ordered across
    /// the streams (the store's `audit_page`).
    pub id: String,
    /// When (ms).
    pub at: u64,
    /// Who (token name).
    pub actor: String,
    /// Their role.
    pub role: String,
    /// What: edit, resubmit, retriage, discard, restore, reveal, cancel_run, resume_run.
    pub action: String,
    /// Up to 100 of the tracking ids.
    pub tracking_ids: Vec<String>,
    /// How many messages.
    pub message_count: u64,
    /// The filter, as JSON, for bulk actions by filter.
    pub filter: String,
    /// The run, for bulk actions.
    pub run_id: String,
    /// The operator's comment or reason.
    pub comment: String,
    /// An edit's payload before.
    pub payload_before: Vec<u8>,
    /// An edit's payload after.
    pub payload_after: Vec<u8>,
    /// An edit's headers before (JSON).
    pub headers_before: String,
    /// An edit's headers after (JSON).
    pub headers_after: String,
}

impl AuditEntry {
    fn from_fields(id: String, m: &HashMap<String, Vec<u8>>) -> Self {
        let s = |k: &str| {
            m.get(k)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default()
        };
        let b = |k: &str| m.get(k).cloned().unwrap_or_default();
        Self {
            at: s("at").parse().unwrap_or(0),
            actor: s("actor"),
            role: s("role"),
            action: s("action"),
            tracking_ids: s("tracking_ids")
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            message_count: s("message_count").parse().unwrap_or(0),
            filter: s("filter"),
            run_id: s("run_id"),
            comment: [s("comment"), s("reason")]
                .into_iter()
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join("; "),
            payload_before: b("payload_before"),
            payload_after: b("payload_after"),
            headers_before: s("headers_before"),
            headers_after: s("headers_after"),
            id,
        }
    }
}

/// Reading the audit log and recording reveals: what they use of the parking lot.
#[derive(Debug)]
pub(super) struct Audit {
    /// The audit log.
    pub(super) store: Store,
    /// The time of a reveal.
    pub(super) clock: Arc<dyn Clock>,
}

impl Audit {
    /// One page of the audit log, newest first, after `page_token` (a previous page's last id),
    /// keeping entries by `actor` and naming `tracking_id` (empty: any). Returns the entries and
    /// the next page token ("" at the end).
    pub(super) async fn log(
        &self,
        actor: &str,
        tracking_id: &str,
        page_token: &str,
        size: usize,
    ) -> Result<(Vec<AuditEntry>, String), ParkingError> {
        let mut max = if page_token.is_empty() {
            "+".to_owned()
        } else {
            format!("({page_token}")
        };
        let mut entries = Vec::new();
        let mut scanned = 0;
        loop {
            let chunk = self.store.audit_page(&max, 200).await?;
            if chunk.is_empty() {
                return Ok((entries, String::new()));
            }
            for (id, m) in chunk {
                scanned += 1;
                max = format!("({id}");
                let e = AuditEntry::from_fields(id.clone(), &m);
                let keep = (actor.is_empty() || e.actor == actor)
                    && (tracking_id.is_empty() || e.tracking_ids.iter().any(|t| t == tracking_id));
                if keep {
                    entries.push(e);
                }
                if entries.len() == size || scanned >= AUDIT_SCAN {
                    return Ok((entries, id));
                }
            }
        }
    }

    /// Record that `caller` saw the masked values of a message in the clear.
    pub(super) async fn reveal(
        &self,
        caller: &Caller,
        tracking_id: &str,
    ) -> Result<(), ParkingError> {
        let ids = [tracking_id.to_owned()];
        let at = self.clock.now_ms();
        let fields = audit_fields(at, caller, "reveal", &ids, None, "revealed masked values");
        self.store.audit(&fields).await?;
        Ok(())
    }
}
