//! The structural difference between two JSON documents, as a list of changes at JSON Pointers,
//! and its reverse. A repair's changes go into the message's history (see `workflow`), so the
//! console can show what each repair did, and rebuild the payload as first reported from the
//! first repair's output. Pure: no I/O.

use std::fmt::Write as _;

use serde_json::Value;

/// Changes listed per diff at most; a longer diff is cut (see [`Change`] lists' `len`).
pub const MAX_CHANGES: usize = 200;

pub use salvage_model::history::{Change, Op};

/// The changes from `before` to `after` (at most [`MAX_CHANGES`]), objects key by key and
/// arrays index by index.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    diff_into(before, after, &mut String::new(), &mut out);
    out
}

/// [`diff`] of values at `path` (a pointer) in a larger document, added to `out` (which
/// holds the changes before them, and never more than [`MAX_CHANGES`]).
pub(crate) fn diff_into(before: &Value, after: &Value, path: &mut String, out: &mut Vec<Change>) {
    if before != after {
        diff_at(before, after, path, out);
    }
}

/// The changes from `before` to `after`, which differ, at `path` (a pointer). Each value is
/// compared where its parent looks at its members, never again by itself; the pointer is one
/// string, each member's segment added and taken off in turn.
fn diff_at(before: &Value, after: &Value, path: &mut String, out: &mut Vec<Change>) {
    if out.len() >= MAX_CHANGES {
        return;
    }
    // A child equal on both sides has no changes: it is skipped without naming it.
    match (before, after) {
        (Value::Object(b), Value::Object(a)) if b.len() == a.len() && b.keys().eq(a.keys()) => {
            // The same members in the same order (values changed in place): paired in turn.
            for ((k, bv), av) in b.iter().zip(a.values()) {
                if bv != av {
                    child(path, Segment::Key(k), Some(bv), Some(av), out);
                }
            }
        }
        (Value::Object(b), Value::Object(a)) => {
            for (k, bv) in b {
                let av = a.get(k);
                if av != Some(bv) {
                    child(path, Segment::Key(k), Some(bv), av, out);
                }
            }
            for (k, av) in a.iter().filter(|(k, _)| !b.contains_key(*k)) {
                child(path, Segment::Key(k), None, Some(av), out);
            }
        }
        (Value::Array(b), Value::Array(a)) => {
            for i in 0..b.len().max(a.len()) {
                let (bv, av) = (b.get(i), a.get(i));
                if bv != av {
                    child(path, Segment::Index(i), bv, av, out);
                }
            }
        }
        _ => out.push(Change {
            pointer: path.clone(),
            op: Op::Changed,
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
    }
}

/// One segment of a pointer: a member's key or an element's index.
#[derive(Clone, Copy)]
enum Segment<'k> {
    Key(&'k str),
    Index(usize),
}

/// The changes at the member or element `segment` under `path`, whose values `b` and `a`
/// differ (`None`: there is none on that side).
fn child(
    path: &mut String,
    segment: Segment<'_>,
    b: Option<&Value>,
    a: Option<&Value>,
    out: &mut Vec<Change>,
) {
    let len = path.len();
    match segment {
        Segment::Key(key) => push_segment(path, key),
        Segment::Index(i) => {
            // Writing to a `String` cannot fail.
            let _ = write!(path, "/{i}");
        }
    }
    match (b, a) {
        (Some(b), Some(a)) => diff_at(b, a, path, out),
        (b, a) if out.len() < MAX_CHANGES => out.push(Change {
            pointer: path.clone(),
            op: if b.is_none() { Op::Added } else { Op::Removed },
            before: b.cloned(),
            after: a.cloned(),
        }),
        _ => {}
    }
    path.truncate(len);
}

/// `after` taken back through `changes` (a whole [`diff`] from some `before` to it): that
/// `before`, or `None` when the changes do not fit `after` or the diff was cut.
pub fn undo(after: &Value, changes: &[Change]) -> Option<Value> {
    if changes.len() >= MAX_CHANGES {
        return None;
    }
    let mut doc = after.clone();
    // Changed values and added entries, last first (so array indexes stay valid); then removed
    // entries, first first (an array's removed tail goes back in order).
    for c in changes.iter().rev().filter(|c| c.op != Op::Removed) {
        let path = split(&c.pointer);
        match c.op {
            Op::Changed => *pointer_mut(&mut doc, &path)? = c.before.clone()?,
            _ => remove(&mut doc, &path)?,
        }
    }
    for c in changes.iter().filter(|c| c.op == Op::Removed) {
        insert(&mut doc, &split(&c.pointer), c.before.clone()?)?;
    }
    Some(doc)
}

fn pointer_mut<'a>(doc: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    doc.pointer_mut(&join(path))
}

fn remove(doc: &mut Value, path: &[String]) -> Option<()> {
    let (last, parent) = path.split_last()?;
    match pointer_mut(doc, parent)? {
        Value::Object(m) => m.shift_remove(last).map(|_| ()),
        Value::Array(a) => {
            let i: usize = last.parse().ok()?;
            (i < a.len()).then(|| {
                a.remove(i);
            })
        }
        _ => None,
    }
}

fn insert(doc: &mut Value, path: &[String], value: Value) -> Option<()> {
    let (last, parent) = path.split_last()?;
    match pointer_mut(doc, parent)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
            Some(())
        }
        Value::Array(a) => {
            let i: usize = last.parse().ok()?;
            (i <= a.len()).then(|| a.insert(i, value))
        }
        _ => None,
    }
}

/// RFC 6901 segments of a pointer (`~1` is `/`, `~0` is `~`).
pub fn split(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The pointer of `path`'s segments.
pub fn join(path: &[String]) -> String {
    let mut pointer = String::with_capacity(path.iter().map(|s| s.len() + 1).sum());
    for segment in path {
        push_segment(&mut pointer, segment);
    }
    pointer
}

/// Adds `/` and `segment`, escaped (`~` as `~0`, `/` as `~1`), to `pointer`.
pub(crate) fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    if !segment.contains(['~', '/']) {
        pointer.push_str(segment);
        return;
    }
    for c in segment.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn diff_lists_changes_by_pointer_and_undo_takes_them_back() {
        let before = json!({"total": "12.5", "gone": 1, "a/b": [1, 2, 3], "k": {"x": [1]}});
        let after = json!({"total": 12.5, "a/b": [1, 9], "k": {"x": [1, 2, 3]}, "new": true});
        let d = diff(&before, &after);
        let ops: Vec<(&str, &str)> = d
            .iter()
            .map(|c| (c.pointer.as_str(), c.op.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                ("/total", "changed"),
                ("/gone", "removed"),
                ("/a~1b/1", "changed"),
                ("/a~1b/2", "removed"),
                ("/k/x/1", "added"),
                ("/k/x/2", "added"),
                ("/new", "added"),
            ]
        );
        assert_eq!(undo(&after, &d), Some(before.clone()));
        let round: Vec<Change> =
            serde_json::from_value(serde_json::to_value(&d).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(round, d, "stored and read back");
    }

    #[test]
    fn undo_refuses_changes_that_do_not_fit() {
        let d = diff(&json!({"a": 1}), &json!({"a": 2}));
        assert_eq!(undo(&json!({"b": 2}), &d), None);
        assert_eq!(undo(&json!(1), &diff(&json!([1, 2]), &json!([1]))), None);
    }
}
