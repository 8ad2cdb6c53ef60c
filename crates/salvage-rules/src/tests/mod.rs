//! Tests of the engine as a whole: evaluation, reading payloads in place as parsing them whole
//! would (`equivalence`), load errors, `[[test]]` payload expectations, wildcards in action
//! paths, paths taken from the error message (`captures`) and the example rules file. The
//! per-concept tests (globs, pointers, patch, coerce, ...) live beside their code.

mod bom;
mod captures;
mod equivalence;
mod evaluate;
mod exact;
mod example;
mod load_errors;
mod payload_text;
mod wildcards;

use super::{Decision, ErrorClass, Evaluation, Input, RuleSet};

/// Loads `source` as `t.toml` (its schema files, if any, are the example's), panicking with
/// the error if it does not load.
fn rules(source: &str) -> RuleSet {
    example::load_example(source, "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// An input on queue `orders`, event `OrderPlaced`, with the given class, code and payload.
fn input<'a>(class: ErrorClass, code: &'a str, payload: &'a str) -> Input<'a> {
    Input {
        queue: "orders",
        event_type: "OrderPlaced",
        class,
        code,
        message: "",
        payload: payload.as_bytes(),
    }
}

/// The repaired payload of `evaluation`, as text; panics unless it is a repair.
fn repaired(evaluation: &Evaluation) -> String {
    match &evaluation.decision {
        Decision::Requeue {
            payload: Some(bytes),
        } => String::from_utf8(bytes.clone()).unwrap(),
        other => panic!("expected a repair, got {other:?}"),
    }
}
