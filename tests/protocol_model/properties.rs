//! The properties checked, and what "lost", "doubled" and "looped" mean in the model.
//!
//! **Lost.** A message is lost when nothing will ever handle or park it: the consumer did not
//! handle it, it is not parked or archived, and no copy of it is anywhere a process will pick
//! it up again: no unacknowledged copy on the consumer's queue (a copy the consumer holds
//! counts: it is unacknowledged), no outbox entry, no scheduled retry. Copies whose report
//! Salvage already committed ("spent": the answer was lost) do not count: they only wait for a
//! DUPLICATE and their ack, and the commit left the message's real whereabouts elsewhere. In the
//! old protocol the loss is: the relay published the retry copy, the consumer failed on it at
//! once, got DUPLICATE ("still pending"), acknowledged it, and then the relay settled the entry.
//! Checked as an invariant on every reachable state, and on every terminal state (no step left
//! to take): each message ends handled, parked or archived.
//!
//! **Doubled.** A message is doubled when two of its copies with *different* tracking ids are
//! live at once, so two lines of processing run (the consumer deduplicates on
//! `salvage-tracking-id`, so the same id twice is not a double it sees). Live: an unspent copy on
//! the queue, an outbox entry the relay has not published (a published entry's copy is the live
//! one; so is a cluster stream's entry whose marker is set), a scheduled retry. Documented exceptions, which the checker shows are the only ones:
//! - a relay crash between publishing an entry and settling it (brokers only: on a Redis stream
//!   in another cluster slot, the marker the publish left makes the second publish add nothing,
//!   and the checker shows no double there): the entry is published again
//!   (the same tracking id: consumers deduplicate), and its first copy may already have been
//!   reported, so the republished copy lives beside the next attempt's copy (it is answered
//!   DUPLICATE if reported; a consumer that succeeds on it handles the message twice);
//! - the consumer succeeds on a copy whose report Salvage had already committed (the answer was
//!   lost, or the consumer crashed before its ack, and the broker redelivered it): Salvage
//!   cannot see that.
//!
//! The same exceptions apply to a message both handled and parked (an operator would send it
//! again): a republished copy whose earlier delivery the broker then refused, or a redelivered
//! copy whose report had parked the message.
//!
//! **Looped.** The attempts counted on a message never exceed `max_attempts + 1` (attempt
//! `max_attempts + 1` parks).

use stateright::{Model, Property};

use super::model::{Destination, Salvage, State, Status};

pub(crate) const NO_LOSS: &str = "no loss: every message is handled, parked, or somewhere";
pub(crate) const ENDS_SETTLED: &str = "no loss: every run ends with each message handled or parked";
pub(crate) const EVENTUALLY_SETTLED: &str = "every message is eventually handled or parked";
pub(crate) const ONE_LIVE_COPY: &str = "no double: one live tracking id per message";
pub(crate) const HANDLED_ONCE: &str = "no double: handled under one tracking id";
pub(crate) const NOT_HANDLED_AND_PARKED: &str = "no double: a handled message is not parked";
pub(crate) const PARKED_NOT_LIVE: &str = "no double: a parked message has no live copy";
pub(crate) const NEVER_LOOPED: &str = "never looped: attempts <= max_attempts + 1";

pub(crate) fn all(model: &Salvage) -> Vec<Property<Salvage>> {
    let mut all = vec![
        Property::always(NO_LOSS, no_loss),
        Property::always(ENDS_SETTLED, ends_settled),
        Property::eventually(EVENTUALLY_SETTLED, all_settled),
        Property::always(ONE_LIVE_COPY, one_live_copy),
        Property::always(HANDLED_ONCE, handled_once),
        Property::always(NOT_HANDLED_AND_PARKED, not_handled_and_parked),
        Property::always(PARKED_NOT_LIVE, parked_has_no_live_copy),
        Property::always(NEVER_LOOPED, never_looped),
        // Examples the checker must find, so the properties above are not true of an empty
        // exploration: the interesting paths are reachable.
        Property::sometimes(
            "example: a message is handled from a copy Salvage sent",
            |_: &Salvage, s: &State| s.messages.iter().any(|m| m.handled & !1 != 0),
        ),
        Property::sometimes(
            "example: a message is parked by the attempt limit",
            |model: &Salvage, s: &State| {
                s.messages.iter().any(|m| {
                    m.state.is_some_and(|st| {
                        st.status == Status::Parked && st.attempts == model.max_attempts + 1
                    })
                })
            },
        ),
    ];
    if model.faults > 0 {
        // A documented double happens (so exempting it is not vacuous).
        all.push(Property::sometimes(
            "example: a message handled under two tracking ids (documented)",
            |_: &Salvage, s: &State| s.messages.iter().any(|m| m.handled.count_ones() >= 2),
        ));
    }
    if model.destination == Destination::ClusterStream && model.faults > 0 {
        // A relay crashed after the first step: the copy is out, its entry will be delivered
        // again and find the marker (so the marker path is explored, not vacuous).
        all.push(Property::sometimes(
            "example: an entry delivered again after a relay crash finds its marker",
            |_: &Salvage, s: &State| {
                s.outbox.iter().any(|e| {
                    !e.published && s.messages[usize::from(e.msg)].marked & (1 << e.tid) != 0
                })
            },
        ));
    }
    if matches!(
        model.destination,
        Destination::Broker | Destination::ClusterStream
    ) {
        // The race of issue 11: the consumer reports the relay's copy before the relay settled.
        all.push(Property::sometimes(
            "example: a copy reported before its entry was settled",
            |_: &Salvage, s: &State| {
                s.outbox.iter().any(|e| {
                    e.published
                        && s.messages[usize::from(e.msg)]
                            .state
                            .is_some_and(|st| st.last_tid > e.tid)
                })
            },
        ));
    }
    all
}

