//! The `salvage` command: parse the command line and hand over to `salvage::cli`.

use clap::Parser;

// Salvage allocates small buffers per report at a high rate; mimalloc handles that with a
// fraction of glibc malloc's CPU time (measured with `bench/run.sh`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    salvage::cli::run(salvage::cli::Cli::parse()).await
}
