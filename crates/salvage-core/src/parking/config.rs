//! `[parking_lot]`: the parking lot's admin API, its credentials, retention and redrive.

use std::{fmt, net::SocketAddr, time::Duration};

use serde::Deserialize;

use crate::tls::ListenerTls;

/// The parking lot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParkingLotSettings {
    /// Address of the admin gRPC API (`salvage.v1.ParkingLot`); port 0 picks a free port.
    pub addr: SocketAddr,
    /// Who may call the admin API. With none, every call is refused (UNAUTHENTICATED).
    pub tokens: Vec<TokenSettings>,
    /// How long and how many parked messages are kept before retention archives them.
    pub retention: RetentionSettings,
    /// How long and how many discarded messages are kept (restorable) before being deleted.
    pub archive: RetentionSettings,
    /// How often retention runs.
    #[serde(with = "humantime_serde")]
    pub retention_interval: Duration,
    /// Operator actions kept in the audit log (older ones are trimmed).
    pub audit_max_entries: u64,
    /// Parking-lot events kept for `WatchParked` (a short buffer, not a log).
    pub events_max_entries: u64,
    /// Messages handled per Redis call by bulk runs.
    pub batch_size: usize,
    /// Bulk runs (with their id lists) are kept this long after they end.
    #[serde(with = "humantime_serde")]
    pub run_ttl: Duration,
    /// A process working on a bulk run holds it for this long and renews it after each batch; a
    /// run whose holder died is taken over by another process (or the restarted one) after it.
    #[serde(with = "humantime_serde")]
    pub run_lease: Duration,
    /// JSON Pointers (e.g. `/card/number`; a `*` segment matches any key or index) whose values
    /// are masked wherever a payload is shown to an operator (admin API, CLI, console); only an
    /// operator can reveal them, and that is audited.
    pub sensitive: Vec<String>,
    /// Serve the API over TLS (with `client_ca_file`: clients must present a certificate).
    pub tls: Option<ListenerTls>,
    /// Listen beyond loopback without TLS anyway (bearer tokens then cross the network in the
    /// clear).
    pub allow_plaintext: bool,
    /// Bytes per second that searches reading payloads (a `text` or `json_pointer` filter) may
    /// read from Redis, so they cannot crowd out reports; 0 means no limit.
    pub search_read_rate: u64,
}

impl Default for ParkingLotSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 50052)),
            tokens: Vec::new(),
            // About 5.6 KiB of Redis memory per parked message with a 1 KiB payload (measured
            // by tests/e2e/parking_lot/observe.rs): these defaults bound the parking lot to about
            // 1.4 GiB and the archive to about 280 MiB.
            retention: RetentionSettings {
                max_age: Some(Duration::from_secs(90 * 24 * 3600)),
                max_count: Some(250_000),
            },
            archive: RetentionSettings {
                max_age: Some(Duration::from_secs(30 * 24 * 3600)),
                max_count: Some(50_000),
            },
            retention_interval: Duration::from_secs(60),
            audit_max_entries: 100_000,
            events_max_entries: 10_000,
            batch_size: 100,
            run_ttl: Duration::from_secs(7 * 24 * 3600),
            run_lease: Duration::from_secs(10),
            sensitive: Vec::new(),
            tls: None,
            allow_plaintext: false,
            // 32 MiB/s: see bench/search.sh (Report p99 at 2,000/s while searches run).
            search_read_rate: 32 * 1024 * 1024,
        }
    }
}

/// Limits on what is kept; each is optional (unset keeps everything).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Older than this (e.g. "90d") is expired.
    #[serde(default, with = "humantime_serde")]
    pub max_age: Option<Duration>,
    /// Past this many, the oldest are expired.
    #[serde(default)]
    pub max_count: Option<u64>,
}

/// A credential for the admin API.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    /// Who holds it: recorded in the audit log as the actor.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The bearer token itself. Never logged. Give this or `token_sha256`.
    #[serde(default)]
    pub token: Option<String>,
    /// The SHA-256 of the token, in hex (`printf %s "$TOKEN" | sha256sum`), so the configuration
    /// file holds no secret.
    #[serde(default)]
    pub token_sha256: Option<String>,
}

impl fmt::Debug for TokenSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSettings")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What a token may do.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read: list, show, groups, audit, watch, dry runs.
    Viewer,
    /// Everything a viewer may, and edit, resubmit, re-triage, discard, restore.
    Operator,
}

impl Role {
    /// `viewer` or `operator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
        }
    }
}

impl ParkingLotSettings {
    /// Its own checks (TLS beyond loopback is checked by `Settings`, with the admin port's).
    pub(crate) fn validate(&self) -> Result<(), String> {
        let p = self;
        let mut names = std::collections::BTreeSet::new();
        for (i, t) in p.tokens.iter().enumerate() {
            let at = format!("parking_lot.tokens[{i}]");
            if t.name.trim().is_empty() {
                return Err(format!("{at}.name must not be empty"));
            }
            if !names.insert(t.name.as_str()) {
                return Err(format!("{at}.name {:?} is used twice", t.name));
            }
            match (&t.token, &t.token_sha256) {
                (Some(tok), None) if tok.len() >= 8 => {}
                (Some(_), None) => {
                    return Err(format!("{at}.token is too short (at least 8 characters)"));
                }
                (None, Some(h)) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {}
                (None, Some(_)) => {
                    return Err(format!("{at}.token_sha256 must be 64 hex characters"));
                }
                _ => return Err(format!("{at}: give exactly one of token and token_sha256")),
            }
        }
        for (name, r) in [
            ("parking_lot.retention", &p.retention),
            ("parking_lot.archive", &p.archive),
        ] {
            if r.max_age.is_some_and(|d| d.is_zero()) || r.max_count == Some(0) {
                return Err(format!(
                    "{name}: max_age and max_count must be greater than 0 (leave them out to \
                     keep everything)"
                ));
            }
        }
        for (i, ptr) in p.sensitive.iter().enumerate() {
            if !ptr.starts_with('/') {
                return Err(format!(
                    "parking_lot.sensitive[{i}] {ptr:?} must be a JSON Pointer starting with '/' \
                     (e.g. \"/card/number\")"
                ));
            }
        }
        if p.batch_size == 0 || p.retention_interval.is_zero() || p.run_lease.is_zero() {
            return Err(
                "parking_lot.batch_size, parking_lot.retention_interval and \
                 parking_lot.run_lease must be greater than 0"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Role;
    use crate::config::testing::parse;

    #[test]
    fn parking_lot_tokens_are_checked() {
        let ok = "[[parking_lot.tokens]]\nname = \"alice\"\nrole = \"operator\"\n\
                  token = \"s3cret-token\"\n";
        let s = parse(ok, &[]).unwrap();
        assert_eq!(s.parking_lot.tokens[0].role, Role::Operator);
        assert!(!format!("{s:?}").contains("s3cret"));
        let both = format!("{ok}token_sha256 = \"{}\"\n", "a".repeat(64));
        assert!(
            parse(&both, &[])
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
        let bad_role = ok.replace("operator", "admin");
        assert!(
            parse(&bad_role, &[])
                .unwrap_err()
                .to_string()
                .contains("admin")
        );
        let retention = "[parking_lot.archive]\nmax_count = 0\n";
        assert!(parse(retention, &[]).is_err());
        let s = parse("[parking_lot.retention]\nmax_age = \"2h\"\n", &[]).unwrap();
        assert_eq!(s.parking_lot.retention.max_count, None);
    }
}
