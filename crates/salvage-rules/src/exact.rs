//! Reading a payload as JSON without guessing: numbers keep their digits (serde_json's
//! `arbitrary_precision`), a key written twice in one object is refused (serde_json would keep
//! the last silently; which one the sender meant is unknowable), and nesting beyond the
//! parser's limit is told apart from bad syntax. One pass, building the same `Value` that
//! `serde_json::from_slice` builds.

use std::{cell::RefCell, fmt, str::FromStr};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value, map::Entry};

/// How deep serde_json lets arrays and objects nest (its recursion limit of 128 refuses the
/// 128th level).
pub const MAX_DEPTH: usize = 127;

/// The key serde_json (`arbitrary_precision`) hands a number to a visitor under: a map of this
/// one key to the number's text. Its own `Value` recognises numbers the same way.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Why a payload could not be read as JSON.
#[derive(Debug)]
pub enum JsonError {
    /// Not JSON (the parser's message, with line and column).
    Invalid(String),
    /// Arrays or objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A key written more than once in one object.
    DuplicateKey {
        /// The key.
        key: String,
        /// The JSON Pointer of the object holding it (`""` for the top level).
        at: String,
    },
}

impl JsonError {
    /// The park reason: what is wrong with the payload, naming the key and where.
    pub fn reason(&self) -> String {
        match self {
            JsonError::Invalid(_) => super::rule::NOT_JSON.to_owned(),
            other => format!("payload {other}"),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Invalid(e) => write!(f, "is not valid JSON: {e}"),
            JsonError::TooDeep => write!(f, "is nested deeper than {MAX_DEPTH} levels"),
            JsonError::DuplicateKey { key, at } if at.is_empty() => write!(
                f,
                "is ambiguous: key {key:?} appears more than once in the top-level object"
            ),
            JsonError::DuplicateKey { key, at } => write!(
                f,
                "is ambiguous: key {key:?} appears more than once in the object at {at}"
            ),
        }
    }
}

/// Parses `bytes` as one JSON document (surrounding whitespace allowed).
///
/// # Errors
///
/// Not JSON, nested too deep, or a key written twice in an object.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Seed {
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    parsed.map_err(|e| match duplicate.into_inner() {
        Some(Duplicate { key, mut path }) => {
            path.reverse();
            JsonError::DuplicateKey {
                key,
                at: super::diff::join(&path),
            }
        }
        None if e.to_string().starts_with("recursion limit exceeded") => JsonError::TooDeep,
        None => JsonError::Invalid(e.to_string()),
    })
}

/// The duplicate found, with the path to its object collected on the way out (innermost
/// segment first).
struct Duplicate {
    key: String,
    path: Vec<String>,
}

#[derive(Clone, Copy)]
struct Seed<'a> {
    duplicate: &'a RefCell<Option<Duplicate>>,
}

impl Seed<'_> {
    /// Adds `segment` to the duplicate's path as its error passes through this level.
    fn passing<E>(self, segment: impl FnOnce() -> String, e: E) -> E {
        if let Some(d) = self.duplicate.borrow_mut().as_mut() {
            d.path.push(segment());
        }
        e
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return Ok(Value::Array(items)),
                Err(e) => return Err(self.passing(|| items.len().to_string(), e)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        let mut first = true;
        while let Some(key) = access.next_key::<String>()? {
            if std::mem::take(&mut first) && key == NUMBER_TOKEN {
                let text: String = access.next_value()?;
                return Number::from_str(&text)
                    .map(Value::Number)
                    .map_err(de::Error::custom);
            }
            let value = match access.next_value_seed(self) {
                Ok(value) => value,
                Err(e) => return Err(self.passing(|| key, e)),
            };
            match map.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => {
                    let key = slot.key().clone();
                    let message = format!("duplicate key {key:?}");
                    *self.duplicate.borrow_mut() = Some(Duplicate {
                        key,
                        path: Vec::new(),
                    });
                    return Err(de::Error::custom(message));
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_what_serde_json_builds_keeping_digits() {
        let text = r#" {"a": 12.30, "b": [1e3, -0, 20261121000000000000001, 1.0, -7, 18446744073709551615],
            "c": {"d": "\u00e9\/", "e": null, "f": true}} "#;
        let ours = parse(text.as_bytes()).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(
            ours.to_string(),
            r#"{"a":12.30,"b":[1e+3,-0,20261121000000000000001,1.0,-7,18446744073709551615],"c":{"d":"é/","e":null,"f":true}}"#
        );
    }

    #[test]
    fn duplicate_keys_are_named_with_their_object() {
        let err = parse(br#"{"id": 1, "id": 2}"#).unwrap_err();
        assert_eq!(
            err.reason(),
            "payload is ambiguous: key \"id\" appears more than once in the top-level object"
        );
        let err =
            parse(br#"{"order": {"lines": [{"sku": "a"}, {"sku": "b", "qty": 1, "sku": "c"}]}}"#)
                .unwrap_err();
        assert_eq!(
            err.reason(),
            "payload is ambiguous: key \"sku\" appears more than once in the object at /order/lines/1"
        );
        // The same key in different objects is fine; a key equal after unescaping is not.
        assert!(parse(br#"{"a": {"x": 1}, "b": {"x": 1}, "x": 0}"#).is_ok());
        let err = parse(br#"{"a/b": 1, "a\/b": 2}"#).unwrap_err();
        assert!(matches!(err, JsonError::DuplicateKey { ref key, .. } if key == "a/b"));
    }

    #[test]
    fn too_deep_is_told_apart_from_bad_syntax() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(deep(MAX_DEPTH).as_bytes()).is_ok());
        let err = parse(deep(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(matches!(err, JsonError::TooDeep), "{err:?}");
        assert_eq!(err.reason(), "payload is nested deeper than 127 levels");
        let objects = format!("{}1{}", r#"{"a":"#.repeat(200), "}".repeat(200));
        assert!(matches!(parse(objects.as_bytes()), Err(JsonError::TooDeep)));

        let err = parse(b"{\"a\": 1,}").unwrap_err();
        assert_eq!(err.reason(), "payload is not valid JSON");
        assert!(err.to_string().contains("line 1 column 9"), "{err}");
        assert!(matches!(parse(b"{} x"), Err(JsonError::Invalid(_))));
        assert!(matches!(parse(b""), Err(JsonError::Invalid(_))));
    }
}
