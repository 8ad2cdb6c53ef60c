//! What the console's JSON API answers: the parking lot's types shaped for the page, with every
//! payload masked by the [`Redactor`] (see `docs/console-api.md` for the shapes).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::parking::{
    Record,
    audit::AuditEntry,
    list::Group,
    redact::{Change, Redactor},
    runs::Run,
};
use salvage_model::history;
use salvage_rules::{diff, jsontext, splice};

/// Characters of payload in a listing's preview.
const PREVIEW_CHARS: usize = 160;

/// Why and when a message was archived.
#[derive(Debug, Serialize)]
pub(super) struct Archived {
    at: u64,
    by: String,
    reason: String,
}

/// A message in a listing.
#[derive(Debug, Serialize)]
pub(super) struct Summary {
    tracking_id: String,
    id: String,
    queue: String,
    destination: String,
    event_type: String,
    code: String,
    reason: String,
    rule: String,
    group: String,
    parked_at: u64,
    last_seen: u64,
    reports: u32,
    version: u64,
    preview: String,
    archived: Option<Archived>,
}

/// One attempt, with the payload its repair produced and the diff from the original.
#[derive(Debug, Serialize)]
pub(super) struct Attempt {
    attempt: u64,
    outcome: String,
    reason: String,
    at: u64,
    rule: String,
    /// The version of the rules that decided ("" for attempts recorded before versions were).
    rules_version: String,
    code: String,
    message: String,
    tracking_id: String,
    produced: Option<String>,
    diff: Vec<DiffRow>,
}

/// One change of a repair, its values as JSON text: the page shows them as sent (a browser's
/// `JSON.parse` would turn `12.30` into `12.3` and a 23-digit id into a double).
#[derive(Debug, Serialize)]
pub(super) struct DiffRow {
    pointer: String,
    op: &'static str,
    before: Option<String>,
    after: Option<String>,
}

impl From<Change> for DiffRow {
    fn from(c: Change) -> Self {
        let text = |v: Option<Value>| v.map(|v| v.to_string());
        DiffRow {
            pointer: c.pointer,
            op: c.op.as_str(),
            before: text(c.before),
            after: text(c.after),
        }
    }
}

/// One edit.
#[derive(Debug, Serialize)]
pub(super) struct Edit {
    version: u64,
    at: u64,
    actor: String,
}

/// A whole message.
#[derive(Debug, Serialize)]
pub(super) struct Detail {
    #[serde(flatten)]
    summary: Summary,
    content_type: String,
    partition_key: String,
    payload: String,
    payload_is_json: bool,
    headers: BTreeMap<String, String>,
    failure: Value,
    original: String,
    attempts: Vec<Attempt>,
    edits: Vec<Edit>,
    redacted: Vec<String>,
    revealed: bool,
}

/// A failure group.
#[derive(Debug, Serialize)]
pub(super) struct GroupView {
    id: String,
    queue: String,
    code: String,
    count: u64,
    first_seen: u64,
    last_seen: u64,
    sample_error: String,
}

/// A bulk run.
#[derive(Debug, Serialize)]
pub(super) struct RunView {
    id: String,
    kind: &'static str,
    state: &'static str,
    total: u64,
    done: u64,
    resubmitted: u64,
    skipped: u64,
    failed_again: u64,
    delivered: u64,
    delivery_failed: u64,
    stop_reason: String,
    created_by: String,
    created_at: u64,
    updated_at: u64,
    comment: String,
}

/// An audit entry.
#[derive(Debug, Serialize)]
pub(super) struct AuditView {
    id: String,
    at: u64,
    actor: String,
    role: String,
    action: String,
    count: u64,
    tracking_ids: Vec<String>,
    filter: Option<Value>,
    run_id: String,
    comment: String,
    payload_before: Option<String>,
    payload_after: Option<String>,
}

/// A listing's entry.
pub(super) fn summary(r: &Record, redactor: &Redactor) -> Summary {
    let shown = redactor.show(&r.message.payload, false);
    // The preview is one line: the compact form of the masked JSON (its text as sent).
    let compact = if shown.is_json {
        jsontext::compact(&shown.text)
    } else {
        shown.text
    };
    Summary {
        tracking_id: r.tracking_id.clone(),
        id: r.message.id.clone(),
        queue: r.message.queue.clone(),
        destination: r.message.destination.clone(),
        event_type: r.message.event_type.clone(),
        code: r.code.clone(),
        reason: r.reason.clone(),
        rule: r.rule.clone(),
        group: r.group.clone(),
        parked_at: r.parked_at,
        last_seen: r.last_seen,
        reports: r.reports,
        version: r.version,
        preview: compact.chars().take(PREVIEW_CHARS).collect(),
        archived: r.archived.as_ref().map(|a| Archived {
            at: a.at,
            by: a.by.clone(),
            reason: a.reason.clone(),
        }),
    }
}

