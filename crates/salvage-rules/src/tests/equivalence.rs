//! Reading payloads in place (`payload`, `scan`, `locate`, `partial`) decides exactly what
//! parsing every payload whole decided: both run here over the example rules' tests, the
//! crate's test rules, hand-picked payloads and a few thousand generated ones, against rules
//! using every action and every predicate at every kind of pointer, and must agree on the whole
//! evaluation (rule, decision, repaired bytes, changes, repair kind, attempts). `wildcards`
//! does the same for actions whose paths hold wildcards, `captures` for actions whose paths
//! are taken from the error message.

mod captures;
mod wildcards;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    bom::RULES as BOM_RULES, captures::RULES as CAPTURE_RULES, evaluate::ORDERS,
    exact::RULES as EXACT_RULES, example::EXAMPLE, rules, wildcards::RULES as WILDCARD_RULES,
};
use crate::{
    Decision, ErrorClass, Evaluation, Input, RuleSet, exact,
    payload::{Payload, without_bom},
    scan,
};

/// `RuleSet::evaluate` as it was before payloads were read in place: the payload parsed whole,
/// once, on the first rule that needs it.
fn evaluate_whole(set: &RuleSet, input: &Input<'_>) -> Evaluation {
    let mut payload = Whole::Raw(input.payload);
    for rule in &set.rules {
        if !rule.when().matches_envelope(input) {
            continue;
        }
        if rule.needs_json() {
            let doc = match payload.json() {
                Ok(doc) => doc,
                Err(e) => return rule.unreadable(e.reason()),
            };
            if !rule.when().matches_payload(doc) {
                continue;
            }
        }
        let decided = rule.decide(payload.into_json(), input.payload, input.message);
        return set.held_to_schema(input, decided);
    }
    let unmatched = set.unmatched(input, &mut Payload::new(input.payload));
    set.held_to_schema(input, unmatched)
}

/// The payload of [`evaluate_whole`], parsed on first need and then kept for later rules.
enum Whole<'a> {
    Raw(&'a [u8]),
    Json(Value),
    Invalid(exact::JsonError),
}

impl Whole<'_> {
    fn json(&mut self) -> Result<&Value, &exact::JsonError> {
        if let Whole::Raw(bytes) = *self {
            *self = exact::parse(without_bom(bytes).1).map_or_else(Whole::Invalid, Whole::Json);
        }
        match self {
            Whole::Json(doc) => Ok(doc),
            Whole::Invalid(e) => Err(e),
            Whole::Raw(_) => unreachable!("parsed above"),
        }
    }

    fn into_json(self) -> Option<Value> {
        match self {
            Whole::Json(doc) => Some(doc),
            Whole::Raw(_) | Whole::Invalid(_) => None,
        }
    }
}

/// How the deciding rule read the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Read {
    /// It did not need it.
    NotNeeded,
    /// Not JSON, too deep or ambiguous.
    Unreadable,
    /// In place: predicates and the decision (a repair on part of the payload).
    InPlace,
    /// Parsed whole.
    Whole,
}

/// What both evaluations of one input were, for the tallies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Kind {
    read: Read,
    repair: &'static str,
    decision: &'static str,
}

/// Evaluates `input` both ways, requiring the same evaluation; says how it was read.
fn both(set: &RuleSet, input: &Input<'_>, what: &str) -> Kind {
    let in_place = set.evaluate(input);
    let whole = evaluate_whole(set, input);
    assert_eq!(
        in_place,
        whole,
        "{what}: code {:?}, payload {:?}",
        input.code,
        String::from_utf8_lossy(input.payload)
    );
    // The changes are those the diff listed before it learnt to skip equal members.
    if let Decision::Requeue {
        payload: Some(repaired),
    } = &in_place.decision
        && let (Ok(before), Ok(after)) = (
            exact::parse(without_bom(input.payload).1),
            exact::parse(without_bom(repaired).1),
        )
    {
        assert_eq!(in_place.changes, earlier::diff(&before, &after), "{what}");
    }
    Kind {
        read: how_read(set, input, &in_place),
        repair: in_place.repair.as_str(),
        decision: in_place.decision.kind(),
    }
}

fn how_read(set: &RuleSet, input: &Input<'_>, evaluation: &Evaluation) -> Read {
    let Some(rule) = evaluation
        .rule
        .as_deref()
        .and_then(|name| set.rules.iter().find(|rule| rule.name() == name))
    else {
        return Read::NotNeeded;
    };
    if !rule.needs_json() {
        return Read::NotNeeded;
    }
    let mut payload = Payload::new(input.payload);
    let bom = payload.has_bom();
    match payload.look() {
        Err(_) => Read::Unreadable,
        Ok(Some(text))
            if rule.when().matches_payload_text(text).is_some()
                && rule.decide_text(text, bom, input.message).is_some() =>
        {
            Read::InPlace
        }
        Ok(_) => Read::Whole,
    }
}

fn input<'a>(code: &'a str, payload: &'a [u8]) -> Input<'a> {
    Input {
        queue: "orders",
        event_type: "OrderPlaced",
        class: ErrorClass::Data,
        code,
        message: "",
        payload,
    }
}

