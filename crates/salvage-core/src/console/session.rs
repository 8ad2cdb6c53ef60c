//! Signing in to the console, and who each request comes from. A session is made by a
//! `parking_lot.tokens` token and lives in Redis (`<prefix>:console:session:<digest>`), named by
//! an unguessable cookie (`HttpOnly`, `SameSite=Strict`, scoped to the console's path). Every
//! change must also carry the session's CSRF token in `X-Salvage-CSRF` and, when the browser
//! sends an `Origin`, come from the console's own host, so a page elsewhere cannot make a
//! signed-in browser change anything.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ApiError, ConsoleState, parse_json};
use crate::parking::{Caller, auth::AuthError, config::Role};

/// The session cookie's name.
pub(super) const COOKIE: &str = "salvage_console";
/// The header that carries the CSRF token.
pub(super) const CSRF_HEADER: &str = "x-salvage-csrf";

/// A signed-in operator.
#[derive(Debug, Clone)]
pub(super) struct Session {
    /// Who, with their role.
    pub caller: Caller,
    /// The CSRF token of the session.
    csrf: String,
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// To read: any signed-in role.
    Read,
    /// To change: an operator, with the CSRF token.
    Change,
}

#[derive(Debug, Serialize)]
struct Me {
    name: String,
    role: &'static str,
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct SignIn {
    token: String,
}

impl ConsoleState {
    /// The session of `headers`, checked for `need`.
    pub(super) async fn session(
        &self,
        headers: &HeaderMap,
        need: Need,
    ) -> Result<Session, ApiError> {
        let Some(id) = cookie(headers) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "not signed in: sign in with an admin token",
            ));
        };
        let fields = self.lot.store().session_get(&digest(id)).await?;
        let Some(token) = fields.get("token") else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "the session has ended: sign in again",
            ));
        };
        // Who the token is now: a token removed or rotated ends its sessions, and a changed
        // role applies at once.
        let Some(caller) =
            salvage_model::hex::decode::<32>(token).and_then(|d| self.tokens.caller_by_digest(&d))
        else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "the token of this session is no longer configured: sign in again",
            ));
        };
        let session = Session {
            caller: caller.clone(),
            csrf: fields.get("csrf").cloned().unwrap_or_default(),
        };
        if need == Need::Change {
            check_change(headers, &session)?;
        }
        Ok(session)
    }
}

/// A change needs the operator role, the session's CSRF token, and (when the browser says where
/// the request comes from) this very host.
fn check_change(headers: &HeaderMap, session: &Session) -> Result<(), ApiError> {
    check_csrf(headers, session)?;
    check_origin(headers, "change")?;
    if session.caller.role < Role::Operator {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "{} is a viewer: changes need the operator role",
                session.caller.name
            ),
        ));
    }
    Ok(())
}

/// The request carries the session's CSRF token.
fn check_csrf(headers: &HeaderMap, session: &Session) -> Result<(), ApiError> {
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if session.csrf.is_empty() || !same(sent.as_bytes(), session.csrf.as_bytes()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "missing or wrong CSRF token: changes must come from the console page",
        ));
    }
    Ok(())
}

/// When the browser names the page a request comes from (`Origin`), it is this very host.
fn check_origin(headers: &HeaderMap, what: &str) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
    if origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "cross-origin {what} refused: the page is at {origin:?} but the request is for \
                 host {host:?} (behind a proxy, keep the Host header)"
            ),
        ));
    }
    Ok(())
}

