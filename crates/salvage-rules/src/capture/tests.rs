//! Captured text to pointer tokens, templates and their load-time checks.

use regex::Regex;

use super::*;

/// The pointer text of `captured`, or why it is not a path.
fn pointer(captured: &str) -> Result<String, String> {
    tokens(captured).map(|tokens| crate::pointer::text(&tokens))
}

#[test]
fn dotted_and_bracketed_paths_become_pointers() {
    #[rustfmt::skip]
    let cases = [
        ("zip", "/zip"),
        ("shipping.zip", "/shipping/zip"),
        ("items[2].qty", "/items/2/qty"),
        ("items.2.qty", "/items/2/qty"),
        ("matrix[0][10]", "/matrix/0/10"),
        ("[0].id", "/0/id"),
        ("a b.c-d", "/a b/c-d"),
        ("é.ü", "/é/ü"),
    ];
    for (captured, expected) in cases {
        assert_eq!(pointer(captured).as_deref(), Ok(expected), "{captured}");
    }
    // A numeric name is a member or an element, as in any pointer.
    let tokens = tokens("items.2").unwrap();
    assert_eq!(tokens[1].index, Some(2));
}

#[test]
fn names_holding_pointer_characters_are_escaped_per_rfc_6901() {
    #[rustfmt::skip]
    let cases = [
        ("a/b", "/a~1b", "a/b"),
        ("c~d", "/c~0d", "c~d"),
        ("~1", "/~01", "~1"),
        ("x.*", "/x/~2", "*"),
        ("x.*y", "/x/*y", "*y"),
        ("x.{y}", "/x/{y}", "{y}"),
    ];
    for (captured, expected, last_key) in cases {
        assert_eq!(pointer(captured).as_deref(), Ok(expected), "{captured}");
        let tokens = tokens(captured).unwrap();
        let last = tokens.last().unwrap();
        assert_eq!(
            (last.key.as_str(), last.wildcard),
            (last_key, false),
            "{captured}"
        );
    }
}

#[test]
fn captured_pointers_are_taken_as_written_with_a_star_as_a_member() {
    #[rustfmt::skip]
    let cases = [
        ("/shipping/zip", "/shipping/zip"),
        ("/items/2/qty", "/items/2/qty"),
        ("/a~1b/c~0d", "/a~1b/c~0d"),
        ("/", "/"),
        ("/items/*/qty", "/items/~2/qty"),
        ("/~2", "/~2"),
        ("/a.b", "/a.b"),
    ];
    for (captured, expected) in cases {
        assert_eq!(pointer(captured).as_deref(), Ok(expected), "{captured}");
    }
    assert!(tokens("/items/*/qty").unwrap().iter().all(|t| !t.wildcard));
}

#[test]
fn text_that_is_not_a_path_says_why() {
    #[rustfmt::skip]
    let cases = [
        ("", "it is empty"),
        ("a..b", "a name is empty"),
        (".a", "a name is empty"),
        ("a.", "a name is empty"),
        ("a.[0]", "a name is empty"),
        ("a[x]", "brackets in \"a[x]\" must hold an array index"),
        ("a[01]", "must hold an array index"),
        ("a[-1]", "must hold an array index"),
        ("a[]", "must hold an array index"),
        ("a[0", "must hold an array index"),
        ("a[0]x", "must hold an array index"),
        ("a[0]]", "must hold an array index"),
        ("a]", "`]` without `[` in \"a]\""),
        ("/a~3", "`~` must be followed by 0, 1 or 2"),
    ];
    for (captured, reason) in cases {
        match tokens(captured) {
            Err(e) => assert!(e.contains(reason), "{captured:?}: {e}"),
            Ok(tokens) => panic!("{captured:?} converted to {tokens:?}"),
        }
    }
}

