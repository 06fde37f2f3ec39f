//! What the tools do with careless pipes, bad input, environments and
//! proxies, and the output-safety rules. Each test names the hole it keeps
//! closed.

mod common;
use common::*;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

const ADMIN: &str = "tg_YoDr9vVuUBRXyfOg-xEMDNod1bHiXfCh";
const KEY_REPLY: &str = r#"{"api_key_plaintext": "tg_Lc1WWqglejREJXfN6W6emlKQAXHhAwdY", "api_key": {"id": "4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd", "user_id": "u1", "name": "ci", "prefix": "tg_Lc1W", "expires": "", "created": "", "last_used": ""}, "bootstrap_available": false}"#;
const BOOTSTRAP_REPLY: &str = r#"{"bootstrap_admin_user_id": "00447673-fc19-4db0-bfd9-478fd35ba13a", "bootstrap_admin_api_key": "tg_YoDr9vVuUBRXyfOg-xEMDNod1bHiXfCh", "bootstrap_available": false}"#;
const RESET_REPLY: &str =
    r#"{"temporary_password": "Tmp-pw-0123456789", "bootstrap_available": false}"#;
const LOGIN_REPLY: &str = r#"{"jwt": "eyJhbGciOiJFZERTQSJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJlLXNpZ25hdHVyZQ", "jwt_expires": "2100-01-01T00:00:00+00:00", "bootstrap_available": false}"#;

/// How the tool's stdout is set up.
#[derive(Clone, Copy, Debug)]
enum Stdout {
    /// `>&-`
    Closed,
    /// Open, but for reading only (the read end of a pipe).
    ReadOnly,
    /// `>/dev/null`: nowhere.
    Null,
    /// A pipe whose reader has already gone.
    Widowed,
    /// `>/dev/full`: every write fails.
    Full,
}

/// A pipe's read and write ends.
fn pipe() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    }
}

