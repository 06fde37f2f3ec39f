//! tg-apply and --exists-ok, built and run against tg-dev-gateway on
//! 127.0.0.1:0 (both the design gateway and its 2.11 mode, where a
//! refusal looks like a success): the plan on stderr, the secrets on
//! stdout, the exit code, and the gateway's state afterwards.

mod common;
use common::{tg, Run, TestCommand};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tg_dev_gateway::{crypto, BootstrapMode, Compat, Config, RefuseHook, Server};

struct Gw {
    server: Server,
    url: String,
    admin: String,
}

fn start(compat: Compat, refuse: Option<RefuseHook>) -> Gw {
    let mut c = Config::new(BootstrapMode::Bootstrap);
    c.iterations = crypto::FAST_ITERATIONS;
    c.compat = compat;
    c.refuse = refuse;
    let server = Server::spawn(c, "127.0.0.1:0").expect("gateway starts");
    let url = server.url();
    let r = tg("tg-bootstrap-iam").url(&url).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    Gw {
        server,
        url,
        admin: r.stdout.trim().to_string(),
    }
}

impl Gw {
    /// `tool` with the gateway's URL and the admin's key.
    fn tg(&self, tool: &str) -> TestCommand {
        tg(tool).url(&self.url).token(&self.admin)
    }

    /// Run `tool` with the gateway's URL and the admin's key.
    fn run(&self, tool: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.tg(tool).args(args).envs(env.iter().copied()).run()
    }

    fn apply(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run("tg-apply", args, env)
    }

    /// The state, without ids, times or secrets: one sorted line per thing.
    fn summary(&self) -> Vec<String> {
        let st = self.server.gateway.snapshot();
        let name_of = |id: &str| {
            st.users
                .iter()
                .find(|u| u.id == id)
                .map(|u| u.username.clone())
                .unwrap_or_default()
        };
        let mut out: Vec<String> = st
            .workspaces
            .iter()
            .map(|w| format!("workspace {} {:?} enabled={}", w.id, w.name, w.enabled))
            .chain(st.users.iter().map(|u| {
                format!(
                    "user {} in {} roles={} name={:?} email={:?} enabled={}",
                    u.username,
                    u.workspace,
                    u.roles.join(","),
                    u.name,
                    u.email,
                    u.enabled
                )
            }))
            .chain(st.api_keys.iter().map(|k| {
                format!(
                    "key {}/{} expires={:?}",
                    name_of(&k.user_id),
                    k.name,
                    k.expires
                )
            }))
            .collect();
        out.sort();
        out
    }
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tg-apply-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout={} stderr={}", r.stdout, r.stderr);
}

/// The plan's lines: those starting with a sign.
fn plan_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| ["+ ", "~ ", "- ", "= "].iter().any(|p| l.starts_with(p)))
        .collect()
}

