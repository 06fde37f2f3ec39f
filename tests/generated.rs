//! Everything generated from the tool registry (`src/registry.rs`), and
//! the check that the hand-kept lists agree with it.
//!
//! `completions/`, `man/` and the README's tool table (between the
//! `tools:begin` / `tools:end` markers) are generated from the registry and
//! the tools' clap definitions, and committed. The first test fails when
//! they are stale; `UPDATE_GENERATED=1 cargo test --test generated`
//! rewrites them. The second checks that the thin binaries (`src/bin/` and
//! the `[[bin]]` list in Cargo.toml), `man/` and `completions/` hold
//! exactly the registry's tools, and says what to add or remove.

use clap_complete::Shell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tg_iam::registry::{Origin, NEW_FLAGS, NEW_TOOL_FLAGS, TOOLS};

/// A generated file: its path under the repository root, its content.
type Generated = (PathBuf, Vec<u8>);

/// A shell whose completions are generated: clap_complete's shell, the
/// directory under `completions/`, and the file name for a tool.
type ShellFiles = (Shell, &'static str, fn(&str) -> String);

const SHELLS: &[ShellFiles] = &[
    (Shell::Bash, "bash", |name| name.to_string()),
    (Shell::Zsh, "zsh", |name| format!("_{name}")),
    (Shell::Fish, "fish", |name| format!("{name}.fish")),
    (Shell::Elvish, "elvish", |name| format!("{name}.elv")),
    (Shell::PowerShell, "powershell", |name| {
        format!("{name}.ps1")
    }),
];

fn completion(shell: Shell, name: &str, cmd: &clap::Command) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd.clone(), name, &mut buf);
    buf
}

fn man_page(cmd: clap::Command) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf).unwrap();
    buf
}

/// Every generated file but the README (which is generated in part).
fn generated_files() -> Vec<Generated> {
    let mut files = Vec::new();
    for t in TOOLS {
        let cmd = (t.command)();
        for (shell, dir, file) in SHELLS {
            files.push((
                Path::new("completions").join(dir).join(file(t.name)),
                completion(*shell, t.name, &cmd),
            ));
        }
        files.push((
            Path::new("man").join(format!("{}.1", t.name)),
            man_page(cmd),
        ));
    }
    files.push((Path::new("man").join("tg-iam.7"), overview_page()));
    files
}

