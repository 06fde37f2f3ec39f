//! The WebSocket front-end, `/api/v1/socket`: first-frame authentication,
//! re-auth, and IAM requests in `{"id", "service": "iam", "request"}`
//! envelopes, answered through [`dispatch`](crate::dispatch::dispatch).
//! Unlike the reference, the socket's credential is re-validated on every
//! request frame.
//!
//! Frames are read in order: auth frames and every check of a request
//! (envelope, identity, service, workspace) happen as the frame arrives,
//! so an identity change applies exactly to the frames after it. The work
//! of a request then runs on its own task, at most
//! [`MAX_SOCKET_IN_FLIGHT`] at a time per socket (more wait, as upstream's
//! small intake queue makes them wait), and its replies go out as they are
//! ready, through one writer: replies to concurrent requests may come back
//! in any order, each carrying its request's `id`.
//!
//! With [`Config::test_service`](crate::Config::test_service) the socket
//! also offers `service: "test"` ([`test_service`]), for client tests:
//! streamed replies, delays, a request that stops being answered, a
//! socket that stops answering altogether, and a ping from the gateway.

use crate::authz::Refusal;
use crate::config::{MAX_SOCKET_IN_FLIGHT, MAX_SOCKET_MESSAGE};
use crate::dispatch::{self, Call, Failure};
use crate::gateway::Gateway;
use crate::request::Identity;
use crate::slots::{Phase, Slot};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, State};
use axum::response::Response;
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tg_iam_protocol::{to_python_json, EnvelopeErrorType, IamErrorType};
use tokio::sync::{mpsc, watch, Semaphore};

/// The upgrade: the socket keeps the connection's place under the cap
/// (evictable until it authenticates: [`crate::slots`]) and the upgrade
/// request's id, which its requests extend (`ID.1`, `ID.2`, ...).
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(gw): State<Arc<Gateway>>,
    Extension(call): Extension<Call>,
    Extension(slot): Extension<Arc<Slot>>,
) -> Response {
    ws.max_message_size(MAX_SOCKET_MESSAGE)
        .on_upgrade(move |socket| session(socket, gw, call, slot))
}

/// What the reader tells the writer.
enum Out {
    Frame(Value),
    Ping(Vec<u8>),
}

/// A request's way to answer: frames go out through the writer.
#[derive(Clone)]
struct Replies {
    tx: mpsc::UnboundedSender<Out>,
    id: Value,
}

impl Replies {
    /// Send `v` (an envelope without `id`) with the request's `id` first,
    /// as the reference orders its frames.
    fn send(&self, v: Value) {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone());
        if let Value::Object(rest) = v {
            m.extend(rest);
        }
        let _ = self.tx.send(Out::Frame(Value::Object(m)));
    }
}

/// What the reader does with a frame, once it has checked it.
enum Next {
    /// Answer at once, in order.
    Answer(Value),
    /// Run a request on its own task.
    Run(Work),
    /// Stop reading the socket for this long (the test service's
    /// `freeze`): nothing is read, so pings go unanswered too.
    Freeze(Duration),
}

type Work = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

