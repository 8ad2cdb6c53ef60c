//! `[[test]]` cases embedded in a rules file, so every rule ships with examples that
//! `salvage check` (and the unit tests) run against the file's own rules.
//!
//! ```toml
//! [[test]]
//! name = "a string total becomes a number"
//! rule = "order-total-as-string"   # the rule that must decide; "(default)" = no rule may
//!                                  # match; "schema:<event type>" = the schema's zero-rule
//!                                  # repair; absent or "" = not checked
//! input = { queue = "orders", event_type = "OrderPlaced", class = "data",
//!           code = "INVALID_TYPE", message = "...", payload = '{"total":"12.50"}' }
//! expect = { decision = "requeue", payload = '{"total":12.50}' }
//! ```
//!
//! `input` needs `queue`, `event_type` and `class`; `code` and `message` default to empty, and
//! the payload is given as text (`payload`) or as a TOML value turned into JSON
//! (`payload_json`), or left out (empty). `expect` needs `decision`, and may add `payload` /
//! `payload_json` (the repaired payload), `unchanged = true` (requeued with the original
//! bytes; `false` = with a repaired payload), `reason` (a substring of the park reason),
//! `repair` (`none`, `repaired`, `failed`) and `max_attempts`.
//!
//! An expected payload (`payload` or `payload_json`) of an event type with a schema must also
//! match that schema: a test that pins a payload Salvage would park fails, with the errors.
//! A test expecting a schema's zero-rule repair names it `rule = "schema:<event type>"`.
//!
//! `expect.payload` is compared with the repaired bytes exactly: a repair keeps every byte it
//! did not change and writes the numbers it did with their digits, so the exact text is what a
//! test can honestly pin (`12.50` is not `12.5`, and member order, spacing and escapes count).
//! A failure shows both texts and the byte where they first differ. `expect.payload_json`
//! compares as JSON instead (member order aside, numbers by value: TOML keeps no number's
//! digits), for a test that means the data and not its spelling.

use serde_json::Value;

use super::{
    RuleSet, exact,
    model::{Decision, ErrorClass, Input, Repair, TestOutcome},
    payload::without_bom,
    raw::{DecisionKind, RawExpect, RawTest, RawTestInput},
    value::{json_eq, toml_to_json},
};

/// The `rule` value that expects no rule to match.
pub(crate) const DEFAULT_RULE: &str = "(default)";

/// One compiled test case.
#[derive(Debug, Clone)]
pub(crate) struct TestCase {
    name: String,
    line: usize,
    rule: ExpectedRule,
    input: OwnedInput,
    expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ExpectedRule {
    Any,
    Default,
    Named(String),
}

#[derive(Debug, Clone)]
struct OwnedInput {
    queue: String,
    event_type: String,
    class: ErrorClass,
    code: String,
    message: String,
    payload: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Expect {
    decision: DecisionKind,
    payload: Option<Expected>,
    unchanged: Option<bool>,
    reason: Option<String>,
    repair: Option<Repair>,
    max_attempts: Option<u32>,
}

impl TestCase {
    /// Compiles `raw`, found at `line`; `rule_exists` tells whether a rule name is defined.
    pub(crate) fn compile(
        raw: RawTest,
        line: usize,
        rule_exists: impl Fn(&str) -> bool,
    ) -> Result<TestCase, String> {
        let rule = match raw.rule.as_deref() {
            None | Some("") => ExpectedRule::Any,
            Some(DEFAULT_RULE) => ExpectedRule::Default,
            Some(name) if rule_exists(name) => ExpectedRule::Named(name.to_owned()),
            Some(name) => {
                return Err(format!(
                    "`rule`: no rule is named `{name}` (use \"{DEFAULT_RULE}\" to expect that \
                     no rule matches)"
                ));
            }
        };
        Ok(TestCase {
            name: raw.name,
            line,
            rule,
            input: compile_input(raw.input)?,
            expect: compile_expect(raw.expect)?,
        })
    }

    /// The test's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The rule this test expects to decide, if it names one.
    pub(crate) fn expected_rule(&self) -> Option<&str> {
        match &self.rule {
            ExpectedRule::Named(name) => Some(name),
            ExpectedRule::Any | ExpectedRule::Default => None,
        }
    }

    /// The test's input.
    pub(crate) fn input(&self) -> Input<'_> {
        Input {
            queue: &self.input.queue,
            event_type: &self.input.event_type,
            class: self.input.class,
            code: &self.input.code,
            message: &self.input.message,
            payload: &self.input.payload,
        }
    }

