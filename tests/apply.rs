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

    /// Create user `name` in `default` with tg-create-user (and `extra`
    /// flags); its id.
    fn user(&self, name: &str, extra: &[&str]) -> String {
        let mut a = vec![
            "-w",
            "default",
            "--username",
            name,
            "--password",
            "pw-123456",
        ];
        a.extend_from_slice(extra);
        let r = self.run("tg-create-user", &a, &[]);
        ok(&r);
        r.stdout.trim().to_string()
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

/// A gateway hook that refuses every `op` request.
fn refuse_op(op: &'static str) -> RefuseHook {
    RefuseHook(Arc::new(move |b| {
        (b.get("operation").and_then(Value::as_str) == Some(op))
            .then(|| ("operation-not-permitted", "scripted refusal".to_string()))
    }))
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
    let r = gw.apply(&["-f", &m2, "--yes"], ENV);
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

    let r = gw.apply(&["-f", &m, "--prune", "--yes"], ENV);
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
        r.stderr.contains(
            "3 of 7 steps done (3 confirmed, 0 not confirmed), 1 failed, 3 not started.\n"
        ),
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
    let gw = start(Compat::V2_11, Some(refuse_op("update-user")));
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
    let r = gw.apply(&["-f", &m2, "--yes"], ENV);
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
    let id = gw.user("alice", &[]);
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
        ("m.yaml", "users:\n  - username: a\n    workspace: w\n    emial: x\n", ":4:5: users[0].emial: unknown field `emial`, expected one of username, workspace"),
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
    let on_tty = |var: Option<(&str, &str)>| {
        let mut t = gw
            .tg("tg-apply")
            .args(["-f", &m, "--dry-run"])
            .env("ALICE_PW", "alice-pw-1234");
        if let Some((k, v)) = var {
            t = t.env(k, v);
        }
        t.on_tty("").1
    };
    let screen = on_tty(None);
    assert!(
        screen.contains("\x1b[32m+ create workspace acme\x1b[0m"),
        "{screen:?}"
    );
    // NO_COLOR, and a terminal that cannot show colour.
    for var in [("NO_COLOR", "1"), ("TERM", "dumb")] {
        let screen = on_tty(Some(var));
        assert!(
            screen.contains("+ create workspace acme") && !screen.contains("\x1b["),
            "{var:?}: {screen:?}"
        );
    }
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
    // examples/ holds the same manifest, as files.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for (name, format) in [
        ("manifest.toml", Format::Toml),
        ("manifest.yaml", Format::Yaml),
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let e = parse(&text, format, name).unwrap();
        validate(&e, name).unwrap();
        assert_eq!(format!("{e:?}"), format!("{t:?}"), "{name}");
    }
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

// ------------------------------------------- lockouts and the plan's truth

/// Write `text` as `name` in a fresh directory and apply it with `args`.
fn apply_text(gw: &Gw, tag: &str, name: &str, text: &str, args: &[&str]) -> Run {
    let d = tmpdir(tag);
    let m = write(&d, name, text);
    let mut a = vec!["-f", m.as_str()];
    a.extend_from_slice(args);
    gw.apply(&a, &[])
}

#[test]
fn an_omitted_field_leaves_an_existing_record_alone() {
    let gw = start(Compat::Design, None);
    // eve: a disabled writer; the manifest names her and the admin
    // without roles or enabled.
    let eve = gw.user("eve", &["--roles", "writer"]);
    ok(&gw.run("tg-disable-user", &["--user-id", &eve], &[]));
    let before = gw.summary();
    let r = apply_text(
        &gw,
        "omitted",
        "m.yaml",
        "users:\n  - {username: admin, workspace: default}\n  - {username: eve, workspace: default}\n",
        &[],
    );
    ok(&r);
    assert_eq!(
        plan_lines(&r.stderr),
        ["= user admin unchanged", "= user eve unchanged"],
        "{}",
        r.stderr
    );
    assert_eq!(gw.summary(), before);
    // A workspace without `enabled` is not re-enabled either; a new user
    // without roles or enabled gets the documented defaults.
    ok(&gw.run("tg-create-workspace", &["--workspace-id", "old"], &[]));
    ok(&gw.run(
        "tg-disable-workspace",
        &["--workspace-id", "old", "--yes"],
        &[],
    ));
    let r = apply_text(
        &gw,
        "omitted2",
        "m.toml",
        "[[workspaces]]\nid = \"old\"\n\n[[users]]\nusername = \"zed\"\nworkspace = \"default\"\n",
        &[],
    );
    ok(&r);
    assert_eq!(
        plan_lines(&r.stderr),
        [
            "= workspace old unchanged",
            "+ create user zed (reader) in default"
        ],
        "{}",
        r.stderr
    );
    let after = gw.summary();
    assert!(
        after.contains(&"workspace old \"old\" enabled=false".to_string()),
        "{after:?}"
    );
    assert!(
        after.contains(
            &"user zed in default roles=reader name=\"zed\" email=\"\" enabled=true".to_string()
        ),
        "{after:?}"
    );
}

#[test]
fn every_lockout_is_refused_before_anything_is_sent() {
    let gw = start(Compat::Design, None);
    let before = gw.summary();
    let cases = [
        // The caller demoted.
        (
            "users:\n  - {username: admin, workspace: default, roles: [reader]}\n",
            "users[0].roles",
            "would lose the admin role",
        ),
        // The caller disabled.
        (
            "users:\n  - {username: admin, workspace: default, enabled: false}\n",
            "users[0].enabled",
            "would be disabled",
        ),
        // The caller's home workspace disabled.
        (
            "workspaces:\n  - {id: default, enabled: false}\n",
            "workspaces[0].enabled",
            "the caller's home workspace",
        ),
        // The key in use replaced.
        (
            "api_keys:\n  - {user: admin, name: bootstrap, expires: \"2099-01-01\"}\n",
            "api_keys[0].expires",
            "the API key this run uses",
        ),
    ];
    for (text, entry, why) in cases {
        for extra in [&[][..], &["--yes"][..]] {
            let r = apply_text(&gw, "lockout", "m.yaml", text, extra);
            assert_eq!(r.code, 2, "{text}: {}", r.stderr);
            assert!(
                r.stderr.contains(&format!("m.yaml: {entry}: ")) && r.stderr.contains(why),
                "{text}: {}",
                r.stderr
            );
            assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
            assert_eq!(r.stdout, "");
            assert_eq!(gw.summary(), before, "{text}: nothing was changed");
        }
    }
}

#[test]
fn a_destructive_plan_needs_yes_without_a_terminal() {
    let gw = start(Compat::Design, None);
    let setup = "users:\n  - {username: alice, workspace: default, roles: [writer, admin]}\n";
    ok(&apply_text(&gw, "destructive0", "m.yaml", setup, &[]));
    let before = gw.summary();
    let demote = "users:\n  - {username: alice, workspace: default, roles: [writer]}\n";
    let r = apply_text(&gw, "destructive1", "m.yaml", demote, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("standard input is not a terminal") && r.stderr.contains("--yes"),
        "{}",
        r.stderr
    );
    assert_eq!(gw.summary(), before, "nothing was changed");
    let r = apply_text(&gw, "destructive2", "m.yaml", demote, &["--yes"]);
    ok(&r);
    assert!(gw
        .summary()
        .iter()
        .any(|l| l.starts_with("user alice in default roles=writer ")));
    // Creating and renaming need no confirmation.
    let r = apply_text(
        &gw,
        "destructive3",
        "m.yaml",
        "workspaces:\n  - {id: default, name: Home}\nusers:\n  - {username: bo, workspace: default}\n",
        &[],
    );
    ok(&r);
}

#[test]
fn a_write_whose_read_back_fails_is_done_not_confirmed() {
    // The gateway creates the workspace, then refuses to show it.
    let gw = start(Compat::Design, Some(refuse_op("get-workspace")));
    let r = apply_text(
        &gw,
        "unconfirmed",
        "m.yaml",
        "workspaces:\n  - {id: acme}\n  - {id: beta}\n",
        &["--jobs", "1"],
    );
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("[1/2] + create workspace acme: done, not confirmed: "),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("FAILED"), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "1 of 2 steps done (0 confirmed, 1 not confirmed), 0 failed, 1 not started.\n"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("tg-apply: error: step 1 of 2 was done but not confirmed: "),
        "{}",
        r.stderr
    );
    assert!(gw
        .summary()
        .contains(&"workspace acme \"acme\" enabled=true".to_string()));
}