fn run_with_stdout(tool: &str, args: &[&str], stdin: &str, stdout: Stdout) -> Run {
    let mut cmd = Command::new(bin_dir().join(tool));
    cmd.args(args).stdin(Stdio::piped()).stderr(Stdio::piped());
    clean_env(&mut cmd);
    match stdout {
        Stdout::Closed => unsafe {
            cmd.stdout(Stdio::null()).pre_exec(|| {
                libc::close(1);
                Ok(())
            });
        },
        Stdout::ReadOnly => {
            let (r, w) = pipe();
            drop(w);
            cmd.stdout(r);
        }
        Stdout::Null => {
            cmd.stdout(Stdio::null());
        }
        Stdout::Full => {
            cmd.stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            );
        }
        Stdout::Widowed => {
            let (r, w) = pipe();
            drop(r);
            cmd.stdout(w);
        }
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every tool whose stdout carries a one-time secret, with a reply that
/// mints one.
fn secret_tools(url: &str) -> Vec<(&'static str, Vec<String>, &'static str, &'static str)> {
    let v = |a: &[&str]| -> Vec<String> {
        let mut x: Vec<String> = vec!["-u".into(), url.into()];
        x.extend(a.iter().map(|s| s.to_string()));
        x
    };
    vec![
        ("tg-bootstrap-iam", v(&[]), "", BOOTSTRAP_REPLY),
        (
            "tg-login",
            v(&["--username", "alice", "--password-stdin"]),
            "s3cret-A\n",
            LOGIN_REPLY,
        ),
        (
            "tg-create-api-key",
            v(&["-t", ADMIN, "--user-id", "u1", "--name", "ci"]),
            "",
            KEY_REPLY,
        ),
        (
            "tg-reset-password",
            v(&["-t", ADMIN, "--user-id", "u1"]),
            "",
            RESET_REPLY,
        ),
        (
            "tg-mint-token",
            v(&[
                "-t",
                ADMIN,
                "-w",
                "default",
                "--user-context",
                "{}",
                "--self",
            ]),
            "",
            LOGIN_REPLY,
        ),
    ]
}

#[test]
fn one_time_secrets_are_not_requested_when_stdout_cannot_take_them() {
    for mode in [
        Stdout::Closed,
        Stdout::ReadOnly,
        Stdout::Widowed,
        Stdout::Full,
        Stdout::Null,
    ] {
        let mock = Mock::always(bare());
        for (tool, args, stdin, _) in secret_tools(&mock.url()) {
            if matches!(tool, "tg-login" | "tg-mint-token") {
                continue; // a JWT can be had again: not a one-time secret
            }
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = run_with_stdout(tool, &a, stdin, mode);
            assert_eq!(r.code, 2, "{tool} {mode:?}: {}", r.stderr);
            assert!(
                r.stderr
                    .starts_with(&format!("{tool}: error: standard output ")),
                "{tool} {mode:?}: {}",
                r.stderr
            );
            assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
        }
        assert!(mock.requests().is_empty(), "{mode:?}: nothing is sent");
    }
}

#[test]
fn a_jwt_may_go_to_dev_null_as_upstream_allows() {
    // `tg-login ... >/dev/null && echo ok` is a credential check: a JWT
    // can be had again, so it is not a one-time secret.
    for mode in [Stdout::Null, Stdout::Closed] {
        for (tool, args, stdin, reply) in secret_tools("URL") {
            if !matches!(tool, "tg-login" | "tg-mint-token") {
                continue;
            }
            let mock = Mock::start(vec![json(200, reply)]);
            let url = mock.url();
            let a: Vec<&str> = args
                .iter()
                .map(|a| if a == "URL" { url.as_str() } else { a.as_str() })
                .collect();
            let r = run_with_stdout(tool, &a, stdin, mode);
            assert_eq!(r.code, 0, "{tool} {mode:?}: {}", r.stderr);
            assert_eq!(mock.requests().len(), 1, "{tool}");
            assert!(!r.stderr.contains("c2lnbmF0dXJl"), "{}", r.stderr);
        }
    }
}

#[test]
fn a_secret_that_cannot_be_written_after_minting_fails_and_says_how_to_recover() {
    // stdout is a pipe that is read when the tool starts, and closed by the
    // time the gateway has answered: the write fails after the mint.
    for (tool, args, stdin, reply) in secret_tools("URL") {
        let mock = Mock::start(vec![Reply::Delayed(300, Box::new(json(200, reply)))]);
        let url = mock.url();
        let args: Vec<String> = args
            .iter()
            .map(|a| if a == "URL" { url.clone() } else { a.clone() })
            .collect();
        let mut cmd = Command::new(bin_dir().join(tool));
        clean_env(&mut cmd);
        let mut child = cmd
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(stdin.as_bytes());
        drop(input);
        // Close the reading end once the request has reached the gateway.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while mock.requests().is_empty() {
            assert!(std::time::Instant::now() < deadline, "{tool}: no request");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{tool}: {stderr}");
        assert!(
            stderr.contains("could not write the ") && stderr.contains("it is lost:"),
            "{tool}: {stderr}"
        );
        assert!(stderr.contains("\nhint: "), "{tool}: {stderr}");
        for secret in [
            "tg_Lc1WWqglejREJXfN6W6emlKQAXHhAwdY",
            "Tmp-pw-0123456789",
            "c2lnbmF0dXJl",
            ADMIN,
        ] {
            assert!(!stderr.contains(secret), "{tool}: {stderr}");
        }
        if tool == "tg-create-api-key" {
            assert!(
                stderr.contains("tg-revoke-api-key --key-id 4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn a_full_disk_is_an_error_even_without_a_secret() {
    let x = exchange("22-list-users-raw.txt");
    let mock = Mock::start(vec![json(200, &x.response_body)]);
    let url = mock.url();
    let r = run_with_stdout(
        "tg-list-users",
        &["-u", &url, "-t", ADMIN],
        "",
        Stdout::Full,
    );
    assert_eq!(r.code, 7, "{}", r.stderr);
    assert!(r
        .stderr
        .starts_with("tg-list-users: error: could not write the result to standard output"));
}

#[test]
fn non_utf8_environment_variables_are_usage_errors() {
    use std::os::unix::ffi::OsStrExt;
    let mock = Mock::always(bare());
    for var in [
        "TRUSTGRAPH_WORKSPACE",
        "TRUSTGRAPH_TOKEN",
        "TRUSTGRAPH_URL",
        "HTTP_PROXY",
        "NO_PROXY",
    ] {
        let mut cmd = Command::new(bin_dir().join("tg-list-users"));
        clean_env(&mut cmd);
        cmd.args(["-u", &mock.url(), "-t", ADMIN])
            .env(var, std::ffi::OsStr::from_bytes(b"acme\xff"));
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert_eq!(
            stderr,
            format!("tg-list-users: error: environment variable {var} is not valid UTF-8\nhint: unset {var} or set it to plain text\n")
        );
    }
    assert!(mock.requests().is_empty());
}

#[test]
fn one_rule_for_empty_flags_and_variables() {
    // For every flag and its variable: the flag wins; a set but empty
    // value stops the lookup and means "none".
    let ws_of = |args: &[&str], env: &[(&str, &str)]| {
        let mock = Mock::always(bare());
        let mut a = vec!["-u".to_string(), mock.url(), "-t".into(), ADMIN.into()];
        a.extend(args.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run_tool(
            "tg-revoke-api-key",
            &[&a[..], &["--key-id", "k"]].concat(),
            env,
            None,
        );
        mock.requests()[0].json().get("workspace").cloned()
    };
    let w = |s: &str| Some(serde_json::Value::String(s.into()));
    assert_eq!(ws_of(&["-w", "f"], &[]), w("f"));
    assert_eq!(ws_of(&[], &[("TRUSTGRAPH_WORKSPACE", "e")]), w("e"));
    assert_eq!(
        ws_of(&["-w", "f"], &[("TRUSTGRAPH_WORKSPACE", "e")]),
        w("f")
    );
    assert_eq!(ws_of(&["-w", ""], &[("TRUSTGRAPH_WORKSPACE", "e")]), None);
    assert_eq!(ws_of(&[], &[("TRUSTGRAPH_WORKSPACE", "")]), None);
    assert_eq!(ws_of(&[], &[]), None);

    let auth_of = |args: &[&str], env: &[(&str, &str)]| {
        let mock = Mock::always(json(200, r#"{"workspaces": []}"#));
        let mut a = vec!["-u".to_string(), mock.url()];
        a.extend(args.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run_tool("tg-list-workspaces", &a, env, None);
        mock.requests()[0]
            .header("authorization")
            .map(str::to_string)
    };
    let b = |t: &str| Some(format!("Bearer {t}"));
    assert_eq!(auth_of(&["-t", "tg_flag"], &[]), b("tg_flag"));
    assert_eq!(auth_of(&[], &[("TRUSTGRAPH_TOKEN", "tg_env")]), b("tg_env"));
    assert_eq!(
        auth_of(&["-t", "tg_flag"], &[("TRUSTGRAPH_TOKEN", "tg_env")]),
        b("tg_flag")
    );
    assert_eq!(
        auth_of(&["-t", ""], &[("TRUSTGRAPH_TOKEN", "tg_env")]),
        None
    );
    assert_eq!(auth_of(&[], &[("TRUSTGRAPH_TOKEN", "")]), None);

    // The URL: flag, then variable; empty means the built-in default.
    let flag = Mock::always(json(200, r#"{"workspaces": []}"#));
    let env = Mock::always(json(200, r#"{"workspaces": []}"#));
    let r = run_tool(
        "tg-list-workspaces",
        &["-u", &flag.url(), "-t", ADMIN],
        &[("TRUSTGRAPH_URL", &env.url())],
        None,
    );
    assert_eq!(r.code, 0);
    assert_eq!((flag.requests().len(), env.requests().len()), (1, 0));
    let r = run_tool(
        "tg-list-workspaces",
        &["-t", ADMIN],
        &[("TRUSTGRAPH_URL", &env.url())],
        None,
    );
    assert_eq!(r.code, 0);
    assert_eq!(env.requests().len(), 1);
    for (args, envs) in [
        (vec!["-u", ""], vec![("TRUSTGRAPH_URL", env.url())]),
        (vec![], vec![("TRUSTGRAPH_URL", String::new())]),
    ] {
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = run_tool(
            "tg-list-workspaces",
            &[&args[..], &["-t", ADMIN, "--timeout", "2"]].concat(),
            &envs,
            None,
        );
        assert!(
            r.stderr
                .contains("the default gateway URL http://localhost:8888/"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(env.requests().len(), 1, "an empty value never falls back");
}

fn create_key_expiring(mock: &Mock, expires: &str) -> Run {
    let url = mock.url();
    let args = ["-u", &url, "-t", ADMIN, "--user-id", "u", "--name", "n"];
    run_tool(
        "tg-create-api-key",
        &[&args[..], &["--expires", expires]].concat(),
        &[],
        None,
    )
}

#[test]
fn expiries_that_would_have_panicked_are_usage_errors() {
    let mock = Mock::always(json(200, KEY_REPLY));
    for bad in [
        "2026-11-2é",
        "é",
        "2099-01-31Té",
        "２０９９-01-01",
        "2099-01-01T00:00:60",
    ] {
        let r = create_key_expiring(&mock, bad);
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert!(r.stderr.contains("is not an ISO-8601 date"), "{}", r.stderr);
    }
    assert!(mock.requests().is_empty());
}

#[test]
fn what_is_validated_is_what_is_sent() {
    let mock = Mock::always(json(200, KEY_REPLY));
    let r = create_key_expiring(&mock, " 2099-01-31 ");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        mock.bodies()[0],
        r#"{"operation": "create-api-key", "key": {"user_id": "u", "name": "n", "expires": "2099-01-31"}}"#
    );
    let mock = Mock::always(json(
        200,
        r#"{"workspace": {"id": "research", "name": "research", "enabled": true, "created": ""}}"#,
    ));
    let r = run_tool(
        "tg-create-workspace",
        &[
            "-u",
            &mock.url(),
            "-t",
            ADMIN,
            "--workspace-id",
            " research ",
        ],
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        mock.bodies()[0],
        r#"{"operation": "create-workspace", "workspace_record": {"id": "research", "enabled": true}}"#
    );
}

#[test]
fn endless_input_is_bounded() {
    // --password-stdin from /dev/zero, --ca-cert /dev/zero: a usage error,
    // quickly, not a process that grows until it dies.
    let mock = Mock::always(bare());
    let mut cmd = Command::new(bin_dir().join("tg-login"));
    clean_env(&mut cmd);
    let out = cmd
        .args(["-u", &mock.url(), "--username", "a", "--password-stdin"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tg-login: error: --password-stdin: the password on standard input is longer than 4096 bytes\n"
    );
    // A line of exactly 4096 bytes is fine.
    let long = "p".repeat(4096);
    let r = run_tool(
        "tg-login",
        &["-u", &mock.url(), "--username", "a", "--password-stdin"],
        &[],
        Some(&format!("{long}\n")),
    );
    assert_eq!(r.code, 3, "reaches the gateway: {}", r.stderr);
    // Not UTF-8.
    let mut cmd = Command::new(bin_dir().join("tg-login"));
    clean_env(&mut cmd);
    let mut child = cmd
        .args(["-u", &mock.url(), "--username", "a", "--password-stdin"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"pw\xff\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let r = run_tool(
        "tg-whoami",
        &[
            "-u",
            "https://127.0.0.1:1/",
            "-t",
            ADMIN,
            "--ca-cert",
            "/dev/zero",
        ],
        &[],
        None,
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "tg-whoami: error: --ca-cert /dev/zero is larger than 1024 KiB\n"
    );
}

/// A JWT with `exp` set to `exp`, unsigned (only its shape matters here).
fn jwt_with_exp(exp: &str) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2ln",
        b.encode(r#"{"alg":"EdDSA"}"#),
        b.encode(format!(r#"{{"exp":{exp},"sub":"u"}}"#))
    )
}

#[test]
fn jwt_expiries_far_in_the_past_or_future_do_not_overflow() {
    let mock = Mock::always(json(200, r#"{"workspaces": []}"#));
    for exp in ["-9223372036854775808", "-1e300", "-9223372035059419584"] {
        let r = run_tool(
            "tg-list-workspaces",
            &["-u", &mock.url(), "-t", &jwt_with_exp(exp)],
            &[],
            None,
        );
        assert_eq!(r.code, 3, "{exp}: {}", r.stderr);
        assert!(
            r.stderr.contains("(out of range)") && r.stderr.contains("(more than 100 years ago)"),
            "{exp}: {}",
            r.stderr
        );
    }
    assert!(mock.requests().is_empty());
    for exp in ["9223372036854775807", "1e300", "4102444800"] {
        let r = run_tool(
            "tg-list-workspaces",
            &["-u", &mock.url(), "-t", &jwt_with_exp(exp)],
            &[],
            None,
        );
        assert_eq!(r.code, 0, "{exp}: {}", r.stderr);
    }
}

#[test]
fn a_loopback_gateway_is_never_proxied_and_a_failed_proxy_is_named() {
    let gateway = Mock::always(json(200, r#"{"workspaces": []}"#));
    let proxy = Mock::always(json(200, r#"{"workspaces": []}"#));
    for url in [
        gateway.url(),
        gateway.url().replace("127.0.0.1", "localhost"),
        gateway.url().replace("127.0.0.1", "[::ffff:127.0.0.1]"),
    ] {
        let r = run_tool(
            "tg-list-workspaces",
            &["-u", &url, "-t", ADMIN],
            &[("HTTP_PROXY", &proxy.url()), ("ALL_PROXY", &proxy.url())],
            None,
        );
        if url.contains("::ffff") && r.code == 5 {
            continue; // no IPv6 on this machine
        }
        assert_eq!(r.code, 0, "{url}: {}", r.stderr);
        assert_eq!(r.stderr, "", "{url}: no plain-http warning for loopback");
    }
    assert!(proxy.requests().is_empty(), "the proxy saw the token");
    assert!(!gateway.requests().is_empty());

    // A remote gateway through a proxy that is down: the proxy is named.
    let dead = format!("http://user:proxypw@127.0.0.1:{}/", closed_port());
    let r = run_tool(
        "tg-list-workspaces",
        &["-u", "http://gateway.example.invalid/", "-t", ADMIN],
        &[("HTTP_PROXY", &dead)],
        None,
    );
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("cannot connect to proxy http://user:***@127.0.0.1:")
            && r.stderr.contains(
                "(from HTTP_PROXY) for http://gateway.example.invalid/: connection refused"
            ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("proxypw"));
    // NO_PROXY is honoured (the gateway is then tried directly and does
    // not resolve).
    let r = run_tool(
        "tg-list-workspaces",
        &[
            "-u",
            "http://gateway.example.invalid/",
            "-t",
            ADMIN,
            "--timeout",
            "3",
        ],
        &[("HTTP_PROXY", &dead), ("NO_PROXY", ".invalid")],
        None,
    );
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(!r.stderr.contains("proxy"), "{}", r.stderr);
}

#[test]
fn insecure_with_plain_http_does_not_warn_about_tls() {
    let mock = Mock::always(json(200, r#"{"workspaces": []}"#));
    let r = run_tool(
        "tg-list-workspaces",
        &["-u", &mock.url(), "-t", ADMIN, "--insecure"],
        &[],
        None,
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

#[test]
fn controls_and_bidi_overrides_never_reach_the_terminal() {
    let evil = "a\u{1b}[31mb\u{85}c\u{9b}d\u{202e}e\u{2066}f\u{7f}g";
    let reply = serde_json::json!({"workspaces": [{"id": evil, "name": "n", "enabled": true, "created": ""}]}).to_string();
    let mock = Mock::always(json(200, &reply));
    let r = run_tool(
        "tg-list-workspaces",
        &["-u", &mock.url(), "-t", ADMIN, "-o", "json"],
        &[],
        None,
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains(r#""id": "a\u001b[31mb\u0085c\u009bd\u202ee\u2066f\u007fg""#),
        "{}",
        r.stdout
    );
    assert!(r.stdout.is_ascii() || !r.stdout.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["id"], evil, "the JSON still means the same");
    let r = run_tool(
        "tg-list-workspaces",
        &["-u", &mock.url(), "-t", ADMIN],
        &[],
        None,
    );
    assert!(r.stdout.contains("| a[31mbcdef"), "{}", r.stdout);
    // And in an error line.
    let msg = serde_json::json!({"error": {"type": "not-found", "message": evil}}).to_string();
    let mock = Mock::always(json(200, &msg));
    let r = run_tool(
        "tg-list-workspaces",
        &["-u", &mock.url(), "-t", ADMIN],
        &[],
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("tg-list-workspaces: error: not-found: a[31mbcdefg\n"),
        "{:?}",
        r.stderr
    );
}

#[test]
fn a_same_origin_redirect_is_followed_and_every_hop_traced() {
    let x = exchange("22-list-users-raw.txt");
    let mock = Mock::start(vec![
        Reply::Redirect(307, "/moved/api/v1/iam".into()),
        json(200, &x.response_body),
    ]);
    let r = run_tool(
        "tg-list-users",
        &["-u", &mock.url(), "-t", ADMIN, "-v"],
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].target, "/moved/api/v1/iam");
    assert_eq!(reqs[1].body, reqs[0].body, "307 keeps the body");
    assert_eq!(
        reqs[1].header("authorization"),
        Some(format!("Bearer {ADMIN}").as_str())
    );
    assert!(
        r.stderr.contains("< HTTP 307 Temporary Redirect"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("< Location: /moved/api/v1/iam"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "> following the same-origin redirect: POST {}moved/api/v1/iam",
            mock.url()
        )),
        "{}",
        r.stderr
    );
    // A 303 to the same origin would turn the POST into a GET: refused.
    let mock = Mock::start(vec![Reply::Redirect(303, "/elsewhere".into())]);
    let r = run_tool(
        "tg-list-users",
        &["-u", &mock.url(), "-t", ADMIN],
        &[],
        None,
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r
        .stderr
        .contains("refused to follow the gateway's HTTP 303 redirect to"));
}

#[test]
fn change_password_confirmation_keeps_its_failure_class() {
    // 2.11: the change is acknowledged bare; the confirming login times
    // out: the outcome is unknown (exit 5), not "not changed" (exit 3).
    const USER: &str = r#"{"user": {"id": "u1", "username": "alice", "default_workspace": "default", "enabled": true}}"#;
    let mock = Mock::start(vec![json(200, USER), bare(), Reply::Hang]);
    let r = run_tool(
        "tg-change-password",
        &[
            "-u",
            &mock.url(),
            "-t",
            ADMIN,
            "--password-stdin",
            "--timeout",
            "1",
        ],
        &[],
        Some("old-Passw0rd\nnew-Passw0rd\n"),
    );
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("tg-change-password: error: the outcome is unknown: the gateway acknowledged the change, but the login that confirms it failed: no answer from"),
        "{}",
        r.stderr
    );
    // A refused confirming login: not changed (exit 3).
    let mock = Mock::start(vec![json(200, USER), bare(), bare()]);
    let r = run_tool(
        "tg-change-password",
        &["-u", &mock.url(), "-t", ADMIN, "--password-stdin"],
        &[],
        Some("old-Passw0rd\nnew-Passw0rd\n"),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("password not changed"));
}

#[test]
fn a_refused_default_url_names_the_variable_and_port_8088() {
    // Hold the default port on both loopback addresses without listening,
    // so that a connection to it is refused for certain.
    let held = hold_port(8888);
    let r = run_tool("tg-whoami", &["-t", ADMIN], &[], None);
    drop(held);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "tg-whoami: error: cannot connect to the default gateway URL http://localhost:8888/: connection refused\nhint: no URL was given, so the default http://localhost:8888/ was used: set TRUSTGRAPH_URL or pass -u/--api-url; gateways older than August 2026 listen on port 8088 (-u http://localhost:8088/)\n"
    );
}
