//! The operator console: the page where a person inspects, fixes and resends what Salvage
//! parked, served on the admin HTTP port under `console.path`. The page and its assets are
//! embedded in the binary (`assets/`: no CDN, it works on a closed network); it talks to the
//! JSON API in `api.rs`, which works through the parking lot like the gRPC admin API does, so
//! both are audited alike.
//!
//! Security: sign-in with a parking-lot token makes a session (`session.rs`); changes need the
//! operator role, the session's CSRF token and the same origin; every answer carries a
//! Content-Security-Policy without `unsafe-inline`/`unsafe-eval`; the page renders every payload
//! and header as text; sensitive values are masked (`parking/redact.rs`).

mod api;
pub mod config;
mod limit;
mod session;
mod view;

use axum::{
    Json, Router,
    extract::{Path, Request},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::de::DeserializeOwned;
use serde_json::json;

use self::config::ConsoleSettings;
use crate::{
    parking::{ParkingError, ParkingLot, Tokens, watch::Hub},
    shutdown::ShutdownSignal,
    store::StoreError,
};

/// The Content-Security-Policy of every console answer.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; connect-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";

/// The embedded page.
const INDEX: &str = include_str!("assets/index.html");

/// The content type of the page's ES modules.
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// An embedded file of `assets/`, served as `{base}/assets/<name>`.
struct Asset {
    name: &'static str,
    kind: &'static str,
    body: &'static str,
}

/// `embed!("file", kind)`: `assets/file`, compiled in.
macro_rules! embed {
    ($name:literal, $kind:expr) => {
        Asset {
            name: $name,
            kind: $kind,
            body: include_str!(concat!("assets/", $name)),
        }
    };
}

/// The embedded assets: the stylesheet and the page's ES modules. `app.js` is the entry that
/// `index.html` loads; it and the others import each other by relative path (`./api.js`), so
/// every module in `assets/` must be listed here (a test checks it).
const ASSETS: &[Asset] = &[
    embed!("style.css", "text/css; charset=utf-8"),
    embed!("app.js", JAVASCRIPT),
    embed!("actions.js", JAVASCRIPT),
    embed!("api.js", JAVASCRIPT),
    embed!("audit.js", JAVASCRIPT),
    embed!("dialog.js", JAVASCRIPT),
    embed!("dom.js", JAVASCRIPT),
    embed!("editor.js", JAVASCRIPT),
    embed!("format.js", JAVASCRIPT),
    embed!("groups.js", JAVASCRIPT),
    embed!("live.js", JAVASCRIPT),
    embed!("message-list.js", JAVASCRIPT),
    embed!("message.js", JAVASCRIPT),
    embed!("overview.js", JAVASCRIPT),
    embed!("router.js", JAVASCRIPT),
    embed!("runs.js", JAVASCRIPT),
    embed!("search.js", JAVASCRIPT),
    embed!("session.js", JAVASCRIPT),
    embed!("state.js", JAVASCRIPT),
    embed!("status.js", JAVASCRIPT),
];

/// What the console's handlers share.
#[derive(Clone)]
pub struct ConsoleState {
    lot: ParkingLot,
    tokens: Tokens,
    hub: Hub,
    settings: ConsoleSettings,
    shutdown: ShutdownSignal,
    sign_in_limit: std::sync::Arc<limit::SignInLimit>,
}

impl ConsoleState {
    /// Wire the console.
    pub fn new(
        lot: ParkingLot,
        tokens: Tokens,
        hub: Hub,
        settings: ConsoleSettings,
        shutdown: ShutdownSignal,
    ) -> Self {
        Self {
            lot,
            tokens,
            hub,
            sign_in_limit: std::sync::Arc::new(limit::SignInLimit::new(
                settings.sign_in_attempts,
                settings.sign_in_window,
            )),
            settings,
            shutdown,
        }
    }
}

/// The console's routes, under `console.path`.
pub fn router(state: ConsoleState) -> Router {
    let base = state.settings.path.clone();
    let api = Router::new()
        .route(
            "/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/overview", get(api::overview))
        .route("/groups", get(api::groups))
        .route("/messages", get(api::messages))
        .route("/messages/{tid}", get(api::message))
        .route("/messages/{tid}/reveal", post(api::reveal))
        .route("/messages/{tid}/edit", post(api::edit))
        .route("/resubmit", post(api::resubmit))
        .route("/discard", post(api::discard))
        .route("/restore", post(api::restore))
        .route("/runs/{id}", get(api::run))
        .route("/audit", get(api::audit))
        .route("/events", get(api::events))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such API endpoint") });
    let slash = format!("{base}/");
    Router::new()
        .route(
            &base,
            get(move || async move { Redirect::permanent(&slash) }),
        )
        .route(&format!("{base}/"), get(index))
        .route(&format!("{base}/assets/{{file}}"), get(asset))
        .nest(&format!("{base}/api"), api)
        .layer(middleware::from_fn(secure_headers))
        .with_state(state)
}

async fn index() -> Response {
    embedded(INDEX, "text/html; charset=utf-8")
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => embedded(a.body, a.kind),
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}

/// An embedded file, revalidated on each load (it changes with the binary).
fn embedded(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Headers on every console answer: the CSP, no sniffing, no framing, no referrer, and no
/// caching of API answers (they hold payloads).
async fn secure_headers(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().contains("/api/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// An API error: a status and what to fix, answered as `{"error": ...}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

impl From<ParkingError> for ApiError {
    fn from(e: ParkingError) -> Self {
        let status = match &e {
            ParkingError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ParkingError::NotFound(_) => StatusCode::NOT_FOUND,
            ParkingError::Aborted(_) | ParkingError::FailedPrecondition(_) => StatusCode::CONFLICT,
            ParkingError::Store(s) => return s.into(),
        };
        Self::new(status, e.to_string())
    }
}

impl From<&StoreError> for ApiError {
    fn from(e: &StoreError) -> Self {
        tracing::warn!(error = %e, "console: Redis call failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Salvage's Redis did not answer; try again (details in Salvage's log)",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        (&e).into()
    }
}

/// A JSON request body, or a 400 saying what is wrong with it.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("request body: {e}")))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn listed() -> BTreeSet<&'static str> {
        ASSETS.iter().map(|a| a.name).collect()
    }

    /// A module left out of `ASSETS` would answer 404 and break the page at load.
    #[test]
    fn every_file_in_assets_is_served() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console/assets");
        let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "index.html")
            .collect();
        let listed: BTreeSet<String> = listed().into_iter().map(str::to_owned).collect();
        assert_eq!(on_disk, listed);
    }

    /// Every import of a module is relative (`./x.js`, under the assets route) and served.
    #[test]
    fn every_import_names_a_served_module() {
        let listed = listed();
        let mut imported = BTreeSet::new();
        for a in ASSETS.iter().filter(|a| a.kind == JAVASCRIPT) {
            for line in a.body.lines().filter(|l| l.starts_with("import ")) {
                let spec = line.split('\'').nth(1).unwrap_or_default();
                let file = spec
                    .strip_prefix("./")
                    .unwrap_or_else(|| panic!("{}: `{line}` is not a relative import", a.name));
                assert!(listed.contains(file), "{}: `{line}` is not served", a.name);
                imported.insert(file);
            }
        }
        let modules = ASSETS.iter().filter(|a| a.kind == JAVASCRIPT);
        for a in modules.filter(|a| a.name != "app.js") {
            assert!(
                imported.contains(a.name),
                "{} is imported by no module",
                a.name
            );
        }
        assert!(INDEX.contains(r#"<script type="module" src="assets/app.js"></script>"#));
    }
}
