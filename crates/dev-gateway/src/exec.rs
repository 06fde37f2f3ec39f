//! `tg-dev-gateway exec -- CMD ARGS...`: run a command against a
//! throw-away gateway, as emulator-exec commands do in other ecosystems.
//!
//! The gateway starts on a free loopback port in bootstrap mode and is
//! bootstrapped at once; CMD runs with `TRUSTGRAPH_URL`, `TRUSTGRAPH_TOKEN`
//! (the admin API key) and `TRUSTGRAPH_CONFIG` (a throw-away directory, so
//! the user's config and saved sessions are never read or written) set,
//! every other `TRUSTGRAPH_*` and `IAM_*` variable of the caller removed
//! (unless `--keep-env` names it), and with the directory of the `tg-*`
//! tools first on `PATH` when they sit beside this binary. When CMD ends,
//! the gateway stops, the directory is removed, and CMD's exit code is
//! returned.
//!
//! Signals reach CMD once each. CMD runs in a process group of its own,
//! as a shell runs a job: a signal sent to exec, or to exec's process
//! group, reaches exec alone, which passes it on to CMD's group (SIGINT,
//! SIGTERM, SIGHUP, SIGQUIT). When exec runs in the foreground of a
//! terminal, CMD's group becomes the terminal's foreground group while it
//! runs: Ctrl-C and Ctrl-\ go from the terminal to CMD directly, and
//! exec, no longer in the foreground group, does not see them to pass
//! them on a second time. CMD can read the terminal; Ctrl-Z stops CMD,
//! then exec, so the shell sees the job stop, and `fg` continues both.
//! (Telling a terminal's signal from another process's by `si_code` is not
//! enough: `kill -INT -PGID` from another process reaches every member of
//! the group too.) Should exec die without passing anything on (SIGKILL),
//! CMD gets SIGTERM (Linux).

use crate::config::Config;
use crate::request::Body;
use crate::Server;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// The variables exec sets for the command: `--keep-env` cannot keep the
/// caller's.
const SET_BY_EXEC: [&str; 3] = ["TRUSTGRAPH_URL", "TRUSTGRAPH_TOKEN", "TRUSTGRAPH_CONFIG"];

/// How exec runs the command, beyond the gateway's configuration.
#[derive(Debug, Default, Clone)]
pub struct ExecOptions {
    /// Caller's `TRUSTGRAPH_*` / `IAM_*` variables to pass on.
    pub keep_env: Vec<OsString>,
    /// Say on stderr what was removed from the command's environment.
    pub verbose: bool,
}

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

    /// 1 when the gateway could not start, 2 for a bad `--keep-env`, 127
    /// when the command cannot be found, 126 when it cannot be run.
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

/// The caller's variables the command must not see: every `TRUSTGRAPH_*`
/// and `IAM_*` one that `keep` does not name, other than the three exec
/// sets (sorted).
fn leaking_vars(vars: impl Iterator<Item = OsString>, keep: &[OsString]) -> Vec<OsString> {
    let mut out: Vec<OsString> = vars
        .filter(|k| {
            let b = k.as_bytes();
            (b.starts_with(b"TRUSTGRAPH_") || b.starts_with(b"IAM_"))
                && !keep.contains(k)
                && !SET_BY_EXEC.iter().any(|s| k == s)
        })
        .collect();
    out.sort();
    out
}

