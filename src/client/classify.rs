//! Every failure of a request, classified where it arises and turned into
//! an [`Error`] of the right kind:
//!
//! * could not reach the gateway, or it timed out, or TLS failed: exit 5;
//! * the gateway answered, but with something that is not a usable reply
//!   (malformed HTTP, a reply cut short, over the size limit, not JSON,
//!   wrong shape, 5xx, a refused redirect): exit 6;
//! * it answered 401 / 403: exits 3 / 4; an IAM refusal: exit 1 (or 3 for
//!   `auth-failed`), with the IAM error type kept as data.

use super::reply::{kind_of, Reply};
use super::Client;
use crate::config::{self, Source};
use crate::error::{Error, IamErrorType, Kind, Result, UNKNOWN_OPERATION};
use crate::output::sanitize;
use crate::redact;
use serde_json::Value;

/// At most this many characters of a server's text go into a message.
const SHOWN_CHARS: usize = 200;
/// At most this many characters of a server's text are scrubbed.
const SCRUBBED_CHARS: usize = 4096;

/// Server text fit for a message: scrubbed of secrets first (so that a
/// secret cut in half by the truncation cannot slip through), then
/// stripped of controls and cut to [`SHOWN_CHARS`].
pub(crate) fn server_text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(SCRUBBED_CHARS * 4)];
    let text = redact::scrub_clip(String::from_utf8_lossy(head).trim(), SCRUBBED_CHARS);
    let text = sanitize(&text);
    let mut out: String = text.chars().take(SHOWN_CHARS).collect();
    if text.chars().count() > SHOWN_CHARS {
        out.push('…');
    }
    out
}

/// `HTTP 404` with what the server said, once: a body that starts with
/// the status itself (aiohttp's `404: Not Found`) is not repeated after it.
pub(crate) fn http_said(status: u16, detail: &str) -> String {
    let code = status.to_string();
    let rest = detail
        .strip_prefix(&code)
        .filter(|r| r.starts_with(':') || r.starts_with(' ') || r.is_empty())
        .map(|r| r.trim_start_matches(':').trim_start())
        .unwrap_or(detail);
    if rest.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {rest}")
    }
}

/// For a 404 or 405 from a base URL with a path (`.../api/v1/`): the
/// gateway's root, which is what the tools want.
fn root_of(shown: &str) -> Option<String> {
    let u = url::Url::parse(shown).ok()?;
    (u.path() != "/").then(|| format!("{}/", u.origin().ascii_serialization()))
}

/// Turn a gateway answer (`status`, body `bytes`) into a [`Reply`] or a
/// classified error. `token_source` and `shown` (the base URL) are for the
/// messages. Every secret found in the body is registered with the
/// scrubber before anything is said about it.
pub fn decode_reply(status: u16, bytes: &[u8], token_source: Source, shown: &str) -> Result<Reply> {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    if let Some(v) = &parsed {
        redact::register_json(v);
    }
    let error_field = parsed.as_ref().and_then(|v| v.get("error"));
    let detail = match (&parsed, error_field) {
        (Some(_), Some(e)) => format_error(e),
        (Some(_), None) => String::new(),
        (None, _) => server_text(bytes),
    };
    let http = |d: &str| http_said(status, d);
    let with_status = |mut e: Error| {
        e.status = Some(status);
        e.detail = Some(http(&detail).into());
        (e.iam, e.gateway_error) = error_type(error_field);
        e
    };
    match status {
        200 => {}
        401 => {
            let hint = if token_source == Source::None {
                "pass -t/--token or set TRUSTGRAPH_TOKEN to an API key or to a JWT from tg-login"
            } else {
                "the gateway does not say why: the API key may be unknown, revoked or expired, the JWT expired or signed by an old key, or the user disabled; log in again with tg-login or ask an admin for a new key"
            };
            return Err(with_status(
                Error::auth(format!(
                    "authentication failed ({}) using {}",
                    http(&detail),
                    token_source.describe_token()
                ))
                .with_hint(hint),
            ));
        }
        403 => {
            return Err(with_status(
                Error::new(
                    Kind::Forbidden,
                    format!(
                        "permission denied ({}) for {}",
                        http(&detail),
                        token_source.describe_token()
                    ),
                )
                .with_hint("this operation needs the admin role (or access to that workspace); use an admin's token"),
            ));
        }
        400..=499 if error_field.is_some() => {
            let mut e = with_status(Error::refused(http(&detail)));
            if e.gateway_error.as_deref() == Some(UNKNOWN_OPERATION) {
                e = e.with_hint(
                    "the gateway does not know this operation; it may be older than this tool",
                );
            }
            return Err(e);
        }
        404 | 405 => {
            let hint = match root_of(shown) {
                Some(root) => format!(
                    "the tools want the gateway's base URL, without a path (they add /api/v1/...): try {root}"
                ),
                None => "is this the base URL of a TrustGraph API gateway (with IAM)?".into(),
            };
            return Err(with_status(
                Error::protocol(format!(
                    "unexpected response from {shown}: {}",
                    http(&detail)
                ))
                .with_hint(hint),
            ));
        }
        _ => {
            return Err(with_status(Error::protocol(format!(
                "unexpected response from the gateway: {}",
                http(&detail)
            ))))
        }
    }
    let v = parsed.ok_or_else(|| not_json(bytes))?;
    decode_object(v, Some(status))
}

