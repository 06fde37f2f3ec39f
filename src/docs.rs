//! The documentation the suite carries: shell completions and man pages,
//! generated from the registry and the clap definitions.
//!
//! `tg-iam completions SHELL` and `tg-iam man DIR` print and write them,
//! and the committed `completions/` and `man/` files are the same bytes
//! (`tests/generated.rs` rewrites them with `UPDATE_GENERATED=1` and
//! fails when they are stale; `tests/multicall.rs` checks the binary's
//! output against them). The generator itself is `crates/docgen`, shared
//! with `tg-dev-gateway`.

use crate::error::EXIT_CODES_HELP;
use crate::multicall::cli as multicall;
use crate::registry::{Entry, Origin, TOOLS};
use clap::Command;
use serde_json::Value;
use std::path::PathBuf;
use tg_iam_docgen::{self as gen, Block, Section};

pub use tg_iam_docgen::{shell, shell_names, ShellSpec, SHELLS};

/// The example manifest of `tg-apply-manifest(5)` and of `docs/apply.md`
/// (a test checks that the guide shows this file).
pub const EXAMPLE_MANIFEST: &str = include_str!("../examples/manifest.toml");

/// The name of the manifest's man page (section 5).
pub const MANIFEST_PAGE: &str = "tg-apply-manifest";

/// Every command completions are made for, by name: each tool, then
/// `tg-iam` itself.
fn completion_commands() -> Vec<(&'static str, Command)> {
    let mut cmds: Vec<(&'static str, Command)> =
        TOOLS.iter().map(|t| (t.name, (t.command)())).collect();
    cmds.push((multicall::NAME, multicall_completion_command()));
    cmds
}

/// `tg-iam`'s command as its completions see it: its own subcommands,
/// and the tools it runs (`tg-iam TOOL ...`) by name.
fn multicall_completion_command() -> Command {
    multicall::command().subcommands(TOOLS.iter().map(|t| {
        Command::new(t.name)
            .about(t.purpose)
            .disable_help_flag(true)
    }))
}

/// The committed completion files: `completions/SHELL/FILE` and content,
/// shell by shell, command by command.
pub fn completion_files() -> Vec<(PathBuf, Vec<u8>)> {
    let cmds = completion_commands();
    let mut files = Vec::new();
    for s in SHELLS {
        for (name, cmd) in &cmds {
            files.push((
                PathBuf::from("completions")
                    .join(s.name)
                    .join((s.file)(name)),
                gen::completion(s.shell, name, cmd),
            ));
        }
    }
    files
}

/// `tg-iam completions SHELL`: every command's completions for `shell`,
/// as one script to source.
pub fn completions(shell: &ShellSpec) -> Vec<u8> {
    let scripts: Vec<Vec<u8>> = completion_commands()
        .iter()
        .map(|(name, cmd)| gen::completion(shell.shell, name, cmd))
        .collect();
    gen::bundle(shell.shell, &scripts)
}

/// Every man page, by file name: each tool's `.1`, `tg-iam.1`,
/// `tg-iam.7` and `tg-apply-manifest.5`.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut pages: Vec<(String, Vec<u8>)> = TOOLS
        .iter()
        .map(|t| (format!("{}.1", t.name), tool_page(t)))
        .collect();
    pages.push((format!("{}.1", multicall::NAME), multicall_page()));
    pages.push((format!("{}.7", multicall::NAME), overview_page()));
    pages.push((format!("{MANIFEST_PAGE}.5"), manifest_page()));
    pages
}

fn exit_status() -> Section {
    Section::new(
        "EXIT STATUS",
        vec![gen::preformatted_after_heading(EXIT_CODES_HELP)],
    )
}

