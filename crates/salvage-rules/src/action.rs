//! Repair actions: read from a rule's `actions` list, compiled at load time and applied, in
//! order, to the parsed payload.
//!
//! An action is its settings struct (the fields a rule writes, read by serde) implementing
//! [`ActionKind`] (how the settings compile, how the compiled action applies), in the file of
//! its family under `action/`: `patch` (JSON Patch, `default`, `rename`), `coerce`, `text`
//! (`trim`, case, `regex_replace`, `map`, `pad`), `timestamp`, `arith` (`multiply`, `divide`),
//! `strip_bom` (the payload's byte-order mark, which `rule` removes when a rule lists it) and
//! `decode_json` (a string holding JSON). The list below names each action once; from it come
//! the enum serde reads an entry into (tagged by `op`), the enum of compiled actions and both
//! dispatches. ARCHITECTURE.md has the recipe for adding one.
//!
//! Every action takes `optional = true|false` (default false): when true, a location the
//! action needs that does not exist (its `path`, its `from`, or the parent it writes into)
//! skips the action instead of failing it. Other problems, such as a value of the wrong type,
//! still fail.
//!
//! A `path` may hold wildcards (`/items/*/qty`, see `wildcard`): [`Action::apply`] walks its
//! matches and applies the action at each, in document order, with its pointers made concrete
//! ([`At::pointer`]), exactly as a rule listing each concrete path would (`optional` skips a
//! missing location per match). An action that adds or removes the member at its path cannot
//! end it with `*`, and `from` must have the same wildcards as `path` (or, for `copy`, none):
//! both are refused at load time.
//!
//! A `path` or `from` may also take tokens from the error message (`{field}`, see `capture`):
//! such an entry is compiled here again at each evaluation, with its concrete pointers, so an
//! action never sees a template and [`ActionKind::uses`] lists concrete pointers only.

mod arith;
mod coerce;
mod decode_json;
mod patch;
mod strip_bom;
mod text;
mod timestamp;

use std::fmt;

pub(crate) use self::coerce::{CoerceTo, coerce_value};

use serde::Deserialize;
use serde_json::Value;

use super::{
    pointer::Pointer,
    value::toml_to_json,
    wildcard::{At, Step, Walk},
};

/// Generates, from the list of actions: [`RawAction`], the entry as written (one variant per
/// action, its `op` name and its settings); `Op`, the compiled action; and the dispatches
/// (`RawAction::compile`, `Op::apply`, `Op::uses`).
macro_rules! actions {
    ($($op:literal => $variant:ident($settings:ty),)+) => {
        /// One entry of `actions` as written, tagged by `op`. serde's messages name it
        /// (`expected internally tagged enum RawAction`) and list the `op` names in this order.
        #[derive(Debug, Deserialize)]
        #[serde(tag = "op")]
        enum RawAction {
            $(#[serde(rename = $op)] $variant($settings),)+
        }

        /// A compiled action, without its `optional` and label.
        #[derive(Debug, Clone)]
        enum Op {
            $($variant(<$settings as ActionKind>::Compiled),)+
        }

        impl RawAction {
            fn compile(self) -> Result<Action, String> {
                match self {
                    $(RawAction::$variant(settings) => {
                        let label = label($op, &settings.path);
                        let optional = settings.optional;
                        // The path, for the walk of its wildcards (it parses: `compile`,
                        // which parses it too, succeeded).
                        let path = settings.path.clone();
                        let op = Op::$variant(settings.compile()?);
                        let wildcards = Pointer::parse_path(&path)
                            .ok()
                            .filter(Pointer::has_wildcards);
                        Ok(Action { op, optional, label, wildcards })
                    })+
                }
            }
        }

        impl Op {
            fn apply(&self, doc: &mut Value, at: &At) -> Result<(), Failure> {
                match self {
                    $(Op::$variant(compiled) => {
                        <$settings as ActionKind>::apply(compiled, doc, at)
                    })+
                }
            }

            fn no_container(&self, pointer: &str) -> Result<(), Failure> {
                match self {
                    $(Op::$variant(_) => <$settings as ActionKind>::no_container(pointer),)+
                }
            }

            fn uses(&self) -> Vec<Use<'_>> {
                match self {
                    $(Op::$variant(compiled) => <$settings as ActionKind>::uses(compiled),)+
                }
            }
        }

        /// Every `op` name, in order.
        #[cfg(test)]
        const OPS: &[&str] = &[$($op),+];
    };
}