/// The error for an HTTP 200 whose body (`bytes`) is not JSON.
pub(crate) fn not_json(bytes: &[u8]) -> Error {
    Error::protocol(format!(
        "unexpected response from the gateway: HTTP 200 but not JSON: {:?}",
        server_text(bytes)
    ))
}

/// A reply body that parsed as JSON, from HTTP (`status`) or from the
/// socket's `response` (`None`): a [`Reply`], or the IAM error it carries
/// as an error of the right kind.
pub(crate) fn decode_object(v: Value, status: Option<u16>) -> Result<Reply> {
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
        let (iam, gateway_error) = error_type(Some(err));
        let kind = match &iam {
            Some(IamErrorType::AuthFailed) => Kind::Auth,
            Some(IamErrorType::GatewayError) | Some(IamErrorType::InternalError) => Kind::Protocol,
            _ => Kind::Refused,
        };
        let mut e = Error::new(kind, format_error(err));
        e.status = status;
        if iam == Some(IamErrorType::NotFound) {
            e = e.with_hint("check the id (ids are shown by tg-list-users, tg-list-api-keys, tg-list-workspaces)");
        }
        e.iam = iam;
        e.gateway_error = gateway_error;
        return Err(e);
    }
    Ok(Reply(map))
}

/// The error a socket's gateway-level error frame (`{"id", "error":
/// {"type", "message"}, "complete": true}`) stands for: `auth-required` is
/// an authentication failure (exit 3), `access-denied` a refusal of
/// permission (exit 4), an unknown service or workspace a refusal (exit 1),
/// anything else an unexpected response (exit 6). The type is kept as data.
pub(crate) fn envelope_error(err: &Value, token_source: &Source) -> Error {
    let (iam, gateway_error) = error_type(Some(err));
    let said = format_error(err);
    let t = err.get("type").and_then(Value::as_str).unwrap_or("");
    let mut e = match t {
        "auth-required" => Error::auth(format!(
            "authentication failed on the socket ({said}) using {}",
            token_source.describe_token()
        ))
        .with_hint(if *token_source == Source::None {
            "pass -t/--token or set TRUSTGRAPH_TOKEN to an API key or to a JWT from tg-login"
        } else {
            "the socket is not authenticated: its credential was refused, or has expired or been revoked since; authenticate again"
        }),
        "access-denied" => Error::new(
            Kind::Forbidden,
            format!(
                "permission denied on the socket ({said}) for {}",
                token_source.describe_token()
            ),
        )
        .with_hint("this operation needs the admin role (or access to that workspace); use an admin's token"),
        "unknown-service" => Error::refused(format!("the gateway refused the request ({said})"))
            .with_hint("the gateway does not offer this service or operation over the socket; it may be older than this tool"),
        "workspace-not-found" => Error::refused(format!("the gateway refused the request ({said})"))
            .with_hint("check the workspace (tg-list-my-workspaces)"),
        _ => Error::protocol(format!(
            "unexpected response from the gateway on the socket: {said}"
        )),
    };
    e.detail = Some(said.into());
    e.iam = iam;
    e.gateway_error = gateway_error;
    e
}

/// What an `error` field says, as data: the `type` of an IAM error object
/// (a type this suite does not know is kept as
/// [`IamErrorType::Unknown`]), or the gateway's own string.
fn error_type(err: Option<&Value>) -> (Option<IamErrorType>, Option<Box<str>>) {
    match err {
        Some(Value::String(s)) => (None, Some(s.as_str().into())),
        Some(Value::Object(o)) => (
            o.get("type")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(IamErrorType::from_wire),
            None,
        ),
        _ => (None, None),
    }
}

impl Client {
    /// The gateway as named in messages, with how it was chosen.
    pub(super) fn target(&self) -> String {
        if self.url.source == Source::Default {
            format!("the default gateway URL {}", self.shown)
        } else {
            self.shown.clone()
        }
    }

    /// ` through proxy P (from VAR)`, or nothing.
    pub(super) fn via(&self) -> String {
        match &self.proxy {
            Some(p) => format!(" through proxy {} (from {})", p.shown, p.var),
            None => String::new(),
        }
    }

    /// `--timeout` ran out (exit 5): it bounds the whole exchange, every
    /// redirect and the retry included.
    pub(super) fn timed_out(&self) -> Error {
        Error::new(
            Kind::Unreachable,
            format!(
                "no answer from {}{} within {} s",
                self.target(),
                self.via(),
                self.timeout
            ),
        )
        .with_hint("the gateway may be overloaded or wedged; raise --timeout if it is just slow")
    }

