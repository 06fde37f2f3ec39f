//! Failure classes, their exit codes, and how they are shown.
//!
//! Every failure is classified where it arises (usage, refused, auth,
//! forbidden, unreachable, protocol) and turned into an exit code and a
//! message here, in one place.

use std::fmt;

/// The exit-code table shared by every tool (also rendered into `--help`).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  refused by IAM, or not found
  2  usage error (bad flags or input, missing password with no terminal)
  3  authentication failed (HTTP 401, or a local credential already expired)
  4  permission denied (HTTP 403)
  5  gateway unreachable, timed out, or TLS failure
  6  unexpected response (not JSON, wrong shape, HTTP 5xx)";

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
    /// Not JSON, wrong shape, 5xx, unexpected status.
    Protocol,
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
        }
    }
}

/// A classified failure: one message line and at most one hint line.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    /// The gateway's own words (`HTTP 401: auth failure`), when it answered.
    pub detail: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            detail: None,
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

    /// Reword an authentication failure for what the tool was doing:
    /// `"{what} (HTTP 401: auth failure)"` with `hint`. Other kinds pass
    /// through unchanged.
    pub fn on_auth(self, what: &str, hint: &str) -> Self {
        if self.kind != Kind::Auth {
            return self;
        }
        let said = self.detail.as_deref().unwrap_or(&self.message);
        Error::auth(format!("{what} ({said})")).with_hint(hint)
    }

    /// The lines printed on stderr for `tool`.
    pub fn render(&self, tool: &str) -> String {
        let mut s = format!(
            "{tool}: error: {}\n",
            crate::output::sanitize(&self.message)
        );
        if let Some(h) = &self.hint {
            s.push_str(&format!("hint: {}\n", crate::output::sanitize(h)));
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
