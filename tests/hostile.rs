//! The tools against a hostile server: one scripted fault per mode, on
//! 127.0.0.1:0, with "another host" on 127.0.0.2 and another port on
//! 127.0.0.1. Every tool that sends a secret, and a read tool, runs
//! against every mode, with and without `-v`. For each run:
//!
//! * the documented exit code, and nothing on stdout;
//! * no secret anywhere on stderr: the token, the passwords, and every
//!   key, JWT or temporary password the hostile server put in its reply;
//! * nothing received by the other hosts;
//! * bounded time (a watchdog) and bounded memory (an address-space limit);
//! * no panic.

mod common;
use common::*;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const TOKEN: &str = "tg_HostileAdminTokenAbCdEfGh0123456";
const PASSWORD: &str = "Pa55-hostile-secret";
const NEW_PASSWORD: &str = "N3w-hostile-secret-2";
const MINTED_KEY: &str = "tg_MintedByTheHostileServer0123456";
const MINTED_JWT: &str = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJob3N0aWxlLW1pbnRlZCIsImV4cCI6NDEwMjQ0NDgwMH0.aG9zdGlsZS1zaWduYXR1cmUtaG9zdGlsZS1zaWduYXR1cmU";
const MINTED_TMP: &str = "TmpPw-Hostile-77";

/// Every string that must never reach stderr.
const SECRETS: &[&str] = &[
    TOKEN,
    PASSWORD,
    NEW_PASSWORD,
    MINTED_KEY,
    MINTED_JWT,
    MINTED_TMP,
];

/// The address-space limit the tools run under.
const MEMORY_LIMIT: u64 = 1 << 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// A redirect (status) to the same path on 127.0.0.2.
    RedirectOtherHost(u16),
    /// A 307 to another port on 127.0.0.1 (another origin).
    RedirectOtherPort,
    /// A 307 to an https:// URL on the same host (another origin).
    RedirectToHttps,
    /// A 307 to itself, forever.
    RedirectLoop,
    /// An error reply (status) echoing the Authorization header, the
    /// request body and minted secrets, as JSON.
    EchoJson(u16),
    /// The same as text that is not JSON.
    EchoText(u16),
    /// A 200 that is not JSON, echoing everything.
    Junk200,
    /// A chunked 200 that never ends.
    Endless,
    /// `Content-Length` longer than the body, then close.
    ShortBody,
    /// An HTTP/0.9 reply: a body with no status line.
    Http09,
    /// An invalid status line.
    BadStatus,
    /// 2 MiB of headers.
    HugeHeaders,
    /// 413 before the body is read, then close.
    TooLarge,
    /// Accept and never answer.
    Hang,
}

use Fault::*;

const FAULTS: &[Fault] = &[
    RedirectOtherHost(307),
    RedirectOtherHost(308),
    RedirectOtherHost(302),
    RedirectOtherPort,
    RedirectToHttps,
    RedirectLoop,
    EchoJson(400),
    EchoJson(401),
    EchoJson(403),
    EchoJson(500),
    EchoText(400),
    EchoText(401),
    EchoText(502),
    Junk200,
    Endless,
    ShortBody,
    Http09,
    BadStatus,
    HugeHeaders,
    TooLarge,
    Hang,
];

/// A listener that records how many bytes anyone sent it.
struct Sink {
    port: u16,
    received: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
}

impl Sink {
    fn start(ip: &str) -> Sink {
        let l = TcpListener::bind((ip, 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        let received = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let (r, c) = (received.clone(), connections.clone());
        thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                thread::spawn(move || {
                    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = s.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        r.fetch_add(n, Ordering::SeqCst);
                    }
                });
            }
        });
        Sink {
            port,
            received,
            connections,
        }
    }

    fn untouched(&self) -> bool {
        self.received.load(Ordering::SeqCst) == 0 && self.connections.load(Ordering::SeqCst) == 0
    }
}

