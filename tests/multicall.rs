//! The multicall binary `tg-iam`: through a symbolic link, a hard link and
//! `tg-iam TOOL`, a tool gives the same stdout, stderr (bytes) and exit
//! code as its thin binary, and sends the same requests; `--list`;
//! `install-links`, including its refusal to replace a foreign file.

mod common;
use common::*;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tg_dev_gateway::{crypto, BootstrapMode, Config, Server};
use tg_iam::registry::TOOLS;

fn multicall() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tg-iam"))
}

/// A fresh directory under the target directory (the binaries' file
/// system, so that hard links work), removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("multicall")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

/// Exactly what a process produced.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Outcome {
    fn text(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        )
    }
}

/// What `t` produced, to the byte.
fn outcome(t: TestCommand) -> Outcome {
    let out = t.output();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// The four ways to run one tool.
struct Ways {
    symlinks: Scratch,
    hardlinks: Scratch,
}

impl Ways {
    /// Links in directories of their own, named after `test`.
    fn new(test: &str) -> Ways {
        let symlinks = scratch(&format!("{test}-symlinks"));
        let hardlinks = scratch(&format!("{test}-hardlinks"));
        for t in TOOLS {
            std::os::unix::fs::symlink(multicall(), symlinks.join(t.name)).unwrap();
            std::fs::hard_link(multicall(), hardlinks.join(t.name)).unwrap();
        }
        Ways {
            symlinks,
            hardlinks,
        }
    }

    /// Run `tool` as its thin binary, then through a symbolic link, a hard
    /// link and `tg-iam TOOL`, each against `server` if there is one
    /// (`-u` is appended); assert that the four outcomes are the same, and
    /// that the server saw the same requests from each. Returns the thin
    /// binary's outcome.
    fn same(
        &self,
        tool: &str,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
        server: Option<&Mock>,
    ) -> Outcome {
        let ways = [
            ("thin binary", program(bin_dir().join(tool))),
            ("symbolic link", program(self.symlinks.join(tool))),
            ("hard link", program(self.hardlinks.join(tool))),
            ("tg-iam TOOL", program(multicall()).arg(tool)),
        ];
        let mut outcomes = Vec::new();
        for (how, t) in ways {
            let mut t = t.args(args);
            if let Some(m) = server {
                t = t.url(&m.url());
            }
            let out = outcome(t.envs(env.iter().copied()).maybe_stdin(stdin));
            if let Some(want) = outcomes.first() {
                assert_eq!(
                    out.text(),
                    Outcome::text(want),
                    "{tool} {args:?}: {how} differs from the thin binary"
                );
                assert_eq!(out, *want, "{tool} {args:?}: {how}: the bytes differ");
            }
            outcomes.push(out);
        }
        if let Some(m) = server {
            let reqs: Vec<String> = m
                .requests()
                .iter()
                .map(|r| format!("{} {} {:?} {}", r.method, r.target, r.headers, r.body))
                .collect();
            assert!(
                !reqs.is_empty() && reqs.len().is_multiple_of(4),
                "{reqs:#?}"
            );
            let n = reqs.len() / 4;
            for (i, chunk) in reqs.chunks(n).enumerate().skip(1) {
                assert_eq!(chunk, &reqs[..n], "{tool}: way {i} sent other requests");
            }
        }
        outcomes.swap_remove(0)
    }
}

/// A scripted server answering four runs of a one-request tool.
fn four(reply: Reply) -> Mock {
    Mock::start(vec![reply.clone(), reply.clone(), reply.clone(), reply])
}

fn fixture_reply(name: &str) -> Reply {
    let x = exchange(name);
    json(x.status, &x.response_body)
}

#[test]
fn help_version_and_usage_errors_are_the_thin_binarys() {
    let w = Ways::new("help");
    let help = w.same("tg-login", &["--help"], &[], None, None);
    assert_eq!(help.code, 0);
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.contains("Usage: tg-login [OPTIONS] --username <USERNAME>"),
        "{text}"
    );
    assert!(!text.contains("tg-iam"), "{text}");

    let short = w.same("tg-list-api-keys", &["-h"], &[], None, None);
    assert!(String::from_utf8_lossy(&short.stdout).starts_with("List"));

    let v = w.same("tg-whoami", &["--version"], &[], None, None);
    assert_eq!(
        v.stdout,
        format!("tg-whoami {}\n", env!("CARGO_PKG_VERSION")).as_bytes()
    );

    // clap's usage errors: an unknown flag, a missing required flag, a bad value.
    let bad = w.same("tg-create-user", &["--bogus"], &[], None, None);
    assert_eq!(bad.code, 2);
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(
        err.starts_with("error: unexpected argument '--bogus' found"),
        "{err}"
    );
    assert!(err.contains("Usage: tg-create-user"), "{err}");
    assert_eq!(w.same("tg-login", &[], &[], None, None).code, 2);
    assert_eq!(
        w.same("tg-whoami", &["--timeout", "-1"], &[], None, None)
            .code,
        2
    );
    // The tool's own usage error, found before sending anything.
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let expires = w.same(
        "tg-create-api-key",
        &[
            "-u",
            &url,
            "--user-id",
            "u1",
            "--name",
            "k",
            "--expires",
            "soon",
        ],
        &[],
        None,
        None,
    );
    assert_eq!(expires.code, 2, "{}", expires.text());
    assert!(String::from_utf8_lossy(&expires.stderr).starts_with("tg-create-api-key: error: "));
    // `--` and what follows are passed through as the thin binary gets them.
    assert_eq!(
        w.same("tg-whoami", &["--", "extra"], &[], None, None).code,
        2
    );
}