fn secrets(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

const MANIFEST: &str = r#"
[[workspaces]]
id = "acme"
name = "Acme"

[[workspaces]]
id = "research"

[[users]]
username = "alice"
workspace = "acme"
roles = ["writer"]
name = "Alice"
password = { env = "ALICE_PW" }

[[users]]
username = "bob"
workspace = "acme"
password = { file = "bob.pw" }

[[users]]
username = "carol"
workspace = "research"
roles = ["writer", "reader"]

[[api_keys]]
user = "alice"
name = "ci"

[[api_keys]]
user = "bob"
name = "laptop"
expires = "2099-01-01"
"#;

const ENV: &[(&str, &str)] = &[("ALICE_PW", "alice-pw-1234")];

/// A directory with MANIFEST as m.toml and bob's 0600 password file.
fn manifest_dir(tag: &str) -> (PathBuf, String) {
    let d = tmpdir(tag);
    let m = write(&d, "m.toml", MANIFEST);
    let pw = write(&d, "bob.pw", "bob-pw-5678\n");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    (d, m)
}

fn first_then_noop(compat: Compat) {
    let gw = start(compat, None);
    let (_d, m) = manifest_dir(&format!("first-{compat:?}"));
    let r = gw.apply(&["-f", &m], ENV);
    ok(&r);
    assert_eq!(
        plan_lines(&r.stderr),
        [
            "+ create workspace acme",
            "+ create workspace research",
            "+ create user alice (writer) in acme",
            "+ create user bob (reader) in acme",
            "+ create user carol (reader, writer) in research",
            "+ create api key alice/ci",
            "+ create api key bob/laptop (expires 2099-01-01)",
        ],
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .contains("Plan: 7 to create, 0 to change, 0 unchanged.\n"));
    // CI (no terminal): one line per step, then the total.
    for n in 1..=7 {
        assert!(
            r.stderr.contains(&format!("[{n}/7] + create ")),
            "{}",
            r.stderr
        );
    }
    assert!(r.stderr.ends_with("Applied 7 steps.\n"), "{}", r.stderr);
    // The secrets: carol's generated password and the two keys.
    let s = secrets(&r.stdout);
    assert_eq!(s.len(), 3, "{}", r.stdout);
    for x in &s {
        let secret = x["secret"].as_str().unwrap();
        assert!(!r.stderr.contains(secret), "a secret on stderr");
    }
    let pw = s.iter().find(|x| x["kind"] == "password").unwrap();
    assert_eq!(pw["user"], "carol");
    let key = s.iter().find(|x| x["name"] == "ci").unwrap();
    assert_eq!(
        key.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["kind", "user", "name", "key_id", "secret"]
    );
    assert_eq!(
        (&key["kind"], &key["user"]),
        (&"api_key".into(), &"alice".into())
    );
    // They work: the key is alice's, the passwords log in.
    let who = tg("tg-whoami")
        .url(&gw.url)
        .token(key["secret"].as_str().unwrap())
        .run();
    ok(&who);
    assert!(who.stdout.contains("alice"), "{}", who.stdout);
    for (user, pw) in [
        ("carol", pw["secret"].as_str().unwrap()),
        ("alice", "alice-pw-1234"),
        ("bob", "bob-pw-5678"),
    ] {
        let l = tg("tg-login")
            .url(&gw.url)
            .args(["--username", user, "--password-stdin"])
            .stdin(format!("{pw}\n"))
            .run();
        ok(&l);
    }
    let after_first = gw.summary();
    assert!(after_first.contains(
        &"user carol in research roles=reader,writer name=\"carol\" email=\"\" enabled=true"
            .to_string()
    ));
    assert!(
        after_first.contains(&"key bob/laptop expires=\"2099-01-01T00:00:00+00:00\"".to_string())
    );

    // Again: nothing to do, only `=` lines, no secret.
    let r = gw.apply(&["-f", &m], ENV);
    ok(&r);
    assert_eq!(r.stdout, "");
    let lines = plan_lines(&r.stderr);
    assert_eq!(lines.len(), 7, "{}", r.stderr);
    assert!(lines.iter().all(|l| l.starts_with("= ")), "{}", r.stderr);
    assert!(lines.contains(&"= user alice unchanged"));
    assert!(lines.contains(&"= api key bob/laptop unchanged"));
    assert!(
        r.stderr.ends_with("Nothing to do: 7 unchanged.\n"),
        "{}",
        r.stderr
    );
    assert_eq!(gw.summary(), after_first);
}

#[test]
fn first_apply_creates_everything_and_a_second_is_a_noop() {
    first_then_noop(Compat::Design);
}

#[test]
fn first_apply_and_noop_on_a_2_11_gateway() {
    first_then_noop(Compat::V2_11);
}

#[test]
fn a_changed_manifest_gives_exactly_the_expected_steps() {
    let gw = start(Compat::Design, None);
    let (d, m) = manifest_dir("changed");
    ok(&gw.apply(&["-f", &m], ENV));
    let changed = MANIFEST
        .replace("id = \"research\"", "id = \"research\"\nname = \"R&D\"")
        .replace(
            "workspace = \"acme\"\npassword = { file",
            "workspace = \"acme\"\nroles = [\"writer\"]\nenabled = true\npassword = { file",
        )
        .replace("name = \"Alice\"", "name = \"Alice\"\nemail = \"alice@example.com\"")
        + "\n[[users]]\nusername = \"dave\"\nworkspace = \"research\"\n\n[[api_keys]]\nuser = \"carol\"\nname = \"ci\"\n\n[[api_keys]]\nuser = \"alice\"\nname = \"ci\"\nexpires = \"2098-01-01\"\n";
    // The last entry lists alice/ci twice: refused before anything is sent.
    let dup = write(&d, "dup.toml", &changed);
    let r = gw.apply(&["-f", &dup], ENV);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("api_keys[3]: API key \"ci\" of user \"alice\" is listed twice"),
        "{}",
        r.stderr
    );
    let changed = changed.replace(
        "\n[[api_keys]]\nuser = \"alice\"\nname = \"ci\"\nexpires = \"2098-01-01\"\n",
        "",
    );
    let changed = changed.replace(
        "[[api_keys]]\nuser = \"bob\"\nname = \"laptop\"\nexpires = \"2099-01-01\"",
        "[[api_keys]]\nuser = \"bob\"\nname = \"laptop\"\nexpires = \"2098-06-01T00:00:00Z\"",
    );
    let m2 = write(&d, "m2.toml", &changed);
    let before = gw.summary();
    let dry = gw.apply(&["-f", &m2, "--dry-run"], ENV);
    ok(&dry);
    assert_eq!(dry.stdout, "");
    assert!(
        dry.stderr.ends_with("Dry run: nothing was changed.\n"),
        "{}",
        dry.stderr
    );
    assert_eq!(gw.summary(), before, "--dry-run changed nothing");
    let want = [
        "= workspace acme unchanged",
        "~ update workspace research: name research -> R&D",
        "~ update user alice: email (none) -> alice@example.com",
        "~ update user bob: roles reader -> writer",
        "= user carol unchanged",
        "+ create user dave (reader) in research",
        "= api key alice/ci unchanged",
        "~ replace api key bob/laptop: expires 2099-01-01T00:00:00+00:00 -> 2098-06-01T00:00:00Z (a new key; the old one is revoked)",
        "+ create api key carol/ci",
    ];
    assert_eq!(plan_lines(&dry.stderr), want, "{}", dry.stderr);
    assert!(dry
        .stderr
        .contains("Plan: 2 to create, 4 to change, 3 unchanged.\n"));
    let r = gw.apply(&["-f", &m2], ENV);
    ok(&r);
    assert_eq!(plan_lines(&r.stderr), want);
    let s = secrets(&r.stdout);
    let mut minted: Vec<String> = s
        .iter()
        .map(|x| format!("{} {}", x["kind"], x["user"]))
        .collect();
    minted.sort();
    assert_eq!(
        minted,
        [
            "\"api_key\" \"bob\"",
            "\"api_key\" \"carol\"",
            "\"password\" \"dave\""
        ]
    );
    let after = gw.summary();
    assert!(after.contains(&"workspace research \"R&D\" enabled=true".to_string()));
    assert!(after.contains(
        &"user bob in acme roles=writer name=\"bob\" email=\"\" enabled=true".to_string()
    ));
    assert!(
        after.contains(&"key bob/laptop expires=\"2098-06-01T00:00:00+00:00\"".to_string()),
        "{after:?}"
    );
    assert_eq!(
        after.iter().filter(|l| l.starts_with("key bob/")).count(),
        1,
        "the old key was revoked"
    );
    let again = gw.apply(&["-f", &m2], ENV);
    ok(&again);
    assert!(plan_lines(&again.stderr)
        .iter()
        .all(|l| l.starts_with("= ")));
}

