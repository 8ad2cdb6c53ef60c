//! The headers Salvage adds to a requeued copy. The consumer reads them (and must not send
//! them back as its own: a report's `salvage-*` headers are replaced, never trusted); brokers
//! without a native slot for the message id, event type or partition key carry those as
//! headers too.

/// Every Salvage header starts with this.
pub const PREFIX: &str = "salvage-";
/// Salvage's tracking id of the copy.
pub const TRACKING_ID: &str = "salvage-tracking-id";
/// The attempt number (1 for the first report).
pub const ATTEMPT: &str = "salvage-attempt";
/// The rule that repaired the message.
pub const RULE: &str = "salvage-rule";
/// The consumer's error code.
pub const ERROR_CODE: &str = "salvage-error-code";
/// The message id, where the broker has no field for it (NATS, Kafka).
pub const MESSAGE_ID: &str = "salvage-message-id";
/// The event type, where the broker has no field for it.
pub const EVENT_TYPE: &str = "salvage-event-type";
/// The partition key, where the broker has no field for it.
pub const PARTITION_KEY: &str = "salvage-partition-key";
