//! Key rotation, revocation by name, and the credential report, built and
//! run against tg-dev-gateway on 127.0.0.1:0 in both its modes (the
//! design gateway, and 2.11, where a refusal looks like a success): what
//! each tool prints, its exit code, and the gateway's keys afterwards.

mod common;
use common::{tg, Mock, Reply, Run, TestCommand};
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::sync::Arc;
use tg_dev_gateway::{Compat, Config, RefuseHook, Server};
use tg_iam::time;

const DAY: i64 = 86_400;
const PW: &str = "a passphrase\n";

struct Gw {
    server: Server,
    url: String,
    admin: String,
}

fn start_with(compat: Compat, f: impl FnOnce(&mut Config)) -> Gw {
    let server = common::dev_gateway(|c| {
        c.compat = compat;
        f(c);
    });
    let url = server.url();
    Gw {
        server,
        admin: common::bootstrap(&url),
        url,
    }
}

fn start(compat: Compat) -> Gw {
    start_with(compat, |_| {})
}

impl Gw {
    /// `tool` with the gateway's URL and `token`.
    fn tg_as(&self, token: &str, tool: &str) -> TestCommand {
        tg(tool).url(&self.url).token(token)
    }

    /// Run `tool` with the gateway's URL and `token`.
    fn run_as(&self, token: &str, tool: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.tg_as(token, tool)
            .args(args)
            .envs(env.iter().copied())
            .run()
    }

    /// Run `tool` as the admin.
    fn run(&self, tool: &str, args: &[&str]) -> Run {
        self.run_as(&self.admin, tool, args, &[])
    }

    /// Run `tool` as the admin; it must succeed. Its stdout.
    fn ok(&self, tool: &str, args: &[&str]) -> String {
        let r = self.run(tool, args);
        assert_eq!(r.code, 0, "{tool} {args:?}: {}", r.stderr);
        r.stdout
    }

    /// A user in workspace `ws`; its id.
    fn user(&self, name: &str, ws: &str, roles: &[&str]) -> String {
        let r = self
            .tg_as(&self.admin, "tg-create-user")
            .args(["--username", name, "-w", ws, "--password-stdin", "--roles"])
            .args(roles)
            .stdin(PW)
            .run();
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout.trim().to_string()
    }

    /// A key of `user` named `name`, expiring at `expires` (epoch
    /// seconds); its plaintext.
    fn key(&self, user: &str, name: &str, expires: Option<i64>) -> String {
        let when = expires.map(time::format_utc);
        let mut a = vec!["--username", user, "--name", name];
        if let Some(w) = &when {
            a.extend(["--expires", w.as_str()]);
        }
        self.ok("tg-create-api-key", &a).trim().to_string()
    }