#[test]
fn prune_disables_and_revokes_but_spares_the_caller_and_the_key_in_use() {
    let gw = start(Compat::V2_11, None);
    let (_d, m) = manifest_dir("prune");
    ok(&gw.apply(&["-f", &m], ENV));
    let eve = gw.run(
        "tg-create-user",
        &[
            "-w",
            "acme",
            "--username",
            "eve",
            "--password",
            "eve-pw-0000",
        ],
        &[],
    );
    ok(&eve);
    let eve_id = eve.stdout.trim().to_string();
    ok(&gw.run(
        "tg-create-api-key",
        &["--user-id", &eve_id, "--name", "e"],
        &[],
    ));
    let st = gw.server.gateway.snapshot();
    let alice = st
        .users
        .iter()
        .find(|u| u.username == "alice")
        .unwrap()
        .id
        .clone();
    let admin = st
        .users
        .iter()
        .find(|u| u.username == "admin")
        .unwrap()
        .id
        .clone();
    ok(&gw.run(
        "tg-create-api-key",
        &["--user-id", &alice, "--name", "old"],
        &[],
    ));
    ok(&gw.run(
        "tg-create-api-key",
        &["--user-id", &admin, "--name", "spare"],
        &[],
    ));

    // Without --prune, what the manifest does not list is left alone.
    let r = gw.apply(&["-f", &m], ENV);
    ok(&r);
    assert!(
        plan_lines(&r.stderr).iter().all(|l| l.starts_with("= ")),
        "{}",
        r.stderr
    );

    let r = gw.apply(&["-f", &m, "--prune"], ENV);
    ok(&r);
    let pruned: Vec<&str> = plan_lines(&r.stderr)
        .into_iter()
        .filter(|l| !l.starts_with("= "))
        .collect();
    assert_eq!(pruned.len(), 3, "{}", r.stderr);
    assert!(pruned
        .contains(&"- disable user eve (not in the manifest; the gateway revokes its API keys)"));
    assert!(pruned
        .iter()
        .any(|l| l.starts_with("- revoke api key alice/old (tg_")));
    assert!(pruned
        .iter()
        .any(|l| l.starts_with("- revoke api key admin/spare (tg_")));
    assert_eq!(r.stdout, "");
    let after = gw.summary();
    assert!(
        after.contains(
            &"user eve in acme roles=reader name=\"eve\" email=\"\" enabled=false".to_string()
        ),
        "disabled, not deleted: {after:?}"
    );
    assert!(!after.iter().any(|l| l.starts_with("key eve/")
        || l.starts_with("key alice/old")
        || l.starts_with("key admin/spare")));
    assert!(
        after.contains(&"key admin/bootstrap expires=\"\"".to_string()),
        "the key in use stays"
    );
    assert!(after
        .iter()
        .any(|l| l.starts_with("user admin ") && l.ends_with("enabled=true")));
    // Pruning converged too.
    let r = gw.apply(&["-f", &m, "--prune"], ENV);
    ok(&r);
    assert!(
        plan_lines(&r.stderr).iter().all(|l| l.starts_with("= ")),
        "{}",
        r.stderr
    );
}

