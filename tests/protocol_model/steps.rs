//! The model's steps: what each actor may do in a state (`actions`) and what that step does
//! (`next_state`), one atomic step each, named after the Lua script or code that performs it.

use stateright::Model;

use super::model::{
    Action, Answer, Decision, Delivery, Destination, Entry, Job, Message, MsgState, Protocol,
    Salvage, State, Status, Verdict,
};

impl Salvage {
    /// The rules' possible proposals for the next attempt (`None`: past the limit, it parks).
    fn decisions_for(&self, m: &Message) -> Vec<Option<Decision>> {
        let attempts = m.state.map_or(0, |s| s.attempts);
        if attempts + 1 > self.max_attempts {
            vec![None]
        } else {
            self.decisions.iter().copied().map(Some).collect()
        }
    }

    /// `report.lua` committing a new attempt of `copy`.
    fn new_attempt(&self, st: &mut State, copy: &Delivery, decision: Option<Decision>) {
        let m = &mut st.messages[usize::from(copy.msg)];
        let prior = m.state;
        let attempts = prior.map_or(0, |s| s.attempts) + 1;
        let tid = m.next_tid;
        m.next_tid += 1;
        // attempt > max_attempts parks, whatever the rules said.
        let decision = decision.unwrap_or(Decision::Park);
        let keep_out = prior.map_or((0, false), |s| (s.last_out, s.last_repaired));
        let (status, pending, out, repaired) = match decision {
            Decision::Park => {
                // park.lua: record + indexes, state parked, last_tid = parked_tid, pending 0.
                m.parked = Some(copy.bytes);
                (Status::Parked, false, keep_out.0, keep_out.1)
            }
            Decision::RequeueSame | Decision::RequeueRepaired => {
                let repaired = decision == Decision::RequeueRepaired;
                let out = if repaired { copy.bytes + 1 } else { copy.bytes };
                let pending = match self.destination {
                    Destination::Inline => {
                        // XADD to the origin stream: delivered in this very step.
                        st.queue.push(Delivery {
                            msg: copy.msg,
                            tid: Some(tid),
                            bytes: out,
                            spent: false,
                        });
                        false
                    }
                    Destination::Broker | Destination::ClusterStream => {
                        st.outbox.push(Entry {
                            msg: copy.msg,
                            tid,
                            bytes: out,
                            published: false,
                        });
                        true
                    }
                };
                (Status::Requeued, pending, out, repaired)
            }
            Decision::Retry => {
                // The job holds the bytes as reported.
                st.jobs.push(Job {
                    msg: copy.msg,
                    tid,
                    bytes: copy.bytes,
                });
                (Status::RetryScheduled, true, copy.bytes, false)
            }
        };
        let m = &mut st.messages[usize::from(copy.msg)];
        m.state = Some(MsgState {
            attempts,
            status,
            pending,
            last_tid: tid,
            last_out: out,
            last_repaired: repaired,
        });
    }

    /// The step every relay script shares once an entry is delivered: mark the message no longer
    /// pending if this was the copy Salvage sent last (else a newer attempt superseded it).
    fn delivered(st: &mut State, e: &Entry) {
        if let Some(s) = &mut st.messages[usize::from(e.msg)].state
            && s.last_tid == e.tid
        {
            s.pending = false;
            s.status = Status::Requeued;
        }
    }

    /// The oldest outbox entry the relay would publish next, if every older one is published.
    fn next_unpublished(st: &State) -> Option<Entry> {
        st.outbox.iter().find(|e| !e.published).copied()
    }
}

