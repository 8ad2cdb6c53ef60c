//! The model: Salvage's message protocol as a state machine that stateright explores.
//!
//! One [`State`] is everything that matters about the messages at one instant: what Redis holds
//! (the message state `<p>:msg:<mk>`, the outbox `<p>:outbox:<dest>`, the retry schedule
//! `<p>:retries` + `<p>:job:<tid>`, parked and archived records), what the consumer's queue holds
//! (the broker queue, or the origin Redis stream), and "ghost" facts that no process sees but
//! the properties need (which copies the consumer handled, which copies Salvage already took
//! responsibility for). Each [`Action`] is one atomic step of one actor, named after the Lua
//! script or the code that performs it.
//!
//! What is left out, and why that is sound:
//! - A report that fails *before* its script commits changes nothing: the consumer keeps the
//!   copy and reports it again later, which is exactly the state before. It is a stutter step.
//! - A copy the consumer holds unacknowledged and a copy waiting on the queue offer the same
//!   steps (report it, or handle it), so the model does not tell them apart: a consumer crash
//!   puts a held copy back on the queue, which changes nothing in the model.
//! - A consumer that receives Salvage's answer and crashes before acknowledging ends where a lost
//!   answer ends (the copy stays, the commit stands): [`Answer::Lost`] covers both.
//! - Time is not modelled: a retry becomes due whenever the model chooses ([`Action::Promote`]),
//!   and the state TTL never expires (a state that expired would forget loop protection: that is
//!   a configuration matter, `redis.state_ttl` against the longest retry delay).

/// Which classification `report.lua` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Protocol {
    /// Before issue 11: while `pending` is 1 every report is DUPLICATE, even the first report of
    /// the copy Salvage sent last; a report without `salvage-tracking-id` whose bytes equal the
    /// last copy's is a new attempt; a refused outbox entry is always parked.
    Old,
    /// Issue 11: the copy Salvage sent last is a new attempt whatever `pending` says; a report
    /// without the header is one only if the last copy was repaired and these are its bytes; a
    /// refused outbox entry is parked only if it is still the copy Salvage sent last.
    New,
}

/// Where the message's queue lives, so how Salvage requeues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Destination {
    /// A Redis stream on Salvage's Redis: `report.lua` XADDs to it in the report's own step;
    /// retries go through the outbox and `drain_local.lua` (XADD + XDEL, one step).
    Inline,
    /// A broker (RabbitMQ, NATS, Kafka): every requeue goes through the outbox; the relay
    /// publishes an entry, then settles it in a later step (`settle_remote.lua`).
    Broker,
    /// A Redis stream in another Redis Cluster slot: like a broker (outbox, then publish, then
    /// settle), but the publish (`deliver_marked.lua`) adds the copy and a marker of its tracking
    /// id in one step, and adds nothing when the marker is there (`crossslot.rs`).
    ClusterStream,
}

/// What the consumer passes when it reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Consumer {
    /// Passes the copy's headers (its `salvage-tracking-id`), as the proto asks.
    KeepsHeaders,
    /// Drops every header: Salvage sees only the id and the bytes.
    DropsHeaders,
}

/// The rules' proposal for a new attempt (`rules/` evaluates it before the script runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Decision {
    /// Requeue the bytes as reported (a rule without actions).
    RequeueSame,
    /// Requeue repaired bytes (a rule whose actions changed the payload).
    RequeueRepaired,
    /// Retry later with backoff (a transient failure).
    Retry,
    /// Park for a person.
    Park,
}

/// A tracking id (`salvage-tracking-id`): 1, 2, ... per message, in the order Salvage made them.
pub(crate) type Tid = u8;
/// A payload, by its digest: 0 is the original's bytes, each repair makes new bytes (+1).
pub(crate) type Bytes = u8;

/// `status` of the message state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Status {
    Requeued,
    RetryScheduled,
    Parked,
}

/// The message state hash `<p>:msg:<mk>`. When parked, `parked_tid` equals `last_tid`
/// (`park.lua` writes both), so the model keeps one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct MsgState {
    pub(crate) attempts: u8,
    pub(crate) status: Status,
    /// 1 while a retry or an outbox entry of the last copy is not delivered.
    pub(crate) pending: bool,
    /// The copy Salvage sent last (or the parked record's tracking id).
    pub(crate) last_tid: Tid,
    /// The digest of that copy's bytes.
    pub(crate) last_out: Bytes,
    /// Whether that copy's bytes differ from the report it came from.
    pub(crate) last_repaired: bool,
}

/// One message: what Salvage holds about it, and ghost facts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Message {
    pub(crate) state: Option<MsgState>,
    /// The parked record `<p>:parked:<last_tid>`: the bytes it holds.
    pub(crate) parked: Option<Bytes>,
    /// An operator discarded it: `<p>:archive:<tid>`.
    pub(crate) archived: bool,
    pub(crate) next_tid: Tid,
    /// Ghost: the copies the consumer handled successfully, by tracking id (bit 0: the
    /// original). The consumer deduplicates on `salvage-tracking-id`, so a second copy with a
    /// handled tracking id is only acknowledged.
    pub(crate) handled: u16,
    /// Ghost: the consumer handled a copy whose report Salvage had already committed (its answer
    /// was lost, or the consumer crashed before acknowledging; the broker redelivered it and this
    /// time it succeeded). Documented double: Salvage cannot see it.
    pub(crate) handled_spent: bool,
    /// Ghost: the tracking ids (bits) of entries a relay crashed between publishing and
    /// settling, so they are published again: every copy of such an id is the documented
    /// at-least-once delivery.
    pub(crate) republished: u16,
    /// The delivery markers on the origin stream's slot (cluster streams): tracking ids (bits)
    /// whose copy `deliver_marked.lua` added. Kept longer than any run of the model.
    pub(crate) marked: u16,
}

