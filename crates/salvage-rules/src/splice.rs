//! Writing a repaired document by editing the original text: every value the repair left as it
//! was is copied byte for byte (its numbers as written, `1e3` and `12.30`; its string escapes;
//! its whitespace and key order), and only what changed is written anew. Members follow the
//! order of the repaired document; one renamed within its object keeps its original value text.
//!
//! Pure, and never panics: on text that does not match `before` (which cannot happen for the
//! text `before` was parsed from) it answers `None`, and the caller serialises the whole
//! document instead.

use std::{borrow::Cow, cmp::Ordering, collections::HashMap, ops::ControlFlow};

use serde_json::{Map, Value};

use super::scan::{Ends, plain_run};

/// Most members of an object whose members are looked up one after the other rather than
/// through a map.
const FEW_MEMBERS: usize = 16;

/// `after` written as `src` (the text `before` was parsed from) edited where they differ.
pub fn rewrite(src: &[u8], before: &Value, after: &Value) -> Option<Vec<u8>> {
    let start = skip_ws(src, 0);
    let end = value_end(src, start)?;
    let mut out = Vec::with_capacity(src.len() + 64);
    out.extend_from_slice(src.get(..start)?);
    Source { src, ends: None }.write(start, end, before, after, &mut out)?;
    out.extend_from_slice(src.get(end..)?);
    Some(out)
}

/// `after` written as `src[span]` (the text `before` was read from) edited where they
/// differ, added to `out`. `before` may leave out members of objects (a part of the payload
/// read as `partial` reads it): where `after` has the same members, in the same order, those
/// left out keep their text; anything else left out is refused. `ends`: where the containers
/// of `src` end, when `scan` noted it.
pub(crate) fn write_value(
    src: &[u8],
    ends: Option<&Ends>,
    span: std::ops::Range<usize>,
    before: &Value,
    after: &Value,
    out: &mut Vec<u8>,
) -> Option<()> {
    Source { src, ends }.write(span.start, span.end, before, after, out)
}

/// The text being rewritten.
struct Source<'a> {
    src: &'a [u8],
    /// Where its containers end, when known.
    ends: Option<&'a Ends>,
}