impl Model for Salvage {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        let messages = (0..self.messages)
            .map(|_| Message {
                state: None,
                parked: None,
                archived: false,
                next_tid: 1,
                handled: 0,
                handled_spent: false,
                republished: 0,
                marked: 0,
            })
            .collect();
        // Each message starts as its original on the queue: no salvage-* headers, bytes 0.
        let queue = (0..self.messages)
            .map(|msg| Delivery {
                msg,
                tid: None,
                bytes: 0,
                spent: false,
            })
            .collect();
        vec![State {
            messages,
            queue,
            outbox: Vec::new(),
            jobs: Vec::new(),
            faults: self.faults,
            operator: self.operator,
        }]
    }

    fn actions(&self, st: &State, actions: &mut Vec<Action>) {
        // The consumer, on each copy (identical copies offer the same steps once).
        let mut seen: Vec<Delivery> = Vec::new();
        for c in &st.queue {
            if seen.contains(c) {
                continue;
            }
            seen.push(*c);
            actions.push(Action::Handle(*c));
            let m = &st.messages[usize::from(c.msg)];
            match self.classify(m, c) {
                Verdict::NewAttempt(_) => {
                    for d in self.decisions_for(m) {
                        actions.push(Action::Report(*c, Verdict::NewAttempt(d), Answer::Received));
                        if st.faults > 0 {
                            actions.push(Action::Report(*c, Verdict::NewAttempt(d), Answer::Lost));
                        }
                    }
                }
                // Nothing committed: a lost answer would be a stutter step.
                v => actions.push(Action::Report(*c, v, Answer::Received)),
            }
        }
        // The relay.
        for j in &st.jobs {
            actions.push(Action::Promote(*j));
        }
        match self.destination {
            Destination::Inline => {
                if let Some(e) = st.outbox.first() {
                    actions.push(Action::Drain(*e));
                }
            }
            Destination::Broker | Destination::ClusterStream => {
                if let Some(e) = Self::next_unpublished(st) {
                    actions.push(Action::Publish(e));
                    // `deliver_marked.lua` looks for the marker before it tries the XADD: an
                    // entry whose copy was added is settled, never refused.
                    let marked = st.messages[usize::from(e.msg)].marked & (1 << e.tid) != 0;
                    if !(self.destination == Destination::ClusterStream && marked) {
                        actions.push(Action::Refused(e));
                    }
                }
                if let Some(e) = st.outbox.first().filter(|e| e.published) {
                    actions.push(Action::Settle(*e));
                }
                if st.faults > 0 && st.outbox.iter().any(|e| e.published) {
                    actions.push(Action::RelayCrash);
                }
            }
        }
        // The operator.
        if st.operator > 0 {
            for (i, m) in st.messages.iter().enumerate() {
                if m.parked.is_some() {
                    let i = u8::try_from(i).unwrap_or(u8::MAX);
                    actions.push(Action::Resubmit(i));
                    actions.push(Action::Discard(i));
                }
            }
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut st = last.clone();
        match action {
            Action::Handle(c) => {
                remove_copy(&mut st, &c);
                let m = &mut st.messages[usize::from(c.msg)];
                let bit = 1u16 << c.tid.unwrap_or(0);
                if m.handled & bit == 0 {
                    m.handled |= bit;
                    m.handled_spent |= c.spent;
                }
            }
            Action::Report(c, verdict, answer) => {
                if let Verdict::NewAttempt(d) = verdict {
                    self.new_attempt(&mut st, &c, d);
                }
                match answer {
                    Answer::Received => remove_copy(&mut st, &c),
                    Answer::Lost => {
                        st.faults -= 1;
                        remove_copy(&mut st, &c);
                        st.queue.push(Delivery { spent: true, ..c });
                    }
                }
            }
            Action::Promote(j) => {
                st.jobs.retain(|x| *x != j);
                st.outbox.push(Entry {
                    msg: j.msg,
                    tid: j.tid,
                    bytes: j.bytes,
                    published: false,
                });
            }
            Action::Drain(e) => {
                st.outbox.remove(0);
                st.queue.push(Delivery {
                    msg: e.msg,
                    tid: Some(e.tid),
                    bytes: e.bytes,
                    spent: false,
                });
                Self::delivered(&mut st, &e);
            }
            Action::Publish(e) => {
                let i = st.outbox.iter().position(|x| *x == e)?;
                st.outbox[i].published = true;
                let m = &mut st.messages[usize::from(e.msg)];
                let marked = m.marked & (1 << e.tid) != 0;
                if self.destination == Destination::ClusterStream {
                    m.marked |= 1 << e.tid;
                }
                // A cluster stream's marker: the copy was added before, nothing is added now.
                if !(self.destination == Destination::ClusterStream && marked) {
                    st.queue.push(Delivery {
                        msg: e.msg,
                        tid: Some(e.tid),
                        bytes: e.bytes,
                        spent: false,
                    });
                }
            }
            Action::Settle(e) => {
                st.outbox.remove(0);
                Self::delivered(&mut st, &e);
            }
            Action::Refused(e) => {
                st.outbox.retain(|x| *x != e);
                let m = &mut st.messages[usize::from(e.msg)];
                let still_last = m.state.is_none_or(|s| s.last_tid == e.tid);
                if self.protocol == Protocol::Old || still_last {
                    // park.lua with the entry's tracking id, bytes and the known attempts.
                    let attempts = m.state.map_or(0, |s| s.attempts);
                    let keep = m
                        .state
                        .map_or((0, false), |s| (s.last_out, s.last_repaired));
                    m.parked = Some(e.bytes);
                    m.state = Some(MsgState {
                        attempts,
                        status: Status::Parked,
                        pending: false,
                        last_tid: e.tid,
                        last_out: keep.0,
                        last_repaired: keep.1,
                    });
                }
            }
            Action::RelayCrash => {
                st.faults -= 1;
                for e in &mut st.outbox {
                    if e.published {
                        e.published = false;
                        // A broker publishes it again; a cluster stream's marker prevents that.
                        if self.destination == Destination::Broker {
                            st.messages[usize::from(e.msg)].republished |= 1 << e.tid;
                        }
                    }
                }
            }
            Action::Resubmit(i) => {
                st.operator -= 1;
                let m = &mut st.messages[usize::from(i)];
                let bytes = m.parked.take()?;
                let tid = m.next_tid;
                m.next_tid += 1;
                let pending = match self.destination {
                    Destination::Inline => {
                        st.queue.push(Delivery {
                            msg: i,
                            tid: Some(tid),
                            bytes,
                            spent: false,
                        });
                        false
                    }
                    Destination::Broker | Destination::ClusterStream => {
                        st.outbox.push(Entry {
                            msg: i,
                            tid,
                            bytes,
                            published: false,
                        });
                        true
                    }
                };
                st.messages[usize::from(i)].state = Some(MsgState {
                    attempts: 0,
                    status: Status::Requeued,
                    pending,
                    last_tid: tid,
                    last_out: bytes,
                    last_repaired: false,
                });
            }
            Action::Discard(i) => {
                st.operator -= 1;
                let m = &mut st.messages[usize::from(i)];
                m.parked = None;
                m.state = None;
                m.archived = true;
            }
        }
        st.queue.sort();
        st.jobs.sort();
        Some(st)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        super::properties::all(self)
    }
}

/// The consumer acknowledges one copy (one of identical copies, if there are several).
fn remove_copy(st: &mut State, c: &Delivery) {
    if let Some(i) = st.queue.iter().position(|x| x == c) {
        st.queue.remove(i);
    }
}
