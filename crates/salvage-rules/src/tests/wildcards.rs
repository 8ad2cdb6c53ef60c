//! Wildcards in action paths, through `RuleSet::evaluate`: the same repair, changes and bytes
//! as a rule listing every concrete path; failures parked with the match named; large and
//! deep payloads.

use serde_json::Value;

use super::{input, repaired, rules};
use crate::{Decision, ErrorClass, Repair, diff::MAX_CHANGES};

/// Rules with wildcards, selected by code; their tests also run both ways in `equivalence`.
pub(super) const RULES: &str = r#"
[[rule]]
name = "qty"
when.code = "QTY"
actions = [{ op = "coerce", path = "/items/*/qty", to = "integer" }]

[[rule]]
name = "qty-listed"
when.code = "QTY-LISTED"
actions = [
  { op = "coerce", path = "/items/0/qty", to = "integer" },
  { op = "coerce", path = "/items/1/qty", to = "integer" },
  { op = "coerce", path = "/items/2/qty", to = "integer" },
]

[[rule]]
name = "lines"
when.code = "LINES"
actions = [
  { op = "default", path = "/orders/*/lines/*/currency", value = "EUR" },
  { op = "rename", from = "/orders/*/lines/*/quantity", path = "/orders/*/lines/*/qty", optional = true },
  { op = "coerce", path = "/orders/*/lines/*/qty", to = "integer" },
]

[[rule]]
name = "readings"
when.code = "READINGS"
actions = [
  { op = "timestamp", path = "/readings/*/at" },
  { op = "coerce", path = "/readings/*/celsius", to = "number" },
]

[[rule]]
name = "everything"
when.code = "ALL"
actions = [{ op = "coerce", path = "/*/*/*/*/*", to = "string" }]

[[test]]
name = "every quantity becomes an integer"
rule = "qty"
input = { queue = "orders", event_type = "E", class = "data", code = "QTY", payload = '{"items":[{"qty":"1"},{"qty":2},{"qty":" 3 "}]}' }
expect = { decision = "requeue", payload = '{"items":[{"qty":1},{"qty":2},{"qty":3}]}' }

[[test]]
name = "an empty order needs nothing"
rule = "qty"
input = { queue = "orders", event_type = "E", class = "data", code = "QTY", payload = '{"items":[]}' }
expect = { decision = "requeue", payload = '{"items":[]}' }

[[test]]
name = "a quantity that is not a number parks the order"
rule = "qty"
input = { queue = "orders", event_type = "E", class = "data", code = "QTY", payload = '{"items":[{"qty":"1"},{"qty":"lots"}]}' }
expect = { decision = "park", reason = 'action 1 (coerce /items/*/qty) failed: at /items/1/qty: cannot coerce string "lots" to integer', repair = "failed" }

[[test]]
name = "orders of lines are filled and renamed"
rule = "lines"
input = { queue = "orders", event_type = "E", class = "data", code = "LINES", payload = '{"orders":[{"lines":[{"quantity":"2"},{"qty":1,"currency":"USD"}]},{"lines":[]}]}' }
expect = { decision = "requeue", payload = '{"orders":[{"lines":[{"qty":2,"currency":"EUR"},{"qty":1,"currency":"USD"}]},{"lines":[]}]}' }

[[test]]
name = "readings are normalised"
rule = "readings"
input = { queue = "sensors", event_type = "E", class = "data", code = "READINGS", payload = '{"sensor":"s-1","readings":[{"at":"22.11.2026","celsius":"21.50"},{"at":"2026-11-22 10:15","celsius":19}]}' }
expect = { decision = "requeue", payload = '{"sensor":"s-1","readings":[{"at":"2026-11-22T00:00:00Z","celsius":21.50},{"at":"2026-11-22T10:15:00Z","celsius":19}]}' }

[[test]]
name = "readings that are not a list park"
rule = "readings"
input = { queue = "sensors", event_type = "E", class = "data", code = "READINGS", payload = '{"readings":"none"}' }
expect = { decision = "park", reason = "action 1 (timestamp /readings/*/at) failed: /readings is a string, not an object or array" }
"#;