/// The hostile gateway.
struct Hostile {
    port: u16,
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

struct Raw {
    target: String,
    auth: String,
    body: Vec<u8>,
}

/// Read a request head; the body only when `read_body`.
fn read_request(s: &mut TcpStream, read_body: bool) -> Option<Raw> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut b).ok()? == 0 || head.len() > 65_536 {
            return None;
        }
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let len: usize = header("content-length").parse().unwrap_or(0);
    let mut body = vec![0u8; if read_body { len } else { 0 }];
    if read_body {
        s.read_exact(&mut body).ok()?;
    }
    Some(Raw {
        target,
        auth: header("authorization"),
        body,
    })
}

const WHOAMI: &str = r#"{"user": {"id": "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3", "default_workspace": "default", "username": "alice", "name": "Alice", "email": "", "roles": ["admin"], "enabled": true, "must_change_password": false, "created": "2026-11-22T07:00:24+00:00"}, "bootstrap_available": false}"#;

impl Hostile {
    fn start(fault: Fault, other_host: u16, other_port: u16) -> Hostile {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reqs = requests.clone();
        thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let reqs = reqs.clone();
                thread::spawn(move || serve(s, fault, port, other_host, other_port, reqs));
            }
        });
        Hostile { port, requests }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

fn serve(
    mut s: TcpStream,
    fault: Fault,
    port: u16,
    other_host: u16,
    other_port: u16,
    reqs: Arc<Mutex<Vec<(String, String)>>>,
) {
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let Some(req) = read_request(&mut s, fault != TooLarge) else {
        return;
    };
    let body = String::from_utf8_lossy(&req.body).into_owned();
    reqs.lock()
        .unwrap()
        .push((req.target.clone(), body.clone()));
    // Let change-password's opening whoami through, to reach the change.
    if body.contains(r#""operation": "whoami""#) {
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{WHOAMI}",
            WHOAMI.len()
        );
        return;
    }
    let echo_json = serde_json::json!({
        "error": format!("echo: Authorization: {} body: {}", req.auth, body),
        "jwt": MINTED_JWT,
        "api_key_plaintext": MINTED_KEY,
        "temporary_password": MINTED_TMP,
        "bootstrap_admin_api_key": MINTED_KEY,
    })
    .to_string();
    let echo_text = format!(
        "echo: Authorization: {}\nbody: {}\nminted {MINTED_KEY} and {MINTED_JWT}; temporary_password={MINTED_TMP}\n",
        req.auth, body
    );
    let reply = |s: &mut TcpStream, status: u16, ctype: &str, b: &str| {
        let _ = write!(
            s,
            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
            b.len()
        );
    };
    let redirect = |s: &mut TcpStream, status: u16, location: String| {
        let _ = write!(
            s,
            "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    };
    match fault {
        RedirectOtherHost(code) => redirect(
            &mut s,
            code,
            format!("http://127.0.0.2:{other_host}{}?t={TOKEN}", req.target),
        ),
        RedirectOtherPort => redirect(
            &mut s,
            307,
            format!("http://127.0.0.1:{other_port}{}", req.target),
        ),
        RedirectToHttps => redirect(
            &mut s,
            308,
            format!("https://127.0.0.1:{port}{}", req.target),
        ),
        RedirectLoop => redirect(&mut s, 307, req.target.clone()),
        EchoJson(code) => reply(&mut s, code, "application/json", &echo_json),
        EchoText(code) => reply(&mut s, code, "text/plain", &echo_text),
        Junk200 => reply(&mut s, 200, "text/html", &echo_text),
        Endless => {
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            let chunk = format!("10000\r\n{}\r\n", "A".repeat(0x10000));
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if s.write_all(chunk.as_bytes()).is_err() {
                    break;
                }
            }
        }
        ShortBody => {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"jwt\": \"{MINTED_JWT}\""
            );
            let _ = s.shutdown(Shutdown::Write);
            thread::sleep(Duration::from_millis(200));
        }
        Http09 => {
            let _ = s.write_all(echo_json.as_bytes());
        }
        BadStatus => {
            let _ = write!(
                s,
                "HTTP/1.1 abc Weird\r\nContent-Length: {}\r\n\r\n{echo_json}",
                echo_json.len()
            );
        }
        HugeHeaders => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
            let line = format!("X-Junk: {}\r\n", "j".repeat(1000));
            for _ in 0..2048 {
                if s.write_all(line.as_bytes()).is_err() {
                    return;
                }
            }
            let _ = s.write_all(b"Content-Length: 2\r\n\r\n{}");
        }
        TooLarge => {
            reply(
                &mut s,
                413,
                "application/json",
                r#"{"error": "request entity too large"}"#,
            );
            // The body is unread. Close as real servers do (a lingering
            // close: stop writing, drain what the client still sends), so
            // the 413 is not destroyed by a reset racing the client's
            // upload; the kernel discards unread replies on a reset.
            let _ = s.shutdown(Shutdown::Write);
            s.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let _ = std::io::copy(&mut (&mut s).take(64 << 20), &mut std::io::sink());
        }
        Hang => thread::sleep(Duration::from_secs(20)),
    }
}

