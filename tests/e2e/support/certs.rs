//! Certificates a test makes for itself with the `openssl` command: a CA, a server certificate
//! for `localhost` and 127.0.0.1 signed by it, a client certificate signed by it, and a second,
//! unrelated CA with its own client certificate (what a stranger would present). Plus a private
//! `redis-server` that speaks only TLS with them.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use super::ports;

/// A folder of PEM files: `ca.pem`, `server.pem`/`server.key`, `client.pem`/`client.key`,
/// `other-ca.pem`, `stranger.pem`/`stranger.key`. Removed on drop.
pub struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    /// Make them (EC P-256 keys, valid for two days).
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let c = Self { dir };
        c.ca("ca", "Salvage Test CA");
        c.ca("other-ca", "Some Other CA");
        c.leaf(
            "server",
            "ca",
            "localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        );
        c.leaf("client", "ca", "olivia", "extendedKeyUsage=clientAuth\n");
        c.leaf(
            "stranger",
            "other-ca",
            "mallory",
            "extendedKeyUsage=clientAuth\n",
        );
        c
    }

    /// The path of one file, e.g. `ca.pem`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The contents of one file.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// `tls = { cert_file = server.pem, key_file = server.key }` for a listener, with
    /// `client_ca_file = ca.pem` when `mutual`.
    pub fn listener(&self, mutual: bool) -> salvage::config::ListenerTls {
        salvage::config::ListenerTls {
            cert_file: self.path("server.pem"),
            key_file: self.path("server.key"),
            client_ca_file: mutual.then(|| self.path("ca.pem")),
        }
    }

    fn ca(&self, name: &str, cn: &str) {
        openssl(
            self.dir.path(),
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN={cn}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.pem"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }

    fn leaf(&self, name: &str, ca: &str, cn: &str, extensions: &str) {
        let ext = format!("{name}.ext");
        std::fs::write(
            self.path(&ext),
            format!("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n{extensions}"),
        )
        .unwrap();
        openssl(
            self.dir.path(),
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                &format!("/CN={cn}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            self.dir.path(),
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                &format!("{ca}.pem"),
                "-CAkey",
                &format!("{ca}.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &format!("{name}.pem"),
                "-extfile",
                &ext,
            ],
        );
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command runs (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `redis-server` listening only with TLS (`port 0`, `tls-port`), on 127.0.0.1, with the
/// server certificate of `certs`; clients must present a certificate signed by `ca.pem` when
/// `auth_clients`. Killed on drop.
pub struct TlsRedis {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl TlsRedis {
    /// Start it on a free port (another one if that one is taken before it binds it) and wait
    /// until it listens.
    pub fn start(certs: &Certs, auth_clients: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("redis.log");
        let (port, child) = ports::on_a_free_port("TLS redis-server", |port| {
            let conf = format!(
                "port 0\ntls-port {port}\nbind 127.0.0.1\ntls-cert-file {}\ntls-key-file {}\n\
                 tls-ca-cert-file {}\ntls-auth-clients {}\nsave \"\"\nappendonly no\n\
                 protected-mode no\ndir {}\nlogfile {}\n",
                certs.path("server.pem").display(),
                certs.path("server.key").display(),
                certs.path("ca.pem").display(),
                if auth_clients { "yes" } else { "no" },
                dir.path().display(),
                log.display(),
            );
            let conf_path = dir.path().join("redis.conf");
            std::fs::write(&conf_path, conf).unwrap();
            let mark = ports::len(&log);
            let mut child = Command::new("redis-server")
                .arg(&conf_path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server starts");
            let pid = child.id();
            ports::await_ready(
                &format!("TLS redis-server on port {port}"),
                &mut child,
                Duration::from_secs(15),
                || ports::read_from(&log, mark),
                || ports::listens(pid, port),
                ports::kill,
            )?;
            Ok((port, child))
        });
        Self {
            port,
            child,
            _dir: dir,
        }
    }

    /// `rediss://localhost:PORT`.
    pub fn url(&self) -> String {
        format!("rediss://localhost:{}", self.port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
