//! tg-export-iam, built and run against tg-dev-gateway on 127.0.0.1:0 in
//! both its modes (the design gateway, and 2.11, which answers as a real
//! 2.11.1 gateway does), and against scripted servers: the manifest on
//! stdout, read back by tg-apply --check --prune (nothing to do), the
//! notes, -w, and what a careless stdout or a hostile server gets.

mod common;
use common::{tg, Mock, Reply, Run, TestCommand};
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use tg_dev_gateway::{Compat, Server};
use tg_iam::time;

const DAY: i64 = 86_400;
const PW: &str = "a passphrase\n";
const FORMATS: [&str; 3] = ["yaml", "toml", "json"];

struct Gw {
    _server: Server,
    url: String,
    admin: String,
}

fn start(compat: Compat) -> Gw {
    let server = common::dev_gateway(|c| c.compat = compat);
    let url = server.url();
    Gw {
        _server: server,
        admin: common::bootstrap(&url),
        url,
    }
}

impl Gw {
    fn tg(&self, tool: &str) -> TestCommand {
        tg(tool).url(&self.url).token(&self.admin)
    }

    /// Run `tool` as the admin; it must succeed. Its stdout.
    fn ok(&self, tool: &str, args: &[&str]) -> String {
        let r = self.tg(tool).args(args).run();
        assert_eq!(r.code, 0, "{tool} {args:?}: {}", r.stderr);
        r.stdout
    }

    /// A user in workspace `ws`, with `extra` flags (roles, name, email).
    fn user(&self, name: &str, ws: &str, extra: &[&str]) {
        let r = self
            .tg("tg-create-user")
            .args(["--username", name, "-w", ws, "--password-stdin"])
            .args(extra)
            .stdin(PW)
            .run();
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    /// A key of `user` named `name`, expiring at `expires`; its plaintext.
    fn key(&self, user: &str, name: &str, expires: Option<i64>) -> String {
        let when = expires.map(time::format_utc);
        let mut a = vec!["--username", user, "--name", name];
        if let Some(w) = &when {
            a.extend(["--expires", w.as_str()]);
        }
        self.ok("tg-create-api-key", &a).trim().to_string()
    }

    fn export(&self, args: &[&str]) -> Run {
        self.tg("tg-export-iam").args(args).run()
    }

    /// tg-apply -f - --format `format` --check `extra`, reading `manifest`.
    fn check(&self, manifest: &str, format: &str, extra: &[&str]) -> Run {
        self.tg("tg-apply")
            .args(["-f", "-", "--format", format, "--check"])
            .args(extra)
            .stdin(manifest)
            .run()
    }
}

/// A state with what a round trip must carry: a disabled workspace and
/// its (disabled) user, a disabled user, a user with several roles,
/// names and emails with non-ASCII, quotes and YAML's special words,
/// keys with and without an expiry. Its secrets: the keys' plaintexts.
fn rich_state(gw: &Gw) -> Vec<String> {
    let now = time::now();
    gw.ok(
        "tg-create-workspace",
        &["--workspace-id", "acme", "--name", "Ácme \"Corp\": R&D #1"],
    );
    gw.ok("tg-create-workspace", &["--workspace-id", "research"]);
    gw.ok("tg-create-workspace", &["--workspace-id", "old"]);
    gw.user(
        "alice",
        "acme",
        &[
            "--name",
            "Zoë O'Brien \"Z\"",
            "--email",
            "zoë@exämple.com",
            "--roles",
            "writer",
            "admin",
            "reader",
        ],
    );
    gw.user("bob", "acme", &["--name", "yes", "--email", "null"]);
    gw.user(
        "carol",
        "research",
        &["--name=- #x: y", "--roles", "writer"],
    );
    gw.user("olaf", "old", &["--name", "山田 🙂"]);
    let secrets = vec![
        gw.key("alice", "ci", Some(now + 30 * DAY)),
        gw.key("alice", "laptop", None),
        gw.key("carol", "no", Some(now + 400 * DAY)),
        gw.key("bob", "gone", None),
    ];
    gw.ok("tg-disable-user", &["--username", "bob"]);
    gw.ok("tg-disable-workspace", &["--workspace-id", "old", "--yes"]);
    secrets
}

fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what}: a secret: {text}");
        // Not even the prefix beyond tg_: the export names keys by name.
        assert!(!text.contains(&s[..7]), "{what}: a key prefix: {text}");
    }
    for word in ["password", "hash", "plaintext"] {
        assert!(!text.contains(word), "{what}: {word:?}: {text}");
    }
}

