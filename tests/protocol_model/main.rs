//! Issue 11, section 1: the message protocol checked mechanically.
//!
//! An executable model of how a message moves between the consumer, Salvage's report script,
//! the relay and an operator (`model.rs`), explored exhaustively by the
//! [stateright](https://docs.rs/stateright) model checker within small bounds (one or two
//! messages, `max_attempts` 2, a few faults), against the properties in
//! `properties.rs`: no message lost, none doubled beyond the documented cases,
//! none looped. ARCHITECTURE.md ("The message state machine") is the same protocol as a table.
//!
//! The model has a switch, [`Protocol`]: `New` is the rule set of issue 11 and must hold; `Old`
//! is the rule set before it, and the checker must find its message loss (so the model can see
//! the defect that black-box runs found on real brokers).
//!
//! Run one with its figures: `cargo test --test protocol_model -- --nocapture`.

mod model;
mod properties;
mod steps;

use std::time::Instant;

use model::{ALL_DECISIONS, Consumer, Decision, Destination, Protocol, Salvage};
use properties::{NO_LOSS, ONE_LIVE_COPY};
use stateright::{Checker, Expectation, Model, Path};

/// The bounds every check starts from: one message, every decision, two faults, one operator
/// action.
fn salvage(protocol: Protocol, destination: Destination) -> Salvage {
    Salvage {
        protocol,
        destination,
        consumer: Consumer::KeepsHeaders,
        messages: 1,
        max_attempts: 2,
        faults: 2,
        operator: 1,
        decisions: ALL_DECISIONS,
    }
}

/// Explores every reachable state (breadth first, so counterexamples come out short) and
/// prints how many there were.
fn explore(name: &str, model: Salvage) -> impl Checker<Salvage> {
    let start = Instant::now();
    let checker = model.checker().threads(2).spawn_bfs().join();
    eprintln!(
        "{name}: {} states explored ({} unique), depth {}, in {:.1?}",
        checker.state_count(),
        checker.unique_state_count(),
        checker.max_depth(),
        start.elapsed()
    );
    checker
}

/// A path as the steps taken, then the state it ends in.
fn describe(path: Path<model::State, model::Action>) -> String {
    let steps = path.into_vec();
    let mut out = String::new();
    for (i, (_, action)) in steps.iter().enumerate() {
        if let Some(a) = action {
            out.push_str(&format!("  {}. {a:?}\n", i + 1));
        }
    }
    if let Some((last, _)) = steps.last() {
        out.push_str(&format!("ending in {last:#?}\n"));
    }
    out
}

/// Every invariant and liveness property holds (no counterexample), and every example exists.
fn assert_holds(name: &str, model: Salvage) {
    let checker = explore(name, model);
    assert!(checker.is_done(), "{name}: the exploration did not finish");
    for p in checker.model().properties() {
        let found = checker.discovery(p.name);
        match (p.expectation, found) {
            (Expectation::Always | Expectation::Eventually, Some(path)) => {
                panic!("{name}: \"{}\" is violated by:\n{}", p.name, describe(path))
            }
            (Expectation::Sometimes, None) => {
                panic!(
                    "{name}: no path shows \"{}\": the model is too narrow",
                    p.name
                )
            }
            _ => {}
        }
    }
}

/// The checker finds a counterexample to `property`; returns it, described.
fn assert_violated(name: &str, model: Salvage, property: &'static str) -> String {
    let checker = explore(name, model);
    let Some(path) = checker.discovery(property) else {
        panic!(
            "{name}: no counterexample to \"{property}\" in {} states: the model cannot see \
             the defect",
            checker.unique_state_count()
        )
    };
    let described = describe(path);
    eprintln!("{name}: counterexample to \"{property}\":\n{described}");
    described
}

/// Every decision, two faults (lost answers, relay crashes), no operator.
#[test]
fn new_protocol_holds_on_a_broker() {
    let model = Salvage {
        operator: 0,
        ..salvage(Protocol::New, Destination::Broker)
    };
    assert_holds("new, broker", model);
}

/// With an operator's resubmit or discard (which starts a message's life again, so the space
/// grows most): one fault. `RequeueSame` is left out: with consumers that pass headers the bytes
/// of a copy never decide anything under the new rule (the original's bytes never equal a
/// repaired copy's), so it explores the same paths as `RequeueRepaired`.
#[test]
fn new_protocol_holds_on_a_broker_with_an_operator() {
    let model = Salvage {
        faults: 1,
        decisions: &[Decision::RequeueRepaired, Decision::Retry, Decision::Park],
        ..salvage(Protocol::New, Destination::Broker)
    };
    assert_holds("new, broker, operator", model);
}

