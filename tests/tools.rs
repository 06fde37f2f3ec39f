//! Every tool, built and run against a scripted server on 127.0.0.1:0:
//! the exact request (path, body bytes, Authorization), stdout, stderr and
//! exit code, on success and on every failure class.

mod common;
use common::*;

const ALICE_ID: &str = "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3";
const ALICE: &str = r#"{"id": "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3", "default_workspace": "default", "username": "alice", "name": "Alice", "email": "alice@example.com", "roles": ["writer"], "enabled": true, "must_change_password": false, "created": "2026-11-22T07:00:24.702000+00:00"}"#;

fn user_reply(enabled: bool) -> Reply {
    let u = ALICE.replace("\"enabled\": true", &format!("\"enabled\": {enabled}"));
    json(
        200,
        &format!(r#"{{"user": {u}, "bootstrap_available": false}}"#),
    )
}

fn assert_ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout={:?} stderr={:?}", r.stdout, r.stderr);
}

/// Success with nothing on stderr, and every request a JSON POST to
/// /api/v1/iam carrying the admin token.
fn assert_iam_ok(r: &Run, mock: &Mock) {
    assert_ok(r);
    assert_eq!(r.stderr, "");
    let reqs = mock.requests();
    assert!(!reqs.is_empty());
    for q in reqs {
        assert_eq!(
            (q.method.as_str(), q.target.as_str()),
            ("POST", "/api/v1/iam")
        );
        assert_eq!(q.header("content-type"), Some("application/json"));
        assert_eq!(
            q.header("authorization"),
            Some(format!("Bearer {ADMIN}").as_str())
        );
    }
}

const PW_WARNING: &str = "warning: a password given with --password is visible to other users (ps) and kept in shell history; prefer --password-stdin or the prompt\n";

// ---------------------------------------------------------------- bootstrap

#[test]
fn bootstrap_prints_key_like_upstream() {
    let t = transcript("02-bootstrap-first.txt");
    let mock = Mock::start(vec![json(
        200,
        r#"{"bootstrap_admin_user_id": "00447673-fc19-4db0-bfd9-478fd35ba13a", "bootstrap_admin_api_key": "tg_YoDr9vVuUBRXyfOg-xEMDNod1bHiXfCh", "bootstrap_available": false}"#,
    )]);
    let r = tg("tg-bootstrap-iam").url(&mock.url()).run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (t.code, t.stdout.as_str(), t.stderr.as_str())
    );
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].target, "/api/v1/auth/bootstrap");
    assert_eq!(reqs[0].body, "{}");
    assert_eq!(reqs[0].header("authorization"), None);
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
}

