//! The state a plan would leave, and the invariants checked on it: the one
//! place that decides whether a plan may run. Pure data: the manifest, the
//! state read from the gateway and the plan's steps in, the first broken
//! invariant out, naming the step that breaks it.
//!
//! The invariants (a plan that breaks one is refused before the first
//! write; a `--prune` step that breaks one is dropped instead):
//! - the caller's home workspace stays enabled;
//! - the caller stays enabled;
//! - the caller keeps the admin role;
//! - the API key in use stays;
//! - an enabled admin in an enabled workspace remains;
//! - every user a step creates is created in an enabled workspace, and no
//!   user the manifest enables sits in a disabled one;
//! - every API key the manifest keeps or creates belongs to a user that
//!   ends enabled.
//!
//! The gateway's own effects are modelled: disabling a workspace disables
//! its users and revokes their keys; disabling a user revokes its keys.

use super::manifest::Manifest;
use super::state::{Action, State, Step};
use std::collections::{HashMap, HashSet};

/// Where an invariant breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// Step `.0` of the plan, through its manifest field `.1` (`roles`,
    /// `enabled`, `expires`, `rotate_after`, `workspace`; `prune` for a
    /// pruning step).
    Step(usize, &'static str),
    /// A manifest entry, by its path (`api_keys[2]`).
    Entry(String),
}

/// A broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub at: At,
    /// What would happen, in a sentence: `user "admin" is the caller: it
    /// would lose the admin role`.
    pub reason: String,
    /// What the thing is, for a pruning step that is dropped instead: `the
    /// caller`.
    pub kept_as: &'static str,
}

