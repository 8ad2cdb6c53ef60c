//! JSON value helpers shared by conditions, actions and tests: semantic equality (numbers
//! compare by exact value, as RFC 6902 `test` requires), TOML → JSON conversion for values
//! written in rules files, JSON type names, and short descriptions of values for failure
//! reasons.

use serde::Deserialize;
use serde_json::{Number, Value};

/// Deep equality where numbers are equal when their values are, exactly (`1`, `1.0` and `1e0`
/// are the same; two 23-digit ids differing in their last digit are not), object member order
/// does not matter and array order does.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_eq(x, y),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(key, x)| ys.get(key).is_some_and(|y| json_eq(x, y)))
        }
        _ => a == b,
    }
}

fn number_eq(x: &Number, y: &Number) -> bool {
    super::number::eq(x, y)
}

/// Converts a value written in TOML into JSON. TOML dates and times become strings; floats
/// that JSON cannot hold (NaN, infinities) are rejected. TOML keeps no number's text: an integer
/// is exact (64 bits), a float is written in its shortest form (`12.30` becomes `12.3`).
pub(crate) fn toml_to_json(value: toml::Value) -> Result<Value, String> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("{f} cannot be represented in JSON"))?,
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(dt) => Value::String(dt.to_string()),
        toml::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(toml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| Ok((key, toml_to_json(value)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// The JSON type of a value, as written in `is = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JsonType {
    String,
    Number,
    /// A number without a fractional part (`3` and `3.0`, as in JSON Schema).
    Integer,
    Boolean,
    Object,
    Array,
    Null,
}

impl JsonType {
    /// Whether `value` is of this type.
    pub(crate) fn matches(self, value: &Value) -> bool {
        match (self, value) {
            (JsonType::String, Value::String(_))
            | (JsonType::Number, Value::Number(_))
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Object, Value::Object(_))
            | (JsonType::Array, Value::Array(_))
            | (JsonType::Null, Value::Null) => true,
            (JsonType::Integer, Value::Number(n)) => super::number::is_whole(n),
            _ => false,
        }
    }
}

/// The JSON type name of `value`: `string`, `number`, `boolean`, `null`, `object` or `array`.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A [`type_name`] with its article, for reasons: `a string`, `an array`, `null`.
pub(crate) fn with_article(type_name: &str) -> String {
    match type_name {
        "null" => "null".to_owned(),
        "array" | "object" => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

/// A short description of `value` for failure reasons: scalars as JSON (long strings cut),
/// containers by type, so a reason never carries a whole sub-document.
pub(crate) fn describe(value: &Value) -> String {
    const MAX_CHARS: usize = 40;
    match value {
        Value::String(s) if s.chars().count() > MAX_CHARS => {
            let cut: String = s.chars().take(MAX_CHARS).collect();
            format!("string {cut:?}…")
        }
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        Value::Null => "null".to_owned(),
        other => format!("{} {other}", type_name(other)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn num(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn equality_is_semantic_for_numbers_and_objects() {
        let cases = [
            (json!(1), json!(1.0), true),
            (json!(-1), json!(-1.0), true),
            (json!(u64::MAX), json!(u64::MAX), true),
            (
                num("20261121000000000000001"),
                num("20261121000000000000001"),
                true,
            ),
            (
                num("20261121000000000000001"),
                num("20261121000000000000002"),
                false,
            ),
            (num("12.30"), json!(12.3), true),
            (json!(1), json!(2), false),
            (
                json!({"a": 1, "b": [1, 2]}),
                json!({"b": [1.0, 2], "a": 1}),
                true,
            ),
            (json!([1, 2]), json!([2, 1]), false),
            (json!({"a": 1}), json!({"a": 1, "b": null}), false),
            (json!("1"), json!(1), false),
            (json!(null), json!(null), true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(json_eq(&a, &b), expected, "{a} vs {b}");
        }
    }

    #[test]
    fn converts_toml_values() {
        let table: toml::Table = toml::from_str(
            "v = { s = 'x', i = 7, f = 1.5, b = true, a = [1, 'two'], d = 2026-11-22 }",
        )
        .unwrap();
        let json = toml_to_json(table["v"].clone()).unwrap();
        assert_eq!(
            json,
            json!({"s": "x", "i": 7, "f": 1.5, "b": true, "a": [1, "two"], "d": "2026-11-22"})
        );
        assert!(toml_to_json(toml::Value::Float(f64::NAN)).is_err());
    }

    #[test]
    fn integer_type_accepts_whole_floats() {
        assert!(JsonType::Integer.matches(&json!(3)));
        assert!(JsonType::Integer.matches(&json!(3.0)));
        assert!(JsonType::Integer.matches(&num("20261121000000000000001")));
        assert!(JsonType::Integer.matches(&num("1e3")));
        assert!(!JsonType::Integer.matches(&json!(3.5)));
        assert!(!JsonType::Integer.matches(&json!("3")));
        assert!(JsonType::Null.matches(&json!(null)));
    }

    #[test]
    fn describes_values_briefly() {
        assert_eq!(describe(&json!("abc")), "string \"abc\"");
        assert_eq!(describe(&json!(12.5)), "number 12.5");
        assert_eq!(describe(&json!({"a": 1})), "an object");
        assert_eq!(
            describe(&json!("x".repeat(50))),
            format!("string {:?}…", "x".repeat(40))
        );
    }
}
