//! Values found by JSON Pointer in a payload's text, without parsing it. Only for a payload
//! that `exact::check` accepted as plain (or `scan` vouched for): its text then says exactly
//! what `exact::parse` would build, with no key written twice. The walk is `pointer::get`'s: an
//! object's member by its key (compared unescaped), an array's element by a canonical index,
//! nothing inside a string, number, boolean or null.
//!
//! Every answer is an `Option` around the answer proper: `None` when the text does not read as
//! valid JSON should (which cannot happen for checked text), so the caller can fall back to
//! parsing the whole payload instead of guessing.

use std::ops::ControlFlow;

use super::{
    pointer::Token,
    scan::Ends,
    splice::{key_is, skip_ws, string_end, value_end},
};

/// Where a value's text lies: `start..end` in the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A checked payload, read in place.
#[derive(Debug)]
pub(crate) struct Text<'a> {
    src: &'a [u8],
    /// Where containers end, when `scan` noted it (else they are scanned to their end).
    ends: Option<Ends>,
}

impl<'a> Text<'a> {
    /// `src`, which `exact::check` accepted as plain; `ends` from `scan`, if it vouched.
    pub(crate) fn new(src: &'a [u8], ends: Option<Ends>) -> Text<'a> {
        Text { src, ends }
    }

    /// The whole payload.
    pub(crate) fn src(&self) -> &'a [u8] {
        self.src
    }

    /// Where containers end, when `scan` noted it.
    pub(crate) fn ends(&self) -> Option<&Ends> {
        self.ends.as_ref()
    }