fn handled(s: &State, m: usize) -> bool {
    s.messages[m].handled != 0
}

fn settled(s: &State, m: usize) -> bool {
    let msg = &s.messages[m];
    handled(s, m) || msg.parked.is_some() || msg.archived
}

/// Whether message `m` has a copy a process will still pick up.
fn somewhere(s: &State, m: usize) -> bool {
    s.queue.iter().any(|c| usize::from(c.msg) == m && !c.spent)
        || s.outbox.iter().any(|e| usize::from(e.msg) == m)
        || s.jobs.iter().any(|j| usize::from(j.msg) == m)
}

fn all_settled(_: &Salvage, s: &State) -> bool {
    (0..s.messages.len()).all(|m| settled(s, m))
}

fn no_loss(_: &Salvage, s: &State) -> bool {
    (0..s.messages.len()).all(|m| settled(s, m) || somewhere(s, m))
}

fn ends_settled(model: &Salvage, s: &State) -> bool {
    let mut next = Vec::new();
    model.actions(s, &mut next);
    !next.is_empty() || (0..s.messages.len()).all(|m| settled(s, m))
}

/// The distinct tracking ids of message `m` that are live (the original's is 0), leaving out the
/// ids a relay crash made at-least-once (documented).
fn live_tids(s: &State, m: usize) -> u16 {
    let bit = |t: Option<u8>| 1u16 << t.unwrap_or(0);
    let mut live = 0;
    for c in s
        .queue
        .iter()
        .filter(|c| usize::from(c.msg) == m && !c.spent)
    {
        live |= bit(c.tid);
    }
    for e in s.outbox.iter().filter(|e| {
        // A published entry's copy is on the queue; so is a marked one's (cluster streams:
        // delivering it again adds nothing).
        usize::from(e.msg) == m && !e.published && s.messages[m].marked & (1 << e.tid) == 0
    }) {
        live |= bit(Some(e.tid));
    }
    for j in s.jobs.iter().filter(|j| usize::from(j.msg) == m) {
        live |= bit(Some(j.tid));
    }
    live & !s.messages[m].republished
}

fn one_live_copy(_: &Salvage, s: &State) -> bool {
    (0..s.messages.len()).all(|m| live_tids(s, m).count_ones() <= 1)
}

fn handled_once(_: &Salvage, s: &State) -> bool {
    s.messages
        .iter()
        .all(|m| m.handled & m.republished != 0 || m.handled_spent || m.handled.count_ones() <= 1)
}

/// A message the consumer processed must not also wait in the parking lot (an operator would
/// send it again).
fn not_handled_and_parked(_: &Salvage, s: &State) -> bool {
    s.messages.iter().all(|m| {
        m.handled & m.republished != 0 || m.handled_spent || m.handled == 0 || m.parked.is_none()
    })
}

/// A parked message has no live copy: parking ends the message's line (else the live copy would
/// be answered PARKED, or handled while an operator sees it parked).
fn parked_has_no_live_copy(_: &Salvage, s: &State) -> bool {
    (0..s.messages.len()).all(|m| s.messages[m].parked.is_none() || live_tids(s, m) == 0)
}

fn never_looped(model: &Salvage, s: &State) -> bool {
    s.messages.iter().all(|m| {
        m.state
            .is_none_or(|st| st.attempts <= model.max_attempts + 1)
    })
}
