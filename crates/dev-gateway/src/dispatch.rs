//! The one dispatcher behind both front-ends (HTTP in `http`, the
//! WebSocket in `ws`): look the operation up in the table, admit
//! the caller, set `actor`, run the handler off the async threads with any
//! panic contained, record the request in the audit log, and shape the
//! reply for the selected compat mode.
//!
//! The audit record of every IAM request is made here and only here
//! ([`dispatch`], and [`refused`] for the socket's refusals before it),
//! from the request body, the caller's identity and the result: the
//! handlers know nothing of it.

use crate::audit;
use crate::authz::{self, Refusal};
use crate::config::Compat;
use crate::gateway::{Gateway, Handler};
use crate::ops::OPERATIONS;
use crate::request::{Body, Identity, Reply};
use serde_json::Value;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tg_iam_protocol::{Access, IamError, IamErrorType};

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

/// One request as the connection layer saw it: its id, where it came
/// from, when it arrived. The dispatcher notes what it was for the
/// request log.
#[derive(Clone, Debug)]
pub struct Call {
    pub request_id: String,
    pub remote: Option<SocketAddr>,
    pub started: Instant,
    noted: Arc<Mutex<Noted>>,
}

/// What the dispatcher learnt of a request: for the request log.
#[derive(Clone, Debug, Default)]
pub struct Noted {
    /// The operation, when the table has it (a name the client made up is
    /// not repeated in the request log: it could hold anything).
    pub operation: Option<&'static str>,
    /// The caller's user id.
    pub actor: Option<String>,
    /// `ok`, or the IAM error type.
    pub outcome: Option<String>,
}

impl Call {
    /// A request arriving now from `remote`, with a fresh random id.
    pub fn new(remote: Option<SocketAddr>) -> Call {
        Call {
            request_id: format!("{:016x}", rand::random::<u64>()),
            remote,
            started: Instant::now(),
            noted: Arc::default(),
        }
    }

    /// Request `n` on the socket this request opened: `ID.n`.
    pub fn within(&self, n: u64) -> Call {
        Call {
            request_id: format!("{}.{n}", self.request_id),
            remote: self.remote,
            started: Instant::now(),
            noted: Arc::default(),
        }
    }

    pub fn noted(&self) -> Noted {
        self.noted.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The request log's line for this request (at `info`), from
    /// [`crate::net`] for HTTP, from [`crate::ws`] for the socket:
    /// `status` is the HTTP status, or a socket request's outcome.
    pub(crate) fn log(&self, method: &str, path: &str, status: &dyn std::fmt::Display) {
        if !tracing::enabled!(tracing::Level::INFO) {
            return;
        }
        let noted = self.noted();
        tracing::info!(
            request_id = %self.request_id,
            method = %method,
            path = %path,
            operation = %noted.operation.unwrap_or("-"),
            status = %status,
            duration_ms = self.started.elapsed().as_micros() as f64 / 1000.0,
            actor = %noted.actor.as_deref().unwrap_or("-"),
            "request"
        );
    }
}

/// The operation a request body names, if clients may call it.
pub fn lookup(gw: &Gateway, body: &Body) -> Option<&'static Handler> {
    let name = body.get("operation").and_then(Value::as_str)?;
    OPERATIONS
        .iter()
        .chain(gw.extra_operations)
        .find(|o| o.name == name)
}

/// Run one IAM request for `identity` (`None`: no valid credential), and
/// record it.
pub async fn dispatch(
    gw: &Arc<Gateway>,
    call: &Call,
    body: Body,
    identity: Option<&Identity>,
) -> Result<Reply, Failure> {
    let pending = Pending::new(gw, &body, identity);
    let (op, body) = match admit(gw, body, identity) {
        Ok(admitted) => admitted,
        Err(f) => {
            pending.finish_as(gw, call, f.outcome(), None);
            return Err(f);
        }
    };
    run(gw, call, op, body, pending).await
}

impl Failure {
    /// The outcome an audit record gives it (a success is `ok`).
    fn outcome(&self) -> &str {
        match self {
            Failure::UnknownOperation => "unknown-operation",
            Failure::Refused(Refusal::Unauthenticated) => "auth-required",
            Failure::Refused(Refusal::Denied) => "access-denied",
            Failure::Iam(e) => e.kind.as_str(),
            Failure::Panicked => IamErrorType::InternalError.as_str(),
        }
    }
}

