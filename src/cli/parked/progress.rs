//! Following a run: poll GetRun, draw a progress bar on stderr (redrawn in place on a terminal,
//! a line every few seconds otherwise), and turn the final state into the exit status.

use std::{
    collections::VecDeque,
    io::{IsTerminal as _, Write as _},
    time::{Duration, Instant},
};

use anyhow::anyhow;

use super::{
    client::Ctx,
    render::{absolute, count, or_dash, when},
};
use crate::proto::v1::{self as pb, run::State};

const POLL: Duration = Duration::from_millis(300);
/// Without a terminal, one progress line this often.
const LOG_EVERY: Duration = Duration::from_secs(3);
const BAR_WIDTH: usize = 20;
/// The rate shown is over about this long.
const RATE_WINDOW: Duration = Duration::from_secs(3);

/// Whether a run is over (completed, with or without delivery failures, cancelled or stopped
/// by itself). A run still delivering is followed until its broker confirmed every copy.
pub(crate) fn is_final(run: &pb::Run) -> bool {
    matches!(
        run.state(),
        State::Completed | State::CompletedWithFailures | State::Cancelled | State::Stopped
    )
}

/// Poll the run until it is over, showing its progress on stderr; Ctrl-C stops following (the
/// run goes on in Salvage).
pub(crate) async fn follow(ctx: &Ctx, mut run: pb::Run) -> anyhow::Result<pb::Run> {
    let tty = std::io::stderr().is_terminal();
    // (when, done) over the last few seconds: the rate shown is the recent one, not the average
    // since the start (which a canary wait would drag down).
    let mut window: VecDeque<(Instant, u64)> = VecDeque::from([(Instant::now(), run.done)]);
    let mut last_line = Instant::now();
    let mut last_state = run.state;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    draw(&run, None, tty);
    while !is_final(&run) {
        tokio::select! {
            _ = &mut ctrl_c => {
                if tty {
                    eprintln!();
                }
                return Err(anyhow!(
                    "stopped following; run {id} goes on in Salvage (`salvage parked run show \
                     {id}` to see it, `salvage parked run cancel {id}` to stop it)",
                    id = run.run_id
                ));
            }
            () = tokio::time::sleep(POLL) => {}
        }
        let req = pb::GetRunRequest {
            run_id: run.run_id.clone(),
        };
        run = ctx
            .client()
            .get_run(ctx.req(req))
            .await
            .map_err(|s| {
                anyhow!(
                    "{} (run {id} goes on in Salvage: `salvage parked run show {id}`)",
                    ctx.fail(s),
                    id = run.run_id
                )
            })?
            .into_inner();
        let now = Instant::now();
        window.push_back((now, run.done));
        while window.len() > 2 && now.duration_since(window[1].0) >= RATE_WINDOW {
            window.pop_front();
        }
        let rate = window.front().and_then(|&(then, done)| {
            let span = now.duration_since(then);
            (span >= Duration::from_secs(1))
                .then(|| run.done.saturating_sub(done) as f64 / span.as_secs_f64())
        });
        // Without a terminal: a line every few seconds, and one whenever the state changes.
        let changed = run.state != last_state;
        last_state = run.state;
        if tty || changed || last_line.elapsed() >= LOG_EVERY {
            draw(&run, rate, tty);
            last_line = Instant::now();
        }
    }
    if tty {
        eprintln!();
    }
    Ok(run)
}

fn draw(run: &pb::Run, rate: Option<f64>, tty: bool) {
    let line = bar(run, rate);
    let mut err = std::io::stderr().lock();
    // \x1b[K clears what a longer previous line left behind.
    let _ = if tty {
        write!(err, "\r{line}\x1b[K")
    } else {
        writeln!(err, "{line}")
    };
    let _ = err.flush();
}

