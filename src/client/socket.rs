//! The first-frame WebSocket client for `/api/v1/socket`, as upstream's
//! `AsyncSocketClient` speaks it (protocol reference §10, §16):
//!
//! * **Connecting**: the base URL with `http`→`ws`, `https`→`wss`, plus
//!   `/api/v1/socket`, over the stream `Client::open_stream` gives (the
//!   same proxy choice and the same rustls configuration as HTTP). The
//!   handshake carries no credential and follows no redirect.
//! * **Authenticating**: `{"type": "auth", "token": …}`, then `auth-ok`
//!   (`default_workspace`, or `workspace` from older gateways) or
//!   `auth-failed`, which leaves the socket open for another try. A
//!   workspace chosen explicitly is never replaced by the one `auth-ok`
//!   assigns. An expired JWT is refused here, before it is sent.
//! * **Requests**: `{id, workspace, service, flow?, request}` envelopes,
//!   ids `req-1`, `req-2`, …, multiplexed over the one connection; replies
//!   are routed by `id`. A reply stream ends with `complete`, or with
//!   `end_of_stream` / `end_of_dialog` / `end_of_session` in `response`.
//!   Gateway-level error frames become [`Error`]s of the usual kinds
//!   (`classify::envelope_error`); `service: "iam"` replies
//!   decode exactly as HTTP replies do ([`Socket::iam`]).
//! * **Never a hang**: connecting, the auth reply, and every reply frame
//!   are each awaited for at most the timeout. The connection is pinged
//!   whenever it has been quiet for a quarter of the timeout (at most every
//!   20 s, as upstream); if nothing at all arrives for the whole timeout,
//!   the peer is declared dead and every waiting request fails at once.
//!   Pings from the gateway are answered.
//! * **Secrets**: every token sent is registered with the scrubber; the
//!   `-v` trace shows frames with secrets masked.
//!
//! One background task owns the connection; requests talk to it through a
//! channel, so a [`Socket`] can serve many requests at once.

use super::classify::{decode_object, envelope_error, format_error, innermost, server_text};
use super::tunnel::Stream;
use super::{check_token_not_expired, is_list_operation, Cap, Client, Reply, MAX_REPLY_BYTES};
use crate::config::{Setting, Source};
use crate::error::{Error, Kind, Result};
use crate::output::note;
use crate::{redact, wire};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

/// The socket's path below the base URL.
pub const SOCKET_PATH: &str = "/api/v1/socket";
/// The longest quiet spell before a ping (upstream pings every 20 s).
pub const MAX_PING_INTERVAL: Duration = Duration::from_secs(20);
/// Reply frames received but not yet read by their requests, at most
/// (one frame within its request's cap may wait alone, whatever its
/// size); beyond it the connection is dropped (a gateway cannot grow the
/// client without bound).
pub const MAX_UNREAD_BYTES: usize = 16 * 1024 * 1024;
/// The longest frame shown by the `-v` trace, in characters.
const TRACE_CHARS: usize = 4096;
/// Names of the `response` flags that end a reply stream.
const END_FLAGS: &[&str] = &["end_of_stream", "end_of_dialog", "end_of_session"];

type Ws = WebSocketStream<Stream>;

/// What an `auth-ok` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The workspace the gateway assigned (`default_workspace`, or
    /// `workspace` from gateways older than mid-2026), if it named one.
    pub workspace: Option<String>,
    /// From sending the auth frame to reading the answer.
    pub round_trip: Duration,
}

/// The run's view of the gateway, for messages (owned by the background
/// task too).
struct Ctx {
    target: String,
    via: String,
    timeout: Duration,
    timeout_secs: f64,
    verbose: bool,
    /// The cap of IAM list replies; every other reply's is [`Cap::RECORD`].
    list_cap: Cap,
}

impl Ctx {
    fn no_answer(&self, waiting_for: &str) -> Error {
        Error::new(
            Kind::Unreachable,
            format!(
                "no answer from {}{} within {} s (waiting for {waiting_for} on the socket)",
                self.target, self.via, self.timeout_secs
            ),
        )
        .with_hint("the gateway may be overloaded or wedged; raise --timeout if it is just slow")
    }

