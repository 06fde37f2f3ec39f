//! Authorisation: the OSS role table (reader / writer / admin), and
//! [`admit`], the gateway's check of one request against what its
//! operation requires ([`Access`], from the protocol's operation table).

use crate::gateway::Gateway;
use crate::request::{Body, Identity};
use crate::state::User;
use serde_json::Value;
use tg_iam_protocol::{Access, Scope};

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

/// The gateway's checks for one request to an operation that requires
/// `access`: a credential if it needs one, and the capability if it names
/// one, in the request's `workspace` (the caller's when it names none) for
/// [`Scope::Workspace`].
pub fn admit(
    gw: &Gateway,
    access: Access,
    body: &Body,
    identity: Option<&Identity>,
) -> Result<(), Refusal> {
    if access == Access::Public {
        return Ok(());
    }
    let who = identity.ok_or(Refusal::Unauthenticated)?;
    let ws = match access {
        Access::Admin {
            scope: Scope::Workspace,
            ..
        } => match body.get("workspace").and_then(Value::as_str) {
            Some(w) if !w.is_empty() => w,
            _ => who.workspace.as_str(),
        },
        _ => "",
    };
    match access.capability() {
        Some(cap) if !gw.authorise(&who.user_id, cap, ws) => Err(Refusal::Denied),
        _ => Ok(()),
    }
}
