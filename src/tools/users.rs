//! tg-create-user, tg-list-users, tg-update-user, tg-disable-user,
//! tg-enable-user, tg-delete-user, tg-reset-password.

use super::{print_list, require_user, UserRef};
use crate::cli::{
    parse_yes_no, ConnArgs, Format, ListOutputArgs, OutputArgs, PasswordStdinArgs, TokenArgs,
    WorkspaceArgs,
};
use crate::client::Client;
use crate::config;
use crate::error::{Error, IamErrorType, Kind, Result};
use crate::iam::converge::{self, find_user, get_user, report_existing, user_diffs, WantUser};
use crate::iam::rules::check_roles;
use crate::iam::{self, Answer, Api, Flag, Operation, Record, User};
use crate::output::{self, note, yes_no, Minted, Out};
use crate::prompt::{self, PasswordSpec, Prompter};
use crate::Tool;
use clap::Parser;

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

    /// --exists-ok found user `u`: report it and print its id.
    fn existing(&self, u: &Record<User>, ws: Option<&str>, out: &mut Out) -> Result<()> {
        report_existing(
            Self::NAME,
            &format!("user {} (id {})", self.username, u.id),
            &user_diffs(u, &self.wanted(ws)),
            self.strict,
            &format!("change it with tg-update-user --user-id {}", u.id),
        )?;
        match self.output.output {
            Format::Json => out.text(&output::json_text(u.json.text())),
            Format::Table => out.line(&u.id),
        }
        Ok(())
    }
}

