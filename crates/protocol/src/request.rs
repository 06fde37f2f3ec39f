//! Request bodies, one type per shape.
//!
//! **Writing** ([`body`], [`body_text`]): `{"operation": NAME}` and then
//! the type's fields in declaration order, an unset optional field left
//! out, in Python's `json.dumps` spacing. That is byte for byte what the
//! upstream 2.11.1 tools send, key order included (the tests of the tools
//! assert it); where a tool of this suite sends something upstream has no
//! tool for (`update-workspace`), the order is this suite's and as fixed.
//!
//! **Reading** (the gateway, [`decode`]): as iam-svc's request decoder
//! reads (§3). Any client may send anything, so no value can make the
//! reading fail: an unknown field is ignored, and a field that is absent,
//! null or of the wrong type reads as unset (`""`, `None`, an empty list,
//! a default record); `roles` given as a string is split into characters,
//! as Python's `list("admin")` does; a boolean keeps the difference
//! between absent, null and a value ([`Flag`]).

use crate::operation::Operation;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The body of an IAM request: `{"operation": NAME}`, then the fields of
/// `fields` in their order, each unset one (`None`, [`Flag::Absent`])
/// left out.
pub fn body<T: Serialize>(op: Operation, fields: &T) -> Value {
    let mut m = Map::new();
    m.insert("operation".into(), op.name().into());
    if let Value::Object(f) = self::fields(fields) {
        m.extend(f);
    }
    Value::Object(m)
}

/// [`body`] as the upstream tools write it (Python `json.dumps`).
pub fn body_text<T: Serialize>(op: Operation, fields: &T) -> String {
    crate::to_python_json(&body(op, fields))
}

/// `fields` as a JSON object without `operation` (the bodies of the
/// `/api/v1/auth/*` routes), each unset field left out. A request written
/// here never carries `null`: the tools send a value or nothing.
pub fn fields<T: Serialize>(fields: &T) -> Value {
    // The request types are strings, lists and booleans: this cannot fail.
    let mut v = serde_json::to_value(fields).unwrap_or_default();
    drop_nulls(&mut v);
    v
}

fn drop_nulls(v: &mut Value) {
    if let Value::Object(m) = v {
        m.retain(|_, x| !x.is_null());
        m.values_mut().for_each(drop_nulls);
    }
}

/// Read a request's fields as iam-svc's decoder does (see the module
/// documentation); this never fails. A field whose value has the wrong
/// type reads as absent: each pass drops the one serde stopped at, and a
/// request type has only a handful of fields.
pub fn decode<T: DeserializeOwned + Default>(body: &Map<String, Value>) -> T {
    let mut v = Value::Object(body.clone());
    loop {
        match serde_path_to_error::deserialize::<_, T>(&v) {
            Ok(t) => return t,
            Err(e) => {
                if !remove_at(&mut v, e.path()) {
                    return T::default();
                }
            }
        }
    }
}

/// Remove the object member at `path`; false when there is none.
fn remove_at(v: &mut Value, path: &serde_path_to_error::Path) -> bool {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    let Some((Segment::Map { key }, parents)) = segments.split_last() else {
        return false;
    };
    let mut at = v;
    for s in parents {
        at = match (s, at) {
            (Segment::Map { key }, Value::Object(m)) => match m.get_mut(key.as_str()) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    match at {
        Value::Object(m) => m.remove(key.as_str()).is_some(),
        _ => false,
    }
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

/// Written as the boolean, or as `null`, which [`body`] leaves out.
impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Flag::Set(b) => s.serialize_bool(*b),
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

/// `roles` as iam-svc's decoder reads it: a list (its strings), or a
/// string split into characters as Python's `list("admin")` does.
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
        Value::String(s) => Some(s.chars().map(String::from).collect()),
        _ => None,
    }
}

fn roles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(roles_of(Value::deserialize(d)?).unwrap_or_default())
}

fn opt_roles<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(roles_of(Value::deserialize(d)?))
}

