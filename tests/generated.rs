//! `completions/` and `man/` are generated from the tools' clap
//! definitions and committed. This test fails when they are stale;
//! `UPDATE_GENERATED=1 cargo test --test generated` rewrites them.

use clap_complete::Shell;
use std::path::{Path, PathBuf};

fn check(path: PathBuf, want: &[u8], update: bool, stale: &mut Vec<String>) {
    if update {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, want).unwrap();
    } else if std::fs::read(&path).ok().as_deref() != Some(want) {
        stale.push(path.display().to_string());
    }
}

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    let tools = tg_iam::tools::all_commands();
    assert_eq!(tools.len(), 17);
    for (name, cmd) in tools {
        for (shell, dir, file) in [
            (Shell::Bash, "bash", name.to_string()),
            (Shell::Zsh, "zsh", format!("_{name}")),
            (Shell::Fish, "fish", format!("{name}.fish")),
        ] {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd.clone(), name, &mut buf);
            check(
                root.join("completions").join(dir).join(file),
                &buf,
                update,
                &mut stale,
            );
        }
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut buf).unwrap();
        check(
            root.join("man").join(format!("{name}.1")),
            &buf,
            update,
            &mut stale,
        );
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run UPDATE_GENERATED=1 cargo test --test generated): {stale:?}"
    );
}
