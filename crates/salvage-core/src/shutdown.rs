//! One shutdown signal for the whole application, in two phases. `Shutdown::trigger` starts a
//! graceful stop (draining): the gRPC servers stop accepting and finish the calls in flight,
//! `/readyz` answers 503, the relay finishes its batch. If calls are still in flight when
//! `server.shutdown_grace` ends (Redis too slow to answer them), `Shutdown::abandon` makes each
//! answer UNAVAILABLE at once (`api/drain.rs`), so every caller gets a status that says what to
//! do rather than a dropped connection; then everything returns.

use std::time::Duration;

use tokio::sync::watch;

/// How long, after abandoning the calls in flight, the gRPC server may take to write their
/// answers and close its connections before they are cut.
pub const ABANDONED_ANSWER_WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Running,
    Draining,
    Abandoning,
}

/// The sending side: trigger the stop.
#[derive(Debug, Clone)]
pub struct Shutdown {
    tx: watch::Sender<Phase>,
}

/// A receiving side: await the stop.
#[derive(Debug, Clone)]
pub struct ShutdownSignal {
    rx: watch::Receiver<Phase>,
}

impl Shutdown {
    /// A new, untriggered signal.
    pub fn new() -> Self {
        let (tx, _) = watch::channel(Phase::Running);
        Self { tx }
    }

    /// Start the stop (idempotent).
    pub fn trigger(&self) {
        self.tx.send_if_modified(|phase| {
            let changed = *phase == Phase::Running;
            if changed {
                *phase = Phase::Draining;
            }
            changed
        });
    }

    /// The grace period is over: calls still in flight answer UNAVAILABLE now (implies
    /// [`Shutdown::trigger`]).
    pub fn abandon(&self) {
        self.tx.send_replace(Phase::Abandoning);
    }

    /// A receiver to await the stop.
    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal {
            rx: self.tx.subscribe(),
        }
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl ShutdownSignal {
    /// Completes once the stop was triggered (at once if it already was, or if the sender is
    /// gone).
    pub async fn recv(&mut self) {
        let _ = self.rx.wait_for(|phase| *phase >= Phase::Draining).await;
    }

    /// Completes once the grace period is over and calls in flight are to be abandoned. Never,
    /// if the sender is gone without abandoning: nothing is left to decide that.
    pub async fn abandoned(&mut self) {
        if self
            .rx
            .wait_for(|phase| *phase == Phase::Abandoning)
            .await
            .is_err()
        {
            std::future::pending::<()>().await;
        }
    }

    /// Whether the stop was triggered.
    pub fn is_triggered(&self) -> bool {
        *self.rx.borrow() >= Phase::Draining
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn os_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn abandon_implies_the_stop_and_trigger_does_not_abandon() {
        let shutdown = Shutdown::new();
        let mut signal = shutdown.signal();
        assert!(!signal.is_triggered());
        shutdown.trigger();
        signal.recv().await;
        assert!(signal.is_triggered());
        let mut waiting = signal.clone();
        let abandoned = tokio::spawn(async move { waiting.abandoned().await });
        tokio::task::yield_now().await;
        assert!(!abandoned.is_finished(), "trigger alone does not abandon");
        shutdown.abandon();
        assert!(
            abandoned.await.is_ok(),
            "the waiting task ends once abandoned"
        );
        shutdown.trigger();
        assert!(
            signal.is_triggered(),
            "a later trigger does not undo the abandon"
        );
        signal.abandoned().await;
    }
}