#[test]
fn the_wildcard_rule_tests_pass() {
    let outcomes = rules(RULES).run_tests();
    assert_eq!(outcomes.len(), 6);
    for outcome in outcomes {
        assert!(outcome.passed, "{outcome:?}");
    }
}

#[test]
fn a_wildcard_repairs_as_listing_every_concrete_path_does() {
    let set = rules(RULES);
    for payload in [
        r#"{"items":[{"qty":"1"},{"qty":2},{"qty":"3"}]}"#,
        "{\"id\": 7,\n \"items\": [ {\"qty\": \"1\", \"price\": 19.90} ,\n\t{\"qty\":\"7.0\"},{\"qty\":3}],\"big\":20261121000000000000001}",
        r#"{"items":[{"qty":1},{"qty":2},{"qty":3}]}"#,
        r#"{"items":[{"qty":"1"},{"qty":"x"},{"qty":"3"}]}"#,
        r#"{"items":[{"qty":"1"},{"sku":"b"},{"qty":"3"}]}"#,
    ] {
        let wild = set.evaluate(&input(ErrorClass::Data, "QTY", payload));
        let listed = set.evaluate(&input(ErrorClass::Data, "QTY-LISTED", payload));
        assert_eq!(wild.repair, listed.repair, "{payload}");
        assert_eq!(wild.changes, listed.changes, "{payload}");
        match (&wild.decision, &listed.decision) {
            (Decision::Requeue { payload: a }, Decision::Requeue { payload: b }) => {
                assert_eq!(a, b, "{payload}");
            }
            (Decision::Park { reason: a }, Decision::Park { reason: b }) => {
                // Both fail at the same match, each naming its own action.
                let tail = |reason: &str| reason.rsplit(": ").next().map(str::to_owned);
                assert_eq!(tail(a), tail(b), "{payload}: {a} / {b}");
            }
            (a, b) => panic!("{payload}: {a:?} / {b:?}"),
        }
    }
}

#[test]
fn the_history_has_one_change_per_concrete_pointer_in_document_order() {
    let set = rules(RULES);
    let payload = "{\"id\": 7,\n \"items\": [ {\"qty\": \"1\", \"price\": 19.90} ,\n\t{\"qty\":2},{\"qty\":\"3\"}],\"big\":20261121000000000000001}";
    let evaluation = set.evaluate(&input(ErrorClass::Data, "QTY", payload));
    assert_eq!(evaluation.repair, Repair::Repaired);
    let pointers: Vec<&str> = evaluation
        .changes
        .iter()
        .map(|change| change.pointer.as_str())
        .collect();
    assert_eq!(pointers, ["/items/0/qty", "/items/2/qty"]);
    assert_eq!(evaluation.changes[0].before, Some(Value::from("1")));
    assert_eq!(evaluation.changes[0].after, Some(Value::from(1)));
    // Everything no action touched keeps its bytes: spaces, 19.90, the 23-digit id.
    assert_eq!(
        repaired(&evaluation),
        "{\"id\": 7,\n \"items\": [ {\"qty\": 1, \"price\": 19.90} ,\n\t{\"qty\":2},{\"qty\":3}],\"big\":20261121000000000000001}"
    );
}

