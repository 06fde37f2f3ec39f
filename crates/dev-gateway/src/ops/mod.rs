//! The IAM operations, as iam-svc implements them: one function per
//! operation, grouped by the resource it acts on, and [`OPERATIONS`], the
//! one table that says which operations exist, what each requires, and
//! which function runs it. The front-ends, the docs and the role-matrix
//! test all read that table.
//!
//! A handler gets the request body (with `actor` set by the gateway to the
//! authenticated caller, for operations that need one) and returns the
//! reply's fields or an [`IamError`]. Handlers may block (password
//! hashing, state writes); the dispatcher runs them off the async threads.

pub(crate) mod keys;
pub(crate) mod records;
pub(crate) mod sessions;
pub(crate) mod signing_keys;
pub(crate) mod users;
pub(crate) mod workspaces;

use crate::authz::Gate::{self, *};
use crate::gateway::Gateway;
use serde_json::{Map, Value};

/// An IAM-level error: `{"type": ..., "message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    pub kind: &'static str,
    pub message: String,
}

pub(crate) fn err(kind: &'static str, message: impl Into<String>) -> IamError {
    IamError {
        kind,
        message: message.into(),
    }
}

pub(crate) fn invalid(m: &str) -> IamError {
    err("invalid-argument", m)
}

/// The fields of a successful reply.
pub type Reply = Map<String, Value>;
pub type IamResult = Result<Reply, IamError>;

/// A request body as the handler sees it.
pub type Body = Map<String, Value>;

/// One operation: its name on the wire, what the gateway requires before
/// running it, and the function that runs it.
#[derive(Clone, Copy)]
pub struct Operation {
    pub name: &'static str,
    pub gate: Gate,
    pub(crate) handler: fn(&Gateway, &Body) -> IamResult,
}

pub(crate) const fn op(
    name: &'static str,
    gate: Gate,
    handler: fn(&Gateway, &Body) -> IamResult,
) -> Operation {
    Operation {
        name,
        gate,
        handler,
    }
}

/// Every operation a client can reach. Anything else, including the
/// gateway-internal `resolve-api-key`, `get-signing-key-public`,
/// `authorise` and `authenticate-anonymous`, is an unknown operation.
#[rustfmt::skip]
pub static OPERATIONS: &[Operation] = &[
    // Sessions: getting a credential.
    op("login",              Public,                             sessions::login),
    op("bootstrap",          Public,                             sessions::bootstrap),
    op("bootstrap-status",   Public,                             sessions::bootstrap_status),
    op("mint-token",         InWorkspace("mint-token"),          sessions::mint_token),
    // Users.
    op("whoami",             Authenticated,                      users::whoami),
    op("change-password",    Authenticated,                      users::change_password),
    op("create-user",        InWorkspace("users:admin"),         users::create),
    op("list-users",         InWorkspace("users:read"),          users::list),
    op("get-user",           InWorkspace("users:read"),          users::get),
    op("update-user",        InWorkspace("users:write"),         users::update),
    op("disable-user",       InWorkspace("users:admin"),         users::disable),
    op("enable-user",        InWorkspace("users:admin"),         users::enable),
    op("delete-user",        InWorkspace("users:admin"),         users::delete),
    op("reset-password",     InWorkspace("users:admin"),         users::reset_password),
    // API keys.
    op("create-api-key",     InWorkspace("keys:admin"),          keys::create),
    op("list-api-keys",      InWorkspace("keys:admin"),          keys::list),
    op("revoke-api-key",     InWorkspace("keys:admin"),          keys::revoke),
    // Workspaces.
    op("list-my-workspaces", Authenticated,                      workspaces::list_mine),
    op("create-workspace",   Global("workspaces:admin"),         workspaces::create),
    op("list-workspaces",    Global("workspaces:admin"),         workspaces::list),
    op("get-workspace",      Global("workspaces:admin"),         workspaces::get),
    op("update-workspace",   Global("workspaces:admin"),         workspaces::update),
    op("disable-workspace",  Global("workspaces:admin"),         workspaces::disable),
    // Signing keys.
    op("rotate-signing-key", Global("iam:admin"),                signing_keys::rotate),
];

/// The table as a Markdown table, as the README shows it.
pub fn markdown_table() -> String {
    let mut out = String::from("| Operation | Who may call it |\n|---|---|\n");
    for o in OPERATIONS {
        let who = match o.gate {
            Public => "anyone".to_string(),
            Authenticated => "any authenticated user (acts on itself)".to_string(),
            InWorkspace(cap) => {
                format!("`{cap}` in the request's `workspace` (default: the caller's)")
            }
            Global(cap) => format!("`{cap}`"),
        };
        out.push_str(&format!("| `{}` | {who} |\n", o.name));
    }
    out
}

// Reading request fields the way iam-svc's decoder does.

/// A string field; absent, null or not a string reads as "".
pub(crate) fn s<'a>(v: &'a Map<String, Value>, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A nested object field, if present.
pub(crate) fn obj<'a>(v: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    v.get(key).and_then(Value::as_object)
}

/// A string field that must not be empty.
pub(crate) fn required<'a>(
    b: &'a Map<String, Value>,
    key: &str,
    message: &str,
) -> Result<&'a str, IamError> {
    match s(b, key) {
        "" => Err(invalid(message)),
        v => Ok(v),
    }
}

/// A request boolean with the decoder's default for an absent key, and
/// `None` (keep the stored value) for an explicit null.
pub(crate) fn flag(v: &Map<String, Value>, key: &str, absent: bool) -> Option<bool> {
    match v.get(key) {
        None => Some(absent),
        Some(Value::Null) => None,
        Some(x) => Some(x.as_bool().unwrap_or(absent)),
    }
}

/// The authenticated caller, as the gateway set it.
pub(crate) fn actor(b: &Body) -> Result<&str, IamError> {
    required(b, "actor", "actor required (gateway should populate this)")
}

// Building replies.

pub(crate) fn one(key: &str, v: Value) -> Reply {
    let mut m = Map::new();
    m.insert(key.into(), v);
    m
}

/// A list reply: the key is omitted when the list is empty.
pub(crate) fn listing(key: &str, items: Vec<Value>) -> Reply {
    if items.is_empty() {
        Map::new()
    } else {
        one(key, Value::Array(items))
    }
}

/// The empty ("void") reply.
pub(crate) fn void() -> Reply {
    Map::new()
}
