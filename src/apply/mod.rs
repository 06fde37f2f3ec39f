//! tg-apply: make the gateway hold what a manifest describes (workspaces,
//! users, API keys), idempotently. Read the manifest ([`manifest`]), read
//! the gateway's state and compute the plan ([`plan`]), print it, then
//! apply it ([`exec`]).

pub mod after;
pub mod exec;
pub mod export;
pub mod manifest;
pub mod plan;
pub mod state;
#[cfg(test)]
mod tests;

use crate::cli::{ConnArgs, TokenArgs};
use crate::client::{Cap, Client};
use crate::config::files;
use crate::error::{Error, Kind, Result};
use crate::iam::Api;
use crate::output::{self, note, Out};
use crate::prompt;
use crate::Tool;
use clap::Parser;
use manifest::{Format, Manifest, PasswordSource};
use state::Action;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

pub use manifest::schema;

/// The largest manifest read unless `TRUSTGRAPH_MAX_MANIFEST_BYTES` says
/// otherwise: room for a manifest of 100,000 users with every field
/// (about 200 bytes each in YAML).
pub const DEFAULT_MAX_MANIFEST_BYTES: usize = 64 * 1024 * 1024;

/// The manifest cap: [`DEFAULT_MAX_MANIFEST_BYTES`], or the variable's.
fn manifest_cap() -> Result<Cap> {
    Ok(Cap {
        bytes: crate::config::size_var(crate::config::ENV_MAX_MANIFEST_BYTES)?
            .unwrap_or(DEFAULT_MAX_MANIFEST_BYTES),
        var: Some(crate::config::ENV_MAX_MANIFEST_BYTES),
    })
}

/// Make the gateway hold what a manifest describes: workspaces, users and
/// API keys. Reads the current state, prints the plan on stderr (+ create,
/// ~ change, ↻ rotate, - prune, = unchanged), then applies it. Re-running
/// it is safe: what is already there is left alone.
///
/// A field the manifest leaves out is left as it is (omitted means
/// unmanaged); a new record gets the defaults (a reader, enabled). A plan
/// that would take the caller's admin role, disable the caller or its home
/// workspace, revoke or replace the API key in use, or leave no enabled
/// admin in an enabled workspace is refused before anything is sent (exit
/// 2, naming the manifest entry). A plan that takes something away (a
/// rotation too: it revokes the old key) asks first on a terminal, and
/// needs --yes elsewhere.
///
/// An API key older than its rotate_after (12h, 90d, 13w) is rotated: a
/// new key of the same name and owner is minted and its secret written,
/// then the old key is revoked. The key the run authenticates with is
/// never rotated; the plan says so.
///
/// Secrets it mints (API keys, generated passwords) go to stdout, one JSON
/// object per line, or to --secrets-out. Every write is read back, so a
/// TrustGraph 2.11 gateway's silent refusals are caught. The manifest
/// format is in tg-apply-manifest(5) (tg-iam man installs it), docs/apply.md
/// and schema/tg-apply-manifest.schema.json.
#[derive(Parser, Debug)]
pub struct Apply {
    #[command(flatten)]
    pub token: TokenArgs,

    /// The manifest: a .toml, .yaml/.yml or .json file, or - for standard
    /// input (with --format)
    #[arg(short = 'f', long = "file", value_name = "FILE", required = true)]
    pub file: PathBuf,

    /// The manifest's format [default: from the file's extension]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Print the plan and change nothing
    #[arg(long = "dry-run")]
    pub dry_run: bool,

    /// Print the plan, change nothing, and exit 8 when it has changes (0
    /// when the gateway holds what the manifest describes): a drift check
    /// for CI; with --prune, what --prune would remove counts too
    #[arg(long, conflicts_with_all = ["dry_run", "yes", "secrets_out"])]
    pub check: bool,

    /// Disable users and revoke API keys the manifest does not list
    /// (never the caller's own user, the key in use or the last enabled
    /// admin; nothing is deleted)
    #[arg(long)]
    pub prune: bool,

    /// Apply a plan that takes something away (a role, an enabled user or
    /// workspace, an API key) without asking; needed without a terminal
    #[arg(long)]
    pub yes: bool,

