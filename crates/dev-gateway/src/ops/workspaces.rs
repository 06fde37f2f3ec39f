//! Workspaces: the caller's own, and the admin's workspace management.

use super::records::{now_iso, workspace_json};
use super::{actor, err, flag, invalid, obj, one, s, void, Body, IamError, IamResult};
use crate::gateway::Gateway;
use crate::state::{State, Workspace};
use crate::time;
use serde_json::{Map, Value};

/// An admin's: every workspace, disabled ones included. Anyone else's:
/// its home workspace, if the record exists (even if disabled).
pub fn list_mine(gw: &Gateway, b: &Body) -> IamResult {
    let actor = actor(b)?;
    gw.read(|st| {
        let u = st
            .user(actor)
            .ok_or_else(|| err("not-found", "user not found"))?;
        let items = if u.roles.iter().any(|r| r == "admin") {
            st.workspaces.iter().map(workspace_json).collect()
        } else {
            st.workspace(&u.workspace)
                .map(workspace_json)
                .into_iter()
                .collect()
        };
        Ok(super::listing("workspaces", items))
    })
}

/// Idempotent: an existing id returns the existing record unchanged.
pub fn create(gw: &Gateway, b: &Body) -> IamResult {
    let rec = record(b);
    let id = s(&rec, "id").to_string();
    if id.is_empty() {
        return Err(invalid("workspace_record.id required for create-workspace"));
    }
    if id.starts_with('_') {
        return Err(invalid("workspace ids beginning with '_' are reserved"));
    }
    gw.mutate(|st| {
        if let Some(w) = st.workspace(&id) {
            return Ok(one("workspace", workspace_json(w)));
        }
        let name = s(&rec, "name");
        let w = Workspace {
            name: if name.is_empty() { id.as_str() } else { name }.into(),
            enabled: flag(&rec, "enabled", true).unwrap_or(true),
            created: now_iso(),
            id,
            not_before: None,
        };
        st.workspaces.push(w.clone());
        Ok(one("workspace", workspace_json(&w)))
    })
}

pub fn list(gw: &Gateway, _: &Body) -> IamResult {
    Ok(gw.read(|st| {
        super::listing(
            "workspaces",
            st.workspaces.iter().map(workspace_json).collect(),
        )
    }))
}

pub fn get(gw: &Gateway, b: &Body) -> IamResult {
    let id = record_id(b)?;
    gw.read(|st| {
        Ok(one(
            "workspace",
            workspace_json(&st.workspaces[index(st, &id)?]),
        ))
    })
}

/// An empty name keeps the stored one; an absent `enabled` means true, an
/// explicit null keeps it (the decoder's defaults, as upstream). Disabling
/// it ends every JWT acting in it so far, for good.
pub fn update(gw: &Gateway, b: &Body) -> IamResult {
    let rec = record(b);
    let id = record_id(b)?;
    gw.mutate(|st| {
        let i = index(st, &id)?;
        let w = &mut st.workspaces[i];
        if !s(&rec, "name").is_empty() {
            w.name = s(&rec, "name").into();
        }
        if let Some(e) = flag(&rec, "enabled", true) {
            w.enabled = e;
        }
        let reply = one("workspace", workspace_json(w));
        if flag(&rec, "enabled", true) == Some(false) {
            st.revoke_workspace_jwts(&id, time::now());
        }
        Ok(reply)
    })
}

/// Also disables every user whose home it is, and deletes their API keys.
/// Every JWT acting in it, and every JWT of those users, ends for good.
pub fn disable(gw: &Gateway, b: &Body) -> IamResult {
    let id = record_id(b)?;
    gw.mutate(|st| {
        let i = index(st, &id)?;
        let now = time::now();
        st.workspaces[i].enabled = false;
        st.revoke_workspace_jwts(&id, now);
        let members: Vec<String> = st
            .users
            .iter()
            .filter(|u| u.workspace == id)
            .map(|u| u.id.clone())
            .collect();
        for m in members {
            st.user_mut(&m).expect("present").enabled = false;
            st.delete_keys_of(&m);
            st.revoke_user_jwts(&m, now);
        }
        Ok(void())
    })
}

fn record(b: &Body) -> Map<String, Value> {
    obj(b, "workspace_record").cloned().unwrap_or_default()
}

fn record_id(b: &Body) -> Result<String, IamError> {
    match s(&record(b), "id") {
        "" => Err(invalid("workspace_record.id required")),
        id => Ok(id.to_string()),
    }
}

fn index(st: &State, id: &str) -> Result<usize, IamError> {
    st.workspaces
        .iter()
        .position(|w| w.id == id)
        .ok_or_else(|| err("not-found", "workspace not found"))
}
