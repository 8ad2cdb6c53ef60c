//! The dashboard and alerts in `dashboards/`, checked: the rule files with promtool (syntax and
//! unit tests), the dashboard's structure, and every expression of both against a real
//! Prometheus scraping a real Salvage (so a metric renamed in the code breaks a test).

mod alerts;
mod dashboard;
#[cfg(feature = "test-prometheus")]
mod prometheus;

use std::path::PathBuf;

use serde_json::Value;

/// `dashboards/` of the repository.
fn dashboards_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dashboards")
}

/// The Prometheus rule files: every `dashboards/*.yml`, sorted.
fn rule_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dashboards_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no rule files in dashboards/");
    files
}

/// The dashboard, parsed.
fn dashboard() -> Value {
    let path = dashboards_dir().join("salvage-overview.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Every panel, rows included, with the panels inside collapsed rows.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in dashboard["panels"].as_array().expect("panels is an array") {
        out.push(p);
        if let Some(inner) = p["panels"].as_array() {
            out.extend(inner);
        }
    }
    out
}

/// One query of the dashboard: which panel and target it is, and its PromQL.
struct PanelQuery {
    /// `panel "<title>" (id N) target <refId>`, for messages.
    name: String,
    expr: String,
}

/// Every target expression of the dashboard.
fn panel_queries(dashboard: &Value) -> Vec<PanelQuery> {
    panels(dashboard)
        .into_iter()
        .flat_map(|p| {
            p["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |t| PanelQuery {
                    name: format!(
                        "panel {} (id {}) target {}",
                        p["title"], p["id"], t["refId"]
                    ),
                    expr: t["expr"].as_str().unwrap_or_default().to_owned(),
                })
        })
        .collect()
}

/// A dashboard expression as Grafana would send it with "All" selected: the template
/// variables replaced (`$job`, `$instance`, `$queue` by `.*`) and the interval macros by durations that
/// fit a 1 s scrape interval.
#[cfg(feature = "test-prometheus")]
fn substitute(expr: &str) -> String {
    [
        ("${instance}", ".*"),
        ("$instance", ".*"),
        ("${job}", ".*"),
        ("$job", ".*"),
        ("${queue}", ".*"),
        ("$queue", ".*"),
        ("$__rate_interval", "10s"),
        ("$__interval", "2s"),
        ("$__range", "1m"),
    ]
    .iter()
    .fold(expr.to_owned(), |e, (from, to)| e.replace(from, to))
}

/// The part of `expr` left of its first top-level comparison (`==`, `!=`, `>`, `<`, `>=`,
/// `<=`: outside parentheses, braces, brackets and strings), or `None` when there is none. For an
/// alert such as `x > 5`, that is the signal whose series must exist whether or not it fires.
fn signal_side(expr: &str) -> Option<&str> {
    let bytes = expr.as_bytes();
    let mut depth = 0i32;
    let mut quote = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'(' | b'{' | b'[' => depth += 1,
                b')' | b'}' | b']' => depth -= 1,
                b'>' | b'<' if depth == 0 => return Some(expr[..i].trim()),
                b'=' | b'!' if depth == 0 && bytes.get(i + 1) == Some(&b'=') => {
                    return Some(expr[..i].trim());
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

#[test]
fn signal_side_splits_at_the_top_level_comparison_only() {
    assert_eq!(
        signal_side("up{job=\"a\"} == 0 or absent(up)"),
        Some("up{job=\"a\"}")
    );
    assert_eq!(
        signal_side("sum by (op) (rate(x{a=~\"b>c\",d!=\"e\"}[5m])) > 5"),
        Some("sum by (op) (rate(x{a=~\"b>c\",d!=\"e\"}[5m]))")
    );
    assert_eq!(
        signal_side("histogram_quantile(0.99, x) >= 0.25"),
        Some("histogram_quantile(0.99, x)")
    );
    assert_eq!(signal_side("rate(x[5m])"), None);
    assert_eq!(signal_side("a / b"), None);
}
