//! The command line of `salvage parked`: global options, the subcommands and the flag groups
//! they share (filter, selection, redrive).

use std::{path::PathBuf, time::Duration};

use clap::{Args, Subcommand, ValueEnum};

/// `salvage parked`: find, inspect, edit, resubmit and discard the messages Salvage parked,
/// through the parking lot's admin gRPC API (`parking_lot.addr`).
#[derive(Debug, Args)]
pub struct ParkedArgs {
    /// The parking lot API of a running Salvage (`parking_lot.addr`).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "SALVAGE_ADMIN_ADDR",
        default_value = "http://127.0.0.1:50052"
    )]
    pub(crate) addr: String,
    /// Bearer token (one of `parking_lot.tokens`).
    #[arg(
        long,
        global = true,
        env = "SALVAGE_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub(crate) token: Option<String>,
    /// Print one JSON document on stdout instead of tables (`watch`: one object per line).
    #[arg(long, global = true, help_heading = "Global options")]
    pub(crate) json: bool,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: ParkedCommand,
}

/// The subcommands of `salvage parked`.
#[derive(Debug, Subcommand)]
pub(crate) enum ParkedCommand {
    /// Parked (or, with --archived, archived) messages, newest first.
    List(ListArgs),
    /// One parked or archived message, whole.
    Show {
        /// Its tracking id.
        id: String,
        /// Show values at `parking_lot.sensitive` pointers in the clear (operator; audited).
        #[arg(long)]
        reveal: bool,
    },
    /// Failure groups with their counts.
    Groups(GroupsArgs),
    /// Edit a message's payload in $EDITOR (or from a file), checked as JSON before sending.
    Edit(EditArgs),
    /// Send parked messages back to their origin queue.
    Resubmit(ResubmitArgs),
    /// Run the current rules over parked messages: a dry run unless --apply.
    Retriage(RetriageArgs),
    /// Move parked messages to the archive.
    Discard(DiscardArgs),
    /// Bring archived messages back into the parking lot.
    Restore(RestoreArgs),
    /// Operator actions, newest first.
    Audit(AuditArgs),
    /// Bulk runs (resubmits and re-triages), newest first.
    Runs {
        /// At most this many runs.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One run: show, cancel or resume it.
    Run {
        #[command(subcommand)]
        action: RunAction,
    },
    /// Print parking-lot events as they happen, until Ctrl-C.
    Watch {
        /// Only events of this origin queue.
        #[arg(long)]
        queue: Option<String>,
    },
}

/// `salvage parked run ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum RunAction {
    /// A run's progress and counters.
    Show {
        /// The run id.
        run_id: String,
    },
    /// Stop a run after the batch under way (it can be resumed).
    Cancel {
        /// The run id.
        run_id: String,
    },
    /// Go on with a cancelled or automatically stopped run, and follow it.
    Resume {
        /// The run id.
        run_id: String,
        /// Do not follow the run: print its id and return.
        #[arg(long)]
        no_wait: bool,
    },
}

/// Which parked messages (every flag given must match).
#[derive(Debug, Default, Clone, Args)]
pub(crate) struct FilterArgs {
    /// Origin queue, exactly.
    #[arg(long)]
    pub(crate) queue: Option<String>,
    /// Failure group id (see `salvage parked groups`).
    #[arg(long)]
    pub(crate) group: Option<String>,
    /// The consumer's error code, exactly.
    #[arg(long)]
    pub(crate) code: Option<String>,
    /// The event type, exactly.
    #[arg(long)]
    pub(crate) event_type: Option<String>,
    /// Parked at or after: RFC 3339 (2026-11-22T10:00:00Z) or a duration ago (2h, 30m).
    #[arg(long)]
    pub(crate) since: Option<String>,
    /// Parked before: RFC 3339 or a duration ago.
    #[arg(long)]
    pub(crate) until: Option<String>,
    /// The payload contains this text (case-sensitive).
    #[arg(long)]
    pub(crate) text: Option<String>,
    /// A JSON Pointer into the payload, e.g. /customer/id: the payload has a value there.
    #[arg(long)]
    pub(crate) pointer: Option<String>,
    /// With --pointer: the value there equals this (as JSON text or as a plain string).
    #[arg(long, requires = "pointer")]
    pub(crate) value: Option<String>,
    /// Origin destination name, exactly.
    #[arg(long)]
    pub(crate) destination: Option<String>,
}

/// Messages for a bulk operation: tracking ids, or filter flags, or explicitly all of them.
#[derive(Debug, Clone, Args)]
pub(crate) struct SelectionArgs {
    /// Tracking ids.
    pub(crate) ids: Vec<String>,
    #[command(flatten)]
    pub(crate) filter: FilterArgs,
    /// Select every parked message (required when neither ids nor filter flags are given).
    #[arg(long)]
    pub(crate) all_parked: bool,
}