    /// Evaluates the input with `rules` and compares the result with the expectations.
    pub(crate) fn run(&self, rules: &RuleSet) -> TestOutcome {
        let evaluation = rules.evaluate(&self.input());
        let actual_rule = evaluation.rule.as_deref();
        let mut problems = Vec::new();

        let decided_by =
            || actual_rule.map_or_else(|| "the defaults".to_owned(), |r| format!("rule `{r}`"));
        match (&self.rule, actual_rule) {
            (ExpectedRule::Named(want), Some(got)) if want == got => {}
            (ExpectedRule::Named(want), _) => {
                problems.push(format!(
                    "decided by {}, expected rule `{want}`",
                    decided_by()
                ));
            }
            (ExpectedRule::Default, Some(_)) => {
                problems.push(format!(
                    "decided by {}, expected the defaults",
                    decided_by()
                ));
            }
            (ExpectedRule::Default | ExpectedRule::Any, _) => {}
        }

        let expect = &self.expect;
        match (&evaluation.decision, expect.decision) {
            (Decision::Requeue { payload }, DecisionKind::Requeue) => {
                check_payload(expect, payload.as_deref(), &mut problems);
            }

            (Decision::Park { reason }, DecisionKind::Park) => {
                if let Some(want) = &expect.reason
                    && !reason.contains(want.as_str())
                {
                    problems.push(format!(
                        "reason is {reason:?}, expected it to contain {want:?}"
                    ));
                }
            }
            (Decision::Retry { .. }, DecisionKind::Retry) => {}
            (got, want) => {
                let detail = match got {
                    Decision::Park { reason } => format!(" ({reason})"),
                    _ => String::new(),
                };
                problems.push(format!(
                    "decision is {}{detail}, expected {}",
                    got.kind(),
                    want.as_str()
                ));
            }
        }
        if let Some(problem) = self.expected_mismatch(rules) {
            problems.push(problem);
        }
        if let Some(want) = expect.repair
            && want != evaluation.repair
        {
            problems.push(format!(
                "repair is {}, expected {}",
                evaluation.repair.as_str(),
                want.as_str()
            ));
        }
        if let Some(want) = expect.max_attempts
            && want != evaluation.max_attempts
        {
            problems.push(format!(
                "max_attempts is {}, expected {want}",
                evaluation.max_attempts
            ));
        }

        TestOutcome {
            name: self.name.clone(),
            line: self.line,
            passed: problems.is_empty(),
            failure: (!problems.is_empty()).then(|| problems.join("; ")),
            rule: actual_rule.map(str::to_owned),
        }
    }
}

impl TestCase {
    /// Why the expected payload, if the test names one, does not match the schema of the
    /// input's event type (a test must not pin a payload that would be parked).
    fn expected_mismatch(&self, rules: &RuleSet) -> Option<String> {
        let parsed;
        let doc = match self.expect.payload.as_ref()? {
            Expected::ByValue(value) => value,
            Expected::Text(text) => {
                // Checked to be JSON when the test was compiled.
                parsed = exact::parse(without_bom(text.as_bytes()).1).ok()?;
                &parsed
            }
        };
        let schema = rules.schemas.for_doc(&self.input.event_type, doc)?;
        let errors = schema.errors(doc)?;
        Some(format!(
            "the expected payload does not match schema {}: {errors}",
            schema.file()
        ))
    }
}

/// An expected payload, and how it is compared.
#[derive(Debug, Clone)]
enum Expected {
    /// From `payload`: the repaired bytes, exactly.
    Text(String),
    /// From `payload_json` (TOML): as JSON, numbers by value.
    ByValue(Value),
}

fn check_payload(expect: &Expect, actual: Option<&[u8]>, problems: &mut Vec<String>) {
    match (actual, expect.unchanged) {
        (Some(bytes), Some(true)) => problems.push(format!(
            "payload was repaired to {}, expected it unchanged",
            String::from_utf8_lossy(bytes)
        )),
        (None, Some(false)) => problems.push("payload unchanged, expected a repair".to_owned()),
        _ => {}
    }
    let Some(expected) = &expect.payload else {
        return;
    };
    match (actual, expected) {
        (None, Expected::Text(want)) => {
            problems.push(format!("payload unchanged, expected {want}"));
        }
        (None, Expected::ByValue(want)) => {
            problems.push(format!("payload unchanged, expected {want}"));
        }
        (Some(bytes), Expected::Text(want)) if bytes == want.as_bytes() => {}
        (Some(bytes), Expected::Text(want)) => problems.push(text_difference(bytes, want)),
        (Some(bytes), Expected::ByValue(want)) => match serde_json::from_slice::<Value>(bytes) {
            Ok(got) if json_eq(&got, want) => {}
            Ok(_) => problems.push(format!(
                "payload is {}, expected {want}",
                String::from_utf8_lossy(bytes)
            )),
            Err(e) => problems.push(format!("repaired payload is not JSON: {e}")),
        },
    }
}

/// How far an excerpt reaches on either side of the first difference, in bytes.
const EXCERPT_BYTES: usize = 20;

/// The failure of a payload that is not the expected text: both texts, then the byte where
/// they first differ with an excerpt of each around it, and whether they are at least equal as
/// JSON with the same digits (so only spacing, member order, escapes or how an exponent is
/// written differ: `1e3` and `1e+3` parse the same).
fn text_difference(got: &[u8], want: &str) -> String {
    let want_bytes = want.as_bytes();
    let at = got
        .iter()
        .zip(want_bytes)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| got.len().min(want_bytes.len()));
    let mut message = format!(
        "payload is {}, expected {}; first difference at byte {at}: produced {}, expected {}",
        visible(got),
        visible(want_bytes),
        excerpt(got, at),
        excerpt(want_bytes, at),
    );
    let same_json = match (exact::parse(got), exact::parse(want_bytes)) {
        (Ok(got), Ok(want)) => got == want,
        _ => false,
    };
    if same_json {
        message.push_str(
            " (equal as JSON with the same digits: only spacing, member order, escapes or \
             exponents are written otherwise)",
        );
    }
    message
}

