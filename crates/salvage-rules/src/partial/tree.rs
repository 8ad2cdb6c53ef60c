//! The tree of a [`Reach`](super::Reach): every place a rule's actions use, what they do there,
//! and how the part of a payload is read along it (see `partial`).

use std::ops::ControlFlow;

use serde_json::{Map, Value};

use crate::{
    exact,
    locate::{Span, Text},
    pointer::Token,
    splice,
};

/// One place of the tree: what the actions do there, and the places below it.
#[derive(Debug, Clone, Default)]
pub(super) struct Node {
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

/// What reading a part notes, in document order, so that finishing it (`finish`) follows the
/// repaired part without reading the text again.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mark<'r> {
    /// A value compared whole ([`Shape::Whole`], [`Shape::Keyed`]), read along `node`.
    Whole { node: &'r Node, span: Span },
    /// An object keeping only the members some pointer goes through: each kept member follows
    /// (its [`Mark::Key`] and its marks), then [`Mark::End`] with how many it kept.
    Reached,
    /// A kept member's key as written (with its quotes).
    Key(Span),
    /// An array: each element some pointer goes through follows (its [`Mark::Element`] and its
    /// marks), then [`Mark::End`] with the array's length.
    Array,
    /// A kept element's index.
    Element(usize),
    /// The end of an object (how many members it kept) or an array (its length).
    End(usize),
}

/// Where a reading notes its [`Mark`]s.
pub(super) trait Notes<'r> {
    /// Notes `mark`.
    fn note(&mut self, mark: Mark<'r>);
}

impl<'r> Notes<'r> for Vec<Mark<'r>> {
    fn note(&mut self, mark: Mark<'r>) {
        self.push(mark);
    }
}

/// A reading that notes nothing (a value compared whole, read again).
pub(super) struct Unnoted;

impl Notes<'_> for Unnoted {
    fn note(&mut self, _mark: Mark<'_>) {}
}

/// How a value of the part is read, by its node and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Parsed whole: a value an action uses whole, anything but an object or array, an array
    /// whose elements an action adds or removes.
    Whole,
    /// An object keeping every member, those no pointer goes through as `null`: members are
    /// added or removed here, or may be (`default`, a member on its way missing).
    Keyed,
    /// An object keeping only the members some pointer goes through (a wildcard: all of them).
    Reached,
    /// An array keeping every element, those no pointer goes through as `null`.
    Array,
}

impl Node {
    /// Adds the place `tokens` lead to (not the root), used whole, and the places on the way
    /// to it; `member`: a member is added or removed there.
    pub(super) fn insert(&mut self, tokens: &[Token], member: bool) {
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
    pub(super) fn child(&self, token: &Token) -> Option<&Node> {
        self.children
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, node)| node)
    }

    /// Merges each wildcard's places into those of the tokens beside it, all the way down.
    pub(super) fn spread(&mut self) {
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
    pub(super) fn member(&self, quoted: &[u8]) -> Option<Option<(&Node, bool)>> {
        for (token, node) in &self.children {
            if splice::key_is(quoted, &token.key)? {
                return Some(Some((node, true)));
            }
        }
        Some(self.any.as_deref().map(|node| (node, false)))
    }

    /// The node for element `index` of an array here.
    pub(super) fn element(&self, index: usize) -> Option<&Node> {
        self.children
            .iter()
            .find(|(t, _)| t.index == Some(index))
            .map(|(_, node)| node)
            .or(self.any.as_deref())
    }

    /// Whether an object that keeps only the members a pointer goes through has them all once
    /// it has kept `named` members that a token names: then no member after is kept.
    pub(super) fn has_all(&self, named: usize) -> bool {
        self.any.is_none() && named == self.children.len()
    }

    /// How the value at `span` is read.
    pub(super) fn shape(&self, text: &Text<'_>, span: Span) -> Option<Shape> {
        Some(match text.first(span)? {
            _ if self.whole => Shape::Whole,
            b'{' if self.members || (self.creates && self.misses_a_member(text, span)?) => {
                Shape::Keyed
            }
            b'{' => Shape::Reached,
            b'[' if !self.members => Shape::Array,
            _ => Shape::Whole,
        })
    }

    /// Whether the object at `span` lacks a member that a token here names.
    fn misses_a_member(&self, text: &Text<'_>, span: Span) -> Option<bool> {
        for (token, _) in &self.children {
            if text.member(span, &token.key)?.is_none() {
                return Some(true);
            }
        }
        Some(false)
    }

    /// The value at `span` as the actions need it (see `partial`), noting what it read.
    pub(super) fn read<'r>(
        &'r self,
        text: &Text<'_>,
        span: Span,
        notes: &mut impl Notes<'r>,
    ) -> Option<Value> {
        match self.shape(text, span)? {
            Shape::Whole => {
                notes.note(Mark::Whole { node: self, span });
                read_whole(text.slice(span)?)
            }
            Shape::Keyed => {
                notes.note(Mark::Whole { node: self, span });
                self.read_object(text, span, Shape::Keyed, &mut Unnoted)
            }
            Shape::Reached => {
                notes.note(Mark::Reached);
                self.read_object(text, span, Shape::Reached, notes)
            }
            Shape::Array => {
                notes.note(Mark::Array);
                let mut items = Vec::new();
                text.each_element(span, |index, element| {
                    items.push(match self.element(index) {
                        Some(node) => {
                            notes.note(Mark::Element(index));
                            node.read(text, element, notes)?
                        }
                        None => Value::Null,
                    });
                    Some(())
                })?;
                notes.note(Mark::End(items.len()));
                Some(Value::Array(items))
            }
        }
    }

    /// The object at `span`, read as `shape` (an object's) says, noting its kept members
    /// (and its end). Reading stops once it has every member it keeps.
    fn read_object<'r>(
        &'r self,
        text: &Text<'_>,
        span: Span,
        shape: Shape,
        notes: &mut impl Notes<'r>,
    ) -> Option<Value> {
        // Room for the members kept, when they are known to be few.
        let mut members = match (shape, &self.any) {
            (Shape::Reached, None) => Map::with_capacity(self.children.len()),
            _ => Map::new(),
        };
        let mut named = 0;
        text.each_member(span, |key, value| {
            let quoted = text.slice(key)?;
            let value = match self.member(quoted)? {
                Some((node, by_name)) => {
                    named += usize::from(by_name);
                    notes.note(Mark::Key(key));
                    node.read(text, value, notes)?
                }
                None if shape == Shape::Keyed => Value::Null,
                None => return Some(ControlFlow::Continue(())),
            };
            members.insert(splice::key_text(quoted)?.into_owned(), value);
            Some(if shape == Shape::Reached && self.has_all(named) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        })?;
        notes.note(Mark::End(members.len()));
        Some(Value::Object(members))
    }
}

/// The value written `text`, as `exact::parse` reads it; a string without escapes directly
/// (its text is vouched for, or was checked, as JSON).
fn read_whole(text: &[u8]) -> Option<Value> {
    if let [b'"', inner @ .., b'"'] = text
        && !inner.contains(&b'\\')
    {
        return Some(Value::String(std::str::from_utf8(inner).ok()?.to_owned()));
    }
    exact::parse(text).ok()
}
