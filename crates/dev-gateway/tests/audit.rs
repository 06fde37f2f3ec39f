//! The audit log (`--audit-log`) and the request log (`--log info`): one
//! record per IAM request, public ones included, of the documented shape;
//! a private file; no secret of the suite's own story in any encoding; no
//! interleaving under concurrent writers; quiet by default.

mod support;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::*;
use tg_dev_gateway::audit::AuditTarget;
use tg_dev_gateway::Compat;
use tokio_tungstenite::tungstenite::{connect, Message};

/// The keys of every record, in order.
const KEYS: [&str; 11] = [
    "time",
    "request_id",
    "remote",
    "operation",
    "actor",
    "credential",
    "workspace",
    "target",
    "issued",
    "outcome",
    "duration_ms",
];

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tg-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn audited(path: &Path, compat: Compat) -> Gw {
    let path = path.to_path_buf();
    Gw::with(move |c| {
        c.compat = compat;
        c.audit_log = Some(AuditTarget::File(path));
    })
}

/// Every line of the audit log, parsed; each must be one JSON object of
/// the documented shape.
fn records(text: &str) -> Vec<Map<String, Value>> {
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let Value::Object(m) = v else {
                panic!("not an object: {l}")
            };
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            assert_eq!(keys, KEYS, "{l}");
            shape(&m, l);
            m
        })
        .collect()
}

fn shape(m: &Map<String, Value>, line: &str) {
    let time = m["time"].as_str().unwrap();
    let b = time.as_bytes();
    assert!(
        b.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && time.ends_with('Z'),
        "time {time}"
    );
    assert!(!m["request_id"].as_str().unwrap().is_empty(), "{line}");
    assert!(m["outcome"].is_string(), "{line}");
    assert!(m["duration_ms"].as_f64().unwrap() >= 0.0, "{line}");
    assert!(m["target"].is_object(), "{line}");
    for k in ["actor", "credential", "issued"] {
        assert!(m[k].is_null() || m[k].is_object(), "{k}: {line}");
    }
}

/// The records of `operation`.
fn of<'a>(rs: &'a [Map<String, Value>], operation: &str) -> Vec<&'a Map<String, Value>> {
    rs.iter().filter(|r| r["operation"] == operation).collect()
}

/// The ways a secret could be written: as is, JSON-escaped, in base64
/// (standard and URL-safe) and hex of its bytes, and, for a long one,
/// every 12-character piece (a secret cut short is still a leak).
fn encodings(secret: &str) -> Vec<String> {
    let mut out = vec![
        secret.to_string(),
        serde_json::to_string(secret)
            .unwrap()
            .trim_matches('"')
            .to_string(),
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        secret.bytes().map(|b| format!("{b:02x}")).collect(),
    ];
    // An API key's first 7 characters are its published prefix.
    let body = secret
        .strip_prefix("tg_")
        .map_or(secret, |s| &s[4.min(s.len())..]);
    let chars: Vec<char> = body.chars().collect();
    if chars.len() >= 16 {
        out.extend(chars.windows(12).map(|w| w.iter().collect::<String>()));
    }
    out
}

/// The secrets the signing keys and password hashes hold.
fn stored_secrets(gw: &Gw) -> Vec<String> {
    let st = gw.server.gateway.snapshot();
    let mut out = Vec::new();
    for k in &st.signing_keys {
        out.push(k.secret.clone());
        let raw = STANDARD.decode(&k.secret).unwrap();
        out.push(URL_SAFE_NO_PAD.encode(&raw));
        out.push(raw.iter().map(|b| format!("{b:02x}")).collect());
    }
    for u in &st.users {
        out.push(u.password_hash.clone());
        // The salt and the hash, each.
        out.extend(
            u.password_hash
                .split('$')
                .filter(|p| p.len() >= 16)
                .map(String::from),
        );
    }
    for k in &st.api_keys {
        out.push(k.hash.clone());
    }
    out
}

fn assert_no_secret(text: &str, secrets: &[String]) {
    for s in secrets {
        for e in encodings(s) {
            assert!(
                !text.contains(&e),
                "a secret ({}...) reached the log as {e:?}",
                &s[..6.min(s.len())]
            );
        }
    }
}