/// `[#####.....] 512/10000 resubmitted 510 skipped 2 failed again 0  1,200/s`.
pub(crate) fn bar(run: &pb::Run, rate: Option<f64>) -> String {
    let filled = (run.done.min(run.total) * BAR_WIDTH as u64)
        .checked_div(run.total)
        .map_or(BAR_WIDTH, |f| usize::try_from(f).unwrap_or(BAR_WIDTH));
    let mut line = format!(
        "[{}{}] {}/{} resubmitted {} skipped {} failed again {}",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        count(run.done),
        count(run.total),
        count(run.resubmitted),
        count(run.skipped),
        count(run.failed_again),
    );
    if let Some(rate) = rate {
        // Rounded to a whole number of messages per second; never negative.
        line.push_str(&format!("  {}/s", count(rate.max(0.0).round() as u64)));
    }
    match run.state() {
        State::CanaryWait => line.push_str("  canary sent, waiting"),
        State::Running | State::Unspecified => {}
        s => line.push_str(&format!("  {}", s.as_str_name())),
    }
    line
}

/// One line on the run: "run ID COMPLETED: 3/3, resubmitted 3, skipped 0, failed again 0,
/// delivered 3, delivery failed 0".
pub(crate) fn summary(run: &pb::Run) -> String {
    let mut line = format!(
        "run {} {}: {}/{}, resubmitted {}, skipped {}, failed again {}, delivered {}, \
         delivery failed {}",
        run.run_id,
        run.state().as_str_name(),
        count(run.done),
        count(run.total),
        count(run.resubmitted),
        count(run.skipped),
        count(run.failed_again),
        count(run.delivered),
        count(run.delivery_failed),
    );
    if !run.stop_reason.is_empty() {
        line.push_str(&format!(" ({})", run.stop_reason));
    }
    line
}

/// The run in detail, one field per line.
pub(crate) fn details(run: &pb::Run) -> String {
    let mut out = String::new();
    let mut field = |k: &str, v: String| out.push_str(&format!("{k:<14}{v}\n"));
    field("run id", run.run_id.clone());
    field("kind", run.kind().as_str_name().to_lowercase());
    field("state", run.state().as_str_name().to_owned());
    field("progress", bar(run, None));
    field(
        "delivery",
        format!(
            "{} delivered, {} failed and parked again",
            count(run.delivered),
            count(run.delivery_failed)
        ),
    );
    field("stop reason", or_dash(&run.stop_reason));
    field("created by", or_dash(&run.created_by));
    field(
        "created",
        format!(
            "{} ({})",
            absolute(run.created_at.as_ref()),
            when(run.created_at.as_ref())
        ),
    );
    field("updated", when(run.updated_at.as_ref()));
    if let Some(o) = &run.options {
        let mut opts = Vec::new();
        if o.rate_per_second > 0.0 {
            opts.push(format!("rate {}/s", o.rate_per_second));
        }
        if o.canary > 0 {
            opts.push(format!("canary {}", o.canary));
        }
        if o.disable_auto_stop {
            opts.push("no auto-stop".to_owned());
        }
        if !opts.is_empty() {
            field("options", opts.join(", "));
        }
    }
    field("comment", or_dash(&run.comment));
    out
}

/// The exit status a run's end calls for: an error when it did not complete.
pub(crate) fn outcome(run: &pb::Run) -> anyhow::Result<()> {
    let id = &run.run_id;
    match run.state() {
        State::Stopped => Err(anyhow!(
            "run {id} stopped by itself: {}. Look at why the resubmitted messages fail again, \
             then resume it with `salvage parked run resume {id}`",
            or_dash(&run.stop_reason)
        )),
        State::Cancelled => Err(anyhow!(
            "run {id} was cancelled; resume it with `salvage parked run resume {id}`"
        )),
        State::CompletedWithFailures => Err(anyhow!(
            "run {id} completed, but {} resubmitted messages could not be delivered and are \
             parked again: see `salvage parked list` for why",
            count(run.delivery_failed)
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_shows_counts_and_rate() {
        let run = pb::Run {
            run_id: "r".into(),
            state: State::Running.into(),
            total: 10_000,
            done: 512,
            resubmitted: 510,
            skipped: 2,
            ..Default::default()
        };
        assert_eq!(
            bar(&run, Some(1200.4)),
            "[#...................] 512/10,000 resubmitted 510 skipped 2 failed again 0  1,200/s"
        );
        let stopped = pb::Run {
            state: State::Stopped.into(),
            stop_reason: "3 of 10 failed again".into(),
            ..run
        };
        let err = outcome(&stopped).unwrap_err().to_string();
        assert!(err.contains("salvage parked run resume r"), "{err}");
    }
}
