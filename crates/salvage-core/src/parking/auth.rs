//! Who is calling the admin API: bearer tokens, each with a name (the actor in the audit log) and
//! a role. Tokens are compared by their SHA-256, so the configuration may hold only the digest and
//! the lookup does not depend on how much of a secret matches.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::config::{Role, TokenSettings};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// Why a call is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credential, or an unknown one.
    #[error("{0}")]
    Unauthenticated(String),
    /// Known, but the role does not allow the call.
    #[error("{0}")]
    PermissionDenied(String),
}

/// The configured tokens.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_digest: HashMap<[u8; 32], Caller>,
}

impl Tokens {
    /// From the configuration (already validated).
    pub fn new(settings: &[TokenSettings]) -> Self {
        let by_digest = settings
            .iter()
            .filter_map(|t| {
                let digest = match (&t.token, &t.token_sha256) {
                    (Some(tok), _) => Sha256::digest(tok.as_bytes()).into(),
                    (None, Some(hex)) => salvage_model::hex::decode::<32>(hex)?,
                    (None, None) => return None,
                };
                let caller = Caller {
                    name: t.name.clone(),
                    role: t.role,
                };
                Some((digest, caller))
            })
            .collect();
        Self { by_digest }
    }

    /// Check the `authorization` metadata value for a call that needs `needed`.
    pub fn check(&self, authorization: Option<&str>, needed: Role) -> Result<Caller, AuthError> {
        if self.by_digest.is_empty() {
            return Err(AuthError::Unauthenticated(
                "the parking lot API has no tokens configured; add [[parking_lot.tokens]] \
                 (name, role, token or token_sha256) to Salvage's configuration"
                    .to_owned(),
            ));
        }
        let Some(value) = authorization else {
            return Err(AuthError::Unauthenticated(
                "missing credential: send metadata `authorization: Bearer <token>`".to_owned(),
            ));
        };
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                AuthError::Unauthenticated(
                    "the authorization metadata must be `Bearer <token>`".to_owned(),
                )
            })?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let caller = self
            .by_digest
            .get(&digest)
            .ok_or_else(|| AuthError::Unauthenticated("unknown token".to_owned()))?;
        if caller.role < needed {
            return Err(AuthError::PermissionDenied(format!(
                "token {:?} has role {}; this call needs role {}",
                caller.name,
                caller.role.as_str(),
                needed.as_str()
            )));
        }
        Ok(caller.clone())
    }

    /// Who holds the token whose SHA-256 is `digest`, if it is still configured (a console
    /// session remembers its token's digest, so rotating the token ends the session).
    pub fn caller_by_digest(&self, digest: &[u8; 32]) -> Option<&Caller> {
        self.by_digest.get(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        let hex = salvage_model::hex::encode(&Sha256::digest(b"viewer-secret"));
        Tokens::new(&[
            TokenSettings {
                name: "olivia".into(),
                role: Role::Operator,
                token: Some("operator-secret".into()),
                token_sha256: None,
            },
            TokenSettings {
                name: "victor".into(),
                role: Role::Viewer,
                token: None,
                token_sha256: Some(hex),
            },
        ])
    }

    #[test]
    fn roles_and_credentials() {
        let t = tokens();
        let op = t
            .check(Some("Bearer operator-secret"), Role::Operator)
            .unwrap();
        assert_eq!(op.name, "olivia");
        let v = t.check(Some("Bearer viewer-secret"), Role::Viewer).unwrap();
        assert_eq!(v.role, Role::Viewer);
        assert!(matches!(
            t.check(Some("Bearer viewer-secret"), Role::Operator),
            Err(AuthError::PermissionDenied(m)) if m.contains("victor")
        ));
        assert!(matches!(
            t.check(None, Role::Viewer),
            Err(AuthError::Unauthenticated(_))
        ));
        assert!(matches!(
            t.check(Some("Bearer nope"), Role::Viewer),
            Err(AuthError::Unauthenticated(_))
        ));
        assert!(matches!(
            t.check(Some("operator-secret"), Role::Viewer),
            Err(AuthError::Unauthenticated(_))
        ));
        assert!(matches!(
            Tokens::default().check(Some("Bearer x"), Role::Viewer),
            Err(AuthError::Unauthenticated(m)) if m.contains("parking_lot.tokens")
        ));
    }
}
