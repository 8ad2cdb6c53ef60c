//! Schemas: loading and its errors, validation of repaired payloads, zero-rule repairs,
//! versions, exact numbers, and `[[test]]` expectations held to the schema.

use serde_json::json;

use crate::{
    Decision, ErrorClass, Evaluation, Input, Repair, RuleSet, RulesError,
    diff::{Change, Op},
};

/// An order: `quantity` an integer, `shipping` an enum, `currency` with a default, no other
/// members; customers and lines through `$ref`s.
const ORDER: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["id", "quantity", "shipping", "currency"],
  "additionalProperties": false,
  "properties": {
    "id": {"type": "string"},
    "quantity": {"type": "integer", "minimum": 1},
    "total": {"type": "number", "multipleOf": 0.01},
    "currency": {"type": "string", "default": "EUR"},
    "shipping": {"type": "string", "enum": ["standard", "express"]},
    "customer": {"$ref": "#/$defs/customer"},
    "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}},
    "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
    "big": {"type": "integer"},
    "tags": {"type": "object", "patternProperties": {"^x-": {"type": "integer"}},
             "additionalProperties": false}
  },
  "$defs": {
    "customer": {
      "type": "object",
      "additionalProperties": false,
      "properties": {"email": {"type": "string", "format": "email"}, "vip": {"type": "boolean"}}
    },
    "line": {
      "type": "object",
      "required": ["sku", "qty", "gift"],
      "additionalProperties": false,
      "properties": {
        "sku": {"type": "string"},
        "qty": {"type": "integer"},
        "gift": {"$ref": "#/$defs/flag"}
      }
    },
    "flag": {"type": "boolean", "default": false}
  }
}"##;

/// Versions 1 and 2 of a payment, and one for any other version.
const PAYMENT_V1: &str = r#"{"type": "object", "properties": {"amount": {"type": "integer"}}}"#;
const PAYMENT_V2: &str = r#"{"type": "object", "properties": {"amount": {"type": "string"}}}"#;
const PAYMENT_ANY: &str = r#"{"type": "object", "required": ["amount"]}"#;

/// The schema files the tests' rules files read.
fn read(name: &str) -> Result<String, String> {
    match name {
        "schemas/order.json" => Ok(ORDER.to_owned()),
        "schemas/payment.v1.json" => Ok(PAYMENT_V1.to_owned()),
        "schemas/payment.v2.json" => Ok(PAYMENT_V2.to_owned()),
        "schemas/payment.json" => Ok(PAYMENT_ANY.to_owned()),
        "schemas/not-json.json" => Ok("{\"type\": ".to_owned()),
        "schemas/not-a-schema.json" => Ok(r#"{"type": "integr"}"#.to_owned()),
        "schemas/remote.json" => Ok(r#"{"$ref": "https://example.com/order.json"}"#.to_owned()),
        "schemas/big.json" => Ok(
            r#"{"type": "object", "properties": {"id": {"type": "integer", "minimum": 1},
                "price": {"type": "number", "multipleOf": 0.01}}}"#
                .to_owned(),
        ),
        other => Err(format!("no such file: {other}")),
    }
}

/// `source` loaded as `rules.toml` with [`read`].
fn try_load(source: &str) -> Result<RuleSet, RulesError> {
    RuleSet::load(source, "rules.toml", &mut read)
}

fn load(source: &str) -> RuleSet {
    try_load(source).unwrap_or_else(|e| panic!("{e}"))
}

/// The order schema with zero-rule repairs, and a rule that coerces `/quantity`.
const ORDERS: &str = r#"
[[schema]]
event_type = "OrderPlaced"
file = "schemas/order.json"
repair = true

[[rule]]
name = "quantity-as-integer"
when.code = "QTY"
actions = [{ op = "coerce", path = "/quantity", to = "integer" }]

[[rule]]
name = "as-it-is"
when.code = "AS_IS"
decision = "requeue"

[[rule]]
name = "later"
when.code = "LATER"
decision = "retry"
"#;

