//! RFC 6901 JSON Pointers, parsed once at load time into unescaped tokens, with the array index
//! each token denotes (if any) computed up front so lookups do no parsing.

use std::fmt;

use serde_json::Value;

/// A parsed JSON Pointer such as `/customer/email` or `/items/0`. The empty pointer is the whole
/// document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pointer {
    text: String,
    tokens: Vec<Token>,
}

/// One reference token, unescaped (`~1` → `/`, `~0` → `~`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The member name, when the parent is an object.
    pub(crate) key: String,
    /// The array index, when the token is a canonical one (`0`, or digits without a leading
    /// zero); `None` for `-` and anything else.
    pub(crate) index: Option<usize>,
}

impl Token {
    /// Whether the token is `-`, "past the end of the array".
    pub(crate) fn is_end(&self) -> bool {
        self.key == "-"
    }
}

impl Pointer {
    /// Parses `text`: empty, or `/`-separated tokens where `~` is only used in `~0` and `~1`.
    pub(crate) fn parse(text: &str) -> Result<Pointer, String> {
        if text.is_empty() {
            return Ok(Pointer {
                text: String::new(),
                tokens: Vec::new(),
            });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!(
                "invalid JSON pointer `{text}`: must be empty or start with `/`"
            ));
        };
        let tokens = rest
            .split('/')
            .map(|raw| {
                let key = unescape(raw).ok_or_else(|| {
                    format!("invalid JSON pointer `{text}`: `~` must be followed by 0 or 1")
                })?;
                let index = array_index(&key);
                Ok(Token { key, index })
            })
            .collect::<Result<_, String>>()?;
        Ok(Pointer {
            text: text.to_owned(),
            tokens,
        })
    }

    /// The tokens, in order (none for the root).
    pub(crate) fn tokens(&self) -> &[Token] {
        &self.tokens
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
        self.tokens[..len.min(self.tokens.len())]
            .iter()
            .map(|token| format!("/{}", token.key.replace('~', "~0").replace('/', "~1")))
            .collect()
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

/// The value `tokens` lead to from `doc`.
pub(crate) fn get<'v>(doc: &'v Value, tokens: &[Token]) -> Option<&'v Value> {
    tokens.iter().try_fold(doc, |value, token| match value {
        Value::Object(map) => map.get(&token.key),
        Value::Array(items) => items.get(token.index?),
        _ => None,
    })
}

/// The value `tokens` lead to from `doc`, mutably.
pub(crate) fn get_mut<'v>(doc: &'v mut Value, tokens: &[Token]) -> Option<&'v mut Value> {
    tokens.iter().try_fold(doc, |value, token| match value {
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
        for text in ["total", "/a~", "/a~2b", "a/b"] {
            assert!(Pointer::parse(text).is_err(), "{text}");
        }
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
    }
}
