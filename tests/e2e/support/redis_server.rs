//! A private `redis-server` for one test: its own free port on 127.0.0.1 and its own temporary
//! data directory, so tests never share state and can run in parallel (separate nextest
//! processes or threads of one `cargo test` binary).
//!
//! The server runs with the settings Salvage relies on in production (`appendonly yes`,
//! `appendfsync everysec`) and none of the noise (no RDB snapshots, no protected mode), so a
//! test can [`RedisServer::stop`] it cleanly and [`RedisServer::restart`] it on the same port and
//! data directory to check what survives a Redis restart.
//!
//! Everything here is blocking std code (a child process, and RESP spoken by hand over a
//! `TcpStream`, or over rustls for the TLS sets of `sentinel.rs` and `cluster.rs`: [`Wire`]): it
//! runs before or between the async parts of a test and needs no Redis client. Failures panic
//! with a message that includes the server's log, since a test cannot go on without its Redis.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "test support: each test binary uses part of it, and its `pub` API is reachable \
              only inside that binary"
)]

use std::{
    fmt::Write as _,
    fs,
    io::{BufRead, BufReader, Read, Write},
    net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, PoisonError},
    thread,
    time::{Duration, Instant},
};

/// How long to wait for a fresh or restarted server to answer PING. Generous because a loaded
/// CI machine with many parallel tests can be slow to start processes and replay an AOF.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for the process to exit after SHUTDOWN (or a kill).
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many fresh ports to try when `redis-server` loses the race for one.
const PORT_ATTEMPTS: usize = 5;
/// How many times `restart` retries its (fixed) port while it is briefly held by someone else.
const RESTART_ATTEMPTS: usize = 5;
/// The server's log file, in its data dir.
const LOG_FILE: &str = "redis.log";
/// Its stdout and stderr, in its data dir.
const OUT_FILE: &str = "redis.out";
/// Timeout for one RESP exchange.
const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// A `redis-server` child process owned by one test. Dropping it kills the process and removes
/// its data directory.
pub struct RedisServer {
    port: u16,
    /// Holds `redis.conf`, `redis.log`, `redis.out` and `appendonlydir/`; removed on drop,
    /// after the process.
    dir: tempfile::TempDir,
    /// `None` while stopped. Behind a mutex only so that `is_running(&self)` can reap the
    /// process, and so the server can be shared (`Arc<RedisServer>`) across test tasks.
    child: Mutex<Option<Child>>,
}