/// `tg-iam(7)`: the overview. The tool list comes from the registry and
/// the exit codes from the library's table, so neither can drift.
fn overview_page() -> Vec<u8> {
    use roff::{bold, italic, roman, Roff};
    let mut r = Roff::new();
    let para = |r: &mut Roff, text: &str| {
        r.control("PP", []).text([roman(text)]);
    };
    let item = |r: &mut Roff, tag: &str, text: &str| {
        r.control("TP", []).text([bold(tag)]).text([roman(text)]);
    };
    r.control("TH", ["TG-IAM", "7", "", "tg-iam", "tg-iam manual"]);
    r.control("SH", ["NAME"]);
    r.text([roman(
        "tg-iam - TrustGraph identity and access management from the command line",
    )]);
    r.control("SH", ["DESCRIPTION"]);
    para(&mut r, "The tg-* tools administer users, workspaces, API keys, passwords and JWTs through a TrustGraph API gateway's IAM service. They are a drop-in replacement for the upstream Python tools of trustgraph-cli 2.11.1: the same names, flags, environment variables, request bodies and stdout. Each tool writes exactly one result on stdout (a key, a JWT, an id, a table or JSON) and everything else on stderr.");
    para(&mut r, "Every tool is its own binary, and the multicall binary tg-iam holds them all: run through a link named after a tool it is that tool; tg-iam TOOL ARGS runs TOOL; tg-iam install-links DIR makes the links. tg-dev-gateway is a local IAM gateway for demos and tests.");
    r.control("SH", ["TOOLS"]);
    for t in TOOLS {
        let new = match t.origin {
            Origin::Upstream => "",
            Origin::New => " (not in the upstream tools)",
        };
        r.control("TP", []).text([bold(t.name), roman("(1)")]);
        r.text([roman(format!("{}{new}", t.purpose))]);
    }
    r.control("SH", ["PRECEDENCE"]);
    para(&mut r, "One rule for every setting and every tool: the flag, then its environment variable, then the selected profile of the config file, then the built-in default. A flag or variable that is set but empty counts as set and means none.");
    item(
        &mut r,
        "gateway URL",
        "-u/--api-url, TRUSTGRAPH_URL, the profile's url, http://localhost:8888/.",
    );
    item(&mut r, "token", "-t/--token or --token-file, TRUSTGRAPH_TOKEN, the profile's token_file (sent only to the profile's url), then the session saved by tg-login --save (sent only to the gateway that issued it); else none.");
    item(&mut r, "workspace", "-w/--workspace, TRUSTGRAPH_WORKSPACE, the profile's workspace; else none (the gateway's default).");
    item(
        &mut r,
        "CA certificate",
        "--ca-cert, the profile's ca_cert, the system's roots.",
    );
    item(&mut r, "timeout", "--timeout, the profile's timeout, 30 seconds; it bounds the whole exchange, redirects included.");
    item(
        &mut r,
        "profile",
        "--profile, TRUSTGRAPH_PROFILE, the config file's default_profile, then \"default\".",
    );
    r.control("SH", ["ENVIRONMENT"]);
    item(&mut r, "TRUSTGRAPH_URL", "The gateway's base URL.");
    item(
        &mut r,
        "TRUSTGRAPH_TOKEN",
        "The API key or JWT to authenticate with.",
    );
    item(
        &mut r,
        "TRUSTGRAPH_WORKSPACE",
        "The workspace sent with requests that take one.",
    );
    item(
        &mut r,
        "TRUSTGRAPH_PROFILE",
        "The profile of the config file to use.",
    );
    item(
        &mut r,
        "TRUSTGRAPH_CONFIG",
        "The config file's path; set but empty: no config file at all.",
    );
    item(
        &mut r,
        "XDG_CONFIG_HOME",
        "Where the config directory is looked for (default ~/.config).",
    );
    item(&mut r, "HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY", "Proxies, as Go's ProxyFromEnvironment reads them (also in lower case); a loopback gateway is never proxied.");
    r.control("SH", ["FILES"]);
    item(&mut r, "$XDG_CONFIG_HOME/trustgraph/config.toml", "The config file (else ~/.config/trustgraph/config.toml): default_profile, and [profiles.NAME] tables with url, workspace, token_file, ca_cert and timeout. Edit it with tg-config(1), which keeps comments and unknown keys.");
    item(&mut r, "credentials.toml", "Beside the config file: the sessions saved by tg-login --save, one per profile, written 0600 through a temporary file and a rename. tg-logout(1) removes them.");
    para(&mut r, "A secret file (the credentials file, a --token-file or a profile's token_file) that group or others may read is refused, as ssh does; chmod 600 it.");
    r.control("SH", ["EXIT STATUS"]);
    r.control("nf", []);
    for line in tg_iam::error::EXIT_CODES_HELP.lines().skip(1) {
        r.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
    }
    r.control("fi", []);
    r.control("SH", ["SECURITY"]);
    para(&mut r, "A secret (a token, password, API key, JWT or temporary password) reaches stdout when it is the result, the configured gateway, or a 0600 file the user asked for; never stderr, a -v trace or an error line, where every secret the run holds is masked as ***, however a server spells it.");
    para(&mut r, "Only a 307 or 308 redirect to the same origin is followed; any other is refused (exit 6) and nothing is sent there. Replies are bounded in size and time.");
    para(&mut r, "Tools that print a one-time secret (tg-bootstrap-iam, tg-create-api-key, tg-reset-password) check stdout before asking for it: closed, /dev/null, /dev/full, read-only or a pipe nobody reads is refused with exit 2 and nothing is sent. If writing fails after the secret was minted, the tool exits 7 and says how to recover. A JWT (tg-login, tg-mint-token) can be had again: it may go to /dev/null.");
    para(&mut r, "Passwords are best read with --password-stdin or typed at the no-echo prompt: a password given as a flag is visible in ps(1) and shell history, and the tool warns.");
    r.control("SH", ["EXAMPLES"]);
    r.control("nf", []);
    for line in [
        "export TRUSTGRAPH_URL=http://localhost:8888/",
        "export TRUSTGRAPH_TOKEN=$(tg-bootstrap-iam)",
        "tg-create-workspace --workspace-id research",
        "printf '%s\\n' \"$PW\" | tg-create-user --username alice -w research --password-stdin",
        "tg-list-users -o json",
    ] {
        r.text([roman(line)]);
    }
    r.control("fi", []);
    r.control("SH", ["SEE ALSO"]);
    let see: Vec<_> = TOOLS.iter().map(|t| format!("{}(1)", t.name)).collect();
    r.text([italic(see.join(", "))]);
    r.render().into_bytes()
}