#[test]
fn requests_against_a_scripted_server_are_the_thin_binarys() {
    let w = Ways::new("scripted");
    let admin = [("TRUSTGRAPH_TOKEN", "tg_admin")];

    // Login: stdin, stdout (the JWT), stderr (its expiry), the request.
    let login = w.same(
        "tg-login",
        &["--username", "alice", "--password-stdin"],
        &[],
        Some("s3cret-A\n"),
        Some(&four(fixture_reply("14-login-success-raw.txt"))),
    );
    assert_eq!(login.code, 0, "{}", login.text());
    assert_eq!(login.stdout.iter().filter(|b| **b == b'.').count(), 2);

    let key = w.same(
        "tg-create-api-key",
        &["--user-id", "u1", "--name", "laptop"],
        &admin,
        None,
        // The create, then the read of the (disabled) user it warns about.
        Some(&Mock::start(
            [
                json(
                    200,
                    r#"{"api_key_plaintext": "tg_Lc1WWqglejREJXfN6W6emlKQAXHhAwdY", "api_key": {"id": "k1", "user_id": "u1", "name": "laptop", "prefix": "tg_Lc1W", "expires": "", "created": "2026-11-22T07:00:27.070000+00:00", "last_used": ""}}"#,
                ),
                json(200, r#"{"user": {"id": "u1", "username": "bob", "enabled": false}}"#),
            ]
            .iter()
            .cycle()
            .take(8)
            .cloned()
            .collect(),
        )),
    );
    assert_eq!(key.stdout, b"tg_Lc1WWqglejREJXfN6W6emlKQAXHhAwdY\n");
    assert!(
        String::from_utf8_lossy(&key.stderr).contains("warning: user u1 is disabled"),
        "{}",
        key.text()
    );

    // A refusal (exit 4), and a protocol failure (exit 6).
    let forbidden = w.same(
        "tg-list-users",
        &[],
        &admin,
        None,
        Some(&Mock::always(json(403, r#"{"error": "access denied"}"#))),
    );
    assert_eq!(forbidden.code, 4, "{}", forbidden.text());
    let garbage = w.same(
        "tg-whoami",
        &[],
        &admin,
        None,
        Some(&Mock::always(Reply::Raw(200, "text/html", "<html>".into()))),
    );
    assert_eq!(garbage.code, 6, "{}", garbage.text());

    // Unreachable (exit 5): nothing listening.
    let port = closed_port().to_string();
    let url = format!("http://127.0.0.1:{port}/");
    let down = w.same("tg-list-workspaces", &["-u", &url], &admin, None, None);
    assert_eq!(down.code, 5, "{}", down.text());
}

#[test]
fn requests_against_tg_dev_gateway_are_the_thin_binarys() {
    let mut c = Config::new(BootstrapMode::Bootstrap);
    c.iterations = crypto::FAST_ITERATIONS;
    let gw = Server::spawn(c, "127.0.0.1:0").expect("gateway starts");
    let url = gw.url();
    let token = tg("tg-bootstrap-iam")
        .url(&url)
        .run()
        .stdout
        .trim()
        .to_string();
    let env = [
        ("TRUSTGRAPH_URL", url.as_str()),
        ("TRUSTGRAPH_TOKEN", token.as_str()),
    ];
    let w = Ways::new("gateway");
    // Reads only, so that every way sees the same state.
    for (tool, args) in [
        ("tg-whoami", &[][..]),
        ("tg-whoami", &["-o", "json"][..]),
        ("tg-list-users", &[][..]),
        ("tg-list-workspaces", &["-o", "json"][..]),
        ("tg-list-api-keys", &["--user-id", "nobody"][..]),
    ] {
        let out = w.same(tool, args, &env, None, None);
        assert!(matches!(out.code, 0 | 1), "{tool} {args:?}: {}", out.text());
    }
    // A bad credential: exit 3, same message.
    let bad = w.same(
        "tg-whoami",
        &[],
        &[("TRUSTGRAPH_URL", &url), ("TRUSTGRAPH_TOKEN", "tg_wrong")],
        None,
        None,
    );
    assert_eq!(bad.code, 3, "{}", bad.text());
}

#[test]
fn tg_iam_lists_and_refuses_unknown_tools() {
    let list = outcome(program(multicall()).args(["--list"]));
    let want: String = TOOLS.iter().map(|t| format!("{}\n", t.name)).collect();
    assert_eq!(
        (list.code, list.stdout, list.stderr),
        (0, want.into_bytes(), vec![])
    );

    let help = outcome(program(multicall()).args(["--help"]));
    let text = String::from_utf8(help.stdout).unwrap();
    assert_eq!(help.code, 0);
    // A long purpose is wrapped to the help's width.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for t in TOOLS {
        assert!(text.contains(&format!("  {}  ", t.name)), "{text}");
        assert!(flat.contains(t.purpose), "{text}");
    }

    // Every line of the tool list is indented (no purpose wrapped back to
    // column 0) and fits in 100 columns.
    let list = text.split_once("shows each one's flags):\n").unwrap().1;
    for l in list.split("\n\n").next().unwrap().lines() {
        assert!(
            l.starts_with("  ") && l.chars().count() <= 100,
            "{l:?}\n{text}"
        );
    }

    let none = outcome(program(multicall()));
    assert_eq!((none.code, none.stdout.len()), (2, 0));
    assert!(String::from_utf8_lossy(&none.stderr).contains("Usage: tg-iam TOOL [ARGS]..."));

    let unknown = outcome(program(multicall()).args(["tg-nope", "--help"]));
    assert_eq!(
        (
            unknown.code,
            String::from_utf8_lossy(&unknown.stderr).as_ref()
        ),
        (
            2,
            "tg-iam: error: no tool named \"tg-nope\"\nhint: tg-iam --list prints the tools\n"
        )
    );
    let short = outcome(program(multicall()).args(["login"]));
    assert_eq!(
        (short.code, String::from_utf8_lossy(&short.stderr).as_ref()),
        (
            2,
            "tg-iam: error: no tool named \"login\"\nhint: did you mean tg-login?\n"
        )
    );
    let flag = outcome(program(multicall()).args(["--bogus"]));
    assert_eq!(flag.code, 2);

    // The binary under a name that is no tool's is tg-iam too. (Hard links
    // here and below: a copy could be "text file busy" while another
    // test forks.)
    let dir = scratch("renamed");
    std::fs::hard_link(multicall(), dir.join("iam")).unwrap();
    let renamed = outcome(program(dir.join("iam")).args(["--list"]));
    assert_eq!(renamed.code, 0);
}

fn inode(p: &Path) -> (u64, u64) {
    let m = std::fs::metadata(p).unwrap();
    (m.dev(), m.ino())
}

#[test]
fn install_links_creates_keeps_and_replaces_its_own_links() {
    let dir = scratch("install");
    let d = dir.to_str().unwrap();
    let r = outcome(program(multicall()).args(["install-links", d]));
    assert_eq!(r.code, 0, "{}", r.text());
    let want: String = TOOLS
        .iter()
        .map(|t| format!("{}\n", dir.join(t.name).display()))
        .collect();
    assert_eq!(String::from_utf8_lossy(&r.stdout), want);
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        format!(
            "tg-iam: {} links in {d}: {} created, 0 replaced, 0 already there\n",
            TOOLS.len(),
            TOOLS.len()
        )
    );
    let exe = multicall().canonicalize().unwrap();
    for t in TOOLS {
        let p = dir.join(t.name);
        assert!(std::fs::symlink_metadata(&p)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_link(&p).unwrap(), exe);
    }
    // The links work.
    let v = outcome(program(dir.join("tg-list-users")).args(["--version"]));
    assert_eq!(
        v.stdout,
        format!("tg-list-users {}\n", env!("CARGO_PKG_VERSION")).as_bytes()
    );

    // Again: nothing to do.
    let again = outcome(program(multicall()).args(["install-links", d]));
    assert_eq!(again.code, 0);
    assert!(String::from_utf8_lossy(&again.stderr).ends_with(&format!(
        ": 0 created, 0 replaced, {} already there\n",
        TOOLS.len()
    )));

    // --hard replaces its own symbolic links with hard links.
    let hard = outcome(program(multicall()).args(["install-links", d, "--hard"]));
    assert_eq!(hard.code, 0, "{}", hard.text());
    assert!(String::from_utf8_lossy(&hard.stderr).ends_with(&format!(
        ": 0 created, {} replaced, 0 already there\n",
        TOOLS.len()
    )));
    for t in TOOLS {
        let p = dir.join(t.name);
        assert!(!std::fs::symlink_metadata(&p)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(inode(&p), inode(&exe));
    }
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), TOOLS.len());

    // A directory holding the binary gets relative symbolic links.
    let beside = scratch("beside");
    std::fs::hard_link(multicall(), beside.join("tg-iam")).unwrap();
    let r =
        outcome(program(beside.join("tg-iam")).args(["install-links", beside.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.text());
    assert_eq!(
        std::fs::read_link(beside.join("tg-whoami")).unwrap(),
        Path::new("tg-iam")
    );
}

#[test]
fn install_links_refuses_a_foreign_file_and_changes_nothing() {
    let dir = scratch("foreign");
    let d = dir.to_str().unwrap();
    std::fs::write(dir.join("tg-login"), "#!/bin/sh\necho mine\n").unwrap();
    let r = outcome(program(multicall()).args(["install-links", d]));
    assert_eq!(
        (r.code, String::from_utf8_lossy(&r.stderr).as_ref(), r.stdout.len()),
        (
            1,
            format!("tg-iam: error: {d}/tg-login exists and is not a link to this binary; nothing was changed\nhint: remove it, or install the links in another directory\n").as_str(),
            0
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("tg-login")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no link was created"
    );

    // Nor with --hard; nor a symbolic link to something else, nor a hard
    // link to another file.
    let r = outcome(program(multicall()).args(["install-links", d, "--hard"]));
    assert_eq!(r.code, 1);
    std::fs::remove_file(dir.join("tg-login")).unwrap();
    std::os::unix::fs::symlink(bin_dir().join("tg-login"), dir.join("tg-login")).unwrap();
    std::fs::hard_link(bin_dir().join("tg-whoami"), dir.join("tg-whoami")).unwrap();
    let r = outcome(program(multicall()).args(["install-links", d]));
    assert_eq!(r.code, 1, "{}", r.text());
    assert!(String::from_utf8_lossy(&r.stderr)
        .contains("is not a link to this binary (and 1 more); nothing was changed"));
    assert_eq!(
        std::fs::read_link(dir.join("tg-login")).unwrap(),
        bin_dir().join("tg-login")
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);

    // A dangling symbolic link is foreign too.
    let dangling = scratch("dangling");
    std::os::unix::fs::symlink("/nonexistent/tg-iam", dangling.join("tg-whoami")).unwrap();
    let r = outcome(program(multicall()).args(["install-links", dangling.to_str().unwrap()]));
    assert_eq!(r.code, 1, "{}", r.text());
}

#[test]
fn install_links_usage_errors_exit_2() {
    let gone = scratch("gone");
    let missing = gone.join("not-there");
    let r = outcome(program(multicall()).args(["install-links", missing.to_str().unwrap()]));
    assert_eq!(r.code, 2, "{}", r.text());
    assert!(String::from_utf8_lossy(&r.stderr).starts_with(&format!(
        "tg-iam: error: {} does not exist\n",
        missing.display()
    )));
    let dir = scratch("file");
    let file = dir.join("f");
    std::fs::write(&file, "").unwrap();
    let r = outcome(program(multicall()).args(["install-links", file.to_str().unwrap()]));
    assert_eq!(r.code, 2, "{}", r.text());
    assert_eq!(
        outcome(program(multicall()).args(["install-links"])).code,
        2
    );
    assert_eq!(
        outcome(program(multicall()).args(["install-links", "/tmp", "--soft"])).code,
        2
    );
    assert_eq!(
        outcome(program(multicall()).args(["--list", "install-links", "/tmp"])).code,
        2
    );
}

/// The committed completion file of `name` for shell `s`.
fn committed_completion(s: &tg_iam::docs::ShellSpec, name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(s.name)
        .join((s.file)(name));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn completions_are_the_committed_files_of_every_tool_and_tg_iam() {
    for s in tg_iam::docs::SHELLS {
        let r = outcome(program(multicall()).args(["completions", s.name]));
        assert_eq!(r.code, 0, "{}", r.text());
        assert!(r.stderr.is_empty(), "{}", r.text());
        // The committed files, one per tool and tg-iam's, as one script.
        let mut parts: Vec<Vec<u8>> = TOOLS
            .iter()
            .map(|t| committed_completion(s, t.name))
            .collect();
        parts.push(committed_completion(s, "tg-iam"));
        let want = tg_iam_docgen::bundle(s.shell, &parts);
        assert!(
            r.stdout == want,
            "tg-iam completions {} differs from completions/{}/ (run UPDATE_GENERATED=1 cargo test --test generated)",
            s.name,
            s.name
        );
    }
    // PowerShell allows `using` only at the top: once, there.
    let ps = outcome(program(multicall()).args(["completions", "powershell"]));
    let text = String::from_utf8(ps.stdout).unwrap();
    assert!(text.starts_with("using namespace "), "{text:.200}");
    assert_eq!(
        text.matches("using namespace System.Management.Automation\n")
            .count(),
        1
    );
    let r = outcome(program(multicall()).args(["completions", "tcsh"]));
    assert_eq!(r.code, 2, "{}", r.text());
    assert!(r.stdout.is_empty());
}

#[test]
fn sourced_bash_completions_complete_every_tool() {
    let out = Command::new("bash")
        .args([
            "-c",
            "source <(\"$1\" completions bash) && complete -p tg-login tg-apply tg-iam && \
             COMP_WORDS=(tg-list-users -o ''); COMP_CWORD=2; COMP_LINE='tg-list-users -o '; \
             COMP_POINT=${#COMP_LINE}; _tg__list__users tg-list-users '' -o; echo \"${COMPREPLY[*]}\"",
            "bash",
        ])
        .arg(multicall())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for tool in ["tg-login", "tg-apply", "tg-iam"] {
        assert!(stdout.contains(&format!(" {tool}\n")), "{stdout}");
    }
    assert!(stdout.contains("table json csv ids"), "{stdout}");
}

#[test]
fn man_writes_the_committed_pages_into_their_sections() {
    let d = scratch("man");
    let dir = d.join("share/man");
    let r = outcome(program(multicall()).args(["man", dir.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.text());
    let listed: Vec<PathBuf> = String::from_utf8(r.stdout.clone())
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    // Every committed page but tg-dev-gateway's (its own binary writes it).
    let mut want: Vec<String> = std::fs::read_dir(&committed)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f != "tg-dev-gateway.1")
        .collect();
    want.sort();
    let mut have: Vec<String> = listed
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    have.sort();
    assert_eq!(have, want);
    assert_eq!(
        listed.len(),
        TOOLS.len() + 3,
        "each tool's, tg-iam.1, .7, .5"
    );
    for p in &listed {
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        let section = file.rsplit('.').next().unwrap();
        assert_eq!(
            p.parent().unwrap(),
            dir.join(format!("man{section}")),
            "{file} is in its section's directory"
        );
        assert!(
            std::fs::read(p).unwrap() == std::fs::read(committed.join(&file)).unwrap(),
            "{file} differs from man/{file} (run UPDATE_GENERATED=1 cargo test --test generated)"
        );
    }
    // Run again: the pages are replaced, not refused.
    let again = outcome(program(multicall()).args(["man", dir.to_str().unwrap()]));
    assert_eq!(again.code, 0, "{}", again.text());
    // A DIR that is a file: exit 1, nothing on stdout.
    let file = d.join("a-file");
    std::fs::write(&file, "").unwrap();
    let r = outcome(program(multicall()).args(["man", file.to_str().unwrap()]));
    assert_eq!(r.code, 1, "{}", r.text());
    assert!(r.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&r.stderr)
            .starts_with("tg-iam: error: cannot write the man pages: "),
        "{}",
        r.text()
    );
}

#[test]
fn every_page_and_long_help_ends_with_examples() {
    for t in TOOLS {
        let page = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("man")
                .join(format!("{}.1", t.name)),
        )
        .unwrap();
        for section in [".SH \"EXIT STATUS\"", ".SH EXAMPLES", ".SH \"SEE ALSO\""] {
            assert!(page.contains(section), "{}: no {section}", t.name);
        }
        assert!(!page.contains(".SH EXTRA"), "{}", t.name);
        assert!(
            (2..=4).contains(&t.examples.len()),
            "{}: 2 to 4 examples",
            t.name
        );
        let help = outcome(program(multicall()).args([t.name, "--help"]));
        let help = String::from_utf8(help.stdout).unwrap();
        let tail = &help[help.rfind("Examples:").expect("Examples:")..];
        for (what, cmd) in t.examples {
            // clap wraps help at the terminal's width: an example that fits
            // 80 columns is never broken.
            assert!(what.len() + 4 <= 80, "{}: shorten {what:?}", t.name);
            for line in cmd.lines() {
                assert!(line.len() + 2 <= 80, "{}: split {line:?} with \\", t.name);
            }
            assert!(
                tail.contains(&format!("  # {what}\n")),
                "{}: {tail}",
                t.name
            );
            assert!(tail.contains(cmd.lines().next().unwrap()), "{}", t.name);
            assert!(
                cmd.starts_with(t.name)
                    || cmd.contains(&format!(" {}", t.name))
                    || cmd.contains(&format!("({}", t.name)),
                "{}: an example runs the tool: {cmd}",
                t.name
            );
        }
        // -h stays short: exit codes, no examples.
        let short = outcome(program(multicall()).args([t.name, "-h"]));
        assert!(!String::from_utf8_lossy(&short.stdout).contains("Examples:"));
    }
    let apply =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("man/tg-apply.1"))
            .unwrap();
    assert!(
        apply.contains("tg\\-apply\\-manifest(5)"),
        "tg-apply.1 points at the manifest page"
    );
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("man/tg-apply-manifest.5"),
    )
    .unwrap();
    for field in ["username", "workspace", "roles", "expires", "generate"] {
        assert!(manifest.contains(&format!("\\fB{field} (")), "{field}");
    }
}
