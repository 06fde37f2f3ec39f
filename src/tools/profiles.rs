//! tg-config and tg-logout: the config file and saved sessions.

use crate::cli::{ConnArgs, Format, TokenArgs, WorkspaceArgs};
use crate::config::{self, edit, session, Source};
use crate::error::{Error, Result};
use crate::output::{self, Out};
use crate::{jwt, time, Tool};
use clap::{Parser, Subcommand};
use serde_json::{json, Map, Value};

/// Remove saved sessions: the selected profile's (--profile,
/// TRUSTGRAPH_PROFILE, the config file's default_profile, else "default"),
/// or every one with --all.
///
/// Sessions are saved by tg-login --save in credentials.toml beside the
/// config file. Prints what was removed; nothing to remove is not an error.
#[derive(Parser, Debug)]
pub struct Logout {
    /// Remove the sessions of every profile
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for Logout {
    const NAME: &'static str = "tg-logout";

    async fn run(self, out: &mut Out) -> Result<()> {
        let profile = if self.all {
            None
        } else {
            let sel = config::context().selected.as_ref().ok_or_else(|| {
                Error::usage("no profile selected (--profile ''): name one, or pass --all")
            })?;
            Some(sel.name.clone())
        };
        let Some(path) = config::credentials_path() else {
            out.line("No saved sessions (no config location: TRUSTGRAPH_CONFIG is empty).");
            return Ok(());
        };
        let removed = match session::remove(&path, profile.as_deref()) {
            // --all asks for every session gone: a credentials file of ours
            // that cannot be used (too open) goes whole. Anything else by
            // that name (another program's, or not TOML) is left alone.
            Err(e) if profile.is_none() && path.exists() => {
                let ours = config::files::read_text(&path, "credentials file")
                    .ok()
                    .flatten()
                    .is_some_and(|t| session::is_ours(&t));
                if !ours {
                    return Err(Error::usage(format!(
                        "{} is not a credentials file of these tools ({}): left as it is",
                        path.display(),
                        e.full_message()
                    ))
                    .with_hint("if it holds nothing you need, remove it yourself"));
                }
                std::fs::remove_file(&path)
                    .map_err(|io| Error::local(format!("cannot remove {}", path.display()), io))?;
                output::note(&format!(
                    "{}: note: {} could not be read ({}): removed it whole",
                    Self::NAME,
                    path.display(),
                    e.full_message()
                ));
                out.line(&format!("Removed {}", path.display()));
                return Ok(());
            }
            r => r?,
        };
        match (removed.is_empty(), &profile) {
            (true, Some(p)) => out.line(&format!("No saved session for profile {p}.")),
            (true, None) => out.line("No saved sessions."),
            (false, _) => {
                for p in removed {
                    out.line(&format!("Removed the session of profile {p}"));
                }
            }
        }
        Ok(())
    }
}

/// Show the effective settings and where each comes from, or edit the
/// config file.
///
/// Without a subcommand: the config file, the selected profile, and the
/// gateway URL, token, workspace, CA certificate and timeout that a tool
/// run with the same flags and environment would use, each with its
/// source. The token is never shown whole. `tg-config set`, `unset` and
/// `use` edit the file in place, keeping its comments and unknown keys.
#[derive(Parser, Debug)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<ConfigCommand>,

    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// Output format (also of tg-config list)
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table, global = true)]
    pub output: Format,

    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Set a setting of the selected profile (--profile), creating the
    /// file or the profile if needed
    Set {
        /// url, workspace, token_file, ca_cert or timeout
        key: String,
        value: String,
    },
    /// Remove a setting from the selected profile
    Unset {
        /// url, workspace, token_file, ca_cert or timeout
        key: String,
    },
    /// Make PROFILE the default profile (default_profile)
    Use {
        /// A profile the file defines
        // Not the id "profile": that is --profile's, a global flag, and
        // clap would take this value for it.
        #[arg(id = "use_profile", value_name = "PROFILE")]
        profile: String,
    },
    /// List every profile: its url and workspace, whether a session is
    /// saved and when it expires, and which profile is the default
    List,
    /// Print the selected profile's name (for shell prompts; reads only
    /// the config file, never the network)
    Current,
}

/// The config file to edit.
fn config_file() -> Result<std::path::PathBuf> {
    config::context().config_path.clone().ok_or_else(|| {
        Error::usage(
            "no config file location: TRUSTGRAPH_CONFIG is empty, or no home directory is known",
        )
        .with_hint("set TRUSTGRAPH_CONFIG to the file to use")
    })
}

/// The profile `set`/`unset` act on: the selected one.
fn edited_profile() -> Result<String> {
    config::context()
        .selected
        .as_ref()
        .map(|s| s.name.clone())
        .ok_or_else(|| Error::usage("--profile '' selects no profile: name the one to edit"))
}

