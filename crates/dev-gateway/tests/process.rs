//! The binary and its state file: start-up line, signals, restarts, a
//! corrupt file, and a SIGKILL in the middle of a burst of writes.

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
    let file = dir.join("state.json");
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
    let gw = Gw::with(|c| *c = cfg(&file));
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
    let e = Gateway::open(c).err().expect("refused").to_string();
    assert!(e.starts_with("cannot read state file"), "{e}");
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
    let file = dir.join("state.json");
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

        // The file is whole, and holds every acknowledged workspace...
        let text = std::fs::read_to_string(&file).unwrap();
        let st: serde_json::Value =
            serde_json::from_str(&text).expect("state file parses after SIGKILL");
        let ids: Vec<&str> = st["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap())
            .collect();
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
            assert!(
                ids.contains(&id.as_str()),
                "acknowledged {id} missing from the file"
            );
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
        .map(|e| e.file_name())
        .collect();
    assert!(
        leftovers.len() <= 2,
        "only the state file (and at most the one temporary file of the last kill): {leftovers:?}"
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
/// created 0600, stays 0600 across writes whatever was done to it in
/// between, and a file others can read stops start-up.
#[test]
fn the_state_file_is_private_to_its_owner() {
    let dir = temp_dir("mode");
    let file = dir.join("state.json");
    let cfg = |f: &Path| {
        let mut c = Config::new(BootstrapMode::Bootstrap);
        c.iterations = tg_dev_gateway::crypto::FAST_ITERATIONS;
        c.state_file = Some(f.to_path_buf());
        c
    };
    {
        let gw = Gw::with(|c| *c = cfg(&file));
        assert_eq!(mode(&file), 0o600, "created private");
        let admin = gw.bootstrap();
        assert_eq!(mode(&file), 0o600, "after a write");
        chmod(&file, 0o600);
        gw.user(&admin, "alice", "default", &["reader"]);
        assert_eq!(mode(&file), 0o600, "after a chmod 600 and a write");
        // Loosened while running: the next write makes a private file again.
        chmod(&file, 0o644);
        gw.user(&admin, "bob", "default", &["reader"]);
        assert_eq!(mode(&file), 0o600, "after a chmod 644 and a write");
    }
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
    let gw = Gw::with(|c| *c = cfg(&file));
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