/// Safe redrive: how fast, with a canary, and when to stop by itself.
#[derive(Debug, Clone, Args)]
pub(crate) struct RedriveArgs {
    /// At most this many messages per second (default: as fast as Salvage can).
    #[arg(long)]
    pub(crate) rate: Option<f64>,
    /// Resubmit this many first, wait --canary-wait for their fate, then the rest.
    #[arg(long)]
    pub(crate) canary: Option<u32>,
    /// How long to wait after the canary (default 30s).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub(crate) canary_wait: Option<Duration>,
    /// Stop by itself once this share of the resubmitted messages failed again (default 0.2).
    #[arg(long)]
    pub(crate) stop_ratio: Option<f64>,
    /// ... and at least this many of them (default 3).
    #[arg(long)]
    pub(crate) stop_min: Option<u32>,
    /// Never stop by itself.
    #[arg(long)]
    pub(crate) no_auto_stop: bool,
}

/// `salvage parked list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) filter: FilterArgs,
    /// At most this many messages (the page size; at most 1000).
    #[arg(long, default_value_t = 50)]
    pub(crate) limit: u32,
    /// Go on from this page token (printed after a full page).
    #[arg(long)]
    pub(crate) page_token: Option<String>,
    /// Follow the pages to the end.
    #[arg(long)]
    pub(crate) all: bool,
    /// List archived (discarded) messages instead.
    #[arg(long)]
    pub(crate) archived: bool,
}

/// How `groups` sorts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum GroupSort {
    /// Most messages first.
    Count,
    /// Most recently parked first.
    Recent,
}

/// `salvage parked groups`.
#[derive(Debug, Args)]
pub(crate) struct GroupsArgs {
    /// Sort order.
    #[arg(long, value_enum, default_value_t = GroupSort::Count)]
    pub(crate) sort: GroupSort,
    /// Only groups of this origin queue.
    #[arg(long)]
    pub(crate) queue: Option<String>,
    /// At most this many groups.
    #[arg(long, default_value_t = 100)]
    pub(crate) limit: u32,
}

/// `salvage parked edit`.
#[derive(Debug, Args)]
pub(crate) struct EditArgs {
    /// The message's tracking id.
    pub(crate) id: String,
    /// Take the new payload from this file instead of opening $EDITOR.
    #[arg(long)]
    pub(crate) payload_file: Option<PathBuf>,
    /// Why (kept in the audit log).
    #[arg(long)]
    pub(crate) comment: Option<String>,
}

/// `salvage parked resubmit`.
#[derive(Debug, Args)]
pub(crate) struct ResubmitArgs {
    #[command(flatten)]
    pub(crate) selection: SelectionArgs,
    #[command(flatten)]
    pub(crate) redrive: RedriveArgs,
    /// Why (kept in the audit log).
    #[arg(long)]
    pub(crate) comment: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub(crate) yes: bool,
    /// Do not follow a run that goes on in the background: print its id and return.
    #[arg(long)]
    pub(crate) no_wait: bool,
}

/// `salvage parked retriage`.
#[derive(Debug, Args)]
pub(crate) struct RetriageArgs {
    #[command(flatten)]
    pub(crate) selection: SelectionArgs,
    /// Resubmit the messages a rule repairs (after showing the dry run and confirming).
    #[arg(long)]
    pub(crate) apply: bool,
    /// Before/after samples per failure group (at most 10).
    #[arg(long, default_value_t = 1)]
    pub(crate) samples: u32,
    #[command(flatten)]
    pub(crate) redrive: RedriveArgs,
    /// Why (kept in the audit log).
    #[arg(long)]
    pub(crate) comment: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub(crate) yes: bool,
    /// Do not follow a run that goes on in the background: print its id and return.
    #[arg(long)]
    pub(crate) no_wait: bool,
}

/// `salvage parked discard`.
#[derive(Debug, Args)]
pub(crate) struct DiscardArgs {
    #[command(flatten)]
    pub(crate) selection: SelectionArgs,
    /// Why (required; kept with the archived messages and in the audit log).
    #[arg(long)]
    pub(crate) reason: String,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub(crate) yes: bool,
}

/// `salvage parked restore`.
#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    #[command(flatten)]
    pub(crate) selection: SelectionArgs,
    /// Why (kept in the audit log).
    #[arg(long)]
    pub(crate) comment: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub(crate) yes: bool,
}

/// `salvage parked audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// Only this actor's actions (a token name).
    #[arg(long)]
    pub(crate) actor: Option<String>,
    /// Only actions touching this message (tracking id).
    #[arg(long)]
    pub(crate) id: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 50)]
    pub(crate) limit: u32,
    /// Go on from this page token.
    #[arg(long)]
    pub(crate) page_token: Option<String>,
}
