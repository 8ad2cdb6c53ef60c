//! A real headless Chromium for a test, driven over W3C WebDriver by `chromedriver` (Debian's
//! `chromium` and `chromium-driver` packages; `.ci/run` installs them). Each `Browser` runs its
//! own chromedriver with its own profile folder, in its own process group, which is killed on
//! drop (so no browser outlives its test). chromedriver listens on a port the OS picks
//! (`--port=0`) and says which.
//!
//! `SALVAGE_BROWSER=firefox` runs the same tests in a headless Firefox instead, through
//! `geckodriver` (Debian's `firefox-esr`; `cargo install geckodriver`), which is given a free
//! port, and another one if that one was taken before geckodriver bound it.
//!
//! The client is the few WebDriver commands the console tests need, spoken with `reqwest`.

use std::{
    fs,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

use super::{eventually, ports};

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long the WebDriver server may take to listen, and then to be ready.
const DRIVER_TIMEOUT: Duration = Duration::from_secs(20);
/// What chromedriver prints once it listens, followed by the port and a full stop.
const CHROMEDRIVER_LISTENING: &str = "ChromeDriver was started successfully on port ";

/// A headless Chromium session.
pub struct Browser {
    /// First, so that the browser is killed before its profile is removed.
    _driver: Driver,
    base: String,
    http: reqwest::Client,
    /// Holds the browser's profile (`profile/`) and the driver's output (`driver.log`).
    dir: tempfile::TempDir,
}

/// The WebDriver server, leader of its own process group (it and every browser process it
/// starts), which is killed on drop.
struct Driver(Child);

impl Driver {
    /// Run `bin` with `port_arg` in a process group of its own, its output to `log`.
    fn spawn(bin: &str, port_arg: &str, log: &Path) -> Self {
        use std::os::unix::process::CommandExt;
        let out = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .and_then(|file| Ok((file.try_clone()?, file)))
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let child = Command::new(bin)
            .arg(port_arg)
            .stdin(Stdio::null())
            .stdout(out.0)
            .stderr(out.1)
            .process_group(0)
            .spawn()
            .expect("the WebDriver server starts");
        Self(child)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The driver and every browser process it started share its process group, killed
        // before the driver is reaped (so that its id cannot have been reused). The `--`
        // matters: procps-ng 4.0.2's kill reads `-KILL -<pgid>` without it as `kill -1`, which
        // signals every process.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// chromedriver on a port the OS picks (`--port=0`), read from what it prints once it listens.
/// chromedriver 156 binds the port it got for IPv6 again for IPv4, which another process may
/// hold by then ("IPv4 port not available. Exiting..."): then it is started again (3 tries).
async fn start_chromedriver(dir: &Path) -> (Driver, u16) {
    const TRIES: usize = 3;
    for attempt in 1..=TRIES {
        match try_chromedriver(dir).await {
            Ok(started) => return started,
            Err(out) if attempt < TRIES && out.contains("port not available") => continue,
            Err(out) => panic!("chromedriver exited during startup; its output:\n{out}"),
        }
    }
    unreachable!("the last try returns or panics")
}

/// One start of chromedriver: its port, or its output if it exited first.
async fn try_chromedriver(dir: &Path) -> Result<(Driver, u16), String> {
    let bin = which(&["chromedriver", "/usr/bin/chromedriver"])
        .expect("chromedriver on PATH (apt-get install chromium chromium-driver; .ci/run does)");
    let log = dir.join("driver.log");
    // A failed try's output is not read as this one's.
    let _ = fs::remove_file(&log);
    let mut driver = Driver::spawn(&bin, "--port=0", &log);
    let deadline = tokio::time::Instant::now() + DRIVER_TIMEOUT;
    loop {
        let out = fs::read_to_string(&log).unwrap_or_default();
        let port = out.lines().find_map(|line| {
            let rest = line.strip_prefix(CHROMEDRIVER_LISTENING)?;
            rest.trim_end().trim_end_matches('.').parse::<u16>().ok()
        });
        if let Some(port) = port {
            return Ok((driver, port));
        }
        if let Some(status) = driver.0.try_wait().unwrap() {
            return Err(format!("({status})\n{out}"));
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "chromedriver did not say which port it listens on within {DRIVER_TIMEOUT:?}; its \
             output:\n{out}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// geckodriver on a free port, and on another one if it was taken before geckodriver bound it.
fn start_geckodriver(dir: &Path) -> (Driver, u16) {
    let bin = which(&["geckodriver"]).expect("geckodriver on PATH (cargo install geckodriver)");
    let log = dir.join("driver.log");
    ports::on_a_free_port("geckodriver", |port| {
        let mark = ports::len(&log);
        let mut driver = Driver::spawn(&bin, &format!("--port={port}"), &log);
        let pid = driver.0.id();
        ports::await_ready(
            "geckodriver",
            &mut driver.0,
            DRIVER_TIMEOUT,
            || ports::read_from(&log, mark),
            || ports::listens(pid, port),
            // Killed with its process group when `driver` is dropped.
            |_| {},
        )?;
        Ok((driver, port))
    })
}

/// A WebDriver error (`error` and `message` of the answer).
#[derive(Debug)]
pub struct WdError {
    pub error: String,
    pub message: String,
}

impl Browser {
    /// Start chromedriver and a headless Chromium (1366×900, a laptop screen), or geckodriver
    /// and a headless Firefox with `SALVAGE_BROWSER=firefox`.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("profile")).unwrap();
        let firefox = std::env::var("SALVAGE_BROWSER").is_ok_and(|b| b == "firefox");
        let (driver, port) = if firefox {
            start_geckodriver(dir.path())
        } else {
            start_chromedriver(dir.path()).await
        };
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut b = Self {
            _driver: driver,
            base: base.clone(),
            http,
            dir,
        };
        let ready = eventually(DRIVER_TIMEOUT, || async {
            let r = b.http.get(format!("{base}/status")).send().await.ok()?;
            let v: Value = serde_json::from_str(&r.text().await.ok()?).ok()?;
            (v["value"]["ready"] == json!(true)).then_some(())
        })
        .await;
        assert!(
            ready.is_some(),
            "the WebDriver server did not get ready within {DRIVER_TIMEOUT:?}; its output:\n{}",
            fs::read_to_string(b.dir.path().join("driver.log")).unwrap_or_default()
        );
        let caps = if firefox {
            let bin = which(&["firefox-esr", "firefox"]).expect("firefox on PATH");
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "firefox",
                "moz:firefoxOptions": {
                    "binary": bin,
                    "args": ["-headless", "-width=1366", "-height=900"],
                },
                "unhandledPromptBehavior": "ignore",
            }}})
        } else {
            Self::chromium_caps(&b.dir.path().join("profile"))
        };
        let session = b
            .raw("POST", "/session", Some(caps))
            .await
            .unwrap_or_else(|e| panic!("a browser session: {e:?}"));
        let id = session["sessionId"].as_str().unwrap().to_owned();
        b.base = format!("{base}/session/{id}");
        b
    }

    fn chromium_caps(profile: &Path) -> Value {
        let chromium = which(&["chromium", "/usr/bin/chromium"]).expect("chromium on PATH");
        json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1366,900", "--no-first-run", "--disable-extensions",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
            "unhandledPromptBehavior": "ignore",
        }}})
    }

    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json")
                .body(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let resp = req.send().await.map_err(|e| WdError {
            error: "transport".to_owned(),
            message: e.to_string(),
        })?;
        let ok = resp.status().is_success();
        let text = resp.text().await.unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if ok {
            Ok(v["value"].clone())
        } else {
            Err(WdError {
                error: v["value"]["error"].as_str().unwrap_or("?").to_owned(),
                message: v["value"]["message"].as_str().unwrap_or(&text).to_owned(),
            })
        }
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.raw(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e:?}"))
    }

    /// Open `url`.
    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await;
    }

    /// The element `css` matches now, if any.
    pub async fn try_find(&self, css: &str) -> Option<String> {
        let body = json!({"using": "css selector", "value": css});
        let v = self.raw("POST", "/element", Some(body)).await.ok()?;
        v[ELEMENT].as_str().map(str::to_owned)
    }

    /// How many elements `css` matches now.
    pub async fn count(&self, css: &str) -> usize {
        let body = json!({"using": "css selector", "value": css});
        self.cmd("POST", "/elements", Some(body))
            .await
            .as_array()
            .map_or(0, Vec::len)
    }

    /// The element `css` matches, waiting up to 10 s for it to appear.
    pub async fn find(&self, css: &str) -> String {
        eventually(Duration::from_secs(10), || self.try_find(css))
            .await
            .unwrap_or_else(|| panic!("no element {css:?} within 10s"))
    }

    /// Run `command` (`/element/{id}/<command>`) on the element `css` matches, finding it again
    /// when the page re-rendered it in between (live views redraw).
    async fn on_element(
        &self,
        css: &str,
        method: &str,
        command: &str,
        body: Option<Value>,
    ) -> Value {
        for _ in 0..20 {
            let id = self.find(css).await;
            match self
                .raw(method, &format!("/element/{id}/{command}"), body.clone())
                .await
            {
                Ok(v) => return v,
                Err(e) if e.error == "stale element reference" => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("WebDriver {command} on {css:?}: {e:?}"),
            }
        }
        panic!("{css:?} kept being redrawn")
    }

    /// Click the element `css` matches (waiting for it).
    pub async fn click(&self, css: &str) {
        self.on_element(css, "POST", "click", None).await;
    }

    /// Type `text` into the element `css` matches.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, "POST", "value", Some(json!({ "text": text })))
            .await;
    }

    /// Empty the input `css` matches.
    pub async fn clear(&self, css: &str) {
        self.on_element(css, "POST", "clear", None).await;
    }

    /// The rendered text of the element `css` matches.
    pub async fn text(&self, css: &str) -> String {
        self.on_element(css, "GET", "text", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Wait up to 10 s until the text of `css` contains `want`; returns that text.
    pub async fn wait_text(&self, css: &str, want: &str) -> String {
        let got = eventually(Duration::from_secs(10), || async {
            let id = self.try_find(css).await?;
            let t = self
                .raw("GET", &format!("/element/{id}/text"), None)
                .await
                .ok()?;
            let t = t.as_str()?.to_owned();
            t.contains(want).then_some(t)
        })
        .await;
        match got {
            Some(t) => t,
            None => {
                let now = match self.try_find(css).await {
                    Some(_) => self.text(css).await,
                    None => "(no such element)".to_owned(),
                };
                panic!("{css:?} did not come to contain {want:?} within 10s; it reads {now:?}")
            }
        }
    }

    /// Wait up to 10 s until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let gone = eventually(Duration::from_secs(10), || async {
            (self.count(css).await == 0).then_some(())
        })
        .await;
        assert!(gone.is_some(), "{css:?} still there after 10s");
    }

    /// Whether the element `css` matches is enabled.
    pub async fn enabled(&self, css: &str) -> bool {
        self.on_element(css, "GET", "enabled", None)
            .await
            .as_bool()
            .unwrap_or(false)
    }

    /// Run `script` (a function body; `arguments` are `args`) in the page and return its value.
    pub async fn exec(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Run an async `script` (it calls `arguments[arguments.length - 1]` with its result).
    pub async fn exec_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// The text of an open alert/confirm/prompt dialog, if one is open.
    pub async fn dialog_text(&self) -> Option<String> {
        match self.raw("GET", "/alert/text", None).await {
            Ok(v) => Some(v.as_str().unwrap_or_default().to_owned()),
            Err(e) if e.error == "no such alert" => None,
            Err(e) => panic!("alert text: {e:?}"),
        }
    }

    /// Save a PNG of the viewport to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let b64 = self.cmd("GET", "/screenshot", None).await;
        let bytes = decode_base64(b64.as_str().unwrap_or_default());
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(path, bytes).unwrap();
    }

    /// Resize the window (for screenshots of a whole page).
    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn which(candidates: &[&str]) -> Option<String> {
    for c in candidates {
        if c.starts_with('/') {
            if Path::new(c).exists() {
                return Some((*c).to_owned());
            }
        } else if let Some(dir) = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .find(|d| d.join(c).exists())
        {
            return Some(dir.join(c).display().to_string());
        }
    }
    None
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