// Every action, one line each: its `op` name, a variant name, its settings struct. The order
// is the order of "expected one of" in the message for an unknown `op`.
actions! {
    "add" => Add(patch::Add),
    "remove" => Remove(patch::Remove),
    "replace" => Replace(patch::Replace),
    "move" => Move(patch::Move),
    "copy" => Copy(patch::CopyValue),
    "test" => Test(patch::Test),
    "default" => Default(patch::SetDefault),
    "rename" => Rename(patch::Rename),
    "coerce" => Coerce(coerce::Coerce),
    "trim" => Trim(text::Trim),
    "lowercase" => Lowercase(text::Lowercase),
    "uppercase" => Uppercase(text::Uppercase),
    "regex_replace" => RegexReplace(text::RegexReplace),
    "map" => Map(text::Map),
    "timestamp" => Timestamp(timestamp::Timestamp),
    "multiply" => Multiply(arith::Multiply),
    "divide" => Divide(arith::Divide),
    "strip_bom" => StripBom(strip_bom::StripBom),
    "pad" => Pad(text::Pad),
    "decode_json" => DecodeJson(decode_json::DecodeJson),
}

/// One kind of action, implemented by its settings: a struct deriving `Deserialize` with
/// `#[serde(deny_unknown_fields)]`, whose fields are what a rule writes besides `op`. Two
/// are required, both `pub(super)` (the list reads them): `path: String`, and `optional: bool`
/// marked `#[serde(default)]`. serde's "expected one of" lists the fields in declaration
/// order.
trait ActionKind {
    /// The settings checked and prepared: pointers parsed, values converted to JSON, regexes
    /// and formats compiled.
    type Compiled: fmt::Debug + Clone;

    /// Checks the settings, at load time. The error is shown after ``rule `r`: action 2: ``;
    /// [`parse_pointer`] and [`to_json`] put the field's name in theirs.
    fn compile(self) -> Result<Self::Compiled, String>;

    /// Applies the action to the payload, at `at`: every pointer the action uses is made
    /// concrete with `at.pointer(path)` first (for a path with wildcards, one match of them;
    /// [`At::NONE`] otherwise). A location that does not exist is [`Failure::Missing`]
    /// (skipped when the action is `optional`), anything else [`Failure::Invalid`].
    fn apply(compiled: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure>;

    /// What the action does where a wildcard of its path has no container to walk, because
    /// `pointer`, on the way to it, does not exist: what a missing location is to it, by
    /// default [`Failure::Missing`]. (`default`, which creates missing parents, has nothing to
    /// put in them there, and does nothing.)
    fn no_container(pointer: &str) -> Result<(), Failure> {
        Err(Failure::Missing(format!("{pointer} does not exist")))
    }

    /// Every location `apply` looks at or changes, and how (so a repair can read no more of
    /// the payload than that: `partial`). Whatever `apply` does elsewhere must be listed. A
    /// pointer with wildcards is listed as it is written: it stands for each of its matches
    /// (see [`Use`]).
    fn uses(compiled: &Self::Compiled) -> Vec<Use<'_>>;
}

/// A location an action uses, as [`ActionKind::uses`] lists them. A pointer with wildcards
/// stands for each of its matches, used as the variant says (the walk to them reads the
/// containers on the way and every element or member where a `*` stands). Every match lies
/// inside the value its tokens before the first wildcard name, and whatever the action adds or
/// removes lies strictly inside a match (a path that adds or removes members cannot end with
/// `*`), so that value keeps its place and only changes within (and `partial` finds the part
/// of a payload to read inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use<'a> {
    /// Reads the value there, or replaces it in place (its parent keeps the same members in
    /// the same order). Nothing is read or changed outside it but the containers on its way,
    /// which are only walked through.
    Value(&'a Pointer),
    /// Adds or removes the member or element there (or creates it, and missing objects on its
    /// way, as `default` does): its parent's members change. What is moved in or out is read
    /// or written whole.
    Member(&'a Pointer),
}

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
    /// The path, when it has wildcards: the action applies at each of its matches.
    wildcards: Option<Pointer>,
}

impl Action {
    /// Reads and compiles one entry of `actions`: unknown ops and fields are refused, and
    /// pointers, regexes, maps and formats are checked here.
    pub(crate) fn parse(entry: toml::Value) -> Result<Action, String> {
        let raw: RawAction = entry
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_owned())?;
        raw.compile()
    }

