//! Typed settings: a TOML file, then environment overrides (`SALVAGE__SECTION__KEY=value`), then
//! validation. Every field has a default, so an empty file is a working configuration for a
//! local Redis. Secrets (the Redis URL may hold a password) never appear in `Debug` output.
//!
//! This module holds [`Settings`] (one field per section of the file), loading, and the checks
//! that span components. Each section's struct, its defaults and its own checks live next to
//! what they configure, and are re-exported here:
//!
//! | section | settings | in |
//! |---|---|---|
//! | `[server]` | [`ServerSettings`] | `server.rs` here (the gRPC services that read it are the `salvage-server` crate's) |
//! | `[admin]` | [`AdminSettings`] | `admin/config.rs` |
//! | `[console]` | [`ConsoleSettings`] | `console/config.rs` |
//! | `[redis]` | [`RedisSettings`], [`RedisTls`], [`SentinelSettings`], [`ClusterSettings`] | `crates/salvage-store/src/config.rs` |
//! | `[rules]` | [`RulesSettings`] | here |
//! | `[limits]` | [`Limits`] | `workflow/config.rs` |
//! | `[relay]` | [`RelaySettings`] | `relay/config.rs` |
//! | `[destinations.<name>]` | [`DestinationSettings`] (one variant per `type`) | `destinations/mod.rs` |
//! | `type = "redis_streams"` | [`RedisStreamsSettings`], [`StreamFields`] | `destinations/redis_streams/config.rs` (the field names: `crates/salvage-store/src/config.rs`) |
//! | a broker's `type` | its settings, with [`DeliverySettings`] (`destinations/publish.rs`) | `destinations/<broker>/config.rs` |
//! | `[telemetry]` | [`TelemetrySettings`], [`LogFormat`] | `telemetry/config.rs` |
//! | `[parking_lot]` | [`ParkingLotSettings`], [`TokenSettings`], [`Role`], [`RetentionSettings`] | `parking/config.rs` |
//! | `tls = { ... }` of a listener | [`ListenerTls`] | `tls.rs` |

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde::Deserialize;

mod server;

pub use self::server::ServerSettings;
pub use crate::{
    admin::config::AdminSettings,
    console::config::ConsoleSettings,
    destinations::{DeliverySettings, DestinationSettings, RedisStreamsSettings, StreamFields},
    parking::config::{ParkingLotSettings, RetentionSettings, Role, TokenSettings},
    relay::config::RelaySettings,
    store::config::{ClusterSettings, RedisSettings, RedisTls, SentinelSettings},
    telemetry::config::{LogFormat, TelemetrySettings},
    tls::ListenerTls,
    workflow::config::Limits,
};

/// The prefix of environment variables that override settings: `SALVAGE__REDIS__URL` sets
/// `redis.url`. Values are read as TOML when they parse as such (numbers, booleans), else as strings.
pub const ENV_PREFIX: &str = "SALVAGE__";

/// All settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The gRPC server consumers call.
    pub server: ServerSettings,
    /// The admin HTTP server: `/metrics`, `/healthz`, `/readyz`.
    pub admin: AdminSettings,
    /// The Redis that holds outcomes, the outbox, the retry schedule and the parking lot.
    pub redis: RedisSettings,
    /// The repair rules.
    pub rules: RulesSettings,
    /// Limits on what a report may carry.
    pub limits: Limits,
    /// The relay that delivers the outbox and moves due retries.
    pub relay: RelaySettings,
    /// The destination used when a report's `origin.destination` is empty.
    pub default_destination: String,
    /// Where requeued messages go, by name (`origin.destination` picks one).
    pub destinations: BTreeMap<String, DestinationSettings>,
    /// Logs.
    pub telemetry: TelemetrySettings,
    /// The parking lot: its admin gRPC API, credentials, retention and redrive.
    pub parking_lot: ParkingLotSettings,
    /// The operator console: a web page on the admin HTTP port.
    pub console: ConsoleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        let mut destinations = BTreeMap::new();
        destinations.insert("redis".to_owned(), DestinationSettings::default());
        Self {
            server: ServerSettings::default(),
            admin: AdminSettings::default(),
            redis: RedisSettings::default(),
            rules: RulesSettings::default(),
            limits: Limits::default(),
            relay: RelaySettings::default(),
            default_destination: "redis".to_owned(),
            destinations,
            telemetry: TelemetrySettings::default(),
            parking_lot: ParkingLotSettings::default(),
            console: ConsoleSettings::default(),
        }
    }
}

