//! Action paths taken from the error message, through `RuleSet::evaluate`: the repair at the
//! captured location, the history naming the concrete pointer, failures parked with the
//! captured text quoted, wildcards beside captures.

use serde_json::json;

use super::{repaired, rules};
use crate::{Decision, ErrorClass, Evaluation, Input, Repair};

/// Rules taking paths from the message, selected by code; their tests also run both ways in
/// `equivalence`.
pub(super) const RULES: &str = r#"
[[rule]]
name = "field-as-string"
when = { code = "INVALID_TYPE", message = "field '(?P<field>[^']+)' must be a string" }
actions = [{ op = "coerce", path = "{field}", to = "string" }]

[[rule]]
name = "order-field-as-number"
when = { code = "ORDER_FIELD", message = "order field (?P<field>\\S+) must be a number" }
actions = [{ op = "coerce", path = "/order/{field}", to = "number" }]

[[rule]]
name = "line-field-trimmed"
when = { code = "LINE_FIELD", message = "line (?P<f>\\S+) has spaces" }
actions = [{ op = "trim", path = "/lines/*/{f}" }]

[[rule]]
name = "rename-from-message"
when = { code = "RENAMED", message = "expected (?P<to>\\S+) instead of (?P<from>\\S+)" }
actions = [
  { op = "rename", from = "{from}", path = "{to}" },
  { op = "default", path = "/version", value = 2 },
]

[[test]]
name = "a numeric zip becomes a string"
rule = "field-as-string"
input = { queue = "shipping", event_type = "ParcelBooked", class = "data", code = "INVALID_TYPE", message = "field 'shipping.zip' must be a string", payload = '{"id":7,"shipping":{"zip":10115,"city":"Berlin"}}' }
expect = { decision = "requeue", payload = '{"id":7,"shipping":{"zip":"10115","city":"Berlin"}}' }

[[test]]
name = "a bracketed index names an element"
rule = "field-as-string"
input = { queue = "shipping", event_type = "E", class = "data", code = "INVALID_TYPE", message = "field 'parcels[1].ref' must be a string", payload = '{"parcels":[{"ref":1},{"ref":2}]}' }
expect = { decision = "requeue", payload = '{"parcels":[{"ref":1},{"ref":"2"}]}' }

[[test]]
name = "a captured path that is not a path parks"
rule = "field-as-string"
input = { queue = "shipping", event_type = "E", class = "data", code = "INVALID_TYPE", message = "field 'shipping..zip' must be a string", payload = '{"shipping":{"zip":10115}}' }
expect = { decision = "park", reason = 'rule field-as-string: action 1 (coerce {field}) failed: `{field}` captured "shipping..zip", which is not a path', repair = "failed" }

[[test]]
name = "a captured location that is missing parks naming it"
rule = "field-as-string"
input = { queue = "shipping", event_type = "E", class = "data", code = "INVALID_TYPE", message = "field 'billing.zip' must be a string", payload = '{"shipping":{"zip":10115}}' }
expect = { decision = "park", reason = "rule field-as-string: action 1 (coerce /billing/zip) failed: /billing/zip does not exist", repair = "failed" }

[[test]]
name = "a template puts the capture inside the order"
rule = "order-field-as-number"
input = { queue = "orders", event_type = "E", class = "data", code = "ORDER_FIELD", message = "order field total must be a number", payload = '{"order":{"total":"12.50"},"total":"x"}' }
expect = { decision = "requeue", payload = '{"order":{"total":12.50},"total":"x"}' }

[[test]]
name = "a capture after a wildcard applies in every line"
rule = "line-field-trimmed"
input = { queue = "orders", event_type = "E", class = "data", code = "LINE_FIELD", message = "line sku has spaces", payload = '{"lines":[{"sku":" A "},{"sku":"B "}]}' }
expect = { decision = "requeue", payload = '{"lines":[{"sku":"A"},{"sku":"B"}]}' }

[[test]]
name = "from and path both from the message"
rule = "rename-from-message"
input = { queue = "orders", event_type = "E", class = "data", code = "RENAMED", message = "expected customer.email instead of customer.mail", payload = '{"customer":{"mail":"a@b.c"}}' }
expect = { decision = "requeue", payload = '{"customer":{"email":"a@b.c"},"version":2}' }
"#;

fn input<'a>(code: &'a str, message: &'a str, payload: &'a str) -> Input<'a> {
    Input {
        queue: "orders",
        event_type: "E",
        class: ErrorClass::Data,
        code,
        message,
        payload: payload.as_bytes(),
    }
}

fn reason(evaluation: &Evaluation) -> &str {
    match &evaluation.decision {
        Decision::Park { reason } => reason,
        other => panic!("expected a park, got {other:?}"),
    }
}

#[test]
fn the_capture_rule_tests_pass() {
    let outcomes = rules(RULES).run_tests();
    assert_eq!(outcomes.len(), 7);
    for outcome in outcomes {
        assert!(outcome.passed, "{outcome:?}");
    }
}

