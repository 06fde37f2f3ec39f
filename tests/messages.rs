//! Messages a newcomer found wrong or unhelpful, each checked word for
//! word: the hint after `-w nosuch`, a duplicate user, `--timeout 0`, a
//! URL without a scheme, a base URL with `/api/v1/`, the bootstrap admin's
//! must-change-password, and unknown roles (`--strict-roles`). (The
//! tg-auth-status expiry row and its hint are in tests/auth_status.rs,
//! `tg-config use` in tests/profiles.rs.)

mod common;
use common::*;
use tg_dev_gateway::{crypto, BootstrapMode, Config, Server};

struct Gw {
    _server: Server,
    url: String,
    admin: String,
}

impl Gw {
    fn start() -> Gw {
        let mut c = Config::new(BootstrapMode::Bootstrap);
        c.iterations = crypto::FAST_ITERATIONS;
        let server = Server::spawn(c, "127.0.0.1:0").expect("gateway starts");
        let url = server.url();
        let r = tg("tg-bootstrap-iam").url(&url).run();
        assert_eq!(r.code, 0, "{}", r.stderr);
        Gw {
            _server: server,
            url,
            admin: r.stdout.trim().to_string(),
        }
    }

    fn run(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> Run {
        tg(tool)
            .args(args)
            .env("TRUSTGRAPH_URL", &self.url)
            .env("TRUSTGRAPH_TOKEN", &self.admin)
            .maybe_stdin(stdin)
            .run()
    }
}

#[test]
fn a_missing_home_workspace_hints_at_tg_list_workspaces() {
    let gw = Gw::start();
    let r = gw.run(
        "tg-create-user",
        &["-w", "nosuch", "--username", "x", "--password-stdin"],
        Some("a long passphrase\n"),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "tg-create-user: error: not-found: workspace not found or disabled\n\
         hint: workspace \"nosuch\" does not exist or is disabled: tg-list-workspaces shows the workspaces\n"
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn a_duplicate_user_mentions_exists_ok() {
    let gw = Gw::start();
    let args = ["-w", "default", "--username", "alice", "--password-stdin"];
    let first = gw.run("tg-create-user", &args, Some("a long passphrase\n"));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let r = gw.run("tg-create-user", &args, Some("a long passphrase\n"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "tg-create-user: error: duplicate: username already exists\n\
         hint: tg-show-user --username alice shows that user; with --exists-ok a re-run prints its id and exits 0\n"
    );
    // As the hint says.
    let mut ok = args.to_vec();
    ok.push("--exists-ok");
    let r = gw.run("tg-create-user", &ok, Some("a long passphrase\n"));
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, first.stdout.as_str()),
        "{}",
        r.stderr
    );
}

#[test]
fn a_timeout_out_of_range_says_the_range_without_contradiction() {
    for bad in ["0", "-1", "86401", "soon"] {
        let r = tg("tg-whoami").args([&format!("--timeout={bad}")]).run();
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "expected a number of seconds greater than 0 and at most 86400, got \"{bad}\""
            )),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("between 0 and"), "{}", r.stderr);
    }
    // The same words for a profile's timeout.
    let d = std::env::temp_dir().join(format!("tg-messages-timeout-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let cfg = d.join("config.toml");
    std::fs::write(&cfg, "[profiles.default]\ntimeout = 0\n").unwrap();
    let r = tg("tg-whoami")
        .env("TRUSTGRAPH_CONFIG", cfg.to_str().unwrap())
        .run();
    let _ = std::fs::remove_dir_all(&d);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "profile default: timeout must be a number of seconds greater than 0 and at most 86400, not 0"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn a_url_without_a_scheme_says_the_scheme_is_missing() {
    for (url, fix) in [
        ("127.0.0.1:8888", "http://127.0.0.1:8888/"),
        ("localhost:8888", "http://localhost:8888/"),
        ("iam.example.com/", "http://iam.example.com/"),
    ] {
        let r = tg("tg-whoami").url(url).token(ADMIN).run();
        assert_eq!(r.code, 2, "{url}: {}", r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "tg-whoami: error: invalid gateway URL \"{url}\": the scheme is missing\n\
                 hint: write the URL with its scheme: {fix} (or https://)\n"
            )
        );
    }
    // A password in such a URL is not repeated in the hint.
    let r = tg("tg-whoami").url("bob:hunter22@h:1").token(ADMIN).run();
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("hunter22"), "{}", r.stderr);
}