/// A Redis stream in another cluster slot: relay crashes between the two steps add no second
/// copy (the marker), so the broker's documented at-least-once exception does not arise.
#[test]
fn new_protocol_holds_on_a_stream_in_another_cluster_slot() {
    let model = Salvage {
        operator: 0,
        ..salvage(Protocol::New, Destination::ClusterStream)
    };
    assert_holds("new, cluster stream", model);
}

/// The same with an operator's resubmit or discard, one fault.
#[test]
fn new_protocol_holds_on_a_stream_in_another_cluster_slot_with_an_operator() {
    let model = Salvage {
        faults: 1,
        decisions: &[Decision::RequeueRepaired, Decision::Retry, Decision::Park],
        ..salvage(Protocol::New, Destination::ClusterStream)
    };
    assert_holds("new, cluster stream, operator", model);
}

#[test]
fn new_protocol_holds_on_a_redis_stream() {
    assert_holds(
        "new, redis stream",
        salvage(Protocol::New, Destination::Inline),
    );
}

/// Two messages share the outbox (in order) and the relay (a crash hits both); retries and parks
/// only, one fault.
#[test]
fn new_protocol_holds_for_two_messages_sharing_the_outbox() {
    let model = Salvage {
        messages: 2,
        faults: 1,
        operator: 0,
        decisions: &[Decision::Retry, Decision::Park],
        ..salvage(Protocol::New, Destination::Broker)
    };
    assert_holds("new, broker, two messages", model);
}

#[test]
fn new_protocol_holds_for_two_messages_on_a_redis_stream() {
    let model = Salvage {
        messages: 2,
        faults: 1,
        operator: 0,
        ..salvage(Protocol::New, Destination::Inline)
    };
    assert_holds("new, redis stream, two messages", model);
}

/// The loss of issue 11: with the old rule a report of the relay's copy made before the relay
/// settled its entry is answered DUPLICATE, the consumer acknowledges it, and the settle then
/// removes the last trace of the message. No fault is needed.
#[test]
fn old_protocol_loses_messages() {
    let model = Salvage {
        faults: 0,
        operator: 0,
        ..salvage(Protocol::Old, Destination::Broker)
    };
    let path = assert_violated("old, broker", model, NO_LOSS);
    assert!(
        path.contains("Duplicate"),
        "the loss goes through a DUPLICATE:\n{path}"
    );
    assert!(
        path.contains("Settle"),
        "the loss ends with the relay's settle:\n{path}"
    );
}

/// The double of issue 11: with the old rule, the original redelivered after an unchanged copy
/// was delivered (same bytes, no `salvage-*` header) is a new attempt, beside the live copy.
#[test]
fn old_protocol_doubles_the_original() {
    let model = Salvage {
        operator: 0,
        decisions: &[Decision::RequeueSame],
        ..salvage(Protocol::Old, Destination::Inline)
    };
    assert_violated("old, redis stream", model, ONE_LIVE_COPY);
}

/// A consumer that drops headers is recognised by the bytes of a repaired copy alone: with rules
/// that repair (or park), nothing is lost or doubled. (Resubmits are left out: a resubmitted copy
/// carries the parked bytes, which a copy redelivered from before the park carries too.)
#[test]
fn new_protocol_holds_without_headers_when_copies_are_repaired() {
    let model = Salvage {
        consumer: Consumer::DropsHeaders,
        operator: 0,
        decisions: &[Decision::RequeueRepaired, Decision::Park],
        ..salvage(Protocol::New, Destination::Broker)
    };
    assert_holds("new, no headers, repairs", model);
}

/// The documented ambiguity: without headers, an unchanged copy (a retry, a requeue without
/// actions) has the original's id and bytes, so its report is taken for the original
/// redelivered (DUPLICATE) and the consumer acknowledges it. The README tells consumers to pass
/// the headers; this shows why.
#[test]
fn without_headers_an_unchanged_copy_is_ambiguous() {
    let model = Salvage {
        consumer: Consumer::DropsHeaders,
        faults: 0,
        operator: 0,
        decisions: &[Decision::Retry],
        ..salvage(Protocol::New, Destination::Broker)
    };
    assert_violated("new, no headers, retries", model, NO_LOSS);
}