/// A tool's page: clap's sections, EXIT STATUS, EXAMPLES, SEE ALSO.
fn tool_page(t: &Entry) -> Vec<u8> {
    let mut sections = vec![exit_status()];
    let mut see = vec!["tg-iam(7)".to_string()];
    if t.name == "tg-apply" {
        sections.push(Section::new(
            "MANIFEST",
            vec![Block::Para(format!(
                "The manifest's format, every field and an example are in {MANIFEST_PAGE}(5), which tg-iam man installs with this page."
            ))],
        ));
        see.insert(0, format!("{MANIFEST_PAGE}(5)"));
    }
    sections.push(gen::examples_section(t.examples));
    sections.push(gen::see_also(&see));
    gen::command_page((t.command)(), &sections)
}

/// `tg-iam(1)`: the multicall binary.
fn multicall_page() -> Vec<u8> {
    let tools = TOOLS
        .iter()
        .map(|t| Block::Item(t.name.to_string(), t.purpose.to_string()))
        .collect();
    let sections = [
        Section::new("TOOLS", tools),
        Section::new(
            "EXIT STATUS",
            vec![gen::preformatted_after_heading(multicall::EXIT_CODES_HELP)],
        ),
        gen::examples_section(multicall::EXAMPLES),
        gen::see_also(&["tg-iam(7)".to_string()]),
    ];
    gen::command_page(multicall::command(), &sections)
}

