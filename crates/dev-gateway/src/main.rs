//! `tg-dev-gateway`: run the local IAM gateway.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tg_dev_gateway::audit::AuditTarget;
use tg_dev_gateway::exec::ExecOptions;
use tg_dev_gateway::store::StateInUse;
use tg_dev_gateway::{config, crypto, BootstrapMode, Compat, Config, Gateway, Limits};

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Mode {
    /// `bootstrap` succeeds once, while there are no users
    Bootstrap,
    /// seed the admin with --bootstrap-token; `bootstrap` is refused
    Token,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum CompatArg {
    /// TrustGraph 2.11: IAM refusals as HTTP 200 with no error field,
    /// `bootstrap_available` in every reply
    #[value(name = "2.11")]
    V2_11,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogLevel {
    /// nothing
    Off,
    /// an audit record that cannot be written
    Error,
    /// also: the connection cap reached, descriptors running out
    Warn,
    /// also: one line per request
    Info,
    /// also: each connection evicted at the cap
    Debug,
    /// everything
    Trace,
}

/// What `--help` says of logging, the audit log and the connection limits.
const LONG_HELP: &str = "\
Logging (--log LEVEL, on stderr; quiet by default: warn):
  error   an audit record that cannot be written
  warn    also the connection cap being reached (at most every 10 s) and
          running out of descriptors
  info    also one line per request: time, request_id, method, path
          (the gateway's own routes; others by shape only), operation,
          status (HTTP status; for a socket request, ok or its error type),
          duration_ms and actor (user id). Socket requests have the id of
          their socket's upgrade request, dot, a count.
  debug   also each connection evicted at the cap
  Never a secret, a request body or a query string.

Audit log (--audit-log FILE, or - for stderr): one JSON object per line
for every IAM request, public ones (login, bootstrap) included, written
before the reply is sent:
  {\"time\": RFC 3339, \"request_id\", \"remote\": \"ADDR:PORT\",
   \"operation\", \"actor\": {\"user_id\", \"username\"} or null,
   \"credential\": {\"kind\": \"api-key\", \"key_id\", \"prefix\"} or
                 {\"kind\": \"jwt\", \"kid\", \"issued\"} or null,
   \"workspace\", \"target\": {\"user_id\", \"username\", \"key_id\",
   \"workspace_id\"} (those the request names), \"issued\": the credential
   the reply issued (as \"credential\") or null, \"outcome\": \"ok\" or the
   IAM error type, \"duration_ms\"}
  A failed login names the username tried. Never a password, an API key,
  a JWT or a signing key. The file is created 0600 and refused if group or
  others may open it; each record is appended whole (O_APPEND, one write),
  so concurrent requests never interleave. In --compat 2.11 the record
  has the real outcome, not the bare reply the client sees.

Connections: at most --max-connections at once (default 1024, lowered to
the descriptor limit less 32, which start-up first raises towards the
hard limit). At the cap, a new connection takes the place of the one that
has waited longest on its client: first one waiting for its request head
(new, or kept alive), then one sending its body, then a WebSocket that has
not authenticated. Connections being answered and authenticated
WebSockets keep their place; when every place is held by one, new
connections wait in the listen backlog. Out of descriptors, the gateway
evicts one connection and pauses accepting for 50 ms (it never spins).
A request head must arrive within --header-read-timeout (10 s), its body
within --body-read-timeout (10 s); a connection idle for --idle-timeout
(120 s) is closed.";

/// A faithful local TrustGraph IAM gateway for demos and tests: login,
/// bootstrap, change-password, /api/v1/iam and the /api/v1/socket
/// WebSocket, with PBKDF2 passwords, hashed API keys and Ed25519 JWTs.
///
/// `tg-dev-gateway exec -- CMD ARGS...` runs CMD against a throw-away
/// gateway instead: see `tg-dev-gateway exec --help`.
#[derive(Parser, Debug)]
#[command(
    name = "tg-dev-gateway",
    version,
    subcommand_negates_reqs = true,
    after_long_help = LONG_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,

    /// How the first admin comes to exist (required)
    #[arg(
        long = "bootstrap-mode",
        value_enum,
        env = "IAM_BOOTSTRAP_MODE",
        required = true
    )]
    bootstrap_mode: Option<Mode>,

    /// The admin's API key in token mode (must start with tg_)
    #[arg(
        long = "bootstrap-token",
        env = "IAM_BOOTSTRAP_TOKEN",
        hide_env_values = true
    )]
    bootstrap_token: Option<String>,

    /// Address to listen on (port 0 picks a free one; TrustGraph gateways
    /// listen on 8888 since August 2026, on 8088 before)
    #[arg(long, default_value = "127.0.0.1:8888", value_name = "ADDR")]
    listen: String,

    #[command(flatten)]
    gateway: GatewayArgs,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Run CMD against a throw-away gateway, then stop it.
    ///
    /// Starts a gateway on a free loopback port in bootstrap mode (state
    /// in memory unless --state is given), bootstraps it, and runs CMD with
    /// TRUSTGRAPH_URL and TRUSTGRAPH_TOKEN (the admin API key) set and
    /// TRUSTGRAPH_CONFIG pointing at a throw-away directory, so the user's
    /// own config and saved sessions are never touched. Every other
    /// TRUSTGRAPH_* and IAM_* variable of the caller is removed (-v names
    /// them) unless --keep-env names it. When the tg-* tools sit beside
    /// tg-dev-gateway, their directory goes first on PATH.
    ///
    /// CMD runs in a process group of its own, as a shell job does, and
    /// gets each signal once: SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to
    /// exec (or its group) are passed on to CMD's group; on a terminal,
    /// CMD's group is the foreground one while it runs, so Ctrl-C goes to
    /// CMD only, and Ctrl-Z stops CMD and exec together. The gateway logs
    /// nothing but problems unless --log asks. Exits with CMD's exit code
    /// (128+N if it died of signal N; 127 if it cannot be found, 126 if it
    /// cannot be run).
    #[command(after_long_help = LONG_HELP)]
    Exec(ExecArgs),

    /// Print tg-dev-gateway's shell completions (e.g. from ~/.bashrc:
    /// source <(tg-dev-gateway completions bash))
    Completions {
        /// The shell
        #[arg(value_name = "SHELL", value_parser = tg_iam_docgen::shell_names())]
        shell: String,
    },

    /// Write the man page tg-dev-gateway(1) into DIR/man1 (DIR is created
    /// if needed; e.g. ~/.local/share/man)
    Man {
        /// A man directory
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// The end of the long --help and the man page's EXAMPLES.
const EXAMPLES: &[tg_iam_docgen::Example] = &[
    (
        "A gateway to try the tools on, at upstream's port 8888 (Ctrl-C stops it)",
        "tg-dev-gateway --bootstrap-mode bootstrap",
    ),
    (
        "Keep its state in a file, on a free port (it prints the address)",
        "tg-dev-gateway --bootstrap-mode bootstrap --state gw.db --listen 127.0.0.1:0",
    ),
    (
        "A script against a throw-away gateway (TRUSTGRAPH_URL and _TOKEN set)",
        "tg-dev-gateway exec -- ./provision.sh",
    ),
    (
        "A shell with a throw-away gateway; exit stops it",
        "tg-dev-gateway exec -- bash",
    ),
];

/// The exit codes, as --help and the man page give them.
const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    stopped by SIGINT or SIGTERM
  1    could not start (state file, address, descriptor limit), or stopped by a failure
  2    usage error (bad flags or values)
  3    the --state file is in use by another tg-dev-gateway (nothing started)
  exec: the command's exit code; 128+N if it died of signal N; 126 if it cannot be run,
  127 if it cannot be found; 1 if the gateway could not start";

/// The command line, as --help, the man page and the completions show it.
fn command() -> clap::Command {
    Cli::command()
        .after_help(EXIT_CODES_HELP)
        .after_long_help(format!(
            "{EXIT_CODES_HELP}\n\n{}",
            tg_iam_docgen::examples_help(EXAMPLES)
        ))
}

/// tg-dev-gateway(1).
fn man_page() -> Vec<u8> {
    use tg_iam_docgen::{examples_section, preformatted_after_heading, see_also, Section};
    tg_iam_docgen::command_page(
        command(),
        &[
            Section::new(
                "EXIT STATUS",
                vec![preformatted_after_heading(EXIT_CODES_HELP)],
            ),
            examples_section(EXAMPLES),
            see_also(&["tg-iam(7)".into()]),
        ],
    )
}

#[derive(Args, Debug)]
struct ExecArgs {
    #[command(flatten)]
    gateway: GatewayArgs,

    /// Pass the caller's variable NAME on to the command (a TRUSTGRAPH_*
    /// or IAM_* one, which exec otherwise removes); repeatable
    #[arg(long = "keep-env", value_name = "NAME")]
    keep_env: Vec<OsString>,

    /// Say on stderr which variables were removed from the command's
    /// environment (names only)
    #[arg(short, long)]
    verbose: bool,

    /// The command to run, and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    command: Vec<OsString>,
}

/// What the gateway does, in both the server and `exec`.
#[derive(Args, Debug)]
struct GatewayArgs {
    /// Behave like a TrustGraph 2.11 gateway
    #[arg(long, value_enum)]
    compat: Option<CompatArg>,

    /// Keep state in FILE (SQLite; a JSON state is migrated); every change
    /// is on disk before it is acknowledged; one gateway per FILE
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,

    /// Record every IAM request in FILE, one JSON object per line (- for
    /// stderr); created 0600 (the format is at the end of --help)
    #[arg(long = "audit-log", value_name = "FILE")]
    audit_log: Option<String>,

    /// What to log on stderr (more at the end of --help)
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "warn")]
    log: LogLevel,

    /// Hash passwords with 1,000 PBKDF2 iterations instead of 600,000 (tests only)
    #[arg(long = "insecure-fast-hashing")]
    insecure_fast_hashing: bool,

    /// JWT lifetime in seconds (1 to 2592000, 30 days)
    #[arg(long = "jwt-ttl", default_value_t = config::DEFAULT_JWT_TTL, value_name = "SECS",
          allow_negative_numbers = true, value_parser = seconds(config::JWT_TTL_RANGE))]
    jwt_ttl: i64,

    /// How long JWTs signed with a rotated-out key stay valid, in seconds
    /// (0 to 2592000, 30 days)
    #[arg(long = "rotation-grace", default_value_t = config::DEFAULT_ROTATION_GRACE, value_name = "SECS",
          allow_negative_numbers = true, value_parser = seconds(config::ROTATION_GRACE_RANGE))]
    rotation_grace: i64,

    /// Close a connection whose request head has not arrived within SECS
    /// (also how long an idle keep-alive connection stays open)
    #[arg(long = "header-read-timeout", value_name = "SECS", default_value_t = secs(config::HEADER_READ_TIMEOUT),
          allow_negative_numbers = true, value_parser = seconds(config::timeout_range()))]
    header_read_timeout: i64,

    /// Answer 408 when a request body has not arrived within SECS
    #[arg(long = "body-read-timeout", value_name = "SECS", default_value_t = secs(config::BODY_READ_TIMEOUT),
          allow_negative_numbers = true, value_parser = seconds(config::timeout_range()))]
    body_read_timeout: i64,

    /// Close a connection (WebSockets included) on which nothing has moved
    /// for SECS
    #[arg(long = "idle-timeout", value_name = "SECS", default_value_t = secs(config::IDLE_TIMEOUT),
          allow_negative_numbers = true, value_parser = seconds(config::timeout_range()))]
    idle_timeout: i64,

    /// Serve at most N connections at once [default: 1024, or fewer if
    /// the file-descriptor limit requires]
    #[arg(long = "max-connections", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: Option<u32>,
}

