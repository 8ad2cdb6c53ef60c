//! The `decode_json` action: `{ op = "decode_json", path }` replaces a string holding a JSON
//! document (a double-encoded webhook body: `{"body":"{\"id\":7,\"total\":12.50}"}`) by the
//! value it holds (`{"body":{"id":7,"total":12.50}}`).
//!
//! The string is read as the payload is read (`exact::parse`): numbers keep their digits
//! (`12.50` stays `12.50`, a 23-digit id stays whole), members keep their order, whitespace
//! around the document is allowed, and a key written twice in one object or nesting deeper
//! than the parser's limit is refused as it is in a payload. One level is decoded: a string
//! holding a string holding JSON becomes that inner string.
//!
//! The decoded value is written anew, as serde_json writes it (as every value an action writes
//! anew): the inner document's whitespace goes and its strings are written with serde_json's
//! escapes (`\u00e9` comes out as `é`) and an exponent as `1e+3` (for `1E3`, as `coerce`
//! writes one); its digits and member order stay.
//!
//! It refuses anything but a string (`expected a string, found number`) and a string that is
//! not one JSON document (`the string is not valid JSON: <the parser's error>`, with line and
//! column within the string). `path = ""` decodes a payload that is itself a JSON string.

use serde::Deserialize;
use serde_json::Value;

use super::{ActionKind, At, Failure, Use, parse_pointer, rewrite};
use crate::{exact, pointer::Pointer, value::type_name};

/// `{ op = "decode_json", path }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DecodeJson {
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for DecodeJson {
    type Compiled = Pointer;

    fn compile(self) -> Result<Self::Compiled, String> {
        parse_pointer(&self.path, "path")
    }

    fn apply(path: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| decode(value).map(Some))
    }

    fn uses(path: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// The JSON document the string `value` holds, read with `exact::parse`; or why not.
fn decode(value: &Value) -> Result<Value, String> {
    let Value::String(text) = value else {
        return Err(format!("expected a string, found {}", type_name(value)));
    };
    exact::parse(text.as_bytes()).map_err(|e| format!("the string {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (value as JSON text, decoded value as JSON text, or the error)
    const CASES: &[(&str, Result<&str, &str>)] = &[
        (
            r#""{\"id\":7,\"total\":12.50}""#,
            Ok(r#"{"id":7,"total":12.50}"#),
        ),
        // Digits and member order kept; whitespace, exponents and escapes as serde_json writes
        // them.
        (
            r#""{ \"z\" : 20261121000000000000001 , \"a\" : [1.0, -0, 1E3] }""#,
            Ok(r#"{"z":20261121000000000000001,"a":[1.0,-0,1e+3]}"#),
        ),
        (r#""{\"name\":\"Ren\\u00e9e\"}""#, Ok(r#"{"name":"Renée"}"#)),
        (r#""  [1, 2]\n""#, Ok("[1,2]")),
        (r#""12.50""#, Ok("12.50")),
        (r#""null""#, Ok("null")),
        // One level only: a string holding a string becomes that string.
        (r#""\"{\\\"a\\\":1}\"""#, Ok(r#""{\"a\":1}""#)),
        (r#"7"#, Err("expected a string, found number")),
        (r#"{"a":"1"}"#, Err("expected a string, found object")),
        (r#"null"#, Err("expected a string, found null")),
        (
            r#""""#,
            Err("the string is not valid JSON: EOF while parsing a value at line 1 column 0"),
        ),
        (
            r#""{\"id\":7,}""#,
            Err("the string is not valid JSON: trailing comma at line 1 column 9"),
        ),
        (
            r#""not json""#,
            Err("the string is not valid JSON: expected ident at line 1 column 2"),
        ),
        (
            r#""{\"a\":1} x""#,
            Err("the string is not valid JSON: trailing characters at line 1 column 9"),
        ),
        (
            r#""{\"a\":1,\"a\":2}""#,
            Err(
                r#"the string is ambiguous: key "a" appears more than once in the top-level object"#,
            ),
        ),
    ];

    #[test]
    fn decodes_or_says_why_not() {
        for (input, expected) in CASES {
            let value: Value = serde_json::from_str(input).unwrap();
            let got = decode(&value).map(|v| v.to_string());
            assert_eq!(got.as_deref().map_err(String::as_str), *expected, "{input}");
        }
    }

    #[test]
    fn refuses_nesting_deeper_than_a_payload_may() {
        let inner = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = decode(&Value::String(inner)).unwrap_err();
        assert_eq!(
            err,
            format!(
                "the string is nested deeper than {} levels",
                exact::MAX_DEPTH
            )
        );
    }
}
