//! The byte stream under the socket client: a TCP connection to the
//! gateway, or a `CONNECT` tunnel through the proxy the HTTP client would
//! use (the same [`super::proxy`] choice), then TLS with the run's one
//! rustls configuration for `https://`. Failures are classified by the
//! same constructors as the HTTP client's.

use super::classify::{innermost, is_tls_failure};
use super::Client;
use crate::error::{Error, Result};
use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use std::net::IpAddr;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A bidirectional byte stream.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The stream a WebSocket runs over.
pub(crate) type Stream = Box<dyn Io>;

/// Where to connect: a host name or an address, and a port.
enum Host {
    Name(String),
    Ip(IpAddr),
}

fn host_port(u: &url::Url) -> Option<(Host, u16)> {
    let host = match u.host()? {
        url::Host::Domain(d) => Host::Name(d.to_string()),
        url::Host::Ipv4(ip) => Host::Ip(ip.into()),
        url::Host::Ipv6(ip) => Host::Ip(ip.into()),
    };
    Some((host, u.port_or_known_default()?))
}

async fn tcp(host: &Host, port: u16) -> std::io::Result<TcpStream> {
    let s = match host {
        Host::Name(n) => TcpStream::connect((n.as_str(), port)).await?,
        Host::Ip(ip) => TcpStream::connect((*ip, port)).await?,
    };
    let _ = s.set_nodelay(true);
    Ok(s)
}

impl Client {
    /// Connect to the gateway (through the proxy, if one applies) and set
    /// up TLS for `https://`. Not bounded here: the caller bounds the
    /// whole connection set-up by the timeout.
    pub(super) async fn open_stream(&self) -> Result<Stream> {
        let (host, port) = host_port(&self.parsed)
            .ok_or_else(|| Error::usage(format!("no host in gateway URL {:?}", self.shown)))?;
        let raw: Stream =
            match &self.proxy {
                None => Box::new(tcp(&host, port).await.map_err(|e| {
                    self.default_url_hint(self.connect_failed(&innermost(&e)), true)
                })?),
                Some(p) => self.tunnel(p, port).await?,
            };
        let Some(cfg) = &self.tls else {
            return Ok(raw);
        };
        let name = match host {
            Host::Ip(ip) => ServerName::IpAddress(ip.into()),
            Host::Name(n) => ServerName::try_from(n)
                .map_err(|e| Error::usage(format!("invalid host name in {:?}: {e}", self.shown)))?,
        };
        let tls = tokio_rustls::TlsConnector::from(cfg.clone())
            .connect(name, raw)
            .await
            .map_err(|e| {
                if is_tls_failure(&e) {
                    self.tls_failed(&innermost(&e))
                } else {
                    self.tls_failed(&format!(
                        "the connection broke during the handshake ({})",
                        innermost(&e)
                    ))
                }
            })?;
        Ok(Box::new(tls))
    }

    /// A `CONNECT` tunnel through an `http://` proxy to the gateway's
    /// `port`, sent and read with hyper.
    async fn tunnel(&self, p: &super::proxy::Proxy, port: u16) -> Result<Stream> {
        if p.url.scheme() != "http" {
            return Err(Error::usage(format!(
                "the socket client reaches a gateway through http:// proxies only, and {} is {}",
                p.var, p.shown
            ))
            .with_hint(format!(
                "use an http:// proxy, or set NO_PROXY to reach the gateway directly (unset {})",
                p.var
            )));
        }
        let (phost, pport) = host_port(&p.url)
            .ok_or_else(|| Error::usage(format!("{} has no host: {}", p.var, p.shown)))?;
        let stream = tcp(&phost, pport)
            .await
            .map_err(|e| self.connect_failed(&innermost(&e)))?;
        let broke = |e: hyper::Error| {
            self.connect_failed(&format!(
                "the proxy's reply to CONNECT is unusable ({})",
                innermost(&e)
            ))
        };
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake::<_, String>(TokioIo::new(stream))
                .await
                .map_err(broke)?;
        tokio::spawn(async move {
            let _ = conn.with_upgrades().await;
        });
        // `host_str` keeps the brackets of an IPv6 address, as an
        // authority needs them.
        let authority = format!("{}:{port}", self.parsed.host_str().unwrap_or_default());
        let mut req = hyper::Request::builder()
            .method(hyper::Method::CONNECT)
            .uri(authority.as_str())
            .header(hyper::header::HOST, authority.as_str());
        if !p.url.username().is_empty() {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            let user = decode(p.url.username());
            let pass = decode(p.url.password().unwrap_or(""));
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            crate::redact::register(&basic);
            req = req.header(hyper::header::PROXY_AUTHORIZATION, format!("Basic {basic}"));
        }
        let req = req
            .body(String::new())
            .map_err(|e| Error::usage(format!("cannot build the proxy request: {e}")))?;
        let resp = sender.send_request(req).await.map_err(broke)?;
        if resp.status() != hyper::StatusCode::OK {
            return Err(self.connect_failed(&format!(
                "the proxy answered HTTP {} to CONNECT {authority}",
                resp.status().as_u16()
            )));
        }
        let upgraded = hyper::upgrade::on(resp).await.map_err(broke)?;
        Ok(Box::new(TokioIo::new(upgraded)))
    }
}
