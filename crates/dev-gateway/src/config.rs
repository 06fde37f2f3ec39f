//! How a gateway is configured, and every limit it enforces: token
//! lifetimes, body sizes, timeouts and the connection cap. Each limit is a
//! named constant here (docs/dev-gateway.md lists them); the ones an operator may
//! change are also fields of [`Config`] and flags of the binary.

use crate::crypto;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How the admin comes to exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootstrapMode {
    /// `bootstrap` succeeds once, while there are no users.
    Bootstrap,
    /// The admin's API key is the operator's token, seeded at start.
    Token,
}

/// Where the audit log goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditTarget {
    Stderr,
    File(PathBuf),
}

impl AuditTarget {
    /// `-` is stderr; anything else a file.
    pub fn parse(s: &str) -> AuditTarget {
        match s {
            "-" => AuditTarget::Stderr,
            p => AuditTarget::File(PathBuf::from(p)),
        }
    }
}

/// Which gateway to behave like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compat {
    /// The design: IAM errors carried in replies.
    Design,
    /// TrustGraph 2.11: refusals as HTTP 200 with no error, and
    /// `bootstrap_available` in every reply.
    V2_11,
}

const DAY: i64 = 24 * 3600;

/// JWT lifetime: the default, and the accepted range (1 s to 30 days).
pub const DEFAULT_JWT_TTL: i64 = 3600;
pub const JWT_TTL_RANGE: RangeInclusive<i64> = 1..=30 * DAY;

/// How long a rotated-out signing key still validates JWTs: the default,
/// and the accepted range (0 to 30 days).
pub const DEFAULT_ROTATION_GRACE: i64 = 3600;
pub const ROTATION_GRACE_RANGE: RangeInclusive<i64> = 0..=30 * DAY;

/// Request bodies above this get 413, on requests with a valid credential.
pub const MAX_BODY: usize = 1 << 20;
/// The body limit for a request without a valid credential (public
/// operations such as login are small); larger bodies get 413 before
/// they are read.
pub const MAX_UNAUTHENTICATED_BODY: usize = 16 << 10;
/// The largest WebSocket message accepted (IAM frames are small).
pub const MAX_SOCKET_MESSAGE: usize = 64 << 10;
/// Requests answered at once on one socket; further request frames wait
/// (and the socket is not read meanwhile), as the reference's ~15
/// in-flight requests and small intake queue make them wait.
pub const MAX_SOCKET_IN_FLIGHT: usize = 15;

/// A request's head must arrive within this, counted from the moment the
/// connection is ready for it (so it is also how long an idle keep-alive
/// connection stays open).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A request's body must arrive within this once its head has.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection (WebSocket included) on which nothing moves for this long
/// is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Accepted range for the three timeouts, seconds.
pub const TIMEOUT_RANGE_SECS: RangeInclusive<u64> = 1..=3600;

/// At shutdown, how long a request under way may take to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Concurrent connections, at most; lowered at start to fit the
/// descriptor limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Descriptors kept back from the connection cap for the gateway itself
/// (standard streams, the listener, the runtime, the state file).
pub const RESERVED_FDS: u64 = 32;
/// At start the soft descriptor limit is raised towards the hard one, up
/// to this.
pub const FD_LIMIT_TARGET: u64 = 65_536;

/// The connection limits of one gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `None`: [`DEFAULT_MAX_CONNECTIONS`], lowered to what the descriptor
    /// limit allows. `Some(n)`: exactly `n`, or an error at start if the
    /// descriptor limit does not allow it.
    pub max_connections: Option<usize>,
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: None,
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bootstrap_mode: BootstrapMode,
    pub bootstrap_token: Option<String>,
    pub compat: Compat,
    /// PBKDF2 iterations for new password hashes.
    pub iterations: u32,
    /// JWT lifetime, seconds, within [`JWT_TTL_RANGE`].
    pub jwt_ttl: i64,
    /// How long a rotated-out signing key still validates JWTs, seconds,
    /// within [`ROTATION_GRACE_RANGE`].
    pub rotation_grace: i64,
    pub state_file: Option<PathBuf>,
    /// Where the audit log goes, if anywhere (see [`crate::audit`]).
    pub audit_log: Option<AuditTarget>,
    pub limits: Limits,
    /// Offer `service: "test"` on the socket (streamed replies, delays,
    /// stalls, freezes, pings) for client tests; see `ws::test_service`.
    /// Off by default, and not reachable from the binary's flags.
    pub test_service: bool,
    /// Test hook (no flag): a scripted refusal. Consulted for every
    /// admitted request; when it returns an error, the operation does not
    /// run and the error is the reply (in 2.11 mode: a bare reply).
    pub refuse: Option<RefuseHook>,
}

