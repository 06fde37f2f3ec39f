//! The binary and its state file: start-up line, signals, restarts, a
//! corrupt file, a SIGKILL in the middle of a burst of writes, the file's
//! mode and its companions', a second gateway on the same file, and the
//! migration of a JSON state file.

mod support;
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;
use tg_dev_gateway::{BootstrapMode, Config, Gateway};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tg-dev-gateway-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Start the binary; return it, the address from its ready line and the
/// stderr lines up to it. The caller owns the child and waits on it.
fn start(args: &[&str]) -> (Child, SocketAddr, Vec<String>) {
    let mut cmd = bin();
    cmd.args(args);
    let s = start_binary(cmd);
    (s.child, s.addr, s.lines)
}

fn post(addr: SocketAddr, token: Option<&str>, body: serde_json::Value) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![];
    if let Some(a) = &auth {
        h.push(("Authorization", a.as_str()));
    }
    request(addr, "POST", "/api/v1/iam", &h, body.to_string().as_bytes())
}

#[test]
fn ready_line_and_clean_shutdown_on_sigterm() {
    let (mut child, addr, lines) =
        start(&["--bootstrap-mode", "bootstrap", "--listen", "127.0.0.1:0"]);
    assert_eq!(lines, [format!("listening on http://{addr}/")]);
    assert_ne!(addr.port(), 0);
    let r = request(addr, "POST", "/api/v1/auth/bootstrap-status", &[], b"{}");
    assert_eq!(r.body, r#"{"bootstrap_available": true}"#);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Run the binary to completion: its exit code and stderr.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn usage_and_configuration_errors() {
    let (code, err) = run(&["--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(2), "--bootstrap-mode is required");
    assert!(err.contains("--bootstrap-mode"));
    let (code, err) = run(&[
        "--bootstrap-mode",
        "bootstrap",
        "--bootstrap-token",
        "tg_abcdefghij",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "tg-dev-gateway: error: --bootstrap-token is not allowed with --bootstrap-mode bootstrap\n"
    );
    let (code, err) = run(&[
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "not-an-address",
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("tg-dev-gateway: error: cannot listen on not-an-address"),
        "{err}"
    );
    let (code, err) = run(&[
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "127.0.0.1:0",
        "--state",
        "/nonexistent/dir/state.json",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "tg-dev-gateway: error: cannot write state file /nonexistent/dir/state.json: No such file or directory (os error 2)\n"
    );
    let (mut child, _, lines) = start(&[
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "127.0.0.1:0",
        "--insecure-fast-hashing",
    ]);
    assert!(
        lines[0].starts_with("tg-dev-gateway: warning: --insecure-fast-hashing"),
        "{lines:?}"
    );
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn state_survives_a_restart_including_signing_keys() {
    let dir = temp_dir("restart");
    let file = dir.join("state.db");
    let cfg = |f: &Path| {
        let mut c = Config::new(BootstrapMode::Bootstrap);
        c.iterations = tg_dev_gateway::crypto::FAST_ITERATIONS;
        c.state_file = Some(f.to_path_buf());
        c
    };
    let (admin, jwt, before) = {
        let gw = Gw::with(|c| *c = cfg(&file));
        let admin = gw.bootstrap();
        gw.user(&admin, "alice", "default", &["writer"]);
        let jwt = gw.jwt("alice");
        (admin, jwt, gw.server.gateway.snapshot())
    };
    let gw = Gw::reopen(|c| *c = cfg(&file));
    assert_eq!(gw.server.gateway.snapshot(), before);
    assert_eq!(
        gw.ok(&admin, json!({"operation": "whoami"}))["user"]["username"],
        "admin"
    );
    assert_eq!(
        gw.ok(&jwt, json!({"operation": "whoami"}))["user"]["username"],
        "alice"
    );
    assert_eq!(
        gw.post("/api/v1/auth/bootstrap", None, "{}").status,
        401,
        "still bootstrapped"
    );
}

#[test]
fn a_corrupt_or_unreadable_state_file_stops_start_up() {
    let dir = temp_dir("corrupt");
    let file = dir.join("state.json");
    std::fs::write(&file, b"{\"users\": [tor").unwrap();
    let mut c = Config::new(BootstrapMode::Bootstrap);
    c.state_file = Some(file.clone());
    let e = Gateway::open(c.clone()).err().expect("refused").to_string();
    assert!(
        e.contains("is corrupt") && e.contains("refusing to start empty"),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"{\"users\": [tor",
        "left untouched"
    );
    let path = file.to_str().unwrap();
    let (code, err) = run(&[
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "127.0.0.1:0",
        "--state",
        path,
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("tg-dev-gateway: error: state file ") && err.lines().count() == 1,
        "{err}"
    );
    c.state_file = Some(dir.clone());
    let e = Gateway::open(c.clone()).err().expect("refused").to_string();
    assert!(e.starts_with("cannot read state file"), "{e}");

    // A SQLite file that is damaged, or holds something else: refused,
    // left as it was.
    let file = dir.join("state.db");
    let mut damaged = b"SQLite format 3\0".to_vec();
    damaged.resize(4096, 0xa5);
    std::fs::write(&file, &damaged).unwrap();
    chmod(&file, 0o600);
    c.state_file = Some(file.clone());
    let e = Gateway::open(c.clone()).err().expect("refused").to_string();
    assert!(
        e.starts_with(&format!("state file {} is corrupt (", file.display()))
            && e.ends_with("refusing to start empty — restore it or move it away"),
        "{e}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), damaged, "left untouched");
    let other = dir.join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    chmod(&other, 0o600);
    c.state_file = Some(other.clone());
    let e = Gateway::open(c).err().expect("refused").to_string();
    assert_eq!(
        e,
        format!(
            "state file {} is a SQLite database but not a tg-dev-gateway state; refusing to use it — give another --state",
            other.display()
        )
    );
}

/// Create workspaces `{tag}-0`, `{tag}-1`, ... one after another until a
/// request fails or `stop` is set; the ids the gateway acknowledged.
fn burst(
    addr: SocketAddr,
    admin: String,
    tag: String,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<String>>>,
) {
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let id = format!("{tag}-{i}");
        let body = json!({"operation": "create-workspace", "workspace_record": {"id": id}});
        let auth = format!("Bearer {admin}");
        let r = try_request(
            addr,
            "POST",
            "/api/v1/iam",
            &[("Authorization", &auth)],
            body.to_string().as_bytes(),
        );
        // Acknowledged means a complete 200 reply carrying the record.
        let ok = r.is_some_and(|r| {
            r.status == 200
                && serde_json::from_str::<serde_json::Value>(&r.body)
                    .is_ok_and(|v| v["workspace"]["id"] == id.as_str())
        });
        if !ok {
            break;
        }
        acked.lock().unwrap().push(id);
    }
}

#[test]
fn sigkill_during_a_burst_of_writes_loses_no_acknowledged_change() {
    let dir = temp_dir("crash");
    let file = dir.join("state.db");
    let state = file.to_str().unwrap().to_string();
    let args = [
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "127.0.0.1:0",
        "--insecure-fast-hashing",
        "--state",
        &state,
    ];
    let (mut child, mut addr, _) = start(&args);
    let r = request(addr, "POST", "/api/v1/auth/bootstrap", &[], b"{}");
    let admin = r.json()["bootstrap_admin_api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let mut acked_total: Vec<String> = Vec::new();
    for round in 0..3 {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (a, s, k) = (acked.clone(), stop.clone(), admin.clone());
            std::thread::spawn(move || burst(addr, k, format!("r{round}"), s, a))
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while acked.lock().unwrap().len() < 25 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL, with the writer still going
        let _ = child.wait();
        stop.store(true, Ordering::Relaxed);
        let _ = writer.join();
        let got = acked.lock().unwrap().clone();
        assert!(
            got.len() >= 25,
            "round {round}: only {} writes acknowledged",
            got.len()
        );
        acked_total.extend(got);

        // The file is whole, and holds every acknowledged workspace (read
        // as any SQLite client reads it)...
        let ids: Vec<String> = {
            let db = rusqlite::Connection::open(&file).unwrap();
            let mut q = db.prepare("SELECT id FROM workspaces").unwrap();
            let ids = q.query_map([], |r| r.get(0)).unwrap();
            ids.map(Result::unwrap).collect()
        };
        // ...and a restarted gateway serves them.
        let (c, a, _) = start(&args);
        let listed = post(a, Some(&admin), json!({"operation": "list-workspaces"})).json();
        let served: Vec<&str> = listed["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap())
            .collect();
        for id in &acked_total {
            assert!(ids.contains(id), "acknowledged {id} missing from the file");
            assert!(
                served.contains(&id.as_str()),
                "acknowledged {id} not served after restart"
            );
        }
        (child, addr) = (c, a);
    }
    child.kill().unwrap();
    let _ = child.wait();
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    assert!(
        leftovers.iter().all(
            |f| ["state.db", "state.db.lock", "state.db-wal", "state.db-shm"].contains(&f.as_str())
        ),
        "only the state file, its lock and SQLite's log of the last kill: {leftovers:?}"
    );
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn chmod(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// The state file holds the signing secret and the password hashes: it is
/// created 0600, and so are its lock and the files SQLite keeps beside it
/// (under a umask that would let others read them), and a state file or
/// companion that others may open stops start-up.
#[test]
fn the_state_file_and_its_companions_are_private_to_their_owner() {
    let dir = temp_dir("mode");
    let file = dir.join("state.db");
    let cfg = |f: &Path| {
        let mut c = Config::new(BootstrapMode::Bootstrap);
        c.iterations = tg_dev_gateway::crypto::FAST_ITERATIONS;
        c.state_file = Some(f.to_path_buf());
        c
    };
    // The usual umask, under which files are created 0644 unless asked
    // otherwise, set in the gateway's own process: the umask is the whole
    // process's, and the tests beside this one create files too.
    let companions = ["state.db.lock", "state.db-wal", "state.db-shm"].map(|f| dir.join(f));
    {
        // Through sh, which sets the umask and becomes the gateway: a
        // `pre_exec` hook would make the test process fork rather than
        // spawn, and a fork's child holds a copy of every descriptor the
        // process has open (other tests' state locks among them) until
        // it execs.
        let gateway = bin().get_program().to_owned();
        let mut cmd = Command::new("sh");
        cmd.env_remove("IAM_BOOTSTRAP_MODE")
            .env_remove("IAM_BOOTSTRAP_TOKEN")
            .arg("-c")
            .arg(r#"umask 022 && exec "$0" "$@""#)
            .arg(gateway)
            .args([
                "--bootstrap-mode",
                "bootstrap",
                "--listen",
                "127.0.0.1:0",
                "--insecure-fast-hashing",
                "--state",
                file.to_str().unwrap(),
            ]);
        let s = start_binary(cmd);
        let (mut child, addr) = (s.child, s.addr);
        assert_eq!(mode(&file), 0o600, "created private");
        let r = request(addr, "POST", "/api/v1/auth/bootstrap", &[], b"{}");
        assert_eq!(r.status, 200, "{}", r.body);
        let admin = r.json()["bootstrap_admin_api_key"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(mode(&file), 0o600, "after a write");
        for name in ["alice", "bob"] {
            let r = post(
                addr,
                Some(&admin),
                json!({"operation": "create-user", "workspace": "default", "user": {"username": name, "password": format!("pw-{name}"), "roles": ["reader"]}}),
            );
            assert_eq!(r.status, 200, "{}", r.body);
        }
        for c in &companions {
            assert_eq!(mode(c), 0o600, "{}", c.display());
        }
        let pid = child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
    // SQLite removes its log on a clean close; one left by a crash, or
    // made by hand, must be private too.
    let wal = &companions[1];
    assert!(!wal.exists());
    std::fs::write(wal, b"").unwrap();
    chmod(wal, 0o644);
    let e = Gateway::open(cfg(&file))
        .err()
        .expect("refused")
        .to_string();
    assert_eq!(
        e,
        format!(
            "state file {} is open to group or others (mode 644); it holds the signing key and password hashes: run chmod 600 {}",
            wal.display(),
            wal.display()
        )
    );
    std::fs::remove_file(wal).unwrap();
    for loose in [0o644, 0o640, 0o604, 0o620] {
        chmod(&file, loose);
        let e = Gateway::open(cfg(&file))
            .err()
            .expect("refused")
            .to_string();
        assert_eq!(
            e,
            format!(
                "state file {} is open to group or others (mode {loose:o}); it holds the signing key and password hashes: run chmod 600 {}",
                file.display(),
                file.display()
            )
        );
        let (code, err) = run_bounded(&[
            "--bootstrap-mode",
            "bootstrap",
            "--listen",
            "127.0.0.1:0",
            "--state",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(1));
        assert_eq!(err, format!("tg-dev-gateway: error: {e}\n"));
    }
    chmod(&file, 0o600);
    let gw = Gw::reopen(|c| *c = cfg(&file));
    assert_eq!(gw.server.gateway.snapshot().users.len(), 3);
}

/// Run the binary, killing it if it is still running after 20 s (so a
/// gateway that starts when it should refuse fails the test, not hangs it).
fn run_bounded(args: &[&str]) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    (status.and_then(|s| s.code()), err)
}

#[test]
fn token_lifetimes_out_of_range_are_usage_errors() {
    for (flag, value, range) in [
        ("--jwt-ttl", "9223372036854775807", "1 and 2592000"),
        ("--jwt-ttl", "0", "1 and 2592000"),
        ("--jwt-ttl", "-5", "1 and 2592000"),
        ("--jwt-ttl", "2592001", "1 and 2592000"),
        ("--jwt-ttl", "soon", "1 and 2592000"),
        ("--rotation-grace", "-1", "0 and 2592000"),
        ("--rotation-grace", "9223372036854775807", "0 and 2592000"),
    ] {
        let (code, err) = run_bounded(&[
            "--bootstrap-mode",
            "bootstrap",
            "--listen",
            "127.0.0.1:0",
            flag,
            value,
        ]);
        assert_eq!(code, Some(2), "{flag} {value}: {err}");
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{value}' for '{flag} <SECS>': must be between {range} seconds (30 days)"
            )),
            "{err}"
        );
    }
}

#[test]
fn connection_limits_out_of_range_are_refused() {
    for (flag, value) in [
        ("--header-read-timeout", "0"),
        ("--body-read-timeout", "3601"),
        ("--idle-timeout", "forever"),
    ] {
        let (code, err) = run_bounded(&[
            "--bootstrap-mode",
            "bootstrap",
            "--listen",
            "127.0.0.1:0",
            flag,
            value,
        ]);
        assert_eq!(code, Some(2), "{flag} {value}: {err}");
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{value}' for '{flag} <SECS>': must be between 1 and 3600 seconds (1 hour)"
            )),
            "{err}"
        );
    }
    // More connections than the descriptor limit allows.
    let (code, err) = run_bounded(&[
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "127.0.0.1:0",
        "--max-connections",
        "4000000000",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("tg-dev-gateway: error: --max-connections 4000000000 does not fit the file-descriptor limit (")
            && err.ends_with("raise ulimit -n or lower --max-connections\n")
            && err.lines().count() == 1,
        "{err}"
    );
}

/// One gateway per state file: a second one, started while the first
/// runs, exits 3 with one line and starts nothing (it does not seed its
/// admin, listen, or touch the file); once the first has stopped, it
/// starts.
#[test]
fn a_second_gateway_on_the_same_state_is_refused() {
    let dir = temp_dir("second");
    let file = dir.join("state.db");
    let state = file.to_str().unwrap();
    let (mut first, addr, _) = start(&[
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "127.0.0.1:0",
        "--insecure-fast-hashing",
        "--state",
        state,
    ]);
    let r = request(addr, "POST", "/api/v1/auth/bootstrap", &[], b"{}");
    let admin = r.json()["bootstrap_admin_api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let before = std::fs::read(&file).unwrap();
    let second = [
        "--bootstrap-mode",
        "token",
        "--bootstrap-token",
        "tg_secondgatewaysecondgateway",
        "--listen",
        "127.0.0.1:0",
        "--state",
        state,
    ];
    let (code, err) = run_bounded(&second);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(
        err,
        format!(
            "tg-dev-gateway: error: state file {state} is in use by another tg-dev-gateway (lock {state}.lock is held); stop that gateway, or give this one another --state\n"
        )
    );
    // In-process too, as the kind of error, not its text.
    let mut c = Config::new(BootstrapMode::Bootstrap);
    c.state_file = Some(file.clone());
    let e = Gateway::open(c).err().expect("refused");
    assert!(e
        .downcast_ref::<tg_dev_gateway::store::StateInUse>()
        .is_some());
    // The first carries on, alone: the second's admin was never seeded.
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let users = post(addr, Some(&admin), json!({"operation": "list-users"})).json();
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    assert!(Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert_eq!(first.wait().unwrap().code(), Some(0));
    let (mut now, addr, lines) = start(&second);
    assert_eq!(lines, [format!("listening on http://{addr}/")]);
    let users = post(addr, Some(&admin), json!({"operation": "list-users"})).json();
    assert_eq!(users["users"].as_array().unwrap().len(), 1, "{users}");
    now.kill().unwrap();
    let _ = now.wait();
}

/// A JSON state file as tg-dev-gateway wrote it before its state moved to
/// SQLite (made by the gateway of commit ba58d98: bootstrap; workspace
/// `lab`; user alice in it, whose password then changed from alice-pw-1 to
/// alice-pw-2; `lab` disabled and enabled again; a signing-key rotation;
/// an API key for alice). These are its credentials.
const FIXTURE: &str = include_str!("fixtures/state-json-ba58d98.json");
const FIXTURE_ADMIN_KEY: &str = "tg_4QKmBpMATup3blW8rAipir2Vw3lMVfuH";
const FIXTURE_ALICE_KEY: &str = "tg_MZpPXfSG1QVoYGJ6MTkD-xQ4UK-o7kSF";

/// It is migrated once, with a note on stderr: users, workspaces, API keys,
/// revocations and the current signing key survive; the JSON is kept
/// beside it (0600) and never read again.
#[test]
fn a_json_state_file_is_migrated_once() {
    let dir = temp_dir("migrate");
    let file = dir.join("state.json");
    std::fs::write(&file, FIXTURE).unwrap();
    chmod(&file, 0o600);
    let state = file.to_str().unwrap();
    // No grace for retired signing keys: the fixture's retired one is
    // deleted at start, whenever this runs.
    let args = [
        "--bootstrap-mode",
        "bootstrap",
        "--listen",
        "127.0.0.1:0",
        "--rotation-grace",
        "0",
        "--state",
        state,
    ];
    let (mut gw, addr, lines) = start(&args);
    assert_eq!(
        lines,
        [
            format!(
                "tg-dev-gateway: note: state file {state} was JSON: migrated to SQLite (2 users, 2 workspaces, 2 API keys, 2 signing keys); the JSON file is kept as {state}.json-migrated and no longer read"
            ),
            format!("listening on http://{addr}/"),
        ]
    );
    let kept = dir.join("state.json.json-migrated");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), FIXTURE);
    assert_eq!(mode(&kept), 0o600);
    assert_eq!(mode(&file), 0o600);
    assert!(std::fs::read(&file)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
    let check = |addr: SocketAddr| {
        let me = |key: &str| post(addr, Some(key), json!({"operation": "whoami"})).json();
        assert_eq!(me(FIXTURE_ADMIN_KEY)["user"]["username"], "admin");
        assert_eq!(me(FIXTURE_ALICE_KEY)["user"]["username"], "alice");
        let login = |pw: &str| {
            let body = json!({"username": "alice", "password": pw}).to_string();
            request(addr, "POST", "/api/v1/auth/login", &[], body.as_bytes())
        };
        assert_eq!(login("alice-pw-1").status, 401, "the old password");
        let jwt = login("alice-pw-2").json()["jwt"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(me(&jwt)["user"]["username"], "alice");
        // `field` of each record a list operation gives, in order.
        let listed = |op: &str, list: &str, field: &str| -> Vec<String> {
            let reply = post(addr, Some(FIXTURE_ADMIN_KEY), json!({"operation": op})).json();
            reply[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r[field].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            listed("list-users", "users", "username"),
            ["admin", "alice"]
        );
        assert_eq!(
            listed("list-workspaces", "workspaces", "id"),
            ["default", "lab"]
        );
    };
    check(addr);
    // The revocations came along; the retired signing key, whose grace
    // is over, did not outlive the start.
    let fixture: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let db = rusqlite::Connection::open(&file).unwrap();
    let not_before = |table: &str, id: &str| -> Option<i64> {
        db.query_row(
            &format!("SELECT not_before FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        not_before("users", fixture["users"][1]["id"].as_str().unwrap()),
        fixture["users"][1]["not_before"].as_i64()
    );
    assert_eq!(
        not_before("workspaces", "lab"),
        fixture["workspaces"][1]["not_before"].as_i64()
    );
    let kids: Vec<String> = db
        .prepare("SELECT kid FROM signing_keys")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kids, [fixture["signing_keys"][1]["kid"].as_str().unwrap()]);
    drop(db);
    assert!(Command::new("kill")
        .args(["-TERM", &gw.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert_eq!(gw.wait().unwrap().code(), Some(0));

    // Once: the second start says nothing, and reads the database (not
    // the kept JSON, which is made unreadable here to show it).
    std::fs::write(&kept, b"not JSON").unwrap();
    let (mut gw, addr, lines) = start(&args);
    assert_eq!(lines, [format!("listening on http://{addr}/")]);
    check(addr);
    gw.kill().unwrap();
    let _ = gw.wait();
}

/// A JWT issued before the migration still verifies after it: the JSON
/// state of a running gateway (as the JSON store wrote it), then a gateway
/// on that file.
#[test]
fn a_jwt_issued_before_the_migration_still_verifies() {
    let dir = temp_dir("migrate-jwt");
    let file = dir.join("state.json");
    let (admin, jwt, before) = {
        let gw = Gw::with(|_| {});
        let admin = gw.bootstrap();
        gw.user(&admin, "alice", "default", &["writer"]);
        let jwt = gw.jwt("alice");
        gw.ok(&admin, json!({"operation": "rotate-signing-key"}));
        let st = gw.server.gateway.snapshot();
        std::fs::write(&file, serde_json::to_vec_pretty(&st).unwrap()).unwrap();
        chmod(&file, 0o600);
        (admin, jwt, st)
    };
    let gw = Gw::reopen(|c| c.state_file = Some(file.clone()));
    assert_eq!(gw.server.gateway.snapshot(), before, "every row, in order");
    assert_eq!(
        gw.ok(&jwt, json!({"operation": "whoami"}))["user"]["username"],
        "alice",
        "signed with the key rotated out just before, within its grace"
    );
    assert_eq!(
        gw.ok(&admin, json!({"operation": "whoami"}))["user"]["username"],
        "admin"
    );
}
