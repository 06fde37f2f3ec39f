//! What the tools do with careless pipes, bad input, environments and
//! proxies, and the output-safety rules. Each test names the hole it keeps
//! closed.

mod common;
use common::*;

use std::os::unix::process::CommandExt;
use std::process::Stdio;

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

/// Run `t` with its stdout set up as `stdout` says.
fn run_with_stdout(mut t: TestCommand, stdout: Stdout) -> Run {
    let t = match stdout {
        Stdout::Closed => {
            unsafe {
                t.command().pre_exec(|| {
                    libc::close(1);
                    Ok(())
                });
            }
            t.stdout(Stdio::null())
        }
        Stdout::ReadOnly => {
            let (r, w) = pipe();
            drop(w);
            t.stdout(r)
        }
        Stdout::Null => t.stdout(Stdio::null()),
        Stdout::Full => t.stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        ),
        Stdout::Widowed => {
            let (r, w) = pipe();
            drop(r);
            t.stdout(w)
        }
    };
    t.run()
}

/// A tool whose stdout carries a one-time secret: its arguments (the admin
/// token too when `admin`), its input, and a reply that mints one.
struct SecretTool {
    tool: &'static str,
    admin: bool,
    args: &'static [&'static str],
    stdin: &'static str,
    reply: &'static str,
}

impl SecretTool {
    /// The tool run against `mock`.
    fn at(&self, mock: &Mock) -> TestCommand {
        let t = tg(self.tool).url(&mock.url());
        let t = if self.admin { t.token(ADMIN) } else { t };
        t.args(self.args).stdin(self.stdin)
    }
}

