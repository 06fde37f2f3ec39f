//! Finding what already exists, and saying how it differs from what was
//! asked: shared by the create tools' `--exists-ok` and by tg-apply.

use super::iam_body;
use crate::client::{Client, Retry};
use crate::error::{Kind, Result};
use crate::output::note;
use crate::records::{yes_no, ApiKey, User, Workspace};
use crate::{time, Error};
use serde_json::{Map, Value};

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
    if let Some(w) = want.workspace.as_deref().filter(|w| *w != have.workspace) {
        d.push(Diff::new("workspace", &have.workspace, w));
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
pub async fn all_users(client: &Client) -> Result<Vec<Value>> {
    let reply = client
        .iam(
            iam_body("list-users", vec![], None),
            Retry::OnceOnConnectError,
        )
        .await?;
    let users = reply.list("users")?;
    if users.is_empty() {
        return Err(reply.missing(
            "users",
            Kind::Refused,
            "the list cannot be empty (the caller is a user): the request was refused; listing users needs the admin role",
        ));
    }
    Ok(users)
}

/// The user called `username`, if there is one.
pub async fn find_user(client: &Client, username: &str) -> Result<Option<Value>> {
    Ok(all_users(client)
        .await?
        .into_iter()
        .find(|v| User::from_json(v).username == username))
}

/// Workspace `id`, if it exists (`get-workspace`; a bare 2.11 reply says
/// the same as not-found).
pub async fn get_workspace(client: &Client, id: &str) -> Result<Option<Value>> {
    let mut rec = Map::new();
    rec.insert("id".into(), id.into());
    let body = iam_body(
        "get-workspace",
        vec![("workspace_record", Value::Object(rec))],
        None,
    );
    match client.iam(body, Retry::OnceOnConnectError).await {
        Ok(r) => Ok(r.record("workspace")?.cloned()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every workspace (`list-workspaces`).
pub async fn all_workspaces(client: &Client) -> Result<Vec<Value>> {
    let reply = client
        .iam(
            iam_body("list-workspaces", vec![], None),
            Retry::OnceOnConnectError,
        )
        .await?;
    reply.list("workspaces")
}

/// The API keys of user `user_id` (`list-api-keys`).
pub async fn user_keys(client: &Client, user_id: &str, ws: Option<&str>) -> Result<Vec<Value>> {
    let body = iam_body("list-api-keys", vec![("user_id", user_id.into())], ws);
    client
        .iam(body, Retry::OnceOnConnectError)
        .await?
        .list("api_keys")
}

/// What `--exists-ok` does once the thing is found: say on stderr that
/// nothing was created, and warn about a mismatch, or with `strict` fail
/// (exit 1) with `hint`.
pub(crate) fn report_existing(
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
