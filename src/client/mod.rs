//! The gateway client: one place that resolves the connection
//! ([`Client::new`]: URL, token, timeout, TLS, proxy) for both transports,
//! HTTP (`send`: redirects, retries, size limits, the `-v` trace) and the
//! first-frame WebSocket ([`socket`]: `/api/v1/socket`); classifies every
//! failure of either (`classify`) and hands back typed replies ([`Reply`]).
//!
//! The rules it enforces, for every tool:
//! * **Redirects**: only a 307/308 to the same origin (scheme, host and
//!   port) is followed, at most [`MAX_REDIRECTS`] times; any other
//!   redirect is refused (exit 6) and nothing is sent to its `Location`.
//! * **Proxies**: `HTTP(S)_PROXY`/`ALL_PROXY` and `NO_PROXY` as Go's
//!   `ProxyFromEnvironment` reads them; a loopback gateway is never
//!   proxied.
//! * **Size**: each reply is held to the cap of its operation ([`Cap`]):
//!   a list (`list-users`, `list-workspaces`, `list-my-workspaces`,
//!   `list-api-keys`) to [`DEFAULT_MAX_LIST_BYTES`], which
//!   `TRUSTGRAPH_MAX_LIST_BYTES` changes; anything else, and every reply
//!   that is not a success, to [`MAX_REPLY_BYTES`]. Over the cap (declared
//!   or streamed) is refused (exit 6) without reading further; a CA file
//!   over [`MAX_CA_FILE_BYTES`] is a usage error.
//! * **Secrets**: the token, the URL's password and every secret in a
//!   request or reply are registered with [`crate::redact`], so no stderr
//!   line can carry them.

mod classify;
mod list;
mod proxy;
mod reply;
mod send;
pub mod socket;
mod tls;
mod tunnel;

pub(crate) use classify::server_text;
pub use classify::{decode_reply, format_error};
pub use list::ListReply;
pub use reply::Reply;
pub use socket::{Authenticated, Responses, Socket};

use crate::cli::{ConnArgs, TokenArgs};
use crate::config::{self, Setting, Source};
use crate::error::{Error, Kind, Result};
use crate::output::note;
use crate::{jwt, redact, time};
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

/// The largest reply accepted for one record, a void answer or an error:
/// such replies are a few KiB.
pub const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;
/// The largest list reply accepted unless `TRUSTGRAPH_MAX_LIST_BYTES`
/// says otherwise. A user record is about 250 bytes of JSON, so this
/// holds about a million users (Python's tools hold 100,000 in 200 MB).
pub const DEFAULT_MAX_LIST_BYTES: usize = 256 * 1024 * 1024;

/// The size cap a reply is held to, and what raises it (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub bytes: usize,
    /// The environment variable that changes it, if any.
    pub var: Option<&'static str>,
}

impl Cap {
    /// The cap of single-record and void replies, and of every error.
    pub const RECORD: Cap = Cap {
        bytes: MAX_REPLY_BYTES,
        var: None,
    };

    /// `4 MiB`, `300000 bytes`.
    pub fn shown(&self) -> String {
        if self.bytes.is_multiple_of(1024 * 1024) {
            format!("{} MiB", self.bytes / (1024 * 1024))
        } else {
            format!("{} bytes", self.bytes)
        }
    }

    /// The error for a reply (`what`) over the cap: exit 6, with a hint
    /// naming the variable that raises it.
    pub fn exceeded(&self, what: &str) -> Error {
        let e = Error::protocol(format!("{what} is larger than {}: refused", self.shown()));
        match self.var {
            Some(var) => e.with_hint(format!(
                "a list this large is legitimate for a large deployment: set {var} to raise the cap (for example {var}=1GiB)"
            )),
            None => e,
        }
    }
}

/// Whether the IAM operation `body` names answers with a list, whose
/// size grows with the deployment.
pub fn is_list_operation(body: &serde_json::Value) -> bool {
    use tg_iam_protocol::Operation::*;
    let name = body.get("operation").and_then(serde_json::Value::as_str);
    [ListUsers, ListWorkspaces, ListMyWorkspaces, ListApiKeys]
        .iter()
        .any(|op| Some(op.name()) == name)
}
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
    /// The parsed base URL.
    parsed: url::Url,
    /// The TLS configuration both transports use; `None` for `http://`.
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The cap of list replies.
    list_cap: Cap,
}