async fn session(socket: WebSocket, gw: Arc<Gateway>, opened: Call, slot: Arc<Slot>) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            let msg = match out {
                Out::Frame(v) => Message::Text(to_python_json(&v).into()),
                Out::Ping(p) => Message::Ping(p.into()),
            };
            if sink.send(msg).await.is_err() {
                break;
            }
        }
    });
    let (pong_tx, pongs) = watch::channel(Vec::<u8>::new());
    let in_flight = Arc::new(Semaphore::new(MAX_SOCKET_IN_FLIGHT));
    let mut identity: Option<Identity> = None;
    let mut frames = 0u64;
    loop {
        let msg = tokio::select! {
            m = stream.next() => match m {
                Some(Ok(m)) => m,
                _ => break,
            },
            () = slot.evicted() => {
                tracing::debug!(request_id = %opened.request_id, "an unauthenticated WebSocket evicted");
                break;
            }
        };
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            Message::Pong(p) => {
                let _ = pong_tx.send(p.to_vec());
                continue;
            }
            Message::Close(_) => break,
            // axum answers pings itself.
            Message::Ping(_) => continue,
        };
        frames += 1;
        let call = opened.within(frames);
        // A panic while checking a frame answers it with an error; the
        // socket and the server carry on.
        let next = match std::panic::catch_unwind(AssertUnwindSafe(|| {
            frame(&gw, &call, &mut identity, &text, &tx, &pongs)
        })) {
            Ok(n) => n,
            Err(_) => Next::Answer(envelope_error(
                frame_id(&text).as_ref(),
                IamErrorType::InternalError,
                "internal error",
            )),
        };
        slot.set(match identity {
            Some(_) => Phase::Busy,
            None => Phase::Socket,
        });
        match next {
            Next::Answer(v) => {
                if v.get("id").is_some() {
                    log_frame(&call, &v);
                }
                let _ = tx.send(Out::Frame(v));
            }
            Next::Freeze(d) => tokio::time::sleep(d).await,
            Next::Run(work) => {
                let Ok(permit) = in_flight.clone().acquire_owned().await else {
                    break;
                };
                let id = frame_id(&text);
                let tx = tx.clone();
                tokio::spawn(async move {
                    if AssertUnwindSafe(work).catch_unwind().await.is_err() {
                        let _ = tx.send(Out::Frame(envelope_error(
                            id.as_ref(),
                            IamErrorType::InternalError,
                            "internal error",
                        )));
                    }
                    drop(permit);
                });
            }
        }
    }
    drop(tx);
    // Requests still running hold senders; the writer ends with the last.
    let _ = writer.await;
}

fn frame_id(text: &str) -> Option<Value> {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("id").cloned())
}

/// An envelope error: `kind` is an [`EnvelopeErrorType`], or
/// `internal-error` ([`IamErrorType`]) for a panic.
fn envelope_error(id: Option<&Value>, kind: impl serde::Serialize, message: &str) -> Value {
    let mut v = json!({});
    if let Some(id) = id {
        v["id"] = id.clone();
    }
    v["error"] = json!({"message": message, "type": kind});
    v["complete"] = true.into();
    v
}

/// The request log's line for a socket request, once answered: its
/// outcome is `ok` or the error type of its answer.
fn log_frame(call: &Call, answer: &Value) {
    let outcome = call.noted().outcome.unwrap_or_else(|| {
        match answer.pointer("/error/type").and_then(Value::as_str) {
            Some(_) => "error",
            None => "ok",
        }
        .to_string()
    });
    call.log("WS", "/api/v1/socket", &outcome);
}