const TABLE_BEGIN: &str =
    "<!-- tools:begin (generated from src/registry.rs: UPDATE_GENERATED=1 cargo test --test generated) -->\n";
const TABLE_END: &str = "<!-- tools:end -->\n";

/// One tool's flags for the README: all but help, version, the
/// connection flags and `-t/--token`, which every tool shares.
fn flags(cmd: &clap::Command, origin: Origin) -> String {
    let mut out = Vec::new();
    for a in cmd.get_arguments() {
        let id = a.get_id().as_str();
        if matches!(id, "help" | "version" | "token" | "token_file")
            || a.get_help_heading() == Some("Connection")
        {
            continue;
        }
        let mut s = match (a.get_short(), a.get_long()) {
            (Some(c), Some(l)) => format!("`-{c}/--{l}`"),
            (None, Some(l)) => format!("`--{l}`"),
            (Some(c), None) => format!("`-{c}`"),
            (None, None) => format!("`{}`", id.to_uppercase()),
        };
        if a.is_required_set() {
            s.push_str(" (required)");
        }
        if origin == Origin::Upstream
            && a.get_long().is_some_and(|l| {
                NEW_FLAGS.contains(&l) || NEW_TOOL_FLAGS.contains(&(cmd.get_name(), l))
            })
        {
            s.push_str(" *new*");
        }
        let defaults = a.get_default_values();
        if a.get_action().takes_values() && !defaults.is_empty() {
            let d: Vec<_> = defaults.iter().map(|d| d.to_string_lossy()).collect();
            s.push_str(&format!(" (default `{}`)", d.join(" ")));
        }
        out.push(s);
    }
    if out.is_empty() {
        "–".to_string()
    } else {
        out.join(", ")
    }
}

/// The README's tool table.
fn readme_table() -> String {
    let mut s = String::from("| Tool | What it does | Flags |\n|---|---|---|\n");
    for t in TOOLS {
        let new = match t.origin {
            Origin::Upstream => "",
            Origin::New => " *new*",
        };
        s.push_str(&format!(
            "| `{}`{new} | {} | {} |\n",
            t.name,
            t.purpose,
            flags(&(t.command)(), t.origin)
        ));
    }
    s
}

/// README.md with its tool table regenerated.
fn readme(current: &str) -> String {
    let (Some(b), Some(e)) = (current.find(TABLE_BEGIN), current.find(TABLE_END)) else {
        panic!("README.md lacks the tool table markers {TABLE_BEGIN:?} and {TABLE_END:?}");
    };
    format!(
        "{}{TABLE_BEGIN}{}{}",
        &current[..b],
        readme_table(),
        &current[e..]
    )
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn completions_man_pages_and_readme_table_are_current() {
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let mut files = generated_files();
    let current = std::fs::read_to_string(root().join("README.md")).unwrap();
    files.push(("README.md".into(), readme(&current).into_bytes()));
    let mut stale = Vec::new();
    for (path, want) in files {
        let path = root().join(path);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&want[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run UPDATE_GENERATED=1 cargo test --test generated): {stale:?}"
    );
}

/// What `src/bin/NAME.rs` must hold for the tool of type `ty`.
fn thin_binary(ty: &str) -> String {
    format!("fn main() -> std::process::ExitCode {{\n    tg_iam::tools::{ty}::main()\n}}\n")
}

/// The file names in `dir` (relative to the root) with `suffix`, stripped
/// of `prefix` and `suffix`.
fn names_in(dir: &str, prefix: &str, suffix: &str) -> BTreeSet<String> {
    std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| {
            f.strip_prefix(prefix)
                .and_then(|f| f.strip_suffix(suffix))
                .map(str::to_string)
        })
        .collect()
}