impl Tool for CreateUser {
    const NAME: &'static str = "tg-create-user";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.as_deref());
        check_roles(Self::NAME, &self.roles, self.strict_roles)?;
        if self.exists_ok {
            if let Some(u) = find_user(api, &self.username).await? {
                return self.existing(&u, ws.as_deref(), out);
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
        let req = iam::CreateUser {
            user: Some(iam::NewUser {
                username: self.username.clone(),
                password,
                roles: self.roles.clone(),
                name: self.name.clone().filter(|n| !n.is_empty()),
                email: self.email.clone().filter(|e| !e.is_empty()),
                must_change_password: Flag::when(self.must_change_password, true),
                enabled: Flag::Absent,
            }),
            workspace: ws.clone(),
        };
        let u = match converge::create_user(api, &req).await {
            Ok(u) => u,
            // Taken between the look-up and the create: the same outcome.
            Err(e) if self.exists_ok && e.kind == Kind::Refused => {
                match find_user(api, &self.username).await? {
                    Some(u) => return self.existing(&u, ws.as_deref(), out),
                    None => return Err(e),
                }
            }
            Err(e) if e.iam == Some(IamErrorType::Duplicate) => {
                return Err(e.with_hint(format!(
                    "tg-show-user --username {} shows that user; with --exists-ok a re-run prints its id and exits 0",
                    self.username
                )))
            }
            Err(e) => return Err(e),
        };
        note(&format!("User id: {}", u.id));
        note(&format!("Username: {}", u.username));
        note(&format!("Roles: {}", u.roles_joined()));
        match self.output.output {
            Format::Json => out.text(&output::json_text(u.json.text())),
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
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        let users = api
            .list_users(&iam::ListUsers {
                workspace: ws.clone(),
            })
            .await?;
        if users.is_empty() {
            confirm_no_users(api, &users, ws.as_deref()).await?;
        }
        print_list(
            out,
            self.output.output,
            users.value,
            "No users.",
            &["id", "username", "name", "roles", "enabled", "change-pw"],
            |u| {
                vec![
                    u.id.as_str().into(),
                    u.username.as_str().into(),
                    u.name.as_str().into(),
                    u.roles_joined().into(),
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
pub(crate) async fn confirm_no_users<T>(
    api: Api<'_>,
    users: &Answer<T>,
    ws: Option<&str>,
) -> Result<()> {
    let Some(w) = ws else {
        return Err(users.missing(
            "users",
            Kind::Refused,
            "the list cannot be empty (the caller is a user): the request was refused; listing users needs the admin role",
        ));
    };
    let not_found = || {
        Error::refused(format!("workspace {w:?} not found"))
            .with_hint("check the id with tg-list-workspaces")
    };
    match api.get_workspace(w).await {
        Ok(a) if a.is_some() => Ok(()),
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
                api.client().tool(),
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
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.as_deref());
        let user_id = self.user.resolve(api, ws.as_deref()).await?;
        let current = require_user(api, &user_id, ws.as_deref()).await?;
        // The flags are always sent: an absent one would be reset.
        let enabled = self.enabled.unwrap_or(current.enabled);
        let mcp = self
            .must_change_password
            .unwrap_or(current.must_change_password);
        let req = iam::UpdateUser {
            user_id,
            user: Some(iam::UserChanges {
                name: self.name,
                email: self.email,
                roles: self.roles,
                enabled: Flag::Set(enabled),
                must_change_password: Flag::Set(mcp),
                ..Default::default()
            }),
            workspace: ws,
        };
        let u = api.update_user(&req).await?.require(
            "updated user record",
            Kind::Refused,
            "the user may be in another workspace than -w",
        )?;
        if self.output.output == Format::Json {
            out.text(&output::json_text(u.json.text()));
            return Ok(());
        }
        out.line(&format!("id        : {}", u.id));
        out.line(&format!("username  : {}", u.username));
        out.line(&format!("name      : {}", u.name));
        out.line(&format!("email     : {}", u.email));
        out.line(&format!("default_ws: {}", u.default_workspace));
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

/// A user change, and what it should leave behind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Disable,
    Enable,
    Delete,
}

impl Change {
    fn operation(self) -> Operation {
        match self {
            Change::Disable => Operation::DisableUser,
            Change::Enable => Operation::EnableUser,
            Change::Delete => Operation::DeleteUser,
        }
    }

    /// Send it.
    async fn send(self, api: Api<'_>, req: &iam::UserTarget) -> Result<Answer<()>> {
        match self {
            Change::Disable => api.disable_user(req).await,
            Change::Enable => api.enable_user(req).await,
            Change::Delete => api.delete_user(req).await,
        }
    }

    /// Whether the user as read back (`None`: gone) shows it done.
    fn done(self, after: Option<&User>) -> bool {
        match (self, after) {
            (Change::Delete, None) => true,
            (Change::Disable, Some(u)) => !u.enabled,
            (Change::Enable, Some(u)) => u.enabled,
            _ => false,
        }
    }
}

/// Read the user, make `change`, and read again to confirm it: a
/// TrustGraph 2.11 gateway answers refusals exactly like successes.
async fn change_user(
    tool: &'static str,
    t: &UserTarget,
    change: Change,
    before_op: impl FnOnce(&User) -> Result<()>,
    out: &mut Out,
) -> Result<()> {
    let client = Client::new(tool, &t.conn, Some(&t.token))?;
    let api = Api::new(&client);
    let ws = config::resolve_workspace(t.workspace.workspace.as_deref());
    let user_id = t.user.resolve(api, ws.as_deref()).await?;
    let before = require_user(api, &user_id, ws.as_deref()).await?;
    before_op(&before)?;
    let req = iam::user(&user_id, ws.as_deref());
    change.send(api, &req).await?;
    let after = get_user(api, &user_id, ws.as_deref()).await?;
    if !change.done(after.as_deref()) {
        let state = match after {
            None => "no longer exists".to_string(),
            Some(u) => format!(
                "is still {}",
                if u.enabled { "enabled" } else { "disabled" }
            ),
        };
        return Err(Error::refused(format!(
            "{} was not carried out: the gateway acknowledged it, but user {user_id} {state}",
            change.operation()
        ))
        .with_hint("a TrustGraph 2.11 gateway does not report refusals; check your role and -w/--workspace"));
    }
    let done = match change {
        Change::Enable => "Enabled",
        Change::Disable => "Disabled",
        Change::Delete => "Deleted",
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
        change_user(Self::NAME, &self.target, Change::Disable, |_| Ok(()), out).await
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
        change_user(Self::NAME, &self.target, Change::Enable, |_| Ok(()), out).await
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
        change_user(Self::NAME, &self.target, Change::Delete, confirm, out).await
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
        let api = Api::new(&client);
        let ws = config::resolve_workspace(t.workspace.workspace.as_deref());
        let user_id = t.user.resolve(api, ws.as_deref()).await?;
        let req = iam::user(&user_id, ws.as_deref());
        let tmp = api.reset_password(&req).await?.require(
            "temporary password",
            Kind::Refused,
            "the user id may be unknown or in another workspace than -w; check with tg-list-users",
        )?;
        note("Temporary password (shown once, capture now):");
        out.secret(
            &tmp,
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
        ("workspace", u.default_workspace.clone()),
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
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        let user_id = self.user.resolve(api, ws.as_deref()).await?;
        let u = get_user(api, &user_id, ws.as_deref())
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
            Format::Json => out.text(&output::json_text(u.json.text())),
            Format::Table => out.text(&user_rows(&u)),
        }
        Ok(())
    }
}
