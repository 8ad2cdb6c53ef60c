//! Actions that rewrite one scalar value: `trim`, `lowercase`, `uppercase`, `regex_replace`,
//! `map` and `pad`. Each takes the current value and returns its replacement, or a reason.
//!
//! `pad` (`{ op = "pad", path, width, with, side }`) pads a string to `width` characters
//! (Unicode scalar values, not bytes) by repeating the one character `with` on its `side`
//! (`"left"`, the default, or `"right"`): `"1234"` to width 5 with `"0"` is `"01234"`. A string
//! already `width` characters or longer is kept as it is (never truncated, and not a change).
//! `with` has no default (`"0"` for zip codes and ids, `" "` for fixed-width text: a guess
//! would be wrong half the time). It refuses anything but a string, numbers too (`01234` is
//! not a JSON number): `coerce` with `to = "string"` first, in the same rule. Refused at load
//! time: `with` not exactly one character, `width` 0 or over 1,000,000, a `side` other than
//! `left` or `right`.

use std::collections::HashMap;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use super::{ActionKind, At, Failure, Use, parse_pointer, rewrite, to_json};
use crate::{
    pointer::Pointer,
    value::{describe, type_name},
};

/// `{ op = "trim", path }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Trim {
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Trim {
    type Compiled = Pointer;

    fn compile(self) -> Result<Self::Compiled, String> {
        parse_pointer(&self.path, "path")
    }

    fn apply(path: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| {
            change_case(value, Case::Trim).map(Some)
        })
    }

    fn uses(path: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// `{ op = "lowercase", path }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Lowercase {
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Lowercase {
    type Compiled = Pointer;

    fn compile(self) -> Result<Self::Compiled, String> {
        parse_pointer(&self.path, "path")
    }

    fn apply(path: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| {
            change_case(value, Case::Lower).map(Some)
        })
    }

    fn uses(path: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// `{ op = "uppercase", path }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Uppercase {
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Uppercase {
    type Compiled = Pointer;

    fn compile(self) -> Result<Self::Compiled, String> {
        parse_pointer(&self.path, "path")
    }

    fn apply(path: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| {
            change_case(value, Case::Upper).map(Some)
        })
    }

    fn uses(path: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// `{ op = "regex_replace", path, pattern, replacement }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegexReplace {
    pub(super) path: String,
    pattern: String,
    replacement: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for RegexReplace {
    type Compiled = (Pointer, Substitution);

    fn compile(self) -> Result<Self::Compiled, String> {
        let substitution = Substitution::compile(&self.pattern, &self.replacement)?;
        Ok((parse_pointer(&self.path, "path")?, substitution))
    }

    fn apply(
        (path, substitution): &Self::Compiled,
        doc: &mut Value,
        at: &At,
    ) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| {
            substitution.apply(value).map(Some)
        })
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// `{ op = "map", path, values = { ... }, default }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Map {
    pub(super) path: String,
    values: toml::Table,
    default: Option<toml::Value>,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Map {
    type Compiled = (Pointer, ValueMap);

    fn compile(self) -> Result<Self::Compiled, String> {
        let values = self
            .values
            .into_iter()
            .map(|(key, value)| Ok((key.clone(), to_json(value, &format!("values.{key}"))?)))
            .collect::<Result<HashMap<_, _>, String>>()?;
        let default = self
            .default
            .map(|value| to_json(value, "default"))
            .transpose()?;
        let map = ValueMap::new(values, default);
        Ok((parse_pointer(&self.path, "path")?, map))
    }

    fn apply((path, map): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| map.apply(value).map(Some))
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// `{ op = "pad", path, width, with, side }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Pad {
    pub(super) path: String,
    width: usize,
    with: String,
    #[serde(default)]
    side: Side,
    #[serde(default)]
    pub(super) optional: bool,
}

/// The largest `width` a `pad` takes: far beyond any field a payload pads, and a bound on
/// what one action can add to a payload.
const MAX_PAD_WIDTH: usize = 1_000_000;

impl ActionKind for Pad {
    type Compiled = (Pointer, Padding);

    fn compile(self) -> Result<Self::Compiled, String> {
        let padding = Padding::compile(self.width, &self.with, self.side)?;
        Ok((parse_pointer(&self.path, "path")?, padding))
    }

    fn apply((path, padding): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| padding.apply(value))
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// The side of the string `pad` adds its characters to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Side {
    /// In front (`"01234"`): the default, for zip codes and ids.
    #[default]
    Left,
    /// Behind (`"AB   "`).
    Right,
}

/// A compiled `pad`.
#[derive(Debug, Clone)]
pub(crate) struct Padding {
    width: usize,
    fill: char,
    side: Side,
}

impl Padding {
    /// Checks the settings: `width` from 1 to [`MAX_PAD_WIDTH`], `with` exactly one character.
    pub(crate) fn compile(width: usize, with: &str, side: Side) -> Result<Padding, String> {
        if width == 0 || width > MAX_PAD_WIDTH {
            return Err(format!(
                "`width`: from 1 to {MAX_PAD_WIDTH} characters, not {width}"
            ));
        }
        let mut chars = with.chars();
        let (Some(fill), None) = (chars.next(), chars.next()) else {
            return Err(format!(
                "`with`: exactly one character to pad with, not {with:?} ({} characters)",
                with.chars().count()
            ));
        };
        Ok(Padding { width, fill, side })
    }

    /// The string padded to `width` characters, `None` when it already has that many or
    /// more; anything but a string fails.
    pub(crate) fn apply(&self, value: &Value) -> Result<Option<Value>, String> {
        let Value::String(text) = value else {
            return Err(format!(
                "pad takes a string, found {}: turn it into one first with \
                 `{{ op = \"coerce\", path, to = \"string\" }}` in the same rule",
                describe(value)
            ));
        };
        let missing = self.width.saturating_sub(text.chars().count());
        if missing == 0 {
            return Ok(None);
        }
        let fill: String = std::iter::repeat_n(self.fill, missing).collect();
        Ok(Some(Value::String(match self.side {
            Side::Left => fill + text,
            Side::Right => text.clone() + &fill,
        })))
    }
}

/// `trim`, `lowercase` and `uppercase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Trim,
    Lower,
    Upper,
}

/// Applies a string operation; the value must be a string.
pub(crate) fn change_case(value: &Value, case: Case) -> Result<Value, String> {
    let text = expect_string(value)?;
    Ok(Value::String(match case {
        Case::Trim => text.trim().to_owned(),
        Case::Lower => text.to_lowercase(),
        Case::Upper => text.to_uppercase(),
    }))
}

/// A compiled `regex_replace`.
#[derive(Debug, Clone)]
pub(crate) struct Substitution {
    regex: Regex,
    replacement: String,
}

impl Substitution {
    /// Compiles `pattern` and checks that every `$name` / `${name}` in `replacement` refers to
    /// a group of the pattern (the regex crate would silently substitute nothing, and `$1a`
    /// means the group named `1a`, a classic surprise).
    pub(crate) fn compile(pattern: &str, replacement: &str) -> Result<Substitution, String> {
        let regex = Regex::new(pattern).map_err(|e| format!("invalid regex in `pattern`: {e}"))?;
        for group in group_references(replacement) {
            let known = match group.parse::<usize>() {
                Ok(number) => number < regex.captures_len(),
                Err(_) => regex.capture_names().flatten().any(|name| name == group),
            };
            if !known {
                return Err(format!(
                    "`replacement` refers to group `{group}`, which `pattern` does not have \
                     (write `${{1}}x` rather than `$1x` when a letter follows)"
                ));
            }
        }
        Ok(Substitution {
            regex,
            replacement: replacement.to_owned(),
        })
    }

    /// Replaces every match in the value, which must be a string.
    pub(crate) fn apply(&self, value: &Value) -> Result<Value, String> {
        let text = expect_string(value)?;
        Ok(Value::String(
            self.regex
                .replace_all(text, self.replacement.as_str())
                .into_owned(),
        ))
    }
}

/// The group names and numbers a replacement string refers to, following the regex crate's
/// syntax: `$$` is a literal `$`, `${name}` is braced, `$name` takes the longest run of
/// `[_0-9A-Za-z]`.
fn group_references(replacement: &str) -> Vec<&str> {
    let mut groups = Vec::new();
    let mut rest = replacement;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            rest = after;
        } else if let Some(braced) = rest.strip_prefix('{') {
            if let Some(end) = braced.find('}') {
                groups.push(&braced[..end]);
                rest = &braced[end + 1..];
            }
        } else {
            let end = rest
                .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                .unwrap_or(rest.len());
            if end > 0 {
                groups.push(&rest[..end]);
            }
            rest = &rest[end..];
        }
    }
    groups
}

