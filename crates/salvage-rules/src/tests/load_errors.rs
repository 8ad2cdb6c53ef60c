//! Load errors: each names the file, the line and the rule or test, and says what is wrong.

use crate::{Entry, RuleSet, RulesError};

/// Three rules; the third, `c`, starts at line 9 and is completed by each case.
const BASE: &str = r#"[[rule]]
name = "a"
decision = "park"

[[rule]]
name = "b"
decision = "park"

[[rule]]
name = "c"
"#;

/// A test's `input` that is valid.
const INPUT: &str = r#"input = { queue = "q", event_type = "E", class = "data" }"#;

/// BASE with rule `c` completed by `lines`.
fn third(lines: &[&str]) -> String {
    format!("{BASE}{}\n", lines.join("\n"))
}

/// BASE completed, then a `[[test]]` named `t` at line 13 made of `lines`.
fn with_test(lines: &[&str]) -> String {
    format!(
        "{BASE}decision = \"park\"\n\n[[test]]\nname = \"t\"\n{}\n",
        lines.join("\n")
    )
}

/// The error `source` fails to load with, as displayed.
fn error(source: &str) -> String {
    match RuleSet::parse(source, "examples/rules.toml") {
        Ok(_) => panic!("loaded:\n{source}"),
        Err(e) => e.to_string(),
    }
}

