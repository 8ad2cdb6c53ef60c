//! Repairs that read only the part of the payload their actions use, with the very result of
//! repairing the payload parsed whole (`Rule::repair`): the same repaired bytes, changes and
//! failures.
//!
//! At load time, [`Reach::of`] gathers every pointer a rule's actions use ([`Use`]) into a tree
//! of their tokens, a wildcard being the token of every element or member (`/items/*/qty`:
//! `items`, then any element, then `qty`), and notes at each place what the actions do there:
//! use the value whole (read it, replace it, move it or copy it), add or remove its members,
//! or go through it (where `default` creates the member it goes on to if that is missing). It
//! also finds the anchor: the longest prefix shared by every location they read or replace in
//! place and every container whose members they add or remove, a pointer with wildcards
//! counting as the value before its first wildcard (its matches, and all the action does at
//! them, lie inside that value). Everything the actions do stays inside the anchor.
//!
//! At evaluation, [`Reach::part`] walks the payload's text (`locate`) from the root towards the
//! anchor through objects, and stops at the anchor, at a member that is missing, or at anything
//! but an object: that value is the part. It is built as a document of its own, at its place
//! inside objects that hold only the way to it (so pointers resolve as in the whole payload,
//! and the changes come out with whole-payload pointers), reading its text along the tree:
//! - a value some action uses whole, a value that is neither an object nor an array, and an
//!   array whose elements some action adds or removes, are parsed whole;
//! - an array keeps all its elements, those no pointer goes through as `null` (so indexes and
//!   the length stay);
//! - an object keeps only the members some pointer goes through (a wildcard: all of them);
//!   when an action adds or removes members of it, or a member that a pointer adding one goes
//!   through is missing (`default` creates it), it keeps every other member too, as `null`,
//!   with its key and place.
//!
//! Reading notes what it kept, in document order ([`Mark`]s). Once the actions have run on the
//! part, [`Part::finish`] walks it along those notes (`finish`): the payload's text is copied
//! wherever a value compares equal to its text, a value that changed is written as `splice`
//! writes it, and its changes are listed as `diff` lists them; no copy of the part as read is
//! kept, and the text is not read again but for the values that changed.
//!
//! Why that is exact:
//! - the actions only walk through the objects and arrays on the way (a member by its key, an
//!   element by its index, and a wildcard's every member or element, all kept) and only look at
//!   or change what their pointers reach ([`ActionKind::uses`]), all parsed; every value on the
//!   way keeps its type; so every value they read and every message they fail with is the same;
//! - a member left out or left as `null` is never read, moved or removed, and no action adds or
//!   removes members of an object that leaves some out, nor elements of an array (`finish`
//!   checks both, and leaves the repair to the payload parsed whole if not): so it is the same
//!   before and after, `diff` finds no change there, as it finds none in the whole payload,
//!   and its text is copied as `splice` copies it;
//! - nothing outside the part changes, so the payload around the part's text is copied byte for
//!   byte, as `splice` rewriting the whole payload copies it.
//!
//! What a repair costs so follows the text of the part, read once (its objects and arrays
//! skipped with `scan`'s ends) and copied once, and the values its pointers reach, each read,
//! compared and, if changed, written once: not the size of what lies in between. A wildcard
//! repair of every line of an order reads each line up to the member it repairs, and parses,
//! compares and writes that member's value only.
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

mod finish;
mod tree;

use serde_json::{Map, Value};

use self::{
    finish::Finish,
    tree::{Mark, Node},
};
use super::{
    action::{Action, Use},
    diff::{self, Change},
    locate::Text,
    pointer::Token,
};

/// What a rule's actions use, worked out at load time.
#[derive(Debug, Clone)]
pub(crate) struct Reach {
    /// The anchor's tokens (none is a wildcard).
    anchor: Vec<Token>,
    /// Every pointer the actions use, from the root (none is the root itself).
    tree: Node,
}

impl Reach {
    /// The reach of `actions`; `None` when there are none or one uses the root itself.
    pub(crate) fn of(actions: &[Action]) -> Option<Reach> {
        let mut tree = Node::default();
        let mut anchor: Option<&[Token]> = None;
        for action in actions {
            for used in action.uses() {
                let (pointer, place) = match used {
                    Use::Value(pointer) | Use::Member(pointer) if pointer.has_wildcards() => {
                        (pointer, pointer.fixed())
                    }
                    Use::Value(pointer) => (pointer, pointer.tokens()),
                    Use::Member(pointer) => (pointer, pointer.split_last()?.0),
                };
                if pointer.tokens().is_empty() {
                    return None;
                }
                anchor = Some(anchor.map_or(place, |anchor| common(anchor, place)));
                tree.insert(pointer.tokens(), matches!(used, Use::Member(_)));
            }
        }
        tree.spread();
        Some(Reach {
            anchor: anchor?.to_vec(),
            tree,
        })
    }

    /// The part of `text` the actions need, and the document to apply them to (see the
    /// module's documentation); `None` when that would be the whole payload, or when the text
    /// does not read as expected.
    pub(crate) fn part(&self, text: &Text<'_>) -> Option<(Part<'_>, Value)> {
        let mut span = text.root()?;
        let mut node = &self.tree;
        let mut depth = 0;
        for token in &self.anchor {
            if text.first(span)? != b'{' {
                break;
            }
            match text.member(span, &token.key)? {
                Some(value) => {
                    span = value;
                    node = node.child(token)?;
                    depth += 1;
                }
                None => break,
            }
        }
        if depth == 0 && text.first(span)? != b'{' {
            return None;
        }
        let mut marks = Vec::new();
        let part = node.read(text, span, &mut marks)?;
        let way = self.anchor.get(..depth)?;
        let doc = way.iter().rev().fold(part, |inner, token| {
            Value::Object(Map::from_iter([(token.key.clone(), inner)]))
        });
        Some((Part { way, marks }, doc))
    }
}

/// The longest common prefix of `a` and `b`.
fn common<'t>(a: &'t [Token], b: &[Token]) -> &'t [Token] {
    let len = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    &a[..len]
}

/// A part of a payload, read to be repaired.
#[derive(Debug)]
pub(crate) struct Part<'r> {
    /// The keys of the objects on the way to it.
    way: &'r [Token],
    /// What reading it noted.
    marks: Vec<Mark<'r>>,
}

impl Part<'_> {
    /// The repaired payload and the changes, given `after`, the document [`Reach::part`] gave
    /// with the actions applied: `text` with the part's text rewritten where it changed, and
    /// the changes, as `splice` and `diff` make them (see `finish`). `None` when the text or
    /// `after` does not read as expected.
    pub(crate) fn finish(
        &self,
        text: &Text<'_>,
        mut after: Value,
    ) -> Option<(Vec<u8>, Vec<Change>)> {
        let mut path = String::new();
        let mut part = &mut after;
        for token in self.way {
            // The objects on the way hold only the way (nothing outside the part changes).
            let Value::Object(map) = part else {
                return None;
            };
            if map.len() != 1 {
                return None;
            }
            part = map.get_mut(&token.key)?;
            diff::push_segment(&mut path, &token.key);
        }
        let mut finish = Finish::new(text, path);
        let mut marks = self.marks.iter();
        finish.value(&mut marks, part)?;
        if marks.next().is_some() {
            return None;
        }
        finish.end()
    }
}

#[cfg(test)]
mod tests;
