//! The IAM operations, as iam-svc implements them: one function per
//! operation, grouped by the resource it acts on, and [`OPERATIONS`], the
//! one table that says which function runs each [`Operation`]. Which
//! operations exist, their names and who may call them come from the
//! protocol's enum; the front-ends, the docs and the role-matrix test all
//! read this table.
//!
//! A handler gets the caller ([`Actor`], set by the dispatcher for every
//! operation that is not public) and its typed request, read from the body
//! as iam-svc's decoder reads it ([`tg_iam_protocol::decode`], which never
//! fails), and returns a typed reply (written as iam-svc's translator
//! writes it: [`tg_iam_protocol::reply::fields`]) or an [`IamError`].
//! Handlers may block (password hashing, state writes); the dispatcher
//! runs them off the async threads.

pub(crate) mod keys;
pub(crate) mod sessions;
pub(crate) mod signing_keys;
pub(crate) mod users;
pub(crate) mod workspaces;

use crate::gateway::Gateway;
use serde_json::{Map, Value};
pub use tg_iam_protocol::{Access, IamError, IamErrorType, Operation};

pub(crate) fn err(kind: IamErrorType, message: impl Into<String>) -> IamError {
    IamError::new(kind, message)
}

pub(crate) fn invalid(m: &str) -> IamError {
    IamError::invalid(m)
}

/// `value`, which must not be empty (`message` otherwise).
pub(crate) fn required<'a>(value: &'a str, message: &str) -> Result<&'a str, IamError> {
    match value {
        "" => Err(invalid(message)),
        v => Ok(v),
    }
}

/// The fields of a successful reply.
pub type Reply = Map<String, Value>;
pub type IamResult = Result<Reply, IamError>;

/// A request body as the handler sees it.
pub type Body = Map<String, Value>;

/// The caller of an operation: the `actor` the dispatcher wrote into the
/// body (the authenticated caller's id, for every operation that is not
/// public; none otherwise).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a>(Option<&'a str>);

impl<'a> Actor<'a> {
    /// The `actor` of `body`; an empty one is none.
    pub fn of(body: &'a Body) -> Actor<'a> {
        Actor(
            body.get("actor")
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty()),
        )
    }

    /// The caller's id, if there is one.
    pub fn get(self) -> Option<&'a str> {
        self.0
    }

    /// The caller's id, which an operation that acts on the caller needs.
    pub fn id(self) -> Result<&'a str, IamError> {
        self.0
            .ok_or_else(|| invalid("actor required (gateway should populate this)"))
    }
}

/// One operation as the gateway runs it: its name on the wire, what the
/// gateway requires before running it (both from [`Operation`]), and the
/// function that runs it.
#[derive(Clone, Copy)]
pub struct Handler {
    pub name: &'static str,
    pub access: Access,
    pub(crate) run: fn(&Gateway, &Body) -> IamResult,
}

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
                scope: tg_iam_protocol::Scope::Workspace,
            } => format!("`{capability}` in the request's `workspace` (default: the caller's)"),
            Access::Admin {
                capability,
                scope: tg_iam_protocol::Scope::Global,
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
