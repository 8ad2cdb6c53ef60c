//! Repair actions: compiled from a rule's `actions` list and applied, in order, to the parsed
//! payload. This file owns the dispatch; each family of operations lives in its own file
//! (`patch`, `coerce`, `text`, `timestamp`).
//!
//! Every action takes `optional = true|false` (default false): when true, a location the
//! action needs that does not exist (its `path`, its `from`, or the parent it writes into)
//! skips the action instead of failing it. Other problems, such as a value of the wrong type,
//! still fail.

use std::collections::HashMap;

use serde_json::Value;

pub(crate) mod coerce;
mod patch;
mod text;
mod timestamp;

use self::{
    coerce::{CoerceTo, coerce},
    text::{Case, RegexReplace, ValueMap, change_case},
    timestamp::Formats,
};
use super::{pointer::Pointer, raw::RawAction, value::toml_to_json};

/// Why an action could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A location the action needs does not exist (skipped when the action is optional).
    Missing(String),
    /// Anything else.
    Invalid(String),
}

impl Failure {
    /// The reason in words.
    pub(crate) fn message(&self) -> &str {
        match self {
            Failure::Missing(message) | Failure::Invalid(message) => message,
        }
    }
}

/// One compiled action.
#[derive(Debug, Clone)]
pub(crate) struct Action {
    op: Op,
    optional: bool,
    /// `<op> <path>`, for failure reasons.
    label: String,
}

#[derive(Debug, Clone)]
enum Op {
    Add(Pointer, Value),
    Remove(Pointer),
    Replace(Pointer, Value),
    Move {
        from: Pointer,
        path: Pointer,
    },
    Copy {
        from: Pointer,
        path: Pointer,
    },
    Test(Pointer, Value),
    Default(Pointer, Value),
    Rename {
        from: Pointer,
        path: Pointer,
    },
    /// Rewrites the value at a path in place.
    Rewrite(Pointer, Rewrite),
}

#[derive(Debug, Clone)]
enum Rewrite {
    Coerce(CoerceTo),
    Case(Case),
    RegexReplace(RegexReplace),
    Map(ValueMap),
    Timestamp(Formats),
}

