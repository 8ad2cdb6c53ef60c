//! `[[test]]` expectations on the repaired payload: `expect.payload` is the exact text,
//! byte for byte, and a failure says where it first differs; `expect.payload_json` compares
//! as JSON, numbers by value.

use super::rules;
use crate::TestOutcome;

/// A rule that repairs nothing but `/total` (a string coerced to a number), so every other
/// byte of the payload is as sent, and one that adds `/currency` at the end of the object.
const RULES: &str = r#"
[[rule]]
name = "fix-total"
when.code = "T"
actions = [{ op = "coerce", path = "/total", to = "number" }]

[[rule]]
name = "add-currency"
when.code = "C"
actions = [{ op = "default", path = "/currency", value = "EUR" }]
"#;

/// The outcome of one test on [`RULES`]: code `code`, payload `payload`, `expect` the TOML
/// of the `expect` table's other keys (after `decision = "requeue"`).
fn run(code: &str, payload: &str, expect: &str) -> TestOutcome {
    let source = format!(
        "{RULES}\n[[test]]\nname = \"t\"\n\
         input = {{ queue = \"q\", event_type = \"E\", class = \"data\", code = \"{code}\", \
         payload = '{payload}' }}\n\
         expect = {{ decision = \"requeue\", {expect} }}\n"
    );
    let mut outcomes = rules(&source).run_tests();
    assert_eq!(outcomes.len(), 1);
    outcomes.remove(0)
}

fn failure(outcome: &TestOutcome) -> &str {
    assert!(!outcome.passed, "passed");
    outcome.failure.as_deref().unwrap_or_default()
}

