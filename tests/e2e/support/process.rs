//! The built `salvage` binary as a child process, for tests that kill it or read its logs.

use std::{
    io::Write,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use salvage::proto::v1::salvage_client::SalvageClient;

use super::{eventually, example_rules};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The built binary, serving with a config file written for this test.
pub struct Process {
    pub child: Child,
    pub grpc: String,
    pub admin: String,
    /// The parking lot's admin gRPC API, `http://127.0.0.1:PORT`.
    pub parking: String,
}

impl Process {
    /// Start `salvage serve` with a config of free ports, `redis_url`, the example rules, and
    /// `extra` TOML appended (it may add `[parking_lot.*]` sub-tables, not `[parking_lot]`, which
    /// is written here with the test tokens). Its stderr goes to `<dir>/<name>.log`.
    pub fn start(dir: &Path, name: &str, redis_url: &str, extra: &str) -> Self {
        Self::start_with_env(dir, name, redis_url, extra, &[])
    }

    /// [`Process::start`], with environment variables set (e.g. `SALVAGE__*` overrides of the
    /// sections written here).
    pub fn start_with_env(
        dir: &Path,
        name: &str,
        redis_url: &str,
        extra: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let (grpc, admin, parking) = (free_port(), free_port(), free_port());
        let config = dir.join(format!("{name}.toml"));
        let mut f = std::fs::File::create(&config).unwrap();
        write!(
            f,
            "[server]\ngrpc_addr = \"127.0.0.1:{grpc}\"\n[admin]\naddr = \"127.0.0.1:{admin}\"\n\
             [redis]\nurl = \"{redis_url}\"\n[rules]\npath = {rules:?}\n\
             [parking_lot]\naddr = \"127.0.0.1:{parking}\"\nrun_lease = \"1s\"\n\
             [[parking_lot.tokens]]\nname = \"olivia\"\nrole = \"operator\"\ntoken = \"{op}\"\n\
             [[parking_lot.tokens]]\nname = \"victor\"\nrole = \"viewer\"\ntoken = \"{viewer}\"\n\
             {extra}",
            rules = example_rules().display().to_string(),
            op = super::OPERATOR,
            viewer = super::VIEWER,
        )
        .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_salvage"))
            .args(["serve", "--config"])
            .arg(&config)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap())
            .spawn()
            .unwrap();
        Self {
            child,
            grpc: format!("http://127.0.0.1:{grpc}"),
            admin: format!("http://127.0.0.1:{admin}"),
            parking: format!("http://127.0.0.1:{parking}"),
        }
    }

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
