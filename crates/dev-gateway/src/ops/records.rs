//! Records as they travel on the wire (iam-svc's translator): field order,
//! names and defaults, and the timestamps' format.

use crate::state::{ApiKey, User, Workspace};
use crate::time;
use serde_json::{json, Map, Value};

pub fn user_json(u: &User) -> Value {
    json!({
        "id": u.id, "default_workspace": u.workspace, "username": u.username, "name": u.name,
        "email": u.email, "roles": u.roles, "enabled": u.enabled,
        "must_change_password": u.must_change_password, "created": u.created,
    })
}

pub fn workspace_json(w: &Workspace) -> Value {
    json!({"id": w.id, "name": w.name, "enabled": w.enabled, "created": w.created})
}

/// `last_used` is never written by iam-svc: always "".
pub fn key_json(k: &ApiKey) -> Value {
    json!({
        "id": k.id, "user_id": k.user_id, "name": k.name, "prefix": k.prefix,
        "expires": k.expires, "created": k.created, "last_used": "",
    })
}

/// A request's `roles`, sorted as iam-svc stores them.
pub fn roles_of(v: &Map<String, Value>) -> Vec<String> {
    let mut r: Vec<String> = match v.get("roles") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        // Python's list("admin"): one role per character.
        Some(Value::String(x)) => x.chars().map(String::from).collect(),
        _ => Vec::new(),
    };
    r.sort();
    r
}

/// A record timestamp for now: `2026-06-30T09:14:03.512000+00:00`.
pub fn now_iso() -> String {
    time::iso_millis(time::now_millis())
}
