//! Conversions between the parking lot's protobuf messages and `crate::parking`'s types.

use prost_types::Timestamp;
use salvage_model::history::Attempt;
use serde_json::Value;

use crate::{
    parking::{
        Filter, Record, Selection,
        audit::AuditEntry,
        list::Group,
        retriage::DryRun,
        runs::{Redrive, Run, RunKind, RunState},
        watch::Event,
    },
    proto::v1 as pb,
};

/// A protobuf timestamp of ms since the epoch (unset for 0).
pub(crate) fn ts(ms: u64) -> Option<Timestamp> {
    (ms > 0).then(|| Timestamp {
        seconds: i64::try_from(ms / 1000).unwrap_or(i64::MAX),
        nanos: i32::try_from((ms % 1000) * 1_000_000).unwrap_or(0),
    })
}

fn ms(t: Option<&Timestamp>) -> Option<u64> {
    t.map(|t| {
        let s = u64::try_from(t.seconds).unwrap_or(0);
        let n = u64::try_from(t.nanos).unwrap_or(0);
        s * 1000 + n / 1_000_000
    })
}

pub(crate) fn filter(f: Option<pb::ParkedFilter>) -> Filter {
    let f = f.unwrap_or_default();
    Filter {
        after_ms: ms(f.parked_after.as_ref()),
        before_ms: ms(f.parked_before.as_ref()),
        queue: f.queue,
        group: f.group,
        error_code: f.error_code,
        event_type: f.event_type,
        destination: f.destination,
        text: f.text,
        json_pointer: f.json_pointer,
        json_value: f.json_value,
    }
}

pub(crate) fn selection(s: Option<pb::Selection>) -> Selection {
    let s = s.unwrap_or_default();
    Selection {
        tracking_ids: s.tracking_ids,
        filter: filter(s.filter),
    }
}

pub(crate) fn redrive(o: Option<pb::RedriveOptions>) -> Redrive {
    let d = Redrive::default();
    let Some(o) = o else { return d };
    Redrive {
        rate_per_second: o.rate_per_second,
        canary: u64::from(o.canary),
        canary_wait: o
            .canary_wait
            .and_then(|w| std::time::Duration::try_from(w).ok())
            .filter(|w| !w.is_zero())
            .unwrap_or(d.canary_wait),
        stop_failure_ratio: if o.stop_failure_ratio == 0.0 {
            d.stop_failure_ratio
        } else {
            o.stop_failure_ratio
        },
        stop_min_failures: if o.stop_min_failures == 0 {
            d.stop_min_failures
        } else {
            u64::from(o.stop_min_failures)
        },
        disable_auto_stop: o.disable_auto_stop,
    }
}

fn redrive_out(o: &Redrive) -> pb::RedriveOptions {
    pb::RedriveOptions {
        rate_per_second: o.rate_per_second,
        canary: u32::try_from(o.canary).unwrap_or(u32::MAX),
        canary_wait: prost_types::Duration::try_from(o.canary_wait).ok(),
        stop_failure_ratio: o.stop_failure_ratio,
        stop_min_failures: u32::try_from(o.stop_min_failures).unwrap_or(u32::MAX),
        disable_auto_stop: o.disable_auto_stop,
    }
}

fn preview(payload: &[u8]) -> String {
    String::from_utf8_lossy(payload).chars().take(120).collect()
}

pub(crate) fn summary(r: &Record) -> pb::ParkedSummary {
    pb::ParkedSummary {
        tracking_id: r.tracking_id.clone(),
        id: r.message.id.clone(),
        origin: Some(pb::Origin {
            destination: r.message.destination.clone(),
            queue: r.message.queue.clone(),
            partition_key: r.message.partition_key.clone(),
        }),
        event_type: r.message.event_type.clone(),
        error_code: r.code.clone(),
        error_message: r.failure_str("message").to_owned(),
        reason: r.reason.clone(),
        rule: r.rule.clone(),
        group: r.group.clone(),
        parked_at: ts(r.parked_at),
        last_seen: ts(r.last_seen),
        reports: r.reports,
        version: r.version,
        payload_bytes: u32::try_from(r.message.payload.len()).unwrap_or(u32::MAX),
        payload_preview: preview(&r.message.payload),
        archived: r.archived.as_ref().map(|a| pb::Archived {
            discarded_at: ts(a.at),
            discarded_by: a.by.clone(),
            reason: a.reason.clone(),
            expires_at: None,
        }),
    }
}

fn class(s: &str) -> i32 {
    match s {
        "transient" => pb::ErrorClass::Transient,
        "data" => pb::ErrorClass::Data,
        "unknown" => pb::ErrorClass::Unknown,
        _ => pb::ErrorClass::Unspecified,
    }
    .into()
}

fn attempt(a: &Attempt) -> pb::Attempt {
    // What the attempt sent back: a parked attempt sent nothing, whatever a rule produced.
    let payload = a.sent_payload();
    pb::Attempt {
        attempt: u32::try_from(a.attempt).unwrap_or(u32::MAX),
        outcome: a.outcome.clone(),
        reason: a.reason.clone(),
        at: ts(a.at),
        tracking_id: a.tracking_id.clone(),
        rule: a.rule.clone(),
        error_code: a.code.clone().unwrap_or_default(),
        error_message: a.message.clone().unwrap_or_default(),
        payload: payload.map(|p| p.as_bytes().to_vec()).unwrap_or_default(),
        has_payload: payload.is_some(),
        actor: a.actor.clone().unwrap_or_default(),
        rules_version: a.rules_version.clone().unwrap_or_default(),
    }
}