#[test]
fn the_exact_bytes_pass() {
    for (code, payload, expected) in [
        ("T", r#"{"total":"12.30"}"#, r#"{"total":12.30}"#),
        (
            "T",
            r#"{ "id": 20261121000000000000001, "total": "12.50", "n": "\u00e9", "x": 1E3 }"#,
            r#"{ "id": 20261121000000000000001, "total": 12.50, "n": "\u00e9", "x": 1E3 }"#,
        ),
        // A number written anew has its exponent written by serde_json (README).
        ("T", r#"{"total":"1E3"}"#, r#"{"total":1e+3}"#),
        ("C", r#"{"id":"o-1"}"#, r#"{"id":"o-1","currency":"EUR"}"#),
    ] {
        let outcome = run(code, payload, &format!("payload = '{expected}'"));
        assert!(outcome.passed, "{expected}: {:?}", outcome.failure);
    }
}

#[test]
fn other_digits_fail_and_the_message_shows_where() {
    // The issue's case: the repair writes the digits it was given.
    let outcome = run("T", r#"{"total":"12.3"}"#, r#"payload = '{"total":12.30}'"#);
    assert_eq!(
        failure(&outcome),
        "payload is {\"total\":12.3}, expected {\"total\":12.30}; first difference at byte 13: \
         produced `{\"total\":12.3}`, expected `{\"total\":12.30}`"
    );
    // The same value with an exponent written otherwise: the same as JSON, not as text.
    let outcome = run("T", r#"{"total":"1E3"}"#, r#"payload = '{"total":1e3}'"#);
    assert_eq!(
        failure(&outcome),
        "payload is {\"total\":1e+3}, expected {\"total\":1e3}; first difference at byte 11: \
         produced `{\"total\":1e+3}`, expected `{\"total\":1e3}` (equal as JSON with the same \
         digits: only spacing, member order, escapes or exponents are written otherwise)"
    );
}

#[test]
fn what_only_json_equality_would_pass_fails_naming_that() {
    let note = "(equal as JSON with the same digits: only spacing, member order, escapes or \
                exponents are written otherwise)";
    for (payload, expected, at) in [
        // Spacing: the payload's own spacing is kept, and counts.
        (r#"{"id": 1, "total": "5"}"#, r#"{"id":1,"total":5}"#, 6),
        // Member order.
        (r#"{"total":"5","id":1}"#, r#"{"id":1,"total":5}"#, 2),
        // Escapes: kept as sent.
        (r#"{"n":"\u00e9","total":"5"}"#, r#"{"n":"é","total":5}"#, 6),
    ] {
        let outcome = run("T", payload, &format!("payload = '{expected}'"));
        let failure = failure(&outcome);
        assert!(
            failure.contains(&format!("first difference at byte {at}: ")),
            "{failure}"
        );
        assert!(failure.ends_with(note), "{failure}");
    }
    // A different value gets no such note.
    let outcome = run("T", r#"{"total":"5"}"#, r#"payload = '{"total":6}'"#);
    assert!(!failure(&outcome).contains("equal as JSON"));
}

#[test]
fn long_texts_are_cut_around_the_difference() {
    let payload = format!(
        r#"{{"note":"{}","total":"12.50","tail":"{}"}}"#,
        "a".repeat(60),
        "z".repeat(60)
    );
    let produced = payload.replace(r#""12.50""#, "12.50");
    let expected = produced.replace("12.50", "12.5");
    let outcome = run("T", &payload, &format!("payload = '{expected}'"));
    let failure = failure(&outcome);
    let at = produced.find("12.50").unwrap_or_default() + 4;
    assert_eq!(
        failure,
        format!(
            "payload is {produced}, expected {expected}; first difference at byte {at}: \
             produced `…{}…`, expected `…{}…`",
            &produced[at - 20..at + 20],
            &expected[at - 20..at + 20],
        )
    );
}

#[test]
fn a_text_that_ends_first_is_marked_and_spacing_is_shown() {
    // The expectation has a trailing newline the repair does not produce.
    let outcome = run("T", r#"{"total":"5"}"#, r#"payload = "{\"total\":5}\n""#);
    assert_eq!(
        failure(&outcome),
        "payload is {\"total\":5}, expected {\"total\":5}\\n; first difference at byte 11: \
         produced `{\"total\":5}` (end), expected `{\"total\":5}\\n` (equal as JSON with the \
         same digits: only spacing, member order, escapes or exponents are written otherwise)"
    );
}

#[test]
fn excerpts_keep_whole_characters() {
    // é and è share their first byte, so the difference (byte 30) is inside a character, and
    // 20 bytes either side of it falls inside an é (before) and a ü (after).
    let text = |last: &str| {
        format!(
            r#"{{"n":"xxxé{}{last}","mm":"{}"}}"#,
            "x".repeat(18),
            "ü".repeat(12)
        )
    };
    let with_currency = |last: &str| text(last).replace("\"}", "\",\"currency\":\"EUR\"}");
    let outcome = run(
        "C",
        &text("é"),
        &format!("payload = '{}'", with_currency("è")),
    );
    let failure = failure(&outcome);
    let around = |last: &str| format!("`…é{}{last}\",\"mm\":\"{}…`", "x".repeat(18), "ü".repeat(6));
    assert!(
        failure.contains(&format!(
            "first difference at byte 30: produced {}, expected {}",
            around("é"),
            around("è")
        )),
        "{failure}"
    );
    assert!(!failure.contains('\u{fffd}'), "{failure}");
}

#[test]
fn an_unchanged_payload_fails_an_expected_text() {
    let source = format!(
        "{RULES}\n[[rule]]\nname = \"keep\"\nwhen.code = \"K\"\ndecision = \"requeue\"\n\n\
         [[test]]\nname = \"t\"\n\
         input = {{ queue = \"q\", event_type = \"E\", class = \"data\", code = \"K\", \
         payload = '{{\"a\":1}}' }}\n\
         expect = {{ decision = \"requeue\", payload = '{{\"a\":1}}' }}\n"
    );
    let outcomes = rules(&source).run_tests();
    assert_eq!(
        outcomes[0].failure.as_deref(),
        Some(r#"payload unchanged, expected {"a":1}"#)
    );
}

#[test]
fn payload_json_compares_as_json_by_value() {
    let passing = [
        // Member order, spacing and a number's digits aside.
        (
            r#"{"total":"12.50", "id":1}"#,
            "payload_json = { id = 1, total = 12.5 }",
        ),
        (r#"{"total":"1E3"}"#, "payload_json = { total = 1000 }"),
    ];
    for (payload, expect) in passing {
        let outcome = run("T", payload, expect);
        assert!(outcome.passed, "{payload}: {:?}", outcome.failure);
    }
    let outcome = run(
        "T",
        r#"{"total":"12.50"}"#,
        "payload_json = { total = 12.51 }",
    );
    assert_eq!(
        failure(&outcome),
        r#"payload is {"total":12.50}, expected {"total":12.51}"#
    );
}

#[test]
fn an_expected_text_must_be_json() {
    for (expected, message) in [
        (r"{nope", "`expect.payload` is not valid JSON: "),
        (
            r#"{"a":1,"a":2}"#,
            "`expect.payload` is ambiguous: key \"a\" appears more than once",
        ),
    ] {
        let source = format!(
            "{RULES}\n[[test]]\nname = \"t\"\n\
             input = {{ queue = \"q\", event_type = \"E\", class = \"data\" }}\n\
             expect = {{ decision = \"requeue\", payload = '{expected}' }}\n"
        );
        match crate::RuleSet::parse(&source, "t.toml") {
            Ok(_) => panic!("{expected}: loaded"),
            Err(e) => assert!(e.to_string().contains(message), "{e}"),
        }
    }
}
