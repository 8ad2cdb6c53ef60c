//! The `coerce` action: convert a value between string, number, integer and boolean.
//!
//! - to `string`: numbers keep their JSON text as written (`12.50` → `"12.50"`), booleans
//!   become `"true"`/`"false"`.
//! - to `number`: a string holding a JSON number keeps its digits exactly (`"12.50"` → `12.50`,
//!   `"20261121000000000000001"` → that integer, all 23 digits; an exponent is written `1e+3`);
//!   other decimal text is read as a double (`"+7"` → 7, `".5"` → 0.5); booleans become 1/0.
//!   Numbers too large for a double (`"1e999"`), `inf` and `NaN` are refused.
//! - to `integer`: like `number`, but the result must be whole, and is written without
//!   fraction or exponent, every digit kept (`"7.0"` → `7`, `"1.5e3"` → `1500`; `12.5` fails).
//! - to `boolean`: strings `true`/`yes`/`1` and `false`/`no`/`0` in any case, numbers whose
//!   value is 1 or 0 (`1.0` too). A rule may give its own words instead, `true_values` and
//!   `false_values` (both, neither empty, none in both lists; only with `to = "boolean"`):
//!   a string is then true or false when it equals one of them, ASCII letters in any case
//!   (`"y"` finds `"Y"`, `"ja"` finds `"JA"`; other letters as written), and fails, naming the
//!   value, when it is in neither list. Numbers still convert from 1 and 0.
//! - a value that already has the target type is kept as it is (for `integer`: a number
//!   written as an integer).
//!
//! Strings are trimmed before parsing. Null, objects and arrays never convert. Anything else
//! fails with a reason naming the value.

use serde::Deserialize;
use serde_json::{Number, Value};

use super::{ActionKind, At, Failure, Use, parse_pointer, rewrite};
use crate::{number, pointer::Pointer, value::describe};

/// `{ op = "coerce", path, to, true_values = <optional>, false_values = <optional> }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Coerce {
    pub(super) path: String,
    to: CoerceTo,
    true_values: Option<Vec<String>>,
    false_values: Option<Vec<String>>,
    #[serde(default)]
    pub(super) optional: bool,
}

/// A compiled `coerce`.
#[derive(Debug, Clone)]
pub(super) struct Compiled {
    path: Pointer,
    to: CoerceTo,
    /// The rule's own words for true and false, if it gave them.
    words: Option<Words>,
}

/// `true_values` and `false_values`: strings meaning true and false, none in both lists
/// (ASCII letters compared in any case).
#[derive(Debug, Clone)]
pub(super) struct Words {
    truthy: Vec<String>,
    falsy: Vec<String>,
}

impl Words {
    /// The words a rule gave, checked: both lists or neither, only to `boolean`, neither
    /// empty, none in both.
    fn compile(
        to: CoerceTo,
        truthy: Option<Vec<String>>,
        falsy: Option<Vec<String>>,
    ) -> Result<Option<Words>, String> {
        let (truthy, falsy) = match (truthy, falsy) {
            (None, None) => return Ok(None),
            _ if to != CoerceTo::Boolean => {
                return Err(format!(
                    "`true_values` and `false_values` are only used with to = \"boolean\" \
                     (this is to = \"{}\")",
                    to.as_str()
                ));
            }
            (Some(truthy), Some(falsy)) => (truthy, falsy),
            (Some(_), None) | (None, Some(_)) => {
                return Err("`true_values` and `false_values` go together: give both \
                            (they replace the built-in words)"
                    .to_owned());
            }
        };
        for (list, field) in [(&truthy, "true_values"), (&falsy, "false_values")] {
            if list.is_empty() {
                return Err(format!("`{field}` is empty: give at least one string"));
            }
        }
        if let Some(both) = truthy
            .iter()
            .find(|t| falsy.iter().any(|f| f.eq_ignore_ascii_case(t)))
        {
            return Err(format!(
                "{both:?} is in both `true_values` and `false_values` (ASCII letters are \
                 compared in any case)"
            ));
        }
        Ok(Some(Words { truthy, falsy }))
    }

    /// `true` or `false` for `text`, or `None` when it is in neither list.
    fn parse(&self, text: &str) -> Option<Value> {
        let is_in = |list: &[String]| list.iter().any(|word| word.eq_ignore_ascii_case(text));
        if is_in(&self.truthy) {
            Some(Value::Bool(true))
        } else if is_in(&self.falsy) {
            Some(Value::Bool(false))
        } else {
            None
        }
    }
}

impl ActionKind for Coerce {
    type Compiled = Compiled;

    fn compile(self) -> Result<Self::Compiled, String> {
        Ok(Compiled {
            path: parse_pointer(&self.path, "path")?,
            to: self.to,
            words: Words::compile(self.to, self.true_values, self.false_values)?,
        })
    }

