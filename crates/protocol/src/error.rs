//! IAM errors: `{"error": {"type": TYPE, "message": TEXT}}` (§6.2), and
//! the WebSocket envelope's own error types (§10.4).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $ty:ident { $($(#[$doc:meta])* $variant:ident = $name:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $ty {
            $($(#[$doc])* $variant,)*
            /// A type this suite does not know, kept as said.
            Unknown(String),
        }

        impl $ty {
            /// The type as the wire spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($ty::$variant => $name,)*
                    $ty::Unknown(s) => s,
                }
            }

            /// The type the wire string `s` names.
            pub fn from_wire(s: &str) -> $ty {
                match s {
                    $($name => $ty::$variant,)*
                    other => $ty::Unknown(other.to_string()),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($ty::from_wire(&String::deserialize(d)?))
            }
        }
    };
}

wire_enum! {
    /// The `type` of an IAM error.
    IamErrorType {
        /// A missing field, a reserved id, an immutable field, an unknown
        /// operation.
        InvalidArgument = "invalid-argument",
        /// The user, workspace or key does not exist.
        NotFound = "not-found",
        /// `create-user`: the username is taken.
        Duplicate = "duplicate",
        /// Login, change-password, bootstrap refusals.
        AuthFailed = "auth-failed",
        /// The `workspace` integrity check failed.
        OperationNotPermitted = "operation-not-permitted",
        /// An exception inside iam-svc.
        InternalError = "internal-error",
        /// Listed by the spec; iam-svc never sends it.
        WeakPassword = "weak-password",
        /// Listed by the spec; iam-svc never sends it.
        Disabled = "disabled",
        /// The gateway's own: the bus failed or timed out.
        GatewayError = "gateway-error",
    }
}

wire_enum! {
    /// The `type` of a WebSocket envelope error (`{"id", "error": {"type",
    /// "message"}, "complete": true}`), which the socket adds to the IAM
    /// error types.
    EnvelopeErrorType {
        /// A request before the first frame authenticated.
        AuthRequired = "auth-required",
        /// The caller may not use the service.
        AccessDenied = "access-denied",
        /// The request names a workspace the gateway does not know.
        WorkspaceNotFound = "workspace-not-found",
        /// No such service.
        UnknownService = "unknown-service",
        /// Anything else the socket refuses.
        Error = "error",
    }
}

impl Default for IamErrorType {
    fn default() -> Self {
        IamErrorType::Unknown(String::new())
    }
}

/// An IAM error object: `{"type": ..., "message": ...}`. Missing fields
/// read as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamError {
    #[serde(rename = "type")]
    pub kind: IamErrorType,
    pub message: String,
}

impl IamError {
    pub fn new(kind: IamErrorType, message: impl Into<String>) -> IamError {
        IamError {
            kind,
            message: message.into(),
        }
    }

    /// `invalid-argument` with `message`.
    pub fn invalid(message: impl Into<String>) -> IamError {
        IamError::new(IamErrorType::InvalidArgument, message)
    }

    /// `not-found` with `message`.
    pub fn not_found(message: impl Into<String>) -> IamError {
        IamError::new(IamErrorType::NotFound, message)
    }
}

impl fmt::Display for IamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for IamError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_round_trip_and_unknown_is_kept() {
        for t in [
            "invalid-argument",
            "not-found",
            "duplicate",
            "auth-failed",
            "operation-not-permitted",
            "internal-error",
            "weak-password",
            "disabled",
            "gateway-error",
            "teapot",
        ] {
            let k = IamErrorType::from_wire(t);
            assert_eq!(k.as_str(), t);
            assert_eq!(serde_json::to_value(&k).unwrap(), json!(t));
        }
        assert_eq!(
            IamErrorType::from_wire("teapot"),
            IamErrorType::Unknown("teapot".into())
        );
        assert_eq!(
            EnvelopeErrorType::from_wire("auth-required"),
            EnvelopeErrorType::AuthRequired
        );
    }

    #[test]
    fn error_object_as_the_wire_carries_it() {
        let e: IamError =
            serde_json::from_str(r#"{"type": "not-found", "message": "user not found", "x": 1}"#)
                .unwrap();
        assert_eq!(e, IamError::not_found("user not found"));
        assert_eq!(
            crate::to_python_json(&serde_json::to_value(&e).unwrap()),
            r#"{"type": "not-found", "message": "user not found"}"#
        );
        let e: IamError = serde_json::from_str(r#"{"message": "m"}"#).unwrap();
        assert_eq!(e.kind, IamErrorType::Unknown(String::new()));
    }
}
