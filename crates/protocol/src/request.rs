//! Request bodies, one type per shape.
//!
//! **Writing** ([`body`], [`body_text`]): `{"operation": NAME}` and then
//! the type's fields in declaration order, an unset optional field left
//! out, in Python's `json.dumps` spacing. That is byte for byte what the
//! upstream 2.11.1 tools send, key order included (the tests of the tools
//! assert it); where a tool of this suite sends something upstream has no
//! tool for (`update-workspace`), the order is this suite's and as fixed.
//!
//! **Reading** (the gateway): as iam-svc's request decoder reads (§3).
//! Any client may send anything, so no field of a request can make the
//! decoding fail: an unknown field is ignored; a string field that is
//! absent, null or not a string reads as empty (`""` or `None`); `roles`
//! given as a string is split into characters, as Python's
//! `list("admin")` does; a boolean keeps the difference between absent,
//! null and a value ([`Flag`]); a nested object that is not an object
//! reads as absent.

use crate::operation::Operation;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The body of an IAM request: `{"operation": NAME}`, then the fields of
/// `fields` in their order.
pub fn body<T: Serialize>(op: Operation, fields: &T) -> Value {
    let mut m = Map::new();
    m.insert("operation".into(), op.name().into());
    // The request types serialise to objects of strings, lists and
    // booleans, which cannot fail.
    if let Ok(Value::Object(f)) = serde_json::to_value(fields) {
        m.extend(f);
    }
    Value::Object(m)
}

/// [`body`] as the upstream tools write it (Python `json.dumps`).
pub fn body_text<T: Serialize>(op: Operation, fields: &T) -> String {
    crate::to_python_json(&body(op, fields))
}

/// Read a request's fields as the gateway's decoder does (see the module
/// documentation): this never fails for an object.
pub fn decode<T: DeserializeOwned + Default>(body: &Map<String, Value>) -> T {
    T::deserialize(Value::Object(body.clone())).unwrap_or_default()
}

/// A request boolean as iam-svc's decoder sees it: absent (the decoder
/// fills its default), an explicit `null` (carried through: the stored
/// value is kept), or a value. A value that is not a boolean reads as
/// absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Flag {
    /// Not sent.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent as a boolean.
    Set(bool),
}

impl Flag {
    pub fn is_absent(&self) -> bool {
        *self == Flag::Absent
    }

    /// The value the decoder hands on: `absent` when not sent, `None`
    /// (keep the stored value) for null, else the value.
    pub fn read(self, absent: bool) -> Option<bool> {
        match self {
            Flag::Absent => Some(absent),
            Flag::Null => None,
            Flag::Set(b) => Some(b),
        }
    }

    /// `Set(value)` when `send`, else `Absent`: a flag the tools send only
    /// when it differs from the decoder's default.
    pub fn when(send: bool, value: bool) -> Flag {
        if send {
            Flag::Set(value)
        } else {
            Flag::Absent
        }
    }
}

impl From<bool> for Flag {
    fn from(b: bool) -> Flag {
        Flag::Set(b)
    }
}

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Flag::Set(b) => s.serialize_bool(*b),
            // `Absent` is skipped by every field that holds a Flag.
            Flag::Absent | Flag::Null => s.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Flag::Null,
            Value::Bool(b) => Flag::Set(b),
            _ => Flag::Absent,
        })
    }
}

/// The decoder's readings of odd values; see the module documentation.
mod lenient {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            _ => String::new(),
        })
    }

    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            _ => None,
        })
    }

    fn roles_of(v: Value) -> Option<Vec<String>> {
        match v {
            Value::Array(a) => Some(
                a.into_iter()
                    .filter_map(|x| match x {
                        Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
            ),
            // Python's list("admin"): one role per character.
            Value::String(s) => Some(s.chars().map(String::from).collect()),
            _ => None,
        }
    }

    pub fn roles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(roles_of(Value::deserialize(d)?).unwrap_or_default())
    }

    pub fn opt_roles<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        Ok(roles_of(Value::deserialize(d)?))
    }

    /// A nested object, read leniently itself; anything else is absent.
    pub fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        Ok(match Value::deserialize(d)? {
            v @ Value::Object(_) => T::deserialize(v).ok(),
            _ => None,
        })
    }

    /// [`object`], or the empty object when absent.
    pub fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned + Default,
    {
        Ok(object(d)?.unwrap_or_default())
    }
}