/// `GET /api/session`: who is signed in.
pub(super) async fn current(State(s): State<ConsoleState>, headers: HeaderMap) -> Response {
    match s.session(&headers, Need::Read).await {
        Ok(session) => Json(me(&session)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /api/session`: sign in with a token (at most `console.sign_in_attempts` per client
/// address per `console.sign_in_window`, else 429 with `Retry-After`).
pub(super) async fn sign_in(
    State(s): State<ConsoleState>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(ConnectInfo(peer)) = extensions.get::<ConnectInfo<SocketAddr>>()
        && let Err(wait) = s
            .sign_in_limit
            .attempt(peer.ip(), std::time::Instant::now())
    {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::warn!(client = %peer.ip(), "console sign-in refused: too many attempts");
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many sign-in attempts from this address: try again in {secs} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        return response;
    }
    let result = async {
        let req: SignIn = parse_json(&body)?;
        let caller = s
            .tokens
            .check(Some(&format!("Bearer {}", req.token.trim())), Role::Viewer)
            .map_err(|e| match e {
                AuthError::Unauthenticated(m) | AuthError::PermissionDenied(m) => {
                    ApiError::new(StatusCode::UNAUTHORIZED, format!("sign-in refused: {m}"))
                }
            })?;
        // A sign-in form posted from elsewhere must not fix a session in this browser.
        check_origin(&headers, "sign-in")?;
        let id = random_token();
        let token_digest = digest(req.token.trim());
        let session = Session {
            caller,
            csrf: random_token(),
        };
        let now = s.lot.now_ms();
        let ended = s
            .lot
            .store()
            .session_put(
                &digest(&id),
                &[
                    ("token", token_digest.clone()),
                    ("name", session.caller.name.clone()),
                    ("role", session.caller.role.as_str().to_owned()),
                    ("csrf", session.csrf.clone()),
                    ("created", now.to_string()),
                ],
                s.settings.session_ttl,
                &token_digest,
                s.settings.max_sessions_per_token,
                now,
            )
            .await?;
        tracing::info!(actor = %session.caller.name, ended_oldest_sessions = ended, "console sign-in");
        Ok::<_, ApiError>((id, session))
    }
    .await;
    match result {
        Ok((id, session)) => {
            // A browser-session cookie: the session itself ends in Redis
            // `console.session_ttl` after sign-in.
            with_cookie(Json(me(&session)).into_response(), &s, &id, "")
        }
        Err(e) => e.into_response(),
    }
}

/// `DELETE /api/session`: sign out (needs the CSRF token, so another page cannot sign one out).
pub(super) async fn sign_out(State(s): State<ConsoleState>, headers: HeaderMap) -> Response {
    let result = async {
        let session = s.session(&headers, Need::Read).await?;
        check_csrf(&headers, &session)?;
        if let Some(id) = cookie(&headers) {
            s.lot.store().session_delete(&digest(id)).await?;
        }
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => with_cookie(
            StatusCode::NO_CONTENT.into_response(),
            &s,
            "",
            "; Max-Age=0",
        ),
        Err(e) => e.into_response(),
    }
}

/// `response` setting the session cookie to `value` (`HttpOnly`, `SameSite=Strict`, scoped to
/// the console's path, `Secure` when configured), with `extra` attributes.
fn with_cookie(mut response: Response, s: &ConsoleState, value: &str, extra: &str) -> Response {
    let secure = if s.settings.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={value}; Path={}; HttpOnly; SameSite=Strict{secure}{extra}",
        s.settings.path
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

fn me(session: &Session) -> Me {
    Me {
        name: session.caller.name.clone(),
        role: session.caller.role.as_str(),
        csrf: session.csrf.clone(),
    }
}

/// The session cookie's value, if the request has one.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

/// 244 random bits, hex.
fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn digest(id: &str) -> String {
    Sha256::digest(id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; salvage_console=abc; b=2"),
        );
        assert_eq!(cookie(&h), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("salvage_console="));
        assert_eq!(cookie(&h), None);
    }

    #[test]
    fn changes_need_csrf_same_origin_and_operator() {
        let operator = Session {
            caller: Caller {
                name: "olivia".to_owned(),
                role: Role::Operator,
            },
            csrf: "t0k".to_owned(),
        };
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9464"));
        assert!(check_change(&h, &operator).is_err(), "no CSRF token");
        h.insert(CSRF_HEADER, HeaderValue::from_static("t0x"));
        assert!(check_change(&h, &operator).is_err(), "wrong CSRF token");
        h.insert(CSRF_HEADER, HeaderValue::from_static("t0k"));
        assert!(check_change(&h, &operator).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(check_change(&h, &operator).is_err(), "another origin");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:9464"),
        );
        assert!(check_change(&h, &operator).is_ok());
        let viewer = Session {
            caller: Caller {
                name: "victor".to_owned(),
                role: Role::Viewer,
            },
            ..operator
        };
        let e = check_change(&h, &viewer).unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
    }
}
