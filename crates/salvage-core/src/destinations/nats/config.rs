//! The settings of a destination with `type = "nats"`. Compiled with or without the `nats`
//! feature: a build without it still reads them, and refuses the destination by name.

use std::{fmt, path::PathBuf};

use salvage_model::redact_url;
use serde::Deserialize;

use crate::{
    destinations::publish::{BrokerSettings, DeliverySettings},
};

/// A NATS JetStream destination: the origin queue is the subject, which a stream must capture.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSettings {
    /// `nats://host:4222` (`tls://` for TLS); several servers separated by commas.
    pub url: String,
    /// User and password, if the server wants them. Never logged.
    #[serde(default)]
    pub user: Option<String>,
    /// See `user`.
    #[serde(default)]
    pub password: Option<String>,
    /// A token, if the server wants one. Never logged.
    #[serde(default)]
    pub token: Option<String>,
    /// A `.creds` file (NATS decentralised auth).
    #[serde(default)]
    pub credentials_file: Option<PathBuf>,
    /// A PEM file of CA certificates to trust for TLS.
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// Refuse to connect without TLS.
    #[serde(default)]
    pub tls_required: bool,
    /// Confirmation timeout, attempts and backoff.
    #[serde(default)]
    pub delivery: DeliverySettings,
}

impl fmt::Debug for NatsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsSettings")
            .field("url", &redact_url(&self.url))
            .field("user", &self.user)
            .field("credentials_file", &self.credentials_file)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("tls_required", &self.tls_required)
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}

impl BrokerSettings for NatsSettings {
    fn delivery(&self) -> &DeliverySettings {
        &self.delivery
    }
}
