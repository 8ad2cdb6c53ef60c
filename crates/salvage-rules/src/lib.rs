//! The rule engine: declarative repair rules for failed messages. Pure: no I/O, no clock, no
//! randomness; the caller reads the file and owns time.
//!
//! A rules file (see `examples/rules.toml` for the format) is parsed once into a [`RuleSet`]
//! with everything precompiled (globs, regexes, JSON pointers, timestamp formats and time
//! zones, from the IANA database bundled in the binary). For each failed message,
//! [`RuleSet::evaluate`] picks the first rule, in file order, whose `when` matches, and turns it
//! into an [`Evaluation`]: requeue (with a repaired payload or unchanged), retry with a
//! backoff, or park with a reason. Evaluation never fails; anything
//! that goes wrong becomes a park decision saying why.
//!
//! Map of the module:
//! - `model`: the public vocabulary ([`Input`], [`Evaluation`], [`Decision`], ...);
//! - `error`: [`RulesError`], loading errors with file, line and rule;
//! - `raw`, `load`: the TOML shapes and their validation into a rule set;
//! - `rule`: one compiled rule and how a match becomes a decision;
//! - `condition`, `glob`, `compare`: the `when` conditions (`compare`: `gt`, `lt`, ... on
//!   numbers by exact value);
//! - `capture`: action paths taken from the error message (`path = "{field}"`);
//! - `action`: the list of actions and their dispatch; under it, each family's settings,
//!   compile and apply: `patch` (JSON Patch, `default`, `rename`), `coerce`, `text` (`trim`,
//!   case, `regex_replace`, `map`), `timestamp` and `arith` (`multiply`, `divide`, on
//!   `decimal`'s exact arithmetic); `pointer` and `value` serve them, and
//!   `wildcard` walks the matches of a path with wildcards (`/items/*/qty`);
//! - `payload`: the payload as one evaluation reads it; `scan` and `exact` tell whether it is
//!   JSON, `locate` finds values in its text, `partial` repairs the part the actions use;
//! - `testcase`: `[[test]]` cases embedded in the file;
//! - `schema`: the JSON Schemas of event types (`[[schema]]`), which every repaired payload of
//!   their type must match before it is requeued, and `schema::repair`, the zero-rule repairs
//!   of a schema with `repair = true`.
//!
//! The payload is read as JSON at most once per evaluation, and only when a rule whose envelope
//! conditions match needs it: one pass over its text tells whether it is JSON (with
//! `exact::parse`'s verdict), and rules then read it in place, parsing only the values they
//! look at and the part of the payload a repair changes. It is parsed whole at most once, and
//! only when the text cannot answer (an action at the root, say); the decision is the same
//! either way. A rule with payload predicates whose other conditions match a non-JSON payload
//! decides: it parks with the reason "payload is not valid JSON" rather than letting a later,
//! less specific rule act on a payload it cannot inspect. The same holds, with their own
//! reasons, for a payload nested deeper than the parser allows and one with a key written twice
//! in an object (`exact`): which value the sender meant is unknowable, so no rule guesses.
//!
//! Schemas: a repaired payload (a rule's or a schema's) of an event type with a schema is
//! validated before it is requeued, and parked with the errors if it does not match. Requeues
//! of the payload unchanged and retries are not validated: whether an unchanged message is
//! acceptable is the consumer's call, not the schema's, and a transient failure's payload was
//! never the problem. When no rule matched a data or unknown failure and the event type's
//! schema says `repair = true`, the schema repairs what it can (`schema::repair`) before the
//! defaults apply.
//!
//! Data exactly as sent: numbers keep their written digits in memory (serde_json's
//! `arbitrary_precision`; compared by exact value in `number`), and a repaired payload is the
//! original text edited where the rule changed it (`splice`), so everything else keeps its
//! bytes.

mod action;
mod capture;
mod compare;
mod condition;
mod decimal;
pub mod diff;
mod error;
pub mod exact;
mod glob;
pub mod jsontext;
mod load;
mod locate;
mod model;
mod number;
mod partial;
mod payload;
mod pointer;
mod raw;
mod rule;
mod scan;
mod schema;
pub mod splice;
mod testcase;
mod value;
mod wildcard;

use serde_json::Value;

