//! The IAM operations, as iam-svc implements them: one function per
//! operation, grouped by the resource it acts on, and [`OPERATIONS`], the
//! one table that says which function runs each [`Operation`]. Which
//! operations exist, their names and who may call them come from the
//! protocol's enum. The dispatcher looks operations up here (for both
//! front-ends); the docs and the role-matrix test read the table too.
//!
//! A handler gets the gateway, the caller ([`Actor`], set by the
//! dispatcher for every operation that is not public) and its typed
//! request, read from the body as iam-svc's decoder reads it
//! ([`tg_iam_protocol::decode`], which never fails), and returns a typed
//! reply (written as iam-svc's translator writes it:
//! [`tg_iam_protocol::reply::fields`]) or an
//! [`IamError`](crate::request::IamError). Handlers may block (password
//! hashing, state writes); the dispatcher runs them off the async threads.
//!
//! The handlers build on the layers below (the gateway's state, `authz`'s
//! role rule, [`crate::request`]) and never on this table.

pub(crate) mod keys;
pub(crate) mod sessions;
pub(crate) mod signing_keys;
pub(crate) mod users;
pub(crate) mod workspaces;

pub use crate::gateway::Handler;
use crate::request::Actor;
use tg_iam_protocol::{Access, Operation, Scope};

/// The table entry for `$op`, run by `$handler`: a function of the
/// gateway, the [`Actor`] and the operation's typed request that returns
/// its typed reply.
macro_rules! op {
    ($op:expr, $handler:path) => {
        Handler {
            name: $op.name(),
            access: $op.access(),
            run: |gw, body| {
                $handler(gw, Actor::of(body), tg_iam_protocol::decode(body))
                    .map(|reply| tg_iam_protocol::reply::fields(&reply))
            },
        }
    };
}

/// Every operation a client can reach, in the order of [`Operation::ALL`].
/// Anything else, including the gateway-internal `resolve-api-key`,
/// `get-signing-key-public`, `authorise` and `authenticate-anonymous`, is
/// an unknown operation.
#[rustfmt::skip]
pub static OPERATIONS: &[Handler] = &[
    // Sessions: getting a credential.
    op!(Operation::Login,            sessions::login),
    op!(Operation::Bootstrap,        sessions::bootstrap),
    op!(Operation::BootstrapStatus,  sessions::bootstrap_status),
    op!(Operation::MintToken,        sessions::mint_token),
    // Users.
    op!(Operation::Whoami,           users::whoami),
    op!(Operation::ChangePassword,   users::change_password),
    op!(Operation::CreateUser,       users::create),
    op!(Operation::ListUsers,        users::list),
    op!(Operation::GetUser,          users::get),
    op!(Operation::UpdateUser,       users::update),
    op!(Operation::DisableUser,      users::disable),
    op!(Operation::EnableUser,       users::enable),
    op!(Operation::DeleteUser,       users::delete),
    op!(Operation::ResetPassword,    users::reset_password),
    // API keys.
    op!(Operation::CreateApiKey,     keys::create),
    op!(Operation::ListApiKeys,      keys::list),
    op!(Operation::RevokeApiKey,     keys::revoke),
    // Workspaces.
    op!(Operation::ListMyWorkspaces, workspaces::list_mine),
    op!(Operation::CreateWorkspace,  workspaces::create),
    op!(Operation::ListWorkspaces,   workspaces::list),
    op!(Operation::GetWorkspace,     workspaces::get),
    op!(Operation::UpdateWorkspace,  workspaces::update),
    op!(Operation::DisableWorkspace, workspaces::disable),
    // Signing keys.
    op!(Operation::RotateSigningKey, signing_keys::rotate),
];

/// The table as a Markdown table, as the README shows it.
pub fn markdown_table() -> String {
    let mut out = String::from("| Operation | Who may call it |\n|---|---|\n");
    for o in OPERATIONS {
        let who = match o.access {
            Access::Public => "anyone".to_string(),
            Access::Authenticated => "any authenticated user (acts on itself)".to_string(),
            Access::Admin {
                capability,
                scope: Scope::Workspace,
            } => format!("`{capability}` in the request's `workspace` (default: the caller's)"),
            Access::Admin {
                capability,
                scope: Scope::Global,
            } => format!("`{capability}`"),
        };
        out.push_str(&format!("| `{}` | {who} |\n", o.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the protocol, once, in its order, with its
    /// name and access.
    #[test]
    fn the_table_is_the_protocols_operations() {
        assert_eq!(OPERATIONS.len(), Operation::ALL.len());
        for (h, op) in OPERATIONS.iter().zip(Operation::ALL) {
            assert_eq!((h.name, h.access), (op.name(), op.access()));
        }
    }
}
