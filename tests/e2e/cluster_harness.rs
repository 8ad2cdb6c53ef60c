//! The Redis Cluster that cluster tests run against (`support/cluster.rs`): it forms with every
//! slot served, computes slots as Redis does, replaces a killed primary by its replica, and
//! moves slots with their keys, one while a client keeps writing or many with `redis-cli`; its
//! TLS variant speaks nothing but TLS, and does the same over it.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    thread,
    time::{Duration, Instant},
};

use crate::support::{
    certs::{Certs, answers_plaintext},
    cluster::{ClusterSet, SLOTS},
};

/// How long WAIT may wait for a replica's acknowledgement, in ms: ample on a loaded machine,
/// and under the 2 s a harness command may take.
const WAIT_MS: &str = "1500";

/// The words of a ROLE reply, one a line: `master`, ... or `slave`, host, port, state, offset.
fn role(set: &ClusterSet, port: u16) -> Vec<String> {
    set.command(port, &["ROLE"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A field of `CLUSTER INFO` or `INFO` text.
fn field(info: &str, name: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(|v| v.trim().to_owned())
}

/// The command line of a process, if it is alive (or a zombie not yet reaped).
fn cmdline(pid: u32) -> Option<String> {
    let bytes = fs::read(Path::new("/proc").join(pid.to_string()).join("cmdline")).ok()?;
    Some(String::from_utf8_lossy(&bytes).replace('\0', " "))
}

/// Poll `done` every 5 ms until it holds; panics with `what` after 30 s.
fn await_true(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_cluster_forms_with_three_primaries_each_with_a_replica_and_dropping_it_kills_them() {
    let set = ClusterSet::start();
    let ports = set.node_ports();
    assert_eq!(ports.len(), 6);
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}"))
        .collect();
    assert_eq!(set.urls(), urls);

    let primaries = set.primary_ports();
    assert_eq!(primaries.len(), 3, "primaries {primaries:?}");
    for &port in &ports {
        let info = set.command(port, &["CLUSTER", "INFO"]);
        for (name, value) in [
            ("cluster_state", "ok"),
            ("cluster_slots_assigned", "16384"),
            ("cluster_slots_ok", "16384"),
            ("cluster_known_nodes", "6"),
            ("cluster_size", "3"),
        ] {
            assert_eq!(
                field(&info, name).as_deref(),
                Some(value),
                "port {port}: {info}"
            );
        }
        let bus = set.command(port, &["CONFIG", "GET", "cluster-port"]);
        let bus: u16 = bus.lines().nth(1).unwrap().parse().unwrap();
        assert!(bus != 0, "port {port} has an explicit bus port");
    }

    // Every primary has exactly one replica, and the three others are those replicas.
    let mut replicated = Vec::new();
    for &port in ports.iter().filter(|p| !primaries.contains(p)) {
        let role = role(&set, port);
        assert_eq!(role[0], "slave", "port {port}: {role:?}");
        assert_eq!(role[3], "connected", "port {port}: {role:?}");
        replicated.push(role[2].parse::<u16>().unwrap());
    }
    for &port in &primaries {
        assert_eq!(role(&set, port)[0], "master");
    }
    replicated.sort_unstable();
    assert_eq!(replicated, primaries, "each primary has one replica");

    // Each slot is served by exactly one primary, by the primaries' own account.
    let mut owned = vec![0u8; usize::from(SLOTS)];
    for &port in &primaries {
        let nodes = set.command(port, &["CLUSTER", "NODES"]);
        let myself = nodes.lines().find(|l| l.contains("myself")).unwrap();
        let mut own = Vec::new();
        for range in myself.split_whitespace().skip(8) {
            let (start, end) = range.split_once('-').unwrap_or((range, range));
            own.extend(start.parse::<u16>().unwrap()..=end.parse().unwrap());
        }
        own.iter().for_each(|&slot| owned[usize::from(slot)] += 1);
        assert_eq!(set.slots_of(port), own, "the slots of {port}");
    }
    assert!(owned.iter().all(|&n| n == 1), "every slot has one owner");

    // Dropping the set kills every node it started and removes their directories.
    let pids = set.pids();
    assert_eq!(pids.len(), 6);
    let dirs: Vec<PathBuf> = ports.iter().map(|&p| set.data_dir(p).to_owned()).collect();
    for (pid, dir) in pids.iter().zip(&dirs) {
        let line = cmdline(*pid).unwrap();
        assert!(
            line.contains("--cluster-enabled yes") && line.contains(&*dir.to_string_lossy()),
            "pid {pid} runs {line}"
        );
        assert!(dir.join("nodes.conf").exists());
    }
    drop(set);
    for (pid, dir) in pids.iter().zip(&dirs) {
        // Gone, or (after a reuse of its pid) another process.
        let line = cmdline(*pid);
        assert!(
            line.as_ref()
                .is_none_or(|l| !l.contains(&*dir.to_string_lossy())),
            "pid {pid} still runs {line:?}"
        );
        assert!(!dir.exists(), "{} is removed", dir.display());
    }
}

#[test]
fn slot_of_agrees_with_cluster_keyslot() {
    let set = ClusterSet::start();
    let port = set.node_ports()[0];
    let mut keys: Vec<String> = [
        "{salvage}",
        "{salvage}:parked:42",
        "salvage",
        "a{}b",
        "{}x",
        "x{y}z",
        "y",
        "foo",
        "{a}{b}",
        "a{b",
        "a}b{c}",
        "{{x}}",
        "",
        "order:{1234}:lines",
        "ключ{テスト}",
    ]
    .map(str::to_owned)
    .to_vec();
    keys.extend((0..200).map(|i| format!("order:{i}")));
    let commands: Vec<[&str; 3]> = keys.iter().map(|k| ["CLUSTER", "KEYSLOT", k]).collect();
    let commands: Vec<&[&str]> = commands.iter().map(|c| c.as_slice()).collect();
    let slots = set.pipeline(port, &commands);
    for (key, expected) in keys.iter().zip(slots) {
        assert_eq!(
            ClusterSet::slot_of(key).to_string(),
            expected,
            "slot of {key:?}"
        );
    }
    // The hash tag rule, spelled out.
    assert_eq!(ClusterSet::slot_of("foo"), 12182);
    assert_eq!(ClusterSet::slot_of("x{y}z"), ClusterSet::slot_of("y"));
    assert_eq!(
        ClusterSet::slot_of("{salvage}:parked:42"),
        ClusterSet::slot_of("salvage")
    );
    assert_ne!(ClusterSet::slot_of("a{}b"), ClusterSet::slot_of(""));
}

#[test]
fn a_killed_primary_is_replaced_by_its_replica_and_rejoins_as_its_replica() {
    let mut set = ClusterSet::start();
    let key = "{salvage}:failover";
    let slot = ClusterSet::slot_of(key);
    let primary = set.primary_of_slot(slot);
    assert_eq!(
        set.pipeline(primary, &[&["SET", key, "before"], &["WAIT", "1", WAIT_MS]]),
        ["OK", "1"],
        "the replica acknowledges the write"
    );
    let replica = *set
        .node_ports()
        .iter()
        .find(|&&p| p != primary && role(&set, p).get(2) == Some(&primary.to_string()))
        .unwrap();

    let killed_at = Instant::now();
    let killed = set.kill_primary_of_slot(slot);
    assert_eq!(killed, primary);
    let promoted = set.await_failover(slot, killed);
    let failover = killed_at.elapsed();

    assert_eq!(
        promoted, replica,
        "the replica of the killed primary takes over"
    );
    assert_eq!(set.primary_of_slot(slot), promoted);
    let primaries = set.primary_ports();
    assert_eq!(primaries.len(), 3, "primaries {primaries:?}");
    assert!(primaries.contains(&promoted) && !primaries.contains(&killed));
    assert_eq!(role(&set, promoted)[0], "master");
    assert_eq!(
        set.command(promoted, &["GET", key]),
        "before",
        "the new primary has the acknowledged write; {}",
        set.logs()
    );
    // A client that asks another node is sent to the new primary, and can write.
    let other = *primaries.iter().find(|&&p| p != promoted).unwrap();
    assert_eq!(set.cli(other, &["SET", key, "after"]), "OK");
    assert_eq!(set.command(promoted, &["GET", key]), "after");

    let restarted_at = Instant::now();
    set.restart_node(killed);
    eprintln!(
        "failed over in {failover:?}; the old primary rejoined in {:?}",
        restarted_at.elapsed()
    );
    let role = role(&set, killed);
    assert_eq!(role[0], "slave", "{role:?}");
    assert_eq!(
        role[2],
        promoted.to_string(),
        "it replicates the new primary"
    );
    assert_eq!(set.primary_of_slot(slot), promoted, "the slot stays");
    assert_eq!(
        set.pipeline(
            promoted,
            &[&["SET", key, "rejoined"], &["WAIT", "1", WAIT_MS]]
        ),
        ["OK", "1"],
        "the rejoined node acknowledges the new primary's writes; {}",
        set.logs()
    );
}

#[test]
fn move_slot_moves_a_slot_and_its_keys_while_a_client_keeps_writing() {
    const KEYS: usize = 1000;
    let set = ClusterSet::start();
    let slot = ClusterSet::slot_of("{moving}");
    let from = set.primary_of_slot(slot);
    let to = *set.primary_ports().iter().find(|&&p| p != from).unwrap();
    let slot_arg = slot.to_string();

    let mut expected: BTreeMap<String, String> = (0..KEYS)
        .map(|i| (format!("{{moving}}:{i}"), format!("v{i}")))
        .collect();
    let pairs: Vec<(&String, &String)> = expected.iter().collect();
    for batch in pairs.chunks(100) {
        let mut args = vec!["MSET"];
        args.extend(batch.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]));
        assert_eq!(set.command(from, &args), "OK");
    }
    assert_eq!(
        set.command(from, &["CLUSTER", "COUNTKEYSINSLOT", &slot_arg]),
        KEYS.to_string()
    );

    // A client that knows only the old owner writes the slot all along: new keys, and new
    // values of the first keys, every write acknowledged before the next.
    let (written, stop) = (AtomicUsize::new(0), AtomicBool::new(false));
    let (acked, redirects, during) = thread::scope(|s| {
        let writer = s.spawn(|| {
            let (mut acked, mut redirects) = (Vec::new(), Vec::new());
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let key = if n % 2 == 0 {
                    format!("{{moving}}:new:{n}")
                } else {
                    format!("{{moving}}:{}", n % KEYS)
                };
                let value = format!("w{n}");
                let routed = set
                    .routed_command(from, &["SET", &key, &value])
                    .unwrap_or_else(|e| panic!("write {n}: {e}"));
                assert_eq!(routed.reply, "OK", "write {n} of {key}: {routed:?}");
                redirects.extend(routed.redirects);
                acked.push((key, value));
                written.store(n + 1, Ordering::SeqCst);
            }
            (acked, redirects)
        });
        let alive = || !writer.is_finished();
        await_true("50 writes before the move", || {
            written.load(Ordering::SeqCst) >= 50 || !alive()
        });
        let (before, started) = (written.load(Ordering::SeqCst), Instant::now());
        set.move_slot(slot, to);
        let after = written.load(Ordering::SeqCst);
        eprintln!("moved slot {slot} in {:?}", started.elapsed());
        await_true("50 writes after the move", || {
            written.load(Ordering::SeqCst) >= after + 50 || !alive()
        });
        stop.store(true, Ordering::SeqCst);
        let (acked, redirects) = writer.join().unwrap();
        (acked, redirects, after - before)
    });
    assert!(during > 0, "the client wrote while the slot moved");
    let moved = format!("MOVED {slot} 127.0.0.1:{to}");
    assert!(
        redirects.contains(&moved),
        "the old owner sends the client to the new one: {redirects:?}"
    );
    eprintln!(
        "{} writes, {during} during the move; {} ASK and {} MOVED redirections",
        acked.len(),
        redirects.iter().filter(|r| r.starts_with("ASK")).count(),
        redirects.iter().filter(|r| r.starts_with("MOVED")).count()
    );
    expected.extend(acked);

    assert_eq!(set.primary_of_slot(slot), to);
    assert_eq!(
        set.command(from, &["CLUSTER", "COUNTKEYSINSLOT", &slot_arg]),
        "0"
    );
    assert_eq!(
        set.command(to, &["CLUSTER", "COUNTKEYSINSLOT", &slot_arg]),
        expected.len().to_string(),
        "the new owner holds every key, none lost"
    );
    let keys: Vec<&String> = expected.keys().collect();
    for batch in keys.chunks(100) {
        let mut args = vec!["MGET"];
        args.extend(batch.iter().map(|k| k.as_str()));
        let values = set.command(to, &args);
        let values: Vec<&str> = values.lines().collect();
        assert_eq!(values.len(), batch.len());
        for (key, value) in batch.iter().zip(values) {
            assert_eq!(value, expected[*key], "{key} on the new owner");
        }
    }
}

