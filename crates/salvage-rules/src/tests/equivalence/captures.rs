//! Actions whose paths are taken from the error message decide the same read in place as
//! parsed whole: every action family at templated paths (the capture alone, inside a fixed
//! prefix, after a wildcard, as `from`), with messages capturing dotted, bracketed and pointer
//! paths, names holding `/`, `~` and `*`, and text that is no path, over the hand-picked, order
//! and generated payloads of `equivalence`.

use std::collections::BTreeMap;

use super::{Random, both, check_tally, corpus, handpicked, in_place_repairs, orders, sets};
use crate::{ErrorClass, Input, tests::rules};

/// Action lists referring to the capture `p` (and, for two-pointer actions, `q`).
const LISTS: &[&str] = &[
    "[{ op = 'coerce', path = '{p}', to = 'string' }]",
    "[{ op = 'coerce', path = '{p}', to = 'number', optional = true }]",
    "[{ op = 'trim', path = '{p}' }]",
    "[{ op = 'uppercase', path = '{p}', optional = true }]",
    "[{ op = 'remove', path = '{p}' }]",
    "[{ op = 'remove', path = '{p}', optional = true }]",
    "[{ op = 'default', path = '{p}', value = 1 }]",
    "[{ op = 'replace', path = '{p}', value = { k = 1 } }]",
    "[{ op = 'add', path = '{p}', value = 'x' }]",
    "[{ op = 'rename', from = '{p}', path = '/renamed' }]",
    "[{ op = 'rename', from = '{p}', path = '{q}', optional = true }]",
    "[{ op = 'copy', from = '/total', path = '{p}' }]",
    "[{ op = 'move', from = '{p}', path = '/a/moved' }]",
    "[{ op = 'coerce', path = '/a/{p}', to = 'string', optional = true }]",
    "[{ op = 'trim', path = '/items/*/{p}', optional = true }]",
    "[{ op = 'coerce', path = '{p}/x', to = 'number', optional = true }]",
    "[{ op = 'trim', path = '/customer/email' }, { op = 'coerce', path = '{p}', to = 'string' }]",
    "[{ op = 'default', path = '/currency', value = 'EUR' }, { op = 'trim', path = '{p}', optional = true }]",
];

/// What the messages capture as `p`: every form, names with pointer characters, no paths.
const CAPTURES: &[&str] = &[
    "total",
    "a",
    "a.b",
    "a.b.c",
    "customer.email",
    "items",
    "items[0].a",
    "items.1.a",
    "items[1]",
    "tags",
    "k3",
    "n",
    "x/y",
    "m~n",
    "é",
    "*",
    "a.*",
    "/a/b/c",
    "/x~1y",
    "/m~0n/",
    "/items/*/a",
    "/",
    "nope.deep",
    "a..b",
    "items[x]",
    "/a~9",
];

#[test]
fn actions_at_paths_from_the_message_decide_the_same_on_generated_payloads() {
    let bodies: Vec<String> = LISTS
        .iter()
        .map(|list| {
            format!("when.message = \"at (?P<p>\\\\S+)(?: to (?P<q>\\\\S+))?\"\nactions = {list}\n")
        })
        .collect();
    let sets: Vec<_> = sets(&bodies)
        .into_iter()
        .map(|(source, codes)| (rules(&source), codes))
        .collect();
    let payloads: Vec<Vec<u8>> = handpicked()
        .into_iter()
        .chain(orders())
        .chain(corpus(0xca97_0e55, 800))
        .collect();
    let messages: Vec<String> = CAPTURES
        .iter()
        .map(|p| format!("at {p}"))
        .chain(CAPTURES.iter().map(|p| format!("at {p} to b.renamed")))
        .collect();
    let mut random = Random(0x0e44_9a7f);
    let mut tally = BTreeMap::new();
    let mut evaluate = |set: &crate::RuleSet, code: &str, message: &str, payload: &[u8]| {
        let input = Input {
            queue: "orders",
            event_type: "OrderPlaced",
            class: ErrorClass::Data,
            code,
            message,
            payload,
        };
        let kind = both(set, &input, &format!("{code}, {message}"));
        *tally.entry(kind).or_insert(0) += 1;
    };
    for (n, payload) in payloads.iter().enumerate() {
        if n < 12 {
            for (set, codes) in &sets {
                for code in codes {
                    for message in &messages {
                        evaluate(set, code, message, payload);
                    }
                }
            }
        } else {
            for _ in 0..40 {
                let (set, codes) = &sets[random.below(sets.len())];
                let code = &codes[random.below(codes.len())];
                let message = &messages[random.below(messages.len())];
                evaluate(set, code, message, payload);
            }
        }
    }
    check_tally(&tally, 30_000);
    let total: usize = tally.values().sum();
    assert!(in_place_repairs(&tally) >= total / 50, "{tally:#?}");
    eprintln!(
        "{} capture rules files, {} payloads, {total} evaluations: {tally:#?}",
        sets.len(),
        payloads.len()
    );
}