#[test]
fn the_round_trip_is_exact_in_each_format_on_both_gateways() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat);
        let mut secrets = rich_state(&gw);
        secrets.push(gw.admin.clone());
        for format in FORMATS {
            let r = gw.export(&["--format", format]);
            assert_eq!(r.code, 0, "{compat:?} {format}: {}", r.stderr);
            assert_eq!(
                r.stderr, "tg-export-iam: 4 workspaces, 5 users, 4 API keys\n",
                "{compat:?} {format}"
            );
            assert_no_secret(&r.stdout, &secrets, format);
            for needle in ["Zoë O'Brien", "zoë@exämple.com", "山田 🙂", "Ácme"] {
                assert!(
                    r.stdout.contains(needle),
                    "{format}: {needle}: {}",
                    r.stdout
                );
            }
            // Deterministic: the same state, the same bytes.
            assert_eq!(
                gw.export(&["--format", format]).stdout,
                r.stdout,
                "{format}"
            );
            for extra in [&["--prune"][..], &[]] {
                let c = gw.check(&r.stdout, format, extra);
                assert_eq!(
                    c.code, 0,
                    "{compat:?} {format} {extra:?}: {}\n{}",
                    c.stderr, r.stdout
                );
                assert!(
                    c.stderr.contains("Nothing to do: ")
                        && c.stderr
                            .ends_with("In sync: the gateway holds what the manifest describes.\n"),
                    "{compat:?} {format}: {}",
                    c.stderr
                );
            }
        }
        // YAML is the default, and reads as the manifest it is.
        let y = gw.export(&[]);
        assert_eq!(y.stdout, gw.export(&["--format", "yaml"]).stdout);
        let m =
            tg_iam::apply::manifest::parse(&y.stdout, tg_iam::apply::manifest::Format::Yaml, "-")
                .unwrap();
        let users: Vec<_> = m.users.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(
            users,
            ["admin", "alice", "bob", "carol", "olaf"],
            "{compat:?}"
        );
        let alice = &m.users[1];
        assert_eq!(
            alice.roles.as_deref(),
            Some(&["admin".to_string(), "reader".into(), "writer".into()][..])
        );
        assert_eq!(alice.name.as_deref(), Some("Zoë O'Brien \"Z\""));
        assert_eq!(m.users[2].name.as_deref(), Some("yes"));
        assert_eq!(m.users[2].email.as_deref(), Some("null"));
        assert_eq!(m.users[2].enabled, Some(false));
        assert_eq!(m.users[4].enabled, Some(false));
        assert!(m.users.iter().all(|u| u.password.is_none()));
        let keys: Vec<_> = m
            .api_keys
            .iter()
            .map(|k| (k.user.as_str(), k.name.as_str(), k.expires.is_some()))
            .collect();
        assert_eq!(
            keys,
            [
                ("admin", "bootstrap", false),
                ("alice", "ci", true),
                ("alice", "laptop", false),
                ("carol", "no", true)
            ],
            "{compat:?}"
        );
        let acme = m.workspaces.iter().find(|w| w.id == "acme").unwrap();
        assert_eq!(acme.name.as_deref(), Some("Ácme \"Corp\": R&D #1"));
        let old = m.workspaces.iter().find(|w| w.id == "old").unwrap();
        assert_eq!(old.enabled, Some(false));

        // A change by hand is drift: tg-apply --check says so (exit 8).
        gw.ok("tg-update-user", &["--username", "carol", "--email", "c@x"]);
        let c = gw.check(&y.stdout, "yaml", &[]);
        assert_eq!(c.code, 8, "{}", c.stderr);
        assert!(
            c.stderr
                .contains("~ update user carol: email c@x -> (none)\n"),
            "{}",
            c.stderr
        );
    }
}

