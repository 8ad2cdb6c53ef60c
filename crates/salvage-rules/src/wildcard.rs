//! Wildcards in action paths: `/items/*/qty` is `/items/0/qty`, `/items/1/qty`, ... for every
//! element of the array `/items` (or every member of the object), in document order; several
//! are allowed (`/orders/*/items/*/qty`). The action applies at each match as it would at that
//! concrete path (`Action::apply`), so its changes are those of a rule listing every concrete
//! path in turn.
//!
//! [`Walk`] finds the matches of a path's scope (its tokens up to the last wildcard) one at a
//! time, as [`Step`]s, between which the action changes the document. It holds no reference
//! into the document: only the concrete location reached and, at each wildcard on the way, what
//! is left to walk there (an array's length, an object's keys), and it finds each location
//! again from the root. That is sound because an action changes nothing at or above the
//! matches of its scope: a value action (`coerce`, `replace`, ...) replaces values at or below
//! them, and an action that adds or removes members cannot end its path with `*` (refused at
//! load time), so its changes stay strictly inside a match. The cost is bounded by the
//! document: each value on the way is visited once, re-found from the root in at most one step
//! per token of the path, and the memory held is the path's length plus the keys of the
//! objects being walked.
//!
//! On the way to a match (before the last wildcard), a member or element that does not exist
//! is a [`Step::Missing`] (the action treats it as any missing location: it fails, or is
//! skipped when `optional`, and `default` does nothing there), and a value that is neither an
//! object nor an array where the path goes on is a [`Step::NotContainer`] (a failure, after
//! which the walk stops). An empty array or object has no matches: nothing to do.

use std::borrow::Cow;

use serde_json::Value;

use super::{
    pointer::{self, Pointer, Token},
    value::{type_name, with_article},
};

/// One step of a [`Walk`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step<'w> {
    /// A location the scope matched.
    At(&'w At),
    /// A location on the way to matches does not exist: its pointer.
    Missing(String),
    /// A value on the way to matches is not an object or array: why that fails.
    NotContainer(String),
}

/// A concrete location the scope of a path with wildcards matched: `/items/3` for
/// `/items/*/qty`. [`At::NONE`] for an action whose path has no wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct At {
    tokens: Vec<Token>,
    text: String,
    /// The walked path made concrete here (`/items/3/qty`), once a walk has reached a match:
    /// made anew in the same buffers at each match, so that an action using the path it walks
    /// costs no allocation per match for it.
    walked: Option<Pointer>,
}

impl At {
    /// Where an action whose path has no wildcards applies: its pointers as they are.
    pub(crate) const NONE: At = At {
        tokens: Vec::new(),
        text: String::new(),
        walked: None,
    };

    /// `pointer` at this location: itself when it has no wildcards, else with its scope
    /// replaced by this location (`/items/*/qty` at `/items/3` is `/items/3/qty`). A pointer
    /// whose scope is not this location's length (which load-time checks rule out) is kept
    /// as it is, and finds nothing through its wildcards.
    pub(crate) fn pointer<'a>(&'a self, pointer: &'a Pointer) -> Cow<'a, Pointer> {
        if !pointer.has_wildcards() {
            return Cow::Borrowed(pointer);
        }
        // The walked path made concrete here, when `pointer` has the same scope and the same
        // text after it (so the same tokens).
        if let Some(walked) = &self.walked
            && pointer.scope().len() == self.tokens.len()
            && walked.as_str().strip_prefix(self.text.as_str()) == Some(pointer.rest_text())
        {
            return Cow::Borrowed(walked);
        }
        pointer
            .at(&self.tokens, &self.text)
            .map_or(Cow::Borrowed(pointer), Cow::Owned)
    }

    /// Makes [`At::walked`] `path` at this location.
    fn walk_to(&mut self, path: &Pointer) {
        let reused = self
            .walked
            .as_mut()
            .and_then(|walked| walked.set_at(path, &self.tokens, &self.text));
        if reused.is_none() {
            self.walked = path.at(&self.tokens, &self.text);
        }
    }
}

/// What is left to walk at one wildcard.
#[derive(Debug)]
struct Level {
    /// The length of [`Walk::at`] where this wildcard's token goes.
    depth: usize,
    /// The length of the location's text there.
    text_len: usize,
    /// The index of the scope's next token after the wildcard.
    next_token: usize,
    /// What the wildcard walks.
    rest: Rest,
}

