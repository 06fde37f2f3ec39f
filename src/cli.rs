//! Flags shared by the tools, defined once and flattened into each tool.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Connection flags: every tool has these.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// Gateway base URL [default: the profile's url, else
    /// http://localhost:8888/]
    #[arg(
        short = 'u',
        long = "api-url",
        value_name = "URL",
        env = "TRUSTGRAPH_URL",
        hide_env_values = true,
        help_heading = "Connection"
    )]
    pub api_url: Option<String>,

    /// Give up on a request after SECS seconds [default: 30, or the
    /// profile's timeout]
    #[arg(long, value_name = "SECS", value_parser = parse_timeout, help_heading = "Connection")]
    pub timeout: Option<f64>,

    /// Trust the CA certificate(s) in this PEM file (for a private CA)
    /// [default: the profile's ca_cert]
    #[arg(long = "ca-cert", value_name = "FILE", help_heading = "Connection")]
    pub ca_cert: Option<PathBuf>,

    /// Use this profile of the config file [default: the file's
    /// default_profile, else "default"]
    #[arg(
        long,
        value_name = "NAME",
        env = "TRUSTGRAPH_PROFILE",
        hide_env_values = true,
        global = true,
        help_heading = "Connection"
    )]
    pub profile: Option<String>,

    /// Do not verify the gateway's TLS certificate (dangerous; warns)
    #[arg(long, help_heading = "Connection")]
    pub insecure: bool,

    /// Trace each request and reply on stderr, every redirect hop
    /// included (secrets masked)
    #[arg(short = 'v', long, help_heading = "Connection")]
    pub verbose: bool,
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "expected a number of seconds greater than 0 and at most 86400, got {s:?}"
        )),
    }
}

/// The bearer credential flag (all tools but tg-login and tg-bootstrap-iam).
#[derive(Args, Debug, Clone, Default)]
pub struct TokenArgs {
    /// API key or JWT to authenticate with [default: the profile's
    /// token_file, else its saved session]
    #[arg(
        short = 't',
        long = "token",
        value_name = "TOKEN",
        env = "TRUSTGRAPH_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// Read the token from the first line of FILE (must be private: chmod 600)
    #[arg(long = "token-file", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

/// The workspace flag of the user and key tools.
#[derive(Args, Debug, Clone, Default)]
pub struct WorkspaceArgs {
    /// Workspace to act in (a filter or integrity check; sent only when
    /// set) [default: the profile's workspace]
    #[arg(
        short = 'w',
        long = "workspace",
        value_name = "WORKSPACE",
        env = "TRUSTGRAPH_WORKSPACE",
        hide_env_values = true
    )]
    pub workspace: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// Human-readable table (the upstream tools' output)
    #[default]
    Table,
    /// The server's record(s) as JSON (arrays for lists)
    Json,
}

/// The formats of the list tools: [`Format`]'s, and two for shells and
/// spreadsheets.
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListFormat {
    /// Human-readable table (the upstream tools' output)
    #[default]
    Table,
    /// The server's records as a JSON array
    Json,
    /// The table's columns as CSV: a header row, then one row per record
    /// (RFC 4180: CRLF line ends, fields quoted when needed)
    Csv,
    /// Each record's id, one per line (for xargs)
    Ids,
}

/// The formats of a report (tg-credential-report).
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// Human-readable table
    #[default]
    Table,
    /// An array of row objects
    Json,
    /// The table's columns as CSV: a header row, then one row per line
    /// (RFC 4180: CRLF line ends, fields quoted when needed)
    Csv,
}

/// The output-format flag of the list tools.
#[derive(Args, Debug, Clone, Default)]
pub struct ListOutputArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

/// The output-format flag of tools that print records.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// Password input: on every tool that takes a password.
#[derive(Args, Debug, Clone, Default)]
pub struct PasswordStdinArgs {
    /// Read the password from the first line of standard input
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
}

/// Parse the upstream yes/no booleans (`yes y true t 1` / `no n false f 0`).
pub fn parse_yes_no(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "1" => Ok(true),
        "no" | "n" | "false" | "f" | "0" => Ok(false),
        _ => Err(format!("expected yes/no, got {s:?}")),
    }
}