    fn dead(&self) -> Error {
        Error::new(
            Kind::Unreachable,
            format!(
                "the socket to {}{} is dead: nothing came back within {} s, not even a reply to a ping",
                self.target, self.via, self.timeout_secs
            ),
        )
        .with_hint("the gateway or the network path stopped answering; raise --timeout if it is just slow")
    }

    fn trace(&self, dir: char, v: &Value) {
        if self.verbose {
            note(&format!(
                "{dir} {}",
                redact::scrub_clip(&redact::redact_json(v).to_string(), TRACE_CHARS)
            ));
        }
    }
}

/// What the connection's task is asked to do.
enum Cmd {
    /// Send a request frame; route the frames answering `id` to `route`.
    Request {
        id: String,
        frame: String,
        route: Route,
    },
    /// Send an auth frame; hand the `auth-ok`/`auth-failed` to `reply`.
    Auth {
        frame: String,
        reply: oneshot::Sender<Result<Value>>,
    },
    /// Stop routing frames for `id` (its reader gave up).
    Forget(String),
    /// Close the socket cleanly.
    Close(oneshot::Sender<()>),
}

/// What a request's reader gets: a reply frame and its size, or why
/// there is none (a frame over the request's cap).
type Routed = Result<(Value, usize)>;

/// Where the frames answering one request go, and the cap they are held
/// to (the cap of its operation).
struct Route {
    tx: mpsc::UnboundedSender<Routed>,
    cap: Cap,
}

/// State shared between a [`Socket`] and its connection's task.
#[derive(Default)]
struct Shared {
    /// Why the connection ended, once it has.
    ended: Mutex<Option<Error>>,
    /// Bytes of routed frames not yet read.
    unread: AtomicUsize,
}