fn input<'a>(event_type: &'a str, class: ErrorClass, code: &'a str, payload: &'a str) -> Input<'a> {
    Input {
        queue: "orders",
        event_type,
        class,
        code,
        message: "",
        payload: payload.as_bytes(),
    }
}

fn order(code: &str, payload: &str) -> Evaluation {
    load(ORDERS).evaluate(&input("OrderPlaced", ErrorClass::Data, code, payload))
}

fn requeued(evaluation: &Evaluation) -> String {
    match &evaluation.decision {
        Decision::Requeue {
            payload: Some(bytes),
        } => String::from_utf8(bytes.clone()).unwrap(),
        other => panic!("expected a repair, got {other:?}"),
    }
}

fn parked(evaluation: &Evaluation) -> &str {
    match &evaluation.decision {
        Decision::Park { reason } => reason,
        other => panic!("expected a park, got {other:?}"),
    }
}

fn pointers(changes: &[Change]) -> Vec<(&str, Op)> {
    changes.iter().map(|c| (c.pointer.as_str(), c.op)).collect()
}

// Loading.

#[test]
fn load_reads_each_schema_file_once_and_lists_them() {
    let source = r#"
[[schema]]
event_type = "OrderPlaced"
file = "schemas/order.json"

[[schema]]
event_type = "OrderAmended"
file = "schemas/order.json"

[[schema]]
event_type = "PaymentTaken"
file = "schemas/payment.json"
"#;
    let mut reads = Vec::new();
    let set = RuleSet::load(source, "rules.toml", &mut |name| {
        reads.push(name.to_owned());
        read(name)
    })
    .unwrap();
    assert_eq!(reads, ["schemas/order.json", "schemas/payment.json"]);
    assert!(set.schema_repair_names().is_empty());
    assert_eq!(load(ORDERS).schema_repair_names(), ["schema:OrderPlaced"]);
    assert_eq!(
        set.schema_files().collect::<Vec<_>>(),
        ["schemas/order.json", "schemas/payment.json"]
    );
    // Without schemas, `load` reads nothing and `parse` works as before.
    let plain = "[[rule]]\nname = \"a\"\ndecision = \"park\"\n";
    let set = RuleSet::load(plain, "r.toml", &mut |_| panic!("read")).unwrap();
    assert_eq!(set.schema_files().count(), 0);
    assert!(RuleSet::parse(plain, "r.toml").is_ok());
}

#[test]
fn load_errors_name_the_line_and_the_schema_file() {
    let header = "[[rule]]\nname = \"a\"\ndecision = \"park\"\n\n";
    let cases: &[(&str, usize, &str)] = &[
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/missing.json\"\n",
            5,
            "schema `schemas/missing.json`: cannot read the schema file: no such file: \
             schemas/missing.json",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/not-json.json\"\n",
            5,
            "schema `schemas/not-json.json`: the schema file is not JSON: ",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/not-a-schema.json\"\n",
            5,
            "schema `schemas/not-a-schema.json`: not a valid JSON Schema: /type: \"integr\" is \
             not valid under any of the schemas listed in the 'anyOf' keyword",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/remote.json\"\n",
            5,
            "schema `schemas/remote.json`: not a valid JSON Schema: Resource \
             'https://example.com/order.json' is not present in a registry and retrieving it \
             failed",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.json\"\n\n\
             [[schema]]\nevent_type = \"E\"\nfile = \"schemas/order.json\"\n",
            9,
            "schema `schemas/order.json`: event type `E` already has a schema without \
             `version` (line 5)",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.v1.json\"\nversion = \"1\"\n\
             version_at = \"/v\"\n\n\
             [[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.v2.json\"\nversion = 1\n\
             version_at = \"/v\"\n",
            11,
            "schema `schemas/payment.v2.json`: event type `E` already has a schema for version \
             \"1\" (line 5)",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.v1.json\"\nversion = \"1\"\n\
             version_at = \"/v\"\n\n\
             [[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.v2.json\"\nversion = \"2\"\n\
             version_at = \"/version\"\n",
            11,
            "schema `schemas/payment.v2.json`: `version_at` \"/version\" differs from \"/v\"",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.json\"\nversion = \"2\"\n",
            5,
            "schema `schemas/payment.json`: `version` needs `version_at`",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.json\"\nversion_at = \"/v\"\n",
            5,
            "schema `schemas/payment.json`: `version_at` is only used with `version`",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.json\"\nversion = \"2\"\n\
             version_at = \"v\"\n",
            5,
            "schema `schemas/payment.json`: `version_at` \"v\" is not a JSON Pointer",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.json\"\nversion = 2.5\n\
             version_at = \"/v\"\n",
            5,
            "schema `schemas/payment.json`: `version` must be a string or an integer, not float",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/payment.json\"\nrepairs = true\n",
            5,
            "schema `schemas/payment.json`: unknown field `repairs`",
        ),
        (
            "[[schema]]\nevent_type = \"\"\nfile = \"schemas/payment.json\"\n",
            5,
            "schema `schemas/payment.json`: `event_type` is empty",
        ),
        (
            "[[schema]]\nevent_type = \"E\"\n",
            5,
            "schema #1: missing field `file`",
        ),
    ];
    for (schemas, line, start) in cases {
        let source = format!("{header}{schemas}");
        let error = match try_load(&source) {
            Ok(_) => panic!("loaded:\n{source}"),
            Err(e) => e,
        };
        assert_eq!(error.line(), *line, "{error}");
        let text = error.to_string();
        let prefix = format!("rules.toml:{line}: {start}");
        assert!(text.starts_with(&prefix), "{text}\nexpected: {prefix}");
    }
}

