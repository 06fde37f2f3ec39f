//! tg-create-workspace, tg-list-workspaces, tg-list-my-workspaces,
//! tg-show-workspace, tg-update-workspace, tg-disable-workspace,
//! tg-enable-workspace.

use super::print_list;
use crate::cli::{parse_yes_no, ConnArgs, Format, ListOutputArgs, OutputArgs, TokenArgs};
use crate::client::Client;
use crate::error::{Error, Kind, Result};
use crate::iam::converge::{self, get_workspace, report_existing, workspace_diffs};
use crate::iam::rules::check_workspace_id;
use crate::iam::{self, Api, Flag, Operation, Record, Workspace};
use crate::output::{self, note, yes_no, Out};
use crate::prompt;
use crate::Tool;
use clap::Parser;

/// Create a workspace (system-level; requires admin).
///
/// Creating a workspace that already exists succeeds and leaves it
/// unchanged, as on the gateway.
#[derive(Parser, Debug)]
pub struct CreateWorkspace {
    #[command(flatten)]
    pub token: TokenArgs,

    /// New workspace id (must not start with '_')
    #[arg(long = "workspace-id", required = true)]
    pub workspace_id: String,

    /// Display name
    #[arg(long)]
    pub name: Option<String>,

    /// If the workspace exists, exit 0 saying on stderr that nothing was
    /// created (a warning says how it differs from what was asked)
    #[arg(long = "exists-ok")]
    pub exists_ok: bool,

    /// With --exists-ok: exit 1 when the existing workspace differs from
    /// what was asked (name, enabled)
    #[arg(long, requires = "exists_ok")]
    pub strict: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for CreateWorkspace {
    const NAME: &'static str = "tg-create-workspace";

    async fn run(self, out: &mut Out) -> Result<()> {
        // What is validated is what is sent: the trimmed id.
        let id = check_workspace_id(&self.workspace_id, "--workspace-id")?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let existing = match self.exists_ok {
            true => get_workspace(api, id).await?,
            false => None,
        };
        let w = match existing {
            Some(w) => {
                let name = self.name.as_deref().filter(|n| !n.is_empty());
                report_existing(
                    Self::NAME,
                    &format!("workspace {}", w.id),
                    &workspace_diffs(&w, name, Some(true)),
                    self.strict,
                    &format!(
                        "change it with the gateway's {} operation, or drop --strict",
                        Operation::UpdateWorkspace
                    ),
                )?;
                w
            }
            None => {
                let req = iam::NewWorkspace {
                    id: id.into(),
                    enabled: Flag::Set(true),
                    name: self.name.clone().filter(|n| !n.is_empty()),
                };
                converge::create_workspace(api, &req).await?
            }
        };
        match self.output.output {
            Format::Json => out.text(&output::json_text(w.json.text())),
            Format::Table => out.line(&format!("Workspace created: {}", w.id)),
        }
        Ok(())
    }
}

/// The arguments of the two workspace listings.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub token: TokenArgs,
    #[command(flatten)]
    pub output: ListOutputArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// Which of the two listings.
#[derive(Clone, Copy)]
enum Listing {
    All,
    Mine,
}

async fn list(tool: &'static str, which: Listing, a: &ListArgs, out: &mut Out) -> Result<()> {
    let client = Client::new(tool, &a.conn, Some(&a.token))?;
    let api = Api::new(&client);
    let items = match which {
        Listing::All => api.list_workspaces().await?,
        Listing::Mine => api.list_my_workspaces().await?,
    };
    print_list(
        out,
        a.output.output,
        items.value,
        "No workspaces.",
        &["id", "name", "enabled", "created"],
        |w| {
            vec![
                w.id.as_str().into(),
                w.name.as_str().into(),
                yes_no(w.enabled).into(),
                w.created.as_str().into(),
            ]
        },
    );
    Ok(())
}

/// List workspaces (system-level; requires admin).
#[derive(Parser, Debug)]
pub struct ListWorkspaces {
    #[command(flatten)]
    pub args: ListArgs,
}

impl Tool for ListWorkspaces {
    const NAME: &'static str = "tg-list-workspaces";

    async fn run(self, out: &mut Out) -> Result<()> {
        list(Self::NAME, Listing::All, &self.args, out).await
    }
}

/// List workspaces the current user has access to.
#[derive(Parser, Debug)]
pub struct ListMyWorkspaces {
    #[command(flatten)]
    pub args: ListArgs,
}

impl Tool for ListMyWorkspaces {
    const NAME: &'static str = "tg-list-my-workspaces";

