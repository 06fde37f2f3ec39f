//! Secrets and confirmations: flags (with a warning), `--password-stdin`,
//! or a no-echo prompt when stdin is a terminal; never a blocking read
//! without one.

use crate::error::{Error, Kind, Result};
use crate::output::note;
use std::io::{self, BufRead, IsTerminal, Read, Write};

/// The longest password line `--password-stdin` reads.
pub const MAX_PASSWORD_BYTES: usize = 4096;
/// The longest confirmation answer read.
const MAX_ANSWER_BYTES: usize = 256;

/// Read one line of at most `max` bytes from stdin, without its line end.
/// `Ok(None)` at end of input; a longer line is an error, so that endless
/// input (`/dev/zero`) cannot grow the process.
fn read_line_capped(max: usize, what: &str) -> Result<Option<String>> {
    let mut buf = Vec::new();
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    let n = (&mut lock)
        .take(max as u64 + 2)
        .read_until(b'\n', &mut buf)
        .map_err(|e| Error::usage(format!("cannot read {what} from standard input: {e}")))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if n > max {
        return Err(Error::usage(format!(
            "{what} on standard input is longer than {max} bytes"
        )));
    }
    if buf.len() > max {
        return Err(Error::usage(format!(
            "{what} on standard input is longer than {max} bytes"
        )));
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| Error::usage(format!("{what} on standard input is not valid UTF-8")))
}

/// Where one password may come from.
pub struct PasswordSpec<'a> {
    /// The flag's name, for messages (`--password`).
    pub flag: &'a str,
    /// The flag's value, if given.
    pub value: Option<&'a str>,
    /// What the password is, for messages (`password`, `new password`).
    pub what: &'a str,
    /// The terminal prompt (`Password for alice: `).
    pub prompt: &'a str,
    /// Ask twice on a terminal (for new passwords).
    pub confirm: bool,
}

/// Reads passwords for one run; `--password-stdin` hands out stdin's
/// lines in order.
pub struct Prompter {
    tool: &'static str,
    from_stdin: bool,
}

/// Whether standard input is a terminal (a question can be asked).
pub fn stdin_is_tty() -> bool {
    io::stdin().is_terminal()
}

impl Prompter {
    pub fn new(tool: &'static str, from_stdin: bool) -> Self {
        Prompter { tool, from_stdin }
    }

    pub fn password(&mut self, spec: &PasswordSpec) -> Result<String> {
        let pw = self.read(spec)?;
        crate::redact::register(&pw);
        Ok(pw)
    }

    fn read(&mut self, spec: &PasswordSpec) -> Result<String> {
        if let Some(v) = spec.value.filter(|v| !v.is_empty()) {
            crate::redact::register(v);
            note(&format!(
                "{}: warning: a {} given with {} is visible to other users (ps) and kept in shell history; prefer --password-stdin or the prompt",
                self.tool, spec.what, spec.flag
            ));
            return Ok(v.to_string());
        }
        if self.from_stdin {
            let what = format!("--password-stdin: the {}", spec.what);
            let Some(pw) = read_line_capped(MAX_PASSWORD_BYTES, &what)? else {
                return Err(Error::usage(format!(
                    "--password-stdin: standard input ended before the {}",
                    spec.what
                )));
            };
            if pw.is_empty() {
                return Err(Error::usage(format!(
                    "--password-stdin: the {} line is empty",
                    spec.what
                )));
            }
            return Ok(pw);
        }
        if !stdin_is_tty() {
            return Err(Error::usage(format!(
                "no {} given and standard input is not a terminal to prompt on",
                spec.what
            ))
            .with_hint(format!(
                "pipe it in with --password-stdin, e.g. printf '%s\\n' \"$PASSWORD\" | {} ... --password-stdin",
                self.tool
            )));
        }
        restore_terminal_on_signal();
        let read = |p: &str| {
            rpassword::prompt_password(p).map_err(|e| {
                Error::usage(format!(
                    "cannot read the {} from the terminal: {e}",
                    spec.what
                ))
            })
        };
        let pw = read(spec.prompt)?;
        if pw.is_empty() {
            return Err(Error::usage(format!("empty {}", spec.what)));
        }
        if spec.confirm {
            let again = read(&format!("Repeat {}: ", spec.what))?;
            if again != pw {
                return Err(Error::usage(format!(
                    "the two {}s do not match; nothing was changed",
                    spec.what
                )));
            }
        }
        Ok(pw)
    }
}

/// Ask for `yes` before an irreversible step. `assume_yes` (`--yes`)
/// skips the question; without a terminal and without it, refuse.
pub fn confirm(question: &str, assume_yes: bool) -> Result<()> {
    ask(question, "[type 'yes' to confirm]:", assume_yes, |a| {
        a == "yes"
    })
}

/// Ask `question [y/N] ` (as `terraform apply` and most shells' tools
/// do): `y` or `yes`, in any case, goes on; anything else, or nothing,
/// stops. `assume_yes` (`--yes`) skips the question; without a terminal
/// and without it, refuse.
pub fn confirm_yn(question: &str, assume_yes: bool) -> Result<()> {
    ask(question, "[y/N]", assume_yes, |a| {
        a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")
    })
}

fn ask(question: &str, suffix: &str, assume_yes: bool, accept: fn(&str) -> bool) -> Result<()> {
    if assume_yes {
        return Ok(());
    }
    if !stdin_is_tty() {
        return Err(Error::usage(
            "refusing to go on without confirmation: standard input is not a terminal",
        )
        .with_hint("pass --yes to confirm from a script"));
    }
    let mut err = io::stderr().lock();
    // The question names server-supplied things (a user name): no
    // terminal controls, no secrets. Its own line breaks stay.
    let shown: Vec<String> = question
        .split('\n')
        .map(crate::output::stderr_text)
        .collect();
    let _ = write!(err, "{} {suffix} ", shown.join("\n"));
    let _ = err.flush();
    let answer = read_line_capped(MAX_ANSWER_BYTES, "the answer")?.unwrap_or_default();
    if accept(answer.trim()) {
        Ok(())
    } else {
        Err(Error::new(
            Kind::Refused,
            "aborted: not confirmed, nothing was changed",
        ))
    }
}

/// The terminal's settings before the first prompt, for the signal handler.
#[cfg(unix)]
static SAVED_TERMINAL: std::sync::OnceLock<(libc::c_int, libc::termios)> =
    std::sync::OnceLock::new();

#[cfg(unix)]
extern "C" fn restore_and_die(sig: libc::c_int) {
    // Only async-signal-safe calls here: tcsetattr, write, signal, raise.
    if let Some((fd, saved)) = SAVED_TERMINAL.get() {
        unsafe {
            libc::tcsetattr(*fd, libc::TCSANOW, saved);
            libc::write(*fd, b"\n".as_ptr().cast(), 1);
        }
    }
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// A prompt turns terminal echo off; Ctrl-C (or a hang-up or kill) in the
/// middle of it must not leave the terminal that way. Save the settings
/// once and restore them from the signal handler before dying of the
/// signal as usual.
#[cfg(unix)]
fn restore_terminal_on_signal() {
    if SAVED_TERMINAL.get().is_some() {
        return;
    }
    let fd = unsafe { libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
        return;
    }
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut t) } != 0 || SAVED_TERMINAL.set((fd, t)).is_err() {
        unsafe { libc::close(fd) };
        return;
    }
    let handler = restore_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        unsafe { libc::signal(sig, handler) };
    }
}

#[cfg(not(unix))]
fn restore_terminal_on_signal() {}
