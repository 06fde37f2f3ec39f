//! The HTTP client: one place that sends requests, traces them with secrets
//! masked, and maps every failure to a message and an exit code.

use crate::cli::{ConnArgs, TokenArgs};
use crate::config::{self, Setting, Source};
use crate::error::{Error, Kind, Result};
use crate::output::{note, sanitize};
use crate::wire;
use crate::{jwt, time};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::time::{Duration, Instant};

pub const IAM_PATH: &str = "/api/v1/iam";

/// Pause before the one retry of a read, for a gateway that is restarting.
const RETRY_DELAY: Duration = Duration::from_millis(250);

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
    base: String,
    /// The base URL as shown in messages: any password in it masked.
    shown: String,
    url: Setting,
    token: Option<Setting>,
    timeout: f64,
    verbose: bool,
    plain_remote: bool,
    warned_plain: Cell<bool>,
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl Client {
    /// Resolve URL and token and build the HTTP client. No TLS roots are
    /// loaded for a plain `http://` URL.
    pub fn new(tool: &'static str, conn: &ConnArgs, token: Option<&TokenArgs>) -> Result<Client> {
        let url = config::resolve_url(conn.api_url.as_deref());
        let parsed = url::Url::parse(&url.value).map_err(|e| {
            Error::usage(format!("invalid gateway URL {:?}: {e}", url.value)).with_hint(
                "give a base URL such as http://localhost:8088/ with -u/--api-url or TRUSTGRAPH_URL",
            )
        })?;
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
        let host = parsed
            .host()
            .ok_or_else(|| Error::usage(format!("no host in gateway URL {:?}", url.value)))?;
        let plain_remote = !https && !is_loopback(&host);

        let token = token.and_then(|t| config::resolve_token(t.token.as_deref()));
        if let Some(t) = &token {
            if !t.value.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::usage(format!(
                    "{} contains characters that cannot be sent in an HTTP header",
                    t.source.describe_token()
                ))
                .with_hint("an API key starts with tg_ and a JWT is three base64url parts; check for stray spaces or control characters"));
            }
            check_token_not_expired(t)?;
        }

        let secs = Duration::from_secs_f64(conn.timeout);
        let mut b = reqwest::Client::builder()
            .timeout(secs)
            .connect_timeout(secs)
            .user_agent(concat!("tg-iam/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(1);
        if let Some(path) = &conn.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                Error::usage(format!("cannot read --ca-cert {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    Error::usage(format!(
                        "--ca-cert {} holds no PEM certificate",
                        path.display()
                    ))
                })?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if conn.insecure {
            note(&format!(
                "{tool}: warning: --insecure: the gateway's TLS certificate is not verified; anyone on the path can read the credentials"
            ));
            b = b.danger_accept_invalid_certs(true);
        }
        if !https {
            // Nothing to verify on plain http: skip loading any root store.
            b = b.tls_built_in_root_certs(false);
        }
        let http = b.build().map_err(|e| {
            Error::new(
                Kind::Unreachable,
                format!("cannot set up the HTTP client: {}", innermost(&e)),
            )
        })?;
        let base = url.value.trim_end_matches('/').to_string();
        let mut masked = parsed.clone();
        if masked.password().is_some() {
            let _ = masked.set_password(Some(wire::MASK));
        }
        let shown = if masked == parsed {
            url.value.clone()
        } else {
            masked.to_string()
        };
        Ok(Client {
            tool,
            http,
            base,
            shown,
            url,
            token,
            timeout: conn.timeout,
            verbose: conn.verbose,
            plain_remote,
            warned_plain: Cell::new(false),
        })
    }

    pub fn token_source(&self) -> Source {
        self.token.as_ref().map_or(Source::None, |t| t.source)
    }

    /// `POST /api/v1/iam` with the bearer token.
    pub async fn iam(&self, body: Value, retry: Retry) -> Result<Reply> {
        self.post(IAM_PATH, &body, true, retry).await
    }

    /// POST `body` to `path`; `auth` sends the bearer token when there is one.
    pub async fn post(&self, path: &str, body: &Value, auth: bool, retry: Retry) -> Result<Reply> {
        let url = format!("{}{}", self.base, path);
        let text = wire::to_python_json(body);
        let bearer = if auth { self.token.as_ref() } else { None };
        let carries_secret = bearer.is_some() || has_secret(body);
        if carries_secret && self.plain_remote && !self.warned_plain.replace(true) {
            note(&format!(
                "{}: warning: sending a credential over plain http:// to {}; anyone on the network path can read it (use https://)",
                self.tool,
                self.shown.trim_end_matches('/')
            ));
        }
        if self.verbose {
            note(&format!(
                "> POST {}{path}",
                self.shown.trim_end_matches('/')
            ));
            if bearer.is_some() {
                note(&format!("> Authorization: Bearer {}", wire::MASK));
            }
            note(&format!("> {}", wire::redact(body)));
        }
        let mut attempt = 0;
        let started = Instant::now();
        let (status, bytes) = loop {
            let mut req = self
                .http
                .post(&url)
                .header("Content-Type", "application/json")
                .body(text.clone());
            if let Some(t) = bearer {
                req = req.bearer_auth(&t.value);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if retry == Retry::OnceOnConnectError && attempt == 0 && e.is_connect() => {
                    attempt += 1;
                    if self.verbose {
                        note(&format!(
                            "< connection failed ({}); retrying once",
                            innermost(&e)
                        ));
                    }
                    tokio::time::sleep(RETRY_DELAY).await;
                    continue;
                }
                Err(e) => return Err(self.transport_error(&e)),
            };
            let status = resp.status();
            match resp.bytes().await {
                Ok(b) => break (status, b),
                Err(e) => return Err(self.transport_error(&e)),
            }
        };
        if self.verbose {
            note(&format!(
                "< HTTP {} ({} ms)",
                status,
                started.elapsed().as_millis()
            ));
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => note(&format!("< {}", wire::redact(&v))),
                Err(_) => {
                    let t = String::from_utf8_lossy(&bytes);
                    note(&format!("< {}", t.chars().take(200).collect::<String>()));
                }
            }
        }
        self.interpret(status.as_u16(), &bytes)
    }

    fn interpret(&self, status: u16, bytes: &[u8]) -> Result<Reply> {
        let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
        let detail = match &parsed {
            Some(v) if v.get("error").is_some() => format_error(&v["error"]),
            Some(_) => String::new(),
            None => String::from_utf8_lossy(bytes)
                .trim()
                .chars()
                .take(200)
                .collect(),
        };
        let http = |d: &str| {
            if d.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {d}")
            }
        };
        match status {
            200 => {}
            401 => {
                let src = self.token_source();
                let mut e = Error::auth(format!(
                    "authentication failed ({}) using {}",
                    http(&detail),
                    src.describe_token()
                ));
                e.detail = Some(http(&detail));
                e.hint = Some(if src == Source::None {
                    "pass -t/--token or set TRUSTGRAPH_TOKEN to an API key or to a JWT from tg-login".into()
                } else {
                    "the gateway does not say why: the API key may be unknown, revoked or expired, the JWT expired or signed by an old key, or the user disabled; log in again with tg-login or ask an admin for a new key".into()
                });
                return Err(e);
            }
            403 => {
                let mut e = Error::new(
                    Kind::Forbidden,
                    format!("permission denied ({}) for {}", http(&detail), self.token_source().describe_token()),
                )
                .with_hint("this operation needs the admin role (or access to that workspace); use an admin's token");
                e.detail = Some(http(&detail));
                return Err(e);
            }
            400..=499 if parsed.as_ref().is_some_and(|v| v.get("error").is_some()) => {
                let mut e = Error::refused(http(&detail));
                if detail == "unknown operation" {
                    e = e.with_hint(
                        "the gateway does not know this operation; it may be older than this tool",
                    );
                }
                return Err(e);
            }
            404 | 405 => {
                return Err(Error::protocol(format!(
                    "unexpected response from {}: {}",
                    self.shown,
                    http(&detail)
                ))
                .with_hint("is this the base URL of a TrustGraph API gateway (with IAM)?"));
            }
            _ => {
                return Err(Error::protocol(format!(
                    "unexpected response from the gateway: {}",
                    http(&detail)
                )))
            }
        }
        let v = parsed.ok_or_else(|| {
            Error::protocol(format!(
                "unexpected response from the gateway: HTTP 200 but not JSON: {detail:?}"
            ))
        })?;
        let map = match v {
            Value::Object(m) => m,
            other => {
                return Err(Error::protocol(format!(
                    "unexpected response from the gateway: expected a JSON object, got {}",
                    kind_of(&other)
                )))
            }
        };
        if let Some(err) = map.get("error") {
            let kind = match err.get("type").and_then(Value::as_str) {
                Some("auth-failed") => Kind::Auth,
                Some("gateway-error") | Some("internal-error") => Kind::Protocol,
                _ => Kind::Refused,
            };
            let mut e = Error::new(kind, format_error(err));
            if err.get("type").and_then(Value::as_str) == Some("not-found") {
                e = e.with_hint("check the id (ids are shown by tg-list-users, tg-list-api-keys, tg-list-workspaces)");
            }
            return Err(e);
        }
        Ok(Reply(map))
    }

    fn transport_error(&self, e: &reqwest::Error) -> Error {
        let cause = innermost(e);
        let target = if self.url.source == Source::Default {
            format!("the default gateway URL {}", self.shown)
        } else {
            self.shown.clone()
        };
        let default_hint = || {
            format!(
                "no URL was given, so the default {} was used: set TRUSTGRAPH_URL or pass -u/--api-url; newer gateways listen on port 8888 (-u {})",
                config::DEFAULT_URL,
                config::NEWER_DEFAULT_URL
            )
        };
        let lower = cause.to_ascii_lowercase();
        let tls = is_tls_failure(e);
        let mut err = if e.is_timeout() {
            Error::new(
                Kind::Unreachable,
                format!("no answer from {target} within {} s", self.timeout),
            )
            .with_hint(
                "the gateway may be overloaded or wedged; raise --timeout if it is just slow",
            )
        } else if tls {
            Error::new(
                Kind::Unreachable,
                format!("TLS failure talking to {target}: {cause}"),
            )
            .with_hint(
                "check the scheme (http:// or https://); for a private CA pass --ca-cert FILE; --insecure skips verification (unsafe)",
            )
        } else if e.is_connect() {
            let what = if lower.contains("connection refused") {
                "connection refused".to_string()
            } else if lower.contains("dns")
                || lower.contains("lookup")
                || lower.contains("name or service")
            {
                format!("cannot resolve the host ({cause})")
            } else {
                cause.clone()
            };
            Error::new(
                Kind::Unreachable,
                format!("cannot connect to {target}: {what}"),
            )
        } else {
            Error::new(
                Kind::Unreachable,
                format!("request to {target} failed: {cause}"),
            )
        };
        if self.url.source == Source::Default && (err.hint.is_none() || e.is_connect()) {
            err.hint = Some(default_hint());
        }
        err
    }
}

