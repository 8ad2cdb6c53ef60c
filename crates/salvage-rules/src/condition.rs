//! A rule's `when`: which failures it applies to. Every condition given must match; a rule
//! without conditions matches everything.
//!
//! - `queue`, `event_type`, `code`: a glob or an array of globs (any may match); a code
//!   without `*` or `?` is simply an exact match.
//! - `class`: a class name or an array of them, in any case.
//! - `message`: a regex searched anywhere in the consumer's message (`(?i)` for any case);
//!   `message_not`: a regex the message must have no match of.
//! - `payload`: predicates on the JSON payload, each `{ pointer = "/a/b", <check> }` with
//!   exactly one check: `exists = true|false`, `missing = true|false`, `equals = <value>`
//!   (compared as JSON, numbers by value), `matches = "<regex>"` (the value must be a string
//!   with a match), `not_matches = "<regex>"` (the value must be a string without one: a
//!   missing value or another type fails both), `is = "string"|"number"|"integer"|"boolean"|
//!   "object"|"array"|"null"`, or `gt`/`gte`/`lt`/`lte = <number>` (the value must be a JSON
//!   number, compared by exact value: `compare`).
//!
//! Matching is split in two so the payload is read only when needed: the envelope conditions
//! first, then the payload predicates, on the payload's text (`locate`: each predicate finds its
//! value there, and parses that value alone when the check needs more than its type) or on the
//! parsed document.

use std::borrow::Cow;

use regex::Regex;
use serde_json::Value;

use super::{
    compare::{Comparison, Op},
    exact,
    glob::GlobSet,
    locate::{Span, Text},
    model::{ErrorClass, Input},
    pointer::Pointer,
    raw::{RawPredicate, RawWhen},
    value::{JsonType, json_eq, toml_to_json},
};

/// A compiled `when`.
#[derive(Debug, Clone, Default)]
pub(crate) struct When {
    queue: Option<GlobSet>,
    event_type: Option<GlobSet>,
    /// Indexed by `ErrorClass as usize`.
    class: Option<[bool; 3]>,
    code: Option<GlobSet>,
    message: Option<Regex>,
    message_not: Option<Regex>,
    payload: Vec<Predicate>,
}

#[derive(Debug, Clone)]
struct Predicate {
    pointer: Pointer,
    check: Check,
}

#[derive(Debug, Clone)]
enum Check {
    /// `exists = b`, or `missing = !b`.
    Present(bool),
    Equals(Value),
    Matches(Regex),
    /// `not_matches`: a string without a match.
    NotMatches(Regex),
    Is(JsonType),
    /// `gt`, `gte`, `lt`, `lte`: a JSON number compared with the rule's.
    Compare(Comparison),
}

