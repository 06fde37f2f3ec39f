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
                self.shown,
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
        } else if e.is_body() || e.is_decode() {
            // Before the hyper errors: a body error carries one too.
            Error::protocol(format!("the reply from {target}{via} broke off: {cause}"))
        } else if let Some(h) = hyper_error(e) {
            let what = if h.is_parse() || h.is_parse_status() {
                format!("it is not valid HTTP ({cause})")
            } else if h.is_incomplete_message() {
                "the connection closed before a complete reply".to_string()
            } else {
                cause.clone()
            };
            Error::protocol(format!("unusable reply from {target}{via}: {what}"))
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

    /// A client of `url` (`None`: no URL given), built as a tool builds it.
    fn client(url: Option<&str>) -> Client {
        let conn = crate::cli::ConnArgs {
            api_url: url.map(str::to_string),
            timeout: Some(5.0),
            ..Default::default()
        };
        Client::new("tg-test", &conn, None).expect("a client")
    }

    #[test]
    fn server_text_marks_a_cut_and_only_a_cut() {
        for (n, cut) in [(199, false), (200, false), (201, true), (300, true)] {
            let want = match cut {
                true => format!("{}…", "x".repeat(SHOWN_CHARS)),
                false => "x".repeat(n),
            };
            assert_eq!(server_text("x".repeat(n).as_bytes()), want, "{n}");
        }
    }

    #[test]
    fn a_secret_looking_value_past_the_first_4_kib_is_still_masked() {
        // 450 bytes of text, then a JWT whose dots come after the first
        // 4 100 bytes: the scrubber must see it whole.
        let jwt = format!(
            "eyJ{}.{}.{}",
            "A".repeat(3800),
            "B".repeat(20),
            "C".repeat(20)
        );
        let body = format!("{}{jwt}", "€".repeat(150));
        assert_eq!(
            server_text(body.as_bytes()),
            format!("{}***", "€".repeat(150))
        );
    }

    #[test]
    fn connect_failures_say_what_failed() {
        let c = client(Some("http://127.0.0.1:9/"));
        let resolve = |cause: &str| format!("cannot resolve the host ({cause})");
        for (cause, what) in [
            ("connection refused", "connection refused".to_string()),
            ("dns error: no record", resolve("dns error: no record")),
            ("DNS failure", resolve("DNS failure")),
            (
                "failed to lookup address information: Temporary failure in name resolution",
                resolve(
                    "failed to lookup address information: Temporary failure in name resolution",
                ),
            ),
            (
                "name or service not known",
                resolve("name or service not known"),
            ),
            (
                "network is unreachable",
                "network is unreachable".to_string(),
            ),
        ] {
            let e = c.connect_failed(cause);
            assert_eq!(
                e.message,
                format!("cannot connect to http://127.0.0.1:9/: {what}")
            );
            assert_eq!((e.kind, e.hint), (Kind::Unreachable, None), "{cause}");
        }
    }

    #[test]
    fn client_failures_name_the_gateway_and_how_it_was_chosen() {
        let given = client(Some("http://127.0.0.1:9/"));
        let default = client(None);
        assert_eq!(given.target(), "http://127.0.0.1:9/");
        assert_eq!(given.via(), "");
        assert_eq!(
            default.target(),
            format!("the default gateway URL {}", config::DEFAULT_URL)
        );
        let e = given.timed_out();
        assert_eq!(e.message, "no answer from http://127.0.0.1:9/ within 5 s");
        assert_eq!(e.kind, Kind::Unreachable);
        assert!(e.hint.unwrap().contains("raise --timeout"));
        let e = given.tls_failed("bad certificate");
        assert_eq!(
            e.message,
            "TLS failure talking to http://127.0.0.1:9/: bad certificate"
        );
        assert!(e.hint.unwrap().contains("--ca-cert"));
        let e = default.connect_failed("connection refused");
        assert_eq!(
            e.message,
            format!(
                "cannot connect to the default gateway URL {}: connection refused",
                config::DEFAULT_URL
            )
        );
        // Through a proxy, every message names it and where it came from.
        let mut proxied = client(Some("http://gw.example.invalid:8088/"));
        proxied.proxy = Some(super::super::proxy::Proxy {
            url: url::Url::parse("http://proxy.example.invalid:3128/").unwrap(),
            shown: "http://***@proxy.example.invalid:3128/".into(),
            var: "HTTP_PROXY",
        });
        let via = " through proxy http://***@proxy.example.invalid:3128/ (from HTTP_PROXY)";
        assert_eq!(proxied.via(), via);
        assert_eq!(
            proxied.timed_out().message,
            format!("no answer from http://gw.example.invalid:8088/{via} within 5 s")
        );
        assert_eq!(
            proxied.tls_failed("bad certificate").message,
            format!("TLS failure talking to http://gw.example.invalid:8088/{via}: bad certificate")
        );
        let e = proxied.connect_failed("connection refused");
        assert_eq!(
            e.message,
            "cannot connect to proxy http://***@proxy.example.invalid:3128/ (from HTTP_PROXY) for http://gw.example.invalid:8088/: connection refused"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("check HTTP_PROXY or set NO_PROXY to reach the gateway directly")
        );
        assert_eq!(e.kind, Kind::Unreachable);
        // The default URL's hint: on a connection failure, or where there
        // is no other hint; never when a URL was given.
        let no_url = default
            .default_url_hint(Error::protocol("x"), false)
            .hint
            .map(String::from);
        assert!(no_url.as_deref().unwrap().starts_with("no URL was given"));
        for (c, hint, connect, want) in [
            (&default, None, false, no_url.clone()),
            (&default, Some("h"), false, Some("h".to_string())),
            (&default, Some("h"), true, no_url.clone()),
            (&given, None, true, None),
            (&given, Some("h"), true, Some("h".to_string())),
        ] {
            let mut e = Error::protocol("x");
            e.hint = hint.map(Into::into);
            assert_eq!(
                c.default_url_hint(e, connect).hint.map(String::from),
                want,
                "{hint:?} {connect}"
            );
        }
    }

    /// What the client says of `reply`, sent by a server on 127.0.0.1
    /// after reading the request's head.
    fn failure_for(reply: &'static [u8]) -> (String, Error) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}/", listener.local_addr().expect("an address"));
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("a connection");
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(reply);
        });
        let c = client(Some(&url));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let r = rt.block_on(c.iam(
            serde_json::json!({"operation": "x"}),
            super::super::Retry::Never,
        ));
        server.join().expect("the server ends");
        match r {
            Err(e) => (url, e),
            Ok(_) => panic!("{url}: the reply was taken"),
        }
    }

    #[test]
    fn replies_that_are_not_http_or_break_off_say_so() {
        for (reply, what) in [
            (
                &b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"[..],
                "unusable reply from {url}: it is not valid HTTP (invalid HTTP header parsed)",
            ),
            (
                b"HTTP/1.1 abc OK\r\n\r\n",
                "unusable reply from {url}: it is not valid HTTP (invalid HTTP status-code parsed)",
            ),
            (
                b"",
                "unusable reply from {url}: the connection closed before a complete reply",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
                "the reply from {url} broke off: end of file before message length reached",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "the reply from {url} broke off: Invalid chunk size line: missing size digit",
            ),
        ] {
            let (url, e) = failure_for(reply);
            assert_eq!(e.message, what.replace("{url}", &url));
            assert_eq!(e.kind, Kind::Protocol);
        }
    }

    #[test]
    fn each_status_is_its_kind_of_failure_with_its_hint() {
        let hint = |e: &Error| e.hint.clone().unwrap_or_default();
        for (status, body, source, kind, hint_start) in [
            (401, "{}", Source::None, Kind::Auth, "pass -t/--token"),
            (
                401,
                "{}",
                Source::Flag,
                Kind::Auth,
                "the gateway does not say why",
            ),
            (
                403,
                "{}",
                Source::Flag,
                Kind::Forbidden,
                "this operation needs the admin role",
            ),
            (
                404,
                "{}",
                Source::Flag,
                Kind::Protocol,
                "is this the base URL",
            ),
            (
                405,
                "{}",
                Source::Flag,
                Kind::Protocol,
                "is this the base URL",
            ),
            (400, r#"{"error": "bad"}"#, Source::Flag, Kind::Refused, ""),
            (
                400,
                r#"{"error": "unknown operation"}"#,
                Source::Flag,
                Kind::Refused,
                "the gateway does not know this operation",
            ),
            (400, "{}", Source::Flag, Kind::Protocol, ""),
            (500, "{}", Source::Flag, Kind::Protocol, ""),
        ] {
            let e = decode_reply(status, body.as_bytes(), source, "u").unwrap_err();
            assert_eq!(e.kind, kind, "{status} {body}");
            assert!(
                hint(&e).starts_with(hint_start),
                "{status} {body}: {}",
                hint(&e)
            );
            assert_eq!(hint_start.is_empty(), e.hint.is_none(), "{status} {body}");
            assert_eq!(e.status, Some(status));
        }
        assert!(decode_reply(200, b"{}", Source::Flag, "u").is_ok());
    }

    #[test]
    fn the_status_is_said_once_and_a_base_url_with_a_path_gets_its_root() {
        for (status, detail, want) in [
            (404, "404: Not Found", "HTTP 404: Not Found"),
            (404, "404 Not Found", "HTTP 404: Not Found"),
            (404, "404:Not Found", "HTTP 404: Not Found"),
            (404, "404", "HTTP 404"),
            (404, "404:", "HTTP 404"),
            (404, "", "HTTP 404"),
            (404, "no such route", "HTTP 404: no such route"),
            // Another number, or the status inside a longer one, is kept.
            (404, "4041 things", "HTTP 404: 4041 things"),
            (
                404,
                "405: Method Not Allowed",
                "HTTP 404: 405: Method Not Allowed",
            ),
            (500, "error 500", "HTTP 500: error 500"),
        ] {
            assert_eq!(http_said(status, detail), want, "{status} {detail:?}");
        }
        for (shown, root) in [
            ("http://127.0.0.1:9/api/v1/", Some("http://127.0.0.1:9/")),
            ("https://gw.example/x", Some("https://gw.example/")),
            ("http://127.0.0.1:9/", None),
            ("http://127.0.0.1:9", None),
            ("not a url", None),
        ] {
            assert_eq!(root_of(shown).as_deref(), root, "{shown}");
        }
        let hint = |shown: &str| {
            decode_reply(404, b"404: Not Found", Source::Flag, shown)
                .unwrap_err()
                .hint
                .unwrap()
                .to_string()
        };
        assert_eq!(
            hint("http://127.0.0.1:9/api/v1/"),
            "the tools want the gateway's base URL, without a path (they add /api/v1/...): try http://127.0.0.1:9/"
        );
        assert_eq!(
            hint("http://127.0.0.1:9/"),
            "is this the base URL of a TrustGraph API gateway (with IAM)?"
        );
        let e = decode_reply(405, b"405: Method Not Allowed", Source::Flag, "u").unwrap_err();
        assert_eq!(
            e.message,
            "unexpected response from u: HTTP 405: Method Not Allowed"
        );
        assert_eq!(e.detail.as_deref(), Some("HTTP 405: Method Not Allowed"));
    }

    #[test]
    fn an_iam_error_in_a_reply_is_its_kind_of_failure() {
        for (t, kind, hint) in [
            ("auth-failed", Kind::Auth, false),
            ("gateway-error", Kind::Protocol, false),
            ("internal-error", Kind::Protocol, false),
            ("not-found", Kind::Refused, true),
            ("duplicate", Kind::Refused, false),
        ] {
            let e = decode_object(json!({"error": {"type": t, "message": "m"}}), None).unwrap_err();
            assert_eq!((e.kind, e.hint.is_some()), (kind, hint), "{t}");
            assert_eq!(e.message, format!("{t}: m"));
            assert_eq!(e.iam, Some(IamErrorType::from_wire(t)));
        }
        for (v, got) in [
            (json!(null), "null"),
            (json!(true), "a boolean"),
            (json!(1), "a number"),
            (json!("s"), "a string"),
            (json!([]), "an array"),
        ] {
            let e = decode_object(v, None).unwrap_err();
            assert_eq!(
                e.message,
                format!("unexpected response from the gateway: expected a JSON object, got {got}")
            );
        }
        assert_eq!(kind_of(&json!({})), "an object");
        // An error object without a type has none.
        let e = decode_object(json!({"error": {"type": "", "message": "m"}}), None).unwrap_err();
        assert_eq!(e.iam, None);
    }

    #[test]
    fn a_socket_error_frame_is_its_kind_of_failure() {
        let flag = Source::Flag;
        for (t, source, kind, hint_start) in [
            (
                "auth-required",
                &Source::None,
                Kind::Auth,
                "pass -t/--token",
            ),
            (
                "auth-required",
                &flag,
                Kind::Auth,
                "the socket is not authenticated",
            ),
            (
                "access-denied",
                &flag,
                Kind::Forbidden,
                "this operation needs the admin role",
            ),
            (
                "unknown-service",
                &flag,
                Kind::Refused,
                "the gateway does not offer this service",
            ),
            (
                "workspace-not-found",
                &flag,
                Kind::Refused,
                "check the workspace",
            ),
            ("something-else", &flag, Kind::Protocol, ""),
        ] {
            let e = envelope_error(&json!({"type": t, "message": "m"}), source);
            assert_eq!(e.kind, kind, "{t}");
            let hint = e.hint.unwrap_or_default();
            assert!(hint.starts_with(hint_start), "{t}: {hint}");
            assert_eq!(e.detail.as_deref(), Some(format!("{t}: m").as_str()));
        }
    }

    #[test]
    fn the_innermost_cause_and_tls_failures_are_found_down_the_chain() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("outer")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        use std::io::{Error as Io, ErrorKind};
        let refused = Outer(Io::from(ErrorKind::ConnectionRefused));
        assert_eq!(innermost(&refused), "connection refused");
        let other = Outer(Io::other("no route"));
        assert_eq!(innermost(&other), "no route");
        assert!(!is_tls_failure(&other));
        let tls = || rustls::Error::General("bad".into());
        assert!(is_tls_failure(&tls()));
        assert!(is_tls_failure(&Io::other(tls())));
        assert!(is_tls_failure(&Outer(Io::other(Io::other(tls())))));
    }

    #[test]
    fn long_server_text_is_scrubbed_before_it_is_cut() {
        let mut body = "x".repeat(SHOWN_CHARS - 10);
        body.push_str(" tg_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
        let shown = server_text(body.as_bytes());
        assert!(!shown.contains("tg_ABC"), "{shown}");
    }
}
