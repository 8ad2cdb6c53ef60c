//! Targets named by the error: an action's `path` or `from` that refers to a named capture
//! group of the rule's `when.message` regex, so the consumer's "field 'shipping.zip' must be a
//! string" says where to repair.
//!
//! In `path` and `from`, a token that is exactly `{name}` (`{`, a name, `}`, with no other
//! character between the slashes) stands for the text the group `name` captured, converted to
//! pointer tokens: `path = "{field}"` is the captured location itself, `path =
//! "/order/{field}"` that location inside `/order`, `path = "/lines/*/{field}"` it inside every
//! line. A template that does not start with `/` starts with its first token (`"{field}"` is
//! read as `"/{field}"`). Braces anywhere else are the characters (`/a{b}` is the member
//! `a{b}`). A `{name}` that is not a named group of `when.message`, or in a rule without
//! `when.message`, is refused at load time.
//!
//! The captured text becomes tokens ([`tokens`]) so:
//! - starting with `/`: a JSON Pointer as written (RFC 6901: `~0` is `~`, `~1` is `/`, and
//!   `~2` is `*`), where a token `*` is a member named `*`, never a wildcard;
//! - otherwise a dotted path: names separated by `.`, each optionally followed by array indexes
//!   in brackets (`items[2].qty` and `items.2.qty` are both `/items/2/qty`; `[0].id` is
//!   `/0/id`). A name is taken as it is, every character but `.` and `[` included: `a/b` is the
//!   member `a/b` (written `/a~1b`), `c~d` is `c~d` (`/c~0d`), `*` the member named `*` (`/~2`).
//!   A bracket holds a canonical index (`0`, or digits without a leading zero).
//!
//! Captured text never adds a wildcard: it is tokens of members and elements, escaped as
//! [`Token::escaped`] writes them. Empty text, an empty name (`a..b`, `.a`, `a.`), a bracket
//! that is not a canonical index (`a[x]`, `a[01]`, `a[`), a `]` outside one, a pointer with a
//! bad `~` escape, and a group that took no part in the match all fail the action at
//! evaluation with a reason quoting the captured text (the message is then parked).
//!
//! At evaluation, each templated action's entry is compiled again with its concrete pointers
//! ([`Templated::resolve`]), exactly as a rule written with them would be: its failures, its
//! label (`coerce /shipping/zip`) and its history's changes name the concrete pointer, and the
//! part of the payload the repair reads (`partial`) is worked out from the concrete actions.
//! At load time it is compiled once with each `{name}` token kept as a member name, so every
//! other setting is checked then.

use regex::{Captures, Regex};

use super::{
    action::Action,
    pointer::{Pointer, Token},
};

/// An action whose `path` or `from` refers to captures, as written, checked at load time.
#[derive(Debug, Clone)]
pub(crate) struct Templated {
    /// The entry as written.
    entry: toml::Table,
    /// The templates of `path` and `from`, with the key each replaces (at least one).
    fields: Vec<(&'static str, Template)>,
}

/// A `path` or `from` with `{name}` tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// A token as written (escaped).
    Literal(String),
    /// `{name}`: the tokens the group `name` captured.
    Capture(String),
}

/// The fields of an action that may refer to captures.
const FIELDS: [&str; 2] = ["path", "from"];

impl Templated {
    /// Reads `entry` (one element of `actions`): `Ok(None)` when neither its `path` nor its
    /// `from` refers to a capture. Each `{name}` must be a named group of `message`, the rule's
    /// `when.message`; the entry must compile with each `{name}` read as a member name.
    pub(crate) fn parse(
        entry: &toml::Value,
        message: Option<&Regex>,
    ) -> Result<Option<Templated>, String> {
        let Some(table) = entry.as_table() else {
            return Ok(None);
        };
        let mut fields = Vec::new();
        for field in FIELDS {
            let Some(template) = table
                .get(field)
                .and_then(toml::Value::as_str)
                .and_then(Template::parse)
            else {
                continue;
            };
            for name in template.names() {
                check_group(name, field, message)?;
            }
            fields.push((field, template));
        }
        if fields.is_empty() {
            return Ok(None);
        }
        let templated = Templated {
            entry: table.clone(),
            fields,
        };
        // Every other setting is checked now, with each `{name}` as a member name.
        templated.compile(|template| Ok(template.probe()))?;
        Ok(Some(templated))
    }

    /// The action with its pointers made concrete by `captures` (of the rule's `when.message`
    /// on the message being evaluated); why not, in words, when a captured text is not a path
    /// or the concrete action does not compile.
    pub(crate) fn resolve(&self, captures: Option<&Captures<'_>>) -> Result<Action, String> {
        self.compile(|template| template.resolve(captures))
    }

    /// `<op> <path>` as written, e.g. `coerce {field}` (for failures before the path is known).
    pub(crate) fn label(&self) -> String {
        let op = self.entry.get("op").and_then(toml::Value::as_str);
        let path = self.entry.get("path").and_then(toml::Value::as_str);
        match (op, path) {
            (Some(op), Some(path)) if !path.is_empty() => format!("{op} {path}"),
            (Some(op), _) => op.to_owned(),
            (None, _) => "action".to_owned(),
        }
    }