/// Refuse a JWT whose `exp` has already passed, before sending it.
fn check_token_not_expired(t: &Setting) -> Result<()> {
    if let Some(exp) = jwt::jwt_expiry(&t.value) {
        let now = time::now();
        if exp < now {
            let mins = (now - exp) / 60;
            return Err(Error::auth(format!(
                "{} is a JWT that expired at {} ({} ago)",
                t.source.describe_token(),
                time::format_utc(exp),
                if mins >= 1 {
                    format!("{mins} min")
                } else {
                    format!("{} s", now - exp)
                }
            ))
            .with_hint("log in again: export TRUSTGRAPH_TOKEN=$(tg-login --username NAME)"));
        }
    }
    Ok(())
}

fn has_secret(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| {
            (wire::SECRET_KEYS.contains(&k.as_str()) && x.is_string()) || has_secret(x)
        }),
        Value::Array(a) => a.iter().any(has_secret),
        _ => false,
    }
}

fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let s = cur.to_string();
    // "Connection refused (os error 111)" -> "connection refused"
    if let Some(io) = cur.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::ConnectionRefused {
            return "connection refused".into();
        }
    }
    s
}

/// A TLS-level failure anywhere in the error chain (rustls errors arrive
/// wrapped in one or more `io::Error`s, whose `source()` skips them).
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if is_tls_failure(inner) {
            return true;
        }
    }
    e.source().is_some_and(is_tls_failure)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `type: message` for an IAM error object, the text for a gateway string.
