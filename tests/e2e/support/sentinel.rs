//! A private Redis Sentinel deployment for one test: a primary, two replicas and three
//! sentinels watching them, every one a `redis-server` child process on its own free port on
//! 127.0.0.1 with its own temporary directory, so tests that fail Redis over never share a
//! deployment and can run in parallel.
//!
//! The data nodes run with the settings of `redis_server.rs` (`appendonly yes`, `appendfsync
//! everysec`, no RDB snapshots, no protected mode); the sentinels monitor the primary with a
//! quorum of 2 and the shortest timings that fail over once, not twice (down after 2 s, see
//! [`DOWN_AFTER_MS`]; failover timeout 5 s), so a killed primary is replaced in a few seconds.
//! A test kills the primary ([`SentinelSet::kill_primary`]), waits for the sentinels to promote
//! a replica ([`SentinelSet::await_failover`]) and may bring the old primary back
//! ([`SentinelSet::restart_node`]) to watch it rejoin as a replica.
//!
//! [`SentinelSet::start_tls`] starts the same set speaking only TLS, with the certificates of a
//! `support/certs.rs` [`Certs`]: every process on a TLS port alone (`port 0`), requiring a client
//! certificate, replicas and sentinels reaching the others with TLS (`tls-replication yes`); the
//! harness speaks TLS to them too, and its URLs are `rediss://`.
//!
//! Like `redis_server.rs` this is blocking std code speaking RESP by hand (its helper); waits
//! poll a condition and are bounded, and a deployment that does not get there panics with the
//! end of every process' log. Dropping the set kills every process it started, by its own
//! handle on the child, then removes their directories.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "test support: each test binary uses part of it, and its `pub` API is reachable \
              only inside that binary"
)]

