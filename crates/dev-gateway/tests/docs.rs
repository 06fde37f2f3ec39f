//! The README's operation table and limits table are generated from the
//! code (`ops::OPERATIONS`, the constants in `config`). This test fails
//! when they are stale; `UPDATE_GENERATED=1 cargo test -p tg-dev-gateway
//! --test docs` rewrites them in place.

use std::path::Path;
use tg_dev_gateway::{config, ops};

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
fn the_readme_tables_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let mut want = readme.clone();
    for (name, body) in [
        ("tg-dev-gateway operations", ops::markdown_table()),
        ("tg-dev-gateway limits", config::limits_table()),
    ] {
        want = splice(&want, name, &body)
            .unwrap_or_else(|| panic!("README.md has no '{name}' markers"));
    }
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &want).unwrap();
    } else {
        assert!(
            readme == want,
            "README.md's generated tables are stale: run UPDATE_GENERATED=1 cargo test -p tg-dev-gateway --test docs"
        );
    }
}
