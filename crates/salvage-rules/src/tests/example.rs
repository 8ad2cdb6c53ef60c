//! The shipped `examples/rules.toml`: it loads (with its schema files from `examples/`),
//! every rule has a test, and every test passes.

use std::time::Duration;

use super::input;
use crate::{Backoff, Decision, ErrorClass, RuleSet, RulesError};

pub(super) const EXAMPLE: &str = include_str!("../../../../examples/rules.toml");

/// The example's schema files, as the rules file names them (relative to `examples/`).
const SCHEMAS: [(&str, &str); 1] = [(
    "schemas/checkout-completed.v2.json",
    include_str!("../../../../examples/schemas/checkout-completed.v2.json"),
)];

/// Reads the example's schema files, as the caller of [`RuleSet::load`] would from the rules
/// file's directory.
pub(super) fn read_schema(file: &str) -> Result<String, String> {
    SCHEMAS
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, text)| (*text).to_owned())
        .ok_or_else(|| format!("{file}: no such file"))
}

/// `source` loaded as the example is, its schema files read from `examples/`.
pub(super) fn load_example(source: &str, file: &str) -> Result<RuleSet, RulesError> {
    RuleSet::load(source, file, &mut read_schema)
}

/// Other parts of Salvage (docs, dashboards, integration tests) refer to these by name.
const EXPECTED_RULES: [&str; 23] = [
    "order-total-as-string",
    "order-high-value-review",
    "order-line-qty-as-string",
    "order-missing-currency",
    "order-placed-at-format",
    "customer-email-normalise",
    "customer-phone-digits",
    "legacy-customer-id",
    "shipping-field-as-string",
    "shipping-zip-five-digits",
    "order-v1-schema",
    "payment-method-spelling",
    "payment-amount-cents",
    "payment-amount-in-units",
    "payment-gateway-timeout",
    "payment-provider-rate-limited",
    "inventory-service-unavailable",
    "payment-fraud-declined",
    "order-line-gift-flag",
    "webhook-body-double-encoded",
    "store-sale-local-time",
    "warehouse-scan-time-seoul",
    "checkout-total-as-string",
];

fn example() -> RuleSet {
    load_example(EXAMPLE, "examples/rules.toml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_example_reads_its_schema_files() {
    assert_eq!(
        example().schema_files().collect::<Vec<_>>(),
        SCHEMAS.map(|(name, _)| name)
    );
    // `parse` cannot read them, and says so.
    let error = RuleSet::parse(EXAMPLE, "examples/rules.toml").unwrap_err();
    assert!(error.to_string().contains("`RuleSet::load`"), "{error}");
}

#[test]
fn the_example_has_the_expected_rules() {
    let set = example();
    let names: Vec<&str> = set.rule_names().collect();
    for expected in EXPECTED_RULES {
        assert!(names.contains(&expected), "missing rule {expected}");
    }
}

#[test]
fn every_example_rule_is_the_expected_rule_of_a_test() {
    let set = example();
    for name in set.rule_names() {
        assert!(
            set.tests
                .iter()
                .any(|test| test.expected_rule() == Some(name)),
            "rule {name} has no [[test]] naming it"
        );
    }
    assert!(set.untested_rules().is_empty());
}

#[test]
fn every_example_test_passes() {
    let outcomes = example().run_tests();
    assert!(outcomes.len() >= 15, "only {} tests", outcomes.len());
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|outcome| !outcome.passed)
        .map(|outcome| {
            format!(
                "line {}: {}: {}",
                outcome.line,
                outcome.name,
                outcome.failure.as_deref().unwrap_or("?")
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "failing example tests:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_gateway_timeout_rule_has_its_own_backoff() {
    let set = example();
    let evaluation = set.evaluate(&input(ErrorClass::Transient, "GATEWAY_TIMEOUT", ""));
    assert_eq!(
        evaluation.decision,
        Decision::Retry {
            backoff: Backoff {
                initial: Duration::from_millis(500),
                multiplier: 2.0,
                max: Duration::from_secs(30),
                jitter: 0.1,
                ..Backoff::default()
            }
        }
    );
    assert_eq!(evaluation.max_attempts, 6);
}

#[test]
fn failing_tests_say_what_differed() {
    // The example's own test file, with one expectation broken on purpose.
    let broken = EXAMPLE.replace(
        "expect.payload = '{\"id\":\"o-1001\",\"total\":12.50,\"currency\":\"EUR\"}'",
        "expect.payload = '{\"id\":\"o-1001\",\"total\":13,\"currency\":\"EUR\"}'",
    );
    assert_ne!(broken, EXAMPLE);
    let outcomes = load_example(&broken, "x.toml").unwrap().run_tests();
    let failed: Vec<_> = outcomes.iter().filter(|outcome| !outcome.passed).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].name, "a string total becomes a number");
    assert_eq!(failed[0].rule.as_deref(), Some("order-total-as-string"));
    assert_eq!(
        failed[0].failure.as_deref(),
        Some(concat!(
            r#"payload is {"id":"o-1001","total":12.50,"currency":"EUR"}, "#,
            r#"expected {"id":"o-1001","total":13,"currency":"EUR"}; "#,
            r#"first difference at byte 24: "#,
            r#"produced `…":"o-1001","total":12.50,"currency":"EUR…`, "#,
            r#"expected `…":"o-1001","total":13,"currency":"EUR"}`"#,
        ))
    );
}

#[test]
fn test_outcomes_report_wrong_rules_and_decisions() {
    let source = r#"
[[rule]]
name = "a"
when.code = "A"
decision = "park"

[[test]]
name = "expects a different rule and decision"
rule = "(default)"
input = { queue = "q", event_type = "E", class = "data", code = "A" }
expect = { decision = "requeue", unchanged = true }
"#;
    let outcomes = RuleSet::parse(source, "t.toml").unwrap().run_tests();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].line, 7);
    assert!(!outcomes[0].passed);
    assert_eq!(
        outcomes[0].failure.as_deref(),
        Some(
            "decided by rule `a`, expected the defaults; \
             decision is park (parked by rule a), expected requeue"
        )
    );
}