pub use self::{
    error::{Entry, RulesError},
    model::{
        Backoff, Decision, DefaultAction, Defaults, ErrorClass, Evaluation, Input, ParseClassError,
        Repair, TestOutcome,
    },
};
use self::{payload::Payload, rule::Rule, schema::Schemas, testcase::TestCase};

/// Park reason when a rule needs the payload as JSON and it is not.
pub const INVALID_JSON_REASON: &str = rule::NOT_JSON;

/// Park reason when no rule matched and the defaults say park.
pub const NO_RULE_MATCHED: &str = "no rule matched";

/// A validated, precompiled rules file. Immutable, `Send + Sync`: share it behind an `Arc` and
/// swap the `Arc` to reload.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    defaults: Defaults,
    tests: Vec<TestCase>,
    schemas: Schemas,
}

impl RuleSet {
    /// Parse and validate the text of a rules file without `[[schema]]`. `file` is the path
    /// shown in errors.
    ///
    /// # Errors
    ///
    /// The first problem found, naming `file`, the line and the rule or test: TOML syntax,
    /// unknown keys, bad names, regexes, globs, pointers or formats, invalid backoffs,
    /// contradictory decisions, duplicate names, and tests naming rules that do not exist. A
    /// file with a `[[schema]]` is refused: its schema files must be read, with
    /// [`RuleSet::load`].
    pub fn parse(source: &str, file: &str) -> Result<RuleSet, RulesError> {
        load::parse(source, file)
    }