    /// The text of `span`.
    pub(crate) fn slice(&self, span: Span) -> Option<&'a [u8]> {
        self.src.get(span.start..span.end)
    }

    /// The first byte of the value at `span`, which tells its type (`{`, `[`, `"`, `t`, `f`,
    /// `n`, or a number's `-` or digit).
    pub(crate) fn first(&self, span: Span) -> Option<u8> {
        self.src.get(span.start).copied()
    }

    /// The top-level value, without the whitespace around it.
    pub(crate) fn root(&self) -> Option<Span> {
        let start = skip_ws(self.src, 0);
        Some(Span {
            start,
            end: self.end(start)?,
        })
    }

    /// The value `tokens` lead to: `Some(None)` when there is none.
    pub(crate) fn find(&self, tokens: &[Token]) -> Option<Option<Span>> {
        let mut span = self.root()?;
        for token in tokens {
            let next = match self.first(span)? {
                b'{' => self.member(span, &token.key)?,
                b'[' => match token.index {
                    Some(index) => self.element(span, index)?,
                    None => None,
                },
                _ => None,
            };
            match next {
                Some(value) => span = value,
                None => return Some(None),
            }
        }
        Some(Some(span))
    }

    /// The value of the member `key` of the object at `object`: `Some(None)` when it has none.
    pub(crate) fn member(&self, object: Span, key: &str) -> Option<Option<Span>> {
        let mut at = object.start + 1;
        while let Some((quoted, value)) = self.next_member(at)? {
            if key_is(self.slice(quoted)?, key)? {
                return Some(Some(value));
            }
            at = value.end;
        }
        Some(None)
    }

    /// Calls `each` with the members of the object at `object`, in order: its key as written
    /// (quotes and escapes included: `splice::key_is` and `splice::key_text` read it, so no
    /// key is unescaped that is not needed) and its value, until it answers `Break` (the
    /// members after are not read); stops at the first `None` it answers, and answers it.
    pub(crate) fn each_member(
        &self,
        object: Span,
        mut each: impl FnMut(Span, Span) -> Option<ControlFlow<()>>,
    ) -> Option<()> {
        let mut at = object.start + 1;
        while let Some((key, value)) = self.next_member(at)? {
            if each(key, value)?.is_break() {
                break;
            }
            at = value.end;
        }
        Some(())
    }

    /// Calls `each` with every element of the array at `array`, in order: its index and its
    /// value; stops at the first `None` it answers, and answers it.
    pub(crate) fn each_element(
        &self,
        array: Span,
        mut each: impl FnMut(usize, Span) -> Option<()>,
    ) -> Option<()> {
        let mut at = array.start + 1;
        let mut index = 0;
        while let Some(value) = self.next_element(at)? {
            each(index, value)?;
            index += 1;
            at = value.end;
        }
        Some(())
    }

    /// Element `index` of the array at `array`: `Some(None)` when it is shorter.
    pub(crate) fn element(&self, array: Span, index: usize) -> Option<Option<Span>> {
        let mut at = array.start + 1;
        let mut i = 0;
        while let Some(value) = self.next_element(at)? {
            if i == index {
                return Some(Some(value));
            }
            i += 1;
            at = value.end;
        }
        Some(None)
    }

    /// The end of the value starting at `start`.
    fn end(&self, start: usize) -> Option<usize> {
        match self.first(Span { start, end: start })? {
            b'{' | b'[' => self
                .ends
                .as_ref()
                .and_then(|ends| ends.get(start))
                .or_else(|| value_end(self.src, start)),
            _ => value_end(self.src, start),
        }
    }

    /// The member of an object after `at` (just past the `{` or the previous member's value):
    /// its key as written (quoted) and its value; `None` at the `}`.
    fn next_member(&self, at: usize) -> Option<Option<(Span, Span)>> {
        let mut i = skip_ws(self.src, at);
        match *self.src.get(i)? {
            b'}' => return Some(None),
            b',' => i = skip_ws(self.src, i + 1),
            _ => {}
        }
        let key_end = string_end(self.src, i)?;
        let quoted = Span {
            start: i,
            end: key_end,
        };
        let colon = skip_ws(self.src, key_end);
        if *self.src.get(colon)? != b':' {
            return None;
        }
        let start = skip_ws(self.src, colon + 1);
        Some(Some((
            quoted,
            Span {
                start,
                end: self.end(start)?,
            },
        )))
    }

    /// The element of an array after `at` (just past the `[` or the previous element); `None`
    /// at the `]`.
    fn next_element(&self, at: usize) -> Option<Option<Span>> {
        let mut i = skip_ws(self.src, at);
        match *self.src.get(i)? {
            b']' => return Some(None),
            b',' => i = skip_ws(self.src, i + 1),
            _ => {}
        }
        Some(Some(Span {
            start: i,
            end: self.end(i)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{pointer::Pointer, scan::scan, splice::key_text};

    const DOC: &str = r#" { "a": {"b": [10, {"c": "x"}, []]}, "a\/b": 1, "m~n": {"": 2},
        "s": "{not [an object", "e": {}, "n": null } "#;

    /// The document as written, the same with its one escaped key written plainly (which
    /// `scan` vouches for), each read with and without `scan`'s ends.
    fn texts() -> Vec<Text<'static>> {
        let plain: &'static str = DOC.replace(r"a\/b", "a/b").leak();
        assert!(scan(plain.as_bytes()).is_some());
        [DOC, plain]
            .into_iter()
            .flat_map(|doc| {
                let src = doc.as_bytes();
                [Text::new(src, scan(src)), Text::new(src, None)]
            })
            .collect()
    }

    #[test]
    fn finds_what_pointer_get_finds() {
        let doc: serde_json::Value = serde_json::from_str(DOC).unwrap();
        for text in texts() {
            for pointer in [
                "",
                "/a",
                "/a/b",
                "/a/b/0",
                "/a/b/1/c",
                "/a/b/2",
                "/a/b/3",
                "/a/b/01",
                "/a/b/-",
                "/a~1b",
                "/m~0n",
                "/m~0n/",
                "/s",
                "/s/0",
                "/e",
                "/e/x",
                "/n",
                "/n/x",
                "/x",
                "/a/b/1/c/0",
            ] {
                let tokens = Pointer::parse(pointer).unwrap();
                let want = tokens.get(&doc);
                let found = text
                    .find(tokens.tokens())
                    .unwrap()
                    .map(|span| -> serde_json::Value {
                        serde_json::from_slice(text.slice(span).unwrap()).unwrap()
                    });
                assert_eq!(found.as_ref(), want, "{pointer}");
            }
        }
    }

    #[test]
    fn lists_members_with_their_keys_unescaped() {
        for text in texts() {
            let mut keys = Vec::new();
            text.each_member(text.root().unwrap(), |key, _| {
                keys.push(key_text(text.slice(key).unwrap()).unwrap().into_owned());
                Some(ControlFlow::Continue(()))
            })
            .unwrap();
            assert_eq!(keys, ["a", "a/b", "m~n", "s", "e", "n"]);
        }
    }
}
