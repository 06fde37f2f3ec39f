//! The HTTP front-end: routes, the auth middleware's checks, and the
//! status codes and bodies of the reference (or of 2.11 with
//! `--compat 2.11`). Every IAM request goes through
//! [`dispatch`](crate::dispatch::dispatch).

use crate::authz::Refusal;
use crate::config::{Compat, MAX_BODY, MAX_UNAUTHENTICATED_BODY};
use crate::dispatch::{self, Call, Failure};
use crate::gateway::Gateway;
use crate::request::{Body as Fields, Identity, Reply};
use crate::ws;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Map, Value};
use std::sync::Arc;
use tg_iam_protocol::{paths, IamErrorType, Operation};

/// Python `json.dumps` spacing, as the aiohttp gateway writes replies.
pub use tg_iam_protocol::to_python_json as py_json;

pub fn router(gw: Arc<Gateway>) -> Router {
    Router::new()
        .route(paths::LOGIN, post(login))
        .route(paths::BOOTSTRAP, public_route(Operation::Bootstrap))
        .route(
            paths::BOOTSTRAP_STATUS,
            public_route(Operation::BootstrapStatus),
        )
        .route(paths::CHANGE_PASSWORD, post(change_password))
        .route(paths::IAM, post(iam_forward))
        .route(paths::SOCKET, get(ws::upgrade))
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
fn json_bytes(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

fn error_spaced(status: StatusCode, message: &str) -> Response {
    json_bytes(status, py_json(&serde_json::json!({ "error": message })))
}

/// The auth middleware's masked bodies (compact, as the reference sends).
fn unauthorised() -> Response {
    json_bytes(
        StatusCode::UNAUTHORIZED,
        r#"{"error":"auth failure"}"#.into(),
    )
}

fn forbidden() -> Response {
    json_bytes(StatusCode::FORBIDDEN, r#"{"error":"access denied"}"#.into())
}

/// 500 `internal-error`: a handler panicked (the gateway carries on).
pub fn internal_error() -> Response {
    json_bytes(
        StatusCode::INTERNAL_SERVER_ERROR,
        py_json(&dispatch::internal_error()),
    )
}

/// The bearer token, if the header is exactly `Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let t = v.strip_prefix("Bearer ")?.trim();
    (!t.is_empty()).then_some(t)
}

/// The caller, if the request carries a credential that authenticates.
fn caller(gw: &Gateway, headers: &HeaderMap) -> Option<Identity> {
    bearer(headers).and_then(|t| gw.authenticate(t))
}

/// Read a request body of at most `limit` bytes: 413 when it is larger
/// (before reading any of it when `Content-Length` says so), 408 when it
/// does not arrive within the body-read timeout.
async fn read_body(
    gw: &Gateway,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, Response> {
    let too_large = || error_spaced(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let read = Limited::new(body, limit).collect();
    match tokio::time::timeout(gw.cfg.limits.body_read_timeout, read).await {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(too_large()),
        Ok(Err(_)) => Err(error_spaced(
            StatusCode::BAD_REQUEST,
            "cannot read the request body",
        )),
        Err(_) => Err(error_spaced(
            StatusCode::REQUEST_TIMEOUT,
            "request body timeout",
        )),
    }
}

/// Parse a JSON body: 400 `invalid json` when it is not JSON.
async fn json_body(
    gw: &Gateway,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Value, Response> {
    let bytes = read_body(gw, headers, body, limit).await?;
    serde_json::from_slice(&bytes)
        .map_err(|_| error_spaced(StatusCode::BAD_REQUEST, "invalid json"))
}

fn ok(gw: &Gateway, reply: Reply) -> Response {
    json_bytes(StatusCode::OK, py_json(&dispatch::success(gw, reply)))
}

/// `/api/v1/auth/*` refusals: masked 401 by design, a bare 200 on 2.11.
fn masked(gw: &Gateway) -> Response {
    match gw.cfg.compat {
        Compat::Design => error_spaced(StatusCode::UNAUTHORIZED, "auth failure"),
        Compat::V2_11 => ok(gw, Map::new()),
    }
}

/// An IAM request built by a dedicated route.
fn request(op: Operation, fields: &[(&str, Option<Value>)]) -> Fields {
    let mut req = Map::new();
    req.insert("operation".into(), op.name().into());
    for (k, v) in fields {
        if let Some(v) = v {
            req.insert((*k).into(), v.clone());
        }
    }
    req
}

async fn login(
    State(gw): State<Arc<Gateway>>,
    Extension(call): Extension<Call>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let v = match json_body(&gw, &headers, body, MAX_UNAUTHENTICATED_BODY).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Value::Object(v) = v else {
        // aiohttp's crash page: the reference calls `.get` on a non-dict.
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error\n\nServer got itself in trouble",
        );
    };
    let field = |k: &str| v.get(k).cloned();
    let req = request(
        Operation::Login,
        &[
            ("username", field("username")),
            ("password", field("password")),
            ("workspace", field("workspace")),
        ],
    );
    match dispatch::dispatch(&gw, &call, req, None).await {
        Ok(r) => ok(&gw, r),
        Err(Failure::Panicked) => internal_error(),
        Err(_) => masked(&gw),
    }
}

/// `bootstrap` and `bootstrap-status`: the body is read but not used.
fn public_route(op: Operation) -> MethodRouter<Arc<Gateway>> {
    post(
        move |State(gw): State<Arc<Gateway>>,
              Extension(call): Extension<Call>,
              headers: HeaderMap,
              body: Body| async move {
            if let Err(r) = read_body(&gw, &headers, body, MAX_UNAUTHENTICATED_BODY).await {
                return r;
            }
            match dispatch::dispatch(&gw, &call, request(op, &[]), None).await {
                Ok(r) => ok(&gw, r),
                Err(Failure::Panicked) => internal_error(),
                Err(_) => masked(&gw),
            }
        },
    )
}

/// The caller's own password; the body's key names differ from the IAM
/// request's (`current_password` is `password`).
async fn change_password(
    State(gw): State<Arc<Gateway>>,
    Extension(call): Extension<Call>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // No credential, no body read: the dispatcher refuses (and records)
    // the bare operation.
    let Some(who) = caller(&gw, &headers) else {
        let _ = dispatch::dispatch(&gw, &call, request(Operation::ChangePassword, &[]), None).await;
        return unauthorised();
    };
    let v = match json_body(&gw, &headers, body, MAX_BODY).await {
        Ok(Value::Object(v)) => v,
        Ok(_) => return error_spaced(StatusCode::BAD_REQUEST, "body must be an object"),
        Err(r) => return r,
    };
    let field = |k: &str| Some(v.get(k).cloned().unwrap_or_default());
    let req = request(
        Operation::ChangePassword,
        &[
            ("user_id", Some(who.user_id.clone().into())),
            ("password", field("current_password")),
            ("new_password", field("new_password")),
        ],
    );
    match dispatch::dispatch(&gw, &call, req, Some(&who)).await {
        Ok(r) => ok(&gw, r),
        Err(Failure::Panicked) => internal_error(),
        Err(Failure::Refused(_)) => unauthorised(),
        Err(_) if gw.cfg.compat == Compat::V2_11 => ok(&gw, Map::new()),
        Err(Failure::Iam(e)) if e.kind != IamErrorType::AuthFailed => {
            error_spaced(StatusCode::BAD_REQUEST, &e.message)
        }
        Err(_) => masked(&gw),
    }
}

/// `POST /api/v1/iam`: the generic forwarder. Whether the operation is
/// known is decided before authentication, as upstream; the credential is
/// checked before the body is read, so a request without a valid one gets
/// only a small body read ([`MAX_UNAUTHENTICATED_BODY`]).
async fn iam_forward(
    State(gw): State<Arc<Gateway>>,
    Extension(call): Extension<Call>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let identity = caller(&gw, &headers);
    let limit = match identity {
        Some(_) => MAX_BODY,
        None => MAX_UNAUTHENTICATED_BODY,
    };
    let v = match json_body(&gw, &headers, body, limit).await {
        Ok(Value::Object(v)) => v,
        Ok(_) => return error_spaced(StatusCode::BAD_REQUEST, "body must be an object"),
        Err(r) => return r,
    };
    match dispatch::dispatch(&gw, &call, v, identity.as_ref()).await {
        Ok(r) => ok(&gw, r),
        Err(Failure::UnknownOperation) => {
            error_spaced(StatusCode::BAD_REQUEST, "unknown operation")
        }
        Err(Failure::Refused(Refusal::Unauthenticated)) => unauthorised(),
        Err(Failure::Refused(Refusal::Denied)) => forbidden(),
        Err(Failure::Iam(e)) => json_bytes(StatusCode::OK, py_json(&dispatch::failure(&gw, &e))),
        Err(Failure::Panicked) => internal_error(),
    }
}

/// `POST /api/v1/{kind}`: the generic registry route, where the promised
/// per-operation REST paths (`/api/v1/users`, ...) land.
async fn registry_kind(
    State(gw): State<Arc<Gateway>>,
    Path(_kind): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match json_body(&gw, &headers, body, MAX_UNAUTHENTICATED_BODY).await {
        Ok(Value::Object(v)) if v.contains_key("operation") => {
            error_spaced(StatusCode::BAD_REQUEST, "unknown operation")
        }
        Ok(_) => error_spaced(StatusCode::BAD_REQUEST, "missing operation"),
        Err(r) => r,
    }
}
