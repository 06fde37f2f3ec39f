//! Prompts on a real terminal: each tool runs under `script(1)`, which gives
//! it a pseudo-terminal and feeds it our input.

mod common;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

const ADMIN: &str = "tg_YoDr9vVuUBRXyfOg-xEMDNod1bHiXfCh";

/// Run `tool args` on a pseudo-terminal with `input` typed in; the exit
/// code and everything the terminal showed.
fn on_tty(tool: &str, args: &[&str], input: &str) -> (i32, String) {
    let quoted: Vec<String> = std::iter::once(bin_dir().join(tool).display().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut cmd = Command::new("script");
    clean_env(&mut cmd);
    let mut child = cmd
        .args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux is needed for the terminal tests");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).replace('\r', ""),
    )
}

const USER: &str =
    r#"{"user": {"id": "u1", "username": "bob", "default_workspace": "default", "enabled": true}}"#;

#[test]
fn delete_user_asks_on_the_terminal_and_only_yes_proceeds() {
    let mock = Mock::start(vec![json(200, USER)]);
    let (code, screen) = on_tty(
        "tg-delete-user",
        &["-u", &mock.url(), "-t", ADMIN, "--user-id", "u1"],
        "no\n",
    );
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
    let (code, screen) = on_tty(
        "tg-delete-user",
        &["-u", &mock.url(), "-t", ADMIN, "--user-id", "u1"],
        "yes\n",
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Deleted user u1"), "{screen}");
    assert!(mock.bodies()[1].contains("delete-user"));
}

#[test]
fn login_prompts_for_the_password_on_the_terminal() {
    let x = exchange("14-login-success-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let (code, screen) = on_tty(
        "tg-login",
        &["-u", &mock.url(), "--username", "alice"],
        "s3cret-A\n",
    );
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
    let url = mock.url();
    let args = [
        "-u",
        &url,
        "-t",
        ADMIN,
        "-w",
        "default",
        "--username",
        "bob",
    ];
    let (code, screen) = on_tty("tg-create-user", &args, "one\ntwo\n");
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

    let (code, screen) = on_tty("tg-create-user", &args, "same\nsame\n");
    assert_eq!(code, 0, "{screen}");
    assert!(mock.bodies()[0].contains(r#""password": "same""#));
}
