//! `splice`: untouched values keep their bytes, members removed, added, renamed and moved,
//! a value read without some members, and text that does not match refused.

use serde_json::json;

use super::*;

fn check(src: &str, edit: impl FnOnce(&mut Value), want: &str) {
    let before: Value = serde_json::from_str(src).unwrap();
    let mut after = before.clone();
    edit(&mut after);
    let out = rewrite(src.as_bytes(), &before, &after).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out, want);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), after, "{out}");
}

#[test]
fn untouched_values_keep_their_bytes() {
    let src = "{ \"total\": \"12.50\", \"tax\": 12.30, \"n\": 1e3, \"z\": -0, \"f\": 1.0,\n  \
               \"id\": 20261121000000000000001, \"s\": \"\\u00e9\\/\", \"l\": [1E3, {\"a\": 2.50}] }";
    check(
        src,
        |v| v["total"] = json!(12.5),
        "{ \"total\": 12.5, \"tax\": 12.30, \"n\": 1e3, \"z\": -0, \"f\": 1.0,\n  \
         \"id\": 20261121000000000000001, \"s\": \"\\u00e9\\/\", \"l\": [1E3, {\"a\": 2.50}] }",
    );
    check(src, |_| {}, src);
    check(
        src,
        |v| v["l"][1]["b"] = json!("x"),
        &src.replace("{\"a\": 2.50}", "{\"a\": 2.50,\"b\":\"x\"}"),
    );
}

#[test]
fn removals_additions_and_renames() {
    check(
        r#"{"a": 1, "b": 2, "c": 3}"#,
        |v| {
            v.as_object_mut().unwrap().shift_remove("a");
        },
        r#"{"b": 2, "c": 3}"#,
    );
    check(
        r#"{"a": 1, "b": 2, "c": 3}"#,
        |v| {
            v.as_object_mut().unwrap().shift_remove("b");
        },
        r#"{"a": 1, "c": 3}"#,
    );
    check(
        r#"{"a": 1}"#,
        |v| {
            v.as_object_mut().unwrap().shift_remove("a");
        },
        r#"{}"#,
    );
    check(r#"{ }"#, |v| v["x"] = json!(1), r#"{"x":1 }"#);
    check(
        r#"{"amount": 1E3, "k": 0}"#,
        |v| {
            let m = v.as_object_mut().unwrap();
            let x = m.shift_remove("amount").unwrap();
            m.insert("total".into(), x);
        },
        r#"{"k": 0,"total":1E3}"#,
    );
    check(
        r#"{"amount": 1E3, "k": 0}"#,
        |v| {
            let m = v.as_object_mut().unwrap();
            let x = m.shift_remove("amount").unwrap();
            m.shift_insert(0, "total".into(), x);
        },
        r#"{"total":1E3, "k": 0}"#,
    );
    check(
        r#"[1.50, 2.50, 3.50]"#,
        |v| {
            v.as_array_mut().unwrap().pop();
        },
        r#"[1.50, 2.50]"#,
    );
    check(
        r#"[1.50]"#,
        |v| v.as_array_mut().unwrap().push(json!(2)),
        r#"[1.50,2]"#,
    );
    check(r#" "x" "#, |v| *v = json!(1), " 1 ");
    check(
        r#"{"a\"b": 1.0, "c": "}"}"#,
        |v| v["c"] = json!("{"),
        r#"{"a\"b": 1.0, "c": "{"}"#,
    );
}

#[test]
fn a_value_read_without_some_members_keeps_their_text() {
    let src = br#"[0, {"a": 1.50, "b": "x", "c": [1E3]}, 2]"#;
    let span = 4..src.len() - 4;
    let (before, after) = (json!({"b": "x"}), json!({"b": "y"}));
    let mut out = b"[0, ".to_vec();
    write_value(src, None, span.clone(), &before, &after, &mut out).unwrap();
    assert_eq!(out, br#"[0, {"a": 1.50, "b": "y", "c": [1E3]}"#);
    // Members added or removed where some were left out cannot be placed: refused.
    for after in [json!({"b": "x", "d": 1}), json!({}), json!({"a": 1})] {
        let written = write_value(src, None, span.clone(), &before, &after, &mut Vec::new());
        assert!(written.is_none(), "{after}");
    }
}

#[test]
fn text_that_does_not_match_is_refused() {
    assert!(rewrite(b"[1", &json!([1]), &json!([2])).is_none());
    assert!(rewrite(b"{\"a\":1}", &json!({"b": 1}), &json!({"b": 2})).is_none());
}