#[test]
fn bootstrap_second_time_fails_on_2_11_and_on_design() {
    let x = exchange("04-bootstrap-third-raw.txt");
    let mock = Mock::start(vec![json(x.status, &x.response_body)]);
    let r = tg("tg-bootstrap-iam").url(&mock.url()).run();
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with("tg-bootstrap-iam: error: the gateway returned no bootstrap key"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("\nhint: bootstrap works once"));

    let mock = Mock::start(vec![json(401, r#"{"error": "auth failure"}"#)]);
    let r = tg("tg-bootstrap-iam").url(&mock.url()).run();
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr.lines().next().unwrap(),
        "tg-bootstrap-iam: error: bootstrap refused (HTTP 401: auth failure)"
    );
}

// ---------------------------------------------------------------- login

#[test]
fn login_matches_upstream_transcript() {
    let t = transcript("13-login-success.txt");
    let x = exchange("14-login-success-raw.txt");
    let mock = Mock::start(vec![json(x.status, &x.response_body)]);
    let mut args: Vec<&str> = t.args.iter().map(String::as_str).collect();
    let url = mock.url();
    args[1] = &url;
    let r = tg("tg-login").args(&args).run();
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, t.stdout);
    assert_eq!(r.stderr, format!("tg-login: {PW_WARNING}{}", t.stderr));
    let req = &mock.requests()[0];
    assert_eq!(req.target, "/api/v1/auth/login");
    // Byte for byte what Python's json.dumps sends.
    assert_eq!(req.body, r#"{"username": "alice", "password": "s3cret-A"}"#);
    assert_eq!(req.header("authorization"), None);
}

#[test]
fn login_password_stdin_and_workspace_env() {
    let x = exchange("14-login-success-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-login")
        .url(&mock.url())
        .args(["--username", "alice", "--password-stdin"])
        .env("TRUSTGRAPH_WORKSPACE", "research")
        .stdin("s3cret-A\n")
        .run();
    assert_ok(&r);
    assert_eq!(r.stderr, "JWT expires: 2026-11-22T08:00:25+00:00\n");
    assert_eq!(
        mock.bodies()[0],
        r#"{"username": "alice", "password": "s3cret-A", "workspace": "research"}"#
    );
}

#[test]
fn login_refused_on_2_11_is_auth_failure_not_an_empty_line() {
    let t = transcript("15-login-bad-password.txt");
    assert_eq!(
        (t.code, t.stdout.as_str()),
        (0, "\n"),
        "upstream prints an empty line and exits 0"
    );
    let x = exchange("16-login-bad-password-raw.txt");
    let mock = Mock::start(vec![json(x.status, &x.response_body)]);
    let r = tg("tg-login")
        .url(&mock.url())
        .args(["--username", "alice", "--password-stdin"])
        .stdin("Wr0ng-pa55\n")
        .run();
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout, "");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(lines[0].starts_with("tg-login: error: the gateway returned no JWT"));
    assert!(lines[1].starts_with("hint: wrong username or password"));
}

#[test]
fn login_401_on_design_gateway() {
    let mock = Mock::start(vec![json(401, r#"{"error": "auth failure"}"#)]);
    let r = tg("tg-login")
        .url(&mock.url())
        .args(["--username", "alice", "--password-stdin"])
        .stdin("Wr0ng-pa55\n")
        .run();
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        "tg-login: error: login failed (HTTP 401: auth failure)\nhint: wrong username or password, or the user or its workspace is disabled or missing (the gateway does not say which)\n"
    );
}

#[test]
fn login_without_password_or_tty_exits_2_without_blocking() {
    let mock = Mock::start(vec![]);
    let r = tg("tg-login")
        .url(&mock.url())
        .args(["--username", "alice"])
        .run();
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("tg-login: error: no password given and standard input is not a terminal"));
    assert!(mock.requests().is_empty());
    let r = tg("tg-login")
        .url(&mock.url())
        .args(["--username", "alice", "--password-stdin"])
        .stdin("")
        .run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("standard input ended before the password"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------- whoami

const WHOAMI_TABLE: &str = "\
id                    00447673-fc19-4db0-bfd9-478fd35ba13a
username              admin
name                  Administrator
email
workspace             default
roles                 admin
enabled               yes
must change password  yes
created               2026-11-22T07:00:23.926000+00:00
";

#[test]
fn whoami_shows_the_workspace_upstream_leaves_blank() {
    let x = exchange("06-whoami-admin-apikey.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-whoami").gateway(&mock).run();
    assert_ok(&r);
    assert_eq!(r.stdout, WHOAMI_TABLE);
    // The bootstrap admin (tests/messages.rs has the note word for word).
    assert!(
        r.stderr
            .starts_with("tg-whoami: note: the must-change-password flag is advisory"),
        "{}",
        r.stderr
    );
    let req = &mock.requests()[0];
    assert_eq!(req.target, "/api/v1/iam");
    assert_eq!(req.body, r#"{"operation": "whoami"}"#);
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {ADMIN}").as_str())
    );
}

#[test]
fn whoami_reads_the_older_workspace_field_and_prints_json() {
    let mock = Mock::start(vec![json(
        200,
        r#"{"user": {"username": "old", "workspace": "legacy", "id": "1", "zzz": [1]}}"#,
    )]);
    let r = tg("tg-whoami").gateway(&mock).run();
    assert!(
        r.stdout.contains("workspace             legacy\n"),
        "{}",
        r.stdout
    );
    let mock = Mock::start(vec![json(
        200,
        r#"{"user": {"username": "old", "workspace": "legacy", "id": "1"}, "bootstrap_available": false}"#,
    )]);
    let r = tg("tg-whoami").gateway(&mock).args(["-o", "json"]).run();
    assert_iam_ok(&r, &mock);
    assert_eq!(
        r.stdout,
        "{\n  \"id\": \"1\",\n  \"username\": \"old\",\n  \"workspace\": \"legacy\"\n}\n"
    );
}

#[test]
fn records_of_the_wrong_types_are_unexpected_responses() {
    // Every gateway sends strings, lists and JSON booleans (the 2.11.1
    // transcripts included): a record that does not is not read as one.
    for (tool, reply, want) in [
        (
            "tg-whoami",
            r#"{"user": {"id": "1", "username": "u", "enabled": "yes"}}"#,
            "`user` is not a user record (`enabled`: invalid type: string \"yes\", expected a boolean)",
        ),
        (
            "tg-list-users",
            r#"{"users": [{"id": "1", "username": "u"}, {"id": 5, "username": "v"}]}"#,
            "`users[1]` is not a user record (`id`: invalid type: integer `5`, expected a string)",
        ),
        // A lone surrogate (Python's json.dumps writes one as it is held):
        // not a string Rust can hold, and the error says so, where.
        (
            "tg-list-users",
            r#"{"users": [{"id": "1", "username": "u"}, {"id": "2", "username": "v", "name": "x\ud800y"}]}"#,
            "`users[1]` is not a user record (`name`: unexpected end of hex escape)",
        ),
        (
            "tg-list-workspaces",
            r#"{"workspaces": [{"id": "w", "name": "\udc00"}]}"#,
            "`workspaces[0]` is not a workspace record (`name`: lone leading surrogate in hex escape)",
        ),
    ] {
        let mock = Mock::start(vec![json(200, reply)]);
        let r = tg(tool).gateway(&mock).run();
        assert_eq!(r.code, 6, "{}", r.stderr);
        assert_eq!(
            r.stderr,
            format!("{tool}: error: unexpected response from the gateway: {want}\n")
        );
        assert!(r.stdout.is_empty());
    }
    // A long list is read by two threads, each half of it: the error is
    // still the first bad record's, in either half.
    for bad in [&[4999][..], &[3000, 4999], &[10, 4999]] {
        let users: Vec<String> = (0..5000)
            .map(|i| match bad.contains(&i) {
                true => format!(r#"{{"id": {i}, "username": "u{i}"}}"#),
                false => format!(r#"{{"id": "{i}", "username": "u{i}"}}"#),
            })
            .collect();
        let reply = format!(r#"{{"users": [{}]}}"#, users.join(", "));
        let mock = Mock::start(vec![json(200, &reply)]);
        let r = tg("tg-list-users")
            .gateway(&mock)
            .args(["-o", "json"])
            .run();
        assert_eq!(r.code, 6, "{}", r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "tg-list-users: error: unexpected response from the gateway: `users[{0}]` is not a user record (`id`: invalid type: integer `{0}`, expected a string)\n",
                bad[0]
            )
        );
        assert!(r.stdout.is_empty());
    }
}

// ---------------------------------------------------------------- users

#[test]
fn create_user_matches_upstream_transcript() {
    let t = transcript("08-create-user-alice.txt");
    let mock = Mock::start(vec![user_reply(true)]);
    let url = mock.url();
    let mut args: Vec<&str> = t.args.iter().map(String::as_str).collect();
    args[1] = &url;
    let r = tg("tg-create-user").args(&args).run();
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, t.stdout);
    assert_eq!(
        r.stderr,
        format!("tg-create-user: {PW_WARNING}{}", t.stderr)
    );
    assert_eq!(
        mock.bodies()[0],
        r#"{"operation": "create-user", "user": {"username": "alice", "password": "s3cret-A", "roles": ["writer"], "name": "Alice", "email": "alice@example.com"}, "workspace": "default"}"#
    );
}

#[test]
fn create_user_duplicate_on_2_11_fails_instead_of_printing_blanks() {
    let t = transcript("11-create-user-duplicate.txt");
    assert_eq!(t.code, 0, "upstream claims success");
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-create-user")
        .gateway(&mock)
        .args([
            "-w",
            "default",
            "--username",
            "alice",
            "--password-stdin",
            "--roles",
            "reader",
            "--must-change-password",
        ])
        .stdin("x\n")
        .run();
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with("tg-create-user: error: the gateway returned no user record"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(
        "hint: the username may already be taken, or workspace \"default\" may not exist"
    ));
    assert_eq!(
        mock.bodies()[0],
        r#"{"operation": "create-user", "user": {"username": "alice", "password": "x", "roles": ["reader"], "must_change_password": true}, "workspace": "default"}"#
    );
}

#[test]
fn create_user_without_workspace_says_to_pass_one() {
    // 2.11: bare reply; design: an invalid-argument error.
    for reply in [
        bare(),
        json(
            200,
            r#"{"error": {"type": "invalid-argument", "message": "workspace required for create-user"}}"#,
        ),
    ] {
        let mock = Mock::start(vec![reply]);
        let r = tg("tg-create-user")
            .gateway(&mock)
            .args([
                "--username",
                "zed",
                "--password-stdin",
                "--roles",
                "superhero",
            ])
            .stdin("x\n")
            .run();
        assert_eq!(r.code, 1);
        assert!(
            r.stderr
                .contains("warning: unknown role \"superhero\": the known roles are reader, writer and admin;"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("hint: no workspace was sent: pass -w/--workspace"),
            "{}",
            r.stderr
        );
        assert!(!mock.bodies()[0].contains("workspace"));
    }
}

#[test]
fn create_user_json_output() {
    let mock = Mock::start(vec![user_reply(true)]);
    let r = tg("tg-create-user")
        .gateway(&mock)
        .args([
            "-w",
            "default",
            "--username",
            "alice",
            "--password-stdin",
            "-o",
            "json",
        ])
        .stdin("x\n")
        .run();
    assert_ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["id"], ALICE_ID);
    assert!(
        r.stdout.starts_with("{\n  \"created\""),
        "keys sorted: {}",
        r.stdout
    );
}

#[test]
fn list_users_matches_upstream_table() {
    let t = transcript("21-list-users.txt");
    let x = exchange("22-list-users-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-list-users").gateway(&mock).run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (t.code, t.stdout.as_str(), "")
    );
    assert_eq!(mock.bodies()[0], r#"{"operation": "list-users"}"#);
}

#[test]
fn list_users_workspace_filter_empty_and_json() {
    // An empty list for a workspace that exists: "No users." (the
    // workspace is confirmed with a read).
    let ws = r#"{"workspace": {"id": "empty", "name": "empty", "enabled": true, "created": ""}, "bootstrap_available": false}"#;
    let mock = Mock::start(vec![bare(), json(200, ws), bare(), json(200, ws)]);
    let r = tg("tg-list-users")
        .gateway(&mock)
        .args(["-w", "empty"])
        .run();
    assert_eq!((r.code, r.stdout.as_str()), (0, "No users.\n"));
    assert_eq!(
        mock.bodies(),
        [
            r#"{"operation": "list-users", "workspace": "empty"}"#,
            r#"{"operation": "get-workspace", "workspace_record": {"id": "empty"}}"#
        ]
    );
    let r = tg("tg-list-users")
        .gateway(&mock)
        .args(["-o", "json", "-w", "empty"])
        .run();
    assert_eq!((r.code, r.stdout.as_str()), (0, "[]\n"));
    // For a workspace that does not exist (2.11: a bare reply to the read;
    // design: not-found), exit 1.
    for missing in [
        bare(),
        json(
            200,
            r#"{"error": {"type": "not-found", "message": "workspace not found"}}"#,
        ),
    ] {
        let mock = Mock::start(vec![bare(), missing]);
        let r = tg("tg-list-users")
            .gateway(&mock)
            .args(["-w", "nope"])
            .run();
        assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
        assert_eq!(r.stderr, "tg-list-users: error: workspace \"nope\" not found\nhint: check the id with tg-list-workspaces\n");
    }
    // Without a filter the caller itself is a user: an empty list is a
    // refusal (how 2.11 answers one), never "No users.".
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-list-users").gateway(&mock).run();
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert!(
        r.stderr.starts_with(
            "tg-list-users: error: the gateway returned no users; the request was refused"
        ),
        "{}",
        r.stderr
    );
    let x = exchange("22-list-users-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-list-users")
        .gateway(&mock)
        .args(["--output", "json"])
        .run();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[2]["email"], "alice@example.com");
}

#[test]
fn update_user_keeps_flags_it_was_not_asked_to_change() {
    // alice is disabled; an update of her name must not re-enable her.
    let updated = ALICE
        .replace("\"enabled\": true", "\"enabled\": false")
        .replace("Alice", "Alice B");
    let mock = Mock::start(vec![
        user_reply(false),
        json(200, &format!(r#"{{"user": {updated}}}"#)),
    ]);
    let r = tg("tg-update-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID, "--name", "Alice B"])
        .run();
    assert_iam_ok(&r, &mock);
    assert_eq!(
        r.stdout,
        format!("id        : {ALICE_ID}\nusername  : alice\nname      : Alice B\nemail     : alice@example.com\ndefault_ws: default\nroles     : writer\nenabled   : no\nmust-change-pw: no\n")
    );
    let b = mock.bodies();
    assert_eq!(
        b[0],
        format!(r#"{{"operation": "get-user", "user_id": "{ALICE_ID}"}}"#)
    );
    assert_eq!(
        b[1],
        format!(
            r#"{{"operation": "update-user", "user_id": "{ALICE_ID}", "user": {{"name": "Alice B", "enabled": false, "must_change_password": false}}}}"#
        )
    );
}

#[test]
fn update_user_explicit_flags_roles_and_usage_errors() {
    let mock = Mock::start(vec![user_reply(true), user_reply(true)]);
    let r = tg("tg-update-user")
        .gateway(&mock)
        .args([
            "--user-id",
            ALICE_ID,
            "--roles",
            "reader",
            "writer",
            "--enabled",
            "YES",
            "--must-change-password",
            "n",
            "-w",
            "default",
        ])
        .run();
    assert_iam_ok(&r, &mock);
    assert_eq!(
        mock.bodies()[1],
        format!(
            r#"{{"operation": "update-user", "user_id": "{ALICE_ID}", "user": {{"roles": ["reader", "writer"], "enabled": true, "must_change_password": false}}, "workspace": "default"}}"#
        )
    );
    let r = tg("tg-update-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID])
        .run();
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr, "tg-update-user: error: nothing to change — supply at least one of --name / --email / --roles / --enabled / --must-change-password\n");
    let r = tg("tg-update-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID, "--enabled", "maybe"])
        .run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("expected yes/no, got \"maybe\""),
        "{}",
        r.stderr
    );
}

#[test]
fn update_user_unknown_user_on_2_11() {
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-update-user")
        .gateway(&mock)
        .args(["--user-id", "nope", "--name", "x"])
        .run();
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "tg-update-user: error: user nope not found\nhint: check the id with tg-list-users\n"
    );
    assert_eq!(
        mock.requests().len(),
        1,
        "no update sent for an unknown user"
    );
}

#[test]
fn disable_enable_user_confirm_with_a_read() {
    let mock = Mock::start(vec![user_reply(true), bare(), user_reply(false)]);
    let r = tg("tg-disable-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID, "-w", "default"])
        .run();
    assert_iam_ok(&r, &mock);
    assert_eq!(r.stdout, format!("Disabled user {ALICE_ID}\n"));
    assert_eq!(r.stderr, "");
    let b = mock.bodies();
    assert_eq!(
        b[1],
        format!(
            r#"{{"operation": "disable-user", "user_id": "{ALICE_ID}", "workspace": "default"}}"#
        )
    );
    assert_eq!(
        b[2],
        format!(r#"{{"operation": "get-user", "user_id": "{ALICE_ID}", "workspace": "default"}}"#)
    );

    let mock = Mock::start(vec![user_reply(false), json(200, "{}"), user_reply(true)]);
    let r = tg("tg-enable-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID])
        .run();
    assert_iam_ok(&r, &mock);
    assert_eq!(r.stdout, format!("Enabled user {ALICE_ID}\n"));
    assert_eq!(
        mock.bodies()[1],
        format!(r#"{{"operation": "enable-user", "user_id": "{ALICE_ID}"}}"#)
    );
}

#[test]
fn disable_user_that_did_not_change_is_a_failure() {
    let mock = Mock::start(vec![user_reply(true), bare(), user_reply(true)]);
    let r = tg("tg-disable-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID])
        .run();
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.starts_with(&format!("tg-disable-user: error: disable-user was not carried out: the gateway acknowledged it, but user {ALICE_ID} is still enabled")), "{}", r.stderr);
}

#[test]
fn enable_unknown_user_fails_on_both_servers() {
    for reply in [
        bare(),
        json(
            200,
            r#"{"error": {"type": "not-found", "message": "user not found"}}"#,
        ),
    ] {
        let mock = Mock::start(vec![reply]);
        let r = tg("tg-enable-user")
            .gateway(&mock)
            .args(["--user-id", "nope"])
            .run();
        assert_eq!(r.code, 1);
        assert!(r
            .stderr
            .starts_with("tg-enable-user: error: user nope not found"));
        assert_eq!(mock.requests().len(), 1);
    }
}

#[test]
fn delete_user_with_yes_confirms_it_is_gone() {
    let mock = Mock::start(vec![user_reply(true), bare(), bare()]);
    let r = tg("tg-delete-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID, "--yes"])
        .run();
    assert_iam_ok(&r, &mock);
    assert_eq!(r.stdout, format!("Deleted user {ALICE_ID}\n"));
    assert_eq!(
        mock.bodies()[1],
        format!(r#"{{"operation": "delete-user", "user_id": "{ALICE_ID}"}}"#)
    );
    // Design server: the read-back says not-found.
    let mock = Mock::start(vec![
        user_reply(true),
        json(200, "{}"),
        json(
            200,
            r#"{"error": {"type": "not-found", "message": "user not found"}}"#,
        ),
    ]);
    let r = tg("tg-delete-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID, "--yes"])
        .run();
    assert_iam_ok(&r, &mock);
}

#[test]
fn delete_user_without_tty_or_yes_refuses_and_sends_nothing_destructive() {
    let mock = Mock::start(vec![user_reply(true)]);
    let r = tg("tg-delete-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID])
        .run();
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "tg-delete-user: error: refusing to go on without confirmation: standard input is not a terminal\nhint: pass --yes to confirm from a script\n");
    assert!(mock.bodies().iter().all(|b| !b.contains("delete-user")));
}

#[test]
fn reset_password_prints_the_temporary_password() {
    let mock = Mock::start(vec![json(
        200,
        r#"{"temporary_password": "Xy9_abcDEF-12345", "bootstrap_available": false}"#,
    )]);
    let r = tg("tg-reset-password")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID])
        .run();
    assert_ok(&r);
    assert_eq!(mock.requests()[0].target, "/api/v1/iam");
    assert_eq!(r.stdout, "Xy9_abcDEF-12345\n");
    assert_eq!(r.stderr, "Temporary password (shown once, capture now):\n");
    assert_eq!(
        mock.bodies()[0],
        format!(r#"{{"operation": "reset-password", "user_id": "{ALICE_ID}"}}"#)
    );
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-reset-password")
        .gateway(&mock)
        .args(["--user-id", "nope"])
        .run();
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("tg-reset-password: error: the gateway returned no temporary password"));
}

// ---------------------------------------------------------------- change password

#[test]
fn change_password_design_gateway() {
    let x = exchange("26-whoami-jwt-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body), json(200, "{}")]);
    let r = tg("tg-change-password")
        .gateway(&mock)
        .args(["--password-stdin"])
        .run();
    assert_eq!(r.code, 2, "no stdin lines: {}", r.stderr);
    let mock = Mock::start(vec![json(200, &x.response_body), json(200, "{}")]);
    let url = mock.url();
    let r = tg("tg-change-password")
        .url(&url)
        .token(ADMIN)
        .args(["--password-stdin"])
        .stdin("old-pw\nnew-pw\n")
        .run();
    assert_ok(&r);
    assert_eq!(r.stdout, "Password changed.\n");
    assert_eq!(r.stderr, "");
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].target, "/api/v1/auth/change-password");
    assert_eq!(
        reqs[1].body,
        r#"{"current_password": "old-pw", "new_password": "new-pw"}"#
    );
    assert_eq!(
        reqs[1].header("authorization"),
        Some(format!("Bearer {ADMIN}").as_str())
    );
}

#[test]
fn change_password_on_2_11_is_confirmed_by_a_login() {
    let x = exchange("26-whoami-jwt-raw.txt");
    let login = exchange("14-login-success-raw.txt");
    let mock = Mock::start(vec![
        json(200, &x.response_body),
        bare(),
        json(200, &login.response_body),
    ]);
    let r = tg("tg-change-password")
        .gateway(&mock)
        .args(["--current", "old-pw", "--password-stdin"])
        .stdin("new-pw\n")
        .run();
    assert_ok(&r);
    assert!(r
        .stderr
        .contains("a current password given with --current is visible"));
    let reqs = mock.requests();
    assert_eq!(reqs[2].target, "/api/v1/auth/login");
    assert_eq!(
        reqs[2].body,
        r#"{"username": "alice", "password": "new-pw"}"#
    );

    // Wrong current password on 2.11: bare reply, and the new one does not log in.
    let mock = Mock::start(vec![json(200, &x.response_body), bare(), bare()]);
    let r = tg("tg-change-password")
        .gateway(&mock)
        .args(["--password-stdin"])
        .stdin("wrong\nnew-pw\n")
        .run();
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with("tg-change-password: error: password not changed"),
        "{}",
        r.stderr
    );
}

#[test]
fn change_password_wrong_current_on_design_gateway() {
    let x = exchange("26-whoami-jwt-raw.txt");
    let mock = Mock::start(vec![
        json(200, &x.response_body),
        json(401, r#"{"error": "auth failure"}"#),
    ]);
    let r = tg("tg-change-password")
        .gateway(&mock)
        .args(["--password-stdin"])
        .stdin("wrong\nnew-pw\n")
        .run();
    assert_eq!(r.code, 3);
    assert_eq!(r.stderr.lines().next().unwrap(), "tg-change-password: error: password not changed: the current password was not accepted (HTTP 401: auth failure)");
}

// ---------------------------------------------------------------- keys

#[test]
fn create_api_key_matches_upstream_transcript() {
    let t = transcript("27-create-api-key.txt");
    let mock = Mock::start(vec![json(
        200,
        &format!(
            r#"{{"api_key_plaintext": "tg_Lc1WWqglejREJXfN6W6emlKQAXHhAwdY", "api_key": {{"id": "4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd", "user_id": "{ALICE_ID}", "name": "laptop", "prefix": "tg_Lc1W", "expires": "", "created": "2026-11-22T07:00:27.070000+00:00", "last_used": ""}}, "bootstrap_available": false}}"#
        ),
    )]);
    let url = mock.url();
    let mut args: Vec<&str> = t.args.iter().map(String::as_str).collect();
    args[1] = &url;
    let r = tg("tg-create-api-key").args(&args).run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, t.stdout.as_str(), t.stderr.as_str())
    );
    assert_eq!(
        mock.bodies()[0],
        format!(
            r#"{{"operation": "create-api-key", "key": {{"user_id": "{ALICE_ID}", "name": "laptop"}}}}"#
        )
    );
}

#[test]
fn create_api_key_expiry_is_checked_and_sent_verbatim() {
    let x = exchange("28-create-api-key-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-create-api-key")
        .gateway(&mock)
        .args([
            "--user-id",
            ALICE_ID,
            "--name",
            "ci",
            "--expires",
            "2099-01-01T00:00:00+00:00",
            "-w",
            "default",
        ])
        .run();
    assert_ok(&r);
    assert_eq!(r.stdout, "tg_WndOJuhhjwCaHkGTAm5kBR2KOYVeS8Un\n");
    assert_eq!(
        mock.bodies()[0],
        format!(
            r#"{{"operation": "create-api-key", "key": {{"user_id": "{ALICE_ID}", "name": "ci", "expires": "2099-01-01T00:00:00+00:00"}}, "workspace": "default"}}"#
        )
    );
    for (bad, msg) in [
        ("next tuesday", "is not an ISO-8601 date"),
        ("2001-01-01", "is in the past"),
    ] {
        let r = tg("tg-create-api-key")
            .gateway(&mock)
            .args(["--user-id", ALICE_ID, "--name", "ci", "--expires", bad])
            .run();
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stderr.contains(msg), "{}", r.stderr);
    }
    // The create, then a read of its user (a disabled user gets a
    // warning; this one is unscripted, so nothing is said); nothing for
    // the refused expiries.
    assert_eq!(mock.requests().len(), 2);
    assert!(mock.bodies()[1].contains(r#""operation": "get-user""#));
    assert!(!r.stderr.contains("disabled"), "{}", r.stderr);
}

#[test]
fn list_api_keys_matches_upstream_table() {
    let t = transcript("30-list-api-keys.txt");
    let x = exchange("31-list-api-keys-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-list-api-keys")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID])
        .run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, t.stdout.as_str(), "")
    );
    assert_eq!(
        mock.bodies()[0],
        x.request_body
            .replace("\":\"", "\": \"")
            .replace(",\"", ", \"")
    );
}

#[test]
fn list_api_keys_empty_checks_the_user_exists_on_2_11() {
    let t = transcript("38-list-api-keys-after-revoke.txt");
    let mock = Mock::start(vec![bare(), user_reply(true)]);
    let r = tg("tg-list-api-keys")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID])
        .run();
    assert_eq!((r.code, r.stdout.as_str()), (0, t.stdout.as_str()));
    let mock = Mock::start(vec![bare(), bare()]);
    let r = tg("tg-list-api-keys")
        .gateway(&mock)
        .args(["--user-id", "nope"])
        .run();
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("tg-list-api-keys: error: user nope not found"));
    let mock = Mock::start(vec![json(200, "{}")]);
    let r = tg("tg-list-api-keys")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID, "-o", "json"])
        .run();
    assert_eq!((r.code, r.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn revoke_api_key_says_when_the_gateway_cannot_confirm() {
    let t = transcript("33-revoke-api-key.txt");
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-revoke-api-key")
        .gateway(&mock)
        .args(["--key-id", "4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd"])
        .run();
    assert_eq!((r.code, r.stdout.as_str()), (0, t.stdout.as_str()));
    assert!(
        r.stderr
            .starts_with("tg-revoke-api-key: note: the gateway gave no confirmation"),
        "{}",
        r.stderr
    );
    assert_eq!(
        mock.bodies()[0],
        r#"{"operation": "revoke-api-key", "key_id": "4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd"}"#
    );
    let mock = Mock::start(vec![json(200, "{}")]);
    let r = tg("tg-revoke-api-key")
        .gateway(&mock)
        .args(["--key-id", "k1"])
        .run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "Revoked key k1\n", "")
    );
    let mock = Mock::start(vec![json(
        200,
        r#"{"error": {"type": "not-found", "message": "api key not found"}}"#,
    )]);
    let r = tg("tg-revoke-api-key")
        .gateway(&mock)
        .args(["--key-id", "k1"])
        .run();
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("tg-revoke-api-key: error: not-found: api key not found\n"));
}

// ---------------------------------------------------------------- workspaces

#[test]
fn create_workspace() {
    let mock = Mock::start(vec![json(
        200,
        r#"{"workspace": {"id": "research", "name": "Research", "enabled": true, "created": "2026-11-22T07:00:30+00:00"}}"#,
    )]);
    let r = tg("tg-create-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research", "--name", "Research"])
        .run();
    assert_iam_ok(&r, &mock);
    assert_eq!(r.stdout, "Workspace created: research\n");
    assert_eq!(
        mock.bodies()[0],
        r#"{"operation": "create-workspace", "workspace_record": {"id": "research", "enabled": true, "name": "Research"}}"#
    );
    let r = tg("tg-create-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "_system"])
        .run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("reserved"));
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-create-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research"])
        .run();
    assert_eq!(r.code, 1);
}