#[test]
fn parse_refuses_a_file_with_schemas() {
    let error = RuleSet::parse(ORDERS, "rules.toml").err().unwrap();
    assert_eq!(
        error.to_string(),
        "rules.toml:2: schema `schemas/order.json`: `[[schema]]` needs its schema file read: \
         load this rules file with `RuleSet::load`, which reads the files beside it"
    );
}

// A rule's repaired payload, validated.

#[test]
fn a_repaired_payload_that_matches_is_requeued() {
    let evaluation = order(
        "QTY",
        r#"{"id":"o-1","quantity":"3","shipping":"express","currency":"EUR"}"#,
    );
    assert_eq!(
        requeued(&evaluation),
        r#"{"id":"o-1","quantity":3,"shipping":"express","currency":"EUR"}"#
    );
    assert_eq!(evaluation.repair, Repair::Repaired);
}

#[test]
fn a_repaired_payload_that_does_not_match_is_parked_with_the_errors_and_changes() {
    let evaluation = order(
        "QTY",
        r#"{"id":"o-1","quantity":"0","shipping":"EXPRESS","customer":{"email":"x"}}"#,
    );
    assert_eq!(
        parked(&evaluation),
        "repaired payload does not match schema schemas/order.json: \
         (root): \"currency\" is a required property; \
         /quantity: 0 is less than the minimum of 1; \
         /shipping: \"EXPRESS\" is not one of \"standard\" or \"express\"; \
         /customer/email: \"x\" is not a \"email\""
    );
    assert_eq!(evaluation.repair, Repair::Failed);
    assert_eq!(evaluation.rule.as_deref(), Some("quantity-as-integer"));
    assert_eq!(pointers(&evaluation.changes), [("/quantity", Op::Changed)]);
}

#[test]
fn unchanged_requeues_and_retries_are_not_validated() {
    let invalid = r#"{"quantity":"x"}"#;
    let evaluation = order("AS_IS", invalid);
    assert_eq!(evaluation.decision, Decision::Requeue { payload: None });
    assert!(matches!(
        order("LATER", invalid).decision,
        Decision::Retry { .. }
    ));
}