/// A compiled `map`: looks up the value's string form.
#[derive(Debug, Clone)]
pub(crate) struct ValueMap {
    values: HashMap<String, Value>,
    default: Option<Value>,
}

impl ValueMap {
    /// Builds the lookup table from already-converted entries.
    pub(crate) fn new(values: HashMap<String, Value>, default: Option<Value>) -> ValueMap {
        ValueMap { values, default }
    }

    /// The mapped value. Strings are looked up as they are, numbers by their JSON text and
    /// else by value (`1.50` finds the key `"1.5"`), booleans as `true`/`false` and null as
    /// `null`; objects and arrays cannot be mapped.
    pub(crate) fn apply(&self, value: &Value) -> Result<Value, String> {
        let key = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".to_owned(),
            Value::Array(_) | Value::Object(_) => {
                return Err(format!("cannot map {}", describe(value)));
            }
        };
        let by_value = || match value {
            Value::Number(n) => self
                .values
                .iter()
                .find(|(k, _)| crate::number::text_eq(k, n.as_str()))
                .map(|(_, v)| v),
            _ => None,
        };
        self.values
            .get(&key)
            .or_else(by_value)
            .or(self.default.as_ref())
            .cloned()
            .ok_or_else(|| format!("no mapping for {} and no default", describe(value)))
    }
}

