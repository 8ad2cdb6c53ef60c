//! Structural edits: the six RFC 6902 JSON Patch operations (`add`, `remove`, `replace`,
//! `move`, `copy`, `test`) with the RFC's semantics, plus two friendlier ones built on them:
//! `default` (set a value only if it is missing, creating missing object parents) and `rename`
//! (move a member to a name that must not exist yet, keeping its position when it stays in the
//! same object).
//!
//! Each action's settings come first, then the operations. Every operation reports a location
//! that does not exist as [`Failure::Missing`], so an action marked `optional` can be skipped;
//! any other problem is [`Failure::Invalid`].

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{ActionKind, At, Failure, Use, parse_member, parse_pointer, same_wildcards, to_json};
use crate::{
    pointer::{self, Pointer, Token},
    value::{describe, json_eq, type_name, with_article},
};

/// `{ op = "add", path, value }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Add {
    pub(super) path: String,
    value: toml::Value,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Add {
    type Compiled = (Pointer, Value);

    fn compile(self) -> Result<Self::Compiled, String> {
        Ok((
            parse_member(&self.path, "path")?,
            to_json(self.value, "value")?,
        ))
    }

    fn apply((path, value): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        add(doc, &at.pointer(path), value.clone())
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Member(path)]
    }
}

/// `{ op = "remove", path }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Remove {
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Remove {
    type Compiled = Pointer;

    fn compile(self) -> Result<Self::Compiled, String> {
        parse_member(&self.path, "path")
    }

    fn apply(path: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        remove(doc, &at.pointer(path)).map(drop)
    }

    fn uses(path: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Member(path)]
    }
}

/// `{ op = "replace", path, value }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Replace {
    pub(super) path: String,
    value: toml::Value,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Replace {
    type Compiled = (Pointer, Value);

    fn compile(self) -> Result<Self::Compiled, String> {
        Ok((
            parse_pointer(&self.path, "path")?,
            to_json(self.value, "value")?,
        ))
    }

    fn apply((path, value): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        replace(doc, &at.pointer(path), value.clone())
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// `{ op = "move", from, path }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Move {
    from: String,
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Move {
    /// `from`, `path`.
    type Compiled = (Pointer, Pointer);

    fn compile(self) -> Result<Self::Compiled, String> {
        from_to(&self.from, &self.path, "move")
    }

    fn apply((from, path): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        move_value(doc, &at.pointer(from), &at.pointer(path))
    }

    fn uses((from, path): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Member(from), Use::Member(path)]
    }
}

/// `{ op = "copy", from, path }` (not named `Copy`, which would hide the trait).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CopyValue {
    from: String,
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for CopyValue {
    /// `from`, `path`.
    type Compiled = (Pointer, Pointer);

    fn compile(self) -> Result<Self::Compiled, String> {
        let (from, path) = (
            parse_pointer(&self.from, "from")?,
            parse_member(&self.path, "path")?,
        );
        // One value copied to every match, or each match's own.
        if from.has_wildcards() || !path.has_wildcards() {
            same_wildcards(&from, &path)?;
        }
        Ok((from, path))
    }

    fn apply((from, path): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        copy(doc, &at.pointer(from), &at.pointer(path))
    }

    fn uses((from, path): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(from), Use::Member(path)]
    }
}

/// `{ op = "test", path, value }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Test {
    pub(super) path: String,
    value: toml::Value,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Test {
    type Compiled = (Pointer, Value);

    fn compile(self) -> Result<Self::Compiled, String> {
        Ok((
            parse_pointer(&self.path, "path")?,
            to_json(self.value, "value")?,
        ))
    }

    fn apply((path, value): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        test(doc, &at.pointer(path), value)
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// `{ op = "default", path, value }` (not named `Default`, which would hide the trait).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SetDefault {
    pub(super) path: String,
    value: toml::Value,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for SetDefault {
    type Compiled = (Pointer, Value);

    fn compile(self) -> Result<Self::Compiled, String> {
        Ok((
            parse_member(&self.path, "path")?,
            to_json(self.value, "value")?,
        ))
    }

    fn apply((path, value): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        set_default(doc, &at.pointer(path), value.clone())
    }

    /// Nothing to fill where a wildcard has no container: `default` does nothing there
    /// (rather than create a container that would hold no value).
    fn no_container(_pointer: &str) -> Result<(), Failure> {
        Ok(())
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Member(path)]
    }
}

/// `{ op = "rename", from, path }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Rename {
    from: String,
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Rename {
    /// `from`, `path`.
    type Compiled = (Pointer, Pointer);

    fn compile(self) -> Result<Self::Compiled, String> {
        from_to(&self.from, &self.path, "rename")
    }

    fn apply((from, path): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rename(doc, &at.pointer(from), &at.pointer(path))
    }

    fn uses((from, path): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Member(from), Use::Member(path)]
    }
}