fn refusal_then_rerun(compat: Compat) {
    let refusing = Arc::new(AtomicBool::new(true));
    let flag = refusing.clone();
    let hook = RefuseHook(Arc::new(move |b| {
        let bob = b.get("operation").and_then(Value::as_str) == Some("create-user")
            && b["user"]["username"] == "bob";
        (bob && flag.load(Ordering::SeqCst))
            .then(|| ("operation-not-permitted", "scripted refusal".to_string()))
    }));
    let gw = start(compat, Some(hook));
    let (_d, m) = manifest_dir(&format!("refusal-{compat:?}"));
    let r = gw.apply(&["-f", &m, "--jobs", "1"], ENV);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("tg-apply: error: step 4 of 7 failed: + create user bob (reader) in acme: "),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("[4/7] + create user bob (reader) in acme: FAILED: "),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("3 of 7 steps done, 1 failed, 3 not started.\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("run tg-apply again to do the rest"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("[5/7]"), "no step after the failure");
    // What was done stays done; nothing after the failure was started.
    let s = gw.summary();
    assert!(s.iter().any(|l| l.starts_with("user alice ")));
    assert!(!s
        .iter()
        .any(|l| l.starts_with("user bob ") || l.starts_with("user carol ")));
    assert!(r.stdout.is_empty());

    refusing.store(false, Ordering::SeqCst);
    let r = gw.apply(&["-f", &m], ENV);
    ok(&r);
    let lines = plan_lines(&r.stderr);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("= ")).count(),
        3,
        "{}",
        r.stderr
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("+ ")).count(), 4);
    assert_eq!(secrets(&r.stdout).len(), 3);
    let r = gw.apply(&["-f", &m], ENV);
    ok(&r);
    assert!(plan_lines(&r.stderr).iter().all(|l| l.starts_with("= ")));
}