impl RedisServer {
    /// Start `redis-server` from PATH on a free 127.0.0.1 port with its own temp data dir
    /// (appendonly yes, appendfsync everysec, no RDB saves, no protected mode), and wait until
    /// it answers PING. Panics, with the server's log, if it cannot be started.
    pub fn start() -> RedisServer {
        let dir = tempfile::Builder::new()
            .prefix("salvage-redis-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for redis-server: {e}"));
        write_config(dir.path());
        let mut last_failure = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            match spawn_and_wait(dir.path(), port) {
                Ok(child) => {
                    return RedisServer {
                        port,
                        dir,
                        child: Mutex::new(Some(child)),
                    };
                }
                // Another process took the port between our probe and redis' bind: pick again.
                Err(StartError::PortTaken(log)) => last_failure = log,
                Err(StartError::Failed(msg)) => panic!("{msg}"),
            }
        }
        panic!(
            "redis-server could not bind a free port in {PORT_ATTEMPTS} attempts; the last \
             attempt's {last_failure}"
        );
    }

    /// The port the server listens on (the same across restarts).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The data directory (holds `redis.log` and `appendonlydir/`), kept across restarts.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The process id while running.
    pub fn pid(&self) -> Option<u32> {
        self.lock_child().as_ref().map(Child::id)
    }

    /// Stop it cleanly with SHUTDOWN, which flushes and fsyncs the AOF, keeping the data dir;
    /// waits for the process to exit. Does nothing if it is not running. Panics if it does not
    /// shut down within 10 s (and kills it).
    pub fn stop(&mut self) {
        let Some(mut child) = self.lock_child().take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return; // already gone (killed by the test, or crashed): nothing to stop
        }
        // A successful SHUTDOWN closes the connection without a reply; an error reply (or no
        // connection at all) means the process is not going away by itself, so it is killed.
        let asked = send_command(self.port, &["SHUTDOWN"]).is_ok_and(|reply| reply.is_none());
        if !asked || wait_exit(&mut child, EXIT_TIMEOUT).is_none() {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "redis-server on port {} did not shut down cleanly; {}",
                self.port,
                Logs::default().since(self.dir.path())
            );
        }
    }

    /// Kill it with SIGKILL, as a crash would, keeping the data dir: writes from the last
    /// second may be lost (`appendfsync everysec`), as in production. Waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.lock_child().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start it again on the same port and data dir (the data survives, replayed from the
    /// AOF), and wait until it answers PING. Stops it first if it is running. If the port is
    /// briefly taken by another process, retries on the same port for a few seconds.
    pub fn restart(&mut self) {
        self.stop();
        let mut last_failure = String::new();
        for attempt in 0..RESTART_ATTEMPTS {
            match spawn_and_wait(self.dir.path(), self.port) {
                Ok(child) => {
                    *self.lock_child() = Some(child);
                    return;
                }
                // The port must stay the same (the app under test holds the URL), so wait for
                // whoever holds it (a stale connection, another test's probe) and try again.
                Err(StartError::PortTaken(log)) => {
                    last_failure = log;
                    thread::sleep(Duration::from_millis(200 * (attempt as u64 + 1)));
                }
                Err(StartError::Failed(msg)) => panic!("{msg}"),
            }
        }
        panic!(
            "redis-server could not bind its port {} again after {RESTART_ATTEMPTS} attempts; \
             the last attempt's {last_failure}",
            self.port
        );
    }

    /// Whether the process is still alive (reaps it if it has exited).
    pub fn is_running(&self) -> bool {
        let mut child = self.lock_child();
        match child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(Ok(Some(_)) | Err(_)) => {
                *child = None;
                false
            }
            None => false,
        }
    }

    /// Run one command and return its reply as text (arrays one item a line, `(nil)`,
    /// `(error) ...`), for tests that poke at Redis without an async client, e.g.
    /// `server.command(&["XLEN", "orders"])`. Panics if the server does not answer.
    pub fn command(&self, args: &[&str]) -> String {
        match send_command(self.port, args) {
            Ok(Some(reply)) => render(&reply),
            Ok(None) => panic!(
                "redis on port {} closed the connection on {args:?}",
                self.port
            ),
            Err(e) => panic!("redis on port {} did not answer {args:?}: {e}", self.port),
        }
    }

    fn lock_child(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        // A panic while holding the lock leaves the Option intact, so poisoning is harmless.
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // Killed rather than shut down: the data dir is about to be deleted anyway, and Drop
        // must not hang or panic (it may run while a failed test unwinds).
        let child = self.child.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(mut child) = child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // `self.dir` (the TempDir) is removed after this, once the process is gone.
    }
}

enum StartError {
    /// redis-server exited because the port was in use.
    PortTaken(String),
    /// Anything else: a message with the log, for the panic.
    Failed(String),
}

/// A port that was free a moment ago: bind port 0, read the port, close the socket. Another
/// process may take it before redis-server binds it; `start` retries when that happens.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"))
}

fn write_config(dir: &Path) {
    let dir_str = quote(dir);
    let log = quote(&dir.join(LOG_FILE));
    let config = format!(
        "bind 127.0.0.1\n\
         protected-mode no\n\
         daemonize no\n\
         dir {dir_str}\n\
         logfile {log}\n\
         appendonly yes\n\
         appendfsync everysec\n\
         save \"\"\n"
    );
    fs::write(dir.join("redis.conf"), config)
        .unwrap_or_else(|e| panic!("cannot write redis.conf in {}: {e}", dir.display()));
}

