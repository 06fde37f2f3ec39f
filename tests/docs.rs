//! The documentation's commands work: every shell block of `README.md`
//! and `docs/*.md` that is marked runnable is run, and its relative links
//! lead somewhere.
//!
//! **The marker** is the code fence's info string:
//!
//! * ` ```sh ` or ` ```bash `: runnable. The blocks of one file run in
//!   order, in one `bash -euo pipefail` (so a block may use what an
//!   earlier one of the same file set), as a reader pasting them would.
//!   A command that is meant to fail says so: `cmd || echo "exit code $?"`.
//! * ` ```sh no-run ` (or ` ```bash no-run `): shown, never run (it starts
//!   a server, builds, installs, or needs a terminal). Every skipped block
//!   is listed in the test's output, with its file and line.
//! * Any other fence (`toml`, `text`, `json`, `rust`, ...) is not shell.
//!
//! Each file's blocks run inside `tg-dev-gateway exec` (a fresh,
//! bootstrapped gateway on a free loopback port, with `TRUSTGRAPH_URL`
//! and `TRUSTGRAPH_TOKEN` set), with the tools of `target/debug` first on
//! `PATH`, an empty environment otherwise, and a throw-away `HOME`,
//! `XDG_CONFIG_HOME` and working directory: never the user's config,
//! never a fixed port. The files run in parallel.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One fenced code block.
#[derive(Debug)]
struct Block {
    /// The line of its opening fence (1-based).
    line: usize,
    /// The info string's words: `["sh", "no-run"]`.
    info: Vec<String>,
    text: String,
}

impl Block {
    fn is_shell(&self) -> bool {
        matches!(self.info.first().map(String::as_str), Some("sh" | "bash"))
    }

    fn runnable(&self) -> bool {
        self.is_shell() && !self.info.iter().any(|w| w == "no-run")
    }
}

