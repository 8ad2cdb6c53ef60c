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
    /// Find the primary through Redis Sentinel and follow its failovers. `url` then gives the
    /// credentials, database and TLS (`rediss://`) for the primary; its host and port are used
    /// only until a sentinel answers.
    pub sentinel: Option<SentinelSettings>,
    /// A Redis Cluster: the nodes to start from (the client learns the rest and follows MOVED,
    /// ASK and failovers). `url` is not used then.
    pub cluster: Option<ClusterSettings>,
    /// Before answering a report, wait until this many replicas have its outcome (Redis `WAIT`),
    /// so that a failover cannot lose an answered outcome. 0 (the default): answer once the
    /// primary has it (replication is asynchronous: a failover can lose the last moments).
    pub wait_replicas: u32,
    /// How long a report waits for `wait_replicas`; if fewer confirm in time the report is
    /// answered UNAVAILABLE (recorded on the primary: reporting again is answered DUPLICATE, or
    /// recorded anew if a failover lost it).
    #[serde(with = "humantime_serde")]
    pub wait_timeout: Duration,
    /// How many buckets Salvage's state is spread over (`layout.rs`): each a hash tag of its
    /// own at evenly spaced slots, so on a Redis Cluster the state spreads over the primaries
    /// (evenly when their number divides it). Default: 1 (one slot, the plain prefix) on a
    /// standalone Redis or with Sentinel, 24 on a Cluster. Fixed when a deployment first starts:
    /// recorded in Redis, and a different number later is refused.
    pub buckets: Option<u32>,
}

/// `[redis.sentinel]`: the sentinels that watch the primary.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SentinelSettings {
    /// The sentinels: `redis://host:port` (a password in the URL if they require one), or
    /// `rediss://` for TLS, with the CA and client certificate of `redis.tls` as for the primary.
    pub urls: Vec<String>,
    /// The name they monitor the primary under (`sentinel monitor <name> ...`).
    pub master_name: String,
    /// How often the sentinels are asked where the primary is (how soon a failover is followed).
    #[serde(with = "humantime_serde", default = "default_poll_interval")]
    pub poll_interval: Duration,
}

/// `[redis.cluster]`: a Redis Cluster.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// Some of its nodes, `redis://[user:password@]host:port` (or `rediss://`; every URL the same
    /// scheme and credentials). One that answers is enough.
    pub urls: Vec<String>,
}

fn default_poll_interval() -> Duration {
    Duration::from_millis(500)
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
            sentinel: None,
            cluster: None,
            wait_replicas: 0,
            wait_timeout: Duration::from_secs(1),
            buckets: None,
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
            .field(
                "sentinel",
                &self.sentinel.as_ref().map(|s| {
                    let urls: Vec<String> = s.urls.iter().map(|u| redact_url(u)).collect();
                    (urls, &s.master_name, s.poll_interval)
                }),
            )
            .field(
                "cluster",
                &self.cluster.as_ref().map(|c| {
                    c.urls
                        .iter()
                        .map(|u| redact_url(u))
                        .collect::<Vec<String>>()
                }),
            )
            .field("wait_replicas", &self.wait_replicas)
            .field("wait_timeout", &self.wait_timeout)
            .field("buckets", &self.buckets)
            .finish()
    }
}

