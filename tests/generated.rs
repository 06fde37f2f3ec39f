//! Everything generated from the tool registry (`src/registry.rs`), and
//! the check that the hand-kept lists agree with it.
//!
//! `completions/`, `man/` and the README's tool table (between the
//! `tools:begin` / `tools:end` markers) are generated from the registry and
//! the tools' clap definitions (by `tg_iam::docs`, which `tg-iam
//! completions` and `tg-iam man` use too), and committed. The first test fails when
//! they are stale; `UPDATE_GENERATED=1 cargo test --test generated`
//! rewrites them. The second checks that the thin binaries (`src/bin/` and
//! the `[[bin]]` list in Cargo.toml), `man/` and `completions/` hold
//! exactly the registry's tools, and says what to add or remove.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tg_iam::docs::SHELLS;
use tg_iam::registry::{Origin, NEW_FLAGS, NEW_TOOL_FLAGS, TOOLS};

/// A generated file: its path under the repository root, its content.
type Generated = (PathBuf, Vec<u8>);

/// Every generated file but the README (which is generated in part): the
/// library's completions and man pages (what `tg-iam completions` and
/// `tg-iam man` print and write). tg-dev-gateway's are its own crate's
/// (crates/dev-gateway/tests/docs.rs).
fn generated_files() -> Vec<Generated> {
    let mut files = tg_iam::docs::completion_files();
    for (name, page) in tg_iam::docs::man_pages() {
        files.push((Path::new("man").join(name), page));
    }
    files
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

/// What `src/bin/NAME.rs` must hold for the tool whose type is at `path`.
fn thin_binary(path: &str) -> String {
    format!("fn main() -> std::process::ExitCode {{\n    tg_iam::{path}::main()\n}}\n")
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
    // man/ and completions/ also hold tg-iam's and tg-dev-gateway's.
    let mut documented = with_multicall.clone();
    documented.insert("tg-dev-gateway".to_string());
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
        let want = thin_binary(t.path);
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
            thin_binary(t.path),
            t.name
        ));
    }

    // Generated files: exactly one set per tool (stale content is the
    // other test's business).
    let regenerate = "run UPDATE_GENERATED=1 cargo test --test generated";
    problems.extend(compare(
        "man/",
        &names_in("man", "", ".1"),
        &documented,
        regenerate,
    ));
    for s in SHELLS {
        let (dir, file) = (s.name, s.file);
        let (prefix, suffix) = file("\0")
            .split_once('\0')
            .map(|(p, s)| (p.to_string(), s.to_string()))
            .unwrap();
        problems.extend(compare(
            &format!("completions/{dir}/"),
            &names_in(&format!("completions/{dir}"), &prefix, &suffix),
            &documented,
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