#[test]
fn what_a_manifest_cannot_say_is_commented_or_warned() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat);
        let now = time::now();
        gw.user("alice", "default", &["--roles", "writer"]);
        gw.user("carol", "default", &[]);
        gw.key("alice", "dup", None);
        gw.key("alice", "dup", None);
        gw.key("alice", "soon", Some(now + 2 * DAY));
        gw.key("alice", "kept", Some(now + 90 * DAY));
        gw.ok("tg-disable-user", &["--username", "carol"]);
        // A key made after its owner was disabled (the gateway allows it).
        gw.key("carol", "held", None);
        // Exported three days on: "soon" has expired by then.
        let later = (now + 3 * DAY).to_string();
        let export = |format: &str| {
            gw.tg("tg-export-iam")
                .args(["--format", format])
                .env("TG_IAM_TEST_NOW", &later)
                .run()
        };
        for format in FORMATS {
            let r = export(format);
            assert_eq!(r.code, 0, "{compat:?} {format}: {}", r.stderr);
            let notes = [
                "API keys \"alice\"/\"dup\" left out: 2 keys have this name (ids ",
                "API key \"alice\"/\"soon\" (id ",
                "API key \"carol\"/\"held\" (id ",
            ];
            if format == "json" {
                // JSON has no comments: each note is a warning.
                for n in notes {
                    assert!(
                        r.stderr.contains(&format!("tg-export-iam: warning: {n}")),
                        "{compat:?} {n}: {}",
                        r.stderr
                    );
                }
                assert_eq!(r.stderr.lines().count(), 4, "{}", r.stderr);
            } else {
                assert!(
                    r.stdout.starts_with("# tg-export-iam: 3 things a manifest cannot express (2 of which tg-apply --prune would change: applied with --prune, this manifest is not an exact copy):\n# - "),
                    "{}",
                    r.stdout
                );
                for n in notes {
                    assert!(
                        r.stdout.contains(&format!("\n# - {n}")),
                        "{n}: {}",
                        r.stdout
                    );
                }
                assert!(
                    r.stderr.starts_with("tg-export-iam: warning: 3 things a manifest cannot express (2 of which tg-apply --prune would change: applied with --prune, this manifest is not an exact copy): see the comments at the top of the output\n"),
                    "{}",
                    r.stderr
                );
            }
            assert!(r.stdout.contains("kept"), "{}", r.stdout);
            // Without --prune the round trip is exact; with it, tg-apply
            // would revoke what the notes say it would (the two "dup"
            // keys; "soon" is alive yet, so it is revoked too), and never
            // the disabled user's key.
            let c = gw.check(&r.stdout, format, &[]);
            assert_eq!(c.code, 0, "{compat:?} {format}: {}", c.stderr);
            let c = gw.check(&r.stdout, format, &["--prune"]);
            assert_eq!(c.code, 8, "{compat:?} {format}: {}", c.stderr);
            let pruned: Vec<&str> = c.stderr.lines().filter(|l| l.starts_with("- ")).collect();
            assert_eq!(pruned.len(), 3, "{}", c.stderr);
            assert!(
                pruned
                    .iter()
                    .all(|l| l.starts_with("- revoke api key alice/")),
                "{}",
                c.stderr
            );
            assert!(!c.stderr.contains("carol/held"), "{}", c.stderr);
        }
    }
}