fn expect_string(value: &Value) -> Result<&str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("expected a string, found {}", type_name(value)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changes_case_of_strings_only() {
        let value = json!("  Ada@Example.COM ");
        assert_eq!(
            change_case(&value, Case::Trim).unwrap(),
            json!("Ada@Example.COM")
        );
        assert_eq!(
            change_case(&value, Case::Lower).unwrap(),
            json!("  ada@example.com ")
        );
        assert_eq!(
            change_case(&value, Case::Upper).unwrap(),
            json!("  ADA@EXAMPLE.COM ")
        );
        assert_eq!(
            change_case(&json!(1), Case::Trim).unwrap_err(),
            "expected a string, found number"
        );
    }

    #[test]
    fn replaces_with_groups() {
        let phone = Substitution::compile(r"^\s*(\+)|[^0-9]", "$1").unwrap();
        assert_eq!(
            phone.apply(&json!(" +49 (30) 123+45")).unwrap(),
            json!("+493012345")
        );
        assert_eq!(
            phone.apply(&json!("030/123 45")).unwrap(),
            json!("03012345")
        );
        let swap = Substitution::compile(r"(?P<d>\d+)/(?P<m>\d+)", "${m}-${d}").unwrap();
        assert_eq!(swap.apply(&json!("22/11")).unwrap(), json!("11-22"));
        let literal = Substitution::compile("x", "$$").unwrap();
        assert_eq!(literal.apply(&json!("axb")).unwrap(), json!("a$b"));
        assert_eq!(
            phone.apply(&json!(null)).unwrap_err(),
            "expected a string, found null"
        );
    }

    #[test]
    fn rejects_unknown_groups_and_bad_patterns() {
        let err = Substitution::compile(r"(\d)", "$1a").unwrap_err();
        assert!(err.contains("group `1a`"), "{err}");
        assert!(Substitution::compile(r"(\d)", "$2").is_err());
        assert!(Substitution::compile(r"(\d)", "${1}a").is_ok());
        let err = Substitution::compile("(", "").unwrap_err();
        assert!(err.starts_with("invalid regex in `pattern`"), "{err}");
    }

    #[test]
    fn pads_strings_by_characters() {
        let zip = Padding::compile(5, "0", Side::Left).unwrap();
        assert_eq!(zip.apply(&json!("1234")).unwrap(), Some(json!("01234")));
        assert_eq!(zip.apply(&json!("")).unwrap(), Some(json!("00000")));
        // At or over the width: kept, not truncated.
        assert_eq!(zip.apply(&json!("12345")).unwrap(), None);
        assert_eq!(zip.apply(&json!("123456")).unwrap(), None);
        // Characters, not bytes: "ü" is two bytes, one character.
        let right = Padding::compile(4, "·", Side::Right).unwrap();
        assert_eq!(right.apply(&json!("ü")).unwrap(), Some(json!("ü···")));
        assert_eq!(right.apply(&json!("Müll")).unwrap(), None);
        assert_eq!(
            zip.apply(&json!(1234)).unwrap_err(),
            "pad takes a string, found number 1234: turn it into one first with \
             `{ op = \"coerce\", path, to = \"string\" }` in the same rule"
        );
        assert_eq!(
            zip.apply(&json!(null)).unwrap_err(),
            "pad takes a string, found null: turn it into one first with \
             `{ op = \"coerce\", path, to = \"string\" }` in the same rule"
        );
    }

    #[test]
    fn refuses_bad_padding_settings() {
        assert_eq!(
            Padding::compile(0, "0", Side::Left).unwrap_err(),
            "`width`: from 1 to 1000000 characters, not 0"
        );
        assert_eq!(
            Padding::compile(1_000_001, "0", Side::Left).unwrap_err(),
            "`width`: from 1 to 1000000 characters, not 1000001"
        );
        assert!(Padding::compile(1_000_000, "0", Side::Left).is_ok());
        assert_eq!(
            Padding::compile(5, "", Side::Left).unwrap_err(),
            "`with`: exactly one character to pad with, not \"\" (0 characters)"
        );
        assert_eq!(
            Padding::compile(5, "00", Side::Left).unwrap_err(),
            "`with`: exactly one character to pad with, not \"00\" (2 characters)"
        );
        // One character of several bytes is one character.
        assert!(Padding::compile(5, "é", Side::Right).is_ok());
    }

    #[test]
    fn maps_by_string_form() {
        let map = ValueMap::new(
            HashMap::from([
                ("cc".to_owned(), json!("card")),
                ("1".to_owned(), json!("one")),
                ("true".to_owned(), json!("yes")),
            ]),
            None,
        );
        assert_eq!(map.apply(&json!("cc")).unwrap(), json!("card"));
        assert_eq!(map.apply(&json!(1)).unwrap(), json!("one"));
        // Numbers are found by value too, whatever their digits.
        for text in ["1.0", "1e0", "1.00"] {
            let n: Value = serde_json::from_str(text).unwrap();
            assert_eq!(map.apply(&n).unwrap(), json!("one"), "{text}");
        }
        assert!(map.apply(&json!(1.5)).is_err());
        assert_eq!(map.apply(&json!(true)).unwrap(), json!("yes"));
        assert_eq!(
            map.apply(&json!("CC")).unwrap_err(),
            "no mapping for string \"CC\" and no default"
        );
        assert_eq!(map.apply(&json!([1])).unwrap_err(), "cannot map an array");
        let with_default = ValueMap::new(HashMap::new(), Some(json!("other")));
        assert_eq!(with_default.apply(&json!("zzz")).unwrap(), json!("other"));
    }
}
