//! The tools (listed in [`crate::registry`]), and the pieces several of
//! them share.

mod auth;
mod export;
mod keys;
mod mint;
mod profiles;
mod report;
mod rotate;
mod signing;
mod status;
mod users;
mod workspaces;

pub use auth::{BootstrapIam, ChangePassword, Login, Whoami};
pub use export::ExportIam;
pub use keys::{CreateApiKey, KeyRef, ListApiKeys, RevokeApiKey};
pub use mint::MintToken;
pub use profiles::{Config, Logout};
pub use report::CredentialReport;
pub use rotate::RotateApiKey;
pub use signing::RotateSigningKey;
pub use status::AuthStatus;
pub use users::{
    CreateUser, DeleteUser, DisableUser, EnableUser, ListUsers, ResetPassword, ShowUser, UpdateUser,
};
pub use workspaces::{
    CreateWorkspace, DisableWorkspace, EnableWorkspace, ListMyWorkspaces, ListWorkspaces,
    ShowWorkspace, UpdateWorkspace,
};

use crate::cli::ListFormat;
use crate::error::{Error, Kind, Result};
use crate::iam::converge::get_user;
use crate::iam::rules::check_workspace_id;
use crate::iam::{converge, Api, ApiKey, ListUsers as ListUsersRequest, Record, User};
use crate::output::{self, Out};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use std::borrow::Cow;
use std::collections::HashMap;

/// [`get_user`], failing with exit 1 when the user does not exist.
pub(crate) async fn require_user(
    api: Api<'_>,
    user_id: &str,
    ws: Option<&str>,
) -> Result<Record<User>> {
    match get_user(api, user_id, ws).await? {
        Some(u) => Ok(u),
        None => Err(
            Error::refused(format!("user {user_id} not found")).with_hint(match ws {
                Some(w) => format!("check the id with tg-list-users -w {w}"),
                None => "check the id with tg-list-users".to_string(),
            }),
        ),
    }
}

/// The users whose home is one of `workspaces` (`-w`, each checked and
/// read with its own `list-users`; one named twice is read once), or
/// every user when none is given; each with the workspace its keys are
/// read with (the one `-w` named, or none). tg-credential-report and
/// tg-export-iam read their users so.
pub(crate) async fn users_of(
    api: Api<'_>,
    workspaces: &[String],
) -> Result<Vec<(User, Option<String>)>> {
    if workspaces.is_empty() {
        return Ok(converge::all_users(api)
            .await?
            .into_iter()
            .map(|u| (u.value, None))
            .collect());
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for w in workspaces {
        let w = check_workspace_id(w, "-w/--workspace")?;
        if seen.contains(&w) {
            continue;
        }
        seen.push(w);
        let a = api
            .list_users(&ListUsersRequest {
                workspace: Some(w.into()),
            })
            .await?;
        if a.is_empty() {
            users::confirm_no_users(api, &a, Some(w)).await?;
        }
        out.extend(a.value.into_iter().map(|u| (u.value, Some(w.to_string()))));
    }
    Ok(out)
}

/// The API keys of each of `users` ([`users_of`]), by owner id:
/// `list-api-keys` for each, `jobs` at a time.
pub(crate) async fn keys_of(
    api: Api<'_>,
    users: &[(User, Option<String>)],
    jobs: usize,
) -> Result<HashMap<String, Vec<ApiKey>>> {
    stream::iter(users.iter())
        .map(|(u, ws)| async move {
            let ks = converge::user_keys(api, &u.id, ws.as_deref()).await?;
            Ok::<_, Error>((u.id.clone(), ks.into_iter().map(|k| k.value).collect()))
        })
        .buffered(jobs)
        .try_collect()
        .await
}

/// Print a list of records as a table (or `empty` when there are none),
/// a JSON array, CSV (`headers`, then the rows), or the ids. `row` gives a
/// record's cells, the record's id first. The list is written straight
/// to stdout when the run succeeds ([`Out::stream`]): the records are
/// held once, as read, and no output is built whole.
pub(crate) fn print_list<T: Sync + 'static>(
    out: &mut Out,
    format: ListFormat,
    items: Vec<Record<T>>,
    empty: &str,
    headers: &'static [&'static str],
    row: impl for<'a> Fn(&'a T) -> Vec<Cow<'a, str>> + 'static,
) {
    // Written at the end of the run, which exits next: the records are
    // left to the operating system, not freed one allocation at a time
    // (a hundred thousand records are about a million allocations).
    let items = std::mem::ManuallyDrop::new(items);
    match format {
        ListFormat::Json => {
            out.stream(move |w| output::write_json_list(w, &items, |r| r.json.text()))
        }
        ListFormat::Table if items.is_empty() => out.line(empty),
        ListFormat::Table => {
            out.stream(move |w| output::write_table(w, headers, &items, |r| row(&r.value)))
        }
        ListFormat::Csv => {
            out.stream(move |w| output::write_csv(w, headers, &items, |r| row(&r.value)))
        }
        ListFormat::Ids => out.stream(move |w| {
            for r in items.iter() {
                let Some(id) = row(&r.value).into_iter().next() else {
                    continue;
                };
                let id = output::sanitize(id.trim());
                if !id.is_empty() {
                    w.write_all(id.as_bytes())?;
                    w.write_all(b"\n")?;
                }
            }
            Ok(())
        }),
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
    pub(crate) async fn resolve(&self, api: Api<'_>, ws: Option<&str>) -> Result<String> {
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
        let users = api
            .list_users(&ListUsersRequest {
                workspace: ws.map(Into::into),
            })
            .await?;
        if users.is_empty() && ws.is_none() {
            return Err(users.missing(
                "users",
                Kind::Refused,
                "--username is resolved with list-users, which needs users:read (the admin role); use --user-id",
            ));
        }
        let ids: Vec<&str> = users
            .iter()
            .filter(|u| u.username == name)
            .map(|u| u.id.as_str())
            .collect();
        match ids.as_slice() {
            [id] if !id.is_empty() => Ok(id.to_string()),
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