/// A path as a double-quoted redis.conf string.
fn quote(path: &Path) -> String {
    let mut out = String::from("\"");
    for c in path.display().to_string().chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Spawn redis-server on `port` and wait until it answers PING, and is the process we started
/// (not another test's server that won the race for the port).
fn spawn_and_wait(dir: &Path, port: u16) -> Result<Child, StartError> {
    let logs = Logs::mark(dir);
    let out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(OUT_FILE))
        .and_then(|file| Ok((file.try_clone()?, file)))
        .unwrap_or_else(|e| panic!("cannot create {OUT_FILE} in {}: {e}", dir.display()));
    let mut child = Command::new("redis-server")
        .arg(dir.join("redis.conf"))
        .args(["--port", &port.to_string()])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out.0)
        .stderr(out.1)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run redis-server (is it on PATH?): {e}"));
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = logs.since(dir);
            if log.contains("Address already in use") {
                return Err(StartError::PortTaken(log));
            }
            return Err(StartError::Failed(format!(
                "redis-server on port {port} exited during startup ({status}); {log}"
            )));
        }
        if is_ours(port, dir) {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(StartError::Failed(format!(
                "redis-server on port {port} did not answer PING within {READY_TIMEOUT:?}; {}",
                logs.since(dir)
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the server on `port` answers PING and serves from `dir`. A server that is still
/// replaying its AOF answers `-LOADING`, which is not ready yet.
fn is_ours(port: u16, dir: &Path) -> bool {
    if !matches!(send_command(port, &["PING"]), Ok(Some(Reply::Simple(s))) if s == "PONG") {
        return false;
    }
    let Ok(Some(Reply::Array(items))) = send_command(port, &["CONFIG", "GET", "dir"]) else {
        return false;
    };
    let served = match items.get(1) {
        Some(Reply::Bulk(Some(path))) => PathBuf::from(path),
        _ => return false,
    };
    let canonical = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canonical(&served) == canonical(dir)
}

/// Wait up to `timeout` for the child to exit.
fn wait_exit(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) | Err(_) => return None,
        }
    }
}

/// Where one start's output begins in the two files redis-server writes: its log (`logfile`)
/// and its stdout/stderr (where it reports a bad config, before the log is open). Both are
/// appended to across restarts, so a failure shows only the lines of the start that failed.
#[derive(Debug, Clone, Copy, Default)]
struct Logs {
    log: u64,
    out: u64,
}

impl Logs {
    fn mark(dir: &Path) -> Self {
        let len = |name: &str| fs::metadata(dir.join(name)).map_or(0, |m| m.len());
        Logs {
            log: len(LOG_FILE),
            out: len(OUT_FILE),
        }
    }

    /// Both files from the mark on, labelled, for a panic message.
    fn since(self, dir: &Path) -> String {
        let read = |name: &str, offset: u64| match fs::read(dir.join(name)) {
            Ok(bytes) => {
                let start = usize::try_from(offset).unwrap_or(0).min(bytes.len());
                String::from_utf8_lossy(&bytes[start..]).into_owned()
            }
            Err(e) => format!("(cannot read {}: {e})\n", dir.join(name).display()),
        };
        format!(
            "its log ({LOG_FILE}):\n{}\nits output ({OUT_FILE}):\n{}",
            read(LOG_FILE, self.log),
            read(OUT_FILE, self.out)
        )
    }
}

/// A RESP reply, as far as this harness (and `sentinel.rs`, which speaks to its nodes the same
/// way) needs to read one.
#[derive(Debug)]
pub(super) enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Option<String>),
    Array(Vec<Reply>),
}

/// How the harness's own commands reach a server: in the clear, or over TLS (for servers that
/// listen only with TLS, `support/certs.rs`), trusting the test CA and presenting its client
/// certificate. Cheap to clone.
#[derive(Clone, Default)]
pub enum Wire {
    #[default]
    Plain,
    Tls(Arc<rustls::ClientConfig>),
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plain => "Wire::Plain",
            Self::Tls(_) => "Wire::Tls",
        })
    }
}

impl Wire {
    /// Whether commands go over TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }

