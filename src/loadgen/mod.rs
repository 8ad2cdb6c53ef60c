//! `salvage loadgen`: a load generator that plays many consumers reporting realistic failures
//! to a running Salvage, and measures what it gets back.
//!
//! - [`traffic`] / [`payloads`]: the mix of failures and the reports built for each (matching
//!   the example rules, so the run exercises repair, retry and park).
//! - [`pace`]: the run's phases (warmup, measured, drain) and each worker's send schedule
//!   (closed loop, or open loop at `--rate` with coordinated omission counted).
//! - [`unary`] / [`stream`]: the workers, one `Report` call at a time, or a `ReportStream` with
//!   a window of requests in flight.
//! - [`stats`] / [`report`]: per-worker counts and latency histograms, merged into a
//!   [`Summary`] and printed as a table or one JSON line.
//! - [`landed`]: optionally, that requeued messages really arrive on the origin streams.
//!
//! Workers never share mutable state: each owns its client (over one of `--connections` shared
//! HTTP/2 channels), generator, schedule and recorder, and hands the recorder back at the end.

mod landed;
mod pace;
mod payloads;
mod report;
mod stats;
mod stream;
#[cfg(test)]
mod tests;
mod traffic;
mod unary;

use std::{sync::Arc, time::Duration};

use anyhow::{Context as _, bail};
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};

use self::{
    landed::Streams,
    pace::{Pacer, Plan},
    report::Setup,
    stats::Recorder,
    traffic::{Generator, Traffic},
};
pub use self::{stats::Summary, traffic::Mix};

/// How long to wait for answers still owed after the end of the run (and the timeout of one
/// unary call), before counting them as `DEADLINE_EXCEEDED`.
const DRAIN: Duration = Duration::from_secs(30);
/// How long to wait for each gRPC connection to be established.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait, after the run, for requeued messages to land on the origin streams.
const LANDING_WAIT: Duration = Duration::from_secs(10);
/// Default upper bound on `--connections`.
const DEFAULT_MAX_CONNECTIONS: u32 = 4;

/// How workers call Salvage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Each worker makes one `Report` call at a time.
    Unary,
    /// Each worker keeps a `ReportStream` open with up to `--window` requests in flight.
    Stream,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Unary => "unary",
            Mode::Stream => "stream",
        }
    }
}

/// Send realistic failure reports to a running Salvage and measure throughput and latency.
#[derive(Debug, clap::Args)]
pub struct LoadgenArgs {
    /// Salvage's gRPC address.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub addr: String,

    /// How to call Salvage.
    #[arg(long, value_enum, default_value_t = Mode::Unary)]
    pub mode: Mode,

    /// Number of workers: concurrent unary calls, or open streams.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,

    /// Stream mode: requests in flight per stream.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub window: u32,

    /// Send at this many reports per second in total (open loop; latency counts from each
    /// request's intended send time). Without it, workers send as fast as answers come back.
    #[arg(long)]
    pub rate: Option<f64>,

    /// How long to measure, e.g. `30s` or `2m`.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub duration: Duration,

    /// How long to send before measuring (not counted).
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    pub warmup: Duration,

    /// Relative weights of the failure kinds: `requeue` (a string total coerced, requeued),
    /// `retry` (scheduled for a retry), `park` (parked), `missing` (an order without
    /// `customer.email`, filled in by a `default` rule and requeued).
    #[arg(long, default_value = "requeue=70,retry=10,park=20")]
    pub mix: Mix,

    /// Approximate size of each message payload, in bytes.
    #[arg(long, default_value_t = 600)]
    pub payload_bytes: usize,

    /// Spread the parked messages (`park` in `--mix`) evenly over this many failure groups
    /// (their error messages name one of this many screening lists).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub park_groups: u64,

    /// Size of each report's `failure.detail` (a stack trace), in bytes.
    #[arg(long, default_value_t = 0)]
    pub detail_bytes: usize,

    /// Number of HTTP/2 connections the workers are spread over [default: concurrency, at
    /// most 4].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub connections: Option<u32>,

    /// Redis that Salvage requeues to: after the run, wait up to 10 s for the requeued
    /// messages to land on the origin streams, and report how many did.
    #[arg(long)]
    pub redis_url: Option<String>,

    /// The same for a Redis Cluster: some of its nodes, comma-separated
    /// (`redis://10.0.0.1:6379,redis://10.0.0.2:6379`).
    #[arg(long, value_delimiter = ',', conflicts_with = "redis_url")]
    pub redis_cluster: Vec<String>,

