//! What a call in flight gets when Salvage stops. While draining (`server.shutdown_grace`), calls
//! finish as usual; once the grace period is over, each one still waiting (for Redis, most
//! likely) is answered UNAVAILABLE at once, instead of being cut off with its connection (which a
//! client sees as CANCELLED or a reset, with no hint of what to do).

use std::future::Future;

use tonic::Status;

use crate::shutdown::ShutdownSignal;

/// The status of a report abandoned at the end of the grace period. Its script may have reached
/// Redis, so the text does not claim that nothing was recorded.
pub(super) fn abandoned() -> Status {
    Status::unavailable(
        "Salvage is shutting down and stopped waiting for this report's outcome: it may or may \
         not have been recorded. Keep the message and report it again (a recorded report is \
         answered DUPLICATE)",
    )
}

/// `work`'s result, or [`abandoned`] if the grace period ends first.
pub(super) async fn unless_abandoned<T>(
    shutdown: &ShutdownSignal,
    work: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    let mut shutdown = shutdown.clone();
    tokio::select! {
        biased;
        result = work => result,
        () = shutdown.abandoned() => Err(abandoned()),
    }
}
