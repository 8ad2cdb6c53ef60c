//! A private Prometheus per test, like `redis_server.rs` does for Redis: its own config and
//! data dir in a temp dir, a free port (never a fixed one), scraping one Salvage every second as
//! job "salvage" with the given rule files loaded and evaluated every second; killed on drop.
//! Queries go through the HTTP API (`/api/v1/...`).

use std::{
    fs,
    net::{Ipv4Addr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::Value;
use tempfile::TempDir;

/// How long Prometheus may take to answer `/-/ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How often to pick another port when the chosen one was taken before Prometheus bound it.
const PORT_ATTEMPTS: usize = 5;
const LOG_FILE: &str = "prometheus.log";

/// A running Prometheus; killed (and its data dir removed) when dropped.
pub struct PrometheusServer {
    port: u16,
    dir: TempDir,
    child: Child,
    http: reqwest::Client,
}

/// The answer to an instant query that Prometheus accepted.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// The series returned: `{"metric": {...}, "value": [t, "v"]}` each (a scalar is one
    /// series with an empty `metric`).
    pub series: Vec<Value>,
}

impl PrometheusServer {
    /// Start Prometheus scraping `target` (`host:port` of Salvage's admin listener, whose
    /// `/metrics` it reads) as job "salvage" every second, with `rule_files` loaded, and wait
    /// until it is ready. Panics, with its log, if it cannot be started.
    pub async fn start(target: &str, rule_files: &[PathBuf]) -> PrometheusServer {
        let dir = tempfile::Builder::new()
            .prefix("salvage-prometheus-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for prometheus: {e}"));
        write_config(dir.path(), target, rule_files);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let mut last_failure = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            match spawn_and_wait(&http, dir.path(), port).await {
                Ok(child) => {
                    return PrometheusServer {
                        port,
                        dir,
                        child,
                        http,
                    };
                }
                // Another process took the port between our probe and Prometheus' bind.
                Err(StartError::PortTaken(log)) => last_failure = log,
                Err(StartError::Failed(msg)) => panic!("{msg}"),
            }
        }
        panic!(
            "prometheus could not bind a free port in {PORT_ATTEMPTS} attempts; the last \
             attempt's log:\n{last_failure}"
        );
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Prometheus' log so far (for failure messages).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join(LOG_FILE)).unwrap_or_default()
    }

    /// Evaluate `expr` now. `Err` carries Prometheus' error (a parse or execution error).
    pub async fn query(&self, expr: &str) -> Result<QueryResult, String> {
        let body = self.get_json("/api/v1/query", &[("query", expr)]).await?;
        let data = &body["data"];
        let series = match data["resultType"].as_str() {
            Some("vector" | "matrix") => data["result"].as_array().cloned().unwrap_or_default(),
            Some("scalar" | "string") => vec![serde_json::json!({
                "metric": {},
                "value": data["result"].clone(),
            })],
            other => return Err(format!("unexpected result type {other:?}: {body}")),
        };
        Ok(QueryResult { series })
    }

    /// The `data` of a GET on an API path (e.g. `/api/v1/rules`); `Err` when Prometheus
    /// answered `"status": "error"`.
    pub async fn api(&self, path: &str) -> Result<Value, String> {
        Ok(self.get_json(path, &[]).await?["data"].clone())
    }

    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, String> {
        let resp = self
            .http
            .get(format!("{}{path}", self.url()))
            .query(query)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| format!("GET {path}: {e}"))?;
        let body: Value = serde_json::from_str(&text)
            .map_err(|e| format!("GET {path}: HTTP {status}, not JSON ({e}): {text}"))?;
        if body["status"] == "success" {
            Ok(body)
        } else {
            Err(format!(
                "{} ({}; HTTP {status})",
                body["error"].as_str().unwrap_or(&text),
                body["errorType"].as_str().unwrap_or("?")
            ))
        }
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        // Killed rather than stopped: its data dir is about to be deleted, and Drop must not
        // hang (it may run while a failed test unwinds).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum StartError {
    /// Prometheus exited because the port was in use.
    PortTaken(String),
    /// Anything else: a message with the log, for the panic.
    Failed(String),
}

/// A port that was free a moment ago (see `redis_server.rs`); `start` retries if it is taken.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"))
}

/// `prometheus.yml`: scrape and evaluate every second, so rates have samples within seconds.
fn write_config(dir: &Path, target: &str, rule_files: &[PathBuf]) {
    // YAML double-quoted strings accept JSON string syntax.
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    let rules: String = rule_files
        .iter()
        .map(|p| format!("  - {}\n", quote(&p.display().to_string())))
        .collect();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n{rules}\
         scrape_configs:\n  - job_name: salvage\n    static_configs:\n      - targets: [{}]\n",
        quote(target)
    );
    fs::write(dir.join("prometheus.yml"), config)
        .unwrap_or_else(|e| panic!("cannot write prometheus.yml in {}: {e}", dir.display()));
}

/// Spawn Prometheus on `port` and wait until it is ready and is the one we started (its
/// storage path is ours), not another test's that won the race for the port.
async fn spawn_and_wait(
    http: &reqwest::Client,
    dir: &Path,
    port: u16,
) -> Result<Child, StartError> {
    let data = dir.join(format!("data-{port}"));
    let log_path = dir.join(LOG_FILE);
    let log_start = fs::metadata(&log_path).map_or(0, |m| m.len());
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .and_then(|file| Ok((file.try_clone()?, file)))
        .unwrap_or_else(|e| panic!("cannot create {LOG_FILE} in {}: {e}", dir.display()));
    let mut child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.0)
        .stderr(log.1)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run prometheus (is it on PATH?): {e}"));
    let logs_since = || {
        let bytes = fs::read(&log_path).unwrap_or_default();
        let start = usize::try_from(log_start).unwrap_or(0).min(bytes.len());
        String::from_utf8_lossy(&bytes[start..]).into_owned()
    };
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = logs_since();
            if log.contains("address already in use") {
                return Err(StartError::PortTaken(log));
            }
            return Err(StartError::Failed(format!(
                "prometheus on port {port} exited during startup ({status}); its log:\n{log}"
            )));
        }
        if is_ours(http, port, &data).await {
            return Ok(child);
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(StartError::Failed(format!(
                "prometheus on port {port} was not ready within {READY_TIMEOUT:?}; its log:\n{}",
                logs_since()
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether the Prometheus on `port` is ready and stores into `data`.
async fn is_ours(http: &reqwest::Client, port: u16, data: &Path) -> bool {
    let base = format!("http://127.0.0.1:{port}");
    let ready = http.get(format!("{base}/-/ready")).send().await;
    if !ready.is_ok_and(|r| r.status().is_success()) {
        return false;
    }
    let Ok(resp) = http.get(format!("{base}/api/v1/status/flags")).send().await else {
        return false;
    };
    let Ok(flags) = resp.text().await else {
        return false;
    };
    let flags: Value = serde_json::from_str(&flags).unwrap_or_default();
    flags["data"]["storage.tsdb.path"].as_str() == Some(&data.display().to_string())
}
