//! Finding what already exists, creating what does not, and saying how
//! it differs from what was asked: shared by the create tools'
//! `--exists-ok` and by tg-apply.

use super::{Api, CreateApiKey, CreateUser, CreatedKey, NewWorkspace, Record};
use super::{ApiKey, User, Workspace};
use crate::error::{IamErrorType, Kind, Result};
use crate::output::note;
use crate::output::yes_no;
use crate::{time, Error};

/// One field that differs from what was asked: `roles reader -> writer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub field: &'static str,
    pub have: String,
    pub want: String,
}

impl Diff {
    fn new(field: &'static str, have: impl Into<String>, want: impl Into<String>) -> Diff {
        Diff {
            field,
            have: have.into(),
            want: want.into(),
        }
    }
}

fn shown(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

/// `roles reader -> writer, enabled no -> yes`
pub fn show_diffs(d: &[Diff]) -> String {
    d.iter()
        .map(|d| format!("{} {} -> {}", d.field, shown(&d.have), shown(&d.want)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Roles as a set: sorted, without duplicates (the gateway sorts them).
pub fn role_set(roles: &[String]) -> Vec<String> {
    let mut r = roles.to_vec();
    r.sort();
    r.dedup();
    r
}

/// What a user should look like; `None`: not asked for.
#[derive(Debug, Clone, Default)]
pub struct WantUser {
    pub workspace: Option<String>,
    pub roles: Option<Vec<String>>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub enabled: Option<bool>,
}

/// How `have` differs from `want`, field by field.
pub fn user_diffs(have: &User, want: &WantUser) -> Vec<Diff> {
    let mut d = Vec::new();
    if let Some(w) = want
        .workspace
        .as_deref()
        .filter(|w| *w != have.default_workspace)
    {
        d.push(Diff::new("workspace", &have.default_workspace, w));
    }
    if let Some(r) = &want.roles {
        let (h, w) = (role_set(&have.roles), role_set(r));
        if h != w {
            d.push(Diff::new("roles", h.join(","), w.join(",")));
        }
    }
    if let Some(n) = want.name.as_deref().filter(|n| *n != have.name) {
        d.push(Diff::new("name", &have.name, n));
    }
    if let Some(e) = want.email.as_deref().filter(|e| *e != have.email) {
        d.push(Diff::new("email", &have.email, e));
    }
    if let Some(e) = want.enabled.filter(|e| *e != have.enabled) {
        d.push(Diff::new("enabled", yes_no(have.enabled), yes_no(e)));
    }
    d
}

/// How workspace `have` differs from the asked name and enabled flag
/// (`None`: not asked for).
pub fn workspace_diffs(have: &Workspace, name: Option<&str>, enabled: Option<bool>) -> Vec<Diff> {
    let mut d = Vec::new();
    if let Some(n) = name.filter(|n| *n != have.name) {
        d.push(Diff::new("name", &have.name, n));
    }
    if let Some(e) = enabled.filter(|e| *e != have.enabled) {
        d.push(Diff::new("enabled", yes_no(have.enabled), yes_no(e)));
    }
    d
}

/// How key `have`'s expiry differs from the asked one (`None`: never).
/// Both are compared as instants, so `2027-01-31` matches
/// `2027-01-31T00:00:00+00:00`.
pub fn key_diffs(have: &ApiKey, expires: Option<&str>) -> Vec<Diff> {
    let want = expires.map(str::trim).filter(|e| !e.is_empty());
    let h = (!have.expires.is_empty()).then_some(have.expires.as_str());
    let same = match (h, want) {
        (None, None) => true,
        (Some(a), Some(b)) => match (time::parse_iso8601(a), time::parse_iso8601(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        _ => false,
    };
    if same {
        Vec::new()
    } else {
        vec![Diff::new(
            "expires",
            h.unwrap_or("never"),
            want.unwrap_or("never"),
        )]
    }
}

/// Every user on the gateway (`list-users` without a filter). An empty
/// list is a refusal: the caller is itself a user.
pub async fn all_users(api: Api<'_>) -> Result<Vec<Record<User>>> {
    let a = api.list_users(&Default::default()).await?;
    if a.is_empty() {
        return Err(a.missing(
            "users",
            Kind::Refused,
            "the list cannot be empty (the caller is a user): the request was refused; listing users needs the admin role",
        ));
    }
    Ok(a.value)
}

/// The user called `username`, if there is one.
pub async fn find_user(api: Api<'_>, username: &str) -> Result<Option<Record<User>>> {
    Ok(all_users(api)
        .await?
        .into_iter()
        .find(|u| u.username == username))
}

/// User `user_id` (checked against workspace `ws` when given), if it
/// exists: `get-user`, whose not-found and bare 2.11 reply both say it
/// does not.
pub async fn get_user(
    api: Api<'_>,
    user_id: &str,
    ws: Option<&str>,
) -> Result<Option<Record<User>>> {
    match api.get_user(&super::user(user_id, ws)).await {
        Ok(a) => Ok(a.value),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Workspace `id`, if it exists (`get-workspace`; a bare 2.11 reply says
/// the same as not-found).
pub async fn get_workspace(api: Api<'_>, id: &str) -> Result<Option<Record<Workspace>>> {
    match api.get_workspace(id).await {
        Ok(a) => Ok(a.value),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every workspace (`list-workspaces`).
pub async fn all_workspaces(api: Api<'_>) -> Result<Vec<Record<Workspace>>> {
    Ok(api.list_workspaces().await?.value)
}

/// The API keys of user `user_id` (`list-api-keys`).
pub async fn user_keys(
    api: Api<'_>,
    user_id: &str,
    ws: Option<&str>,
) -> Result<Vec<Record<ApiKey>>> {
    Ok(api.list_api_keys(&super::user(user_id, ws)).await?.value)
}

/// Send `create-user` (tg-create-user, tg-apply) and return the new
/// user's record. A reply without one (how a 2.11 gateway refuses) is a
/// refusal; the hints say what the refusal may mean.
pub async fn create_user(api: Api<'_>, req: &CreateUser) -> Result<Record<User>> {
    let ws = req.workspace.as_deref();
    let hint = match ws {
        None => "no workspace was sent: pass -w/--workspace (or set TRUSTGRAPH_WORKSPACE) with the new user's home workspace; the username may also be taken".to_string(),
        Some(w) => format!("the username may already be taken, or workspace {w:?} may not exist or be disabled"),
    };
    api.create_user(req)
        .await
        .map_err(|e| match (&e.iam, ws) {
            (Some(IamErrorType::InvalidArgument), None) => e.with_hint(hint.clone()),
            // The one thing create-user looks up is the home workspace.
            (Some(IamErrorType::NotFound), Some(w)) => e.with_hint(format!(
                "workspace {w:?} does not exist or is disabled: tg-list-workspaces shows the workspaces"
            )),
            _ => e,
        })?
        .require("user record", Kind::Refused, &hint)
}

/// Send `create-api-key` (tg-create-api-key, tg-apply): the plaintext key
/// and the key's record. A reply without the key (how a 2.11 gateway
/// refuses) is a refusal.
pub async fn create_api_key(api: Api<'_>, req: &CreateApiKey) -> Result<CreatedKey> {
    api.create_api_key(req).await?.require(
        "API key",
        Kind::Refused,
        "the user id may be unknown or in another workspace than -w; check with tg-list-users",
    )
}

/// Send `create-workspace` (tg-create-workspace, tg-apply); the
/// workspace's record (for an existing id, the gateway returns it
/// unchanged). A reply without one (how a 2.11 gateway refuses) is a
/// refusal.
pub async fn create_workspace(api: Api<'_>, req: &NewWorkspace) -> Result<Record<Workspace>> {
    api.create_workspace(req).await?.require(
        "workspace record",
        Kind::Refused,
        "check your role: creating workspaces needs admin",
    )
}

/// What `--exists-ok` does once the thing is found: say on stderr that
/// nothing was created, and warn about a mismatch, or with `strict` fail
/// (exit 1) with `hint`.
pub fn report_existing(
    tool: &str,
    what: &str,
    diffs: &[Diff],
    strict: bool,
    hint: &str,
) -> Result<()> {
    note(&format!(
        "{tool}: {what} already exists; nothing was created"
    ));
    if diffs.is_empty() {
        return Ok(());
    }
    let said = format!(
        "{what} differs from what was asked: {} (have -> asked)",
        show_diffs(diffs)
    );
    if strict {
        return Err(Error::refused(format!("{said}; --strict")).with_hint(hint));
    }
    note(&format!("{tool}: warning: {said}; it was left unchanged"));
    Ok(())
}

/// The ids of `keys`, for a message: `a1, b2`.
fn ids_of(keys: &[&Record<ApiKey>]) -> String {
    keys.iter()
        .map(|k| k.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The one key of user `user_id` (`who` in messages: `alice`) named
/// `name`. None is a refusal (exit 1); two or more a usage error (exit
/// 2) that lists their ids: nothing is guessed.
pub async fn named_key(
    api: Api<'_>,
    user_id: &str,
    who: &str,
    name: &str,
    ws: Option<&str>,
) -> Result<ApiKey> {
    let keys = user_keys(api, user_id, ws).await?;
    let found: Vec<&Record<ApiKey>> = keys.iter().filter(|k| k.name == name).collect();
    match found.as_slice() {
        [k] => Ok(k.value.clone()),
        [] => Err(
            Error::refused(format!("user {who} has no API key named {name:?}")).with_hint(format!(
                "tg-list-api-keys --user-id {user_id} lists the user's keys"
            )),
        ),
        more => Err(Error::usage(format!(
            "user {who} has {} API keys named {name:?} ({}): refusing to guess",
            more.len(),
            ids_of(more)
        ))
        .with_hint("name the key with --key-id")),
    }
}

/// API key `key_id`, looked for among the keys of every user (of those
/// whose home is `ws`, when given): there is no operation that reads one
/// key. `list-users`, then `list-api-keys` for each user, `jobs` at a
/// time.
pub async fn key_by_id(
    api: Api<'_>,
    key_id: &str,
    ws: Option<&str>,
    jobs: usize,
) -> Result<ApiKey> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let users = match ws {
        None => all_users(api).await?,
        Some(w) => {
            api.list_users(&super::ListUsers {
                workspace: Some(w.into()),
            })
            .await?
            .value
        }
    };
    let lists: Vec<Vec<Record<ApiKey>>> = stream::iter(users.iter())
        .map(|u| user_keys(api, &u.id, ws))
        .buffered(jobs)
        .try_collect()
        .await?;
    lists
        .into_iter()
        .flatten()
        .find(|k| k.id == key_id)
        .map(|k| k.value)
        .ok_or_else(|| {
            Error::refused(format!("no user holds an API key with id {key_id}"))
                .with_hint("tg-credential-report lists every key")
        })
}

/// Revoke `key` (`revoke-api-key`) and make sure it is gone: a
/// TrustGraph 2.11 gateway acknowledges a refusal as it does a success,
/// so its bare reply is checked with a read of the owner's keys.
pub async fn revoke_api_key(api: Api<'_>, key: &ApiKey, ws: Option<&str>) -> Result<()> {
    let req = super::RevokeApiKey {
        key_id: key.id.clone(),
        workspace: ws.map(Into::into),
    };
    if !api.revoke_api_key(&req).await?.is_bare_2_11() {
        return Ok(());
    }
    if user_keys(api, &key.user_id, ws)
        .await?
        .iter()
        .any(|k| k.id == key.id)
    {
        return Err(Error::refused(format!(
            "revoke-api-key was not carried out: the gateway acknowledged it, but key {} still exists",
            key.id
        ))
        .with_hint("a TrustGraph 2.11 gateway does not report refusals; check your role (admin) and the gateway's log"));
    }
    Ok(())
}