#[test]
fn a_scripted_refusal_half_way_then_a_rerun_converges() {
    refusal_then_rerun(Compat::Design);
}

#[test]
fn a_scripted_refusal_on_2_11_is_caught_and_a_rerun_converges() {
    refusal_then_rerun(Compat::V2_11);
}

#[test]
fn a_silently_refused_update_on_2_11_is_caught_by_the_read_back() {
    let hook = RefuseHook(Arc::new(|b| {
        (b.get("operation").and_then(Value::as_str) == Some("update-user"))
            .then(|| ("operation-not-permitted", "no".to_string()))
    }));
    let gw = start(Compat::V2_11, Some(hook));
    let (d, m) = manifest_dir("silent");
    ok(&gw.apply(&["-f", &m], ENV));
    let m2 = write(
        &d,
        "m2.toml",
        &MANIFEST.replace(
            "roles = [\"writer\"]\nname = \"Alice\"",
            "roles = [\"admin\"]\nname = \"Alice\"",
        ),
    );
    let r = gw.apply(&["-f", &m2], ENV);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains(
        "tg-apply: error: step 1 of 1 failed: ~ update user alice: roles writer -> admin: update-user was not carried out: the gateway acknowledged it, but user alice still differs: roles writer -> admin\n"
    ), "{}", r.stderr);
}

#[test]
fn jobs_8_gives_the_same_end_state_as_jobs_1() {
    let mut text =
        String::from("[[workspaces]]\nid = \"w1\"\n[[workspaces]]\nid = \"w2\"\nname = \"Two\"\n");
    for i in 0..12 {
        text.push_str(&format!(
            "[[users]]\nusername = \"u{i}\"\nworkspace = \"w{}\"\nroles = [\"{}\"]\nemail = \"u{i}@example.com\"\n[[api_keys]]\nuser = \"u{i}\"\nname = \"k\"\n",
            1 + i % 2,
            ["reader", "writer", "admin"][i % 3]
        ));
    }
    let d = tmpdir("jobs");
    let m = write(&d, "m.toml", &text);
    let mut states = Vec::new();
    for jobs in ["1", "8"] {
        let gw = start(Compat::Design, None);
        let r = gw.apply(&["-f", &m, "--jobs", jobs], &[]);
        ok(&r);
        assert_eq!(secrets(&r.stdout).len(), 24);
        states.push(gw.summary());
    }
    assert_eq!(states[0].len(), 2 + 1 + 13 + 13);
    assert_eq!(states[0], states[1]);
}

// ------------------------------------------------------------ --exists-ok

