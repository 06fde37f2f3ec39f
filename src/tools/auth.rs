//! tg-bootstrap-iam, tg-login, tg-whoami, tg-change-password.

use crate::cli::{ConnArgs, Format, OutputArgs, PasswordStdinArgs, TokenArgs};
use crate::client::Client;
use crate::config::{self, session};
use crate::error::{Error, Kind, Result};
use crate::iam::{self, Api, Record, Token, User};
use crate::output::{self, note, Minted, Out};
use crate::prompt::{PasswordSpec, Prompter};
use crate::Tool;
use clap::Parser;

/// Bootstraps the IAM service. Only works when iam-svc is running in
/// bootstrap mode with empty tables. Prints the initial admin API key to
/// stdout.
///
/// This is a one-time, trust-sensitive operation. The resulting key is
/// shown once and never again: capture it on use
/// (`export TRUSTGRAPH_TOKEN=$(tg-bootstrap-iam)`). Rotate and revoke it as
/// soon as a real admin API key has been issued.
#[derive(Parser, Debug)]
pub struct BootstrapIam {
    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for BootstrapIam {
    const NAME: &'static str = "tg-bootstrap-iam";
    const SECRET_OUTPUT: Option<&'static str> = Some("the admin API key");

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, None)?;
        let b = Api::new(&client)
            .bootstrap()
            .await
            .map_err(|e| e.on_auth("bootstrap refused", ALREADY_BOOTSTRAPPED))?
            .require("bootstrap key", Kind::Refused, ALREADY_BOOTSTRAPPED)?;
        let user_id = &b.bootstrap_admin_user_id;
        note(&format!("Admin user id: {user_id}"));
        note("Admin API key (shown once, capture now):");
        out.secret(
            &b.bootstrap_admin_api_key,
            Minted {
                what: "admin API key".into(),
                created: format!("the deployment is bootstrapped with admin user {user_id}, and bootstrap cannot run again"),
                recover: format!("another admin can issue a new key (tg-create-api-key --user-id {user_id}) or reset the admin's password (tg-reset-password --user-id {user_id}); with no other admin, the IAM state must be reset"),
            },
        );
        Ok(())
    }
}

const ALREADY_BOOTSTRAPPED: &str = "bootstrap works once, on an empty deployment whose IAM runs in bootstrap mode: this one may already be bootstrapped, or run in token mode";

/// Log in with username / password. Prints the resulting JWT to stdout so
/// it can be captured for subsequent CLI use:
/// `export TRUSTGRAPH_TOKEN=$(tg-login --username alice)`.
#[derive(Parser, Debug)]
pub struct Login {
    /// Username
    #[arg(long, required = true)]
    pub username: String,

    /// Password (prompted if omitted; visible in `ps`, prefer --password-stdin)
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: Option<String>,

    #[command(flatten)]
    pub password_stdin: PasswordStdinArgs,

    /// Save the session for the selected profile (--profile) in the
    /// credentials file beside the config file, instead of printing the
    /// JWT; later tools use it when no token is given
    #[arg(long)]
    pub save: bool,

    /// Override the default workspace for this session's JWT. If omitted,
    /// uses the user's stored default workspace
    #[arg(
        short = 'w',
        long = "workspace",
        env = "TRUSTGRAPH_WORKSPACE",
        hide_env_values = true
    )]
    pub workspace: Option<String>,

    #[command(flatten)]
    pub conn: ConnArgs,
}

const LOGIN_HINT: &str = "wrong username or password, or the user or its workspace is disabled or missing (the gateway does not say which)";

/// Log `username` in; the JWT, or an authentication error.
async fn login(
    api: Api<'_>,
    username: &str,
    password: &str,
    workspace: Option<&str>,
) -> Result<Token> {
    let req = iam::Login {
        username: username.into(),
        password: password.into(),
        workspace: workspace.map(Into::into),
    };
    api.login(&req)
        .await
        .map_err(|e| e.on_auth("login failed", LOGIN_HINT))?
        .require("JWT", Kind::Auth, LOGIN_HINT)
}

// No SECRET_OUTPUT: a JWT can be had again by logging in again, so it is
// not a one-time secret, and `tg-login ... >/dev/null && echo ok` (a
// credential check) exits 0 as upstream's does. A JWT that cannot be
// written to a working stdout still fails the run (exit 7).
impl Tool for Login {
    const NAME: &'static str = "tg-login";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, None)?;
        let save_to = if self.save {
            Some(session_target(Self::NAME)?)
        } else {
            None
        };
        let password = Prompter::new(Self::NAME, self.password_stdin.password_stdin).password(
            &PasswordSpec {
                flag: "--password",
                value: self.password.as_deref(),
                what: "password",
                prompt: &format!("Password for {}: ", self.username),
                confirm: false,
            },
        )?;
        let ws = config::resolve_workspace(self.workspace.as_deref());
        let token = login(Api::new(&client), &self.username, &password, ws.as_deref()).await?;
        if !token.jwt_expires.is_empty() {
            note(&format!("JWT expires: {}", token.jwt_expires));
        }
        if let Some((profile, path)) = save_to {
            let s = session::Session {
                jwt: token.jwt,
                url: client.url().to_string(),
                expires: token.jwt_expires,
            };
            session::save(&path, &profile, &s).map_err(|e| {
                // The JWT is lost with the session: exit 7, the cause kept.
                let message = format!(
                    "logged in, but the session could not be saved: {}",
                    e.message
                );
                let mut lost = e.reworded(message);
                lost.kind = Kind::Output;
                lost.with_hint("fix the problem and log in again")
            })?;
            note(&format!(
                "Session saved for profile {profile} in {}",
                path.display()
            ));
            return Ok(());
        }
        out.secret(
            &token.jwt,
            Minted {
                what: "JWT".into(),
                created: format!("a session JWT for {} was issued", self.username),
                recover: "log in again (the lost JWT stays valid until it expires)".into(),
            },
        );
        Ok(())
    }
}

