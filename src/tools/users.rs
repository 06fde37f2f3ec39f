//! tg-create-user, tg-list-users, tg-update-user, tg-disable-user,
//! tg-enable-user, tg-delete-user, tg-reset-password.

use super::converge::{find_user, report_existing, user_diffs, WantUser};
use super::{check_roles, get_user, iam_body, print_list, require_user, UserRef};
use crate::cli::{
    parse_yes_no, ConnArgs, Format, ListOutputArgs, OutputArgs, PasswordStdinArgs, TokenArgs,
    WorkspaceArgs,
};
use crate::client::{Client, Reply, Retry};
use crate::config;
use crate::error::{Error, IamType, Kind, Result};
use crate::output::{self, note, Minted, Out};
use crate::prompt::{self, PasswordSpec, Prompter};
use crate::records::{yes_no, User};
use crate::Tool;
use clap::Parser;
use serde_json::{Map, Value};

/// Create a user. Prints the new user id.
///
/// The new user's home workspace comes from -w/--workspace (or
/// TRUSTGRAPH_WORKSPACE); current gateways refuse a user without one.
#[derive(Parser, Debug)]
pub struct CreateUser {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Username (globally unique)
    #[arg(long, required = true)]
    pub username: String,

    /// Password (prompted twice if omitted; visible in `ps`, prefer --password-stdin)
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: Option<String>,

    #[command(flatten)]
    pub password_stdin: PasswordStdinArgs,

    /// Display name
    #[arg(long)]
    pub name: Option<String>,

    /// Email
    #[arg(long)]
    pub email: Option<String>,

    /// One or more role names: reader, writer, admin
    #[arg(long, num_args = 1.., default_values_t = ["reader".to_string()], value_name = "ROLE")]
    pub roles: Vec<String>,

    /// Refuse a role other than reader, writer and admin (without it: a
    /// warning, and the role is sent)
    #[arg(long = "strict-roles")]
    pub strict_roles: bool,

    /// Force password change on next login
    #[arg(long = "must-change-password")]
    pub must_change_password: bool,

    /// Default (home) workspace for the new user
    #[arg(
        short = 'w',
        long = "workspace",
        env = "TRUSTGRAPH_WORKSPACE",
        hide_env_values = true
    )]
    pub workspace: Option<String>,

    /// If the username is taken, print that user's id and exit 0 (a
    /// warning says how it differs from what was asked)
    #[arg(long = "exists-ok")]
    pub exists_ok: bool,

    /// With --exists-ok: exit 1 when the existing user differs from what
    /// was asked (workspace, roles, name, email, enabled)
    #[arg(long, requires = "exists_ok")]
    pub strict: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl CreateUser {
    /// What --exists-ok checks an existing user against: what this run
    /// would have created.
    fn wanted(&self, ws: Option<&str>) -> WantUser {
        WantUser {
            workspace: ws.map(str::to_string),
            roles: Some(self.roles.clone()),
            name: self.name.clone().filter(|n| !n.is_empty()),
            email: self.email.clone().filter(|e| !e.is_empty()),
            enabled: Some(true),
        }
    }

    /// --exists-ok found user `v`: report it and print its id.
    fn existing(&self, v: &Value, ws: Option<&str>, out: &mut Out) -> Result<()> {
        let u = User::from_json(v);
        report_existing(
            Self::NAME,
            &format!("user {} (id {})", self.username, u.id),
            &user_diffs(&u, &self.wanted(ws)),
            self.strict,
            &format!("change it with tg-update-user --user-id {}", u.id),
        )?;
        match self.output.output {
            Format::Json => out.text(&output::json(v)),
            Format::Table => out.line(&u.id),
        }
        Ok(())
    }
}

/// A user for `create-user`, as tg-create-user and tg-apply send it.
pub(crate) struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub roles: &'a [String],
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub must_change_password: bool,
    /// `false` creates the user disabled (the key is sent only then).
    pub enabled: bool,
    /// The new user's home workspace.
    pub workspace: Option<&'a str>,
}