impl When {
    /// Compiles and checks every condition. Errors name the field, e.g. `when.message`.
    pub(crate) fn compile(raw: RawWhen) -> Result<When, String> {
        let globs = |value: Option<toml::Value>, field: &str| {
            value
                .map(|value| {
                    let patterns = strings(value, field)?;
                    GlobSet::parse(&patterns).map_err(|e| format!("`when.{field}`: {e}"))
                })
                .transpose()
        };
        let class = raw
            .class
            .map(|value| {
                let mut set = [false; 3];
                let names = strings(value, "class")?;
                if names.is_empty() {
                    return Err(
                        "`when.class`: empty list (omit the condition to match any class)"
                            .to_owned(),
                    );
                }
                for name in names {
                    let class: ErrorClass =
                        name.parse().map_err(|e| format!("`when.class`: {e}"))?;
                    set[class as usize] = true;
                }
                Ok::<_, String>(set)
            })
            .transpose()?;
        let regex = |pattern: Option<String>, field: &str| {
            pattern
                .map(|pattern| {
                    Regex::new(&pattern)
                        .map_err(|e| format!("invalid regex in `when.{field}`: {e}"))
                })
                .transpose()
        };
        let message = regex(raw.message, "message")?;
        let message_not = regex(raw.message_not, "message_not")?;
        let payload = raw
            .payload
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                Predicate::compile(value)
                    .map_err(|e| format!("`when.payload` entry {}: {e}", i + 1))
            })
            .collect::<Result<_, _>>()?;
        Ok(When {
            queue: globs(raw.queue, "queue")?,
            event_type: globs(raw.event_type, "event_type")?,
            class,
            code: globs(raw.code, "code")?,
            message,
            message_not,
            payload,
        })
    }

    /// Whether the envelope conditions (everything but `payload`) hold. Cheapest checks first.
    pub(crate) fn matches_envelope(&self, input: &Input<'_>) -> bool {
        self.class.is_none_or(|set| set[input.class as usize])
            && self
                .code
                .as_ref()
                .is_none_or(|globs| globs.matches(input.code))
            && self
                .queue
                .as_ref()
                .is_none_or(|globs| globs.matches(input.queue))
            && self
                .event_type
                .as_ref()
                .is_none_or(|globs| globs.matches(input.event_type))
            && self
                .message
                .as_ref()
                .is_none_or(|regex| regex.is_match(input.message))
            && self
                .message_not
                .as_ref()
                .is_none_or(|regex| !regex.is_match(input.message))
    }

    /// The `when.message` regex, if the rule has one (its named groups are what action paths
    /// may refer to: `capture`).
    pub(crate) fn message(&self) -> Option<&Regex> {
        self.message.as_ref()
    }

    /// The groups `when.message` captured in `message`; `None` without `when.message` or when
    /// it does not match.
    pub(crate) fn captures<'m>(&self, message: &'m str) -> Option<regex::Captures<'m>> {
        self.message.as_ref()?.captures(message)
    }

    /// Whether there are payload predicates (which need the payload parsed as JSON).
    pub(crate) fn has_payload_predicates(&self) -> bool {
        !self.payload.is_empty()
    }

    /// Whether every payload predicate holds for `doc`.
    pub(crate) fn matches_payload(&self, doc: &Value) -> bool {
        self.payload.iter().all(|predicate| predicate.matches(doc))
    }

    /// Whether every payload predicate holds for the payload read in place: the answer of
    /// [`When::matches_payload`] on the payload parsed whole, or `None` when the text does not
    /// read as expected.
    pub(crate) fn matches_payload_text(&self, text: &Text<'_>) -> Option<bool> {
        for predicate in &self.payload {
            if !predicate.matches_text(text)? {
                return Some(false);
            }
        }
        Some(true)
    }
}

impl Predicate {
    fn compile(value: toml::Value) -> Result<Predicate, String> {
        let raw: RawPredicate = value
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_owned())?;
        let pointer = Pointer::parse(&raw.pointer).map_err(|e| format!("`pointer`: {e}"))?;
        let mut checks = Vec::with_capacity(1);
        if let Some(exists) = raw.exists {
            checks.push(Check::Present(exists));
        }
        if let Some(missing) = raw.missing {
            checks.push(Check::Present(!missing));
        }
        if let Some(equals) = raw.equals {
            checks.push(Check::Equals(
                toml_to_json(equals).map_err(|e| format!("`equals`: {e}"))?,
            ));
        }
        if let Some(pattern) = raw.matches {
            let regex =
                Regex::new(&pattern).map_err(|e| format!("invalid regex in `matches`: {e}"))?;
            checks.push(Check::Matches(regex));
        }
        if let Some(pattern) = raw.not_matches {
            let regex =
                Regex::new(&pattern).map_err(|e| format!("invalid regex in `not_matches`: {e}"))?;
            checks.push(Check::NotMatches(regex));
        }
        if let Some(json_type) = raw.is {
            checks.push(Check::Is(json_type));
        }
        for (op, value) in [
            (Op::Gt, raw.gt),
            (Op::Gte, raw.gte),
            (Op::Lt, raw.lt),
            (Op::Lte, raw.lte),
        ] {
            if let Some(value) = value {
                checks.push(Check::Compare(Comparison::compile(op, value)?));
            }
        }
        let check = match checks.len() {
            1 => checks.pop(),
            _ => None,
        }
        .ok_or_else(|| {
            "give exactly one of `exists`, `missing`, `equals`, `matches`, `not_matches`, `is`, \
             `gt`, `gte`, `lt` or `lte` (for a range, give two predicates on the same pointer)"
                .to_owned()
        })?;
        Ok(Predicate { pointer, check })
    }

    fn matches(&self, doc: &Value) -> bool {
        let value = self.pointer.get(doc);
        match (&self.check, value) {
            (Check::Present(want), value) => value.is_some() == *want,
            (Check::Equals(expected), Some(value)) => json_eq(value, expected),
            (Check::Matches(regex), Some(Value::String(text))) => regex.is_match(text),
            (Check::NotMatches(regex), Some(Value::String(text))) => !regex.is_match(text),
            (Check::Is(json_type), Some(value)) => json_type.matches(value),
            (Check::Compare(comparison), Some(Value::Number(n))) => comparison.holds(n.as_str()),
            _ => false,
        }
    }

    /// [`Predicate::matches`] on the text: the value found there, parsed alone when the check
    /// needs more than its type (which its first byte tells, valid JSON being checked).
    fn matches_text(&self, text: &Text<'_>) -> Option<bool> {
        let found = text.find(self.pointer.tokens())?;
        Some(match (&self.check, found) {
            (Check::Present(want), found) => found.is_some() == *want,
            (_, None) => false,
            (Check::Equals(expected), Some(span)) => json_eq(&parse(text, span)?, expected),
            (Check::Matches(regex), Some(span)) => match text.first(span)? {
                b'"' => regex.is_match(&string(text, span)?),
                _ => false,
            },
            (Check::NotMatches(regex), Some(span)) => match text.first(span)? {
                b'"' => !regex.is_match(&string(text, span)?),
                _ => false,
            },
            // A number's text is its value as written, which `exact::parse` keeps.
            (Check::Compare(comparison), Some(span)) => match type_of(text.first(span)?) {
                JsonType::Number => comparison.holds(std::str::from_utf8(text.slice(span)?).ok()?),
                _ => false,
            },
            (Check::Is(JsonType::Integer), Some(span)) => {
                JsonType::Integer.matches(&parse(text, span)?)
            }
            (Check::Is(json_type), Some(span)) => *json_type == type_of(text.first(span)?),
        })
    }
}

