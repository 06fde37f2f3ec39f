//! Prompts on a real terminal: each tool runs under `script(1)`, which gives
//! it a pseudo-terminal and feeds it our input.

mod common;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

const USER: &str =
    r#"{"user": {"id": "u1", "username": "bob", "default_workspace": "default", "enabled": true}}"#;

#[test]
fn delete_user_asks_on_the_terminal_and_only_yes_proceeds() {
    let mock = Mock::start(vec![json(200, USER)]);
    let (code, screen) = tg("tg-delete-user")
        .gateway(&mock)
        .args(["--user-id", "u1"])
        .on_tty("no\n");
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains("Delete user bob (u1)?  This is irreversible. [type 'yes' to confirm]: "),
        "{screen}"
    );
    assert!(
        screen.contains("tg-delete-user: error: aborted: not confirmed, nothing was changed"),
        "{screen}"
    );
    assert_eq!(mock.requests().len(), 1, "only the read was sent");

    let mock = Mock::start(vec![
        json(200, USER),
        json(200, "{}"),
        json(
            200,
            r#"{"error": {"type": "not-found", "message": "user not found"}}"#,
        ),
    ]);
    let (code, screen) = tg("tg-delete-user")
        .gateway(&mock)
        .args(["--user-id", "u1"])
        .on_tty("yes\n");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Deleted user u1"), "{screen}");
    assert!(mock.bodies()[1].contains("delete-user"));
}

