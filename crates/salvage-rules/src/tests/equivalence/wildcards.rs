//! Actions whose paths hold wildcards decide the same read in place as parsed whole: every
//! action family at wildcard paths (leading, trailing, nested, over missing, empty and scalar
//! containers, next to members named `*`), alone, in chains and behind predicates, over the
//! hand-picked, order and generated payloads of `equivalence` and payloads of lists.

use std::collections::BTreeMap;

use super::{
    Random, Read, both, check_tally, corpus, handpicked, in_place_actions, in_place_repairs, input,
    orders, sets, sweep,
};
use crate::tests::rules;

/// Paths with wildcards for actions that read or replace values: any place, `*` last too.
const VALUE_PATHS: &[&str] = &[
    "/*",
    "/items/*",
    "/items/*/a",
    "/items/*/a/b",
    "/items/*/*",
    "/a/*",
    "/a/*/c",
    "/*/email",
    "/*/*",
    "/*/b/*",
    "/customer/*",
    "/tags/*",
    "/total/*",
    "/x~1y/*",
    "/m~0n/*",
    "/nope/*/x",
    "/items/0/*",
    "/~2/*",
    "/a/~2",
];

/// Paths with wildcards for actions that add or remove the member at their end.
const MEMBER_PATHS: &[&str] = &[
    "/items/*/a",
    "/items/*/a/b",
    "/items/*/-",
    "/items/*/0",
    "/a/*/c",
    "/*/email",
    "/*/x",
    "/*/b/*/n",
    "/nope/*/x",
    "/~2/*/z",
];

/// (from, path) with the same wildcards, for `move`, `rename` and `copy`; and fixed `from`s
/// copied to every match.
const PAIRS: &[(&str, &str)] = &[
    ("/items/*/a", "/items/*/z"),
    ("/items/*/a", "/items/*/b/a"),
    ("/*/email", "/*/mail"),
    ("/a/*/c", "/a/*/d"),
    ("/*/b/*/n", "/*/b/*/m"),
];
const FIXED_FROM: &[&str] = &["/total", "/customer", "/items/0", "/nope"];

const VALUES: &[&str] = &["1", "'x'", "12.3", "{ k = 1 }", "[1, 'two']"];