    fn apply(compiled: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(&compiled.path), |value| {
            coerce(value, compiled.to, compiled.words.as_ref())
        })
    }

    fn uses(compiled: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(&compiled.path)]
    }
}

/// The target type of `coerce`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CoerceTo {
    String,
    Number,
    Integer,
    Boolean,
}

impl CoerceTo {
    fn as_str(self) -> &'static str {
        match self {
            CoerceTo::String => "string",
            CoerceTo::Number => "number",
            CoerceTo::Integer => "integer",
            CoerceTo::Boolean => "boolean",
        }
    }
}

/// Converts `value` to `to` as `coerce` does without `true_values` and `false_values`;
/// `Ok(None)` when it already has that type (for the schemas' zero-rule repairs).
pub(crate) fn coerce_value(value: &Value, to: CoerceTo) -> Result<Option<Value>, String> {
    coerce(value, to, None)
}

/// Converts `value` to `to`, strings to `boolean` by `words` when given; `Ok(None)` when it
/// already has that type.
fn coerce(value: &Value, to: CoerceTo, words: Option<&Words>) -> Result<Option<Value>, String> {
    let fail = || format!("cannot coerce {} to {}", describe(value), to.as_str());
    let converted = match (to, value) {
        (CoerceTo::String, Value::String(_))
        | (CoerceTo::Number, Value::Number(_))
        | (CoerceTo::Boolean, Value::Bool(_)) => return Ok(None),
        (CoerceTo::Integer, Value::Number(n)) if number::written_as_integer(n) => return Ok(None),

        (CoerceTo::String, Value::Number(n)) => Value::String(n.to_string()),
        (CoerceTo::String, Value::Bool(b)) => Value::String(b.to_string()),

        (CoerceTo::Number, Value::String(s)) => {
            Value::Number(parse_number(s.trim()).ok_or_else(fail)?)
        }
        (CoerceTo::Integer, Value::String(s)) => parse_number(s.trim())
            .and_then(number::into_integer)
            .map(Value::Number)
            .ok_or_else(fail)?,
        (CoerceTo::Integer, Value::Number(n)) => {
            number::to_integer(n).map(Value::Number).ok_or_else(fail)?
        }
        (CoerceTo::Number | CoerceTo::Integer, Value::Bool(b)) => Value::from(u8::from(*b)),

        (CoerceTo::Boolean, Value::String(s)) => match words {
            Some(words) => words.parse(s.trim()).ok_or_else(|| {
                format!("{}: it is in neither true_values nor false_values", fail())
            })?,
            None => parse_bool(s.trim()).ok_or_else(fail)?,
        },
        (CoerceTo::Boolean, Value::Number(n)) if number::is(n, 0) => Value::Bool(false),
        (CoerceTo::Boolean, Value::Number(n)) if number::is(n, 1) => Value::Bool(true),
        (CoerceTo::Boolean, Value::Number(_)) => return Err(fail()),

        (_, Value::Null | Value::Array(_) | Value::Object(_)) => return Err(fail()),
    };
    Ok(Some(converted))
}