/// Send `create-user` and return the new user's record. A reply without
/// one (how a 2.11 gateway refuses) is a refusal.
pub(crate) async fn create_user(client: &Client, n: &NewUser<'_>) -> Result<Value> {
    let mut user = Map::new();
    user.insert("username".into(), n.username.into());
    user.insert("password".into(), n.password.into());
    user.insert("roles".into(), n.roles.to_vec().into());
    if let Some(x) = n.name.filter(|x| !x.is_empty()) {
        user.insert("name".into(), x.into());
    }
    if let Some(e) = n.email.filter(|e| !e.is_empty()) {
        user.insert("email".into(), e.into());
    }
    if n.must_change_password {
        user.insert("must_change_password".into(), true.into());
    }
    if !n.enabled {
        user.insert("enabled".into(), false.into());
    }
    let ws = n.workspace;
    let hint = match ws {
        None => "no workspace was sent: pass -w/--workspace (or set TRUSTGRAPH_WORKSPACE) with the new user's home workspace; the username may also be taken".to_string(),
        Some(w) => format!("the username may already be taken, or workspace {w:?} may not exist or be disabled"),
    };
    let body = iam_body("create-user", vec![("user", Value::Object(user))], ws);
    let reply = client
        .iam(body, Retry::Never)
        .await
        .map_err(|e| match (&e.iam, ws) {
            (Some(IamType::InvalidArgument), None) => e.with_hint(hint.clone()),
            // The one thing create-user looks up is the home workspace.
            (Some(IamType::NotFound), Some(w)) => e.with_hint(format!(
                "workspace {w:?} does not exist or is disabled: tg-list-workspaces shows the workspaces"
            )),
            _ => e,
        })?;
    let v = reply
        .record("user")?
        .filter(|u| {
            u.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| !id.is_empty())
        })
        .ok_or_else(|| reply.missing("user record", Kind::Refused, &hint))?;
    Ok(v.clone())
}

impl Tool for CreateUser {
    const NAME: &'static str = "tg-create-user";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let ws = config::resolve_workspace(self.workspace.as_deref());
        check_roles(Self::NAME, &self.roles, self.strict_roles)?;
        if self.exists_ok {
            if let Some(v) = find_user(&client, &self.username).await? {
                return self.existing(&v, ws.as_deref(), out);
            }
        }
        let password = Prompter::new(Self::NAME, self.password_stdin.password_stdin).password(
            &PasswordSpec {
                flag: "--password",
                value: self.password.as_deref(),
                what: "password",
                prompt: &format!("Password for new user {}: ", self.username),
                confirm: true,
            },
        )?;
        let created = create_user(
            &client,
            &NewUser {
                username: &self.username,
                password: &password,
                roles: &self.roles,
                name: self.name.as_deref(),
                email: self.email.as_deref(),
                must_change_password: self.must_change_password,
                enabled: true,
                workspace: ws.as_deref(),
            },
        )
        .await;
        let v = match created {
            Ok(v) => v,
            // Taken between the look-up and the create: the same outcome.
            Err(e) if self.exists_ok && e.kind == Kind::Refused => {
                match find_user(&client, &self.username).await? {
                    Some(v) => return self.existing(&v, ws.as_deref(), out),
                    None => return Err(e),
                }
            }
            Err(e) if e.iam == Some(IamType::Duplicate) => {
                return Err(e.with_hint(format!(
                    "tg-show-user --username {} shows that user; with --exists-ok a re-run prints its id and exits 0",
                    self.username
                )))
            }
            Err(e) => return Err(e),
        };
        let u = User::from_json(&v);
        note(&format!("User id: {}", u.id));
        note(&format!("Username: {}", u.username));
        note(&format!("Roles: {}", u.roles_joined()));
        match self.output.output {
            Format::Json => out.text(&output::json(&v)),
            Format::Table => out.line(&u.id),
        }
        Ok(())
    }
}

/// List users: all of them, or those whose home is -w/--workspace.
#[derive(Parser, Debug)]
pub struct ListUsers {
    #[command(flatten)]
    pub token: TokenArgs,
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    #[command(flatten)]
    pub output: ListOutputArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for ListUsers {
    const NAME: &'static str = "tg-list-users";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        let reply = client
            .iam(
                iam_body("list-users", vec![], ws.as_deref()),
                Retry::OnceOnConnectError,
            )
            .await?;
        let users = reply.list("users")?;
        if users.is_empty() {
            confirm_no_users(&client, &reply, ws.as_deref()).await?;
        }
        print_list(
            out,
            self.output.output,
            &users,
            "No users.",
            &["id", "username", "name", "roles", "enabled", "change-pw"],
            |v| {
                let u = User::from_json(v);
                vec![
                    u.id.clone(),
                    u.username.clone(),
                    u.name.clone(),
                    u.roles_joined(),
                    yes_no(u.enabled).into(),
                    yes_no(u.must_change_password).into(),
                ]
            },
        );
        Ok(())
    }
}