/// One tool and how to run it.
struct Case {
    tool: &'static str,
    args: Vec<String>,
    stdin: String,
    token: bool,
}

fn cases() -> Vec<Case> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // A request body large enough to still be uploading when the server
    // answers 413 and closes.
    let big = "r".repeat(100_000);
    let mut create_user = s(&[
        "--username",
        "bob",
        "--password-stdin",
        "-w",
        "default",
        "--roles",
    ]);
    create_user.extend(std::iter::repeat_n(big, 12));
    vec![
        Case {
            tool: "tg-login",
            args: s(&["--username", "alice", "--password-stdin"]),
            stdin: format!("{PASSWORD}\n"),
            token: false,
        },
        Case {
            tool: "tg-create-user",
            args: create_user,
            stdin: format!("{PASSWORD}\n"),
            token: true,
        },
        Case {
            tool: "tg-change-password",
            args: s(&["--password-stdin"]),
            stdin: format!("{PASSWORD}\n{NEW_PASSWORD}\n"),
            token: true,
        },
        Case {
            tool: "tg-bootstrap-iam",
            args: vec![],
            stdin: String::new(),
            token: false,
        },
        Case {
            tool: "tg-create-api-key",
            args: s(&["--user-id", "u1", "--name", "ci"]),
            stdin: String::new(),
            token: true,
        },
        Case {
            tool: "tg-rotate-api-key",
            args: s(&["--user-id", "u1", "--name", "ci"]),
            stdin: String::new(),
            token: true,
        },
        Case {
            tool: "tg-reset-password",
            args: s(&["--user-id", "u1"]),
            stdin: String::new(),
            token: true,
        },
        Case {
            tool: "tg-list-users",
            args: vec![],
            stdin: String::new(),
            token: true,
        },
    ]
}