/// Record a request that a front-end refused before it reached
/// [`dispatch`], with `outcome` (the error type it answered).
pub fn refused(
    gw: &Gateway,
    call: &Call,
    body: &Body,
    identity: Option<&Identity>,
    outcome: &'static str,
) {
    Pending::new(gw, body, identity).finish_as(gw, call, outcome, None);
}

/// The operation, if the caller may run it, and the body it runs on.
fn admit(
    gw: &Gateway,
    mut body: Body,
    identity: Option<&Identity>,
) -> Result<(&'static Handler, Body), Failure> {
    let op = lookup(gw, &body).ok_or(Failure::UnknownOperation)?;
    authz::admit(gw, op.access, &body, identity).map_err(Failure::Refused)?;
    if let Some(hook) = &gw.cfg.refuse {
        if let Some((kind, message)) = (hook.0)(&body) {
            return Err(Failure::Iam(IamError::new(
                IamErrorType::from_wire(kind),
                message,
            )));
        }
    }
    // The caller's id replaces any `actor` in the body.
    match identity {
        Some(who) if op.access != Access::Public => {
            body.insert("actor".into(), who.user_id.clone().into());
        }
        _ => {
            body.remove("actor");
        }
    }
    Ok((op, body))
}

/// What the dispatcher keeps of a request until it has run: what the
/// request log notes, and the audit record's draft (with an audit log).
struct Pending {
    operation: Option<&'static str>,
    actor_id: Option<String>,
    draft: Option<audit::Draft>,
}

impl Pending {
    fn new(gw: &Gateway, body: &Body, identity: Option<&Identity>) -> Pending {
        let named = body.get("operation").and_then(Value::as_str);
        let operation = named
            .filter(|n| !n.is_empty())
            .map(|_| lookup(gw, body).map_or("{unknown}", |o| o.name));
        Pending {
            operation,
            actor_id: identity.map(|who| who.user_id.clone()),
            draft: gw
                .audit
                .as_ref()
                .map(|_| gw.read(|st| audit::Draft::new(st, body, identity))),
        }
    }

    /// Note the request for the request log, and write its audit record.
    fn finish(self, gw: &Gateway, call: &Call, result: &Result<Reply, Failure>) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(f) => f.outcome(),
        };
        self.finish_as(gw, call, outcome, result.as_ref().ok());
    }

    fn finish_as(self, gw: &Gateway, call: &Call, outcome: &str, reply: Option<&Reply>) {
        *call.noted.lock().unwrap_or_else(|e| e.into_inner()) = Noted {
            operation: self.operation,
            actor: self.actor_id,
            outcome: Some(outcome.to_string()),
        };
        if let (Some(log), Some(draft)) = (&gw.audit, self.draft) {
            let request = (call.request_id.as_str(), call.remote, call.started);
            log.write(&gw.read(|st| draft.finish(st, request, outcome, reply)));
        }
    }
}

/// Run `op`'s handler on the blocking pool (hashing, fsync). A panic in it
/// ends that request only.
///
/// The audit record is written on that thread too, once the handler has
/// returned: an operation that ran is recorded even when the request that
/// asked for it is dropped meanwhile (its client gone, say).
async fn run(
    gw: &Arc<Gateway>,
    call: &Call,
    op: &'static Handler,
    body: Body,
    pending: Pending,
) -> Result<Reply, Failure> {
    let (gw, call) = (gw.clone(), call.clone());
    let task = tokio::task::spawn_blocking(move || {
        let result = match std::panic::catch_unwind(AssertUnwindSafe(|| (op.run)(&gw, &body))) {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(Failure::Iam(e)),
            Err(_) => Err(Failure::Panicked),
        };
        pending.finish(&gw, &call, &result);
        result
    });
    task.await.unwrap_or(Err(Failure::Panicked))
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
        Compat::Design => serde_json::json!({"error": e}),
        Compat::V2_11 => serde_json::json!({"bootstrap_available": false}),
    }
}

/// What a panicked request gets: `internal-error`, with nothing of the
/// panic's message (it might quote a secret).
pub fn internal_error() -> Value {
    serde_json::json!({"error": IamError::new(IamErrorType::InternalError, "internal error")})
}
