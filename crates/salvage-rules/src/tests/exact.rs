//! Data exactly as sent: repairs keep every number, escape and space they did not touch;
//! conditions and tests compare numbers by their exact value or digits; ambiguous and too-deep
//! payloads park with reasons that say so.

use super::{input, rules};
use crate::{Decision, ErrorClass, Repair};

pub(super) const RULES: &str = r#"
[[rule]]
name = "big-id"
when.code = "BIG"
when.payload = [{ pointer = "/kind", equals = "id" }, { pointer = "/id", is = "integer" }]
actions = [{ op = "coerce", path = "/id", to = "string" }]

[[rule]]
name = "fix-total"
when.code = "J"
actions = [{ op = "coerce", path = "/total", to = "number" }]

[[rule]]
name = "rename"
when.code = "R"
actions = [{ op = "rename", from = "/amount", path = "/total" }]

[[rule]]
name = "equals-big"
when.code = "EQ"
when.payload = [{ pointer = "/id", equals = 12.3 }]
decision = "park"
reason = "matched 12.3"

[[test]]
name = "digits as written"
input = { queue = "orders", event_type = "E", class = "data", code = "J", payload = '{"total":"12.50"}' }
expect = { decision = "requeue", payload = '{"total":12.50}' }

[[test]]
name = "digits lost would fail"
input = { queue = "orders", event_type = "E", class = "data", code = "J", payload = '{"total":"12.50"}' }
expect = { decision = "requeue", payload = '{"total":12.5}' }

[[test]]
name = "payload_json compares numbers by value"
input = { queue = "orders", event_type = "E", class = "data", code = "J", payload = '{"total":"12.50"}' }
expect = { decision = "requeue", payload_json = { total = 12.5 } }
"#;

fn repaired(code: &str, payload: &str) -> String {
    let evaluation = rules(RULES).evaluate(&input(ErrorClass::Data, code, payload));
    match evaluation.decision {
        Decision::Requeue {
            payload: Some(bytes),
        } => String::from_utf8(bytes).unwrap(),
        other => panic!("expected a repair, got {other:?}"),
    }
}

#[test]
fn a_repair_keeps_every_untouched_number_escape_and_space() {
    let payload = "{\"total\": \"12.50\", \"tax\": 12.30, \"n\": 1e3, \"N\": 1E+3, \"z\": -0,\n \
                   \"one\": 1.0, \"id\": 20261121000000000000001, \"s\": \"caf\\u00e9 \\/\",\n \
                   \"lines\": [{\"p\": 2.50}, 10.0]}";
    assert_eq!(
        repaired("J", payload),
        payload.replace("\"total\": \"12.50\"", "\"total\": 12.50")
    );
}

#[test]
fn a_renamed_member_keeps_its_text() {
    assert_eq!(
        repaired("R", r#"{"amount": 1E3, "currency": "EUR"}"#),
        r#"{"total":1E3, "currency": "EUR"}"#
    );
}

#[test]
fn big_integers_are_matched_and_converted_exactly() {
    assert_eq!(
        repaired("BIG", r#"{"kind": "id", "id": 20261121000000000000001}"#),
        r#"{"kind": "id", "id": "20261121000000000000001"}"#
    );
    assert_eq!(
        repaired("J", r#"{"total": "20261121000000000000001"}"#),
        r#"{"total": 20261121000000000000001}"#
    );
}

#[test]
fn equals_compares_numbers_by_exact_value() {
    let set = rules(RULES);
    for (payload, matched) in [
        (r#"{"id": 12.30}"#, true),
        (r#"{"id": 1.23e1}"#, true),
        (r#"{"id": 12.300000000000000001}"#, false),
    ] {
        let evaluation = set.evaluate(&input(ErrorClass::Data, "EQ", payload));
        assert_eq!(evaluation.rule.is_some(), matched, "{payload}");
    }
}

#[test]
fn ambiguous_and_too_deep_payloads_park_saying_so() {
    let set = rules(RULES);
    let cases = [
        (
            r#"{"total": "1", "total": "2"}"#.to_owned(),
            r#"payload is ambiguous: key "total" appears more than once in the top-level object"#,
        ),
        (
            format!(
                r#"{{"total": "1", "x": {}{}}}"#,
                "[".repeat(130),
                "]".repeat(130)
            ),
            "payload is nested deeper than 127 levels",
        ),
        ("{\"total\": ".to_owned(), "payload is not valid JSON"),
    ];
    for (payload, reason) in cases {
        let evaluation = set.evaluate(&input(ErrorClass::Data, "J", &payload));
        assert_eq!(evaluation.rule.as_deref(), Some("fix-total"));
        assert_eq!(evaluation.repair, Repair::Failed);
        assert_eq!(
            evaluation.decision,
            Decision::Park {
                reason: reason.to_owned()
            }
        );
        assert!(crate::is_unreadable_payload(reason));
    }
}

#[test]
fn rule_tests_compare_written_digits() {
    let outcomes = rules(RULES).run_tests();
    let by_name = |name: &str| outcomes.iter().find(|o| o.name == name).unwrap();
    assert!(by_name("digits as written").passed);
    assert!(by_name("payload_json compares numbers by value").passed);
    let lost = by_name("digits lost would fail");
    assert!(!lost.passed);
    assert_eq!(
        lost.failure.as_deref(),
        Some(
            "payload is {\"total\":12.50}, expected {\"total\":12.5}; first difference at \
             byte 13: produced `{\"total\":12.50}`, expected `{\"total\":12.5}`"
        )
    );
}
