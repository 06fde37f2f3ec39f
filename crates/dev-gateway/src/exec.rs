//! `tg-dev-gateway exec -- CMD ARGS...`: run a command against a
//! throw-away gateway, as emulator-exec commands do in other ecosystems.
//!
//! The gateway starts on a free loopback port in bootstrap mode and is
//! bootstrapped at once; CMD runs with `TRUSTGRAPH_URL`, `TRUSTGRAPH_TOKEN`
//! (the admin API key) and `TRUSTGRAPH_CONFIG` (a throw-away directory, so
//! the user's config and saved sessions are never read or written) set,
//! and with the directory of the `tg-*` tools first on `PATH` when they sit
//! beside this binary. Signals are passed on to CMD; when it ends, the
//! gateway stops, the directory is removed, and CMD's exit code is
//! returned.

use crate::config::Config;
use crate::ops::{sessions, Body};
use crate::Server;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why `exec` could not run the command, with the exit code to give.
#[derive(Debug)]
pub struct ExecError {
    code: u8,
    error: anyhow::Error,
}

impl ExecError {
    fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        ExecError {
            code,
            error: error.into(),
        }
    }

    /// 1 when the gateway could not start, 127 when the command cannot be
    /// found, 126 when it cannot be run.
    pub fn exit_code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

/// A private directory removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> std::io::Result<ScratchDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!(
            "tg-dev-gateway-exec-{}-{nanos}",
            std::process::id()
        ));
        std::fs::DirBuilder::new().mode(0o700).create(&p)?;
        Ok(ScratchDir(p))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `PATH` with `dir` first.
fn path_with(dir: &Path) -> OsString {
    let mut parts = vec![dir.to_path_buf()];
    if let Some(p) = std::env::var_os("PATH") {
        parts.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(parts).unwrap_or_else(|_| dir.as_os_str().to_owned())
}

/// The directory of the `tg-*` tools, when they sit beside this binary.
fn tools_dir() -> Option<PathBuf> {
    let dir = std::env::current_exe().ok()?.parent()?.to_path_buf();
    dir.join("tg-whoami").exists().then_some(dir)
}

/// Run `command` against a fresh gateway configured by `cfg` (its
/// bootstrap mode is forced to `bootstrap`). Returns the command's exit
/// code: its own, or 128+N when it died of signal N.
pub fn run(mut cfg: Config, command: &[OsString]) -> Result<u8, ExecError> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| ExecError::new(2, anyhow::anyhow!("exec: no command given")))?;
    cfg.bootstrap_mode = crate::config::BootstrapMode::Bootstrap;
    let server = Server::spawn(cfg, "127.0.0.1:0").map_err(|e| ExecError::new(1, e))?;
    let key = sessions::bootstrap(&server.gateway, &Body::new())
        .ok()
        .and_then(|r| {
            r.get("bootstrap_admin_api_key")
                .and_then(|k| k.as_str())
                .map(str::to_string)
        })
        .ok_or_else(|| {
            ExecError::new(
                1,
                anyhow::anyhow!(
                    "exec: cannot bootstrap the gateway: its state already has users (exec needs a fresh --state file, or none)"
                ),
            )
        })?;
    let scratch = ScratchDir::new().map_err(|e| {
        ExecError::new(
            1,
            anyhow::anyhow!("exec: cannot create a scratch directory: {e}"),
        )
    })?;
    let url = server.url();
    eprintln!(
        "tg-dev-gateway: exec: gateway on {url} (bootstrapped; TRUSTGRAPH_URL and TRUSTGRAPH_TOKEN are set for the command)"
    );
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("TRUSTGRAPH_URL", &url)
        .env("TRUSTGRAPH_TOKEN", &key)
        .env("TRUSTGRAPH_CONFIG", scratch.0.join("config.toml"))
        .env_remove("TRUSTGRAPH_PROFILE");
    if let Some(dir) = tools_dir() {
        cmd.env("PATH", path_with(&dir));
    }
    let mut child = cmd.spawn().map_err(|e| {
        let code = match e.kind() {
            std::io::ErrorKind::NotFound => 127,
            _ => 126,
        };
        ExecError::new(
            code,
            anyhow::anyhow!("exec: cannot run {}: {e}", show(program)),
        )
    })?;
    let status = wait_forwarding_signals(&mut child)
        .map_err(|e| ExecError::new(1, anyhow::anyhow!("exec: waiting for the command: {e}")))?;
    if let Err(e) = server.stop() {
        eprintln!("tg-dev-gateway: exec: the gateway failed while the command ran: {e:#}");
    }
    drop(scratch);
    Ok(match (status.code(), status.signal()) {
        (Some(c), _) => c.clamp(0, 255) as u8,
        (None, Some(sig)) => (128 + sig).clamp(0, 255) as u8,
        (None, None) => 1,
    })
}

fn show(p: &OsStr) -> String {
    p.to_string_lossy().into_owned()
}

/// Wait for `child`, passing SIGINT, SIGTERM, SIGHUP and SIGQUIT on to it.
fn wait_forwarding_signals(
    child: &mut std::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    use tokio::signal::unix::{signal, SignalKind};
    let pid = child.id() as libc::pid_t;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let mut quit = signal(SignalKind::quit())?;
        loop {
            // Poll for the child's end; signals are forwarded as they come.
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            let sig = tokio::select! {
                _ = int.recv() => libc::SIGINT,
                _ = term.recv() => libc::SIGTERM,
                _ = hup.recv() => libc::SIGHUP,
                _ = quit.recv() => libc::SIGQUIT,
                _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => continue,
            };
            // SAFETY: sends a signal to our own child process.
            unsafe { libc::kill(pid, sig) };
        }
    })
}
