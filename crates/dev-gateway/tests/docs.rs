//! What is generated from the gateway's code and committed:
//!
//! * the operation and limits tables of `docs/dev-gateway.md`, from
//!   `ops::OPERATIONS` and the constants in `config`;
//! * `tg-dev-gateway`'s shell completions (`completions/SHELL/`) and man
//!   page (`man/tg-dev-gateway.1`), from its clap definition, exactly as
//!   `tg-dev-gateway completions SHELL` and `tg-dev-gateway man DIR`
//!   print and write them.
//!
//! These tests fail when a committed copy is stale;
//! `UPDATE_GENERATED=1 cargo test -p tg-dev-gateway --test docs` rewrites
//! them in place.

use std::path::{Path, PathBuf};
use std::process::Command;
use tg_dev_gateway::{config, ops};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn update() -> bool {
    std::env::var_os("UPDATE_GENERATED").is_some()
}

/// Replace what lies between `<!-- begin NAME -->` and `<!-- end NAME -->`.
fn splice(text: &str, name: &str, body: &str) -> Option<String> {
    let begin =
        format!("<!-- begin {name} (generated; see crates/dev-gateway/tests/docs.rs) -->\n");
    let end = format!("<!-- end {name} -->");
    let i = text.find(&begin)? + begin.len();
    let j = i + text[i..].find(&end)?;
    Some(format!("{}{body}{}", &text[..i], &text[j..]))
}

#[test]
fn the_guide_tables_are_current() {
    let path = root().join("docs/dev-gateway.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let mut want = doc.clone();
    for (name, body) in [
        ("tg-dev-gateway operations", ops::markdown_table()),
        ("tg-dev-gateway limits", config::limits_table()),
    ] {
        want = splice(&want, name, &body)
            .unwrap_or_else(|| panic!("docs/dev-gateway.md has no '{name}' markers"));
    }
    if update() {
        std::fs::write(&path, &want).unwrap();
    } else {
        assert!(
            doc == want,
            "docs/dev-gateway.md's generated tables are stale: run UPDATE_GENERATED=1 cargo test -p tg-dev-gateway --test docs"
        );
    }
}

fn gateway() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tg-dev-gateway"))
}

/// Compare (or with UPDATE_GENERATED, write) a committed file.
fn check(path: &Path, have: &[u8], stale: &mut Vec<String>) {
    if update() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, have).unwrap();
    } else if std::fs::read(path).ok().as_deref() != Some(have) {
        stale.push(path.display().to_string());
    }
}

#[test]
fn the_committed_completions_and_man_page_are_what_the_binary_prints() {
    let mut stale = Vec::new();
    for s in tg_iam_docgen::SHELLS {
        let out = gateway().args(["completions", s.name]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty());
        let file = root()
            .join("completions")
            .join(s.name)
            .join((s.file)("tg-dev-gateway"));
        check(&file, &out.stdout, &mut stale);
    }
    let dir = std::env::temp_dir().join(format!("tg-dev-gateway-man-{}", std::process::id()));
    let out = gateway().arg("man").arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = dir.join("man1/tg-dev-gateway.1");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n", page.display())
    );
    let text = std::fs::read(&page).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let s = String::from_utf8_lossy(&text);
    for section in [".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH COMMANDS"] {
        assert!(s.contains(section), "{section} missing:\n{s}");
    }
    check(&root().join("man/tg-dev-gateway.1"), &text, &mut stale);
    assert!(
        stale.is_empty(),
        "stale (run UPDATE_GENERATED=1 cargo test -p tg-dev-gateway --test docs): {stale:?}"
    );
}

#[test]
fn the_long_help_ends_with_examples() {
    let out = gateway().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let tail = &help[help.find("Examples:").expect("an Examples: section")..];
    assert!(
        tail.contains("  tg-dev-gateway exec -- ./provision.sh\n"),
        "{tail}"
    );
    assert!(help.contains("Exit codes:\n"), "{help}");
    // Within 80 columns, so that clap never wraps an example.
    assert!(tail.lines().all(|l| l.len() <= 80), "{tail}");
}
