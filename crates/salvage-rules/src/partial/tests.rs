//! What reading a part keeps of a payload, and what finishing it refuses. That a repair of a
//! part decides as the payload parsed whole is `tests::equivalence`'s.

use serde_json::{Value, json};

use super::Reach;
use crate::{action::Action, locate::Text, scan::scan};

/// The reach of `actions`, a TOML array of actions.
fn reach(actions: &str) -> Reach {
    let table: toml::Table = toml::from_str(&format!("a = {actions}")).unwrap();
    let toml::Value::Array(entries) = table["a"].clone() else {
        panic!("{actions}");
    };
    let actions: Vec<Action> = entries
        .into_iter()
        .map(|e| Action::parse(e).unwrap())
        .collect();
    Reach::of(&actions).unwrap()
}

/// The document `actions` get for `payload`.
fn read(actions: &str, payload: &str) -> Value {
    let text = Text::new(payload.as_bytes(), scan(payload.as_bytes()));
    reach(actions).part(&text).unwrap().1
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_wildcard_keeps_each_match_and_only_the_members_its_path_goes_through() {
    let payload = r#"{"id": 1, "lines": [{"sku": "A", "qty": "1", "p": 2.50}, {"qty": 2}, {"sku": "B"}, 7], "total": 3}"#;
    assert_eq!(
        read(
            "[{ op = 'coerce', path = '/lines/*/qty', to = 'integer' }]",
            payload
        ),
        json!({"lines": [{"qty": "1"}, {"qty": 2}, {}, 7]}),
        "a line without the member keeps nothing; a value on the way that is no object is read"
    );
    assert_eq!(
        read("[{ op = 'test', path = '/lines/*', value = 1 }]", payload),
        parse(r#"{"lines": [{"sku": "A", "qty": "1", "p": 2.50}, {"qty": 2}, {"sku": "B"}, 7]}"#),
        "a match used whole is read whole, its numbers as written"
    );
    assert_eq!(
        read("[{ op = 'trim', path = '/lines/1/qty' }]", payload),
        json!({"lines": [null, {"qty": 2}, null, null]}),
        "an array keeps its length"
    );
    assert_eq!(
        read(
            "[{ op = 'trim', path = '/lines/*/sku' }, { op = 'trim', path = '/lines/0/p' }]",
            payload
        ),
        parse(r#"{"lines": [{"sku": "A", "p": 2.50}, {}, {"sku": "B"}, 7]}"#),
        "an element named and matched keeps what both go through"
    );
    assert_eq!(
        read(
            "[{ op = 'trim', path = '/*/qty' }]",
            r#"{"a": {"qty": "1", "x": 2}, "b": 3}"#
        ),
        json!({"a": {"qty": "1"}, "b": 3}),
        "a wildcard at the top walks the payload itself"
    );
}

#[test]
fn objects_whose_members_change_keep_every_member() {
    let payload = r#"{"lines": [{"sku": "A", "qty": "1"}, {"qty": 2}], "n": 1}"#;
    assert_eq!(
        read(
            "[{ op = 'default', path = '/lines/*/currency', value = 'EUR' }]",
            payload
        ),
        json!({"lines": [{"sku": null, "qty": null}, {"qty": null}]}),
    );
    assert_eq!(
        read("[{ op = 'remove', path = '/lines/0' }]", payload),
        json!({"lines": [{"sku": "A", "qty": "1"}, {"qty": 2}]}),
        "an array whose elements change is read whole"
    );
    // `default` creates a missing member on its way: the object missing it keeps every member.
    let payload = r#"{"a": [{"x": {"y": 1, "z": 2}, "k": 1}, {"k": 2}]}"#;
    assert_eq!(
        read(
            "[{ op = 'default', path = '/a/*/x/y', value = 0 }]",
            payload
        ),
        json!({"a": [{"x": {"y": 1, "z": null}}, {"k": null}]}),
    );
}

/// An edit of a part's document.
type Edit<'e> = &'e dyn Fn(&mut Value);

#[test]
fn finishing_refuses_a_part_whose_kept_members_or_elements_changed() {
    let payload = r#"{"lines": [{"sku": "A", "qty": "1"}, {"qty": 2}, 3], "n": 1}"#;
    let text = Text::new(payload.as_bytes(), scan(payload.as_bytes()));
    let reach = reach("[{ op = 'coerce', path = '/lines/*/qty', to = 'integer' }]");
    let finish = |edit: &dyn Fn(&mut Value)| {
        let (part, mut doc) = reach.part(&text).unwrap();
        edit(&mut doc);
        part.finish(&text, doc)
    };
    let (bytes, changes) = finish(&|doc| doc["lines"][0]["qty"] = json!(1)).unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        r#"{"lines": [{"sku": "A", "qty": 1}, {"qty": 2}, 3], "n": 1}"#
    );
    assert_eq!(changes.len(), 1);
    assert_eq!(
        finish(&|_| {}).map(|(bytes, changes)| (bytes == payload.as_bytes(), changes.len())),
        Some((true, 0))
    );
    let refused: [(&str, Edit<'_>); 5] = [
        ("a member added", &|doc| doc["lines"][0]["sku"] = json!("B")),
        ("a member removed", &|doc| {
            doc["lines"][1].as_object_mut().unwrap().clear();
        }),
        ("an element added", &|doc| {
            doc["lines"].as_array_mut().unwrap().push(json!(4))
        }),
        ("an element removed", &|doc| {
            doc["lines"].as_array_mut().unwrap().pop();
        }),
        ("outside the part", &|doc| doc["n"] = json!(2)),
    ];
    for (what, edit) in refused {
        assert!(finish(edit).is_none(), "{what}");
    }
}
