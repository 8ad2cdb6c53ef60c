//! `salvage parked show ID`: one message, whole: where it came from, why it failed, its payload
//! (pretty-printed when JSON), headers, attempts, edits and archive state.

use std::fmt::Write as _;

use super::{
    client::Ctx,
    json, jsontext,
    render::{Table, absolute, or_dash, truncate, when, when_long},
};
use crate::proto::v1 as pb;

/// Fetch one message (parked or archived); sensitive values masked unless `reveal`.
pub(crate) async fn get(ctx: &Ctx, id: &str, reveal: bool) -> anyhow::Result<pb::ParkedMessage> {
    let req = pb::GetParkedRequest {
        tracking_id: id.to_owned(),
        reveal,
    };
    Ok(ctx
        .client()
        .get_parked(ctx.req(req))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner())
}

/// `salvage parked show ID`.
pub(crate) async fn show(ctx: &Ctx, id: &str, reveal: bool) -> anyhow::Result<()> {
    let m = get(ctx, id, reveal).await?;
    if ctx.json {
        json::print(&json::message(&m));
    } else {
        print!("{}", render(&m));
    }
    Ok(())
}

/// The message for people.
pub(crate) fn render(m: &pb::ParkedMessage) -> String {
    let s = m.summary.clone().unwrap_or_default();
    let origin = s.origin.clone().unwrap_or_default();
    let mut out = String::new();
    let mut field = |k: &str, v: String| {
        let _ = writeln!(out, "{k:<15}{v}");
    };
    field("tracking id", s.tracking_id.clone());
    field("message id", s.id.clone());
    let mut from = format!("{} / {}", or_dash(&origin.destination), origin.queue);
    if !origin.partition_key.is_empty() {
        let _ = write!(from, " (partition key {})", origin.partition_key);
    }
    field("origin", from);
    field("event type", or_dash(&s.event_type));
    field("content type", or_dash(&m.content_type));
    field("parked", when_long(s.parked_at.as_ref()));
    field("last seen", when_long(s.last_seen.as_ref()));
    field("reports", s.reports.to_string());
    field("reason", or_dash(&s.reason));
    field("rule", or_dash(&s.rule));
    field("group", or_dash(&s.group));
    field("version", s.version.to_string());
    if let Some(a) = &s.archived {
        let mut v = format!(
            "discarded {} by {}: {}",
            when_long(a.discarded_at.as_ref()),
            or_dash(&a.discarded_by),
            or_dash(&a.reason)
        );
        if a.expires_at.is_some() {
            let _ = write!(
                v,
                "; deleted for good at {}",
                absolute(a.expires_at.as_ref())
            );
        }
        field("ARCHIVED", v);
    }

    if let Some(f) = &m.failure {
        let class = pb::ErrorClass::try_from(f.class)
            .map_or_else(|_| f.class.to_string(), |c| c.as_str_name().to_owned());
        let _ = writeln!(out, "\nfailure");
        let _ = writeln!(out, "  class          {class}");
        let _ = writeln!(out, "  code           {}", or_dash(&f.code));
        let _ = writeln!(out, "  message        {}", or_dash(&f.message));
        let _ = writeln!(out, "  consumer       {}", or_dash(&f.consumer));
        if f.delivery_attempt > 0 {
            let _ = writeln!(out, "  delivered      {} time(s)", f.delivery_attempt);
        }
        if !f.detail.is_empty() {
            let _ = writeln!(out, "  detail");
            for line in f.detail.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }

    let _ = writeln!(out, "\nheaders");
    if m.headers.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    let mut headers: Vec<_> = m.headers.iter().collect();
    headers.sort();
    for (k, v) in headers {
        let _ = writeln!(out, "  {k}: {v}");
    }

    let _ = writeln!(out, "\npayload ({} bytes)", m.payload.len());
    let _ = writeln!(out, "{}", payload_text(&m.payload));

    if !m.attempts.is_empty() {
        let _ = writeln!(out, "\nattempts");
        let mut t = Table::new(&["#", "AT", "OUTCOME", "RULE", "CODE", "REASON", "BY"]);
        for a in &m.attempts {
            t.row(vec![
                a.attempt.to_string(),
                when(a.at.as_ref()),
                or_dash(&a.outcome),
                or_dash(&a.rule),
                or_dash(&a.error_code),
                truncate(&a.reason, 50),
                or_dash(&a.actor),
            ]);
        }
        for line in t.render().lines() {
            let _ = writeln!(out, "  {line}");
        }
    }

    if !m.edits.is_empty() {
        let _ = writeln!(out, "\nedits");
        for e in &m.edits {
            let _ = writeln!(
                out,
                "  {}  by {}: replaced version {}",
                when(e.at.as_ref()),
                or_dash(&e.actor),
                e.version
            );
            let before = String::from_utf8_lossy(&e.previous_payload);
            let _ = writeln!(out, "    its payload: {}", truncate(&before, 100));
        }
    }
    out
}

/// A payload for reading: pretty JSON, or the text itself (lossy UTF-8).
fn payload_text(payload: &[u8]) -> String {
    jsontext::pretty(payload).unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned())
}
