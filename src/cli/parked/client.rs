//! The connection to the parking lot API: the channel, the bearer token on every call, and
//! gRPC errors turned into plain words with a hint of what to do.

use std::{error::Error as _, time::Duration};

use anyhow::{Context as _, anyhow};
use tonic::{
    Code, Request, Status,
    metadata::{AsciiMetadataValue, MetadataValue},
    transport::{Channel, Endpoint},
};

use crate::proto::v1::parking_lot_client::ParkingLotClient;

/// What every command needs: the client, the token, where Salvage is, and the output mode.
pub(crate) struct Ctx {
    client: ParkingLotClient<Channel>,
    token: Option<AsciiMetadataValue>,
    addr: String,
    /// `--json`: one JSON document on stdout, nothing else there.
    pub(crate) json: bool,
}

impl Ctx {
    /// A lazily connecting client: an unreachable Salvage shows up as UNAVAILABLE on the first
    /// call, which [`Ctx::fail`] explains.
    pub(crate) fn new(addr: &str, token: Option<&str>, json: bool) -> anyhow::Result<Self> {
        let endpoint = Endpoint::from_shared(addr.to_owned())
            .map_err(|e| anyhow!("--addr {addr:?} is not a URL: {e}"))?
            .connect_timeout(Duration::from_secs(5));
        let token = token
            .filter(|t| !t.is_empty())
            .map(|t| MetadataValue::try_from(format!("Bearer {t}")))
            .transpose()
            .context("the token must be printable ASCII")?;
        Ok(Self {
            client: ParkingLotClient::new(endpoint.connect_lazy())
                .max_decoding_message_size(64 * 1024 * 1024),
            token,
            addr: addr.to_owned(),
            json,
        })
    }

    /// The client (cheap to clone: it shares the channel).
    pub(crate) fn client(&self) -> ParkingLotClient<Channel> {
        self.client.clone()
    }

    /// A request carrying the bearer token.
    pub(crate) fn req<T>(&self, message: T) -> Request<T> {
        let mut req = Request::new(message);
        if let Some(token) = &self.token {
            req.metadata_mut().insert("authorization", token.clone());
        }
        req
    }

    /// A gRPC error in plain words, with a hint of what to do about it, and the kind of
    /// failure that decides the exit code.
    pub(crate) fn fail(&self, status: Status) -> anyhow::Error {
        anyhow::Error::new(Failed {
            kind: Failure::of(status.code()),
            words: describe(&self.addr, &status),
        })
    }
}

/// What kind of failure ended a command: each has its own exit code (README, "Commands").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// What was asked for does not exist (NOT_FOUND): exit 3.
    NotFound,
    /// Salvage refused the request (invalid, not allowed, not possible now, a conflict): exit 4.
    Refused,
    /// Salvage could not be reached or did not answer (UNAVAILABLE, DEADLINE_EXCEEDED): exit 5.
    Unreachable,
    /// Anything else: exit 1.
    Other,
}

impl Failure {
    fn of(code: Code) -> Self {
        match code {
            Code::NotFound => Self::NotFound,
            Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::PermissionDenied
            | Code::Unauthenticated
            | Code::Aborted
            | Code::AlreadyExists
            | Code::OutOfRange
            | Code::ResourceExhausted => Self::Refused,
            Code::Unavailable | Code::DeadlineExceeded => Self::Unreachable,
            _ => Self::Other,
        }
    }

    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Other => 1,
            Self::NotFound => 3,
            Self::Refused => 4,
            Self::Unreachable => 5,
        }
    }
}

/// A failed call: its words (shown) and its kind (the exit code).
#[derive(Debug)]
pub struct Failed {
    /// The kind of failure.
    pub kind: Failure,
    words: String,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words)
    }
}

impl std::error::Error for Failed {}

/// The words for a failed call.
fn describe(addr: &str, status: &Status) -> String {
    let msg = status.message();
    match status.code() {
        Code::Unauthenticated => {
            format!("not authenticated: {msg} (set --token or SALVAGE_ADMIN_TOKEN)")
        }
        Code::PermissionDenied => format!(
            "permission denied: {msg} (this token's role is viewer; this needs an operator token)"
        ),
        // A status with a source was made here, by the transport: Salvage never answered.
        Code::Unavailable if status.source().is_some() => {
            let cause = status
                .source()
                .map(|e| innermost(e).to_string())
                .unwrap_or_default();
            format!(
                "cannot reach Salvage at {addr}: {cause} (is Salvage running at {addr} \
                 (parking_lot.addr)?)"
            )
        }
        Code::Unavailable => format!(
            "Salvage is unavailable: {msg} (nothing changed; retry later. Is Salvage running \
             at {addr} (parking_lot.addr)?)"
        ),
        Code::NotFound => format!("not found: {msg}"),
        Code::InvalidArgument => format!("invalid request: {msg}"),
        Code::Aborted => format!("conflict: {msg} (read it again and retry)"),
        Code::FailedPrecondition => format!("not possible now: {msg}"),
        Code::DeadlineExceeded => format!("Salvage did not answer in time: {msg}"),
        code => format!("{code}: {msg}"),
    }
}

/// The deepest cause of an error (the transport's own words are the useful part).
fn innermost<'a>(
    mut e: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    while let Some(next) = e.source() {
        e = next;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_exit_code() {
        for (code, exit) in [
            (Code::NotFound, 3),
            (Code::InvalidArgument, 4),
            (Code::PermissionDenied, 4),
            (Code::Unauthenticated, 4),
            (Code::FailedPrecondition, 4),
            (Code::Aborted, 4),
            (Code::Unavailable, 5),
            (Code::DeadlineExceeded, 5),
            (Code::Internal, 1),
        ] {
            assert_eq!(Failure::of(code).exit_code(), exit, "{code:?}");
        }
    }

    #[test]
    fn codes_come_with_hints() {
        let addr = "http://127.0.0.1:50052";
        let s = describe(addr, &Status::unauthenticated("missing token"));
        assert!(s.contains("SALVAGE_ADMIN_TOKEN"), "{s}");
        let s = describe(addr, &Status::permission_denied("viewer"));
        assert!(s.contains("role is viewer"), "{s}");
        let s = describe(addr, &Status::unavailable("redis down"));
        assert!(s.contains("(parking_lot.addr)"), "{s}");
    }
}
