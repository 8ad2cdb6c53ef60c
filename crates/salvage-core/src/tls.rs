//! TLS for Salvage's listeners: the PEM files of a `tls = { cert_file, key_file, client_ca_file }`
//! setting become a rustls server configuration (read once at start, errors naming the file),
//! and [`accept`] turns a listener into a channel of connections, TLS handshakes done in their
//! own tasks (bounded by [`HANDSHAKE_TIMEOUT`]) so a slow or silent client never holds up the
//! next one. Both gRPC listeners (through [`grpc_incoming`]) and the admin HTTP server use it,
//! so there is one TLS code path. rustls uses the `ring` provider, like tonic and lapin here.

use std::{
    io,
    net::SocketAddr,
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use anyhow::{Context as _, bail};
use futures::{Stream, StreamExt};
use rustls::{
    RootCertStore, ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::WebPkiClientVerifier,
};
use serde::Deserialize;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tonic::transport::server::{Connected, TcpConnectInfo};
use tracing::debug;

/// TLS on one listener. The files are read at start; a missing or unreadable file stops
/// start-up with an error naming it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ListenerTls {
    /// PEM file: the server's certificate, then any intermediate certificates.
    pub cert_file: PathBuf,
    /// PEM file: the certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// PEM file of CA certificates; when set, every client must present a certificate signed by
    /// one of them (mutual TLS), else the handshake fails.
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
}

/// A client that has not finished its TLS handshake by then is disconnected.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The ALPN protocol a listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alpn {
    /// gRPC: HTTP/2 (tonic's client insists on it).
    H2,
    /// The admin server: HTTP/1.1.
    Http11,
}

/// Make ring the process's rustls provider (for clients that take the default, such as the
/// Redis client's). Harmless when one is installed already.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Read `tls`'s files (for the listener configured at `key`, e.g. `parking_lot.tls`) into a
/// server configuration. Every error names the setting and the file.
pub fn server_config(
    tls: &ListenerTls,
    key: &str,
    alpn: Alpn,
) -> anyhow::Result<Arc<ServerConfig>> {
    let certs = read_certs(&tls.cert_file, &format!("{key}.cert_file"))?;
    let key_pem = read(&tls.key_file, &format!("{key}.key_file"))?;
    let private_key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        anyhow::anyhow!(
            "{key}.key_file {}: no PEM private key found ({e})",
            tls.key_file.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("rustls: no protocol versions")?;
    let builder = match &tls.client_ca_file {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let field = format!("{key}.client_ca_file");
            let mut roots = RootCertStore::empty();
            for cert in read_certs(ca, &field)? {
                roots
                    .add(cert)
                    .with_context(|| format!("{field} {}: not a CA certificate", ca.display()))?;
            }
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .with_context(|| format!("{field} {}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, private_key)
        .with_context(|| {
            format!(
                "{key}: the key in {} does not fit the certificate in {}",
                tls.key_file.display(),
                tls.cert_file.display()
            )
        })?;
    config.alpn_protocols = vec![match alpn {
        Alpn::H2 => b"h2".to_vec(),
        Alpn::Http11 => b"http/1.1".to_vec(),
    }];
    Ok(Arc::new(config))
}

fn read(path: &Path, field: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{field}: cannot read {}", path.display()))
}

fn read_certs(path: &Path, field: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let pem = read(path, field)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{field} {}: invalid PEM ({e})", path.display()))?;
    if certs.is_empty() {
        bail!("{field} {}: holds no PEM certificate", path.display());
    }
    Ok(certs)
}

/// An accepted connection, in the clear or over TLS.
#[derive(Debug)]
pub enum Conn {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP, handshake done.
    Tls(Box<TlsStream<TcpStream>>),
}

/// Accept connections on `listener` (TLS when `tls` is set) until the receiver is dropped.
/// Each comes with its peer's address; `TCP_NODELAY` is set (small answers would otherwise wait
/// for delayed ACKs). Failed handshakes are logged at debug level and dropped.
pub fn accept(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
) -> mpsc::Receiver<(Conn, SocketAddr)> {
    let (tx, rx) = mpsc::channel(64);
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                r = listener.accept() => r,
                () = tx.closed() => return,
            };
            let (tcp, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: do not spin.
                    debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            match &acceptor {
                None => {
                    if tx.send((Conn::Plain(tcp), peer)).await.is_err() {
                        return;
                    }
                }
                Some(acceptor) => {
                    let (acceptor, tx) = (acceptor.clone(), tx.clone());
                    tokio::spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                            Ok(Ok(s)) => {
                                let _ = tx.send((Conn::Tls(Box::new(s)), peer)).await;
                            }
                            Ok(Err(e)) => debug!(%peer, error = %e, "TLS handshake failed"),
                            Err(_) => debug!(%peer, "TLS handshake timed out"),
                        }
                    });
                }
            }
        }
    });
    rx
}

/// The connections of `listener` for tonic's `serve_with_incoming_shutdown`.
pub fn grpc_incoming(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
) -> impl Stream<Item = io::Result<Conn>> {
    tokio_stream::wrappers::ReceiverStream::new(accept(listener, tls)).map(|(c, _)| Ok(c))
}

impl Connected for Conn {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        match self {
            Self::Plain(s) => s.connect_info(),
            Self::Tls(s) => s.get_ref().0.connect_info(),
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }
}