pub(crate) fn message(r: &Record, archive_max_age_ms: Option<u64>) -> pb::ParkedMessage {
    let mut summary = summary(r);
    if let (Some(a), Some(age)) = (summary.archived.as_mut(), archive_max_age_ms)
        && let Some(info) = &r.archived
    {
        a.expires_at = ts(info.at + age);
    }
    let f = &r.failure;
    let fs = |k: &str| {
        f.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    pb::ParkedMessage {
        summary: Some(summary),
        payload: r.message.payload.clone(),
        content_type: r.message.content_type.clone(),
        headers: r.message.headers.clone().into_iter().collect(),
        failure: Some(pb::Failure {
            class: class(&fs("class")),
            code: r.code.clone(),
            message: fs("message"),
            consumer: fs("consumer"),
            delivery_attempt: f
                .get("delivery_attempt")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            detail: fs("detail"),
            retry_after: f.get("retry_after_ms").and_then(Value::as_u64).map(|ms| {
                prost_types::Duration {
                    seconds: i64::try_from(ms / 1000).unwrap_or(i64::MAX),
                    nanos: i32::try_from(ms % 1000 * 1_000_000).unwrap_or(0),
                }
            }),
        }),
        // The rules that decided its last report (a resubmit decides nothing).
        rules_version: r
            .attempts
            .iter()
            .rev()
            .find(|a| a.outcome != "RESUBMITTED")
            .and_then(|a| a.rules_version.clone())
            .unwrap_or_default(),
        attempts: r.attempts.iter().map(attempt).collect(),
        edits: r
            .edits
            .iter()
            .map(|e| pb::Edit {
                version: e.version,
                at: ts(e.at),
                actor: e.actor.clone(),
                previous_payload: e.previous_payload.clone(),
                previous_headers: e.previous_headers.clone().into_iter().collect(),
            })
            .collect(),
    }
}

pub(crate) fn group(g: &Group) -> pb::FailureGroup {
    pb::FailureGroup {
        group: g.id.clone(),
        count: g.count,
        first_seen: ts(g.first_seen),
        last_seen: ts(g.last_seen),
        origins: vec![g.queue.clone()],
        error_code: g.code.clone(),
        sample_error: g.sample_error.clone(),
    }
}

pub(crate) fn run(r: &Run) -> pb::Run {
    let state = match r.state {
        RunState::Running => pb::run::State::Running,
        RunState::CanaryWait => pb::run::State::CanaryWait,
        RunState::Completed => pb::run::State::Completed,
        RunState::Delivering => pb::run::State::Delivering,
        RunState::CompletedWithFailures => pb::run::State::CompletedWithFailures,
        RunState::Cancelled => pb::run::State::Cancelled,
        RunState::Stopped => pb::run::State::Stopped,
    };
    let kind = match r.kind {
        RunKind::Resubmit => pb::run::Kind::Resubmit,
        RunKind::Retriage => pb::run::Kind::Retriage,
    };
    pb::Run {
        run_id: r.id.clone(),
        kind: kind.into(),
        state: state.into(),
        total: r.total,
        done: r.done,
        resubmitted: r.resubmitted,
        skipped: r.skipped,
        failed_again: r.failed_again,
        delivered: r.delivered,
        delivery_failed: r.delivery_failed,
        stop_reason: r.stop_reason.clone(),
        created_by: r.created_by.clone(),
        created_at: ts(r.created_at),
        updated_at: ts(r.updated_at),
        options: Some(redrive_out(&r.options)),
        comment: r.comment.clone(),
    }
}

pub(crate) fn dry_run(d: &DryRun) -> (Vec<pb::RetriageGroup>, u64, u64) {
    let groups = d
        .groups
        .iter()
        .map(|g| pb::RetriageGroup {
            group: g.group.clone(),
            matched: g.matched,
            would_repair: g.would_repair,
            by_decision: g.by_decision.clone().into_iter().collect(),
            by_rule: g.by_rule.clone().into_iter().collect(),
            samples: g
                .samples
                .iter()
                .map(|(t, rule, before, after)| pb::RetriageSample {
                    tracking_id: t.clone(),
                    rule: rule.clone(),
                    before: before.clone(),
                    after: after.clone(),
                })
                .collect(),
        })
        .collect();
    (groups, d.matched, d.would_repair)
}

pub(crate) fn event(e: &Event) -> pb::ParkingLotEvent {
    use pb::parking_lot_event::Kind;
    let kind = match e.kind.as_str() {
        "parked" => Kind::Parked,
        "edited" => Kind::Edited,
        "resubmitted" => Kind::Resubmitted,
        "discarded" => Kind::Discarded,
        "restored" => Kind::Restored,
        "expired" => Kind::Expired,
        _ => Kind::Unspecified,
    };
    pb::ParkingLotEvent {
        kind: kind.into(),
        tracking_ids: e.tracking_ids.clone(),
        queue: e.queue.clone(),
        group: e.group.clone(),
        actor: e.actor.clone(),
        at: ts(e.at),
        event_id: e.id.clone(),
    }
}

pub(crate) fn audit(e: AuditEntry) -> pb::AuditEntry {
    pb::AuditEntry {
        at: ts(e.at),
        actor: e.actor,
        role: e.role,
        action: e.action,
        tracking_ids: e.tracking_ids,
        message_count: e.message_count,
        filter: e.filter,
        run_id: e.run_id,
        comment: e.comment,
        payload_before: e.payload_before,
        payload_after: e.payload_after,
        headers_before: e.headers_before,
        headers_after: e.headers_after,
        id: e.id,
    }
}