impl Shared {
    fn end(&self, e: Error) {
        let mut g = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            *g = Some(e);
        }
    }

    fn ended(&self) -> Option<Error> {
        self.ended.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// An open `/api/v1/socket` connection.
pub struct Socket {
    cmd: mpsc::UnboundedSender<Cmd>,
    shared: Arc<Shared>,
    ctx: Arc<Ctx>,
    next_id: AtomicU64,
    /// The workspace the caller chose; `auth-ok` never replaces it.
    explicit_workspace: Option<String>,
    auth: Option<Authenticated>,
    /// The credential last presented, for messages.
    token_source: Source,
}

impl Client {
    /// The socket URL: the base URL with `ws`/`wss` and [`SOCKET_PATH`].
    pub fn socket_url(&self) -> String {
        let mut u = self.parsed.clone();
        let scheme = if self.tls.is_some() { "wss" } else { "ws" };
        // http -> ws and https -> wss are both special-to-special
        // changes, which `set_scheme` allows.
        let _ = u.set_scheme(scheme);
        u.set_query(None);
        u.set_fragment(None);
        format!("{}{SOCKET_PATH}", u.as_str().trim_end_matches('/'))
    }

    /// Connect to the socket and authenticate with this client's token
    /// (an empty token when there is none, as upstream sends). `workspace`
    /// is the envelope workspace chosen explicitly, if any. A refused
    /// credential closes the socket and is an error (exit 3).
    pub async fn socket(&self, workspace: Option<&str>) -> Result<Socket> {
        let mut s = self.open_socket(workspace).await?;
        let token = self.token.clone().unwrap_or(Setting {
            value: String::new(),
            source: Source::None,
        });
        match s.authenticate(&token).await {
            Ok(_) => Ok(s),
            Err(e) => {
                let _ = s.close().await;
                Err(e)
            }
        }
    }

    /// Connect to the socket without authenticating (the caller sends
    /// [`Socket::authenticate`]). The whole set-up (TCP, proxy tunnel,
    /// TLS, upgrade) is bounded by the timeout.
    pub async fn open_socket(&self, workspace: Option<&str>) -> Result<Socket> {
        let url = self.socket_url();
        if self.verbose {
            note(&format!("> GET {url} (WebSocket upgrade)"));
            if let Some(p) = &self.proxy {
                note(&format!("> via proxy {} (from {})", p.shown, p.var));
            }
        }
        let started = Instant::now();
        let connect = async {
            let stream = self.open_stream().await?;
            self.upgrade(&url, stream).await
        };
        let ws = tokio::time::timeout(self.timeout_duration(), connect)
            .await
            .map_err(|_| self.default_url_hint(self.timed_out(), false))??;
        if self.verbose {
            note(&format!(
                "< HTTP 101 Switching Protocols ({} ms)",
                started.elapsed().as_millis()
            ));
        }
        let ctx = Arc::new(Ctx {
            target: self.target(),
            via: self.via(),
            timeout: self.timeout_duration(),
            timeout_secs: self.timeout,
            verbose: self.verbose,
            list_cap: self.list_cap,
        });
        let shared = Arc::new(Shared::default());
        let (cmd, cmds) = mpsc::unbounded_channel();
        tokio::spawn(drive(ws, cmds, shared.clone(), ctx.clone()));
        Ok(Socket {
            cmd,
            shared,
            ctx,
            next_id: AtomicU64::new(0),
            explicit_workspace: workspace.map(str::to_string),
            auth: None,
            token_source: Source::None,
        })
    }

    /// The WebSocket upgrade on `stream`.
    async fn upgrade(&self, url: &str, stream: Stream) -> Result<Ws> {
        let mut req = url.into_client_request().map_err(|e| {
            Error::usage(format!("cannot make a socket URL of {:?}: {e}", self.shown))
        })?;
        req.headers_mut().insert(
            "User-Agent",
            concat!("tg-iam/", env!("CARGO_PKG_VERSION"))
                .parse()
                .expect("a valid header value"),
        );
        // A gateway that floods pings and never reads would grow the
        // queue of pongs without bound: the write buffer is capped, and a
        // full one ends the socket with an error.
        // The largest frame any request may be answered with; each
        // request's own cap is applied when its frame arrives (`route`).
        let largest = self.list_cap.bytes.max(MAX_REPLY_BYTES);
        let config = WebSocketConfig::default()
            .max_message_size(Some(largest))
            .max_frame_size(Some(largest))
            .max_write_buffer_size(MAX_WRITE_BUFFER);
        match tokio_tungstenite::client_async_with_config(req, stream, Some(config)).await {
            Ok((ws, _)) => Ok(ws),
            Err(WsError::Http(resp)) => {
                let status = resp.status().as_u16();
                let body = resp.body().as_deref().map(server_text).unwrap_or_default();
                let said = super::classify::http_said(status, &body);
                let mut e = match status {
                    401 => Error::auth(format!("the gateway refused the WebSocket upgrade ({said})")),
                    403 => Error::new(
                        Kind::Forbidden,
                        format!("the gateway refused the WebSocket upgrade ({said})"),
                    ),
                    _ => Error::protocol(format!(
                        "the gateway refused the WebSocket upgrade at {url} ({said})"
                    ))
                    .with_hint("is this the base URL of a TrustGraph API gateway (with /api/v1/socket)? redirects are not followed"),
                };
                e.status = Some(status);
                e.detail = Some(said.into());
                Err(e)
            }
            Err(e) => Err(Error::protocol(format!(
                "unusable reply from {}{} to the WebSocket upgrade: {}",
                self.target(),
                self.via(),
                ws_cause(&e)
            ))),
        }
    }
}

/// A WebSocket error in a few words.
fn ws_cause(e: &WsError) -> String {
    match e {
        WsError::Io(io) => innermost(io),
        other => other.to_string(),
    }
}

impl Socket {
    /// Authenticate (again) with `token`. On `auth-ok` the socket acts as
    /// the new credential; on `auth-failed` it stays open and keeps the
    /// identity it had (exit 3 for the caller). An expired JWT is refused
    /// without being sent.
    pub async fn authenticate(&mut self, token: &Setting) -> Result<&Authenticated> {
        redact::register(&token.value);
        if !token.value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::usage(format!(
                "{} contains spaces or control characters: not a credential",
                token.source.describe_token()
            )));
        }
        check_token_not_expired(token)?;
        let frame = serde_json::json!({"type": "auth", "token": token.value});
        self.ctx.trace('>', &frame);
        let (reply, answer) = oneshot::channel();
        let sent = Instant::now();
        self.send(Cmd::Auth {
            frame: wire::to_python_json(&frame),
            reply,
        })?;
        let v = match tokio::time::timeout(self.ctx.timeout, answer).await {
            Err(_) => return Err(self.ctx.no_answer("the answer to the auth frame")),
            Ok(Err(_)) => return Err(self.ended()),
            Ok(Ok(r)) => r?,
        };
        let round_trip = sent.elapsed();
        match v.get("type").and_then(Value::as_str) {
            Some("auth-ok") => {
                let ws = ["default_workspace", "workspace"]
                    .iter()
                    .find_map(|k| v.get(*k).and_then(Value::as_str))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string);
                self.token_source = token.source.clone();
                // An older gateway that names no workspace keeps the one
                // assigned before.
                let workspace = ws.or_else(|| self.auth.as_ref().and_then(|a| a.workspace.clone()));
                Ok(self.auth.insert(Authenticated {
                    workspace,
                    round_trip,
                }))
            }
            Some("auth-failed") => {
                let said = match v.get("error") {
                    Some(e) => format!("auth-failed: {}", format_error(e)),
                    None => "auth-failed".to_string(),
                };
                let mut e = Error::auth(format!(
                    "the gateway refused {} on the socket ({said})",
                    token.source.describe_token()
                ))
                .with_hint(if token.source == Source::None {
                    "pass -t/--token or set TRUSTGRAPH_TOKEN to an API key or to a JWT from tg-login"
                } else {
                    "the gateway does not say why: the API key may be unknown, revoked or expired, the JWT expired or signed by an old key, or the user disabled; log in again with tg-login or ask an admin for a new key"
                });
                e.detail = Some(said.into());
                e.iam = Some(crate::error::IamErrorType::AuthFailed);
                Err(e)
            }
            _ => Err(Error::protocol(format!(
                "unexpected answer to the socket's auth frame: {}",
                server_text(v.to_string().as_bytes())
            ))),
        }
    }

    /// What the last successful authentication said, if any.
    pub fn authenticated(&self) -> Option<&Authenticated> {
        self.auth.as_ref()
    }

    /// The envelope workspace: the one chosen explicitly, else the one
    /// `auth-ok` assigned.
    pub fn workspace(&self) -> Option<&str> {
        self.explicit_workspace
            .as_deref()
            .or_else(|| self.auth.as_ref().and_then(|a| a.workspace.as_deref()))
    }

    /// Why the connection has ended, if it has.
    pub fn ended_because(&self) -> Option<Error> {
        self.shared.ended()
    }

    fn ended(&self) -> Error {
        self.shared
            .ended()
            .unwrap_or_else(|| Error::protocol("the socket is closed"))
    }

    fn send(&self, c: Cmd) -> Result<()> {
        if let Some(e) = self.shared.ended() {
            return Err(e);
        }
        self.cmd.send(c).map_err(|_| self.ended())
    }

    /// Send a request envelope; its reply frames come from the returned
    /// [`Responses`], each held to [`Cap::RECORD`].
    pub fn request(
        &self,
        service: &str,
        flow: Option<&str>,
        request: Value,
    ) -> Result<Responses<'_>> {
        self.request_capped(service, flow, request, Cap::RECORD)
    }

    /// [`Socket::request`], its reply frames held to `cap`.
    fn request_capped(
        &self,
        service: &str,
        flow: Option<&str>,
        request: Value,
        cap: Cap,
    ) -> Result<Responses<'_>> {
        let id = format!("req-{}", self.next_id.fetch_add(1, Ordering::Relaxed) + 1);
        redact::register_json(&request);
        let mut env = Map::new();
        env.insert("id".into(), id.clone().into());
        if let Some(ws) = self.workspace() {
            env.insert("workspace".into(), ws.into());
        }
        env.insert("service".into(), service.into());
        if let Some(f) = flow {
            env.insert("flow".into(), f.into());
        }
        env.insert("request".into(), request);
        let env = Value::Object(env);
        self.ctx.trace('>', &env);
        let (tx, rx) = mpsc::unbounded_channel();
        self.send(Cmd::Request {
            id: id.clone(),
            frame: wire::to_python_json(&env),
            route: Route { tx, cap },
        })?;
        Ok(Responses {
            socket: self,
            id,
            rx,
            frames: 0,
            done: false,
        })
    }

    /// Send a request and return its first reply's `response` (the whole
    /// answer of a one-frame service such as `iam`).
    pub async fn call(&self, service: &str, flow: Option<&str>, request: Value) -> Result<Value> {
        self.call_capped(service, flow, request, Cap::RECORD).await
    }

    async fn call_capped(
        &self,
        service: &str,
        flow: Option<&str>,
        request: Value,
        cap: Cap,
    ) -> Result<Value> {
        let mut r = self.request_capped(service, flow, request, cap)?;
        match r.next().await {
            Some(x) => x,
            None => Err(self.ended()),
        }
    }

    /// An IAM operation over the socket (`service: "iam"`): the same
    /// [`Reply`], and the same errors, as [`Client::iam`] gives over HTTP,
    /// the reply held to the same cap (a list operation's, or
    /// [`Cap::RECORD`]).
    pub async fn iam(&self, body: Value) -> Result<Reply> {
        let cap = if is_list_operation(&body) {
            self.ctx.list_cap
        } else {
            Cap::RECORD
        };
        decode_object(self.call_capped("iam", None, body, cap).await?, None)
    }

    /// Close the socket cleanly (close frame, and the gateway's answer,
    /// waited for at most the timeout).
    pub async fn close(self) -> Result<()> {
        let (done, closed) = oneshot::channel();
        if self.cmd.send(Cmd::Close(done)).is_ok() {
            // The task bounds the close handshake itself.
            let _ = closed.await;
        }
        Ok(())
    }
}

