//! Failure classes, their exit codes, and how they are shown.
//!
//! Every failure is classified where it arises (usage, refused, auth,
//! forbidden, unreachable, protocol, output, local; and a `--check` that
//! found something) and turned into an exit code and a message here, in
//! one place. What the server said is kept as data ([`Error::iam`],
//! [`Error::status`]) so that no caller has to look inside message text,
//! and a local failure keeps its cause ([`Error::source`], as
//! `std::error::Error::source`).

use std::fmt;
use std::sync::Arc;

/// The exit-code table shared by every tool (also rendered into `--help`).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  refused by IAM, or not found
  2  usage error (bad flags or input, missing password with no terminal,
     stdout closed before a one-time secret or an export was requested);
     nothing was sent
  3  authentication failed (HTTP 401, or a local credential already expired)
  4  permission denied (HTTP 403)
  5  gateway unreachable, timed out, or TLS failure
  6  unexpected response (not JSON, wrong shape, HTTP 5xx, malformed HTTP,
     a reply over the size limit, a refused redirect)
  7  the result could not be written to stdout (the message says what the
     gateway created and how to recover)
  8  --check found something: a finding in a report, or a change to make;
     the result is printed all the same
  9  a local failure: a file could not be written, the runtime could not
     start, or the system's random source failed (the message says which)";

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
    /// A `--check` found something (a report's finding, a change to
    /// make): the run did its work, and says so with its exit code.
    Check,
    /// Something on this machine failed: a file that cannot be written,
    /// a runtime that cannot start, a random source that fails.
    Local,
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
            Kind::Check => 8,
            Kind::Local => 9,
        }
    }
}

/// The `type` of an IAM error object (`{"error": {"type": …, "message": …}}`),
/// as data: the protocol's enum, which the gateway uses too.
pub use tg_iam_protocol::IamErrorType;

/// The gateway's string error for an operation it does not know.
pub const UNKNOWN_OPERATION: &str = "unknown operation";

/// A classified failure: one message line (the message, then the causes
/// of [`Error::source`]) and at most one hint line.
///
/// The rarely set strings are boxed: the error travels in every `Result`
/// of the library, and stays under clippy's 128-byte bound.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<Box<str>>,
    /// The gateway's own words (`HTTP 401: auth failure`), when it answered.
    pub detail: Option<Box<str>>,
    /// The HTTP status, when the gateway answered with one.
    pub status: Option<u16>,
    /// The IAM error type, when the reply carried one.
    pub iam: Option<IamErrorType>,
    /// The gateway's own string error (`{"error": "unknown operation"}`),
    /// kept as said.
    pub gateway_error: Option<Box<str>>,
    /// What caused it, when that is an error of its own (an I/O error).
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
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
            gateway_error: None,
            source: None,
        }
    }

    /// A local failure (exit 9): `message` says what could not be done,
    /// `cause` why.
    pub fn local(
        message: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::new(Kind::Local, message).with_source(cause)
    }

    /// The same failure, caused by `cause` (shown after the message).
    pub fn with_source(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(cause));
        self
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
        self.hint = Some(hint.into().into());
        self
    }

    /// True when IAM said the target does not exist.
    pub fn is_not_found(&self) -> bool {
        self.iam == Some(IamErrorType::NotFound)
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
        e.gateway_error = self.gateway_error;
        e.detail = self.detail;
        e.source = self.source;
        e
    }

    /// The message, then each cause of the chain: `cannot write the
    /// config file /x/config.toml: Permission denied (os error 13)`.
    pub fn full_message(&self) -> String {
        let mut s = self.message.clone();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            s.push_str(": ");
            s.push_str(&c.to_string());
            cause = c.source();
        }
        s
    }

    /// The lines printed on stderr for `tool`, scrubbed of every secret
    /// and of terminal controls. A `--check` that found something is no
    /// error: it says `check failed`.
    pub fn render(&self, tool: &str) -> String {
        let label = match self.kind {
            Kind::Check => "check failed",
            _ => "error",
        };
        let mut s =
            crate::output::stderr_text(&format!("{tool}: {label}: {}", self.full_message()));
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_failure_keeps_its_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let e = Error::local("cannot write the config file /c.toml", io);
        assert_eq!(e.kind.exit_code(), 9);
        let cause = std::error::Error::source(&e).expect("the cause is kept");
        let io = cause.downcast_ref::<std::io::Error>().expect("as itself");
        assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(e.message, "cannot write the config file /c.toml");
        assert_eq!(
            e.render("tg-config"),
            "tg-config: error: cannot write the config file /c.toml: denied\n"
        );
        // Reworded, it is still the same failure with the same cause.
        let e = e.reworded("logged in, but the session could not be saved");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn exit_codes_are_distinct_and_documented() {
        let kinds = [
            Kind::Refused,
            Kind::Usage,
            Kind::Auth,
            Kind::Forbidden,
            Kind::Unreachable,
            Kind::Protocol,
            Kind::Output,
            Kind::Check,
            Kind::Local,
        ];
        let mut seen = std::collections::HashSet::new();
        for k in kinds {
            let code = k.exit_code();
            assert!(seen.insert(code), "{k:?}: {code} twice");
            assert!(
                EXIT_CODES_HELP.contains(&format!("\n  {code}  ")),
                "{k:?}: {code} is not in the table"
            );
        }
    }
}