    async fn run(self, out: &mut Out) -> Result<()> {
        list(Self::NAME, Listing::Mine, &self.args, out).await
    }
}

/// [`get_workspace`], failing with exit 1 when it does not exist.
async fn require_workspace(api: Api<'_>, id: &str) -> Result<Record<Workspace>> {
    get_workspace(api, id)
        .await?
        .ok_or_else(|| workspace_not_found(id))
}

fn workspace_not_found(id: &str) -> Error {
    Error::refused(format!("workspace {id:?} not found")).with_hint(
        "check the id with tg-list-workspaces; a TrustGraph 2.11 gateway answers a refusal the same way",
    )
}

/// A non-empty `--workspace-id`.
fn workspace_id(given: &str) -> Result<&str> {
    match given.trim() {
        "" => Err(Error::usage("--workspace-id is empty")),
        id => Ok(id),
    }
}

/// A workspace record as key/value lines, or as JSON.
fn print_workspace(out: &mut Out, format: Format, w: &Record<Workspace>) {
    match format {
        Format::Json => out.text(&output::json_text(w.json.text())),
        Format::Table => out.text(&output::plain_rows(&[
            ("id", w.id.clone()),
            ("name", w.name.clone()),
            ("enabled", yes_no(w.enabled).into()),
            ("created", w.created.clone()),
        ])),
    }
}

/// Show one workspace's record (`get-workspace`; system-level, requires
/// admin): key/value lines, or the record as JSON with -o json.
#[derive(Parser, Debug)]
pub struct ShowWorkspace {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Workspace id
    #[arg(long = "workspace-id", required = true)]
    pub workspace_id: String,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for ShowWorkspace {
    const NAME: &'static str = "tg-show-workspace";

    async fn run(self, out: &mut Out) -> Result<()> {
        let id = workspace_id(&self.workspace_id)?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let w = require_workspace(Api::new(&client), id).await?;
        print_workspace(out, self.output.output, &w);
        Ok(())
    }
}

/// Change a workspace's display name or enabled flag (system-level;
/// requires admin).
///
/// Only the fields you supply are changed: the current enabled flag is
/// read first and sent back unless you set it (the gateway would otherwise
/// set it to true). --enabled changes only the record: to take a workspace
/// out of service (its users disabled, their keys deleted, the services
/// told), use tg-disable-workspace; to bring it back, tg-enable-workspace.
#[derive(Parser, Debug)]
pub struct UpdateWorkspace {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Workspace id (immutable)
    #[arg(long = "workspace-id", required = true)]
    pub workspace_id: String,

    /// New display name
    #[arg(long)]
    pub name: Option<String>,

    /// Set enabled flag (yes/no)
    #[arg(long, value_parser = parse_yes_no, value_name = "YES|NO")]
    pub enabled: Option<bool>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for UpdateWorkspace {
    const NAME: &'static str = "tg-update-workspace";

    async fn run(self, out: &mut Out) -> Result<()> {
        let id = workspace_id(&self.workspace_id)?;
        let name = self.name.as_deref().filter(|n| !n.is_empty());
        if name.is_none() && self.enabled.is_none() {
            return Err(Error::usage(
                "nothing to change — supply --name (not empty) and/or --enabled",
            ));
        }
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let current = require_workspace(api, id).await?;
        let enabled = self.enabled.unwrap_or(current.enabled);
        let req = iam::WorkspaceChanges {
            id: id.into(),
            name: name.map(Into::into),
            enabled: Flag::Set(enabled),
        };
        let after = api.update_workspace(&req).await?.require(
            "updated workspace record",
            Kind::Refused,
            "check your role: updating workspaces needs admin",
        )?;
        if after.enabled != enabled || name.is_some_and(|n| after.name != n) {
            return Err(Error::refused(format!(
                "{} was not carried out: the gateway answered with workspace {id:?} unchanged",
                Operation::UpdateWorkspace
            )));
        }
        if enabled != current.enabled {
            note(&format!(
                "{}: note: only the record changed: {}",
                Self::NAME,
                if enabled {
                    format!("the services are not told the workspace is back, and its users stay disabled; tg-enable-workspace --workspace-id {id} announces it again")
                } else {
                    format!("its users and API keys still work, and the services are not told; tg-disable-workspace --workspace-id {id} takes it out of service")
                }
            ));
        }
        print_workspace(out, self.output.output, &after);
        Ok(())
    }
}

/// Disable a workspace (system-level; requires admin). This also disables
/// every user whose home it is, DELETES all their API keys, and tells the
/// flow, librarian and knowledge services that the workspace is gone
/// (they unsubscribe from its queues).
///
/// tg-enable-workspace brings the workspace back, but not its users' keys,
/// and its users stay disabled. Asks for confirmation on a terminal
/// (listing these effects); scripts pass --yes. The change is confirmed by
/// reading the workspace back.
#[derive(Parser, Debug)]
pub struct DisableWorkspace {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Workspace id
    #[arg(long = "workspace-id", required = true)]
    pub workspace_id: String,