/// The refusal hook of [`Config::refuse`]: given the request body (with
/// `operation`), `Some((type, message))` refuses it with that IAM error.
#[derive(Clone)]
pub struct RefuseHook(
    #[allow(clippy::type_complexity)]
    pub  Arc<
        dyn Fn(&serde_json::Map<String, serde_json::Value>) -> Option<(&'static str, String)>
            + Send
            + Sync,
    >,
);

impl std::fmt::Debug for RefuseHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefuseHook")
    }
}

impl Config {
    pub fn new(bootstrap_mode: BootstrapMode) -> Config {
        Config {
            bootstrap_mode,
            bootstrap_token: None,
            compat: Compat::Design,
            iterations: crypto::PBKDF2_ITERATIONS,
            jwt_ttl: DEFAULT_JWT_TTL,
            rotation_grace: DEFAULT_ROTATION_GRACE,
            state_file: None,
            audit_log: None,
            limits: Limits::default(),
            test_service: false,
            refuse: None,
        }
    }

    /// Refuse a configuration the gateway cannot honour, with the reason.
    pub fn validate(&self) -> anyhow::Result<()> {
        match (&self.bootstrap_mode, &self.bootstrap_token) {
            (BootstrapMode::Bootstrap, Some(_)) => {
                anyhow::bail!("--bootstrap-token is not allowed with --bootstrap-mode bootstrap")
            }
            (BootstrapMode::Token, None) => {
                anyhow::bail!(
                    "--bootstrap-mode token needs --bootstrap-token (or IAM_BOOTSTRAP_TOKEN)"
                )
            }
            (BootstrapMode::Token, Some(t)) if !t.starts_with("tg_") || t.len() < 8 => {
                anyhow::bail!(
                    "the bootstrap token must be an API key: 'tg_' followed by random characters"
                )
            }
            _ => {}
        }
        if !JWT_TTL_RANGE.contains(&self.jwt_ttl) {
            anyhow::bail!("--jwt-ttl {}: {}", self.jwt_ttl, range_text(&JWT_TTL_RANGE));
        }
        if !ROTATION_GRACE_RANGE.contains(&self.rotation_grace) {
            anyhow::bail!(
                "--rotation-grace {}: {}",
                self.rotation_grace,
                range_text(&ROTATION_GRACE_RANGE)
            );
        }
        if self.iterations == 0 {
            anyhow::bail!("PBKDF2 iterations must be at least 1");
        }
        let l = &self.limits;
        for (flag, d) in [
            ("--header-read-timeout", l.header_read_timeout),
            ("--body-read-timeout", l.body_read_timeout),
            ("--idle-timeout", l.idle_timeout),
        ] {
            if !TIMEOUT_RANGE_SECS.contains(&d.as_secs()) || d.subsec_nanos() != 0 {
                anyhow::bail!("{flag} {:?}: {}", d, range_text(&timeout_range()));
            }
        }
        if l.max_connections == Some(0) {
            anyhow::bail!("--max-connections must be at least 1");
        }
        Ok(())
    }
}

/// `must be between 1 and 2592000 seconds (30 days)`
pub fn range_text(r: &RangeInclusive<i64>) -> String {
    let end = *r.end();
    let human = match end {
        e if e >= DAY && e % DAY == 0 => format!(" ({} days)", e / DAY),
        3600 => " (1 hour)".to_string(),
        _ => String::new(),
    };
    format!("must be between {} and {end} seconds{human}", r.start())
}

/// [`TIMEOUT_RANGE_SECS`] as signed seconds.
pub fn timeout_range() -> RangeInclusive<i64> {
    *TIMEOUT_RANGE_SECS.start() as i64..=*TIMEOUT_RANGE_SECS.end() as i64
}