/// An empty user list is only believable for a workspace filter on a
/// workspace that exists: without a filter the caller is itself a user, so
/// an empty list means a refusal (how a 2.11 gateway answers one).
async fn confirm_no_users(client: &Client, reply: &Reply, ws: Option<&str>) -> Result<()> {
    let Some(w) = ws else {
        return Err(reply.missing(
            "users",
            Kind::Refused,
            "the list cannot be empty (the caller is a user): the request was refused; listing users needs the admin role",
        ));
    };
    let mut rec = Map::new();
    rec.insert("id".into(), w.into());
    let body = iam_body(
        "get-workspace",
        vec![("workspace_record", Value::Object(rec))],
        None,
    );
    let not_found = || {
        Error::refused(format!("workspace {w:?} not found"))
            .with_hint("check the id with tg-list-workspaces")
    };
    match client.iam(body, Retry::OnceOnConnectError).await {
        Ok(r) if r.record("workspace")?.is_some() => Ok(()),
        Ok(_) => Err(not_found()),
        Err(e) if e.is_not_found() => Err(not_found()),
        // The gateway could not be asked (down, 5xx, junk): an empty list
        // it cannot back up is not reported as "No users.".
        Err(e) if matches!(e.kind, Kind::Unreachable | Kind::Protocol) => Err(Error::new(
            e.kind,
            format!(
                "the user list came back empty and whether workspace {w:?} exists could not be checked: {}",
                e.message
            ),
        )),
        // A gateway that refuses the check (an older one without
        // get-workspace, or a role that may not read workspaces): say so.
        Err(e) => {
            note(&format!(
                "{}: note: could not confirm that workspace {w:?} exists: {}",
                client.tool(),
                e.message
            ));
            Ok(())
        }
    }
}

/// Update a user's profile fields: name, email, roles, enabled flag,
/// must-change-password flag.
///
/// Only the fields you supply are changed: the user's current enabled and
/// must-change-password flags are read first and sent back unchanged
/// unless you set them (the gateway would otherwise reset them).
/// Username is immutable; passwords change with tg-change-password or
/// tg-reset-password.
#[derive(Parser, Debug)]
pub struct UpdateUser {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub user: UserRef,

    /// New display name
    #[arg(long)]
    pub name: Option<String>,

    /// New email
    #[arg(long)]
    pub email: Option<String>,

    /// Replacement role list (e.g. --roles reader writer)
    #[arg(long, num_args = 1.., value_name = "ROLE")]
    pub roles: Option<Vec<String>>,

    /// Refuse a role other than reader, writer and admin (without it: a
    /// warning, and the role is sent)
    #[arg(long = "strict-roles", requires = "roles")]
    pub strict_roles: bool,

    /// Set enabled flag (yes/no)
    #[arg(long, value_parser = parse_yes_no, value_name = "YES|NO")]
    pub enabled: Option<bool>,

    /// Set must-change-password flag (yes/no)
    #[arg(long = "must-change-password", value_parser = parse_yes_no, value_name = "YES|NO")]
    pub must_change_password: Option<bool>,