use std::{
    fmt::Write as _,
    fs,
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use super::{
    certs::Certs,
    ports::{self, PortTaken},
    redis_server::{Reply, Wire, render},
};

/// How long one process may take to listen and answer PING (a data node replays its AOF first).
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the whole set may take to replicate and for its sentinels to find each other and
/// the replicas (sentinels greet each other every 2 s; it takes about 3 s here).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the sentinels may take to agree on a new primary: about 3.5 s here (2 s to call the
/// primary down, then a vote), 10 s more after a split vote (twice the failover timeout), and
/// 30 s more if a sentinel was stalled for over 2 s (a loaded machine): it then enters TILT
/// mode, and acts on nothing for 30 s.
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long replicas may take to be replicating from the primary: a restarted former primary
/// is made a replica only after it has looked sane for 8 s (about 10 s here), and TILT mode
/// (above) delays that by 30 s.
const REPLICAS_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the waits look again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How many replicas the primary gets, and how many sentinels watch them.
const REPLICAS: usize = 2;
const SENTINELS: usize = 3;
/// The config file of each process, in its directory, rewritten by Redis itself as the
/// sentinels reconfigure the set (`CONFIG REWRITE`), so a restart comes back as it was left.
const CONFIG_FILE: &str = "redis.conf";
/// Each process' log: `logfile ""` sends it to stdout, which goes here with stderr (where a bad
/// config is reported), appended to across restarts.
const LOG_FILE: &str = "redis.log";
/// How many lines of each log a panic shows.
const LOG_TAIL_LINES: usize = 50;
/// How long a sentinel waits for a PING reply before it calls a node down (its
/// `down-after-milliseconds`). 1000 would fail over a second sooner but makes an occasional
/// second, needless failover: when a sentinel switches to the new primary it restarts that
/// node's down timer at once but may reconnect only up to a second later (it reconnects at most
/// once a second, and kept trying the dead primary), so the new primary can look down for a
/// moment; the other sentinels' "down" answers about the old primary still count for 5 s, so
/// that moment is a quorum, and the new primary is failed over too (seen here in 2 runs of 25).
/// Twice the reconnect period leaves that race no room.
const DOWN_AFTER_MS: u32 = 2000;

/// A primary, its replicas and the sentinels watching them, all owned by one test. Dropping it
/// kills every process (sentinels first, so none of them starts a failover while the data
/// nodes go) and then removes their directories.
pub struct SentinelSet {
    master_name: String,
    /// How the harness reaches every process: in the clear, or over TLS.
    wire: Wire,
    /// Declared before `nodes`, so they are dropped (killed) first.
    sentinels: Vec<Instance>,
    /// The data nodes, the first primary as started, then the replicas. Their ports never
    /// change; which one is the primary does: ask the sentinels ([`SentinelSet::primary_port`]).
    nodes: Vec<Instance>,
}

impl SentinelSet {
    /// Start a primary, two replicas of it and three sentinels monitoring it as `master_name`
    /// (quorum 2, down after 2 s, failover timeout 5 s, one replica resynced at a time), and
    /// wait until both replicas replicate and every sentinel knows both replicas and the two
    /// other sentinels. Panics, with the logs, if that takes more than 30 s.
    pub fn start(master_name: &str) -> SentinelSet {
        Self::start_with(master_name, Wire::Plain, "")
    }

    /// The same set speaking only TLS with `certs` (which must outlive it): each process on a
    /// TLS port alone, requiring a client certificate signed by `ca.pem`, presenting the
    /// client certificate to the others ([`Certs::redis_server_config`]). The harness's
    /// commands go over TLS; [`SentinelSet::sentinel_urls`] and [`SentinelSet::primary_url`]
    /// are `rediss://`.
    pub fn start_tls(master_name: &str, certs: &Certs) -> SentinelSet {
        Self::start_with(master_name, certs.wire(), &certs.redis_server_config())
    }

    /// Start the set; `tls` is the config lines every process gets (empty in the clear).
    fn start_with(master_name: &str, wire: Wire, tls: &str) -> SentinelSet {
        assert!(
            !master_name.is_empty()
                && (master_name.chars()).all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
            "a master name here is letters, digits, '.', '_' and '-' (it goes into config \
             files unquoted), not {master_name:?}"
        );
        // Each instance is owned as soon as it runs, so a panic further on kills those started.
        let primary = Instance::start("primary", Kind::Data, &data_config(None, tls), &wire);
        let mut set = SentinelSet {
            master_name: master_name.to_owned(),
            wire,
            sentinels: Vec::new(),
            nodes: vec![primary],
        };
        let primary = set.nodes[0].port;
        let config = data_config(Some(primary), tls);
        for i in 1..=REPLICAS {
            let name = format!("replica {i}");
            let replica = Instance::start(&name, Kind::Data, &config, &set.wire);
            set.nodes.push(replica);
        }
        let deadline = Instant::now() + START_TIMEOUT;
        // Replicating before the sentinels start, so that their first look at the primary
        // (INFO) lists both replicas: the next one would be 10 s later.
        set.await_state("both replicas to replicate", deadline, || {
            set.replicas_up(primary)
        });
        let config = sentinel_config(master_name, primary, tls);
        for i in 1..=SENTINELS {
            let name = format!("sentinel {i}");
            let sentinel = Instance::start(&name, Kind::Sentinel, &config, &set.wire);
            set.sentinels.push(sentinel);
        }
        set.await_state("the sentinels to know the set", deadline, || {
            let mut sentinels = set.sentinels.iter();
            sentinels.try_for_each(|s| set.sentinel_knows_set(s))
        });
        set
    }

    /// The name the sentinels monitor the primary as.
    pub fn master_name(&self) -> &str {
        &self.master_name
    }

    /// `redis://127.0.0.1:PORT` of each sentinel (`rediss://` for a TLS set).
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels.iter().map(|s| self.url(s.port)).collect()
    }

    /// The ports of the data nodes, the first primary first (stopped ones included).
    pub fn node_ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// The primary's port, as the first sentinel that answers reports it (during a failover
    /// the sentinels may briefly disagree: [`SentinelSet::await_failover`] waits until they
    /// agree). Panics if no sentinel answers.
    pub fn primary_port(&self) -> u16 {
        self.running_sentinels()
            .find_map(|s| self.reported_primary(s).ok())
            .unwrap_or_else(|| {
                panic!(
                    "no sentinel reports a primary for {}; {}",
                    self.master_name,
                    self.logs()
                )
            })
    }

    /// `redis://127.0.0.1:PORT` of the primary (`rediss://` for a TLS set), as
    /// [`SentinelSet::primary_port`].
    pub fn primary_url(&self) -> String {
        self.url(self.primary_port())
    }

    /// Whether the set speaks only TLS ([`SentinelSet::start_tls`]).
    pub fn is_tls(&self) -> bool {
        self.wire.is_tls()
    }

    /// SIGKILL the primary (the process this set started on the port the sentinels report),
    /// as a crash would, keeping its data dir; returns its port. Panics if it is not running.
    pub fn kill_primary(&mut self) -> u16 {
        let port = self.primary_port();
        let node = self.node_mut(port);
        assert!(
            node.is_running(),
            "the primary on port {port} is not running"
        );
        node.kill();
        port
    }

    /// Wait until every running sentinel reports the same primary, other than `old_port`, and
    /// that node answers ROLE as a master; return its port. Panics, with the logs, after 60 s.
    pub fn await_failover(&self, old_port: u16) -> u16 {
        let deadline = Instant::now() + FAILOVER_TIMEOUT;
        self.await_state("a failover", deadline, || {
            let reported = self
                .running_sentinels()
                .map(|s| self.reported_primary(s))
                .collect::<Result<Vec<u16>, String>>()?;
            let port = match reported.as_slice() {
                [] => return Err("no sentinel is running".to_owned()),
                [first, rest @ ..] if rest.iter().all(|p| p == first) => *first,
                _ => {
                    return Err(format!(
                        "the sentinels disagree on the primary: {reported:?}"
                    ));
                }
            };
            if port == old_port {
                return Err(format!("the sentinels still report port {old_port}"));
            }
            match role(&self.wire, port).as_deref() {
                Some("master") => Ok(port),
                other => Err(format!(
                    "port {port} is reported primary but its ROLE is {other:?}"
                )),
            }
        })
    }

    /// Wait until every running data node other than the primary is its replica with the link
    /// up: after a failover, or after [`SentinelSet::restart_node`] of a former primary, which
    /// the sentinels turn into a replica only about 10 s after it is back. Panics, with the
    /// logs, after 60 s.
    pub fn await_replicas_up(&self) {
        let deadline = Instant::now() + REPLICAS_TIMEOUT;
        self.await_state("the replicas to replicate", deadline, || {
            self.replicas_up(self.primary_port())
        });
    }

    /// Start a stopped data node again, on its port and data dir (its data replayed from the
    /// AOF), and wait until it answers PING. It comes back as its config file last said: an
    /// old replica as a replica, a killed primary as a primary with its old data, until the
    /// sentinels make it a replica of the new one ([`SentinelSet::await_replicas_up`]). If the
    /// port is briefly taken by another process, retries it for a few seconds.
    pub fn restart_node(&mut self, port: u16) {
        let node = self.node_mut(port);
        assert!(
            !node.is_running(),
            "the node on port {port} is still running"
        );
        node.restart();
    }

    /// Run one command on the node (or sentinel) on `port` and return its reply as text, as
    /// `RedisServer::command` does (arrays one item a line, `(nil)`, `(error) ...`). Panics if
    /// it does not answer.
    pub fn command(&self, port: u16, args: &[&str]) -> String {
        match self.wire.send_command(port, args) {
            Ok(Some(reply)) => render(&reply),
            Ok(None) => panic!("redis on port {port} closed the connection on {args:?}"),
            Err(e) => panic!("redis on port {port} did not answer {args:?}: {e}"),
        }
    }

    /// Send `commands` to the server on `port` on one connection, in order, and return each
    /// reply as [`SentinelSet::command`] does. A `WAIT` counts only the writes of its own
    /// connection, so a write and the `WAIT` for it go together here.
    pub fn pipeline(&self, port: u16, commands: &[&[&str]]) -> Vec<String> {
        match self
            .wire
            .send_commands(port, commands, Duration::from_secs(5))
        {
            Ok(replies) => replies.iter().map(render).collect(),
            Err(e) => panic!("redis on port {port} did not answer {commands:?}: {e}"),
        }
    }

    fn node_mut(&mut self, port: u16) -> &mut Instance {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .unwrap_or_else(|| panic!("port {port} is not a data node of this set"))
    }

    fn running_sentinels(&self) -> impl Iterator<Item = &Instance> {
        self.sentinels.iter().filter(|s| s.is_running())
    }

    /// The primary's port as `sentinel` reports it.
    fn reported_primary(&self, sentinel: &Instance) -> Result<u16, String> {
        let args = ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &self.master_name];
        let reply = ask(&self.wire, sentinel.port, &args);
        let port = match &reply {
            Some(Reply::Array(addr)) => match addr.as_slice() {
                [_, Reply::Bulk(Some(port))] => port.parse().ok(),
                _ => None,
            },
            _ => None,
        };
        port.ok_or_else(|| format!("{} reports the primary as {reply:?}", sentinel.name))
    }

    /// Whether `sentinel` sees the primary up, both replicas up, and the other sentinels.
    fn sentinel_knows_set(&self, sentinel: &Instance) -> Result<(), String> {
        let name = &sentinel.name;
        let query = |what: &str| {
            let reply = ask(
                &self.wire,
                sentinel.port,
                &["SENTINEL", what, &self.master_name],
            );
            match reply {
                Some(Reply::Array(items)) => Ok(items),
                other => Err(format!("{name} answers SENTINEL {what} with {other:?}")),
            }
        };
        let master = Reply::Array(query("MASTER")?);
        let flags = field(&master, "flags");
        if flags != Some("master") {
            return Err(format!("{name} flags the primary {flags:?}"));
        }
        let replicas = query("REPLICAS")?;
        let flags: Vec<_> = replicas.iter().map(|r| field(r, "flags")).collect();
        if flags.iter().filter(|&&f| f == Some("slave")).count() != REPLICAS {
            return Err(format!("{name} knows replicas flagged {flags:?}"));
        }
        let others = query("SENTINELS")?.len();
        if others != SENTINELS - 1 {
            return Err(format!("{name} knows {others} other sentinels"));
        }
        Ok(())
    }

    /// Whether every running data node but `primary` replicates from it with the link up, and
    /// has finished the AOF rewrite that follows a full sync (a fork: a test that ends, and
    /// kills the node, in the middle of it would orphan the forked child).
    fn replicas_up(&self, primary: u16) -> Result<(), String> {
        let replicas = self
            .nodes
            .iter()
            .filter(|n| n.port != primary && n.is_running());
        let primary = primary.to_string();
        for node in replicas {
            let args = ["INFO", "replication", "persistence"];
            let info = match ask(&self.wire, node.port, &args) {
                Some(Reply::Bulk(Some(info))) => info,
                other => return Err(format!("{} answers INFO with {other:?}", node.name)),
            };
            let value = |key: &str| {
                info.lines()
                    .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                    .map(str::trim)
            };
            if value("role") != Some("slave")
                || value("master_port") != Some(primary.as_str())
                || value("master_link_status") != Some("up")
                || value("aof_rewrite_in_progress") != Some("0")
                || value("aof_rewrite_scheduled") != Some("0")
            {
                return Err(format!("{} on port {}: {info}", node.name, node.port));
            }
        }
        Ok(())
    }

    /// Poll `check` until it is `Ok`, and return that; panics once `deadline` has passed, with
    /// the last reason it gave for not being there yet and the logs.
    fn await_state<T>(
        &self,
        what: &str,
        deadline: Instant,
        mut check: impl FnMut() -> Result<T, String>,
    ) -> T {
        loop {
            let why_not = match check() {
                Ok(value) => return value,
                Err(why_not) => why_not,
            };
            if Instant::now() >= deadline {
                panic!(
                    "timed out waiting for {what} of sentinel set {}: {why_not}\n{}",
                    self.master_name,
                    self.logs()
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// `redis://127.0.0.1:PORT`, or `rediss://` for a TLS set.
    fn url(&self, port: u16) -> String {
        let scheme = if self.is_tls() { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{port}")
    }

    /// The end of every process' log, for a failed assertion's message.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for instance in self.nodes.iter().chain(&self.sentinels) {
            let (name, port) = (&instance.name, instance.port);
            let state = if instance.is_running() {
                "started"
            } else {
                "killed"
            };
            let tail = instance.log_tail();
            let _ = write!(
                out,
                "\n--- {name} on port {port} ({state}), its log ends:\n{tail}"
            );
        }
        out
    }
}

/// A data node or a sentinel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Data,
    Sentinel,
}

/// One `redis-server` process of the set, with its directory (config, log, AOF). Dropping it
/// kills the process, then removes the directory.
struct Instance {
    /// "primary", "replica 1", "sentinel 2": its part at start, for messages.
    name: String,
    kind: Kind,
    port: u16,
    /// How it is reached (to tell it is up): in the clear, or over TLS on its TLS port.
    wire: Wire,
    dir: tempfile::TempDir,
    /// `None` while stopped.
    child: Option<Child>,
}

impl Instance {
    /// Write `config` in a fresh temp dir and start it with it on a free port (another one if
    /// that one is taken before it binds it), and wait until it answers PING.
    fn start(name: &str, kind: Kind, config: &str, wire: &Wire) -> Instance {
        let dir = tempfile::Builder::new()
            .prefix("salvage-sentinel-set-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for the {name}: {e}"));
        let (port, child) = ports::on_a_free_port(&format!("the {name}"), |port| {
            // Written again for each port: an attempt that lost its port may have rewritten it.
            fs::write(dir.path().join(CONFIG_FILE), config)
                .unwrap_or_else(|e| panic!("cannot write the {name}'s {CONFIG_FILE}: {e}"));
            Ok((port, spawn(name, kind, dir.path(), port, wire)?))
        });
        Instance {
            name: name.to_owned(),
            kind,
            port,
            wire: wire.clone(),
            dir,
            child: Some(child),
        }
    }

    /// Start it again on its port with its config file as Redis last left it.
    fn restart(&mut self) {
        let (name, kind, dir, port) = (&self.name, self.kind, self.dir.path(), self.port);
        let child = ports::on_its_port(&format!("the {name}"), port, || {
            spawn(name, kind, dir, port, &self.wire)
        });
        self.child = Some(child);
    }

    /// SIGKILL it and reap it; does nothing if it is stopped.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            ports::kill(&mut child);
        }
    }

    /// Whether it was started and not killed since (a crash shows in its log instead).
    fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The last lines of its log.
    fn log_tail(&self) -> String {
        let log = ports::read_from(&self.dir.path().join(LOG_FILE), 0);
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // Killed rather than shut down: its directory is about to go, and Drop must not hang
        // or panic (it may run while a failed test unwinds). `self.dir` is removed after this.
        self.kill();
    }
}