impl GatewayArgs {
    /// The gateway's configuration in `mode`.
    fn config(self, mode: BootstrapMode) -> Config {
        let mut cfg = Config::new(mode);
        cfg.compat = match self.compat {
            Some(CompatArg::V2_11) => Compat::V2_11,
            None => Compat::Design,
        };
        cfg.state_file = self.state;
        cfg.audit_log = self.audit_log.as_deref().map(AuditTarget::parse);
        cfg.jwt_ttl = self.jwt_ttl;
        cfg.rotation_grace = self.rotation_grace;
        cfg.limits = Limits {
            max_connections: self.max_connections.map(|n| n as usize),
            header_read_timeout: Duration::from_secs(self.header_read_timeout as u64),
            body_read_timeout: Duration::from_secs(self.body_read_timeout as u64),
            idle_timeout: Duration::from_secs(self.idle_timeout as u64),
        };
        if self.insecure_fast_hashing {
            cfg.iterations = crypto::FAST_ITERATIONS;
            eprintln!(
                "tg-dev-gateway: warning: --insecure-fast-hashing: passwords are hashed with {} PBKDF2 iterations, not {}; for tests only",
                crypto::FAST_ITERATIONS,
                crypto::PBKDF2_ITERATIONS
            );
        }
        cfg
    }
}