/// `from` and `path` of a move-like action, with the same wildcards (a value moves within
/// each match); moving a value into itself can never work.
fn from_to(from: &str, path: &str, op: &str) -> Result<(Pointer, Pointer), String> {
    let (from_ptr, path_ptr) = (parse_member(from, "from")?, parse_member(path, "path")?);
    same_wildcards(&from_ptr, &path_ptr)?;
    if from_ptr.is_proper_prefix_of(&path_ptr) {
        return Err(format!("cannot {op} `{from}` into its own child `{path}`"));
    }
    Ok((from_ptr, path_ptr))
}

/// RFC 6902 `add`: insert into an array (at an index, or `-` for the end) or set an object
/// member; the parent must exist. The root pointer replaces the whole document.
pub(crate) fn add(doc: &mut Value, path: &Pointer, value: Value) -> Result<(), Failure> {
    let Some((parent_tokens, last)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    let parent = parent_mut(doc, path, parent_tokens)?;
    match parent {
        Value::Object(map) => {
            map.insert(last.key.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let index = insert_index(items, last)?;
            items.insert(index, value);
            Ok(())
        }
        other => Err(not_a_container(path, parent_tokens.len(), other)),
    }
}

/// RFC 6902 `remove`: the target must exist. Returns the removed value.
pub(crate) fn remove(doc: &mut Value, path: &Pointer) -> Result<Value, Failure> {
    let Some((parent_tokens, last)) = path.split_last() else {
        return Err(Failure::Invalid(
            "cannot remove the whole document".to_owned(),
        ));
    };
    let missing = || Failure::Missing(format!("{path} does not exist"));
    match pointer::get_mut(doc, parent_tokens).ok_or_else(missing)? {
        Value::Object(map) => map.shift_remove(&last.key).ok_or_else(missing),
        Value::Array(items) => match last.index {
            Some(index) if index < items.len() => Ok(items.remove(index)),
            _ => Err(missing()),
        },
        _ => Err(missing()),
    }
}

/// RFC 6902 `replace`: the target must exist.
pub(crate) fn replace(doc: &mut Value, path: &Pointer, value: Value) -> Result<(), Failure> {
    let target = path
        .get_mut(doc)
        .ok_or_else(|| Failure::Missing(format!("{path} does not exist")))?;
    *target = value;
    Ok(())
}

/// RFC 6902 `move`: `from` must exist and must not be a proper prefix of `path`.
pub(crate) fn move_value(doc: &mut Value, from: &Pointer, path: &Pointer) -> Result<(), Failure> {
    if from.is_proper_prefix_of(path) {
        return Err(Failure::Invalid(format!(
            "cannot move {from} into its own child {path}"
        )));
    }
    if from == path {
        return from
            .get(doc)
            .map(|_| ())
            .ok_or_else(|| Failure::Missing(format!("{from} does not exist")));
    }
    let value = remove(doc, from)?;
    add(doc, path, value)
}

/// RFC 6902 `copy`: `from` must exist; the copy is added at `path`.
pub(crate) fn copy(doc: &mut Value, from: &Pointer, path: &Pointer) -> Result<(), Failure> {
    let value = from
        .get(doc)
        .cloned()
        .ok_or_else(|| Failure::Missing(format!("{from} does not exist")))?;
    add(doc, path, value)
}

/// RFC 6902 `test`: the target must exist and equal `expected` (numbers by value, objects
/// regardless of member order).
pub(crate) fn test(doc: &Value, path: &Pointer, expected: &Value) -> Result<(), Failure> {
    let actual = path
        .get(doc)
        .ok_or_else(|| Failure::Missing(format!("{path} does not exist")))?;
    if json_eq(actual, expected) {
        Ok(())
    } else {
        Err(Failure::Invalid(format!(
            "test failed: {path} is {}, expected {}",
            describe(actual),
            describe(expected)
        )))
    }
}

/// Sets `path` to `value` only if nothing is there (a present `null` counts as present).
/// Missing object parents are created as empty objects; a missing array element is an error
/// except at the end of the array (index = length, or `-`), where the value is appended.
pub(crate) fn set_default(doc: &mut Value, path: &Pointer, value: Value) -> Result<(), Failure> {
    let Some((parent_tokens, last)) = path.split_last() else {
        return Ok(()); // the document itself always exists
    };
    let mut current = doc;
    for (depth, token) in parent_tokens.iter().enumerate() {
        current = match current {
            Value::Object(map) => map
                .entry(token.key.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => match token.index {
                Some(index) if index < items.len() => &mut items[index],
                _ => {
                    return Err(Failure::Invalid(format!(
                        "cannot create {}: arrays are not extended",
                        path.prefix_text(depth + 1)
                    )));
                }
            },
            other => return Err(not_a_container(path, depth, other)),
        };
    }
    match current {
        Value::Object(map) => {
            map.entry(last.key.clone()).or_insert(value);
            Ok(())
        }
        Value::Array(items) => match last.index {
            Some(index) if index < items.len() => Ok(()),
            Some(index) if index == items.len() => {
                items.push(value);
                Ok(())
            }
            None if last.is_end() => {
                items.push(value);
                Ok(())
            }
            _ => Err(Failure::Invalid(format!(
                "{path} is not a valid position in the array"
            ))),
        },
        other => Err(not_a_container(path, parent_tokens.len(), other)),
    }
}

/// Moves `from` to `path`, which must not exist yet. When both are members of the same
/// object, the member keeps its position, so a renamed field stays where it was.
pub(crate) fn rename(doc: &mut Value, from: &Pointer, path: &Pointer) -> Result<(), Failure> {
    if from.get(doc).is_none() {
        return Err(Failure::Missing(format!("{from} does not exist")));
    }
    if path.get(doc).is_some() {
        return Err(Failure::Invalid(format!("{path} already exists")));
    }
    if let (Some((from_parent, from_last)), Some((to_parent, to_last))) =
        (from.split_last(), path.split_last())
        && from_parent == to_parent
        && let Some(Value::Object(map)) = pointer::get_mut(doc, from_parent)
    {
        let position = map.keys().position(|key| *key == from_last.key);
        if let (Some(position), Some(value)) = (position, map.shift_remove(&from_last.key)) {
            map.shift_insert(position, to_last.key.clone(), value);
            return Ok(());
        }
    }
    move_value(doc, from, path)
}

/// The parent container of `path`, which must exist.
fn parent_mut<'v>(
    doc: &'v mut Value,
    path: &Pointer,
    parent_tokens: &[Token],
) -> Result<&'v mut Value, Failure> {
    pointer::get_mut(doc, parent_tokens).ok_or_else(|| {
        Failure::Missing(format!(
            "parent {} of {path} does not exist",
            path.prefix_text(parent_tokens.len())
        ))
    })
}

/// Where `add` inserts into `items` for `token`: `-` or an index up to the length.
fn insert_index(items: &[Value], token: &Token) -> Result<usize, Failure> {
    if token.is_end() {
        return Ok(items.len());
    }
    match token.index {
        Some(index) if index <= items.len() => Ok(index),
        Some(index) => Err(Failure::Invalid(format!(
            "index {index} is out of bounds (the array has {} item{})",
            items.len(),
            if items.len() == 1 { "" } else { "s" }
        ))),
        None => Err(Failure::Invalid(format!(
            "`{}` is not an array index",
            token.key
        ))),
    }
}

fn not_a_container(path: &Pointer, depth: usize, found: &Value) -> Failure {
    let at = if depth == 0 {
        "the document".to_owned()
    } else {
        path.prefix_text(depth)
    };
    Failure::Invalid(format!(
        "{at} is {}, not an object or array",
        with_article(type_name(found))
    ))
}

#[cfg(test)]
mod tests;
