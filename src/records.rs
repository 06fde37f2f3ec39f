//! Typed IAM records, parsed leniently: unknown fields are ignored, missing
//! or null fields take their defaults, and the older `workspace` name of a
//! user's home workspace is read where `default_workspace` is absent.

use serde_json::Value;

fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn b(v: &Value, key: &str) -> bool {
    match v.get(key) {
        Some(Value::Bool(x)) => *x,
        Some(Value::String(x)) => matches!(x.as_str(), "true" | "yes" | "1"),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

fn list(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(x)) if !x.is_empty() => vec![x.clone()],
        _ => Vec::new(),
    }
}

/// A user record (`UserRecord`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// `default_workspace`, or the pre-#1001 `workspace`.
    pub workspace: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub enabled: bool,
    pub must_change_password: bool,
    pub created: String,
}

impl User {
    pub fn from_json(v: &Value) -> User {
        let mut workspace = s(v, "default_workspace");
        if workspace.is_empty() {
            workspace = s(v, "workspace");
        }
        User {
            id: s(v, "id"),
            workspace,
            username: s(v, "username"),
            name: s(v, "name"),
            email: s(v, "email"),
            roles: list(v, "roles"),
            enabled: b(v, "enabled"),
            must_change_password: b(v, "must_change_password"),
            created: s(v, "created"),
        }
    }

    pub fn roles_joined(&self) -> String {
        self.roles.join(", ")
    }
}

/// An API key record (`ApiKeyRecord`); never holds the plaintext.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub expires: String,
    pub created: String,
    pub last_used: String,
}

impl ApiKey {
    pub fn from_json(v: &Value) -> ApiKey {
        ApiKey {
            id: s(v, "id"),
            user_id: s(v, "user_id"),
            name: s(v, "name"),
            prefix: s(v, "prefix"),
            expires: s(v, "expires"),
            created: s(v, "created"),
            last_used: s(v, "last_used"),
        }
    }
}

/// A workspace record (`WorkspaceRecord`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub created: String,
}

impl Workspace {
    pub fn from_json(v: &Value) -> Workspace {
        Workspace {
            id: s(v, "id"),
            name: s(v, "name"),
            enabled: b(v, "enabled"),
            created: s(v, "created"),
        }
    }
}

/// `yes` / `no`, as the upstream tables show booleans.
pub fn yes_no(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_lenient_and_both_workspace_names() {
        let u = User::from_json(
            &json!({"id": "1", "workspace": "old", "roles": null, "extra": {"x": 1}, "enabled": true}),
        );
        assert_eq!(u.workspace, "old");
        assert!(u.roles.is_empty());
        assert!(u.enabled);
        let u =
            User::from_json(&json!({"default_workspace": "new", "workspace": "old", "name": null}));
        assert_eq!(u.workspace, "new");
        assert_eq!(u.name, "");
    }

    #[test]
    fn key_and_workspace_defaults() {
        let k = ApiKey::from_json(&json!({"id": "k", "unknown": 5}));
        assert_eq!(k.id, "k");
        assert_eq!(k.expires, "");
        let w = Workspace::from_json(&json!({"id": "w"}));
        assert!(!w.enabled);
    }
}