/// The value at `span`, parsed alone (as it is parsed in the whole payload).
fn parse(text: &Text<'_>, span: Span) -> Option<Value> {
    exact::parse(text.slice(span)?).ok()
}

/// The string at `span`: its text between the quotes, or unescaped if it has escapes.
fn string<'a>(text: &Text<'a>, span: Span) -> Option<Cow<'a, str>> {
    let quoted = text.slice(span)?;
    match quoted.get(1..quoted.len().checked_sub(1)?)? {
        plain if !plain.contains(&b'\\') => std::str::from_utf8(plain).ok().map(Cow::Borrowed),
        _ => match parse(text, span)? {
            Value::String(s) => Some(Cow::Owned(s)),
            _ => None,
        },
    }
}

/// The type of a valid JSON value whose text starts with `first`.
fn type_of(first: u8) -> JsonType {
    match first {
        b'"' => JsonType::String,
        b'{' => JsonType::Object,
        b'[' => JsonType::Array,
        b't' | b'f' => JsonType::Boolean,
        b'n' => JsonType::Null,
        _ => JsonType::Number,
    }
}

/// A string or an array of strings.
fn strings(value: toml::Value, field: &str) -> Result<Vec<String>, String> {
    let wrong = || format!("`when.{field}` must be a string or an array of strings");
    match value {
        toml::Value::String(s) => Ok(vec![s]),
        toml::Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s),
                _ => Err(wrong()),
            })
            .collect(),
        _ => Err(wrong()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(source: &str) -> Result<When, String> {
        let raw: RawWhen = toml::from_str(source).map_err(|e| e.message().to_owned())?;
        When::compile(raw)
    }

    fn input<'a>(queue: &'a str, class: ErrorClass, code: &'a str, message: &'a str) -> Input<'a> {
        Input {
            queue,
            event_type: "OrderPlaced",
            class,
            code,
            message,
            payload: b"",
        }
    }

    #[test]
    fn envelope_conditions() {
        use ErrorClass::{Data, Transient, Unknown};
        #[rustfmt::skip]
        let cases: &[(&str, Input<'_>, bool)] = &[
            ("", input("any", Unknown, "", ""), true),
            ("queue = 'orders*'", input("orders-eu", Data, "", ""), true),
            ("queue = 'orders*'", input("payments", Data, "", ""), false),
            ("queue = ['orders', 'payments']", input("payments", Data, "", ""), true),
            ("event_type = 'Order*'", input("q", Data, "", ""), true),
            ("event_type = 'Payment*'", input("q", Data, "", ""), false),
            ("class = 'DATA'", input("q", Data, "", ""), true),
            ("class = 'data'", input("q", Transient, "", ""), false),
            ("class = ['transient', 'unknown']", input("q", Unknown, "", ""), true),
            ("code = 'INVALID_TYPE'", input("q", Data, "INVALID_TYPE", ""), true),
            ("code = 'INVALID_TYPE'", input("q", Data, "INVALID_TYPES", ""), false),
            ("code = 'UPSTREAM_*'", input("q", Data, "UPSTREAM_INVENTORY", ""), true),
            ("code = ['A', 'B']", input("q", Data, "B", ""), true),
            ("message = '(?i)total.*number'", input("q", Data, "", "Total must be a Number"), true),
            ("message = 'total'", input("q", Data, "", "the TOTAL"), false),
            ("message = 'total'", input("q", Data, "", "grand total!"), true),
            ("message_not = '(?i)currency'", input("q", Data, "", "total is missing"), true),
            ("message_not = '(?i)currency'", input("q", Data, "", "Currency missing"), false),
            ("message_not = 'x'", input("q", Data, "", ""), true),
            ("message = 'missing'\nmessage_not = 'currency'", input("q", Data, "", "total missing"), true),
            ("message = 'missing'\nmessage_not = 'currency'", input("q", Data, "", "currency missing"), false),
            ("message = 'missing'\nmessage_not = 'currency'", input("q", Data, "", "total wrong"), false),
            ("queue = 'orders'\nclass = 'data'", input("orders", Transient, "", ""), false),
        ];
        for (source, input, expected) in cases {
            let when = when(source).unwrap();
            assert_eq!(
                when.matches_envelope(input),
                *expected,
                "{source} on {input:?}"
            );
        }
    }

    #[test]
    fn payload_predicates() {
        let src = br#"{"total":"12.50","qty":2,"price":2.0,"customer":{"email":"A@B.C"},
                "tags":[],"n":null,"*":5,"id":20261121000000000000001,
                "f":0.30000000000000004,"neg":-12.30}"#;
        let doc: Value = serde_json::from_slice(src).unwrap();
        // Read in place too, as evaluation reads a payload `exact::check` finds plain.
        assert_eq!(exact::check(src).unwrap(), exact::Checked::Plain);
        let text = Text::new(src, None);
        #[rustfmt::skip]
        let cases: &[(&str, bool)] = &[
            ("{ pointer = '/total', exists = true }", true),
            ("{ pointer = '/nope', exists = true }", false),
            ("{ pointer = '/nope', exists = false }", true),
            ("{ pointer = '/nope', missing = true }", true),
            ("{ pointer = '/n', missing = true }", false),
            ("{ pointer = '/total', missing = false }", true),
            ("{ pointer = '/qty', equals = 2 }", true),
            ("{ pointer = '/qty', equals = 2.0 }", true),
            ("{ pointer = '/qty', equals = '2' }", false),
            ("{ pointer = '/customer', equals = { email = 'A@B.C' } }", true),
            ("{ pointer = '/nope', equals = 1 }", false),
            ("{ pointer = '/customer/email', matches = '[A-Z]' }", true),
            ("{ pointer = '/qty', matches = '2' }", false),
            ("{ pointer = '/customer/email', not_matches = '[a-z]' }", true),
            ("{ pointer = '/customer/email', not_matches = '[A-Z]' }", false),
            ("{ pointer = '/qty', not_matches = 'x' }", false),
            ("{ pointer = '/n', not_matches = 'x' }", false),
            ("{ pointer = '/nope', not_matches = 'x' }", false),
            ("{ pointer = '/qty', gt = 1 }", true),
            ("{ pointer = '/qty', gt = 2 }", false),
            ("{ pointer = '/qty', gte = 2.0 }", true),
            ("{ pointer = '/price', lte = 2 }", true),
            ("{ pointer = '/price', lt = 2 }", false),
            ("{ pointer = '/f', gt = 0.3 }", true),
            ("{ pointer = '/f', lte = '0.30000000000000004' }", true),
            ("{ pointer = '/id', gt = '20261121000000000000000' }", true),
            ("{ pointer = '/id', gt = '20261121000000000000001' }", false),
            ("{ pointer = '/id', lt = '20261121000000000000002' }", true),
            ("{ pointer = '/neg', lt = -12.3 }", false),
            ("{ pointer = '/neg', lte = '-12.3' }", true),
            ("{ pointer = '/neg', gt = '-12.31' }", true),
            ("{ pointer = '/total', gt = 1 }", false),
            ("{ pointer = '/total', lte = 1 }", false),
            ("{ pointer = '/n', lt = 1 }", false),
            ("{ pointer = '/tags', lt = 1 }", false),
            ("{ pointer = '/nope', gte = 0 }", false),
            ("{ pointer = '/total', is = 'string' }", true),
            ("{ pointer = '/total', is = 'number' }", false),
            ("{ pointer = '/qty', is = 'integer' }", true),
            ("{ pointer = '/price', is = 'integer' }", true),
            ("{ pointer = '/customer', is = 'object' }", true),
            ("{ pointer = '/tags', is = 'array' }", true),
            ("{ pointer = '/n', is = 'null' }", true),
            ("{ pointer = '/nope', is = 'null' }", false),
            ("{ pointer = '', is = 'object' }", true),
            ("{ pointer = '/~2', equals = 5 }", true),
        ];
        for (predicate, expected) in cases {
            let when = when(&format!("payload = [{predicate}]")).unwrap();
            assert!(when.has_payload_predicates());
            assert_eq!(when.matches_payload(&doc), *expected, "{predicate}");
            assert_eq!(
                when.matches_payload_text(&text),
                Some(*expected),
                "{predicate} in place"
            );
        }
        let both = when(
            "payload = [{ pointer = '/total', is = 'string' }, { pointer = '/qty', equals = 3 }]",
        );
        assert!(!both.unwrap().matches_payload(&doc));
    }

    #[test]
    fn compile_errors_name_the_field() {
        #[rustfmt::skip]
        let cases = [
            ("message = '('", "invalid regex in `when.message`"),
            ("queue = ''", "`when.queue`: empty glob"),
            ("code = 'A\\'", "`when.code`: glob `A\\` ends with a lone `\\`"),
            ("event_type = 3", "`when.event_type` must be a string or an array of strings"),
            ("class = 'fatal'", "`when.class`: unknown error class `fatal`"),
            ("class = []", "`when.class`: empty list"),
            ("payload = [{ pointer = 'total', exists = true }]", "entry 1: `pointer`: invalid"),
            ("payload = [{ pointer = '/a' }]", "entry 1: give exactly one of"),
            (
                "payload = [{ pointer = '/items/*/qty', is = 'string' }]",
                "entry 1: `pointer`: `/items/*/qty`: wildcards (`*`) are supported in action \
                 paths only",
            ),
            ("payload = [{ pointer = '/a', exists = true, is = 'string' }]", "give exactly one of"),
            ("payload = [{ pointer = '/a', matches = '[' }]", "invalid regex in `matches`"),
            ("payload = [{ pointer = '/a', not_matches = '[' }]", "invalid regex in `not_matches`"),
            ("message_not = '('", "invalid regex in `when.message_not`"),
            ("payload = [{ pointer = '/a', gt = 'ten' }]", "entry 1: `gt`: \"ten\" is not a number"),
            ("payload = [{ pointer = '/a', lte = true }]", "entry 1: `lte` must be a number"),
            ("payload = [{ pointer = '/a', gt = 1, lt = 5 }]", "give exactly one of"),
            ("payload = [{ pointer = '/a', gt = 1, matches = 'x' }]", "give exactly one of"),
            ("payload = [{ pointer = '/a', greater = 1 }]", "unknown field `greater`"),
            ("payload = [{ pointer = '/a', is = 'date' }]", "unknown variant `date`"),
            ("payload = [{ pointer = '/a', exist = true }]", "unknown field `exist`"),
            ("queue = 'x'\nqueues = 'y'", "unknown field `queues`"),
        ];
        for (source, message) in cases {
            match when(source) {
                Err(err) => assert!(err.contains(message), "{source}: {err}"),
                Ok(_) => panic!("{source}: compiled"),
            }
        }
    }
}
