//! `salvage parked ...`: the command-line client of the parking lot's admin gRPC API
//! (`salvage.v1.ParkingLot`, served on `parking_lot.addr`).
//!
//! People get aligned tables and times as "5m ago"; scripts pass `--json` and get one JSON
//! document on stdout and nothing else there. Bulk changes (resubmit, retriage --apply,
//! discard, restore) first ask Salvage for a dry run, show what would change and ask on stderr
//! before changing anything; a selection with neither ids nor filter flags needs
//! `--all-parked`. Failed calls become `error: <what>` with a hint and a non-zero exit.
//!
//! Map:
//! - [`args`]: the command line (clap), flag groups shared by the commands.
//! - [`client`]: the channel, the bearer token, gRPC errors in plain words.
//! - [`filter`]: filter/selection/redrive flags → protobuf.
//! - [`list`], [`show`], [`edit`], [`bulk`], [`retriage`], [`runs`]: the commands.
//! - [`progress`]: following a run with a progress bar.
//! - [`confirm`]: the yes/no question.
//! - [`render`], [`json`] (and `salvage_rules::jsontext`): output for people and for scripts.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command line: its output is stdout and its errors are stderr"
)]

mod args;
mod bulk;
mod client;
mod confirm;
mod edit;
mod filter;
mod json;
use salvage_rules::jsontext;
mod list;
mod progress;
mod render;
mod retriage;
mod runs;
mod show;

pub use self::{
    args::ParkedArgs,
    client::{Failed, Failure},
};
use self::{args::ParkedCommand, client::Ctx};

/// Run `salvage parked ...`. The error, if any, is meant to be printed as `error: {e:#}`
/// followed by a non-zero exit; it already holds the hint of what to do.
pub async fn run(args: ParkedArgs) -> anyhow::Result<()> {
    let ctx = Ctx::new(&args.addr, args.token.as_deref(), args.json)?;
    match args.command {
        ParkedCommand::List(a) => list::list(&ctx, a).await,
        ParkedCommand::Show { id, reveal } => show::show(&ctx, &id, reveal).await,
        ParkedCommand::Groups(a) => list::groups(&ctx, a).await,
        ParkedCommand::Edit(a) => edit::edit(&ctx, a).await,
        ParkedCommand::Resubmit(a) => bulk::resubmit(&ctx, a).await,
        ParkedCommand::Retriage(a) => retriage::retriage(&ctx, a).await,
        ParkedCommand::Discard(a) => bulk::discard(&ctx, a).await,
        ParkedCommand::Restore(a) => bulk::restore(&ctx, a).await,
        ParkedCommand::Audit(a) => list::audit(&ctx, a).await,
        ParkedCommand::Runs { limit } => runs::list(&ctx, limit).await,
        ParkedCommand::Run { action } => runs::action(&ctx, action).await,
        ParkedCommand::Watch { queue } => runs::watch(&ctx, queue).await,
    }
}
