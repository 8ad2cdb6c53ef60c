//! Certificates a test makes for itself with the `openssl` command: a CA, a server certificate
//! for `localhost` and 127.0.0.1 signed by it, a client certificate signed by it, and a second,
//! unrelated CA with its own client certificate (what a stranger would present). Plus a private
//! `redis-server` that speaks only TLS with them, and what the Sentinel and Cluster sets
//! (`sentinel.rs`, `cluster.rs`) need to do the same: their config lines, `redis-cli`'s
//! arguments and the harness's own TLS client.

use std::{
    io::{Read, Write},
    net::{Ipv4Addr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

use super::{ports, redis_server::Wire};

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

    /// The lines of a `redis.conf` for a process of a set that speaks only TLS (its port on the
    /// command line as `--port 0 --tls-port PORT`): it serves the server certificate, requires
    /// clients to present one signed by `ca.pem` (`tls-auth-clients yes`), and presents the
    /// client certificate itself where it connects to another process of the set (a replica to
    /// its primary, a sentinel to the data nodes and the other sentinels: `tls-replication
    /// yes`). The server certificate cannot be that: its only extended key usage is
    /// `serverAuth`, and OpenSSL refuses it as a client's. A cluster node adds `tls-cluster
    /// yes` for its bus. The files are read at each start: `self` must outlive the set.
    pub fn redis_server_config(&self) -> String {
        let file = |name: &str| self.path(name).display().to_string();
        format!(
            "tls-cert-file {}\ntls-key-file {}\ntls-client-cert-file {}\n\
             tls-client-key-file {}\ntls-ca-cert-file {}\ntls-auth-clients yes\n\
             tls-replication yes\n",
            file("server.pem"),
            file("server.key"),
            file("client.pem"),
            file("client.key"),
            file("ca.pem"),
        )
    }

    /// `redis-cli`'s arguments to speak to such a process: TLS, trusting `ca.pem`, presenting
    /// the client certificate.
    pub fn redis_cli_args(&self) -> Vec<String> {
        let file = |name: &str| self.path(name).display().to_string();
        vec![
            "--tls".to_owned(),
            "--cacert".to_owned(),
            file("ca.pem"),
            "--cert".to_owned(),
            file("client.pem"),
            "--key".to_owned(),
            file("client.key"),
        ]
    }

    /// The harness's own TLS client for such a process (rustls with ring): trusts `ca.pem` alone
    /// and presents the client certificate.
    pub fn wire(&self) -> Wire {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&self.read("ca.pem")) {
            roots.add(cert.unwrap()).unwrap();
        }
        let chain = CertificateDer::pem_slice_iter(&self.read("client.pem"))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(&self.read("client.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .unwrap();
        Wire::Tls(Arc::new(config))
    }

    /// The redis crate's TLS settings for such a process: `ca.pem` and the client certificate.
    pub fn redis_client_tls(&self) -> redis::TlsCertificates {
        redis::TlsCertificates {
            client_tls: Some(redis::ClientTlsConfig {
                client_cert: self.read("client.pem"),
                client_key: self.read("client.key"),
            }),
            root_cert: Some(self.read("ca.pem")),
        }
    }

    /// Salvage's `redis.tls` for such a process: `ca.pem` and the client certificate.
    pub fn salvage_redis_tls(&self) -> salvage::config::RedisTls {
        salvage::config::RedisTls {
            ca_file: Some(self.path("ca.pem")),
            cert_file: Some(self.path("client.pem")),
            key_file: Some(self.path("client.key")),
        }
    }

    /// What `redis-cli --tls --cacert ca.pem -p PORT PING` prints: TLS that trusts the CA, but
    /// no client certificate (a process of a TLS set refuses it).
    pub fn ping_without_client_cert(&self, port: u16) -> String {
        let out = Command::new("redis-cli")
            .arg("--tls")
            .arg("--cacert")
            .arg(self.path("ca.pem"))
            .args(["-p", &port.to_string(), "PING"])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli runs");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
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

/// Whether a plaintext PING to `port` on 127.0.0.1 is answered PONG (a TLS-only port answers
/// none: it closes the connection on a plaintext hello). Bounded: 2 s.
pub fn answers_plaintext(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let timeout = Some(Duration::from_secs(2));
    stream.set_read_timeout(timeout).unwrap();
    stream.set_write_timeout(timeout).unwrap();
    let _ = stream.write_all(b"*1\r\n$4\r\nPING\r\n");
    let mut buf = [0u8; 64];
    matches!(stream.read(&mut buf), Ok(n) if buf[..n].starts_with(b"+PONG"))
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