#[test]
fn a_long_list_of_errors_is_cut() {
    let lines: Vec<String> = (0..20).map(|i| format!(r#"{{"sku":{i}}}"#)).collect();
    let payload = format!(
        r#"{{"id":"o-1","quantity":"2","shipping":"standard","currency":"EUR","lines":[{}]}}"#,
        lines.join(",")
    );
    let reason = parked(&order("QTY", &payload)).to_owned();
    assert!(reason.len() <= 1000, "{}", reason.len());
    assert_eq!(reason.matches("; ").count(), 4, "{reason}");
    assert!(reason.ends_with(" more)"), "{reason}");
}

// Zero-rule repairs.

#[test]
fn each_zero_rule_repair_alone() {
    // (payload, repaired payload, the change)
    let cases = [
        (
            r#"{"id":"o-1", "quantity": "42" ,"shipping":"express","currency":"EUR"}"#,
            r#"{"id":"o-1", "quantity": 42 ,"shipping":"express","currency":"EUR"}"#,
            ("/quantity", Op::Changed),
        ),
        (
            r#"{"id":"o-1","quantity":2,"shipping":"EXPRESS","currency":"EUR"}"#,
            r#"{"id":"o-1","quantity":2,"shipping":"express","currency":"EUR"}"#,
            ("/shipping", Op::Changed),
        ),
        (
            r#"{"id":"o-1","quantity":2,"coupon":"X1","shipping":"express","currency":"EUR"}"#,
            r#"{"id":"o-1","quantity":2,"shipping":"express","currency":"EUR"}"#,
            ("/coupon", Op::Removed),
        ),
        (
            r#"{"id":"o-1","quantity":2,"shipping":"express"}"#,
            r#"{"id":"o-1","quantity":2,"shipping":"express","currency":"EUR"}"#,
            ("/currency", Op::Added),
        ),
        (
            r#"{"id":"o-1","quantity":2,"shipping":"express","currency":"EUR","total":"12.30"}"#,
            r#"{"id":"o-1","quantity":2,"shipping":"express","currency":"EUR","total":12.30}"#,
            ("/total", Op::Changed),
        ),
        (
            r#"{"id":12.50,"quantity":2,"shipping":"express","currency":"EUR"}"#,
            r#"{"id":"12.50","quantity":2,"shipping":"express","currency":"EUR"}"#,
            ("/id", Op::Changed),
        ),
    ];
    for (payload, want, change) in cases {
        let evaluation = order("NONE", payload);
        assert_eq!(requeued(&evaluation), want, "{payload}");
        assert_eq!(evaluation.rule.as_deref(), Some("schema:OrderPlaced"));
        assert_eq!(evaluation.repair, Repair::Repaired);
        assert_eq!(evaluation.max_attempts, 5);
        assert_eq!(pointers(&evaluation.changes), [change], "{payload}");
    }
}

#[test]
fn zero_rule_repairs_together_keep_every_other_byte() {
    let payload = "{ \"id\" : \"o-1\",\n  \"quantity\":\"3\", \"coupon\": {\"code\": \"X\"},\n  \
                   \"shipping\":\"Express\", \"total\": 12.30, \"big\": 1234567890123456789012345,\
                   \n  \"name\":\"caf\\u00e9\" }";
    let evaluation = order("NONE", payload);
    assert_eq!(
        requeued(&evaluation),
        "{ \"id\" : \"o-1\",\n  \"quantity\":3,\n  \"shipping\":\"express\", \"total\": 12.30, \
         \"big\": 1234567890123456789012345,\"currency\":\"EUR\" }"
    );
    assert_eq!(
        pointers(&evaluation.changes),
        [
            ("/quantity", Op::Changed),
            ("/coupon", Op::Removed),
            ("/shipping", Op::Changed),
            ("/name", Op::Removed),
            ("/currency", Op::Added),
        ]
    );
    assert_eq!(evaluation.changes[0].before, Some(json!("3")));
    assert_eq!(evaluation.changes[0].after, Some(json!(3)));
}

#[test]
fn zero_rule_repairs_follow_properties_items_prefix_items_and_refs() {
    let payload = r#"{"id":"o-1","quantity":1,"shipping":"standard","currency":"EUR","customer":{"email":"a@b.example","vip":"TRUE","x":1},"lines":[{"sku":"a","qty":"2","gift":true},{"sku":5,"qty":1}],"pair":[7,"8",9],"tags":{"x-a":"1","y":2}}"#;
    let evaluation = order("NONE", payload);
    assert_eq!(
        requeued(&evaluation),
        r#"{"id":"o-1","quantity":1,"shipping":"standard","currency":"EUR","customer":{"email":"a@b.example","vip":true},"lines":[{"sku":"a","qty":2,"gift":true},{"sku":"5","qty":1,"gift":false}],"pair":["7",8,9],"tags":{"x-a":1}}"#
    );
    assert_eq!(
        pointers(&evaluation.changes),
        [
            ("/customer/vip", Op::Changed),
            ("/customer/x", Op::Removed),
            ("/lines/0/qty", Op::Changed),
            ("/lines/1/sku", Op::Changed),
            ("/lines/1/gift", Op::Added),
            ("/pair/0", Op::Changed),
            ("/pair/1", Op::Changed),
            ("/tags/x-a", Op::Changed),
            ("/tags/y", Op::Removed),
        ]
    );
}

#[test]
fn nothing_to_repair_leaves_it_to_the_defaults() {
    for payload in [
        // Valid already.
        r#"{"id":"o-1","quantity":2,"shipping":"express","currency":"EUR"}"#,
        // Wrong, but nothing the schema can repair.
        r#"{"id":"o-1","quantity":"two","shipping":"air","currency":"EUR"}"#,
        // Not JSON.
        r#"{"id":"o-1","#,
    ] {
        let evaluation = order("NONE", payload);
        assert_eq!(evaluation.rule, None, "{payload}");
        assert_eq!(
            evaluation.decision,
            Decision::Park {
                reason: "no rule matched".to_owned()
            }
        );
        assert_eq!(evaluation.repair, Repair::None);
    }
}

#[test]
fn a_repair_that_still_does_not_match_is_parked() {
    let evaluation = order(
        "NONE",
        r#"{"id":"o-1","quantity":"0","shipping":"express","currency":"EUR"}"#,
    );
    assert_eq!(
        parked(&evaluation),
        "repaired payload does not match schema schemas/order.json: \
         /quantity: 0 is less than the minimum of 1"
    );
    assert_eq!(evaluation.rule.as_deref(), Some("schema:OrderPlaced"));
    assert_eq!(evaluation.repair, Repair::Failed);
    assert_eq!(pointers(&evaluation.changes), [("/quantity", Op::Changed)]);
}

#[test]
fn zero_rule_repairs_are_not_attempted_for_transient_failures_or_without_repair() {
    let payload = r#"{"id":"o-1","quantity":"2","shipping":"express","currency":"EUR"}"#;
    let transient = load(ORDERS).evaluate(&input(
        "OrderPlaced",
        ErrorClass::Transient,
        "NONE",
        payload,
    ));
    assert_eq!(transient.rule, None);
    assert!(matches!(transient.decision, Decision::Retry { .. }));

    let without = ORDERS.replace("repair = true\n", "");
    let set = load(&without);
    let evaluation = set.evaluate(&input("OrderPlaced", ErrorClass::Unknown, "NONE", payload));
    assert_eq!(evaluation.rule, None);
    // Its rules' repairs are validated all the same.
    let evaluation = set.evaluate(&input(
        "OrderPlaced",
        ErrorClass::Data,
        "QTY",
        r#"{"quantity":"2"}"#,
    ));
    assert!(parked(&evaluation).contains("\"id\" is a required property"));
    // Another event type: untouched.
    let other = set.evaluate(&input(
        "Other",
        ErrorClass::Data,
        "QTY",
        r#"{"quantity":"2"}"#,
    ));
    assert_eq!(requeued(&other), r#"{"quantity":2}"#);
}

#[test]
fn a_zero_rule_repair_keeps_the_byte_order_mark() {
    let payload = "\u{feff}{\"id\":\"o-1\",\"quantity\":\"2\",\"shipping\":\"express\",\
                   \"currency\":\"EUR\"}";
    assert_eq!(
        requeued(&order("NONE", payload)),
        "\u{feff}{\"id\":\"o-1\",\"quantity\":2,\"shipping\":\"express\",\"currency\":\"EUR\"}"
    );
}

// Versions.

const PAYMENTS: &str = r#"
[[schema]]
event_type = "PaymentTaken"
file = "schemas/payment.v1.json"
version = 1
version_at = "/meta/v"
repair = true

[[schema]]
event_type = "PaymentTaken"
file = "schemas/payment.v2.json"
version = "2"
version_at = "/meta/v"
repair = true
"#;

fn payment(source: &str, payload: &str) -> Evaluation {
    load(source).evaluate(&input("PaymentTaken", ErrorClass::Data, "NONE", payload))
}

#[test]
fn the_version_in_the_payload_chooses_the_schema() {
    assert_eq!(
        requeued(&payment(PAYMENTS, r#"{"meta":{"v":"1"},"amount":"100"}"#)),
        r#"{"meta":{"v":"1"},"amount":100}"#
    );
    assert_eq!(
        requeued(&payment(PAYMENTS, r#"{"meta":{"v":2},"amount":100}"#)),
        r#"{"meta":{"v":2},"amount":"100"}"#
    );
}

#[test]
fn an_unknown_version_falls_back_to_the_schema_without_version_else_to_none() {
    // No schema for version 3 and none without version: not validated, not repaired.
    let evaluation = payment(PAYMENTS, r#"{"meta":{"v":3},"amount":"100"}"#);
    assert_eq!(evaluation.rule, None);
    let any = format!(
        "{PAYMENTS}\n[[schema]]\nevent_type = \"PaymentTaken\"\nfile = \"schemas/payment.json\"\n"
    );
    // The schema without version holds the others (this one has no `repair`).
    let set = load(&format!(
        "{any}\n[[rule]]\nname = \"r\"\nactions = [{{ op = \"remove\", path = \"/amount\" }}]\n"
    ));
    for payload in [r#"{"meta":{"v":3},"amount":1}"#, r#"{"amount":1}"#] {
        let evaluation = set.evaluate(&input("PaymentTaken", ErrorClass::Data, "X", payload));
        assert_eq!(
            parked(&evaluation),
            "repaired payload does not match schema schemas/payment.json: \
             (root): \"amount\" is a required property"
        );
    }
    // Version 1 is held to its own schema only.
    let evaluation = set.evaluate(&input(
        "PaymentTaken",
        ErrorClass::Data,
        "X",
        r#"{"meta":{"v":1},"amount":1}"#,
    ));
    assert_eq!(requeued(&evaluation), r#"{"meta":{"v":1}}"#);
}

// Exact numbers.

#[test]
fn numbers_are_validated_by_their_exact_digits() {
    let source = "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/big.json\"\n\n\
                  [[rule]]\nname = \"r\"\nactions = [{ op = \"coerce\", path = \"/id\", to = \
                  \"integer\" }]\n";
    let set = load(source);
    let evaluate = |payload: &str| set.evaluate(&input("E", ErrorClass::Data, "X", payload));
    let valid = evaluate(r#"{"id":"1234567890123456789012345","price":12.30}"#);
    assert_eq!(
        requeued(&valid),
        r#"{"id":1234567890123456789012345,"price":12.30}"#
    );
    let invalid = evaluate(r#"{"id":"-1234567890123456789012345","price":12.301}"#);
    assert_eq!(
        parked(&invalid),
        "repaired payload does not match schema schemas/big.json: \
         /id: -1234567890123456789012345 is less than the minimum of 1; \
         /price: 12.301 is not a multiple of 0.01"
    );
}

// `[[test]]` cases.

#[test]
fn a_test_whose_expected_payload_does_not_match_the_schema_fails() {
    let source = format!(
        "{ORDERS}
[[test]]
name = \"repaired but invalid\"
rule = \"quantity-as-integer\"
input = {{ queue = \"q\", event_type = \"OrderPlaced\", class = \"data\", code = \"QTY\",
          payload = '{{\"quantity\":\"2\"}}' }}
expect = {{ decision = \"requeue\", payload = '{{\"quantity\":2}}' }}

[[test]]
name = \"by value\"
input = {{ queue = \"q\", event_type = \"OrderPlaced\", class = \"data\", code = \"AS_IS\" }}
expect = {{ decision = \"requeue\", payload_json = {{ quantity = 2 }} }}

[[test]]
name = \"schema repair\"
rule = \"schema:OrderPlaced\"
input = {{ queue = \"q\", event_type = \"OrderPlaced\", class = \"data\",
          payload = '{{\"id\":\"o\",\"quantity\":\"2\",\"shipping\":\"express\"}}' }}
expect = {{ decision = \"requeue\", repair = \"repaired\",
           payload = '{{\"id\":\"o\",\"quantity\":2,\"shipping\":\"express\",\"currency\":\"EUR\"}}' }}
"
    );
    let outcomes = load(&source).run_tests();
    let failures: Vec<_> = outcomes
        .iter()
        .map(|o| o.failure.as_deref().unwrap_or("passed"))
        .collect();
    assert_eq!(
        failures,
        [
            "decision is park (repaired payload does not match schema schemas/order.json: \
             (root): \"id\" is a required property; (root): \"shipping\" is a required \
             property; (root): \"currency\" is a required property), expected requeue; \
             the expected payload does not match schema schemas/order.json: \
             (root): \"id\" is a required property; (root): \"shipping\" is a required \
             property; (root): \"currency\" is a required property",
            "payload unchanged, expected {\"quantity\":2}; \
             the expected payload does not match schema schemas/order.json: \
             (root): \"id\" is a required property; (root): \"shipping\" is a required \
             property; (root): \"currency\" is a required property",
            "passed",
        ]
    );
    let unknown = format!(
        "{ORDERS}\n[[test]]\nname = \"t\"\nrule = \"schema:Other\"\n\
         input = {{ queue = \"q\", event_type = \"Other\", class = \"data\" }}\n\
         expect = {{ decision = \"park\" }}\n"
    );
    assert!(
        try_load(&unknown)
            .err()
            .unwrap()
            .to_string()
            .contains("no rule is named `schema:Other`")
    );
}

// Odd schemas.

#[test]
fn a_cycle_of_refs_and_draft_7_tuples_are_walked_safely() {
    let cyclic = r##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
        "type": "object", "properties": {"n": {"$ref": "#/$defs/a"}, "m": {"type": "integer"}}}"##;
    let draft7 = r#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "properties": {"pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}],
        "additionalItems": {"type": "integer"}}}}"#;
    let source = "[[schema]]\nevent_type = \"C\"\nfile = \"cyclic.json\"\nrepair = true\n\n\
                  [[schema]]\nevent_type = \"D\"\nfile = \"draft7.json\"\nrepair = true\n";
    let set = RuleSet::load(source, "rules.toml", &mut |file| match file {
        "cyclic.json" => Ok(cyclic.to_owned()),
        "draft7.json" => Ok(draft7.to_owned()),
        other => Err(other.to_owned()),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let evaluation = set.evaluate(&input("C", ErrorClass::Data, "X", r#"{"n":"1","m":"2"}"#));
    assert_eq!(requeued(&evaluation), r#"{"n":"1","m":2}"#);
    let evaluation = set.evaluate(&input(
        "D",
        ErrorClass::Data,
        "X",
        r#"{"pair":["1",2,"3"]}"#,
    ));
    // `items` as a list is a tuple; `additionalItems` is not walked (nothing guessed).
    assert_eq!(
        parked(&evaluation),
        "repaired payload does not match schema draft7.json: /pair/2: \"3\" is not of type \
         \"integer\""
    );
    assert_eq!(
        pointers(&evaluation.changes),
        [("/pair/0", Op::Changed), ("/pair/1", Op::Changed)]
    );
}

#[test]
fn a_rule_set_with_schemas_can_be_shared_between_threads() {
    fn shared<T: Send + Sync + Clone + std::fmt::Debug>(_: &T) {}
    shared(&load(ORDERS));
}
