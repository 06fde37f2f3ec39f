//! tg-iam: the shared library behind the `tg-*` IAM tools.
//!
//! A binary is one line: `tg_iam::tools::Login::main()`, which is
//! [`run::<tg_iam::tools::Login>()`](run) (see [`registry`]). This
//! library owns everything else: flag definitions ([`cli`]), URL / token /
//! workspace resolution ([`config`]), the HTTP client and failure mapping
//! ([`client`], [`error`]), typed records ([`records`]), rendering
//! ([`output`]), prompts ([`prompt`]) and secret masking ([`wire`]).

pub mod cli;
pub mod client;
pub mod config;
pub mod error;
pub mod jwt;
pub mod multicall;
pub mod output;
pub mod prompt;
pub mod records;
pub mod registry;
pub mod tools;
pub mod wire;

/// The UTC timestamp formats and ISO-8601 parsing shared with the gateway.
pub use tg_iam_wire::time;

use std::process::ExitCode;

pub use error::{Error, Kind, Result};
pub use output::Out;

/// One IAM tool: its clap definition and what it does.
pub trait Tool: clap::Parser + Sized {
    /// The executable's name, e.g. `tg-login`.
    const NAME: &'static str;

    /// Do the work; stdout goes into `out`, which is printed only on success.
    #[allow(async_fn_in_trait)]
    async fn run(self, out: &mut Out) -> Result<()>;
}

/// The tool's full clap command, as `--help`, the man page and the shell
/// completions show it.
pub fn command<T: Tool>() -> clap::Command {
    T::command()
        .name(T::NAME)
        .bin_name(T::NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .after_help(error::EXIT_CODES_HELP)
}

/// Run tool `T` as a process, with the process's arguments: what every
/// thin binary's `main` does.
pub fn run<T: Tool>() -> ExitCode {
    run_from::<T>(std::env::args_os().collect())
}

/// Run tool `T` with `args` (the first is the program name, which is
/// ignored: `--help` and errors always say `T::NAME`): parse arguments
/// (clap exits 2 on usage errors), run, print the result or the error, and
/// return the exit code. The thin binaries (through [`run`]) and the
/// multicall binary ([`multicall`]) both come here.
pub fn run_from<T: Tool>(args: Vec<std::ffi::OsString>) -> ExitCode {
    let matches = command::<T>().get_matches_from(args);
    let args = T::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::note(&format!("{}: error: cannot start: {e}", T::NAME));
            return ExitCode::from(Kind::Protocol.exit_code());
        }
    };
    let mut out = Out::default();
    match rt.block_on(args.run(&mut out)) {
        Ok(()) => match out.flush_to_stdout() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                output::note(&format!("{}: error: cannot write to stdout: {e}", T::NAME));
                ExitCode::from(Kind::Protocol.exit_code())
            }
        },
        Err(e) => {
            eprint!("{}", e.render(T::NAME));
            ExitCode::from(e.kind.exit_code())
        }
    }
}