pub use salvage_model::redact_url;

/// The repair rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesSettings {
    /// The rules file; a relative path is taken from the configuration file's folder.
    pub path: PathBuf,
    /// How often the rules file and the schema files it names are looked at for changes
    /// (bytes that differ from those loaded); a change reloads them. 0 turns the watch off
    /// (SIGHUP still reloads).
    #[serde(with = "humantime_serde")]
    pub watch_interval: std::time::Duration,
}

impl Default for RulesSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("rules.toml"),
            watch_interval: std::time::Duration::from_secs(2),
        }
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read. The I/O error is in the message and is not the error's
    /// source, so a printer that follows the chain of sources does not say it twice.
    #[error("cannot read configuration file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// An environment override made the settings invalid (the file alone was not at fault).
    /// Its value is not shown: it may be a secret (`SALVAGE__REDIS__URL`).
    #[error("environment variable {variable}: {message} (it overrides {path})")]
    Override {
        variable: String,
        path: PathBuf,
        message: String,
    },
}

impl Settings {
    /// Read `path`, apply environment overrides, validate. Relative paths inside the file are
    /// resolved against the file's folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        let mut settings = Self::parse(&text, std::env::vars(), path)?;
        if settings.rules.path.is_relative() {
            let base = path.parent().unwrap_or_else(|| Path::new("."));
            settings.rules.path = base.join(&settings.rules.path);
        }
        Ok(settings)
    }

    /// Parse TOML text with the given environment overrides, then validate.
    pub fn parse(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
        path: &Path,
    ) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let file: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let overrides: Vec<(String, String)> = env
            .into_iter()
            .filter(|(name, _)| name.starts_with(ENV_PREFIX))
            .collect();
        let blame = |(variable, _): &(String, String), message: String| ConfigError::Override {
            variable: variable.clone(),
            path: path.to_owned(),
            message,
        };
        let setting = |name: &str| name.strip_prefix(ENV_PREFIX).unwrap_or(name).to_owned();
        let mut table = file.clone();
        for o in &overrides {
            apply_override(&mut table, &setting(&o.0), &o.1).map_err(|m| blame(o, m))?;
        }
        let message = match Self::finish(table) {
            Ok(settings) => return Ok(settings),
            Err(message) => message,
        };
        // Whose fault: the file's, or the first override after which the settings fail so.
        let mut table = file;
        if Self::finish(table.clone()).err().as_ref() == Some(&message) {
            return Err(invalid(message));
        }
        for o in &overrides {
            apply_override(&mut table, &setting(&o.0), &o.1).map_err(|m| blame(o, m))?;
            if Self::finish(table.clone()).err().as_ref() == Some(&message) {
                return Err(blame(o, message));
            }
        }
        Err(invalid(message))
    }

    /// The settings of `table` (the file with its overrides), validated.
    fn finish(table: toml::Table) -> Result<Self, String> {
        let settings: Settings = table
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string().trim_end().to_owned())?;
        settings.validate()?;
        Ok(settings)
    }

    /// Each component's own checks, then those across components. The first problem found is
    /// the error.
    fn validate(&self) -> Result<(), String> {
        self.redis.validate()?;
        self.validate_destinations()?;
        self.server.validate()?;
        self.relay.validate()?;
        self.limits.validate()?;
        self.validate_budget()?;
        self.console.validate()?;
        self.check_plaintext_listeners()?;
        self.admin.validate()?;
        self.parking_lot.validate()?;
        Ok(())
    }

    /// The default destination is configured, names are well formed, and each destination's
    /// settings pass its own checks.
    fn validate_destinations(&self) -> Result<(), String> {
        if !self.destinations.contains_key(&self.default_destination) {
            return Err(format!(
                "default_destination {:?} is not among [destinations] ({})",
                self.default_destination,
                self.destinations
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (name, d) in &self.destinations {
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(format!(
                    "destination name {name:?} must be non-empty, without spaces"
                ));
            }
            d.validate(name)?;
        }
        Ok(())
    }
}

impl Settings {
    fn validate_budget(&self) -> Result<(), String> {
        let (s, l) = (&self.server, &self.limits);
        let least = l.max_payload_bytes + l.max_header_bytes + 16 * 1024;
        if s.max_message_bytes < least {
            return Err(format!(
                "server.max_message_bytes ({}) must be at least limits.max_payload_bytes + \
                 limits.max_header_bytes + 16 KiB ({least}), or reports within the limits \
                 would be refused",
                s.max_message_bytes
            ));
        }
        if s.max_in_flight_bytes < s.max_message_bytes {
            return Err(format!(
                "server.max_in_flight_bytes ({}) must be at least server.max_message_bytes ({})",
                s.max_in_flight_bytes, s.max_message_bytes
            ));
        }
        Ok(())
    }

    /// Token-protected listeners (the parking lot API; the admin port when it serves the
    /// console) reachable beyond loopback need TLS or an explicit `allow_plaintext`.
    /// `Application::build` checks it too (settings built in code skip `validate`).
    pub fn check_plaintext_listeners(&self) -> Result<(), String> {
        let guarded = [
            (
                "parking_lot",
                self.parking_lot.addr,
                self.parking_lot.tls.is_some(),
                self.parking_lot.allow_plaintext,
                true,
            ),
            (
                "admin",
                self.admin.addr,
                self.admin.tls.is_some(),
                self.admin.allow_plaintext,
                self.console.enabled && self.console.addr.is_none(),
            ),
        ];
        let console = self.console.addr.map(|addr| {
            (
                "console",
                addr,
                self.console.tls.is_some(),
                self.console.allow_plaintext,
                self.console.enabled,
            )
        });
        for (name, addr, tls, allowed, tokens) in guarded.into_iter().chain(console) {
            if tokens && !tls && !allowed && !addr.ip().is_loopback() {
                return Err(format!(
                    "{name}.addr {addr} is reachable beyond this host without TLS: its tokens \
                     would cross the network in the clear. Set {name}.tls = {{ cert_file, \
                     key_file }}, bind it to 127.0.0.1, or set {name}.allow_plaintext = true \
                     (e.g. behind a TLS-terminating proxy)"
                ));
            }
        }
        Ok(())
    }
}

/// Set `a__b__c` (lower-cased path) in `table` to `value`.
fn apply_override(table: &mut toml::Table, path: &str, value: &str) -> Result<(), String> {
    let parts: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
    let Some((last, parents)) = parts.split_last() else {
        return Err("empty setting name".to_owned());
    };
    let mut cur = table;
    for p in parents {
        let entry = cur
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = entry
            .as_table_mut()
            .ok_or_else(|| format!("{p} is not a section"))?;
    }
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    cur.insert(last.clone(), parsed);
    Ok(())
}

/// What the settings tests of every component use.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use super::{ConfigError, Settings};

    /// `text` as the file `salvage.toml`, with `env` as the environment.
    pub(crate) fn parse(text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        Settings::parse(text, env, Path::new("salvage.toml"))
    }
}