/// Run `command` against a fresh gateway configured by `cfg` (its
/// bootstrap mode is forced to `bootstrap`). Returns the command's exit
/// code: its own, or 128+N when it died of signal N.
pub fn run(mut cfg: Config, command: &[OsString], opts: &ExecOptions) -> Result<u8, ExecError> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| ExecError::new(2, anyhow::anyhow!("exec: no command given")))?;
    if let Some(k) = opts
        .keep_env
        .iter()
        .find(|k| SET_BY_EXEC.iter().any(|s| k == s))
    {
        return Err(ExecError::new(
            2,
            anyhow::anyhow!("exec: --keep-env {}: exec sets it for the command", show(k)),
        ));
    }
    // Signals are caught before the command exists, so none that comes
    // while it starts is lost (or kills exec, leaving it behind).
    let mut signals = Signals::catch()
        .map_err(|e| ExecError::new(1, anyhow::anyhow!("exec: cannot catch signals: {e}")))?;
    cfg.bootstrap_mode = crate::config::BootstrapMode::Bootstrap;
    let server = Server::spawn(cfg, "127.0.0.1:0").map_err(|e| ExecError::new(1, e))?;
    let key = bootstrap(&server, &signals).ok_or_else(|| {
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
    cmd.args(args);
    let removed = leaking_vars(std::env::vars_os().map(|(k, _)| k), &opts.keep_env);
    for k in &removed {
        cmd.env_remove(k);
    }
    if opts.verbose && !removed.is_empty() {
        let names: Vec<String> = removed.iter().map(|k| show(k)).collect();
        eprintln!(
            "tg-dev-gateway: exec: removed from the command's environment: {} (--keep-env NAME keeps one)",
            names.join(", ")
        );
    }
    cmd.env("TRUSTGRAPH_URL", &url)
        .env("TRUSTGRAPH_TOKEN", &key)
        .env("TRUSTGRAPH_CONFIG", scratch.0.join("config.toml"));
    if let Some(dir) = tools_dir() {
        cmd.env("PATH", path_with(&dir));
    }
    let terminal = Terminal::foreground();
    let tty = terminal
        .as_ref()
        .map(|t| (t.fd.as_raw_fd(), t.ttou_was_default));
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: between fork and exec the closure makes only
    // async-signal-safe calls (setpgid, sigprocmask, tcsetpgrp, signal,
    // prctl, getppid) on values copied into it.
    unsafe {
        cmd.pre_exec(move || in_child(tty, parent));
    }
    // A signal that came while the gateway started ends exec there: the
    // command never starts, rather than starting to be interrupted.
    if let Some(sig) = signals.arrived() {
        drop(terminal);
        if let Err(e) = server.stop() {
            eprintln!("tg-dev-gateway: exec: the gateway failed: {e:#}");
        }
        eprintln!("tg-dev-gateway: exec: interrupted (signal {sig}) before the command started");
        return Ok((128 + sig).clamp(0, 255) as u8);
    }
    let child = cmd.spawn().map_err(|e| {
        let code = match e.kind() {
            std::io::ErrorKind::NotFound => 127,
            _ => 126,
        };
        ExecError::new(
            code,
            anyhow::anyhow!("exec: cannot run {}: {e}", show(program)),
        )
    })?;
    let pid = child.id() as libc::pid_t;
    // SAFETY: setpgid on our own child, as the child itself did (whichever
    // runs first); the terminal handover likewise. Errors are harmless:
    // the child has already done it, or exec'd.
    unsafe { libc::setpgid(pid, pid) };
    if let Some(t) = &terminal {
        t.give_to(pid);
    }
    let status = signals
        .wait_forwarding(pid, terminal.as_ref())
        .map_err(|e| ExecError::new(1, anyhow::anyhow!("exec: waiting for the command: {e}")))?;
    if let Some(t) = &terminal {
        t.take_back();
    }
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

/// Bootstrap through the dispatcher, so the audit log records it like any
/// bootstrap: the admin's API key.
fn bootstrap(server: &Server, signals: &Signals) -> Option<String> {
    let call = crate::dispatch::Call::new(None);
    let mut body = Body::new();
    body.insert(
        "operation".into(),
        tg_iam_protocol::Operation::Bootstrap.name().into(),
    );
    let reply = signals
        .rt
        .block_on(crate::dispatch::dispatch(
            &server.gateway,
            &call,
            body,
            None,
        ))
        .ok()?;
    reply
        .get("bootstrap_admin_api_key")
        .and_then(|k| k.as_str())
        .map(str::to_string)
}

/// In the child, before it runs the command: a process group of its own,
/// the terminal's foreground if exec has it (`tty`: the descriptor, and
/// whether SIGTTOU had the default action before exec ignored it, to
/// restore), and SIGTERM should exec die.
fn in_child(tty: Option<(libc::c_int, bool)>, parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: async-signal-safe calls on this process only.
    unsafe {
        if libc::setpgid(0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if let Some((fd, ttou_was_default)) = tty {
            // A background group's tcsetpgrp raises SIGTTOU: hold it off.
            let mut block: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGTTOU);
            libc::sigprocmask(libc::SIG_BLOCK, &block, &mut old);
            libc::tcsetpgrp(fd, libc::getpid());
            libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            if ttou_was_default {
                libc::signal(libc::SIGTTOU, libc::SIG_DFL);
            }
        }
        #[cfg(target_os = "linux")]
        {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            if libc::getppid() != parent {
                // exec is already gone.
                libc::raise(libc::SIGTERM);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = parent;
    }
    Ok(())
}

/// The controlling terminal, when exec runs in its foreground: the
/// command's group is made the foreground group while it runs.
struct Terminal {
    fd: OwnedFd,
    /// Whether SIGTTOU had its default action (exec ignores it while the
    /// command has the terminal; the command gets it back).
    ttou_was_default: bool,
    /// exec's own process group.
    pgrp: libc::pid_t,
    /// The command's, once it has the terminal.
    child: std::cell::Cell<Option<libc::pid_t>>,
}

impl Terminal {
    fn foreground() -> Option<Terminal> {
        use std::os::fd::FromRawFd;
        // SAFETY: open, tcgetpgrp and getpgrp have no preconditions; the
        // descriptor is owned from here on.
        unsafe {
            let fd = libc::open(
                c"/dev/tty".as_ptr(),
                libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
            );
            if fd < 0 {
                return None;
            }
            let fd = OwnedFd::from_raw_fd(fd);
            let pgrp = libc::getpgrp();
            if libc::tcgetpgrp(fd.as_raw_fd()) != pgrp {
                return None;
            }
            // exec leaves the foreground to the command: writing to the
            // terminal (the request log) or taking it back must not stop
            // exec.
            let before = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            Some(Terminal {
                fd,
                ttou_was_default: before == libc::SIG_DFL,
                pgrp,
                child: std::cell::Cell::new(None),
            })
        }
    }

    fn owner(&self) -> libc::pid_t {
        // SAFETY: on a descriptor we own.
        unsafe { libc::tcgetpgrp(self.fd.as_raw_fd()) }
    }

    /// Make the command's group the foreground one, if exec's still is.
    fn give_to(&self, child: libc::pid_t) {
        self.child.set(Some(child));
        if self.owner() == self.pgrp {
            // SAFETY: on a descriptor we own; SIGTTOU is ignored.
            unsafe { libc::tcsetpgrp(self.fd.as_raw_fd(), child) };
        }
    }

    /// Take the foreground back from the command's group, if it has it.
    fn take_back(&self) {
        if let Some(child) = self.child.get() {
            if self.owner() == child {
                // SAFETY: as above.
                unsafe { libc::tcsetpgrp(self.fd.as_raw_fd(), self.pgrp) };
            }
        }
    }
}

fn show(p: &OsStr) -> String {
    p.to_string_lossy().into_owned()
}

/// The signals exec passes on, caught from before the command starts.
struct Signals {
    rt: tokio::runtime::Runtime,
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
    child: tokio::signal::unix::Signal,
}

impl Signals {
    /// A signal that has come since [`Signals::catch`], if any.
    fn arrived(&mut self) -> Option<libc::c_int> {
        let Signals {
            rt,
            int,
            term,
            hup,
            quit,
            ..
        } = self;
        rt.block_on(async {
            // Let the runtime read what the signal handlers wrote.
            tokio::task::yield_now().await;
            tokio::select! {
                biased;
                Some(()) = int.recv() => Some(libc::SIGINT),
                Some(()) = term.recv() => Some(libc::SIGTERM),
                Some(()) = hup.recv() => Some(libc::SIGHUP),
                Some(()) = quit.recv() => Some(libc::SIGQUIT),
                () = std::future::ready(()) => None,
            }
        })
    }

    fn catch() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let _in = rt.enter();
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            quit: signal(SignalKind::quit())?,
            child: signal(SignalKind::child())?,
            rt,
        })
    }

    /// Wait for the command (process group `pid`) to end, passing each
    /// signal exec gets on to its group once. On a terminal, when the
    /// command stops (Ctrl-Z), exec takes the terminal back and stops
    /// too; continued, it gives the terminal back and continues the
    /// command.
    fn wait_forwarding(
        self,
        pid: libc::pid_t,
        terminal: Option<&Terminal>,
    ) -> std::io::Result<ExitStatus> {
        let flags = libc::WNOHANG
            | if terminal.is_some() {
                libc::WUNTRACED
            } else {
                0
            };
        let Signals {
            rt,
            mut int,
            mut term,
            mut hup,
            mut quit,
            mut child,
        } = self;
        rt.block_on(async {
            loop {
                let mut status = 0;
                // SAFETY: waits for our own child only.
                match unsafe { libc::waitpid(pid, &mut status, flags) } {
                    0 => {}
                    -1 => {
                        let e = std::io::Error::last_os_error();
                        if e.kind() != std::io::ErrorKind::Interrupted {
                            return Err(e);
                        }
                    }
                    _ if libc::WIFSTOPPED(status) => {
                        if let Some(t) = terminal {
                            t.take_back();
                            // SAFETY: stops this process until continued.
                            unsafe { libc::raise(libc::SIGSTOP) };
                            t.give_to(pid);
                            // SAFETY: continues the command's own group.
                            unsafe { libc::kill(-pid, libc::SIGCONT) };
                        }
                        continue;
                    }
                    _ => return Ok(ExitStatus::from_raw(status)),
                }
                let sig = tokio::select! {
                    _ = int.recv() => libc::SIGINT,
                    _ = term.recv() => libc::SIGTERM,
                    _ = hup.recv() => libc::SIGHUP,
                    _ = quit.recv() => libc::SIGQUIT,
                    _ = child.recv() => continue,
                    // A SIGCHLD is never lost, but a poll costs nothing.
                    _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => continue,
                };
                forward(pid, sig);
            }
        })
    }
}

/// Pass `sig` on to the command's process group once; to the command
/// itself too, if it has left the group.
fn forward(pid: libc::pid_t, sig: libc::c_int) {
    // SAFETY: signals our own child's group, or our own child.
    unsafe {
        let to_group = libc::kill(-pid, sig) == 0;
        if !to_group || libc::getpgid(pid) != pid {
            libc::kill(pid, sig);
        }
    }
}
