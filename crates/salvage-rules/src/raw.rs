//! The rules file as written: serde shapes for the TOML, with `deny_unknown_fields` everywhere
//! so a misspelt key is an error rather than a silently ignored condition. Nothing here is
//! validated beyond types; compiling these into the engine's structures (`load`, `rule`,
//! `condition`, `action`, `testcase`) is where meaning is checked.
//!
//! Rules, tests, actions and payload predicates are first read as plain TOML and then converted
//! one at a time, so an error can name the rule, test, action or predicate it is about. An
//! action's settings are not here: each is declared beside its code (`action`).

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{model::DefaultAction, model::ErrorClass, value::JsonType};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    pub(crate) defaults: Option<Spanned<toml::Table>>,
    #[serde(default)]
    pub(crate) rule: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    pub(crate) test: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    pub(crate) schema: Vec<Spanned<toml::Table>>,
}

/// One `[[schema]]`: the JSON Schema of an event type (and version), in a file beside the
/// rules file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchema {
    pub(crate) event_type: String,
    pub(crate) file: String,
    /// A string or an integer, compared as text.
    pub(crate) version: Option<toml::Value>,
    pub(crate) version_at: Option<String>,
    #[serde(default)]
    pub(crate) repair: bool,
}

/// `[defaults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDefaults {
    pub(crate) max_attempts: Option<u32>,
    pub(crate) backoff: Option<RawBackoff>,
    pub(crate) on_transient: Option<DefaultAction>,
    pub(crate) on_other: Option<DefaultAction>,
}

/// A `backoff` table; missing fields are filled from the enclosing default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBackoff {
    #[serde(default, with = "humantime_serde")]
    pub(crate) initial: Option<Duration>,
    pub(crate) multiplier: Option<f64>,
    #[serde(default, with = "humantime_serde")]
    pub(crate) max: Option<Duration>,
    pub(crate) jitter: Option<f64>,
    pub(crate) use_retry_after: Option<bool>,
    #[serde(default, with = "humantime_serde")]
    pub(crate) retry_after_max: Option<Duration>,
}

/// One `[[rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub(crate) name: String,
    #[allow(dead_code, reason = "documentation for readers of the rules file only")]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) when: RawWhen,
    #[serde(default)]
    pub(crate) actions: Vec<toml::Value>,
    pub(crate) decision: Option<DecisionKind>,
    pub(crate) reason: Option<String>,
    pub(crate) backoff: Option<RawBackoff>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) if_unchanged: Option<IfUnchanged>,
}

/// A rule's `if_unchanged`: what a repair whose actions all succeeded but changed nothing
/// decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IfUnchanged {
    /// Requeue the payload as it is (the default).
    Requeue,
    /// Park it: an identical copy would fail again.
    Park,
}

/// A rule's `when` table. The list-or-single fields stay TOML values so their errors can say
/// exactly which shape was expected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWhen {
    pub(crate) queue: Option<toml::Value>,
    pub(crate) event_type: Option<toml::Value>,
    pub(crate) class: Option<toml::Value>,
    pub(crate) code: Option<toml::Value>,
    pub(crate) message: Option<String>,
    pub(crate) message_not: Option<String>,
    #[serde(default)]
    pub(crate) payload: Vec<toml::Value>,
}

/// One entry of `when.payload`: a pointer and exactly one check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPredicate {
    pub(crate) pointer: String,
    pub(crate) exists: Option<bool>,
    pub(crate) missing: Option<bool>,
    pub(crate) equals: Option<toml::Value>,
    pub(crate) matches: Option<String>,
    pub(crate) not_matches: Option<String>,
    pub(crate) is: Option<JsonType>,
    pub(crate) gt: Option<toml::Value>,
    pub(crate) gte: Option<toml::Value>,
    pub(crate) lt: Option<toml::Value>,
    pub(crate) lte: Option<toml::Value>,
}

/// A rule's `decision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DecisionKind {
    Requeue,
    Retry,
    Park,
}

impl DecisionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Requeue => "requeue",
            DecisionKind::Retry => "retry",
            DecisionKind::Park => "park",
        }
    }
}

/// One `[[test]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTest {
    pub(crate) name: String,
    pub(crate) rule: Option<String>,
    pub(crate) input: RawTestInput,
    pub(crate) expect: RawExpect,
}

/// A test's `input`: the failure report to evaluate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTestInput {
    pub(crate) queue: String,
    pub(crate) event_type: String,
    pub(crate) class: ErrorClass,
    #[serde(default)]
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) message: String,
    pub(crate) payload: Option<String>,
    pub(crate) payload_json: Option<toml::Value>,
}

/// A test's `expect`: what evaluation must produce.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub(crate) decision: DecisionKind,
    pub(crate) payload: Option<String>,
    pub(crate) payload_json: Option<toml::Value>,
    pub(crate) unchanged: Option<bool>,
    pub(crate) reason: Option<String>,
    pub(crate) repair: Option<String>,
    pub(crate) max_attempts: Option<u32>,
}
