//! Failure classes, their exit codes, and how they are shown.
//!
//! Every failure is classified where it arises (usage, refused, auth,
//! forbidden, unreachable, protocol, output) and turned into an exit code
//! and a message here, in one place. What the server said is kept as data
//! ([`Error::iam`], [`Error::status`]) so that no caller has to look inside
//! message text.

use std::fmt;

/// The exit-code table shared by every tool (also rendered into `--help`).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  refused by IAM, or not found
  2  usage error (bad flags or input, missing password with no terminal,
     stdout closed before a one-time secret was requested); nothing was sent
  3  authentication failed (HTTP 401, or a local credential already expired)
  4  permission denied (HTTP 403)
  5  gateway unreachable, timed out, or TLS failure
  6  unexpected response (not JSON, wrong shape, HTTP 5xx, malformed HTTP,
     a reply over the size limit, a refused redirect)
  7  the result could not be written to stdout (the message says what the
     gateway created and how to recover)";

/// What went wrong, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// IAM refused the request, or the target does not exist.
    Refused,
    /// Bad flags or input.
    Usage,
    /// HTTP 401, a failed login, or an already-expired local credential.
    Auth,
    /// HTTP 403.
    Forbidden,
    /// Connection refused, DNS, timeout, TLS.
    Unreachable,
    /// Not JSON, wrong shape, 5xx, malformed HTTP, unexpected status.
    Protocol,
    /// Writing the result to stdout failed.
    Output,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Refused => 1,
            Kind::Usage => 2,
            Kind::Auth => 3,
            Kind::Forbidden => 4,
            Kind::Unreachable => 5,
            Kind::Protocol => 6,
            Kind::Output => 7,
        }
    }
}

/// The `type` of an IAM error object (`{"error": {"type": …, "message": …}}`),
/// or the gateway's own string error, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamType {
    NotFound,
    InvalidArgument,
    Duplicate,
    AuthFailed,
    OperationNotPermitted,
    InternalError,
    GatewayError,
    /// An error `type` this suite does not know.
    Other(String),
    /// The gateway refused the request itself with a string error
    /// (`{"error": "unknown operation"}`); the text is kept as said.
    Gateway(String),
}

impl IamType {
    /// The IAM error type named by the wire value `t`.
    pub fn from_wire(t: &str) -> IamType {
        match t {
            "not-found" => IamType::NotFound,
            "invalid-argument" => IamType::InvalidArgument,
            "duplicate" => IamType::Duplicate,
            "auth-failed" => IamType::AuthFailed,
            "operation-not-permitted" => IamType::OperationNotPermitted,
            "internal-error" => IamType::InternalError,
            "gateway-error" => IamType::GatewayError,
            other => IamType::Other(other.to_string()),
        }
    }
}

/// The gateway's string error for an operation it does not know.
pub const UNKNOWN_OPERATION: &str = "unknown operation";

/// A classified failure: one message line and at most one hint line.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    /// The gateway's own words (`HTTP 401: auth failure`), when it answered.
    pub detail: Option<String>,
    /// The HTTP status, when the gateway answered with one.
    pub status: Option<u16>,
    /// The IAM error type, when the reply carried one.
    pub iam: Option<IamType>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A request that mints a secret failed where it may still have been
    /// carried out (no answer, or an answer that could not be read): say
    /// that `what` may exist with its secret unseen, and how to `recover`.
    /// Other failures are returned as they are.
    pub fn outcome_unknown(self, what: &str, recover: &str) -> Error {
        if !matches!(self.kind, Kind::Unreachable | Kind::Protocol) {
            return self;
        }
        let message = format!("{}; the outcome is unknown: {what}", self.message);
        self.reworded(message).with_hint(recover)
    }

    /// The same failure (kind, hint, and what the gateway said) in other
    /// words: for a caller that knows what the failed request was for.
    pub fn reworded(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            detail: None,
            status: None,
            iam: None,
        }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(Kind::Refused, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(Kind::Auth, message)
    }

    pub fn protocol(message: impl Into<String>) -> Self {
        Self::new(Kind::Protocol, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// True when IAM said the target does not exist.
    pub fn is_not_found(&self) -> bool {
        self.iam == Some(IamType::NotFound)
    }

    /// Reword an authentication failure for what the tool was doing:
    /// `"{what} (HTTP 401: auth failure)"` with `hint`. Other kinds pass
    /// through unchanged.
    pub fn on_auth(self, what: &str, hint: &str) -> Self {
        if self.kind != Kind::Auth {
            return self;
        }
        let said = self.detail.as_deref().unwrap_or(&self.message);
        let mut e = Error::auth(format!("{what} ({said})")).with_hint(hint);
        e.status = self.status;
        e.iam = self.iam;
        e.detail = self.detail;
        e
    }

    /// The lines printed on stderr for `tool`, scrubbed of every secret
    /// and of terminal controls.
    pub fn render(&self, tool: &str) -> String {
        let mut s = crate::output::stderr_text(&format!("{tool}: error: {}", self.message));
        s.push('\n');
        if let Some(h) = &self.hint {
            s.push_str(&crate::output::stderr_text(&format!("hint: {h}")));
            s.push('\n');
        }
        s
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