    fn compile(
        &self,
        mut pointer: impl FnMut(&Template) -> Result<String, String>,
    ) -> Result<Action, String> {
        let mut entry = self.entry.clone();
        for (field, template) in &self.fields {
            entry.insert((*field).to_owned(), toml::Value::String(pointer(template)?));
        }
        Action::parse(toml::Value::Table(entry))
    }
}

impl Template {
    /// `text` as a template; `None` when it has no `{name}` token (or does not start with `/`
    /// or `{`: then it is no pointer, and compiling says so).
    fn parse(text: &str) -> Option<Template> {
        let body = match text.strip_prefix('/') {
            Some(rest) => rest,
            None if text.starts_with('{') => text,
            None => return None,
        };
        let pieces: Vec<Piece> = body
            .split('/')
            .map(|token| match reference(token) {
                Some(name) => Piece::Capture(name.to_owned()),
                None => Piece::Literal(token.to_owned()),
            })
            .collect();
        pieces
            .iter()
            .any(|piece| matches!(piece, Piece::Capture(_)))
            .then_some(Template { pieces })
    }

    /// The group names it refers to, in order.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Capture(name) => Some(name.as_str()),
            Piece::Literal(_) => None,
        })
    }

    /// The pointer with each `{name}` token kept as a member of that name, for load-time
    /// checks.
    fn probe(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(token) => format!("/{token}"),
                Piece::Capture(name) => format!("/{{{name}}}"),
            })
            .collect()
    }

    /// The concrete pointer's text: each `{name}` replaced by the tokens its group captured.
    fn resolve(&self, captures: Option<&Captures<'_>>) -> Result<String, String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(token) => {
                    out.push('/');
                    out.push_str(token);
                }
                Piece::Capture(name) => {
                    let text = captures
                        .and_then(|captures| captures.name(name))
                        .ok_or_else(|| {
                            format!("`{{{name}}}`: the group `{name}` captured nothing")
                        })?
                        .as_str();
                    let tokens = tokens(text).map_err(|reason| {
                        format!("`{{{name}}}` captured {text:?}, which is not a path: {reason}")
                    })?;
                    out.push_str(&super::pointer::text(&tokens));
                }
            }
        }
        Ok(out)
    }
}

/// The group name of a token that is exactly `{name}`.
fn reference(token: &str) -> Option<&str> {
    let name = token.strip_prefix('{')?.strip_suffix('}')?;
    (!name.is_empty() && !name.contains(['{', '}'])).then_some(name)
}

/// Refuses `{name}` in `field` unless `name` is a named group of `message`.
fn check_group(name: &str, field: &str, message: Option<&Regex>) -> Result<(), String> {
    let Some(regex) = message else {
        return Err(format!(
            "`{field}` refers to the capture `{{{name}}}`, but the rule has no `when.message` \
             (name a group there: `(?P<{name}>...)`)"
        ));
    };
    let groups: Vec<&str> = regex.capture_names().flatten().collect();
    if groups.contains(&name) {
        return Ok(());
    }
    let known = if groups.is_empty() {
        "it has no named groups".to_owned()
    } else {
        format!(
            "its named groups: {}",
            groups
                .iter()
                .map(|group| format!("`{group}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(format!(
        "`{field}` refers to the capture `{{{name}}}`, which is not a named group of \
         `when.message` ({known})"
    ))
}

/// The pointer tokens of a captured text (see the module documentation), or why it is not a
/// path.
pub(crate) fn tokens(text: &str) -> Result<Vec<Token>, String> {
    if text.is_empty() {
        return Err("it is empty".to_owned());
    }
    if text.starts_with('/') {
        let pointer = Pointer::parse_path(text)?;
        return Ok(pointer
            .tokens()
            .iter()
            .map(|token| {
                if token.wildcard {
                    Token::member("*")
                } else {
                    token.clone()
                }
            })
            .collect());
    }
    let mut tokens = Vec::new();
    for (i, segment) in text.split('.').enumerate() {
        let (name, mut indexes) = segment.split_at(segment.find('[').unwrap_or(segment.len()));
        if name.contains(']') {
            return Err(format!("`]` without `[` in {segment:?}"));
        }
        match name {
            "" if i > 0 || indexes.is_empty() => {
                return Err("a name is empty (two dots in a row, or a dot at an end)".to_owned());
            }
            "" => {}
            name => tokens.push(Token::member(name)),
        }
        let bad = || {
            format!(
                "brackets in {segment:?} must hold an array index \
                 (`0`, or digits without a leading zero)"
            )
        };
        while let Some(rest) = indexes.strip_prefix('[') {
            let (index, after) = rest.split_once(']').ok_or_else(bad)?;
            let token = Token::member(index);
            if token.index.is_none() {
                return Err(bad());
            }
            tokens.push(token);
            indexes = after;
        }
        if !indexes.is_empty() {
            return Err(bad());
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests;