#[test]
fn the_history_records_the_concrete_pointer() {
    let set = rules(RULES);
    let evaluation = set.evaluate(&input(
        "INVALID_TYPE",
        "field 'shipping.zip' must be a string",
        r#"{"shipping": {"zip": 10115}}"#,
    ));
    assert_eq!(evaluation.rule.as_deref(), Some("field-as-string"));
    assert_eq!(evaluation.repair, Repair::Repaired);
    assert_eq!(repaired(&evaluation), r#"{"shipping": {"zip": "10115"}}"#);
    let changes: Vec<(&str, _, _)> = evaluation
        .changes
        .iter()
        .map(|c| (c.pointer.as_str(), c.before.clone(), c.after.clone()))
        .collect();
    assert_eq!(
        changes,
        [("/shipping/zip", Some(json!(10115)), Some(json!("10115")))]
    );
}

#[test]
fn dotted_bracketed_and_pointer_captures_repair_the_same_location() {
    let set = rules(RULES);
    let payload = r#"{"items": [{"qty": 1}, {"qty": 2}, {"qty": 3}]}"#;
    let expected = r#"{"items": [{"qty": 1}, {"qty": 2}, {"qty": "3"}]}"#;
    for field in ["items[2].qty", "items.2.qty", "/items/2/qty"] {
        let message = format!("field '{field}' must be a string");
        let evaluation = set.evaluate(&input("INVALID_TYPE", &message, payload));
        assert_eq!(repaired(&evaluation), expected, "{field}");
        assert_eq!(evaluation.changes[0].pointer, "/items/2/qty", "{field}");
    }
}

#[test]
fn captured_names_with_pointer_characters_are_members_of_that_name() {
    let set = rules(RULES);
    let payload = r#"{"a/b": 1, "c~d": 2, "*": 3, "x": {"*": 4, "y": 5}}"#;
    for (field, pointer) in [
        ("a/b", "/a~1b"),
        ("c~d", "/c~0d"),
        ("*", "/*"),
        ("x.*", "/x/*"),
        ("/x/*", "/x/*"),
    ] {
        let message = format!("field '{field}' must be a string");
        let evaluation = set.evaluate(&input("INVALID_TYPE", &message, payload));
        assert_eq!(
            evaluation.repair,
            Repair::Repaired,
            "{field}: {evaluation:?}"
        );
        // Only the one member changed: a captured `*` is never a wildcard. (The history's
        // pointers are plain RFC 6901, where `*` is the character.)
        let pointers: Vec<&str> = evaluation
            .changes
            .iter()
            .map(|c| c.pointer.as_str())
            .collect();
        assert_eq!(pointers, [pointer], "{field}");
    }
}

#[test]
fn captured_text_that_is_not_a_path_parks_quoting_it() {
    let set = rules(RULES);
    let payload = r#"{"items": [{"qty": 1}]}"#;
    for (field, why) in [
        ("items..qty", "a name is empty"),
        (
            "items[x].qty",
            "brackets in \"items[x]\" must hold an array index",
        ),
        (
            "items[01].qty",
            "brackets in \"items[01]\" must hold an array index",
        ),
        ("/items/~9", "`~` must be followed by 0, 1 or 2"),
    ] {
        let message = format!("field '{field}' must be a string");
        let evaluation = set.evaluate(&input("INVALID_TYPE", &message, payload));
        assert_eq!(evaluation.repair, Repair::Failed, "{field}");
        let expected = format!(
            "rule field-as-string: action 1 (coerce {{field}}) failed: `{{field}}` captured \
             {field:?}, which is not a path: "
        );
        let reason = reason(&evaluation);
        assert!(reason.starts_with(&expected), "{reason}");
        assert!(reason.contains(why), "{reason}");
    }
}

#[test]
fn a_captured_location_on_a_non_json_payload_parks_as_unreadable() {
    let set = rules(RULES);
    let evaluation = set.evaluate(&input(
        "INVALID_TYPE",
        "field 'shipping..zip' must be a string",
        "not json",
    ));
    assert_eq!(reason(&evaluation), crate::INVALID_JSON_REASON);
}

#[test]
fn a_message_the_regex_does_not_match_leaves_the_rule_out() {
    let set = rules(RULES);
    let evaluation = set.evaluate(&input(
        "INVALID_TYPE",
        "zip must be a string",
        r#"{"zip": 1}"#,
    ));
    assert_eq!(evaluation.rule, None);
}

#[test]
fn an_optional_group_that_took_no_part_parks_naming_it() {
    let set = rules(
        "[[rule]]\nname = 'r'\n\
         when.message = \"bad (?:field (?P<field>\\\\S+)|record)\"\n\
         actions = [{ op = 'remove', path = '{field}' }]\n",
    );
    let evaluation = set.evaluate(&input("X", "bad record", r#"{"a": 1}"#));
    assert_eq!(
        reason(&evaluation),
        "rule r: action 1 (remove {field}) failed: `{field}`: the group `field` captured nothing"
    );
    let removed = set.evaluate(&input("X", "bad field a", r#"{"a": 1, "b": 2}"#));
    assert_eq!(repaired(&removed), r#"{"b": 2}"#);
}
