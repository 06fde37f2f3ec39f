//! tg-mint-token and the tools for operations upstream has no tool for
//! (tg-show-user, tg-show-workspace, tg-update-workspace,
//! tg-disable-workspace, tg-enable-workspace, tg-rotate-signing-key), and
//! `--username` on the user and key tools, against a scripted server on
//! 127.0.0.1:0: the exact requests, stdout, stderr and exit code.

mod common;
use common::*;

const ALICE_ID: &str = "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3";
const ALICE: &str = r#"{"id": "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3", "default_workspace": "default", "username": "alice", "name": "Alice", "email": "alice@example.com", "roles": ["writer"], "enabled": true, "must_change_password": false, "created": "2026-11-22T07:00:24.702000+00:00"}"#;
const BOB: &str = r#"{"id": "7f1c2d3e-0000-4000-8000-000000000002", "default_workspace": "default", "username": "bob", "name": "bob", "email": "", "roles": ["reader"], "enabled": true, "must_change_password": false, "created": "2026-11-22T07:00:25+00:00"}"#;
const JWT: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6ImYyYjBkYzkxMGM5YjQwM2MiLCJ0eXAiOiJKV1QifQ.eyJkZWZhdWx0X3dvcmtzcGFjZSI6ImRlZmF1bHQiLCJleHAiOjE3OTUzMzQ0MjUsImlhdCI6MTc5NTMzMDgyNSwiaXNzIjoidHJ1c3RncmFwaC1pYW0iLCJzdWIiOiJkM2M1ZGNkNi0xYWI5LTRkYWEtOTJhZC1iYTMwM2I0NmE4ZTMifQ.at2SWmflxNtso9kvD0nxsVkL777YZ7mfl2Rt87nqmgrqZOglQpe9dFXLt_fth_h6slge1QjN6CtVWYzAjEzsDA";

fn workspace(id: &str, name: &str, enabled: bool) -> String {
    format!(
        r#"{{"id": "{id}", "name": "{name}", "enabled": {enabled}, "created": "2026-11-22T07:00:20+00:00"}}"#
    )
}

fn ws_reply(id: &str, name: &str, enabled: bool) -> Reply {
    json(
        200,
        &format!(
            r#"{{"workspace": {}, "bootstrap_available": false}}"#,
            workspace(id, name, enabled)
        ),
    )
}

fn user_reply(u: &str) -> Reply {
    json(
        200,
        &format!(r#"{{"user": {u}, "bootstrap_available": false}}"#),
    )
}

fn users_reply(users: &[&str]) -> Reply {
    json(
        200,
        &format!(
            r#"{{"users": [{}], "bootstrap_available": false}}"#,
            users.join(", ")
        ),
    )
}

fn mint_reply() -> Reply {
    json(
        200,
        &format!(
            r#"{{"jwt": "{JWT}", "jwt_expires": "2026-11-22T08:00:25+00:00", "bootstrap_available": false}}"#
        ),
    )
}

fn assert_run(r: &Run, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (code, stdout, stderr)
    );
}

