//! The dashboard's structure: what Grafana needs to import it, and what makes it usable: every
//! panel described, on the `${datasource}` variable, with a unit and thresholds, laid out on the
//! 24-column grid without overlaps, and every query filtered by the `$job` and `$instance` (and
//! `$queue`) variables.

use std::collections::HashSet;

use regex::Regex;
use serde_json::{Value, json};

use super::{dashboard, panel_queries, panels};

#[test]
fn dashboard_has_what_grafana_needs_to_import_it() {
    let d = dashboard();
    assert_eq!(d["schemaVersion"], 41);
    for key in ["uid", "title", "refresh"] {
        assert!(
            d[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key}: {}",
            d[key]
        );
    }
    assert!(d["tags"].as_array().is_some_and(|t| !t.is_empty()), "tags");
    assert!(d["time"]["from"].is_string() && d["time"]["to"].is_string());

    let vars = d["templating"]["list"].as_array().expect("templating.list");
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no template variable {name}"))
    };
    let ds = var("datasource");
    assert_eq!(ds["type"], "datasource");
    assert_eq!(ds["query"], "prometheus");
    // Grafana's import asks for the data source (`__inputs`), which becomes the variable's
    // default; `__requires` names every panel type used.
    assert_eq!(
        d["__inputs"],
        json!([{
            "name": "DS_PROMETHEUS", "label": "Prometheus",
            "description": "The Prometheus that scrapes Salvage (job \"salvage\")",
            "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"
        }])
    );
    assert_eq!(ds["current"]["value"], "${DS_PROMETHEUS}");
    let required: HashSet<&str> = d["__requires"]
        .as_array()
        .expect("__requires")
        .iter()
        .filter(|r| r["type"] == "panel")
        .filter_map(|r| r["id"].as_str())
        .collect();
    let used: HashSet<&str> = panels(&d)
        .iter()
        .filter_map(|p| p["type"].as_str())
        .filter(|t| *t != "row")
        .collect();
    assert_eq!(required, used, "__requires lists the panel types used");
    for (name, query) in [
        ("job", "label_values(salvage_build_info, job)"),
        (
            "instance",
            r#"label_values(salvage_build_info{job=~"$job"}, instance)"#,
        ),
        (
            "queue",
            r#"label_values(salvage_reports_total{job=~"$job",instance=~"$instance"}, queue)"#,
        ),
    ] {
        let v = var(name);
        assert_eq!(v["type"], "query", "{name}");
        let q = v["query"]["query"].as_str().or(v["query"].as_str());
        assert_eq!(q, Some(query), "{name}");
        assert_eq!(v["multi"], true, "{name}");
        assert_eq!(v["includeAll"], true, "{name}");
        assert_eq!(v["datasource"]["uid"], "${datasource}", "{name}");
    }
    // "All" instances must mean the Salvage instances (Grafana's alternation of the values),
    // not `.*`: `up` and `process_*` are exported by every job Prometheus scrapes.
    assert!(
        var("instance")["allValue"]
            .as_str()
            .is_none_or(|a| a.is_empty()),
        "instance: allValue {}",
        var("instance")["allValue"]
    );
}

