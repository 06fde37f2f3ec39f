//! Test support, in one place:
//!
//! * [`Mock`]: the one scripted HTTP server (on 127.0.0.1:0, or another
//!   loopback address), which records every request and answers from a
//!   script: JSON, raw bytes, redirects, a hang, an endless body, an
//!   answer before the body is read, or whatever a handler decides;
//! * [`TestCommand`] ([`tg`]): one run of a built binary, as ripgrep's
//!   `TestCommand` does it: the binary, an environment with nothing of the
//!   machine's in it (no `TRUSTGRAPH_*` or proxy variables, no config file,
//!   `HOME` and the XDG directories somewhere that does not exist, the
//!   default gateway URL a port that refuses), then the gateway, token,
//!   arguments, variables and input the test adds;
//! * the 2.11.1 fixtures, tg-dev-gateway, and small helpers.
#![allow(dead_code)]

pub mod front;

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The admin API key the scripted servers are called with.
pub const ADMIN: &str = "tg_YoDr9vVuUBRXyfOg-xEMDNod1bHiXfCh";

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
#[derive(Clone)]
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
    /// These bytes as they are (a malformed reply), then the end of what
    /// the server writes.
    Bytes(Vec<u8>),
    /// A chunked 200 whose body never ends (the server gives up after
    /// 20 s or when the client goes away).
    Endless,
    /// Status and JSON body sent before the request body is read; the
    /// connection then closes as real servers do (a lingering close).
    BeforeBody(u16, String),
    /// The reply a function of the request makes.
    Handler(Arc<dyn Fn(&Req) -> Reply + Send + Sync>),
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Json(s, b) => write!(f, "Json({s}, {b:?})"),
            Reply::Raw(s, c, b) => write!(f, "Raw({s}, {c:?}, {b:?})"),
            Reply::Hang => f.write_str("Hang"),
            Reply::Delayed(ms, r) => write!(f, "Delayed({ms}, {r:?})"),
            Reply::Redirect(s, l) => write!(f, "Redirect({s}, {l:?})"),
            Reply::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Reply::Endless => f.write_str("Endless"),
            Reply::BeforeBody(s, b) => write!(f, "BeforeBody({s}, {b:?})"),
            Reply::Handler(_) => f.write_str("Handler"),
        }
    }
}

