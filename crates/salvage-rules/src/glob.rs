//! Glob patterns for `when.queue`, `when.event_type` and `when.code`: `*` matches any run of
//! characters (including none), `?` exactly one character, and `\*`, `\?`, `\\` match those
//! characters literally. A glob matches the whole string. Patterns are compiled once, at load
//! time, and the common shapes (exact, `prefix*`, `*suffix`, `*`) skip the general matcher.

/// One compiled glob pattern.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Any,
    Exact(String),
    Prefix(String),
    Suffix(String),
    General(Vec<Piece>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Char(char),
    One,
    Star,
}

impl Glob {
    /// Compiles `pattern`, rejecting an empty pattern and a `\` that escapes nothing.
    pub(crate) fn parse(pattern: &str) -> Result<Glob, String> {
        if pattern.is_empty() {
            return Err("empty glob (use \"*\" to match anything)".to_owned());
        }
        let mut pieces = Vec::with_capacity(pattern.len());
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            let piece = match c {
                '*' if pieces.last() == Some(&Piece::Star) => continue,
                '*' => Piece::Star,
                '?' => Piece::One,
                '\\' => match chars.next() {
                    Some(escaped @ ('*' | '?' | '\\')) => Piece::Char(escaped),
                    Some(other) => {
                        return Err(format!(
                            "invalid escape `\\{other}` in glob `{pattern}` \
                             (only \\*, \\? and \\\\)"
                        ));
                    }
                    None => return Err(format!("glob `{pattern}` ends with a lone `\\`")),
                },
                c => Piece::Char(c),
            };
            pieces.push(piece);
        }
        Ok(Glob {
            matcher: Matcher::from_pieces(pieces),
        })
    }

    /// Whether the whole of `text` matches.
    pub(crate) fn matches(&self, text: &str) -> bool {
        match &self.matcher {
            Matcher::Any => true,
            Matcher::Exact(literal) => text == literal,
            Matcher::Prefix(prefix) => text.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => text.ends_with(suffix.as_str()),
            Matcher::General(pieces) => matches_general(pieces, text),
        }
    }
}

impl Matcher {
    fn from_pieces(pieces: Vec<Piece>) -> Matcher {
        let literal = |pieces: &[Piece]| -> Option<String> {
            pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Char(c) => Some(*c),
                    Piece::One | Piece::Star => None,
                })
                .collect()
        };
        match pieces.as_slice() {
            [Piece::Star] => Matcher::Any,
            [Piece::Star, rest @ ..] if literal(rest).is_some() => {
                Matcher::Suffix(literal(rest).unwrap_or_default())
            }
            [rest @ .., Piece::Star] if literal(rest).is_some() => {
                Matcher::Prefix(literal(rest).unwrap_or_default())
            }
            all => match literal(all) {
                Some(exact) => Matcher::Exact(exact),
                None => Matcher::General(pieces),
            },
        }
    }
}

/// Iterative wildcard matching with backtracking to the last `*`: linear in practice and never
/// exponential, because only the most recent star is ever revisited.
fn matches_general(pieces: &[Piece], text: &str) -> bool {
    let mut p = 0;
    let mut t = 0;
    // (piece index after the star, text position the star's run currently ends at)
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        let next_char = text[t..].chars().next();
        let step = match (pieces.get(p), next_char) {
            (Some(Piece::Star), _) => {
                backtrack = Some((p + 1, t));
                p += 1;
                continue;
            }
            (Some(Piece::Char(want)), Some(got)) if *want == got => Some(got.len_utf8()),
            (Some(Piece::One), Some(got)) => Some(got.len_utf8()),
            (None, None) => return true,
            _ => None,
        };
        if let Some(width) = step {
            p += 1;
            t += width;
            continue;
        }
        // Mismatch: let the last star swallow one more character, or give up.
        match backtrack {
            Some((star_next, star_end)) => match text[star_end..].chars().next() {
                Some(c) => {
                    let end = star_end + c.len_utf8();
                    backtrack = Some((star_next, end));
                    p = star_next;
                    t = end;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

/// Several globs: matches when any of them does.
#[derive(Debug, Clone)]
pub(crate) struct GlobSet(Vec<Glob>);

impl GlobSet {
    /// Compiles each pattern.
    pub(crate) fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<GlobSet, String> {
        if patterns.is_empty() {
            return Err("empty list of patterns (omit the condition to match anything)".to_owned());
        }
        patterns
            .iter()
            .map(|p| Glob::parse(p.as_ref()))
            .collect::<Result<_, _>>()
            .map(GlobSet)
    }

    /// Whether any glob matches the whole of `text`.
    pub(crate) fn matches(&self, text: &str) -> bool {
        self.0.iter().any(|glob| glob.matches(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_strings() {
        let cases: &[(&str, &str, bool)] = &[
            ("orders", "orders", true),
            ("orders", "orders-eu", false),
            ("orders*", "orders", true),
            ("orders*", "orders-eu", true),
            ("orders*", "payments", false),
            ("*-dlq", "orders-dlq", true),
            ("*-dlq", "orders-dlq2", false),
            ("*", "", true),
            ("**", "anything", true),
            ("order?", "orders", true),
            ("order?", "order", false),
            ("order?", "orderé", true),
            ("UPSTREAM_*", "UPSTREAM_INVENTORY", true),
            ("UPSTREAM_*", "DOWNSTREAM_X", false),
            ("*_TIMEOUT*", "GATEWAY_TIMEOUT", true),
            ("*_TIMEOUT*", "GATEWAY_TIMEOUT_READ", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "a-b-b-c", true),
            ("a*b*c", "a-b-b-d", false),
            ("a*b?c", "aXbbYc", true),
            ("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
            ("?", "", false),
            ("a\\*", "a*", true),
            ("a\\*", "ab", false),
            ("\\?x", "?x", true),
            ("a\\\\b", "a\\b", true),
        ];
        for (pattern, text, expected) in cases {
            let glob = Glob::parse(pattern).unwrap();
            assert_eq!(
                glob.matches(text),
                *expected,
                "glob {pattern:?} on {text:?}"
            );
        }
    }

    #[test]
    fn rejects_bad_globs() {
        for (pattern, message) in [
            ("", "empty glob"),
            ("a\\", "ends with a lone `\\`"),
            ("a\\b", "invalid escape `\\b`"),
        ] {
            let err = Glob::parse(pattern).unwrap_err();
            assert!(err.contains(message), "{pattern:?}: {err}");
        }
    }

    #[test]
    fn set_matches_any() {
        let set = GlobSet::parse(&["orders", "payments*"]).unwrap();
        assert!(set.matches("orders"));
        assert!(set.matches("payments-eu"));
        assert!(!set.matches("refunds"));
        assert!(GlobSet::parse::<&str>(&[]).is_err());
    }
}