#[test]
fn the_example_and_test_rules_decide_the_same_on_their_own_tests() {
    for (file, source) in [
        ("examples/rules.toml", EXAMPLE),
        ("exact", EXACT_RULES),
        ("evaluate", ORDERS),
        ("wildcards", WILDCARD_RULES),
        ("captures", CAPTURE_RULES),
        ("bom", BOM_RULES),
    ] {
        let set = rules(source);
        for test in &set.tests {
            both(&set, &test.input(), &format!("{file}: {}", test.name()));
        }
    }
}

#[test]
fn the_example_rules_decide_the_same_on_every_payload() {
    let set = rules(EXAMPLE);
    let mut tally = BTreeMap::new();
    let payloads: Vec<Vec<u8>> = handpicked()
        .into_iter()
        .chain(orders())
        .chain(corpus(0x5a17_a9e0, 600))
        .collect();
    for test in &set.tests {
        for payload in &payloads {
            let input = Input {
                payload,
                ..test.input()
            };
            *tally.entry(both(&set, &input, test.name())).or_insert(0) += 1;
        }
    }
    check_tally(&tally, 1_000);
}

#[test]
fn every_action_and_predicate_decides_the_same_on_generated_payloads() {
    let sets: Vec<(RuleSet, Vec<String>)> = generated_rules()
        .into_iter()
        .map(|(source, codes)| (rules(&source), codes))
        .collect();
    let mut random = Random(0x1d2e_3f40);
    let mut tally = BTreeMap::new();
    let payloads: Vec<Vec<u8>> = handpicked()
        .into_iter()
        .chain(orders())
        .chain(corpus(0x0bad_cafe, 4_000))
        .collect();
    sweep(&sets, &payloads, (40, 80), &mut random, &mut tally);
    check_tally(&tally, 200_000);
    let total: usize = tally.values().sum();
    let whole: usize = tally
        .iter()
        .filter(|(kind, _)| kind.read == Read::Whole)
        .map(|(_, n)| n)
        .sum();
    assert!(whole >= total / 100, "read whole: {whole} of {total}");
    eprintln!(
        "{} rules files, {} payloads, {total} evaluations: {tally:#?}",
        sets.len(),
        payloads.len()
    );
}

/// Evaluates `payloads` both ways (`both`) and counts each kind in `tally`: the first `all`
/// against every rule of every set, each other against `picks` rules drawn with `random`.
fn sweep(
    sets: &[(RuleSet, Vec<String>)],
    payloads: &[Vec<u8>],
    (all, picks): (usize, usize),
    random: &mut Random,
    tally: &mut BTreeMap<Kind, usize>,
) {
    let mut evaluate = |set: &RuleSet, code: &str, payload: &[u8]| {
        let kind = both(set, &input(code, payload), code);
        *tally.entry(kind).or_insert(0) += 1;
    };
    for (n, payload) in payloads.iter().enumerate() {
        if n < all {
            for (set, codes) in sets {
                for code in codes {
                    evaluate(set, code, payload);
                }
            }
        } else {
            for _ in 0..picks {
                let (set, codes) = &sets[random.below(sets.len())];
                evaluate(set, &codes[random.below(codes.len())], payload);
            }
        }
    }
}

/// How many evaluations in `tally` were repairs made on the payload read in place.
fn in_place_repairs(tally: &BTreeMap<Kind, usize>) -> usize {
    tally
        .iter()
        .filter(|(kind, _)| kind.read == Read::InPlace && kind.repair == "repaired")
        .map(|(_, n)| n)
        .sum()
}

/// Repairs and failures in place and unreadable payloads come up often enough to mean
/// something.
fn check_tally(tally: &BTreeMap<Kind, usize>, min_total: usize) {
    let count = |f: &dyn Fn(&Kind) -> bool| -> usize {
        tally.iter().filter(|(k, _)| f(k)).map(|(_, n)| n).sum()
    };
    let total = count(&|_| true);
    assert!(total >= min_total, "{total} evaluations: {tally:#?}");
    let repaired_in_place = count(&|k| k.read == Read::InPlace && k.repair == "repaired");
    let failed_in_place = count(&|k| k.read == Read::InPlace && k.repair == "failed");
    let unreadable = count(&|k| k.read == Read::Unreadable);
    for (what, n) in [
        ("repaired in place", repaired_in_place),
        ("failed in place", failed_in_place),
        ("unreadable", unreadable),
    ] {
        assert!(n >= total / 100, "{what}: {n} of {total}: {tally:#?}");
    }
}