impl Source<'_> {
    /// `after` in place of `src[start..end]`, the text of `before`.
    fn write(
        &self,
        start: usize,
        end: usize,
        before: &Value,
        after: &Value,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let src = self.src;
        if before == after {
            out.extend_from_slice(src.get(start..end)?);
            return Some(());
        }
        match (before, after) {
            (Value::Object(b), Value::Object(a)) if same_keys(b, a) => {
                self.write_values(start, end, b, a, out)
            }
            (Value::Object(b), Value::Object(a)) => self.write_members(start, b, a, out),
            (Value::Array(b), Value::Array(a)) => {
                let mut index = 0;
                let mut wrote = false;
                let mut first = None;
                out.push(b'[');
                let (trail, close) = self.each_element(
                    start,
                    |lead, v_start, v_end, out| {
                        let first = *first.get_or_insert((lead, v_start));
                        let bv = b.get(index)?;
                        if let Some(av) = a.get(index) {
                            separator(src, (lead, v_start), first, wrote, out)?;
                            self.write(v_start, v_end, bv, av, out)?;
                            wrote = true;
                        }
                        index += 1;
                        Some(())
                    },
                    out,
                )?;
                for av in a.iter().skip(b.len()) {
                    if std::mem::replace(&mut wrote, true) {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut *out, av).ok()?;
                }
                out.extend_from_slice(src.get(trail..=close)?);
                Some(())
            }
            _ => serde_json::to_writer(out, after).ok(),
        }
    }

    /// The object at `src[start..end]` whose members keep their keys and order (`b` and `a`
    /// have the same keys in the same order, perhaps only some of the text's): its text with
    /// the value of each of them rewritten, everything else copied.
    fn write_values(
        &self,
        start: usize,
        end: usize,
        b: &Map<String, Value>,
        a: &Map<String, Value>,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let mut copied = start;
        let mut pairs = b.iter().zip(a.values());
        let mut next = pairs.next();
        if next.is_some() {
            self.each_member(start, |m| {
                if let Some(((key, bv), av)) = next
                    && key_is(m.quoted, key)?
                {
                    out.extend_from_slice(self.src.get(copied..m.v_start)?);
                    self.write(m.v_start, m.v_end, bv, av, out)?;
                    copied = m.v_end;
                    next = pairs.next();
                }
                // The members after the last of `b` are copied with the rest.
                Some(if next.is_none() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            })?;
        }
        if next.is_some() {
            return None;
        }
        out.extend_from_slice(self.src.get(copied..end)?);
        Some(())
    }

    /// The object at `src[start]` whose members changed (`b` has every member of the text):
    /// members in the order of `a` (a rename keeps its place), each with its original text
    /// where it has one.
    fn write_members(
        &self,
        start: usize,
        b: &Map<String, Value>,
        a: &Map<String, Value>,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let src = self.src;
        let mut items = Vec::new();
        let (trail, close) = self.each_member(start, |m| {
            items.push((key_text(m.quoted)?, m));
            Some(ControlFlow::Continue(()))
        })?;
        if items.len() != b.len() || items.iter().any(|(key, _)| !b.contains_key(key.as_ref())) {
            return None;
        }
        // Members are found by key: in order in an object of a few (no hashing), through a
        // map in a larger one. Either finds the last of a key written twice.
        let index: Option<HashMap<&str, usize>> = (items.len() > FEW_MEMBERS).then(|| {
            items
                .iter()
                .enumerate()
                .map(|(i, (key, _))| (key.as_ref(), i))
                .collect()
        });
        let place = |key: &str| match &index {
            Some(index) => index.get(key).copied(),
            None => items.iter().rposition(|(k, _)| k.as_ref() == key),
        };
        let first = items
            .first()
            .map_or((start + 1, start + 1), |(_, m)| (m.lead, m.key_at));
        let mut reused = vec![false; items.len()];
        let mut wrote = false;
        out.push(b'{');
        for (key, av) in a {
            match place(key) {
                Some(i) => {
                    let (_, m) = items.get(i)?;
                    separator(src, (m.lead, m.key_at), first, wrote, out)?;
                    out.extend_from_slice(src.get(m.key_at..m.v_start)?);
                    self.write(m.v_start, m.v_end, b.get(key.as_str())?, av, out)?;
                }
                None => {
                    if wrote {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut *out, key).ok()?;
                    out.push(b':');
                    // A member that left under another name with this very value: moved.
                    let moved = items.iter().enumerate().position(|(i, (k, _))| {
                        !reused[i] && !a.contains_key(k.as_ref()) && b.get(k.as_ref()) == Some(av)
                    });
                    match moved.and_then(|i| items.get(i).map(|(_, m)| (i, m))) {
                        Some((i, m)) => {
                            reused[i] = true;
                            out.extend_from_slice(src.get(m.v_start..m.v_end)?);
                        }
                        None => serde_json::to_writer(&mut *out, av).ok()?,
                    }
                }
            }
            wrote = true;
        }
        out.extend_from_slice(src.get(trail..=close)?);
        Some(())
    }

    /// Walks the members of the object at `src[start]`, calling `each` with each until it
    /// answers `Break`; returns where the whitespace before its `}` starts, and the `}` (both
    /// `start` after a `Break`).
    fn each_member<'s>(
        &'s self,
        start: usize,
        mut each: impl FnMut(Member<'s>) -> Option<ControlFlow<()>>,
    ) -> Option<(usize, usize)> {
        let src = self.src;
        let mut at = start + 1;
        loop {
            let lead = at;
            let mut i = skip_ws(src, at);
            match *src.get(i)? {
                b'}' => return Some((lead, i)),
                b',' => i = skip_ws(src, i + 1),
                _ => {}
            }
            let key_end = string_end(src, i)?;
            let colon = skip_ws(src, key_end);
            if *src.get(colon)? != b':' {
                return None;
            }
            let v_start = skip_ws(src, colon + 1);
            let v_end = self.value_end(v_start)?;
            let flow = each(Member {
                quoted: src.get(i..key_end)?,
                lead,
                key_at: i,
                v_start,
                v_end,
            })?;
            if flow.is_break() {
                return Some((start, start));
            }
            at = v_end;
        }
    }

    /// Walks the elements of the array at `src[start]`, calling `each(lead_start, value_start,
    /// value_end, out)`; returns where the whitespace before `]` starts, and the `]`.
    fn each_element(
        &self,
        start: usize,
        mut each: impl FnMut(usize, usize, usize, &mut Vec<u8>) -> Option<()>,
        out: &mut Vec<u8>,
    ) -> Option<(usize, usize)> {
        let src = self.src;
        let mut at = start + 1;
        loop {
            let lead = at;
            let mut i = skip_ws(src, at);
            match *src.get(i)? {
                b']' => return Some((lead, i)),
                b',' => i = skip_ws(src, i + 1),
                _ => {}
            }
            let v_end = self.value_end(i)?;
            each(lead, i, v_end, out)?;
            at = v_end;
        }
    }

    /// The end (exclusive) of the value starting at `src[i]`: an object's or array's from
    /// `ends` when known.
    fn value_end(&self, i: usize) -> Option<usize> {
        match (self.ends, self.src.get(i)?) {
            (Some(ends), b'{' | b'[') => ends.get(i).or_else(|| value_end(self.src, i)),
            _ => value_end(self.src, i),
        }
    }
}