/// `text` with its control characters escaped (`\n`), so a message stays on one line and
/// shows its spacing.
fn visible(text: &[u8]) -> String {
    String::from_utf8_lossy(text)
        .chars()
        .map(|c| match c {
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// `text` around byte `at`, in backticks: up to [`EXCERPT_BYTES`] on either side (widened to
/// whole characters), `…` where it is cut, [`visible`], and `(end)` when the text ends at
/// `at`.
fn excerpt(text: &[u8], at: usize) -> String {
    let is_start = |i: usize| text.get(i).is_none_or(|&b| b & 0xC0 != 0x80);
    let mut start = at.saturating_sub(EXCERPT_BYTES);
    while start > 0 && !is_start(start) {
        start -= 1;
    }
    let mut end = at.saturating_add(EXCERPT_BYTES).min(text.len());
    while end < text.len() && !is_start(end) {
        end += 1;
    }
    let shown = visible(text.get(start..end).unwrap_or_default());
    let before = if start > 0 { "…" } else { "" };
    let after = if end < text.len() { "…" } else { "" };
    let ended = if at >= text.len() { " (end)" } else { "" };
    format!("`{before}{shown}{after}`{ended}")
}

fn compile_input(raw: RawTestInput) -> Result<OwnedInput, String> {
    let payload = match (raw.payload, raw.payload_json) {
        (Some(_), Some(_)) => {
            return Err("`input`: give `payload` or `payload_json`, not both".to_owned());
        }
        (Some(text), None) => text.into_bytes(),
        (None, Some(value)) => {
            let json = toml_to_json(value).map_err(|e| format!("`input.payload_json`: {e}"))?;
            serde_json::to_vec(&json).map_err(|e| format!("`input.payload_json`: {e}"))?
        }
        (None, None) => Vec::new(),
    };
    Ok(OwnedInput {
        queue: raw.queue,
        event_type: raw.event_type,
        class: raw.class,
        code: raw.code,
        message: raw.message,
        payload,
    })
}

fn compile_expect(raw: RawExpect) -> Result<Expect, String> {
    let payload = match (raw.payload, raw.payload_json) {
        (Some(_), Some(_)) => {
            return Err("`expect`: give `payload` or `payload_json`, not both".to_owned());
        }
        (Some(text), None) => {
            // A byte-order mark in front is the repaired payload's, not the document's.
            exact::parse(without_bom(text.as_bytes()).1)
                .map_err(|e| format!("`expect.payload` {e}"))?;
            Some(Expected::Text(text))
        }
        (None, Some(value)) => Some(Expected::ByValue(
            toml_to_json(value).map_err(|e| format!("`expect.payload_json`: {e}"))?,
        )),
        (None, None) => None,
    };
    let requeue = raw.decision == DecisionKind::Requeue;
    if (payload.is_some() || raw.unchanged.is_some()) && !requeue {
        return Err(
            "`expect.payload` and `expect.unchanged` need decision = \"requeue\"".to_owned(),
        );
    }
    if payload.is_some() && raw.unchanged == Some(true) {
        return Err("`expect`: a payload cannot be both repaired and unchanged".to_owned());
    }
    if raw.reason.is_some() && raw.decision != DecisionKind::Park {
        return Err("`expect.reason` needs decision = \"park\"".to_owned());
    }
    let repair = raw
        .repair
        .map(|text| {
            [Repair::None, Repair::Repaired, Repair::Failed]
                .into_iter()
                .find(|repair| repair.as_str() == text)
                .ok_or_else(|| {
                    format!("`expect.repair`: unknown value {text:?} (none, repaired or failed)")
                })
        })
        .transpose()?;
    Ok(Expect {
        decision: raw.decision,
        payload,
        unchanged: raw.unchanged,
        reason: raw.reason,
        repair,
        max_attempts: raw.max_attempts,
    })
}