    /// The TLS handshake failed (exit 5).
    pub(super) fn tls_failed(&self, cause: &str) -> Error {
        Error::new(
            Kind::Unreachable,
            format!("TLS failure talking to {}{}: {cause}", self.target(), self.via()),
        )
        .with_hint(
            "check the scheme (http:// or https://); for a private CA pass --ca-cert FILE; --insecure skips verification (unsafe)",
        )
    }

    /// No connection to the gateway or its proxy (exit 5).
    pub(super) fn connect_failed(&self, cause: &str) -> Error {
        let target = self.target();
        let what = if cause == "connection refused" {
            cause.to_string()
        } else if cause.to_ascii_lowercase().contains("dns")
            || cause.contains("lookup")
            || cause.contains("name or service")
        {
            format!("cannot resolve the host ({cause})")
        } else {
            cause.to_string()
        };
        match &self.proxy {
            Some(p) => Error::new(
                Kind::Unreachable,
                format!(
                    "cannot connect to proxy {} (from {}) for {target}: {what}",
                    p.shown, p.var
                ),
            )
            .with_hint(format!(
                "check {} or set NO_PROXY to reach the gateway directly",
                p.var
            )),
            None => Error::new(
                Kind::Unreachable,
                format!("cannot connect to {target}: {what}"),
            ),
        }
    }

    /// When no URL was given, say so in the hint of a connection failure
    /// (or of any failure that has no hint of its own).
    pub(super) fn default_url_hint(&self, mut err: Error, is_connect: bool) -> Error {
        if self.url.source == Source::Default && (err.hint.is_none() || is_connect) {
            err = err.with_hint(format!(
                "no URL was given, so the default {} was used: set TRUSTGRAPH_URL or pass -u/--api-url; gateways older than August 2026 listen on port 8088 (-u {})",
                config::DEFAULT_URL,
                config::OLDER_DEFAULT_URL
            ));
        }
        err
    }

    /// Classify a failure of the HTTP exchange itself.
    pub(super) fn transport_error(&self, e: &reqwest::Error) -> Error {
        let cause = innermost(e);
        let target = self.target();
        let via = self.via();
        let err = if e.is_timeout() {
            self.timed_out()
        } else if is_tls_failure(e) {
            self.tls_failed(&cause)
        } else if e.is_connect() {
            self.connect_failed(&cause)
        } else if let Some(h) = hyper_error(e) {
            let what = if h.is_parse() || h.is_parse_status() {
                format!("it is not valid HTTP ({cause})")
            } else if h.is_incomplete_message() {
                "the connection closed before a complete reply".to_string()
            } else {
                cause.clone()
            };
            Error::protocol(format!("unusable reply from {target}{via}: {what}"))
        } else if e.is_body() || e.is_decode() {
            Error::protocol(format!("the reply from {target}{via} broke off: {cause}"))
        } else {
            Error::protocol(format!("request to {target}{via} failed: {cause}"))
        };
        self.default_url_hint(err, e.is_connect())
    }
}

/// The hyper error inside a reqwest error, if any.
fn hyper_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a hyper::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(h) = c.downcast_ref::<hyper::Error>() {
            return Some(h);
        }
        cur = c.source();
    }
    None
}

pub(crate) fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    // "Connection refused (os error 111)" -> "connection refused"
    if let Some(io) = cur.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::ConnectionRefused {
            return "connection refused".into();
        }
    }
    cur.to_string()
}

/// A TLS-level failure anywhere in the error chain (rustls errors arrive
/// wrapped in one or more `io::Error`s, whose `source()` skips them).
pub(crate) fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
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

/// `type: message` for an IAM error object, the text for a gateway string.
/// Scrubbed and cut like all server text.
pub fn format_error(err: &Value) -> String {
    let s = match err {
        Value::Object(_) => {
            let t = err.get("type").and_then(Value::as_str).unwrap_or("");
            let m = err.get("message").and_then(Value::as_str).unwrap_or("");
            match (t.is_empty(), m.is_empty()) {
                (false, _) => format!("{t}: {m}"),
                (true, false) => m.to_string(),
                (true, true) => "error".to_string(),
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    server_text(s.as_bytes())
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
    fn error_types_are_data() {
        let e = decode_reply(
            200,
            br#"{"error": {"type": "not-found", "message": "user not found"}}"#,
            Source::Flag,
            "u",
        )
        .unwrap_err();
        assert_eq!((e.kind, e.is_not_found()), (Kind::Refused, true));
        let e =
            decode_reply(400, br#"{"error": "unknown operation"}"#, Source::Flag, "u").unwrap_err();
        assert_eq!(e.gateway_error.as_deref(), Some(UNKNOWN_OPERATION));
        assert!(e.hint.is_some());
        let e = decode_reply(401, b"{}", Source::None, "u").unwrap_err();
        assert_eq!((e.kind, e.status), (Kind::Auth, Some(401)));
    }

    #[test]
    fn long_server_text_is_scrubbed_before_it_is_cut() {
        let mut body = "x".repeat(SHOWN_CHARS - 10);
        body.push_str(" tg_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
        let shown = server_text(body.as_bytes());
        assert!(!shown.contains("tg_ABC"), "{shown}");
    }
}
