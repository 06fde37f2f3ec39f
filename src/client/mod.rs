//! The HTTP client: one place that builds the connection ([`Client::new`]:
//! URL, token, TLS, proxy), sends requests ([`send`]: redirects, retries,
//! size limits, the `-v` trace), classifies every failure ([`classify`])
//! and hands back typed replies ([`Reply`]).
//!
//! The rules it enforces, for every tool:
//! * **Redirects**: only a 307/308 to the same origin (scheme, host and
//!   port) is followed, at most [`MAX_REDIRECTS`] times; any other
//!   redirect is refused (exit 6) and nothing is sent to its `Location`.
//! * **Proxies**: `HTTP(S)_PROXY`/`ALL_PROXY` and `NO_PROXY` as Go's
//!   `ProxyFromEnvironment` reads them; a loopback gateway is never
//!   proxied.
//! * **Size**: a reply over [`MAX_REPLY_BYTES`] is refused (exit 6); a CA
//!   file over [`MAX_CA_FILE_BYTES`] is a usage error.
//! * **Secrets**: the token, the URL's password and every secret in a
//!   request or reply are registered with [`crate::redact`], so no stderr
//!   line can carry them.

mod classify;
mod proxy;
mod reply;
mod send;

pub use classify::{decode_reply, format_error};
pub use reply::Reply;

use crate::cli::{ConnArgs, TokenArgs};
use crate::config::{self, Setting, Source};
use crate::error::{Error, Kind, Result};
use crate::output::note;
use crate::{jwt, redact, time};
use std::cell::Cell;
use std::io::Read;
use std::time::Duration;

pub const IAM_PATH: &str = "/api/v1/iam";

/// The largest reply accepted. IAM replies are a few KiB; a user list of
/// thousands of users is well under 1 MiB.
pub const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;
/// The most same-origin redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;
/// The largest `--ca-cert` file read.
pub const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// Whether a request may be sent again after a connection error. Only reads
/// retry: bootstrap, create, reset and revoke never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Never,
    OnceOnConnectError,
}

/// A gateway connection for one tool run.
pub struct Client {
    tool: &'static str,
    http: reqwest::Client,
    /// The base URL without its trailing `/`; paths are appended to it.
    base: String,
    /// The base URL as shown in messages.
    shown: String,
    url: Setting,
    token: Option<Setting>,
    timeout: f64,
    verbose: bool,
    plain_remote: bool,
    warned_plain: Cell<bool>,
    proxy: Option<proxy::Proxy>,
}