/// An unacknowledged copy on the consumer's queue (broker queue or origin stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Delivery {
    pub(crate) msg: u8,
    /// Its `salvage-tracking-id` header; `None` for the original.
    pub(crate) tid: Option<Tid>,
    pub(crate) bytes: Bytes,
    /// Ghost: a report of this copy was committed as a new attempt (its answer then got lost),
    /// so Salvage has taken over: the copy only waits to be acknowledged.
    pub(crate) spent: bool,
}

/// An entry of the outbox stream `<p>:outbox:<dest>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Entry {
    pub(crate) msg: u8,
    pub(crate) tid: Tid,
    pub(crate) bytes: Bytes,
    /// The relay process published it and has not settled it yet (its memory: lost in a crash).
    pub(crate) published: bool,
}

/// A scheduled retry: `<p>:job:<tid>` and its score in `<p>:retries`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Job {
    pub(crate) msg: u8,
    pub(crate) tid: Tid,
    pub(crate) bytes: Bytes,
}

/// Everything at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct State {
    pub(crate) messages: Vec<Message>,
    /// Kept sorted: the consumer may take any copy, so their order carries nothing.
    pub(crate) queue: Vec<Delivery>,
    /// In stream order: the relay goes oldest first.
    pub(crate) outbox: Vec<Entry>,
    /// Kept sorted: any job may be due first.
    pub(crate) jobs: Vec<Job>,
    /// Faults left: lost answers and relay crashes.
    pub(crate) faults: u8,
    /// Operator actions left: resubmits and discards.
    pub(crate) operator: u8,
}

/// What `report.lua` makes of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Verdict {
    /// A new attempt, with the rules' decision (`None`: the attempt limit parks it).
    NewAttempt(Option<Decision>),
    /// DUPLICATE: nothing changes.
    Duplicate,
    /// PARKED (already parked): nothing changes.
    AlreadyParked,
}

/// Whether the consumer receives the script's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Answer {
    /// Received: on any outcome (including DUPLICATE) the consumer acknowledges the copy.
    Received,
    /// Committed, but the consumer saw UNAVAILABLE (or crashed before its ack): it keeps the copy.
    Lost,
}

/// One atomic step of one actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    /// Consumer: processing the copy succeeds; it acknowledges it.
    Handle(Delivery),
    /// Consumer fails on the copy and reports it; Salvage's `report.lua` (one EVALSHA).
    Report(Delivery, Verdict, Answer),
    /// Relay: `promote.lua` moves a due retry to its destination's outbox (same tracking id).
    Promote(Job),
    /// Relay, Redis stream destination: `drain_local.lua` XADDs the oldest entry to the origin
    /// stream and XDELs it, one step.
    Drain(Entry),
    /// Relay, broker: `remote.rs` publishes the oldest unpublished entry; the broker confirmed.
    Publish(Entry),
    /// Relay, broker: `settle_remote.lua` 'done' for the oldest entry, which was published.
    Settle(Entry),
    /// Relay, broker: the broker refused the entry `delivery.max_attempts` times;
    /// `settle_remote.lua` 'park'.
    Refused(Entry),
    /// A relay process dies between publish and settle; another takes the lease and starts over
    /// from the oldest entry.
    RelayCrash,
    /// Operator: `resubmit.lua` (a run's batch): XADD the parked bytes + un-park + state reset.
    Resubmit(u8),
    /// Operator: `discard.lua`: the record to the archive, the message state deleted.
    Discard(u8),
}

/// The model's configuration: the protocol and the bounds of the exploration.
#[derive(Clone, Debug)]
pub(crate) struct Salvage {
    pub(crate) protocol: Protocol,
    pub(crate) destination: Destination,
    pub(crate) consumer: Consumer,
    pub(crate) messages: u8,
    /// `rules.max_attempts` (per message; a resubmit starts again at 0).
    pub(crate) max_attempts: u8,
    /// Lost answers and relay crashes, in all.
    pub(crate) faults: u8,
    /// Resubmits and discards, in all.
    pub(crate) operator: u8,
    /// The decisions the rules may propose (each new attempt may get any of them).
    pub(crate) decisions: &'static [Decision],
}

/// Every decision the rules can make.
pub(crate) const ALL_DECISIONS: &[Decision] = &[
    Decision::RequeueSame,
    Decision::RequeueRepaired,
    Decision::Retry,
    Decision::Park,
];

impl Salvage {
    /// `report.lua`'s classification of a report of `copy`.
    pub(crate) fn classify(&self, m: &Message, copy: &Delivery) -> Verdict {
        let new = Verdict::NewAttempt(None);
        let incoming = match self.consumer {
            Consumer::KeepsHeaders => copy.tid,
            Consumer::DropsHeaders => None,
        };
        let Some(s) = &m.state else { return new };
        if s.status == Status::Parked {
            return Verdict::AlreadyParked;
        }
        match self.protocol {
            Protocol::New => match incoming {
                // The first report of the copy Salvage sent last proves it was delivered.
                Some(t) if t == s.last_tid => new,
                Some(_) => Verdict::Duplicate,
                // No header: only the bytes of a repaired copy identify it.
                None if s.last_repaired && copy.bytes == s.last_out => new,
                None => Verdict::Duplicate,
            },
            Protocol::Old => match incoming {
                _ if s.pending => Verdict::Duplicate,
                Some(t) if t != s.last_tid => Verdict::Duplicate,
                None if copy.bytes != s.last_out => Verdict::Duplicate,
                _ => new,
            },
        }
    }
}