impl Tool for Config {
    const NAME: &'static str = "tg-config";

    fn creates_profiles(&self) -> bool {
        matches!(
            self.command,
            Some(ConfigCommand::Set { .. }) | Some(ConfigCommand::Unset { .. })
        )
    }

    async fn run(self, out: &mut Out) -> Result<()> {
        match self.command {
            Some(ConfigCommand::Set { key, value }) => {
                let (path, profile) = (config_file()?, edited_profile()?);
                edit::set(&path, &profile, &key, &value)?;
                out.line(&format!(
                    "profile {profile}: {key} set ({})",
                    path.display()
                ));
            }
            Some(ConfigCommand::Unset { key }) => {
                let (path, profile) = (config_file()?, edited_profile()?);
                if edit::unset(&path, &profile, &key)? {
                    out.line(&format!(
                        "profile {profile}: {key} unset ({})",
                        path.display()
                    ));
                } else {
                    out.line(&format!("profile {profile}: {key} was not set"));
                }
            }
            Some(ConfigCommand::Use { profile }) => {
                let path = config_file()?;
                edit::use_profile(&path, &profile)?;
                out.line(&format!("default profile: {profile} ({})", path.display()));
            }
            Some(ConfigCommand::List) => list(self.output, out)?,
            Some(ConfigCommand::Current) => {
                let sel = config::context().selected.as_ref().ok_or_else(|| {
                    Error::usage("no profile selected (--profile '' or TRUSTGRAPH_PROFILE='')")
                })?;
                out.line(&sel.name);
            }
            None => show(&self.token, &self.workspace, &self.conn, self.output, out),
        }
        Ok(())
    }
}

/// `tg-config list`: every profile the config file defines or a session
/// was saved for, and the default one (which the tools use when none is
/// named, defined or not), marked.
fn list(format: Format, out: &mut Out) -> Result<()> {
    let ctx = config::context();
    let sessions = match config::credentials_path() {
        Some(p) => session::load(&p)?,
        None => Default::default(),
    };
    let default = ctx
        .file
        .default_profile
        .clone()
        .unwrap_or_else(|| config::DEFAULT_PROFILE.to_string());
    let mut names: Vec<&String> = ctx
        .file
        .profiles
        .keys()
        .chain(sessions.keys())
        .chain([&default])
        .collect();
    names.sort();
    names.dedup();
    let selected = ctx.selected.as_ref().map(|s| s.name.as_str());
    let now = time::now();
    let mut rows = Vec::new();
    let mut records = Vec::new();
    for name in names {
        let p = ctx.file.profiles.get(name).cloned().unwrap_or_default();
        let s = sessions.get(name);
        let exp = s.and_then(|s| jwt::jwt_expiry(&s.jwt));
        let session_text = match (s, exp) {
            (None, _) => "none".to_string(),
            (Some(_), None) => "saved (no readable expiry)".to_string(),
            (Some(_), Some(e)) if e < now => format!(
                "expired {} ({} ago)",
                time::format_utc(e),
                crate::time::describe_duration(now - e)
            ),
            (Some(_), Some(e)) => format!(
                "saved, expires {} (in {})",
                time::format_utc(e),
                crate::time::describe_duration(e - now)
            ),
        };
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        rows.push(vec![
            name.clone(),
            if *name == default {
                "*".into()
            } else {
                String::new()
            },
            dash(&p.url),
            dash(&p.workspace),
            session_text,
        ]);
        records.push(json!({
            "name": name,
            "default": *name == default,
            "selected": selected == Some(name.as_str()),
            "url": p.url,
            "workspace": p.workspace,
            "token_file": p.token_file.map(|f| f.display().to_string()),
            "session": s.map(|s| json!({
                "url": s.url,
                "expires": exp.map(time::format_utc),
                "expired": exp.is_some_and(|e| e < now),
            })),
        }));
    }
    match format {
        Format::Json => out.text(&output::json(&Value::Array(records))),
        Format::Table => out.text(&output::pretty_table(
            &["profile", "default", "url", "workspace", "session"],
            &rows,
        )),
    }
    Ok(())
}

/// One line of `tg-config`: the value as shown, and its source.
struct Shown {
    key: &'static str,
    value: String,
    source: String,
    json: Value,
}

