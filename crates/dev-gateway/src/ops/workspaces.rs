//! Workspaces: the caller's own, and the admin's workspace management.

use crate::gateway::Gateway;
use crate::request::{invalid, required, Actor, IamError};
use crate::state::{now_iso, State, Workspace};
use tg_iam_protocol::request::{
    Empty, NewWorkspace, WorkspaceChanges, WorkspaceId, WorkspaceRecord,
};
use tg_iam_protocol::time;
use tg_iam_protocol::{Void, WorkspaceList, WorkspaceReply};

type Result<T> = std::result::Result<T, IamError>;

fn workspace_reply(w: &Workspace) -> WorkspaceReply {
    WorkspaceReply {
        workspace: Some(w.record()),
    }
}

/// An admin's: every workspace, disabled ones included. Anyone else's:
/// its home workspace, if the record exists (even if disabled).
pub fn list_mine(gw: &Gateway, actor: Actor, _: Empty) -> Result<WorkspaceList> {
    let actor = actor.id()?;
    gw.read(|st| {
        let u = st
            .user(actor)
            .ok_or_else(|| IamError::not_found("user not found"))?;
        let workspaces = if u.roles.iter().any(|r| r == "admin") {
            st.workspaces.iter().map(Workspace::record).collect()
        } else {
            st.workspace(&u.workspace)
                .map(Workspace::record)
                .into_iter()
                .collect()
        };
        Ok(WorkspaceList { workspaces })
    })
}

/// Idempotent: an existing id returns the existing record unchanged.
pub fn create(
    gw: &Gateway,
    _: Actor,
    req: WorkspaceRecord<NewWorkspace>,
) -> Result<WorkspaceReply> {
    let rec = req.workspace_record;
    let id = required(&rec.id, "workspace_record.id required for create-workspace")?;
    if id.starts_with('_') {
        return Err(invalid("workspace ids beginning with '_' are reserved"));
    }
    gw.mutate(|st| {
        if let Some(w) = st.workspace(id) {
            return Ok(workspace_reply(w));
        }
        let name = rec.name.as_deref().unwrap_or("");
        let w = Workspace {
            name: if name.is_empty() { id } else { name }.into(),
            enabled: rec.enabled.read(true).unwrap_or(true),
            created: now_iso(),
            id: id.into(),
            not_before: None,
        };
        let reply = workspace_reply(&w);
        st.insert(w);
        Ok(reply)
    })
}

pub fn list(gw: &Gateway, _: Actor, _: Empty) -> Result<WorkspaceList> {
    Ok(gw.read(|st| WorkspaceList {
        workspaces: st.workspaces.iter().map(Workspace::record).collect(),
    }))
}

pub fn get(gw: &Gateway, _: Actor, req: WorkspaceRecord<WorkspaceId>) -> Result<WorkspaceReply> {
    let id = record_id(&req.workspace_record.id)?;
    gw.read(|st| Ok(workspace_reply(existing(st, id)?)))
}

/// An empty name keeps the stored one; an absent `enabled` means true, an
/// explicit null keeps it (the decoder's defaults, as upstream). Disabling
/// it ends every JWT acting in it so far, for good.
pub fn update(
    gw: &Gateway,
    _: Actor,
    req: WorkspaceRecord<WorkspaceChanges>,
) -> Result<WorkspaceReply> {
    let rec = req.workspace_record;
    let id = record_id(&rec.id)?;
    gw.mutate(|st| {
        existing(st, id)?;
        let reply = st
            .update_workspace(id, |w| {
                if let Some(name) = rec.name.as_deref().filter(|n| !n.is_empty()) {
                    w.name = name.into();
                }
                if let Some(e) = rec.enabled.read(true) {
                    w.enabled = e;
                }
                workspace_reply(w)
            })
            .expect("present");
        if rec.enabled.read(true) == Some(false) {
            st.revoke_workspace_jwts(id, time::now());
        }
        Ok(reply)
    })
}

/// Also disables every user whose home it is, and deletes their API keys.
/// Every JWT acting in it, and every JWT of those users, ends for good.
pub fn disable(gw: &Gateway, _: Actor, req: WorkspaceRecord<WorkspaceId>) -> Result<Void> {
    let id = record_id(&req.workspace_record.id)?;
    gw.mutate(|st| {
        existing(st, id)?;
        let now = time::now();
        st.update_workspace(id, |w| w.enabled = false);
        st.revoke_workspace_jwts(id, now);
        let members: Vec<String> = st.users_in(id).map(|u| u.id.clone()).collect();
        for m in members {
            st.update_user(&m, |u| u.enabled = false);
            st.delete_keys_of(&m);
            st.revoke_user_jwts(&m, now);
        }
        Ok(Void {})
    })
}

fn record_id(id: &str) -> Result<&str> {
    required(id, "workspace_record.id required")
}

fn existing<'a>(st: &'a State, id: &str) -> Result<&'a Workspace> {
    st.workspace(id)
        .ok_or_else(|| IamError::not_found("workspace not found"))
}