/// Check one frame, in order, and say what to do with it. A request the
/// socket refuses before the dispatcher (no identity, a credential that no
/// longer holds, an unknown operation, a disabled workspace) is recorded
/// through [`dispatch::refused`].
fn frame(
    gw: &Arc<Gateway>,
    call: &Call,
    identity: &mut Option<Identity>,
    text: &str,
    tx: &mpsc::UnboundedSender<Out>,
    pongs: &watch::Receiver<Vec<u8>>,
) -> Next {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Next::Answer(envelope_error(
                None,
                EnvelopeErrorType::Error,
                &e.to_string(),
            ))
        }
    };
    let Value::Object(f) = v else {
        return Next::Answer(envelope_error(
            None,
            EnvelopeErrorType::Error,
            "frame is not a JSON object",
        ));
    };
    if f.get("type").and_then(Value::as_str) == Some("auth") {
        let token = f.get("token").and_then(Value::as_str).unwrap_or("");
        // A failed re-auth keeps the identity the socket already had.
        return Next::Answer(match gw.authenticate(token) {
            Some(who) => {
                let ws = who.workspace.clone();
                *identity = Some(who);
                json!({"type": "auth-ok", "default_workspace": ws})
            }
            None => json!({"type": "auth-failed", "error": "auth failure"}),
        });
    }
    let id = f.get("id");
    let (Some(id), Some(Value::Object(request))) = (id, f.get("request")) else {
        return Next::Answer(envelope_error(id, EnvelopeErrorType::Error, "Bad message"));
    };
    let is_iam = f.get("service").and_then(Value::as_str) == Some("iam");
    let refuse = |who: Option<&Identity>, kind: &'static str| {
        if is_iam {
            dispatch::refused(gw, call, request, who, kind);
        }
    };
    let Some(who) = identity.as_ref() else {
        refuse(None, "auth-required");
        return Next::Answer(envelope_error(
            Some(id),
            EnvelopeErrorType::AuthRequired,
            "auth failure",
        ));
    };
    // The credential is checked again on every frame (revoked, expired,
    // user disabled or deleted); once it fails, the socket must
    // authenticate again.
    if !gw.still_valid(who) {
        refuse(Some(who), "auth-required");
        *identity = None;
        return Next::Answer(envelope_error(
            Some(id),
            EnvelopeErrorType::AuthRequired,
            "auth failure",
        ));
    }
    // The registry is consulted before the workspace, as upstream does.
    let service = f.get("service").and_then(Value::as_str);
    let known = match service {
        Some("iam") => dispatch::lookup(gw, request).is_some(),
        Some("test") => gw.cfg.test_service,
        _ => false,
    };
    if !known {
        refuse(Some(who), "unknown-operation");
        return Next::Answer(envelope_error(
            Some(id),
            EnvelopeErrorType::UnknownService,
            "unknown service",
        ));
    }
    let ws = match f.get("workspace").and_then(Value::as_str) {
        Some(w) if !w.is_empty() => w,
        _ => who.workspace.as_str(),
    };
    if !gw.workspace_enabled(ws) {
        refuse(Some(who), "workspace-not-found");
        return Next::Answer(envelope_error(
            Some(id),
            EnvelopeErrorType::WorkspaceNotFound,
            "workspace not found",
        ));
    }
    let replies = Replies {
        tx: tx.clone(),
        id: id.clone(),
    };
    if service == Some("test") {
        return test_service(request, replies, pongs.clone());
    }
    // A minted JWT's `user_context` travels with every inner request, as
    // the 2.11.1 mux injects it (the HTTP forwarder does not).
    let mut request = request.clone();
    if let Some(uc) = &who.user_context {
        request.insert("user-context".into(), uc.clone());
    }
    let (gw, who, call) = (gw.clone(), who.clone(), call.clone());
    Next::Run(Box::pin(async move {
        let answer = iam(&gw, &call, &who, request).await;
        log_frame(&call, &answer);
        replies.send(answer);
    }))
}

/// An IAM request's answer frame (without its `id`).
async fn iam(gw: &Arc<Gateway>, call: &Call, who: &Identity, request: Map<String, Value>) -> Value {
    let response = match dispatch::dispatch(gw, call, request, Some(who)).await {
        Ok(r) => dispatch::success(gw, r),
        Err(Failure::Iam(e)) => dispatch::failure(gw, &e),
        Err(Failure::UnknownOperation) => {
            return envelope_error(None, EnvelopeErrorType::UnknownService, "unknown service")
        }
        Err(Failure::Refused(Refusal::Unauthenticated)) => {
            return envelope_error(None, EnvelopeErrorType::AuthRequired, "auth failure")
        }
        Err(Failure::Refused(Refusal::Denied)) => {
            return envelope_error(None, EnvelopeErrorType::AccessDenied, "access denied")
        }
        Err(Failure::Panicked) => {
            return envelope_error(None, IamErrorType::InternalError, "internal error")
        }
    };
    json!({"response": response, "complete": true})
}