/// The exit code each fault must give.
fn expected_code(fault: Fault) -> i32 {
    match fault {
        EchoJson(400) | TooLarge => 1,
        EchoJson(401) | EchoText(401) => 3,
        EchoJson(403) => 4,
        Hang => 5,
        _ => 6,
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Run a tool under the address-space limit, killing it after 30 s.
fn run_limited(tool: &str, args: &[String], stdin: &str) -> Outcome {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(bin_dir().join(tool));
    cmd.args(args);
    clean_env(&mut cmd);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_string();
    thread::spawn(move || {
        let _ = input.write_all(data.as_bytes());
    });
    let pid = child.id();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d = done.clone();
    thread::spawn(move || {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            if d.load(Ordering::SeqCst) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    });
    let out = child.wait_with_output().unwrap();
    done.store(true, Ordering::SeqCst);
    use std::os::unix::process::ExitStatusExt;
    Outcome {
        code: out
            .status
            .code()
            .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0)),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// What is wrong with one run, if anything.
fn check(case: &Case, fault: Fault, verbose: bool) -> Vec<String> {
    let other_host = Sink::start("127.0.0.2");
    let other_port = Sink::start("127.0.0.1");
    let server = Hostile::start(fault, other_host.port, other_port.port);
    let url = server.url();
    let mut args = vec!["-u".to_string(), url, "--timeout".into(), "2".into()];
    if case.token {
        args.extend(["-t".to_string(), TOKEN.to_string()]);
    }
    if verbose {
        args.push("-v".into());
    }
    args.extend(case.args.iter().cloned());
    let r = run_limited(case.tool, &args, &case.stdin);
    let what = format!("{} {fault:?} -v={verbose}", case.tool);
    let mut problems = Vec::new();
    let sent: Vec<(String, String)> = server
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, b)| !b.contains(r#""operation": "whoami""#))
        .cloned()
        .collect();
    let want_sent = match fault {
        // The first request and five same-origin hops, then a refusal.
        RedirectLoop => 1 + 5,
        _ => 1,
    };
    if sent.len() != want_sent {
        problems.push(format!(
            "{what}: {} requests reached the server (want {want_sent})",
            sent.len()
        ));
    }
    if fault == TooLarge && !r.stderr.contains("413") {
        problems.push(format!("{what}: the 413 is not reported: {}", r.stderr));
    }
    let want = expected_code(fault);
    if r.code != want {
        problems.push(format!(
            "{what}: exit {} (want {want}): {}",
            r.code, r.stderr
        ));
    }
    if !r.stdout.is_empty() {
        problems.push(format!("{what}: stdout not empty: {:?}", r.stdout));
    }
    for secret in SECRETS {
        // The whole secret, or any 12 characters of it.
        let leaked = r.stderr.contains(secret)
            || (0..secret.len().saturating_sub(12)).any(|i| r.stderr.contains(&secret[i..i + 12]));
        if leaked {
            problems.push(format!("{what}: a secret reached stderr: {}", r.stderr));
        }
    }
    if !other_host.untouched() || !other_port.untouched() {
        problems.push(format!("{what}: another host was contacted"));
    }
    if r.stderr.contains("panicked") || r.code == 101 || r.code == 134 {
        problems.push(format!("{what}: panic or abort: {}", r.stderr));
    }
    if r.elapsed > Duration::from_secs(15) {
        problems.push(format!("{what}: took {:?}", r.elapsed));
    }
    if !r.stderr.starts_with(&format!("{}: ", case.tool)) && !verbose {
        problems.push(format!(
            "{what}: stderr is not the tool's message: {}",
            r.stderr
        ));
    }
    problems
}

#[test]
fn every_secret_tool_against_every_fault() {
    let all = cases();
    let jobs: Vec<(usize, Fault, bool)> = (0..all.len())
        .flat_map(|c| {
            FAULTS
                .iter()
                .flat_map(move |f| [(c, *f, false), (c, *f, true)])
        })
        // A 413 mid-upload needs a body still being uploaded when the
        // gateway gives up: only create-user's is large enough. (A small
        // body is sent whole before the answer, and a server that then
        // resets the connection unread can destroy its own answer.)
        .filter(|(c, f, _)| *f != TooLarge || all[*c].tool == "tg-create-user")
        .collect();
    let jobs = Arc::new(Mutex::new(jobs));
    let problems = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let jobs = jobs.clone();
            let problems = problems.clone();
            thread::spawn(move || {
                let cases = cases();
                loop {
                    let Some((c, f, v)) = jobs.lock().unwrap().pop() else {
                        return;
                    };
                    let p = check(&cases[c], f, v);
                    problems.lock().unwrap().extend(p);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let problems = problems.lock().unwrap();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