    /// Skip the interactive confirmation prompt
    #[arg(long)]
    pub yes: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for DisableWorkspace {
    const NAME: &'static str = "tg-disable-workspace";

    async fn run(self, out: &mut Out) -> Result<()> {
        let id = workspace_id(&self.workspace_id)?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let before = require_workspace(api, id).await?;
        if !self.yes {
            // Who is affected, for the question; a read that fails only
            // makes the question vaguer.
            let members = api
                .list_users(&iam::ListUsers {
                    workspace: Some(id.into()),
                })
                .await
                .map(|users| {
                    let names: Vec<String> = users
                        .iter()
                        .map(|u| crate::output::sanitize(&u.username).into_owned())
                        .collect();
                    match names.len() {
                        0 => "(none now)".to_string(),
                        n => format!("({n}: {})", names.join(", ")),
                    }
                })
                .unwrap_or_default();
            let question = format!(
                "Disable workspace {id} ({})? This:\n  - disables the workspace;\n  - disables every user whose home it is {members} and DELETES all their API keys (enabling the workspace again restores neither);\n  - announces the workspace as deleted, so the flow, librarian and knowledge services unsubscribe from its queues.\nContinue?",
                crate::output::sanitize(&before.name)
            );
            prompt::confirm(&question, false)?;
        }
        api.disable_workspace(id).await?;
        let after = require_workspace(api, id).await?;
        if after.enabled {
            return Err(Error::refused(format!(
                "{} was not carried out: the gateway acknowledged it, but workspace {id:?} is still enabled",
                Operation::DisableWorkspace
            ))
            .with_hint("a TrustGraph 2.11 gateway does not report refusals; check your role"));
        }
        out.line(&format!("Disabled workspace {id}"));
        Ok(())
    }
}

/// Enable a disabled workspace again (system-level; requires admin).
///
/// Sends update-workspace with enabled=true, then create-workspace for the
/// same id, which changes nothing in the record but announces the
/// workspace again, so the flow, librarian and knowledge services
/// subscribe to its queues. Users disabled with the workspace stay
/// disabled and their deleted API keys stay gone: re-enable them with
/// tg-enable-user and issue new keys with tg-create-api-key.
#[derive(Parser, Debug)]
pub struct EnableWorkspace {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Workspace id
    #[arg(long = "workspace-id", required = true)]
    pub workspace_id: String,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for EnableWorkspace {
    const NAME: &'static str = "tg-enable-workspace";

    async fn run(self, out: &mut Out) -> Result<()> {
        let id = workspace_id(&self.workspace_id)?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        require_workspace(api, id).await?;
        let req = iam::WorkspaceChanges {
            id: id.into(),
            name: None,
            enabled: Flag::Set(true),
        };
        let updated = api.update_workspace(&req).await?;
        if !updated.as_ref().is_some_and(|w| w.enabled) {
            return Err(updated.missing(
                "enabled workspace record",
                Kind::Refused,
                "check your role: enabling workspaces needs admin",
            ));
        }
        let announce = Operation::CreateWorkspace;
        let req = iam::NewWorkspace {
            id: id.into(),
            enabled: Flag::Set(true),
            name: None,
        };
        let announced = api.create_workspace(&req).await.map_err(|e| {
            // Half done: say which half, and that a re-run finishes it.
            let message = format!(
                "workspace {id:?} is enabled again, but announcing it ({announce}) failed: {}",
                e.message
            );
            e.reworded(message).with_hint(format!(
                "run tg-enable-workspace --workspace-id {id} again to announce it"
            ))
        })?;
        if announced.is_none() {
            return Err(Error::new(
                Kind::Refused,
                format!("workspace {id:?} is enabled again, but announcing it ({announce}) was refused: the services may not serve it"),
            )
            .with_hint(format!("run tg-create-workspace --workspace-id {id} (it changes nothing in an existing workspace, and announces it)")));
        }
        note(&format!(
            "{}: note: users whose home is {id} stay disabled and their API keys stay deleted: re-enable each with tg-enable-user (--user-id ID or --username NAME) and issue new keys with tg-create-api-key",
            Self::NAME
        ));
        out.line(&format!("Enabled workspace {id}"));
        Ok(())
    }
}
