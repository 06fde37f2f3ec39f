//! `tg-dev-gateway exec -- CMD`: the command gets a bootstrapped gateway,
//! its exit code and signals pass through, the user's config is never
//! used, and the gateway is gone afterwards.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// tg-dev-gateway, built beside the tools by `cargo test --workspace`.
fn gateway() -> PathBuf {
    let p = common::bin_dir().join("tg-dev-gateway");
    assert!(
        p.exists(),
        "{} is missing: run the tests with cargo test --workspace",
        p.display()
    );
    p
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tg-exec-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn exec(script: &str) -> Command {
    let mut c = Command::new(gateway());
    c.args(["exec", "--insecure-fast-hashing", "--", "sh", "-c", script]);
    common::clean_env(&mut c);
    c.stdin(Stdio::null());
    c
}

#[test]
fn the_command_gets_a_bootstrapped_gateway_and_its_exit_code_passes_through() {
    let d = temp_dir("env");
    let script = format!(
        "env > '{0}/env'; tg-whoami > '{0}/whoami' 2>&1; exit 7",
        d.display()
    );
    let out = exec(&script).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env = std::fs::read_to_string(d.join("env")).unwrap();
    let var = |k: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(var("TRUSTGRAPH_URL").starts_with("http://127.0.0.1:"));
    assert!(var("TRUSTGRAPH_TOKEN").starts_with("tg_"));
    let config = PathBuf::from(var("TRUSTGRAPH_CONFIG"));
    assert!(config.ends_with("config.toml"));
    assert!(
        !config.parent().unwrap().exists(),
        "scratch directory removed"
    );
    let bin_dir = common::bin_dir();
    assert!(
        var("PATH").starts_with(&bin_dir.display().to_string()),
        "the tools' directory comes first on PATH"
    );
    // The tool found on PATH reached the gateway as its admin.
    let whoami = std::fs::read_to_string(d.join("whoami")).unwrap();
    assert!(whoami.contains("username              admin"), "{whoami}");
    // The key never reaches exec's own output.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&var("TRUSTGRAPH_TOKEN")), "{stderr}");
    assert!(out.stdout.is_empty());
    // The gateway is gone, and its port is free again.
    let addr = var("TRUSTGRAPH_URL")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "gateway still up"
    );
    std::net::TcpListener::bind(&addr).expect("port free");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn signals_reach_the_command() {
    let d = temp_dir("signal");
    let script = format!(
        "trap 'echo got > \"{0}/got\"; exit 42' TERM; echo ready > '{0}/ready'; while :; do sleep 0.05; done",
        d.display()
    );
    let mut child = exec(&script).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !d.join("ready").exists() {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(42));
    assert_eq!(
        std::fs::read_to_string(d.join("got")).unwrap().trim(),
        "got"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_users_config_and_profile_are_never_used() {
    // A user config whose selected profile points elsewhere: exec's command
    // must not see it.
    let d = temp_dir("config");
    std::fs::create_dir_all(d.join("trustgraph")).unwrap();
    std::fs::write(
        d.join("trustgraph/config.toml"),
        "default_profile = \"elsewhere\"\n[profiles.elsewhere]\nurl = \"http://127.0.0.1:1/\"\nworkspace = \"nope\"\n",
    )
    .unwrap();
    let out = exec("tg-whoami -o json")
        .env_remove("TRUSTGRAPH_CONFIG")
        .env("XDG_CONFIG_HOME", &d)
        .env("TRUSTGRAPH_PROFILE", "elsewhere")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"username\": \"admin\""));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_command_that_cannot_run_is_127_or_126() {
    let out = Command::new(gateway())
        .args(["exec", "--insecure-fast-hashing", "--", "/nonexistent/tool"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exec: cannot run /nonexistent/tool"));
    let out = Command::new(gateway())
        .args(["exec", "--insecure-fast-hashing", "--", "/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(126));
}