    /// Parse and validate the text of a rules file, reading the schema file of each
    /// `[[schema]]` with `read`. `file` is the path shown in errors. `read` is given the schema's
    /// `file` exactly as written in the rules file (relative to the rules file's directory,
    /// which the caller resolves) and answers its text, or why it cannot be read; each file is
    /// read once, however many `[[schema]]` name it. A file without `[[schema]]` loads as with
    /// [`RuleSet::parse`], and `read` is not called.
    ///
    /// # Errors
    ///
    /// Those of [`RuleSet::parse`], and, naming the line of the `[[schema]]` and its schema
    /// file: a file that cannot be read, is not JSON or is not a valid JSON Schema (a `$ref`
    /// to another document included: nothing is fetched), two schemas for the same event type
    /// and version, `version` without `version_at` (or `version_at` without `version`, or two
    /// `version_at` for one event type), and unknown keys.
    pub fn load(
        source: &str,
        file: &str,
        read: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> Result<RuleSet, RulesError> {
        load::load(source, file, read)
    }

    /// The schema files the rules file names, as written in it, each once, in file order (to
    /// watch them for a reload along with the rules file).
    pub fn schema_files(&self) -> impl Iterator<Item = &str> {
        self.schemas.files().iter().map(String::as_str)
    }

    /// The names an evaluation by a schema's zero-rule repairs carries in place of a rule's
    /// ([`Evaluation::rule`]): `schema:<event type>` for each event type with `repair = true`,
    /// sorted. Rule names cannot contain `:`, so none is a rule's (for metric labels known in
    /// advance).
    pub fn schema_repair_names(&self) -> Vec<&str> {
        self.schemas.repair_names()
    }

    /// Decides what to do with one failed message. The first rule whose conditions all match
    /// decides; if none does, the event type's schema repairs it if it can (`repair = true`),
    /// else the defaults apply. A repaired payload of an event type with a schema that does not
    /// match it is parked instead of requeued, with the schema's errors as the reason.
    #[must_use]
    pub fn evaluate(&self, input: &Input<'_>) -> Evaluation {
        let evaluation = self.decide(input);
        self.held_to_schema(input, evaluation)
    }

    /// [`RuleSet::evaluate`] before a repaired payload is held to its schema.
    fn decide(&self, input: &Input<'_>) -> Evaluation {
        let mut payload = Payload::new(input.payload);
        for rule in &self.rules {
            if !rule.when().matches_envelope(input) {
                continue;
            }
            if !rule.needs_json() {
                return rule.decide(None, input.payload, input.message);
            }
            if let Some(evaluation) = decide_on_payload(rule, &mut payload, input.message) {
                return evaluation;
            }
        }
        self.unmatched(input, &mut payload)
    }

    /// The evaluation when no rule matched: the schema's repairs, if it has them and they
    /// repaired something, else the defaults.
    fn unmatched(&self, input: &Input<'_>, payload: &mut Payload<'_>) -> Evaluation {
        if input.class != ErrorClass::Transient
            && !self.schemas.is_empty()
            && let Some(evaluation) =
                schema::repair::repair(&self.schemas, input, payload, self.defaults.max_attempts)
        {
            return evaluation;
        }
        self.no_match(input.class)
    }

    /// `evaluation`, or, when it requeues a repaired payload that does not match the schema of
    /// the input's event type, the evaluation parking it with the schema's errors (the rule
    /// and the changes kept, for the history). Nothing else is looked at: for an event type
    /// without a schema this is a map lookup, and only for a repaired requeue.
    fn held_to_schema(&self, input: &Input<'_>, evaluation: Evaluation) -> Evaluation {
        if let Decision::Requeue {
            payload: Some(bytes),
        } = &evaluation.decision
            && !self.schemas.is_empty()
            && let Some(reason) = self.schemas.check_repaired(input.event_type, bytes)
        {
            return Evaluation {
                decision: Decision::Park { reason },
                repair: Repair::Failed,
                ..evaluation
            };
        }
        evaluation
    }

    /// The rule names, in file order.
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(Rule::name)
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the file has no rules (every message gets the defaults).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What happens when no rule matches.
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// The rules that no `[[test]]` names as its expected `rule`, in file order (for
    /// `salvage check` to point out).
    pub fn untested_rules(&self) -> Vec<&str> {
        self.rule_names()
            .filter(|name| {
                !self
                    .tests
                    .iter()
                    .any(|test| test.expected_rule() == Some(*name))
            })
            .collect()
    }

    /// Run the `[[test]]` cases embedded in the rules file, in file order.
    pub fn run_tests(&self) -> Vec<TestOutcome> {
        self.tests.iter().map(|test| test.run(self)).collect()
    }

    fn no_match(&self, class: ErrorClass) -> Evaluation {
        let action = match class {
            ErrorClass::Transient => self.defaults.on_transient,
            ErrorClass::Data | ErrorClass::Unknown => self.defaults.on_other,
        };
        let decision = match action {
            DefaultAction::Retry => Decision::Retry {
                backoff: self.defaults.backoff.clone(),
            },
            DefaultAction::Park => Decision::Park {
                reason: NO_RULE_MATCHED.to_owned(),
            },
        };
        Evaluation {
            rule: None,
            decision,
            max_attempts: self.defaults.max_attempts,
            repair: Repair::None,
            changes: Vec::new(),
        }
    }
}

/// What `rule`, whose envelope conditions match, decides on `payload` for the error `message`;
/// `None` when its payload
/// predicates do not hold. The predicates are checked on the payload's text where it can answer
/// them, else on the payload parsed whole; the decision likewise. Not inlined: the loop over the
/// envelope conditions stays small, and a decision that needs no payload (a retry) as quick as
/// it was.
#[inline(never)]
fn decide_on_payload(rule: &Rule, payload: &mut Payload<'_>, message: &str) -> Option<Evaluation> {
    let in_place = match payload.look() {
        Ok(text) => text.and_then(|text| rule.when().matches_payload_text(text)),
        Err(e) => return Some(rule.unreadable(e.reason())),
    };
    let matched = match in_place {
        Some(matched) => matched,
        None => match payload.whole() {
            Ok(doc) => rule.when().matches_payload(doc),
            Err(e) => return Some(rule.unreadable(e.reason())),
        },
    };
    if !matched {
        return None;
    }
    let bom = payload.has_bom();
    if let Ok(Some(text)) = payload.look()
        && let Some(evaluation) = rule.decide_text(text, bom, message)
    {
        return Some(evaluation);
    }
    Some(match payload.take_whole() {
        Ok(doc) => rule.decide(Some(doc), payload.raw(), message),
        Err(e) => rule.unreadable(e.reason()),
    })
}

/// Deep JSON equality as rules compare: numbers by exact value (`12.50` equals `12.5`, two
/// 23-digit ids differing in the last digit do not), object member order aside.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    value::json_eq(a, b)
}

/// Whether a park reason says the payload could not be read as JSON (not JSON, nested too
/// deep, or a key written twice), as opposed to what a rule decided.
pub fn is_unreadable_payload(reason: &str) -> bool {
    reason == INVALID_JSON_REASON
        || reason.starts_with("payload is nested deeper than")
        || reason.starts_with("payload is ambiguous:")
}

#[cfg(test)]
mod tests;