/// Who changed a value: a step and the field it changed.
type Cause = (usize, &'static str);

/// One user as the plan leaves it.
#[derive(Debug, Clone)]
struct UserAfter {
    id: Option<String>,
    workspace: String,
    admin: bool,
    enabled: bool,
    /// The step that took the admin role away.
    admin_by: Option<Cause>,
    /// The step that disabled the user (itself, or its workspace).
    disabled_by: Option<Cause>,
}

impl UserAfter {
    fn effective_admin(&self, ws: &HashMap<String, (bool, Option<Cause>)>) -> bool {
        self.admin && self.enabled && ws.get(&self.workspace).is_some_and(|w| w.0)
    }
}

/// The state after the plan, as far as the invariants are concerned.
#[derive(Debug, Clone)]
pub struct After {
    /// Workspace id: enabled, and the step that disabled it.
    ws: HashMap<String, (bool, Option<Cause>)>,
    /// Users by username.
    users: HashMap<String, UserAfter>,
    /// Usernames by home workspace, so that disabling a workspace costs
    /// its members, not every user (a plan that disables 10,000
    /// workspaces of 100,000 users stays linear).
    members: HashMap<String, Vec<String>>,
    /// The step that revoked the API key in use.
    key_in_use_by: Option<Cause>,
}

fn has_admin(roles: &[String]) -> bool {
    roles.iter().any(|r| r == "admin")
}

/// The state as read, in the model's terms.
fn before(st: &State) -> After {
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for u in &st.users {
        members
            .entry(u.default_workspace.clone())
            .or_default()
            .push(u.username.clone());
    }
    After {
        members,
        ws: st
            .workspaces
            .iter()
            .map(|w| (w.id.clone(), (w.enabled, None)))
            .collect(),
        users: st
            .users
            .iter()
            .map(|u| {
                let a = UserAfter {
                    id: Some(u.id.clone()),
                    workspace: u.default_workspace.clone(),
                    admin: has_admin(&u.roles),
                    enabled: u.enabled,
                    admin_by: None,
                    disabled_by: None,
                };
                (u.username.clone(), a)
            })
            .collect(),
        key_in_use_by: None,
    }
}

/// The ids of the API keys the run uses (the caller's keys whose prefix is
/// the token's; normally one).
pub fn keys_in_use(st: &State) -> HashSet<&str> {
    let Some(prefix) = st.key_in_use.as_deref() else {
        return HashSet::new();
    };
    st.keys
        .get(&st.caller_id)
        .into_iter()
        .flatten()
        .filter(|k| k.prefix == prefix)
        .map(|k| k.id.as_str())
        .collect()
}

/// Apply `steps` to `st` as the gateway would.
pub fn simulate(m: &Manifest, st: &State, steps: &[Step]) -> After {
    let mut a = before(st);
    let in_use = keys_in_use(st);
    for (n, s) in steps.iter().enumerate() {
        match &s.action {
            Action::CreateWorkspace(i) => {
                let w = &m.workspaces[*i];
                a.ws.insert(w.id.clone(), (w.enabled_when_new(), None));
            }
            Action::UpdateWorkspace(i, have) => {
                let w = &m.workspaces[*i];
                if let Some(e) = w.enabled {
                    a.ws.insert(w.id.clone(), (e, Some((n, "enabled"))));
                }
                if have.enabled && w.enabled == Some(false) {
                    a.disable_members(&w.id, (n, "enabled"), &st.caller_id);
                }
            }
            Action::CreateUser(i) => {
                let u = &m.users[*i];
                let new = UserAfter {
                    id: None,
                    workspace: u.workspace.clone(),
                    admin: has_admin(&u.roles_when_new()),
                    enabled: u.enabled_when_new(),
                    admin_by: None,
                    disabled_by: None,
                };
                if a.users.insert(u.username.clone(), new).is_none() {
                    a.members
                        .entry(u.workspace.clone())
                        .or_default()
                        .push(u.username.clone());
                }
            }
            Action::UpdateUser(i, have) => {
                let u = &m.users[*i];
                let caller = have.id == st.caller_id;
                let Some(x) = a.users.get_mut(&u.username) else {
                    continue;
                };
                if let Some(r) = &u.roles {
                    if x.admin && !has_admin(r) {
                        x.admin_by = Some((n, "roles"));
                    }
                    x.admin = has_admin(r);
                }
                if let Some(e) = u.enabled {
                    if x.enabled && !e {
                        x.disabled_by = Some((n, "enabled"));
                        if caller {
                            a.key_in_use_by = a.key_in_use_by.or(Some((n, "enabled")));
                        }
                    }
                    x.enabled = e;
                }
            }
            Action::DisableUser(h) => {
                if let Some(x) = a.users.get_mut(&h.username) {
                    if x.enabled {
                        x.disabled_by = Some((n, "prune"));
                    }
                    x.enabled = false;
                }
                if h.id == st.caller_id {
                    a.key_in_use_by = a.key_in_use_by.or(Some((n, "prune")));
                }
            }
            Action::CreateKey(_) => {}
            Action::ReplaceKey(_, old) => {
                if in_use.contains(old.id.as_str()) {
                    a.key_in_use_by = a.key_in_use_by.or(Some((n, "expires")));
                }
            }
            Action::RotateKey(_, old) => {
                if in_use.contains(old.id.as_str()) {
                    a.key_in_use_by = a.key_in_use_by.or(Some((n, "rotate_after")));
                }
            }
            Action::RevokeKey(_, k) => {
                if in_use.contains(k.id.as_str()) {
                    a.key_in_use_by = a.key_in_use_by.or(Some((n, "prune")));
                }
            }
        }
    }
    a
}

impl After {
    /// The gateway's effect of disabling workspace `id`: its users are
    /// disabled and their keys revoked.
    fn disable_members(&mut self, id: &str, by: Cause, caller_id: &str) {
        for name in self.members.get(id).into_iter().flatten() {
            let Some(x) = self.users.get_mut(name) else {
                continue;
            };
            if x.enabled {
                x.disabled_by = Some(by);
            }
            x.enabled = false;
            if x.id.as_deref() == Some(caller_id) {
                self.key_in_use_by = self.key_in_use_by.or(Some(by));
            }
        }
    }

    /// Whether user `username` exists and is enabled, in an enabled
    /// workspace, when the plan is done.
    pub fn user_usable(&self, username: &str) -> bool {
        self.users
            .get(username)
            .is_some_and(|x| x.enabled && self.ws.get(&x.workspace).is_some_and(|w| w.0))
    }

    /// The ids of the existing users that end enabled.
    pub fn enabled_ids(&self) -> HashSet<&str> {
        self.users
            .values()
            .filter(|x| x.enabled)
            .filter_map(|x| x.id.as_deref())
            .collect()
    }

    fn ws_enabled(&self, id: &str) -> bool {
        self.ws.get(id).is_some_and(|w| w.0)
    }

    fn admins(&self) -> impl Iterator<Item = (&String, &UserAfter)> {
        self.users
            .iter()
            .filter(|(_, x)| x.effective_admin(&self.ws))
    }
}

/// The first invariant the plan breaks, checked on the state it leaves.
/// Steps are named by their index in `steps`; the checks come in the order
/// of the list in this module's documentation, so the message names the
/// root cause (disabling the caller's workspace also disables the caller).
pub fn check(m: &Manifest, st: &State, steps: &[Step]) -> Option<Violation> {
    let was = before(st);
    let now = simulate(m, st, steps);
    let violation = |by: Cause, reason: String, kept_as| Violation {
        at: At::Step(by.0, by.1),
        reason,
        kept_as,
    };
    let entry = |path: String, reason: String| Violation {
        at: At::Entry(path),
        reason,
        kept_as: "",
    };
    if let Some((name, c)) = was
        .users
        .iter()
        .find(|(_, x)| x.id.as_deref() == Some(st.caller_id.as_str()))
    {
        let ws = &c.workspace;
        if let Some(by) = now
            .ws
            .get(ws)
            .and_then(|w| w.1)
            .filter(|_| !now.ws_enabled(ws))
        {
            return Some(violation(
                by,
                format!("workspace {ws:?} is the caller's home workspace: disabling it would disable the caller ({name}) and revoke its API keys"),
                "the caller's home workspace",
            ));
        }
        let after = &now.users[name];
        // A cause is recorded only when a step takes something away, and
        // a user has one step: a cause is a loss.
        if let Some(by) = after.disabled_by {
            return Some(violation(
                by,
                format!(
                    "user {name:?} is the caller: it would be disabled (and its API keys revoked)"
                ),
                "the caller",
            ));
        }
        if let Some(by) = after.admin_by {
            return Some(violation(
                by,
                format!("user {name:?} is the caller: it would lose the admin role"),
                "the caller",
            ));
        }
        if let Some(by) = now.key_in_use_by {
            return Some(violation(
                by,
                format!("the API key this run uses (user {name:?}) would be revoked"),
                "the key in use",
            ));
        }
    }
    if was.admins().next().is_some() && now.admins().next().is_none() {
        // The first step that took an admin away.
        let by = was
            .admins()
            .filter_map(|(name, _)| {
                let x = &now.users[name];
                x.admin_by
                    .or(x.disabled_by)
                    .or_else(|| now.ws.get(&x.workspace).and_then(|w| w.1))
            })
            .min();
        if let Some(by) = by {
            return Some(violation(
                by,
                "no enabled admin in an enabled workspace would remain".to_string(),
                "the last enabled admin",
            ));
        }
    }
    for (n, s) in steps.iter().enumerate() {
        if let Action::CreateUser(i) = s.action {
            let u = &m.users[i];
            if !now.ws_enabled(&u.workspace) {
                return Some(violation(
                    (n, "workspace"),
                    format!(
                        "user {:?} would be created in workspace {:?}, which would not exist or be disabled",
                        u.username, u.workspace
                    ),
                    "",
                ));
            }
        }
    }
    for (i, u) in m.users.iter().enumerate() {
        if u.enabled == Some(true) && !now.ws_enabled(&u.workspace) {
            return Some(entry(
                format!("users[{i}].enabled"),
                format!(
                    "user {:?} is enabled but its workspace {:?} would be disabled (a disabled workspace disables its users)",
                    u.username, u.workspace
                ),
            ));
        }
    }
    for (i, k) in m.api_keys.iter().enumerate() {
        if !now.user_usable(&k.user) {
            return Some(entry(
                format!("api_keys[{i}].user"),
                format!(
                    "user {:?} would be disabled, or in a disabled workspace: a disabled user has no API keys",
                    k.user
                ),
            ));
        }
    }
    None
}