#[test]
fn templates_are_tokens_that_are_exactly_a_name_in_braces() {
    let names = |text: &str| -> Option<Vec<String>> {
        Template::parse(text).map(|t| t.names().map(str::to_owned).collect())
    };
    assert_eq!(names("{field}"), Some(vec!["field".to_owned()]));
    assert_eq!(names("/order/{field}"), Some(vec!["field".to_owned()]));
    assert_eq!(
        names("{a}/x/{b}"),
        Some(vec!["a".to_owned(), "b".to_owned()])
    );
    assert_eq!(names("/lines/*/{f}"), Some(vec!["f".to_owned()]));
    for plain in [
        "/a{b}", "/{}", "/{a}b", "/{{a}}", "/total", "", "field", "a/{x}",
    ] {
        assert_eq!(names(plain), None, "{plain}");
    }
    let template = Template::parse("/order/{field}/*").unwrap();
    assert_eq!(template.probe(), "/order/{field}/*");
    assert_eq!(Template::parse("{field}").unwrap().probe(), "/{field}");
}

#[test]
fn a_template_resolves_with_the_captured_tokens() {
    let regex = Regex::new("field '(?P<field>[^']*)'(?: in (?P<where>\\w+))?").unwrap();
    let resolve = |template: &str, message: &str| {
        Template::parse(template)
            .unwrap()
            .resolve(regex.captures(message).as_ref())
    };
    #[rustfmt::skip]
    let cases = [
        ("{field}", "field 'shipping.zip' must be a string", "/shipping/zip"),
        ("/order/{field}", "field 'lines[1].qty' is wrong", "/order/lines/1/qty"),
        ("/lines/*/{field}", "field 'qty' is wrong", "/lines/*/qty"),
        ("/lines/*/{field}", "field '*' is wrong", "/lines/*/~2"),
        ("/a~1b/{field}", "field 'c/d' is wrong", "/a~1b/c~1d"),
    ];
    for (template, message, expected) in cases {
        assert_eq!(
            resolve(template, message).as_deref(),
            Ok(expected),
            "{template}"
        );
    }
    assert_eq!(
        resolve("{field}", "field 'a..b' is wrong"),
        Err(
            "`{field}` captured \"a..b\", which is not a path: a name is empty (two dots in \
             a row, or a dot at an end)"
                .to_owned()
        )
    );
    assert_eq!(
        resolve("{where}/{field}", "field 'a' is wrong"),
        Err("`{where}`: the group `where` captured nothing".to_owned())
    );
    assert_eq!(
        resolve("{field}", "no match"),
        Err("`{field}`: the group `field` captured nothing".to_owned())
    );
}

#[test]
fn a_reference_must_name_a_group_of_the_message_regex() {
    let entry = |path: &str| -> toml::Value {
        toml::from_str(&format!("op = 'coerce'\npath = '{path}'\nto = 'string'")).unwrap()
    };
    let regex = Regex::new("field '(?P<field>[^']+)'( at (?P<at>.+))?").unwrap();
    assert!(
        Templated::parse(&entry("{field}"), Some(&regex))
            .unwrap()
            .is_some()
    );
    assert!(Templated::parse(&entry("/total"), None).unwrap().is_none());
    assert_eq!(
        Templated::parse(&entry("{name}"), Some(&regex)).unwrap_err(),
        "`path` refers to the capture `{name}`, which is not a named group of `when.message` \
         (its named groups: `field`, `at`)"
    );
    assert_eq!(
        Templated::parse(&entry("{field}"), Some(&Regex::new("(x)").unwrap())).unwrap_err(),
        "`path` refers to the capture `{field}`, which is not a named group of `when.message` \
         (it has no named groups)"
    );
    assert_eq!(
        Templated::parse(&entry("{field}"), None).unwrap_err(),
        "`path` refers to the capture `{field}`, but the rule has no `when.message` (name a \
         group there: `(?P<field>...)`)"
    );
    // The rest of the entry is checked at load time too.
    let bad: toml::Value = toml::from_str("op = 'coerce'\npath = '{field}'\nto = 'date'").unwrap();
    let err = Templated::parse(&bad, Some(&regex)).unwrap_err();
    assert!(err.contains("unknown variant `date`"), "{err}");
    let removes_star: toml::Value = toml::from_str("op = 'remove'\npath = '/a/{field}/*'").unwrap();
    let err = Templated::parse(&removes_star, Some(&regex)).unwrap_err();
    assert!(err.contains("cannot end with `*`"), "{err}");
}