    /// Suffix of the origin queue names (`orders<suffix>`, `payments<suffix>`)
    /// [default: a random one per run, so runs do not mix].
    #[arg(long, allow_hyphen_values = true)]
    pub queue_suffix: Option<String>,

    /// Print the summary as one JSON line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Run the load described by `args` against Salvage, print the summary to stdout, and return
/// it.
#[allow(
    clippy::print_stdout,
    reason = "the loadgen command's output is its report"
)]
pub async fn run(args: LoadgenArgs) -> anyhow::Result<Summary> {
    if let Some(rate) = args.rate
        && !(rate.is_finite() && rate >= 0.001)
    {
        bail!("--rate must be a positive number of reports per second, got {rate}");
    }
    let connections = args
        .connections
        .unwrap_or(args.concurrency.min(DEFAULT_MAX_CONNECTIONS));
    let run_id: String = std::iter::repeat_with(fastrand::lowercase)
        .take(8)
        .collect();
    let suffix = args
        .queue_suffix
        .clone()
        .unwrap_or_else(|| format!("-{run_id}"));
    let traffic = Arc::new(
        Traffic::new(&run_id, &suffix, args.mix.clone(), args.payload_bytes)
            .with_detail(args.detail_bytes)
            .with_park_groups(args.park_groups),
    );

    // Count before anything is sent, so that warmup traffic lands inside the difference.
    let mut streams = match &args.redis_url {
        Some(url) => Some(Streams::connect(url, &traffic.queues()).await?),
        None if !args.redis_cluster.is_empty() => {
            Some(Streams::connect_cluster(&args.redis_cluster, &traffic.queues()).await?)
        }
        None => None,
    };
    let before = match streams.as_mut() {
        Some(streams) => streams.count().await?,
        None => 0,
    };

    let channels = connect(&args.addr, connections).await?;
    let workers = usize::try_from(args.concurrency)?;
    let window = usize::try_from(args.window)?;
    let plan = Plan::new(Instant::now(), args.warmup, args.duration, DRAIN);
    let mut handles = Vec::with_capacity(workers);
    for index in 0..workers {
        let channel = channels[index % channels.len()].clone();
        let generator = Generator::new(Arc::clone(&traffic), fastrand::u64(..));
        let pacer = Pacer::new(args.rate, index, workers, plan.start);
        let recorder = Recorder::new()?;
        handles.push(match args.mode {
            Mode::Unary => tokio::spawn(unary::worker(channel, generator, pacer, plan, recorder)),
            Mode::Stream => tokio::spawn(stream::worker(
                channel, generator, pacer, plan, window, recorder,
            )),
        });
    }
    let mut total = Recorder::new()?;
    for handle in handles {
        total.merge(&handle.await.context("a load generator worker failed")?)?;
    }
    let elapsed = Instant::now().saturating_duration_since(plan.measure_from);

    let landed = match streams.as_mut() {
        Some(streams) => Some(
            streams
                .wait_landed(before, total.requeued_all(), LANDING_WAIT)
                .await?,
        ),
        None => None,
    };
    let summary = total.summary(elapsed, landed);
    let setup = Setup {
        mode: args.mode.name(),
        concurrency: args.concurrency,
        window: (args.mode == Mode::Stream).then_some(args.window),
        rate: args.rate,
        connections,
        duration: args.duration,
        warmup: args.warmup,
        mix: args.mix.to_string(),
        payload_bytes: args.payload_bytes,
        queue_suffix: suffix,
        requeued_all: total.requeued_all(),
    };
    if args.json {
        println!("{}", report::json_line(&setup, &summary));
    } else {
        println!("{}", report::table(&setup, &summary));
    }
    Ok(summary)
}

/// Open `connections` HTTP/2 connections to Salvage (each `Endpoint::connect` is its own),
/// failing early with a clear message if it is not there.
async fn connect(addr: &str, connections: u32) -> anyhow::Result<Vec<Channel>> {
    let endpoint = Endpoint::from_shared(addr.to_owned())
        .with_context(|| format!("bad --addr {addr}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(DRAIN)
        .tcp_nodelay(true);
    let mut channels = Vec::new();
    for _ in 0..connections {
        let channel = endpoint
            .connect()
            .await
            .with_context(|| format!("cannot connect to Salvage at {addr}"))?;
        channels.push(channel);
    }
    Ok(channels)
}