#[test]
fn login_prompts_for_the_password_on_the_terminal() {
    let x = exchange("14-login-success-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let (code, screen) = tg("tg-login")
        .url(&mock.url())
        .args(["--username", "alice"])
        .on_tty("s3cret-A\n");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Password for alice: "), "{screen}");
    assert!(
        screen.contains("JWT expires: 2026-11-22T08:00:25+00:00"),
        "{screen}"
    );
    assert_eq!(
        mock.bodies()[0],
        r#"{"username": "alice", "password": "s3cret-A"}"#
    );
}

#[test]
fn new_passwords_are_asked_twice() {
    let mock = Mock::start(vec![json(200, USER)]);
    let create = |input| {
        tg("tg-create-user")
            .gateway(&mock)
            .args(["-w", "default", "--username", "bob"])
            .on_tty(input)
    };
    let (code, screen) = create("one\ntwo\n");
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen.contains("Password for new user bob: ") && screen.contains("Repeat password: "),
        "{screen}"
    );
    assert!(
        screen.contains("tg-create-user: error: the two passwords do not match"),
        "{screen}"
    );
    assert!(mock.requests().is_empty());

    let (code, screen) = create("same\nsame\n");
    assert_eq!(code, 0, "{screen}");
    assert!(mock.bodies()[0].contains(r#""password": "same""#));
}

#[test]
fn ctrl_c_at_a_password_prompt_leaves_the_terminal_echoing() {
    // sh notes its terminal, runs the tool, then reports the terminal's
    // echo flag. Ctrl-C is typed only once the prompt is live: on the
    // screen, and with echo turned off on the terminal.
    let tool = bin_dir().join("tg-login").display().to_string();
    let sh = std::env::temp_dir().join(format!("tg-iam-ctrl-c-{}.sh", std::process::id()));
    let tty_file = std::env::temp_dir().join(format!("tg-iam-ctrl-c-{}.tty", std::process::id()));
    std::fs::write(
        &sh,
        format!(
            "tty > '{}'\n'{tool}' -u http://127.0.0.1:1/ --username alice\necho status=$?\nstty -a\n",
            tty_file.display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new("script");
    clean_env(&mut cmd);
    let mut child = cmd
        .args([
            "-q",
            "-e",
            "-c",
            &format!("sh '{}'", sh.display()),
            "/dev/null",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script(1)");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let screen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let screen = screen.clone();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !screen.lock().unwrap().contains("Password for alice: ") {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt: {}",
            screen.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let tty = std::fs::read_to_string(&tty_file)
        .unwrap()
        .trim()
        .to_string();
    loop {
        let stty = Command::new("stty")
            .args(["-a", "-F", &tty])
            .output()
            .unwrap();
        let flags = String::from_utf8_lossy(&stty.stdout).into_owned();
        if flags.split_whitespace().any(|f| f == "-echo") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "echo never went off: {flags}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    stdin.write_all(b"\x03").unwrap();
    drop(stdin);
    let _ = child.wait();
    reader.join().unwrap();
    let _ = std::fs::remove_file(&sh);
    let _ = std::fs::remove_file(&tty_file);
    let screen = screen.lock().unwrap().replace('\r', "");
    assert!(screen.contains("status=130"), "died of SIGINT: {screen}");
    assert!(
        screen.contains(" echo ") && !screen.contains(" -echo "),
        "echo restored: {screen}"
    );
}

#[test]
fn a_server_name_cannot_rewrite_the_confirmation_prompt() {
    // The username would set the terminal title, erase the line and
    // print a reassuring question of its own.
    let evil = serde_json::json!({"user": {
        "id": "u1",
        "username": "victim\u{1b}]0;TITLE\u{7}\r\n\u{1b}[2KDelete user harmless-temp (tmp-1)?  This is reversible. \u{202e}ok",
        "enabled": true,
    }})
    .to_string();
    let mock = Mock::start(vec![json(200, &evil)]);
    let (code, screen) = tg("tg-delete-user")
        .gateway(&mock)
        .args(["--user-id", "u1"])
        .on_tty("no\n");
    assert_eq!(code, 1, "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen:?}");
    assert!(!screen.contains('\u{202e}'), "{screen:?}");
    assert!(
        !screen
            .lines()
            .any(|l| l.starts_with("Delete user harmless-temp")),
        "{screen}"
    );
    assert!(screen.contains("This is irreversible."), "{screen}");
    assert_eq!(mock.requests().len(), 1, "only the read was sent");
}

#[test]
fn disable_workspace_lists_its_effects_on_the_terminal() {
    let ws = |enabled: bool| {
        json(
            200,
            &format!(
                r#"{{"workspace": {{"id": "ops", "name": "Operations", "enabled": {enabled}, "created": ""}}}}"#
            ),
        )
    };
    let users = json(
        200,
        r#"{"users": [{"id": "u1", "username": "carol"}, {"id": "u2", "username": "dave"}]}"#,
    );
    let disable = |mock: &Mock, input| {
        tg("tg-disable-workspace")
            .gateway(mock)
            .args(["--workspace-id", "ops"])
            .on_tty(input)
    };
    let mock = Mock::start(vec![ws(true), users.clone()]);
    let (code, screen) = disable(&mock, "no\n");
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains("Disable workspace ops (Operations)? This:\n  - disables the workspace;\n  - disables every user whose home it is (2: carol, dave) and DELETES all their API keys (enabling the workspace again restores neither);\n  - announces the workspace as deleted, so the flow, librarian and knowledge services unsubscribe from its queues.\nContinue? [type 'yes' to confirm]: "),
        "{screen}"
    );
    assert!(!mock
        .bodies()
        .iter()
        .any(|b| b.contains("disable-workspace")));

    let mock = Mock::start(vec![ws(true), users, json(200, "{}"), ws(false)]);
    let (code, screen) = disable(&mock, "yes\n");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Disabled workspace ops"), "{screen}");
    assert!(mock.bodies()[2].contains("disable-workspace"));
}

#[test]
fn rotate_signing_key_warns_in_its_question_on_the_terminal() {
    let mock = Mock::start(vec![json(200, "{}")]);
    let (code, screen) = tg("tg-rotate-signing-key").gateway(&mock).on_tty("no\n");
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains("Rotate the JWT signing key? warning: on TrustGraph gateways up to 2.11"),
        "{screen}"
    );
    assert!(mock.requests().is_empty(), "nothing was sent");
}

#[test]
fn tg_apply_asks_before_a_plan_that_takes_something_away() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let boot = tg("tg-bootstrap-iam").url(&url).run();
    assert_eq!(boot.code, 0, "{}", boot.stderr);
    let admin = boot.stdout.trim().to_string();
    let dir = std::env::temp_dir().join(format!("tg-tty-apply-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let create = manifest(
        "create.yaml",
        "users:\n  - {username: alice, workspace: default, roles: [writer]}\n",
    );
    let r = tg("tg-apply")
        .url(&url)
        .token(&admin)
        .args(["-f", &create])
        .run();
    assert_eq!(r.code, 0, "only creates: no question: {}", r.stderr);
    let disable = manifest(
        "disable.yaml",
        "users:\n  - {username: alice, workspace: default, enabled: false}\n",
    );
    let alice_enabled = || {
        gw.gateway
            .snapshot()
            .users
            .iter()
            .find(|u| u.username == "alice")
            .unwrap()
            .enabled
    };
    let apply = |input| {
        tg("tg-apply")
            .url(&url)
            .token(&admin)
            .args(["-f", &disable])
            .on_tty(input)
    };
    let (code, screen) = apply("n\n");
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("Apply 1 change? [y/N] "), "{screen}");
    assert!(
        screen.contains("tg-apply: error: aborted: not confirmed, nothing was changed"),
        "{screen}"
    );
    assert!(alice_enabled());
    let (code, screen) = apply("y\n");
    assert_eq!(code, 0, "{screen}");
    assert!(!alice_enabled());
    let _ = std::fs::remove_dir_all(&dir);
}
