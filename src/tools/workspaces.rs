//! tg-create-workspace, tg-list-workspaces, tg-list-my-workspaces,
//! tg-show-workspace, tg-update-workspace, tg-disable-workspace,
//! tg-enable-workspace.

use super::converge::{get_workspace, report_existing, workspace_diffs};
use super::{iam_body, print_list};
use crate::cli::{parse_yes_no, ConnArgs, Format, ListOutputArgs, OutputArgs, TokenArgs};
use crate::client::{Client, Retry};
use crate::error::{Error, Kind, Result};
use crate::output::{self, note, Out};
use crate::prompt;
use crate::records::{yes_no, User, Workspace};
use crate::Tool;
use clap::Parser;
use serde_json::{Map, Value};

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

/// A workspace id as sent: trimmed, not empty, not reserved (`_…`).
/// `what` names it in messages.
pub(crate) fn check_workspace_id<'a>(id: &'a str, what: &str) -> Result<&'a str> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::usage(format!("{what} is empty")));
    }
    if id.starts_with('_') {
        return Err(Error::usage(format!(
            "workspace id {id:?} is reserved: ids beginning with '_' are refused by the gateway"
        )));
    }
    Ok(id)
}

/// Send `create-workspace`; the workspace's record (for an existing id,
/// the gateway returns it unchanged). A reply without one (how a 2.11
/// gateway refuses) is a refusal.
pub(crate) async fn create_workspace(
    client: &Client,
    id: &str,
    name: Option<&str>,
    enabled: bool,
) -> Result<Value> {
    let mut rec = Map::new();
    rec.insert("id".into(), id.into());
    rec.insert("enabled".into(), enabled.into());
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        rec.insert("name".into(), n.into());
    }
    let body = iam_body(
        "create-workspace",
        vec![("workspace_record", Value::Object(rec))],
        None,
    );
    let reply = client.iam(body, Retry::Never).await?;
    let v = reply.record("workspace")?.ok_or_else(|| {
        reply.missing(
            "workspace record",
            Kind::Refused,
            "check your role: creating workspaces needs admin",
        )
    })?;
    Ok(v.clone())
}

impl Tool for CreateWorkspace {
    const NAME: &'static str = "tg-create-workspace";