/// Run `redis-server` (as a sentinel for [`Kind::Sentinel`]) with the config in `dir` on `port`
/// (its TLS port, and no plain one, when `wire` is TLS), and wait until this process listens on
/// the port and answers PING (a data node that is still replaying its AOF answers `-LOADING`,
/// which is not ready yet).
fn spawn(name: &str, kind: Kind, dir: &Path, port: u16, wire: &Wire) -> Result<Child, PortTaken> {
    let log = dir.join(LOG_FILE);
    let mark = ports::len(&log);
    let out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|file| Ok((file.try_clone()?, file)))
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
    let mut command = Command::new("redis-server");
    // Its own file, which Redis rewrites: a sentinel records there what it learns of the set,
    // and a data node what the sentinels make of it (`CONFIG REWRITE` after `REPLICAOF`).
    command.arg(dir.join(CONFIG_FILE));
    if kind == Kind::Sentinel {
        command.arg("--sentinel");
    }
    let port_arg = port.to_string();
    let port_args = match wire {
        Wire::Plain => vec!["--port", &port_arg],
        Wire::Tls(_) => vec!["--port", "0", "--tls-port", &port_arg],
    };
    let mut child = command
        .args(port_args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out.0)
        .stderr(out.1)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run redis-server (is it on PATH?): {e}"));
    let pid = child.id();
    ports::await_ready(
        &format!("the {name} (redis-server on port {port})"),
        &mut child,
        READY_TIMEOUT,
        || ports::read_from(&log, mark),
        || {
            ports::listens(pid, port)
                && matches!(ask(wire, port, &["PING"]), Some(Reply::Simple(s)) if s == "PONG")
        },
        ports::kill,
    )?;
    Ok(child)
}