#[test]
fn list_workspaces_and_my_workspaces() {
    let body = r#"{"workspaces": [{"id": "default", "name": "Default", "enabled": true, "created": "2026-11-22T07:00:23+00:00"}, {"id": "old", "name": "Old", "enabled": false, "created": "2026-11-22T07:00:24.500000+00:00"}], "bootstrap_available": false}"#;
    let want = "\
+---------+---------+---------+----------------------------------+
| id      | name    | enabled | created                          |
+---------+---------+---------+----------------------------------+
| default | Default | yes     | 2026-11-22T07:00:23+00:00        |
| old     | Old     | no      | 2026-11-22T07:00:24.500000+00:00 |
+---------+---------+---------+----------------------------------+
";
    for (tool, op) in [
        ("tg-list-workspaces", "list-workspaces"),
        ("tg-list-my-workspaces", "list-my-workspaces"),
    ] {
        let mock = Mock::start(vec![json(200, body), bare()]);
        let r = tg(tool).gateway(&mock).run();
        assert_eq!((r.code, r.stdout.as_str()), (0, want), "{tool}");
        assert_eq!(mock.bodies()[0], format!(r#"{{"operation": "{op}"}}"#));
        let r = tg(tool).gateway(&mock).run();
        assert_eq!(r.stdout, "No workspaces.\n");
    }
}

// ---------------------------------------------------------------- every tool, every failure class

/// Minimal valid arguments for each tool (after -u and -t), and its stdin.
fn every_tool() -> Vec<(&'static str, Vec<&'static str>, Option<&'static str>)> {
    vec![
        ("tg-bootstrap-iam", vec![], None),
        (
            "tg-login",
            vec!["--username", "alice", "--password-stdin"],
            Some("pw\n"),
        ),
        ("tg-whoami", vec![], None),
        (
            "tg-create-user",
            vec!["--username", "bob", "-w", "default", "--password-stdin"],
            Some("pw\n"),
        ),
        ("tg-list-users", vec![], None),
        (
            "tg-update-user",
            vec!["--user-id", "u1", "--name", "B"],
            None,
        ),
        ("tg-disable-user", vec!["--user-id", "u1"], None),
        ("tg-enable-user", vec!["--user-id", "u1"], None),
        ("tg-delete-user", vec!["--user-id", "u1", "--yes"], None),
        (
            "tg-change-password",
            vec!["--password-stdin"],
            Some("a\nb\n"),
        ),
        ("tg-reset-password", vec!["--user-id", "u1"], None),
        (
            "tg-create-api-key",
            vec!["--user-id", "u1", "--name", "ci"],
            None,
        ),
        ("tg-list-api-keys", vec!["--user-id", "u1"], None),
        ("tg-revoke-api-key", vec!["--key-id", "k1"], None),
        ("tg-create-workspace", vec!["--workspace-id", "w1"], None),
        ("tg-list-workspaces", vec![], None),
        ("tg-list-my-workspaces", vec![], None),
        (
            "tg-mint-token",
            vec!["-w", "default", "--user-context", "{}", "--self"],
            None,
        ),
        ("tg-show-user", vec!["--user-id", "u1"], None),
        ("tg-show-workspace", vec!["--workspace-id", "w1"], None),
        (
            "tg-update-workspace",
            vec!["--workspace-id", "w1", "--name", "W"],
            None,
        ),
        (
            "tg-disable-workspace",
            vec!["--workspace-id", "w1", "--yes"],
            None,
        ),
        ("tg-enable-workspace", vec!["--workspace-id", "w1"], None),
        ("tg-rotate-signing-key", vec!["--yes"], None),
    ]
}

/// `tool` against `url`, with the admin token unless it takes none.
fn against(tool: &str, url: &str) -> TestCommand {
    let t = tg(tool).url(url);
    if tool == "tg-login" || tool == "tg-bootstrap-iam" {
        t
    } else {
        t.token(ADMIN)
    }
}

/// Run every tool against `url` (in parallel) and check each one failed
/// with exit `code`, nothing on stdout, one error line (and at most a
/// hint) on stderr mentioning `mentions`.
fn every_tool_fails(url: &str, extra: &[&str], code: i32, mentions: &str) {
    let runs: Vec<(&str, Run)> = std::thread::scope(|s| {
        let handles: Vec<_> = every_tool()
            .into_iter()
            .map(|(tool, args, stdin)| {
                s.spawn(move || {
                    let r = against(tool, url)
                        .args(extra)
                        .args(args)
                        .maybe_stdin(stdin)
                        .run();
                    (tool, r)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (tool, r) in runs {
        assert_eq!(r.code, code, "{tool}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{tool}: nothing on stdout when failing");
        assert!(
            r.stderr.starts_with(&format!("{tool}: error: ")),
            "{tool}: {}",
            r.stderr
        );
        assert!(r.stderr.lines().count() <= 2, "{tool}: {}", r.stderr);
        if let Some(h) = r.stderr.lines().nth(1) {
            assert!(h.starts_with("hint: "), "{tool}: {}", r.stderr);
        }
        assert!(r.stderr.contains(mentions), "{tool}: {}", r.stderr);
    }
}

#[test]
fn every_tool_http_401_exits_3() {
    let mock = Mock::always(json(401, r#"{"error":"auth failure"}"#));
    every_tool_fails(&mock.url(), &[], 3, "HTTP 401: auth failure");
}

#[test]
fn every_tool_http_403_exits_4() {
    let mock = Mock::always(json(403, r#"{"error":"access denied"}"#));
    every_tool_fails(&mock.url(), &[], 4, "HTTP 403: access denied");
}

#[test]
fn every_tool_iam_error_in_body_exits_1() {
    let mock = Mock::always(json(
        200,
        r#"{"error": {"type": "operation-not-permitted", "message": "user is in a different workspace"}}"#,
    ));
    every_tool_fails(
        &mock.url(),
        &[],
        1,
        "operation-not-permitted: user is in a different workspace",
    );
    let mock = Mock::always(json(200, r#"{"error": "unexpected endpoint failure"}"#));
    every_tool_fails(&mock.url(), &[], 1, "unexpected endpoint failure");
}

#[test]
fn every_tool_non_json_502_exits_6() {
    let mock = Mock::always(Reply::Raw(
        502,
        "text/html",
        "<html>Bad Gateway</html>".into(),
    ));
    every_tool_fails(&mock.url(), &[], 6, "HTTP 502: <html>Bad Gateway</html>");
}

#[test]
fn every_tool_200_not_json_or_wrong_shape_exits_6() {
    let mock = Mock::always(Reply::Raw(200, "text/plain", "hello".into()));
    every_tool_fails(&mock.url(), &[], 6, "HTTP 200 but not JSON");
    let mock = Mock::always(json(200, "[1, 2]"));
    every_tool_fails(&mock.url(), &[], 6, "expected a JSON object, got an array");
}

#[test]
fn every_tool_connection_refused_exits_5() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    every_tool_fails(
        &url,
        &[],
        5,
        &format!("cannot connect to {url}: connection refused"),
    );
}

#[test]
fn every_tool_timeout_exits_5() {
    let mock = Mock::always(Reply::Hang);
    every_tool_fails(&mock.url(), &["--timeout", "0.5"], 5, "within 0.5 s");
}

#[test]
fn every_tool_200_with_expected_result_missing() {
    // What a 2.11 gateway sends for a refusal. Workspace lists can be
    // empty; an unfiltered user list cannot (the caller is a user).
    let expected = |tool: &str| match tool {
        "tg-login" | "tg-change-password" => Some(3),
        "tg-list-workspaces"
        | "tg-list-my-workspaces"
        | "tg-revoke-api-key"
        | "tg-rotate-signing-key" => None,
        _ => Some(1),
    };
    for (tool, args, stdin) in every_tool() {
        let mock = Mock::always(bare());
        // change-password's whoami must succeed to reach the change.
        let r = if tool == "tg-change-password" {
            let m = Mock::start(vec![user_reply(true), bare(), bare()]);
            tg(tool)
                .gateway(&m)
                .args(["--password-stdin"])
                .maybe_stdin(stdin)
                .run()
        } else {
            against(tool, &mock.url())
                .args(args)
                .maybe_stdin(stdin)
                .run()
        };
        match expected(tool) {
            Some(code) => {
                assert_eq!(r.code, code, "{tool}: {}", r.stderr);
                assert_eq!(r.stdout, "", "{tool}");
                assert!(
                    r.stderr.starts_with(&format!("{tool}: error: ")),
                    "{tool}: {}",
                    r.stderr
                );
            }
            None => assert_eq!(r.code, 0, "{tool}: {}", r.stderr),
        }
    }
}

// ---------------------------------------------------------------- credentials, URL, tracing

#[test]
fn token_sources_are_named_in_auth_errors() {
    let t = transcript("40-list-users-no-token.txt");
    assert_eq!(t.stderr, "Exception: HTTP 401: auth failure\n");
    let mock = Mock::always(json(401, r#"{"error":"auth failure"}"#));
    let r = tg("tg-list-users")
        .url(&mock.url())
        .env("TRUSTGRAPH_TOKEN", "")
        .run();
    assert_eq!(r.code, 3);
    assert_eq!(
        mock.requests()[0].header("authorization"),
        None,
        "empty TRUSTGRAPH_TOKEN sends no header"
    );
    assert!(r
        .stderr
        .contains("using no token (none given with -t/--token, --token-file, TRUSTGRAPH_TOKEN, the profile or a saved session)"));
    assert!(r
        .stderr
        .contains("hint: pass -t/--token or set TRUSTGRAPH_TOKEN"));
    let r = tg("tg-list-users")
        .url(&mock.url())
        .env("TRUSTGRAPH_TOKEN", " garbage ")
        .run();
    assert!(
        r.stderr.contains("using the token from TRUSTGRAPH_TOKEN"),
        "{}",
        r.stderr
    );
    assert_eq!(
        mock.requests()[1].header("authorization"),
        Some("Bearer garbage")
    );
    let r = tg("tg-list-users")
        .url(&mock.url())
        .token("other")
        .env("TRUSTGRAPH_TOKEN", "env")
        .run();
    assert!(
        r.stderr.contains("using the token given with -t/--token"),
        "{}",
        r.stderr
    );
    assert_eq!(
        mock.requests()[2].header("authorization"),
        Some("Bearer other")
    );
}

#[test]
fn url_from_environment_and_flag_precedence() {
    let mock = Mock::start(vec![bare(), bare()]);
    let r = tg("tg-list-workspaces")
        .token(ADMIN)
        .env("TRUSTGRAPH_URL", mock.url())
        .run();
    assert_ok(&r);
    let r = tg("tg-list-workspaces")
        .gateway(&mock)
        .env("TRUSTGRAPH_URL", "http://127.0.0.1:1/")
        .run();
    assert_ok(&r);
    assert_eq!(mock.requests().len(), 2);
    // A base URL with a path prefix keeps it.
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-list-workspaces")
        .url(&format!("{}gw/", mock.url()))
        .token(ADMIN)
        .run();
    assert_ok(&r);
    assert_eq!(mock.requests()[0].target, "/gw/api/v1/iam");
}

#[test]
fn bad_urls_and_files_are_usage_errors() {
    for url in ["not a url", "ftp://127.0.0.1/", "http://"] {
        let r = tg("tg-whoami").url(url).token(ADMIN).run();
        assert_eq!(r.code, 2, "{url}: {}", r.stderr);
        assert!(r.stderr.starts_with("tg-whoami: error: "), "{}", r.stderr);
    }
    let r = tg("tg-whoami")
        .url("https://127.0.0.1:1/")
        .token(ADMIN)
        .args(["--ca-cert", "/nonexistent.pem"])
        .run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read --ca-cert /nonexistent.pem"));
    let r = tg("tg-whoami").token(ADMIN).args(["--timeout", "-1"]).run();
    assert_eq!(r.code, 2);
    for token in ["tg_a\u{1}b", "tök\u{e9}n", "tg_a b"] {
        let r = tg("tg-whoami")
            .url("http://127.0.0.1:1/")
            .env("TRUSTGRAPH_TOKEN", token)
            .run();
        assert_eq!(r.code, 2, "{token:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("tg-whoami: error: the token from TRUSTGRAPH_TOKEN contains characters that cannot be sent"), "{}", r.stderr);
        assert!(!r.stderr.contains(token), "the token is not echoed");
    }
}

#[test]
fn expired_jwt_is_refused_before_sending() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let jwt = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"EdDSA"}"#),
        b64(r#"{"exp":1000000000,"sub":"x"}"#),
        b64("sig")
    );
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-whoami")
        .url(&mock.url())
        .env("TRUSTGRAPH_TOKEN", &jwt)
        .run();
    assert_eq!(r.code, 3);
    assert!(r.stderr.starts_with("tg-whoami: error: the token from TRUSTGRAPH_TOKEN is a JWT that expired at 2001-09-09T01:46:40+00:00"), "{}", r.stderr);
    assert!(!r.stderr.contains(&jwt));
    assert!(mock.requests().is_empty());
}

#[test]
fn verbose_trace_masks_every_secret() {
    let x = exchange("14-login-success-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-login")
        .url(&mock.url())
        .args(["-v", "--username", "alice", "--password-stdin"])
        .stdin("s3cret-A\n")
        .run();
    assert_ok(&r);
    let jwt = r.stdout.trim();
    assert!(jwt.len() > 100);
    assert!(!r.stderr.contains("s3cret-A"), "{}", r.stderr);
    assert!(!r.stderr.contains(&jwt[..40]), "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("> POST {}api/v1/auth/login", mock.url())),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(r#""password":"***""#), "{}", r.stderr);
    assert!(r.stderr.contains(r#""jwt":"***""#), "{}", r.stderr);
    assert!(r.stderr.contains("< HTTP 200 OK"), "{}", r.stderr);

    let mock = Mock::start(vec![json(
        200,
        r#"{"api_key_plaintext": "tg_SECRETSECRET", "api_key": {"id": "k", "prefix": "tg_SECR"}}"#,
    )]);
    let r = tg("tg-create-api-key")
        .gateway(&mock)
        .args(["-v", "--user-id", "u", "--name", "n"])
        .run();
    assert_ok(&r);
    assert!(r.stderr.contains("> Authorization: Bearer ***"));
    assert!(!r.stderr.contains(ADMIN));
    assert!(!r.stderr.contains("tg_SECRETSECRET"), "{}", r.stderr);
    assert_eq!(r.stdout, "tg_SECRETSECRET\n");
}

#[test]
fn credentials_over_plain_http_to_a_remote_host_warn() {
    // The request goes through an HTTP proxy on loopback (the mock), so
    // nothing leaves 127.0.0.1; the proxy variable is honoured too.
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-list-workspaces")
        .url("http://gateway.example.invalid:8088/")
        .token(ADMIN)
        .env("HTTP_PROXY", mock.url())
        .run();
    assert_ok(&r);
    assert_eq!(r.stderr, "tg-list-workspaces: warning: sending a credential over plain http:// to http://gateway.example.invalid:8088; anyone on the network path can read it (use https://)\n");
    assert_eq!(
        mock.requests()[0].target,
        "http://gateway.example.invalid:8088/api/v1/iam"
    );
    // Loopback: no warning.
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-list-workspaces").gateway(&mock).run();
    assert_eq!(r.stderr, "");

    // No token: a password in the body is a credential too; a body
    // without one is not.
    let remote = "http://gateway.example.invalid:8088/";
    let x = exchange("14-login-success-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let r = tg("tg-login")
        .url(remote)
        .args(["--username", "alice", "--password-stdin"])
        .env("HTTP_PROXY", mock.url())
        .stdin("s3cret-A\n")
        .run();
    assert_ok(&r);
    assert_eq!(r.stderr, "tg-login: warning: sending a credential over plain http:// to http://gateway.example.invalid:8088; anyone on the network path can read it (use https://)\nJWT expires: 2026-11-22T08:00:25+00:00\n");
    assert_eq!(mock.requests()[0].json()["password"], "s3cret-A");
    let mock = Mock::start(vec![json(
        200,
        r#"{"bootstrap_admin_user_id": "u1", "bootstrap_admin_api_key": "tg_YoDr9vVuUBRXyfOg-xEMDNod1bHiXfCh"}"#,
    )]);
    let r = tg("tg-bootstrap-iam")
        .url(remote)
        .env("HTTP_PROXY", mock.url())
        .run();
    assert_ok(&r);
    assert_eq!(
        r.stderr,
        "Admin user id: u1\nAdmin API key (shown once, capture now):\n"
    );
    assert_eq!(
        mock.requests()[0].target,
        "http://gateway.example.invalid:8088/api/v1/auth/bootstrap"
    );
}

#[test]
fn a_password_in_the_url_is_never_shown() {
    // Userinfo in the gateway URL is refused (it would go out as a second
    // Authorization header), with the password masked; so is it in URLs
    // that are refused for other reasons.
    let url = format!("http://user:hunter2@127.0.0.1:{}/", closed_port());
    for u in [
        url.as_str(),
        "ftp://user:hunter2@example.com/",
        "http://user:hunter2@[::1/",
        "http://user:hunter2@/",
    ] {
        let r = tg("tg-whoami").url(u).token(ADMIN).args(["-v"]).run();
        assert_eq!(r.code, 2, "{u}: {}", r.stderr);
        assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
        assert!(r.stderr.contains("://***@"), "{}", r.stderr);
        assert!((1..=2).contains(&r.stderr.lines().count()), "{}", r.stderr);
    }
}

#[test]
fn reads_retry_once_on_connection_error_but_writes_do_not() {
    // A port that refuses: a read is tried twice, a write once. The
    // difference shows in the verbose trace.
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let r = tg("tg-list-users")
        .url(&url)
        .token(ADMIN)
        .args(["-v"])
        .run();
    assert_eq!(r.code, 5);
    assert!(r.stderr.contains("retrying once"), "{}", r.stderr);
    let r = tg("tg-revoke-api-key")
        .url(&url)
        .token(ADMIN)
        .args(["-v", "--key-id", "k"])
        .run();
    assert_eq!(r.code, 5);
    assert!(!r.stderr.contains("retrying"), "{}", r.stderr);
}

#[test]
fn server_strings_are_stripped_of_control_characters() {
    let mock = Mock::start(vec![
        json(
            200,
            r#"{"users": [{"id": "1", "username": "evil\u001b[2J", "name": "a\nb", "roles": ["reader"], "enabled": true}]}"#,
        ),
        json(
            200,
            r#"{"error": {"type": "x\u001b[31m", "message": "bad\u0007"}}"#,
        ),
    ]);
    let r = tg("tg-list-users").gateway(&mock).run();
    assert_ok(&r);
    assert!(!r.stdout.contains('\u{1b}'));
    assert!(r.stdout.contains("| evil[2J "), "{}", r.stdout);
    assert!(r.stdout.contains("| ab "), "{}", r.stdout);
    let r = tg("tg-list-users").gateway(&mock).run();
    assert_eq!(r.stderr, "tg-list-users: error: x[31m: bad\n");
}

#[test]
fn unknown_operation_and_404_pages() {
    let x = exchange("47-iam-unknown-op-raw.txt");
    let mock = Mock::start(vec![
        json(x.status, &x.response_body),
        Reply::Raw(404, "text/plain", "404: Not Found".into()),
    ]);
    let r = tg("tg-list-my-workspaces").gateway(&mock).run();
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "tg-list-my-workspaces: error: HTTP 400: unknown operation\nhint: the gateway does not know this operation; it may be older than this tool\n");
    let r = tg("tg-list-my-workspaces").gateway(&mock).run();
    assert_eq!(r.code, 6);
    // aiohttp's page repeats the status: said once.
    assert!(r.stderr.contains("HTTP 404: Not Found\n"), "{}", r.stderr);
    assert!(!r.stderr.contains("404: 404"), "{}", r.stderr);
}

#[test]
fn help_and_version_list_the_exit_codes() {
    for (tool, _, _) in every_tool() {
        let r = tg(tool).args(["--help"]).run();
        assert_eq!(r.code, 0, "{tool}");
        assert!(r.stdout.contains("Exit codes:\n  0  success"), "{tool}");
        assert!(
            r.stdout.contains("4  permission denied (HTTP 403)"),
            "{tool}"
        );
        let r = tg(tool).args(["--version"]).run();
        assert_eq!(r.stdout, format!("{tool} {}\n", env!("CARGO_PKG_VERSION")));
    }
    let r = tg("tg-login").run();
    assert_eq!(r.code, 2, "clap usage error");
    assert!(r.stderr.contains("--username <USERNAME>"));
}

#[test]
fn tls_with_a_private_ca() {
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/ca.pem");
    let mock = Mock::start_tls(vec![bare(), bare(), bare()]);
    let url = mock.https_url();
    // Not trusted by default: a TLS failure, exit 5.
    let r = tg("tg-list-workspaces").url(&url).token(ADMIN).run();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!(
            "tg-list-workspaces: error: TLS failure talking to {url}: "
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "hint: check the scheme (http:// or https://); for a private CA pass --ca-cert FILE"
        ),
        "{}",
        r.stderr
    );
    // Trusted with --ca-cert.
    let r = tg("tg-list-workspaces")
        .url(&url)
        .token(ADMIN)
        .args(["--ca-cert", ca])
        .run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "No workspaces.\n", "")
    );
    // --insecure works, and says it is unsafe.
    let r = tg("tg-list-workspaces")
        .url(&url)
        .token(ADMIN)
        .args(["--insecure"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("tg-list-workspaces: warning: --insecure"),
        "{}",
        r.stderr
    );
    assert_eq!(mock.requests().len(), 2);
    assert_eq!(
        mock.requests()[0].header("authorization"),
        Some(format!("Bearer {ADMIN}").as_str())
    );
    // A file that holds no certificate is a usage error.
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/README.md");
    let r = tg("tg-list-workspaces")
        .url(&url)
        .token(ADMIN)
        .args(["--ca-cert", readme])
        .run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("holds no PEM certificate"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    // `tg-list-users | head -0`: the reader is gone before the tool writes.
    let x = exchange("22-list-users-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let mut child = tg("tg-list-users").gateway(&mock).spawn();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn json_output_of_update_user_and_create_workspace() {
    let mock = Mock::start(vec![user_reply(true), user_reply(true)]);
    let r = tg("tg-update-user")
        .gateway(&mock)
        .args([
            "--user-id",
            ALICE_ID,
            "--email",
            "alice@example.com",
            "-o",
            "json",
        ])
        .run();
    assert_iam_ok(&r, &mock);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["username"], "alice");
    assert!(v.get("bootstrap_available").is_none());
    let mock = Mock::start(vec![json(
        200,
        r#"{"workspace": {"id": "w", "name": "W", "enabled": true, "created": "c"}, "bootstrap_available": false}"#,
    )]);
    let r = tg("tg-create-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "w", "-o", "json"])
        .run();
    assert_iam_ok(&r, &mock);
    assert_eq!(
        r.stdout,
        "{\n  \"created\": \"c\",\n  \"enabled\": true,\n  \"id\": \"w\",\n  \"name\": \"W\"\n}\n"
    );
}
