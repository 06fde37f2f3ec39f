//! tg-auth-status, run as a binary against tg-dev-gateway on 127.0.0.1:0
//! (and scripted servers for the failures a real gateway does not give):
//! each credential source (flag, environment, token file, the profile's
//! token file, a saved session, none), each failure (401, 403, unreachable,
//! expired before sending, a socket that fails where HTTP works), `-o json`,
//! `--offline`, `--show-token`, and `https`/`wss` with a private CA. In
//! every case the token is never on stderr.

mod common;
use common::front::{Connect, Front};
use common::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

const TOOL: &str = "tg-auth-status";
const CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/ca.pem");
const WHOAMI: &str = r#"{"user": {"id": "u1", "username": "alice", "name": "Alice", "email": "", "roles": ["reader"], "enabled": true, "must_change_password": false, "default_workspace": "default", "created": "2026-11-22T07:00:27.113000+00:00"}}"#;

/// Round-trip times vary: `(0.4 ms)` becomes `(N ms)`.
fn norm(s: &str) -> String {
    regex_lite::Regex::new(r"\(\d+(\.\d+)? ms\)")
        .unwrap()
        .replace_all(s, "(N ms)")
        .into_owned()
}

/// The run, with the token nowhere on stderr (nor any long piece of it).
fn status(t: TestCommand, token: &str) -> Run {
    let r = t.run();
    no_secret(&r.stderr, token);
    r
}

fn no_secret(text: &str, token: &str) {
    if token.len() >= 12 {
        // The whole token, and its second half (a JWT's claims and
        // signature, an API key past its 7-character prefix).
        assert!(!text.contains(token), "the token leaked:\n{text}");
        assert!(
            !text.contains(&token[token.len() / 2..]),
            "part of the token leaked:\n{text}"
        );
    }
}

/// A gateway with the admin (its API key) and alice, a writer in
/// workspace `research` (her JWT).
struct Gw {
    gw: tg_dev_gateway::Server,
    admin: String,
    alice: String,
    alice_id: String,
}

impl Gw {
    fn url(&self) -> String {
        self.gw.url()
    }
}