/// Where `tg-login --save` stores the session: the selected profile and
/// the credentials file. Checked before anything is sent: the file must be
/// private (or absent), and a profile must be selected.
fn session_target(tool: &str) -> Result<(String, std::path::PathBuf)> {
    let ctx = config::context();
    let sel = ctx
        .selected
        .as_ref()
        .ok_or_else(|| Error::usage("--save needs a profile, and --profile '' selects none"))?;
    let path = config::credentials_path().ok_or_else(|| {
        Error::usage("--save needs a place for the credentials file: TRUSTGRAPH_CONFIG is empty, or no home directory is known")
            .with_hint("set TRUSTGRAPH_CONFIG to the config file's path; the credentials go beside it")
    })?;
    session::load(&path)?;
    if sel.profile.token_file.is_some() {
        note(&format!(
            "{tool}: warning: profile {} has a token_file, which is used before a saved session",
            sel.name
        ));
    }
    Ok((sel.name.clone(), path))
}

/// Show the authenticated caller's own user record.
#[derive(Parser, Debug)]
pub struct Whoami {
    #[command(flatten)]
    pub token: TokenArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// The caller's own user record (`whoami`).
pub(crate) async fn whoami(api: Api<'_>) -> Result<Record<User>> {
    api.whoami().await?.require(
        "user record",
        Kind::Refused,
        "the token's user may have been deleted",
    )
}

impl Tool for Whoami {
    const NAME: &'static str = "tg-whoami";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let u = whoami(Api::new(&client)).await?;
        if self.output.output == Format::Json {
            out.text(&output::json_text(u.json.text()));
            return Ok(());
        }
        out.text(&super::users::user_rows(&u));
        if u.must_change_password
            && u.username == BOOTSTRAP_ADMIN
            && u.roles.iter().any(|r| r == "admin")
        {
            note(&format!("{}: note: {BOOTSTRAP_ADMIN_NOTE}", Self::NAME));
        }
        Ok(())
    }
}

/// The username bootstrap gives the first admin.
const BOOTSTRAP_ADMIN: &str = "admin";

/// Why the bootstrap admin shows "must change password: yes".
const BOOTSTRAP_ADMIN_NOTE: &str = "the must-change-password flag is advisory (the gateway does not enforce it). A bootstrapped admin starts with it and a random password that nobody knows: it works through its API key, and tg-reset-password --username admin gives it a temporary password to log in with";

/// Change your own password. Requires the current password.
///
/// The token says who you are. On a gateway that does not report refusals
/// (TrustGraph 2.11) the change is confirmed by logging in with the new
/// password.
#[derive(Parser, Debug)]
pub struct ChangePassword {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Current password (prompted if omitted; visible in `ps`)
    #[arg(long)]
    pub current: Option<String>,

    /// New password (prompted twice if omitted; visible in `ps`)
    #[arg(long)]
    pub new: Option<String>,

    /// Read the passwords not given as flags from standard input, one per
    /// line: the current one first, then the new one
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for ChangePassword {
    const NAME: &'static str = "tg-change-password";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        // Check the token before asking for passwords.
        let me = whoami(api).await?;
        let mut p = Prompter::new(Self::NAME, self.password_stdin);
        let current = p.password(&PasswordSpec {
            flag: "--current",
            value: self.current.as_deref(),
            what: "current password",
            prompt: "Current password: ",
            confirm: false,
        })?;
        let new = p.password(&PasswordSpec {
            flag: "--new",
            value: self.new.as_deref(),
            what: "new password",
            prompt: "New password: ",
            confirm: true,
        })?;
        let req = iam::AuthChangePassword {
            current_password: current,
            new_password: new.clone(),
        };
        let answer = api.change_own_password(&req).await.map_err(|e| {
            e.on_auth(
                "password not changed: the current password was not accepted",
                "check the current password; the account may also be disabled",
            )
        })?;
        if answer.is_bare_2_11() {
            // A 2.11 gateway answers a wrong current password exactly like
            // a change: confirm by logging in with the new password. Only
            // a refused login means "not changed"; any other failure of
            // the confirmation leaves the outcome unknown.
            login(api, &me.username, &new, None)
                .await
                .map_err(|e| match e.kind {
                    Kind::Auth => Error::auth("password not changed: the gateway acknowledged the request, but the new password does not log in")
                        .with_hint("a TrustGraph 2.11 gateway answers a wrong current password this way; check the current password"),
                    _ => Error::new(e.kind, format!(
                        "the outcome is unknown: the gateway acknowledged the change, but the login that confirms it failed: {}",
                        e.message
                    ))
                    .with_hint("try logging in with the new password, then with the old one, to see which one holds"),
                })?;
        }
        out.line("Password changed.");
        Ok(())
    }
}
