//! The tools (listed in [`crate::registry`]), and the pieces several of
//! them share.

mod auth;
pub mod converge;
mod keys;
mod mint;
mod profiles;
mod signing;
mod status;
mod users;
mod workspaces;

pub use crate::apply::Apply;
pub use auth::{BootstrapIam, ChangePassword, Login, Whoami};
pub use keys::{CreateApiKey, ListApiKeys, RevokeApiKey};
pub use mint::MintToken;
pub use profiles::{Config, Logout};
pub use signing::RotateSigningKey;
pub use status::AuthStatus;
pub use users::{
    CreateUser, DeleteUser, DisableUser, EnableUser, ListUsers, ResetPassword, ShowUser, UpdateUser,
};
pub use workspaces::{
    CreateWorkspace, DisableWorkspace, EnableWorkspace, ListMyWorkspaces, ListWorkspaces,
    ShowWorkspace, UpdateWorkspace,
};
// The requests tg-apply shares with the create tools.
pub(crate) use keys::{check_expires, create_api_key};
pub(crate) use users::{create_user, NewUser};
pub(crate) use workspaces::{check_workspace_id, create_workspace};

use crate::cli::ListFormat;
use crate::client::{Client, Retry};
use crate::error::{Error, Kind, Result};
use crate::output::{self, note, Out};
use crate::records::User;
use serde_json::{Map, Value};

/// The roles the OSS regime knows.
pub const KNOWN_ROLES: &[&str] = &["reader", "writer", "admin"];

/// An IAM request body: `operation`, then `fields` in order, then
/// `workspace` when one is set (the upstream tools' key order).
pub(crate) fn iam_body(op: &str, fields: Vec<(&str, Value)>, workspace: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("operation".into(), Value::String(op.into()));
    for (k, v) in fields {
        m.insert(k.into(), v);
    }
    if let Some(ws) = workspace {
        m.insert("workspace".into(), Value::String(ws.into()));
    }
    Value::Object(m)
}

/// `role "admn" (did you mean "admin"?)`: a role the OSS regime does not
/// know, with the known one it is closest to, if any is close.
fn unknown_role(r: &str) -> String {
    let closest = KNOWN_ROLES
        .iter()
        .map(|k| (strsim::damerau_levenshtein(r, k), *k))
        .min()
        .filter(|(d, _)| *d <= 2);
    match closest {
        Some((_, k)) => format!("role {r:?} (did you mean {k:?}?)"),
        None => format!("role {r:?}"),
    }
}

/// The known roles, as messages name them.
const KNOWN_ROLES_TEXT: &str = "the known roles are reader, writer and admin";

/// Warn about role names the OSS regime does not know: the gateway stores
/// them (an enterprise regime may define its own), but here they grant
/// nothing.
pub(crate) fn warn_unknown_roles(tool: &str, roles: &[String]) {
    for r in roles.iter().filter(|r| !KNOWN_ROLES.contains(&r.as_str())) {
        note(&format!(
            "{tool}: warning: unknown {}: {KNOWN_ROLES_TEXT}; the gateway stores it, but it grants nothing (--strict-roles refuses unknown roles)",
            unknown_role(r)
        ));
    }
}

/// `--roles` checked: with `strict` an unknown role is a usage error
/// (nothing is sent); without, a warning (upstream accepts any role).
pub(crate) fn check_roles(tool: &str, roles: &[String], strict: bool) -> Result<()> {
    if !strict {
        warn_unknown_roles(tool, roles);
        return Ok(());
    }
    match roles.iter().find(|r| !KNOWN_ROLES.contains(&r.as_str())) {
        Some(r) => Err(Error::usage(format!(
            "unknown {}: {KNOWN_ROLES_TEXT}",
            unknown_role(r)
        ))
        .with_hint("without --strict-roles an unknown role is sent with a warning (an enterprise regime may define its own)")),
        None => Ok(()),
    }
}

