//! The settings of a destination with `type = "redis_streams"`.

use serde::Deserialize;

/// A Redis Streams destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisStreamsSettings {
    /// Commit the outcome and the XADD in one script (exactly once, fastest). When false,
    /// requeues go through the outbox and the relay (the path other destinations use).
    pub inline: bool,
    /// Field names of the stream entry.
    pub fields: StreamFields,
}

impl Default for RedisStreamsSettings {
    fn default() -> Self {
        Self {
            inline: true,
            fields: StreamFields::default(),
        }
    }
}

/// The field names are the store's: it writes the entries (inline requeues in its scripts).
pub use crate::store::config::StreamFields;

impl RedisStreamsSettings {
    /// The checks of destination `name`: field names distinct, non-empty, and not taken by the
    /// outbox entry's own fields.
    pub(crate) fn validate(&self, name: &str) -> Result<(), String> {
        let f = self.fields.as_array();
        let reserved = ["tracking_id", "message_key", "destination", "queue"];
        for (i, a) in f.iter().enumerate() {
            if a.is_empty() || reserved.contains(a) || f[i + 1..].contains(a) {
                return Err(format!(
                    "destinations.{name}.fields: field names must be distinct, \
                     non-empty and not one of {reserved:?} (got {a:?})"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::parse;

    #[test]
    fn clashing_field_names_rejected() {
        let t = "[destinations.redis]\ntype = \"redis_streams\"\nfields = { id = \"queue\" }\n";
        assert!(parse(t, &[]).is_err());
    }
}
