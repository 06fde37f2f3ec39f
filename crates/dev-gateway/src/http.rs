//! The gateway's HTTP surface: routes, the auth middleware's checks, and
//! the status codes and bodies of the reference (or of 2.11 with
//! `--compat 2.11`).

use crate::iam::{self, Compat, Gate, Gateway, IamError, Identity, Reply};
use crate::ws;
use axum::body::{to_bytes, Body};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Request bodies above this get 413.
pub const MAX_BODY: usize = 1 << 20;

pub fn router(gw: Arc<Gateway>) -> Router {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/bootstrap", post(bootstrap))
        .route("/api/v1/auth/bootstrap-status", post(bootstrap_status))
        .route("/api/v1/auth/change-password", post(change_password))
        .route("/api/v1/iam", post(iam_forward))
        .route("/api/v1/socket", get(ws::upgrade))
        .route("/api/v1/{kind}", post(registry_kind))
        .method_not_allowed_fallback(|| async {
            text(StatusCode::METHOD_NOT_ALLOWED, "405: Method Not Allowed")
        })
        .fallback(any(|| async {
            text(StatusCode::NOT_FOUND, "404: Not Found")
        }))
        .with_state(gw)
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A JSON response with the exact bytes given.
pub fn json_bytes(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Python `json.dumps` spacing, as the aiohttp gateway writes replies.
pub use tg_iam_wire::to_python_json as py_json;

fn error_spaced(status: StatusCode, message: &str) -> Response {
    json_bytes(status, py_json(&serde_json::json!({ "error": message })))
}

/// The auth middleware's masked bodies (compact, as the reference sends).
pub fn unauthorised() -> Response {
    json_bytes(
        StatusCode::UNAUTHORIZED,
        r#"{"error":"auth failure"}"#.into(),
    )
}

fn forbidden() -> Response {
    json_bytes(StatusCode::FORBIDDEN, r#"{"error":"access denied"}"#.into())
}

/// The bearer token, if the header is exactly `Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let t = v.strip_prefix("Bearer ")?.trim();
    (!t.is_empty()).then_some(t)
}

async fn read_body(body: Body) -> Result<Vec<u8>, Response> {
    to_bytes(body, MAX_BODY)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| error_spaced(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"))
}

/// Parse a JSON body: 400 `invalid json` when it is not JSON.
async fn json_body(body: Body) -> Result<Value, Response> {
    let bytes = read_body(body).await?;
    serde_json::from_slice(&bytes)
        .map_err(|_| error_spaced(StatusCode::BAD_REQUEST, "invalid json"))
}

/// Run an operation off the async threads (hashing, fsync).
pub async fn call(
    gw: &Arc<Gateway>,
    op: &str,
    body: Map<String, Value>,
) -> Result<Reply, IamError> {
    let gw = gw.clone();
    let op = op.to_string();
    tokio::task::spawn_blocking(move || gw.call(&op, &body))
        .await
        .unwrap_or_else(|e| {
            Err(IamError {
                kind: "internal-error",
                message: e.to_string(),
            })
        })
}

/// A success reply as sent: 2.11 adds `bootstrap_available` to every one.
pub fn success(gw: &Gateway, mut reply: Reply) -> Value {
    if gw.cfg.compat == Compat::V2_11 && !reply.contains_key("bootstrap_available") {
        reply.insert("bootstrap_available".into(), false.into());
    }
    Value::Object(reply)
}

/// An IAM error as carried in a reply; 2.11 drops it and sends a bare reply.
pub fn failure(gw: &Gateway, e: &IamError) -> Value {
    match gw.cfg.compat {
        Compat::Design => serde_json::json!({"error": {"type": e.kind, "message": e.message}}),
        Compat::V2_11 => serde_json::json!({"bootstrap_available": false}),
    }
}

fn ok(gw: &Gateway, reply: Reply) -> Response {
    json_bytes(StatusCode::OK, py_json(&success(gw, reply)))
}

/// `/api/v1/auth/*` refusals: masked 401 by design, a bare 200 on 2.11.
fn masked(gw: &Gateway) -> Response {
    match gw.cfg.compat {
        Compat::Design => error_spaced(StatusCode::UNAUTHORIZED, "auth failure"),
        Compat::V2_11 => ok(gw, Map::new()),
    }
}

async fn login(State(gw): State<Arc<Gateway>>, body: Body) -> Response {
    let v = match json_body(body).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Value::Object(v) = v else {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error\n\nServer got itself in trouble",
        );
    };
    let mut req = Map::new();
    for k in ["username", "password", "workspace"] {
        if let Some(x) = v.get(k) {
            req.insert(k.into(), x.clone());
        }
    }
    match call(&gw, "login", req).await {
        Ok(r) => ok(&gw, r),
        Err(_) => masked(&gw),
    }
}

async fn bootstrap(State(gw): State<Arc<Gateway>>, body: Body) -> Response {
    if let Err(r) = read_body(body).await {
        return r;
    }
    match call(&gw, "bootstrap", Map::new()).await {
        Ok(r) => ok(&gw, r),
        Err(_) => masked(&gw),
    }
}

async fn bootstrap_status(State(gw): State<Arc<Gateway>>, body: Body) -> Response {
    if let Err(r) = read_body(body).await {
        return r;
    }
    match call(&gw, "bootstrap-status", Map::new()).await {
        Ok(r) => ok(&gw, r),
        Err(_) => masked(&gw),
    }
}

async fn change_password(
    State(gw): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(who) = bearer(&headers).and_then(|t| gw.authenticate(t)) else {
        return unauthorised();
    };
    let v = match json_body(body).await {
        Ok(Value::Object(v)) => v,
        Ok(_) => return error_spaced(StatusCode::BAD_REQUEST, "body must be an object"),
        Err(r) => return r,
    };
    let mut req = Map::new();
    req.insert("user_id".into(), who.user_id.into());
    req.insert(
        "password".into(),
        v.get("current_password").cloned().unwrap_or_default(),
    );
    req.insert(
        "new_password".into(),
        v.get("new_password").cloned().unwrap_or_default(),
    );
    match call(&gw, "change-password", req).await {
        Ok(r) => ok(&gw, r),
        Err(_) if gw.cfg.compat == Compat::V2_11 => ok(&gw, Map::new()),
        Err(e) if e.kind == "auth-failed" => masked(&gw),
        Err(e) => error_spaced(StatusCode::BAD_REQUEST, &e.message),
    }
}

/// Gateway checks for one IAM request: registry, authentication,
/// authorisation, `actor` injection. `Err` is the refusal to send.
pub enum Refusal {
    UnknownOperation,
    Unauthenticated,
    Denied,
}

pub fn admit(
    gw: &Gateway,
    body: &mut Map<String, Value>,
    identity: Option<&Identity>,
) -> Result<String, Refusal> {
    let op = body
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let gate = iam::gate(&op).ok_or(Refusal::UnknownOperation)?;
    if gate != Gate::Public {
        let who = identity.ok_or(Refusal::Unauthenticated)?;
        if let Gate::Capability(cap) = gate {
            let ws = if iam::workspace_scoped(&op) {
                match body.get("workspace").and_then(Value::as_str) {
                    Some(w) if !w.is_empty() => w.to_string(),
                    _ => who.workspace.clone(),
                }
            } else {
                String::new()
            };
            if !gw.authorise(&who.user_id, cap, &ws) {
                return Err(Refusal::Denied);
            }
        }
    }
    if let Some(who) = identity {
        body.insert("actor".into(), who.user_id.clone().into());
    }
    Ok(op)
}

async fn iam_forward(State(gw): State<Arc<Gateway>>, headers: HeaderMap, body: Body) -> Response {
    let mut v = match json_body(body).await {
        Ok(Value::Object(v)) => v,
        Ok(_) => return error_spaced(StatusCode::BAD_REQUEST, "body must be an object"),
        Err(r) => return r,
    };
    // Registered-vs-unknown is decided before authentication, as upstream.
    let known = v
        .get("operation")
        .and_then(Value::as_str)
        .and_then(iam::gate);
    let identity = match known {
        Some(Gate::Public) | None => None,
        Some(_) => match bearer(&headers).and_then(|t| gw.authenticate(t)) {
            Some(i) => Some(i),
            None => return unauthorised(),
        },
    };
    let op = match admit(&gw, &mut v, identity.as_ref()) {
        Ok(op) => op,
        Err(Refusal::UnknownOperation) => {
            return error_spaced(StatusCode::BAD_REQUEST, "unknown operation")
        }
        Err(Refusal::Unauthenticated) => return unauthorised(),
        Err(Refusal::Denied) => return forbidden(),
    };
    match call(&gw, &op, v).await {
        Ok(r) => ok(&gw, r),
        Err(e) => json_bytes(StatusCode::OK, py_json(&failure(&gw, &e))),
    }
}

/// `POST /api/v1/{kind}`: the generic registry route, where the promised
/// per-operation REST paths (`/api/v1/users`, ...) land.
async fn registry_kind(Path(_kind): Path<String>, body: Body) -> Response {
    match json_body(body).await {
        Ok(Value::Object(v)) if v.contains_key("operation") => {
            error_spaced(StatusCode::BAD_REQUEST, "unknown operation")
        }
        Ok(_) => error_spaced(StatusCode::BAD_REQUEST, "missing operation"),
        Err(r) => r,
    }
}
