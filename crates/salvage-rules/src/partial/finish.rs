//! Finishing the repair of a part: one walk over the repaired part, following what reading it
//! noted ([`Mark`]s), that writes the repaired payload and lists the changes exactly as
//! `splice` and `diff` do given the part as read and as repaired, without a copy of the part
//! as read and without reading its text again but for the values that may have changed.
//!
//! An object that kept only the members some pointer goes through, and an array, are as they
//! were read but for their values (no action adds or removes members or elements there: see
//! `partial`; the walk checks it): their kept members and elements are finished in turn, in
//! the order of the text. Any other value (one read whole, an object keeping every member) is
//! compared with its text: unchanged, its text stays; changed, it is written as `splice` writes
//! it and its changes listed as `diff` lists them, under its pointer. Text that stays is copied
//! in one piece up to the next value written. So the text is copied byte for byte wherever
//! nothing changed, the changes come in `diff`'s order (members in the order of the text,
//! elements by index), at most [`MAX_CHANGES`] of them, and a walk costs what reading did.

use std::fmt::Write as _;

use serde_json::Value;

use super::tree::{Mark, Node, Unnoted};
use crate::{
    diff::{self, Change, MAX_CHANGES, Op},
    locate::{Span, Text},
    splice,
};

/// A finishing walk over a payload's text.
pub(super) struct Finish<'t, 'a> {
    text: &'t Text<'a>,
    /// The repaired payload so far.
    out: Vec<u8>,
    /// Where in the text the copy to `out` has got to.
    copied: usize,
    changes: Vec<Change>,
    /// The pointer of the value being finished.
    path: String,
}

impl<'t, 'a> Finish<'t, 'a> {
    /// A walk over `text`, starting at the value whose pointer is `path`.
    pub(super) fn new(text: &'t Text<'a>, path: String) -> Finish<'t, 'a> {
        Finish {
            text,
            out: Vec::with_capacity(text.src().len() + 64),
            copied: 0,
            changes: Vec::new(),
            path,
        }
    }

    /// The repaired payload and the changes, once the part is finished.
    pub(super) fn end(mut self) -> Option<(Vec<u8>, Vec<Change>)> {
        self.copy_to(self.text.src().len())?;
        Some((self.out, self.changes))
    }

    /// Finishes the value whose marks come next, which the actions left as `after` (taking
    /// from it the values of the changes).
    pub(super) fn value<'m, 'r: 'm>(
        &mut self,
        marks: &mut impl Iterator<Item = &'m Mark<'r>>,
        after: &mut Value,
    ) -> Option<()> {
        match *marks.next()? {
            Mark::Whole { node, span } => self.whole(node, span, after),
            Mark::Reached => {
                let Value::Object(kept) = after else {
                    return None;
                };
                let len = kept.len();
                for (key, item) in kept {
                    let Mark::Key(quoted) = *marks.next()? else {
                        return None;
                    };
                    if !splice::key_is(self.text.slice(quoted)?, key)? {
                        return None;
                    }
                    let at = self.path.len();
                    diff::push_segment(&mut self.path, key);
                    self.value(marks, item)?;
                    self.path.truncate(at);
                }
                matches!(marks.next()?, Mark::End(n) if *n == len).then_some(())
            }
            Mark::Array => {
                let Value::Array(items) = after else {
                    return None;
                };
                // Elements no pointer goes through are still `null`.
                let mut unkept = 0;
                loop {
                    match *marks.next()? {
                        Mark::Element(index) => {
                            let all_null = items.get(unkept..index)?.iter().all(Value::is_null);
                            let item = items.get_mut(index).filter(|_| all_null)?;
                            let at = self.path.len();
                            // Writing to a `String` cannot fail.
                            let _ = write!(self.path, "/{index}");
                            self.value(marks, item)?;
                            self.path.truncate(at);
                            unkept = index + 1;
                        }
                        Mark::End(len) => {
                            let rest = items.get(unkept..).filter(|_| items.len() == len)?;
                            return rest.iter().all(Value::is_null).then_some(());
                        }
                        _ => return None,
                    }
                }
            }
            Mark::Key(_) | Mark::Element(_) | Mark::End(_) => None,
        }
    }

    /// A value compared whole, at `span`, read along `node`.
    fn whole(&mut self, node: &Node, span: Span, after: &mut Value) -> Option<()> {
        let text = self.text.slice(span)?;
        if written_as(text, after) {
            return Some(());
        }
        let before = node.read(self.text, span, &mut Unnoted)?;
        if before == *after {
            return Some(());
        }
        self.copy_to(span.start)?;
        splice::write_value(
            self.text.src(),
            self.text.ends(),
            span.start..span.end,
            &before,
            after,
            &mut self.out,
        )?;
        self.copied = span.end;
        match (&before, &*after) {
            (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_)) => {
                diff::diff_into(&before, after, &mut self.path, &mut self.changes);
            }
            _ if self.changes.len() < MAX_CHANGES => self.changes.push(Change {
                pointer: self.path.clone(),
                op: Op::Changed,
                before: Some(before),
                after: Some(std::mem::take(after)),
            }),
            _ => {}
        }
        Some(())
    }

    /// Copies the text from where the copy has got to up to `at`.
    fn copy_to(&mut self, at: usize) -> Option<()> {
        self.out
            .extend_from_slice(self.text.src().get(self.copied..at)?);
        self.copied = at;
        Some(())
    }
}

/// Whether `value` is surely what `text` (a JSON value, as `exact::parse` reads it) reads as,
/// without reading it: a string without escapes of the same characters, a number of the same
/// digits (a number keeps the text it is written with), `true`, `false`, `null`. `false`
/// leaves the question open.
fn written_as(text: &[u8], value: &Value) -> bool {
    match value {
        Value::String(s) => match text {
            [b'"', inner @ .., b'"'] => inner == s.as_bytes() && !inner.contains(&b'\\'),
            _ => false,
        },
        Value::Number(n) => text == n.as_str().as_bytes(),
        Value::Bool(true) => text == b"true",
        Value::Bool(false) => text == b"false",
        Value::Null => text == b"null",
        Value::Array(_) | Value::Object(_) => false,
    }
}