    /// Optional workspace integrity check: the target user's home
    /// workspace must match
    #[arg(
        short = 'w',
        long = "workspace",
        env = "TRUSTGRAPH_WORKSPACE",
        hide_env_values = true
    )]
    pub workspace: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for UpdateUser {
    const NAME: &'static str = "tg-update-user";

    async fn run(self, out: &mut Out) -> Result<()> {
        if self.name.is_none()
            && self.email.is_none()
            && self.roles.is_none()
            && self.enabled.is_none()
            && self.must_change_password.is_none()
        {
            return Err(Error::usage(
                "nothing to change — supply at least one of --name / --email / --roles / --enabled / --must-change-password",
            ));
        }
        if let Some(r) = &self.roles {
            check_roles(Self::NAME, r, self.strict_roles)?;
        }
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let ws = config::resolve_workspace(self.workspace.as_deref());
        let user_id = self.user.resolve(&client, ws.as_deref()).await?;
        let current = require_user(&client, &user_id, ws.as_deref()).await?;
        let mut user = Map::new();
        if let Some(n) = self.name {
            user.insert("name".into(), n.into());
        }
        if let Some(e) = self.email {
            user.insert("email".into(), e.into());
        }
        if let Some(r) = self.roles {
            user.insert("roles".into(), r.into());
        }
        let enabled = self.enabled.unwrap_or(current.enabled);
        let mcp = self
            .must_change_password
            .unwrap_or(current.must_change_password);
        user.insert("enabled".into(), enabled.into());
        user.insert("must_change_password".into(), mcp.into());
        let body = iam_body(
            "update-user",
            vec![("user_id", user_id.into()), ("user", Value::Object(user))],
            ws.as_deref(),
        );
        let reply = client.iam(body, Retry::Never).await?;
        let v = reply.record("user")?.ok_or_else(|| {
            reply.missing(
                "updated user record",
                Kind::Refused,
                "the user may be in another workspace than -w",
            )
        })?;
        if self.output.output == Format::Json {
            out.text(&output::json(v));
            return Ok(());
        }
        let u = User::from_json(v);
        out.line(&format!("id        : {}", u.id));
        out.line(&format!("username  : {}", u.username));
        out.line(&format!("name      : {}", u.name));
        out.line(&format!("email     : {}", u.email));
        out.line(&format!("default_ws: {}", u.workspace));
        out.line(&format!("roles     : {}", u.roles_joined()));
        out.line(&format!("enabled   : {}", yes_no(u.enabled)));
        out.line(&format!(
            "must-change-pw: {}",
            yes_no(u.must_change_password)
        ));
        Ok(())
    }
}

/// The arguments of the tools that act on one user, by id or name.
#[derive(clap::Args, Debug)]
pub struct UserTarget {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub user: UserRef,

    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// What a user change should leave behind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    Enabled(bool),
    Deleted,
}

/// Read the user, apply `op`, and read again to confirm `effect`: a
/// TrustGraph 2.11 gateway answers refusals exactly like successes.
async fn change_user(
    tool: &'static str,
    t: &UserTarget,
    op: &str,
    effect: Effect,
    before_op: impl FnOnce(&User) -> Result<()>,
    out: &mut Out,
) -> Result<()> {
    let client = Client::new(tool, &t.conn, Some(&t.token))?;
    let ws = config::resolve_workspace(t.workspace.workspace.as_deref());
    let ws = ws.as_deref();
    let user_id = t.user.resolve(&client, ws).await?;
    let before = require_user(&client, &user_id, ws).await?;
    before_op(&before)?;
    client
        .iam(
            iam_body(op, vec![("user_id", user_id.clone().into())], ws),
            Retry::Never,
        )
        .await?;
    let after = get_user(&client, &user_id, ws)
        .await?
        .map(|v| User::from_json(&v));
    let confirmed = match (effect, &after) {
        (Effect::Deleted, None) => true,
        (Effect::Enabled(want), Some(u)) => u.enabled == want,
        _ => false,
    };
    if !confirmed {
        let state = match after {
            None => "no longer exists".to_string(),
            Some(u) => format!(
                "is still {}",
                if u.enabled { "enabled" } else { "disabled" }
            ),
        };
        return Err(Error::refused(format!(
            "{op} was not carried out: the gateway acknowledged it, but user {user_id} {state}"
        ))
        .with_hint("a TrustGraph 2.11 gateway does not report refusals; check your role and -w/--workspace"));
    }
    let done = match effect {
        Effect::Enabled(true) => "Enabled",
        Effect::Enabled(false) => "Disabled",
        Effect::Deleted => "Deleted",
    };
    out.line(&format!("{done} user {user_id}"));
    Ok(())
}

/// Disable a user. Soft-deletes (enabled=false) and revokes all their API
/// keys. The change is confirmed by reading the user back.
#[derive(Parser, Debug)]
pub struct DisableUser {
    #[command(flatten)]
    pub target: UserTarget,
}

impl Tool for DisableUser {
    const NAME: &'static str = "tg-disable-user";

    async fn run(self, out: &mut Out) -> Result<()> {
        let effect = Effect::Enabled(false);
        change_user(
            Self::NAME,
            &self.target,
            "disable-user",
            effect,
            |_| Ok(()),
            out,
        )
        .await
    }
}

/// Re-enable a disabled user. API keys revoked by disabling are not
/// restored. The change is confirmed by reading the user back.
#[derive(Parser, Debug)]
pub struct EnableUser {
    #[command(flatten)]
    pub target: UserTarget,
}

