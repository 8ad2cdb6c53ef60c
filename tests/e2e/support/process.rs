//! The built `salvage` binary as a child process, for tests that kill it or read its logs.

use std::{
    io::Write,
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use salvage::proto::v1::salvage_client::SalvageClient;

use super::{eventually, example_rules};

/// How long the binary may take to log that it is listening.
const LISTENING_TIMEOUT: Duration = Duration::from_secs(20);
/// The line it logs once its listeners are bound, with their addresses.
const LISTENING: &str = "salvage is listening";

/// The built binary, serving with a config file written for this test.
pub struct Process {
    pub child: Child,
    /// Its Salvage gRPC API, `http://127.0.0.1:PORT`.
    pub grpc: String,
    /// Its admin HTTP port, `http://127.0.0.1:PORT`.
    pub admin: String,
    /// The parking lot's admin gRPC API, `http://127.0.0.1:PORT`.
    pub parking: String,
}

impl Process {
    /// Start `salvage serve` with a config of `redis_url`, the example rules, every listener on
    /// 127.0.0.1:0, and `extra` TOML appended (it may add `[parking_lot.*]` sub-tables, not
    /// `[parking_lot]`, which is written here with the test tokens); wait until it logs the
    /// ports the OS gave it (so `extra` must leave `salvage=info` logged). Its stderr goes to
    /// `<dir>/<name>.log`.
    pub async fn start(dir: &Path, name: &str, redis_url: &str, extra: &str) -> Self {
        Self::start_with_env(dir, name, redis_url, extra, &[]).await
    }

    /// [`Process::start`], with environment variables set (e.g. `SALVAGE__*` overrides of the
    /// sections written here).
    pub async fn start_with_env(
        dir: &Path,
        name: &str,
        redis_url: &str,
        extra: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let config = dir.join(format!("{name}.toml"));
        let mut f = std::fs::File::create(&config).unwrap();
        write!(
            f,
            "[server]\ngrpc_addr = \"127.0.0.1:0\"\n[admin]\naddr = \"127.0.0.1:0\"\n\
             [redis]\nurl = \"{redis_url}\"\n[rules]\npath = {rules:?}\n\
             [parking_lot]\naddr = \"127.0.0.1:0\"\nrun_lease = \"1s\"\n\
             [[parking_lot.tokens]]\nname = \"olivia\"\nrole = \"operator\"\ntoken = \"{op}\"\n\
             [[parking_lot.tokens]]\nname = \"victor\"\nrole = \"viewer\"\ntoken = \"{viewer}\"\n\
             {extra}",
            rules = example_rules().display().to_string(),
            op = super::OPERATOR,
            viewer = super::VIEWER,
        )
        .unwrap();
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_salvage"))
            .args(["serve", "--config"])
            .arg(&config)
            .envs(env.iter().copied())
            .envs(super::test_buckets().map(|n| ("SALVAGE__REDIS__BUCKETS", n.to_string())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Owned from here on, so that a panic below kills it (on drop).
        let mut process = Self {
            child,
            grpc: String::new(),
            admin: String::new(),
            parking: String::new(),
        };
        let [grpc, admin, parking] = process.await_listening(&log).await;
        process.grpc = format!("http://{grpc}");
        process.admin = format!("http://{admin}");
        process.parking = format!("http://{parking}");
        process
    }

    /// The addresses of its Salvage API, admin port and parking lot API, from the line it logs
    /// once they are bound; panics, with its log, if it exits first or takes too long.
    async fn await_listening(&mut self, log: &Path) -> [SocketAddr; 3] {
        let deadline = tokio::time::Instant::now() + LISTENING_TIMEOUT;
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            // Whole lines only: the last one may still be being written.
            let listening = text
                .split_inclusive('\n')
                .find(|l| l.ends_with('\n') && l.contains(LISTENING));
            if let Some(line) = listening {
                return ["grpc_addr", "admin_addr", "parking_addr"].map(|key| {
                    field_addr(line, key).unwrap_or_else(|| {
                        panic!("no {key} in salvage's {LISTENING:?} line: {line}")
                    })
                });
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("salvage exited during startup ({status}); its log:\n{text}");
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "salvage did not log {LISTENING:?} within {LISTENING_TIMEOUT:?}; its log:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Wait until it is ready (`/readyz`), then connect a client to its Salvage API.
    pub async fn client(&self) -> SalvageClient<tonic::transport::Channel> {
        let ready = eventually(Duration::from_secs(20), || async {
            let r = reqwest::get(format!("{}/readyz", self.admin)).await.ok()?;
            (r.status() == 200).then_some(())
        })
        .await;
        assert!(ready.is_some(), "salvage did not become ready");
        SalvageClient::connect(self.grpc.clone()).await.unwrap()
    }

    /// SIGKILL: no graceful anything.
    pub fn abort(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address in field `key` of a log line, human (`key=127.0.0.1:PORT`) or JSON
/// (`"key":"127.0.0.1:PORT"`).
fn field_addr(line: &str, key: &str) -> Option<SocketAddr> {
    [format!("{key}="), format!("\"{key}\":\"")]
        .iter()
        .find_map(|start| {
            let value = &line[line.find(start.as_str())? + start.len()..];
            let end = value
                .find(|c: char| !(c.is_ascii_alphanumeric() || ".:[]".contains(c)))
                .unwrap_or(value.len());
            value[..end].parse().ok()
        })
}