/// A data node's config, with the `tls` lines (empty in the clear); a replica's names its
/// primary. Its `dir` is the working directory it is started in.
fn data_config(replica_of: Option<u16>, tls: &str) -> String {
    let mut config = common_config(tls);
    config.push_str(
        "appendonly yes\n\
         appendfsync everysec\n\
         save \"\"\n\
         # Full syncs start at once instead of waiting 5 s for more replicas to share them: a\n\
         # test waits for every one, at start and when a former primary rejoins.\n\
         repl-diskless-sync-delay 0\n",
    );
    if let Some(primary) = replica_of {
        let _ = writeln!(config, "replicaof 127.0.0.1 {primary}");
    }
    config
}

/// A sentinel's config, with the `tls` lines (empty in the clear): monitor `master_name` on
/// `primary`, with a quorum of 2.
fn sentinel_config(master_name: &str, primary: u16, tls: &str) -> String {
    let mut config = common_config(tls);
    let _ = write!(
        config,
        "sentinel resolve-hostnames no\n\
         sentinel monitor {master_name} 127.0.0.1 {primary} 2\n\
         sentinel down-after-milliseconds {master_name} {DOWN_AFTER_MS}\n\
         sentinel failover-timeout {master_name} 5000\n\
         sentinel parallel-syncs {master_name} 1\n"
    );
    config
}