/// True for `localhost`, `*.localhost`, 127.0.0.0/8, `::1` and
/// IPv4-mapped loopback (`::ffff:127.0.0.1`).
pub fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.');
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl Client {
    /// Resolve URL and token and build the HTTP client. No TLS roots are
    /// loaded for a plain `http://` URL.
    pub fn new(tool: &'static str, conn: &ConnArgs, token: Option<&TokenArgs>) -> Result<Client> {
        let url = config::resolve_url(conn.api_url.as_deref());
        redact::register_url_password(&url.value);
        let parsed = url::Url::parse(&url.value).map_err(|e| {
            Error::usage(format!("invalid gateway URL {:?}: {e}", url.value)).with_hint(
                "give a base URL such as http://localhost:8088/ with -u/--api-url or TRUSTGRAPH_URL",
            )
        })?;
        if let Some(pw) = parsed.password() {
            redact::register(pw);
        }
        let https = match parsed.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(Error::usage(format!(
                    "unsupported URL scheme {other:?} in {:?}: use http:// or https://",
                    url.value
                )))
            }
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::usage(format!(
                "the gateway URL {:?} carries a user name or password: refusing to send it",
                url.value
            ))
            .with_hint("remove user:password@ from the URL; the gateway authenticates with -t/--token (an API key or JWT) only"));
        }
        let host = parsed
            .host()
            .ok_or_else(|| Error::usage(format!("no host in gateway URL {:?}", url.value)))?;
        let loopback = is_loopback(&host);
        let plain_remote = !https && !loopback;
        let proxy = proxy::choose(&parsed, loopback)?;

        let token = match token {
            Some(t) => config::resolve_token(
                tool,
                t.token.as_deref(),
                t.token_file.as_deref(),
                &url.value,
            )?,
            None => None,
        };
        if let Some(t) = &token {
            redact::register(&t.value);
            if !t.value.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::usage(format!(
                    "{} contains characters that cannot be sent in an HTTP header",
                    t.source.describe_token()
                ))
                .with_hint("an API key starts with tg_ and a JWT is three base64url parts; check for stray spaces or control characters"));
            }
            check_token_not_expired(t)?;
        }

        let (timeout, _) = config::resolve_timeout(conn.timeout);
        let secs = Duration::from_secs_f64(timeout);
        let mut b = reqwest::Client::builder()
            .timeout(secs)
            .connect_timeout(secs)
            .user_agent(concat!("tg-iam/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(1)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        if let Some(p) = &proxy {
            b =
                b.proxy(reqwest::Proxy::all(p.url.as_str()).map_err(|e| {
                    Error::usage(format!("{} is not a usable proxy URL: {e}", p.var))
                })?);
        }
        if https {
            if let Some((path, _)) = config::resolve_ca_cert(conn.ca_cert.as_deref()) {
                for c in read_ca_file(&path)? {
                    b = b.add_root_certificate(c);
                }
            }
            if conn.insecure {
                note(&format!(
                    "{tool}: warning: --insecure: the gateway's TLS certificate is not verified; anyone on the path can read the credentials"
                ));
                b = b.danger_accept_invalid_certs(true);
            }
        } else {
            // Nothing to verify on plain http: skip loading any root store.
            b = b.tls_built_in_root_certs(false);
        }
        let http = b.build().map_err(|e| {
            Error::new(
                Kind::Unreachable,
                format!("cannot set up the HTTP client: {}", classify::innermost(&e)),
            )
        })?;
        let base = url.value.trim_end_matches('/').to_string();
        Ok(Client {
            tool,
            http,
            base,
            shown: url.value.clone(),
            url,
            token,
            timeout,
            verbose: conn.verbose,
            plain_remote,
            warned_plain: Cell::new(false),
            proxy,
        })
    }

    pub fn token_source(&self) -> Source {
        self.token
            .as_ref()
            .map_or(Source::None, |t| t.source.clone())
    }

    /// The gateway base URL, as resolved.
    pub fn url(&self) -> &str {
        &self.url.value
    }

    /// The tool this client runs for (`tg-login`).
    pub fn tool(&self) -> &'static str {
        self.tool
    }

    /// When the token is an API key: its first 7 characters, which an API
    /// key record shows as its `prefix` (how tg-apply --prune spares the
    /// key in use). Not a secret: the gateway lists it.
    pub fn api_key_prefix(&self) -> Option<&str> {
        let t = self.token.as_ref()?.value.as_str();
        (t.starts_with("tg_") && t.is_ascii() && t.len() > 7).then(|| &t[..7])
    }
}

/// Read a `--ca-cert` PEM bundle, at most [`MAX_CA_FILE_BYTES`] of it.
fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>> {
    let cannot =
        |e: std::io::Error| Error::usage(format!("cannot read --ca-cert {}: {e}", path.display()));
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .map_err(cannot)?
        .take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(cannot)?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(Error::usage(format!(
            "--ca-cert {} is larger than {} KiB: not a CA certificate file",
            path.display(),
            MAX_CA_FILE_BYTES / 1024
        )));
    }
    reqwest::Certificate::from_pem_bundle(&pem)
        .ok()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            Error::usage(format!(
                "--ca-cert {} holds no PEM certificate",
                path.display()
            ))
        })
}

/// Refuse a JWT whose `exp` has already passed, before sending it.
fn check_token_not_expired(t: &Setting) -> Result<()> {
    let Some(exp) = jwt::jwt_expiry(&t.value) else {
        return Ok(());
    };
    let now = time::now();
    if exp >= now {
        return Ok(());
    }
    let ago = now.saturating_sub(exp);
    Err(Error::auth(format!(
        "{} is a JWT that expired at {} ({} ago)",
        t.source.describe_token(),
        time::format_utc(exp),
        describe_duration(ago)
    ))
    .with_hint("log in again: export TRUSTGRAPH_TOKEN=$(tg-login --username NAME)"))
}

/// `42 s`, `17 min`, `5 h`, `3 days`, or `more than 100 years`.
pub fn describe_duration(secs: i64) -> String {
    const YEAR: i64 = 365 * 86_400;
    match secs.max(0) {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s if s < 100 * YEAR => format!("{} days", s / 86_400),
        _ => "more than 100 years".to_string(),
    }
}