/// Every limit, as docs/dev-gateway.md lists it (read from the constants above).
pub fn limits_table() -> String {
    fn size(b: usize) -> String {
        match b {
            b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
            b if b % 1024 == 0 => format!("{} KiB", b >> 10),
            b => format!("{b} bytes"),
        }
    }
    fn secs(d: Duration) -> String {
        format!("{} s", d.as_secs())
    }
    let days = |r: &RangeInclusive<i64>| format!("{} s to {} days", r.start(), r.end() / DAY);
    let rows: &[(&str, String, &str, &str)] = &[
        ("Request body with a valid credential (413 above)", size(MAX_BODY), "MAX_BODY", ""),
        (
            "Request body without one: the public routes, and `/api/v1/iam` before it knows the operation (413 above, unread when `Content-Length` says so)",
            size(MAX_UNAUTHENTICATED_BODY),
            "MAX_UNAUTHENTICATED_BODY",
            "",
        ),
        ("WebSocket message", size(MAX_SOCKET_MESSAGE), "MAX_SOCKET_MESSAGE", ""),
        (
            "Requests answered at once on one WebSocket (further frames wait)",
            MAX_SOCKET_IN_FLIGHT.to_string(),
            "MAX_SOCKET_IN_FLIGHT",
            "",
        ),
        (
            "Request head, from when the connection is ready for it (then closed; so also how long an idle keep-alive connection lives)",
            secs(HEADER_READ_TIMEOUT),
            "HEADER_READ_TIMEOUT",
            "`--header-read-timeout`",
        ),
        (
            "Request body, from the end of its head (then 408)",
            secs(BODY_READ_TIMEOUT),
            "BODY_READ_TIMEOUT",
            "`--body-read-timeout`",
        ),
        (
            "Nothing moving on a connection or WebSocket (then closed)",
            secs(IDLE_TIMEOUT),
            "IDLE_TIMEOUT",
            "`--idle-timeout`",
        ),
        (
            "Accepted range of the three timeouts",
            format!("{} s to {} s", TIMEOUT_RANGE_SECS.start(), TIMEOUT_RANGE_SECS.end()),
            "TIMEOUT_RANGE_SECS",
            "",
        ),
        (
            "At shutdown, time a request under way gets to finish",
            secs(SHUTDOWN_GRACE),
            "SHUTDOWN_GRACE",
            "",
        ),
        (
            "Connections served at once (more wait in the listen backlog); lowered to fit the descriptor limit",
            DEFAULT_MAX_CONNECTIONS.to_string(),
            "DEFAULT_MAX_CONNECTIONS",
            "`--max-connections`",
        ),
        (
            "Descriptors kept back from the connection cap for the gateway itself",
            RESERVED_FDS.to_string(),
            "RESERVED_FDS",
            "",
        ),
        (
            "Soft descriptor limit, raised at start towards the hard limit up to",
            FD_LIMIT_TARGET.to_string(),
            "FD_LIMIT_TARGET",
            "",
        ),
        (
            "JWT lifetime",
            format!("{} s ({})", DEFAULT_JWT_TTL, days(&JWT_TTL_RANGE)),
            "DEFAULT_JWT_TTL, JWT_TTL_RANGE",
            "`--jwt-ttl`",
        ),
        (
            "Rotation grace",
            format!("{} s ({})", DEFAULT_ROTATION_GRACE, days(&ROTATION_GRACE_RANGE)),
            "DEFAULT_ROTATION_GRACE, ROTATION_GRACE_RANGE",
            "`--rotation-grace`",
        ),
        (
            "PBKDF2 iterations of new password hashes",
            format!("{} ({} with the flag)", crypto::PBKDF2_ITERATIONS, crypto::FAST_ITERATIONS),
            "crypto::PBKDF2_ITERATIONS",
            "`--insecure-fast-hashing`",
        ),
    ];
    let mut out = String::from("| Limit | Default | Constant | Flag |\n|---|---|---|---|\n");
    for (what, value, constant, flag) in rows {
        let constant = constant
            .split(", ")
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!("| {what} | {value} | {constant} | {flag} |\n"));
    }
    out
}
