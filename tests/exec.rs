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

/// Wait until `p` exists (the command is ready).
fn wait_for(p: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !p.exists() {
        assert!(Instant::now() < deadline, "{} never appeared", p.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where [`sigint_counter_helper`] works, when this test binary runs as
/// the command.
const COUNTER_DIR: &str = "TG_EXEC_TEST_SIGINT_COUNTER_DIR";

static SIGINTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static SIGTERMS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

extern "C" fn count_signal(sig: libc::c_int) {
    use std::sync::atomic::Ordering::SeqCst;
    match sig {
        libc::SIGINT => SIGINTS.fetch_add(1, SeqCst),
        _ => SIGTERMS.fetch_add(1, SeqCst),
    };
}

/// Not a test of its own (so it is ignored): the command of the SIGINT
/// tests, which run this test binary with `--ignored` and `COUNTER_DIR`
/// set. It counts every SIGINT delivered (a shell's trap would merge two
/// that arrive close together) into `DIR/count`, says `DIR/ready`, and
/// exits 3 once `DIR/stop` exists or on SIGTERM.
#[test]
#[ignore = "the command of the SIGINT tests, not a test"]
fn sigint_counter_helper() {
    use std::sync::atomic::Ordering::SeqCst;
    let Some(dir) = std::env::var_os(COUNTER_DIR).map(PathBuf::from) else {
        return;
    };
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only touches atomics.
        unsafe { libc::signal(sig, count_signal as *const () as libc::sighandler_t) };
    }
    std::fs::write(dir.join("ready"), "").unwrap();
    let mut written = 0;
    while !dir.join("stop").exists() && SIGTERMS.load(SeqCst) == 0 {
        let n = SIGINTS.load(SeqCst);
        if n != written {
            std::fs::write(dir.join("count.tmp"), n.to_string()).unwrap();
            std::fs::rename(dir.join("count.tmp"), dir.join("count")).unwrap();
            written = n;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::process::exit(3);
}

/// exec's arguments to run [`sigint_counter_helper`] in `d`, and the
/// environment it needs (exec passes it on).
fn sigint_counter(d: &std::path::Path) -> (Vec<String>, (&'static str, PathBuf)) {
    let me = std::env::current_exe().unwrap().display().to_string();
    let args = [
        "exec",
        "--insecure-fast-hashing",
        "--",
        &me,
        "sigint_counter_helper",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ];
    (
        args.iter().map(|a| a.to_string()).collect(),
        (COUNTER_DIR, d.to_path_buf()),
    )
}

fn counter_command(d: &std::path::Path) -> Command {
    let (args, (k, v)) = sigint_counter(d);
    let mut c = Command::new(gateway());
    c.args(args).env(k, v);
    common::clean_env(&mut c);
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// How many SIGINTs the command counted.
fn count(d: &std::path::Path) -> usize {
    std::fs::read_to_string(d.join("count"))
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0)
}

/// Send a SIGINT `ROUNDS` times (by `send`), each once the command has
/// counted the one before and had time for a duplicate; the total it
/// counted. Two copies of one signal that arrive close together may merge
/// into one delivery, so one round could miss a duplicate: four cannot,
/// in practice.
const ROUNDS: usize = 4;

fn sigints_counted(d: &std::path::Path, send: &mut dyn FnMut()) -> usize {
    for round in 1..=ROUNDS {
        send();
        let deadline = Instant::now() + Duration::from_secs(20);
        while count(d) < round {
            assert!(Instant::now() < deadline, "SIGINT {round} never arrived");
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    count(d)
}

#[test]
fn a_sigint_sent_to_the_process_group_reaches_the_command_once() {
    use std::os::unix::process::CommandExt;
    let d = temp_dir("sigint-group");
    let mut cmd = counter_command(&d);
    // exec in a process group of its own, as a shell job is.
    cmd.process_group(0);
    let mut child = cmd.spawn().unwrap();
    let pgid = child.id() as i32;
    wait_for(&d.join("ready"));
    let counted = sigints_counted(&d, &mut || unsafe {
        libc::kill(-pgid, libc::SIGINT);
    });
    std::fs::write(d.join("stop"), "").unwrap();
    let status = child.wait().unwrap();
    assert_eq!(counted, ROUNDS, "SIGINTs the command got");
    assert_eq!(status.code(), Some(3));
    // A SIGINT sent to exec alone is passed on, once.
    let d = temp_dir("sigint-pid");
    let mut child = counter_command(&d).spawn().unwrap();
    wait_for(&d.join("ready"));
    let pid = child.id() as i32;
    let counted = sigints_counted(&d, &mut || unsafe {
        libc::kill(pid, libc::SIGINT);
    });
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(counted, ROUNDS, "SIGINTs the command got");
    assert_eq!(status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_ctrl_c_at_the_terminal_reaches_the_command_once() {
    use std::io::Write;
    let d = temp_dir("sigint-tty");
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let (args, (k, v)) = sigint_counter(&d);
    let line = std::iter::once(gateway().display().to_string())
        .chain(args)
        .map(|a| quote(&a))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    common::clean_env(&mut cmd);
    cmd.env(k, v);
    let mut child = cmd
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("script(1) from util-linux is needed for the terminal tests");
    let mut typed = child.stdin.take().unwrap();
    wait_for(&d.join("ready"));
    // Ctrl-C, as typed at the terminal: its line discipline sends SIGINT
    // to the foreground process group.
    let counted = sigints_counted(&d, &mut || {
        typed.write_all(b"\x03").unwrap();
        typed.flush().unwrap();
    });
    std::fs::write(d.join("stop"), "").unwrap();
    let status = child.wait().unwrap();
    drop(typed);
    assert_eq!(counted, ROUNDS, "SIGINTs the command got");
    assert_eq!(status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_callers_trustgraph_and_iam_variables_never_reach_the_command() {
    let d = temp_dir("env-scrub");
    let script = format!("env > '{}/env'", d.display());
    let outer = [
        ("TRUSTGRAPH_WORKSPACE", "outer"),
        ("TRUSTGRAPH_PROFILE", "elsewhere"),
        ("TRUSTGRAPH_USER", "someone"),
        ("IAM_BOOTSTRAP_TOKEN", "tg_outer-secret-value"),
        ("IAM_EXTRA", "x"),
    ];
    let run = |extra: &[&str]| {
        let mut c = Command::new(gateway());
        c.arg("exec").args(extra);
        c.args(["--insecure-fast-hashing", "--", "sh", "-c", &script]);
        common::clean_env(&mut c);
        c.envs(outer).stdin(Stdio::null());
        let out = c.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = std::fs::read_to_string(d.join("env")).unwrap();
        let names: Vec<String> = env
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
            .filter(|k| k.starts_with("TRUSTGRAPH_") || k.starts_with("IAM_"))
            .collect();
        (names, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (mut names, stderr) = run(&[]);
    names.sort();
    assert_eq!(
        names,
        ["TRUSTGRAPH_CONFIG", "TRUSTGRAPH_TOKEN", "TRUSTGRAPH_URL"]
    );
    assert!(!stderr.contains("removed"), "quiet without -v: {stderr}");

    let (mut names, stderr) = run(&["-v", "--keep-env", "TRUSTGRAPH_WORKSPACE"]);
    names.sort();
    assert_eq!(
        names,
        [
            "TRUSTGRAPH_CONFIG",
            "TRUSTGRAPH_TOKEN",
            "TRUSTGRAPH_URL",
            "TRUSTGRAPH_WORKSPACE"
        ]
    );
    let env = std::fs::read_to_string(d.join("env")).unwrap();
    assert!(env.contains("TRUSTGRAPH_WORKSPACE=outer\n"));
    // -v names what was removed, never a value.
    for name in [
        "IAM_BOOTSTRAP_TOKEN",
        "IAM_EXTRA",
        "TRUSTGRAPH_PROFILE",
        "TRUSTGRAPH_USER",
    ] {
        assert!(stderr.contains(name), "{name} not named: {stderr}");
    }
    assert!(!stderr.contains("tg_outer-secret-value"), "{stderr}");
    let removed = stderr
        .lines()
        .find(|l| l.contains("removed from the command's environment"))
        .unwrap_or_else(|| panic!("nothing said: {stderr}"));
    assert!(!removed.contains("TRUSTGRAPH_WORKSPACE"), "{removed}");
    // exec sets these three itself: keeping the caller's is refused.
    let mut c = Command::new(gateway());
    c.args(["exec", "--keep-env", "TRUSTGRAPH_TOKEN", "--", "true"]);
    common::clean_env(&mut c);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--keep-env TRUSTGRAPH_TOKEN: exec sets it for the command"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn exec_keeps_an_audit_log_and_its_output_clean_unless_asked() {
    use std::os::unix::fs::PermissionsExt;
    let d = temp_dir("audit");
    let log = d.join("audit.log");
    let mut c = Command::new(gateway());
    c.arg("exec").arg("--audit-log").arg(&log).args([
        "--insecure-fast-hashing",
        "--",
        "tg-whoami",
        "-o",
        "json",
    ]);
    common::clean_env(&mut c);
    let out = c.stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // The command's output, and from exec one line (and the flag's warning).
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"username\": \"admin\""));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("--insecure-fast-hashing"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("tg-dev-gateway: exec: gateway on http://127.0.0.1:"));
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ops: Vec<&str> = records
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["bootstrap", "whoami"]);
    assert_eq!(records[0]["remote"], serde_json::Value::Null, "exec's own");
    assert_eq!(records[1]["actor"]["username"], "admin");
    assert_eq!(records[1]["credential"]["kind"], "api-key");
    // Asked, the request log.
    let mut c = Command::new(gateway());
    c.args([
        "exec",
        "--log",
        "info",
        "--insecure-fast-hashing",
        "--",
        "tg-whoami",
    ]);
    common::clean_env(&mut c);
    let out = c.stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(" INFO request ") && l.contains("operation=whoami")),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&d);
}