/// One action list per action at each path, plain and optional, and a few chains.
fn lists() -> Vec<String> {
    let mut actions: Vec<String> = Vec::new();
    for p in VALUE_PATHS {
        for v in VALUES {
            actions.push(format!("{{ op = 'test', path = '{p}', value = {v} }}"));
        }
        actions.push(format!("{{ op = 'replace', path = '{p}', value = 'r' }}"));
        actions.extend(in_place_actions(p));
        actions.push(format!(
            "{{ op = 'map', path = '{p}', values = {{ x = 'X', '1' = 'one' }}, default = 'other' }}"
        ));
    }
    for p in MEMBER_PATHS {
        for v in VALUES {
            actions.push(format!("{{ op = 'add', path = '{p}', value = {v} }}"));
        }
        actions.push(format!("{{ op = 'default', path = '{p}', value = 'd' }}"));
        actions.push(format!("{{ op = 'remove', path = '{p}' }}"));
        for from in FIXED_FROM {
            actions.push(format!("{{ op = 'copy', from = '{from}', path = '{p}' }}"));
        }
    }
    for (from, path) in PAIRS {
        for op in ["move", "rename", "copy"] {
            actions.push(format!(
                "{{ op = '{op}', from = '{from}', path = '{path}' }}"
            ));
        }
    }
    let mut lists: Vec<String> = Vec::new();
    for action in &actions {
        lists.push(format!("[{action}]"));
        let open = action.strip_suffix(" }").unwrap();
        lists.push(format!("[{open}, optional = true }}]"));
    }
    lists.extend(
        [
            "[{ op = 'default', path = '/items/*/a', value = ' V ' }, { op = 'trim', path = '/items/*/a' }]",
            "[{ op = 'rename', from = '/items/*/a', path = '/items/*/q', optional = true }, { op = 'coerce', path = '/items/*/q', to = 'number', optional = true }]",
            "[{ op = 'coerce', path = '/items/*/a', to = 'string', optional = true }, { op = 'remove', path = '/items/0' }]",
            "[{ op = 'add', path = '/items/-', value = { a = '1' } }, { op = 'coerce', path = '/items/*/a', to = 'number' }]",
            "[{ op = 'default', path = '/a/*/c', value = 1 }, { op = 'copy', from = '/a', path = '/b' }]",
            "[{ op = 'lowercase', path = '/customer/*', optional = true }, { op = 'default', path = '/customer/email', value = 'x' }]",
            "[{ op = 'replace', path = '/*', value = 1 }, { op = 'test', path = '/*', value = 1 }]",
            "[{ op = 'coerce', path = '/items/*/a', to = 'number', optional = true }, { op = 'multiply', path = '/items/*/a', by = 100, decimals = 0, rounding = 'floor', optional = true }]",
            "[{ op = 'move', from = '/items/*/a', path = '/items/*/b/a', optional = true }, { op = 'test', path = '/items/*/b/a', value = '1', optional = true }]",
            // A wildcard beside pointers to named members and elements, and `default` creating
            // members on its way, where a repair reads only what the pointers reach.
            "[{ op = 'coerce', path = '/items/*/a', to = 'string', optional = true }, { op = 'trim', path = '/items/1/a', optional = true }]",
            "[{ op = 'uppercase', path = '/a/*/c', optional = true }, { op = 'lowercase', path = '/a/x/c', optional = true }, { op = 'test', path = '/a/b', value = { c = 'x' }, optional = true }]",
            "[{ op = 'default', path = '/items/*/b/c', value = 1 }, { op = 'coerce', path = '/items/*/a', to = 'number', optional = true }]",
            "[{ op = 'map', path = '/items/*/a', values = { x = 'X' }, optional = true }, { op = 'replace', path = '/items/0', value = 1, optional = true }]",
            "[{ op = 'trim', path = '/*/email', optional = true }, { op = 'coerce', path = '/total', to = 'number', optional = true }]",
            "[{ op = 'coerce', path = '/items/*/*', to = 'string', optional = true }, { op = 'add', path = '/items/0/z', value = 1, optional = true }]",
            "[{ op = 'trim', path = '/x/b/*/n', optional = true }, { op = 'default', path = '/x/b/k/m', value = 0 }]",
            "[{ op = 'coerce', path = '/items/*/a', to = 'integer', optional = true }, { op = 'coerce', path = '/items/2/a', to = 'integer', optional = true }]",
        ]
        .map(str::to_owned),
    );
    lists
}