/// The reply frames of one request, each awaited for at most the timeout.
pub struct Responses<'a> {
    socket: &'a Socket,
    id: String,
    rx: mpsc::UnboundedReceiver<Routed>,
    frames: usize,
    done: bool,
}

impl Responses<'_> {
    /// The request's id (`req-N`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The next reply's `response`; `None` after the last one (or after
    /// an error). A gateway-level error frame is an error of its kind;
    /// no frame within the timeout is a timeout (exit 5).
    pub async fn next(&mut self) -> Option<Result<Value>> {
        if self.done {
            return None;
        }
        let got = tokio::time::timeout(self.socket.ctx.timeout, self.rx.recv()).await;
        let (env, n) = match got {
            Err(_) => {
                self.done = true;
                let what = if self.frames == 0 {
                    format!("the reply to {}", self.id)
                } else {
                    format!("more of {} after {} frames", self.id, self.frames)
                };
                return Some(Err(self.socket.ctx.no_answer(&what)));
            }
            Ok(None) => {
                self.done = true;
                return Some(Err(self.socket.ended()));
            }
            Ok(Some(Err(e))) => {
                self.done = true;
                return Some(Err(e));
            }
            Ok(Some(Ok(x))) => x,
        };
        self.socket.shared.unread.fetch_sub(n, Ordering::Relaxed);
        self.frames += 1;
        if ends(&env) {
            self.done = true;
        }
        if let Some(err) = env.get("error") {
            self.done = true;
            return Some(Err(envelope_error(err, &self.socket.token_source)));
        }
        match env.get("response") {
            Some(r) => Some(Ok(r.clone())),
            None => {
                self.done = true;
                Some(Err(Error::protocol(format!(
                    "unexpected frame on the socket for {}: neither response nor error",
                    self.id
                ))))
            }
        }
    }

    /// Every remaining reply, until the stream ends.
    pub async fn collect(mut self) -> Result<Vec<Value>> {
        let mut all = Vec::new();
        while let Some(r) = self.next().await {
            all.push(r?);
        }
        Ok(all)
    }
}

