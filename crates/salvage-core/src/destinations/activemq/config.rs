//! The settings of a destination with `type = "activemq"`. Compiled with or without the
//! `activemq` feature: a build without it still reads them, and refuses the destination by name.

use std::{fmt, path::PathBuf};

use serde::Deserialize;

use crate::destinations::publish::{BrokerSettings, DeliverySettings};

/// An ActiveMQ destination, over STOMP 1.2 (ActiveMQ's `stomp://` transport connector).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveMqSettings {
    /// The STOMP connector: `tcp://host:61613` (`stomp://` is the same), or over TLS
    /// `ssl://host:61614` (`stomp+ssl://`). Several, separated by commas, are tried in order at
    /// each connect (a primary and its standby).
    pub url: String,
    /// The user to connect as (STOMP `login`); unset: connect without credentials.
    #[serde(default)]
    pub user: Option<String>,
    /// Its password (STOMP `passcode`). Never logged.
    #[serde(default)]
    pub password: Option<String>,
    /// For `ssl://`: a PEM file of the CA certificates to trust (default: the system's).
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// What JMS consumers receive: `bytes` (the default) sends a `BytesMessage` holding the
    /// payload exactly; `text` sends a `TextMessage`, and parks a payload that is not UTF-8 or
    /// holds a NUL byte (STOMP cannot carry it as text).
    #[serde(default)]
    pub message_type: MessageType,
    /// Confirmation (receipt) timeout, attempts and backoff.
    #[serde(default)]
    pub delivery: DeliverySettings,
}

/// The JMS message type a copy is sent as.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// A `BytesMessage`: the payload, byte for byte (the frame has a `content-length`).
    #[default]
    Bytes,
    /// A `TextMessage` (no `content-length`): UTF-8 payloads without NUL bytes only.
    Text,
}

impl fmt::Debug for ActiveMqSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveMqSettings")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("message_type", &self.message_type)
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}

/// One broker of `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port`.
    pub address: String,
    /// Over TLS (`ssl://`, `stomp+ssl://`).
    pub tls: bool,
}

impl Endpoint {
    /// The host part of the address (for TLS, the name the certificate must hold).
    pub fn host(&self) -> &str {
        let host = self
            .address
            .rsplit_once(':')
            .map_or(self.address.as_str(), |(h, _)| h);
        host.trim_start_matches('[').trim_end_matches(']')
    }
}

impl ActiveMqSettings {
    /// Each broker of `url`, in order, or why `url` is not usable.
    pub fn brokers(&self) -> Result<Vec<Endpoint>, String> {
        let mut out = Vec::new();
        for part in self.url.split(',').map(str::trim) {
            let schemes = [
                ("tcp://", false),
                ("stomp://", false),
                ("ssl://", true),
                ("stomp+ssl://", true),
            ];
            let (address, tls) = schemes
                .iter()
                .find_map(|(scheme, tls)| Some((part.strip_prefix(scheme)?, *tls)))
                .ok_or_else(|| {
                    format!(
                        "{part:?} must be tcp://host:port or ssl://host:port (ActiveMQ's STOMP \
                         connector)"
                    )
                })?;
            let address = address.trim_end_matches('/');
            let valid = address
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid || address.contains(['/', '@', '?']) {
                return Err(format!(
                    "{part:?} must be tcp://host:port, with the port (STOMP's is usually 61613, \
                     61614 over TLS)"
                ));
            }
            out.push(Endpoint {
                address: address.to_owned(),
                tls,
            });
        }
        Ok(out)
    }
}

impl BrokerSettings for ActiveMqSettings {
    fn delivery(&self) -> &DeliverySettings {
        &self.delivery
    }

    fn validate(&self, name: &str) -> Result<(), String> {
        let brokers = self
            .brokers()
            .map_err(|e| format!("destinations.{name}.url: {e}"))?;
        if self.tls_ca_file.is_some() && !brokers.iter().any(|b| b.tls) {
            return Err(format!(
                "destinations.{name}.tls_ca_file: applies to ssl:// brokers, and url names none"
            ));
        }
        if self.password.is_some() && self.user.is_none() {
            return Err(format!(
                "destinations.{name}.password: set user too (STOMP sends them together)"
            ));
        }
        // STOMP's CONNECT frame carries its headers unescaped: these bytes would end them.
        for (field, value) in [("user", &self.user), ("password", &self.password)] {
            if value.as_deref().is_some_and(|v| v.contains(['\n', '\r', '\0'])) {
                return Err(format!(
                    "destinations.{name}.{field}: must not contain a line break or NUL"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "activemq"))]
mod tests {
    use crate::config::testing::parse;

    fn load(extra: &str) -> Result<(), String> {
        let toml = format!(
            "default_destination = \"amq\"\n[destinations.amq]\ntype = \"activemq\"\n{extra}\n"
        );
        parse(&toml, &[]).map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn urls_must_name_a_stomp_connector_with_its_port() {
        assert!(load("url = \"tcp://127.0.0.1:61613\"").is_ok());
        assert!(load("url = \"stomp://a:61613, tcp://b:61613/\"").is_ok());
        assert!(load("url = \"ssl://a:61614,stomp+ssl://b:61614\"\ntls_ca_file = \"ca.pem\"").is_ok());
        let e = load("url = \"tcp://a:61613\"\ntls_ca_file = \"ca.pem\"").unwrap_err();
        assert!(e.contains("applies to ssl://"), "{e}");
        for (url, says) in [
            ("http://a:8161", "must be tcp://host:port"),
            ("tcp://a", "with the port"),
            ("tcp://user:pw@a:61613", "with the port"),
            ("tcp://a:61613,", "must be tcp://host:port"),
        ] {
            let e = load(&format!("url = \"{url}\"")).unwrap_err();
            assert!(e.contains("destinations.amq.url") && e.contains(says), "{url}: {e}");
        }
    }

    #[test]
    fn endpoints_say_their_host_and_whether_tls() {
        let s = super::ActiveMqSettings {
            url: "ssl://mq.example:61614, tcp://[::1]:61613".to_owned(),
            user: None,
            password: None,
            tls_ca_file: None,
            message_type: super::MessageType::Bytes,
            delivery: crate::destinations::DeliverySettings::default(),
        };
        let b = s.brokers().unwrap();
        assert_eq!((b[0].host(), b[0].tls), ("mq.example", true));
        assert_eq!((b[1].host(), b[1].tls), ("::1", false));
    }

    #[test]
    fn credentials_are_checked_and_the_password_is_never_shown() {
        let e = load("url = \"tcp://a:1\"\npassword = \"x\"").unwrap_err();
        assert!(e.contains("destinations.amq.password: set user too"), "{e}");
        let e = load("url = \"tcp://a:1\"\nuser = \"a\\nb\"").unwrap_err();
        assert!(e.contains("destinations.amq.user: must not contain"), "{e}");
        let settings = super::ActiveMqSettings {
            url: "tcp://a:1".to_owned(),
            user: Some("salvage".to_owned()),
            password: Some("hunter2".to_owned()),
            tls_ca_file: None,
            message_type: super::MessageType::Bytes,
            delivery: crate::destinations::DeliverySettings::default(),
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn message_type_is_bytes_or_text() {
        assert!(load("url = \"tcp://a:1\"\nmessage_type = \"text\"").is_ok());
        let e = load("url = \"tcp://a:1\"\nmessage_type = \"map\"").unwrap_err();
        assert!(e.contains("bytes") && e.contains("text"), "{e}");
    }
}