#[test]
fn every_request_is_recorded_in_a_private_file_and_no_secret_is() {
    for compat in [Compat::Design, Compat::V2_11] {
        let d = temp_dir(&format!("story-{compat:?}"));
        let path = d.join("audit.log");
        let gw = audited(&path, compat);
        let mut secrets: Vec<String> = Vec::new();

        let admin = gw.bootstrap();
        secrets.push(admin.clone());
        gw.post("/api/v1/auth/bootstrap", None, "{}"); // refused: done once
        let passwords = ["Alice-Secret-Passw0rd-1", "Bob-Secret-Passw0rd-22"];
        secrets.extend(passwords.iter().map(|p| p.to_string()));
        let create = |name: &str, pw: &str, roles: &[&str]| {
            gw.ok(
                &admin,
                json!({"operation": "create-user", "workspace": "default", "user": {"username": name, "password": pw, "roles": roles}}),
            )["user"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let alice = create("alice", passwords[0], &["reader"]);
        let bob = create("bob", passwords[1], &["admin"]);
        let r = gw.login("alice", passwords[0]);
        let alice_jwt = r.json()["jwt"].as_str().unwrap().to_string();
        secrets.push(alice_jwt.clone());
        let wrong = "Wrong-Guess-Passw0rd-333";
        secrets.push(wrong.into());
        gw.login("alice", wrong);
        gw.login("nobody", wrong);
        let key = gw.ok(
            &admin,
            json!({"operation": "create-api-key", "key": {"user_id": alice, "name": "ci"}}),
        );
        let alice_key = key["api_key_plaintext"].as_str().unwrap().to_string();
        secrets.push(alice_key.clone());
        gw.iam(Some(&alice_key), json!({"operation": "whoami"}));
        gw.iam(Some(&alice_jwt), json!({"operation": "whoami"}));
        gw.iam(Some(&alice_jwt), json!({"operation": "list-users"})); // denied
        gw.iam(
            Some("tg_not-a-key-at-all-000"),
            json!({"operation": "whoami"}),
        );
        gw.iam(Some(&admin), json!({"operation": "no-such-operation"}));
        let minted = gw.ok(
            &admin,
            json!({"operation": "mint-token", "user_id": alice, "workspace": "default", "user_context_json": "{}"}),
        )["jwt"]
            .as_str()
            .unwrap()
            .to_string();
        secrets.push(minted.clone());
        let tmp = gw.ok(
            &admin,
            json!({"operation": "reset-password", "user_id": bob}),
        )["temporary_password"]
            .as_str()
            .unwrap()
            .to_string();
        secrets.push(tmp.clone());
        let new_pw = "Alice-New-Passw0rd-4444";
        secrets.push(new_pw.into());
        let body = json!({"current_password": passwords[0], "new_password": new_pw}).to_string();
        gw.post("/api/v1/auth/change-password", Some(&alice_jwt), &body);
        gw.post("/api/v1/auth/change-password", None, &body);
        gw.ok(
            &admin,
            json!({"operation": "revoke-api-key", "key_id": key["api_key"]["id"]}),
        );
        gw.ok(&admin, json!({"operation": "rotate-signing-key"}));
        // The socket: one request unauthenticated, then authenticated ones.
        let (mut ws, _) = connect(format!("ws://{}/api/v1/socket", gw.addr())).unwrap();
        let mut say = |v: Value| {
            ws.send(Message::Text(v.to_string().into())).unwrap();
            let t = ws.read().unwrap().into_text().unwrap().to_string();
            serde_json::from_str::<Value>(&t).unwrap()
        };
        let whoami = json!({"id": "1", "service": "iam", "request": {"operation": "whoami"}});
        assert_eq!(say(whoami.clone())["error"]["type"], "auth-required");
        assert_eq!(
            say(json!({"type": "auth", "token": admin}))["type"],
            "auth-ok"
        );
        assert!(say(whoami)["response"]["user"].is_object());
        let carol_pw = "Carol-Socket-Passw0rd-55555";
        secrets.push(carol_pw.into());
        say(
            json!({"id": "2", "service": "iam", "request": {"operation": "create-user", "workspace": "default", "user": {"username": "carol", "password": carol_pw}}}),
        );
        drop(ws);
        secrets.extend(stored_secrets(&gw));
        drop(gw);

        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{compat:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_no_secret(&text, &secrets);
        let rs = records(&text);
        let admin_id = of(&rs, "bootstrap")[0]["target"]["user_id"].clone();

        // Bootstrap: public, no actor; it issued the admin's key (by id and
        // prefix); the second one was refused.
        let boot = of(&rs, "bootstrap");
        assert_eq!(boot.len(), 2, "{compat:?}");
        assert_eq!(boot[0]["actor"], Value::Null);
        assert_eq!(boot[0]["outcome"], "ok");
        assert_eq!(boot[0]["issued"]["kind"], "api-key");
        assert_eq!(boot[0]["issued"]["prefix"], &admin[..7]);
        assert!(boot[0]["remote"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"));
        assert_eq!(boot[1]["outcome"], "auth-failed");
        // Logins: the failed ones name the username tried.
        let logins = of(&rs, "login");
        assert_eq!(logins.len(), 3, "{compat:?}");
        assert_eq!(logins[0]["outcome"], "ok");
        assert_eq!(
            logins[0]["target"],
            json!({"username": "alice", "user_id": alice})
        );
        assert_eq!(logins[0]["issued"]["kind"], "jwt");
        assert_eq!(logins[1]["outcome"], "auth-failed");
        assert_eq!(logins[1]["target"], json!({"username": "alice"}));
        assert_eq!(logins[1]["actor"], Value::Null);
        assert_eq!(logins[2]["target"], json!({"username": "nobody"}));
        // The caller and its credential: an API key by id and prefix, a JWT
        // by kid and issue time.
        let created = of(&rs, "create-user");
        assert_eq!(
            created[0]["actor"],
            json!({"user_id": admin_id, "username": "admin"})
        );
        assert_eq!(created[0]["credential"]["kind"], "api-key");
        assert_eq!(created[0]["credential"]["prefix"], &admin[..7]);
        assert_eq!(created[0]["workspace"], "default");
        assert_eq!(
            created[0]["target"],
            json!({"username": "alice", "user_id": alice})
        );
        let whoamis = of(&rs, "whoami");
        let by_key = whoamis
            .iter()
            .find(|r| r["credential"]["prefix"] == alice_key[..7])
            .unwrap();
        assert_eq!(by_key["actor"]["username"], "alice");
        let by_jwt = whoamis
            .iter()
            .find(|r| r["credential"]["kind"] == "jwt")
            .unwrap();
        assert_eq!(
            by_jwt["credential"],
            json!({"kind": "jwt", "kid": logins[0]["issued"]["kid"], "issued": logins[0]["issued"]["issued"]})
        );
        // A bad credential, a refusal, an unknown operation.
        assert!(whoamis
            .iter()
            .any(|r| r["outcome"] == "auth-required" && r["credential"].is_null()));
        assert_eq!(of(&rs, "list-users")[0]["outcome"], "access-denied");
        assert_eq!(
            of(&rs, "no-such-operation")[0]["outcome"],
            "unknown-operation"
        );
        let key_rec = of(&rs, "create-api-key")[0];
        assert_eq!(key_rec["issued"]["prefix"], &alice_key[..7]);
        assert_eq!(key_rec["target"]["user_id"], alice.as_str());
        assert_eq!(of(&rs, "mint-token")[0]["issued"]["kind"], "jwt");
        assert_eq!(
            of(&rs, "reset-password")[0]["target"]["user_id"],
            bob.as_str()
        );
        let changes = of(&rs, "change-password");
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0]["outcome"], "ok");
        assert_eq!(changes[0]["actor"]["username"], "alice");
        assert_eq!(changes[1]["outcome"], "auth-required");
        assert_eq!(of(&rs, "revoke-api-key")[0]["outcome"], "ok");
        assert_eq!(of(&rs, "rotate-signing-key")[0]["outcome"], "ok");
        // Socket requests: the upgrade's id, dot, a count.
        let on_socket: Vec<_> = rs
            .iter()
            .filter(|r| r["request_id"].as_str().unwrap().contains('.'))
            .collect();
        assert_eq!(on_socket.len(), 3, "{compat:?}");
        assert_eq!(on_socket[0]["outcome"], "auth-required");
        assert_eq!(on_socket[0]["actor"], Value::Null);
        assert_eq!(on_socket[1]["operation"], "whoami");
        assert_eq!(on_socket[2]["target"]["username"], "carol");
        // One record per request, each with its own id.
        let mut ids: Vec<&str> = rs
            .iter()
            .map(|r| r["request_id"].as_str().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rs.len());
        let _ = std::fs::remove_dir_all(&d);
    }
}

#[test]
fn an_audit_log_open_to_others_stops_start_up() {
    let d = temp_dir("mode");
    let path = d.join("audit.log");
    std::fs::write(&path, "").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut cfg = tg_dev_gateway::Config::new(tg_dev_gateway::BootstrapMode::Bootstrap);
    cfg.audit_log = Some(AuditTarget::File(path.clone()));
    let err = tg_dev_gateway::Server::spawn(cfg.clone(), "127.0.0.1:0")
        .err()
        .expect("refused");
    assert_eq!(
        format!("{err:#}"),
        format!(
            "audit log {0} is open to group or others (mode 640); it records who did what: run chmod 600 {0}",
            path.display()
        )
    );
    // Made private, it is appended to (what was there stays).
    std::fs::write(&path, "{\"earlier\": true}\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let server = tg_dev_gateway::Server::spawn(cfg, "127.0.0.1:0").unwrap();
    let r = post_json(server.addr, "/api/v1/auth/bootstrap-status", None, "{}");
    assert_eq!(r.status, 200);
    drop(server);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\"earlier\": true}\n"));
    assert_eq!(records(&text[18..]).len(), 1);
    // A directory, or a path that cannot be created: a clear error.
    let mut cfg = tg_dev_gateway::Config::new(tg_dev_gateway::BootstrapMode::Bootstrap);
    cfg.audit_log = Some(AuditTarget::File(d.join("missing/audit.log")));
    let err = tg_dev_gateway::Server::spawn(cfg, "127.0.0.1:0")
        .err()
        .expect("refused");
    assert!(
        format!("{err:#}").starts_with("cannot open audit log "),
        "{err:#}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// 16 writers at once, from two gateways appending to one file (so two
/// descriptors: only O_APPEND and one write per record keep them apart),
/// with records long enough to be written in more than one piece if they
/// were written carelessly: every line is one whole record.
#[test]
fn sixteen_concurrent_writers_never_interleave() {
    let d = temp_dir("concurrent");
    let path = d.join("audit.log");
    let gws = [
        audited(&path, Compat::Design),
        audited(&path, Compat::Design),
    ];
    const EACH: usize = 40;
    std::thread::scope(|s| {
        for i in 0..16 {
            let gw = &gws[i % 2];
            s.spawn(move || {
                for n in 0..EACH {
                    // Failed logins with long usernames: long records.
                    let name = format!("writer-{i}-{n}-{}", "x".repeat(200));
                    let r = gw.login(&name, "pw");
                    assert_eq!(r.status, 401);
                }
            });
        }
    });
    drop(gws);
    let text = std::fs::read_to_string(&path).unwrap();
    let rs = records(&text);
    assert_eq!(rs.len(), 16 * EACH);
    for i in 0..16 {
        let mine = rs
            .iter()
            .filter(|r| {
                r["target"]["username"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("writer-{i}-"))
            })
            .count();
        assert_eq!(mine, EACH, "writer {i}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// The binary: `--audit-log -` writes the records to stderr, `--log info`
/// one request line each; by default stderr says only that it listens.
#[test]
fn the_binary_logs_on_stderr_only_when_asked() {
    let run = |args: &[&str]| -> String {
        let mut cmd = bin();
        cmd.args(["--bootstrap-mode", "bootstrap", "--listen", "127.0.0.1:0"])
            .arg("--insecure-fast-hashing")
            .args(args);
        let Started {
            mut child,
            addr,
            lines,
            stderr: mut err,
        } = start_binary(cmd);
        // Before the ready line, only the flag's warning.
        assert_eq!(lines.len(), 2, "{lines:?}");
        let post = |path: &str, token: Option<&str>, body: &str| post_json(addr, path, token, body);
        let admin = post("/api/v1/auth/bootstrap", None, "{}").json()["bootstrap_admin_api_key"]
            .as_str()
            .unwrap()
            .to_string();
        post("/api/v1/iam", Some(&admin), r#"{"operation": "whoami"}"#);
        post(
            "/api/v1/auth/login",
            None,
            r#"{"username": "admin", "password": "Guess-Passw0rd-1234"}"#,
        );
        request(
            addr,
            "GET",
            "/api/v1/tg_secret-in-a-path-0000?token=tg_q",
            &[],
            b"",
        );
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
        assert!(child.wait().unwrap().success());
        assert_no_secret(&rest, &[admin, "Guess-Passw0rd-1234".into()]);
        assert!(
            // The query (`token=tg_q`), not "tg_q" alone: a random key's
            // prefix, which the log may show, starts with it 1 time in 64.
            !rest.contains("tg_secret-in-a-path") && !rest.contains("token=tg_q"),
            "{rest}"
        );
        rest
    };
    assert_eq!(run(&[]), "", "quiet by default");
    let both = run(&["--audit-log", "-", "--log", "info"]);
    let (audit, log): (Vec<&str>, Vec<&str>) = both.lines().partition(|l| l.starts_with('{'));
    let rs = records(&audit.join("\n"));
    let ops: Vec<&str> = rs
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["bootstrap", "whoami", "login"]);
    assert_eq!(log.len(), 4, "{both}");
    let whoami = log.iter().find(|l| l.contains("operation=whoami")).unwrap();
    for field in [
        " INFO ",
        "method=POST",
        "path=/api/v1/iam",
        "status=200",
        "duration_ms=",
        &format!("actor={}", rs[1]["actor"]["user_id"].as_str().unwrap()),
        &format!("request_id={}", rs[1]["request_id"].as_str().unwrap()),
    ] {
        assert!(whoami.contains(field), "{field}: {whoami}");
    }
    let login = log.iter().find(|l| l.contains("operation=login")).unwrap();
    assert!(
        login.contains("status=401") && login.contains("actor=-"),
        "{login}"
    );
    let other = log.iter().find(|l| l.contains("method=GET")).unwrap();
    assert!(
        other.contains("path=/api/v1/{other}") && other.contains("status="),
        "{other}"
    );
    // --log warn (the default) and --audit-log -: the records only.
    let audit_only = run(&["--audit-log", "-"]);
    assert!(
        audit_only.lines().all(|l| l.starts_with('{')),
        "{audit_only}"
    );
    assert_eq!(audit_only.lines().count(), 3);
}

/// A client that leaves while its operation runs (here, during a slow
/// password hash) does not take the record with it: the operation ran, so
/// it is recorded.
#[test]
fn an_operation_whose_client_left_is_still_recorded() {
    use std::io::Write;
    let d = temp_dir("gone");
    let path = d.join("audit.log");
    let gw = {
        let path = path.clone();
        Gw::with(move |c| {
            // Slow enough to leave during it (about a second).
            c.iterations = 100_000;
            c.audit_log = Some(AuditTarget::File(path));
        })
    };
    let admin = gw.bootstrap();
    let body = json!({"operation": "create-user", "workspace": "default", "user": {"username": "late", "password": "Late-Passw0rd-123456"}}).to_string();
    let mut s = std::net::TcpStream::connect(gw.addr()).unwrap();
    write!(
        s,
        "POST /api/v1/iam HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Gone while the password is hashed.
    std::thread::sleep(std::time::Duration::from_millis(150));
    s.shutdown(std::net::Shutdown::Both).unwrap();
    drop(s);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let created = || gw.server.gateway.snapshot().user_by_name("late").is_some();
    while !created() {
        assert!(std::time::Instant::now() < deadline, "never created");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(gw);
    let rs = records(&std::fs::read_to_string(&path).unwrap());
    let made = of(&rs, "create-user");
    assert_eq!(made.len(), 1, "the operation ran: it is recorded");
    assert_eq!(made[0]["outcome"], "ok");
    let _ = std::fs::remove_dir_all(&d);
}
