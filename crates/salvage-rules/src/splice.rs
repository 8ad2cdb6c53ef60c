//! Writing a repaired document by editing the original text: every value the repair left as it
//! was is copied byte for byte (its numbers as written, `1e3` and `12.30`; its string escapes;
//! its whitespace and key order), and only what changed is written anew. Members follow the
//! order of the repaired document; one renamed within its object keeps its original value text.
//!
//! Pure, and never panics: on text that does not match `before` (which cannot happen for the
//! text `before` was parsed from) it answers `None`, and the caller serialises the whole
//! document instead.

use std::{borrow::Cow, collections::HashMap};

use serde_json::Value;

/// `after` written as `src` (the text `before` was parsed from) edited where they differ.
pub fn rewrite(src: &[u8], before: &Value, after: &Value) -> Option<Vec<u8>> {
    let start = skip_ws(src, 0);
    let end = value_end(src, start)?;
    let mut out = Vec::with_capacity(src.len() + 64);
    out.extend_from_slice(src.get(..start)?);
    write(src, start, end, before, after, &mut out)?;
    out.extend_from_slice(src.get(end..)?);
    Some(out)
}

/// `after` in place of `src[start..end]`, the text of `before`.
fn write(
    src: &[u8],
    start: usize,
    end: usize,
    before: &Value,
    after: &Value,
    out: &mut Vec<u8>,
) -> Option<()> {
    if before == after {
        out.extend_from_slice(src.get(start..end)?);
        return Some(());
    }
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            // Members in the order of `after` (a rename keeps its place), each with its original
            // text where it has one.
            let (items, trail, close) = object_members(src, start)?;
            if items.len() != b.len() || items.iter().any(|m| !b.contains_key(m.key.as_ref())) {
                return None;
            }
            let index: HashMap<&str, usize> = items
                .iter()
                .enumerate()
                .map(|(i, m)| (m.key.as_ref(), i))
                .collect();
            let first = items
                .first()
                .map_or((start + 1, start + 1), |m| (m.lead, m.key_at));
            let mut reused = vec![false; items.len()];
            let mut wrote = false;
            out.push(b'{');
            for (key, av) in a {
                match index.get(key.as_str()) {
                    Some(&i) => {
                        let m = items.get(i)?;
                        separator(src, (m.lead, m.key_at), first, wrote, out)?;
                        out.extend_from_slice(src.get(m.key_at..m.v_start)?);
                        write(src, m.v_start, m.v_end, b.get(key.as_str())?, av, out)?;
                    }
                    None => {
                        if wrote {
                            out.push(b',');
                        }
                        serde_json::to_writer(&mut *out, key).ok()?;
                        out.push(b':');
                        // A member that left under another name with this very value: moved.
                        let moved = items.iter().enumerate().position(|(i, m)| {
                            !reused[i]
                                && !a.contains_key(m.key.as_ref())
                                && b.get(m.key.as_ref()) == Some(av)
                        });
                        match moved.and_then(|i| items.get(i).map(|m| (i, m))) {
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
        (Value::Array(b), Value::Array(a)) => {
            let mut index = 0;
            let mut wrote = false;
            let mut first = None;
            out.push(b'[');
            let (trail, close) = members_of_array(
                src,
                start,
                |lead, v_start, v_end, out| {
                    let first = *first.get_or_insert((lead, v_start));
                    let bv = b.get(index)?;
                    if let Some(av) = a.get(index) {
                        separator(src, (lead, v_start), first, wrote, out)?;
                        write(src, v_start, v_end, bv, av, out)?;
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
    key: Cow<'s, str>,
    /// Where the text before the key (whitespace, and the comma) starts.
    lead: usize,
    key_at: usize,
    v_start: usize,
    v_end: usize,
}

/// The members of the object at `src[start]`, where the whitespace before its `}` starts, and
/// the `}`.
fn object_members(src: &[u8], start: usize) -> Option<(Vec<Member<'_>>, usize, usize)> {
    let mut items = Vec::new();
    let mut at = start + 1;
    loop {
        let lead = at;
        let mut i = skip_ws(src, at);
        match *src.get(i)? {
            b'}' => return Some((items, lead, i)),
            b',' => i = skip_ws(src, i + 1),
            _ => {}
        }
        let key_end = string_end(src, i)?;
        let key = key_text(src.get(i..key_end)?)?;
        let colon = skip_ws(src, key_end);
        if *src.get(colon)? != b':' {
            return None;
        }
        let v_start = skip_ws(src, colon + 1);
        let v_end = value_end(src, v_start)?;
        items.push(Member {
            key,
            lead,
            key_at: i,
            v_start,
            v_end,
        });
        at = v_end;
    }
}

/// Walks the elements of the array at `src[start]`, calling `each(lead_start, value_start,
/// value_end, out)`; returns where the whitespace before `]` starts, and the `]`.
fn members_of_array(
    src: &[u8],
    start: usize,
    mut each: impl FnMut(usize, usize, usize, &mut Vec<u8>) -> Option<()>,
    out: &mut Vec<u8>,
) -> Option<(usize, usize)> {
    let mut at = start + 1;
    loop {
        let lead = at;
        let mut i = skip_ws(src, at);
        match *src.get(i)? {
            b']' => return Some((lead, i)),
            b',' => i = skip_ws(src, i + 1),
            _ => {}
        }
        let v_end = value_end(src, i)?;
        each(lead, i, v_end, out)?;
        at = v_end;
    }
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
mod tests {
    use serde_json::json;

    use super::*;

    fn check(src: &str, edit: impl FnOnce(&mut Value), want: &str) {
        let before: Value = serde_json::from_str(src).unwrap();
        let mut after = before.clone();
        edit(&mut after);
        let out = rewrite(src.as_bytes(), &before, &after).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, want);
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), after, "{out}");
    }

    #[test]
    fn untouched_values_keep_their_bytes() {
        let src = "{ \"total\": \"12.50\", \"tax\": 12.30, \"n\": 1e3, \"z\": -0, \"f\": 1.0,\n  \
                   \"id\": 20261121000000000000001, \"s\": \"\\u00e9\\/\", \"l\": [1E3, {\"a\": 2.50}] }";
        check(
            src,
            |v| v["total"] = json!(12.5),
            "{ \"total\": 12.5, \"tax\": 12.30, \"n\": 1e3, \"z\": -0, \"f\": 1.0,\n  \
             \"id\": 20261121000000000000001, \"s\": \"\\u00e9\\/\", \"l\": [1E3, {\"a\": 2.50}] }",
        );
        check(src, |_| {}, src);
        check(
            src,
            |v| v["l"][1]["b"] = json!("x"),
            &src.replace("{\"a\": 2.50}", "{\"a\": 2.50,\"b\":\"x\"}"),
        );
    }

    #[test]
    fn removals_additions_and_renames() {
        check(
            r#"{"a": 1, "b": 2, "c": 3}"#,
            |v| {
                v.as_object_mut().unwrap().shift_remove("a");
            },
            r#"{"b": 2, "c": 3}"#,
        );
        check(
            r#"{"a": 1, "b": 2, "c": 3}"#,
            |v| {
                v.as_object_mut().unwrap().shift_remove("b");
            },
            r#"{"a": 1, "c": 3}"#,
        );
        check(
            r#"{"a": 1}"#,
            |v| {
                v.as_object_mut().unwrap().shift_remove("a");
            },
            r#"{}"#,
        );
        check(r#"{ }"#, |v| v["x"] = json!(1), r#"{"x":1 }"#);
        check(
            r#"{"amount": 1E3, "k": 0}"#,
            |v| {
                let m = v.as_object_mut().unwrap();
                let x = m.shift_remove("amount").unwrap();
                m.insert("total".into(), x);
            },
            r#"{"k": 0,"total":1E3}"#,
        );
        check(
            r#"{"amount": 1E3, "k": 0}"#,
            |v| {
                let m = v.as_object_mut().unwrap();
                let x = m.shift_remove("amount").unwrap();
                m.shift_insert(0, "total".into(), x);
            },
            r#"{"total":1E3, "k": 0}"#,
        );
        check(
            r#"[1.50, 2.50, 3.50]"#,
            |v| {
                v.as_array_mut().unwrap().pop();
            },
            r#"[1.50, 2.50]"#,
        );
        check(
            r#"[1.50]"#,
            |v| v.as_array_mut().unwrap().push(json!(2)),
            r#"[1.50,2]"#,
        );
        check(r#" "x" "#, |v| *v = json!(1), " 1 ");
        check(
            r#"{"a\"b": 1.0, "c": "}"}"#,
            |v| v["c"] = json!("{"),
            r#"{"a\"b": 1.0, "c": "{"}"#,
        );
    }

    #[test]
    fn text_that_does_not_match_is_refused() {
        assert!(rewrite(b"[1", &json!([1]), &json!([2])).is_none());
        assert!(rewrite(b"{\"a\":1}", &json!({"b": 1}), &json!({"b": 2})).is_none());
    }
}
