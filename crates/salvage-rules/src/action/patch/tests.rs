//! JSON Patch cases, written as RFC 6902 operations (many from its Appendix A), plus the
//! `default` and `rename` extensions.

use serde_json::Value;

use super::*;

/// Applies one operation written as a JSON Patch object, e.g.
/// `{"op":"add","path":"/a","value":1}`.
fn apply(doc: &mut Value, op: &str) -> Result<(), Failure> {
    let op: Value = serde_json::from_str(op).unwrap();
    let pointer = |field: &str| Pointer::parse(op[field].as_str().unwrap()).unwrap();
    let value = || op["value"].clone();
    match op["op"].as_str().unwrap() {
        "add" => add(doc, &pointer("path"), value()),
        "remove" => remove(doc, &pointer("path")).map(drop),
        "replace" => replace(doc, &pointer("path"), value()),
        "move" => move_value(doc, &pointer("from"), &pointer("path")),
        "copy" => copy(doc, &pointer("from"), &pointer("path")),
        "test" => test(doc, &pointer("path"), &op["value"]),
        "default" => set_default(doc, &pointer("path"), value()),
        "rename" => rename(doc, &pointer("from"), &pointer("path")),
        other => panic!("unknown op {other}"),
    }
}

/// (document, operation, resulting document or failure message)
const CASES: &[(&str, &str, Result<&str, &str>)] = &[
    // add
    (
        r#"{"foo":"bar"}"#,
        r#"{"op":"add","path":"/baz","value":"qux"}"#,
        Ok(r#"{"foo":"bar","baz":"qux"}"#),
    ),
    (
        r#"{"foo":["bar","baz"]}"#,
        r#"{"op":"add","path":"/foo/1","value":"qux"}"#,
        Ok(r#"{"foo":["bar","qux","baz"]}"#),
    ),
    (
        r#"{"foo":["bar"]}"#,
        r#"{"op":"add","path":"/foo/1","value":"qux"}"#,
        Ok(r#"{"foo":["bar","qux"]}"#),
    ),
    (
        r#"{"foo":["bar"]}"#,
        r#"{"op":"add","path":"/foo/-","value":["abc"]}"#,
        Ok(r#"{"foo":["bar",["abc"]]}"#),
    ),
    (
        r#"{"foo":"bar"}"#,
        r#"{"op":"add","path":"/foo","value":1}"#,
        Ok(r#"{"foo":1}"#),
    ),
    (
        r#"{"foo":"bar"}"#,
        r#"{"op":"add","path":"","value":[1]}"#,
        Ok("[1]"),
    ),
    (
        r#"{"foo":["a"]}"#,
        r#"{"op":"add","path":"/foo/3","value":1}"#,
        Err("index 3 is out of bounds (the array has 1 item)"),
    ),
    (
        r#"{"foo":["a"]}"#,
        r#"{"op":"add","path":"/foo/01","value":1}"#,
        Err("`01` is not an array index"),
    ),
    (
        r#"{"foo":"bar"}"#,
        r#"{"op":"add","path":"/baz/bat","value":1}"#,
        Err("parent /baz of /baz/bat does not exist"),
    ),
    (
        r#"{"foo":1}"#,
        r#"{"op":"add","path":"/foo/bar","value":1}"#,
        Err("/foo is a number, not an object or array"),
    ),
    // remove
    (
        r#"{"a":1,"b":2,"c":3}"#,
        r#"{"op":"remove","path":"/b"}"#,
        Ok(r#"{"a":1,"c":3}"#),
    ),
    (
        r#"{"foo":["bar","qux","baz"]}"#,
        r#"{"op":"remove","path":"/foo/1"}"#,
        Ok(r#"{"foo":["bar","baz"]}"#),
    ),
    (
        r#"{"foo":1}"#,
        r#"{"op":"remove","path":"/bar"}"#,
        Err("/bar does not exist"),
    ),
    (
        r#"{"foo":[1]}"#,
        r#"{"op":"remove","path":"/foo/-"}"#,
        Err("/foo/- does not exist"),
    ),
    (
        r#"{"foo":[1]}"#,
        r#"{"op":"remove","path":"/foo/1"}"#,
        Err("/foo/1 does not exist"),
    ),
    (
        r#"{"foo":1}"#,
        r#"{"op":"remove","path":""}"#,
        Err("cannot remove the whole document"),
    ),
    // replace
    (
        r#"{"baz":"qux","foo":"bar"}"#,
        r#"{"op":"replace","path":"/baz","value":"boo"}"#,
        Ok(r#"{"baz":"boo","foo":"bar"}"#),
    ),
    (
        r#"{"foo":1}"#,
        r#"{"op":"replace","path":"/bar","value":2}"#,
        Err("/bar does not exist"),
    ),
    // move
    (
        r#"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
        r#"{"op":"move","from":"/foo/waldo","path":"/qux/thud"}"#,
        Ok(r#"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
    ),
    (
        r#"{"foo":["all","grass","cows","eat"]}"#,
        r#"{"op":"move","from":"/foo/1","path":"/foo/3"}"#,
        Ok(r#"{"foo":["all","cows","eat","grass"]}"#),
    ),
    (
        r#"{"a":1}"#,
        r#"{"op":"move","from":"/a","path":"/a"}"#,
        Ok(r#"{"a":1}"#),
    ),
    (
        r#"{"a":{"b":1}}"#,
        r#"{"op":"move","from":"/a","path":"/a/b/c"}"#,
        Err("cannot move /a into its own child /a/b/c"),
    ),
    (
        r#"{}"#,
        r#"{"op":"move","from":"/a","path":"/b"}"#,
        Err("/a does not exist"),
    ),
    // copy
    (
        r#"{"a":[1]}"#,
        r#"{"op":"copy","from":"/a","path":"/b"}"#,
        Ok(r#"{"a":[1],"b":[1]}"#),
    ),
    (
        r#"{"a":[1]}"#,
        r#"{"op":"copy","from":"/a/0","path":"/a/-"}"#,
        Ok(r#"{"a":[1,1]}"#),
    ),
    // test
    (
        r#"{"baz":"qux","foo":["a",2,"c"]}"#,
        r#"{"op":"test","path":"/foo","value":["a",2.0,"c"]}"#,
        Ok(r#"{"baz":"qux","foo":["a",2,"c"]}"#),
    ),
    (
        r#"{"o":{"a":1,"b":2}}"#,
        r#"{"op":"test","path":"/o","value":{"b":2,"a":1}}"#,
        Ok(r#"{"o":{"a":1,"b":2}}"#),
    ),
    (
        r#"{"baz":"qux"}"#,
        r#"{"op":"test","path":"/baz","value":"bar"}"#,
        Err(r#"test failed: /baz is string "qux", expected string "bar""#),
    ),
    (
        r#"{"/":9,"~1":10}"#,
        r#"{"op":"test","path":"/~01","value":10}"#,
        Ok(r#"{"/":9,"~1":10}"#),
    ),
    (
        r#"{}"#,
        r#"{"op":"test","path":"/n","value":null}"#,
        Err("/n does not exist"),
    ),
    // default
    (
        r#"{"a":1}"#,
        r#"{"op":"default","path":"/c","value":"EUR"}"#,
        Ok(r#"{"a":1,"c":"EUR"}"#),
    ),
    (
        r#"{"c":"USD"}"#,
        r#"{"op":"default","path":"/c","value":"EUR"}"#,
        Ok(r#"{"c":"USD"}"#),
    ),
    (
        r#"{"c":null}"#,
        r#"{"op":"default","path":"/c","value":"EUR"}"#,
        Ok(r#"{"c":null}"#),
    ),
    (
        r#"{}"#,
        r#"{"op":"default","path":"/m/n/o","value":1}"#,
        Ok(r#"{"m":{"n":{"o":1}}}"#),
    ),
    (
        r#"{"x":[{}]}"#,
        r#"{"op":"default","path":"/x/0/k","value":1}"#,
        Ok(r#"{"x":[{"k":1}]}"#),
    ),
    (
        r#"{"x":[]}"#,
        r#"{"op":"default","path":"/x/-","value":1}"#,
        Ok(r#"{"x":[1]}"#),
    ),
    (
        r#"{"a":"s"}"#,
        r#"{"op":"default","path":"/a/b","value":1}"#,
        Err("/a is a string, not an object or array"),
    ),
    (
        r#"{"x":[]}"#,
        r#"{"op":"default","path":"/x/3/k","value":1}"#,
        Err("cannot create /x/3: arrays are not extended"),
    ),
    // rename
    (
        r#"{"id":1,"customerId":"c","z":0}"#,
        r#"{"op":"rename","from":"/customerId","path":"/customer_id"}"#,
        Ok(r#"{"id":1,"customer_id":"c","z":0}"#),
    ),
    (
        r#"{"a":{"x":1},"b":{}}"#,
        r#"{"op":"rename","from":"/a/x","path":"/b/x"}"#,
        Ok(r#"{"a":{},"b":{"x":1}}"#),
    ),
    (
        r#"{}"#,
        r#"{"op":"rename","from":"/a","path":"/b"}"#,
        Err("/a does not exist"),
    ),
    (
        r#"{"a":1,"b":2}"#,
        r#"{"op":"rename","from":"/a","path":"/b"}"#,
        Err("/b already exists"),
    ),
];

#[test]
fn operations_follow_rfc6902() {
    for (doc, op, expected) in CASES {
        let mut doc: Value = serde_json::from_str(doc).unwrap();
        let result = apply(&mut doc, op);
        match expected {
            // Compare the text: member order must be preserved.
            Ok(want) => {
                assert!(result.is_ok(), "{op}: {result:?}");
                assert_eq!(doc.to_string(), *want, "{op}");
            }
            Err(message) => assert_eq!(result.unwrap_err().message(), *message, "{op}"),
        }
    }
}

#[test]
fn missing_locations_are_marked_missing() {
    let mut doc: Value = serde_json::from_str(r#"{"x":[1]}"#).unwrap();
    let missing = [
        r#"{"op":"remove","path":"/nope"}"#,
        r#"{"op":"add","path":"/p/q","value":1}"#,
        r#"{"op":"copy","from":"/nope","path":"/y"}"#,
    ];
    for op in missing {
        assert!(
            matches!(apply(&mut doc, op), Err(Failure::Missing(_))),
            "{op}"
        );
    }
    let invalid = [
        r#"{"op":"add","path":"/x/5","value":1}"#,
        r#"{"op":"test","path":"/x/0","value":2}"#,
    ];
    for op in invalid {
        assert!(
            matches!(apply(&mut doc, op), Err(Failure::Invalid(_))),
            "{op}"
        );
    }
}