fn gateway() -> Gw {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let r = tg("tg-bootstrap-iam").url(&url).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let admin = r.stdout.trim().to_string();
    let r = tg("tg-create-workspace")
        .url(&url)
        .token(&admin)
        .args(["--workspace-id", "research"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = tg("tg-create-user")
        .url(&url)
        .token(&admin)
        .args([
            "-w",
            "research",
            "--username",
            "alice",
            "--roles",
            "writer",
            "--password-stdin",
        ])
        .stdin("alice-Passw0rd\n")
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let alice_id = r.stdout.trim().to_string();
    let r = tg("tg-login")
        .url(&url)
        .args(["--username", "alice", "--password-stdin"])
        .stdin("alice-Passw0rd\n")
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    Gw {
        gw,
        admin,
        alice: r.stdout.trim().to_string(),
        alice_id,
    }
}

fn report(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", r.stdout))
}

/// A private config directory (`TRUSTGRAPH_CONFIG` points into it).
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("tg-auth-status-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    }
    fn config(&self) -> String {
        self.0.join("config.toml").display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn an_api_key_from_the_flag_works_on_both_paths() {
    let g = gateway();
    let url = g.url();
    let r = status(tg(TOOL).url(&url).token(&g.admin), &g.admin);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(
        norm(&r.stderr),
        format!(
            "gateway      {url} (from -u/--api-url)\n\
             profile      default\n\
             credential   flag (-t/--token)\n\
             kind         API key (prefix {})\n\
             HTTP whoami  ok: user admin (N ms)\n\
             socket       ok: workspace default (N ms)\n",
            &g.admin[..7]
        )
    );
}

#[test]
fn a_jwt_from_the_environment_shows_its_claims_as_json() {
    let g = gateway();
    let url = g.url();
    let r = status(
        tg(TOOL)
            .args(["-o", "json"])
            .env("TRUSTGRAPH_URL", &url)
            .env("TRUSTGRAPH_TOKEN", &g.alice),
        &g.alice,
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    no_secret(&r.stdout, &g.alice);
    let v = report(&r);
    assert_eq!(v["gateway"]["url"], url.as_str());
    assert_eq!(v["gateway"]["source"], "from TRUSTGRAPH_URL");
    assert_eq!(v["profile"], "default");
    let c = &v["credential"];
    assert_eq!(c["source"], "environment");
    assert_eq!(c["description"], "the token from TRUSTGRAPH_TOKEN");
    assert_eq!(c["kind"], "jwt");
    let j = &c["jwt"];
    assert_eq!(j["subject"], g.alice_id.as_str());
    assert_eq!(j["workspace"], "research");
    assert_eq!(j["issuer"], "trustgraph-iam");
    assert_eq!(j["key_id"].as_str().unwrap().len(), 16);
    assert_eq!(j["expired"], false);
    let left = j["expires_in_seconds"].as_i64().unwrap();
    assert!((3500..=3600).contains(&left), "{left}");
    let claims = tg_iam::jwt::inspect(&g.alice).unwrap();
    let fmt = |t: Option<i64>| tg_iam::time::format_utc(t.unwrap());
    assert_eq!(j["issued_at"], fmt(claims.issued_at).as_str());
    assert_eq!(j["expires_at"], fmt(claims.expires_at).as_str());
    assert_eq!(claims.expires_at.unwrap() - claims.issued_at.unwrap(), 3600);
    let http = &v["checks"]["http"];
    assert_eq!(
        (http["result"].as_str(), http["ok"].as_bool()),
        (Some("ok"), Some(true))
    );
    assert_eq!(http["said"]["username"], "alice");
    assert!(http["round_trip_ms"].as_f64().is_some());
    let socket = &v["checks"]["socket"];
    assert_eq!(socket["result"], "ok");
    assert_eq!(socket["said"]["workspace"], "research");
    assert!(socket["round_trip_ms"].as_f64().is_some());
    assert!(socket["connect_ms"].as_f64().is_some());
    assert!(v.get("token").is_none(), "no token without --show-token");

    // The table, for the same JWT: its claims and when it expires.
    let r = status(
        tg(TOOL).url(&url).env("TRUSTGRAPH_TOKEN", &g.alice),
        &g.alice,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = norm(&r.stderr);
    assert!(
        t.contains("credential   environment (TRUSTGRAPH_TOKEN)\n"),
        "{t}"
    );
    assert!(t.contains("kind         JWT\n"), "{t}");
    assert!(t.contains(&format!("subject      {}\n", g.alice_id)), "{t}");
    assert!(t.contains("workspace    research\n"), "{t}");
    // One row: when, and how long from now (once: not "expires in   in 1 h").
    let expires = line_of(&t, "expires      ");
    assert!(
        expires.ends_with(" (in 59 min)") || expires.ends_with(" (in 1 h)"),
        "{t}"
    );
    assert!(!t.contains("expires in"), "{t}");
    assert!(t.contains("HTTP whoami  ok: user alice (N ms)\n"), "{t}");
    assert!(
        t.contains("socket       ok: workspace research (N ms)\n"),
        "{t}"
    );
}

#[test]
fn token_files_and_saved_sessions_are_named_as_the_source() {
    let g = gateway();
    let url = g.url();
    let d = Dir::new("sources");
    let cfg = d.config();
    let env = [("TRUSTGRAPH_CONFIG", cfg.as_str())];

    // --token-file
    let file = d.write("admin.token", &format!("{}\n", g.admin));
    let f = file.display().to_string();
    let r = status(
        tg(TOOL)
            .url(&url)
            .args(["--token-file", &f])
            .envs(env.iter().copied()),
        &g.admin,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("credential   token file (--token-file {f})\n")),
        "{}",
        r.stderr
    );
    let r = status(
        tg(TOOL)
            .url(&url)
            .args(["--token-file", &f, "-o", "json"])
            .envs(env.iter().copied()),
        &g.admin,
    );
    let v = report(&r);
    assert_eq!(v["credential"]["source"], "token-file");
    assert_eq!(v["credential"]["file"], f.as_str());

    // The profile's token_file.
    d.write(
        "config.toml",
        &format!("[profiles.default]\nurl = \"{url}\"\ntoken_file = \"admin.token\"\n"),
    );
    let r = status(tg(TOOL).envs(env.iter().copied()), &g.admin);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "credential   token file (profile default's token_file {f})\n"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("gateway      {url} (from profile default)\n")),
        "{}",
        r.stderr
    );

    // A session saved by tg-login --save.
    d.write(
        "config.toml",
        &format!("[profiles.default]\nurl = \"{url}\"\n"),
    );
    let l = tg("tg-login")
        .args(["--save", "--username", "alice", "--password-stdin"])
        .envs(env.iter().copied())
        .stdin("alice-Passw0rd\n")
        .run();
    assert_eq!(l.code, 0, "{}", l.stderr);
    let saved = std::fs::read_to_string(d.0.join("credentials.toml")).unwrap();
    let jwt = saved
        .lines()
        .find_map(|l| l.strip_prefix("jwt = \""))
        .map(|l| l.trim_end_matches('"').to_string())
        .unwrap();
    let r = status(tg(TOOL).envs(env.iter().copied()), &jwt);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = norm(&r.stderr);
    assert!(
        t.contains("credential   saved profile session (profile default)\n"),
        "{t}"
    );
    assert!(t.contains("kind         JWT\n"), "{t}");
    assert!(t.contains("HTTP whoami  ok: user alice (N ms)\n"), "{t}");
    let r = status(
        tg(TOOL).args(["-o", "json"]).envs(env.iter().copied()),
        &jwt,
    );
    assert_eq!(report(&r)["credential"]["source"], "saved-session");

    // The flag wins over all of them, and says so.
    let r = status(
        tg(TOOL)
            .token(&g.admin)
            .args(["-o", "json"])
            .envs(env.iter().copied()),
        &g.admin,
    );
    assert_eq!(report(&r)["credential"]["source"], "flag");
}

#[test]
fn no_credential_is_refused_on_both_paths() {
    let g = gateway();
    let url = g.url();
    let r = status(tg(TOOL).url(&url), "");
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout, "");
    assert_eq!(
        norm(&r.stderr),
        format!(
            "gateway      {url} (from -u/--api-url)\n\
             profile      default\n\
             credential   none\n\
             HTTP whoami  refused (HTTP 401: auth failure) (N ms)\n\
             socket       refused (auth-failed: auth failure) (N ms)\n\
             tg-auth-status: error: the credential does not work over HTTP: authentication failed (HTTP 401: auth failure) using no token (none given with -t/--token, --token-file, TRUSTGRAPH_TOKEN, the profile or a saved session)\n\
             hint: pass -t/--token or set TRUSTGRAPH_TOKEN to an API key or to a JWT from tg-login\n"
        )
    );
    let r = status(tg(TOOL).url(&url).args(["-o", "json"]), "");
    assert_eq!(r.code, 3);
    let v = report(&r);
    assert_eq!(v["credential"]["source"], "none");
    assert!(v["credential"].get("kind").is_none());
    assert_eq!(v["checks"]["http"]["result"], "refused");
    assert_eq!(v["checks"]["http"]["status"], 401);
    assert_eq!(v["checks"]["http"]["exit_code"], 3);
    assert_eq!(v["checks"]["socket"]["result"], "refused");
}

#[test]
fn an_unknown_api_key_gets_401_and_auth_failed() {
    let g = gateway();
    let url = g.url();
    let bad = "tg_ThisKeyDoesNotExistAnywhere0000";
    let r = status(tg(TOOL).url(&url).env("TRUSTGRAPH_TOKEN", bad), bad);
    assert_eq!(r.code, 3);
    let t = norm(&r.stderr);
    assert!(
        t.contains("HTTP whoami  refused (HTTP 401: auth failure) (N ms)\n"),
        "{t}"
    );
    assert!(
        t.contains("socket       refused (auth-failed: auth failure) (N ms)\n"),
        "{t}"
    );
    assert!(
        t.contains("tg-auth-status: error: the credential does not work over HTTP: authentication failed (HTTP 401: auth failure) using the token from TRUSTGRAPH_TOKEN\n"),
        "{t}"
    );
}

#[test]
fn a_403_is_refused_with_exit_4() {
    let m = Mock::always(json(403, r#"{"error": "access denied"}"#));
    let key = "tg_SomeKeyThatIsNotAllowedHere00000";
    let r = status(tg(TOOL).url(&m.url()).token(key), key);
    assert_eq!(r.code, 4, "{}", r.stderr);
    let t = norm(&r.stderr);
    assert!(
        t.contains("HTTP whoami  refused (HTTP 403: access denied) (N ms)\n"),
        "{t}"
    );
    assert!(t.contains("socket       refused (HTTP 403: "), "{t}");
    // The socket's upgrade carried no credential; whoami did.
    let reqs = m.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Bearer {key}").as_str())
    );
    assert_eq!(reqs[1].method, "GET");
    assert_eq!(reqs[1].target, "/api/v1/socket");
    assert_eq!(reqs[1].header("authorization"), None);
}

#[test]
fn an_unreachable_gateway_exits_5() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let key = "tg_AKeyForAGatewayThatIsNotThere000";
    let r = status(tg(TOOL).url(&url).token(key), key);
    assert_eq!(r.code, 5);
    let t = norm(&r.stderr);
    assert!(
        t.contains(&format!(
            "HTTP whoami  unreachable: cannot connect to {url}: connection refused (N ms)\n"
        )),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "socket       unreachable: cannot connect to {url}: connection refused\n"
        )),
        "{t}"
    );
    assert!(t.ends_with(&format!(
        "tg-auth-status: error: the credential does not work over HTTP: cannot connect to {url}: connection refused\n"
    )));
    let r = status(tg(TOOL).url(&url).token(key).args(["-o", "json"]), key);
    assert_eq!(report(&r)["checks"]["socket"]["result"], "unreachable");
    assert_eq!(report(&r)["checks"]["socket"]["exit_code"], 5);
}