/// Whether `b` and `a` have the same keys in the same order.
fn same_keys(b: &Map<String, Value>, a: &Map<String, Value>) -> bool {
    b.len() == a.len() && b.keys().eq(a.keys())
}

/// Whether the key written `quoted` (with its quotes) is `key`; unescaped only when it has
/// escapes.
///
/// Unescaping never lengthens a key and shortens any key with an escape, so the lengths
/// settle most comparisons without looking for escapes: a key written as long as `key` is
/// `key` only when written as its very bytes, without an escape, and one written shorter
/// never is. A key written longer starts with the character `key` starts with, unless it
/// starts with an escape.
pub(crate) fn key_is(quoted: &[u8], key: &str) -> Option<bool> {
    let written = quoted.get(1..quoted.len().checked_sub(1)?)?;
    Some(match written.len().cmp(&key.len()) {
        Ordering::Less => false,
        Ordering::Equal => written == key.as_bytes() && !written.contains(&b'\\'),
        Ordering::Greater => match (written.first(), key.as_bytes().first()) {
            (Some(&w), Some(&k)) if w != k && w != b'\\' => false,
            _ if !written.contains(&b'\\') => false,
            _ => key_text(quoted)? == key,
        },
    })
}

/// Writes the text before a kept member: its own (whitespace and a comma) when something was
/// written before it, else that of the first member (whitespace only).
fn separator(
    src: &[u8],
    lead: (usize, usize),
    first: (usize, usize),
    wrote: bool,
    out: &mut Vec<u8>,
) -> Option<()> {
    let (s, e) = if wrote { lead } else { first };
    let text = src.get(s..e)?;
    if wrote && !text.contains(&b',') {
        out.push(b',');
    }
    out.extend_from_slice(text);
    Some(())
}

/// One member of an object in the original text.
struct Member<'s> {
    /// Its key as written, with the quotes.
    quoted: &'s [u8],
    /// Where the text before the key (whitespace, and the comma) starts.
    lead: usize,
    key_at: usize,
    v_start: usize,
    v_end: usize,
}

/// A key's text, unescaped only when it has escapes.
pub(crate) fn key_text(quoted: &[u8]) -> Option<Cow<'_, str>> {
    if quoted.contains(&b'\\') {
        serde_json::from_slice::<String>(quoted)
            .ok()
            .map(Cow::Owned)
    } else {
        std::str::from_utf8(quoted.get(1..quoted.len() - 1)?)
            .ok()
            .map(Cow::Borrowed)
    }
}

pub(crate) fn skip_ws(src: &[u8], mut i: usize) -> usize {
    while src
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string starting at `src[i]`.
pub(crate) fn string_end(src: &[u8], i: usize) -> Option<usize> {
    if *src.get(i)? != b'"' {
        return None;
    }
    let mut j = i + 1;
    loop {
        // Past the characters that need no look, eight at a time.
        j = plain_run(src, j);
        match *src.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// The end (exclusive) of the value starting at `src[i]`.
pub(crate) fn value_end(src: &[u8], i: usize) -> Option<usize> {
    match *src.get(i)? {
        b'"' => string_end(src, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match *src.get(j)? {
                    b'"' => {
                        j = string_end(src, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while src
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests;
