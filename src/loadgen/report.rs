//! Rendering a [`Summary`] for people (a small table) or for scripts (one JSON line).

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use serde_json::json;

use super::Summary;

/// How the run was set up, for the heading of the report.
#[derive(Debug, Clone)]
pub(super) struct Setup {
    pub(super) mode: &'static str,
    pub(super) concurrency: u32,
    /// Stream mode only.
    pub(super) window: Option<u32>,
    pub(super) rate: Option<f64>,
    pub(super) connections: u32,
    pub(super) duration: Duration,
    pub(super) warmup: Duration,
    pub(super) mix: String,
    pub(super) payload_bytes: usize,
    pub(super) queue_suffix: String,
    /// REQUEUED answers including warmup: what `landed` is compared with.
    pub(super) requeued_all: u64,
}

/// Milliseconds, to the microsecond the histogram records.
fn ms(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "-".to_owned();
    }
    let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join("  ")
}

/// A few aligned lines, e.g. `latency    p50 1.21 ms  p99 3.80 ms ...`.
pub(super) fn table(setup: &Setup, s: &Summary) -> String {
    let mut out = String::new();
    let load = setup.rate.map_or_else(
        || "closed loop".to_owned(),
        |rate| format!("open loop at {rate} reports/s"),
    );
    let window = setup
        .window
        .map(|w| format!(", window {w}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "mode       {} x{}{window}, {load}, {} connection(s)",
        setup.mode, setup.concurrency, setup.connections
    );
    let _ = writeln!(
        out,
        "traffic    mix {}, ~{} B payloads, queues orders{suffix} payments{suffix}",
        setup.mix,
        setup.payload_bytes,
        suffix = setup.queue_suffix
    );
    let _ = writeln!(
        out,
        "duration   {:.2} s measured ({} planned, after {} warmup)",
        s.elapsed.as_secs_f64(),
        humantime::format_duration(setup.duration),
        humantime::format_duration(setup.warmup)
    );
    let _ = writeln!(out, "sent       {}", s.sent);
    let _ = writeln!(out, "ok         {}  ({:.1}/s)", s.ok, s.throughput);
    let _ = writeln!(out, "errors     {}  {}", s.errors, counts(&s.error_codes));
    let _ = writeln!(
        out,
        "latency    p50 {:.2} ms  p99 {:.2} ms  p99.9 {:.2} ms  max {:.2} ms",
        ms(s.p50),
        ms(s.p99),
        ms(s.p999),
        ms(s.max)
    );
    let _ = writeln!(out, "outcomes   {}", counts(&s.outcomes));
    let landed = match s.landed {
        Some(n) => format!("{n} of {} requeued (warmup included)", setup.requeued_all),
        None => "not checked (no --redis-url)".to_owned(),
    };
    let _ = write!(out, "landed     {landed}");
    out
}

/// The summary as one JSON object (latencies in milliseconds).
pub(super) fn json_line(setup: &Setup, s: &Summary) -> String {
    json!({
        "mode": setup.mode,
        "concurrency": setup.concurrency,
        "window": setup.window,
        "rate": setup.rate,
        "connections": setup.connections,
        "mix": setup.mix,
        "payload_bytes": setup.payload_bytes,
        "queue_suffix": setup.queue_suffix,
        "elapsed_s": s.elapsed.as_secs_f64(),
        "sent": s.sent,
        "ok": s.ok,
        "errors": s.errors,
        "error_codes": s.error_codes,
        "throughput": s.throughput,
        "p50_ms": ms(s.p50),
        "p99_ms": ms(s.p99),
        "p999_ms": ms(s.p999),
        "max_ms": ms(s.max),
        "outcomes": s.outcomes,
        "requeued_all": setup.requeued_all,
        "landed": s.landed,
    })
    .to_string()
}
