//! RFC 6901 JSON Pointers, parsed once at load time into unescaped tokens, with the array index
//! each token denotes (if any) computed up front so lookups do no parsing.
//!
//! Two additions to RFC 6901, both in tokens that RFC 6901 reads otherwise or refuses:
//! - in an action's path ([`Pointer::parse_path`]), a token that is exactly `*` is a wildcard:
//!   every element of an array, every member of an object (`wildcard` walks them). Elsewhere
//!   ([`Pointer::parse`]: conditions) it is refused, never read as a member named `*`;
//! - `~2` stands for `*` (RFC 6901 refuses `~2`, so no valid pointer changes meaning): a member
//!   named `*` is `/~2`. A `*` within a longer token is the character, as RFC 6901 says
//!   (`/it*ms` is the member `it*ms`).

use std::{borrow::Cow, fmt, fmt::Write as _};

use serde_json::Value;

/// A parsed JSON Pointer such as `/customer/email` or `/items/0`. The empty pointer is the whole
/// document. An action's path may hold wildcards (`/items/*/qty`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pointer {
    text: String,
    tokens: Vec<Token>,
    /// The number of tokens up to and including the last wildcard (0 without wildcards).
    scope: usize,
    /// Where the text after the last wildcard starts (its length without wildcards).
    scope_end: usize,
}

/// One reference token, unescaped (`~1` → `/`, `~0` → `~`, `~2` → `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The member name, when the parent is an object (`*` for a wildcard).
    pub(crate) key: String,
    /// The array index, when the token is a canonical one (`0`, or digits without a leading
    /// zero); `None` for `-` and anything else.
    pub(crate) index: Option<usize>,
    /// Whether the token is the wildcard `*` (only in action paths); it names no one member,
    /// and a lookup through it finds nothing.
    pub(crate) wildcard: bool,
}

impl Token {
    /// Whether the token is `-`, "past the end of the array".
    pub(crate) fn is_end(&self) -> bool {
        self.key == "-" && !self.wildcard
    }

    /// The token of an array's element `index`.
    pub(crate) fn element(index: usize) -> Token {
        Token {
            key: index.to_string(),
            index: Some(index),
            wildcard: false,
        }
    }

    /// The token of an object's member `key`.
    pub(crate) fn member(key: &str) -> Token {
        Token {
            key: key.to_owned(),
            index: array_index(key),
            wildcard: false,
        }
    }

    /// Makes this the token of an array's element `index`, in the same buffer.
    pub(crate) fn set_element(&mut self, index: usize) {
        self.key.clear();
        // Writing to a `String` cannot fail.
        let _ = write!(self.key, "{index}");
        self.index = Some(index);
        self.wildcard = false;
    }

    /// Makes this the token of an object's member `key`, in the same buffer.
    pub(crate) fn set_member(&mut self, key: &str) {
        self.key.clear();
        self.key.push_str(key);
        self.index = array_index(key);
        self.wildcard = false;
    }

    /// The token as written in a pointer, without its `/`: `~` as `~0`, `/` as `~1`, and a
    /// member named exactly `*` as `~2` (so the text never reads as a wildcard).
    pub(crate) fn escaped(&self) -> Cow<'_, str> {
        if self.wildcard {
            Cow::Borrowed("*")
        } else if self.key == "*" {
            Cow::Borrowed("~2")
        } else if self.key.contains(['~', '/']) {
            Cow::Owned(self.key.replace('~', "~0").replace('/', "~1"))
        } else {
            Cow::Borrowed(&self.key)
        }
    }
}

impl Pointer {
    /// Parses `text`, a pointer without wildcards: empty, or `/`-separated tokens where `~` is
    /// only used in `~0`, `~1` and `~2`. A token that is exactly `*` is refused: wildcards are
    /// for action paths ([`Pointer::parse_path`]).
    pub(crate) fn parse(text: &str) -> Result<Pointer, String> {
        let pointer = Pointer::parse_path(text)?;
        if pointer.has_wildcards() {
            return Err(format!(
                "`{text}`: wildcards (`*`) are supported in action paths only \
                 (a member named `*` is written `~2`)"
            ));
        }
        Ok(pointer)
    }