#[test]
fn an_expired_jwt_is_reported_and_never_sent() {
    let m = Mock::always(json(200, WHOAMI));
    let url = m.url();
    let expired = fake_jwt(tg_iam::time::now() - 600);
    let r = status(tg(TOOL).url(&url).token(&expired), &expired);
    assert_eq!(r.code, 3);
    assert!(m.requests().is_empty(), "nothing sent");
    let t = norm(&r.stderr);
    assert!(t.contains("kind         JWT\n"), "{t}");
    assert!(
        t.contains("subject      d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3\n"),
        "{t}"
    );
    assert!(t.contains("key id       0123456789abcdef\n"), "{t}");
    assert!(
        line_of(&t, "expires      ").ends_with(" (expired 10 min ago)"),
        "{t}"
    );
    assert!(
        t.contains("HTTP whoami  expired before sending: not sent\n"),
        "{t}"
    );
    assert!(
        t.contains("socket       expired before sending: not sent\n"),
        "{t}"
    );
    assert!(
        t.contains(
            "tg-auth-status: error: the token given with -t/--token is a JWT that expired at "
        ),
        "{t}"
    );
    let r = status(
        tg(TOOL).url(&url).token(&expired).args(["-o", "json"]),
        &expired,
    );
    assert_eq!(r.code, 3);
    let v = report(&r);
    assert_eq!(v["credential"]["jwt"]["expired"], true);
    assert_eq!(v["checks"]["http"]["result"], "expired");
    assert_eq!(v["checks"]["socket"]["result"], "expired");
    // --offline: still exit 3, still nothing sent.
    let r = status(
        tg(TOOL).url(&url).token(&expired).args(["--offline"]),
        &expired,
    );
    assert_eq!(r.code, 3);
    assert!(m.requests().is_empty());

    // An expired saved session is reported the same way (other tools
    // refuse to start with it).
    let d = Dir::new("expired");
    let cfg = d.config();
    d.write(
        "credentials.toml",
        &format!("[sessions.default]\njwt = \"{expired}\"\nexpires = \"\"\nurl = \"{url}\"\n"),
    );
    let r = status(tg(TOOL).url(&url).env("TRUSTGRAPH_CONFIG", &cfg), &expired);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .contains("credential   saved profile session (profile default)\n"),
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .contains("HTTP whoami  expired before sending: not sent\n"));
    assert!(m.requests().is_empty());
    // The same hint as the other tools give for it (tg-whoami's), not the
    // export TRUSTGRAPH_TOKEN=... one for a token from the environment.
    let hint = "hint: log in again: tg-login --save --profile default --username NAME\n";
    assert!(r.stderr.ends_with(hint), "{}", r.stderr);
    let w = common::tg("tg-whoami")
        .url(&url)
        .env("TRUSTGRAPH_CONFIG", &cfg)
        .run();
    assert_eq!(w.code, 3, "{}", w.stderr);
    assert!(w.stderr.ends_with(hint), "{}", w.stderr);
    assert!(m.requests().is_empty());
}