fn compare(what: &str, have: &BTreeSet<String>, want: &BTreeSet<String>, fix: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for missing in want.difference(have) {
        problems.push(format!("{what}: {missing} is missing ({fix})"));
    }
    for extra in have.difference(want) {
        problems.push(format!(
            "{what}: {extra} is not in src/registry.rs (remove it)"
        ));
    }
    problems
}

#[test]
fn registry_thin_binaries_man_pages_and_completions_agree() {
    let names: BTreeSet<String> = TOOLS.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(
        names.len(),
        TOOLS.len(),
        "a tool is listed twice in src/registry.rs"
    );
    for t in TOOLS {
        assert!(
            t.name.starts_with("tg-") && !t.purpose.is_empty() && !t.purpose.contains('\n'),
            "{}: a tool is named tg-* and has a one-line purpose",
            t.name
        );
    }
    let mut with_multicall = names.clone();
    with_multicall.insert("tg-iam".to_string());
    let mut problems = Vec::new();

    // Cargo.toml's [[bin]] list: every tool, plus the multicall binary.
    let manifest: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let bins = manifest["bin"]
        .as_array()
        .expect("Cargo.toml has [[bin]] entries");
    let mut bin_names = BTreeSet::new();
    for b in bins {
        let name = b["name"].as_str().unwrap().to_string();
        if let Some(p) = b.get("path") {
            if p.as_str() != Some(&format!("src/bin/{name}.rs")) {
                problems.push(format!(
                    "Cargo.toml: [[bin]] {name} must use src/bin/{name}.rs"
                ));
            }
        }
        if !bin_names.insert(name.clone()) {
            problems.push(format!("Cargo.toml: [[bin]] {name} is listed twice"));
        }
    }
    problems.extend(compare(
        "Cargo.toml [[bin]]",
        &bin_names,
        &with_multicall,
        "add `[[bin]]` with `name = \"NAME\"` and `test = false`",
    ));

    // src/bin/: one fixed line per tool.
    problems.extend(compare(
        "src/bin/",
        &names_in("src/bin", "", ".rs"),
        &with_multicall,
        "add src/bin/NAME.rs, see below",
    ));
    for t in TOOLS {
        let path = root().join("src/bin").join(format!("{}.rs", t.name));
        let want = thin_binary(t.type_name);
        if let Ok(have) = std::fs::read_to_string(&path) {
            if have != want {
                problems.push(format!("src/bin/{}.rs must be exactly:\n{want}", t.name));
            }
        }
    }
    let missing: Vec<_> = TOOLS
        .iter()
        .filter(|t| !root().join(format!("src/bin/{}.rs", t.name)).exists())
        .collect();
    for t in missing {
        problems.push(format!(
            "create src/bin/{}.rs with:\n{}and add to Cargo.toml:\n[[bin]]\nname = \"{}\"\ntest = false\n",
            t.name,
            thin_binary(t.type_name),
            t.name
        ));
    }

    // Generated files: exactly one set per tool (stale content is the
    // other test's business).
    let regenerate = "run UPDATE_GENERATED=1 cargo test --test generated";
    problems.extend(compare(
        "man/",
        &names_in("man", "", ".1"),
        &names,
        regenerate,
    ));
    for (_, dir, file) in SHELLS {
        let (prefix, suffix) = file("\0")
            .split_once('\0')
            .map(|(p, s)| (p.to_string(), s.to_string()))
            .unwrap();
        problems.extend(compare(
            &format!("completions/{dir}/"),
            &names_in(&format!("completions/{dir}"), &prefix, &suffix),
            &names,
            regenerate,
        ));
    }

    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn readme_table_lists_every_tool_once() {
    // The table's own shape, independent of its staleness: a header, a
    // rule, and one row per tool in registry order.
    let table = readme_table();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), TOOLS.len());
    for (row, t) in rows.iter().zip(TOOLS) {
        assert!(row.starts_with(&format!("| `{}`", t.name)), "{row}");
        assert!(row.contains(t.purpose), "{row}");
    }
    assert!(table.contains("| `tg-login` | Log in with a username and password; prints the JWT | `--username` (required), `--password`, `--password-stdin` *new*, `--save` *new*, `-w/--workspace` |"), "{table}");
}