#[test]
fn every_panel_is_complete() {
    let d = dashboard();
    let panels = panels(&d);
    assert!(panels.len() > 10, "{} panels", panels.len());
    let mut ids = HashSet::new();
    let mut row_titles = Vec::new();
    for p in &panels {
        let id = p["id"]
            .as_u64()
            .unwrap_or_else(|| panic!("panel without id: {p}"));
        assert!(ids.insert(id), "panel id {id} is used twice");
        let title = p["title"].as_str().unwrap_or_default();
        assert!(!title.is_empty(), "panel {id} has no title");
        let what = format!("panel {title:?} (id {id})");
        let g = &p["gridPos"];
        for k in ["x", "y", "w", "h"] {
            assert!(g[k].is_u64(), "{what}: gridPos.{k} missing");
        }
        if p["type"] == "row" {
            assert_eq!(
                (g["x"].as_u64(), g["w"].as_u64(), g["h"].as_u64()),
                (Some(0), Some(24), Some(1)),
                "{what}: a row takes a full-width, one-high slot"
            );
            row_titles.push(title.to_owned());
            continue;
        }
        assert!(
            p["description"].as_str().is_some_and(|s| !s.is_empty()),
            "{what} has no description"
        );
        assert_eq!(
            p["datasource"],
            json!({"type": "prometheus", "uid": "${datasource}"}),
            "{what}: datasource"
        );
        let defaults = &p["fieldConfig"]["defaults"];
        assert!(
            defaults["unit"].as_str().is_some_and(|s| !s.is_empty()),
            "{what} has no unit"
        );
        assert!(
            defaults["thresholds"]["steps"]
                .as_array()
                .is_some_and(|s| !s.is_empty()),
            "{what} has no thresholds"
        );
        let targets = p["targets"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no targets"));
        assert!(!targets.is_empty(), "{what}: no targets");
        let mut refs = HashSet::new();
        for t in targets {
            let r = t["refId"].as_str().unwrap_or_default();
            assert!(
                !r.is_empty() && refs.insert(r),
                "{what}: refId {r:?} missing or repeated"
            );
            assert!(
                t["expr"].as_str().is_some_and(|e| !e.trim().is_empty()),
                "{what} target {r}: no expr"
            );
            assert!(
                t["legendFormat"].is_string(),
                "{what} target {r}: no legendFormat"
            );
            if !t["datasource"].is_null() {
                assert_eq!(t["datasource"], p["datasource"], "{what} target {r}");
            }
        }
    }
    for row in [
        "Traffic",
        "Repair effectiveness",
        "Parking lot",
        "Requeue health",
        "Latency",
        "Redis health",
        "Process",
    ] {
        assert!(
            row_titles.iter().any(|t| t == row),
            "no row {row:?}: {row_titles:?}"
        );
    }
}

#[test]
fn panels_do_not_overlap_on_the_grid() {
    let d = dashboard();
    let rects: Vec<(String, [u64; 4])> = panels(&d)
        .iter()
        .map(|p| {
            let g = &p["gridPos"];
            let n = |k: &str| g[k].as_u64().unwrap();
            (
                format!("{} (id {})", p["title"], p["id"]),
                [n("x"), n("y"), n("w"), n("h")],
            )
        })
        .collect();
    for (name, [x, _, w, h]) in &rects {
        assert!(
            *w > 0 && *h > 0 && x + w <= 24,
            "{name} is off the 24-column grid"
        );
    }
    for (i, (a, [ax, ay, aw, ah])) in rects.iter().enumerate() {
        for (b, [bx, by, bw, bh]) in &rects[i + 1..] {
            let apart = ax + aw <= *bx || bx + bw <= *ax || ay + ah <= *by || by + bh <= *ay;
            assert!(apart, "{a} and {b} overlap");
        }
    }
}

/// Every selector is narrowed by the template variables, and every range is one Grafana sets.
#[test]
fn every_query_follows_the_template_variables() {
    // Metrics that carry an origin `queue` label, so the $queue variable applies.
    const QUEUE_LABELLED: [&str; 3] = [
        "salvage_reports_total",
        "salvage_parked_messages_by_queue",
        "salvage_parked_top_group_messages",
    ];
    let selector = Regex::new(r"\b((?:salvage|process)_[a-z_]+|up)\b(\{[^}]*\})?").unwrap();
    let range = Regex::new(r"\[([^\]]*)\]").unwrap();
    let d = dashboard();
    for q in panel_queries(&d) {
        let mut metrics = 0;
        for c in selector.captures_iter(&q.expr) {
            metrics += 1;
            let metric = &c[1];
            let labels = c.get(2).map_or("", |m| m.as_str());
            // The alerts select `job="salvage"`; the dashboard lets the job be picked, the
            // same label the same way.
            assert!(
                labels.contains(r#"job=~"$job",instance=~"$instance""#),
                "{}: {metric} is not filtered by job=~\"$job\",instance=~\"$instance\": {}",
                q.name,
                q.expr
            );
            if QUEUE_LABELLED.contains(&metric) {
                assert!(
                    labels.contains(r#"queue=~"$queue""#),
                    "{}: {metric} is not filtered by queue=~\"$queue\": {}",
                    q.name,
                    q.expr
                );
            }
        }
        assert!(metrics > 0, "{}: no metric in {}", q.name, q.expr);
        for r in range.captures_iter(&q.expr) {
            assert!(
                ["$__rate_interval", "$__range"].contains(&&r[1]),
                "{}: range [{}] instead of $__rate_interval: {}",
                q.name,
                &r[1],
                q.expr
            );
        }
    }
}

/// The helpers the other tests rely on see the panels inside (collapsed) rows too.
#[test]
fn panels_include_those_inside_rows() {
    let d: Value = json!({"panels": [
        {"type": "row", "id": 1, "panels": [{"id": 2, "targets": [{"refId": "A", "expr": "up"}]}]}
    ]});
    assert_eq!(panels(&d).len(), 2);
    assert_eq!(panel_queries(&d).len(), 1);
}
