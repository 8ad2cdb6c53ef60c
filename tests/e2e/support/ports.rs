//! Ports for servers the tests start as child processes and must tell which port to use
//! (nats-server, tansu, RabbitMQ, a TLS redis-server, geckodriver). Such a port is picked free
//! (bind port 0, read it, close it), so another process may take it before the server binds
//! it: [`on_a_free_port`] starts the server again on a fresh port when it says so, and
//! [`listens`] tells the server we started from another one that won the race.
//!
//! Salvage itself needs none of this: in process it binds 127.0.0.1:0 and `Application`
//! reports its ports; the built binary does the same and logs them (`support/process.rs`).
//! `redis_server.rs` and `prometheus.rs` do the same as here, each with its own checks.

use std::{
    collections::HashSet,
    fs,
    net::{Ipv4Addr, TcpListener},
    path::Path,
    process::Child,
    thread,
    time::{Duration, Instant},
};

/// How many fresh ports to try when a server loses the race for one.
pub const PORT_ATTEMPTS: usize = 5;
/// How many times a restart tries its (fixed) port while someone else briefly holds it.
pub const RESTART_ATTEMPTS: usize = 5;

/// A port that was free a moment ago: bind 127.0.0.1:0, read the port, close the socket.
/// Another process may take it before the server it is meant for binds it; start that server
/// with [`on_a_free_port`].
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"))
}

/// A server could not bind the port it was given: someone else took it. Holds the server's
/// output of that attempt, for the panic message if no port works.
#[derive(Debug)]
pub struct PortTaken(pub String);

/// Start a server with `start(port)` on a free port, picking a fresh one each time `start`
/// says the port was taken; panics, with the last attempt's output, after [`PORT_ATTEMPTS`].
/// `start` panics itself on any other failure.
pub fn on_a_free_port<T>(what: &str, mut start: impl FnMut(u16) -> Result<T, PortTaken>) -> T {
    let mut last = String::new();
    for _ in 0..PORT_ATTEMPTS {
        match start(free_port()) {
            Ok(server) => return server,
            Err(PortTaken(output)) => last = output,
        }
    }
    panic!(
        "{what} could not bind a free port in {PORT_ATTEMPTS} attempts (another process took \
         each one first); the last attempt's output:\n{last}"
    )
}

/// Start a server again with `start()` on the port it had (its clients hold the address),
/// trying again a little later while that port is taken; panics, with the last attempt's
/// output, after [`RESTART_ATTEMPTS`].
pub fn on_its_port<T>(what: &str, port: u16, mut start: impl FnMut() -> Result<T, PortTaken>) -> T {
    let mut last = String::new();
    for attempt in 1..=RESTART_ATTEMPTS {
        match start() {
            Ok(server) => return server,
            Err(PortTaken(output)) => {
                last = output;
                thread::sleep(Duration::from_millis(200 * attempt as u64));
            }
        }
    }
    panic!(
        "{what} could not bind its port {port} again in {RESTART_ATTEMPTS} attempts (another \
         process holds it); the last attempt's output:\n{last}"
    )
}

/// Whether a server's output says it could not bind its port: the words of redis-server,
/// nats-server, tansu (Rust's `AddrInUse`), RabbitMQ (`eaddrinuse`, and its Erlang
/// distribution port) and geckodriver.
pub fn says_port_taken(output: &str) -> bool {
    let output = output.to_ascii_lowercase();
    [
        "address already in use",
        "address in use",
        "addrinuse",
        "dist_port_already_used",
    ]
    .iter()
    .any(|words| output.contains(words))
}

/// Spawn `cmd` (a server told to listen on `port`), its stdout and stderr appended to `log`,
/// and wait up to `timeout` until it listens there ([`await_ready`] on this start's output).
/// `what` names it in panics; `missing` says how to install it when it cannot be spawned.
pub fn spawn_listening(
    cmd: &mut std::process::Command,
    what: &str,
    port: u16,
    log: &Path,
    timeout: Duration,
    missing: &str,
) -> Result<Child, PortTaken> {
    let mark = len(log);
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .and_then(|file| Ok((file.try_clone()?, file)))
        .unwrap();
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(out.0)
        .stderr(out.1)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e} ({missing})"));
    let pid = child.id();
    await_ready(
        &format!("{what} on port {port}"),
        &mut child,
        timeout,
        || read_from(log, mark),
        || listens(pid, port),
        kill,
    )?;
    Ok(child)
}

/// Wait up to `timeout` until `ready()`, checking `child` and its output (`output()`, this
/// start's only) meanwhile. `Err(PortTaken)` as soon as the output says the port was taken
/// (the child is then killed with `kill`, as a server may go on without its listener);
/// panics, with the output, if the child exits for another reason or is not ready in time.
pub fn await_ready(
    what: &str,
    child: &mut Child,
    timeout: Duration,
    output: impl Fn() -> String,
    mut ready: impl FnMut() -> bool,
    kill: impl Fn(&mut Child),
) -> Result<(), PortTaken> {
    let deadline = Instant::now() + timeout;
    loop {
        let exited = child.try_wait().ok().flatten();
        let out = output();
        if says_port_taken(&out) {
            kill(child);
            return Err(PortTaken(out));
        }
        if let Some(status) = exited {
            panic!("{what} exited during startup ({status}); its output:\n{out}");
        }
        if ready() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            kill(child);
            panic!("{what} was not ready within {timeout:?}; its output:\n{out}");
        }
        thread::sleep(Duration::from_millis(25));
    }
}

/// Kill a child and reap it: the `kill` of [`await_ready`] for a server that is one process.
pub fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether process `pid` holds a TCP socket listening on `port` (any address): the sockets in
/// LISTEN state on that port (`/proc/net/tcp`, `tcp6`) against the process' open files
/// (`/proc/<pid>/fd`). This tells the server we started from another process that took its
/// port first, which would answer a connection just as well. Linux only, as these tests are.
pub fn listens(pid: u32, port: u16) -> bool {
    const LISTEN: &str = "0A";
    let mut sockets = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9))
            else {
                continue;
            };
            let local_port = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port) && *state == LISTEN {
                sockets.insert(format!("socket:[{inode}]"));
            }
        }
    }
    if sockets.is_empty() {
        return false;
    }
    let Ok(fds) = fs::read_dir(Path::new("/proc").join(pid.to_string()).join("fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        fs::read_link(fd.path())
            .is_ok_and(|target| target.to_str().is_some_and(|t| sockets.contains(t)))
    })
}

/// The bytes of a file from `offset` on, as text (empty if it cannot be read): one start's
/// output in a log that restarts append to.
pub fn read_from(path: &Path, offset: u64) -> String {
    let bytes = fs::read(path).unwrap_or_default();
    let start = usize::try_from(offset).unwrap_or(0).min(bytes.len());
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

/// The length of a file now (0 if it does not exist): the offset for [`read_from`].
pub fn len(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |m| m.len())
}
