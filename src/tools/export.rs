//! tg-export-iam: the gateway's workspaces, users and API keys as a
//! tg-apply manifest (the library half: [`crate::apply::export`]).

use super::{keys_of, users_of};
use crate::apply::export;
use crate::apply::manifest::Format;
use crate::cli::{ConnArgs, TokenArgs};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::iam::converge;
use crate::iam::rules::check_workspace_id;
use crate::iam::Api;
use crate::output::{self, note, Out};
use crate::Tool;
use clap::Parser;

/// Write the gateway's workspaces, users and API keys as a tg-apply
/// manifest on stdout: adopt tg-apply on a running deployment, keep the
/// state in git, check it for drift. It only reads.
///
/// Workspaces come with id, name and enabled; users with username, home
/// workspace, roles, name, email and enabled; API keys with owner, name
/// and expiry. Never a secret: no key, no hash, and no password entry (an
/// existing user needs none: tg-apply never changes its password). The
/// output is sorted (workspaces by id, users by username, keys by owner
/// and name), so the same state gives the same bytes.
///
/// The round trip is exact: `tg-export-iam | tg-apply -f - --format yaml
/// --check --prune` finds nothing to do. What a manifest cannot express is
/// left out, or left unmanaged, and said: in comments at the top of a
/// YAML or TOML manifest, as warnings on stderr for JSON. Left out: an
/// API key that has expired, two keys of one user with the same name, a
/// key without a name (tg-apply --prune would revoke each of these, and
/// the comment says so); users who share a username (unique per workspace
/// only before TrustGraph #1001), with their keys (tg-apply --prune would
/// disable the enabled ones); a key of a disabled user and a workspace whose
/// id begins with '_' (tg-apply leaves them alone). Left unmanaged: the
/// roles of a user with none, the enabled flag of a user enabled in a
/// disabled workspace.
///
/// With -w, only those workspaces, the users whose home they are, and
/// their keys: applied with --prune, such a manifest would disable every
/// other user. Standard output must be a file, a pipe or a terminal: a
/// closed one (or /dev/null) is refused before anything is sent, and a
/// write that fails (a reader that went away) is exit 7, as the manifest
/// is then incomplete. Reads list-workspaces, list-users, then
/// list-api-keys for each user.
#[derive(Parser, Debug)]
pub struct ExportIam {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Only this workspace, the users whose home it is, and their keys
    /// (repeatable) [default: every workspace]
    #[arg(short = 'w', long = "workspace", value_name = "WORKSPACE")]
    pub workspaces: Vec<String>,

    /// The manifest's format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Yaml)]
    pub format: Format,

    /// Read up to N users' keys at once
    #[arg(short = 'j', long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for ExportIam {
    const NAME: &'static str = "tg-export-iam";

    async fn run(self, out: &mut Out) -> Result<()> {
        for w in &self.workspaces {
            check_workspace_id(w, "-w/--workspace")?;
        }
        output::check_stdout_takes("an export")?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let mut workspaces: Vec<_> = converge::all_workspaces(api)
            .await?
            .into_iter()
            .map(|w| w.value)
            .collect();
        if !self.workspaces.is_empty() {
            let asked: Vec<&str> = self.workspaces.iter().map(|w| w.trim()).collect();
            if let Some(w) = asked
                .iter()
                .find(|w| !workspaces.iter().any(|x| x.id == **w))
            {
                return Err(Error::refused(format!("workspace {w:?} not found"))
                    .with_hint("check the id with tg-list-workspaces"));
            }
            workspaces.retain(|w| asked.contains(&w.id.as_str()));
        }
        let users = users_of(api, &self.workspaces).await?;
        let keys = keys_of(api, &users, usize::from(self.jobs)).await?;
        let users: Vec<_> = users.into_iter().map(|(u, _)| u).collect();
        let e = export::export(workspaces, users, keys, crate::time::now_or_test());
        for w in export::warnings(&e, self.format) {
            note(&format!("{}: warning: {w}", Self::NAME));
        }
        let m = &e.manifest;
        note(&format!(
            "{}: {}, {}, {}",
            Self::NAME,
            export::count(m.workspaces.len(), "workspace"),
            export::count(m.users.len(), "user"),
            export::count(m.api_keys.len(), "API key")
        ));
        let format = self.format;
        out.complete();
        out.stream(move |w| export::write(w, &e, format));
        Ok(())
    }
}
