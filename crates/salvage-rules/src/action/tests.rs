//! Each action kind applied to a small document: results, failure reasons and `optional`.

use super::*;

/// Compiles an action written as a TOML inline table.
fn action(inline_table: &str) -> Result<Action, String> {
    let mut table: toml::Table =
        toml::from_str(&format!("a = {inline_table}")).map_err(|e| e.message().to_owned())?;
    Action::parse(table.remove("a").unwrap())
}

/// (action, document, resulting document or failure reason)
const CASES: &[(&str, &str, Result<&str, &str>)] = &[
    (
        r#"{ op = "coerce", path = "/total", to = "number" }"#,
        r#"{"total":"12.50"}"#,
        Ok(r#"{"total":12.50}"#),
    ),
    (
        r#"{ op = "coerce", path = "/total", to = "number" }"#,
        r#"{"total":"abc"}"#,
        Err(r#"cannot coerce string "abc" to number"#),
    ),
    (
        r#"{ op = "coerce", path = "/total", to = "number" }"#,
        "{}",
        Err("/total does not exist"),
    ),
    (
        r#"{ op = "coerce", path = "/total", to = "number", optional = true }"#,
        "{}",
        Ok("{}"),
    ),
    (
        r#"{ op = "coerce", path = "/total", to = "number", optional = true }"#,
        r#"{"total":[]}"#,
        Err("cannot coerce an array to number"),
    ),
    (
        r#"{ op = "coerce", path = "/n", to = "integer" }"#,
        r#"{"n":"42"}"#,
        Ok(r#"{"n":42}"#),
    ),
    (
        r#"{ op = "coerce", path = "/n", to = "string" }"#,
        r#"{"n":4.5}"#,
        Ok(r#"{"n":"4.5"}"#),
    ),
    (
        r#"{ op = "coerce", path = "/n", to = "boolean" }"#,
        r#"{"n":"Yes"}"#,
        Ok(r#"{"n":true}"#),
    ),
    // A rule's own words for true and false: any ASCII case, trimmed; numbers still 1/0.
    (
        r#"{ op = "coerce", path = "/lines/*/flag", to = "boolean", true_values = ["Y", "T", "yes"], false_values = ["N", "F", "no"] }"#,
        r#"{"lines":[{"flag":"Y"},{"flag":" n "},{"flag":"t"},{"flag":"No"},{"flag":1},{"flag":false}]}"#,
        Ok(
            r#"{"lines":[{"flag":true},{"flag":false},{"flag":true},{"flag":false},{"flag":true},{"flag":false}]}"#,
        ),
    ),
    (
        r#"{ op = "coerce", path = "/lines/*/flag", to = "boolean", true_values = ["Y", "T", "yes"], false_values = ["N", "F", "no"] }"#,
        r#"{"lines":[{"flag":"Y"},{"flag":"maybe"}]}"#,
        Err(
            r#"at /lines/1/flag: cannot coerce string "maybe" to boolean: it is in neither true_values nor false_values"#,
        ),
    ),
    // The built-in words are replaced, not added to.
    (
        r#"{ op = "coerce", path = "/flag", to = "boolean", true_values = ["Y", "T", "yes"], false_values = ["N", "F", "no"] }"#,
        r#"{"flag":"true"}"#,
        Err(
            r#"cannot coerce string "true" to boolean: it is in neither true_values nor false_values"#,
        ),
    ),
    (
        r#"{ op = "coerce", path = "/flag", to = "boolean", true_values = ["JA"], false_values = ["NEIN"] }"#,
        r#"{"flag":"ja"}"#,
        Ok(r#"{"flag":true}"#),
    ),
    (
        r#"{ op = "trim", path = "/e" }"#,
        r#"{"e":" a "}"#,
        Ok(r#"{"e":"a"}"#),
    ),
    (
        r#"{ op = "lowercase", path = "/e" }"#,
        r#"{"e":"A@B.C"}"#,
        Ok(r#"{"e":"a@b.c"}"#),
    ),
    (
        r#"{ op = "uppercase", path = "/e" }"#,
        r#"{"e":"de"}"#,
        Ok(r#"{"e":"DE"}"#),
    ),
    (
        r#"{ op = "uppercase", path = "/e" }"#,
        r#"{"e":5}"#,
        Err("expected a string, found number"),
    ),
    (
        r#"{ op = "trim", path = "/e", optional = true }"#,
        r#"{"e":null}"#,
        Err("expected a string, found null"),
    ),
    (
        r#"{ op = "regex_replace", path = "/p", pattern = '^\s*(\+)|[^0-9]', replacement = "$1" }"#,
        r#"{"p":"+49 30-1"}"#,
        Ok(r#"{"p":"+49301"}"#),
    ),
    (
        r#"{ op = "regex_replace", path = "/p", pattern = "x", replacement = "" }"#,
        r#"{"p":1}"#,
        Err("expected a string, found number"),
    ),
    (
        r#"{ op = "map", path = "/m", values = { cc = "card", "1" = 1 } }"#,
        r#"{"m":"cc"}"#,
        Ok(r#"{"m":"card"}"#),
    ),
    (
        r#"{ op = "map", path = "/m", values = { cc = "card", "1" = "one" } }"#,
        r#"{"m":1}"#,
        Ok(r#"{"m":"one"}"#),
    ),
    (
        r#"{ op = "map", path = "/m", values = { cc = "card" } }"#,
        r#"{"m":"x"}"#,
        Err(r#"no mapping for string "x" and no default"#),
    ),
    (
        r#"{ op = "map", path = "/m", values = { cc = "card" }, default = "other" }"#,
        r#"{"m":"x"}"#,
        Ok(r#"{"m":"other"}"#),
    ),
    (
        r#"{ op = "timestamp", path = "/t" }"#,
        r#"{"t":"22.11.2026"}"#,
        Ok(r#"{"t":"2026-11-22T00:00:00Z"}"#),
    ),
    (
        r#"{ op = "timestamp", path = "/t" }"#,
        r#"{"t":"soon"}"#,
        Err(r#"string "soon" is not a recognised timestamp"#),
    ),
    (
        r#"{ op = "timestamp", path = "/t", formats = ["[day]-[month repr:short]-[year]"] }"#,
        r#"{"t":"22-Nov-2026"}"#,
        Ok(r#"{"t":"2026-11-22T00:00:00Z"}"#),
    ),
    (
        r#"{ op = "default", path = "/currency", value = "EUR" }"#,
        r#"{"id":1}"#,
        Ok(r#"{"id":1,"currency":"EUR"}"#),
    ),
    (
        r#"{ op = "default", path = "/a/b", value = 1, optional = true }"#,
        r#"{"a":2}"#,
        Err("/a is a number, not an object or array"),
    ),
    (
        r#"{ op = "rename", from = "/customerId", path = "/customer_id" }"#,
        r#"{"customerId":"c","a":1}"#,
        Ok(r#"{"customer_id":"c","a":1}"#),
    ),
    (
        r#"{ op = "rename", from = "/customerId", path = "/customer_id" }"#,
        r#"{"a":1}"#,
        Err("/customerId does not exist"),
    ),
    (
        r#"{ op = "rename", from = "/customerId", path = "/customer_id", optional = true }"#,
        r#"{"a":1}"#,
        Ok(r#"{"a":1}"#),
    ),
    (
        r#"{ op = "add", path = "/tags/-", value = { k = [1, 2.5] } }"#,
        r#"{"tags":[]}"#,
        Ok(r#"{"tags":[{"k":[1,2.5]}]}"#),
    ),
    (
        r#"{ op = "add", path = "/x/y", value = 1, optional = true }"#,
        "{}",
        Ok("{}"),
    ),
    (
        r#"{ op = "remove", path = "/a/0" }"#,
        r#"{"a":[1,2]}"#,
        Ok(r#"{"a":[2]}"#),
    ),
    (
        r#"{ op = "remove", path = "/a", optional = true }"#,
        "{}",
        Ok("{}"),
    ),
    (
        r#"{ op = "replace", path = "/v", value = 2 }"#,
        r#"{"v":1}"#,
        Ok(r#"{"v":2}"#),
    ),
    (
        r#"{ op = "move", from = "/items", path = "/lines" }"#,
        r#"{"items":[1],"x":0}"#,
        Ok(r#"{"x":0,"lines":[1]}"#),
    ),
    (
        r#"{ op = "copy", from = "/a", path = "/b" }"#,
        r#"{"a":1}"#,
        Ok(r#"{"a":1,"b":1}"#),
    ),
    (
        r#"{ op = "test", path = "/v", value = 1 }"#,
        r#"{"v":2}"#,
        Err("test failed: /v is number 2, expected number 1"),
    ),
    (
        r#"{ op = "test", path = "/v", value = 1, optional = true }"#,
        "{}",
        Ok("{}"),
    ),
    (
        r#"{ op = "multiply", path = "/amount", by = 100 }"#,
        r#"{"amount":12.30,"id":20261121000000000000001}"#,
        Ok(r#"{"amount":1230,"id":20261121000000000000001}"#),
    ),
    (
        r#"{ op = "multiply", path = "/amount", by = "100", decimals = 0 }"#,
        r#"{"amount":12.345}"#,
        Err("number 12.345 × 100: the result needs more than 0 decimals and no `rounding` is set"),
    ),
    (
        r#"{ op = "multiply", path = "/amount", by = 100 }"#,
        r#"{"amount":"twelve"}"#,
        Err(r#"string "twelve" is not a decimal number"#),
    ),
    (
        r#"{ op = "multiply", path = "/amount", by = 100 }"#,
        "{}",
        Err("/amount does not exist"),
    ),
    (
        r#"{ op = "multiply", path = "/amount", by = 100, optional = true }"#,
        "{}",
        Ok("{}"),
    ),
    (
        r#"{ op = "divide", path = "/weight", by = 1000 }"#,
        r#"{"weight":1235}"#,
        Ok(r#"{"weight":1.235}"#),
    ),
    (
        r#"{ op = "divide", path = "/weight", by = 1000, decimals = 2, rounding = "half_even" }"#,
        r#"{"weight":"125"}"#,
        Ok(r#"{"weight":"0.12"}"#),
    ),
    (
        r#"{ op = "divide", path = "/weight", by = 1000, optional = true }"#,
        r#"{"weight":null}"#,
        Err("expected a number or a string holding one, found null"),
    ),
    (
        r#"{ op = "pad", path = "/zip", width = 5, with = "0" }"#,
        r#"{"zip":"1234"}"#,
        Ok(r#"{"zip":"01234"}"#),
    ),
    (
        r#"{ op = "pad", path = "/code", width = 6, with = " ", side = "right" }"#,
        r#"{"code":"AB"}"#,
        Ok(r#"{"code":"AB    "}"#),
    ),
    // At or over the width: unchanged, never truncated.
    (
        r#"{ op = "pad", path = "/zip", width = 5, with = "0" }"#,
        r#"{"zip":"123456"}"#,
        Ok(r#"{"zip":"123456"}"#),
    ),
    (
        r#"{ op = "pad", path = "/zip", width = 5, with = "0" }"#,
        r#"{"zip":1234}"#,
        Err(
            r#"pad takes a string, found number 1234: turn it into one first with `{ op = "coerce", path, to = "string" }` in the same rule"#,
        ),
    ),
    (
        r#"{ op = "pad", path = "/zip", width = 5, with = "0" }"#,
        "{}",
        Err("/zip does not exist"),
    ),
    (
        r#"{ op = "pad", path = "/zip", width = 5, with = "0", optional = true }"#,
        "{}",
        Ok("{}"),
    ),
    // Fixed decimals are `multiply` by 1 with `decimals`, not `pad`: 19 → 19.00.
    (
        r#"{ op = "multiply", path = "/price", by = 1, decimals = 2 }"#,
        r#"{"price":19}"#,
        Ok(r#"{"price":19.00}"#),
    ),
    (
        r#"{ op = "multiply", path = "/price", by = 1, decimals = 2 }"#,
        r#"{"price":"19.5"}"#,
        Ok(r#"{"price":"19.50"}"#),
    ),
    // decode_json: the string's document, its digits and member order kept.
    (
        r#"{ op = "decode_json", path = "/body" }"#,
        r#"{"queue":"webhooks","body":"{\"id\":7,\"total\":12.50}"}"#,
        Ok(r#"{"queue":"webhooks","body":{"id":7,"total":12.50}}"#),
    ),
    (
        r#"{ op = "decode_json", path = "" }"#,
        r#""{\"z\":1,\"a\":[2.0]}""#,
        Ok(r#"{"z":1,"a":[2.0]}"#),
    ),
    (
        r#"{ op = "decode_json", path = "/body" }"#,
        r#"{"body":7}"#,
        Err("expected a string, found number"),
    ),
    (
        r#"{ op = "decode_json", path = "/body" }"#,
        r#"{"body":"{\"id\":7"}"#,
        Err("the string is not valid JSON: EOF while parsing an object at line 1 column 7"),
    ),
    (
        r#"{ op = "decode_json", path = "/body" }"#,
        "{}",
        Err("/body does not exist"),
    ),
    (
        r#"{ op = "decode_json", path = "/body", optional = true }"#,
        "{}",
        Ok("{}"),
    ),
    (
        r#"{ op = "decode_json", path = "/body", optional = true }"#,
        r#"{"body":"nope"}"#,
        Err("the string is not valid JSON: expected ident at line 1 column 2"),
    ),
];

/// Each case's action (TOML) applied to its document: the document it leaves (compact JSON), or
/// the failure's message.
fn assert_cases(cases: &[(&str, &str, Result<&str, &str>)]) {
    for (source, doc, expected) in cases {
        let action = action(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let mut doc: Value = serde_json::from_str(doc).unwrap();
        let result = action.apply(&mut doc);
        match expected {
            Ok(want) => {
                assert!(result.is_ok(), "{source}: {result:?}");
                assert_eq!(doc.to_string(), *want, "{source}");
            }
            Err(message) => assert_eq!(result.unwrap_err().message(), *message, "{source}"),
        }
    }
}

#[test]
fn actions_apply_or_fail_with_reasons() {
    assert_cases(CASES);
}

/// (action, what the compile error must contain)
const COMPILE_ERRORS: &[(&str, &str)] = &[
    (
        r#"{ op = "explode", path = "/a" }"#,
        "unknown variant `explode`",
    ),
    (r#"{ path = "/a" }"#, "missing field `op`"),
    (
        r#"{ op = "strip_bom", path = "/a" }"#,
        "`path`: strip_bom takes no path (it removes the byte-order mark in front of the whole \
         payload), found `/a`",
    ),
    (
        r#"{ op = "trim", path = "/a", to = "x" }"#,
        "unknown field `to`",
    ),
    (r#"{ op = "coerce", path = "/a" }"#, "missing field `to`"),
    (
        r#"{ op = "coerce", path = "/a", to = "date" }"#,
        "unknown variant `date`",
    ),
    (
        r#"{ op = "coerce", path = "/a", to = "boolean", true_values = ["Y", "x"], false_values = ["N", "X"] }"#,
        r#""x" is in both `true_values` and `false_values` (ASCII letters are compared in any case)"#,
    ),
    (
        r#"{ op = "coerce", path = "/a", to = "boolean", true_values = [], false_values = ["N"] }"#,
        "`true_values` is empty: give at least one string",
    ),
    (
        r#"{ op = "coerce", path = "/a", to = "boolean", true_values = ["Y"], false_values = [] }"#,
        "`false_values` is empty: give at least one string",
    ),
    (
        r#"{ op = "coerce", path = "/a", to = "boolean", true_values = ["Y"] }"#,
        "`true_values` and `false_values` go together: give both",
    ),
    (
        r#"{ op = "coerce", path = "/a", to = "string", true_values = ["Y"], false_values = ["N"] }"#,
        "`true_values` and `false_values` are only used with to = \"boolean\" (this is to = \"string\")",
    ),
    (
        r#"{ op = "coerce", path = "/a", to = "boolean", true_values = [1], false_values = ["N"] }"#,
        "invalid type: integer `1`, expected a string",
    ),
    (
        r#"{ op = "trim", path = "a" }"#,
        "`path`: invalid JSON pointer `a`",
    ),
    (
        r#"{ op = "copy", from = "a", path = "/b" }"#,
        "`from`: invalid JSON pointer `a`",
    ),
    (
        r#"{ op = "move", from = "/a", path = "/a/b" }"#,
        "cannot move `/a` into its own child",
    ),
    (
        r#"{ op = "rename", from = "/a", path = "/a/b" }"#,
        "cannot rename `/a` into its own child",
    ),
    (
        r#"{ op = "regex_replace", path = "/a", pattern = "(", replacement = "" }"#,
        "invalid regex",
    ),
    (
        r#"{ op = "regex_replace", path = "/a", pattern = "(a)", replacement = "$2" }"#,
        "group `2`",
    ),
    (
        r#"{ op = "timestamp", path = "/a", formats = ["[nope]"] }"#,
        "invalid timestamp format",
    ),
    (
        r#"{ op = "add", path = "/a", value = nan }"#,
        "`value`: NaN cannot be represented in JSON",
    ),
    (
        r#"{ op = "map", path = "/a", values = { x = inf } }"#,
        "`values.x`: inf cannot be represented",
    ),
    (r#"{ op = "multiply", path = "/a" }"#, "missing field `by`"),
    (
        r#"{ op = "divide", path = "/a", by = 0 }"#,
        "`by`: cannot divide by zero",
    ),
    (
        r#"{ op = "divide", path = "/a", by = 3 }"#,
        "`by`: dividing by 3 can give endless decimals",
    ),
    (
        r#"{ op = "multiply", path = "/a", by = 100, rounding = "half_up" }"#,
        "`rounding` needs `decimals`",
    ),
    (
        r#"{ op = "divide", path = "/a", by = 3, decimals = 2, rounding = "nearest" }"#,
        "unknown variant `nearest`, expected one of `half_even`, `half_up`, `half_down`, \
         `down`, `up`, `floor`, `ceiling`",
    ),
    (
        r#"{ op = "multiply", path = "/a", by = "ten" }"#,
        r#"`by`: "ten" is not a decimal number"#,
    ),
    (
        r#"{ op = "multiply", path = "a", by = 10 }"#,
        "`path`: invalid JSON pointer `a`",
    ),
    (
        r#"{ op = "pad", path = "/a", width = 5 }"#,
        "missing field `with`",
    ),
    (
        r#"{ op = "pad", path = "/a", width = 0, with = "0" }"#,
        "`width`: from 1 to 1000000 characters, not 0",
    ),
    (
        r#"{ op = "pad", path = "/a", width = 1000001, with = "0" }"#,
        "`width`: from 1 to 1000000 characters, not 1000001",
    ),
    (
        r#"{ op = "pad", path = "/a", width = -1, with = "0" }"#,
        "invalid value: integer `-1`",
    ),
    (
        r#"{ op = "pad", path = "/a", width = 5, with = "00" }"#,
        r#"`with`: exactly one character to pad with, not "00" (2 characters)"#,
    ),
    (
        r#"{ op = "pad", path = "/a", width = 5, with = "" }"#,
        r#"`with`: exactly one character to pad with, not "" (0 characters)"#,
    ),
    (
        r#"{ op = "pad", path = "/a", width = 5, with = "0", side = "center" }"#,
        "unknown variant `center`, expected `left` or `right`",
    ),
    (
        r#"{ op = "pad", path = "a", width = 5, with = "0" }"#,
        "`path`: invalid JSON pointer `a`",
    ),
    (
        r#"{ op = "decode_json", path = "body" }"#,
        "`path`: invalid JSON pointer `body`",
    ),
    (r#"{ op = "decode_json" }"#, "missing field `path`"),
];

#[test]
fn compile_errors() {
    for (source, message) in COMPILE_ERRORS {
        let err = action(source).map(|_| ()).unwrap_err();
        assert!(err.contains(message), "{source}: {err}");
    }
}

/// Every action's settings refuse a field they do not have (`deny_unknown_fields`), and an
/// unknown `op` is answered with the whole list.
#[test]
fn every_action_refuses_unknown_fields() {
    for op in OPS {
        let err = action(&format!(r#"{{ op = "{op}", path = "/a", nope = 1 }}"#))
            .map(|_| ())
            .unwrap_err();
        assert!(
            err.starts_with("unknown field `nope`, expected "),
            "{op}: {err}"
        );
    }
    let err = action(r#"{ op = "explode" }"#).map(|_| ()).unwrap_err();
    let ops: Vec<String> = OPS.iter().map(|op| format!("`{op}`")).collect();
    assert_eq!(
        err,
        format!(
            "unknown variant `explode`, expected one of {}",
            ops.join(", ")
        )
    );
}

#[test]
fn labels_name_the_op_and_path() {
    let action = action(r#"{ op = "coerce", path = "/t", to = "number" }"#).unwrap();
    assert_eq!(action.label(), "coerce /t");
}

mod timestamp;
mod wildcards;