pub fn format_error(err: &Value) -> String {
    match err {
        Value::Object(_) => {
            let t = err.get("type").and_then(Value::as_str).unwrap_or("");
            let m = err.get("message").and_then(Value::as_str).unwrap_or("");
            let s = match (t.is_empty(), m.is_empty()) {
                (false, _) => format!("{t}: {m}"),
                (true, false) => m.to_string(),
                (true, true) => "error".to_string(),
            };
            sanitize(&s).into_owned()
        }
        Value::String(s) => sanitize(s).into_owned(),
        other => other.to_string(),
    }
}

/// A successful (HTTP 200, no `error`) JSON object reply.
#[derive(Debug, Clone)]
pub struct Reply(pub Map<String, Value>);

impl Reply {
    /// True when the reply holds nothing but `bootstrap_available`: how a
    /// TrustGraph 2.11 gateway answers both void successes and refusals.
    pub fn is_bare_2_11(&self) -> bool {
        self.0.contains_key("bootstrap_available")
            && self.0.keys().all(|k| k == "bootstrap_available")
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A non-empty string field.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A record (object) field; wrong type is a protocol error.
    pub fn record(&self, key: &str) -> Result<Option<&Value>> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(other) => Err(Error::protocol(format!(
                "unexpected response from the gateway: `{key}` is {}, not a record",
                kind_of(other)
            ))),
        }
    }

    /// A list field; absent means empty (the gateway omits empty lists).
    pub fn list(&self, key: &str) -> Result<Vec<Value>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(other) => Err(Error::protocol(format!(
                "unexpected response from the gateway: `{key}` is {}, not a list",
                kind_of(other)
            ))),
        }
    }

    /// The error for a reply that lacks the expected `what`. A bare 2.11
    /// reply is a refusal of kind `refusal` explained by `hint`; anything
    /// else is an unexpected response.
    pub fn missing(&self, what: &str, refusal: Kind, hint: &str) -> Error {
        if self.is_bare_2_11() {
            Error::new(
                refusal,
                format!("the gateway returned no {what}: the request was refused (a TrustGraph 2.11 gateway answers refusals with an empty reply and no reason)"),
            )
            .with_hint(hint)
        } else {
            Error::protocol(format!(
                "unexpected response from the gateway: no {what} in the reply"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_formats() {
        assert_eq!(
            format_error(&json!({"type": "not-found", "message": "user not found"})),
            "not-found: user not found"
        );
        assert_eq!(format_error(&json!({"message": "m"})), "m");
        assert_eq!(format_error(&json!({})), "error");
        assert_eq!(format_error(&json!("auth failure")), "auth failure");
    }

    #[test]
    fn bare_reply_detection() {
        let r = Reply(
            json!({"bootstrap_available": false})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert!(r.is_bare_2_11());
        let r = Reply(json!({}).as_object().unwrap().clone());
        assert!(!r.is_bare_2_11());
        assert_eq!(r.missing("jwt", Kind::Auth, "h").kind, Kind::Protocol);
    }

    #[test]
    fn secrets_detected() {
        assert!(has_secret(&json!({"user": {"password": "x"}})));
        assert!(!has_secret(&json!({"operation": "whoami"})));
    }
}
