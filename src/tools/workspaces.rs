//! tg-create-workspace, tg-list-workspaces, tg-list-my-workspaces.

use super::converge::{get_workspace, report_existing, workspace_diffs};
use super::{iam_body, print_list};
use crate::cli::{ConnArgs, Format, OutputArgs, TokenArgs};
use crate::client::{Client, Retry};
use crate::error::{Error, Kind, Result};
use crate::output::{self, Out};
use crate::records::{yes_no, Workspace};
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
    pub output: OutputArgs,
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