/// What to do with a JWT that has already expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// Refuse it when the client is built (exit 3): what every tool does.
    Refuse,
    /// Build the client anyway (tg-auth-status reports it); it is still
    /// never sent, as each transport checks again before sending.
    Keep,
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
        Self::with_expired(tool, conn, token, Expired::Refuse)
    }

    /// [`Client::new`], saying what to do with an expired JWT.
    pub fn with_expired(
        tool: &'static str,
        conn: &ConnArgs,
        token: Option<&TokenArgs>,
        expired: Expired,
    ) -> Result<Client> {
        let url = config::resolve_url(conn.api_url.as_deref());
        redact::register_url_password(&url.value);
        if !url.value.contains("://") {
            // `127.0.0.1:8888` or `localhost:8888`: the url crate calls the
            // first a relative URL and the second a URL of scheme
            // `localhost`; either way, the scheme is what is missing.
            let hint = if url.value.contains('@') {
                "write the URL with its scheme, http:// or https://".to_string()
            } else {
                format!(
                    "write the URL with its scheme: http://{}/ (or https://)",
                    url.value.trim_end_matches('/')
                )
            };
            return Err(Error::usage(format!(
                "invalid gateway URL \"{}\": the scheme is missing",
                redact::shown_url(&url.value)
            ))
            .with_hint(hint));
        }
        let parsed = url::Url::parse(&url.value).map_err(|e| {
            Error::usage(format!(
                "invalid gateway URL \"{}\": {e}",
                redact::shown_url(&url.value)
            ))
            .with_hint(
                "give a base URL such as http://localhost:8888/ with -u/--api-url or TRUSTGRAPH_URL",
            )
        })?;
        if let Some(pw) = parsed.password() {
            redact::register(pw);
        }
        let https = match parsed.scheme() {
            "http" => false,
            "https" => true,
            _ => {
                return Err(Error::usage(format!(
                    "unsupported URL scheme in \"{}\": use http:// or https://",
                    redact::shown_url(&url.value)
                )))
            }
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::usage(format!(
                "the gateway URL \"{}\" carries credentials before its host: refusing to send it",
                redact::shown_url(&url.value)
            ))
            .with_hint("remove user:password@ from the URL; the gateway authenticates with -t/--token (an API key or JWT) only"));
        }
        let host = parsed.host().ok_or_else(|| {
            Error::usage(format!(
                "no host in gateway URL \"{}\"",
                redact::shown_url(&url.value)
            ))
        })?;
        let loopback = is_loopback(&host);
        let plain_remote = !https && !loopback;
        let proxy = proxy::choose(&parsed, loopback)?;

        let token = match token {
            Some(t) => config::resolve_token_keeping(
                tool,
                t.token.as_deref(),
                t.token_file.as_deref(),
                &url.value,
                expired == Expired::Keep,
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
            if expired == Expired::Refuse {
                check_token_not_expired(t)?;
            }
        }

        let list_cap = Cap {
            bytes: config::size_var(config::ENV_MAX_LIST_BYTES)?.unwrap_or(DEFAULT_MAX_LIST_BYTES),
            var: Some(config::ENV_MAX_LIST_BYTES),
        };
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
        let tls = if https {
            let ca = config::resolve_ca_cert(conn.ca_cert.as_deref()).map(|(p, _)| p);
            let cfg = tls::client_config(ca.as_deref(), conn.insecure)?;
            if conn.insecure {
                note(&format!(
                    "{tool}: warning: --insecure: the gateway's TLS certificate is not verified; anyone on the path can read the credentials"
                ));
            }
            b = b.use_preconfigured_tls(cfg.clone());
            Some(Arc::new(cfg))
        } else {
            // Nothing to verify on plain http: skip loading any root store.
            b = b.tls_built_in_root_certs(false);
            None
        };
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
            parsed,
            tls,
            list_cap,
        })
    }

    /// The cap of list replies.
    pub fn list_cap(&self) -> Cap {
        self.list_cap
    }

    /// The cap a successful reply to `body` is held to: the list cap for
    /// a list operation, else [`Cap::RECORD`].
    pub fn cap_for(&self, body: &serde_json::Value) -> Cap {
        if is_list_operation(body) {
            self.list_cap
        } else {
            Cap::RECORD
        }
    }

    /// The token this client sends, and where it came from.
    pub fn token(&self) -> Option<&Setting> {
        self.token.as_ref()
    }

    /// The gateway base URL, and where it came from.
    pub fn url_setting(&self) -> &Setting {
        &self.url
    }

    /// The timeout bounding every wait, in seconds.
    pub fn timeout(&self) -> f64 {
        self.timeout
    }

    pub(crate) fn timeout_duration(&self) -> Duration {
        Duration::from_secs_f64(self.timeout)
    }

    /// Warn (once per run) before a credential goes over plain http:// to
    /// a host that is not loopback.
    pub(crate) fn warn_plain_credential(&self) {
        if self.plain_remote && !self.warned_plain.replace(true) {
            note(&format!(
                "{}: warning: sending a credential over plain http:// to {}; anyone on the network path can read it (use https://)",
                self.tool,
                self.shown.trim_end_matches('/')
            ));
        }
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

/// Refuse a JWT whose `exp` has already passed, before sending it.
pub(crate) fn check_token_not_expired(t: &Setting) -> Result<()> {
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
        time::describe_duration(ago)
    ))
    .with_hint(config::relogin_hint(&t.source)))
}