/// The longest delay, stream or freeze the test service accepts.
const TEST_MAX_WAIT: Duration = Duration::from_secs(600);
/// The most frames one `stream` request may ask for.
const TEST_MAX_FRAMES: u64 = 10_000;
/// How long `ping` waits for the client's pong.
const TEST_PONG_WAIT: Duration = Duration::from_secs(5);

fn millis(r: &Map<String, Value>, key: &str) -> Duration {
    Duration::from_millis(r.get(key).and_then(Value::as_u64).unwrap_or(0)).min(TEST_MAX_WAIT)
}

/// `service: "test"` (only with `Config::test_service`), by `operation`:
///
/// * `echo` `{value, delay_ms}`: one frame `{"echo": value}` after the delay.
/// * `stream` `{frames, interval_ms, end, stall_after}`: `frames` frames
///   (default 3) `{"chunk": i, "text": "chunk i"}`, `interval_ms` apart.
///   The last one ends the stream as `end` says: `complete` (default; the
///   envelope's `complete: true`), or `end_of_stream`, `end_of_dialog`,
///   `end_of_session` (that flag in `response`, `complete` false). Earlier
///   frames carry `complete: false`. With `stall_after: K`, only K frames
///   are sent and then nothing more, while the socket keeps serving.
/// * `freeze` `{ms}`: answer nothing and read nothing (so no pong either)
///   for `ms` (default 60 s).
/// * `ping`: send the client a ping and answer `{"pong": true}` once its
///   pong comes back (`false` after 5 s).
/// * anything else: an `error` frame.
fn test_service(r: &Map<String, Value>, out: Replies, pongs: watch::Receiver<Vec<u8>>) -> Next {
    let op = r.get("operation").and_then(Value::as_str).unwrap_or("");
    match op {
        "echo" => {
            let value = r.get("value").cloned().unwrap_or(Value::Null);
            let delay = millis(r, "delay_ms");
            Next::Run(Box::pin(async move {
                tokio::time::sleep(delay).await;
                out.send(json!({"response": {"echo": value}, "complete": true}));
            }))
        }
        "stream" => {
            let frames = r
                .get("frames")
                .and_then(Value::as_u64)
                .unwrap_or(3)
                .clamp(1, TEST_MAX_FRAMES);
            let interval = millis(r, "interval_ms");
            let end = r
                .get("end")
                .and_then(Value::as_str)
                .unwrap_or("complete")
                .to_string();
            let stall_after = r.get("stall_after").and_then(Value::as_u64);
            Next::Run(Box::pin(async move {
                for i in 0..frames {
                    if stall_after.is_some_and(|k| i >= k) {
                        return;
                    }
                    if i > 0 {
                        tokio::time::sleep(interval).await;
                    }
                    let last = i + 1 == frames;
                    let mut response = json!({"chunk": i, "text": format!("chunk {i}")});
                    let mut complete = false;
                    if last {
                        if end == "complete" {
                            complete = true;
                        } else {
                            response[end.as_str()] = true.into();
                        }
                    }
                    out.send(json!({"response": response, "complete": complete}));
                }
            }))
        }
        "freeze" => Next::Freeze(
            r.get("ms")
                .and_then(Value::as_u64)
                .map_or(Duration::from_secs(60), Duration::from_millis)
                .min(TEST_MAX_WAIT),
        ),
        "ping" => Next::Run(Box::pin(async move {
            let mut pongs = pongs;
            let payload = format!("ping-{}", rand::random::<u64>()).into_bytes();
            let _ = out.tx.send(Out::Ping(payload.clone()));
            let got = tokio::time::timeout(TEST_PONG_WAIT, async {
                loop {
                    if *pongs.borrow_and_update() == payload {
                        return true;
                    }
                    if pongs.changed().await.is_err() {
                        return false;
                    }
                }
            })
            .await
            .unwrap_or(false);
            out.send(json!({"response": {"pong": got}, "complete": true}));
        })),
        _ => Next::Answer(envelope_error(
            Some(&out.id),
            EnvelopeErrorType::Error,
            "unknown test operation",
        )),
    }
}