/// The token described without revealing it: an API key by its public
/// prefix (the 7 characters `tg-list-api-keys` shows), a JWT by its
/// expiry.
fn describe_token(token: &str) -> (String, Value) {
    if token.starts_with("tg_") {
        let prefix: String = token.chars().take(7).collect();
        return (
            format!("API key {prefix}…"),
            json!({"kind": "api-key", "prefix": prefix}),
        );
    }
    if token.matches('.').count() == 2 {
        return match jwt::jwt_expiry(token) {
            Some(exp) => {
                let when = time::format_utc(exp);
                let state = if exp < time::now() {
                    "expired"
                } else {
                    "expires"
                };
                (
                    format!("JWT ({state} {when})"),
                    json!({"kind": "jwt", "expires": when, "expired": exp < time::now()}),
                )
            }
            None => ("JWT (no readable expiry)".into(), json!({"kind": "jwt"})),
        };
    }
    (
        format!("unrecognised token ({} characters)", token.chars().count()),
        json!({"kind": "unknown"}),
    )
}

fn show(token: &TokenArgs, ws: &WorkspaceArgs, conn: &ConnArgs, format: Format, out: &mut Out) {
    let ctx = config::context();
    let mut lines = Vec::new();
    let src = |s: &Source, flag: &str, var: Option<&str>| s.describe(flag, var);

    let (path, path_src) = match (&ctx.config_path, &ctx.config_path_source) {
        (Some(p), Some(s)) => (
            format!(
                "{}{}",
                p.display(),
                if p.exists() { "" } else { " (does not exist)" }
            ),
            src(s, "", Some(config::ENV_CONFIG)),
        ),
        _ => ("none".into(), "TRUSTGRAPH_CONFIG is empty".into()),
    };
    lines.push(Shown {
        key: "config",
        json: json!(ctx.config_path.as_ref().map(|p| p.display().to_string())),
        value: path,
        source: path_src,
    });
    let (pname, psrc) = match &ctx.selected {
        Some(s) => (
            s.name.clone(),
            match &s.source {
                Some(Source::Profile(_)) => "from default_profile in the config file".into(),
                Some(other) => src(other, "--profile", Some(config::ENV_PROFILE)),
                None => "default".into(),
            },
        ),
        None => ("none".into(), "from --profile ''".into()),
    };
    lines.push(Shown {
        key: "profile",
        json: json!(ctx.selected.as_ref().map(|s| s.name.clone())),
        value: pname,
        source: psrc,
    });

    let url = config::resolve_url(conn.api_url.as_deref());
    let shown_url = match url::Url::parse(&url.value) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some(crate::redact::MASK));
            u.to_string()
        }
        _ => url.value.clone(),
    };
    lines.push(Shown {
        key: "url",
        json: json!(shown_url),
        value: shown_url.clone(),
        source: src(&url.source, "-u/--api-url", Some(config::ENV_URL)),
    });

    let (tvalue, tsource, tjson) = match config::resolve_token(
        Config::NAME,
        token.token.as_deref(),
        token.token_file.as_deref(),
        &url.value,
    ) {
        Ok(Some(t)) => {
            let (v, j) = describe_token(&t.value);
            (v, src(&t.source, "-t/--token", Some(config::ENV_TOKEN)), j)
        }
        Ok(None) => ("none".into(), "not set".into(), Value::Null),
        Err(e) => (
            format!("unusable: {}", e.full_message()),
            "error".into(),
            json!({"error": e.full_message()}),
        ),
    };
    lines.push(Shown {
        key: "token",
        value: tvalue,
        source: tsource,
        json: tjson,
    });

    let w = config::resolve_workspace_setting(ws.workspace.as_deref());
    lines.push(Shown {
        key: "workspace",
        json: json!(w.as_ref().map(|s| s.value.clone())),
        value: w
            .as_ref()
            .map_or("none (not sent)".into(), |s| s.value.clone()),
        source: w.as_ref().map_or("not set".into(), |s| {
            src(&s.source, "-w/--workspace", Some(config::ENV_WORKSPACE))
        }),
    });

    let ca = config::resolve_ca_cert(conn.ca_cert.as_deref());
    lines.push(Shown {
        key: "ca_cert",
        json: json!(ca.as_ref().map(|(p, _)| p.display().to_string())),
        value: ca
            .as_ref()
            .map_or("none (the system's roots)".into(), |(p, _)| {
                p.display().to_string()
            }),
        source: ca
            .as_ref()
            .map_or("default".into(), |(_, s)| src(s, "--ca-cert", None)),
    });

    let (t, tsrc) = config::resolve_timeout(conn.timeout);
    lines.push(Shown {
        key: "timeout",
        json: json!(t),
        value: format!("{t} s"),
        source: src(&tsrc, "--timeout", None),
    });

    match format {
        Format::Json => {
            let mut m = Map::new();
            for l in lines {
                m.insert(l.key.into(), json!({"value": l.json, "source": l.source}));
            }
            out.text(&output::json(&Value::Object(m)));
        }
        Format::Table => {
            let width = lines.iter().map(|l| l.key.len()).max().unwrap_or(0);
            for l in lines {
                out.line(&format!("{:<width$} = {} ({})", l.key, l.value, l.source));
            }
        }
    }
}
