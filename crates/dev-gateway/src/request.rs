//! One IAM request inside the gateway, as every layer passes it on: its
//! body as sent ([`Body`]), who sent it ([`Identity`], from the credential
//! [`crate::authn`] resolved; [`Actor`], as the dispatcher names the
//! caller to the operation), and how it ends ([`Reply`], or an
//! [`IamError`]).
//!
//! It sits below everything that handles a request (authentication,
//! authorisation, the audit log, the operations, the dispatcher), so that
//! none of them has to import another for these.

use serde_json::{Map, Value};
pub use tg_iam_protocol::{IamError, IamErrorType};

/// A request body: `{"operation": NAME, ...}` as the client sent it (the
/// dispatcher sets `actor`).
pub type Body = Map<String, Value>;

/// The fields of a successful reply, as the gateway writes them.
pub type Reply = Map<String, Value>;

pub type IamResult = Result<Reply, IamError>;

/// Who a credential belongs to, and what it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    /// The workspace the credential acts in by default: the user's home
    /// for an API key, the `default_workspace` claim for a JWT.
    pub workspace: String,
    /// The `user_context` claim of a JWT minted by `mint-token`, when it
    /// is a JSON object (as the 2.11.1 gateway keeps it); `None` for API
    /// keys and login JWTs. Injected into inner socket requests as
    /// `"user-context"`.
    pub user_context: Option<Value>,
    pub(crate) source: Source,
}

/// The credential an identity came from: what must still hold for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// An API key, by the SHA-256 of its plaintext.
    ApiKey { hash: String },
    /// A JWT whose signature was verified with signing key `kid`, issued
    /// at `iat` (epoch seconds; `None` when it has no such claim).
    Jwt {
        kid: String,
        exp: i64,
        iat: Option<i64>,
    },
}

/// The caller of an operation: the `actor` the dispatcher wrote into the
/// body (the authenticated caller's id, for every operation that is not
/// public; none otherwise).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a>(Option<&'a str>);

impl<'a> Actor<'a> {
    /// The `actor` of `body`; an empty one is none.
    pub fn of(body: &'a Body) -> Actor<'a> {
        Actor(
            body.get("actor")
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty()),
        )
    }

    /// The caller's id, if there is one.
    pub fn get(self) -> Option<&'a str> {
        self.0
    }

    /// The caller's id, which an operation that acts on the caller needs.
    pub fn id(self) -> Result<&'a str, IamError> {
        self.0
            .ok_or_else(|| invalid("actor required (gateway should populate this)"))
    }
}

/// An IAM error of type `kind`.
pub(crate) fn err(kind: IamErrorType, message: impl Into<String>) -> IamError {
    IamError::new(kind, message)
}

/// `invalid-argument`.
pub(crate) fn invalid(m: &str) -> IamError {
    IamError::invalid(m)
}

/// A request field's `value`, which must not be empty (`message`, an
/// `invalid-argument`, otherwise).
pub(crate) fn required<'a>(value: &'a str, message: &str) -> Result<&'a str, IamError> {
    match value {
        "" => Err(invalid(message)),
        v => Ok(v),
    }
}