/// The line of `text` that starts with `prefix`.
fn line_of<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{text}"))
}

#[test]
fn http_working_and_the_socket_failing_exits_with_the_socket_failure() {
    // whoami answers; the socket's upgrade gets a 404 (no socket there).
    let m = Mock::start(vec![
        json(200, WHOAMI),
        json(404, r#"{"error": "not found"}"#),
    ]);
    let url = m.url();
    let key = "tg_AKeyForAGatewayWithoutSocket0000";
    let r = status(tg(TOOL).url(&url).token(key), key);
    assert_eq!(r.code, 6, "{}", r.stderr);
    let t = norm(&r.stderr);
    assert!(t.contains("HTTP whoami  ok: user alice (N ms)\n"), "{t}");
    assert!(
        t.contains(&format!(
            "socket       unexpected response: the gateway refused the WebSocket upgrade at ws://127.0.0.1:{}/api/v1/socket (HTTP 404: ",
            m.port
        )),
        "{t}"
    );
    assert!(
        t.contains("tg-auth-status: error: the credential does not work over the socket: "),
        "{t}"
    );
}

#[test]
fn offline_sends_nothing_and_show_token_prints_it_on_stdout_only() {
    let m = Mock::always(json(200, WHOAMI));
    let url = m.url();
    let key = "tg_OfflineKeyShownOnlyOnStdout00000";
    let r = status(tg(TOOL).url(&url).token(key).args(["--offline"]), key);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert!(m.requests().is_empty());
    let t = norm(&r.stderr);
    assert!(t.contains("HTTP whoami  skipped (--offline)\n"), "{t}");
    assert!(t.contains("socket       skipped (--offline)\n"), "{t}");

    let r = status(
        tg(TOOL)
            .url(&url)
            .token(key)
            .args(["--offline", "--show-token"]),
        key,
    );
    assert_eq!((r.code, r.stdout.clone()), (0, format!("{key}\n")));
    let r = status(
        tg(TOOL)
            .url(&url)
            .token(key)
            .args(["--offline", "--show-token", "-o", "json"]),
        key,
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let v = report(&r);
    assert_eq!(v["token"], key);
    assert_eq!(v["checks"]["http"]["result"], "skipped");
    assert!(m.requests().is_empty());

    // Even when the checks fail, --show-token keeps the token on stdout.
    let bad = format!("http://127.0.0.1:{}/", closed_port());
    let r = status(tg(TOOL).url(&bad).token(key).args(["--show-token"]), key);
    assert_eq!((r.code, r.stdout.clone()), (5, format!("{key}\n")));
}

#[test]
fn https_and_wss_with_a_private_ca() {
    let g = gateway();
    let front = Front::tls(g.gw.addr);
    let url = format!("https://localhost:{}/", front.port);
    let r = status(
        tg(TOOL).url(&url).token(&g.admin).args(["--ca-cert", CA]),
        &g.admin,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = norm(&r.stderr);
    assert!(t.contains("HTTP whoami  ok: user admin (N ms)\n"), "{t}");
    assert!(
        t.contains("socket       ok: workspace default (N ms)\n"),
        "{t}"
    );
    // Without the CA, both paths fail the same way: exit 5.
    let r = status(tg(TOOL).url(&url).token(&g.admin), &g.admin);
    assert_eq!(r.code, 5);
    let t = norm(&r.stderr);
    assert!(
        t.contains(&format!(
            "HTTP whoami  unreachable: TLS failure talking to {url}: "
        )),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "socket       unreachable: TLS failure talking to {url}: "
        )),
        "{t}"
    );
}

#[test]
fn both_paths_go_through_the_proxy_the_http_client_would_use() {
    let g = gateway();
    // A host that is not loopback (so it is proxied); the proxy sends
    // everything to the gateway, and nothing resolves the name here.
    let url = "http://gateway.invalid:8088/";
    let proxy = Front::proxy(g.gw.addr, Connect::Tunnel);
    let via = format!("http://127.0.0.1:{}", proxy.port);
    let r = status(
        tg(TOOL).url(url).token(&g.admin).env("HTTP_PROXY", &via),
        &g.admin,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = norm(&r.stderr);
    assert!(t.contains("HTTP whoami  ok: user admin (N ms)\n"), "{t}");
    assert!(
        t.contains("socket       ok: workspace default (N ms)\n"),
        "{t}"
    );
    let heads = proxy.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(
        heads[0].starts_with("POST http://gateway.invalid:8088/api/v1/iam HTTP/1.1\r\n"),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].starts_with("CONNECT gateway.invalid:8088 HTTP/1.1\r\n"),
        "{}",
        heads[1]
    );
    // The tunnel request carries no credential of the gateway's.
    assert!(!heads[1]
        .to_ascii_lowercase()
        .contains("authorization: bearer"));

    // NO_PROXY applies to the socket too.
    let r = status(
        tg(TOOL)
            .url(url)
            .token(&g.admin)
            .env("HTTP_PROXY", &via)
            .env("NO_PROXY", ".invalid"),
        &g.admin,
    );
    assert_eq!(r.code, 5, "direct: the name does not resolve");
    assert_eq!(proxy.heads().len(), 2, "nothing more through the proxy");

    // A proxy that refuses CONNECT: the socket fails naming it (exit 5),
    // while HTTP works.
    let refusing = Front::proxy(g.gw.addr, Connect::Refuse);
    let via = format!("http://127.0.0.1:{}", refusing.port);
    let r = status(
        tg(TOOL).url(url).token(&g.admin).env("HTTP_PROXY", &via),
        &g.admin,
    );
    assert_eq!(r.code, 5, "{}", r.stderr);
    let t = norm(&r.stderr);
    assert!(t.contains("HTTP whoami  ok: user admin (N ms)\n"), "{t}");
    assert!(
        t.contains(&format!(
            "socket       unreachable: cannot connect to proxy {via}/ (from HTTP_PROXY) for {url}: the proxy answered HTTP 403 to CONNECT gateway.invalid:8088\n"
        )),
        "{t}"
    );
}

#[test]
fn the_verbose_trace_shows_both_paths_without_the_token() {
    let g = gateway();
    let url = g.url();
    for token in [&g.admin, &g.alice] {
        let r = status(tg(TOOL).url(&url).token(token).args(["-v"]), token);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let t = &r.stderr;
        assert!(t.contains(&format!("> POST {url}api/v1/iam\n")), "{t}");
        assert!(t.contains("> Authorization: Bearer ***\n"), "{t}");
        assert!(
            t.contains(&format!(
                "> GET ws://{}/api/v1/socket (WebSocket upgrade)\n",
                g.gw.addr
            )),
            "{t}"
        );
        assert!(t.contains(r#"> {"type":"auth","token":"***"}"#), "{t}");
        assert!(
            t.contains(r#"< {"type":"auth-ok","default_workspace":"#),
            "{t}"
        );
    }
}

#[test]
fn a_gateway_echoing_the_token_does_not_get_it_into_the_json_report() {
    // whoami's record carries the token back (in a field the report
    // copies); without --show-token the JSON shows it masked.
    let key = "tg_EchoedBackByAHostileGateway0000";
    let echo = format!(
        r#"{{"user": {{"id": "{key}", "username": "{key}", "roles": ["admin"], "default_workspace": "default"}}}}"#
    );
    let m = Mock::start(vec![
        json(200, &echo),
        json(404, r#"{"error": "not found"}"#),
    ]);
    let url = m.url();
    let r = status(tg(TOOL).url(&url).token(key).args(["-o", "json"]), key);
    assert_eq!(r.code, 6, "{}", r.stderr);
    no_secret(&r.stdout, key);
    assert!(r.stdout.contains("***"), "{}", r.stdout);
}