#[derive(Debug)]
enum Rest {
    /// The elements of an array of `len` elements, from `next`.
    Elements { next: usize, len: usize },
    /// The members of an object, by key, from `next`.
    Members { next: usize, keys: Vec<String> },
}

/// The matches of a path's scope in a document, one at a time: see the module documentation.
#[derive(Debug)]
pub(crate) struct Walk<'p> {
    path: &'p Pointer,
    scope: &'p [Token],
    /// The concrete location reached.
    at: At,
    /// The wildcards on the way to it, outermost first.
    levels: Vec<Level>,
    started: bool,
    done: bool,
}

impl<'p> Walk<'p> {
    /// A walk of the matches of `path`'s scope (see [`Pointer::scope`]).
    pub(crate) fn new(path: &'p Pointer) -> Walk<'p> {
        Walk {
            path,
            scope: path.scope(),
            at: At::NONE,
            levels: Vec::new(),
            started: false,
            done: false,
        }
    }

    /// The next step in document order, in `doc` as it is now; `None` when the walk is over.
    pub(crate) fn next(&mut self, doc: &Value) -> Option<Step<'_>> {
        if self.done {
            return None;
        }
        let mut found = if self.started {
            None
        } else {
            self.started = true;
            self.descend(doc, 0)
        };
        while found.is_none() {
            found = self.advance(doc);
        }
        match found? {
            Found::At => {
                self.at.walk_to(self.path);
                Some(Step::At(&self.at))
            }
            Found::Missing(pointer) => Some(Step::Missing(pointer)),
            Found::NotContainer(reason) => {
                self.done = true;
                Some(Step::NotContainer(reason))
            }
            Found::End => {
                self.done = true;
                None
            }
        }
    }

    /// Moves the innermost wildcard that has something left to walk on to it, and descends
    /// from there: `None` when that finds no step yet (a container to walk was empty).
    fn advance(&mut self, doc: &Value) -> Option<Found> {
        let Some(level) = self.levels.last_mut() else {
            return Some(Found::End);
        };
        let at = &mut self.at;
        // The token at the wildcard's place is rewritten in its own buffer.
        at.tokens.truncate(level.depth + 1);
        at.text.truncate(level.text_len);
        let token = at.tokens.get_mut(level.depth);
        match &mut level.rest {
            Rest::Elements { next, len } if *next < *len => {
                *next += 1;
                match token {
                    Some(token) => token.set_element(*next - 1),
                    None => at.tokens.push(Token::element(*next - 1)),
                }
            }
            Rest::Members { next, keys } if *next < keys.len() => {
                *next += 1;
                match token {
                    Some(token) => token.set_member(&keys[*next - 1]),
                    None => at.tokens.push(Token::member(&keys[*next - 1])),
                }
            }
            Rest::Elements { .. } | Rest::Members { .. } => {
                self.levels.pop();
                return None;
            }
        }
        if let Some(token) = at.tokens.last() {
            at.text.push('/');
            at.text.push_str(&token.escaped());
        }
        let next_token = level.next_token;
        self.descend(doc, next_token)
    }

    /// From the location reached, follows the scope's tokens from `index` to the end of the
    /// scope (a match) or the next wildcard (entered: its first element or member is walked by
    /// the next [`Walk::advance`]).
    fn descend(&mut self, doc: &Value, index: usize) -> Option<Found> {
        let Some(mut value) = pointer::get(doc, &self.at.tokens) else {
            // Found when the walk moved to it, so not expected: the location is missing.
            return Some(Found::Missing(self.at.text.clone()));
        };
        for (i, token) in self.scope.iter().enumerate().skip(index) {
            if !matches!(value, Value::Object(_) | Value::Array(_)) {
                return Some(Found::NotContainer(self.not_container(value)));
            }
            if token.wildcard {
                let rest = match value {
                    Value::Array(items) => Rest::Elements {
                        next: 0,
                        len: items.len(),
                    },
                    Value::Object(map) => Rest::Members {
                        next: 0,
                        keys: map.keys().cloned().collect(),
                    },
                    _ => return Some(Found::NotContainer(self.not_container(value))),
                };
                self.levels.push(Level {
                    depth: self.at.tokens.len(),
                    text_len: self.at.text.len(),
                    next_token: i + 1,
                    rest,
                });
                return None;
            }
            self.push(token.clone());
            match pointer::get(value, std::slice::from_ref(token)) {
                Some(next) => value = next,
                None => return Some(Found::Missing(self.at.text.clone())),
            }
        }
        Some(Found::At)
    }