impl RedisSettings {
    /// Which Redis this is, for the start-up log (passwords redacted): `standalone at <url>`,
    /// `Sentinel master <name> through <n> sentinels`, or `cluster through <n> nodes (<urls>)`.
    pub fn topology(&self) -> String {
        match (&self.sentinel, &self.cluster) {
            (_, Some(c)) => format!(
                "cluster through {} nodes ({})",
                c.urls.len(),
                c.urls
                    .iter()
                    .map(|u| redact_url(u))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (Some(s), None) => format!(
                "Sentinel master {:?} through {} sentinels",
                s.master_name,
                s.urls.len()
            ),
            (None, None) => format!("standalone at {}", redact_url(&self.url)),
        }
    }

    /// The number of buckets: `buckets` if set, else 24 on a Cluster and 1 otherwise.
    pub fn bucket_count(&self) -> u32 {
        self.buckets
            .unwrap_or(if self.cluster.is_some() { 24 } else { 1 })
    }

    /// Its own checks: a hash tag in the key prefix, timeouts, TLS only with `rediss://`.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(n) = self.buckets
            && !(1..=crate::layout::MAX_BUCKETS).contains(&n)
        {
            return Err(format!(
                "redis.buckets = {n}: give a number from 1 to {}",
                crate::layout::MAX_BUCKETS
            ));
        }
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
            match &self.cluster {
                None if !self.url.starts_with("rediss://") => {
                    return Err("redis.tls is set but redis.url is not a rediss:// URL".to_owned());
                }
                Some(c) if c.urls.iter().any(|u| !u.starts_with("rediss://")) => {
                    return Err(
                        "redis.tls is set but redis.cluster.urls are not all rediss:// URLs"
                            .to_owned(),
                    );
                }
                _ => {}
            }
            if t.cert_file.is_some() != t.key_file.is_some() {
                return Err("redis.tls: give both cert_file and key_file, or neither".to_owned());
            }
        }
        if self.state_ttl < Duration::from_secs(1) {
            return Err("redis.state_ttl must be at least 1s".to_owned());
        }
        if let Some(s) = &self.sentinel {
            if s.urls.is_empty() {
                return Err(
                    "redis.sentinel.urls is empty: list the sentinels, e.g. [\"redis://10.0.0.1:26379\"]"
                        .to_owned(),
                );
            }
            if let Some(bad) = s
                .urls
                .iter()
                .find(|u| !(u.starts_with("redis://") || u.starts_with("rediss://")))
            {
                return Err(format!(
                    "redis.sentinel.urls: {:?} is not a redis:// or rediss:// URL",
                    redact_url(bad)
                ));
            }
            if s.master_name.trim().is_empty() {
                return Err(
                    "redis.sentinel.master_name is empty: the name the sentinels monitor the primary under"
                        .to_owned(),
                );
            }
            if s.poll_interval < Duration::from_millis(10) {
                return Err("redis.sentinel.poll_interval must be at least 10ms".to_owned());
            }
        }
        if let Some(c) = &self.cluster {
            if self.sentinel.is_some() {
                return Err(
                    "redis.cluster and redis.sentinel are both set: a Redis Cluster fails over by \
                     itself; give one of them"
                        .to_owned(),
                );
            }
            if c.urls.is_empty() {
                return Err(
                    "redis.cluster.urls is empty: list some of the cluster's nodes, e.g. \
                     [\"redis://10.0.0.1:6379\", \"redis://10.0.0.2:6379\"]"
                        .to_owned(),
                );
            }
            if let Some(bad) = c
                .urls
                .iter()
                .find(|u| !(u.starts_with("redis://") || u.starts_with("rediss://")))
            {
                return Err(format!(
                    "redis.cluster.urls: {:?} is not a redis:// or rediss:// URL",
                    redact_url(bad)
                ));
            }
            if c.urls.iter().any(|u| u.starts_with("rediss://"))
                != c.urls.iter().all(|u| u.starts_with("rediss://"))
            {
                return Err(
                    "redis.cluster.urls mix redis:// and rediss://: use one scheme for every node"
                        .to_owned(),
                );
            }
        }
        if self.wait_replicas > 0
            && (self.wait_timeout < Duration::from_millis(1)
                || self.wait_timeout >= self.response_timeout)
        {
            return Err(format!(
                "redis.wait_timeout ({}) must be at least 1ms and shorter than \
                 redis.response_timeout ({}) when redis.wait_replicas is set",
                humantime::format_duration(self.wait_timeout),
                humantime::format_duration(self.response_timeout)
            ));
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
    fn sentinel_settings_are_read_and_checked() {
        let s = parse(
            "[sentinel]\nurls = [\"redis://:pw@127.0.0.1:26379\"]\nmaster_name = \"mymaster\"\n",
        )
        .unwrap();
        let sentinel = s.sentinel.as_ref().unwrap();
        assert_eq!(sentinel.master_name, "mymaster");
        assert_eq!(
            sentinel.poll_interval,
            std::time::Duration::from_millis(500)
        );
        assert!(!format!("{s:?}").contains(":pw@"), "{s:?}");
        let e = parse("[sentinel]\nurls = []\nmaster_name = \"m\"\n").unwrap_err();
        assert!(e.contains("redis.sentinel.urls is empty"), "{e}");
        let e =
            parse("[sentinel]\nurls = [\"127.0.0.1:26379\"]\nmaster_name = \"m\"\n").unwrap_err();
        assert!(e.contains("not a redis:// or rediss:// URL"), "{e}");
        let e = parse("[sentinel]\nurls = [\"redis://h:1\"]\nmaster_name = \" \"\n").unwrap_err();
        assert!(e.contains("master_name is empty"), "{e}");
    }

    #[test]
    fn cluster_settings_are_read_and_checked() {
        let s = parse(
            "[cluster]\nurls = [\"redis://:pw@127.0.0.1:7000\", \"redis://:pw@127.0.0.1:7001\"]\n",
        )
        .unwrap();
        assert_eq!(s.cluster.as_ref().unwrap().urls.len(), 2);
        assert!(!format!("{s:?}").contains(":pw@"), "{s:?}");
        assert_eq!(
            s.topology(),
            "cluster through 2 nodes (redis://:***@127.0.0.1:7000, redis://:***@127.0.0.1:7001)"
        );
        let e = parse("[cluster]\nurls = []\n").unwrap_err();
        assert!(e.contains("redis.cluster.urls is empty"), "{e}");
        let e = parse("[cluster]\nurls = [\"127.0.0.1:7000\"]\n").unwrap_err();
        assert!(e.contains("not a redis:// or rediss:// URL"), "{e}");
        let e = parse("[cluster]\nurls = [\"redis://a:1\", \"rediss://b:1\"]\n").unwrap_err();
        assert!(e.contains("use one scheme"), "{e}");
        let e = parse(
            "[cluster]\nurls = [\"redis://a:1\"]\n[sentinel]\nurls = [\"redis://s:1\"]\nmaster_name = \"m\"\n",
        )
        .unwrap_err();
        assert!(e.contains("both set"), "{e}");
        parse("wait_replicas = 1\n[cluster]\nurls = [\"redis://a:1\"]\n").unwrap();
        let e = parse("[tls]\n[cluster]\nurls = [\"redis://a:1\"]\n").unwrap_err();
        assert!(e.contains("not all rediss://"), "{e}");
        parse("[tls]\n[cluster]\nurls = [\"rediss://a:1\"]\n").unwrap();
    }

    #[test]
    fn the_replica_wait_must_end_before_the_response_timeout() {
        let s = parse("wait_replicas = 1\nwait_timeout = \"500ms\"\n").unwrap();
        assert_eq!(s.wait_replicas, 1);
        let e = parse("wait_replicas = 1\nwait_timeout = \"2s\"\nresponse_timeout = \"2s\"\n")
            .unwrap_err();
        assert!(
            e.contains("shorter than redis.response_timeout (2s)"),
            "{e}"
        );
    }

    #[test]
    fn debug_hides_password() {
        let s = parse("url = \"redis://u:hunter2@h:1\"\n").unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("hunter2"), "{d}");
    }
}