/// A whole message, masked unless `reveal`.
pub(super) fn detail(r: &Record, redactor: &Redactor, reveal: bool) -> Detail {
    let shown = redactor.show(&r.message.payload, reveal);
    let original = redactor.show(&original(r), reveal);
    let attempts = r
        .attempts
        .iter()
        .map(|a| attempt(a, redactor, reveal))
        .collect();
    let mut redacted = shown.masked.clone();
    for p in original.masked {
        if !redacted.contains(&p) {
            redacted.push(p);
        }
    }
    Detail {
        summary: summary(r, redactor),
        content_type: r.message.content_type.clone(),
        partition_key: r.message.partition_key.clone(),
        payload: shown.text,
        payload_is_json: shown.is_json,
        headers: r.message.headers.clone(),
        failure: r.failure.clone(),
        original: original.text,
        attempts,
        edits: r
            .edits
            .iter()
            .map(|e| Edit {
                version: e.version,
                at: e.at,
                actor: e.actor.clone(),
            })
            .collect(),
        redacted,
        revealed: reveal,
    }
}

/// The payload as first reported: the first repair's output taken back through its changes
/// (in the history); else, when no repair ran, what the first edit replaced or the payload.
fn original(r: &Record) -> Vec<u8> {
    let first_repair = r.attempts.iter().find_map(|a| {
        let changes = a.changes.as_deref()?;
        let text = a.payload.as_deref()?;
        let produced: Value = serde_json::from_str(text).ok()?;
        let before = diff::undo(&produced, changes)?;
        // The produced text taken back where the repair changed it: the rest as sent.
        splice::rewrite(text.as_bytes(), &produced, &before)
            .or_else(|| serde_json::to_vec(&before).ok())
    });
    first_repair
        .or_else(|| r.edits.first().map(|e| e.previous_payload.clone()))
        .unwrap_or_else(|| r.message.payload.clone())
}

fn attempt(a: &history::Attempt, redactor: &Redactor, reveal: bool) -> Attempt {
    // A parked attempt sent nothing back, whatever a rule produced.
    let produced = a.sent_payload();
    // What the repair changed in the payload it was given (recorded with the attempt).
    let mut diff: Vec<Change> = a
        .changes
        .clone()
        .filter(|_| produced.is_some())
        .unwrap_or_default();
    if !reveal {
        redactor.mask_changes(&mut diff);
    }
    Attempt {
        attempt: a.attempt,
        reason: a.reason.clone(),
        at: a.at,
        rule: a.rule.clone(),
        rules_version: a.rules_version.clone().unwrap_or_default(),
        code: a.code.clone().unwrap_or_default(),
        message: a.message.clone().unwrap_or_default(),
        tracking_id: a.tracking_id.clone(),
        produced: produced.map(|p| redactor.show(p.as_bytes(), reveal).text),
        diff: diff.into_iter().map(DiffRow::from).collect(),
        outcome: a.outcome.clone(),
    }
}

/// A failure group.
pub(super) fn group(g: &Group) -> GroupView {
    GroupView {
        id: g.id.clone(),
        queue: g.queue.clone(),
        code: g.code.clone(),
        count: g.count,
        first_seen: g.first_seen,
        last_seen: g.last_seen,
        sample_error: g.sample_error.clone(),
    }
}

/// A bulk run.
pub(super) fn run(r: &Run) -> RunView {
    RunView {
        id: r.id.clone(),
        kind: r.kind.as_str(),
        state: r.state.as_str(),
        total: r.total,
        done: r.done,
        resubmitted: r.resubmitted,
        skipped: r.skipped,
        failed_again: r.failed_again,
        delivered: r.delivered,
        delivery_failed: r.delivery_failed,
        stop_reason: r.stop_reason.clone(),
        created_by: r.created_by.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        comment: r.comment.clone(),
    }
}

/// An audit entry, its payloads masked.
pub(super) fn audit(e: &AuditEntry, redactor: &Redactor) -> AuditView {
    let payload = |p: &[u8]| (!p.is_empty()).then(|| redactor.show(p, false).text);
    AuditView {
        id: e.id.clone(),
        at: e.at,
        actor: e.actor.clone(),
        role: e.role.clone(),
        action: e.action.clone(),
        count: e.message_count,
        tracking_ids: e.tracking_ids.clone(),
        filter: serde_json::from_str(&e.filter).ok(),
        run_id: e.run_id.clone(),
        comment: e.comment.clone(),
        payload_before: payload(&e.payload_before),
        payload_after: payload(&e.payload_after),
    }
}
