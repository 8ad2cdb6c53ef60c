//! The rule files pass `promtool check rules`, and the alerts' unit tests
//! (`dashboards/tests/alerts_test.yml`: every alert fires in one case and stays quiet in
//! another) pass `promtool test rules`.

use super::{dashboards_dir, rule_files};

/// What needs promtool (feature `test-prometheus`).
#[cfg(feature = "test-prometheus")]
mod promtool {
    use std::{path::Path, process::Command};

    use super::{dashboards_dir, rule_files};

    /// Run promtool with `args` in `dir`; panics with its output unless it succeeds.
    fn promtool(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("promtool")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run promtool (is it on PATH?): {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "promtool {} failed ({}):\n{text}",
            args.join(" "),
            out.status
        );
        text
    }

    #[test]
    fn rule_files_pass_promtool_check() {
        let files: Vec<String> = rule_files()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let mut args = vec!["check", "rules"];
        args.extend(files.iter().map(String::as_str));
        let out = promtool(&dashboards_dir(), &args);
        assert!(out.contains("SUCCESS"), "{out}");
    }

    #[test]
    fn alert_unit_tests_pass_promtool_test() {
        let out = promtool(
            &dashboards_dir(),
            &["test", "rules", "tests/alerts_test.yml"],
        );
        assert!(out.contains("SUCCESS"), "{out}");
    }
}

/// Every alert of the rule files has a unit test where it fires and one where it does not.
#[test]
fn every_alert_has_a_firing_and_a_quiet_unit_test() {
    let tests = std::fs::read_to_string(dashboards_dir().join("tests/alerts_test.yml")).unwrap();
    let alerts: Vec<String> = rule_files()
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter_map(|l| {
                    l.trim()
                        .strip_prefix("- alert:")
                        .map(|a| a.trim().to_owned())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!alerts.is_empty(), "no alerts found");
    // Each `alert_rule_test` item: its alertname and whether it expects alerts.
    let mut cases: Vec<(String, bool)> = Vec::new();
    let mut lines = tests.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(name) = line.trim().strip_prefix("alertname:") {
            let expects = lines
                .peek()
                .is_some_and(|next| !next.trim().starts_with("exp_alerts: []"));
            cases.push((name.trim().to_owned(), expects));
        }
    }
    for alert in &alerts {
        for firing in [true, false] {
            assert!(
                cases.iter().any(|(a, f)| a == alert && *f == firing),
                "alerts_test.yml has no case where {alert} {}",
                if firing { "fires" } else { "stays quiet" }
            );
        }
    }
}

/// Every alert links its section of `docs/runbooks.md` (`runbook_url`, under the external label
/// `salvage_runbooks` when set), and that section exists and holds the alert's runbook text.
#[test]
fn every_alert_links_its_runbook_section() {
    let runbooks = std::fs::read_to_string(dashboards_dir().join("../docs/runbooks.md")).unwrap();
    let alerts = std::fs::read_to_string(dashboards_dir().join("alerts.yml")).unwrap();
    let mut current = None;
    let mut seen = 0;
    for line in alerts.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("- alert:") {
            current = Some(name.trim().to_owned());
        }
        if let Some(url) = line.strip_prefix("runbook_url:") {
            let name = current.take().expect("a runbook_url outside an alert");
            let want = format!(
                "'{{{{ or $externalLabels.salvage_runbooks \"docs/runbooks.md\" }}}}#{}'",
                name.to_lowercase()
            );
            assert_eq!(url.trim(), want, "{name}");
            assert!(
                runbooks.contains(&format!("\n## {name}\n")),
                "docs/runbooks.md has no section for {name}"
            );
            seen += 1;
        }
    }
    let alert_count = alerts.matches("- alert:").count();
    assert_eq!(seen, alert_count, "every alert has a runbook_url");
    assert_eq!(
        runbooks.matches("\n## ").count(),
        alert_count,
        "one section per alert"
    );
}