/// What every process' config starts with: loopback only, logging to stdout ([`LOG_FILE`]),
/// then the `tls` lines.
fn common_config(tls: &str) -> String {
    format!(
        "bind 127.0.0.1\n\
         protected-mode no\n\
         daemonize no\n\
         logfile \"\"\n\
         {tls}"
    )
}

/// One command's reply, or `None` if the process did not answer (stopped, or not yet up).
fn ask(wire: &Wire, port: u16, args: &[&str]) -> Option<Reply> {
    wire.send_command(port, args).ok().flatten()
}

/// The first word of a node's ROLE: `master`, `slave` or `sentinel`.
fn role(wire: &Wire, port: u16) -> Option<String> {
    match ask(wire, port, &["ROLE"])? {
        Reply::Array(items) => match items.into_iter().next()? {
            Reply::Bulk(Some(role)) => Some(role),
            _ => None,
        },
        _ => None,
    }
}

/// A field of one entry of a SENTINEL MASTER, REPLICAS or SENTINELS reply (a flat array of
/// names and values).
fn field<'a>(entry: &'a Reply, name: &str) -> Option<&'a str> {
    let Reply::Array(items) = entry else {
        return None;
    };
    items.chunks_exact(2).find_map(|pair| match pair {
        [Reply::Bulk(Some(key)), Reply::Bulk(Some(value))] if key == name => Some(value.as_str()),
        _ => None,
    })
}