/// `tg-iam(7)`: the overview. The tool list comes from the registry and
/// the exit codes from the library's table, so neither can drift.
fn overview_page() -> Vec<u8> {
    let para = |s: &str| Block::Para(s.to_string());
    let item = |t: &str, s: &str| Block::Item(t.to_string(), s.to_string());
    let tools = TOOLS
        .iter()
        .map(|t| {
            let new = match t.origin {
                Origin::Upstream => "",
                Origin::New => " (not in the upstream tools)",
            };
            Block::Item(format!("{}(1)", t.name), format!("{}{new}", t.purpose))
        })
        .collect();
    let mut see: Vec<String> = TOOLS.iter().map(|t| format!("{}(1)", t.name)).collect();
    see.push("tg-iam(1)".into());
    see.push(format!("{MANIFEST_PAGE}(5)"));
    see.push("tg-dev-gateway(1)".into());
    let sections = [
        Section::new("NAME", vec![para("tg-iam - TrustGraph identity and access management from the command line")]),
        Section::new("DESCRIPTION", vec![
            para("The tg-* tools administer users, workspaces, API keys, passwords and JWTs through a TrustGraph API gateway's IAM service. They are a drop-in replacement for the upstream Python tools of trustgraph-cli 2.11.1: the same names, flags, environment variables, request bodies and stdout. Each tool writes exactly one result on stdout (a key, a JWT, an id, a table or JSON) and everything else on stderr."),
            para("Every tool is its own binary, and the multicall binary tg-iam holds them all: run through a link named after a tool it is that tool; tg-iam TOOL ARGS runs TOOL; tg-iam install-links DIR makes the links; tg-iam completions SHELL and tg-iam man DIR install shell completions and these pages. tg-dev-gateway is a local IAM gateway for demos and tests."),
        ]),
        Section::new("TOOLS", tools),
        Section::new("PRECEDENCE", vec![
            para("One rule for every setting and every tool: the flag, then its environment variable, then the selected profile of the config file, then the built-in default. A flag or variable that is set but empty counts as set and means none."),
            item("gateway URL", "-u/--api-url, TRUSTGRAPH_URL, the profile's url, http://localhost:8888/."),
            item("token", "-t/--token or --token-file, TRUSTGRAPH_TOKEN, the profile's token_file (sent only to the profile's url), then the session saved by tg-login --save (sent only to the gateway that issued it); else none."),
            item("workspace", "-w/--workspace, TRUSTGRAPH_WORKSPACE, the profile's workspace; else none (the gateway's default)."),
            item("CA certificate", "--ca-cert, the profile's ca_cert, the system's roots."),
            item("timeout", "--timeout, the profile's timeout, 30 seconds; it bounds the whole exchange, redirects included."),
            item("profile", "--profile, TRUSTGRAPH_PROFILE, the config file's default_profile, then \"default\"."),
        ]),
        Section::new("ENVIRONMENT", vec![
            item("TRUSTGRAPH_URL", "The gateway's base URL."),
            item("TRUSTGRAPH_TOKEN", "The API key or JWT to authenticate with."),
            item("TRUSTGRAPH_WORKSPACE", "The workspace sent with requests that take one."),
            item("TRUSTGRAPH_PROFILE", "The profile of the config file to use."),
            item("TRUSTGRAPH_CONFIG", "The config file's path; set but empty: no config file at all."),
            item("TRUSTGRAPH_MAX_LIST_BYTES", "The cap on a list reply (tg-list-users, tg-list-workspaces, tg-list-my-workspaces, tg-list-api-keys): bytes, or a number with KiB, MiB or GiB; default 256MiB. Every other reply is held to 4 MiB."),
            item("TRUSTGRAPH_MAX_MANIFEST_BYTES", "The cap on a tg-apply manifest, written the same way; default 64MiB."),
            item("XDG_CONFIG_HOME", "Where the config directory is looked for (default ~/.config)."),
            item("HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY", "Proxies, as Go's ProxyFromEnvironment reads them (also in lower case); a loopback gateway is never proxied."),
        ]),
        Section::new("FILES", vec![
            item("$XDG_CONFIG_HOME/trustgraph/config.toml", "The config file (else ~/.config/trustgraph/config.toml): default_profile, and [profiles.NAME] tables with url, workspace, token_file, ca_cert and timeout. Edit it with tg-config(1), which keeps comments and unknown keys; tg-config list shows every profile."),
            item("credentials.toml", "Beside the config file: the sessions saved by tg-login --save, one per profile, written 0600 through a temporary file and a rename. tg-logout(1) removes them."),
            para("A secret file (the credentials file, a --token-file or a profile's token_file) that group or others may read is refused, as ssh does; chmod 600 it."),
        ]),
        exit_status(),
        Section::new("SECURITY", vec![
            para("A secret (a token, password, API key, JWT or temporary password) reaches stdout when it is the result, the configured gateway, or a 0600 file the user asked for; never stderr, a -v trace or an error line, where every secret the run holds is masked as ***, however a server spells it."),
            para("Only a 307 or 308 redirect to the same origin is followed; any other is refused (exit 6) and nothing is sent there. Replies are bounded in size (a list reply by TRUSTGRAPH_MAX_LIST_BYTES, any other by 4 MiB) and time."),
            para("Tools that print a one-time secret (tg-bootstrap-iam, tg-create-api-key, tg-rotate-api-key, tg-reset-password) check stdout before asking for it: closed, /dev/null, /dev/full, read-only or a pipe nobody reads is refused with exit 2 and nothing is sent. If writing fails after the secret was minted, the tool exits 7 and says how to recover. A JWT (tg-login, tg-mint-token) can be had again: it may go to /dev/null."),
            para("Passwords are best read with --password-stdin or typed at the no-echo prompt: a password given as a flag is visible in ps(1) and shell history, and the tool warns."),
        ]),
        Section::new("EXAMPLES", vec![Block::Pre(vec![
            "export TRUSTGRAPH_URL=http://localhost:8888/".into(),
            "export TRUSTGRAPH_TOKEN=$(tg-bootstrap-iam)".into(),
            "tg-create-workspace --workspace-id research".into(),
            "printf '%s\\n' \"$PW\" | tg-create-user --username alice -w research --password-stdin".into(),
            "tg-list-users -o json".into(),
        ])]),
        gen::see_also(&see),
    ];
    gen::page(
        multicall::NAME,
        "7",
        multicall::NAME,
        "tg-iam manual",
        &sections,
    )
}