#[test]
fn create_user_exists_ok() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat, None);
        let args = [
            "-w",
            "default",
            "--username",
            "alice",
            "--password",
            "pw-123456",
            "--roles",
            "writer",
        ];
        let first = gw.run("tg-create-user", &args, &[]);
        ok(&first);
        let id = first.stdout.clone();
        // Without the flag: unchanged, a failure.
        assert_eq!(gw.run("tg-create-user", &args, &[]).code, 1);
        let mut again = args.to_vec();
        again.push("--exists-ok");
        let r = gw.run("tg-create-user", &again, &[]);
        ok(&r);
        assert_eq!(r.stdout, id);
        assert!(
            r.stderr.contains(&format!(
                "tg-create-user: user alice (id {}) already exists; nothing was created\n",
                id.trim()
            )),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("warning: user"), "{}", r.stderr);
        // A mismatch: a warning, or exit 1 with --strict.
        let mismatch = [
            "-w",
            "default",
            "--username",
            "alice",
            "--password",
            "x",
            "--roles",
            "admin",
            "--exists-ok",
        ];
        let r = gw.run("tg-create-user", &mismatch, &[]);
        ok(&r);
        assert_eq!(r.stdout, id);
        assert!(
            r.stderr
                .contains("tg-create-user: warning: user alice (id "),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("differs from what was asked: roles writer -> admin (have -> asked); it was left unchanged\n"), "{}", r.stderr);
        let mut strict = mismatch.to_vec();
        strict.push("--strict");
        let r = gw.run("tg-create-user", &strict, &[]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.contains("tg-create-user: error: user alice (id "),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("roles writer -> admin (have -> asked); --strict\n"),
            "{}",
            r.stderr
        );
        let users = gw.server.gateway.snapshot().users;
        assert_eq!(users.iter().filter(|u| u.username == "alice").count(), 1);
        assert_eq!(
            users.iter().find(|u| u.username == "alice").unwrap().roles,
            ["writer"]
        );
    }
    // --strict alone is a usage error.
    let r = tg("tg-create-user")
        .args(["--username", "a", "--strict"])
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn create_workspace_exists_ok() {
    let gw = start(Compat::V2_11, None);
    ok(&gw.run(
        "tg-create-workspace",
        &["--workspace-id", "acme", "--name", "Acme"],
        &[],
    ));
    let r = gw.run(
        "tg-create-workspace",
        &["--workspace-id", "acme", "--name", "Acme", "--exists-ok"],
        &[],
    );
    ok(&r);
    assert_eq!(r.stdout, "Workspace created: acme\n");
    assert_eq!(
        r.stderr,
        "tg-create-workspace: workspace acme already exists; nothing was created\n"
    );
    let r = gw.run(
        "tg-create-workspace",
        &["--workspace-id", "acme", "--name", "Other", "--exists-ok"],
        &[],
    );
    ok(&r);
    assert!(r.stderr.contains("tg-create-workspace: warning: workspace acme differs from what was asked: name Acme -> Other (have -> asked); it was left unchanged\n"), "{}", r.stderr);
    let r = gw.run(
        "tg-create-workspace",
        &[
            "--workspace-id",
            "acme",
            "--name",
            "Other",
            "--exists-ok",
            "--strict",
        ],
        &[],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    // A new one is created as before.
    let r = gw.run(
        "tg-create-workspace",
        &["--workspace-id", "new", "--exists-ok"],
        &[],
    );
    ok(&r);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("Workspace created: new\n", "")
    );
}

