//! The WebSocket front-end, `/api/v1/socket`: first-frame authentication,
//! re-auth, and IAM requests in `{"id", "service": "iam", "request"}`
//! envelopes, answered through [`dispatch`](crate::dispatch::dispatch).
//! Unlike the reference, the socket's credential is re-validated on every
//! request frame.

use crate::authn::Identity;
use crate::authz::Refusal;
use crate::config::MAX_SOCKET_MESSAGE;
use crate::dispatch::{self, Failure};
use crate::gateway::Gateway;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::FutureExt;
use serde_json::{json, Value};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tg_iam_wire::to_python_json;

pub async fn upgrade(ws: WebSocketUpgrade, State(gw): State<Arc<Gateway>>) -> Response {
    ws.max_message_size(MAX_SOCKET_MESSAGE)
        .on_upgrade(move |socket| session(socket, gw))
}

async fn session(mut socket: WebSocket, gw: Arc<Gateway>) {
    let mut identity: Option<Identity> = None;
    while let Some(Ok(msg)) = socket.recv().await {
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            Message::Close(_) => break,
            _ => continue,
        };
        // A panic while answering a frame answers it with an error; the
        // socket and the server carry on.
        let reply = match AssertUnwindSafe(frame(&gw, &mut identity, &text))
            .catch_unwind()
            .await
        {
            Ok(reply) => reply,
            Err(_) => {
                let id = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("id").cloned());
                envelope_error(id.as_ref(), "internal-error", "internal error")
            }
        };
        if socket
            .send(Message::Text(to_python_json(&reply).into()))
            .await
            .is_err()
        {
            break;
        }
    }
}

fn envelope_error(id: Option<&Value>, kind: &str, message: &str) -> Value {
    let mut v = json!({});
    if let Some(id) = id {
        v["id"] = id.clone();
    }
    v["error"] = json!({"message": message, "type": kind});
    v["complete"] = true.into();
    v
}

/// Answer one frame.
async fn frame(gw: &Arc<Gateway>, identity: &mut Option<Identity>, text: &str) -> Value {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return envelope_error(None, "error", &e.to_string()),
    };
    let Value::Object(f) = v else {
        return envelope_error(None, "error", "frame is not a JSON object");
    };
    if f.get("type").and_then(Value::as_str) == Some("auth") {
        let token = f.get("token").and_then(Value::as_str).unwrap_or("");
        // A failed re-auth keeps the identity the socket already had.
        return match gw.authenticate(token) {
            Some(who) => {
                let ws = who.workspace.clone();
                *identity = Some(who);
                json!({"type": "auth-ok", "default_workspace": ws})
            }
            None => json!({"type": "auth-failed", "error": "auth failure"}),
        };
    }
    let id = f.get("id");
    let (Some(id), Some(Value::Object(request))) = (id, f.get("request")) else {
        return envelope_error(id, "error", "Bad message");
    };
    let Some(who) = identity.as_ref() else {
        return envelope_error(Some(id), "auth-required", "auth failure");
    };
    // The credential is checked again on every frame (revoked, expired,
    // user disabled or deleted); once it fails, the socket must
    // authenticate again.
    if !gw.still_valid(who) {
        *identity = None;
        return envelope_error(Some(id), "auth-required", "auth failure");
    }
    // The registry is consulted before the workspace, as upstream does.
    if f.get("service").and_then(Value::as_str) != Some("iam")
        || dispatch::lookup(gw, request).is_none()
    {
        return envelope_error(Some(id), "unknown-service", "unknown service");
    }
    let ws = match f.get("workspace").and_then(Value::as_str) {
        Some(w) if !w.is_empty() => w,
        _ => who.workspace.as_str(),
    };
    if !gw.workspace_enabled(ws) {
        return envelope_error(Some(id), "workspace-not-found", "workspace not found");
    }
    // A minted JWT's `user_context` travels with every inner request, as
    // the 2.11.1 mux injects it (the HTTP forwarder does not).
    let mut request = request.clone();
    if let Some(uc) = &who.user_context {
        request.insert("user-context".into(), uc.clone());
    }
    let response = match dispatch::dispatch(gw, request, Some(who)).await {
        Ok(r) => dispatch::success(gw, r),
        Err(Failure::Iam(e)) => dispatch::failure(gw, &e),
        Err(Failure::UnknownOperation) => {
            return envelope_error(Some(id), "unknown-service", "unknown service")
        }
        Err(Failure::Refused(Refusal::Unauthenticated)) => {
            return envelope_error(Some(id), "auth-required", "auth failure")
        }
        Err(Failure::Refused(Refusal::Denied)) => {
            return envelope_error(Some(id), "access-denied", "access denied")
        }
        Err(Failure::Panicked) => {
            return envelope_error(Some(id), "internal-error", "internal error")
        }
    };
    json!({"id": id, "response": response, "complete": true})
}
