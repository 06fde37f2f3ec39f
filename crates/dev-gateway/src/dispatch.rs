//! The one dispatcher behind both front-ends (HTTP in `http`, the
//! WebSocket in `ws`): look the operation up in the table, admit
//! the caller, set `actor`, run the handler off the async threads with any
//! panic contained, and shape the reply for the selected compat mode.

use crate::authn::Identity;
use crate::authz::{self, Gate, Refusal};
use crate::config::Compat;
use crate::gateway::Gateway;
use crate::ops::{Body, IamError, Operation, Reply};
use serde_json::Value;
use std::sync::Arc;

/// Why a request produced no reply.
#[derive(Debug)]
pub enum Failure {
    /// Not in the table (or no `operation` at all).
    UnknownOperation,
    /// The gateway refused the caller.
    Refused(Refusal),
    /// The operation ran and failed.
    Iam(IamError),
    /// The handler panicked; the gateway carries on.
    Panicked,
}

/// The operation a request body names, if clients may call it.
pub fn lookup(gw: &Gateway, body: &Body) -> Option<&'static Operation> {
    let name = body.get("operation").and_then(Value::as_str)?;
    gw.operations.iter().find(|o| o.name == name)
}

/// Run one IAM request for `identity` (`None`: no valid credential).
pub async fn dispatch(
    gw: &Arc<Gateway>,
    mut body: Body,
    identity: Option<&Identity>,
) -> Result<Reply, Failure> {
    let op = lookup(gw, &body).ok_or(Failure::UnknownOperation)?;
    authz::admit(gw, op, &body, identity).map_err(Failure::Refused)?;
    if let Some(hook) = &gw.cfg.refuse {
        if let Some((kind, message)) = (hook.0)(&body) {
            return Err(Failure::Iam(crate::ops::err(kind, message)));
        }
    }
    // The caller's id replaces any `actor` in the body.
    match identity {
        Some(who) if op.gate != Gate::Public => {
            body.insert("actor".into(), who.user_id.clone().into());
        }
        _ => {
            body.remove("actor");
        }
    }
    run(gw, op, body).await
}

/// Run `op`'s handler on the blocking pool (hashing, fsync). A panic in it
/// ends that request only.
async fn run(gw: &Arc<Gateway>, op: &'static Operation, body: Body) -> Result<Reply, Failure> {
    let gw = gw.clone();
    match tokio::task::spawn_blocking(move || (op.handler)(&gw, &body)).await {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(e)) => Err(Failure::Iam(e)),
        Err(_) => Err(Failure::Panicked),
    }
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

/// What a panicked request gets: `internal-error`, with nothing of the
/// panic's message (it might quote a secret).
pub fn internal_error() -> Value {
    serde_json::json!({"error": {"type": "internal-error", "message": "internal error"}})
}