    /// Parses `text`, an action's path: a pointer as [`Pointer::parse`] reads it, where a
    /// token that is exactly `*` is a wildcard.
    pub(crate) fn parse_path(text: &str) -> Result<Pointer, String> {
        if text.is_empty() {
            return Ok(Pointer {
                text: String::new(),
                tokens: Vec::new(),
                scope: 0,
                scope_end: 0,
            });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!(
                "invalid JSON pointer `{text}`: must be empty or start with `/`"
            ));
        };
        let mut tokens = Vec::new();
        let (mut scope, mut scope_end, mut end) = (0, 0, 0);
        for raw in rest.split('/') {
            end += 1 + raw.len();
            if raw == "*" {
                tokens.push(Token {
                    key: "*".to_owned(),
                    index: None,
                    wildcard: true,
                });
                (scope, scope_end) = (tokens.len(), end);
                continue;
            }
            let key = unescape(raw).ok_or_else(|| {
                format!("invalid JSON pointer `{text}`: `~` must be followed by 0, 1 or 2")
            })?;
            let index = array_index(&key);
            tokens.push(Token {
                key,
                index,
                wildcard: false,
            });
        }
        Ok(Pointer {
            text: text.to_owned(),
            tokens,
            scope,
            scope_end,
        })
    }

    /// The tokens, in order (none for the root).
    pub(crate) fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Whether the pointer holds a wildcard.
    pub(crate) fn has_wildcards(&self) -> bool {
        self.scope > 0
    }

    /// The tokens up to and including the last wildcard (none without wildcards): what the
    /// wildcards walk, before the rest of the path applies to each match.
    pub(crate) fn scope(&self) -> &[Token] {
        &self.tokens[..self.scope]
    }

    /// The tokens before the first wildcard (all of them without wildcards): every location
    /// the pointer can name lies inside the value there.
    pub(crate) fn fixed(&self) -> &[Token] {
        let first = self.tokens.iter().position(|token| token.wildcard);
        &self.tokens[..first.unwrap_or(self.tokens.len())]
    }

    /// The pointer with its scope (up to its last wildcard) replaced by a location the scope
    /// matched: `tokens`, written `text` (e.g. `/items/*/qty` at `/items/3` is `/items/3/qty`).
    /// `None` when `tokens` is not as long as the scope.
    pub(crate) fn at(&self, tokens: &[Token], text: &str) -> Option<Pointer> {
        if tokens.len() != self.scope {
            return None;
        }
        let rest = self.tokens.get(self.scope..)?;
        Some(Pointer {
            text: format!("{text}{}", self.rest_text()),
            tokens: tokens.iter().chain(rest).cloned().collect(),
            scope: 0,
            scope_end: 0,
        })
    }

    /// [`Pointer::at`] written into this pointer, reusing its buffers (so, from one match of a
    /// walk to the next, without allocating); `None`, leaving it as it is, when `tokens` is not
    /// as long as `template`'s scope.
    pub(crate) fn set_at(
        &mut self,
        template: &Pointer,
        tokens: &[Token],
        text: &str,
    ) -> Option<()> {
        let rest = template.tokens.get(template.scope..)?;
        if tokens.len() != template.scope {
            return None;
        }
        self.text.clear();
        self.text.push_str(text);
        self.text.push_str(template.rest_text());
        self.tokens.truncate(tokens.len() + rest.len());
        for (i, token) in tokens.iter().chain(rest).enumerate() {
            match self.tokens.get_mut(i) {
                Some(mine) => {
                    mine.key.clone_from(&token.key);
                    mine.index = token.index;
                    mine.wildcard = token.wildcard;
                }
                None => self.tokens.push(token.clone()),
            }
        }
        (self.scope, self.scope_end) = (0, 0);
        Some(())
    }

    /// The pointer as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The text after the scope (all of it without wildcards): `/qty` for `/items/*/qty`.
    pub(crate) fn rest_text(&self) -> &str {
        self.text.get(self.scope_end..).unwrap_or_default()
    }

    /// The parent's tokens and the last token; `None` for the root.
    pub(crate) fn split_last(&self) -> Option<(&[Token], &Token)> {
        self.tokens
            .split_last()
            .map(|(last, parent)| (parent, last))
    }

    /// Whether `other` lies strictly inside the location this pointer names.
    pub(crate) fn is_proper_prefix_of(&self, other: &Pointer) -> bool {
        other.tokens.len() > self.tokens.len() && other.tokens.starts_with(&self.tokens)
    }

    /// The value this pointer names, if it exists.
    pub(crate) fn get<'v>(&self, doc: &'v Value) -> Option<&'v Value> {
        get(doc, &self.tokens)
    }

    /// The value this pointer names, mutably, if it exists.
    pub(crate) fn get_mut<'v>(&self, doc: &'v mut Value) -> Option<&'v mut Value> {
        get_mut(doc, &self.tokens)
    }

    /// The pointer made of the first `len` tokens, as text (for messages).
    pub(crate) fn prefix_text(&self, len: usize) -> String {
        text(&self.tokens[..len.min(self.tokens.len())])
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            f.write_str("(whole document)")
        } else {
            f.write_str(&self.text)
        }
    }
}

