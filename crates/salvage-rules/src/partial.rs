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
//! Why that is exact:
//! - the actions only walk through the objects and arrays on the way (a member by its key, an
//!   element by its index, and a wildcard's every member or element, all kept) and only look at
//!   or change what their pointers reach ([`ActionKind::uses`]), all parsed; every value on the
//!   way keeps its type; so every value they read and every message they fail with is the same;
//! - a member left out or left as `null` is never read, moved or removed, and no action adds or
//!   removes members of an object that leaves some out: so it is the same before and after,
//!   `diff` finds no change there, as it finds none in the whole payload, and `splice` copies
//!   its text as it would;
//! - nothing outside the part changes, so `splice` rewriting the part's text within the whole
//!   payload copies every byte around it and rewrites that text as it rewrites it there.
//!
//! What a repair costs so follows the text of the part (read once, its objects and arrays
//! skipped by `scan`'s ends) and the values its pointers reach, not the size of what lies in
//! between: a wildcard repair of every line of an order parses, copies, compares and rewrites
//! each line's one value, not the lines.
//!
//! The whole payload is needed (`part` answers `None`) when the part would be the whole
//! document parsed whole: an action at the root, or a root that is not an object.
//!
//! [`ActionKind::uses`]: super::action
//! [`Use`]: super::action::Use

use std::ops::ControlFlow;

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
    /// The anchor's tokens (none is a wildcard).
    anchor: Vec<Token>,
    /// Every pointer the actions use, from the root (none is the root itself).
    tree: Node,
}

/// One place of a [`Reach`]'s tree: what the actions do there, and the places below it.
#[derive(Debug, Clone, Default)]
struct Node {
    /// An action uses the value here whole: it is parsed whole.
    whole: bool,
    /// An action adds or removes members of the value here: an object keeps every member, an
    /// array is parsed whole.
    members: bool,
    /// A pointer adding a member goes through here: `default` creates the member it goes on to
    /// if that is missing, so an object missing one of [`Node::children`] keeps every member.
    creates: bool,
    /// The places a token other than a wildcard leads to, with the places a wildcard here leads
    /// to merged into each (so one node tells all about a member or element).
    children: Vec<(Token, Node)>,
    /// The places a wildcard here leads to.
    any: Option<Box<Node>>,
}

/// Which members an object of the part keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Those some pointer goes through.
    Reached,
    /// Every member: those no pointer goes through as `null`.
    All,
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

    /// The part of `text` the actions need, as a document of its own (see the module's
    /// documentation); `None` when that would be the whole payload, or when the text does not
    /// read as expected.
    pub(crate) fn part(&self, text: &Text<'_>) -> Option<Part<'_>> {
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
        let part = node.read(text, span)?;
        let way = self.anchor.get(..depth)?;
        let doc = way.iter().rev().fold(part, |inner, token| {
            Value::Object(Map::from_iter([(token.key.clone(), inner)]))
        });
        Some(Part { way, span, doc })
    }
}

impl Node {
    /// Adds the place `tokens` lead to (not the root), used whole, and the places on the way
    /// to it; `member`: a member is added or removed there.
    fn insert(&mut self, tokens: &[Token], member: bool) {
        let mut node = self;
        let last = tokens.len().saturating_sub(1);
        for (depth, token) in tokens.iter().enumerate() {
            if member && depth == last {
                node.members = true;
            } else if member {
                node.creates = true;
            }
            node = node.child_mut(token);
        }
        node.whole = true;
    }

    /// The node `token` leads to, added if new.
    fn child_mut(&mut self, token: &Token) -> &mut Node {
        if token.wildcard {
            return self.any.get_or_insert_default();
        }
        let at = match self.children.iter().position(|(t, _)| t == token) {
            Some(at) => at,
            None => {
                self.children.push((token.clone(), Node::default()));
                self.children.len() - 1
            }
        };
        &mut self.children[at].1
    }

