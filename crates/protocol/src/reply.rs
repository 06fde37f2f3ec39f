//! The shapes of successful replies (§4.2), one per kind of answer.
//!
//! Written ([`fields`]) as iam-svc's translator writes them (§3): only
//! the fields that are set appear, so an empty list or string and an absent
//! record are left out, and records are written whole. The gateway adds
//! `bootstrap_available` to every success (2.11: to every reply); these
//! types leave it to the caller, which needs it as it came (see the
//! client's `Reply`).
//!
//! Read leniently: unknown fields are ignored and missing ones are empty.
//! A reply that lacks what was asked for is how a 2.11 gateway refuses, so
//! the reader, not the type, decides what a missing field means.

use crate::record::{ApiKey, User, Workspace};
use serde::Serialize;
use serde_json::{Map, Value};

/// A reply's fields as the gateway writes them: those that are set
/// (`null`, `""` and `[]` are left out; `false` is a value).
pub fn fields<T: Serialize>(reply: &T) -> Map<String, Value> {
    // Strings, lists, booleans and records: this cannot fail.
    let mut m = match serde_json::to_value(reply) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    m.retain(|_, v| match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    });
    m
}

wire_types! {
    /// `whoami`, `create-user`, `get-user`, `update-user`.
    pub struct UserReply {
        pub user: Option<User>,
    }

    /// `list-users`.
    pub struct UserList {
        pub users: Vec<User>,
    }

    /// `create-workspace`, `get-workspace`, `update-workspace`.
    pub struct WorkspaceReply {
        pub workspace: Option<Workspace>,
    }

    /// `list-workspaces`, `list-my-workspaces`.
    pub struct WorkspaceList {
        pub workspaces: Vec<Workspace>,
    }

    /// `list-api-keys`.
    pub struct ApiKeyList {
        pub api_keys: Vec<ApiKey>,
    }

    /// `create-api-key`: the plaintext, shown once, and the key's record.
    pub struct CreatedApiKey {
        pub api_key_plaintext: String,
        pub api_key: Option<ApiKey>,
    }

    /// `login`, `mint-token`: a JWT and when it expires
    /// (`2026-11-22T08:00:25+00:00`, never a fraction).
    pub struct Token {
        pub jwt: String,
        pub jwt_expires: String,
    }

    /// `bootstrap`: the first admin's id and API key.
    pub struct Bootstrapped {
        pub bootstrap_admin_user_id: String,
        pub bootstrap_admin_api_key: String,
    }

    /// `bootstrap-status`.
    pub struct BootstrapStatus {
        pub bootstrap_available: bool,
    }

    /// `reset-password`: a one-time temporary password.
    pub struct TemporaryPassword {
        pub temporary_password: String,
    }

    /// The empty ("void") reply: `change-password`, `disable-user`,
    /// `enable-user`, `delete-user`, `revoke-api-key`, `disable-workspace`,
    /// `rotate-signing-key`.
    pub struct Void {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_python_json;

    fn written<T: Serialize>(r: &T) -> String {
        to_python_json(&Value::Object(fields(r)))
    }

    #[test]
    fn only_what_is_set_is_written() {
        assert_eq!(written(&UserList::default()), "{}");
        assert_eq!(written(&UserReply::default()), "{}");
        assert_eq!(written(&CreatedApiKey::default()), "{}");
        assert_eq!(written(&Token::default()), "{}");
        assert_eq!(written(&Void {}), "{}");
        assert_eq!(
            written(&BootstrapStatus::default()),
            r#"{"bootstrap_available": false}"#
        );
        assert_eq!(
            written(&Token {
                jwt: "a.b.c".into(),
                jwt_expires: "2026-11-22T08:00:25+00:00".into()
            }),
            r#"{"jwt": "a.b.c", "jwt_expires": "2026-11-22T08:00:25+00:00"}"#
        );
    }

    #[test]
    fn a_bare_2_11_reply_reads_as_empty() {
        let r: CreatedApiKey = serde_json::from_str(r#"{"bootstrap_available": false}"#).unwrap();
        assert_eq!(r, CreatedApiKey::default());
        let r: UserList = serde_json::from_str(r#"{"bootstrap_available": false}"#).unwrap();
        assert!(r.users.is_empty());
    }
}
