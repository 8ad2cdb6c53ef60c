//! Reading a payload as JSON without guessing: numbers keep their digits (serde_json's
//! `arbitrary_precision`), a key written twice in one object is refused (serde_json would keep
//! the last silently; which one the sender meant is unknowable), and nesting beyond the
//! parser's limit is told apart from bad syntax. One pass, building the same `Value` that
//! `serde_json::from_slice` builds ([`parse`]), or building nothing ([`check`]: the same
//! parser driven the same way, so the same verdict and the same error).

use std::{cell::RefCell, fmt, str::FromStr};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value, map::Entry};

/// How deep serde_json lets arrays and objects nest (its recursion limit of 128 refuses the
/// 128th level).
pub const MAX_DEPTH: usize = 127;

/// The key serde_json (`arbitrary_precision`) hands a number to a visitor under: a map of this
/// one key to the number's text. Its own `Value` recognises numbers the same way.
pub(crate) const NUMBER_TOKEN: &str = "$serde_json::private::Number";

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
    parsed.map_err(|e| json_error(&e, duplicate.into_inner()))
}

/// What [`check`] found in a payload that [`parse`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// Every value is what its text says: an object is an object.
    Plain,
    /// Some object's first key may be serde_json's private number token, which [`parse`]
    /// (like serde_json's own `Value`) reads as a number: the text and the parsed value would
    /// disagree there, so only the parsed value can be trusted. (Said too of a text that merely
    /// spells the token, as any string, somewhere.)
    NumberToken,
}

/// Whether [`parse`] would accept `bytes`, and if not, its very error, without building
/// anything: the same serde_json parser driven through the same calls (`deserialize_any` for
/// every value, so the same recursion limit; keys compared after unescaping, each checked once
/// its value has been read, as `parse` inserts it), keeping only each object's keys (borrowed
/// from `bytes` where they have no escapes).
///
/// # Errors
///
/// Those of [`parse`], the same for the same input.
pub fn check(bytes: &[u8]) -> Result<Checked, JsonError> {
    let duplicate = RefCell::new(None);
    let number_token = std::cell::Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let checked = Check {
        duplicate: &duplicate,
        number_token: &number_token,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match checked {
        Ok(()) if number_token.get() || has_number_token(bytes) => Ok(Checked::NumberToken),
        Ok(()) => Ok(Checked::Plain),
        Err(e) => Err(json_error(&e, duplicate.into_inner())),
    }
}

/// Whether `bytes` hold the number token as a string written without escapes (as a key or
/// not: this only has to miss none).
fn has_number_token(bytes: &[u8]) -> bool {
    let token = NUMBER_TOKEN.as_bytes();
    bytes.iter().enumerate().any(|(at, &b)| {
        b == b'$'
            && at.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b'"')
            && bytes.get(at..at + token.len()) == Some(token)
            && bytes.get(at + token.len()) == Some(&b'"')
    })
}

/// The error of [`parse`] or [`check`]: the duplicate key if one was found, else what
/// serde_json said.
fn json_error(e: &serde_json::Error, duplicate: Option<Duplicate>) -> JsonError {
    match duplicate {
        Some(Duplicate { key, mut path }) => {
            path.reverse();
            JsonError::DuplicateKey {
                key,
                at: super::diff::join(&path),
            }
        }
        None if e.to_string().starts_with("recursion limit exceeded") => JsonError::TooDeep,
        None => JsonError::Invalid(e.to_string()),
    }
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

/// The visitor of [`check`]: [`Seed`]'s twin that keeps nothing but the keys of the object
/// being read.
#[derive(Clone, Copy)]
struct Check<'a> {
    duplicate: &'a RefCell<Option<Duplicate>>,
    number_token: &'a std::cell::Cell<bool>,
}