/// A seeded generator (splitmix64): the same corpus on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Keys, each with the ways it may be written (the first plain).
const KEYS: &[(&str, &[&str])] = &[
    ("a", &[r#""a""#, r#""\u0061""#]),
    ("b", &[r#""b""#]),
    ("c", &[r#""c""#]),
    ("total", &[r#""total""#]),
    ("amount", &[r#""amount""#]),
    ("customer", &[r#""customer""#]),
    ("email", &[r#""email""#, r#""em\u0061il""#]),
    ("items", &[r#""items""#]),
    ("tags", &[r#""tags""#]),
    ("x/y", &[r#""x/y""#, r#""x\/y""#]),
    ("m~n", &[r#""m~n""#]),
    ("", &[r#""""#]),
    ("é", &[r#""é""#, r#""\u00e9""#]),
    ("n", &[r#""n""#]),
    ("currency", &[r#""currency""#]),
    ("placed_at", &[r#""placed_at""#]),
    ("schema_version", &[r#""schema_version""#]),
];

const STRINGS: &[&str] = &[
    r#""x""#,
    r#""X""#,
    r#""  Ada@Example.COM ""#,
    r#""12.50""#,
    r#"" 7 ""#,
    r#""7.0""#,
    r#""yes""#,
    r#""NO""#,
    r#""1""#,
    r#""2026-11-22 10:15:00""#,
    r#""22/11/2026""#,
    r#""22 Nov 2026 10:15""#,
    r#""1700000000""#,
    r#""caf\u00e9""#,
    r#""a\/b""#,
    r#""q\"uote""#,
    r#""line\nbreak""#,
    r#""""#,
    r#""Credit_Card""#,
    r#""cc""#,
    r#""+49 (30) 123-45""#,
    r#""{not json}""#,
    r#""20261121000000000000001""#,
    r#""é""#,
    r#""two""#,
];

const NUMBERS: &[&str] = &[
    "12.30",
    "12.3",
    "1e3",
    "1E+3",
    "-0",
    "20261121000000000000001",
    "1234567890123456789012345",
    "0",
    "1",
    "2.0",
    "-7",
    "1.5",
    "0.5e-3",
    "18446744073709551616",
    "1700000000000",
];

const SPACES: &[&str] = &["", "", "", " ", "\n  ", "\t", "\r\n"];

fn space(random: &mut Random) -> &'static str {
    random.pick(SPACES)
}

/// A JSON value's text, `depth` levels down.
fn value(random: &mut Random, depth: usize) -> String {
    let containers = if depth < 4 { 45 } else { 5 };
    match random.below(100) {
        n if n < containers && n % 3 == 0 => array(random, depth + 1),
        n if n < containers => object(random, depth + 1),
        n if n < 70 => random.pick(STRINGS).to_owned(),
        n if n < 88 => random.pick(NUMBERS).to_owned(),
        n if n < 92 => "true".to_owned(),
        n if n < 95 => "false".to_owned(),
        _ => "null".to_owned(),
    }
}

fn object(random: &mut Random, depth: usize) -> String {
    let mut out = format!("{{{}", space(random));
    let mut written: Vec<usize> = Vec::new();
    let len = random.below(6);
    for i in 0..len {
        let key = if !written.is_empty() && random.percent(2) {
            written[random.below(written.len())] // written twice
        } else {
            let mut key = random.below(KEYS.len());
            while written.contains(&key) && written.len() < KEYS.len() {
                key = random.below(KEYS.len());
            }
            key
        };
        written.push(key);
        let forms = KEYS[key].1;
        let form = if random.percent(85) {
            forms[0]
        } else {
            random.pick(forms)
        };
        if i > 0 {
            out.push(',');
            out.push_str(space(random));
        }
        out.push_str(form);
        out.push_str(space(random));
        out.push(':');
        out.push_str(space(random));
        out.push_str(&value(random, depth));
        out.push_str(space(random));
    }
    if len > 0 && random.percent(1) {
        out.push(','); // trailing comma: not JSON
    }
    out.push('}');
    out
}

fn array(random: &mut Random, depth: usize) -> String {
    let mut out = format!("[{}", space(random));
    for i in 0..random.below(5) {
        if i > 0 {
            out.push(',');
            out.push_str(space(random));
        }
        out.push_str(&value(random, depth));
        out.push_str(space(random));
    }
    out.push(']');
    out
}

/// `count` generated payloads: mostly objects using the rules' keys, some of them too deep,
/// ambiguous, not JSON, or holding serde_json's number token.
fn corpus(seed: u64, count: usize) -> Vec<Vec<u8>> {
    let mut random = Random(seed);
    (0..count)
        .map(|_| {
            let mut text = match random.below(100) {
                0..=84 => object(&mut random, 1),
                85..=89 => array(&mut random, 1),
                _ => value(&mut random, 3),
            };
            match random.below(100) {
                0..=2 => {
                    // Nested around the parser's limit.
                    let n = 124 + random.below(8);
                    text = format!(
                        r#"{{"a": {}{text}{}, "total": "1"}}"#,
                        "[".repeat(n),
                        "]".repeat(n)
                    );
                }
                3..=4 => {
                    // Cut anywhere, even inside a character.
                    let mut bytes = text.into_bytes();
                    bytes.truncate(random.below(bytes.len() + 1));
                    return bytes;
                }
                5 => {
                    let at = random.below(text.len() + 1);
                    let junk = random.pick(&["\u{ff}", "x", "}", "\"", ",", "\\", "\u{1}"]);
                    if text.is_char_boundary(at) {
                        text.insert_str(at, junk);
                    }
                }
                6 => {
                    let token = random.pick(&[
                        r#"{"$serde_json::private::Number": "12.50"}"#,
                        r#"{"\u0024serde_json::private::Number": "7"}"#,
                        r#"{"$serde_json::private::Number": "x"}"#,
                        r#"{"$serde_json::private::Number": "1", "b": 2}"#,
                    ]);
                    text = format!(r#"{{"total": {token}, "a": {text}}}"#);
                }
                _ => {}
            }
            let mut bytes =
                format!("{}{text}{}", space(&mut random), space(&mut random)).into_bytes();
            if random.percent(1) {
                bytes.push(0xff); // not UTF-8
            }
            if random.percent(3) {
                bytes.splice(0..0, *b"\xEF\xBB\xBF"); // a byte-order mark in front
            }
            bytes
        })
        .collect()
}

/// Payloads picked by hand for what they hold.
fn handpicked() -> Vec<Vec<u8>> {
    let deep = |n: usize| format!(r#"{{"a": {}1{}}}"#, "[".repeat(n), "]".repeat(n));
    let mut texts: Vec<String> = [
        r#"{"a": {"b": {"c": "x"}}, "total": "12.50", "customer": {"email": "  A@B.C "}}"#,
        r#"{"a/b": 1, "a\/b": 2}"#,
        r#"{"x/y": "12.30", "m~n": {"": 1e3}, "é": "\u00e9"}"#,
        r#"{"x\/y": -0, "\u006d~n": {"q": 1}, "\u00e9": 20261121000000000000001}"#,
        r#"{"items": [{"a": 1}, {"a": 2, "a": 3}]}"#,
        r#"{"items": [], "tags": {}, "a": {}, "customer": []}"#,
        r#"{"total": 1234567890123456789012345, "amount": "1E3", "n": null}"#,
        "{\n\t\"a\" :\r\n [ 1 , 2 ] ,\"b\"\n:{ }\n}\n",
        r#"{"customer": {"email": "x"}, "customer": {}}"#,
        r#"{"a": 1,}"#,
        r#"{"a": 1} x"#,
        "",
        "   ",
        "null",
        "[1, 2, {\"a\": 3}]",
        r#""just a string""#,
        "12.30",
        r#"{"$serde_json::private::Number": "12.50"}"#,
        r#"{"a": {"$serde_json::private::Number": "12.50"}, "total": "1"}"#,
        r#"{"a": {"\u0024serde_json::private::Number": "1"}, "total": "1"}"#,
        r#"{"a": "$serde_json::private::Number", "total": "1"}"#,
        r#"{"a": ["\ud83d\ude00", "\u00e9"], "total": " 7 "}"#,
        r#"{"a": "\ud83d", "total": "1"}"#,
        r#"{"a": "tab	inside", "total": "1"}"#,
        r#"{"total": 1e400, "amount": -1e99999999999999999999, "a": 0.30000000000000004}"#,
        r#"{"total": 12.300000000000000000001, "amount": -0.0, "a": 999.9999999999999999}"#,
        // JSON held in strings, for `decode_json`: objects, arrays, numbers, escapes, a
        // duplicate key, a document that is itself a string holding JSON, and not JSON.
        r#"{"a": "{\"b\": 12.50, \"c\": [1, \"\\u00e9\"]}", "total": " 12.50 ", "customer": "{ \"email\" : \" A@B.C \" }", "items": ["[1, 2.0, {\"x\": null}]", "\"x\""]}"#,
        r#"{"a": "{\"b\": 1, \"b\": 2}", "total": "{\"$serde_json::private::Number\": \"12.50\"}", "customer": "{\"email\": 7,}", "items": ["", "1e400"]}"#,
        r#""{\"a\": \"{\\\"b\\\": 1}\", \"total\": \"1.50\", \"items\": [\"[]\"]}""#,
        r#""{\"a\": 1"#,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for n in [60, 63, 64, 65, 100, 126, 127, 128, 200] {
        texts.push(deep(n));
    }
    let many: Vec<String> = (0..70).map(|i| format!(r#""k{i}": {i}"#)).collect();
    texts.push(format!(r#"{{{}, "total": "2"}}"#, many.join(", ")));
    texts.push(format!(r#"{{{}, "k3": 0}}"#, many.join(", ")));
    // A byte-order mark in front: of JSON, of not JSON, alone, twice, after whitespace.
    let with_bom: Vec<String> = texts
        .iter()
        .take(14)
        .map(|t| format!("\u{feff}{t}"))
        .collect();
    texts.extend(with_bom);
    for text in [
        "\u{feff}",
        "\u{feff}\u{feff}{\"a\": 1}",
        " \u{feff}{\"a\": 1}",
        "\u{feff} {\"total\": \"12.50\"} ",
    ] {
        texts.push(text.to_owned());
    }
    texts.into_iter().map(String::into_bytes).collect()
}

/// Orders and payments like the bench's, about 1 KiB.
fn orders() -> Vec<Vec<u8>> {
    let line = |n: usize| {
        format!(
            r#"{{"sku":"SKU-{n:04}","name":"Organic cotton T-shirt, size M","qty":{n},"unit_price":19.95,"vat_rate":0.19}}"#
        )
    };
    let lines: Vec<String> = (1..=6).map(line).collect();
    let order = |total: &str, placed_at: &str, customer: &str| {
        format!(
            r#"{{"id":"o-2026-11-22-000417","schema_version":2,"customer_id":"c-88213","customer":{customer},"lines":[{}],"shipping":{{"street":"Friedrichstraße 123","city":"Berlin","postcode":"10117","country":"DE"}},"total":{total},"currency":"EUR","placed_at":"{placed_at}","channel":"web"}}"#,
            lines.join(",")
        )
    };
    let customer =
        r#"{"email":"ada.lovelace@example.com","phone":"+493012345678","name":"Ada Lovelace"}"#;
    let no_email = r#"{"phone":"+493012345678","name":"Ada Lovelace"}"#;
    [
        order(r#""149.90""#, "2026-11-22T10:15:00Z", customer),
        order("149.9", "2026-11-22 10:15:00", customer),
        order("149.9", "2026-11-22T10:15:00Z", no_email),
        order("149.9", "22 Nov 2026 10:15", r#"{"email":" Ada@Example.COM ","phone":"+49 (30) 123"}"#),
        order("149.9", "x", r#""not an object""#),
        r#"{"id":"p-1","order_id":"o-1","amount_cents":"14990","currency":"EUR","method":"Credit_Card","payer":{"name":"Ada"}}"#.to_owned(),
        r#"{"id":"o-1012","items":[{"sku":"A-1","qty":-1}],"schema_version":1,"customerId":"c-1"}"#.to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

/// Pointers: the root, members at depth 1 and 2, array elements, the end of an array, escaped
/// keys, missing parents, an empty key, and indexes no array has.
const POINTERS: &[&str] = &[
    "",
    "/a",
    "/a/b",
    "/a/b/c",
    "/items/0",
    "/items/1/a",
    "/items/-",
    "/items/01",
    "/x~1y",
    "/m~0n",
    "/m~0n/",
    "/customer",
    "/customer/email",
    "/total",
    "/amount",
    "/nope/deeper",
    "/é",
    "/tags/0",
];

const VALUES: &[&str] = &["1", "'x'", "12.3", "true", "{ k = 1 }", "[1, 'two']", "'é'"];

/// Rules files (with the codes their rules answer to): one rule per action (each op at each
/// pointer, optional or not), per predicate (each check at each pointer), per combination
/// picked by hand and per few of them behind predicates, a few rules per file; and a chain of
/// rules sharing the code `CHAIN`.
/// `multiply` and `divide` settings but the path: exact, fitted, rounded and refusing.
const ARITH: &[&str] = &[
    "op = 'multiply', by = 100",
    "op = 'multiply', by = '0.01', decimals = 1, rounding = 'half_even'",
    "op = 'divide', by = 1000",
    "op = 'divide', by = 3, decimals = 2",
    "op = 'divide', by = '-2.54', decimals = 3, rounding = 'half_up'",
];

/// The actions that rewrite the value at `p` in place, each with settings that exercise it:
/// shared by the lists at plain pointers and at wildcard paths, so that an action added here is
/// compared both ways at both.
pub(super) fn in_place_actions(p: &str) -> Vec<String> {
    let mut actions = Vec::new();
    for to in ["string", "number", "integer", "boolean"] {
        actions.push(format!("{{ op = 'coerce', path = '{p}', to = '{to}' }}"));
    }
    actions.push(format!(
            "{{ op = 'coerce', path = '{p}', to = 'boolean', true_values = ['Y', 'yes', 'X'], false_values = ['N', 'no', '1'] }}"
        ));
    for arith in ARITH {
        actions.push(format!("{{ path = '{p}', {arith} }}"));
    }
    for op in ["trim", "lowercase", "uppercase", "timestamp", "decode_json"] {
        actions.push(format!("{{ op = '{op}', path = '{p}' }}"));
    }
    // Numbers and digit strings as Unix time, and wall-clock times in a zone with daylight
    // saving.
    actions.push(format!(
        "{{ op = 'timestamp', path = '{p}', epoch = 'auto', zone = 'America/New_York', ambiguous = 'later' }}"
    ));
    actions.push(format!(
        "{{ op = 'pad', path = '{p}', width = 3, with = '0' }}"
    ));
    actions.push(format!(
        "{{ op = 'pad', path = '{p}', width = 40, with = 'é', side = 'right' }}"
    ));
    actions.push(format!(
        r"{{ op = 'regex_replace', path = '{p}', pattern = '^\s*(\+)|[^0-9]', replacement = '$1' }}"
    ));
    actions
}

fn generated_rules() -> Vec<(String, Vec<String>)> {
    let mut actions: Vec<String> = Vec::new();
    for p in POINTERS {
        for v in VALUES {
            actions.push(format!("{{ op = 'add', path = '{p}', value = {v} }}"));
            actions.push(format!("{{ op = 'test', path = '{p}', value = {v} }}"));
        }
        actions.push(format!("{{ op = 'replace', path = '{p}', value = 'r' }}"));
        actions.push(format!("{{ op = 'default', path = '{p}', value = 'd' }}"));
        actions.push(format!(
            "{{ op = 'default', path = '{p}', value = {{ k = [1] }} }}"
        ));
        actions.push(format!("{{ op = 'remove', path = '{p}' }}"));
        actions.extend(in_place_actions(p));
        actions.push(format!(
            "{{ op = 'timestamp', path = '{p}', formats = ['[day] [month repr:short] [year] [hour]:[minute]'] }}"
        ));
        actions.push(format!(
            "{{ op = 'map', path = '{p}', values = {{ cc = 'card', Credit_Card = 'card', '1' = 'one', x = 'X' }} }}"
        ));
        actions.push(format!(
            "{{ op = 'map', path = '{p}', values = {{ x = 'X' }}, default = 'other' }}"
        ));
        for f in POINTERS {
            let into_itself =
                f.len() < p.len() && p.starts_with(f) && p.as_bytes()[f.len()] == b'/';
            actions.push(format!("{{ op = 'copy', from = '{f}', path = '{p}' }}"));
            if !into_itself {
                actions.push(format!("{{ op = 'move', from = '{f}', path = '{p}' }}"));
                actions.push(format!("{{ op = 'rename', from = '{f}', path = '{p}' }}"));
            }
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
            "[{ op = 'default', path = '/customer/email', value = 'Guest@Shop' }, { op = 'lowercase', path = '/customer/email' }]",
            "[{ op = 'trim', path = '/customer/email' }, { op = 'lowercase', path = '/customer/email' }]",
            "[{ op = 'test', path = '/a', value = 1 }, { op = 'move', from = '/items', path = '/lines' }, { op = 'replace', path = '/a', value = 2 }]",
            "[{ op = 'rename', from = '/a', path = '/z' }, { op = 'add', path = '/a', value = 1 }]",
            "[{ op = 'remove', path = '/a' }, { op = 'add', path = '/a', value = 'x' }]",
            "[{ op = 'remove', path = '/a/b' }, { op = 'add', path = '/a/b', value = 'x' }]",
            "[{ op = 'move', from = '/a/b', path = '/b' }, { op = 'default', path = '/a/b', value = 5 }]",
            "[{ op = 'copy', from = '/customer', path = '/c2' }, { op = 'lowercase', path = '/c2/email' }]",
            "[{ op = 'add', path = '/items/0', value = 1 }, { op = 'remove', path = '/items/1' }]",
            "[{ op = 'default', path = '/new/deep/x', value = 1 }]",
            "[{ op = 'default', path = '/a/b/c', value = 1 }, { op = 'coerce', path = '/a/b/c', to = 'string' }]",
            "[{ op = 'replace', path = '/customer', value = { email = ' E ' } }, { op = 'trim', path = '/customer/email' }]",
            "[{ op = 'move', from = '/customer/email', path = '/customer/mail' }]",
            "[{ op = 'rename', from = '/customer/email', path = '/email' }]",
            "[{ op = 'add', path = '/a/-', value = 1 }, { op = 'add', path = '/a/0', value = 0 }]",
            "[{ op = 'remove', path = '/items/0', optional = true }, { op = 'remove', path = '/items/0' }]",
            "[{ op = 'coerce', path = '/total', to = 'number' }, { op = 'coerce', path = '/amount', to = 'integer' }]",
            "[{ op = 'default', path = '/currency', value = 'EUR' }]",
            "[{ op = 'default', path = '/currency', value = 'EUR' }, { op = 'coerce', path = '/total', to = 'number', optional = true }]",
            "[{ op = 'move', from = '/x~1y', path = '/m~0n/q' }]",
            "[{ op = 'copy', from = '/a', path = '/a/b' }]",
            "[{ op = 'move', from = '/a/b/c', path = '/a/c' }, { op = 'rename', from = '/a/c', path = '/a/d' }]",
            "[{ op = 'rename', from = '/customer/email', path = '/customer/mail' }, { op = 'add', path = '/customer/email', value = 'e' }]",
            "[{ op = 'test', path = '', value = {} }]",
            "[{ op = 'add', path = '', value = { x = 1 } }]",
            "[{ op = 'remove', path = '/a', optional = true }, { op = 'default', path = '/a/b', value = 1 }]",
            "[{ op = 'rename', from = '/amount', path = '/total', optional = true }, { op = 'multiply', path = '/total', by = 100, decimals = 0, rounding = 'half_up' }]",
            "[{ op = 'coerce', path = '/total', to = 'number' }, { op = 'divide', path = '/total', by = 8 }, { op = 'coerce', path = '/total', to = 'string' }]",
            "[{ op = 'strip_bom' }]",
            "[{ op = 'strip_bom' }, { op = 'coerce', path = '/total', to = 'number' }]",
            "[{ op = 'trim', path = '/customer/email' }, { op = 'strip_bom' }]",
            "[{ op = 'strip_bom' }, { op = 'add', path = '', value = { x = 1 } }]",
            "[{ op = 'decode_json', path = '/a' }, { op = 'coerce', path = '/a/b', to = 'string' }]",
            "[{ op = 'decode_json', path = '/customer', optional = true }, { op = 'trim', path = '/customer/email' }]",
            "[{ op = 'decode_json', path = '' }, { op = 'decode_json', path = '/a' }]",
            "[{ op = 'decode_json', path = '/items/0' }, { op = 'decode_json', path = '/total', optional = true }]",
        ]
        .map(str::to_owned),
    );
    let mut predicates: Vec<String> = Vec::new();
    for p in POINTERS {
        for check in [
            "exists = true".to_owned(),
            "exists = false".to_owned(),
            "missing = true".to_owned(),
            "matches = '[A-Z]'".to_owned(),
            "matches = '^x$'".to_owned(),
            r"matches = '\d'".to_owned(),
            "matches = 'é'".to_owned(),
            "not_matches = '[A-Z]'".to_owned(),
            "not_matches = '^x$'".to_owned(),
            "gt = 12.3".to_owned(),
            "gte = '20261121000000000000001'".to_owned(),
            "lt = 0".to_owned(),
            "lte = 1e3".to_owned(),
            "lt = '12.30'".to_owned(),
            "gt = -7".to_owned(),
        ]
        .into_iter()
        .chain(VALUES.iter().map(|v| format!("equals = {v}")))
        .chain(
            [
                "string", "number", "integer", "boolean", "object", "array", "null",
            ]
            .map(|t| format!("is = '{t}'")),
        ) {
            predicates.push(format!("{{ pointer = '{p}', {check} }}"));
        }
    }

    let mut bodies: Vec<String> = Vec::new();
    for list in &lists {
        bodies.push(format!("actions = {list}\n"));
    }
    for predicate in &predicates {
        bodies.push(format!(
            "when.payload = [{predicate}]\ndecision = 'park'\nalso = 'P'\n"
        ));
    }
    // Parking when the actions changed nothing decides the same too.
    for list in lists.iter().skip(3).step_by(5) {
        bodies.push(format!("actions = {list}\nif_unchanged = 'park'\n"));
    }
    for (i, list) in lists.iter().enumerate().step_by(7) {
        let predicate = &predicates[i % predicates.len()];
        bodies.push(format!(
            "when.payload = [{predicate}, {{ pointer = '/a', missing = false }}]\n\
             actions = {list}\nalso = 'P'\n"
        ));
    }
    let mut sets = sets(&bodies);
    sets.push((CHAIN.to_owned(), vec!["CHAIN".to_owned()]));
    sets
}

/// Rules files made of `bodies`, a few rules per file, each rule selected by its own code, and
/// those whose body ends with `also = 'P'` also by `P` (the first whose predicates hold
/// decides); with the codes of each file.
fn sets(bodies: &[String]) -> Vec<(String, Vec<String>)> {
    bodies
        .chunks(10)
        .enumerate()
        .map(|(set, bodies)| {
            let mut source = String::new();
            let mut codes = vec!["P".to_owned()];
            for (i, body) in bodies.iter().enumerate() {
                let code = format!("R{set}-{i}");
                let (body, codes_toml) = match body.strip_suffix("also = 'P'\n") {
                    Some(body) => (body, format!("['{code}', 'P']")),
                    None => (body.as_str(), format!("'{code}'")),
                };
                source.push_str(&format!(
                    "[[rule]]\nname = 'r{set}-{i}'\nwhen.code = {codes_toml}\n{body}\n"
                ));
                codes.push(code);
            }
            (source, codes)
        })
        .collect()
}

/// Rules sharing one code: the first whose predicates hold decides, on one reading of the
/// payload.
const CHAIN: &str = "
[[rule]]
name = 'chain-1'
when.code = 'CHAIN'
when.payload = [{ pointer = '/a', is = 'string' }]
decision = 'park'

[[rule]]
name = 'chain-2'
when.code = 'CHAIN'
when.payload = [{ pointer = '/total', is = 'string' }, { pointer = '/customer', is = 'object' }]
actions = [{ op = 'coerce', path = '/total', to = 'number' }]

[[rule]]
name = 'chain-3'
when.code = 'CHAIN'
when.payload = [{ pointer = '/customer/email', matches = '[A-Z ]' }]
actions = [{ op = 'trim', path = '/customer/email' }, { op = 'lowercase', path = '/customer/email' }]

[[rule]]
name = 'chain-4'
when.code = 'CHAIN'
when.payload = [{ pointer = '/items/0', exists = true }]
decision = 'requeue'

[[rule]]
name = 'chain-5'
when.code = 'CHAIN'
actions = [{ op = 'default', path = '/currency', value = 'EUR' }]
";

#[test]
fn check_gives_the_verdict_and_error_of_parse_and_scan_vouches_for_none_it_refuses() {
    let payloads: Vec<Vec<u8>> = handpicked()
        .into_iter()
        .chain(orders())
        .chain(corpus(0x0bad_cafe, 4_000))
        .collect();
    let (mut vouched, mut checked, mut refused) = (0, 0, 0);
    for payload in &payloads {
        let parsed = exact::parse(payload);
        let check = exact::check(payload);
        let text = String::from_utf8_lossy(payload);
        match (&parsed, &check) {
            (Ok(_), Ok(_)) => {}
            (Err(p), Err(c)) => assert_eq!(format!("{p:?}"), format!("{c:?}"), "{text}"),
            _ => panic!("{text}: parse {parsed:?}, check {check:?}"),
        }
        if scan::scan(payload).is_some() {
            // Plain, or thought to hold the number token for a string that spells it.
            assert!(check.is_ok(), "{text}");
            vouched += 1;
        } else if check.is_ok() {
            checked += 1;
        } else {
            refused += 1;
        }
    }
    assert!(
        vouched > 2_000 && checked > 100 && refused > 300,
        "{vouched} {checked} {refused}"
    );
}

#[test]
fn decisions_without_a_repair_are_the_same_too() {
    // A rule deciding a retry or a requeue without actions, after a rule whose predicates
    // needed the payload: the payload is read once, in place, for both.
    let set = rules(
        r#"
[[rule]]
name = "needs"
when.payload = [{ pointer = "/kind", equals = "a" }]
decision = "park"

[[rule]]
name = "retry"
when.payload = [{ pointer = "/kind", exists = true }]
decision = "retry"

[[rule]]
name = "plain"
decision = "requeue"
"#,
    );
    for (payload, rule, decision) in [
        (r#"{"kind": "a"}"#, "needs", "park"),
        (r#"{"kind": "b"}"#, "retry", "retry"),
        (r#"{"other": 1}"#, "plain", "requeue"),
        ("not JSON", "needs", "park"),
    ] {
        both(&set, &input("X", payload.as_bytes()), payload);
        let evaluation = set.evaluate(&input("X", payload.as_bytes()));
        assert_eq!(evaluation.rule.as_deref(), Some(rule), "{payload}");
        assert_eq!(evaluation.decision.kind(), decision, "{payload}");
    }
    let unchanged = set.evaluate(&input("X", br#"{"other": 1}"#));
    assert_eq!(unchanged.decision, Decision::Requeue { payload: None });
}

/// `diff` as it was before it skipped equal members and wrote pointers in one string.
mod earlier {
    use serde_json::Value;

    use crate::diff::{Change, MAX_CHANGES, Op};

    pub(super) fn diff(before: &Value, after: &Value) -> Vec<Change> {
        let mut out = Vec::new();
        diff_at(before, after, &mut Vec::new(), &mut out);
        out
    }

    fn diff_at(before: &Value, after: &Value, path: &mut Vec<String>, out: &mut Vec<Change>) {
        if out.len() >= MAX_CHANGES || before == after {
            return;
        }
        let mut child =
            |key: String, b: Option<&Value>, a: Option<&Value>, out: &mut Vec<Change>| {
                path.push(key);
                match (b, a) {
                    (Some(b), Some(a)) => diff_at(b, a, path, out),
                    (b, a) if out.len() < MAX_CHANGES => out.push(Change {
                        pointer: join(path),
                        op: if b.is_none() { Op::Added } else { Op::Removed },
                        before: b.cloned(),
                        after: a.cloned(),
                    }),
                    _ => {}
                }
                path.pop();
            };
        match (before, after) {
            (Value::Object(b), Value::Object(a)) => {
                for (k, bv) in b {
                    child(k.clone(), Some(bv), a.get(k), out);
                }
                for (k, av) in a.iter().filter(|(k, _)| !b.contains_key(*k)) {
                    child(k.clone(), None, Some(av), out);
                }
            }
            (Value::Array(b), Value::Array(a)) => {
                for i in 0..b.len().max(a.len()) {
                    child(i.to_string(), b.get(i), a.get(i), out);
                }
            }
            _ => out.push(Change {
                pointer: join(path),
                op: Op::Changed,
                before: Some(before.clone()),
                after: Some(after.clone()),
            }),
        }
    }

    pub(super) fn join(path: &[String]) -> String {
        path.iter()
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect()
    }
}

#[test]
fn the_diff_is_what_it_was() {
    let parse = |text: &str| -> Value { serde_json::from_str(text).unwrap() };
    let long = |n: usize, k: usize| -> Value {
        Value::Array((0..n).map(|i| Value::from(i * k)).collect())
    };
    let pairs = [
        (
            parse(r#"{"a": 1, "b": [1, 2, 3], "c": {"d": 1}}"#),
            parse(r#"{"b": [1, 9], "c": {"d": 1, "e": 2}, "f": null}"#),
        ),
        (
            parse(r#"{"a~b/c": {"x": 1}}"#),
            parse(r#"{"a~b/c": {"x": 2}, "~": 1, "/": 2}"#),
        ),
        (parse("[1, 2]"), parse(r#"{"a": 1}"#)),
        (long(300, 1), long(300, 2)),
        (long(10, 1), long(400, 1)),
        (long(400, 1), long(3, 1)),
        (
            serde_json::json!({"a": long(150, 1), "b": long(150, 1)}),
            serde_json::json!({"a": long(150, 3), "b": long(150, 3)}),
        ),
    ];
    for (before, after) in &pairs {
        assert_eq!(
            crate::diff::diff(before, after),
            earlier::diff(before, after)
        );
        assert_eq!(
            crate::diff::diff(after, before),
            earlier::diff(after, before)
        );
    }
    for path in [&["a~b/c", "", "~1", "é/"][..], &[], &["x"]] {
        let path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(crate::diff::join(&path), earlier::join(&path));
    }
}