/// The fenced code blocks of a Markdown text (fences of three or more
/// backticks, indented or not; the content loses the fence's indent).
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize, usize, Vec<String>, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|c| *c == '`').count();
        match &mut open {
            None if ticks >= 3 => {
                let info = trimmed[ticks..]
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                open = Some((i + 1, indent, ticks, info, String::new()));
            }
            None => {}
            Some((_, _, n, _, _)) if ticks >= *n && trimmed[ticks..].trim().is_empty() => {
                let (line, _, _, info, text) = open.take().unwrap();
                out.push(Block { line, info, text });
            }
            Some((_, ind, _, _, body)) => {
                let strip = (*ind).min(indent);
                body.push_str(&line[strip..]);
                body.push('\n');
            }
        }
    }
    assert!(open.is_none(), "a code fence is never closed");
    out
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md, then docs/*.md in name order (paths relative to the root).
fn documents() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    docs.sort();
    docs.insert(0, PathBuf::from("README.md"));
    docs
}

/// A scratch directory for one document's run, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!(
            "tg-docs-test-{}-{}",
            name.replace('/', "-"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        for sub in ["home/.config", "work"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The script for a document's runnable blocks: each announces itself on
/// stderr (`=== README.md:123`), so that a failure names its block.
fn script(doc: &Path, blocks: &[&Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        s.push_str(&format!(
            "printf '\\n=== %s:%s\\n' '{}' '{}' >&2\n",
            doc.display(),
            b.line
        ));
        s.push_str(&b.text);
    }
    s
}

/// Run a document's runnable blocks; `Err` with the file, the failing
/// block and the run's output.
fn run_document(doc: &Path, blocks: &[&Block]) -> Result<(), String> {
    let scratch = Scratch::new(&doc.display().to_string());
    let script_path = scratch.0.join("blocks.sh");
    std::fs::write(&script_path, script(doc, blocks)).unwrap();
    let log_path = scratch.0.join("output.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let home = scratch.0.join("home");
    let path = format!(
        "{}:{}",
        common::bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new(common::bin_dir().join("tg-dev-gateway"))
        .args([
            "exec",
            "--insecure-fast-hashing",
            "--",
            "bash",
            "-euo",
            "pipefail",
        ])
        .arg(&script_path)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("LC_ALL", "C.UTF-8")
        .current_dir(scratch.0.join("work"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .status()
        .expect("run tg-dev-gateway exec (cargo test --workspace builds it)");
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let block = output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("=== "))
        .unwrap_or("(before the first block)")
        .to_string();
    Err(format!(
        "{}: a runnable block failed ({status}); the last block started: {block}\n--- output ---\n{output}",
        doc.display()
    ))
}

#[test]
fn every_runnable_shell_block_of_the_docs_works() {
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    let mut counted = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(root().join(&doc)).unwrap();
        let all = blocks(&text);
        for b in all.iter().filter(|b| b.is_shell() && !b.runnable()) {
            let first = b.text.lines().next().unwrap_or("");
            skipped.push(format!("{}:{}: {first}", doc.display(), b.line));
        }
        counted += all.iter().filter(|b| b.runnable()).count();
        runs.push((doc, all));
    }
    // Visibly skipped: `cargo test --test docs -- --nocapture` shows them.
    println!("shell blocks marked no-run, not run ({}):", skipped.len());
    for s in &skipped {
        println!("  skipped (no-run): {s}");
    }
    println!("runnable shell blocks: {counted}");
    assert!(
        counted >= 8,
        "the docs have runnable blocks (found {counted})"
    );

    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(doc, all)| {
                scope.spawn(move || {
                    let runnable: Vec<&Block> = all.iter().filter(|b| b.runnable()).collect();
                    if runnable.is_empty() {
                        return Ok(());
                    }
                    run_document(doc, &runnable)
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap().err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_marker_is_read_from_the_info_string() {
    let text = "a\n```sh\necho 1\n```\n\n  ```sh no-run\n  make world\n  ```\n```toml\nx = 1\n```\n````bash\necho '```'\n````\n";
    let b = blocks(text);
    assert_eq!(b.len(), 4);
    assert!(b[0].runnable() && b[0].line == 2 && b[0].text == "echo 1\n");
    assert!(b[1].is_shell() && !b[1].runnable());
    assert_eq!(b[1].text, "make world\n", "the fence's indent is removed");
    assert!(!b[2].is_shell());
    assert!(b[3].runnable() && b[3].text == "echo '```'\n");
}

#[test]
fn a_failing_block_is_reported_with_its_place() {
    // The runner fails, naming the block, when a line fails: what keeps an
    // unset variable (the README's old $ALICE_PASSWORD) from coming back.
    let b = blocks("```sh\ntg-whoami > /dev/null\n```\n\n```sh\necho \"$NEVER_SET\"\n```\n");
    let refs: Vec<&Block> = b.iter().collect();
    let err = run_document(Path::new("example.md"), &refs).unwrap_err();
    assert!(
        err.contains("the last block started: example.md:5"),
        "{err}"
    );
    assert!(err.contains("NEVER_SET: unbound variable"), "{err}");
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file's headings (outside code blocks).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn every_relative_link_of_the_docs_leads_somewhere() {
    let link = regex_lite::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let mut broken = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(root().join(&doc)).unwrap();
        let dir = doc.parent().unwrap_or(Path::new(""));
        for c in link.captures_iter(&text) {
            let target = &c[1];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, frag) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                doc.clone()
            } else {
                dir.join(file)
            };
            let full = root().join(&path);
            if !full.exists() {
                broken.push(format!("{}: {target}: no such file", doc.display()));
                continue;
            }
            if !frag.is_empty() {
                let t = std::fs::read_to_string(&full).unwrap_or_default();
                if !anchors(&t).contains(frag) {
                    broken.push(format!("{}: {target}: no such heading", doc.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_readme_stays_short_and_links_every_topic() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines; move reference material to docs/"
    );
    for doc in documents().iter().skip(1) {
        let name = doc.file_name().unwrap().to_string_lossy();
        assert!(
            readme.contains(&format!("](docs/{name})")),
            "README.md does not link docs/{name}"
        );
    }
}