    fn push(&mut self, token: Token) {
        self.at.text.push('/');
        self.at.text.push_str(&token.escaped());
        self.at.tokens.push(token);
    }

    /// Why `value`, at the location reached, cannot be walked on.
    fn not_container(&self, value: &Value) -> String {
        let at = if self.at.tokens.is_empty() {
            "the document"
        } else {
            &self.at.text
        };
        format!(
            "{at} is {}, not an object or array",
            with_article(type_name(value))
        )
    }
}

/// What one descent found.
enum Found {
    At,
    Missing(String),
    NotContainer(String),
    End,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Every step of the walk of `path` in `doc`, as text: `at /x`, `missing /x`, or the
    /// reason.
    fn steps(path: &str, doc: &Value) -> Vec<String> {
        let path = Pointer::parse_path(path).unwrap();
        let mut walk = Walk::new(&path);
        let mut out = Vec::new();
        while let Some(step) = walk.next(doc) {
            out.push(match step {
                Step::At(at) => format!("at {}", at.pointer(&path)),
                Step::Missing(pointer) => format!("missing {pointer}"),
                Step::NotContainer(reason) => reason,
            });
        }
        out
    }

    #[test]
    fn walks_elements_and_members_in_document_order() {
        let doc = json!({
            "items": [{"qty": 1}, {"qty": 2}, {"qty": 3}],
            "by_sku": {"b": {"qty": 1}, "a": {"qty": 2}},
        });
        assert_eq!(
            steps("/items/*/qty", &doc),
            ["at /items/0/qty", "at /items/1/qty", "at /items/2/qty"]
        );
        // Object members in the order they are written, not sorted.
        assert_eq!(
            steps("/by_sku/*/qty", &doc),
            ["at /by_sku/b/qty", "at /by_sku/a/qty"]
        );
        assert_eq!(steps("/*", &doc), ["at /items", "at /by_sku"]);
        assert_eq!(
            steps("/*/*", &doc),
            [
                "at /items/0",
                "at /items/1",
                "at /items/2",
                "at /by_sku/b",
                "at /by_sku/a"
            ]
        );
    }

    #[test]
    fn nested_wildcards_walk_depth_first() {
        let doc = json!({"orders": [
            {"items": [{"q": 1}, {"q": 2}]},
            {"items": []},
            {"items": [{"q": 3}]},
        ]});
        assert_eq!(
            steps("/orders/*/items/*/q", &doc),
            [
                "at /orders/0/items/0/q",
                "at /orders/0/items/1/q",
                "at /orders/2/items/0/q"
            ]
        );
    }

    #[test]
    fn empty_containers_have_no_matches() {
        for doc in [json!({"items": []}), json!({"items": {}})] {
            assert_eq!(steps("/items/*/qty", &doc), Vec::<String>::new(), "{doc}");
        }
    }

    #[test]
    fn missing_locations_on_the_way_are_named_and_the_walk_goes_on() {
        let doc = json!({"orders": [{"items": [{"q": 1}]}, {"id": 2}, {"items": [{"q": 3}]}]});
        assert_eq!(
            steps("/orders/*/items/*/q", &doc),
            [
                "at /orders/0/items/0/q",
                "missing /orders/1/items",
                "at /orders/2/items/0/q"
            ]
        );
        assert_eq!(steps("/nope/*", &doc), ["missing /nope"]);
        assert_eq!(steps("/orders/7/*", &doc), ["missing /orders/7"]);
        assert_eq!(steps("/orders/x/*", &doc), ["missing /orders/x"]);
    }

    #[test]
    fn a_scalar_where_the_path_goes_on_fails_and_ends_the_walk() {
        let doc =
            json!({"items": "none", "orders": [{"items": [1]}, {"items": 7}, {"items": [2]}]});
        assert_eq!(
            steps("/items/*/qty", &doc),
            ["/items is a string, not an object or array"]
        );
        assert_eq!(
            steps("/orders/*/items/*", &doc),
            [
                "at /orders/0/items/0",
                "/orders/1/items is a number, not an object or array"
            ]
        );
        assert_eq!(
            steps("/*/x", &json!(null)),
            ["the document is null, not an object or array"]
        );
        assert_eq!(
            steps("/items/x/*", &json!({"items": [true]})),
            ["missing /items/x"]
        );
        assert_eq!(steps("/a/b/*", &json!({"a": [true]})), ["missing /a/b"]);
        assert_eq!(
            steps("/a/0/*", &json!({"a": [true]})),
            ["/a/0 is a boolean, not an object or array"]
        );
    }