    async fn run(self, out: &mut Out) -> Result<()> {
        // What is validated is what is sent: the trimmed id.
        let id = check_workspace_id(&self.workspace_id, "--workspace-id")?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let existing = match self.exists_ok {
            true => get_workspace(&client, id).await?,
            false => None,
        };
        let v = match existing {
            Some(v) => {
                let w = Workspace::from_json(&v);
                let name = self.name.as_deref().filter(|n| !n.is_empty());
                report_existing(
                    Self::NAME,
                    &format!("workspace {}", w.id),
                    &workspace_diffs(&w, name, true),
                    self.strict,
                    "change it with the gateway's update-workspace operation, or drop --strict",
                )?;
                v
            }
            None => create_workspace(&client, id, self.name.as_deref(), true).await?,
        };
        match self.output.output {
            Format::Json => out.text(&output::json(&v)),
            Format::Table => out.line(&format!(
                "Workspace created: {}",
                Workspace::from_json(&v).id
            )),
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

async fn list(tool: &'static str, op: &str, a: &ListArgs, out: &mut Out) -> Result<()> {
    let client = Client::new(tool, &a.conn, Some(&a.token))?;
    let reply = client
        .iam(iam_body(op, vec![], None), Retry::OnceOnConnectError)
        .await?;
    let items = reply.list("workspaces")?;
    print_list(
        out,
        a.output.output,
        &items,
        "No workspaces.",
        &["id", "name", "enabled", "created"],
        |v| {
            let w = Workspace::from_json(v);
            vec![w.id, w.name, yes_no(w.enabled).into(), w.created]
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
        list(Self::NAME, "list-workspaces", &self.args, out).await
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
        list(Self::NAME, "list-my-workspaces", &self.args, out).await
    }
}

/// `{"workspace_record": {"id": ID, ...more}}` for operation `op`.
fn workspace_body(op: &str, id: &str, more: Vec<(&str, Value)>) -> Value {
    let mut rec = Map::new();
    rec.insert("id".into(), id.into());
    for (k, v) in more {
        rec.insert(k.into(), v);
    }
    iam_body(op, vec![("workspace_record", Value::Object(rec))], None)
}

/// [`get_workspace`], failing with exit 1 when it does not exist.
async fn require_workspace(client: &Client, id: &str) -> Result<Workspace> {
    match get_workspace(client, id).await? {
        Some(v) => Ok(Workspace::from_json(&v)),
        None => Err(workspace_not_found(id)),
    }
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
fn print_workspace(out: &mut Out, format: Format, v: &Value) {
    match format {
        Format::Json => out.text(&output::json(v)),
        Format::Table => {
            let w = Workspace::from_json(v);
            out.text(&output::plain_rows(&[
                ("id", w.id),
                ("name", w.name),
                ("enabled", yes_no(w.enabled).into()),
                ("created", w.created),
            ]));
        }
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
        let v = get_workspace(&client, id)
            .await?
            .ok_or_else(|| workspace_not_found(id))?;
        print_workspace(out, self.output.output, &v);
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
        let current = require_workspace(&client, id).await?;
        let enabled = self.enabled.unwrap_or(current.enabled);
        let mut more = Vec::new();
        if let Some(n) = name {
            more.push(("name", Value::from(n)));
        }
        more.push(("enabled", enabled.into()));
        let reply = client
            .iam(workspace_body("update-workspace", id, more), Retry::Never)
            .await?;
        let v = reply.record("workspace")?.ok_or_else(|| {
            reply.missing(
                "updated workspace record",
                Kind::Refused,
                "check your role: updating workspaces needs admin",
            )
        })?;
        let after = Workspace::from_json(v);
        if after.enabled != enabled || name.is_some_and(|n| after.name != n) {
            return Err(Error::refused(format!(
                "update-workspace was not carried out: the gateway answered with workspace {id:?} unchanged"
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
        print_workspace(out, self.output.output, v);
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
        let before = require_workspace(&client, id).await?;
        if !self.yes {
            // Who is affected, for the question; a read that fails only
            // makes the question vaguer.
            let members = client
                .iam(
                    iam_body("list-users", vec![], Some(id)),
                    Retry::OnceOnConnectError,
                )
                .await
                .and_then(|r| r.list("users"))
                .map(|users| {
                    let names: Vec<String> = users
                        .iter()
                        .map(|u| crate::output::sanitize(&User::from_json(u).username).into_owned())
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
        client
            .iam(
                workspace_body("disable-workspace", id, vec![]),
                Retry::Never,
            )
            .await?;
        let after = require_workspace(&client, id).await?;
        if after.enabled {
            return Err(Error::refused(format!(
                "disable-workspace was not carried out: the gateway acknowledged it, but workspace {id:?} is still enabled"
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
        require_workspace(&client, id).await?;
        let reply = client
            .iam(
                workspace_body("update-workspace", id, vec![("enabled", true.into())]),
                Retry::Never,
            )
            .await?;
        let enabled = reply
            .record("workspace")?
            .map(Workspace::from_json)
            .is_some_and(|w| w.enabled);
        if !enabled {
            return Err(reply.missing(
                "enabled workspace record",
                Kind::Refused,
                "check your role: enabling workspaces needs admin",
            ));
        }
        let reply = client
            .iam(
                workspace_body("create-workspace", id, vec![("enabled", true.into())]),
                Retry::Never,
            )
            .await
            .map_err(|e| {
                // Half done: say which half, and that a re-run finishes it.
                let message = format!("workspace {id:?} is enabled again, but announcing it (create-workspace) failed: {}", e.message);
                e.reworded(message).with_hint(format!(
                    "run tg-enable-workspace --workspace-id {id} again to announce it"
                ))
            })?;
        if reply.record("workspace")?.is_none() {
            return Err(Error::new(
                Kind::Refused,
                format!("workspace {id:?} is enabled again, but announcing it (create-workspace) was refused: the services may not serve it"),
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
