//! `[redis]`: the Redis that holds outcomes, the outbox, the retry schedule and the parking lot.

use std::{fmt, path::PathBuf, time::Duration};

use serde::Deserialize;

use salvage_model::redact_url;

/// Redis.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// `redis://[:password@]host:port[/db]` (or `rediss://`). Never logged.
    pub url: String,
    /// Prefix of every key Salvage owns. Must contain a `{hash tag}` so that all keys share one
    /// Redis Cluster slot.
    pub key_prefix: String,
    /// How long one connection attempt may take.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// How long one command may take before the report fails with UNAVAILABLE.
    #[serde(with = "humantime_serde")]
    pub response_timeout: Duration,
    /// How long a message's attempt count and history are kept after its last report (parked
    /// messages keep theirs until resolved). Loop protection spans this window.
    #[serde(with = "humantime_serde")]
    pub state_ttl: Duration,
    /// For a `rediss://` URL: the CA to trust (default: the system's) and a client certificate.
    pub tls: Option<RedisTls>,
}

/// TLS to Redis (`rediss://` URLs only).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RedisTls {
    /// PEM file of CA certificates to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// PEM file: a client certificate, for a Redis with `tls-auth-clients yes` (give `key_file`).
    pub cert_file: Option<PathBuf>,
    /// PEM file: the client certificate's private key.
    pub key_file: Option<PathBuf>,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".to_owned(),
            key_prefix: "{salvage}".to_owned(),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(2),
            state_ttl: Duration::from_secs(7 * 24 * 3600),
            tls: None,
        }
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &redact_url(&self.url))
            .field("key_prefix", &self.key_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("state_ttl", &self.state_ttl)
            .field("tls", &self.tls)
            .finish()
    }
}

impl RedisSettings {
    /// Its own checks: a hash tag in the key prefix, timeouts, TLS only with `rediss://`.
    pub fn validate(&self) -> Result<(), String> {
        let p = &self.key_prefix;
        let tag = p.find('{').and_then(|o| p[o..].find('}').map(|c| c > 1));
        if tag != Some(true) {
            return Err(format!(
                "redis.key_prefix {p:?} must contain a non-empty {{hash tag}}, e.g. \"{{salvage}}\", \
                 so that all of Salvage's keys share one Redis Cluster slot"
            ));
        }
        let intervals = [
            ("redis.response_timeout", self.response_timeout),
            ("redis.connect_timeout", self.connect_timeout),
        ];
        for (name, v) in intervals {
            if v.is_zero() {
                return Err(format!("{name} must be greater than 0"));
            }
        }
        if let Some(t) = &self.tls {
            if !self.url.starts_with("rediss://") {
                return Err("redis.tls is set but redis.url is not a rediss:// URL".to_owned());
            }
            if t.cert_file.is_some() != t.key_file.is_some() {
                return Err("redis.tls: give both cert_file and key_file, or neither".to_owned());
            }
        }
        if self.state_ttl < Duration::from_secs(1) {
            return Err("redis.state_ttl must be at least 1s".to_owned());
        }
        Ok(())
    }
}

/// Field names of a requeued stream entry: the model's (its codec is there too).
pub use salvage_model::entry::StreamFields;

#[cfg(test)]
mod tests {
    use super::RedisSettings;

    fn parse(text: &str) -> Result<RedisSettings, String> {
        let s: RedisSettings = toml::from_str(text).map_err(|e| e.to_string())?;
        s.validate()?;
        Ok(s)
    }

    #[test]
    fn prefix_needs_hash_tag() {
        let e = parse("key_prefix = \"salvage\"\n").unwrap_err();
        assert!(e.contains("hash tag"), "{e}");
    }

    #[test]
    fn debug_hides_password() {
        let s = parse("url = \"redis://u:hunter2@h:1\"\n").unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("hunter2"), "{d}");
    }
}