    /// Run up to N independent steps at once
    #[arg(short = 'j', long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// Write minted secrets to FILE (a new file, mode 0600, created when
    /// the first secret is minted; an existing file is never overwritten)
    /// instead of stdout; - is stdout
    #[arg(long = "secrets-out", value_name = "FILE")]
    pub secrets_out: Option<PathBuf>,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Apply {
    /// The manifest's text, its name for messages, its format and the
    /// directory its relative paths are relative to.
    fn read_manifest(&self) -> Result<(String, String, Format, PathBuf)> {
        if self.file.as_os_str() == "-" {
            let format = self.format.ok_or_else(|| {
                Error::usage("-f - reads the manifest from standard input: say its format with --format json, toml or yaml")
            })?;
            let cap = manifest_cap()?;
            let mut text = String::new();
            std::io::stdin()
                .take(cap.bytes as u64 + 1)
                .read_to_string(&mut text)
                .map_err(|e| {
                    Error::usage(format!("cannot read the manifest from standard input: {e}"))
                })?;
            if text.len() > cap.bytes {
                return Err(too_large(cap, "the manifest on standard input"));
            }
            return Ok((text, "<stdin>".into(), format, PathBuf::from(".")));
        }
        let shown = self.file.display().to_string();
        let format = match self.format.or_else(|| Format::from_path(&self.file)) {
            Some(f) => f,
            None => {
                return Err(Error::usage(format!(
                    "cannot tell the format of manifest {shown} from its name: use .toml, .yaml, .yml or .json, or --format"
                )))
            }
        };
        let cap = manifest_cap()?;
        let text = files::read_text_within(&self.file, "manifest", cap.bytes as u64)
            .map_err(|e| match e {
                files::TooLarge::Over => too_large(cap, &format!("manifest {shown}")),
                files::TooLarge::Other(e) => e,
            })?
            .ok_or_else(|| Error::usage(format!("manifest {shown} does not exist")))?;
        let dir = self
            .file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        Ok((text, shown, format, dir))
    }
}

/// The usage error for a manifest (`what`) over `cap`, naming the
/// variable that raises it.
fn too_large(cap: Cap, what: &str) -> Error {
    Error::usage(format!("{what} is larger than {}", cap.shown())).with_hint(format!(
        "set {} to raise the cap (for example {}=256MiB)",
        crate::config::ENV_MAX_MANIFEST_BYTES,
        crate::config::ENV_MAX_MANIFEST_BYTES
    ))
}

/// The initial password of manifest user `i`: from its variable, its
/// file, or generated.
fn password(m: &Manifest, i: usize, dir: &Path, file: &str) -> Result<String> {
    let u = &m.users[i];
    // Not "users[i].password: …", which the scrubber would take for a
    // password and mask.
    let bad = |msg: String| {
        Error::usage(format!(
            "{file}: the initial password of users[{i}] ({}): {msg}",
            u.username
        ))
    };
    let pw = match u.password_source() {
        None | Some(PasswordSource::Generate) => return generate_password(),
        Some(PasswordSource::Env(var)) => std::env::var(&var).map_err(|_| {
            bad(format!(
                "environment variable {var} is not set (or not UTF-8): user {} cannot be created",
                u.username
            ))
        })?,
        Some(PasswordSource::File(p)) => {
            let path = if p.is_absolute() { p } else { dir.join(p) };
            let text = files::read_secret(&path, "password file")
                .map_err(|e| bad(e.message))?
                .ok_or_else(|| bad(format!("{} does not exist", path.display())))?;
            text.lines().next().unwrap_or("").to_string()
        }
    };
    crate::redact::register(&pw);
    if pw.is_empty() {
        return Err(bad(format!(
            "it is empty: user {} cannot be created",
            u.username
        )));
    }
    Ok(pw)
}

/// 24 random bytes, base64url: 32 characters.
fn generate_password() -> Result<String> {
    use base64::Engine;
    let mut b = [0u8; 24];
    getrandom::fill(&mut b)
        .map_err(|e| Error::local("cannot generate a password: the random source failed", e))?;
    let pw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    crate::redact::register(&pw);
    Ok(pw)
}

impl Tool for Apply {
    const NAME: &'static str = "tg-apply";

    async fn run(self, _out: &mut Out) -> Result<()> {
        let (text, file, format, dir) = self.read_manifest()?;
        let m = manifest::parse(&text, format, &file)?;
        manifest::validate(&m, &file)?;
        for roles in m.users.iter().filter_map(|u| u.roles.as_ref()) {
            crate::iam::rules::warn_unknown_roles(Self::NAME, roles);
        }
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let jobs = usize::from(self.jobs);
        let api = Api::new(&client);
        let state = state::read_state(api, &m, self.prune, jobs).await?;
        let plan = plan::plan(&m, &state, self.prune, &file)?;
        exec::print_plan(&plan);
        if self.check {
            // Nothing is minted or sent, so no password file is read: a
            // drift job needs no secrets.
            return match plan.steps.len() {
                0 => {
                    note("In sync: the gateway holds what the manifest describes.");
                    Ok(())
                }
                n => Err(Error::new(
                    Kind::Check,
                    format!(
                        "{n} change{} to make: the gateway differs from {file}",
                        if n == 1 { "" } else { "s" }
                    ),
                )
                .with_hint("run tg-apply without --check to make them")),
            };
        }
        let mut passwords = HashMap::new();
        for s in &plan.steps {
            if let Action::CreateUser(i) = s.action {
                passwords.insert(i, password(&m, i, &dir, &file)?);
            }
        }
        if self.dry_run {
            note("Dry run: nothing was changed.");
            return Ok(());
        }
        if plan.steps.is_empty() {
            return Ok(());
        }
        // `--secrets-out -` is standard output, as `-f -` is standard input.
        let secrets_out = self.secrets_out.as_ref().filter(|p| p.as_os_str() != "-");
        let mints = plan.mints(&m);
        match (secrets_out, mints) {
            (_, false) => {}
            (Some(p), true) => exec::check_new_file(p)?,
            (None, true) => output::check_stdout_takes("the secrets this plan mints")?,
        }
        let n = plan.steps.len();
        if plan.destructive(&m) > 0 {
            prompt::confirm_yn(
                &format!("Apply {n} change{}?", if n == 1 { "" } else { "s" }),
                self.yes,
            )?;
        }
        let secrets = match (secrets_out, mints) {
            (Some(p), true) => exec::Secrets::create(p)?,
            _ => exec::Secrets::stdout(),
        };
        let ids = state
            .users
            .iter()
            .map(|u| (u.username.clone(), u.id.clone()))
            .collect();
        let ctx = exec::Ctx {
            api,
            manifest: &m,
            passwords,
            ids: RefCell::new(ids),
            secrets: RefCell::new(secrets),
        };
        exec::apply(&ctx, &plan, jobs, std::io::stderr().is_terminal()).await
    }
}
