//! The shapes of successful replies (§4.2), one per kind of answer.
//!
//! Written as iam-svc's translator writes them (§3): only fields that are
//! set ("truthy") appear, so an empty list or string is left out, and
//! records are written whole. The gateway adds `bootstrap_available` to
//! every success (2.11: to every reply); these types leave it to the
//! caller, which needs it as it came (see the client's `Reply`).
//!
//! Read leniently: unknown fields are ignored and missing ones are empty.
//! A reply that lacks what was asked for is how a 2.11 gateway refuses, so
//! the reader, not the type, decides what a missing field means.

use crate::record::{ApiKey, User, Workspace};
use serde::{Deserialize, Serialize};

/// `whoami`, `create-user`, `get-user`, `update-user`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserReply {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
}

/// `list-users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserList {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
}

/// `create-workspace`, `get-workspace`, `update-workspace`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceReply {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Workspace>,
}

/// `list-workspaces`, `list-my-workspaces`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceList {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<Workspace>,
}

/// `list-api-keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiKeyList {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_keys: Vec<ApiKey>,
}

/// `create-api-key`: the plaintext, shown once, and the key's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreatedApiKey {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_key_plaintext: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKey>,
}

/// `login`, `mint-token`: a JWT and when it expires
/// (`2026-11-22T08:00:25+00:00`, never a fraction).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Token {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub jwt: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub jwt_expires: String,
}

/// `bootstrap`: the first admin's id and API key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bootstrapped {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bootstrap_admin_user_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bootstrap_admin_api_key: String,
}

/// `bootstrap-status`; the field is written even when false.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapStatus {
    pub bootstrap_available: bool,
}

/// `reset-password`: a one-time temporary password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemporaryPassword {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub temporary_password: String,
}

/// The empty ("void") reply: `change-password`, `disable-user`,
/// `enable-user`, `delete-user`, `revoke-api-key`, `disable-workspace`,
/// `rotate-signing-key`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Void {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_python_json;

    fn written<T: Serialize>(r: &T) -> String {
        to_python_json(&serde_json::to_value(r).unwrap())
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