#[cfg(test)]
mod tests {
    use super::{testing::parse, *};

    #[test]
    fn empty_file_is_valid() {
        let s = parse("", &[]).unwrap();
        assert_eq!(s.default_destination, "redis");
        assert_eq!(s.redis.key_prefix, "{salvage}");
    }

    #[test]
    fn env_overrides_file() {
        let s = parse(
            "[redis]\nurl = \"redis://a:1\"\n",
            &[
                ("SALVAGE__REDIS__URL", "redis://b:2"),
                ("SALVAGE__RELAY__BATCH_SIZE", "7"),
            ],
        )
        .unwrap();
        assert_eq!(s.redis.url, "redis://b:2");
        assert_eq!(s.relay.batch_size, 7);
    }

    /// An override that makes the settings invalid is blamed on its variable (never showing its
    /// value, which may be a secret); a file that is invalid by itself is blamed on the file.
    #[test]
    fn an_invalid_override_is_blamed_on_its_variable() {
        let ok = "[redis]\nurl = \"redis://user:hunter2@a:1\"\n";
        for (name, value, says) in [
            (
                "SALVAGE__REDIS__CONNECT_TIMEOUT",
                "abc",
                "expected a duration",
            ),
            ("SALVAGE__REDIS__NOPE", "1", "unknown field `nope`"),
            ("SALVAGE__RELAY__BATCH_SIZE", "0", "relay.batch_size"),
            ("SALVAGE__REDIS__URL__X", "1", "redis.url"),
        ] {
            let e = parse(ok, &[("SALVAGE__RELAY__ENABLED", "true"), (name, value)])
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("environment variable {name}: ")),
                "{name}: {e}"
            );
            assert!(e.contains("(it overrides salvage.toml)"), "{e}");
            assert!(e.contains(says) || name.ends_with("__X"), "{name}: {e}");
        }
        let secret = parse(
            ok,
            &[
                ("SALVAGE__REDIS__URL", "redis://u:hunter3@/x:y:z"),
                ("SALVAGE__REDIS__TLS", "7"),
            ],
        )
        .unwrap_err()
        .to_string();
        assert!(!secret.contains("hunter"), "{secret}");
        // The file is at fault, whatever the environment holds.
        let e = parse(
            "[redis]\nconnect_timeout = \"soon\"\n",
            &[("SALVAGE__RELAY__BATCH_SIZE", "7")],
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("salvage.toml: "), "{e}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = parse("[redis]\nulr = \"x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("ulr"), "{e}");
    }

    #[test]
    fn tls_settings_parse_and_plaintext_beyond_loopback_is_refused() {
        let t = "[server]\ntls = { cert_file = \"s.pem\", key_file = \"s.key\", \
                 client_ca_file = \"ca.pem\" }\n";
        let s = parse(t, &[]).unwrap();
        let tls = s.server.tls.unwrap();
        assert_eq!(tls.client_ca_file, Some(PathBuf::from("ca.pem")));
        let typo = "[server]\ntls = { cert_file = \"a\", key_file = \"b\", ca = \"c\" }\n";
        assert!(parse(typo, &[]).unwrap_err().to_string().contains("ca"));

        let open = "[parking_lot]\naddr = \"0.0.0.0:50052\"\n";
        let e = parse(open, &[]).unwrap_err().to_string();
        assert!(e.contains("parking_lot.allow_plaintext = true"), "{e}");
        assert!(parse(&format!("{open}allow_plaintext = true\n"), &[]).is_ok());
        let with_tls = format!("{open}tls = {{ cert_file = \"a\", key_file = \"b\" }}\n");
        assert!(parse(&with_tls, &[]).is_ok());
        let admin = "[admin]\naddr = \"0.0.0.0:9464\"\n";
        assert!(parse(admin, &[]).is_err());
        assert!(parse(admin, &[("SALVAGE__CONSOLE__ENABLED", "false")]).is_ok());

        let redis = "[redis]\nurl = \"redis://h:1\"\ntls = { ca_file = \"ca.pem\" }\n";
        assert!(
            parse(redis, &[])
                .unwrap_err()
                .to_string()
                .contains("rediss://")
        );
        let half = "[redis]\nurl = \"rediss://h:1\"\ntls = { cert_file = \"c.pem\" }\n";
        assert!(
            parse(half, &[])
                .unwrap_err()
                .to_string()
                .contains("key_file")
        );
    }
}
