//! Authorisation: what each operation requires ([`Gate`]), the OSS role
//! table (reader / writer / admin), and [`admit`], the gateway's check of
//! one request against both.

use crate::authn::Identity;
use crate::gateway::Gateway;
use crate::ops::{Body, Operation};
use crate::state::User;
use serde_json::Value;

/// What the gateway requires before it runs an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Anyone, with or without a credential.
    Public,
    /// Any authenticated caller; the operation acts on the caller.
    Authenticated,
    /// A capability, in scope of the request's `workspace` (the caller's
    /// default workspace when the request names none): user and key
    /// operations.
    InWorkspace(&'static str),
    /// A capability, with no workspace involved: workspace and
    /// signing-key operations.
    Global(&'static str),
}

impl Gate {
    /// The capability the gate requires, if any.
    pub fn capability(&self) -> Option<&'static str> {
        match self {
            Gate::InWorkspace(c) | Gate::Global(c) => Some(c),
            Gate::Public | Gate::Authenticated => None,
        }
    }
}

const READER: &[&str] = &[
    "agent",
    "llm",
    "embeddings",
    "config:read",
    "flows:read",
    "collections:read",
    "knowledge:read",
    "graph:read",
    "documents:read",
    "keys:self",
];
const WRITER_EXTRA: &[&str] = &[
    "graph:write",
    "documents:write",
    "collections:write",
    "knowledge:write",
];
const ADMIN_EXTRA: &[&str] = &[
    "config:write",
    "flows:write",
    "users:read",
    "users:write",
    "users:admin",
    "keys:admin",
    "workspaces:admin",
    "iam:admin",
    "metrics:read",
    "mint-token",
];

/// The OSS regime: the capabilities of `role`, and whether its scope is
/// every workspace (`true`) or only the user's own. Unknown roles: none.
fn role(role: &str) -> Option<(&'static [&'static [&'static str]], bool)> {
    Some(match role {
        "reader" => (&[READER], false),
        "writer" => (&[READER, WRITER_EXTRA], false),
        "admin" => (&[READER, WRITER_EXTRA, ADMIN_EXTRA], true),
        _ => return None,
    })
}

/// Does `role` grant `cap`, and if so, in every workspace (`Some(true)`)
/// or only the user's own (`Some(false)`)?
fn role_grants(name: &str, cap: &str) -> Option<bool> {
    let (caps, everywhere) = role(name)?;
    caps.iter().any(|c| c.contains(&cap)).then_some(everywhere)
}

/// Whether `user` may act in workspace `ws`: its home, or any workspace if
/// one of its roles reaches every workspace.
pub(crate) fn may_act_in(user: &User, ws: &str) -> bool {
    ws == user.workspace
        || user
            .roles
            .iter()
            .any(|r| role(r).is_some_and(|(_, everywhere)| everywhere))
}

impl Gateway {
    /// The OSS decision: the user (read fresh) exists and is enabled, and
    /// one of its roles grants `cap` in scope of `workspace` (empty: no
    /// workspace involved).
    pub fn authorise(&self, user_id: &str, cap: &str, workspace: &str) -> bool {
        self.read(|st| {
            let Some(u) = st.user(user_id).filter(|u| u.enabled) else {
                return false;
            };
            u.roles.iter().any(|r| match role_grants(r, cap) {
                Some(everywhere) => everywhere || workspace.is_empty() || workspace == u.workspace,
                None => false,
            })
        })
    }
}

/// Why the gateway refuses to run an operation for a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No (valid) credential, and the operation needs one.
    Unauthenticated,
    /// The caller lacks the capability.
    Denied,
}

/// The gateway's checks for one request: a credential if the operation
/// needs one, and the capability if it names one.
pub fn admit(
    gw: &Gateway,
    op: &Operation,
    body: &Body,
    identity: Option<&Identity>,
) -> Result<(), Refusal> {
    if op.gate == Gate::Public {
        return Ok(());
    }
    let who = identity.ok_or(Refusal::Unauthenticated)?;
    let ws = match op.gate {
        Gate::InWorkspace(_) => match body.get("workspace").and_then(Value::as_str) {
            Some(w) if !w.is_empty() => w,
            _ => who.workspace.as_str(),
        },
        _ => "",
    };
    match op.gate.capability() {
        Some(cap) if !gw.authorise(&who.user_id, cap, ws) => Err(Refusal::Denied),
        _ => Ok(()),
    }
}