impl Tool for EnableUser {
    const NAME: &'static str = "tg-enable-user";

    async fn run(self, out: &mut Out) -> Result<()> {
        let effect = Effect::Enabled(true);
        change_user(
            Self::NAME,
            &self.target,
            "enable-user",
            effect,
            |_| Ok(()),
            out,
        )
        .await
    }
}

/// Delete a user. Removes the user record, their username lookup, and all
/// their API keys. The freed username becomes available for re-use.
///
/// Irreversible: asks for confirmation on a terminal; scripts pass --yes.
/// Use tg-disable-user to keep the record.
#[derive(Parser, Debug)]
pub struct DeleteUser {
    #[command(flatten)]
    pub target: UserTarget,

    /// Skip the interactive confirmation prompt
    #[arg(long)]
    pub yes: bool,
}

impl Tool for DeleteUser {
    const NAME: &'static str = "tg-delete-user";

    async fn run(self, out: &mut Out) -> Result<()> {
        let yes = self.yes;
        let confirm = |u: &User| {
            let question = format!(
                "Delete user {} ({})?  This is irreversible.",
                crate::output::sanitize(&u.username),
                crate::output::sanitize(&u.id)
            );
            prompt::confirm(&question, yes)
        };
        change_user(
            Self::NAME,
            &self.target,
            "delete-user",
            Effect::Deleted,
            confirm,
            out,
        )
        .await
    }
}

/// Admin: reset another user's password. Prints a one-time temporary
/// password to stdout. The user is flagged to change it on next login.
#[derive(Parser, Debug)]
pub struct ResetPassword {
    #[command(flatten)]
    pub target: UserTarget,
}

impl Tool for ResetPassword {
    const NAME: &'static str = "tg-reset-password";
    const SECRET_OUTPUT: Option<&'static str> = Some("a temporary password");

    async fn run(self, out: &mut Out) -> Result<()> {
        let t = &self.target;
        let client = Client::new(Self::NAME, &t.conn, Some(&t.token))?;
        let ws = config::resolve_workspace(t.workspace.workspace.as_deref());
        let user_id = t.user.resolve(&client, ws.as_deref()).await?;
        let body = iam_body(
            "reset-password",
            vec![("user_id", user_id.clone().into())],
            ws.as_deref(),
        );
        let reply = client.iam(body, Retry::Never).await?;
        let tmp = reply.str("temporary_password").ok_or_else(|| {
            reply.missing(
                "temporary password",
                Kind::Refused,
                "the user id may be unknown or in another workspace than -w; check with tg-list-users",
            )
        })?;
        note("Temporary password (shown once, capture now):");
        out.secret(
            tmp,
            Minted {
                what: "temporary password".into(),
                created: format!("the password of user {user_id} was reset"),
                recover: format!("reset it again with tg-reset-password --user-id {user_id}"),
            },
        );
        Ok(())
    }
}

/// Show one user's record (`get-user`): key/value lines, or the record as
/// JSON with -o json.
#[derive(Parser, Debug)]
pub struct ShowUser {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub user: UserRef,

    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// A user record as key/value lines (`tg-whoami`, `tg-show-user`).
pub(crate) fn user_rows(u: &User) -> String {
    output::plain_rows(&[
        ("id", u.id.clone()),
        ("username", u.username.clone()),
        ("name", u.name.clone()),
        ("email", u.email.clone()),
        ("workspace", u.workspace.clone()),
        ("roles", u.roles_joined()),
        ("enabled", yes_no(u.enabled).into()),
        (
            "must change password",
            yes_no(u.must_change_password).into(),
        ),
        ("created", u.created.clone()),
    ])
}

impl Tool for ShowUser {
    const NAME: &'static str = "tg-show-user";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        let user_id = self.user.resolve(&client, ws.as_deref()).await?;
        let v = get_user(&client, &user_id, ws.as_deref())
            .await?
            .ok_or_else(|| {
                Error::refused(format!("user {user_id} not found")).with_hint(match &ws {
                    Some(w) => format!(
                        "check the id with tg-list-users -w {w}; the user may also be in another workspace than -w"
                    ),
                    None => "check the id with tg-list-users; a TrustGraph 2.11 gateway answers a refusal the same way".to_string(),
                })
            })?;
        match self.output.output {
            Format::Json => out.text(&output::json(&v)),
            Format::Table => out.text(&user_rows(&User::from_json(&v))),
        }
        Ok(())
    }
}