/// Every request a JSON POST to /api/v1/iam with the admin token.
fn assert_iam_requests(mock: &Mock) {
    for q in mock.requests() {
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

// ---------------------------------------------------------------- tg-mint-token

#[test]
fn mint_token_sends_upstreams_request_for_each_target_form() {
    let uc = r#"{"roles": ["analyst"],"ou" :"sales", "name": "Zoë"}"#;
    // json.dumps(json.loads(uc)): Python's separators, order kept,
    // non-ASCII escaped; then escaped again inside the request body.
    let uc_sent = r#"{\"roles\": [\"analyst\"], \"ou\": \"sales\", \"name\": \"Zo\\u00eb\"}"#;
    for (target, sent) in [
        (
            vec!["--user-id", ALICE_ID],
            format!(r#", "user_id": "{ALICE_ID}""#),
        ),
        (
            vec!["--username", "alice"],
            r#", "username": "alice""#.to_string(),
        ),
        (vec!["--self"], String::new()),
    ] {
        let mock = Mock::start(vec![mint_reply()]);
        let mut args = vec!["-w", "default", "--user-context", uc];
        args.extend(&target);
        let r = tg("tg-mint-token").gateway(&mock).args(&args).run();
        assert_run(
            &r,
            0,
            &format!("{JWT}\n"),
            "JWT expires: 2026-11-22T08:00:25+00:00\n",
        );
        assert_iam_requests(&mock);
        assert_eq!(
            mock.bodies(),
            [format!(
                r#"{{"operation": "mint-token", "workspace": "default", "user_context_json": "{uc_sent}"{sent}}}"#
            )],
            "{target:?}"
        );
    }
}

#[test]
fn mint_token_checks_its_arguments_before_sending_anything() {
    let mock = Mock::always(mint_reply());
    for (args, message) in [
        (
            vec!["--user-context", "{nope", "--self"],
            "tg-mint-token: error: --user-context is not valid JSON: key must be a string at line 1 column 2\n",
        ),
        (
            vec!["--user-context", "[1, 2]", "--self"],
            "tg-mint-token: error: --user-context must be a JSON object, got an array\nhint: e.g. --user-context '{\"roles\": [\"analyst\"]}'\n",
        ),
        (
            vec!["--user-context", "\"x\"", "--self"],
            "tg-mint-token: error: --user-context must be a JSON object, got a string\nhint: e.g. --user-context '{\"roles\": [\"analyst\"]}'\n",
        ),
    ] {
        let mut a = vec!["-w", "default"];
        a.extend(args);
        let r = tg("tg-mint-token").gateway(&mock).args(&a).run();
        assert_run(&r, 2, "", message);
    }
    // clap: the target is required and exclusive; -w and --user-context
    // are required.
    for args in [
        vec!["-w", "default", "--user-context", "{}"],
        vec![
            "-w",
            "default",
            "--user-context",
            "{}",
            "--self",
            "--user-id",
            "u1",
        ],
        vec![
            "-w",
            "default",
            "--user-context",
            "{}",
            "--username",
            "a",
            "--user-id",
            "u1",
        ],
        vec!["--user-context", "{}", "--self"],
        vec!["-w", "default", "--self"],
    ] {
        let r = tg("tg-mint-token").gateway(&mock).args(&args).run();
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
    }
    assert!(mock.requests().is_empty(), "nothing was sent");

    // An empty target (a variable that expanded to nothing) would make the
    // gateway mint for the caller, an admin: refused, nothing sent.
    for (flag, message) in [
        ("--user-id", "tg-mint-token: error: --user-id is empty: nothing to mint for (--self mints for the caller)\n"),
        ("--username", "tg-mint-token: error: --username is empty: nothing to mint for (--self mints for the caller)\n"),
    ] {
        for empty in ["", "  "] {
            let r = tg("tg-mint-token").gateway(&mock).args(["-w", "default", "--user-context", "{}", flag, empty]).run();
            assert_run(&r, 2, "", message);
        }
    }
    assert!(mock.requests().is_empty(), "nothing was sent");
    // The same for every tool that names a user.
    for tool in ["tg-disable-user", "tg-reset-password", "tg-list-api-keys"] {
        let r = tg(tool).gateway(&mock).args(["--user-id", ""]).run();
        assert_eq!(r.code, 2, "{tool}: {}", r.stderr);
        assert!(
            r.stderr.contains("--user-id is empty"),
            "{tool}: {}",
            r.stderr
        );
    }
    assert!(mock.requests().is_empty(), "nothing was sent");
}

#[test]
fn mint_token_reports_each_server_error() {
    for (kind, message) in [
        ("invalid-argument", "workspace required"),
        ("invalid-argument", "user_context required"),
        ("invalid-argument", "supply user_id or username, not both"),
        ("invalid-argument", "bad user_context json: Expecting value"),
        ("not-found", "username not found"),
        ("not-found", "user not found"),
        ("not-found", "workspace not found or disabled"),
        ("operation-not-permitted", "user is disabled"),
    ] {
        let mock = Mock::always(json(
            200,
            &format!(r#"{{"error": {{"type": "{kind}", "message": "{message}"}}}}"#),
        ));
        let r = tg("tg-mint-token")
            .gateway(&mock)
            .args([
                "-w",
                "default",
                "--user-context",
                "{}",
                "--username",
                "alice",
            ])
            .run();
        assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
        assert_eq!(
            r.stderr.lines().next(),
            Some(format!("tg-mint-token: error: {kind}: {message}").as_str())
        );
        assert!(r.stderr.lines().count() <= 2, "{}", r.stderr);
        assert_eq!(mock.requests().len(), 1, "mint-token is not retried");
    }
}

#[test]
fn mint_token_fails_on_a_2_11_refusal_instead_of_printing_an_empty_line() {
    let mock = Mock::always(bare());
    let r = tg("tg-mint-token")
        .gateway(&mock)
        .args([
            "-w",
            "default",
            "--user-context",
            "{}",
            "--user-id",
            "nobody",
        ])
        .run();
    assert_run(
        &r,
        1,
        "",
        "tg-mint-token: error: the gateway returned no JWT; the request was refused (a TrustGraph 2.11 gateway answers refusals with an empty reply and no reason)\nhint: the target user may be unknown or disabled, or the workspace missing or disabled (a TrustGraph 2.11 gateway does not say which); minting needs the admin role\n",
    );
    // A design gateway's 403 for a non-admin.
    let mock = Mock::always(json(403, r#"{"error":"access denied"}"#));
    let r = tg("tg-mint-token")
        .gateway(&mock)
        .args(["-w", "default", "--user-context", "{}", "--self"])
        .run();
    assert_eq!(r.code, 4, "{}", r.stderr);
}

// ---------------------------------------------------------------- --username

#[test]
fn username_is_resolved_with_one_list_users_read() {
    // show-user: list-users, then get-user for the id found.
    let mock = Mock::start(vec![users_reply(&[BOB, ALICE]), user_reply(ALICE)]);
    let r = tg("tg-show-user")
        .gateway(&mock)
        .args(["--username", "alice"])
        .run();
    assert_run(
        &r,
        0,
        "id                    d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3\nusername              alice\nname                  Alice\nemail                 alice@example.com\nworkspace             default\nroles                 writer\nenabled               yes\nmust change password  no\ncreated               2026-11-22T07:00:24.702000+00:00\n",
        "",
    );
    assert_iam_requests(&mock);
    assert_eq!(
        mock.bodies(),
        [
            r#"{"operation": "list-users"}"#.to_string(),
            format!(r#"{{"operation": "get-user", "user_id": "{ALICE_ID}"}}"#),
        ]
    );

    // disable-user with -w: the name is looked up in that workspace.
    let disabled = ALICE.replace("\"enabled\": true", "\"enabled\": false");
    let mock = Mock::start(vec![
        users_reply(&[ALICE]),
        user_reply(ALICE),
        bare(),
        user_reply(&disabled),
    ]);
    let r = tg("tg-disable-user")
        .gateway(&mock)
        .args(["--username", "alice", "-w", "default"])
        .run();
    assert_run(&r, 0, &format!("Disabled user {ALICE_ID}\n"), "");
    assert_eq!(
        mock.bodies(),
        [
            r#"{"operation": "list-users", "workspace": "default"}"#.to_string(),
            format!(
                r#"{{"operation": "get-user", "user_id": "{ALICE_ID}", "workspace": "default"}}"#
            ),
            format!(
                r#"{{"operation": "disable-user", "user_id": "{ALICE_ID}", "workspace": "default"}}"#
            ),
            format!(
                r#"{{"operation": "get-user", "user_id": "{ALICE_ID}", "workspace": "default"}}"#
            ),
        ]
    );

    // create-api-key: the key is created for the resolved id.
    let mock = Mock::start(vec![
        users_reply(&[ALICE]),
        json(
            200,
            r#"{"api_key_plaintext": "tg_Lc1WsecretsecretsecretsecretXX", "api_key": {"id": "k1", "user_id": "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3", "name": "ci", "prefix": "tg_Lc1W", "expires": "", "created": "", "last_used": ""}, "bootstrap_available": false}"#,
        ),
    ]);
    let r = tg("tg-create-api-key")
        .gateway(&mock)
        .args(["--username", "alice", "--name", "ci"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "tg_Lc1WsecretsecretsecretsecretXX\n");
    assert_eq!(
        mock.bodies()[1],
        format!(
            r#"{{"operation": "create-api-key", "key": {{"user_id": "{ALICE_ID}", "name": "ci"}}}}"#
        )
    );
}

#[test]
fn every_user_tool_takes_username_or_user_id_but_not_both() {
    for (tool, extra) in [
        ("tg-show-user", vec![]),
        ("tg-update-user", vec!["--name", "A"]),
        ("tg-disable-user", vec![]),
        ("tg-enable-user", vec![]),
        ("tg-delete-user", vec!["--yes"]),
        ("tg-reset-password", vec![]),
        ("tg-create-api-key", vec!["--name", "ci"]),
        ("tg-list-api-keys", vec![]),
    ] {
        let mock = Mock::always(users_reply(&[BOB]));
        let mut both = vec!["--user-id", "u1", "--username", "alice"];
        both.extend(&extra);
        let r = tg(tool).gateway(&mock).args(&both).run();
        assert_eq!(r.code, 2, "{tool}: {}", r.stderr);
        assert!(
            r.stderr.contains("cannot be used with"),
            "{tool}: {}",
            r.stderr
        );
        let r = tg(tool).gateway(&mock).args(&extra).run();
        assert_eq!(r.code, 2, "{tool}: {}", r.stderr);
        assert!(mock.requests().is_empty(), "{tool}: nothing sent");
        // An unknown name: exit 1 after the one read, nothing else sent.
        let mut unknown = vec!["--username", "alice"];
        unknown.extend(&extra);
        let r = tg(tool).gateway(&mock).args(&unknown).run();
        assert_run(
            &r,
            1,
            "",
            &format!(
                "{tool}: error: no user named \"alice\"\nhint: check the name with tg-list-users\n"
            ),
        );
        assert_eq!(mock.bodies(), [r#"{"operation": "list-users"}"#], "{tool}");
    }
}

#[test]
fn a_name_twice_in_the_user_list_is_a_malformed_reply() {
    let mock = Mock::always(users_reply(&[ALICE, ALICE]));
    let r = tg("tg-delete-user")
        .gateway(&mock)
        .args(["--username", "alice", "--yes"])
        .run();
    assert_run(
        &r,
        6,
        "",
        "tg-delete-user: error: unexpected response from the gateway: 2 users named \"alice\" in the user list (usernames are unique); refusing to guess\nhint: use --user-id\n",
    );
    assert_eq!(mock.requests().len(), 1, "nothing but the read was sent");
    // A 2.11 refusal of the read (an empty list): not "no such user".
    let mock = Mock::always(bare());
    let r = tg("tg-reset-password")
        .gateway(&mock)
        .args(["--username", "alice"])
        .run();
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(
            "tg-reset-password: error: the gateway returned no users; the request was refused"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(mock.requests().len(), 1);
}

// ---------------------------------------------------------------- tg-show-user

#[test]
fn show_user_by_id_as_rows_or_json_and_unknown() {
    let mock = Mock::start(vec![user_reply(ALICE)]);
    let r = tg("tg-show-user")
        .gateway(&mock)
        .args(["--user-id", ALICE_ID, "-o", "json"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("{\n  \"created\": \"2026-11-22T07:00:24.702000+00:00\",\n  \"default_workspace\": \"default\","), "{}", r.stdout);
    assert_eq!(
        mock.bodies(),
        [format!(
            r#"{{"operation": "get-user", "user_id": "{ALICE_ID}"}}"#
        )]
    );
    for reply in [
        bare(),
        json(
            200,
            r#"{"error": {"type": "not-found", "message": "user not found"}}"#,
        ),
    ] {
        let mock = Mock::always(reply);
        let r = tg("tg-show-user")
            .gateway(&mock)
            .args(["--user-id", "nobody"])
            .run();
        assert_run(
            &r,
            1,
            "",
            "tg-show-user: error: user nobody not found\nhint: check the id with tg-list-users; a TrustGraph 2.11 gateway answers a refusal the same way\n",
        );
    }
}

// ---------------------------------------------------------------- workspaces

#[test]
fn show_workspace_rows_json_and_unknown() {
    let mock = Mock::start(vec![ws_reply("research", "Research", true)]);
    let r = tg("tg-show-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research"])
        .run();
    assert_run(
        &r,
        0,
        "id       research\nname     Research\nenabled  yes\ncreated  2026-11-22T07:00:20+00:00\n",
        "",
    );
    assert_iam_requests(&mock);
    assert_eq!(
        mock.bodies(),
        [r#"{"operation": "get-workspace", "workspace_record": {"id": "research"}}"#]
    );
    let mock = Mock::start(vec![ws_reply("research", "Research", false)]);
    let r = tg("tg-show-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research", "-o", "json"])
        .run();
    assert_run(
        &r,
        0,
        "{\n  \"created\": \"2026-11-22T07:00:20+00:00\",\n  \"enabled\": false,\n  \"id\": \"research\",\n  \"name\": \"Research\"\n}\n",
        "",
    );
    let mock = Mock::always(bare());
    let r = tg("tg-show-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "nope"])
        .run();
    assert_run(
        &r,
        1,
        "",
        "tg-show-workspace: error: workspace \"nope\" not found\nhint: check the id with tg-list-workspaces; a TrustGraph 2.11 gateway answers a refusal the same way\n",
    );
}

#[test]
fn update_workspace_keeps_the_enabled_flag_it_was_not_asked_to_change() {
    let mock = Mock::start(vec![
        ws_reply("research", "Research", false),
        ws_reply("research", "R&D", false),
    ]);
    let r = tg("tg-update-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research", "--name", "R&D"])
        .run();
    assert_run(
        &r,
        0,
        "id       research\nname     R&D\nenabled  no\ncreated  2026-11-22T07:00:20+00:00\n",
        "",
    );
    assert_eq!(
        mock.bodies(),
        [
            r#"{"operation": "get-workspace", "workspace_record": {"id": "research"}}"#,
            r#"{"operation": "update-workspace", "workspace_record": {"id": "research", "name": "R&D", "enabled": false}}"#,
        ]
    );
    // --enabled yes on a disabled workspace: only the record; says so.
    let mock = Mock::start(vec![
        ws_reply("research", "Research", false),
        ws_reply("research", "Research", true),
    ]);
    let r = tg("tg-update-workspace")
        .gateway(&mock)
        .args([
            "--workspace-id",
            "research",
            "--enabled",
            "yes",
            "-o",
            "json",
        ])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "tg-update-workspace: note: only the record changed: the services are not told the workspace is back, and its users stay disabled; tg-enable-workspace --workspace-id research announces it again\n");
    assert_eq!(
        mock.bodies()[1],
        r#"{"operation": "update-workspace", "workspace_record": {"id": "research", "enabled": true}}"#
    );
    // Nothing to change; an unknown workspace; a 2.11 refusal.
    let mock = Mock::always(bare());
    let r = tg("tg-update-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research"])
        .run();
    assert_run(
        &r,
        2,
        "",
        "tg-update-workspace: error: nothing to change — supply --name (not empty) and/or --enabled\n",
    );
    assert!(mock.requests().is_empty());
    let r = tg("tg-update-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "nope", "--name", "X"])
        .run();
    assert_eq!(r.code, 1);
    assert_eq!(
        mock.requests().len(),
        1,
        "no update for an unknown workspace"
    );
    let mock = Mock::start(vec![ws_reply("research", "Research", true), bare()]);
    let r = tg("tg-update-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research", "--name", "X"])
        .run();
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("tg-update-workspace: error: the gateway returned no updated workspace record; the request was refused"), "{}", r.stderr);
}

#[test]
fn disable_workspace_needs_yes_without_a_terminal_and_confirms_with_a_read() {
    let mock = Mock::start(vec![
        ws_reply("research", "Research", true),
        users_reply(&[ALICE]),
    ]);
    let r = tg("tg-disable-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research"])
        .run();
    assert_run(
        &r,
        2,
        "",
        "tg-disable-workspace: error: refusing to go on without confirmation: standard input is not a terminal\nhint: pass --yes to confirm from a script\n",
    );
    assert!(
        !mock
            .bodies()
            .iter()
            .any(|b| b.contains("disable-workspace")),
        "nothing destructive was sent"
    );

    let mock = Mock::start(vec![
        ws_reply("research", "Research", true),
        bare(),
        ws_reply("research", "Research", false),
    ]);
    let r = tg("tg-disable-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research", "--yes"])
        .run();
    assert_run(&r, 0, "Disabled workspace research\n", "");
    assert_iam_requests(&mock);
    assert_eq!(
        mock.bodies(),
        [
            r#"{"operation": "get-workspace", "workspace_record": {"id": "research"}}"#,
            r#"{"operation": "disable-workspace", "workspace_record": {"id": "research"}}"#,
            r#"{"operation": "get-workspace", "workspace_record": {"id": "research"}}"#,
        ]
    );

    // Acknowledged but still enabled: a refusal a 2.11 gateway hid.
    let mock = Mock::start(vec![
        ws_reply("research", "Research", true),
        bare(),
        ws_reply("research", "Research", true),
    ]);
    let r = tg("tg-disable-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research", "--yes"])
        .run();
    assert_run(
        &r,
        1,
        "",
        "tg-disable-workspace: error: disable-workspace was not carried out: the gateway acknowledged it, but workspace \"research\" is still enabled\nhint: a TrustGraph 2.11 gateway does not report refusals; check your role\n",
    );
}

#[test]
fn enable_workspace_updates_then_announces_and_says_what_stays_off() {
    let mock = Mock::start(vec![
        ws_reply("research", "Research", false),
        ws_reply("research", "Research", true),
        ws_reply("research", "Research", true),
    ]);
    let r = tg("tg-enable-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research"])
        .run();
    assert_run(
        &r,
        0,
        "Enabled workspace research\n",
        "tg-enable-workspace: note: users whose home is research stay disabled and their API keys stay deleted: re-enable each with tg-enable-user (--user-id ID or --username NAME) and issue new keys with tg-create-api-key\n",
    );
    assert_iam_requests(&mock);
    assert_eq!(
        mock.bodies(),
        [
            r#"{"operation": "get-workspace", "workspace_record": {"id": "research"}}"#,
            r#"{"operation": "update-workspace", "workspace_record": {"id": "research", "enabled": true}}"#,
            r#"{"operation": "create-workspace", "workspace_record": {"id": "research", "enabled": true}}"#,
        ]
    );
    // The update refused (2.11): nothing announced.
    let mock = Mock::start(vec![ws_reply("research", "Research", false), bare()]);
    let r = tg("tg-enable-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "research"])
        .run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(mock.requests().len(), 2);
}

// ---------------------------------------------------------------- tg-rotate-signing-key

#[test]
fn rotate_signing_key_needs_yes_without_a_terminal_and_warns() {
    // The design gateway's answer ({}); 2.11's bare one is below.
    let mock = Mock::always(json(200, "{}"));
    let r = tg("tg-rotate-signing-key").gateway(&mock).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(mock.requests().is_empty(), "nothing was sent");
    let r = tg("tg-rotate-signing-key")
        .gateway(&mock)
        .args(["--yes"])
        .run();
    assert_run(
        &r,
        0,
        "Signing key rotated.\n",
        "tg-rotate-signing-key: warning: on TrustGraph gateways up to 2.11 the gateway keeps verifying JWTs with the old key until it restarts: JWTs issued after the rotation fail (HTTP 401) until the gateway is restarted, and JWTs issued before it fail after the restart; API keys keep working\n",
    );
    assert_iam_requests(&mock);
    assert_eq!(mock.bodies(), [r#"{"operation": "rotate-signing-key"}"#]);
}

#[test]
fn rotation_and_enabling_say_what_they_could_not_confirm_or_finish() {
    // A bare 2.11 reply: the rotation cannot be confirmed, and says so.
    let mock = Mock::start(vec![bare()]);
    let r = tg("tg-rotate-signing-key")
        .gateway(&mock)
        .args(["--yes"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "Signing key rotated.\n");
    assert!(
        r.stderr.contains("note: the gateway gave no confirmation"),
        "{}",
        r.stderr
    );
    // Enabled, but the announcement failed: the message says which half
    // was done and that running the tool again finishes it.
    let mock = Mock::start(vec![
        ws_reply("zeta", "Zeta", false),
        ws_reply("zeta", "Zeta", true),
        json(500, r#"{"error": "boom"}"#),
    ]);
    let r = tg("tg-enable-workspace")
        .gateway(&mock)
        .args(["--workspace-id", "zeta"])
        .run();
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("tg-enable-workspace: error: workspace \"zeta\" is enabled again, but announcing it (create-workspace) failed: "),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("hint: run tg-enable-workspace --workspace-id zeta again to announce it"),
        "{}",
        r.stderr
    );
}