    /// Send one command to the server on `port` and read its reply; `Ok(None)` when the server
    /// closed the connection without replying (what a successful SHUTDOWN does).
    pub(super) fn send_command(&self, port: u16, args: &[&str]) -> std::io::Result<Option<Reply>> {
        let mut reader = self.send(port, &[args], IO_TIMEOUT)?;
        match read_reply(&mut reader) {
            Ok(reply) => Ok(Some(reply)),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            // A reset instead of a clean close also means the server went away.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Send `commands` to the server on `port` on one connection, pipelined, and read their
    /// replies, each read waiting up to `timeout`: for commands that must share a connection
    /// (`ASKING` and the command it allows) and for many commands at once. A connection closed
    /// early is an error.
    pub(super) fn send_commands(
        &self,
        port: u16,
        commands: &[&[&str]],
        timeout: Duration,
    ) -> std::io::Result<Vec<Reply>> {
        let mut reader = self.send(port, commands, timeout)?;
        commands.iter().map(|_| read_reply(&mut reader)).collect()
    }

    /// Connect to `port` (and shake hands, over TLS) and write `commands`; the reader of the
    /// replies.
    fn send(
        &self,
        port: u16,
        commands: &[&[&str]],
        timeout: Duration,
    ) -> std::io::Result<BufReader<Stream>> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let tcp = TcpStream::connect_timeout(&addr, timeout)?;
        tcp.set_read_timeout(Some(timeout))?;
        tcp.set_write_timeout(Some(timeout))?;
        let mut stream = match self {
            Self::Plain => Stream::Plain(tcp),
            Self::Tls(config) => {
                // The test certificates name 127.0.0.1, which is what is dialled.
                let name = rustls::pki_types::ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
                let conn = rustls::ClientConnection::new(config.clone(), name)
                    .map_err(std::io::Error::other)?;
                Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)))
            }
        };
        let mut request = String::new();
        for args in commands {
            let _ = write!(request, "*{}\r\n", args.len());
            for arg in *args {
                let _ = write!(request, "${}\r\n{arg}\r\n", arg.len());
            }
        }
        // Over TLS the handshake happens here, within the socket's timeouts.
        stream.write_all(request.as_bytes())?;
        stream.flush()?;
        Ok(BufReader::new(stream))
    }
}

/// A connection of the harness: plain TCP or TLS over it.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(s) => s.flush(),
        }
    }
}

/// Send one command in the clear and read its reply, as [`Wire::send_command`].
pub(super) fn send_command(port: u16, args: &[&str]) -> std::io::Result<Option<Reply>> {
    Wire::Plain.send_command(port, args)
}

/// Send `commands` in the clear on one connection, as [`Wire::send_commands`].
pub(super) fn send_commands(
    port: u16,
    commands: &[&[&str]],
    timeout: Duration,
) -> std::io::Result<Vec<Reply>> {
    Wire::Plain.send_commands(port, commands, timeout)
}

fn read_reply(reader: &mut impl BufRead) -> std::io::Result<Reply> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let line = line.trim_end_matches(['\r', '\n']);
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidData, line.to_owned());
    let (kind, rest) = line.split_at_checked(1).ok_or_else(invalid)?;
    let number = || rest.parse::<i64>().map_err(|_| invalid());
    Ok(match kind {
        "+" => Reply::Simple(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Integer(number()?),
        "$" => match usize::try_from(number()?) {
            Err(_) => Reply::Bulk(None),
            Ok(len) => {
                let mut buf = vec![0; len + 2];
                reader.read_exact(&mut buf)?;
                buf.truncate(len);
                Reply::Bulk(Some(String::from_utf8_lossy(&buf).into_owned()))
            }
        },
        "*" => match usize::try_from(number()?) {
            Err(_) => Reply::Array(Vec::new()),
            Ok(len) => (0..len)
                .map(|_| read_reply(reader))
                .collect::<Result<_, _>>()
                .map(Reply::Array)?,
        },
        _ => return Err(invalid()),
    })
}

/// A reply as the text [`RedisServer::command`] returns.
pub(super) fn render(reply: &Reply) -> String {
    match reply {
        Reply::Simple(s) | Reply::Bulk(Some(s)) => s.clone(),
        Reply::Error(e) => format!("(error) {e}"),
        Reply::Integer(n) => n.to_string(),
        Reply::Bulk(None) => "(nil)".to_owned(),
        Reply::Array(items) => items.iter().map(render).collect::<Vec<_>>().join("\n"),
    }
}
