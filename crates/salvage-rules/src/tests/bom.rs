//! Payloads with a UTF-8 byte-order mark in front: read as the document after it, repaired
//! with the mark kept (it was not touched) unless the rule lists `strip_bom`, and requeued
//! as they came by a rule without actions.

use super::{input, rules};
use crate::{Decision, ErrorClass, Repair};

pub(super) const RULES: &str = r#"
[[rule]]
name = "fix-total"
when.code = "J"
when.payload = [{ pointer = "/total", is = "string" }]
actions = [{ op = "coerce", path = "/total", to = "number" }]

[[rule]]
name = "strip"
when.code = "S"
actions = [{ op = "strip_bom" }, { op = "coerce", path = "/total", to = "number" }]

[[rule]]
name = "strip-only"
when.code = "ONLY"
actions = [{ op = "strip_bom" }]

[[rule]]
name = "strip-or-park"
when.code = "STRIP_OR_PARK"
if_unchanged = "park"
actions = [{ op = "strip_bom" }]

[[rule]]
name = "as-is"
when.code = "ASIS"
when.payload = [{ pointer = "/total", exists = true }]
decision = "requeue"

[[test]]
name = "the mark is kept"
input = { queue = "orders", event_type = "E", class = "data", code = "J", payload = "\uFEFF{\"total\":\"12.50\"}" }
expect = { decision = "requeue", payload = "\uFEFF{\"total\":12.50}" }

[[test]]
name = "removing the mark is a change to if_unchanged"
input = { queue = "orders", event_type = "E", class = "data", code = "STRIP_OR_PARK", payload = "\uFEFF{\"total\":1}" }
expect = { decision = "requeue", payload = '{"total":1}' }

[[test]]
name = "without a mark to remove, if_unchanged parks"
input = { queue = "orders", event_type = "E", class = "data", code = "STRIP_OR_PARK", payload = '{"total":1}' }
expect = { decision = "park" }

[[test]]
name = "the mark is stripped"
input = { queue = "orders", event_type = "E", class = "data", code = "S", payload = "\uFEFF{\"total\":\"12.50\"}" }
expect = { decision = "requeue", payload = '{"total":12.50}' }
"#;

const BOM: &str = "\u{feff}";

fn evaluate(code: &str, payload: &str) -> crate::Evaluation {
    rules(RULES).evaluate(&input(ErrorClass::Data, code, payload))
}

fn repaired(code: &str, payload: &str) -> (String, usize) {
    let evaluation = evaluate(code, payload);
    match evaluation.decision {
        Decision::Requeue {
            payload: Some(bytes),
        } => (String::from_utf8(bytes).unwrap(), evaluation.changes.len()),
        other => panic!("expected a repair, got {other:?}"),
    }
}

#[test]
fn conditions_read_the_document_after_the_mark_and_a_repair_keeps_it() {
    let payload = format!("{BOM}{{\"total\": \"12.50\", \"n\": 1e3}}");
    assert_eq!(
        repaired("J", &payload),
        (format!("{BOM}{{\"total\": 12.50, \"n\": 1e3}}"), 1)
    );
    // Read whole (a root that is an array), the same.
    let set = rules(
        r#"
[[rule]]
name = "r"
when.code = "A"
actions = [{ op = "coerce", path = "/0", to = "number" }]
"#,
    );
    let evaluation = set.evaluate(&input(ErrorClass::Data, "A", &format!("{BOM}[\"7\", 2]")));
    assert_eq!(
        evaluation.decision,
        Decision::Requeue {
            payload: Some(format!("{BOM}[7, 2]").into_bytes())
        }
    );
}

#[test]
fn strip_bom_removes_the_mark_and_lists_no_change_for_it() {
    let payload = format!("{BOM}{{\"total\": \"12.50\"}}");
    assert_eq!(
        repaired("S", &payload),
        ("{\"total\": 12.50}".to_owned(), 1)
    );
    assert_eq!(
        repaired("ONLY", &format!("{BOM}{{\"a\": 1e3}}")),
        ("{\"a\": 1e3}".to_owned(), 0)
    );
    // Without a mark, nothing to remove: the payload as it came.
    assert_eq!(
        repaired("ONLY", "{\"a\": 1e3}"),
        ("{\"a\": 1e3}".to_owned(), 0)
    );
}

#[test]
fn a_requeue_without_actions_sends_the_payload_as_it_came() {
    let evaluation = evaluate("ASIS", &format!("{BOM}{{\"total\": 1}}"));
    assert_eq!(evaluation.rule.as_deref(), Some("as-is"));
    assert_eq!(evaluation.decision, Decision::Requeue { payload: None });
}

#[test]
fn only_one_mark_at_the_very_start_is_skipped() {
    for payload in [
        format!("{BOM}{BOM}{{\"total\": \"1\"}}"),
        format!(" {BOM}{{\"total\": \"1\"}}"),
        BOM.to_owned(),
    ] {
        let evaluation = evaluate("S", &payload);
        assert_eq!(evaluation.repair, Repair::Failed, "{payload:?}");
        assert_eq!(
            evaluation.decision,
            Decision::Park {
                reason: "payload is not valid JSON".to_owned()
            }
        );
    }
}

#[test]
fn the_rule_tests_compare_the_mark_too() {
    for outcome in rules(RULES).run_tests() {
        assert!(outcome.passed, "{}: {:?}", outcome.name, outcome.failure);
    }
}
