//! tg-create-workspace, tg-list-workspaces, tg-list-my-workspaces.

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

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for CreateWorkspace {
    const NAME: &'static str = "tg-create-workspace";

    async fn run(self, out: &mut Out) -> Result<()> {
        let id = self.workspace_id.trim();
        if id.is_empty() {
            return Err(Error::usage("--workspace-id is empty"));
        }
        if id.starts_with('_') {
            return Err(Error::usage(format!(
                "workspace id {id:?} is reserved: ids beginning with '_' are refused by the gateway"
            )));
        }
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let mut rec = Map::new();
        // What is validated is what is sent: the trimmed id.
        rec.insert("id".into(), id.into());
        rec.insert("enabled".into(), true.into());
        if let Some(n) = self.name.filter(|n| !n.is_empty()) {
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
        match self.output.output {
            Format::Json => out.text(&output::json(v)),
            Format::Table => out.line(&format!(
                "Workspace created: {}",
                Workspace::from_json(v).id
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