    /// `<op> <path>`, e.g. `coerce /total`.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// Whether the action is `strip_bom`: the repaired payload goes without the byte-order mark
    /// the payload came with (the document itself is not touched; see `rule`).
    pub(crate) fn strips_bom(&self) -> bool {
        matches!(self.op, Op::StripBom(()))
    }

    /// The locations the action uses (see [`ActionKind::uses`]).
    pub(crate) fn uses(&self) -> Vec<Use<'_>> {
        self.op.uses()
    }

    /// Applies the action to `doc`: once, or, when its path has wildcards, at each match in
    /// document order, stopping at the first failure. A missing location is not a failure
    /// when the action is optional (with wildcards: that match is skipped). A failure at a
    /// match names it: a missing location by its concrete pointer, as without wildcards; any
    /// other reason is prefixed with `at <the concrete path>: `.
    pub(crate) fn apply(&self, doc: &mut Value) -> Result<(), Failure> {
        let Some(path) = &self.wildcards else {
            return self.tolerate(self.op.apply(doc, &At::NONE));
        };
        let mut walk = Walk::new(path);
        while let Some(step) = walk.next(doc) {
            let result = match step {
                Step::At(at) => self.op.apply(doc, at).map_err(|failure| match failure {
                    Failure::Invalid(reason) => {
                        Failure::Invalid(format!("at {}: {reason}", at.pointer(path)))
                    }
                    missing @ Failure::Missing(_) => missing,
                }),
                Step::Missing(pointer) => self.op.no_container(&pointer),
                Step::NotContainer(reason) => Err(Failure::Invalid(reason)),
            };
            self.tolerate(result)?;
        }
        Ok(())
    }

    /// `result`, with a missing location forgiven when the action is optional.
    fn tolerate(&self, result: Result<(), Failure>) -> Result<(), Failure> {
        match result {
            Err(Failure::Missing(_)) if self.optional => Ok(()),
            result => result,
        }
    }
}

/// `<op> <path>`, or `<op>` for the whole document.
fn label(op: &str, path: &str) -> String {
    if path.is_empty() {
        op.to_owned()
    } else {
        format!("{op} {path}")
    }
}

/// Parses the pointer in the settings' `field`, where `*` tokens are wildcards.
fn parse_pointer(text: &str, field: &str) -> Result<Pointer, String> {
    Pointer::parse_path(text).map_err(|e| format!("`{field}`: {e}"))
}

/// Parses the pointer in the settings' `field` naming a member or element the action adds or
/// removes (`add`, `remove`, `default`, `move`, `rename`, the `path` of `copy`): it cannot end
/// with a wildcard, which stands for members as they are while the action changes which there
/// are.
fn parse_member(text: &str, field: &str) -> Result<Pointer, String> {
    let pointer = parse_pointer(text, field)?;
    if pointer.split_last().is_some_and(|(_, last)| last.wildcard) {
        return Err(format!(
            "`{field}`: `{text}` cannot end with `*` here: this action adds or removes the \
             member at its end, and `*` stands for the members there are (a wildcard before \
             the last token is fine: `/items/*/note`)"
        ));
    }
    Ok(pointer)
}

/// Checks that `from` and `path` have the same wildcards: `*` at the same places, with the
/// same tokens up to the last one, so the action applies within each match.
fn same_wildcards(from: &Pointer, path: &Pointer) -> Result<(), String> {
    if from.scope() == path.scope() {
        return Ok(());
    }
    Err(format!(
        "`from` ({from}) and `path` ({path}) must have the same wildcards: `*` at the same \
         places, with the same tokens up to the last one, as in `/items/*/quantity` and \
         `/items/*/qty` (the action applies within each match)"
    ))
}

/// Converts the TOML value in the settings' `field` to JSON.
fn to_json(value: toml::Value, field: &str) -> Result<Value, String> {
    toml_to_json(value).map_err(|e| format!("`{field}`: {e}"))
}

/// Applies an action that rewrites the value at `path` in place (a concrete pointer:
/// `at.pointer(path)`): `new_value` gets the current value and returns its replacement, `None`
/// to keep it, or why it cannot. A `path` that does not exist is [`Failure::Missing`].
fn rewrite(
    doc: &mut Value,
    path: &Pointer,
    new_value: impl FnOnce(&Value) -> Result<Option<Value>, String>,
) -> Result<(), Failure> {
    let target = path
        .get_mut(doc)
        .ok_or_else(|| Failure::Missing(format!("{path} does not exist")))?;
    if let Some(value) = new_value(target).map_err(Failure::Invalid)? {
        *target = value;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