/// A reply made by `f` from each request.
pub fn handler(f: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Reply {
    Reply::Handler(Arc::new(f))
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
    ip: String,
    requests: Arc<Mutex<Vec<Req>>>,
    connections: Arc<AtomicUsize>,
}

impl Mock {
    /// Serve `replies` in order; requests past the script get a 599.
    pub fn start(replies: Vec<Reply>) -> Mock {
        Self::serve("127.0.0.1", replies, None, None)
    }

    /// Answer every request with `reply`.
    pub fn always(reply: Reply) -> Mock {
        Self::serve("127.0.0.1", vec![], Some(reply), None)
    }

    /// [`Mock::always`] on another loopback address (`127.0.0.2`).
    pub fn always_on(ip: &str, reply: Reply) -> Mock {
        Self::serve(ip, vec![], Some(reply), None)
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
        Self::serve("127.0.0.1", replies, None, Some(Arc::new(cfg)))
    }

    fn serve(
        ip: &str,
        replies: Vec<Reply>,
        always: Option<Reply>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Mock {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(Mutex::new(VecDeque::from(replies)));
        let reqs = requests.clone();
        let conns = connections.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                conns.fetch_add(1, Ordering::SeqCst);
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
        Mock {
            port,
            ip: ip.to_string(),
            requests,
            connections,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}:{}/", self.ip, self.port)
    }

    pub fn https_url(&self) -> String {
        format!("https://{}:{}/", self.ip, self.port)
    }

    /// How many connections were made to it.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }

    /// Wait until `n` requests have reached it (a test fails after 10 s
    /// without them, saying `what`): for a test that acts while the tool
    /// waits for its reply.
    pub fn wait_for_requests(&self, n: usize, what: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.requests.lock().unwrap().len() < n {
            assert!(std::time::Instant::now() < deadline, "{what}");
            thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// The request bodies, as sent.
    pub fn bodies(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.body).collect()
    }
}

/// A stream whose writing side can be closed while it is still read.
trait HalfClose: Read + Write {
    fn half_close(&mut self);
}

impl HalfClose for std::net::TcpStream {
    fn half_close(&mut self) {
        let _ = self.shutdown(std::net::Shutdown::Write);
    }
}

impl HalfClose for rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream> {
    fn half_close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
    }
}

fn serve(
    stream: impl HalfClose,
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
    let mut reply = script.lock().unwrap().pop_front().or(always);
    if let Some(Reply::BeforeBody(status, body)) = reply {
        reqs.lock().unwrap().push(Req {
            method,
            target,
            headers,
            body: String::new(),
        });
        let resp = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let s = reader.get_mut();
        let _ = s.write_all(resp.as_bytes());
        let _ = s.flush();
        // The body is unread. Close as real servers do (a lingering close:
        // stop writing, drain what the client still sends), so that the
        // answer is not destroyed by a reset racing the client's upload
        // (the kernel discards unread replies on a reset).
        s.half_close();
        let _ = std::io::copy(&mut reader.take(64 << 20), &mut std::io::sink());
        return;
    }
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let req = Req {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    if let Some(Reply::Handler(f)) = reply {
        reply = Some(f(&req));
    }
    reqs.lock().unwrap().push(req);
    if let Some(Reply::Delayed(ms, inner)) = reply {
        thread::sleep(Duration::from_millis(ms));
        reply = Some(*inner);
    }
    let stream = reader.get_mut();
    let (status, ctype, body) = match reply {
        Some(Reply::Redirect(status, location)) => {
            let location = location.replace("{port}", &port.to_string());
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            return;
        }
        Some(Reply::Bytes(b)) => {
            let _ = stream.write_all(&b);
            let _ = stream.flush();
            // The client sees the end (of a reply shorter than it says).
            stream.half_close();
            thread::sleep(Duration::from_millis(200));
            return;
        }
        Some(Reply::Endless) => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            let chunk = format!("10000\r\n{}\r\n", "A".repeat(0x10000));
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if stream.write_all(chunk.as_bytes()).is_err() {
                    break;
                }
            }
            return;
        }
        Some(Reply::Json(s, b)) => (s, "application/json; charset=utf-8", b),
        Some(Reply::Raw(s, c, b)) => (s, c, b),
        Some(Reply::Hang) => {
            thread::sleep(Duration::from_secs(10));
            return;
        }
        Some(Reply::Delayed(..) | Reply::Handler(_) | Reply::BeforeBody(..)) => {
            panic!("a handler's reply is delayed, made by another handler, or sent before the body")
        }
        None => (599, "text/plain", "no scripted reply".to_string()),
    };
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
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

/// A `HOME` (and XDG base directories under it) that does not exist:
/// nothing of the machine's is read there, and nothing can be written.
pub fn no_home() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such-home")
}

/// The variables that would change what a tool does: TRUSTGRAPH_* and
/// proxies (which would send loopback traffic elsewhere).
const MACHINE_VARS: &[&str] = &[
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
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
    // anstream colours a terminal under CI=true whatever TERM says.
    "CI",
    "TG_IAM_TEST_NOW",
];

/// Give `cmd` an environment with nothing of the machine's in it: no
/// TRUSTGRAPH_* or proxy variables, no config file (`TRUSTGRAPH_CONFIG=`),
/// `HOME` and the XDG directories under [`no_home`], and a default
/// gateway URL that refuses connections ([`refused_url`]), so that no
/// test depends on what listens on port 8888 of the machine.
pub fn clean_env(cmd: &mut Command) {
    for v in MACHINE_VARS {
        cmd.env_remove(v);
    }
    let home = no_home();
    cmd.env("TRUSTGRAPH_CONFIG", "")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("TG_IAM_TEST_DEFAULT_URL", refused_url());
}

/// One run of a built binary, set up step by step (ripgrep's
/// `TestCommand`): [`tg`] makes one with [`clean_env`]; the test adds
/// the gateway and token ([`TestCommand::gateway`]), arguments, variables
/// and input, and runs it.
pub struct TestCommand {
    cmd: Command,
    stdin: Option<Input>,
    /// Whether the test sent stdout / stderr elsewhere than a pipe.
    redirected: (bool, bool),
}

/// What a run reads on stdin.
enum Input {
    /// These bytes, then the end.
    Bytes(Vec<u8>),
    /// A file or another stream.
    From(Stdio),
}

/// `name`, a binary of this package (`tg-whoami`, `tg-iam`), in a clean
/// environment.
pub fn tg(name: &str) -> TestCommand {
    program(bin_dir().join(name))
}

/// The program at `path` (a link to `tg-iam`, say), in a clean
/// environment; `argv[0]` is `path` as given.
pub fn program(path: impl AsRef<OsStr>) -> TestCommand {
    let mut cmd = Command::new(path);
    clean_env(&mut cmd);
    TestCommand {
        cmd,
        stdin: None,
        redirected: (false, false),
    }
}

impl TestCommand {
    /// `-u URL -t ADMIN`: the scripted server, called as the admin.
    pub fn gateway(self, mock: &Mock) -> TestCommand {
        self.url(&mock.url()).token(ADMIN)
    }

    /// `-u URL`.
    pub fn url(self, url: &str) -> TestCommand {
        self.args(["-u", url])
    }

    /// `-t TOKEN`.
    pub fn token(self, token: &str) -> TestCommand {
        self.args(["-t", token])
    }

    pub fn arg(mut self, a: impl AsRef<OsStr>) -> TestCommand {
        self.cmd.arg(a);
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, a: impl IntoIterator<Item = S>) -> TestCommand {
        self.cmd.args(a);
        self
    }

    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> TestCommand {
        self.cmd.env(k, v);
        self
    }

    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> TestCommand {
        self.cmd.envs(vars);
        self
    }

    pub fn env_remove(mut self, k: impl AsRef<OsStr>) -> TestCommand {
        self.cmd.env_remove(k);
        self
    }

    pub fn current_dir(mut self, d: impl AsRef<Path>) -> TestCommand {
        self.cmd.current_dir(d);
        self
    }

    /// What the tool reads on stdin (else `/dev/null`).
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> TestCommand {
        self.stdin = Some(Input::Bytes(input.as_ref().to_vec()));
        self
    }

    /// [`TestCommand::stdin`] when `input` is some, else `/dev/null`.
    pub fn maybe_stdin(self, input: Option<impl AsRef<[u8]>>) -> TestCommand {
        match input {
            Some(i) => self.stdin(i),
            None => self,
        }
    }

    /// Stdin from a file or another stream (`/dev/zero`).
    pub fn stdin_from(mut self, input: impl Into<Stdio>) -> TestCommand {
        self.stdin = Some(Input::From(input.into()));
        self
    }

    /// Where stdout goes (else a pipe the run reads).
    pub fn stdout(mut self, out: impl Into<Stdio>) -> TestCommand {
        self.cmd.stdout(out);
        self.redirected.0 = true;
        self
    }

    /// Where stderr goes (else a pipe the run reads).
    pub fn stderr(mut self, err: impl Into<Stdio>) -> TestCommand {
        self.cmd.stderr(err);
        self.redirected.1 = true;
        self
    }

    /// The command itself, for what this builder does not cover.
    pub fn command(&mut self) -> &mut Command {
        &mut self.cmd
    }

    /// Start it: stdout and stderr piped unless redirected, stdin written
    /// (from a thread: the tool may exit before reading it) and closed.
    pub fn spawn(mut self) -> std::process::Child {
        if !self.redirected.0 {
            self.cmd.stdout(Stdio::piped());
        }
        if !self.redirected.1 {
            self.cmd.stderr(Stdio::piped());
        }
        let input = match self.stdin.take() {
            None => {
                self.cmd.stdin(Stdio::null());
                None
            }
            Some(Input::From(s)) => {
                self.cmd.stdin(s);
                None
            }
            Some(Input::Bytes(b)) => {
                self.cmd.stdin(Stdio::piped());
                Some(b)
            }
        };
        let mut child = self.cmd.spawn().expect("spawn the tool");
        if let Some(input) = input {
            let mut s = child.stdin.take().unwrap();
            thread::spawn(move || {
                let _ = s.write_all(&input);
            });
        }
        child
    }

    /// Run it to the end: exit status, stdout and stderr as bytes.
    pub fn output(self) -> Output {
        self.spawn().wait_with_output().unwrap()
    }

    /// Run it to the end: exit code, stdout and stderr as text.
    pub fn run(self) -> Run {
        let out = self.output();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run it on a pseudo-terminal (`script(1)`) with `input` typed in:
    /// the exit code and everything the terminal showed. The terminal is
    /// an `xterm` unless the test set `TERM`.
    pub fn on_tty(self, input: &str) -> (i32, String) {
        let program = self.cmd.get_program().to_os_string();
        let quoted: Vec<String> = std::iter::once(program.as_os_str())
            .chain(self.cmd.get_args())
            .map(|a| format!("'{}'", a.to_string_lossy().replace('\'', "'\\''")))
            .collect();
        let mut script = Command::new("script");
        let mut term = false;
        for (k, v) in self.cmd.get_envs() {
            match v {
                Some(v) => {
                    term |= k == "TERM";
                    script.env(k, v)
                }
                None => script.env_remove(k),
            };
        }
        if !term {
            script.env("TERM", "xterm");
        }
        // Nothing to type: no input at all (script(1) ends the session at
        // the end of its input).
        let stdin = match input {
            "" => Stdio::null(),
            _ => Stdio::piped(),
        };
        let mut child = script
            .args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script(1) from util-linux is needed for the terminal tests");
        if let Some(mut s) = child.stdin.take() {
            s.write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).replace('\r', ""),
        )
    }
}

/// Sockets bound to a port on 127.0.0.1 and ::1 without listening: while
/// they are held, a connection to `localhost:PORT` is refused for certain.
pub struct HeldPort {
    pub port: u16,
    fds: Vec<i32>,
}

impl Drop for HeldPort {
    fn drop(&mut self) {
        for fd in &self.fds {
            unsafe { libc::close(*fd) };
        }
    }
}

/// Hold `port` on 127.0.0.1 and ::1 (where the machine has IPv6); `None`
/// when something else has it on either.
fn try_hold_port(port: u16) -> Option<HeldPort> {
    let mut held = HeldPort {
        port,
        fds: Vec::new(),
    };
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        held.fds.push(fd);
        let mut a: libc::sockaddr_in = std::mem::zeroed();
        a.sin_family = libc::AF_INET as libc::sa_family_t;
        a.sin_port = port.to_be();
        a.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        let r = libc::bind(
            fd,
            &a as *const _ as *const libc::sockaddr,
            std::mem::size_of_val(&a) as libc::socklen_t,
        );
        if r != 0 {
            return None;
        }
        let fd6 = libc::socket(libc::AF_INET6, libc::SOCK_STREAM, 0);
        if fd6 >= 0 {
            held.fds.push(fd6);
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
            if r != 0 && err != Some(libc::EADDRNOTAVAIL) {
                return None;
            }
        }
    }
    Some(held)
}

/// A port that refuses connections on `localhost` for as long as the
/// returned hold lives: one the system gave out, held on both loopback
/// addresses without listening.
pub fn hold_free_port() -> HeldPort {
    loop {
        if let Some(h) = try_hold_port(closed_port()) {
            return h;
        }
    }
}

/// `http://localhost:PORT/` on a port held for the whole test run: what
/// the tools use as their default URL in tests (`TG_IAM_TEST_DEFAULT_URL`,
/// set by [`clean_env`]).
pub fn refused_url() -> String {
    static HELD: OnceLock<HeldPort> = OnceLock::new();
    let port = HELD.get_or_init(hold_free_port).port;
    format!("http://localhost:{port}/")
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

/// Bootstrap the gateway at `url` with tg-bootstrap-iam: the first
/// admin's API key.
pub fn bootstrap(url: &str) -> String {
    let r = tg("tg-bootstrap-iam").url(url).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.trim().to_string()
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
