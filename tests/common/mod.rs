//! Test support: a scripted HTTP server on 127.0.0.1:0 that records every
//! request, and a runner for the built tool binaries.
#![allow(dead_code)]

pub mod front;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// The request target: a path, or an absolute URL when sent to a proxy.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }
}

/// A scripted reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status and a JSON body.
    Json(u16, String),
    /// Status, content type and body.
    Raw(u16, &'static str, String),
    /// Accept the request and never answer (closes after 10 s).
    Hang,
    /// Wait this many milliseconds, then give the reply.
    Delayed(u64, Box<Reply>),
    /// A redirect with this status to this `Location` (`{port}` in it
    /// becomes the mock's own port).
    Redirect(u16, String),
}

pub fn json(status: u16, body: &str) -> Reply {
    Reply::Json(status, body.to_string())
}

/// A TrustGraph 2.11 gateway's bare reply.
pub fn bare() -> Reply {
    json(200, r#"{"bootstrap_available": false}"#)
}

pub struct Mock {
    pub port: u16,
    requests: Arc<Mutex<Vec<Req>>>,
}

impl Mock {
    /// Serve `replies` in order; requests past the script get a 599.
    pub fn start(replies: Vec<Reply>) -> Mock {
        Self::serve(replies, None, None)
    }

    /// Answer every request with `reply`.
    pub fn always(reply: Reply) -> Mock {
        Self::serve(vec![], Some(reply), None)
    }

    /// [`Mock::start`] over TLS, with the test certificate for
    /// `localhost` / `127.0.0.1` from `tests/fixtures/tls` (signed by its
    /// `ca.pem`).
    pub fn start_tls(replies: Vec<Reply>) -> Mock {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(dir.join("server.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
        let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        Self::serve(replies, None, Some(Arc::new(cfg)))
    }

    fn serve(
        replies: Vec<Reply>,
        always: Option<Reply>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(replies)));
        let reqs = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let reqs = reqs.clone();
                let script = script.clone();
                let always = always.clone();
                let tls = tls.clone();
                stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                thread::spawn(move || match tls {
                    None => serve(stream, port, reqs, script, always),
                    Some(cfg) => {
                        let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                            return;
                        };
                        let stream = rustls::StreamOwned::new(conn, stream);
                        serve(stream, port, reqs, script, always)
                    }
                });
            }
        });
        Mock { port, requests }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}/", self.port)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }

    /// The request bodies, as sent.
    pub fn bodies(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.body).collect()
    }
}