#[test]
fn workspaces_filter_the_export() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = start(compat);
        rich_state(&gw);
        let r = gw.export(&["-w", "acme", "-w", "research", "-w", "acme"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let m =
            tg_iam::apply::manifest::parse(&r.stdout, tg_iam::apply::manifest::Format::Yaml, "-")
                .unwrap();
        let ids: Vec<_> = m.workspaces.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["acme", "research"]);
        let users: Vec<_> = m.users.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(users, ["alice", "bob", "carol"], "{compat:?}");
        let keys: Vec<_> = m
            .api_keys
            .iter()
            .map(|k| format!("{}/{}", k.user, k.name))
            .collect();
        assert_eq!(keys, ["alice/ci", "alice/laptop", "carol/no"]);
        // In sync without --prune (with it, the other users would go).
        let c = gw.check(&r.stdout, "yaml", &[]);
        assert_eq!(c.code, 0, "{compat:?}: {}", c.stderr);

        let r = gw.export(&["-w", "nowhere"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(
            r.stderr,
            "tg-export-iam: error: workspace \"nowhere\" not found\nhint: check the id with tg-list-workspaces\n"
        );
        assert_eq!(r.stdout, "");
        let r = gw.export(&["-w", "_system"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr
                .starts_with("tg-export-iam: error: workspace id \"_system\" is reserved"),
            "{}",
            r.stderr
        );
    }
}

const WORKSPACES: &str =
    r#"{"workspaces": [{"id": "default", "name": "Default", "enabled": true, "created": ""}]}"#;
const USERS: &str = r#"{"users": [{"id": "u1", "default_workspace": "default", "username": "admin", "name": "admin", "email": "", "roles": ["admin"], "enabled": true, "must_change_password": false, "created": ""}]}"#;
const KEYS: &str = r#"{"api_keys": [{"id": "k1", "user_id": "u1", "name": "bootstrap", "prefix": "tg_Abcd", "expires": "", "created": "", "last_used": ""}]}"#;

#[test]
fn a_stdout_that_cannot_take_the_export_is_refused_before_anything_is_sent() {
    let mock = Mock::always(common::json(200, WORKSPACES));
    let at = || tg("tg-export-iam").gateway(&mock);
    // Closed (`>&-`: the runtime reopens it on /dev/null), /dev/full, a
    // pipe nobody reads.
    let mut closed = at();
    unsafe {
        closed.command().pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let (r, w) = std::io::pipe().unwrap();
    drop(r);
    for (what, t) in [
        ("closed", closed.stdout(Stdio::null())),
        ("/dev/full", at().stdout(full)),
        ("widowed", at().stdout(Stdio::from(w))),
    ] {
        let r = t.run();
        assert_eq!(r.code, 2, "{what}: {}", r.stderr);
        assert!(
            r.stderr.starts_with("tg-export-iam: error: standard output ")
                && r.stderr.contains("refusing to ask the gateway for an export that could then not be shown; nothing was sent"),
            "{what}: {}",
            r.stderr
        );
    }
    assert!(mock.requests().is_empty());
}

#[test]
fn a_reader_that_goes_away_mid_export_is_exit_7() {
    // stdout is read when the tool starts and closed by the time the
    // gateway has answered: the manifest cannot be written whole.
    let mock = Mock::start(vec![
        Reply::Delayed(300, Box::new(common::json(200, WORKSPACES))),
        common::json(200, USERS),
        common::json(200, KEYS),
    ]);
    let mut child = tg("tg-export-iam").gateway(&mock).spawn();
    mock.wait_for_requests(1, "no request");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(
        stderr.ends_with("tg-export-iam: error: could not write the result to standard output: Broken pipe (os error 32)\n"),
        "{stderr}"
    );
}

#[test]
fn a_hostile_server_gets_a_one_line_error() {
    let junk = [
        ("not JSON", common::json(200, "<html>hello</html>")),
        (
            "a list that is not one",
            common::json(200, r#"{"workspaces": 5}"#),
        ),
        (
            "an odd record",
            common::json(200, r#"{"workspaces": [{"id": 7}]}"#),
        ),
    ];
    for (what, reply) in junk {
        let mock = Mock::always(reply);
        let r = tg("tg-export-iam").gateway(&mock).run();
        assert_eq!(r.code, 6, "{what}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{what}");
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("tg-export-iam: error: unexpected response"),
            "{what}: {}",
            r.stderr
        );
        assert!(r.stderr.lines().count() <= 2, "{what}: {}", r.stderr);
    }
    // Junk part way: the keys of a user.
    let mock = Mock::start(vec![
        common::json(200, WORKSPACES),
        common::json(200, USERS),
        common::json(200, "{\"api_keys\": [tg_"),
    ]);
    let r = tg("tg-export-iam").gateway(&mock).run();
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with("tg-export-iam: error: unexpected response"),
        "{}",
        r.stderr
    );
    // And a 2.11 refusal (a bare reply to list-users): exit 1.
    let mock = Mock::start(vec![
        common::json(200, WORKSPACES),
        common::json(200, r#"{"bootstrap_available": false}"#),
    ]);
    let r = tg("tg-export-iam").gateway(&mock).run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

#[test]
fn users_who_share_a_username_are_left_out_and_noted() {
    // A gateway from before TrustGraph #1001 (usernames unique per
    // workspace): two users named bob. A manifest that listed both would
    // be one tg-apply refuses; one that listed either would be wrong.
    let mock = Mock::always(common::handler(|req| {
        let body = req.json();
        match body["operation"].as_str().unwrap_or_default() {
            "list-workspaces" => common::json(
                200,
                r#"{"workspaces": [{"id": "a", "name": "A", "enabled": true}, {"id": "b", "name": "B", "enabled": true}]}"#,
            ),
            "list-users" => common::json(
                200,
                r#"{"users": [
                    {"id": "u1", "default_workspace": "a", "username": "admin", "roles": ["admin"], "enabled": true},
                    {"id": "u2", "default_workspace": "a", "username": "bob", "roles": ["reader"], "enabled": true},
                    {"id": "u3", "default_workspace": "b", "username": "bob", "roles": ["writer"], "enabled": true}
                ]}"#,
            ),
            "list-api-keys" => {
                let user = body["user_id"].as_str().unwrap_or_default().to_string();
                common::json(
                    200,
                    &format!(
                        r#"{{"api_keys": [{{"id": "k-{user}", "user_id": "{user}", "name": "ci", "prefix": "tg_Abcd"}}]}}"#
                    ),
                )
            }
            op => common::json(500, &format!(r#"{{"error": "unexpected {op}"}}"#)),
        }
    }));
    for format in FORMATS {
        let r = tg("tg-export-iam")
            .gateway(&mock)
            .args(["--format", format])
            .run();
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        let f = match format {
            "yaml" => tg_iam::apply::manifest::Format::Yaml,
            "toml" => tg_iam::apply::manifest::Format::Toml,
            _ => tg_iam::apply::manifest::Format::Json,
        };
        let m = tg_iam::apply::manifest::parse(&r.stdout, f, "-")
            .unwrap_or_else(|e| panic!("{format}: {}\n{}", e.message, r.stdout));
        tg_iam::apply::manifest::validate(&m, "-")
            .unwrap_or_else(|e| panic!("{format}: {}\n{}", e.message, r.stdout));
        let users: Vec<&str> = m.users.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(users, ["admin"], "{format}");
        let keys: Vec<&str> = m.api_keys.iter().map(|k| k.user.as_str()).collect();
        assert_eq!(keys, ["admin"], "{format}");
        let note = "users \"bob\" left out, with their API keys: 2 users have this username (ids u2, u3), and a manifest names a user by username; tg-apply --prune would disable the enabled ones";
        if format == "json" {
            assert!(
                r.stderr
                    .contains(&format!("tg-export-iam: warning: {note}\n")),
                "{}",
                r.stderr
            );
        } else {
            assert!(r.stdout.contains(&format!("# - {note}\n")), "{}", r.stdout);
        }
    }
}