/// Parses decimal text as a JSON number: JSON number text keeps its digits; other decimal
/// text (`+7`, `.5`, `1.`) is read as an integer or a finite double.
fn parse_number(text: &str) -> Option<Number> {
    if let Some(n) = number::parse_exact(text) {
        return Some(n);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(Number::from(u));
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if !looks_numeric {
        return None;
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

fn parse_bool(text: &str) -> Option<Value> {
    const TRUE: [&str; 3] = ["true", "yes", "1"];
    const FALSE: [&str; 3] = ["false", "no", "0"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(Value::Bool(true))
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Some(Value::Bool(false))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// (input, target, expected output as JSON text, or the error)
    const MATRIX: &[(&str, CoerceTo, Result<&str, &str>)] = &[
        // to number
        (r#""12.50""#, CoerceTo::Number, Ok("12.50")),
        (
            r#""20261121000000000000001""#,
            CoerceTo::Number,
            Ok("20261121000000000000001"),
        ),
        (r#""-0""#, CoerceTo::Number, Ok("-0")),
        (r#""+7""#, CoerceTo::Number, Ok("7")),
        (r#"".5""#, CoerceTo::Number, Ok("0.5")),
        (r#"" 7 ""#, CoerceTo::Number, Ok("7")),
        (r#""-3""#, CoerceTo::Number, Ok("-3")),
        (r#""1e3""#, CoerceTo::Number, Ok("1e+3")),
        (
            r#""18446744073709551615""#,
            CoerceTo::Number,
            Ok("18446744073709551615"),
        ),
        ("12.5", CoerceTo::Number, Ok("12.5")),
        ("true", CoerceTo::Number, Ok("1")),
        (
            r#""12,50""#,
            CoerceTo::Number,
            Err(r#"cannot coerce string "12,50" to number"#),
        ),
        (
            r#""inf""#,
            CoerceTo::Number,
            Err(r#"cannot coerce string "inf" to number"#),
        ),
        (
            r#""NaN""#,
            CoerceTo::Number,
            Err("cannot coerce string \"NaN\" to number"),
        ),
        (
            r#""1e999""#,
            CoerceTo::Number,
            Err("cannot coerce string \"1e999\" to number"),
        ),
        (
            r#""""#,
            CoerceTo::Number,
            Err(r#"cannot coerce string "" to number"#),
        ),
        (
            "null",
            CoerceTo::Number,
            Err("cannot coerce null to number"),
        ),
        // to integer
        (r#""7""#, CoerceTo::Integer, Ok("7")),
        (r#""7.0""#, CoerceTo::Integer, Ok("7")),
        ("7.0", CoerceTo::Integer, Ok("7")),
        ("1.5e3", CoerceTo::Integer, Ok("1500")),
        (
            r#""20261121000000000000001""#,
            CoerceTo::Integer,
            Ok("20261121000000000000001"),
        ),
        (
            "20261121000000000000001.0",
            CoerceTo::Integer,
            Ok("20261121000000000000001"),
        ),
        ("42", CoerceTo::Integer, Ok("42")),
        ("false", CoerceTo::Integer, Ok("0")),
        (
            r#""12.50""#,
            CoerceTo::Integer,
            Err(r#"cannot coerce string "12.50" to integer"#),
        ),
        (
            "12.5",
            CoerceTo::Integer,
            Err("cannot coerce number 12.5 to integer"),
        ),
        (
            "1e400",
            CoerceTo::Integer,
            Err("cannot coerce number 1e+400 to integer"),
        ),
        (
            "[1]",
            CoerceTo::Integer,
            Err("cannot coerce an array to integer"),
        ),
        // to string
        ("12.5", CoerceTo::String, Ok(r#""12.5""#)),
        ("12.50", CoerceTo::String, Ok(r#""12.50""#)),
        (
            "20261121000000000000001",
            CoerceTo::String,
            Ok(r#""20261121000000000000001""#),
        ),
        ("7", CoerceTo::String, Ok(r#""7""#)),
        ("true", CoerceTo::String, Ok(r#""true""#)),
        (r#""x""#, CoerceTo::String, Ok(r#""x""#)),
        (
            r#"{"a":1}"#,
            CoerceTo::String,
            Err("cannot coerce an object to string"),
        ),
        // to boolean
        (r#""YES""#, CoerceTo::Boolean, Ok("true")),
        (r#""no""#, CoerceTo::Boolean, Ok("false")),
        (r#"" True ""#, CoerceTo::Boolean, Ok("true")),
        (r#""0""#, CoerceTo::Boolean, Ok("false")),
        ("1", CoerceTo::Boolean, Ok("true")),
        ("0", CoerceTo::Boolean, Ok("false")),
        ("1.0", CoerceTo::Boolean, Ok("true")),
        ("0e5", CoerceTo::Boolean, Ok("false")),
        (
            "1.0000000000000000001",
            CoerceTo::Boolean,
            Err("cannot coerce number 1.0000000000000000001 to boolean"),
        ),
        (
            "2",
            CoerceTo::Boolean,
            Err("cannot coerce number 2 to boolean"),
        ),
        (
            r#""maybe""#,
            CoerceTo::Boolean,
            Err(r#"cannot coerce string "maybe" to boolean"#),
        ),
        ("false", CoerceTo::Boolean, Ok("false")),
    ];

    #[test]
    fn coerce_matrix() {
        for (input, to, expected) in MATRIX {
            let value: Value = serde_json::from_str(input).unwrap();
            let got = coerce(&value, *to, None).map(|out| out.unwrap_or_else(|| value.clone()));
            match expected {
                Ok(text) => {
                    let want: Value = serde_json::from_str(text).unwrap();
                    let got = got.unwrap_or_else(|e| panic!("{input} to {to:?}: {e}"));
                    assert_eq!(got, want, "{input} to {to:?}");
                    assert_eq!(got.to_string(), want.to_string(), "{input} to {to:?}");
                }
                Err(message) => assert_eq!(got.unwrap_err(), *message, "{input} to {to:?}"),
            }
        }
    }

    #[test]
    fn unchanged_when_already_that_type() {
        assert_eq!(coerce(&json!("x"), CoerceTo::String, None), Ok(None));
        assert_eq!(coerce(&json!(1.5), CoerceTo::Number, None), Ok(None));
        assert_eq!(coerce(&json!(3), CoerceTo::Integer, None), Ok(None));
        assert_eq!(coerce(&json!(true), CoerceTo::Boolean, None), Ok(None));
    }
}