fn serve(
    stream: impl Read + Write,
    port: u16,
    reqs: Arc<Mutex<Vec<Req>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    always: Option<Reply>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    reqs.lock().unwrap().push(Req {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let mut reply = script.lock().unwrap().pop_front().or(always);
    if let Some(Reply::Delayed(ms, inner)) = reply {
        thread::sleep(Duration::from_millis(ms));
        reply = Some(*inner);
    }
    if let Some(Reply::Redirect(status, location)) = &reply {
        let location = location.replace("{port}", &port.to_string());
        let resp = format!(
            "HTTP/1.1 {status} X\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = reader.get_mut().write_all(resp.as_bytes());
        return;
    }
    let (status, ctype, body) = match reply {
        Some(Reply::Json(s, b)) => (s, "application/json; charset=utf-8", b),
        Some(Reply::Raw(s, c, b)) => (s, c, b),
        Some(Reply::Hang) => {
            thread::sleep(Duration::from_secs(10));
            return;
        }
        Some(Reply::Delayed(..)) | Some(Reply::Redirect(..)) => unreachable!(),
        None => (599, "text/plain", "no scripted reply".to_string()),
    };
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let stream = reader.get_mut();
    let _ = stream.write_all(resp.as_bytes());
    let _ = stream.flush();
}

/// What a tool run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn bin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tg-whoami"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Run `tool` with `args`, a clean environment (no TRUSTGRAPH_* or proxy
/// variables unless given in `env`), and `stdin` (none: /dev/null).
pub fn run_tool(tool: &str, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(bin_dir().join(tool));
    cmd.args(args);
    clean_env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("spawn tool");
    if let Some(input) = stdin {
        let mut s = child.stdin.take().unwrap();
        // The tool may exit before reading its input: not an error here.
        let _ = s.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Remove the variables that would change what a tool does: TRUSTGRAPH_*
/// and proxies (which would send loopback traffic elsewhere); and point the
/// config file nowhere (`TRUSTGRAPH_CONFIG=`), so that the machine's own
/// config and saved sessions never leak into a test.
pub fn clean_env(cmd: &mut Command) {
    cmd.env("TRUSTGRAPH_CONFIG", "");
    for v in [
        "TRUSTGRAPH_URL",
        "TRUSTGRAPH_TOKEN",
        "TRUSTGRAPH_WORKSPACE",
        "TRUSTGRAPH_PROFILE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(v);
    }
}

/// Sockets bound to `port` on 127.0.0.1 and ::1 without listening: while
/// they are held, a connection to `localhost:port` is refused for certain.
pub struct HeldPort(Vec<i32>);

impl Drop for HeldPort {
    fn drop(&mut self) {
        for fd in &self.0 {
            unsafe { libc::close(*fd) };
        }
    }
}

pub fn hold_port(port: u16) -> HeldPort {
    let mut fds = Vec::new();
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        let mut a: libc::sockaddr_in = std::mem::zeroed();
        a.sin_family = libc::AF_INET as libc::sa_family_t;
        a.sin_port = port.to_be();
        a.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        let r = libc::bind(
            fd,
            &a as *const _ as *const libc::sockaddr,
            std::mem::size_of_val(&a) as libc::socklen_t,
        );
        assert_eq!(
            r, 0,
            "port {port} is in use on 127.0.0.1; this test needs it free"
        );
        fds.push(fd);
        let fd6 = libc::socket(libc::AF_INET6, libc::SOCK_STREAM, 0);
        if fd6 >= 0 {
            let mut a: libc::sockaddr_in6 = std::mem::zeroed();
            a.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            a.sin6_port = port.to_be();
            a.sin6_addr.s6_addr = std::net::Ipv6Addr::LOCALHOST.octets();
            let r = libc::bind(
                fd6,
                &a as *const _ as *const libc::sockaddr,
                std::mem::size_of_val(&a) as libc::socklen_t,
            );
            let err = std::io::Error::last_os_error().raw_os_error();
            assert!(
                r == 0 || err == Some(libc::EADDRNOTAVAIL),
                "port {port} is in use on ::1; this test needs it free"
            );
            fds.push(fd6);
        }
    }
    HeldPort(fds)
}

/// A port with nothing listening on it.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One transcript of an upstream tool from the 2.11.1 fixtures.
pub struct Transcript {
    pub args: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// One raw HTTP exchange from the 2.11.1 fixtures.
pub struct Exchange {
    pub path: String,
    pub request_body: String,
    pub status: u16,
    pub response_body: String,
}

pub fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trustgraph-2.11.1")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn section<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text.find(start).unwrap() + start.len();
    let rest = &text[i..];
    let j = rest.find(end).unwrap();
    &rest[..j]
}

pub fn transcript(name: &str) -> Transcript {
    let text = fixture(name);
    let cmdline = text.lines().next().unwrap().trim_start_matches("$ ");
    let args = cmdline
        .split_whitespace()
        .skip_while(|w| !w.starts_with("tg-"))
        .skip(1)
        .map(str::to_string)
        .collect();
    let code = text
        .rsplit("--- exit code: ")
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    Transcript {
        args,
        stdout: section(&text, "--- stdout\n", "--- stderr").to_string(),
        stderr: section(&text, "--- stderr\n", "--- exit code").to_string(),
        code,
    }
}

pub fn exchange(name: &str) -> Exchange {
    let text = fixture(name);
    let path = text
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("POST ")
        .to_string();
    let request_body = text
        .lines()
        .find_map(|l| l.strip_prefix("request body: "))
        .unwrap()
        .to_string();
    let resp = text.split("--- response\n").nth(1).unwrap();
    let status = resp.split_whitespace().nth(1).unwrap().parse().unwrap();
    let response_body = resp.split("\n\n").nth(1).unwrap().trim_end().to_string();
    Exchange {
        path,
        request_body,
        status,
        response_body,
    }
}

/// tg-dev-gateway on 127.0.0.1:0 (fast hashing, the socket's test
/// service on), after `f` has adjusted its configuration.
pub fn dev_gateway(f: impl FnOnce(&mut tg_dev_gateway::Config)) -> tg_dev_gateway::Server {
    let mut c = tg_dev_gateway::Config::new(tg_dev_gateway::BootstrapMode::Bootstrap);
    c.iterations = tg_dev_gateway::crypto::FAST_ITERATIONS;
    c.test_service = true;
    f(&mut c);
    tg_dev_gateway::Server::spawn(c, "127.0.0.1:0").expect("gateway starts")
}

/// A JWT-shaped token whose claims say it expired at `exp` (its
/// signature is garbage: it must never get as far as a gateway).
pub fn fake_jwt(exp: i64) -> String {
    use base64::Engine;
    let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b(r#"{"alg":"EdDSA","kid":"0123456789abcdef","typ":"JWT"}"#),
        b(&format!(
            r#"{{"default_workspace":"default","exp":{exp},"iat":{},"iss":"trustgraph-iam","sub":"d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3"}}"#,
            exp - 3600
        )),
        b("not a signature at all, not at all")
    )
}
