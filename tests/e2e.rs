//! The main integration suite: the built tools against tg-dev-gateway,
//! started in-process on 127.0.0.1:0, through a whole administration story,
//! once against the design gateway and once against its 2.11 mode.

mod common;
use common::tg;
use tg_dev_gateway::{crypto, BootstrapMode, Compat, Config, Server};

fn gateway(compat: Compat) -> Server {
    let mut c = Config::new(BootstrapMode::Bootstrap);
    c.iterations = crypto::FAST_ITERATIONS;
    c.compat = compat;
    Server::spawn(c, "127.0.0.1:0").expect("gateway starts")
}

struct Session {
    url: String,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Session {
    /// Run `tool` with TRUSTGRAPH_URL set and `token` as TRUSTGRAPH_TOKEN.
    fn run(&self, tool: &str, token: &str, args: &[&str], stdin: Option<&str>) -> Out {
        let r = tg(tool)
            .args(args)
            .env("TRUSTGRAPH_URL", &self.url)
            .env("TRUSTGRAPH_TOKEN", token)
            .maybe_stdin(stdin)
            .run();
        Out {
            code: r.code,
            stdout: r.stdout,
            stderr: r.stderr,
        }
    }

    fn ok(&self, tool: &str, token: &str, args: &[&str], stdin: Option<&str>) -> String {
        let r = self.run(tool, token, args, stdin);
        assert_eq!(r.code, 0, "{tool} {args:?}: stderr={}", r.stderr);
        r.stdout
    }

    fn fails(
        &self,
        tool: &str,
        token: &str,
        args: &[&str],
        stdin: Option<&str>,
        code: i32,
    ) -> String {
        let r = self.run(tool, token, args, stdin);
        assert_eq!(
            r.code, code,
            "{tool} {args:?}: stdout={} stderr={}",
            r.stdout, r.stderr
        );
        assert_eq!(r.stdout, "", "{tool}: nothing on stdout on failure");
        assert!(
            r.stderr.starts_with(&format!("{tool}: error: ")),
            "{}",
            r.stderr
        );
        r.stderr
    }

    fn login(&self, user: &str, pw: &str) -> String {
        let out = self.ok(
            "tg-login",
            "",
            &["--username", user, "--password-stdin"],
            Some(&format!("{pw}\n")),
        );
        let jwt = out.trim().to_string();
        assert_eq!(jwt.matches('.').count(), 2, "{jwt}");
        jwt
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

fn story(compat: Compat) {
    let gw = gateway(compat);
    let s = Session { url: gw.url() };
    let design = compat == Compat::Design;

    // Bootstrap: once only.
    let r = s.run("tg-bootstrap-iam", "", &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let admin = r.stdout.trim().to_string();
    assert_eq!(r.stdout, format!("{admin}\n"));
    assert!(admin.starts_with("tg_") && admin.len() == 35, "{admin}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(
        lines[0].starts_with("Admin user id: ") && is_uuid(&lines[0][15..]),
        "{}",
        r.stderr
    );
    assert_eq!(lines[1], "Admin API key (shown once, capture now):");
    assert!(!r.stderr.contains(&admin));
    s.fails(
        "tg-bootstrap-iam",
        "",
        &[],
        None,
        if design { 3 } else { 1 },
    );

    let who = s.ok("tg-whoami", &admin, &[], None);
    assert!(
        who.contains("username              admin\n")
            && who.contains("workspace             default\n"),
        "{who}"
    );

    // Workspaces and users.
    assert_eq!(
        s.ok(
            "tg-create-workspace",
            &admin,
            &["--workspace-id", "research", "--name", "Research"],
            None
        ),
        "Workspace created: research\n"
    );
    let e = s.fails(
        "tg-create-workspace",
        &admin,
        &["--workspace-id", "_system"],
        None,
        2,
    );
    assert!(e.contains("reserved"));
    let alice = s.ok(
        "tg-create-user",
        &admin,
        &[
            "-w",
            "research",
            "--username",
            "alice",
            "--password-stdin",
            "--roles",
            "writer",
            "--name",
            "Alice",
        ],
        Some("pw-a\n"),
    );
    let alice = alice.trim().to_string();
    assert!(is_uuid(&alice), "{alice}");
    let e = s.fails(
        "tg-create-user",
        &admin,
        &["-w", "research", "--username", "alice", "--password-stdin"],
        Some("x\n"),
        1,
    );
    if design {
        assert!(
            e.starts_with("tg-create-user: error: duplicate: username already exists"),
            "{e}"
        );
    } else {
        assert!(e.contains("the gateway returned no user record"), "{e}");
    }
    let e = s.fails(
        "tg-create-user",
        &admin,
        &["--username", "zed", "--password-stdin"],
        Some("x\n"),
        1,
    );
    assert!(
        e.contains("hint: no workspace was sent: pass -w/--workspace"),
        "{e}"
    );
    let bob = s.ok(
        "tg-create-user",
        &admin,
        &["-w", "default", "--username", "bob", "--password-stdin"],
        Some("pw-b\n"),
    );
    let bob = bob.trim().to_string();
    let users = s.ok("tg-list-users", &admin, &[], None);
    assert_eq!(users.lines().count(), 3 + 3 + 1, "{users}");
    assert!(
        users.contains("| alice    | Alice         | writer | yes     | no        |"),
        "{users}"
    );
    assert_eq!(
        s.ok(
            "tg-list-users",
            &admin,
            &["-w", "research", "-o", "json"],
            None
        )
        .matches("\"username\"")
        .count(),
        1
    );

    // Login, and what a writer may not do.
    let jwt = s.login("alice", "pw-a");
    s.fails(
        "tg-login",
        "",
        &["--username", "alice", "--password-stdin"],
        Some("wrong\n"),
        3,
    );
    s.fails(
        "tg-login",
        "",
        &["--username", "nobody", "--password-stdin"],
        Some("x\n"),
        3,
    );
    let e = s.fails("tg-list-users", &jwt, &[], None, 4);
    assert!(e.contains("HTTP 403: access denied"), "{e}");
    s.fails(
        "tg-create-api-key",
        &jwt,
        &["--user-id", &alice, "--name", "mine"],
        None,
        4,
    );
    assert!(s
        .ok("tg-whoami", &jwt, &[], None)
        .contains("workspace             research\n"));
    let mine = s.ok("tg-list-my-workspaces", &jwt, &[], None);
    assert!(
        mine.contains("| research |") && !mine.contains("| default "),
        "{mine}"
    );
    s.fails(
        "tg-whoami",
        "tg_notarealkey0000000000000000000000",
        &[],
        None,
        3,
    );
    s.fails("tg-whoami", "", &[], None, 3);

    // API keys.
    let key = s.ok(
        "tg-create-api-key",
        &admin,
        &["--user-id", &alice, "--name", "laptop"],
        None,
    );
    let key = key.trim().to_string();
    assert!(key.starts_with("tg_"));
    assert!(s
        .ok("tg-whoami", &key, &["-o", "json"], None)
        .contains("\"username\": \"alice\""));
    let keys = s.ok("tg-list-api-keys", &admin, &["--user-id", &alice], None);
    assert!(
        keys.contains(&format!("| laptop | {} |", &key[..7]))
            && keys.contains("| —         | never   |"),
        "{keys}"
    );
    s.fails(
        "tg-create-api-key",
        &admin,
        &[
            "--user-id",
            &alice,
            "--name",
            "old",
            "--expires",
            "2001-01-01",
        ],
        None,
        2,
    );
    let e = s.fails(
        "tg-create-api-key",
        &admin,
        &["--user-id", "no-such-user", "--name", "x"],
        None,
        1,
    );
    assert!(!design || e.contains("not-found: user not found"), "{e}");

    // Change password (self, with the API key), wrong current password.
    assert_eq!(
        s.ok(
            "tg-change-password",
            &key,
            &["--password-stdin"],
            Some("pw-a\npw-a2\n")
        ),
        "Password changed.\n"
    );
    s.fails(
        "tg-login",
        "",
        &["--username", "alice", "--password-stdin"],
        Some("pw-a\n"),
        3,
    );
    let jwt = s.login("alice", "pw-a2");
    let e = s.fails(
        "tg-change-password",
        &jwt,
        &["--password-stdin"],
        Some("wrong\nnew\n"),
        3,
    );
    assert!(e.contains("password not changed"), "{e}");
    s.login("alice", "pw-a2");

    // Admin reset.
    let tmp = s.ok("tg-reset-password", &admin, &["--user-id", &bob], None);
    let tmp = tmp.trim().to_string();
    assert_eq!(tmp.len(), 16);
    s.login("bob", &tmp);
    s.fails(
        "tg-reset-password",
        &admin,
        &["--user-id", &bob, "-w", "research"],
        None,
        1,
    );

    // Disable revokes keys; enable does not restore them.
    assert_eq!(
        s.ok("tg-disable-user", &admin, &["--user-id", &alice], None),
        format!("Disabled user {alice}\n")
    );
    s.fails("tg-whoami", &key, &[], None, 3);
    s.fails(
        "tg-login",
        "",
        &["--username", "alice", "--password-stdin"],
        Some("pw-a2\n"),
        3,
    );
    s.fails(
        "tg-disable-user",
        &admin,
        &["--user-id", "no-such-user"],
        None,
        1,
    );
    assert_eq!(
        s.ok("tg-enable-user", &admin, &["--user-id", &alice], None),
        format!("Enabled user {alice}\n")
    );
    s.fails("tg-whoami", &key, &[], None, 3);
    s.login("alice", "pw-a2");

    // Update keeps flags it was not asked to change.
    s.ok("tg-disable-user", &admin, &["--user-id", &alice], None);
    let upd = s.ok(
        "tg-update-user",
        &admin,
        &["--user-id", &alice, "--name", "Alice A"],
        None,
    );
    assert!(
        upd.contains("name      : Alice A\n") && upd.contains("enabled   : no\n"),
        "{upd}"
    );
    let upd = s.ok(
        "tg-update-user",
        &admin,
        &[
            "--user-id",
            &alice,
            "--enabled",
            "yes",
            "--roles",
            "reader",
            "writer",
        ],
        None,
    );
    assert!(
        upd.contains("roles     : reader, writer\n") && upd.contains("enabled   : yes\n"),
        "{upd}"
    );

    // Revocation takes effect at once.
    let bob_key = s.ok(
        "tg-create-api-key",
        &admin,
        &["--user-id", &bob, "--name", "ci"],
        None,
    );
    let bob_key = bob_key.trim().to_string();
    s.ok("tg-whoami", &bob_key, &[], None);
    let keys = s.ok(
        "tg-list-api-keys",
        &admin,
        &["--user-id", &bob, "-o", "json"],
        None,
    );
    let id = keys
        .split("\"id\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = s.run("tg-revoke-api-key", &admin, &["--key-id", &id], None);
    assert_eq!(
        (r.code, r.stdout.clone()),
        (0, format!("Revoked key {id}\n"))
    );
    assert_eq!(r.stderr.is_empty(), design, "{}", r.stderr);
    s.fails("tg-whoami", &bob_key, &[], None, 3);
    if design {
        let e = s.fails("tg-revoke-api-key", &admin, &["--key-id", &id], None, 1);
        assert!(
            e.starts_with("tg-revoke-api-key: error: not-found: api key not found"),
            "{e}"
        );
    } else {
        let r = s.run("tg-revoke-api-key", &admin, &["--key-id", &id], None);
        assert_eq!(r.code, 0);
        assert!(r.stderr.contains("note: the gateway gave no confirmation"));
    }

    // Delete frees the username.
    s.fails("tg-delete-user", &admin, &["--user-id", &bob], None, 2);
    assert_eq!(
        s.ok(
            "tg-delete-user",
            &admin,
            &["--user-id", &bob, "--yes"],
            None
        ),
        format!("Deleted user {bob}\n")
    );
    assert!(!s.ok("tg-list-users", &admin, &[], None).contains("| bob "));
    s.fails(
        "tg-delete-user",
        &admin,
        &["--user-id", &bob, "--yes"],
        None,
        1,
    );
    s.ok(
        "tg-create-user",
        &admin,
        &["-w", "default", "--username", "bob", "--password-stdin"],
        Some("pw\n"),
    );

    // list-api-keys for a user that does not exist.
    s.fails(
        "tg-list-api-keys",
        &admin,
        &["--user-id", "no-such-user"],
        None,
        1,
    );
}

/// The claims of a JWT, decoded without verifying it.
fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Minted tokens, names for ids, and a workspace's whole lifecycle:
/// create, update, disable (its users can no longer log in, their keys
/// are gone), enable (the users stay disabled until enabled one by one).
fn admin_story(compat: Compat) {
    let gw = gateway(compat);
    let s = Session { url: gw.url() };
    let design = compat == Compat::Design;
    let admin = s.ok("tg-bootstrap-iam", "", &[], None).trim().to_string();
    let me = s.ok("tg-whoami", &admin, &["-o", "json"], None);
    let admin_id = serde_json::from_str::<serde_json::Value>(&me).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    assert_eq!(
        s.ok(
            "tg-create-workspace",
            &admin,
            &["--workspace-id", "ops"],
            None
        ),
        "Workspace created: ops\n"
    );
    let carol = s
        .ok(
            "tg-create-user",
            &admin,
            &[
                "-w",
                "ops",
                "--username",
                "carol",
                "--password-stdin",
                "--roles",
                "writer",
            ],
            Some("pw-c\n"),
        )
        .trim()
        .to_string();

    // Show and update the workspace; the enabled flag is kept.
    let shown = s.ok(
        "tg-show-workspace",
        &admin,
        &["--workspace-id", "ops"],
        None,
    );
    assert!(
        shown.starts_with("id       ops\nname     ops\nenabled  yes\ncreated  "),
        "{shown}"
    );
    let upd = s.ok(
        "tg-update-workspace",
        &admin,
        &["--workspace-id", "ops", "--name", "Operations"],
        None,
    );
    assert!(upd.contains("name     Operations\nenabled  yes\n"), "{upd}");
    s.fails(
        "tg-show-workspace",
        &admin,
        &["--workspace-id", "nope"],
        None,
        1,
    );

    // Users by name.
    let shown = s.ok("tg-show-user", &admin, &["--username", "carol"], None);
    assert!(
        shown.starts_with(&format!(
            "id                    {carol}\nusername              carol\n"
        )),
        "{shown}"
    );
    assert!(shown.contains("workspace             ops\n"), "{shown}");
    let e = s.fails("tg-show-user", &admin, &["--username", "nobody"], None, 1);
    assert!(e.contains("no user named \"nobody\""), "{e}");
    let key = s
        .ok(
            "tg-create-api-key",
            &admin,
            &["--username", "carol", "--name", "ci"],
            None,
        )
        .trim()
        .to_string();
    assert!(s
        .ok("tg-whoami", &key, &[], None)
        .contains("username              carol\n"));

    // Mint tokens: by name, by id, for oneself; each authenticates as its
    // subject, in its workspace, with the user context as given.
    let uc = r#"{"roles": ["analyst"], "ou": {"name": "sales"}}"#;
    for (target, sub, ws) in [
        (vec!["--username", "carol"], carol.as_str(), "ops"),
        (vec!["--user-id", carol.as_str()], carol.as_str(), "ops"),
        (vec!["--self"], admin_id.as_str(), "default"),
    ] {
        let mut args = vec!["-w", ws, "--user-context", uc];
        args.extend(&target);
        let r = s.run("tg-mint-token", &admin, &args, None);
        assert_eq!(r.code, 0, "{target:?}: {}", r.stderr);
        let jwt = r.stdout.trim();
        assert_eq!(r.stdout, format!("{jwt}\n"));
        assert!(
            r.stderr.starts_with("JWT expires: ") && r.stderr.lines().count() == 1,
            "{}",
            r.stderr
        );
        let c = claims(jwt);
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "default_workspace",
                "exp",
                "iat",
                "iss",
                "sub",
                "user_context"
            ]
        );
        assert_eq!(c["sub"], sub);
        assert_eq!(c["default_workspace"], ws);
        assert_eq!(
            c["user_context"],
            serde_json::json!({"roles": ["analyst"], "ou": {"name": "sales"}})
        );
        let who = gw
            .gateway
            .authenticate(jwt)
            .expect("the minted JWT authenticates");
        assert_eq!(who.user_context, Some(c["user_context"].clone()));
        let w = s.ok("tg-whoami", jwt, &["-o", "json"], None);
        assert!(w.contains(&format!("\"id\": \"{sub}\"")), "{w}");
    }
    let e = s.fails(
        "tg-mint-token",
        &admin,
        &["-w", "ops", "--user-context", "{}", "--username", "nobody"],
        None,
        1,
    );
    assert!(
        !design || e.contains("not-found: username not found"),
        "{e}"
    );
    let jwt = s.login("carol", "pw-c");
    s.fails(
        "tg-mint-token",
        &jwt,
        &["-w", "ops", "--user-context", "{}", "--self"],
        None,
        4,
    );

    // Disable the workspace: its users are disabled, their keys deleted.
    s.fails(
        "tg-disable-workspace",
        &admin,
        &["--workspace-id", "ops"],
        None,
        2,
    );
    assert_eq!(
        s.ok(
            "tg-disable-workspace",
            &admin,
            &["--workspace-id", "ops", "--yes"],
            None
        ),
        "Disabled workspace ops\n"
    );
    s.fails(
        "tg-login",
        "",
        &["--username", "carol", "--password-stdin"],
        Some("pw-c\n"),
        3,
    );
    s.fails("tg-whoami", &key, &[], None, 3);
    assert!(s
        .ok(
            "tg-show-workspace",
            &admin,
            &["--workspace-id", "ops"],
            None
        )
        .contains("enabled  no\n"));
    assert!(s
        .ok("tg-show-user", &admin, &["--username", "carol"], None)
        .contains("enabled               no\n"));
    assert_eq!(
        s.ok("tg-list-api-keys", &admin, &["--username", "carol"], None),
        "No keys.\n"
    );
    let e = s.fails(
        "tg-mint-token",
        &admin,
        &["-w", "ops", "--user-context", "{}", "--self"],
        None,
        1,
    );
    assert!(
        !design || e.contains("workspace not found or disabled"),
        "{e}"
    );

    // Enable it: the workspace is back, its users are not.
    let r = s.run(
        "tg-enable-workspace",
        &admin,
        &["--workspace-id", "ops"],
        None,
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "Enabled workspace ops\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stay disabled"), "{}", r.stderr);
    assert!(s
        .ok(
            "tg-show-workspace",
            &admin,
            &["--workspace-id", "ops"],
            None
        )
        .contains("name     Operations\nenabled  yes\n"));
    s.fails(
        "tg-login",
        "",
        &["--username", "carol", "--password-stdin"],
        Some("pw-c\n"),
        3,
    );
    assert_eq!(
        s.ok("tg-enable-user", &admin, &["--username", "carol"], None),
        format!("Enabled user {carol}\n")
    );
    s.login("carol", "pw-c");

    // Rotation: JWTs issued afterwards work at once on this gateway.
    s.fails("tg-rotate-signing-key", &admin, &[], None, 2);
    let r = s.run("tg-rotate-signing-key", &admin, &["--yes"], None);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "Signing key rotated.\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("until the gateway is restarted"),
        "{}",
        r.stderr
    );
    let jwt = s.login("carol", "pw-c");
    s.ok("tg-whoami", &jwt, &[], None);
}

#[test]
fn admin_story_against_the_design_gateway() {
    admin_story(Compat::Design);
}

#[test]
fn admin_story_against_a_2_11_gateway() {
    admin_story(Compat::V2_11);
}

#[test]
fn full_story_against_the_design_gateway() {
    story(Compat::Design);
}

#[test]
fn full_story_against_a_2_11_gateway() {
    story(Compat::V2_11);
}

#[test]
fn token_mode_seeds_the_admin_and_refuses_bootstrap() {
    let token = "tg_operator-chosen-token-0123456789ab";
    let mut c = Config::new(BootstrapMode::Token);
    c.iterations = crypto::FAST_ITERATIONS;
    c.bootstrap_token = Some(token.into());
    let gw = Server::spawn(c, "127.0.0.1:0").unwrap();
    let s = Session { url: gw.url() };
    assert!(s
        .ok("tg-whoami", token, &[], None)
        .contains("username              admin\n"));
    s.fails("tg-bootstrap-iam", "", &[], None, 3);
    assert!(s
        .ok("tg-list-workspaces", token, &[], None)
        .contains("| default | Default |"));
}

#[test]
fn tls_failure_against_a_plain_http_gateway_exits_5() {
    let gw = gateway(Compat::Design);
    let url = gw.url().replace("http://", "https://");
    let r = tg("tg-whoami").url(&url).token("tg_x").run();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with(&format!("tg-whoami: error: TLS failure talking to {url}: ")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("\nhint: check the scheme"),
        "{}",
        r.stderr
    );
}
