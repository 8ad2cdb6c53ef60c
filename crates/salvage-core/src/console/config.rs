//! `[console]`: the operator console, on the admin port or a listener of its own.

use std::{net::SocketAddr, time::Duration};

use serde::Deserialize;

use crate::tls::ListenerTls;

/// The operator console, served on the admin HTTP port (`admin.addr`) under `path`. Operators
/// sign in with a `parking_lot.tokens` token; its role decides what they may do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleSettings {
    /// Serve the console.
    pub enabled: bool,
    /// Where: `/console` by default; `/` alone is not allowed (it would shadow `/metrics`).
    pub path: String,
    /// A session ends this long after sign-in (the page then asks to sign in again).
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (set it when the console is reached over HTTPS, e.g.
    /// through a TLS-terminating proxy).
    pub secure_cookie: bool,
    /// Sign-in attempts allowed per client address within `sign_in_window`; more get 429 with
    /// `Retry-After`.
    pub sign_in_attempts: u32,
    /// See `sign_in_attempts`.
    #[serde(with = "humantime_serde")]
    pub sign_in_window: Duration,
    /// Live sessions per token; signing in once more ends that token's oldest session.
    pub max_sessions_per_token: u32,
    /// Serve the console on a listener of its own instead of the admin port, so that `/metrics`
    /// can be exposed to Prometheus without exposing the console (port 0: any free port).
    pub addr: Option<SocketAddr>,
    /// With `addr`: serve the console over HTTPS (same shape as `server.tls`).
    pub tls: Option<ListenerTls>,
    /// With `addr`: serve it beyond loopback without TLS anyway (e.g. behind a TLS-terminating
    /// proxy); else start-up refuses.
    pub allow_plaintext: bool,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "/console".to_owned(),
            session_ttl: Duration::from_secs(8 * 3600),
            secure_cookie: false,
            sign_in_attempts: 10,
            sign_in_window: Duration::from_secs(60),
            max_sessions_per_token: 5,
            addr: None,
            tls: None,
            allow_plaintext: false,
        }
    }
}

impl ConsoleSettings {
    /// Its own checks.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let p = &self.path;
        let safe = |c: char| c.is_ascii_alphanumeric() || "/-_.".contains(c);
        if !p.starts_with('/') || p.len() < 2 || p.ends_with('/') || !p.chars().all(safe) {
            return Err(format!(
                "console.path {p:?} must start with '/', not end with one, and hold only letters, \
                 digits, '-', '_', '.' and '/' (e.g. \"/console\")"
            ));
        }
        if ["/metrics", "/healthz", "/readyz"].contains(&p.as_str()) {
            return Err(format!("console.path {p:?} is taken by the admin server"));
        }
        if self.addr.is_none() && (self.tls.is_some() || self.allow_plaintext) {
            return Err(
                "console.tls and console.allow_plaintext apply to console.addr: set it (on the \
                 admin port, the console uses admin.tls and admin.allow_plaintext)"
                    .to_owned(),
            );
        }
        if self.session_ttl.is_zero() || self.sign_in_window.is_zero() {
            return Err(
                "console.session_ttl and console.sign_in_window must be greater than 0".to_owned(),
            );
        }
        if self.sign_in_attempts == 0 || self.max_sessions_per_token == 0 {
            return Err(
                "console.sign_in_attempts and console.max_sessions_per_token must be greater \
                 than 0"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::parse;

    #[test]
    fn console_settings_are_checked() {
        let s = parse("", &[]).unwrap();
        assert!(s.console.enabled);
        assert_eq!(s.console.path, "/console");
        let ok =
            "[console]\npath = \"/ops/console\"\n[parking_lot]\nsensitive = [\"/card/number\"]\n";
        assert_eq!(parse(ok, &[]).unwrap().console.path, "/ops/console");
        for bad in ["/", "console", "/console/", "/metrics", "/a b"] {
            let toml = format!("[console]\npath = {bad:?}\n");
            let e = parse(&toml, &[]).unwrap_err().to_string();
            assert!(e.contains("console.path"), "{bad}: {e}");
            assert!(!e.contains("  "), "no run of spaces: {e}");
        }
        let e = parse("[parking_lot]\nsensitive = [\"card.number\"]\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("JSON Pointer"), "{e}");
        let s = parse("", &[("SALVAGE__CONSOLE__ENABLED", "false")]).unwrap();
        assert!(!s.console.enabled);
    }
}
