//! The Sentinel deployment that failover tests run against (`support/sentinel.rs`): a killed
//! primary is replaced by a replica that has its acknowledged writes, and comes back as a
//! replica of the new one; its TLS variant speaks nothing but TLS, and does the same over it.

use crate::support::{
    certs::{Certs, answers_plaintext},
    sentinel::SentinelSet,
};

/// How long WAIT may wait for the replicas' acknowledgements, in ms: ample on a loaded machine,
/// and under the 2 s a harness command may take.
const WAIT_MS: &str = "1500";

/// The first word of a ROLE reply: `master` or `slave`.
fn role(set: &SentinelSet, port: u16) -> String {
    let reply = set.command(port, &["ROLE"]);
    reply.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn a_sentinel_set_fails_over_when_its_primary_is_killed() {
    let mut set = SentinelSet::start("salvage-failover");
    assert_eq!(set.sentinel_urls().len(), 3);
    let primary = set.primary_port();
    assert_eq!(set.primary_url(), format!("redis://127.0.0.1:{primary}"));
    assert_eq!(role(&set, primary), "master");
    // WAIT counts the writes of its own connection: the write and the WAIT share one.
    assert_eq!(
        set.pipeline(
            primary,
            &[&["SET", "order:1", "paid"], &["WAIT", "2", WAIT_MS]]
        ),
        ["OK", "2"],
        "both replicas acknowledge the write"
    );

    let killed = set.kill_primary();
    assert_eq!(killed, primary);
    let promoted = set.await_failover(killed);

    let replicas: Vec<u16> = set
        .node_ports()
        .into_iter()
        .filter(|&p| p != killed)
        .collect();
    assert!(
        replicas.contains(&promoted),
        "the new primary {promoted} is one of the old replicas {replicas:?}"
    );
    assert_eq!(set.primary_port(), promoted);
    assert_eq!(role(&set, promoted), "master");
    assert_eq!(set.command(promoted, &["GET", "order:1"]), "paid");
}

#[test]
fn a_restarted_former_primary_rejoins_as_a_replica_of_the_new_one() {
    let mut set = SentinelSet::start("salvage-rejoin");
    let killed = set.kill_primary();
    let promoted = set.await_failover(killed);
    assert_eq!(set.command(promoted, &["SET", "order:2", "shipped"]), "OK");

    set.restart_node(killed);
    set.await_replicas_up();

    assert_eq!(role(&set, killed), "slave");
    assert_eq!(
        set.command(killed, &["GET", "order:2"]),
        "shipped",
        "it replicates from the new primary"
    );
    assert_eq!(
        set.pipeline(
            promoted,
            &[&["SET", "order:3", "delivered"], &["WAIT", "2", WAIT_MS]]
        ),
        ["OK", "2"],
        "the new primary still leads, both replicas acknowledging a new write; {}",
        set.logs()
    );
}

#[test]
fn a_tls_sentinel_set_speaks_only_tls_and_fails_over_over_it() {
    let certs = Certs::generate();
    let mut set = SentinelSet::start_tls("salvage-tls", &certs);
    assert!(set.is_tls());
    let primary = set.primary_port();
    assert_eq!(set.primary_url(), format!("rediss://127.0.0.1:{primary}"));
    let sentinel_urls = set.sentinel_urls();
    assert_eq!(sentinel_urls.len(), 3);
    assert!(
        sentinel_urls
            .iter()
            .all(|u| u.starts_with("rediss://127.0.0.1:")),
        "{sentinel_urls:?}"
    );
    // Every process answers over TLS with the client certificate, and neither in the clear nor
    // without a client certificate.
    let sentinel_ports = sentinel_urls
        .iter()
        .map(|u| u.rsplit_once(':').unwrap().1.parse::<u16>().unwrap());
    for port in set.node_ports().into_iter().chain(sentinel_ports) {
        assert_eq!(set.command(port, &["PING"]), "PONG", "port {port}");
        assert!(!answers_plaintext(port), "port {port} answers in the clear");
        let no_cert = certs.ping_without_client_cert(port);
        assert!(!no_cert.contains("PONG"), "port {port}: {no_cert}");
    }
    for port in set.node_ports() {
        let plain_port = set.command(port, &["CONFIG", "GET", "port"]);
        assert_eq!(plain_port, "port\n0", "port {port} has no plaintext port");
    }
    // The replicas replicate over TLS: both acknowledge a write.
    assert_eq!(
        set.pipeline(
            primary,
            &[&["SET", "order:1", "paid"], &["WAIT", "2", WAIT_MS]]
        ),
        ["OK", "2"],
        "both replicas acknowledge the write; {}",
        set.logs()
    );

    // The sentinels reach the data nodes and each other over TLS: they fail the primary over,
    // and the old one rejoins as a replica.
    let killed = set.kill_primary();
    let promoted = set.await_failover(killed);
    assert_ne!(promoted, killed);
    assert_eq!(role(&set, promoted), "master");
    assert_eq!(set.command(promoted, &["GET", "order:1"]), "paid");
    set.restart_node(killed);
    set.await_replicas_up();
    assert_eq!(role(&set, killed), "slave");
    assert_eq!(
        set.pipeline(
            promoted,
            &[&["SET", "order:2", "shipped"], &["WAIT", "2", WAIT_MS]]
        ),
        ["OK", "2"],
        "both replicas acknowledge the new primary's write; {}",
        set.logs()
    );
}