    /// `user`'s keys, as list-api-keys gives them.
    fn keys(&self, user: &str) -> Vec<Value> {
        let out = self.ok("tg-list-api-keys", &["--username", user, "-o", "json"]);
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// The ids of every key on the gateway, sorted.
    fn all_key_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .server
            .gateway
            .snapshot()
            .api_keys
            .iter()
            .map(|k| k.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// tg-credential-report `args`, as the admin, at `now`.
    fn report(&self, now: i64, args: &[&str]) -> Run {
        let now = now.to_string();
        self.run_as(
            &self.admin,
            "tg-credential-report",
            args,
            &[("TG_IAM_TEST_NOW", &now)],
        )
    }

    /// Whether `key` authenticates: tg-whoami's exit code.
    fn whoami(&self, key: &str) -> i32 {
        self.run_as(key, "tg-whoami", &[], &[]).code
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

fn secs(iso: &str) -> i64 {
    time::parse_iso8601(iso).unwrap_or_else(|| panic!("not a time: {iso:?}"))
}

#[test]
fn rotation_mints_a_working_key_and_the_old_one_gets_401() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat);
        gw.user("alice", "default", &["writer"]);
        let base = time::now();
        let old = gw.key("alice", "ci", Some(base + 30 * DAY));
        let before = gw.keys("alice");
        let (old_id, created) = (s(&before[0], "id"), secs(s(&before[0], "created")));

        // Twenty days on, by key id: the new key keeps the 30-day lifetime
        // (counted from then), the name and the owner.
        let now = (base + 20 * DAY).to_string();
        let r = gw.run_as(
            &gw.admin,
            "tg-rotate-api-key",
            &["--key-id", old_id],
            &[("TG_IAM_TEST_NOW", &now)],
        );
        assert_eq!(r.code, 0, "{compat:?}: {}", r.stderr);
        let new = r.stdout.trim();
        assert_eq!(r.stdout, format!("{new}\n"), "one line: the key");
        assert!(new.starts_with("tg_") && new != old);
        let after = gw.keys("alice");
        assert_eq!(after.len(), 1, "{after:?}");
        let k = &after[0];
        assert_eq!(s(k, "name"), "ci");
        assert_ne!(s(k, "id"), old_id);
        assert_eq!(s(k, "prefix"), &new[..7]);
        let lifetime = base + 30 * DAY - created;
        assert_eq!(
            s(k, "expires"),
            time::format_utc(base + 20 * DAY + lifetime)
        );
        assert!(
            r.stderr.contains(&format!("Replaces key {old_id}")),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains(&format!("Revoked the old key {old_id}")),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains(new), "the key is never on stderr");
        assert_eq!(gw.whoami(new), 0, "{compat:?}: the new key works");
        assert_eq!(gw.whoami(&old), 3, "{compat:?}: the old key gets 401");

        // By owner and name: a key without an expiry gets none; --expires
        // sets one.
        gw.key("alice", "laptop", None);
        let r = gw.run(
            "tg-rotate-api-key",
            &["--username", "alice", "--name", "laptop"],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let laptop = |gw: &Gw| {
            gw.keys("alice")
                .into_iter()
                .find(|k| s(k, "name") == "laptop")
                .unwrap()
        };
        assert_eq!(s(&laptop(&gw), "expires"), "");
        assert_eq!(s(&laptop(&gw), "prefix"), &r.stdout.trim()[..7]);
        let when = time::format_utc(base + 7 * DAY);
        let user_id = s(&laptop(&gw), "user_id").to_string();
        let r = gw.run(
            "tg-rotate-api-key",
            &[
                "--user-id",
                &user_id,
                "--name",
                "laptop",
                "--expires",
                &when,
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(s(&laptop(&gw), "expires"), when);
        let r = gw.run(
            "tg-rotate-api-key",
            &[
                "--username",
                "alice",
                "--name",
                "laptop",
                "--expires",
                "never",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(s(&laptop(&gw), "expires"), "");
        assert_eq!(gw.keys("alice").len(), 2);
    }
}

/// Refuse every revoke-api-key.
fn refuse_revoke() -> RefuseHook {
    RefuseHook(Arc::new(|b| {
        (b.get("operation").and_then(Value::as_str) == Some("revoke-api-key")).then(|| {
            (
                "operation-not-permitted",
                "revocation refused by the test".into(),
            )
        })
    }))
}

#[test]
fn a_revoke_that_fails_leaves_both_keys_and_says_so() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start_with(compat, |c| c.refuse = Some(refuse_revoke()));
        gw.user("alice", "default", &["writer"]);
        let old = gw.key("alice", "ci", None);
        let old_id = s(&gw.keys("alice")[0], "id").to_string();
        let r = gw.run(
            "tg-rotate-api-key",
            &["--username", "alice", "--name", "ci"],
        );
        assert_eq!(r.code, 1, "{compat:?}: {}", r.stderr);
        // The new key was printed before the revocation was tried.
        let new = r.stdout.trim();
        assert!(new.starts_with("tg_"), "{compat:?}: {:?}", r.stdout);
        let keys = gw.keys("alice");
        assert_eq!(keys.len(), 2, "{compat:?}: both keys exist");
        let new_id = keys
            .iter()
            .map(|k| s(k, "id"))
            .find(|id| *id != old_id)
            .unwrap();
        let error = r
            .stderr
            .lines()
            .find(|l| l.starts_with("tg-rotate-api-key: error: "))
            .unwrap_or_else(|| panic!("{}", r.stderr));
        assert!(
            error.contains(&format!(
                "the new key {new_id} is printed, but the old key {old_id} could not be revoked: "
            )) && error.ends_with("; both keys now exist"),
            "{compat:?}: {error}"
        );
        assert!(
            r.stderr.ends_with(&format!(
                "\nhint: revoke the old key with tg-revoke-api-key --key-id {old_id}\n"
            )),
            "{}",
            r.stderr
        );
        assert_eq!(gw.whoami(&old), 0, "the old key still works");
        assert_eq!(gw.whoami(new), 0, "and so does the new one");
    }
}

/// `t` with its stdout closed (`>&-`).
fn stdout_closed(mut t: TestCommand) -> TestCommand {
    unsafe {
        t.command().pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    t.stdout(Stdio::null())
}

#[test]
fn a_closed_stdout_mints_nothing() {
    let gw = start(Compat::V2_11);
    gw.user("alice", "default", &["writer"]);
    let old = gw.key("alice", "ci", None);
    let before = gw.all_key_ids();
    let r = stdout_closed(gw.tg_as(&gw.admin, "tg-rotate-api-key").args([
        "--username",
        "alice",
        "--name",
        "ci",
    ]))
    .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(
            "tg-rotate-api-key: error: standard output is closed or /dev/null: refusing to ask the gateway for an API key that could then not be shown; nothing was sent\n"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(gw.all_key_ids(), before, "nothing minted, nothing revoked");
    assert_eq!(gw.whoami(&old), 0);
}

#[test]
fn a_new_key_that_cannot_be_written_is_reported_and_the_old_one_kept() {
    // The gateway answers the mint late; stdout's reader is gone by then.
    let mock = Mock::start(vec![
        common::json(
            200,
            r#"{"api_keys": [{"id": "k-old", "user_id": "u1", "name": "ci", "prefix": "tg_Oldk", "expires": "", "created": "2026-01-01T00:00:00+00:00", "last_used": ""}]}"#,
        ),
        Reply::Delayed(
            300,
            Box::new(common::json(
                200,
                r#"{"api_key_plaintext": "tg_Lc1WWqglejREJXfN6W6emlKQAXHhAwdY", "api_key": {"id": "k-new", "user_id": "u1", "name": "ci", "prefix": "tg_Lc1W", "expires": "", "created": "", "last_used": ""}}"#,
            )),
        ),
    ]);
    let mut child = tg("tg-rotate-api-key")
        .gateway(&mock)
        .args(["--user-id", "u1", "--name", "ci"])
        .spawn();
    mock.wait_for_requests(2, "no mint request");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(
        stderr.contains(
            "could not write the new API key to standard output (Broken pipe (os error 32)); it is lost: API key k-new (\"ci\") was created for user u1; the old key k-old was not revoked and still works\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "\nhint: revoke the new key with tg-revoke-api-key --key-id k-new and rotate again\n"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("tg_Lc1WWqglejREJXfN6W6emlKQAXHhAwdY"));
    assert_eq!(mock.requests().len(), 2, "the old key is not revoked");
}

#[test]
fn a_mint_whose_reply_is_lost_is_reported_as_perhaps_done() {
    let mock = Mock::start(vec![
        common::json(
            200,
            r#"{"api_keys": [{"id": "k-old", "user_id": "u1", "name": "ci", "prefix": "tg_Oldk", "expires": "", "created": "", "last_used": ""}]}"#,
        ),
        Reply::Raw(502, "text/html", "<h1>Bad gateway</h1>".into()),
    ]);
    let r = tg("tg-rotate-api-key")
        .gateway(&mock)
        .args(["--user-id", "u1", "--name", "ci"])
        .run();
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("the outcome is unknown: a new API key \"ci\" of user u1 may exist, its secret unseen; the old key k-old was not revoked\n"),
        "{}",
        r.stderr
    );
    assert_eq!(mock.requests().len(), 2, "no revocation");
}

#[test]
fn the_key_in_use_is_rotated_only_with_yes_and_never_used_again() {
    let dir = std::env::temp_dir().join(format!("tg-keys-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("audit.jsonl");
    for compat in [Compat::Design, Compat::V2_11] {
        let _ = std::fs::remove_file(&log);
        let path = log.clone();
        let gw = start_with(compat, |c| {
            c.audit_log = Some(tg_dev_gateway::config::AuditTarget::File(path))
        });
        gw.user("ops", "default", &["admin"]);
        let mine = gw.key("ops", "laptop", None);
        let before = gw.all_key_ids();
        let args = ["--username", "ops", "--name", "laptop"];

        // Without --yes and without a terminal: refused, nothing sent
        // beyond the reads.
        let r = gw.run_as(&mine, "tg-rotate-api-key", &args, &[]);
        assert_eq!(r.code, 2, "{compat:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("is the API key this run authenticates with: rotating it revokes the credential in use; nothing was changed\nhint: pass --yes to rotate it"),
            "{}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
        assert_eq!(gw.all_key_ids(), before);
        // On a terminal it asks; anything but "yes" changes nothing.
        let (code, screen) = gw
            .tg_as(&mine, "tg-rotate-api-key")
            .args(args)
            .on_tty("no\n");
        assert_eq!(code, 1, "{screen}");
        assert!(
            screen.contains("is the API key this run authenticates with? It will be revoked; use the new key afterwards. [type 'yes' to confirm]: "),
            "{screen}"
        );
        assert!(
            screen
                .contains("tg-rotate-api-key: error: aborted: not confirmed, nothing was changed"),
            "{screen}"
        );
        assert_eq!(gw.all_key_ids(), before);
        // With --yes.
        let mut a = args.to_vec();
        a.push("--yes");
        let r = gw.run_as(&mine, "tg-rotate-api-key", &a, &[]);
        assert_eq!(r.code, 0, "{compat:?}: {}", r.stderr);
        let new = r.stdout.trim();
        assert!(
            r.stderr.ends_with(&format!(
                "tg-rotate-api-key: note: the key this run authenticated with (prefix {}) is revoked: replace the token given with -t/--token with the new key\n",
                &mine[..7]
            )),
            "{}",
            r.stderr
        );
        assert_eq!(gw.whoami(new), 0);
        assert_eq!(gw.whoami(&mine), 3);
        // The audit log: once the new key exists, every request of the run
        // authenticates with it; the old key is never sent again.
        let records: Vec<Value> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let minted = records
            .iter()
            .rposition(|r| r["operation"] == "create-api-key")
            .unwrap();
        assert_eq!(records[minted]["issued"]["prefix"], &new[..7]);
        assert_eq!(records[minted]["credential"]["prefix"], &mine[..7]);
        let after = &records[minted + 1..records.len() - 2];
        assert!(!after.is_empty());
        assert!(
            after.iter().all(|r| r["credential"]["prefix"] == new[..7]),
            "{compat:?}: {after:?}"
        );
        assert!(after.iter().any(|r| r["operation"] == "revoke-api-key"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn revoke_by_name_and_an_ambiguous_name() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat);
        let alice = gw.user("alice", "default", &["writer"]);
        let laptop = gw.key("alice", "laptop", None);
        gw.key("alice", "ci", None);
        gw.key("alice", "ci", None);
        let keys = gw.keys("alice");
        let id_of = |name: &str| -> Vec<String> {
            keys.iter()
                .filter(|k| s(k, "name") == name)
                .map(|k| s(k, "id").to_string())
                .collect()
        };

        let r = gw.run(
            "tg-revoke-api-key",
            &["--username", "alice", "--name", "laptop"],
        );
        assert_eq!(r.code, 0, "{compat:?}: {}", r.stderr);
        assert_eq!(r.stdout, format!("Revoked key {}\n", id_of("laptop")[0]));
        assert_eq!(r.stderr, "", "confirmed by a read on 2.11: no note");
        assert_eq!(gw.whoami(&laptop), 3);

        // Two keys named ci: refused, both ids listed, both kept.
        let r = gw.run("tg-revoke-api-key", &["--user-id", &alice, "--name", "ci"]);
        assert_eq!(r.code, 2, "{compat:?}: {}", r.stderr);
        let ci = id_of("ci");
        let listed = [
            format!("{}, {}", ci[0], ci[1]),
            format!("{}, {}", ci[1], ci[0]),
        ];
        assert!(
            listed.iter().any(|l| r.stderr
                == format!("tg-revoke-api-key: error: user {alice} has 2 API keys named \"ci\" ({l}): refusing to guess\nhint: name the key with --key-id\n")),
            "{}",
            r.stderr
        );
        assert_eq!(gw.keys("alice").len(), 2);

        let r = gw.run(
            "tg-revoke-api-key",
            &["--username", "alice", "--name", "nosuch"],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(
            r.stderr,
            format!("tg-revoke-api-key: error: user alice has no API key named \"nosuch\"\nhint: tg-list-api-keys --user-id {alice} lists the user's keys\n")
        );

        // --key-id is as before: one request, upstream's.
        let r = gw.run("tg-revoke-api-key", &["--key-id", &ci[0]]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.stdout, format!("Revoked key {}\n", ci[0]));
        assert_eq!(gw.keys("alice").len(), 1);
    }
}

#[test]
fn the_key_flags_combine_as_documented() {
    let gw = start(Compat::Design);
    for args in [
        vec!["--name", "ci"],
        vec!["--username", "alice"],
        vec!["--key-id", "k", "--name", "ci", "--username", "alice"],
        vec!["--username", "alice", "--user-id", "u", "--name", "ci"],
        vec![],
    ] {
        for tool in ["tg-revoke-api-key", "tg-rotate-api-key"] {
            let r = gw.run(tool, &args);
            assert_eq!(r.code, 2, "{tool} {args:?}: {}", r.stderr);
            assert!(r.stderr.starts_with("error: "), "{tool}: {}", r.stderr);
        }
    }
    let r = gw.run("tg-rotate-api-key", &["--key-id", "nosuch"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "tg-rotate-api-key: error: no user holds an API key with id nosuch\nhint: tg-credential-report lists every key\n"
    );
    let r = gw.run(
        "tg-rotate-api-key",
        &["--key-id", "k", "--expires", "2001-01-01"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// The report's rows: `user/key name` (`user/-` for none) and findings.
fn findings(report: &str) -> Vec<(String, Vec<String>)> {
    let rows: Value = serde_json::from_str(report).unwrap();
    let mut out: Vec<(String, Vec<String>)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("{}/{}", s(r, "username"), r["name"].as_str().unwrap_or("-")),
                r["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    out.sort();
    out
}

fn strs(rows: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    rows.iter()
        .map(|(k, f)| (k.to_string(), f.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// A name with a comma and quotes.
const ODD: &str = "Doe, \"JD\"";

/// A state with one finding of each kind, evaluated five days (and an
/// hour) after `base`.
fn report_state(compat: Compat) -> (Gw, i64) {
    let gw = start(compat);
    let base = time::now();
    gw.ok("tg-create-workspace", &["--workspace-id", "research"]);
    gw.ok("tg-create-workspace", &["--workspace-id", "empty"]);
    gw.user("alice", "default", &["writer"]);
    gw.user("bob", "default", &["reader"]);
    gw.user("carol", "default", &["reader"]);
    gw.user("dave", "default", &["reader"]);
    gw.user("erin", "research", &["reader"]);
    gw.key("alice", "build", None);
    gw.key("alice", "ci", Some(base + 10 * DAY));
    gw.key("alice", "laptop", Some(base + 200 * DAY));
    gw.key("alice", "laptop", Some(base + 200 * DAY));
    gw.key("bob", "old", Some(base + 3 * DAY));
    gw.ok("tg-disable-user", &["--username", "carol"]);
    gw.key("carol", "x", Some(base + 100 * DAY));
    gw.key("erin", ODD, Some(base + 100 * DAY));
    (gw, base + 5 * DAY + 3600)
}

#[test]
fn the_report_finds_each_finding_in_a_state_built_for_it() {
    for compat in [Compat::Design, Compat::V2_11] {
        let (gw, now) = report_state(compat);
        let report = |args: &[&str]| gw.report(now, args);
        let before = gw.server.gateway.snapshot();

        let r = report(&["-o", "json"]);
        assert_eq!(r.code, 0, "{compat:?}: {}", r.stderr);
        assert_eq!(
            findings(&r.stdout),
            strs(&[
                ("admin/bootstrap", &["admin-key-without-expiry"]),
                ("alice/build", &[]),
                ("alice/ci", &["expires-soon"]),
                ("alice/laptop", &["duplicate-name"]),
                ("alice/laptop", &["duplicate-name"]),
                ("bob/old", &["expired"]),
                ("carol/x", &["disabled-user-holds-key"]),
                ("dave/-", &[]),
                ("erin/Doe, \"JD\"", &[]),
            ]),
            "{compat:?}"
        );
        assert_eq!(
            r.stderr,
            "tg-credential-report: keys: 8; users without a key: 1; findings: expired 1, expires-soon 1, disabled-user-holds-key 1, duplicate-name 2, admin-key-without-expiry 1\n"
        );
        let rows: Value = serde_json::from_str(&r.stdout).unwrap();
        let ci = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "ci")
            .unwrap();
        assert_eq!(ci["age_days"], 5);
        assert_eq!(ci["days_left"], 4);
        assert_eq!(ci["roles"], serde_json::json!(["writer"]));
        assert_eq!(ci["enabled"], true);
        let dave = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["username"] == "dave")
            .unwrap();
        for k in [
            "key_id",
            "prefix",
            "name",
            "created",
            "age_days",
            "expires",
            "days_left",
        ] {
            assert!(dave[k].is_null(), "{k}: {dave}");
        }

        // The policy flags: every key without an expiry, every key older
        // than 4 days; nothing expires "soon" within 0 days.
        let r = report(&[
            "-o",
            "json",
            "--require-expiry",
            "--max-key-age",
            "4",
            "--expiring-within",
            "0",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let old = "older-than-max-age";
        assert_eq!(
            findings(&r.stdout),
            strs(&[
                (
                    "admin/bootstrap",
                    &["no-expiry", old, "admin-key-without-expiry"]
                ),
                ("alice/build", &["no-expiry", old]),
                ("alice/ci", &[old]),
                ("alice/laptop", &[old, "duplicate-name"]),
                ("alice/laptop", &[old, "duplicate-name"]),
                ("bob/old", &["expired", old]),
                ("carol/x", &[old, "disabled-user-holds-key"]),
                ("dave/-", &[]),
                ("erin/Doe, \"JD\"", &[old]),
            ])
        );
        // It only read.
        let after = gw.server.gateway.snapshot();
        assert_eq!(
            (after.users.len(), after.api_keys.len()),
            (before.users.len(), before.api_keys.len())
        );
    }
}

#[test]
fn the_report_as_csv_and_table_and_its_check() {
    let (gw, now) = report_state(Compat::Design);
    let report = |args: &[&str]| gw.report(now, args);

    // CSV: RFC 4180, a header row, a comma and quotes quoted.
    let r = report(&["-w", "research", "-o", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.split_inclusive("\r\n").collect();
    assert_eq!(lines.len(), 2, "{:?}", r.stdout);
    assert_eq!(
        lines[0],
        "username,user_id,workspace,roles,enabled,must_change_password,key_id,prefix,name,created,age_days,expires,days_left,findings\r\n"
    );
    assert!(lines[1].contains(",\"Doe, \"\"JD\"\"\","), "{:?}", lines[1]);
    let rec: Vec<Vec<String>> = csv::Reader::from_reader(r.stdout.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0][0], "erin");
    assert_eq!(rec[0][2], "research");
    assert_eq!(rec[0][8], ODD);
    assert_eq!((rec[0][10].as_str(), rec[0][12].as_str()), ("5", "94"));
    assert_eq!(rec[0][13], "");

    // A user without a key: empty key cells in CSV, "—" in the table.
    let r = report(&["-w", "default", "-w", "default", "-o", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dave = r.stdout.lines().find(|l| l.starts_with("dave,")).unwrap();
    assert!(dave.ends_with(",default,reader,yes,no,,,,,,,,"), "{dave:?}");
    let r = report(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dave = r.stdout.lines().find(|l| l.starts_with("| dave ")).unwrap();
    assert_eq!(dave.matches("| —").count(), 7, "{dave}");
    let bob = r.stdout.lines().find(|l| l.starts_with("| bob ")).unwrap();
    assert!(bob.contains("| expired "), "{bob}");
    assert!(!r.stdout.contains("+00:00"), "the table shows dates");
    let r = report(&["-w", "empty"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "No users.\n"),
        "{}",
        r.stderr
    );
    let r = report(&["-w", "nosuch"]);
    assert_eq!(r.code, 1, "{}", r.stderr);

    // --check: 8 when a row has a finding, the report printed all the
    // same; 0 when none has.
    let r = report(&["--check", "-o", "json"]);
    assert_eq!(r.code, 8, "{}", r.stderr);
    assert_eq!(findings(&r.stdout).len(), 9);
    assert!(
        r.stderr
            .ends_with("\ntg-credential-report: check failed: 6 of 9 rows have findings\n"),
        "{}",
        r.stderr
    );
    let r = report(&["--check", "-w", "research"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("| erin "), "{}", r.stdout);
    let r = report(&["--check", "-w", "research", "--max-key-age", "4"]);
    assert_eq!(r.code, 8, "{}", r.stderr);
    let r = report(&["--check", "-w", "empty"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn the_help_says_there_is_no_last_use() {
    let r = tg("tg-credential-report").arg("--help").run();
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("The gateway records no last use"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  8  --check found something"),
        "{}",
        r.stdout
    );
    let r = tg("tg-rotate-api-key").arg("--help").run();
    assert!(r.stdout.contains("8  --check found something"));
}