#[test]
fn two_keys_of_one_name_are_named_and_refused() {
    let gw = start(Compat::Design, None);
    let id = gw.user("alice", &[]);
    for _ in 0..2 {
        ok(&gw.run(
            "tg-create-api-key",
            &["--user-id", &id, "--name", "laptop"],
            &[],
        ));
    }
    let ids: Vec<String> = gw
        .server
        .gateway
        .snapshot()
        .api_keys
        .iter()
        .filter(|k| k.name == "laptop")
        .map(|k| k.id.clone())
        .collect();
    assert_eq!(ids.len(), 2);
    let before = gw.summary();
    for prune in [&[][..], &["--prune", "--yes"][..]] {
        let r = apply_text(
            &gw,
            "dupkeys",
            "m.yaml",
            "users:\n  - {username: admin, workspace: default}\n  - {username: alice, workspace: default}\napi_keys:\n  - {user: alice, name: laptop}\n",
            prune,
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("m.yaml: api_keys[0]: user \"alice\" has 2 API keys named \"laptop\""),
            "{}",
            r.stderr
        );
        for id in &ids {
            assert!(r.stderr.contains(id.as_str()), "{}", r.stderr);
        }
        assert!(
            !r.stderr.contains("= api key alice/laptop unchanged"),
            "{}",
            r.stderr
        );
        assert_eq!(gw.summary(), before);
    }
}

