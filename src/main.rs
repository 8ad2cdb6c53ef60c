//! The `salvage` command: parse the command line and hand over to `salvage::cli`.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    salvage::cli::run(salvage::cli::Cli::parse()).await
}