/// Payloads with lists and maps of records, the shapes wildcards are for.
fn lists_of_records() -> Vec<Vec<u8>> {
    let mut texts: Vec<String> = [
        r#"{"items": [{"a": "1"}, {"a": " X ", "b": 2}, {"b": 3}], "a": {"b": {"c": "x"}, "x": {"c": "2"}}, "tags": [" a ", "B"]}"#,
        r#"{"items": [{"a": {"b": "1"}}, {"a": {"b": " 2 "}}], "customer": {"email": " A@B.C ", "name": "x"}, "total": "7"}"#,
        r#"{"items": [], "a": {}, "tags": [], "customer": {}}"#,
        r#"{"items": "none", "a": [1, "2"], "total": ["1", " 2"]}"#,
        r#"{"*": {"email": "E", "z": {"n": 1}}, "a": {"*": "1", "c": "2"}, "items": [{"a": 1}]}"#,
        "{\"items\" : [ {\"a\" : 1.50 , \"b\" : [1, 2]} ,\n {\"a\" : \"7.0\"} ] , \"total\": [\" 12 \", \"x\"] }",
        r#"{"items": [{"a": "x"}, {"a": "1"}], "a": {"p": {"c": "x"}, "q": {"c": "2026-11-22 10:15"}}}"#,
        r#"{"x": {"b": {"k": {"n": "1"}, "j": {"n": 2}}}, "y": {"b": [{"n": "3"}]}, "z": 1}"#,
        r#"{"customer": {"email": "x", "mail": "y"}, "c2": {"email": "X"}, "items": [{"a": "1", "z": 0}]}"#,
        r#"{"items": [{"a": "1", "b": {}}, {"a": "2", "b": {"a": 0}}], "m~n": {"q": "Q"}, "x/y": ["1"]}"#,
        r#"{"items": [[1, "2"], ["x"]], "a": {"k": null}, "tags": [null, true]}"#,
        r#"[{"email": " A "}, {"b": {"c": {"n": 1}}}]"#,
        r#""just text""#,
        r#"{"items": [{"a": "{\"b\": \"1.50\"}"}, {"a": "[1.0, \"x\"]"}, {"a": "oops"}], "customer": {"email": "\"A@B\""}}"#,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let many: Vec<String> = (0..300)
        .map(|i| format!(r#"{{"a": "{i}", "sku": "S-{i}", "price": 1.50}}"#))
        .collect();
    texts.push(format!(r#"{{"id": 1, "items": [{}]}}"#, many.join(", ")));
    texts.into_iter().map(String::into_bytes).collect()
}

#[test]
fn wildcard_actions_decide_the_same_on_generated_payloads() {
    let mut bodies: Vec<String> = Vec::new();
    let lists = lists();
    for list in &lists {
        bodies.push(format!("actions = {list}\n"));
    }
    for (i, list) in lists.iter().enumerate().step_by(5) {
        let predicate = [
            "{ pointer = '/a', missing = false }",
            "{ pointer = '/items', is = 'array' }",
        ][i % 2];
        bodies.push(format!(
            "when.payload = [{predicate}]\nactions = {list}\nalso = 'P'\n"
        ));
    }
    // Parking when the actions changed nothing decides the same too.
    for list in lists.iter().skip(2).step_by(7) {
        bodies.push(format!("actions = {list}\nif_unchanged = 'park'\n"));
    }
    let sets: Vec<_> = sets(&bodies)
        .into_iter()
        .map(|(source, codes)| (rules(&source), codes))
        .collect();
    let payloads: Vec<Vec<u8>> = lists_of_records()
        .into_iter()
        .chain(handpicked())
        .chain(orders())
        .chain(corpus(0x2a2a_5eed, 1_500))
        .collect();
    let mut random = Random(0x7e57_0f2a);
    let mut tally = BTreeMap::new();
    // The first 14 are the payloads of lists, against every rule.
    sweep(&sets, &payloads, (14, 30), &mut random, &mut tally);
    check_tally(&tally, 50_000);
    let total: usize = tally.values().sum();
    assert!(in_place_repairs(&tally) >= total / 20, "{tally:#?}");
    eprintln!(
        "{} wildcard rules files, {} payloads, {total} evaluations: {tally:#?}",
        sets.len(),
        payloads.len()
    );
}

#[test]
fn a_wildcard_repair_over_ten_thousand_elements_decides_the_same() {
    let set = rules(
        "[[rule]]\nname = 'qty'\nwhen.code = 'Q'\n\
         actions = [{ op = 'coerce', path = '/items/*/qty', to = 'number' }, \
                    { op = 'default', path = '/items/*/currency', value = 'EUR' }]\n",
    );
    let items: Vec<String> = (0..10_000)
        .map(|i| format!(r#"{{"qty": "{i}.0", "n": {i}}}"#))
        .collect();
    let payload = format!(
        r#"{{"id": 1, "items": [{}], "total": 12.30}}"#,
        items.join(", ")
    );
    let kind = both(&set, &input("Q", payload.as_bytes()), "10,000 elements");
    assert_eq!((kind.read, kind.repair), (Read::InPlace, "repaired"));
}