/// Every tool whose stdout carries a one-time secret.
fn secret_tools() -> Vec<SecretTool> {
    let tool = |tool, admin, args, stdin, reply| SecretTool {
        tool,
        admin,
        args,
        stdin,
        reply,
    };
    vec![
        tool("tg-bootstrap-iam", false, &[], "", BOOTSTRAP_REPLY),
        tool(
            "tg-login",
            false,
            &["--username", "alice", "--password-stdin"],
            "s3cret-A\n",
            LOGIN_REPLY,
        ),
        tool(
            "tg-create-api-key",
            true,
            &["--user-id", "u1", "--name", "ci"],
            "",
            KEY_REPLY,
        ),
        tool(
            "tg-reset-password",
            true,
            &["--user-id", "u1"],
            "",
            RESET_REPLY,
        ),
        tool(
            "tg-mint-token",
            true,
            &["-w", "default", "--user-context", "{}", "--self"],
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
        for t in secret_tools() {
            let tool = t.tool;
            if matches!(tool, "tg-login" | "tg-mint-token") {
                continue; // a JWT can be had again: not a one-time secret
            }
            let r = run_with_stdout(t.at(&mock), mode);
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
        for t in secret_tools() {
            let tool = t.tool;
            if !matches!(tool, "tg-login" | "tg-mint-token") {
                continue;
            }
            let mock = Mock::start(vec![json(200, t.reply)]);
            let r = run_with_stdout(t.at(&mock), mode);
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
    for t in secret_tools() {
        let tool = t.tool;
        let mock = Mock::start(vec![Reply::Delayed(300, Box::new(json(200, t.reply)))]);
        let mut child = t.at(&mock).spawn();
        // Close the reading end once the request has reached the gateway.
        mock.wait_for_requests(1, &format!("{tool}: no request"));
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
    let r = run_with_stdout(tg("tg-list-users").gateway(&mock).stdin(""), Stdout::Full);
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
        let out = tg("tg-list-users")
            .gateway(&mock)
            .env(var, std::ffi::OsStr::from_bytes(b"acme\xff"))
            .output();
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
        tg("tg-revoke-api-key")
            .gateway(&mock)
            .args(args)
            .args(["--key-id", "k"])
            .envs(env.iter().copied())
            .run();
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
        tg("tg-list-workspaces")
            .url(&mock.url())
            .args(args)
            .envs(env.iter().copied())
            .run();
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

    // The URL: flag, then variable; empty means the built-in default (a
    // port that refuses, in tests: see `clean_env`).
    let flag = Mock::always(json(200, r#"{"workspaces": []}"#));
    let env = Mock::always(json(200, r#"{"workspaces": []}"#));
    let r = tg("tg-list-workspaces")
        .gateway(&flag)
        .env("TRUSTGRAPH_URL", env.url())
        .run();
    assert_eq!(r.code, 0);
    assert_eq!((flag.requests().len(), env.requests().len()), (1, 0));
    let r = tg("tg-list-workspaces")
        .token(ADMIN)
        .env("TRUSTGRAPH_URL", env.url())
        .run();
    assert_eq!(r.code, 0);
    assert_eq!(env.requests().len(), 1);
    for (args, var) in [(vec!["-u", ""], env.url()), (vec![], String::new())] {
        let r = tg("tg-list-workspaces")
            .args(args)
            .token(ADMIN)
            .args(["--timeout", "2"])
            .env("TRUSTGRAPH_URL", var)
            .run();
        assert!(
            r.stderr
                .contains(&format!("the default gateway URL {}", refused_url())),
            "{}",
            r.stderr
        );
    }
    assert_eq!(env.requests().len(), 1, "an empty value never falls back");
}

fn create_key_expiring(mock: &Mock, expires: &str) -> Run {
    tg("tg-create-api-key")
        .gateway(mock)
        .args(["--user-id", "u", "--name", "n", "--expires", expires])
        .run()
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
    let r = tg("tg-create-workspace")
        .gateway(&mock)
        .args(["--workspace-id", " research "])
        .run();
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
    let login = || {
        tg("tg-login")
            .url(&mock.url())
            .args(["--username", "a", "--password-stdin"])
    };
    let out = login()
        .stdin_from(std::fs::File::open("/dev/zero").unwrap())
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tg-login: error: --password-stdin: the password on standard input is longer than 4096 bytes\n"
    );
    // A line of exactly 4096 bytes is fine.
    let long = "p".repeat(4096);
    let r = login().stdin(format!("{long}\n")).run();
    assert_eq!(r.code, 3, "reaches the gateway: {}", r.stderr);
    // Not UTF-8.
    let r = login().stdin(b"pw\xff\n").run();
    assert_eq!(r.code, 2);
    let r = tg("tg-whoami")
        .url("https://127.0.0.1:1/")
        .token(ADMIN)
        .args(["--ca-cert", "/dev/zero"])
        .run();
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
        let r = tg("tg-list-workspaces")
            .url(&mock.url())
            .token(&jwt_with_exp(exp))
            .run();
        assert_eq!(r.code, 3, "{exp}: {}", r.stderr);
        assert!(
            r.stderr.contains("(out of range)") && r.stderr.contains("(more than 100 years ago)"),
            "{exp}: {}",
            r.stderr
        );
    }
    assert!(mock.requests().is_empty());
    for exp in ["9223372036854775807", "1e300", "4102444800"] {
        let r = tg("tg-list-workspaces")
            .url(&mock.url())
            .token(&jwt_with_exp(exp))
            .run();
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
        let r = tg("tg-list-workspaces")
            .url(&url)
            .token(ADMIN)
            .env("HTTP_PROXY", proxy.url())
            .env("ALL_PROXY", proxy.url())
            .run();
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
    let r = tg("tg-list-workspaces")
        .url("http://gateway.example.invalid/")
        .token(ADMIN)
        .env("HTTP_PROXY", &dead)
        .run();
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
    let r = tg("tg-list-workspaces")
        .url("http://gateway.example.invalid/")
        .token(ADMIN)
        .args(["--timeout", "3"])
        .env("HTTP_PROXY", &dead)
        .env("NO_PROXY", ".invalid")
        .run();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(!r.stderr.contains("proxy"), "{}", r.stderr);
}

#[test]
fn insecure_with_plain_http_does_not_warn_about_tls() {
    let mock = Mock::always(json(200, r#"{"workspaces": []}"#));
    let r = tg("tg-list-workspaces")
        .gateway(&mock)
        .args(["--insecure"])
        .run();
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

#[test]
fn controls_and_bidi_overrides_never_reach_the_terminal() {
    let evil = "a\u{1b}[31mb\u{85}c\u{9b}d\u{202e}e\u{2066}f\u{7f}g";
    let reply = serde_json::json!({"workspaces": [{"id": evil, "name": "n", "enabled": true, "created": ""}]}).to_string();
    let mock = Mock::always(json(200, &reply));
    let r = tg("tg-list-workspaces")
        .gateway(&mock)
        .args(["-o", "json"])
        .run();
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
    let r = tg("tg-list-workspaces").gateway(&mock).run();
    assert!(r.stdout.contains("| a[31mbcdef"), "{}", r.stdout);
    // And in an error line.
    let msg = serde_json::json!({"error": {"type": "not-found", "message": evil}}).to_string();
    let mock = Mock::always(json(200, &msg));
    let r = tg("tg-list-workspaces").gateway(&mock).run();
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
    let r = tg("tg-list-users").gateway(&mock).args(["-v"]).run();
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
    let r = tg("tg-list-users").gateway(&mock).run();
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
    let r = tg("tg-change-password")
        .gateway(&mock)
        .args(["--password-stdin", "--timeout", "1"])
        .stdin("old-Passw0rd\nnew-Passw0rd\n")
        .run();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("tg-change-password: error: the outcome is unknown: the gateway acknowledged the change, but the login that confirms it failed: no answer from"),
        "{}",
        r.stderr
    );
    // A refused confirming login: not changed (exit 3).
    let mock = Mock::start(vec![json(200, USER), bare(), bare()]);
    let r = tg("tg-change-password")
        .gateway(&mock)
        .args(["--password-stdin"])
        .stdin("old-Passw0rd\nnew-Passw0rd\n")
        .run();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("password not changed"));
}

#[test]
fn a_refused_default_url_names_the_variable_and_port_8088() {
    // The default URL is a port held on both loopback addresses without
    // listening (see `clean_env`), so that a connection to it is refused
    // for certain, whatever listens on port 8888 of the machine.
    let url = refused_url();
    let r = tg("tg-whoami").token(ADMIN).run();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!("tg-whoami: error: cannot connect to the default gateway URL {url}: connection refused\nhint: no URL was given, so the default {url} was used: set TRUSTGRAPH_URL or pass -u/--api-url; gateways older than August 2026 listen on port 8088 (-u http://localhost:8088/)\n")
    );
}