#[test]
fn reshard_moves_slots_with_their_keys() {
    const MOVE: usize = 200;
    let set = ClusterSet::start();
    let primaries = set.primary_ports();
    let (from, to, third) = (primaries[0], primaries[1], primaries[2]);
    let from_slots: BTreeSet<u16> = set.slots_of(from).into_iter().collect();
    let to_slots: BTreeSet<u16> = set.slots_of(to).into_iter().collect();
    let third_slots = set.slots_of(third);

    // One key in every slot of the source.
    let mut keys: BTreeMap<u16, String> = BTreeMap::new();
    for i in 0.. {
        let key = format!("reshard:{i}");
        let slot = ClusterSet::slot_of(&key);
        if from_slots.contains(&slot) {
            keys.entry(slot).or_insert(key);
            if keys.len() == from_slots.len() {
                break;
            }
        }
    }
    let sets: Vec<[&str; 3]> = keys.values().map(|k| ["SET", k, k]).collect();
    let sets: Vec<&[&str]> = sets.iter().map(|c| c.as_slice()).collect();
    assert!(set.pipeline(from, &sets).iter().all(|r| r == "OK"));
    assert_eq!(set.command(from, &["DBSIZE"]), from_slots.len().to_string());

    let started = Instant::now();
    set.reshard(from, to, MOVE as u32);
    eprintln!(
        "resharded {MOVE} slots, one key each, in {:?}",
        started.elapsed()
    );

    let from_after: BTreeSet<u16> = set.slots_of(from).into_iter().collect();
    let to_after: BTreeSet<u16> = set.slots_of(to).into_iter().collect();
    assert_eq!(from_after.len(), from_slots.len() - MOVE);
    let moved: BTreeSet<u16> = from_slots.difference(&from_after).copied().collect();
    assert_eq!(moved.len(), MOVE);
    assert!(from_after.is_subset(&from_slots));
    assert_eq!(
        to_after,
        to_slots.union(&moved).copied().collect(),
        "the target gains the moved slots"
    );
    assert_eq!(
        set.slots_of(third),
        third_slots,
        "the third primary keeps its slots"
    );
    assert_eq!(set.command(to, &["DBSIZE"]), MOVE.to_string());
    assert_eq!(
        set.command(from, &["DBSIZE"]),
        (from_slots.len() - MOVE).to_string()
    );
    for owner in [from, to] {
        let here: Vec<&String> = (keys.iter())
            .filter(|(slot, _)| moved.contains(slot) == (owner == to))
            .map(|(_, key)| key)
            .collect();
        let gets: Vec<[&str; 2]> = here.iter().map(|k| ["GET", k.as_str()]).collect();
        let gets: Vec<&[&str]> = gets.iter().map(|c| c.as_slice()).collect();
        for (key, value) in here.iter().zip(set.pipeline(owner, &gets)) {
            assert_eq!(value, **key, "{key} on {owner}");
        }
    }
}

