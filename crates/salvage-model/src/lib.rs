//! Salvage's vocabulary: the words every other crate shares, with no I/O and no runtime. It sits
//! at the bottom of the crate graph (its dependencies are hashing and serde), so the store, the
//! workflow, the destinations and the parking lot can all name an [`Outcome`], a header or a
//! failure group without importing one another.
//!
//! - [`message`]: the message, one type for every stage;
//! - [`outcome`]: what happened to a report;
//! - [`headers`]: the `salvage-*` headers a requeued copy carries;
//! - [`digest`]: the message key and the payload digest (what identifies a message and a copy);
//! - [`group`]: failure groups (one line for 10,000 failures of one bug);
//! - [`entry`]: a requeued copy as a stream entry, its field names and its codec;
//! - [`history`]: a message's history as stored, one typed [`history::Attempt`] per attempt,
//!   and the changes a repair made;
//! - [`clock`]: milliseconds since the Unix epoch, the unit of every time Salvage stores, and
//!   the [`Clock`] the application reads them from (the system's, or a test's manual one);
//! - [`hex`]: lower-case hex, both ways;
//! - [`url`]: URLs shown without their password.

pub mod clock;
pub mod digest;
pub mod entry;
pub mod group;
pub mod headers;
pub mod hex;
pub mod history;
pub mod message;
pub mod outcome;
pub mod url;

pub use self::{
    clock::{Clock, ManualClock, SystemClock, millis, now_ms},
    digest::{message_key, payload_digest},
    group::{delivery_failure_group, failure_group, mask_message},
    message::Message,
    outcome::Outcome,
    url::redact_url,
};