fn secs(d: Duration) -> i64 {
    d.as_secs() as i64
}

/// A whole number of seconds within `range`; anything else is a usage
/// error naming the range.
fn seconds(range: RangeInclusive<i64>) -> impl Fn(&str) -> Result<i64, String> + Clone {
    move |s: &str| {
        s.parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| config::range_text(&range))
    }
}

/// Panic messages are not printed: one might quote a secret. A panic in a
/// request handler is answered 500 and the gateway carries on.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("tg-dev-gateway: internal error: panic{at} (message withheld)");
    }));
}

/// The log on stderr, at `level`: plain text, one line per event.
fn start_log(level: LogLevel) {
    use tracing::level_filters::LevelFilter;
    let filter = match level {
        LogLevel::Off => LevelFilter::OFF,
        LogLevel::Error => LevelFilter::ERROR,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Debug => LevelFilter::DEBUG,
        LogLevel::Trace => LevelFilter::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    quiet_panics();
    match cli.command {
        Some(Sub::Completions { shell }) => {
            let spec = tg_iam_docgen::shell(&shell).expect("clap checked the shell's name");
            let script = tg_iam_docgen::completion(spec.shell, "tg-dev-gateway", &command());
            // A closed stdout is not an error.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &script);
            return ExitCode::SUCCESS;
        }
        Some(Sub::Man { dir }) => {
            let pages = [("tg-dev-gateway.1".to_string(), man_page())];
            return match tg_iam_docgen::install_man_pages(&dir, &pages) {
                Ok(paths) => {
                    let list: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
                    let _ =
                        std::io::Write::write_all(&mut std::io::stdout().lock(), list.as_bytes());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("tg-dev-gateway: error: cannot write the man page: {e}");
                    ExitCode::from(1)
                }
            };
        }
        _ => {}
    }
    if let Some(Sub::Exec(e)) = cli.command {
        start_log(e.gateway.log);
        let cfg = e.gateway.config(BootstrapMode::Bootstrap);
        let opts = ExecOptions {
            keep_env: e.keep_env,
            verbose: e.verbose,
        };
        return match tg_dev_gateway::exec::run(cfg, &e.command, &opts) {
            Ok(code) => ExitCode::from(code),
            Err(err) => {
                eprintln!("tg-dev-gateway: error: {err:#}");
                ExitCode::from(err.exit_code())
            }
        };
    }
    start_log(cli.gateway.log);
    let mode = match cli.bootstrap_mode {
        Some(Mode::Token) => BootstrapMode::Token,
        _ => BootstrapMode::Bootstrap,
    };
    let mut cfg = cli.gateway.config(mode);
    cfg.bootstrap_token = cli.bootstrap_token.filter(|t| !t.is_empty());
    match run(cfg, &cli.listen) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tg-dev-gateway: error: {e:#}");
            match e.downcast_ref::<StateInUse>() {
                Some(_) => ExitCode::from(StateInUse::EXIT_CODE),
                None => ExitCode::from(1),
            }
        }
    }
}

fn run(cfg: Config, listen: &str) -> anyhow::Result<()> {
    let gw = Arc::new(Gateway::open(cfg)?);
    // Raise the descriptor limit and size the connection cap now, so a
    // limit that cannot be honoured stops start-up.
    tg_dev_gateway::connection_cap(&gw.cfg.limits)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
        eprintln!("listening on http://{}/", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut server = tokio::spawn(tg_dev_gateway::serve(listener, gw, async {
            let _ = stopped.await;
        }));
        // Serving only ends early on a failure: report it.
        tokio::select! {
            () = shutdown_signal() => {}
            r = &mut server => {
                r.map_err(|e| anyhow::anyhow!("server task failed: {e}"))??;
                anyhow::bail!("the server stopped on its own");
            }
        }
        let _ = stop.send(());
        // Requests under way get SHUTDOWN_GRACE to finish (serve enforces
        // it); open sockets do not hold the process up.
        let bound = config::SHUTDOWN_GRACE + std::time::Duration::from_secs(1);
        match tokio::time::timeout(bound, server).await {
            Ok(Ok(r)) => r?,
            Ok(Err(e)) => anyhow::bail!("server task failed: {e}"),
            Err(_) => {}
        }
        Ok(())
    })
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
