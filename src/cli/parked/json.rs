//! `--json` output: the protobuf messages as JSON values, by hand (prost types have no serde).
//! Times are RFC 3339 strings (or null), enums their names, payloads text (lossy UTF-8) with
//! `payload_json` holding the parsed payload when it is JSON.

use std::{collections::HashMap, time::Duration};

use serde_json::{Map, Value, json};

use super::render::rfc3339;
use crate::proto::v1 as pb;

/// Print one JSON document on stdout.
pub(crate) fn print(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(_) => println!("{value}"),
    }
}

fn time(ts: Option<&prost_types::Timestamp>) -> Value {
    rfc3339(ts).map_or(Value::Null, Value::String)
}

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

fn parsed(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

fn sorted_map<V: Clone + Into<Value>>(m: &HashMap<String, V>) -> Value {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    Value::Object(
        keys.into_iter()
            .map(|k| (k.clone(), m[k].clone().into()))
            .collect::<Map<_, _>>(),
    )
}

/// An origin.
pub(crate) fn origin(o: Option<&pb::Origin>) -> Value {
    o.map_or(Value::Null, |o| {
        json!({ "destination": o.destination, "queue": o.queue, "partition_key": o.partition_key })
    })
}

/// Archive information, or null.
pub(crate) fn archived(a: Option<&pb::Archived>) -> Value {
    a.map_or(Value::Null, |a| {
        json!({
            "discarded_at": time(a.discarded_at.as_ref()),
            "discarded_by": a.discarded_by,
            "reason": a.reason,
            "expires_at": time(a.expires_at.as_ref()),
        })
    })
}

/// A message in a list.
pub(crate) fn summary(s: &pb::ParkedSummary) -> Value {
    json!({
        "tracking_id": s.tracking_id,
        "id": s.id,
        "origin": origin(s.origin.as_ref()),
        "event_type": s.event_type,
        "error_code": s.error_code,
        "error_message": s.error_message,
        "reason": s.reason,
        "rule": s.rule,
        "group": s.group,
        "parked_at": time(s.parked_at.as_ref()),
        "last_seen": time(s.last_seen.as_ref()),
        "reports": s.reports,
        "version": s.version,
        "payload_bytes": s.payload_bytes,
        "payload_preview": s.payload_preview,
        "archived": archived(s.archived.as_ref()),
    })
}

/// Summaries as an array.
pub(crate) fn summaries(list: &[pb::ParkedSummary]) -> Value {
    Value::Array(list.iter().map(summary).collect())
}

/// A failure.
pub(crate) fn failure(f: Option<&pb::Failure>) -> Value {
    f.map_or(Value::Null, |f| {
        json!({
            "class": pb::ErrorClass::try_from(f.class)
                .map_or_else(|_| f.class.to_string(), |c| c.as_str_name().to_owned()),
            "code": f.code,
            "message": f.message,
            "consumer": f.consumer,
            "delivery_attempt": f.delivery_attempt,
            "detail": f.detail,
        })
    })
}

/// A parked (or archived) message, whole: its summary's fields plus the rest.
pub(crate) fn message(m: &pb::ParkedMessage) -> Value {
    let mut v = m.summary.as_ref().map_or_else(|| json!({}), summary);
    if let Value::Object(obj) = &mut v {
        obj.insert("payload".to_owned(), text(&m.payload));
        obj.insert("payload_json".to_owned(), parsed(&m.payload));
        obj.insert("content_type".to_owned(), json!(m.content_type));
        obj.insert("headers".to_owned(), sorted_map(&m.headers));
        obj.insert("failure".to_owned(), failure(m.failure.as_ref()));
        let attempts = m.attempts.iter().map(attempt).collect();
        obj.insert("attempts".to_owned(), Value::Array(attempts));
        let edits = m.edits.iter().map(edit).collect();
        obj.insert("edits".to_owned(), Value::Array(edits));
    }
    v
}

fn attempt(a: &pb::Attempt) -> Value {
    json!({
        "attempt": a.attempt,
        "outcome": a.outcome,
        "reason": a.reason,
        "at": time(a.at.as_ref()),
        "tracking_id": a.tracking_id,
        "rule": a.rule,
        "error_code": a.error_code,
        "error_message": a.error_message,
        "payload": if a.has_payload { text(&a.payload) } else { Value::Null },
        "actor": a.actor,
    })
}

fn edit(e: &pb::Edit) -> Value {
    json!({
        "version": e.version,
        "at": time(e.at.as_ref()),
        "actor": e.actor,
        "previous_payload": text(&e.previous_payload),
        "previous_headers": sorted_map(&e.previous_headers),
    })
}

/// A failure group.
pub(crate) fn group(g: &pb::FailureGroup) -> Value {
    json!({
        "group": g.group,
        "count": g.count,
        "first_seen": time(g.first_seen.as_ref()),
        "last_seen": time(g.last_seen.as_ref()),
        "origins": g.origins,
        "error_code": g.error_code,
        "sample_error": g.sample_error,
    })
}

/// Redrive options.
fn options(o: Option<&pb::RedriveOptions>) -> Value {
    o.map_or(Value::Null, |o| {
        json!({
            "rate_per_second": o.rate_per_second,
            "canary": o.canary,
            "canary_wait": o.canary_wait.as_ref().and_then(|d| {
                let secs = u64::try_from(d.seconds).ok()?;
                let nanos = u32::try_from(d.nanos).unwrap_or(0);
                Some(humantime::format_duration(Duration::new(secs, nanos)).to_string())
            }),
            "stop_failure_ratio": o.stop_failure_ratio,
            "stop_min_failures": o.stop_min_failures,
            "disable_auto_stop": o.disable_auto_stop,
        })
    })
}

/// A run.
pub(crate) fn run(r: &pb::Run) -> Value {
    json!({
        "run_id": r.run_id,
        "kind": r.kind().as_str_name(),
        "state": r.state().as_str_name(),
        "total": r.total,
        "done": r.done,
        "resubmitted": r.resubmitted,
        "skipped": r.skipped,
        "failed_again": r.failed_again,
        "delivered": r.delivered,
        "delivery_failed": r.delivery_failed,
        "stop_reason": r.stop_reason,
        "created_by": r.created_by,
        "created_at": time(r.created_at.as_ref()),
        "updated_at": time(r.updated_at.as_ref()),
        "options": options(r.options.as_ref()),
        "comment": r.comment,
    })
}

/// A re-triage answer (dry run or apply).
pub(crate) fn retriage(r: &pb::RetriageParkedResponse) -> Value {
    let groups: Vec<Value> = r
        .groups
        .iter()
        .map(|g| {
            json!({
                "group": g.group,
                "matched": g.matched,
                "would_repair": g.would_repair,
                "by_decision": sorted_map(&g.by_decision),
                "by_rule": sorted_map(&g.by_rule),
                "samples": g.samples.iter().map(|s| json!({
                    "tracking_id": s.tracking_id,
                    "rule": s.rule,
                    "before": text(&s.before),
                    "after": text(&s.after),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "matched": r.matched,
        "would_repair": r.would_repair,
        "rules_version": r.rules_version,
        "groups": groups,
        "run": r.run.as_ref().map_or(Value::Null, run),
    })
}

/// An audit entry.
pub(crate) fn audit(e: &pb::AuditEntry) -> Value {
    json!({
        "id": e.id,
        "at": time(e.at.as_ref()),
        "actor": e.actor,
        "role": e.role,
        "action": e.action,
        "tracking_ids": e.tracking_ids,
        "message_count": e.message_count,
        "filter": if e.filter.is_empty() { Value::Null } else {
            serde_json::from_str(&e.filter).unwrap_or_else(|_| Value::String(e.filter.clone()))
        },
        "run_id": e.run_id,
        "comment": e.comment,
        "payload_before": text(&e.payload_before),
        "payload_after": text(&e.payload_after),
        "headers_before": e.headers_before,
        "headers_after": e.headers_after,
    })
}

/// A parking-lot event.
pub(crate) fn event(e: &pb::ParkingLotEvent) -> Value {
    json!({
        "event_id": e.event_id,
        "kind": e.kind().as_str_name(),
        "tracking_ids": e.tracking_ids,
        "queue": e.queue,
        "group": e.group,
        "actor": e.actor,
        "at": time(e.at.as_ref()),
    })
}