#[test]
fn create_api_key_exists_ok() {
    let gw = start(Compat::Design, None);
    let alice = gw.run(
        "tg-create-user",
        &[
            "-w",
            "default",
            "--username",
            "alice",
            "--password",
            "pw-123456",
        ],
        &[],
    );
    ok(&alice);
    let id = alice.stdout.trim().to_string();
    let first = gw.run(
        "tg-create-api-key",
        &["--user-id", &id, "--name", "ci", "--exists-ok"],
        &[],
    );
    ok(&first);
    assert!(first.stdout.starts_with("tg_"), "created when missing");
    let r = gw.run(
        "tg-create-api-key",
        &["--user-id", &id, "--name", "ci", "--exists-ok"],
        &[],
    );
    ok(&r);
    assert_eq!(r.stdout, "", "a key's secret cannot be shown again");
    assert!(
        r.stderr.contains(&format!(
            "tg-create-api-key: API key \"ci\" of user {id} (key id "
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("already exists; nothing was created\n"));
    assert!(r.stderr.contains("tg-create-api-key: note: nothing is printed on stdout: an API key's secret is shown only when it is created\n"));
    let r = gw.run(
        "tg-create-api-key",
        &[
            "--user-id",
            &id,
            "--name",
            "ci",
            "--expires",
            "2099-01-01",
            "--exists-ok",
        ],
        &[],
    );
    ok(&r);
    assert!(r.stderr.contains("differs from what was asked: expires never -> 2099-01-01 (have -> asked); it was left unchanged"), "{}", r.stderr);
    let r = gw.run(
        "tg-create-api-key",
        &[
            "--user-id",
            &id,
            "--name",
            "ci",
            "--expires",
            "2099-01-01",
            "--exists-ok",
            "--strict",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains(
        "hint: an API key cannot be changed: revoke it with tg-revoke-api-key --key-id "
    ));
    assert_eq!(
        gw.server
            .gateway
            .snapshot()
            .api_keys
            .iter()
            .filter(|k| k.name == "ci")
            .count(),
        1
    );
}

// ------------------------------------------------ manifests, stdout, schema

#[test]
fn a_manifest_error_names_the_file_the_line_and_the_field() {
    let d = tmpdir("errors");
    // Nothing listens here: a run that sent anything would exit 5.
    let url = format!("http://127.0.0.1:{}/", common::closed_port());
    let cases = [
        ("m.toml", "[[users]]\nusername = \"a\"\nworkspace = \"w\"\nemial = \"x\"\n", ":4:1: users[0].emial: unknown field `emial`, expected one of `username`"),
        ("m.yaml", "users:\n  - username: a\n    workspace: w\n    emial: x\n", ":4:5: users[0].emial: unknown field `emial`, expected one of `username`"),
        ("m.json", "{\"users\": [\n  {\"username\": \"a\",\n   \"workspace\": \"w\",\n   \"emial\": \"x\"}]}", ":4:"),
        ("t.toml", "[[users]]\nusername = \"a\"\nworkspace = \"w\"\nroles = \"admin\"\n", ":4:9: users[0].roles: invalid type: string \"admin\", expected a sequence"),
        ("k.yaml", "api_keys:\n  - user: a\n    name: k\n    expires: soon\n", ": api_keys[0].expires: the expiry \"soon\" is not an ISO-8601 date"),
    ];
    for (name, text, want) in cases {
        let p = write(&d, name, text);
        let r = tg("tg-apply")
            .url(&url)
            .token("tg_x1234567")
            .args(["-f", &p])
            .run();
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("tg-apply: error: {p}{want}")),
            "{name}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
    let r = tg("tg-apply").url(&url).args(["-f", "-"]).stdin("{}").run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--format"), "{}", r.stderr);
    let r = tg("tg-apply")
        .url(&url)
        .args(["-f", &write(&d, "m.txt", "")])
        .run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot tell the format"), "{}", r.stderr);
}

#[test]
fn a_manifest_on_stdin_and_a_loose_password_file() {
    let gw = start(Compat::Design, None);
    let url = gw.url.clone();
    let json = r#"{"workspaces": [{"id": "acme"}], "users": [{"username": "zed", "workspace": "acme", "password": {"file": "/nonexistent/pw"}}]}"#;
    let r = tg("tg-apply")
        .url(&url)
        .token(&gw.admin)
        .args(["-f", "-", "--format", "json", "--dry-run"])
        .stdin(json)
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("tg-apply: error: <stdin>: the initial password of users[0] (zed): /nonexistent/pw does not exist"), "{}", r.stderr);
    let d = tmpdir("loose");
    let pw = write(&d, "pw", "secret-pw\n");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let m = write(&d, "m.yaml", "workspaces: [{id: acme}]\nusers:\n  - {username: zed, workspace: acme, password: {file: pw}}\n");
    let r = gw.apply(&["-f", &m], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is accessible by group or others (mode 644)"),
        "{}",
        r.stderr
    );
    assert!(
        !gw.summary().iter().any(|l| l.contains("acme")),
        "nothing was changed"
    );
}

#[test]
fn a_closed_stdout_with_minted_secrets_is_not_exit_0() {
    let gw = start(Compat::Design, None);
    let (d, m) = manifest_dir("closed");
    let before = gw.summary();
    let run = |stdout: Stdio| {
        let r = gw
            .tg("tg-apply")
            .args(["-f", &m])
            .env("ALICE_PW", "alice-pw-1234")
            .stdout(stdout)
            .run();
        (r.code, r.stderr)
    };
    // A closed stdout (reopened on /dev/null by the runtime) and /dev/full.
    for stdout in [
        Stdio::null(),
        Stdio::from(std::fs::File::create("/dev/full").unwrap()),
    ] {
        let (code, err) = run(stdout);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("refusing to ask the gateway for the secrets this plan mints"),
            "{err}"
        );
        assert_eq!(gw.summary(), before, "nothing was changed");
    }
    // A pipe nobody reads.
    let (r, w) = std::io::pipe().unwrap();
    drop(r);
    let (code, err) = run(Stdio::from(w));
    assert_ne!(code, 0, "{err}");
    assert_eq!(gw.summary(), before);

    // --secrets-out: a new 0600 file, never an existing one.
    let out = d.join("secrets.jsonl");
    let exists = write(&d, "exists.jsonl", "keep me\n");
    let r = gw.apply(&["-f", &m, "--secrets-out", &exists], ENV);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("exists: refusing to overwrite it"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&exists).unwrap(), "keep me\n");
    assert_eq!(gw.summary(), before);
    let r = gw.apply(&["-f", &m, "--secrets-out", out.to_str().unwrap()], ENV);
    ok(&r);
    assert_eq!(r.stdout, "");
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(secrets(&std::fs::read_to_string(&out).unwrap()).len(), 3);
}

