//! Repairs that read only the part of the payload their actions use, with the very result of
//! repairing the payload parsed whole (`Rule::repair`): the same repaired bytes, changes and
//! failures.
//!
//! At load time, [`Reach::of`] lists every pointer a rule's actions use ([`Use`]) and finds the
//! anchor: the longest prefix shared by every location they read or replace in place and every
//! container whose members they add or remove. Everything the actions do stays inside it. A
//! pointer with wildcards (`/items/*/qty`) counts as the value before its first wildcard
//! (`/items`), read or replaced in place: its matches, and all the action does at them, lie
//! inside that value.
//!
//! At evaluation, [`Reach::part`] walks the payload's text (`locate`) from the root towards the
//! anchor through objects, and stops at the anchor, at a member that is missing, or at anything
//! but an object: that value is the part. It is built as a document of its own, at its place
//! inside objects that hold only the way to it (so pointers resolve as in the whole payload,
//! and the changes come out with whole-payload pointers). Parsed whole when it is not an object
//! or an action uses it itself; else only the members some pointer goes through are parsed, the
//! others stand as `null`, keeping their keys and order. Why that is exact:
//! - the actions only walk through the objects on the way (they exist, by their keys) and only
//!   look at or change what their pointers reach ([`ActionKind::uses`]), all inside the part
//!   and parsed; every value they read and every message they fail with is the same;
//! - a member left as `null` is never read, moved or removed, so it is the same before and
//!   after: `diff` finds no change there, as it finds none in the whole payload, and
//!   `splice::rewrite` copies its text as it would;
//! - nothing outside the part changes, so `splice::rewrite` of the whole payload copies every
//!   byte around the part's text and rewrites that text as it rewrites it here.
//!
//! The whole payload is needed (`part` answers `None`) when the part would be the whole
//! document parsed whole: an action at the root, or a root that is not an object.
//!
//! A rule whose paths are taken from the error message (`capture`) has no reach at load time:
//! its pointers are unknown until evaluation. There, its actions are compiled with their
//! concrete pointers and [`Reach::of`] is worked out from them, exactly as for a rule written
//! with those pointers, so the same reasoning holds.
//!
//! [`ActionKind::uses`]: super::action
//! [`Use`]: super::action::Use

use serde_json::{Map, Value};

use super::{
    action::{Action, Use},
    diff::{self, Change},
    exact,
    locate::{Span, Text},
    pointer::Token,
    splice,
};

/// What a rule's actions use, worked out at load time.
#[derive(Debug, Clone)]
pub(crate) struct Reach {
    /// The tokens of every pointer the actions use (none is the root, none has a wildcard);
    /// all start with the anchor.
    pointers: Vec<Vec<Token>>,
    /// The anchor's length in tokens.
    anchor: usize,
}

impl Reach {
    /// The reach of `actions`; `None` when there are none or one uses the root itself.
    pub(crate) fn of(actions: &[Action]) -> Option<Reach> {
        let mut pointers = Vec::new();
        let mut anchor: Option<&[Token]> = None;
        for action in actions {
            for used in action.uses() {
                let (tokens, place) = match used {
                    Use::Value(pointer) | Use::Member(pointer) if pointer.has_wildcards() => {
                        (pointer.fixed(), pointer.fixed())
                    }
                    Use::Value(pointer) => (pointer.tokens(), pointer.tokens()),
                    Use::Member(pointer) => (pointer.tokens(), pointer.split_last()?.0),
                };
                if tokens.is_empty() {
                    return None;
                }
                anchor = Some(anchor.map_or(place, |anchor| common(anchor, place)));
                pointers.push(tokens.to_vec());
            }
        }
        Some(Reach {
            anchor: anchor?.len(),
            pointers,
        })
    }

    /// The part of `text` the actions need, as a document of its own (see the module's
    /// documentation); `None` when that would be the whole payload, or when the text does not
    /// read as expected.
    pub(crate) fn part(&self, text: &Text<'_>) -> Option<Part<'_>> {
        let anchor = self.pointers.first()?.get(..self.anchor)?;
        let mut span = text.root()?;
        let mut depth = 0;
        for token in anchor {
            if text.first(span)? != b'{' {
                break;
            }
            match text.member(span, &token.key)? {
                Some(value) => {
                    span = value;
                    depth += 1;
                }
                None => break,
            }
        }
        let whole = text.first(span)? != b'{' || self.pointers.iter().any(|p| p.len() == depth);
        let part = if whole {
            if depth == 0 {
                return None;
            }
            exact::parse(text.slice(span)?).ok()?
        } else {
            // Every pointer is longer than `depth` here: its next token names a member it goes
            // through.
            let used = |key: &str| {
                self.pointers
                    .iter()
                    .any(|p| p.get(depth).is_some_and(|token| token.key == key))
            };
            let mut members = Map::new();
            text.each_member(span, |key, value| {
                let value = if used(&key) {
                    exact::parse(text.slice(value)?).ok()?
                } else {
                    Value::Null
                };
                members.insert(key.into_owned(), value);
                Some(())
            })?;
            Value::Object(members)
        };
        let way = anchor.get(..depth)?;
        let doc = way.iter().rev().fold(part, |inner, token| {
            Value::Object(Map::from_iter([(token.key.clone(), inner)]))
        });
        Some(Part { way, span, doc })
    }
}

/// The longest common prefix of `a` and `b`.
fn common<'t>(a: &'t [Token], b: &[Token]) -> &'t [Token] {
    let len = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    &a[..len]
}

/// A part of a payload, ready to be repaired.
#[derive(Debug)]
pub(crate) struct Part<'r> {
    /// The keys of the objects on the way to it.
    way: &'r [Token],
    /// Its text in the payload.
    span: Span,
    /// The part at its place.
    doc: Value,
}

impl Part<'_> {
    /// The document to apply the actions to (a copy of it).
    pub(crate) fn doc(&self) -> &Value {
        &self.doc
    }

    /// The repaired payload and the changes, given `after`, [`Part::doc`] with the actions
    /// applied: `text` with the part's text rewritten, and the diff. `None` when the text does
    /// not read as expected.
    pub(crate) fn finish(&self, text: &Text<'_>, after: &Value) -> Option<(Vec<u8>, Vec<Change>)> {
        let (before, now) = (self.inside(&self.doc)?, self.inside(after)?);
        let rewritten = splice::rewrite(text.slice(self.span)?, before, now)?;
        let src = text.src();
        let mut bytes =
            Vec::with_capacity(src.len() - (self.span.end - self.span.start) + rewritten.len());
        bytes.extend_from_slice(src.get(..self.span.start)?);
        bytes.extend_from_slice(&rewritten);
        bytes.extend_from_slice(src.get(self.span.end..)?);
        Some((bytes, diff::diff(&self.doc, after)))
    }

    /// The part inside `doc`, at the end of the way to it.
    fn inside<'v>(&self, doc: &'v Value) -> Option<&'v Value> {
        self.way
            .iter()
            .try_fold(doc, |value, token| value.get(&token.key))
    }
}