#[test]
fn a_404_page_is_quoted_once_and_a_base_url_with_a_path_gets_its_root() {
    // aiohttp's 404 page, as a real gateway serves it under /api/v1/api/v1/.
    let m = Mock::always(Reply::Raw(404, "text/plain", "404: Not Found".into()));
    let base = format!("{}api/v1/", m.url());
    let r = tg("tg-whoami").url(&base).token(ADMIN).run();
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "tg-whoami: error: unexpected response from {base}: HTTP 404: Not Found\n\
             hint: the tools want the gateway's base URL, without a path (they add /api/v1/...): try {}\n",
            m.url()
        )
    );
    // At the root, the old hint; a body that does not repeat the status is
    // kept whole.
    let m = Mock::always(Reply::Raw(404, "text/plain", "no such route".into()));
    let r = tg("tg-whoami").gateway(&m).run();
    assert_eq!(
        r.stderr,
        format!(
            "tg-whoami: error: unexpected response from {}: HTTP 404: no such route\n\
             hint: is this the base URL of a TrustGraph API gateway (with IAM)?\n",
            m.url()
        )
    );
}

#[test]
fn whoami_explains_the_bootstrap_admins_must_change_password() {
    let gw = Gw::start();
    let r = gw.run("tg-whoami", &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("must change password  yes\n"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "tg-whoami: note: the must-change-password flag is advisory (the gateway does not enforce it). \
         A bootstrapped admin starts with it and a random password that nobody knows: it works through \
         its API key, and tg-reset-password --username admin gives it a temporary password to log in with\n"
    );
    // JSON stays the record alone, and another user gets no note.
    let r = gw.run("tg-whoami", &["-o", "json"], None);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let id = gw
        .run(
            "tg-create-user",
            &[
                "-w",
                "default",
                "--username",
                "bea",
                "--password-stdin",
                "--must-change-password",
            ],
            Some("a long passphrase\n"),
        )
        .stdout;
    assert!(!id.trim().is_empty());
    let key = gw
        .run(
            "tg-create-api-key",
            &["--username", "bea", "--name", "k"],
            None,
        )
        .stdout;
    let r = tg("tg-whoami")
        .env("TRUSTGRAPH_URL", &gw.url)
        .env("TRUSTGRAPH_TOKEN", key.trim())
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("must change password  yes\n"));
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn an_unknown_role_is_named_with_the_known_ones_and_strict_roles_refuses_it() {
    let gw = Gw::start();
    let r = gw.run(
        "tg-create-user",
        &[
            "-w",
            "default",
            "--username",
            "bob",
            "--roles",
            "admn",
            "--password-stdin",
        ],
        Some("a long passphrase\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(
            "tg-create-user: warning: unknown role \"admn\" (did you mean \"admin\"?): the known roles \
             are reader, writer and admin; the gateway stores it, but it grants nothing \
             (--strict-roles refuses unknown roles)\n"
        ),
        "{}",
        r.stderr
    );
    // A role far from every known one: no guess.
    let r = gw.run(
        "tg-update-user",
        &["--username", "bob", "--roles", "auditor"],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("tg-update-user: warning: unknown role \"auditor\": the known roles are"),
        "{}",
        r.stderr
    );

    // --strict-roles: exit 2, and nothing is sent.
    let m = Mock::always(json(500, "{}"));
    for (tool, args) in [
        (
            "tg-create-user",
            vec!["-w", "default", "--username", "carl", "--password", "x"],
        ),
        ("tg-update-user", vec!["--user-id", "u1"]),
    ] {
        let r = tg(tool)
            .args(args)
            .args(["--roles", "reader", "admn", "--strict-roles"])
            .gateway(&m)
            .run();
        assert_eq!(r.code, 2, "{tool}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "{tool}: error: unknown role \"admn\" (did you mean \"admin\"?): the known roles are reader, writer and admin\n"
            )),
            "{}",
            r.stderr
        );
    }
    assert!(m.requests().is_empty(), "nothing was sent");
    let r = gw.run(
        "tg-create-user",
        &[
            "-w",
            "default",
            "--username",
            "dee",
            "--roles",
            "writer",
            "--strict-roles",
            "--password-stdin",
        ],
        Some("a long passphrase\n"),
    );
    assert_eq!(r.code, 0, "known roles pass: {}", r.stderr);
}
