//! The settings of a destination with `type = "activemq"`. Compiled with or without the
//! `activemq` feature: a build without it still reads them, and refuses the destination by name.

use std::fmt;

use serde::Deserialize;

use crate::destinations::publish::{BrokerSettings, DeliverySettings};

/// An ActiveMQ destination, over STOMP 1.2 (ActiveMQ's `stomp://` transport connector).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveMqSettings {
    /// The STOMP connector: `tcp://host:61613` (`stomp://` is the same). Several, separated by
    /// commas, are tried in order at each connect (a primary and its standby).
    pub url: String,
    /// The user to connect as (STOMP `login`); unset: connect without credentials.
    #[serde(default)]
    pub user: Option<String>,
    /// Its password (STOMP `passcode`). Never logged.
    #[serde(default)]
    pub password: Option<String>,
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
            .field("message_type", &self.message_type)
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}

impl ActiveMqSettings {
    /// The `host:port` of each broker in `url`, in order, or why `url` is not usable.
    pub fn brokers(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for part in self.url.split(',').map(str::trim) {
            let address = ["tcp://", "stomp://"]
                .iter()
                .find_map(|scheme| part.strip_prefix(scheme))
                .ok_or_else(|| {
                    if part.starts_with("ssl://") || part.starts_with("stomp+ssl://") {
                        format!(
                            "{part:?}: TLS to ActiveMQ is not supported yet; use tcp:// (on a \
                             private network or through a TLS tunnel)"
                        )
                    } else {
                        format!("{part:?} must be tcp://host:port (ActiveMQ's STOMP connector)")
                    }
                })?
                .trim_end_matches('/');
            let valid = address
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid || address.contains(['/', '@', '?']) {
                return Err(format!(
                    "{part:?} must be tcp://host:port, with the port (STOMP's is usually 61613)"
                ));
            }
            out.push(address.to_owned());
        }
        Ok(out)
    }
}

impl BrokerSettings for ActiveMqSettings {
    fn delivery(&self) -> &DeliverySettings {
        &self.delivery
    }

    fn validate(&self, name: &str) -> Result<(), String> {
        self.brokers()
            .map_err(|e| format!("destinations.{name}.url: {e}"))?;
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
        for (url, says) in [
            ("ssl://a:61614", "TLS to ActiveMQ is not supported yet"),
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
    fn credentials_are_checked_and_the_password_is_never_shown() {
        let e = load("url = \"tcp://a:1\"\npassword = \"x\"").unwrap_err();
        assert!(e.contains("destinations.amq.password: set user too"), "{e}");
        let e = load("url = \"tcp://a:1\"\nuser = \"a\\nb\"").unwrap_err();
        assert!(e.contains("destinations.amq.user: must not contain"), "{e}");
        let settings = super::ActiveMqSettings {
            url: "tcp://a:1".to_owned(),
            user: Some("salvage".to_owned()),
            password: Some("hunter2".to_owned()),
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