wire_types! {
    /// No fields: `whoami`, `list-my-workspaces`, `list-workspaces`,
    /// `rotate-signing-key`, `bootstrap`, `bootstrap-status` (and the body of
    /// `POST /api/v1/auth/bootstrap`, which is `{}`).
    pub struct Empty {}

    /// `login`; without `operation`, the body of `POST /api/v1/auth/login`.
    pub struct Login {
        pub username: String,
        pub password: String,
        /// The workspace the JWT is for (default: the user's home).
        pub workspace: Option<String>,
    }

    /// The body of `POST /api/v1/auth/change-password` (the caller's own;
    /// the key names differ from the operation's).
    pub struct AuthChangePassword {
        pub current_password: String,
        pub new_password: String,
    }

    /// `change-password`.
    pub struct ChangePassword {
        pub user_id: Option<String>,
        /// The current password.
        pub password: String,
        pub new_password: String,
    }

    /// `mint-token`: for `user_id`, `username`, or (neither) the caller.
    pub struct MintToken {
        pub workspace: String,
        /// The `user_context` claim, as JSON text.
        pub user_context_json: String,
        pub user_id: Option<String>,
        pub username: Option<String>,
    }

    /// `list-users`: all users, or those whose home is `workspace`.
    pub struct ListUsers {
        pub workspace: Option<String>,
    }

    /// One user, checked against `workspace` when given (it must be the
    /// user's home): `get-user`, `disable-user`, `enable-user`,
    /// `delete-user`, `reset-password`, `list-api-keys`.
    pub struct UserTarget {
        pub user_id: String,
        pub workspace: Option<String>,
    }

    /// `create-user`: the new user, whose home is `workspace` (required:
    /// without it iam-svc creates nothing).
    pub struct CreateUser {
        pub user: Option<NewUser>,
        pub workspace: Option<String>,
    }

    /// The `user` of `create-user`, in tg-create-user's order. `name` defaults
    /// to the username; `enabled` to true, `must_change_password` to false.
    pub struct NewUser {
        pub username: String,
        pub password: String,
        #[serde(deserialize_with = "roles")]
        pub roles: Vec<String>,
        pub name: Option<String>,
        pub email: Option<String>,
        pub must_change_password: Flag,
        pub enabled: Flag,
    }

    /// `update-user`.
    pub struct UpdateUser {
        pub user_id: String,
        pub user: Option<UserChanges>,
        pub workspace: Option<String>,
    }

    /// The `user` of `update-user`, in tg-update-user's order. An empty or
    /// absent `name`, `email` or `roles` keeps the stored value; an absent
    /// flag takes the decoder's default (enabled true, must_change_password
    /// false) and a null one keeps it. `username` must be the stored one and
    /// `password` is refused: the tools send neither.
    pub struct UserChanges {
        pub username: Option<String>,
        pub password: Option<String>,
        pub name: Option<String>,
        pub email: Option<String>,
        #[serde(deserialize_with = "opt_roles")]
        pub roles: Option<Vec<String>>,
        pub enabled: Flag,
        pub must_change_password: Flag,
    }

    /// `create-api-key`.
    pub struct CreateApiKey {
        pub key: NewApiKey,
        pub workspace: Option<String>,
    }

    /// The `key` of `create-api-key`. `expires` is ISO-8601; 2.11.1 stores a
    /// value it cannot parse as "never".
    pub struct NewApiKey {
        pub user_id: String,
        pub name: String,
        pub expires: Option<String>,
    }

    /// `revoke-api-key`.
    pub struct RevokeApiKey {
        pub key_id: String,
        pub workspace: Option<String>,
    }

    /// The workspace operations: `{"workspace_record": R}`, where `R` is
    /// [`NewWorkspace`], [`WorkspaceChanges`] or [`WorkspaceId`].
    pub struct WorkspaceRecord<R> {
        pub workspace_record: R,
    }

    /// `create-workspace`, in tg-create-workspace's order. `name` defaults to
    /// the id, `enabled` to true.
    pub struct NewWorkspace {
        pub id: String,
        pub enabled: Flag,
        pub name: Option<String>,
    }

    /// `update-workspace` (no upstream tool: this suite's order). An empty
    /// name keeps the stored one; an absent `enabled` means true, a null one
    /// keeps it.
    pub struct WorkspaceChanges {
        pub id: String,
        pub name: Option<String>,
        pub enabled: Flag,
    }

    /// `get-workspace`, `disable-workspace`.
    pub struct WorkspaceId {
        pub id: String,
    }
}