    #[test]
    fn members_named_like_tokens_are_escaped_in_locations() {
        let doc = json!({"m": {"*": 1, "a/b": 2, "c~d": 3, "x*": 4}});
        assert_eq!(
            steps("/m/*", &doc),
            ["at /m/~2", "at /m/a~1b", "at /m/c~0d", "at /m/x*"]
        );
        // `~2` is a member named `*`, not a wildcard.
        assert_eq!(
            steps("/m/~2/*", &doc),
            ["/m/~2 is a number, not an object or array"]
        );
    }

    #[test]
    fn the_walk_follows_changes_made_between_steps() {
        let path = Pointer::parse_path("/items/*/qty").unwrap();
        let mut doc = json!({"items": [{"qty": "1"}, {"qty": "2"}]});
        let mut walk = Walk::new(&path);
        let mut seen = Vec::new();
        while let Some(Step::At(at)) = walk.next(&doc) {
            let concrete = at.pointer(&path).into_owned();
            *concrete.get_mut(&mut doc).unwrap() = json!(seen.len());
            seen.push(concrete.to_string());
        }
        assert_eq!(seen, ["/items/0/qty", "/items/1/qty"]);
        assert_eq!(doc, json!({"items": [{"qty": 0}, {"qty": 1}]}));
    }

    #[test]
    fn a_path_without_wildcards_stays_as_it_is() {
        let path = Pointer::parse_path("/a/b").unwrap();
        assert!(matches!(
            At::NONE.pointer(&path),
            Cow::Borrowed(p) if *p == path
        ));
    }

    #[test]
    fn a_wildcard_walks_a_large_object_and_array_in_order() {
        let n = 50_000;
        let doc = json!({
            "by_id": Value::Object((0..n).map(|i| (format!("id-{i}"), json!(i))).collect()),
            "list": Value::Array((0..n).map(|i| json!(i)).collect()),
        });
        for (path, first, last) in [
            ("/by_id/*", "/by_id/id-0", format!("/by_id/id-{}", n - 1)),
            ("/list/*", "/list/0", format!("/list/{}", n - 1)),
        ] {
            let path = Pointer::parse_path(path).unwrap();
            let mut walk = Walk::new(&path);
            let mut seen = Vec::with_capacity(n);
            while let Some(Step::At(at)) = walk.next(&doc) {
                let concrete = at.pointer(&path).into_owned();
                assert_eq!(concrete.get(&doc), Some(&json!(seen.len())), "{concrete}");
                seen.push(concrete.to_string());
            }
            assert_eq!(seen.len(), n);
            assert_eq!((seen[0].as_str(), &seen[n - 1]), (first, &last));
        }
    }

    #[test]
    fn a_path_of_wildcards_finds_every_leaf_of_a_wide_deep_document() {
        // 5 levels of 6 members: 6^5 = 7,776 matches at depth 5.
        let mut doc = json!(1);
        for _ in 0..5 {
            doc = Value::Object((0..6).map(|i| (format!("k{i}"), doc.clone())).collect());
        }
        let path = Pointer::parse_path("/*/*/*/*/*").unwrap();
        let mut walk = Walk::new(&path);
        let mut matches = 0;
        while let Some(step) = walk.next(&doc) {
            assert!(matches!(step, Step::At(_)), "{step:?}");
            matches += 1;
        }
        assert_eq!(matches, 7_776);
        // Deeper than the document: every leaf is a number where the path goes on, so the
        // first one fails the walk.
        let deeper = Pointer::parse_path("/*/*/*/*/*/*").unwrap();
        let mut walk = Walk::new(&deeper);
        assert_eq!(
            walk.next(&doc),
            Some(Step::NotContainer(
                "/k0/k0/k0/k0/k0 is a number, not an object or array".to_owned()
            ))
        );
        assert_eq!(walk.next(&doc), None);
    }
}