impl Action {
    /// Compiles one entry of `actions`: pointers, regexes, maps and formats are checked here.
    pub(crate) fn compile(raw: RawAction) -> Result<Action, String> {
        let (name, path, optional, op) = match raw {
            RawAction::Add {
                path,
                value,
                optional,
            } => {
                let p = pointer(&path, "path")?;
                ("add", path, optional, Op::Add(p, json(value, "value")?))
            }
            RawAction::Remove { path, optional } => (
                "remove",
                path.clone(),
                optional,
                Op::Remove(pointer(&path, "path")?),
            ),
            RawAction::Replace {
                path,
                value,
                optional,
            } => {
                let p = pointer(&path, "path")?;
                (
                    "replace",
                    path,
                    optional,
                    Op::Replace(p, json(value, "value")?),
                )
            }
            RawAction::Move {
                from,
                path,
                optional,
            } => {
                let (from, p) = from_to(&from, &path, "move")?;
                ("move", path, optional, Op::Move { from, path: p })
            }
            RawAction::Copy {
                from,
                path,
                optional,
            } => {
                let (from, p) = (pointer(&from, "from")?, pointer(&path, "path")?);
                ("copy", path, optional, Op::Copy { from, path: p })
            }
            RawAction::Test {
                path,
                value,
                optional,
            } => {
                let p = pointer(&path, "path")?;
                ("test", path, optional, Op::Test(p, json(value, "value")?))
            }
            RawAction::Default {
                path,
                value,
                optional,
            } => {
                let p = pointer(&path, "path")?;
                (
                    "default",
                    path,
                    optional,
                    Op::Default(p, json(value, "value")?),
                )
            }
            RawAction::Rename {
                from,
                path,
                optional,
            } => {
                let (from, p) = from_to(&from, &path, "rename")?;
                ("rename", path, optional, Op::Rename { from, path: p })
            }
            RawAction::Coerce { path, to, optional } => (
                "coerce",
                path.clone(),
                optional,
                rewrite(&path, Rewrite::Coerce(to))?,
            ),
            RawAction::Trim { path, optional } => (
                "trim",
                path.clone(),
                optional,
                rewrite(&path, Rewrite::Case(Case::Trim))?,
            ),
            RawAction::Lowercase { path, optional } => (
                "lowercase",
                path.clone(),
                optional,
                rewrite(&path, Rewrite::Case(Case::Lower))?,
            ),
            RawAction::Uppercase { path, optional } => (
                "uppercase",
                path.clone(),
                optional,
                rewrite(&path, Rewrite::Case(Case::Upper))?,
            ),
            RawAction::RegexReplace {
                path,
                pattern,
                replacement,
                optional,
            } => {
                let compiled = RegexReplace::compile(&pattern, &replacement)?;
                let op = rewrite(&path, Rewrite::RegexReplace(compiled))?;
                ("regex_replace", path, optional, op)
            }
            RawAction::Map {
                path,
                values,
                default,
                optional,
            } => {
                let values = values
                    .into_iter()
                    .map(|(key, value)| Ok((key.clone(), json(value, &format!("values.{key}"))?)))
                    .collect::<Result<HashMap<_, _>, String>>()?;
                let default = default.map(|value| json(value, "default")).transpose()?;
                let op = rewrite(&path, Rewrite::Map(ValueMap::new(values, default)))?;
                ("map", path, optional, op)
            }
            RawAction::Timestamp {
                path,
                formats,
                optional,
            } => {
                let op = rewrite(&path, Rewrite::Timestamp(Formats::compile(&formats)?))?;
                ("timestamp", path, optional, op)
            }
        };
        let label = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{name} {path}")
        };
        Ok(Action {
            op,
            optional,
            label,
        })
    }

    /// `<op> <path>`, e.g. `coerce /total`.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// Applies the action to `doc`. A missing location is not a failure when the action is
    /// optional.
    pub(crate) fn apply(&self, doc: &mut Value) -> Result<(), Failure> {
        match self.apply_op(doc) {
            Err(Failure::Missing(_)) if self.optional => Ok(()),
            result => result,
        }
    }

    fn apply_op(&self, doc: &mut Value) -> Result<(), Failure> {
        match &self.op {
            Op::Add(path, value) => patch::add(doc, path, value.clone()),
            Op::Remove(path) => patch::remove(doc, path).map(drop),
            Op::Replace(path, value) => patch::replace(doc, path, value.clone()),
            Op::Move { from, path } => patch::move_value(doc, from, path),
            Op::Copy { from, path } => patch::copy(doc, from, path),
            Op::Test(path, value) => patch::test(doc, path, value),
            Op::Default(path, value) => patch::set_default(doc, path, value.clone()),
            Op::Rename { from, path } => patch::rename(doc, from, path),
            Op::Rewrite(path, rewrite) => {
                let target = path
                    .get_mut(doc)
                    .ok_or_else(|| Failure::Missing(format!("{path} does not exist")))?;
                let replacement = match rewrite {
                    Rewrite::Coerce(to) => coerce(target, *to),
                    Rewrite::Case(case) => change_case(target, *case).map(Some),
                    Rewrite::RegexReplace(replace) => replace.apply(target).map(Some),
                    Rewrite::Map(map) => map.apply(target).map(Some),
                    Rewrite::Timestamp(formats) => formats.normalise(target).map(Some),
                }
                .map_err(Failure::Invalid)?;
                if let Some(value) = replacement {
                    *target = value;
                }
                Ok(())
            }
        }
    }
}

fn pointer(text: &str, field: &str) -> Result<Pointer, String> {
    Pointer::parse(text).map_err(|e| format!("`{field}`: {e}"))
}

fn json(value: toml::Value, field: &str) -> Result<Value, String> {
    toml_to_json(value).map_err(|e| format!("`{field}`: {e}"))
}

fn rewrite(path: &str, rewrite: Rewrite) -> Result<Op, String> {
    Ok(Op::Rewrite(pointer(path, "path")?, rewrite))
}

/// `from` and `path` of a move-like op; moving a value into itself can never work.
fn from_to(from: &str, path: &str, op: &str) -> Result<(Pointer, Pointer), String> {
    let (from_ptr, path_ptr) = (pointer(from, "from")?, pointer(path, "path")?);
    if from_ptr.is_proper_prefix_of(&path_ptr) {
        return Err(format!("cannot {op} `{from}` into its own child `{path}`"));
    }
    Ok((from_ptr, path_ptr))
}

#[cfg(test)]
mod tests;
