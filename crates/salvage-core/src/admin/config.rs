//! `[admin]`: the admin HTTP server (`/metrics`, `/healthz`, `/readyz`, the console).

use std::{net::SocketAddr, time::Duration};

use serde::Deserialize;

use crate::tls::ListenerTls;

/// The admin HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Serve HTTPS (with `client_ca_file`: clients must present a certificate).
    pub tls: Option<ListenerTls>,
    /// Serve the console beyond loopback without TLS anyway (tokens and session cookies then
    /// cross the network in the clear; only behind a TLS-terminating proxy).
    pub allow_plaintext: bool,
    /// A request's headers must arrive within this, counted from when the connection is ready
    /// for a request (opened, or its previous answer sent): it also closes idle connections.
    #[serde(with = "humantime_serde")]
    pub header_timeout: Duration,
    /// A request's body must arrive in full within this (then 408).
    #[serde(with = "humantime_serde")]
    pub body_timeout: Duration,
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 9464)),
            tls: None,
            allow_plaintext: false,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

impl AdminSettings {
    /// Its own checks (TLS beyond loopback is checked by `Settings`, as it depends on the console).
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.header_timeout.is_zero() || self.body_timeout.is_zero() {
            return Err(
                "admin.header_timeout and admin.body_timeout must be greater than 0".to_owned(),
            );
        }
        Ok(())
    }
}