/// A schema type as the man page says it: `string`, `boolean`, `list of
/// strings`, `table`.
fn schema_type(v: &Value) -> String {
    if v.get("$ref").is_some() || v.get("anyOf").is_some() {
        return "table".into();
    }
    match v.get("type") {
        Some(Value::String(t)) if t == "array" => {
            let item = v.get("items").map(schema_type).unwrap_or_default();
            if item == "table" {
                "list of tables".into()
            } else {
                format!("list of {item}s")
            }
        }
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "value".into(),
    }
}

/// A schema description on one line, without Markdown's backticks.
fn one_line(v: &Value) -> String {
    v.get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .replace('`', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fields of one `$defs` entry, as tagged paragraphs.
fn schema_fields(def: &Value) -> Vec<Block> {
    let required: Vec<&str> = def
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut blocks = Vec::new();
    if let Some(props) = def.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            let mut tag = format!("{name} ({}", schema_type(p));
            if required.contains(&name.as_str()) {
                tag.push_str(", required");
            }
            match p.get("default") {
                None | Some(Value::Null) => {}
                Some(d) => tag.push_str(&format!(", default {d}")),
            }
            tag.push(')');
            blocks.push(Block::Item(tag, one_line(p)));
        }
    }
    blocks
}

/// `tg-apply-manifest(5)`: the manifest's fields, from its JSON Schema
/// (so from the Rust types' doc comments), and the example manifest.
fn manifest_page() -> Vec<u8> {
    let schema: Value = serde_json::from_str(&crate::apply::schema()).unwrap_or_default();
    let defs = &schema["$defs"];
    let para = |s: &str| Block::Para(s.to_string());
    let mut sections = vec![
        Section::new(
            "NAME",
            vec![para(&format!(
                "{MANIFEST_PAGE} - what tg-apply(1) makes a TrustGraph gateway hold"
            ))],
        ),
        Section::new("DESCRIPTION", vec![
            para(&one_line(&schema)),
            para("A manifest is TOML, YAML or JSON, chosen by the file's extension (.toml, .yaml or .yml, .json); tg-apply -f - reads standard input, with --format. Unknown fields are errors, reported with the file, the line and the field's path (exit 2). A YAML manifest may not use anchors and aliases, merge keys or more than one document, or nest deeper than 16 levels (the parser's budget refuses them, exit 2)."),
            para("Omitted means unmanaged: a field a manifest leaves out is left as it is on an existing record; a record tg-apply creates gets the defaults (a user is a reader and enabled, a workspace enabled). tg-apply refuses a plan that would take the caller's admin role, disable the caller or its home workspace, revoke or replace the API key in use, or leave no enabled admin in an enabled workspace (exit 2, naming the entry, nothing sent); see tg-apply(1)."),
            para("It has three lists, applied in this order: workspaces (by id), users (by username) and api_keys (by owner and name). The JSON Schema of the format, generated from the same definitions as this page, is schema/tg-apply-manifest.schema.json in the source; the guide is docs/apply.md there."),
        ]),
    ];
    for (title, key, def) in [
        ("WORKSPACES", "workspaces", "WorkspaceSpec"),
        ("USERS", "users", "UserSpec"),
        ("PASSWORD", "", "PasswordSpec"),
        ("API KEYS", "api_keys", "ApiKeySpec"),
    ] {
        let mut blocks = Vec::new();
        let intro = if key.is_empty() {
            format!("The password table of a user. {}", one_line(&defs[def]))
        } else {
            format!(
                "{key}: {} Each is a table of:",
                one_line(&schema["properties"][key])
            )
        };
        blocks.push(Block::Para(intro));
        blocks.extend(schema_fields(&defs[def]));
        sections.push(Section::new(title, blocks));
    }
    sections.push(Section::new(
        "EXAMPLE",
        vec![Block::Pre(
            EXAMPLE_MANIFEST.lines().map(str::to_string).collect(),
        )],
    ));
    sections.push(gen::see_also(&["tg-apply(1)".into(), "tg-iam(7)".into()]));
    gen::page(
        MANIFEST_PAGE,
        "5",
        multicall::NAME,
        "tg-iam manual",
        &sections,
    )
}