impl Check<'_> {
    /// Adds `segment` to the duplicate's path as its error passes through this level.
    fn passing<E>(self, segment: impl FnOnce() -> String, e: E) -> E {
        if let Some(d) = self.duplicate.borrow_mut().as_mut() {
            d.path.push(segment());
        }
        e
    }
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut len = 0usize;
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(())) => len += 1,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.passing(|| len.to_string(), e)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        let mut keys = Keys::default();
        let mut first = true;
        while let Some(key) = access.next_key::<Key<'de>>()? {
            if std::mem::take(&mut first) && key.as_str() == NUMBER_TOKEN {
                // As `parse` reads it: the text of a number (serde_json's own numbers, whose
                // text its parser wrote, always parse), or an object that merely starts with
                // this key, which must then hold nothing but a string that is a number. The
                // latter's key was written with escapes (owned), or is found by
                // `has_number_token` in the text.
                if matches!(key, Key::Owned(_)) {
                    self.number_token.set(true);
                }
                let text: String = access.next_value()?;
                return Number::from_str(&text).map(drop).map_err(de::Error::custom);
            }
            if let Err(e) = access.next_value_seed(self) {
                return Err(self.passing(|| key.as_str().to_owned(), e));
            }
            if let Some(key) = keys.insert(key) {
                let key = key.as_str().to_owned();
                let message = format!("duplicate key {key:?}");
                *self.duplicate.borrow_mut() = Some(Duplicate {
                    key,
                    path: Vec::new(),
                });
                return Err(de::Error::custom(message));
            }
        }
        Ok(())
    }
}

/// An object key as [`check`] keeps it: borrowed from the payload when it has no escapes.
/// Keys are equal when their text is, however they were written.
#[derive(Debug)]
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Key<'_> {}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `String`'s own `deserialize` asks for `deserialize_string`, which serde_json's key
        // reader answers exactly as it answers `deserialize_str`.
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}

/// The keys of one object so far: a short list searched in order, a hash set once the object
/// is large (so a payload with thousands of keys costs no more than `parse`'s map).
#[derive(Default)]
struct Keys<'de> {
    few: Vec<Key<'de>>,
    many: std::collections::HashSet<Key<'de>>,
}

impl<'de> Keys<'de> {
    const FEW: usize = 16;

    /// Adds `key`; gives it back if it was already there.
    fn insert(&mut self, key: Key<'de>) -> Option<Key<'de>> {
        if self.many.is_empty() {
            if self.few.iter().any(|k| k.as_str() == key.as_str()) {
                return Some(key);
            }
            if self.few.len() < Self::FEW {
                self.few.push(key);
                return None;
            }
            self.many.extend(self.few.drain(..));
        }
        if self.many.contains(&key) {
            Some(key)
        } else {
            self.many.insert(key);
            None
        }
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
    fn check_gives_the_verdict_and_error_of_parse() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let texts = [
            r#" {"a": [1, 12.30, -0, 1e3, 20261121000000000000001, "\u00e9"], "b": {}} "#
                .to_owned(),
            r#"{"order": {"lines": [{"sku": "a"}, {"sku": "b", "qty": 1, "sku": "c"}]}}"#
                .to_owned(),
            r#"{"a/b": 1, "a\/b": 2}"#.to_owned(),
            r#"{"a": {"x": 1, "x": 2}, "b": 1, "b": 2}"#.to_owned(),
            format!(r#"{{"a": {}, "a": 1}}"#, deep(MAX_DEPTH + 1)),
            deep(MAX_DEPTH),
            "{\"a\": 1,}".to_owned(),
            "{} x".to_owned(),
            String::new(),
            r#"{"$serde_json::private::Number": "x"}"#.to_owned(),
            r#"[{"$serde_json::private::Number": "12.50", "b": 1}]"#.to_owned(),
        ];
        for text in texts {
            let (parsed, checked) = (parse(text.as_bytes()), check(text.as_bytes()));
            match (&parsed, &checked) {
                (Ok(_), Ok(_)) => {}
                (Err(p), Err(c)) => assert_eq!(format!("{p:?}"), format!("{c:?}"), "{text}"),
                _ => panic!("{text}: {parsed:?} but {checked:?}"),
            }
        }
        // A text whose value differs from what it says.
        for (text, checked) in [
            (
                r#"{"a": {"$serde_json::private::Number": "12.50"}}"#,
                Checked::NumberToken,
            ),
            (
                r#"{"a": {"\u0024serde_json::private::Number": "1"}}"#,
                Checked::NumberToken,
            ),
            (
                r#"{"a": {"b": 1, "$serde_json::private::Number": "1"}}"#,
                Checked::NumberToken,
            ),
            (
                r#"{"a": 12.50, "b": [1e3, 20261121000000000000001]}"#,
                Checked::Plain,
            ),
        ] {
            assert_eq!(check(text.as_bytes()).unwrap(), checked, "{text}");
        }
        let doc = parse(br#"{"a": {"$serde_json::private::Number": "12.50"}}"#).unwrap();
        assert_eq!(doc.to_string(), r#"{"a":12.50}"#);
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