impl Drop for Responses<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.socket.cmd.send(Cmd::Forget(self.id.clone()));
        }
    }
}

/// Whether an envelope is the last of its request's replies.
fn ends(env: &Value) -> bool {
    env.get("complete").and_then(Value::as_bool) == Some(true)
        || env.get("error").is_some()
        || env.get("response").is_some_and(|r| {
            END_FLAGS
                .iter()
                .any(|f| r.get(*f).and_then(Value::as_bool) == Some(true))
        })
}

/// The connection's task: writes what it is asked to, routes what
/// arrives, pings a quiet connection, and declares a silent one dead.
async fn drive(
    mut ws: Ws,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    shared: Arc<Shared>,
    ctx: Arc<Ctx>,
) {
    let mut routes: HashMap<String, Route> = HashMap::new();
    let mut auth: Option<oneshot::Sender<Result<Value>>> = None;
    let ping_every = (ctx.timeout / 4)
        .min(MAX_PING_INTERVAL)
        .max(Duration::from_millis(10));
    let mut tick = tokio::time::interval(ping_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let why: Error = loop {
        tokio::select! {
            m = ws.next() => {
                let m = match m {
                    None => break closed_by_gateway(None),
                    Some(Err(e)) => break broken(&ctx, &e),
                    Some(Ok(m)) => m,
                };
                last_heard = Instant::now();
                let bytes = match m {
                    Message::Text(t) => t.as_bytes().to_vec(),
                    Message::Binary(b) => b.to_vec(),
                    // tungstenite queues the pong and sends it on the next read.
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                    Message::Close(c) => break closed_by_gateway(c.map(|c| format!("{} {}", u16::from(c.code), c.reason))),
                };
                if let Err(e) = route(&bytes, &mut routes, &mut auth, &shared, &ctx) {
                    break e;
                }
            }
            c = cmds.recv() => match c {
                // The Socket was dropped: close quietly.
                None => {
                    let _ = tokio::time::timeout(close_wait(&ctx), ws.close(None)).await;
                    return;
                }
                Some(Cmd::Request { id, frame, route }) => {
                    routes.insert(id, route);
                    if let Err(e) = ws.send(Message::text(frame)).await {
                        break broken(&ctx, &e);
                    }
                }
                Some(Cmd::Auth { frame, reply }) => {
                    auth = Some(reply);
                    if let Err(e) = ws.send(Message::text(frame)).await {
                        break broken(&ctx, &e);
                    }
                }
                Some(Cmd::Forget(id)) => {
                    routes.remove(&id);
                }
                Some(Cmd::Close(done)) => {
                    shared.end(Error::protocol("the socket is closed"));
                    if ctx.verbose {
                        note("> (close)");
                    }
                    let _ = tokio::time::timeout(close_wait(&ctx), async {
                        if ws.close(None).await.is_ok() {
                            // Read until the gateway's close frame or the end.
                            while let Some(Ok(_)) = ws.next().await {}
                        }
                    })
                    .await;
                    let _ = done.send(());
                    return;
                }
            },
            _ = tick.tick() => {
                let quiet = last_heard.elapsed();
                if quiet >= ctx.timeout {
                    break ctx.dead();
                }
                if quiet >= ping_every {
                    if let Err(e) = ws.send(Message::Ping(b"tg-iam".to_vec().into())).await {
                        break broken(&ctx, &e);
                    }
                }
            }
        }
    };
    if ctx.verbose {
        note(&format!("< (socket ended: {})", why.message));
    }
    shared.end(why.clone());
    if let Some(a) = auth.take() {
        let _ = a.send(Err(why));
    }
    // Dropping the routes wakes every waiting request with the error above.
}

/// The most a send may queue unsent before the socket is given up.
const MAX_WRITE_BUFFER: usize = 1 << 20;

/// How long a close handshake may take: it confirms nothing the run
/// needs, so a gateway that never answers it costs at most a second, not
/// another `--timeout`.
fn close_wait(ctx: &Ctx) -> Duration {
    ctx.timeout.min(Duration::from_secs(1))
}

fn closed_by_gateway(how: Option<String>) -> Error {
    let how = how
        .map(|h| format!(" ({})", server_text(h.trim().as_bytes())))
        .unwrap_or_default();
    Error::protocol(format!("the gateway closed the socket{how}"))
}

/// A failure of the connection itself.
fn broken(ctx: &Ctx, e: &WsError) -> Error {
    match e {
        WsError::Capacity(_) => {
            let cap = if ctx.list_cap.bytes > MAX_REPLY_BYTES {
                ctx.list_cap
            } else {
                Cap::RECORD
            };
            cap.exceeded(&format!("a frame from {}", ctx.target))
        }
        WsError::Io(io) => Error::new(
            Kind::Unreachable,
            format!(
                "the socket to {}{} broke: {}",
                ctx.target,
                ctx.via,
                innermost(io)
            ),
        ),
        WsError::ConnectionClosed | WsError::AlreadyClosed => closed_by_gateway(None),
        other => Error::protocol(format!("the gateway broke the WebSocket protocol: {other}")),
    }
}

/// Hand one incoming frame to whoever waits for it. Frames for ids no
/// one waits for are dropped, as upstream does.
fn route(
    bytes: &[u8],
    routes: &mut HashMap<String, Route>,
    auth: &mut Option<oneshot::Sender<Result<Value>>>,
    shared: &Shared,
    ctx: &Ctx,
) -> Result<()> {
    // A frame over the small cap is held to its request's cap before it
    // becomes a tree: its id is read without reading the rest.
    if bytes.len() > MAX_REPLY_BYTES {
        #[derive(serde::Deserialize)]
        struct Peek {
            id: Option<String>,
        }
        let id = serde_json::from_slice::<Peek>(bytes)
            .ok()
            .and_then(|p| p.id);
        let route = id.as_ref().and_then(|id| routes.get(id));
        if let Some(r) = route.filter(|r| bytes.len() > r.cap.bytes) {
            let _ = r.tx.send(Err(r.cap.exceeded(&format!(
                "a frame from {} (for {})",
                ctx.target,
                id.as_deref().unwrap_or_default()
            ))));
            routes.remove(id.as_deref().unwrap_or_default());
            return Ok(());
        }
        if route.is_none() {
            // For no one waiting: dropped unread, as a frame for an id
            // no one waits for always is.
            if ctx.verbose {
                note(&format!(
                    "< (a frame of {} bytes for no request: dropped)",
                    bytes.len()
                ));
            }
            return Ok(());
        }
    }
    let v: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(_) => {
            let text = server_text(bytes);
            if ctx.verbose {
                note(&format!("< {text}"));
            }
            if let Some(a) = auth.take() {
                let _ = a.send(Err(Error::protocol(format!(
                    "unexpected answer to the socket's auth frame: not JSON: {text:?}"
                ))));
            }
            return Ok(());
        }
    };
    redact::register_json(&v);
    ctx.trace('<', &v);
    if let Some(id) = v.get("id").and_then(Value::as_str).map(str::to_string) {
        let last = ends(&v);
        if let Some(r) = routes.get(&id) {
            let n = bytes.len();
            // One frame within its request's cap may wait alone, however
            // large; together, waiting frames are held to the bound.
            let before = shared.unread.fetch_add(n, Ordering::Relaxed);
            if before > 0 && before + n > MAX_UNREAD_BYTES {
                return Err(Error::protocol(format!(
                    "the gateway sent more than {} MiB of replies that were not read: the socket was dropped",
                    MAX_UNREAD_BYTES / (1024 * 1024)
                )));
            }
            if r.tx.send(Ok((v, n))).is_err() {
                shared.unread.fetch_sub(n, Ordering::Relaxed);
                routes.remove(&id);
            } else if last {
                routes.remove(&id);
            }
        }
        return Ok(());
    }
    match v.get("type").and_then(Value::as_str) {
        Some("auth-ok" | "auth-failed") => {
            if let Some(a) = auth.take() {
                let _ = a.send(Ok(v));
            }
        }
        _ => {
            // An error frame without an id (the gateway could not read
            // a frame): it answers the auth frame if one is waiting.
            if v.get("error").is_some() {
                if let Some(a) = auth.take() {
                    let _ = a.send(Ok(v));
                }
            }
        }
    }
    Ok(())
}
