//! `salvage parked ...`: the built binary against an in-process Salvage, checking both what it
//! prints and what it did (records gone or archived, copies on the origin stream). The CLI runs
//! as a child process (`tokio::process`, so the app on this test's runtime keeps serving),
//! stdin piped (so never a terminal), `EDITOR` set by the tests that need one.

use std::{collections::HashMap, path::Path, process::Stdio, time::Duration};

use redis::AsyncCommands;
use salvage::proto::v1 as pb;
use serde_json::Value;
use tokio::{io::AsyncWriteExt, process::Command};

use crate::support::*;

mod archive;
mod browse;
mod edit;
mod resubmit;
mod runs;

/// What a run of the CLI gave back.
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Stdout as one JSON document (fails if anything else is there).
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", self.stdout))
    }

    fn assert_ok(&self) -> &Self {
        assert!(
            self.ok(),
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    fn assert_failed(&self) -> &Self {
        assert!(
            !self.ok() && self.code.is_some(),
            "expected a failure, got exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A `salvage parked` command line for this app, with `token` (or none).
struct Cli {
    cmd: Command,
    stdin: Option<String>,
}

fn cli(addr: impl std::fmt::Display, token: Option<&str>, args: &[&str]) -> Cli {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_salvage"));
    cmd.arg("parked")
        .args(args)
        .env("SALVAGE_ADMIN_ADDR", format!("http://{addr}"))
        .env_remove("SALVAGE_ADMIN_TOKEN")
        .env_remove("EDITOR")
        .env_remove("VISUAL")
        .kill_on_drop(true);
    if let Some(t) = token {
        cmd.env("SALVAGE_ADMIN_TOKEN", t);
    }
    Cli { cmd, stdin: None }
}

impl Cli {
    fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }

    /// Feed this text on stdin (otherwise stdin is empty: not a terminal, end of input).
    fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_owned());
        self
    }

    async fn run(mut self) -> Out {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("salvage starts");
        let mut stdin = child.stdin.take().unwrap();
        if let Some(text) = self.stdin {
            stdin.write_all(text.as_bytes()).await.unwrap();
        }
        drop(stdin);
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("the CLI finished within 60s")
            .unwrap();
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The operator ("olivia") running `salvage parked ARGS` against the app.
async fn op(app: &TestApp, args: &[&str]) -> Out {
    cli(app.parking_addr, Some(OPERATOR), args).run().await
}

/// Park a payment declined by fraud screening (rule `payment-fraud-declined`); its tracking id.
async fn park_fraud(app: &TestApp, id: &str) -> String {
    park(app, fraud_declined(id)).await
}

/// Park an invoice no rule knows ("no rule matched").
async fn park_invoice(app: &TestApp, id: &str) -> String {
    let r = report(
        id,
        "invoices",
        "InvoiceIssued",
        pb::ErrorClass::Data,
        "MISSING_VAT",
        "vat number missing",
        &format!(r#"{{"invoice_id":"{id}","net":100}}"#),
    );
    park(app, r).await
}

async fn park(app: &TestApp, r: pb::ReportRequest) -> String {
    let resp = app.client().report(r).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    resp.tracking_id
}

async fn key_exists(app: &TestApp, key: String) -> bool {
    app.conn.clone().exists(key).await.unwrap()
}

/// Whether the message is parked (its record exists).
async fn is_parked(app: &TestApp, tid: &str) -> bool {
    key_exists(app, bucket_keys(tid).parked(tid)).await
}

/// Whether the message is in the archive.
async fn is_archived(app: &TestApp, tid: &str) -> bool {
    key_exists(app, bucket_keys(tid).archived(tid)).await
}

/// The ids of the copies on a stream, sorted.
fn ids(entries: &[HashMap<String, String>]) -> Vec<String> {
    let mut v: Vec<String> = entries.iter().map(|e| e["id"].clone()).collect();
    v.sort();
    v
}

/// The tracking ids of a `list --json` answer, in order.
fn listed(doc: &Value) -> Vec<String> {
    doc["messages"]
        .as_array()
        .expect("messages array")
        .iter()
        .map(|m| m["tracking_id"].as_str().unwrap().to_owned())
        .collect()
}

fn write_script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}
