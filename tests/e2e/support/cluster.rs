//! A private Redis Cluster for one test: three primaries and a replica of each, every one a
//! `redis-server --cluster-enabled yes` child process on its own free port on 127.0.0.1 (and
//! its own cluster bus port, see below) with its own temporary directory, so tests that fail a
//! shard over or move slots never share a cluster and can run in parallel.
//!
//! The nodes run with the settings of `redis_server.rs` (`appendonly yes`, `appendfsync
//! everysec`, no RDB snapshots, no protected mode) and a node timeout of 2 s
//! ([`NODE_TIMEOUT_MS`]), so a killed primary is replaced by its replica in 3 to 5 s. They are
//! joined by `redis-cli --cluster create`, which gives the slots to the primaries in three equal
//! ranges. A test kills the primary of a slot ([`ClusterSet::kill_primary_of_slot`]), waits for
//! its replica to take over ([`ClusterSet::await_failover`]) and may bring the old primary back
//! ([`ClusterSet::restart_node`]) to watch it rejoin as a replica; or it moves slots between
//! primaries, one with its own commands ([`ClusterSet::move_slot`], usable while clients keep
//! writing) or many with `redis-cli --cluster reshard` ([`ClusterSet::reshard`]).
//!
//! A test talks to the nodes with [`ClusterSet::command`] (one node, redirections returned as
//! errors), [`ClusterSet::pipeline`] (several commands on one connection: `WAIT` counts the
//! acknowledgements of its own connection's writes only), [`ClusterSet::routed_command`] (follows
//! MOVED and ASK as a cluster client does) or [`ClusterSet::cli`] (`redis-cli -c`).
//!
//! [`ClusterSet::start_tls`] starts the same cluster speaking only TLS, with the certificates of a
//! `support/certs.rs` [`Certs`]: every node on a TLS port alone (`port 0`), requiring a client
//! certificate, with TLS on its bus and to its primary (`tls-cluster yes`, `tls-replication
//! yes`); the harness's own commands and `redis-cli` speak TLS too, and its URLs are `rediss://`.
//!
//! The cluster bus of a node listens on its port + 10000 unless `cluster-port` says otherwise,
//! and a free port above 55535 has no such port: every node gets a second free port for its bus.
//! The nodes keep their command line as their process title (`set-proc-title no`), so
//! `pgrep -f cluster-enabled` lists them.
//!
//! Like `sentinel.rs` this is blocking std code speaking RESP by hand (`redis_server.rs`' helper);
//! waits poll a condition and are bounded, and a cluster that does not get there panics with the
//! end of every node's log. Dropping the set kills every process it started, by its own handle
//! on the child, then removes their directories.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "test support: each test binary uses part of it, and its `pub` API is reachable \
              only inside that binary"
)]

use std::{
    collections::BTreeSet,
    fmt::Write as _,
    fs,
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    thread,
    time::{Duration, Instant},
};

use super::{
    certs::Certs,
    ports::{self, PortTaken},
    redis_server::{Reply, Wire, render},
};