/// (rules file, line, the start of the message after `examples/rules.toml:<line>: `)
fn cases() -> Vec<(String, usize, &'static str)> {
    let park = "decision = \"park\"";
    let retry = "decision = \"retry\"";
    vec![
        // The third rule, whose header is at line 9, broken in each possible way.
        (
            third(&[
                "actions = [{ op = \"coerce\", path = \"/lines/*/flag\", to = \"boolean\",",
                "  true_values = [\"Y\", \"yes\"], false_values = [\"N\", \"YES\"] }]",
            ]),
            9,
            "rule `c`: action 1: \"yes\" is in both `true_values` and `false_values`",
        ),
        (
            third(&[
                "actions = [{ op = \"coerce\", path = \"/flag\", to = \"boolean\",",
                "  true_values = [], false_values = [\"N\"] }]",
            ]),
            9,
            "rule `c`: action 1: `true_values` is empty",
        ),
        (
            third(&[park, "if_unchanged = \"park\""]),
            9,
            "rule `c`: `if_unchanged` is only used with actions",
        ),
        (
            third(&[
                "actions = [{ op = \"trim\", path = \"/a\" }]",
                "if_unchanged = \"retry\"",
            ]),
            9,
            "rule `c`: unknown variant `retry`, expected `requeue` or `park`",
        ),
        (
            third(&["when.message = \"(unclosed\"", park]),
            9,
            "rule `c`: invalid regex in `when.message`: regex parse error",
        ),
        (
            third(&["when.message_not = \"[\"", park]),
            9,
            "rule `c`: invalid regex in `when.message_not`: regex parse error",
        ),
        (
            third(&[
                "when.payload = [{ pointer = \"/a\", exists = true },",
                "  { pointer = \"/sku\", not_matches = \"(\" }]",
                park,
            ]),
            9,
            "rule `c`: `when.payload` entry 2: invalid regex in `not_matches`: regex parse error",
        ),
        (
            third(&[
                "when.payload = [{ pointer = \"/total\", gt = \"12,50\" }]",
                park,
            ]),
            9,
            "rule `c`: `when.payload` entry 1: `gt`: \"12,50\" is not a number (a string here \
             must hold a JSON number, such as \"12.50\")",
        ),
        (
            third(&[
                "when.payload = [{ pointer = \"/total\", lte = { max = 3 } }]",
                park,
            ]),
            9,
            "rule `c`: `when.payload` entry 1: `lte` must be a number, or a string holding one \
             to keep its digits, not table",
        ),
        (
            third(&[
                "when.payload = [{ pointer = \"/total\", gte = 1, lt = 10 }]",
                park,
            ]),
            9,
            "rule `c`: `when.payload` entry 1: give exactly one of `exists`, `missing`, \
             `equals`, `matches`, `not_matches`, `is`, `gt`, `gte`, `lt` or `lte` (for a \
             range, give two predicates on the same pointer)",
        ),
        (
            third(&["when.queue = \"a\\\\\"", park]),
            9,
            "rule `c`: `when.queue`: glob `a\\` ends with a lone `\\`",
        ),
        (
            third(&[
                "when.payload = [{ pointer = \"total\", exists = true }]",
                park,
            ]),
            9,
            "rule `c`: `when.payload` entry 1: `pointer`: invalid JSON pointer `total`: \
             must be empty or start with `/`",
        ),
        (
            third(&[
                "when.payload = [{ pointer = \"/a~3\", exists = true }]",
                park,
            ]),
            9,
            "rule `c`: `when.payload` entry 1: `pointer`: invalid JSON pointer `/a~3`: \
             `~` must be followed by 0, 1 or 2",
        ),
        // Wildcards: action paths only, and only where they can work.
        (
            third(&[
                "when.payload = [{ pointer = \"/items/*/qty\", is = \"string\" }]",
                park,
            ]),
            9,
            "rule `c`: `when.payload` entry 1: `pointer`: `/items/*/qty`: wildcards (`*`) are \
             supported in action paths only (a member named `*` is written `~2`)",
        ),
        (
            third(&["actions = [{ op = \"remove\", path = \"/items/*\" }]"]),
            9,
            "rule `c`: action 1: `path`: `/items/*` cannot end with `*` here",
        ),
        (
            third(&[
                "actions = [",
                "  { op = \"trim\", path = \"/items/*/sku\" },",
                "  { op = \"rename\", from = \"/items/*/quantity\", path = \"/qty\" },",
                "]",
            ]),
            9,
            "rule `c`: action 2: `from` (/items/*/quantity) and `path` (/qty) must have the \
             same wildcards",
        ),
        // Paths taken from the error message: only from a named group of `when.message`.
        (
            third(&[
                "when.message = \"field '(?P<field>[^']+)' is wrong\"",
                "actions = [{ op = \"coerce\", path = \"{feld}\", to = \"string\" }]",
            ]),
            9,
            "rule `c`: action 1: `path` refers to the capture `{feld}`, which is not a named \
             group of `when.message` (its named groups: `field`)",
        ),
        (
            third(&[
                "when.code = \"INVALID_TYPE\"",
                "actions = [",
                "  { op = \"trim\", path = \"/a\" },",
                "  { op = \"rename\", from = \"/order/{field}\", path = \"/b\" },",
                "]",
            ]),
            9,
            "rule `c`: action 2: `from` refers to the capture `{field}`, but the rule has no \
             `when.message` (name a group there: `(?P<field>...)`)",
        ),
        (
            third(&[
                "when.message = \"field (\\\\S+)\"",
                "actions = [{ op = \"remove\", path = \"{1}\" }]",
            ]),
            9,
            "rule `c`: action 1: `path` refers to the capture `{1}`, which is not a named group \
             of `when.message` (it has no named groups)",
        ),
        (
            third(&[
                "when.message = \"field (?P<f>\\\\S+)\"",
                "actions = [{ op = \"coerce\", path = \"{f}\", to = \"text\" }]",
            ]),
            9,
            "rule `c`: action 1: unknown variant `text`, expected one of",
        ),
        (
            third(&["whn.code = \"X\"", park]),
            9,
            "rule `c`: unknown field `whn`, expected one of",
        ),
        (
            third(&["decision = \"discard\""]),
            9,
            "rule `c`: unknown variant `discard`, expected one of `requeue`, `retry`, `park`",
        ),
        (
            third(&["when.code = \"X\""]),
            9,
            "rule `c`: `decision` is required when a rule has no actions",
        ),
        (
            third(&[park, "actions = [{ op = \"trim\", path = \"/a\" }]"]),
            9,
            "rule `c`: `park` cannot have actions",
        ),
        (
            third(&[retry, "actions = [{ op = \"trim\", path = \"/a\" }]"]),
            9,
            "rule `c`: `retry` cannot have actions",
        ),
        (
            third(&["decision = \"requeue\"", "reason = \"x\""]),
            9,
            "rule `c`: `reason` is only used with decision = \"park\"",
        ),
        (
            third(&[park, "backoff = { initial = \"1s\" }"]),
            9,
            "rule `c`: `backoff` is only used with decision = \"retry\"",
        ),
        (
            third(&["actions = [{ op = \"explode\", path = \"/a\" }]"]),
            9,
            "rule `c`: action 1: unknown variant `explode`, expected one of",
        ),
        (
            third(&[
                "actions = [{ op = \"trim\", path = \"/a\" }, { op = \"trim\", paht = \"/a\" }]",
            ]),
            9,
            "rule `c`: action 2: unknown field `paht`",
        ),
        (
            third(&["actions = [{ op = \"move\", from = \"/a\", path = \"/a/b\" }]"]),
            9,
            "rule `c`: action 1: cannot move `/a` into its own child `/a/b`",
        ),
        (
            third(&[
                "actions = [",
                r#"  { op = "regex_replace", path = "/a", pattern = "[", replacement = "" },"#,
                "]",
            ]),
            9,
            "rule `c`: action 1: invalid regex in `pattern`",
        ),
        (
            third(&[
                "actions = [",
                r#"  { op = "trim", path = "/weight" },"#,
                r#"  { op = "divide", path = "/weight", by = "2.54" },"#,
                "]",
            ]),
            9,
            "rule `c`: action 2: `by`: dividing by 2.54 can give endless decimals \
             (1 ÷ 3 = 0.333...): set `decimals`, and `rounding` to round",
        ),
        (
            third(&[r#"actions = [{ op = "divide", path = "/w", by = 0, decimals = 2 }]"#]),
            9,
            "rule `c`: action 1: `by`: cannot divide by zero",
        ),
        (
            third(&[
                "actions = [",
                r#"  { op = "trim", path = "/placed_at" },"#,
                r#"  { op = "timestamp", path = "/placed_at", zone = "US/Eastern Standard" },"#,
                "]",
            ]),
            9,
            "rule `c`: action 2: `zone`: unknown time zone \"US/Eastern Standard\" (an IANA \
             time zone name, such as \"America/New_York\", \"Europe/Berlin\" or \"UTC\")",
        ),
        (
            third(&[r#"actions = [{ op = "timestamp", path = "/t", ambiguous = "later" }]"#]),
            9,
            "rule `c`: action 1: `ambiguous` needs `zone` (in UTC no time is ambiguous)",
        ),
        (
            third(&[
                "actions = [",
                r#"  { op = "coerce", path = "/zip", to = "string" },"#,
                r#"  { op = "pad", path = "/zip", width = 5, with = "00" },"#,
                "]",
            ]),
            9,
            "rule `c`: action 2: `with`: exactly one character to pad with, not \"00\" \
             (2 characters)",
        ),
        (
            third(&[r#"actions = [{ op = "pad", path = "/zip", width = 0, with = "0" }]"#]),
            9,
            "rule `c`: action 1: `width`: from 1 to 1000000 characters, not 0",
        ),
        (
            third(&[
                r#"actions = [{ op = "pad", path = "/zip", width = 5, with = "0", side = "both" }]"#,
            ]),
            9,
            "rule `c`: action 1: unknown variant `both`, expected `left` or `right`",
        ),
        (
            third(&[retry, "backoff = { initial = \"1m\", max = \"10s\" }"]),
            9,
            "rule `c`: `backoff.initial` (1m) is greater than `backoff.max` (10s)",
        ),
        (
            third(&[retry, "backoff = { multiplier = 0.5 }"]),
            9,
            "rule `c`: `backoff.multiplier` (0.5) must be at least 1",
        ),
        (
            third(&[retry, "backoff = { jitter = 1.5 }"]),
            9,
            "rule `c`: `backoff.jitter` (1.5) must be between 0 and 1",
        ),
        (
            third(&[retry, "backoff = { retry_after_max = \"0s\" }"]),
            9,
            "rule `c`: `backoff.retry_after_max` must be greater than zero (to ignore the \
             consumer's retry_after, set `backoff.use_retry_after = false`)",
        ),
        (
            third(&[retry, "backoff = { initial = \"soon\" }"]),
            9,
            "rule `c`: invalid value: string \"soon\", expected a duration",
        ),
        (
            third(&[park, "max_attempts = 0"]),
            9,
            "rule `c`: `max_attempts` must be at least 1",
        ),
        // Names.
        (
            BASE.replace("name = \"c\"", "name = \"a\"") + park,
            9,
            "rule `a`: duplicate rule name (first defined at line 1)",
        ),
        (
            BASE.replace("name = \"c\"", "name = \"Order Total\"") + park,
            9,
            "rule `Order Total`: invalid name \"Order Total\"",
        ),
        (
            BASE.replace("name = \"b\"\n", ""),
            5,
            "rule #2: missing field `name`",
        ),
        // Rules written as an inline array are located by their table.
        (
            "rule = [\n  { name = \"a\", decision = \"park\" },\n  { name = \"b\" },\n]\n"
                .to_owned(),
            3,
            "rule `b`: `decision` is required",
        ),
        // TOML syntax and the top level.
        (
            format!("{BASE}{park}\n\n[[rule]\nname = \"d\"\n"),
            13,
            "unclosed array table",
        ),
        (
            "[[rules]]\nname = \"a\"\n".to_owned(),
            1,
            "unknown field `rules`, expected one of `defaults`, `rule`, `test`",
        ),
        // Defaults.
        (
            "\n[defaults]\nmax_attempt = 3\n".to_owned(),
            2,
            "defaults: unknown field `max_attempt`",
        ),
        (
            "[defaults]\nbackoff = { initial = \"0s\" }\n".to_owned(),
            1,
            "defaults: `backoff.initial` must be greater than zero",
        ),
        (
            "[defaults]\non_other = \"drop\"\n".to_owned(),
            1,
            "defaults: unknown variant `drop`, expected `retry` or `park`",
        ),
        // Tests.
        (
            with_test(&["rule = \"zz\"", INPUT, "expect = { decision = \"park\" }"]),
            13,
            "test `t`: `rule`: no rule is named `zz`",
        ),
        (
            with_test(&[
                "input = { queue = \"q\", event_type = \"E\", class = \"fatal\" }",
                "expect = { decision = \"park\" }",
            ]),
            13,
            "test `t`: unknown error class `fatal`",
        ),
        (
            with_test(&[INPUT, "expect = { decision = \"park\", payload = \"{}\" }"]),
            13,
            "test `t`: `expect.payload` and `expect.unchanged` need decision = \"requeue\"",
        ),
        (
            with_test(&[
                INPUT,
                "expect = { decision = \"requeue\", payload = \"{nope\" }",
            ]),
            13,
            "test `t`: `expect.payload` is not valid JSON",
        ),
        (
            with_test(&[
                "input.queue = \"q\"",
                "input.event_type = \"E\"",
                "input.class = \"data\"",
                "input.payload = \"\"",
                "input.payload_json = {}",
                "expect.decision = \"park\"",
            ]),
            13,
            "test `t`: `input`: give `payload` or `payload_json`, not both",
        ),
        (
            with_test(&[
                INPUT,
                "expect.decision = \"park\"",
                "expect.repair = \"fixed\"",
            ]),
            13,
            "test `t`: `expect.repair`: unknown value \"fixed\"",
        ),
        (
            with_test(&[
                INPUT,
                "expect = { decision = \"park\" }",
                "",
                "[[test]]",
                "name = \"t\"",
                INPUT,
                "expect = { decision = \"park\" }",
            ]),
            18,
            "test `t`: duplicate test name (first defined at line 13)",
        ),
    ]
}

#[test]
fn errors_name_file_line_and_entry() {
    for (source, line, rest) in cases() {
        let expected = format!("examples/rules.toml:{line}: {rest}");
        let message = error(&source);
        assert!(
            message.starts_with(&expected),
            "\nexpected: {expected}\n     got: {message}\n  source:\n{source}"
        );
    }
}

#[test]
fn errors_are_structured_too() {
    let source = format!("{BASE}when.message = \"(\"\ndecision = \"park\"\n");
    let err = RuleSet::parse(&source, "f.toml").unwrap_err();
    assert_eq!(err.line(), 9);
    let RulesError::Rule { file, rule, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(file, "f.toml");
    assert_eq!(rule, Entry::Named("c".to_owned()));
}

#[test]
fn the_base_file_loads_when_completed() {
    let set = RuleSet::parse(&format!("{BASE}decision = \"park\"\n"), "f.toml").unwrap();
    assert_eq!(set.rule_names().collect::<Vec<_>>(), ["a", "b", "c"]);
}