#[test]
fn a_tls_cluster_speaks_only_tls_fails_over_moves_slots_and_rejoins_over_it() {
    let certs = Certs::generate();
    let mut set = ClusterSet::start_tls(&certs);
    assert!(set.is_tls());
    let ports = set.node_ports();
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("rediss://127.0.0.1:{p}"))
        .collect();
    assert_eq!(set.urls(), urls);
    assert_eq!(set.primary_ports().len(), 3);
    // Every node answers over TLS with the client certificate, and neither in the clear nor
    // without a client certificate; its bus and its replication are TLS too.
    for &port in &ports {
        assert_eq!(set.command(port, &["PING"]), "PONG", "port {port}");
        for (name, value) in [
            ("port", "0"),
            ("tls-port", &port.to_string()),
            ("tls-cluster", "yes"),
            ("tls-replication", "yes"),
            ("tls-auth-clients", "yes"),
        ] {
            let got = set.command(port, &["CONFIG", "GET", name]);
            assert_eq!(got, format!("{name}\n{value}"), "port {port}");
        }
        assert!(!answers_plaintext(port), "port {port} answers in the clear");
        let no_cert = certs.ping_without_client_cert(port);
        assert!(!no_cert.contains("PONG"), "port {port}: {no_cert}");
    }
    // The slot map names the TLS ports, which is what a cluster client is sent to.
    let slots = set.command(ports[0], &["CLUSTER", "SLOTS"]);
    for primary in set.primary_ports() {
        assert!(slots.contains(&primary.to_string()), "{slots}");
    }

    // `redis-cli -c` follows a redirection over TLS; a slot moves, its key with it (MIGRATE
    // between the nodes over TLS).
    let key = "{salvage}:tls";
    let slot = ClusterSet::slot_of(key);
    let owner = set.primary_of_slot(slot);
    let other = *set.primary_ports().iter().find(|&&p| p != owner).unwrap();
    assert_eq!(set.cli(other, &["SET", key, "before"]), "OK");
    set.move_slot(slot, other);
    assert_eq!(set.primary_of_slot(slot), other);
    assert_eq!(set.command(other, &["GET", key]), "before");

    // The replica acknowledges a write, takes over when its primary is killed, and the old
    // primary rejoins as its replica.
    assert_eq!(
        set.pipeline(other, &[&["SET", key, "acked"], &["WAIT", "1", WAIT_MS]]),
        ["OK", "1"],
        "the replica acknowledges the write; {}",
        set.logs()
    );
    let killed = set.kill_primary_of_slot(slot);
    let promoted = set.await_failover(slot, killed);
    assert_eq!(set.command(promoted, &["GET", key]), "acked");
    set.restart_node(killed);
    let role = role(&set, killed);
    assert_eq!(role[0], "slave", "{role:?}");
    assert_eq!(role[2], promoted.to_string(), "{role:?}");
}