/// Run tg-apply on `manifest` (YAML) under a 1 GiB address-space limit and
/// 1 s of CPU time: the exit code and stderr. Nothing listens on its URL.
fn apply_limited(manifest: &Path) -> (i32, String) {
    use std::os::unix::process::CommandExt;
    let url = format!("http://127.0.0.1:{}/", common::closed_port());
    let mut t = tg("tg-apply")
        .url(&url)
        .token("tg_x1234567")
        .arg("-f")
        .arg(manifest);
    unsafe {
        t.command().pre_exec(|| {
            let gib = libc::rlimit {
                rlim_cur: 1 << 30,
                rlim_max: 1 << 30,
            };
            let second = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 1,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &gib) != 0
                || libc::setrlimit(libc::RLIMIT_CPU, &second) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let r = t.run();
    (r.code, r.stderr)
}

#[test]
fn hostile_yaml_is_refused_within_its_budget() {
    let d = tmpdir("yaml-budget");
    // The no-space alias in a flow mapping, which a text scan missed: 20,000
    // roles behind one anchor, named by 10,000 users (a 700 KB file that
    // expands to 200 million strings).
    let mut bomb =
        String::from("{\"users\": [{\"username\":\"u\",\"workspace\":\"w\",\"roles\":&big [");
    bomb.push_str(&vec!["\"reader\""; 20_000].join(","));
    bomb.push_str("]}");
    for i in 0..10_000 {
        bomb.push_str(&format!(
            ",{{\"username\":\"u{i}\",\"workspace\":\"w\",\"roles\":*big}}"
        ));
    }
    bomb.push_str("]}\n");
    // A classic billion laughs, with spaces.
    let mut laughs = String::from("x: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        laughs.push_str(&format!(
            "x{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let cases = [
        ("nospace.yaml", bomb),
        ("laughs.yaml", laughs),
        (
            "flow.yaml",
            format!("users: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        // Deep block nesting: - - - - ... x
        ("block.yaml", "- ".repeat(20_000) + "x\n"),
    ];
    for (name, text) in cases {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        let (code, err) = apply_limited(&p);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.starts_with(&format!("tg-apply: error: {}:", p.display())),
            "{name}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
    }
}

#[test]
fn secrets_out_dash_is_standard_output() {
    let gw = start(Compat::Design, None);
    let d = tmpdir("dash");
    let m = write(&d, "m.yaml", "api_keys:\n  - {user: admin, name: ci}\n");
    let out = gw
        .tg("tg-apply")
        .args(["-f", &m, "--secrets-out", "-"])
        .current_dir(&d)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let s = secrets(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["name"], "ci");
    assert!(!d.join("-").exists(), "a file named -");
}

#[test]
fn create_api_key_warns_that_the_user_is_disabled() {
    let gw = start(Compat::Design, None);
    let id = gw.user("bob", &[]);
    let r = gw.run("tg-create-api-key", &["--user-id", &id, "--name", "a"], &[]);
    ok(&r);
    assert!(!r.stderr.contains("disabled"), "{}", r.stderr);
    ok(&gw.run("tg-disable-user", &["--user-id", &id], &[]));
    let r = gw.run("tg-create-api-key", &["--user-id", &id, "--name", "b"], &[]);
    ok(&r);
    assert!(r.stdout.starts_with("tg_"), "the key is still the result");
    assert!(
        r.stderr.contains(&format!(
            "tg-create-api-key: warning: user {id} is disabled: the key works only once the user is enabled again (tg-enable-user)"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn a_caller_missing_from_the_user_list_is_still_protected() {
    // A user list cut short (its size limit) without the caller: the
    // caller's record from whoami stands in, and the check still holds.
    use common::{json, Mock};
    let mock = Mock::start(vec![
        json(
            200,
            r#"{"user": {"id": "u1", "username": "admin", "default_workspace": "default", "roles": ["admin"], "enabled": true}}"#,
        ),
        json(
            200,
            r#"{"workspaces": [{"id": "default", "name": "default", "enabled": true}]}"#,
        ),
        json(
            200,
            r#"{"users": [{"id": "u2", "username": "other", "default_workspace": "default", "roles": ["reader"], "enabled": true}]}"#,
        ),
        json(200, r#"{"api_keys": []}"#),
    ]);
    let d = tmpdir("cut-list");
    let m = write(
        &d,
        "m.yaml",
        "workspaces: [{id: default, enabled: false}]\n",
    );
    let r = tg("tg-apply")
        .url(&mock.url())
        .token("tg_x1234567")
        .args(["-f", &m, "--yes"])
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "m.yaml: workspaces[0].enabled: workspace \"default\" is the caller's home workspace"
        ),
        "{}",
        r.stderr
    );
    assert!(!mock
        .bodies()
        .iter()
        .any(|b| b.contains("disable-workspace")));
}

/// `--check`: the plan on stderr, nothing sent but reads, exit 0 in sync
/// and 8 after a change made by hand; with `--prune`, what it would remove
/// counts too. On both gateways.
#[test]
fn check_exits_8_on_drift_and_0_in_sync() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat, None);
        let m = "users:\n  - {username: admin, workspace: default}\n  - {username: carl, workspace: default, roles: [writer], password: {file: pw}}\n";
        let d = tmpdir("check");
        let pw = write(&d, "pw", "carl-pw-123456\n");
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
        let file = write(&d, "m.yaml", m);
        let r = gw.apply(&["-f", &file, "--check"], &[]);
        assert_eq!(r.code, 8, "{compat:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.contains("+ create user carl (writer) in default")
                && r.stderr.contains("1 change to make"),
            "{compat:?}: {}",
            r.stderr
        );
        assert!(
            !gw.summary().iter().any(|l| l.starts_with("user carl ")),
            "--check created nothing"
        );
        ok(&gw.apply(&["-f", &file], &[]));
        let r = gw.apply(&["-f", &file, "--check"], &[]);
        assert_eq!(r.code, 0, "{compat:?}: {}", r.stderr);
        assert!(r.stderr.contains("In sync"), "{}", r.stderr);
        // A change by hand is drift.
        let users: Value =
            serde_json::from_str(&gw.run("tg-list-users", &["-o", "json"], &[]).stdout).unwrap();
        let carl = users
            .as_array()
            .and_then(|a| a.iter().find(|u| u["username"] == "carl"))
            .and_then(|u| u["id"].as_str())
            .expect("carl is listed")
            .to_string();
        ok(&gw.run(
            "tg-update-user",
            &["--user-id", &carl, "--roles", "reader"],
            &[],
        ));
        let r = gw.apply(&["-f", &file, "--check"], &[]);
        assert_eq!(r.code, 8, "{compat:?}: {}", r.stderr);
        ok(&gw.apply(&["-f", &file, "--yes"], &[]));
        assert_eq!(gw.apply(&["-f", &file, "--check"], &[]).code, 0);
        // A user the manifest does not list: in sync without --prune,
        // drift with it.
        gw.user("dora", &[]);
        let r = gw.apply(&["-f", &file, "--check"], &[]);
        assert_eq!(r.code, 0, "{compat:?}: {}", r.stderr);
        let r = gw.apply(&["-f", &file, "--check", "--prune"], &[]);
        assert_eq!(r.code, 8, "{compat:?}: {}", r.stderr);
        assert!(r.stderr.contains("dora"), "{}", r.stderr);
        assert!(
            gw.summary()
                .iter()
                .any(|l| l.starts_with("user dora ") && l.ends_with("enabled=true")),
            "--check --prune disabled nothing"
        );
        // --check changes nothing, so it takes no --yes or --secrets-out.
        assert_eq!(gw.apply(&["-f", &file, "--check", "--yes"], &[]).code, 2);
    }
}

/// The gateway's keys as `(owner/name, id)`, sorted.
fn key_ids(gw: &Gw) -> Vec<(String, String)> {
    let st = gw.server.gateway.snapshot();
    let mut out: Vec<(String, String)> = st
        .api_keys
        .iter()
        .map(|k| {
            let owner = st
                .users
                .iter()
                .find(|u| u.id == k.user_id)
                .map(|u| u.username.clone())
                .unwrap_or_default();
            (format!("{owner}/{}", k.name), k.id.clone())
        })
        .collect();
    out.sort();
    out
}

/// Whether `key` authenticates: tg-whoami's exit code (3 for a 401).
fn whoami(gw: &Gw, key: &str) -> i32 {
    tg("tg-whoami").url(&gw.url).token(key).run().code
}

/// The plan lines of a run, rotations included.
fn plan_of(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            ["+ ", "~ ", "- ", "= ", "↻ "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .collect()
}

const ROTATING: &str = "users:\n  - {username: alice, workspace: default}\napi_keys:\n  - {user: alice, name: ci, rotate_after: 90d}\n  - {user: alice, name: laptop, rotate_after: 200d}\n  - {user: admin, name: bootstrap, rotate_after: 30d}\n";

#[test]
fn rotate_after_rotates_an_old_key_new_secret_first_and_spares_a_young_one_and_the_key_in_use() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat, None);
        let d = tmpdir(&format!("rotate-{compat:?}"));
        let m = write(&d, "m.yaml", ROTATING);
        let r = gw.apply(&["-f", &m], &[]);
        ok(&r);
        let minted = secrets(&r.stdout);
        let old_ci = minted
            .iter()
            .find(|s| s["name"] == "ci")
            .and_then(|s| s["secret"].as_str())
            .expect("the ci key is minted")
            .to_string();
        assert!(
            r.stderr.contains("= api key admin/bootstrap unchanged\n"),
            "{}",
            r.stderr
        );
        let before = key_ids(&gw);
        // 120 days on (the test clock of debug builds).
        let later = (tg_iam::time::now() + 120 * 86_400).to_string();
        let env = [("TG_IAM_TEST_NOW", later.as_str())];

        // --check: exit 8, the rotation planned, nothing sent.
        let r = gw.apply(&["-f", &m, "--check"], &env);
        assert_eq!(r.code, 8, "{compat:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert_eq!(
            plan_of(&r.stderr),
            [
                "= user alice unchanged",
                "↻ rotate api key alice/ci (age 120 d)",
                "= api key alice/laptop unchanged",
                "= api key admin/bootstrap is the key in use: not rotated (age 120 d)",
            ],
            "{compat:?}: {}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("Plan: 0 to create, 0 to change, 1 to rotate, 3 unchanged.\n")
                && r.stderr.contains("1 change to make"),
            "{}",
            r.stderr
        );
        assert_eq!(key_ids(&gw), before);
        // --dry-run: the same plan, nothing sent.
        let r = gw.apply(&["-f", &m, "--dry-run"], &env);
        ok(&r);
        assert_eq!(r.stdout, "");
        assert!(r.stderr.contains("↻ rotate api key alice/ci (age 120 d)\n"));
        assert_eq!(key_ids(&gw), before);
        // A rotation revokes a key: without a terminal it needs --yes.
        let r = gw.apply(&["-f", &m], &env);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("--yes"), "{}", r.stderr);
        assert_eq!(key_ids(&gw), before);
        // A stdout that cannot take the new secret: nothing is minted.
        let r = gw
            .tg("tg-apply")
            .args(["-f", &m, "--yes"])
            .env("TG_IAM_TEST_NOW", &later)
            .stdout(Stdio::null())
            .run();
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(key_ids(&gw), before, "a closed stdout mints nothing");

        let r = gw.apply(&["-f", &m, "--yes"], &env);
        ok(&r);
        assert!(
            r.stderr
                .contains("↻ rotate api key alice/ci (age 120 d): done"),
            "{}",
            r.stderr
        );
        let s = secrets(&r.stdout);
        assert_eq!(s.len(), 1, "{}", r.stdout);
        let new = s[0]["secret"].as_str().unwrap();
        let after = key_ids(&gw);
        let id_of = |ks: &[(String, String)], k: &str| {
            ks.iter()
                .filter(|(n, _)| n == k)
                .map(|(_, id)| id.clone())
                .collect::<Vec<_>>()
        };
        let new_id = id_of(&after, "alice/ci");
        assert_eq!(new_id.len(), 1, "{after:?}");
        assert_ne!(new_id, id_of(&before, "alice/ci"), "a new key");
        assert_eq!(
            s[0],
            serde_json::json!({"kind": "api_key", "user": "alice", "name": "ci", "key_id": new_id[0], "secret": new}),
            "the record of a created key"
        );
        assert!(!r.stderr.contains(new), "the secret is never on stderr");
        for k in ["alice/laptop", "admin/bootstrap"] {
            assert_eq!(id_of(&after, k), id_of(&before, k), "{k} is kept");
        }
        assert_eq!(whoami(&gw, new), 0, "{compat:?}: the new key works");
        assert_eq!(whoami(&gw, &old_ci), 3, "{compat:?}: the old key gets 401");
        assert_eq!(whoami(&gw, &gw.admin), 0, "the caller keeps its key");
        // Today, the new key is young: in sync.
        let r = gw.apply(&["-f", &m, "--check"], &[]);
        assert_eq!(r.code, 0, "{compat:?}: {}", r.stderr);
    }
}

#[test]
fn a_revoke_that_fails_after_the_mint_leaves_both_keys_and_says_so() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat, Some(refuse_op("revoke-api-key")));
        let d = tmpdir(&format!("rotate-fail-{compat:?}"));
        let m = write(&d, "m.yaml", ROTATING);
        ok(&gw.apply(&["-f", &m], &[]));
        let old_id = key_ids(&gw)
            .into_iter()
            .find(|(k, _)| k == "alice/ci")
            .unwrap()
            .1;
        let later = (tg_iam::time::now() + 120 * 86_400).to_string();
        let r = gw.apply(&["-f", &m, "--yes"], &[("TG_IAM_TEST_NOW", &later)]);
        assert_eq!(r.code, 1, "{compat:?}: {}", r.stderr);
        // The new secret is out, and both keys exist.
        let s = secrets(&r.stdout);
        assert_eq!(s.len(), 1, "{}", r.stdout);
        let new_id = s[0]["key_id"].as_str().unwrap();
        let ci: Vec<String> = key_ids(&gw)
            .into_iter()
            .filter(|(k, _)| k == "alice/ci")
            .map(|(_, id)| id)
            .collect();
        assert_eq!(ci.len(), 2, "{ci:?}");
        assert!(ci.contains(&old_id) && ci.iter().any(|i| i == new_id));
        assert_eq!(whoami(&gw, s[0]["secret"].as_str().unwrap()), 0);
        let said = format!(
            "the new key {new_id} was created (its secret written), but the old key {old_id} was not revoked: "
        );
        assert!(
            r.stderr.contains(&format!(
                "[1/1] ↻ rotate api key alice/ci (age 120 d): FAILED: {said}"
            )),
            "{compat:?}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains(
                "0 of 1 step done (0 confirmed, 0 not confirmed), 1 failed, 0 not started."
            ),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains(&format!(
                "tg-apply: error: step 1 of 1 failed: ↻ rotate api key alice/ci (age 120 d): {said}"
            )) && r.stderr.contains("; both keys now exist\n"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains(&format!(
                "revoke the old key with tg-revoke-api-key --key-id {old_id}"
            )),
            "{}",
            r.stderr
        );
        // A re-run names both and guesses nothing.
        let r = gw.apply(&["-f", &m, "--yes"], &[("TG_IAM_TEST_NOW", &later)]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&old_id) && r.stderr.contains(new_id),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_bad_rotate_after_is_refused_located_before_anything_is_sent() {
    let d = tmpdir("rotate-bad");
    // Nothing listens here: a run that sent anything would exit 5.
    let url = format!("http://127.0.0.1:{}/", common::closed_port());
    for (name, text, want) in [
        (
            "m.yaml",
            "api_keys:\n  - user: a\n    name: k\n    rotate_after: 3m\n",
            ":4:19: api_keys[0].rotate_after: \"3m\" is not a key age: m is not a unit (minutes or months?); write a whole number of hours, days or weeks, such as 12h, 90d or 13w\n",
        ),
        (
            "m.toml",
            "[[api_keys]]\nuser = \"a\"\nname = \"k\"\nrotate_after = \"0d\"\n",
            ":4:16: api_keys[0].rotate_after: \"0d\" is not a key age: it is zero (every run would rotate the key); write a whole number of hours, days or weeks, such as 12h, 90d or 13w\n",
        ),
        (
            "m.json",
            "{\"api_keys\": [{\"user\": \"a\", \"name\": \"k\", \"rotate_after\": 90}]}",
            ":1:59: api_keys[0].rotate_after: invalid type: integer `90`, expected a string\n",
        ),
    ] {
        let p = write(&d, name, text);
        let r = tg("tg-apply")
            .url(&url)
            .token("tg_x1234567")
            .args(["-f", &p, "--check"])
            .run();
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_eq!(r.stderr, format!("tg-apply: error: {p}{want}"), "{name}");
    }
}