    /// The node `token` (not a wildcard) leads to, if any.
    fn child(&self, token: &Token) -> Option<&Node> {
        self.children
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, node)| node)
    }

    /// Merges each wildcard's places into those of the tokens beside it, all the way down.
    fn spread(&mut self) {
        let Node { children, any, .. } = self;
        if let Some(any) = any {
            for (_, child) in children.iter_mut() {
                child.merge(any);
            }
            any.spread();
        }
        for (_, child) in children {
            child.spread();
        }
    }

    /// Adds `other`'s places to this node's.
    fn merge(&mut self, other: &Node) {
        self.whole |= other.whole;
        self.members |= other.members;
        self.creates |= other.creates;
        for (token, node) in &other.children {
            self.child_mut(token).merge(node);
        }
        if let Some(any) = &other.any {
            self.any.get_or_insert_default().merge(any);
        }
    }

    /// The node for the member of an object here whose key is written `quoted`, and whether a
    /// token names it (rather than a wildcard); `None` inside when there is none, and `None`
    /// when the key does not read.
    fn member(&self, quoted: &[u8]) -> Option<Option<(&Node, bool)>> {
        for (token, node) in &self.children {
            if splice::key_is(quoted, &token.key)? {
                return Some(Some((node, true)));
            }
        }
        Some(self.any.as_deref().map(|node| (node, false)))
    }

    /// The node for element `index` of an array here.
    fn element(&self, index: usize) -> Option<&Node> {
        self.children
            .iter()
            .find(|(t, _)| t.index == Some(index))
            .map(|(_, node)| node)
            .or(self.any.as_deref())
    }

    /// The value at `span` as the actions need it (see the module's documentation).
    fn read(&self, text: &Text<'_>, span: Span) -> Option<Value> {
        match text.first(span)? {
            b'{' if !self.whole => {
                let keep = if self.members {
                    Keep::All
                } else {
                    Keep::Reached
                };
                let (object, named) = self.read_object(text, span, keep)?;
                if keep == Keep::Reached && self.creates && named < self.children.len() {
                    return self
                        .read_object(text, span, Keep::All)
                        .map(|(object, _)| object);
                }
                Some(object)
            }
            b'[' if !self.whole && !self.members => {
                let mut items = Vec::new();
                text.each_element(span, |index, element| {
                    items.push(match self.element(index) {
                        Some(node) => node.read(text, element)?,
                        None => Value::Null,
                    });
                    Some(())
                })?;
                Some(Value::Array(items))
            }
            b'"' => read_string(text.slice(span)?),
            _ => exact::parse(text.slice(span)?).ok(),
        }
    }

    /// The object at `span` with the members `keep` says, and how many of them a token (not a
    /// wildcard) names. Reading stops once it has every member it keeps.
    fn read_object(&self, text: &Text<'_>, span: Span, keep: Keep) -> Option<(Value, usize)> {
        let mut members = Map::new();
        let mut named = 0;
        let last_kept = |named: usize| {
            keep == Keep::Reached && self.any.is_none() && named == self.children.len()
        };
        text.each_member(span, |quoted, value| {
            let value = match self.member(quoted)? {
                Some((node, by_name)) => {
                    named += usize::from(by_name);
                    node.read(text, value)?
                }
                None if keep == Keep::All => Value::Null,
                None => return Some(ControlFlow::Continue(())),
            };
            members.insert(splice::key_text(quoted)?.into_owned(), value);
            Some(if last_kept(named) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        })?;
        Some((Value::Object(members), named))
    }
}

/// The string written `quoted` (with its quotes), as `exact::parse` reads it: without escapes,
/// its text as it is (the text was vouched for, or checked, as JSON), else parsed.
fn read_string(quoted: &[u8]) -> Option<Value> {
    match quoted.get(1..quoted.len().checked_sub(1)?)? {
        plain if !plain.contains(&b'\\') => {
            Some(Value::String(std::str::from_utf8(plain).ok()?.to_owned()))
        }
        _ => exact::parse(quoted).ok(),
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
        let bytes = splice::rewrite_within(
            text.src(),
            text.ends(),
            self.span.start..self.span.end,
            before,
            now,
        )?;
        Some((bytes, diff::diff(&self.doc, after)))
    }

    /// The part inside `doc`, at the end of the way to it.
    fn inside<'v>(&self, doc: &'v Value) -> Option<&'v Value> {
        self.way
            .iter()
            .try_fold(doc, |value, token| value.get(&token.key))
    }
}
