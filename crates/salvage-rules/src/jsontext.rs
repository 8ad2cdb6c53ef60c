//! JSON reformatted as text: pretty for the editor and `show`, compact for sending. Working on
//! the text rather than on a parsed value keeps every number, string escape and key order
//! exactly as written (a parse would turn `129.90` into `129.9` and big integers into floats).

/// The payload pretty-printed (2 spaces), if it is valid JSON.
pub fn pretty(payload: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(payload).ok()?;
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    Some(reformat(text, true))
}

/// Valid JSON text pretty-printed (2 spaces). The text must be valid JSON.
pub fn pretty_valid(text: &str) -> String {
    reformat(text, true)
}

/// Valid JSON text without insignificant whitespace. The text must be valid JSON.
pub fn compact(text: &str) -> String {
    reformat(text, false)
}

fn reformat(text: &str, indent: bool) -> String {
    let mut out = String::with_capacity(text.len() * if indent { 2 } else { 1 });
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            c if c.is_whitespace() => {}
            '{' | '[' => {
                out.push(c);
                // Skip whitespace to see whether the container is empty: `{}` stays on one line.
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|&n| n == '}' || n == ']') {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    if indent {
                        newline(&mut out, depth);
                    }
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if indent {
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                if indent {
                    newline(&mut out, depth);
                }
            }
            ':' => {
                out.push(':');
                if indent {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_order_are_kept() {
        let src = r#"{"b":129.90,"a":[1, 2,{}],"s":"x \" ,:{ y","e":[],"n":12345678901234567890}"#;
        let p = pretty(src.as_bytes()).unwrap();
        assert_eq!(
            p,
            "{\n  \"b\": 129.90,\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"s\": \"x \\\" ,:{ y\",\n  \"e\": [],\n  \"n\": 12345678901234567890\n}"
        );
        assert_eq!(
            compact(&p),
            r#"{"b":129.90,"a":[1,2,{}],"s":"x \" ,:{ y","e":[],"n":12345678901234567890}"#
        );
    }

    #[test]
    fn not_json_is_none() {
        assert!(pretty(b"not json").is_none());
        assert!(pretty(&[0xff, 0xfe]).is_none());
        assert_eq!(pretty(b" 42 ").unwrap(), "42");
    }
}