/// Read one user with `get-user`. `None` when the gateway says not-found,
/// or answers with a bare 2.11 reply (its way of saying the same).
pub(crate) async fn get_user(
    client: &Client,
    user_id: &str,
    ws: Option<&str>,
) -> Result<Option<Value>> {
    let body = iam_body("get-user", vec![("user_id", user_id.into())], ws);
    match client.iam(body, Retry::OnceOnConnectError).await {
        Ok(reply) => Ok(reply.record("user")?.cloned()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// [`get_user`], failing with exit 1 when the user does not exist.
pub(crate) async fn require_user(client: &Client, user_id: &str, ws: Option<&str>) -> Result<User> {
    match get_user(client, user_id, ws).await? {
        Some(v) => Ok(User::from_json(&v)),
        None => Err(
            Error::refused(format!("user {user_id} not found")).with_hint(match ws {
                Some(w) => format!("check the id with tg-list-users -w {w}"),
                None => "check the id with tg-list-users".to_string(),
            }),
        ),
    }
}

/// Print a list of records as a table (or `empty` when there are none),
/// a JSON array, CSV (`headers`, then the rows), or the ids. `row` gives a
/// record's cells, the record's id first.
pub(crate) fn print_list(
    out: &mut Out,
    format: ListFormat,
    items: &[Value],
    empty: &str,
    headers: &[&str],
    row: impl Fn(&Value) -> Vec<String>,
) {
    match format {
        ListFormat::Json => out.text(&output::json(&Value::Array(items.to_vec()))),
        ListFormat::Table if items.is_empty() => out.line(empty),
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = items.iter().map(row).collect();
            out.text(&output::pretty_table(headers, &rows));
        }
        ListFormat::Csv => {
            let rows: Vec<Vec<String>> = items.iter().map(row).collect();
            out.text(&output::csv(headers, &rows));
        }
        ListFormat::Ids => {
            for id in items.iter().filter_map(|v| row(v).into_iter().next()) {
                let id = output::sanitize(id.trim()).into_owned();
                if !id.is_empty() {
                    out.line(&id);
                }
            }
        }
    }
}

/// Which user a tool acts on: `--user-id ID`, or `--username NAME`
/// (resolved to the id with one `list-users` read, see `UserRef::resolve`).
/// Exactly one is required.
#[derive(clap::Args, Debug, Clone, Default)]
#[group(required = true, multiple = false)]
pub struct UserRef {
    /// Target user id
    #[arg(long = "user-id", value_name = "USER_ID")]
    pub user_id: Option<String>,

    /// Target user by username instead of id (resolved with one list-users
    /// read, which needs users:read)
    #[arg(long = "username", value_name = "NAME")]
    pub username: Option<String>,
}

impl UserRef {
    /// The user id: `--user-id` as given (nothing is sent to resolve it, so
    /// requests stay byte-identical to upstream's), or the id of the one
    /// user `list-users` names `--username` (in workspace `ws` when set).
    pub(crate) async fn resolve(&self, client: &Client, ws: Option<&str>) -> Result<String> {
        if let Some(id) = &self.user_id {
            if id.trim().is_empty() {
                return Err(Error::usage("--user-id is empty"));
            }
            return Ok(id.clone());
        }
        let name = self.username.as_deref().unwrap_or_default();
        if name.trim().is_empty() {
            return Err(Error::usage("--username is empty"));
        }
        let reply = client
            .iam(
                iam_body("list-users", vec![], ws),
                Retry::OnceOnConnectError,
            )
            .await?;
        let users = reply.list("users")?;
        if users.is_empty() && ws.is_none() {
            return Err(reply.missing(
                "users",
                Kind::Refused,
                "--username is resolved with list-users, which needs users:read (the admin role); use --user-id",
            ));
        }
        let ids: Vec<String> = users
            .iter()
            .map(User::from_json)
            .filter(|u| u.username == name)
            .map(|u| u.id)
            .collect();
        match ids.as_slice() {
            [id] if !id.is_empty() => Ok(id.clone()),
            [] => Err(Error::refused(match ws {
                Some(w) => format!("no user named {name:?} in workspace {w:?}"),
                None => format!("no user named {name:?}"),
            })
            .with_hint("check the name with tg-list-users")),
            [_] => Err(Error::protocol(format!(
                "unexpected response from the gateway: user {name:?} has no id in the user list"
            ))),
            more => Err(Error::protocol(format!(
                "unexpected response from the gateway: {} users named {name:?} in the user list (usernames are unique); refusing to guess",
                more.len()
            ))
            .with_hint("use --user-id")),
        }
    }
}