/// No fields: `whoami`, `list-my-workspaces`, `list-workspaces`,
/// `rotate-signing-key`, `bootstrap`, `bootstrap-status` (and the body of
/// `POST /api/v1/auth/bootstrap`, which is `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// `login`; without `operation`, the body of `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Login {
    #[serde(deserialize_with = "lenient::string")]
    pub username: String,
    #[serde(deserialize_with = "lenient::string")]
    pub password: String,
    /// The workspace the JWT is for (default: the user's home).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub workspace: Option<String>,
}

/// The body of `POST /api/v1/auth/change-password` (the caller's own;
/// the key names differ from the operation's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthChangePassword {
    #[serde(deserialize_with = "lenient::string")]
    pub current_password: String,
    #[serde(deserialize_with = "lenient::string")]
    pub new_password: String,
}

/// `change-password`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangePassword {
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub user_id: Option<String>,
    /// The current password.
    #[serde(deserialize_with = "lenient::string")]
    pub password: String,
    #[serde(deserialize_with = "lenient::string")]
    pub new_password: String,
}

/// `mint-token`: for `user_id`, `username`, or (neither) the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MintToken {
    #[serde(deserialize_with = "lenient::string")]
    pub workspace: String,
    /// The `user_context` claim, as JSON text.
    #[serde(deserialize_with = "lenient::string")]
    pub user_context_json: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub user_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub username: Option<String>,
}

/// `list-users`: all users, or those whose home is `workspace`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListUsers {
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub workspace: Option<String>,
}

/// One user, checked against `workspace` when given (it must be the
/// user's home): `get-user`, `disable-user`, `enable-user`,
/// `delete-user`, `reset-password`, `list-api-keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserTarget {
    #[serde(deserialize_with = "lenient::string")]
    pub user_id: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub workspace: Option<String>,
}

/// `create-user`: the new user, whose home is `workspace` (required:
/// without it iam-svc creates nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateUser {
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::object"
    )]
    pub user: Option<NewUser>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub workspace: Option<String>,
}

/// The `user` of `create-user`, in tg-create-user's order. `name` defaults
/// to the username; `enabled` to true, `must_change_password` to false.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUser {
    #[serde(deserialize_with = "lenient::string")]
    pub username: String,
    #[serde(deserialize_with = "lenient::string")]
    pub password: String,
    #[serde(deserialize_with = "lenient::roles")]
    pub roles: Vec<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub name: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Flag::is_absent")]
    pub must_change_password: Flag,
    #[serde(skip_serializing_if = "Flag::is_absent")]
    pub enabled: Flag,
}

/// `update-user`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateUser {
    #[serde(deserialize_with = "lenient::string")]
    pub user_id: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::object"
    )]
    pub user: Option<UserChanges>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub workspace: Option<String>,
}

/// The `user` of `update-user`, in tg-update-user's order. An empty or
/// absent `name`, `email` or `roles` keeps the stored value; an absent
/// flag takes the decoder's default (enabled true, must_change_password
/// false) and a null one keeps it. `username` must be the stored one and
/// `password` is refused: the tools send neither.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserChanges {
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub username: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub password: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub name: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub email: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_roles"
    )]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Flag::is_absent")]
    pub enabled: Flag,
    #[serde(skip_serializing_if = "Flag::is_absent")]
    pub must_change_password: Flag,
}

/// `create-api-key`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateApiKey {
    #[serde(deserialize_with = "lenient::object_or_default")]
    pub key: NewApiKey,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub workspace: Option<String>,
}

/// The `key` of `create-api-key`. `expires` is ISO-8601; 2.11.1 stores a
/// value it cannot parse as "never".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewApiKey {
    #[serde(deserialize_with = "lenient::string")]
    pub user_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub expires: Option<String>,
}

/// `revoke-api-key`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevokeApiKey {
    #[serde(deserialize_with = "lenient::string")]
    pub key_id: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub workspace: Option<String>,
}

/// The workspace operations: `{"workspace_record": R}`, where `R` is
/// [`NewWorkspace`], [`WorkspaceChanges`] or [`WorkspaceId`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, bound(deserialize = "R: DeserializeOwned + Default"))]
pub struct WorkspaceRecord<R> {
    #[serde(deserialize_with = "lenient::object_or_default")]
    pub workspace_record: R,
}

/// `create-workspace`, in tg-create-workspace's order. `name` defaults to
/// the id, `enabled` to true.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewWorkspace {
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(skip_serializing_if = "Flag::is_absent")]
    pub enabled: Flag,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub name: Option<String>,
}

/// `update-workspace` (no upstream tool: this suite's order). An empty
/// name keeps the stored one; an absent `enabled` means true, a null one
/// keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceChanges {
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Flag::is_absent")]
    pub enabled: Flag,
}

/// `get-workspace`, `disable-workspace`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceId {
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
}
