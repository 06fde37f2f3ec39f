//! A minimal HTTP/1.1 client for loopback conformance tests, and gateway
//! fixtures.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;
use tg_dev_gateway::{crypto, BootstrapMode, Compat, Config, Server};

pub struct Resp {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Send one request and read the whole response (Connection: close).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    try_request(addr, method, path, headers, body).expect("a complete HTTP response")
}

/// [`request`], or `None` when the connection fails or the reply is cut.
pub fn try_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Resp> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let content_type = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Some(Resp {
        status,
        content_type,
        body,
    })
}

/// POST a JSON `body` to `path`, with `token` as the bearer credential.
pub fn post_json(addr: SocketAddr, path: &str, token: Option<&str>, body: &str) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        h.push(("Authorization", a.as_str()));
    }
    request(addr, "POST", path, &h, body.as_bytes())
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

pub struct Gw {
    pub server: Server,
}

impl Gw {
    pub fn start(compat: Compat) -> Gw {
        Self::with(|c| c.compat = compat)
    }

    pub fn with(f: impl FnOnce(&mut Config)) -> Gw {
        let mut c = Config::new(BootstrapMode::Bootstrap);
        c.iterations = crypto::FAST_ITERATIONS;
        f(&mut c);
        Gw {
            server: Server::spawn(c, "127.0.0.1:0").unwrap(),
        }
    }

    /// [`Gw::with`] on a state file that a gateway of this test process
    /// had open a moment ago. A child that a test beside this one is
    /// spawning holds a copy of every descriptor of the process until it
    /// execs, the state's lock among them: for that moment the state is
    /// in use, and the start is tried again (for at most 10 s).
    pub fn reopen(f: impl Fn(&mut Config)) -> Gw {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let mut c = Config::new(BootstrapMode::Bootstrap);
            c.iterations = crypto::FAST_ITERATIONS;
            f(&mut c);
            match Server::spawn(c, "127.0.0.1:0") {
                Ok(server) => return Gw { server },
                Err(e)
                    if e.downcast_ref::<tg_dev_gateway::store::StateInUse>()
                        .is_some()
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => panic!("{e:#}"),
            }
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> Resp {
        post_json(self.addr(), path, token, body)
    }

    pub fn iam(&self, token: Option<&str>, body: Value) -> Resp {
        self.post("/api/v1/iam", token, &body.to_string())
    }

    /// IAM call that must succeed: the reply object.
    pub fn ok(&self, token: &str, body: Value) -> Value {
        let r = self.iam(Some(token), body.clone());
        assert_eq!(r.status, 200, "{body}: {}", r.body);
        let v = r.json();
        assert!(v.get("error").is_none(), "{body}: {}", r.body);
        v
    }

    /// Bootstrap; the admin API key.
    pub fn bootstrap(&self) -> String {
        let r = self.post("/api/v1/auth/bootstrap", None, "{}");
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["bootstrap_admin_api_key"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Create a user in `ws` with `roles`; its id.
    pub fn user(&self, admin: &str, name: &str, ws: &str, roles: &[&str]) -> String {
        let v = self.ok(
            admin,
            serde_json::json!({"operation": "create-user", "workspace": ws, "user": {"username": name, "password": format!("pw-{name}"), "roles": roles}}),
        );
        v["user"]["id"].as_str().unwrap().to_string()
    }

    pub fn login(&self, name: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"username": name, "password": password}).to_string(),
        )
    }

    pub fn jwt(&self, name: &str) -> String {
        let r = self.login(name, &format!("pw-{name}"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["jwt"].as_str().unwrap().to_string()
    }
}

/// The binary, with no `IAM_BOOTSTRAP_*` from the test's environment.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tg-dev-gateway"));
    c.env_remove("IAM_BOOTSTRAP_MODE")
        .env_remove("IAM_BOOTSTRAP_TOKEN");
    c
}

/// The binary, started and ready.
pub struct Started {
    pub child: Child,
    /// From its ready line.
    pub addr: SocketAddr,
    /// The stderr lines up to the ready line, which is the last.
    pub lines: Vec<String>,
    /// The rest of stderr: the caller reads or drains it.
    pub stderr: BufReader<ChildStderr>,
}

/// Start `cmd` (the binary with its arguments; stdin and stdout null,
/// stderr piped here) and wait for its ready line. The caller owns the
/// child and waits on it.
#[allow(clippy::zombie_processes)]
pub fn start_binary(mut cmd: Command) -> Started {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    loop {
        let mut l = String::new();
        if stderr.read_line(&mut l).unwrap_or(0) == 0 {
            let status = child.wait();
            panic!("gateway exited ({status:?}): {lines:?}");
        }
        let l = l.trim_end().to_string();
        lines.push(l.clone());
        if let Some(a) = l.strip_prefix("listening on http://") {
            let addr = a.trim_end_matches('/').parse().unwrap();
            return Started {
                child,
                addr,
                lines,
                stderr,
            };
        }
    }
}
