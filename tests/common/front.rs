//! Fronts for a gateway on 127.0.0.1: a TLS terminator with the test
//! certificate of `tests/fixtures/tls` (so `https://`/`wss://` reach a
//! plain gateway), and an HTTP proxy (absolute-form requests and
//! `CONNECT` tunnels) that sends everything to the gateway whatever host
//! was asked for, and records the request heads it saw.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Front {
    pub port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Connect {
    Tunnel,
    Refuse,
}

impl Front {
    /// TLS on 127.0.0.1:PORT in front of `target`.
    pub fn tls(target: SocketAddr) -> Front {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(dir.join("server.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
        let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
        Self::start(move |client, _heads| {
            let acceptor = acceptor.clone();
            async move {
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            }
        })
    }

    /// An HTTP proxy that sends every request and tunnel to `target`;
    /// `CONNECT` is tunnelled or refused (403).
    pub fn proxy(target: SocketAddr, connect: Connect) -> Front {
        Self::start(move |mut client, heads| async move {
            let mut buf = Vec::new();
            let end = loop {
                let mut chunk = [0u8; 4096];
                match client.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
            };
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let rest = buf[end..].to_vec();
            heads.lock().unwrap().push(head.clone());
            let first = head.lines().next().unwrap_or("").to_string();
            let mut parts = first.split_whitespace();
            let (method, target_uri) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            if method == "CONNECT" {
                if connect == Connect::Refuse {
                    let _ = client
                        .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut up) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = up.write_all(&rest).await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
                return;
            }
            // Absolute form to origin form.
            let path = target_uri
                .splitn(4, '/')
                .nth(3)
                .map(|p| format!("/{p}"))
                .unwrap_or_else(|| "/".into());
            let rewritten = head.replacen(target_uri, &path, 1);
            let Ok(mut up) = TcpStream::connect(target).await else {
                return;
            };
            let _ = up.write_all(rewritten.as_bytes()).await;
            let _ = up.write_all(&rest).await;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
        })
    }

    fn start<F, Fut>(handle: F) -> Front
    where
        F: Fn(TcpStream, Arc<Mutex<Vec<String>>>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let port = std_listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let h = heads.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    let Ok((s, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(handle(s, h.clone()));
                }
            });
        });
        Front { port, heads }
    }

    /// The request heads the proxy saw.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}
