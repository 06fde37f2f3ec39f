//! tg-iam: the shared library behind the `tg-*` IAM tools.
//!
//! A binary is one line: `tg_iam::tools::Login::main()`, which is
//! [`run::<tg_iam::tools::Login>()`](run) (see [`registry`]). This
//! library owns everything else: flag definitions ([`cli`]), URL / token /
//! workspace resolution ([`config`]), the HTTP client and failure mapping
//! ([`client`], [`error`]), the IAM operations as typed calls ([`iam`]),
//! rendering ([`output`]), prompts ([`prompt`]) and secret masking
//! ([`redact`]).

pub mod apply;
pub mod cli;
pub mod client;
pub mod config;
pub mod docs;
pub mod error;
pub mod iam;
pub mod jwt;
pub mod multicall;
pub mod output;
pub mod prompt;
pub mod redact;
pub mod registry;
pub mod time;
pub mod tools;
pub mod wire;

use std::process::ExitCode;

pub use error::{Error, Kind, Result};
pub use output::Out;

/// One IAM tool: its clap definition and what it does.
pub trait Tool: clap::Parser + Sized {
    /// The executable's name, e.g. `tg-login`.
    const NAME: &'static str;

    /// What the tool prints on stdout that cannot be had again (`the admin
    /// API key`), if anything. Before such a tool sends anything, stdout
    /// is checked to be writable (else exit 2); if writing the secret then
    /// fails, the run fails (exit 7) saying what was created.
    const SECRET_OUTPUT: Option<&'static str> = None;

    /// Whether this invocation may name a profile the config file does not
    /// define yet (`tg-config set --profile NEW ...`); for every other use
    /// an unknown profile is a usage error.
    fn creates_profiles(&self) -> bool {
        false
    }

    /// Do the work; stdout goes into `out`, which is printed only on success.
    #[allow(async_fn_in_trait)]
    async fn run(self, out: &mut Out) -> Result<()>;
}

/// The tool's full clap command, as `--help`, the man page and the shell
/// completions show it. `-h` ends with the exit codes; `--help` with the
/// exit codes and then the tool's examples from the [`registry`].
pub fn command<T: Tool>() -> clap::Command {
    let cmd = T::command()
        .name(T::NAME)
        .bin_name(T::NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .after_help(error::EXIT_CODES_HELP);
    match registry::find(T::NAME) {
        Some(t) => cmd.after_long_help(format!(
            "{}\n\n{}",
            error::EXIT_CODES_HELP,
            tg_iam_docgen::examples_help(t.examples)
        )),
        None => cmd,
    }
}

/// Run tool `T` as a process, with the process's arguments: what every
/// thin binary's `main` does.
pub fn run<T: Tool>() -> ExitCode {
    run_from::<T>(std::env::args_os().collect())
}

/// Run tool `T` with `args` (the first is the program name, which is
/// ignored: `--help` and errors always say `T::NAME`): check the
/// environment, parse arguments (clap exits 2 on usage errors), read the
/// config, run, print the result or the error, and return the exit code.
/// The thin binaries (through [`run`]) and the multicall binary
/// ([`multicall`]) both come here.
pub fn run_from<T: Tool>(args: Vec<std::ffi::OsString>) -> ExitCode {
    if let Err(e) = config::check_env() {
        return fail(T::NAME, &e);
    }
    let matches = command::<T>().get_matches_from(args);
    let args = T::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Err(e) = config::init(&matches, args.creates_profiles()) {
        return fail(T::NAME, &e);
    }
    if let Some(what) = T::SECRET_OUTPUT {
        if let Err(e) = output::check_stdout_takes(what) {
            return fail(T::NAME, &e);
        }
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(T::NAME, &Error::local("cannot start the runtime", e)),
    };
    let mut out = Out::default();
    let result = rt
        .block_on(args.run(&mut out))
        .and_then(|()| write_result(&mut out));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if out.kept_on_failure() && e.kind != Kind::Output {
                // A report that is the result even when it says "failed".
                let _ = out.flush_to_stdout();
            }
            fail(T::NAME, &e)
        }
    }
}

/// Report `e` on stderr and return its exit code. A stderr that cannot be
/// written (closed, `/dev/full`) loses the message but never the exit
/// code: `eprint!` would panic there.
pub(crate) fn fail(tool: &str, e: &Error) -> ExitCode {
    use std::io::Write as _;
    let _ = std::io::stderr()
        .lock()
        .write_all(e.render(tool).as_bytes());
    ExitCode::from(e.kind.exit_code())
}

/// Write a successful run's stdout; a failure says what a lost one-time
/// secret leaves behind and how to recover.
fn write_result(out: &mut Out) -> Result<()> {
    out.flush_to_stdout().map_err(|e| match out.minted() {
        Some(m) => m.lost("standard output", &e),
        None => Error::new(
            Kind::Output,
            format!("could not write the result to standard output: {e}"),
        ),
    })
}
