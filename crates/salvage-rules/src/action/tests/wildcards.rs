//! Each action family with wildcards in its path: every match changed in document order, a
//! missing location under a match treated as at that concrete path (and `optional` per
//! match), empty and missing containers, values that cannot be walked, and what load time
//! refuses.

use super::{Action, Value, action, assert_cases};

/// (action, document, resulting document or failure reason)
const CASES: &[(&str, &str, Result<&str, &str>)] = &[
    // decode_json: every match decoded; one that is not JSON fails, naming the match.
    (
        r#"{ op = "decode_json", path = "/events/*/body" }"#,
        r#"{"events":[{"body":"{\"id\":1,\"total\":9.90}"},{"body":"[1.50]"}]}"#,
        Ok(r#"{"events":[{"body":{"id":1,"total":9.90}},{"body":[1.50]}]}"#),
    ),
    (
        r#"{ op = "decode_json", path = "/events/*/body", optional = true }"#,
        r#"{"events":[{"id":1},{"body":"{\"id\":2}"},{"body":"{\"id\":"}]}"#,
        Err(
            "at /events/2/body: the string is not valid JSON: EOF while parsing a value at line 1 column 6",
        ),
    ),
    (
        r#"{ op = "decode_json", path = "/events/*/body", optional = true }"#,
        r#"{"events":[{"id":1},{"body":"{\"id\":2}"}]}"#,
        Ok(r#"{"events":[{"id":1},{"body":{"id":2}}]}"#),
    ),
    // coerce: every match, arrays and objects, nested wildcards.
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number" }"#,
        r#"{"items":[{"qty":"1"},{"qty":2},{"qty":"3.50"}]}"#,
        Ok(r#"{"items":[{"qty":1},{"qty":2},{"qty":3.50}]}"#),
    ),
    (
        r#"{ op = "coerce", path = "/prices/*", to = "number" }"#,
        r#"{"prices":{"b":"1.0","a":"2"}}"#,
        Ok(r#"{"prices":{"b":1.0,"a":2}}"#),
    ),
    (
        r#"{ op = "coerce", path = "/orders/*/items/*/qty", to = "integer" }"#,
        r#"{"orders":[{"items":[{"qty":"1"},{"qty":"2"}]},{"items":[]},{"items":[{"qty":"3"}]}]}"#,
        Ok(r#"{"orders":[{"items":[{"qty":1},{"qty":2}]},{"items":[]},{"items":[{"qty":3}]}]}"#),
    ),
    // A value that does not convert fails, naming the match.
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number" }"#,
        r#"{"items":[{"qty":"1"},{"qty":"two"}]}"#,
        Err(r#"at /items/1/qty: cannot coerce string "two" to number"#),
    ),
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number", optional = true }"#,
        r#"{"items":[{"qty":"1"},{"qty":[]}]}"#,
        Err("at /items/1/qty: cannot coerce an array to number"),
    ),
    // A location missing under a match: as at that concrete path.
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number" }"#,
        r#"{"items":[{"qty":"1"},{"sku":"b"}]}"#,
        Err("/items/1/qty does not exist"),
    ),
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number", optional = true }"#,
        r#"{"items":[{"sku":"a"},{"qty":"2"}]}"#,
        Ok(r#"{"items":[{"sku":"a"},{"qty":2}]}"#),
    ),
    // Empty containers: nothing to do. A missing one: a missing location.
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number" }"#,
        r#"{"items":[]}"#,
        Ok(r#"{"items":[]}"#),
    ),
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number" }"#,
        r#"{"items":{}}"#,
        Ok(r#"{"items":{}}"#),
    ),
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number" }"#,
        r#"{"id":1}"#,
        Err("/items does not exist"),
    ),
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number", optional = true }"#,
        r#"{"id":1}"#,
        Ok(r#"{"id":1}"#),
    ),
    (
        r#"{ op = "coerce", path = "/orders/*/items/*/qty", to = "number" }"#,
        r#"{"orders":[{"items":[{"qty":"1"}]},{"id":2}]}"#,
        Err("/orders/1/items does not exist"),
    ),
    (
        r#"{ op = "coerce", path = "/orders/*/items/*/qty", to = "number", optional = true }"#,
        r#"{"orders":[{"id":1},{"items":[{"qty":"2"}]}]}"#,
        Ok(r#"{"orders":[{"id":1},{"items":[{"qty":2}]}]}"#),
    ),
    // Something that is neither an array nor an object where `*` walks: a failure, even when
    // optional (it is there, and of the wrong type).
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number" }"#,
        r#"{"items":"none"}"#,
        Err("/items is a string, not an object or array"),
    ),
    (
        r#"{ op = "coerce", path = "/items/*/qty", to = "number", optional = true }"#,
        r#"{"items":null}"#,
        Err("/items is null, not an object or array"),
    ),
    (
        r#"{ op = "coerce", path = "/orders/*/items/*/qty", to = "number" }"#,
        r#"{"orders":[{"items":[{"qty":"1"}]},{"items":7}]}"#,
        Err("/orders/1/items is a number, not an object or array"),
    ),
    (
        r#"{ op = "coerce", path = "/*/qty", to = "number" }"#,
        r#""text""#,
        Err("the document is a string, not an object or array"),
    ),
    // `~2` is a member named `*`; `*` inside a token is the character.
    (
        r#"{ op = "coerce", path = "/m/~2", to = "number" }"#,
        r#"{"m":{"*":"1","x":"2"}}"#,
        Ok(r#"{"m":{"*":1,"x":"2"}}"#),
    ),
    (
        r#"{ op = "coerce", path = "/it*ms/0", to = "number" }"#,
        r#"{"it*ms":["1"],"items":["2"]}"#,
        Ok(r#"{"it*ms":[1],"items":["2"]}"#),
    ),
    (
        r#"{ op = "coerce", path = "/m/*", to = "number" }"#,
        r#"{"m":{"*":"1","x":"y"}}"#,
        Err(r#"at /m/x: cannot coerce string "y" to number"#),
    ),
    (
        r#"{ op = "coerce", path = "/m/*", to = "number" }"#,
        r#"{"m":{"x":"1","*":"y"}}"#,
        Err(r#"at /m/~2: cannot coerce string "y" to number"#),
    ),
    // text
    (
        r#"{ op = "trim", path = "/tags/*" }"#,
        r#"{"tags":[" a ","b","  c"]}"#,
        Ok(r#"{"tags":["a","b","c"]}"#),
    ),
    (
        r#"{ op = "pad", path = "/lines/*/sku", width = 4, with = "0" }"#,
        r#"{"lines":[{"sku":"7"},{"sku":"12345"},{"sku":"42"}]}"#,
        Ok(r#"{"lines":[{"sku":"0007"},{"sku":"12345"},{"sku":"0042"}]}"#),
    ),
    (
        r#"{ op = "pad", path = "/lines/*/sku", width = 4, with = "0", optional = true }"#,
        r#"{"lines":[{"sku":"7"},{"qty":1},{"sku":42}]}"#,
        Err(
            r#"at /lines/2/sku: pad takes a string, found number 42: turn it into one first with `{ op = "coerce", path, to = "string" }` in the same rule"#,
        ),
    ),
    (
        r#"{ op = "pad", path = "/lines/*/sku", width = 4, with = "0", optional = true }"#,
        r#"{"lines":[{"sku":"7"},{"qty":1}]}"#,
        Ok(r#"{"lines":[{"sku":"0007"},{"qty":1}]}"#),
    ),
    (
        r#"{ op = "lowercase", path = "/contacts/*/email" }"#,
        r#"{"contacts":[{"email":"A@B.C"},{"email":"d@e.f"}]}"#,
        Ok(r#"{"contacts":[{"email":"a@b.c"},{"email":"d@e.f"}]}"#),
    ),
    (
        r#"{ op = "uppercase", path = "/contacts/*/country" }"#,
        r#"{"contacts":[{"country":"de"},{"country":4}]}"#,
        Err("at /contacts/1/country: expected a string, found number"),
    ),
    (
        r#"{ op = "regex_replace", path = "/phones/*", pattern = '[^0-9]', replacement = "" }"#,
        r#"{"phones":{"home":"030-1","work":"(040) 2"}}"#,
        Ok(r#"{"phones":{"home":"0301","work":"0402"}}"#),
    ),
    (
        r#"{ op = "map", path = "/lines/*/unit", values = { pcs = "piece", kg = "kilogram" } }"#,
        r#"{"lines":[{"unit":"kg"},{"unit":"pcs"},{"unit":"box"}]}"#,
        Err(r#"at /lines/2/unit: no mapping for string "box" and no default"#),
    ),
    (
        r#"{ op = "map", path = "/lines/*/unit", values = { pcs = "piece" }, default = "other" }"#,
        r#"{"lines":[{"unit":"pcs"},{"unit":"box"}]}"#,
        Ok(r#"{"lines":[{"unit":"piece"},{"unit":"other"}]}"#),
    ),
    // timestamp
    (
        r#"{ op = "timestamp", path = "/readings/*/at", epoch = "seconds" }"#,
        r#"{"readings":[{"at":"22.11.2026"},{"at":"2026-11-22T10:15:00Z"},{"at":1700000000}]}"#,
        Ok(
            r#"{"readings":[{"at":"2026-11-22T00:00:00Z"},{"at":"2026-11-22T10:15:00Z"},{"at":"2023-11-14T22:13:20Z"}]}"#,
        ),
    ),
    (
        r#"{ op = "timestamp", path = "/readings/*/at" }"#,
        r#"{"readings":[{"at":"22.11.2026"},{"at":"soon"}]}"#,
        Err(r#"at /readings/1/at: string "soon" is not a recognised timestamp"#),
    ),
    // replace and test: values in place, a trailing `*` allowed.
    (
        r#"{ op = "replace", path = "/items/*/status", value = "open" }"#,
        r#"{"items":[{"status":"x"},{"status":null}]}"#,
        Ok(r#"{"items":[{"status":"open"},{"status":"open"}]}"#),
    ),
    (
        r#"{ op = "replace", path = "/flags/*", value = false }"#,
        r#"{"flags":{"a":true,"b":1}}"#,
        Ok(r#"{"flags":{"a":false,"b":false}}"#),
    ),
    (
        r#"{ op = "replace", path = "/items/*/status", value = "open" }"#,
        r#"{"items":[{"status":"x"},{}]}"#,
        Err("/items/1/status does not exist"),
    ),
    (
        r#"{ op = "test", path = "/items/*/currency", value = "EUR" }"#,
        r#"{"items":[{"currency":"EUR"},{"currency":"EUR"}]}"#,
        Ok(r#"{"items":[{"currency":"EUR"},{"currency":"EUR"}]}"#),
    ),
    (
        r#"{ op = "test", path = "/items/*/currency", value = "EUR" }"#,
        r#"{"items":[{"currency":"EUR"},{"currency":"USD"}]}"#,
        Err(
            r#"at /items/1/currency: test failed: /items/1/currency is string "USD", expected string "EUR""#,
        ),
    ),
    // default: fills every match lacking the member; does nothing where `*` has no container.
    (
        r#"{ op = "default", path = "/items/*/currency", value = "EUR" }"#,
        r#"{"items":[{"sku":"a"},{"sku":"b","currency":"USD"},{"sku":"c","currency":null}]}"#,
        Ok(
            r#"{"items":[{"sku":"a","currency":"EUR"},{"sku":"b","currency":"USD"},{"sku":"c","currency":null}]}"#,
        ),
    ),
    (
        r#"{ op = "default", path = "/items/*/price/currency", value = "EUR" }"#,
        r#"{"items":[{"sku":"a"},{"price":{"amount":1}}]}"#,
        Ok(
            r#"{"items":[{"sku":"a","price":{"currency":"EUR"}},{"price":{"amount":1,"currency":"EUR"}}]}"#,
        ),
    ),
    (
        r#"{ op = "default", path = "/items/*/currency", value = "EUR" }"#,
        r#"{"id":1}"#,
        Ok(r#"{"id":1}"#),
    ),
    (
        r#"{ op = "default", path = "/orders/*/items/*/currency", value = "EUR" }"#,
        r#"{"orders":[{"id":1},{"items":[{}]}]}"#,
        Ok(r#"{"orders":[{"id":1},{"items":[{"currency":"EUR"}]}]}"#),
    ),
    (
        r#"{ op = "default", path = "/items/*/currency", value = "EUR", optional = true }"#,
        r#"{"items":["a"]}"#,
        Err("at /items/0/currency: /items/0 is a string, not an object or array"),
    ),
    (
        r#"{ op = "default", path = "/items/*/currency", value = "EUR" }"#,
        r#"{"items":3}"#,
        Err("/items is a number, not an object or array"),
    ),
    // add and remove: members inside each match.
    (
        r#"{ op = "add", path = "/items/*/tags/-", value = "sale" }"#,
        r#"{"items":[{"tags":[]},{"tags":["new"]}]}"#,
        Ok(r#"{"items":[{"tags":["sale"]},{"tags":["new","sale"]}]}"#),
    ),
    (
        r#"{ op = "add", path = "/items/*/tags/-", value = "sale" }"#,
        r#"{"items":[{"tags":[]},{}]}"#,
        Err("parent /items/1/tags of /items/1/tags/- does not exist"),
    ),
    (
        r#"{ op = "remove", path = "/items/*/discount" }"#,
        r#"{"items":[{"discount":1,"qty":1},{"qty":2,"discount":0}]}"#,
        Ok(r#"{"items":[{"qty":1},{"qty":2}]}"#),
    ),
    (
        r#"{ op = "remove", path = "/items/*/discount" }"#,
        r#"{"items":[{"discount":1},{"qty":2}]}"#,
        Err("/items/1/discount does not exist"),
    ),
    (
        r#"{ op = "remove", path = "/items/*/discount", optional = true }"#,
        r#"{"items":[{"qty":2},{"discount":1}]}"#,
        Ok(r#"{"items":[{"qty":2},{}]}"#),
    ),
    // rename, move and copy within each match; copy of one value to every match.
    (
        r#"{ op = "rename", from = "/items/*/quantity", path = "/items/*/qty" }"#,
        r#"{"items":[{"sku":"a","quantity":1,"x":0},{"quantity":2}]}"#,
        Ok(r#"{"items":[{"sku":"a","qty":1,"x":0},{"qty":2}]}"#),
    ),
    (
        r#"{ op = "rename", from = "/items/*/quantity", path = "/items/*/qty" }"#,
        r#"{"items":[{"quantity":1},{"quantity":2,"qty":2}]}"#,
        Err("at /items/1/qty: /items/1/qty already exists"),
    ),
    (
        r#"{ op = "move", from = "/lines/*/meta/sku", path = "/lines/*/sku" }"#,
        r#"{"lines":[{"meta":{"sku":"a"},"qty":1},{"meta":{"sku":"b"}}]}"#,
        Ok(r#"{"lines":[{"meta":{},"qty":1,"sku":"a"},{"meta":{},"sku":"b"}]}"#),
    ),
    (
        r#"{ op = "copy", from = "/currency", path = "/items/*/currency" }"#,
        r#"{"currency":"EUR","items":[{"sku":"a"},{"sku":"b","currency":"USD"}]}"#,
        Ok(
            r#"{"currency":"EUR","items":[{"sku":"a","currency":"EUR"},{"sku":"b","currency":"EUR"}]}"#,
        ),
    ),
    (
        r#"{ op = "copy", from = "/items/*/price", path = "/items/*/unit_price" }"#,
        r#"{"items":[{"price":1},{"price":2}]}"#,
        Ok(r#"{"items":[{"price":1,"unit_price":1},{"price":2,"unit_price":2}]}"#),
    ),
    (
        r#"{ op = "copy", from = "/items/*", path = "/items/*/self" }"#,
        r#"{"items":[{"a":1}]}"#,
        Ok(r#"{"items":[{"a":1,"self":{"a":1}}]}"#),
    ),
    // multiply and divide: every match, each failure naming its match.
    (
        r#"{ op = "multiply", path = "/lines/*/price_cents", by = 100, decimals = 0 }"#,
        r#"{"lines":[{"price_cents":12.5},{"price_cents":"3"},{"price_cents":0.07}]}"#,
        Ok(r#"{"lines":[{"price_cents":1250},{"price_cents":"300"},{"price_cents":7}]}"#),
    ),
    (
        r#"{ op = "multiply", path = "/lines/*/price_cents", by = 100, decimals = 0 }"#,
        r#"{"lines":[{"price_cents":12.5},{"price_cents":0.075}]}"#,
        Err(
            "at /lines/1/price_cents: number 0.075 × 100: the result needs more than 0 \
             decimals and no `rounding` is set",
        ),
    ),
    (
        r#"{ op = "divide", path = "/parcels/*/kg", by = 1000, decimals = 1, rounding = "half_up" }"#,
        r#"{"parcels":{"a":{"kg":1250},"b":{"kg":50},"c":{}}}"#,
        Err("/parcels/c/kg does not exist"),
    ),
    (
        r#"{ op = "divide", path = "/parcels/*/kg", by = 1000, decimals = 1, rounding = "half_up", optional = true }"#,
        r#"{"parcels":{"a":{"kg":1250},"b":{"kg":50},"c":{}}}"#,
        Ok(r#"{"parcels":{"a":{"kg":1.3},"b":{"kg":0.1},"c":{}}}"#),
    ),
];

#[test]
fn wildcard_actions_apply_at_every_match_or_fail_naming_it() {
    assert_cases(CASES);
}

/// The walk stops at the first failure: matches before it were changed (the rule then parks
/// the message, so nothing of it is kept), matches after it are not looked at.
#[test]
fn a_wildcard_action_stops_at_the_first_failing_match() {
    let action = action(r#"{ op = "coerce", path = "/q/*", to = "number" }"#).unwrap();
    let mut doc: Value = serde_json::from_str(r#"{"q":["1","x","y","2"]}"#).unwrap();
    let failure = action.apply(&mut doc).unwrap_err();
    assert_eq!(
        failure.message(),
        r#"at /q/1: cannot coerce string "x" to number"#
    );
    assert_eq!(doc.to_string(), r#"{"q":[1,"x","y","2"]}"#);
}

/// (action, what the compile error must contain)
const COMPILE_ERRORS: &[(&str, &str)] = &[
    (
        r#"{ op = "add", path = "/items/*", value = 1 }"#,
        "`path`: `/items/*` cannot end with `*` here",
    ),
    (
        r#"{ op = "remove", path = "/items/*" }"#,
        "`path`: `/items/*` cannot end with `*` here",
    ),
    (
        r#"{ op = "default", path = "/a/*/b/*", value = 1 }"#,
        "`path`: `/a/*/b/*` cannot end with `*` here",
    ),
    (
        r#"{ op = "move", from = "/items/*", path = "/lines/-" }"#,
        "`from`: `/items/*` cannot end with `*` here",
    ),
    (
        r#"{ op = "rename", from = "/a/*/x", path = "/a/*" }"#,
        "`path`: `/a/*` cannot end with `*` here",
    ),
    (
        r#"{ op = "copy", from = "/a/*/x", path = "/a/*" }"#,
        "`path`: `/a/*` cannot end with `*` here",
    ),
    (
        r#"{ op = "move", from = "/items/*/a", path = "/b" }"#,
        "`from` (/items/*/a) and `path` (/b) must have the same wildcards",
    ),
    (
        r#"{ op = "move", from = "/x", path = "/items/*/x" }"#,
        "`from` (/x) and `path` (/items/*/x) must have the same wildcards",
    ),
    (
        r#"{ op = "rename", from = "/a/*/x", path = "/b/*/x" }"#,
        "must have the same wildcards",
    ),
    (
        r#"{ op = "rename", from = "/a/*/x", path = "/a/*/y/*/x" }"#,
        "must have the same wildcards",
    ),
    (
        r#"{ op = "copy", from = "/items/*/a", path = "/b" }"#,
        "`from` (/items/*/a) and `path` (/b) must have the same wildcards",
    ),
    (
        r#"{ op = "copy", from = "/a/*/p", path = "/b/*/p" }"#,
        "must have the same wildcards",
    ),
    (
        r#"{ op = "move", from = "/items/*/a", path = "/items/*/a/b" }"#,
        "cannot move `/items/*/a` into its own child `/items/*/a/b`",
    ),
    (
        r#"{ op = "coerce", path = "/items/*/~3", to = "number" }"#,
        "`path`: invalid JSON pointer `/items/*/~3`: `~` must be followed by 0, 1 or 2",
    ),
];

#[test]
fn wildcards_that_cannot_work_are_refused_at_load_time() {
    for (source, message) in COMPILE_ERRORS {
        let err = action(source).map(|_| ()).unwrap_err();
        assert!(err.contains(message), "{source}: {err}");
    }
}

#[test]
fn wildcards_that_can_work_load() {
    for source in [
        r#"{ op = "replace", path = "/items/*", value = 0 }"#,
        r#"{ op = "test", path = "/*", value = 0 }"#,
        r#"{ op = "coerce", path = "/*/*/*/*/*", to = "string" }"#,
        r#"{ op = "add", path = "/items/*/tags/-", value = 1 }"#,
        r#"{ op = "copy", from = "/x", path = "/items/*/x" }"#,
        r#"{ op = "copy", from = "/items/*", path = "/items/*/self" }"#,
        r#"{ op = "rename", from = "/o/*/i/*/a", path = "/o/*/i/*/b" }"#,
        r#"{ op = "remove", path = "/~2" }"#,
        r#"{ op = "add", path = "/it*ms", value = 1 }"#,
    ] {
        let action: Action = action(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert!(!action.label().is_empty());
    }
}