#[test]
fn the_plan_is_coloured_on_a_terminal_unless_no_color() {
    let gw = start(Compat::Design, None);
    let (_d, m) = manifest_dir("colour");
    let on_tty = |no_color: Option<&str>| {
        let mut t = gw
            .tg("tg-apply")
            .args(["-f", &m, "--dry-run"])
            .env("ALICE_PW", "alice-pw-1234");
        if let Some(v) = no_color {
            t = t.env("NO_COLOR", v);
        }
        t.on_tty("").1
    };
    let screen = on_tty(None);
    assert!(
        screen.contains("\x1b[32m+ create workspace acme\x1b[0m"),
        "{screen:?}"
    );
    let screen = on_tty(Some("1"));
    assert!(
        screen.contains("+ create workspace acme") && !screen.contains("\x1b["),
        "{screen:?}"
    );
    // Not a terminal: never coloured.
    let r = gw.apply(&["-f", &m, "--dry-run"], ENV);
    assert!(!r.stderr.contains('\x1b'));
}

#[test]
fn the_json_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/tg-apply-manifest.schema.json");
    let want = tg_iam::apply::schema();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "schema/tg-apply-manifest.schema.json is stale: run UPDATE_GENERATED=1 cargo test --test apply"
    );
    let v: Value = serde_json::from_str(&have).unwrap();
    assert_eq!(v["additionalProperties"], false);
    assert_eq!(v["properties"]["users"]["type"], "array");
}

#[test]
fn the_guide_example_manifests_are_valid_and_agree() {
    // docs/apply.md shows examples/manifest.toml (which tg-apply-manifest(5)
    // carries) and the same in YAML.
    use tg_iam::apply::manifest::{parse, validate, Format};
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/apply.md"))
            .unwrap();
    let section = &guide[guide.find("## The manifest").expect("the manifest section")..];
    let block = |lang: &str| {
        let start = section.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
        let len = section[start..].find("```").unwrap();
        section[start..start + len].to_string()
    };
    assert_eq!(
        block("toml"),
        tg_iam::docs::EXAMPLE_MANIFEST,
        "docs/apply.md's TOML example is examples/manifest.toml"
    );
    let t = parse(&block("toml"), Format::Toml, "guide toml").unwrap();
    validate(&t, "guide toml").unwrap();
    let y = parse(&block("yaml"), Format::Yaml, "guide yaml").unwrap();
    validate(&y, "guide yaml").unwrap();
    assert_eq!(format!("{t:?}"), format!("{y:?}"));
    assert_eq!(
        (t.workspaces.len(), t.users.len(), t.api_keys.len()),
        (2, 3, 2)
    );
}

#[test]
fn a_secrets_file_is_not_left_behind_by_a_run_that_minted_nothing() {
    // Every create-workspace refused: the run stops at its first step,
    // before any secret; the --secrets-out file it created is removed, so
    // the re-run the error asks for can create it again.
    let refusing = Arc::new(AtomicBool::new(true));
    let flag = refusing.clone();
    let hook = RefuseHook(Arc::new(move |b| {
        let ws = b.get("operation").and_then(Value::as_str) == Some("create-workspace");
        (ws && flag.load(Ordering::SeqCst))
            .then(|| ("operation-not-permitted", "scripted refusal".to_string()))
    }));
    let gw = start(Compat::Design, Some(hook));
    let (d, m) = manifest_dir("secrets-out-early");
    let out = d.join("secrets.jsonl");
    let out_s = out.display().to_string();
    let r = gw.apply(&["-f", &m, "--jobs", "1", "--secrets-out", &out_s], ENV);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!out.exists(), "an empty secrets file was left behind");
    refusing.store(false, Ordering::SeqCst);
    let r = gw.apply(&["-f", &m, "--secrets-out", &out_s], ENV);
    ok(&r);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(secrets(&text).len(), 3, "{text}");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