/// `tokens` written as a pointer (see [`Token::escaped`]).
pub(crate) fn text(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        out.push('/');
        out.push_str(&token.escaped());
    }
    out
}

/// The value `tokens` lead to from `doc` (none through a wildcard).
pub(crate) fn get<'v>(doc: &'v Value, tokens: &[Token]) -> Option<&'v Value> {
    tokens.iter().try_fold(doc, |value, token| match value {
        _ if token.wildcard => None,
        Value::Object(map) => map.get(&token.key),
        Value::Array(items) => items.get(token.index?),
        _ => None,
    })
}

/// The value `tokens` lead to from `doc`, mutably (none through a wildcard).
pub(crate) fn get_mut<'v>(doc: &'v mut Value, tokens: &[Token]) -> Option<&'v mut Value> {
    tokens.iter().try_fold(doc, |value, token| match value {
        _ if token.wildcard => None,
        Value::Object(map) => map.get_mut(&token.key),
        Value::Array(items) => items.get_mut(token.index?),
        _ => None,
    })
}

fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('~') {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                Some('2') => out.push('*'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

fn array_index(token: &str) -> Option<usize> {
    let canonical = token == "0"
        || (!token.is_empty()
            && !token.starts_with('0')
            && token.bytes().all(|b| b.is_ascii_digit()));
    if canonical { token.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_and_resolves_rfc6901_examples() {
        let doc = json!({
            "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3,
            "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8
        });
        let cases = [
            ("", doc.clone()),
            ("/foo", json!(["bar", "baz"])),
            ("/foo/0", json!("bar")),
            ("/", json!(0)),
            ("/a~1b", json!(1)),
            ("/c%d", json!(2)),
            ("/e^f", json!(3)),
            ("/g|h", json!(4)),
            ("/i\\j", json!(5)),
            ("/k\"l", json!(6)),
            ("/ ", json!(7)),
            ("/m~0n", json!(8)),
        ];
        for (text, expected) in cases {
            let pointer = Pointer::parse(text).unwrap();
            assert_eq!(pointer.get(&doc), Some(&expected), "{text}");
            assert_eq!(pointer.text, text);
        }
    }

    #[test]
    fn missing_and_non_canonical_indexes_resolve_to_nothing() {
        let doc = json!({ "items": [1, 2], "n": 3 });
        for text in [
            "/missing",
            "/items/2",
            "/items/01",
            "/items/-",
            "/items/x",
            "/n/0",
        ] {
            assert_eq!(Pointer::parse(text).unwrap().get(&doc), None, "{text}");
        }
    }

    #[test]
    fn rejects_bad_syntax() {
        for text in ["total", "/a~", "/a~3b", "a/b", "/*", "/items/*/qty"] {
            assert!(Pointer::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn action_paths_read_a_lone_star_as_a_wildcard_and_tilde_two_as_a_star() {
        let path = Pointer::parse_path("/orders/*/it*ms/*/q~2ty").unwrap();
        let wild: Vec<bool> = path.tokens().iter().map(|t| t.wildcard).collect();
        assert_eq!(wild, [false, true, false, true, false]);
        assert_eq!(path.tokens()[2].key, "it*ms");
        assert_eq!(path.tokens()[4].key, "q*ty");
        assert_eq!(path.scope().len(), 4);
        assert_eq!(path.fixed().len(), 1);
        assert!(path.has_wildcards());
        // A wildcard finds nothing by itself, even where a member is named `*`.
        let doc = json!({"a": {"*": 1}});
        assert_eq!(Pointer::parse_path("/a/*").unwrap().get(&doc), None);
        assert_eq!(Pointer::parse("/a/~2").unwrap().get(&doc), Some(&json!(1)));
        let plain = Pointer::parse_path("/a/b").unwrap();
        assert!(!plain.has_wildcards());
        assert_eq!((plain.scope().len(), plain.fixed().len()), (0, 2));
    }

    #[test]
    fn a_match_makes_a_wildcard_path_concrete() {
        let path = Pointer::parse_path("/o/*/i/*/q~1ty").unwrap();
        let at = [
            Token::member("o"),
            Token::element(2),
            Token::member("i"),
            Token::member("*"),
        ];
        let concrete = path.at(&at, "/o/2/i/~2").unwrap();
        assert_eq!(concrete.to_string(), "/o/2/i/~2/q~1ty");
        assert!(!concrete.has_wildcards());
        assert_eq!(concrete.tokens()[4].key, "q/ty");
        let doc = json!({"o": [0, 1, {"i": {"*": {"q/ty": 7}}}]});
        assert_eq!(concrete.get(&doc), Some(&json!(7)));
        // A match of another length does not fit.
        assert_eq!(path.at(&at[..2], "/o/2"), None);
        // Written into another pointer's buffers, it is the same pointer.
        let mut reused = Pointer::parse_path("/a~1b/cd/~2/e/f/g").unwrap();
        assert_eq!(reused.set_at(&path, &at, "/o/2/i/~2"), Some(()));
        assert_eq!(reused, concrete);
        let mut short = Pointer::parse_path("/x").unwrap();
        assert_eq!(short.set_at(&path, &at, "/o/2/i/~2"), Some(()));
        assert_eq!(short, concrete);
        assert_eq!(short.set_at(&path, &at[..2], "/o/2"), None);
        assert_eq!(short, concrete);
        // Tokens rewritten in place are those made anew.
        let mut token = Token::member("~x");
        token.set_element(12);
        assert_eq!(token, Token::element(12));
        for key in ["7", "07", "*", "a/b", ""] {
            token.set_member(key);
            assert_eq!(token, Token::member(key), "{key}");
        }
    }

    #[test]
    fn conditions_refuse_wildcards() {
        let err = Pointer::parse("/items/*/qty").unwrap_err();
        assert_eq!(
            err,
            "`/items/*/qty`: wildcards (`*`) are supported in action paths only \
             (a member named `*` is written `~2`)"
        );
        assert!(Pointer::parse("/it*ms/~2").is_ok());
    }

    #[test]
    fn knows_prefixes_and_ends() {
        let a = Pointer::parse("/a").unwrap();
        assert!(a.is_proper_prefix_of(&Pointer::parse("/a/b").unwrap()));
        assert!(!a.is_proper_prefix_of(&Pointer::parse("/ab").unwrap()));
        assert!(!a.is_proper_prefix_of(&a));
        assert!(
            Pointer::parse("/x/-")
                .unwrap()
                .split_last()
                .unwrap()
                .1
                .is_end()
        );
        assert_eq!(
            Pointer::parse("/a~1b/c~0d/e").unwrap().prefix_text(2),
            "/a~1b/c~0d"
        );
        assert_eq!(Pointer::parse("/~2/x*/e").unwrap().prefix_text(2), "/~2/x*");
    }
}
