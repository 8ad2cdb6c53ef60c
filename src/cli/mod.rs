//! The command line: `serve`, `check`, `dev`, `loadgen`, and `parked` (the parking lot's admin
//! client, in `parked/`). Errors are printed with their whole chain and turn into a non-zero exit
//! code.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command line: its output is stdout and its errors are stderr"
)]

pub mod parked;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::{
    config::{Settings, TelemetrySettings},
    dev::DevArgs,
    loadgen::LoadgenArgs,
    startup::{Application, load_rules},
    telemetry,
};

/// Salvage: repair, requeue, retry or park failed event messages.
#[derive(Debug, Parser)]
#[command(name = "salvage", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run Salvage with a configuration file.
    Serve {
        /// The configuration file (TOML); `SALVAGE__SECTION__KEY` variables override it.
        #[arg(long, short, env = "SALVAGE_CONFIG", default_value = "salvage.toml")]
        config: PathBuf,
    },
    /// Check a configuration and its rules file, and run the rules' embedded tests.
    Check {
        /// The configuration file.
        #[arg(long, short, env = "SALVAGE_CONFIG", default_value = "salvage.toml")]
        config: PathBuf,
        /// Check this rules file instead of the one the configuration names.
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Run Salvage locally against a private redis-server (started from PATH in a temporary
    /// folder) with the example rules.
    Dev(DevArgs),
    /// Drive load at a running Salvage and print throughput and latency.
    Loadgen(LoadgenArgs),
    /// Find, inspect, edit, resubmit, discard and restore parked messages (talks to the parking
    /// lot API of a running Salvage).
    Parked(Box<parked::ParkedArgs>),
}

/// Run a parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    exit_quietly_on_a_closed_stdout();
    let result = match cli.command {
        Command::Serve { config } => serve(config).await,
        Command::Check { config, rules } => check(config, rules),
        Command::Dev(args) => {
            let _guard = telemetry::init(&TelemetrySettings::default());
            crate::dev::run(args).await
        }
        Command::Loadgen(args) => crate::loadgen::run(args).await.map(|_| ()),
        Command::Parked(args) => parked::run(*args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The exit code of a failed command: 3 not found, 4 refused, 5 Salvage unreachable, 1 anything
/// else (2 is clap's, for a command line it cannot parse). Documented in the README, "Commands".
fn exit_code(e: &anyhow::Error) -> u8 {
    e.chain()
        .find_map(|cause| cause.downcast_ref::<parked::Failed>())
        .map_or(1, |f| f.kind.exit_code())
}

/// Output piped into a program that stops reading (`salvage parked list | head`) ends the
/// command quietly with success, as other Unix tools do, instead of panicking on the closed pipe
/// (`println!` panics with "failed printing to stdout: Broken pipe"; Rust ignores SIGPIPE).
fn exit_quietly_on_a_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

async fn serve(config: PathBuf) -> anyhow::Result<()> {
    let settings = Settings::load(&config)?;
    let _guard = telemetry::init(&settings.telemetry);
    let app = Application::build(settings).await?;
    app.run_until_signal().await
}

fn check(config: PathBuf, rules: Option<PathBuf>) -> anyhow::Result<()> {
    let settings = Settings::load(&config)?;
    println!("{}: configuration is valid", config.display());
    println!(
        "redis: {}, state in {} bucket(s)",
        settings.redis.topology(),
        settings.redis.bucket_count()
    );
    let path = rules.unwrap_or(settings.rules.path);
    let loaded = load_rules(&path)?;
    let rules = &loaded.set;
    println!("{}: {} rules are valid", path.display(), rules.len());
    let schemas: Vec<&str> = rules.schema_files().collect();
    if !schemas.is_empty() {
        println!(
            "{} schema file(s) are valid: {}",
            schemas.len(),
            schemas.join(", ")
        );
    }
    println!("rules version: {}", loaded.version);
    for name in rules.untested_rules() {
        println!("warning: rule `{name}` has no [[test]] naming it");
    }
    let outcomes = rules.run_tests();
    let failed: Vec<_> = outcomes.iter().filter(|t| !t.passed).collect();
    for t in &failed {
        println!(
            "FAIL {}:{}: {}: {}",
            path.display(),
            t.line,
            t.name,
            t.failure.as_deref().unwrap_or("failed")
        );
    }
    println!(
        "rule tests: {} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        anyhow::bail!("{} rule test(s) failed in {}", failed.len(), path.display());
    }
    Ok(())
}