/// How many hash slots a Redis Cluster has.
pub const SLOTS: u16 = 16384;
/// How long one process may take to listen and answer PING (a node replays its AOF first).
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long each wait of the set may take: the cluster to form and settle (2 to 3 s here, nodes
/// started included), a failover (3 to 4.5 s here: 2 s to suspect the primary, the other
/// primaries' agreement that it failed, then a replica's election after a random delay of 0.5
/// to 1 s), a restarted former primary to rejoin as a replica (0.2 to 1 s), a slot move to be
/// known everywhere (well under 1 s). Generous for a loaded machine.
const WAIT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a `redis-cli --cluster` command may run (it waits for the nodes itself, without a
/// limit of its own).
const CLI_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one command sent by [`ClusterSet::command`] and the waits may take to be answered.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a batch of MIGRATE may take, in ms, and how long the harness waits for its reply.
const MIGRATE_TIMEOUT_MS: u64 = 5000;
/// How many keys one MIGRATE of [`ClusterSet::move_slot`] moves (`redis-cli`'s pipeline is 10).
const MIGRATE_BATCH: usize = 100;
/// How often the waits look again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How many primaries the set has; each gets one replica.
const PRIMARIES: usize = 3;
const NODES: usize = 2 * PRIMARIES;
/// A node is suspected down after this long without an answer to its bus pings, and a replica
/// may fail over its primary once the other primaries agree it is down. The default is 15 s.
const NODE_TIMEOUT_MS: u32 = 2000;
/// How many MOVED and ASK redirections [`ClusterSet::routed_command`] follows before it gives up.
const MAX_REDIRECTS: usize = 16;
/// The config file of each node, in its directory (ours, never rewritten).
const CONFIG_FILE: &str = "redis.conf";
/// The cluster state file of each node, in its directory (Redis writes it: the node's id, its
/// epochs and what it knows of the others), read again by a restarted node to rejoin.
const NODES_FILE: &str = "nodes.conf";
/// Each node's log: `logfile ""` sends it to stdout, which goes here with stderr (where a bad
/// config is reported), appended to across restarts.
const LOG_FILE: &str = "redis.log";
/// How many lines of each log a panic shows.
const LOG_TAIL_LINES: usize = 50;

/// Three primaries and their replicas, joined in one Redis Cluster owned by one test. Dropping
/// it kills every node it started and then removes their directories.
pub struct ClusterSet {
    /// How the harness reaches the nodes: in the clear, or over TLS.
    wire: Wire,
    /// `redis-cli`'s TLS arguments (none in the clear).
    cli_tls: Vec<String>,
    /// In the order started; their ports never change, their parts (primary or replica) do: ask
    /// the cluster ([`ClusterSet::primary_ports`]).
    nodes: Vec<Node>,
}

/// What [`ClusterSet::routed_command`] got for a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The reply as [`ClusterSet::command`] renders it (`(error) ...` for an error other than
    /// a redirection).
    pub reply: String,
    /// The port of the node that answered.
    pub port: u16,
    /// The redirections followed on the way, as the nodes said them (`MOVED 866 127.0.0.1:PORT`,
    /// `ASK 866 127.0.0.1:PORT`).
    pub redirects: Vec<String>,
}

impl ClusterSet {
    /// Start six cluster nodes, join them with `redis-cli --cluster create` as three primaries
    /// with one replica each, and wait until every node says `cluster_state:ok`, all agree on
    /// the slot map and every replica replicates. Panics, with the logs, after 60 s.
    pub fn start() -> ClusterSet {
        Self::start_with(Wire::Plain, String::new(), Vec::new())
    }

    /// The same cluster speaking only TLS with `certs` (which must outlive it): each node on a
    /// TLS port alone, requiring a client certificate signed by `ca.pem`, presenting the client
    /// certificate to the others, on its bus too ([`Certs::redis_server_config`] and `tls-cluster
    /// yes`). The harness's commands and `redis-cli` go over TLS; [`ClusterSet::urls`] are
    /// `rediss://`.
    pub fn start_tls(certs: &Certs) -> ClusterSet {
        let config = format!("{}tls-cluster yes\n", certs.redis_server_config());
        Self::start_with(certs.wire(), config, certs.redis_cli_args())
    }

    /// Start the cluster; `tls` is the config lines every node gets, `cli_tls` the arguments
    /// `redis-cli` gets (both empty in the clear).
    fn start_with(wire: Wire, tls: String, cli_tls: Vec<String>) -> ClusterSet {
        let config = config(&tls);
        // Started side by side (each waits for its process to listen). Each node is owned as
        // soon as it runs, so a panic further on kills those started.
        let started: Vec<thread::Result<Node>> = thread::scope(|s| {
            let starts: Vec<_> = (1..=NODES)
                .map(|i| {
                    let (config, wire) = (&config, &wire);
                    s.spawn(move || Node::start(&format!("node {i}"), config, wire))
                })
                .collect();
            starts.into_iter().map(|h| h.join()).collect()
        });
        let mut nodes = Vec::new();
        for node in started {
            // The first failure, once every node that did start is owned (and killed on unwind).
            match node {
                Ok(node) => nodes.push(node),
                Err(panic) => {
                    drop(nodes);
                    std::panic::resume_unwind(panic);
                }
            }
        }
        let set = ClusterSet {
            wire,
            cli_tls,
            nodes,
        };
        let mut args = vec!["--cluster".to_owned(), "create".to_owned()];
        args.extend(set.nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)));
        args.extend(["--cluster-replicas", "1", "--cluster-yes"].map(str::to_owned));
        let output = set.redis_cli(&args);
        if !output.contains("[OK] All 16384 slots covered") {
            panic!(
                "redis-cli --cluster create did not cover every slot; its output:\n{output}\n{}",
                set.logs()
            );
        }
        let deadline = Instant::now() + WAIT_TIMEOUT;
        set.await_state("the cluster to form", deadline, || {
            let primaries = primaries_of(&set.settled()?);
            if primaries.len() != PRIMARIES {
                return Err(format!("the slots are owned by {primaries:?}"));
            }
            // Settled: every other node is a replica of one of them; one each.
            let mut replicated: Vec<u16> = set
                .snapshots()?
                .iter()
                .filter_map(Snapshot::primary)
                .collect();
            replicated.sort_unstable();
            let expected: Vec<u16> = primaries.into_iter().collect();
            if replicated != expected {
                return Err(format!("the replicas replicate {replicated:?}"));
            }
            Ok(())
        });
        set
    }

    /// `redis://127.0.0.1:PORT` of every node (`rediss://` for a TLS cluster), in the order
    /// started (stopped ones included).
    pub fn urls(&self) -> Vec<String> {
        let scheme = if self.is_tls() { "rediss" } else { "redis" };
        (self.nodes.iter())
            .map(|n| format!("{scheme}://127.0.0.1:{}", n.port))
            .collect()
    }

    /// Whether the cluster speaks only TLS ([`ClusterSet::start_tls`]).
    pub fn is_tls(&self) -> bool {
        self.wire.is_tls()
    }

    /// The ports of every node, in the order started (stopped ones included).
    pub fn node_ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// The process ids of the running nodes.
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().filter_map(Node::pid).collect()
    }

    /// The directory of the node on `port`: its config, `nodes.conf`, log and AOF.
    pub fn data_dir(&self, port: u16) -> &Path {
        self.node(port).dir.path()
    }

    /// The ports of the primaries that own slots, as the running nodes agree (`CLUSTER NODES`),
    /// sorted; waits while they disagree (during a failover or a slot move). Panics, with the
    /// logs, if they do not agree within 60 s.
    pub fn primary_ports(&self) -> Vec<u16> {
        primaries_of(&self.agreed_map()).into_iter().collect()
    }

    /// The port of the primary that owns `slot`, as the running nodes agree (a killed primary
    /// stays the owner until its replica has taken over); waits while they disagree. Panics,
    /// with the logs, if they do not agree within 60 s.
    pub fn primary_of_slot(&self, slot: u16) -> u16 {
        owner(&self.agreed_map(), slot)
            .unwrap_or_else(|| panic!("no node owns slot {slot}; {}", self.logs()))
    }

    /// The slots the primary on `port` owns, ascending, as the running nodes agree; waits
    /// while they disagree. Panics, with the logs, if they do not agree within 60 s.
    pub fn slots_of(&self, port: u16) -> Vec<u16> {
        (self.agreed_map().iter())
            .filter(|r| r.port == port)
            .flat_map(|r| r.start..=r.end)
            .collect()
    }

    /// The hash slot of `key`, as Salvage computes it (`salvage::store::slot_of`: CRC16 of the
    /// hash tag or the whole key, modulo 16384); the harness's own tests hold it against
    /// `CLUSTER KEYSLOT`.
    pub fn slot_of(key: &str) -> u16 {
        salvage::store::slot_of(key.as_bytes())
    }

    /// SIGKILL the primary of `slot` (the process this set started), as a crash would, keeping
    /// its data dir; returns its port. Panics if it is not running.
    pub fn kill_primary_of_slot(&mut self, slot: u16) -> u16 {
        let port = self.primary_of_slot(slot);
        let node = self.node_mut(port);
        assert!(
            node.is_running(),
            "the primary of slot {slot} on port {port} is not running"
        );
        node.kill();
        port
    }

    /// Wait until the running nodes agree that a running node other than `old_port` owns
    /// `slot`, that node says it is a master (`INFO replication`), and every running node says
    /// `cluster_state:ok`; return its port. Panics, with the logs, after 60 s.
    pub fn await_failover(&self, slot: u16, old_port: u16) -> u16 {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        self.await_state(&format!("a failover of slot {slot}"), deadline, || {
            let snapshots = self.snapshots()?;
            snapshots.iter().try_for_each(Snapshot::cluster_ok)?;
            let port = owner(&agreed_map(&snapshots)?, slot)
                .ok_or_else(|| format!("no node owns slot {slot}"))?;
            if port == old_port {
                return Err(format!("port {old_port} still owns slot {slot}"));
            }
            let Some(new) = snapshots.iter().find(|n| n.port == port) else {
                return Err(format!(
                    "slot {slot} is owned by port {port}, which is stopped"
                ));
            };
            match new.field("role") {
                Some("master") => Ok(port),
                other => Err(format!(
                    "port {port} owns slot {slot} but its role is {other:?}"
                )),
            }
        })
    }

    /// Start a stopped node again, on its port, bus port and data dir (its data replayed from
    /// the AOF, its cluster state read from its `nodes.conf`), and wait until it has rejoined:
    /// every running node says `cluster_state:ok` and sees it, all agree on the slot map, and
    /// it is a primary of slots or a replica with its link up (a killed primary that was
    /// failed over comes back as a replica of its replacement). Panics, with the logs, after
    /// 60 s. If the port is briefly taken by another process, retries it for a few seconds.
    pub fn restart_node(&mut self, port: u16) {
        let node = self.node_mut(port);
        assert!(
            !node.is_running(),
            "the node on port {port} is still running"
        );
        node.restart();
        let deadline = Instant::now() + WAIT_TIMEOUT;
        self.await_state(&format!("port {port} to rejoin"), deadline, || {
            self.settled().map(drop)
        });
    }

    /// Move `slot`, with its keys, from its primary to the primary on `to_port`, as `redis-cli
    /// --cluster reshard` does: mark it importing on the target and migrating on the source
    /// (from then on the source answers ASK for a key it no longer holds, so clients write new
    /// keys on the target), MIGRATE its keys in batches of 100 until the source holds none,
    /// then give it to the target on every primary (target, source, the others), and wait
    /// until every running node agrees. Clients may keep writing meanwhile if they follow
    /// MOVED and ASK. Does nothing if `to_port` owns it already. Keys are read as UTF-8 text.
    /// Panics, with the logs, if a step fails or the nodes do not agree within 60 s.
    pub fn move_slot(&self, slot: u16, to_port: u16) {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        let map = self.await_state("the cluster to settle before a slot move", deadline, || {
            self.settled()
        });
        let from_port = owner(&map, slot).unwrap_or_else(|| panic!("no node owns slot {slot}"));
        if from_port == to_port {
            return;
        }
        let primaries = primaries_of(&map);
        assert!(
            primaries.contains(&to_port),
            "port {to_port} is not a primary owning slots ({primaries:?})"
        );
        let (from_id, to_id) = (self.node_id(from_port), self.node_id(to_port));
        let slot_arg = slot.to_string();
        let expect_ok = |port: u16, args: &[&str]| {
            let reply = self.command(port, args);
            if reply != "OK" {
                panic!("{args:?} on port {port} answered {reply}; {}", self.logs());
            }
        };
        expect_ok(
            to_port,
            &["CLUSTER", "SETSLOT", &slot_arg, "IMPORTING", &from_id],
        );
        expect_ok(
            from_port,
            &["CLUSTER", "SETSLOT", &slot_arg, "MIGRATING", &to_id],
        );
        let (to_port_arg, timeout_arg) = (to_port.to_string(), MIGRATE_TIMEOUT_MS.to_string());
        let batch = MIGRATE_BATCH.to_string();
        loop {
            let getkeys = ["CLUSTER", "GETKEYSINSLOT", &slot_arg, &batch];
            let keys = match ask(&self.wire, from_port, &getkeys) {
                Some(Reply::Array(keys)) => keys,
                other => panic!(
                    "CLUSTER GETKEYSINSLOT {slot} on port {from_port} answered {other:?}; {}",
                    self.logs()
                ),
            };
            if keys.is_empty() {
                break;
            }
            let keys: Vec<String> = keys.iter().map(render).collect();
            let mut args: Vec<&str> =
                vec!["MIGRATE", "127.0.0.1", &to_port_arg, "", "0", &timeout_arg];
            args.push("KEYS");
            args.extend(keys.iter().map(String::as_str));
            let wait = Duration::from_millis(MIGRATE_TIMEOUT_MS) + COMMAND_TIMEOUT;
            let reply = self
                .wire
                .send_commands(from_port, &[&args], wait)
                .map(|mut r| r.pop());
            match reply {
                // NOKEY: a client deleted them meanwhile.
                Ok(Some(Reply::Simple(s))) if s == "OK" || s == "NOKEY" => {}
                other => panic!(
                    "MIGRATE of {} keys of slot {slot} from port {from_port} to {to_port} \
                     answered {other:?}; {}",
                    keys.len(),
                    self.logs()
                ),
            }
        }
        let node_args = ["CLUSTER", "SETSLOT", &slot_arg, "NODE", &to_id];
        expect_ok(to_port, &node_args);
        expect_ok(from_port, &node_args);
        for &port in primaries
            .iter()
            .filter(|&&p| p != to_port && p != from_port)
        {
            expect_ok(port, &node_args);
        }
        self.await_state(
            &format!("slot {slot} to move to {to_port}"),
            deadline,
            || {
                let snapshots = self.snapshots()?;
                match owner(&agreed_map(&snapshots)?, slot) {
                    Some(port) if port == to_port => {}
                    other => return Err(format!("slot {slot} is owned by {other:?}")),
                }
                snapshots.iter().try_for_each(Snapshot::no_open_slots)
            },
        );
        let left = self.command(from_port, &["CLUSTER", "COUNTKEYSINSLOT", &slot_arg]);
        assert_eq!(
            left, "0",
            "port {from_port} still holds keys of slot {slot}, moved to {to_port}"
        );
    }

    /// Move `slots` slots, with their keys, from the primary on `from_port` to the one on
    /// `to_port` with `redis-cli --cluster reshard` (which takes the source's lowest slots),
    /// once the cluster has settled, and wait until it has settled again. Panics, with
    /// `redis-cli`'s output and the logs, if it fails or the cluster does not settle within
    /// 60 s.
    pub fn reshard(&self, from_port: u16, to_port: u16, slots: u32) {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        self.await_state("the cluster to settle before a reshard", deadline, || {
            self.settled()
        });
        let args = [
            "--cluster".to_owned(),
            "reshard".to_owned(),
            format!("127.0.0.1:{from_port}"),
            "--cluster-from".to_owned(),
            self.node_id(from_port),
            "--cluster-to".to_owned(),
            self.node_id(to_port),
            "--cluster-slots".to_owned(),
            slots.to_string(),
            "--cluster-yes".to_owned(),
        ];
        let output = self.redis_cli(&args);
        if output.contains("[ERR]") {
            panic!(
                "redis-cli {args:?} failed; its output:\n{output}\n{}",
                self.logs()
            );
        }
        let deadline = Instant::now() + WAIT_TIMEOUT;
        self.await_state("the cluster to settle after a reshard", deadline, || {
            self.settled()
        });
    }

    /// Run one command on the node on `port` and return its reply as text, as `redis-cli`
    /// prints it (arrays one item a line, `(nil)`, `(error) ...`), without following
    /// redirections: `(error) MOVED 866 127.0.0.1:PORT`. Panics if it does not answer.
    pub fn command(&self, port: u16, args: &[&str]) -> String {
        match self.wire.send_command(port, args) {
            Ok(Some(reply)) => render(&reply),
            Ok(None) => panic!("redis on port {port} closed the connection on {args:?}"),
            Err(e) => panic!("redis on port {port} did not answer {args:?}: {e}"),
        }
    }

    /// Run `commands` in order on one connection to the node on `port` (pipelined) and return
    /// their replies as [`ClusterSet::command`] does: for commands about the connection's own
    /// past, such as `WAIT`, which counts the replicas that acknowledged this connection's
    /// last write (on a fresh connection, none: WAIT returns at once). Panics if it does not
    /// answer within 2 s.
    pub fn pipeline(&self, port: u16, commands: &[&[&str]]) -> Vec<String> {
        match self.wire.send_commands(port, commands, COMMAND_TIMEOUT) {
            Ok(replies) => replies.iter().map(render).collect(),
            Err(e) => panic!("redis on port {port} did not answer {commands:?}: {e}"),
        }
    }

    /// Run `redis-cli -c -p PORT ARGS...`, which follows MOVED and ASK, and return what it
    /// printed (stdout, then stderr), trimmed, however it exited (`Could not connect ...` for a
    /// stopped node). Panics if it cannot run or takes over 60 s.
    pub fn cli(&self, port: u16, args: &[&str]) -> String {
        let mut all = vec!["-c".to_owned(), "-p".to_owned(), port.to_string()];
        all.extend(args.iter().map(|&a| a.to_owned()));
        self.run_redis_cli(&all).1.trim().to_owned()
    }

    /// Send one command to the node on `port`, following MOVED (to the node named) and ASK
    /// (to the node named, with ASKING first on the same connection) as a cluster client does,
    /// and return the reply, who gave it and the redirections on the way. `Err` if a node does
    /// not answer or the redirections go on for more than 16 hops.
    pub fn routed_command(&self, port: u16, args: &[&str]) -> Result<Routed, String> {
        let mut port = port;
        let mut asking = false;
        let mut redirects = Vec::new();
        while redirects.len() <= MAX_REDIRECTS {
            let reply = if asking {
                self.wire
                    .send_commands(port, &[&["ASKING"], args], COMMAND_TIMEOUT)
            } else {
                self.wire.send_commands(port, &[args], COMMAND_TIMEOUT)
            };
            let reply = reply
                .map_err(|e| format!("port {port} did not answer {args:?}: {e}"))?
                .pop()
                .ok_or_else(|| format!("port {port} gave no reply to {args:?}"))?;
            let Reply::Error(error) = &reply else {
                return Ok(Routed {
                    reply: render(&reply),
                    port,
                    redirects,
                });
            };
            let mut words = error.split(' ');
            let (kind, target) = (words.next(), words.nth(1));
            let target = target.and_then(|t| t.rsplit_once(':')?.1.parse::<u16>().ok());
            match (kind, target) {
                (Some(kind @ ("MOVED" | "ASK")), Some(target)) => {
                    asking = kind == "ASK";
                    port = target;
                    redirects.push(error.clone());
                }
                _ => {
                    return Ok(Routed {
                        reply: render(&reply),
                        port,
                        redirects,
                    });
                }
            }
        }
        Err(format!(
            "{args:?} was redirected more than {MAX_REDIRECTS} times: {redirects:?}"
        ))
    }

    /// The end of every node's log, for a failed assertion's message.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            let (name, port, bus) = (&node.name, node.port, node.bus_port);
            let state = if node.is_running() {
                "started"
            } else {
                "killed"
            };
            let tail = node.log_tail();
            let _ = write!(
                out,
                "\n--- {name} on port {port}, bus {bus} ({state}), its log ends:\n{tail}"
            );
        }
        out
    }

    fn node(&self, port: u16) -> &Node {
        self.nodes
            .iter()
            .find(|n| n.port == port)
            .unwrap_or_else(|| panic!("port {port} is not a node of this cluster"))
    }

    fn node_mut(&mut self, port: u16) -> &mut Node {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .unwrap_or_else(|| panic!("port {port} is not a node of this cluster"))
    }

    fn running(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.is_running())
    }

    /// The cluster id of the node on `port` (`CLUSTER MYID`).
    fn node_id(&self, port: u16) -> String {
        let id = self.command(port, &["CLUSTER", "MYID"]);
        assert!(
            id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "port {port} answers CLUSTER MYID with {id:?}"
        );
        id
    }

    /// The slot map the running nodes agree on, waiting (up to 60 s) while they disagree.
    fn agreed_map(&self) -> SlotMap {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        self.await_state("the nodes to agree on the slot map", deadline, || {
            agreed_map(&self.snapshots()?)
        })
    }

    /// What each running node says, or why one does not answer.
    fn snapshots(&self) -> Result<Vec<Snapshot>, String> {
        (self.running())
            .map(|n| Snapshot::take(&self.wire, n.port))
            .collect()
    }

    /// The agreed slot map if the cluster has settled: every running node says
    /// `cluster_state:ok` with every slot served and knows every node, sees no running node as
    /// failing, all agree on the slot map, every slot's owner is running and no slot is being
    /// moved; every running node is a primary of slots or a replica of one with its link up,
    /// and none is rewriting its AOF (a fork: a test that ends, and kills the node, in the
    /// middle of it would orphan the forked child).
    fn settled(&self) -> Result<SlotMap, String> {
        let snapshots = self.snapshots()?;
        let running: BTreeSet<u16> = snapshots.iter().map(|n| n.port).collect();
        for node in &snapshots {
            node.cluster_ok()?;
            node.no_open_slots()?;
            if node.nodes.len() != self.nodes.len() {
                return Err(format!(
                    "port {} knows {} nodes",
                    node.port,
                    node.nodes.len()
                ));
            }
            let failing = (node.nodes.iter()).find(|n| {
                running.contains(&n.port) && n.flags.iter().any(|f| f.starts_with("fail"))
            });
            if let Some(n) = failing {
                return Err(format!(
                    "port {} sees port {} as {:?}",
                    node.port, n.port, n.flags
                ));
            }
        }
        let map = agreed_map(&snapshots)?;
        let covered: u32 = map.iter().map(|r| u32::from(r.end - r.start) + 1).sum();
        if covered != u32::from(SLOTS) {
            return Err(format!("the slot map covers {covered} slots: {map:?}"));
        }
        let primaries = primaries_of(&map);
        if let Some(stopped) = primaries.difference(&running).next() {
            return Err(format!("port {stopped} owns slots but is stopped"));
        }
        for node in &snapshots {
            if node.field("aof_rewrite_in_progress") != Some("0")
                || node.field("aof_rewrite_scheduled") != Some("0")
            {
                return Err(format!("port {} is rewriting its AOF", node.port));
            }
            let replicating = node.field("role") == Some("slave")
                && node.primary().is_some_and(|p| primaries.contains(&p))
                && node.field("master_link_status") == Some("up");
            let primary = node.field("role") == Some("master") && primaries.contains(&node.port);
            if !replicating && !primary {
                return Err(format!(
                    "port {} is neither primary nor replica: {}",
                    node.port, node.info
                ));
            }
        }
        Ok(map)
    }

    /// Run `redis-cli` with `args` and return its output (stdout, then stderr). Panics, with
    /// its output and the logs, if it cannot run or exits with an error.
    fn redis_cli(&self, args: &[String]) -> String {
        let (status, output) = self.run_redis_cli(args);
        if !status.success() {
            panic!(
                "redis-cli {args:?} failed ({status}); its output:\n{output}\n{}",
                self.logs()
            );
        }
        output
    }

    /// Run `redis-cli` with `args` (after its TLS arguments, for a TLS cluster) and return how it
    /// exited and its output (stdout, then stderr); kill it after [`CLI_TIMEOUT`]. Panics, with
    /// its output and the logs, if it cannot run or times out.
    fn run_redis_cli(&self, args: &[String]) -> (ExitStatus, String) {
        let mut child = Command::new("redis-cli")
            .args(&self.cli_tls)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run redis-cli (is it on PATH?): {e}"));
        // Read on threads, so that a chatty redis-cli never blocks on a full pipe.
        let stdout = child.stdout.take().map(read_on_a_thread);
        let stderr = child.stderr.take().map(read_on_a_thread);
        let deadline = Instant::now() + CLI_TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(POLL_INTERVAL),
                Ok(None) | Err(_) => {
                    ports::kill(&mut child);
                    break None;
                }
            }
        };
        let join = |h: Option<thread::JoinHandle<Vec<u8>>>| {
            let bytes = h.and_then(|h| h.join().ok()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let text = format!("{}{}", join(stdout), join(stderr));
        let Some(status) = status else {
            panic!(
                "redis-cli {args:?} did not finish within {CLI_TIMEOUT:?}; its output:\n{text}\n{}",
                self.logs()
            );
        };
        (status, text)
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
                    "timed out waiting for {what} of the cluster on ports {:?}: {why_not}\n{}",
                    self.node_ports(),
                    self.logs()
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
}

/// Read a pipe to its end on a thread of its own.
fn read_on_a_thread(mut pipe: impl std::io::Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// One cluster node, with its directory (config, `nodes.conf`, log, AOF). Dropping it kills
/// the process, then removes the directory.
struct Node {
    /// "node 1" to "node 6", in the order started, for messages.
    name: String,
    port: u16,
    /// Its cluster bus port, picked free like its port.
    bus_port: u16,
    /// How it is reached (to tell it is up): in the clear, or over TLS on its TLS port.
    wire: Wire,
    dir: tempfile::TempDir,
    /// `None` while stopped.
    child: Option<Child>,
}

impl Node {
    /// Write `config` in a fresh temp dir and start it on a free port with a free bus port
    /// (other ones if either is taken before it binds them), and wait until it answers PING
    /// (over `wire`).
    fn start(name: &str, config: &str, wire: &Wire) -> Node {
        let dir = tempfile::Builder::new()
            .prefix("salvage-cluster-set-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for the {name}: {e}"));
        fs::write(dir.path().join(CONFIG_FILE), config)
            .unwrap_or_else(|e| panic!("cannot write the {name}'s {CONFIG_FILE}: {e}"));
        let ((port, bus_port), child) = ports::on_a_free_port(&format!("the {name}"), |port| {
            let bus_port = loop {
                let bus_port = ports::free_port();
                if bus_port != port {
                    break bus_port;
                }
            };
            // An attempt that lost its port may have written a nodes.conf naming it.
            let _ = fs::remove_file(dir.path().join(NODES_FILE));
            Ok((
                (port, bus_port),
                spawn(name, dir.path(), port, bus_port, wire)?,
            ))
        });
        Node {
            name: name.to_owned(),
            port,
            bus_port,
            wire: wire.clone(),
            dir,
            child: Some(child),
        }
    }

    /// Start it again on its ports with its config and `nodes.conf`.
    fn restart(&mut self) {
        let (name, dir, port, bus_port) = (&self.name, self.dir.path(), self.port, self.bus_port);
        let child = ports::on_its_port(&format!("the {name}"), port, || {
            spawn(name, dir, port, bus_port, &self.wire)
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

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The last lines of its log.
    fn log_tail(&self) -> String {
        let log = ports::read_from(&self.dir.path().join(LOG_FILE), 0);
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Killed rather than shut down: its directory is about to go, and Drop must not hang
        // or panic (it may run while a failed test unwinds). `self.dir` is removed after this.
        self.kill();
    }
}

/// Run `redis-server --cluster-enabled yes` with the config in `dir` on `port` (its TLS port,
/// and no plain one, when `wire` is TLS) and `bus_port`, and wait until this process listens on
/// both and answers PING (a node that is still replaying its AOF answers `-LOADING`, which is
/// not ready yet).
fn spawn(
    name: &str,
    dir: &Path,
    port: u16,
    bus_port: u16,
    wire: &Wire,
) -> Result<Child, PortTaken> {
    let log = dir.join(LOG_FILE);
    let mark = ports::len(&log);
    let out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|file| Ok((file.try_clone()?, file)))
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
    let port_arg = port.to_string();
    let port_args = match wire {
        Wire::Plain => vec!["--port", &port_arg],
        Wire::Tls(_) => vec!["--port", "0", "--tls-port", &port_arg],
    };
    let mut child = Command::new("redis-server")
        .arg(dir.join(CONFIG_FILE))
        // On the command line, which the process keeps as its title (`set-proc-title no`):
        // `pgrep -f cluster-enabled` finds the nodes.
        .args(["--cluster-enabled", "yes"])
        .args(port_args)
        .args(["--cluster-port", &bus_port.to_string()])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out.0)
        .stderr(out.1)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run redis-server (is it on PATH?): {e}"));
    let pid = child.id();
    ports::await_ready(
        &format!("the {name} (redis-server on port {port}, bus {bus_port})"),
        &mut child,
        READY_TIMEOUT,
        || ports::read_from(&log, mark),
        || {
            ports::listens(pid, port)
                && ports::listens(pid, bus_port)
                && matches!(ask(wire, port, &["PING"]), Some(Reply::Simple(s)) if s == "PONG")
        },
        ports::kill,
    )?;
    Ok(child)
}

/// A node's config (its ports are given on the command line), ending with the `tls` lines
/// (empty in the clear). Its `dir` is the working directory it is started in.
fn config(tls: &str) -> String {
    format!(
        "bind 127.0.0.1\n\
         protected-mode no\n\
         daemonize no\n\
         logfile \"\"\n\
         set-proc-title no\n\
         cluster-config-file {NODES_FILE}\n\
         cluster-node-timeout {NODE_TIMEOUT_MS}\n\
         # A replica may fail over however long its link was down: a test may kill a primary\n\
         # on a loaded machine while a replica is still catching up.\n\
         cluster-replica-validity-factor 0\n\
         appendonly yes\n\
         appendfsync everysec\n\
         save \"\"\n\
         # Full syncs start at once instead of waiting 5 s for more replicas to share them: a\n\
         # test waits for every one, at start and when a former primary rejoins.\n\
         repl-diskless-sync-delay 0\n\
         {tls}"
    )
}

/// Which primary owns which slots: ranges of slots, each with its owner's port, sorted.
type SlotMap = Vec<SlotRange>;

/// Slots `start..=end`, owned by the primary on `port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SlotRange {
    start: u16,
    end: u16,
    port: u16,
}

/// One line of `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <primary id or -> <ping-sent>
/// <pong-recv> <config-epoch> <link-state> <slot or range>...`.
#[derive(Debug)]
struct NodeLine {
    port: u16,
    flags: Vec<String>,
    slots: Vec<(u16, u16)>,
    /// `[slot->-id]` and `[slot-<-id]`: slots being moved (listed for `myself` only).
    open: Vec<String>,
}

/// What one node says of the cluster (`CLUSTER INFO`, `CLUSTER NODES`) and of itself (`INFO
/// replication persistence`), read on one connection: the waits poll every node several times a
/// second, and each connection leaves a socket in TIME_WAIT for a minute.
struct Snapshot {
    port: u16,
    cluster_info: String,
    nodes: Vec<NodeLine>,
    info: String,
}

impl Snapshot {
    fn take(wire: &Wire, port: u16) -> Result<Snapshot, String> {
        let commands: [&[&str]; 3] = [
            &["CLUSTER", "INFO"],
            &["CLUSTER", "NODES"],
            &["INFO", "replication", "persistence"],
        ];
        let replies = wire
            .send_commands(port, &commands, COMMAND_TIMEOUT)
            .map_err(|e| format!("port {port} does not answer: {e}"))?;
        let [
            Reply::Bulk(Some(cluster_info)),
            Reply::Bulk(Some(nodes)),
            Reply::Bulk(Some(info)),
        ] = <[Reply; 3]>::try_from(replies)
            .map_err(|r| format!("port {port} answers {commands:?} with {r:?}"))?
        else {
            return Err(format!(
                "port {port} answers {commands:?} with other than text"
            ));
        };
        let nodes = (nodes.lines())
            .filter(|l| !l.trim().is_empty())
            .map(|line| parse_node_line(line).ok_or_else(|| format!("port {port} lists {line:?}")))
            .collect::<Result<_, _>>()?;
        Ok(Snapshot {
            port,
            cluster_info,
            nodes,
            info,
        })
    }

    /// A field of its `INFO` (`role`, `master_port`, ...).
    fn field(&self, name: &str) -> Option<&str> {
        field(&self.info, name)
    }

    /// The port of its primary, if it is a replica.
    fn primary(&self) -> Option<u16> {
        (self.field("role") == Some("slave"))
            .then(|| self.field("master_port")?.parse().ok())
            .flatten()
    }

    /// Whether it says `cluster_state:ok` with every slot assigned and served.
    fn cluster_ok(&self) -> Result<(), String> {
        let all = SLOTS.to_string();
        let value = |name: &str| field(&self.cluster_info, name);
        if value("cluster_state") != Some("ok")
            || value("cluster_slots_assigned") != Some(all.as_str())
            || value("cluster_slots_ok") != Some(all.as_str())
        {
            return Err(format!("port {}: {}", self.port, self.cluster_info));
        }
        Ok(())
    }

    /// Whether it is importing or migrating no slot (`[slot-<-id]`, `[slot->-id]` in its own
    /// line of `CLUSTER NODES`).
    fn no_open_slots(&self) -> Result<(), String> {
        let myself = (self.nodes.iter())
            .find(|n| n.flags.iter().any(|f| f == "myself"))
            .ok_or_else(|| format!("port {} does not list itself", self.port))?;
        if !myself.open.is_empty() {
            return Err(format!(
                "port {} has open slots {:?}",
                self.port, myself.open
            ));
        }
        Ok(())
    }
}

/// The slot map every snapshot shows, if they all show the same.
fn agreed_map(snapshots: &[Snapshot]) -> Result<SlotMap, String> {
    let (first, rest) = snapshots
        .split_first()
        .ok_or_else(|| "no node is running".to_owned())?;
    let map = slot_map_of(&first.nodes);
    for other in rest {
        let other_map = slot_map_of(&other.nodes);
        if other_map != map {
            return Err(format!(
                "port {} sees the slots as {map:?}, port {} as {other_map:?}",
                first.port, other.port
            ));
        }
    }
    Ok(map)
}

fn parse_node_line(line: &str) -> Option<NodeLine> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let addr = words.get(1)?.split(['@', ',']).next()?;
    let port = addr.rsplit_once(':')?.1.parse().ok()?;
    let flags = words.get(2)?.split(',').map(str::to_owned).collect();
    let (mut slots, mut open) = (Vec::new(), Vec::new());
    for word in words.get(8..).unwrap_or_default() {
        if word.starts_with('[') {
            open.push((*word).to_owned());
            continue;
        }
        let (start, end) = word.split_once('-').unwrap_or((word, word));
        slots.push((start.parse().ok()?, end.parse().ok()?));
    }
    Some(NodeLine {
        port,
        flags,
        slots,
        open,
    })
}

/// The slot map of a view.
fn slot_map_of(view: &[NodeLine]) -> SlotMap {
    let mut map: SlotMap = view
        .iter()
        .flat_map(|n| {
            (n.slots.iter()).map(|&(start, end)| SlotRange {
                start,
                end,
                port: n.port,
            })
        })
        .collect();
    map.sort_unstable();
    map
}

/// The ports of the primaries in a slot map.
fn primaries_of(map: &SlotMap) -> BTreeSet<u16> {
    map.iter().map(|r| r.port).collect()
}

/// The port of the owner of `slot` in a slot map.
fn owner(map: &SlotMap, slot: u16) -> Option<u16> {
    map.iter()
        .find(|r| (r.start..=r.end).contains(&slot))
        .map(|r| r.port)
}

/// One command's reply, or `None` if the node did not answer (stopped, or not yet up).
fn ask(wire: &Wire, port: u16, args: &[&str]) -> Option<Reply> {
    wire.send_command(port, args).ok().flatten()
}

/// A field of `INFO` or `CLUSTER INFO` text (`name:value` lines).
fn field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}