#[test]
fn wildcard_failures_park_with_the_concrete_pointer() {
    let set = rules(RULES);
    let park = |code: &str, payload: &str| match set
        .evaluate(&input(ErrorClass::Data, code, payload))
        .decision
    {
        Decision::Park { reason } => reason,
        other => panic!("{payload}: {other:?}"),
    };
    assert_eq!(
        park("QTY", r#"{"items":[{"qty":"1"},{"qty":"x"}]}"#),
        "rule qty: action 1 (coerce /items/*/qty) failed: at /items/1/qty: cannot coerce \
         string \"x\" to integer"
    );
    assert_eq!(
        park("QTY", r#"{"items":[{"qty":"1"},{"sku":"b"}]}"#),
        "rule qty: action 1 (coerce /items/*/qty) failed: /items/1/qty does not exist"
    );
    assert_eq!(
        park("QTY", r#"{"id":1}"#),
        "rule qty: action 1 (coerce /items/*/qty) failed: /items does not exist"
    );
    assert_eq!(
        park("QTY", r#"{"items":{"a":7,"b":{"qty":"1"}}}"#),
        "rule qty: action 1 (coerce /items/*/qty) failed: /items/a/qty does not exist"
    );
    assert_eq!(
        park("QTY", r#"{"items":[{"qty":"1"},"x"]}"#),
        "rule qty: action 1 (coerce /items/*/qty) failed: /items/1/qty does not exist"
    );
    assert_eq!(
        park(
            "LINES",
            r#"{"orders":[{"lines":[{"qty":"1"}]},{"lines":5}]}"#
        ),
        "rule lines: action 1 (default /orders/*/lines/*/currency) failed: \
         /orders/1/lines is a number, not an object or array"
    );
}

#[test]
fn a_wildcard_over_ten_thousand_elements_is_repaired_whole() {
    let set = rules(RULES);
    let n = 10_000;
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"sku":"S-{i}","qty":"{i}","price":1.50}}"#))
        .collect();
    let payload = format!(r#"{{"id":"o-1","items":[{}]}}"#, items.join(","));
    let evaluation = set.evaluate(&input(ErrorClass::Data, "QTY", &payload));
    assert_eq!(evaluation.repair, Repair::Repaired);
    let expected: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"sku":"S-{i}","qty":{i},"price":1.50}}"#))
        .collect();
    assert_eq!(
        repaired(&evaluation),
        format!(r#"{{"id":"o-1","items":[{}]}}"#, expected.join(","))
    );
    // The history lists the first changes, in order, up to its limit.
    assert_eq!(evaluation.changes.len(), MAX_CHANGES);
    assert_eq!(evaluation.changes[0].pointer, "/items/0/qty");
    assert_eq!(
        evaluation.changes[MAX_CHANGES - 1].pointer,
        format!("/items/{}/qty", MAX_CHANGES - 1)
    );
    // And the last element fails as it should.
    let bad = payload.replace(r#""qty":"9999""#, r#""qty":"n/a""#);
    match set.evaluate(&input(ErrorClass::Data, "QTY", &bad)).decision {
        Decision::Park { reason } => assert!(
            reason.ends_with(r#"at /items/9999/qty: cannot coerce string "n/a" to integer"#),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_path_of_wildcards_repairs_every_leaf_of_a_wide_deep_payload() {
    // 6^5 = 7,776 leaves at depth 5 (about 90 KB): every one coerced to a string.
    let mut doc = Value::from(1);
    for _ in 0..5 {
        doc = Value::Object((0..6).map(|i| (format!("k{i}"), doc.clone())).collect());
    }
    let payload = doc.to_string();
    let evaluation = rules(RULES).evaluate(&input(ErrorClass::Data, "ALL", &payload));
    assert_eq!(evaluation.repair, Repair::Repaired);
    assert_eq!(repaired(&evaluation), payload.replace(":1", ":\"1\""));
    // Nested deeper than the path: one match, an array, which does not coerce.
    let deep = format!("{}1{}", "[".repeat(120), "]".repeat(120));
    match rules(RULES)
        .evaluate(&input(ErrorClass::Data, "ALL", &deep))
        .decision
    {
        Decision::Park { reason } => assert!(
            reason.ends_with("at /0/0/0/0/0: cannot coerce an array to string"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    // Shallower than the path: the walk fails at the first value it cannot go into.
    let shallow = r#"{"a":{"b":{"c":{"d":5}}}}"#;
    match rules(RULES)
        .evaluate(&input(ErrorClass::Data, "ALL", shallow))
        .decision
    {
        Decision::Park { reason } => assert!(
            reason.ends_with("/a/b/c/d is a number, not an object or array"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}
