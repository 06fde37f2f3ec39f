//! Reading the gateway's current state and computing the plan: one line
//! per thing in the manifest (`+` create, `~` change, `=` unchanged) and,
//! with `--prune`, one per thing pruned (`-`).

use super::manifest::{Manifest, PasswordSource, UserSpec};
use crate::error::{Error, Kind, Result};
use crate::iam::converge::{
    self, key_diffs, role_set, show_diffs, user_diffs, workspace_diffs, WantUser,
};
use crate::iam::{Api, ApiKey, User, Workspace};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use std::collections::{HashMap, HashSet};

/// What the gateway holds, as far as the manifest is concerned.
#[derive(Debug, Default)]
pub struct State {
    /// The caller's user id (never pruned).
    pub caller_id: String,
    /// The `prefix` of the API key in use, when the token is one (never
    /// pruned).
    pub key_in_use: Option<String>,
    pub workspaces: Vec<Workspace>,
    pub users: Vec<User>,
    /// API keys by owner id, for the users the plan needs them of.
    pub keys: HashMap<String, Vec<ApiKey>>,
}

impl State {
    fn user(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }
}

/// Read the caller, the workspaces, the users and the keys the manifest
/// concerns (all users' with `prune`), `jobs` requests at a time.
pub async fn read_state(api: Api<'_>, m: &Manifest, prune: bool, jobs: usize) -> Result<State> {
    let mut who = api.whoami().await?;
    who.value = who.value.filter(|u| !u.id.is_empty());
    let me = who
        .require(
            "user record of the caller",
            Kind::Refused,
            "check the token",
        )?
        .value;
    let workspaces = converge::all_workspaces(api)
        .await?
        .into_iter()
        .map(|w| w.value)
        .collect();
    let users: Vec<User> = converge::all_users(api)
        .await?
        .into_iter()
        .map(|u| u.value)
        .collect();
    let wanted: HashSet<&str> = m
        .users
        .iter()
        .map(|u| u.username.as_str())
        .chain(m.api_keys.iter().map(|k| k.user.as_str()))
        .collect();
    let owners: Vec<&User> = users
        .iter()
        .filter(|u| wanted.contains(u.username.as_str()) || (prune && u.id == me.id))
        .collect();
    let keys = stream::iter(owners)
        .map(|u| async move {
            let ks = converge::user_keys(api, &u.id, None).await?;
            Ok::<_, Error>((u.id.clone(), ks.into_iter().map(|k| k.value).collect()))
        })
        .buffered(jobs)
        .try_collect()
        .await?;
    Ok(State {
        key_in_use: api.client().api_key_prefix().map(str::to_string),
        caller_id: me.id,
        workspaces,
        users,
        keys,
    })
}

/// The sign of a plan line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Create,
    Change,
    Prune,
    Same,
}

impl Sign {
    pub fn char(self) -> char {
        match self {
            Sign::Create => '+',
            Sign::Change => '~',
            Sign::Prune => '-',
            Sign::Same => '=',
        }
    }
}

/// What one step does. Indexes are into the manifest's lists.
#[derive(Debug, Clone)]
pub enum Action {
    CreateWorkspace(usize),
    UpdateWorkspace(usize, Workspace),
    CreateUser(usize),
    UpdateUser(usize, User),
    /// Pruning: a user not in the manifest.
    DisableUser(User),
    CreateKey(usize),
    /// A key whose expiry differs: a new one, then the old one revoked.
    ReplaceKey(usize, ApiKey),
    /// Pruning: a key not in the manifest, and its owner's username.
    RevokeKey(String, ApiKey),
}

/// One change. Steps of a stage are independent of each other; a stage
/// starts when the one before it is done (workspaces, users, keys).
#[derive(Debug, Clone)]
pub struct Step {
    pub stage: usize,
    pub sign: Sign,
    /// `create user alice (writer) in acme`
    pub text: String,
    pub action: Action,
}

/// The plan: every line, in order, and the steps among them.
#[derive(Debug, Default)]
pub struct Plan {
    pub lines: Vec<(Sign, String)>,
    pub steps: Vec<Step>,
}

impl Plan {
    fn step(&mut self, stage: usize, sign: Sign, text: String, action: Action) {
        self.lines.push((sign, text.clone()));
        self.steps.push(Step {
            stage,
            sign,
            text,
            action,
        });
    }

    fn same(&mut self, text: String) {
        self.lines.push((Sign::Same, text));
    }

    /// Whether applying it mints a secret (a new API key or a generated
    /// password).
    pub fn mints(&self, m: &Manifest) -> bool {
        self.steps.iter().any(|s| match s.action {
            Action::CreateKey(_) | Action::ReplaceKey(..) => true,
            Action::CreateUser(u) => generated(&m.users[u]),
            _ => false,
        })
    }

    /// `Plan: 2 to create, 1 to change, 3 unchanged.`
    pub fn summary(&self) -> String {
        let n = |s: Sign| self.lines.iter().filter(|(x, _)| *x == s).count();
        if self.steps.is_empty() {
            return format!("Nothing to do: {} unchanged.", n(Sign::Same));
        }
        let mut parts = vec![
            format!("{} to create", n(Sign::Create)),
            format!("{} to change", n(Sign::Change)),
        ];
        if n(Sign::Prune) > 0 {
            parts.push(format!("{} to prune", n(Sign::Prune)));
        }
        parts.push(format!("{} unchanged", n(Sign::Same)));
        format!("Plan: {}.", parts.join(", "))
    }
}

/// Whether user `u`'s password is generated (and so a minted secret).
pub fn generated(u: &UserSpec) -> bool {
    matches!(u.password_source(), Some(PasswordSource::Generate))
}

/// What the manifest asks of user `u`, its home workspace aside.
pub fn want_user(u: &UserSpec) -> WantUser {
    WantUser {
        workspace: None,
        roles: Some(u.roles.clone()),
        name: u.name.clone(),
        email: u.email.clone(),
        enabled: Some(u.enabled),
    }
}

fn conflict(file: &str, path: String, msg: String, hint: &str) -> Error {
    Error::refused(format!("{file}: {path}: {msg}")).with_hint(hint)
}

/// Compare the manifest with the state. Fails, before anything changes,
/// when the manifest asks for what cannot be done.
pub fn plan(m: &Manifest, st: &State, prune: bool, file: &str) -> Result<Plan> {
    let mut p = Plan::default();
    for (i, w) in m.workspaces.iter().enumerate() {
        match st.workspaces.iter().find(|h| h.id == w.id) {
            None => p.step(
                0,
                Sign::Create,
                format!(
                    "create workspace {}{}",
                    w.id,
                    if w.enabled { "" } else { " (disabled)" }
                ),
                Action::CreateWorkspace(i),
            ),
            Some(h) => {
                let d = workspace_diffs(h, w.name.as_deref(), w.enabled);
                if d.is_empty() {
                    p.same(format!("workspace {} unchanged", w.id));
                } else {
                    let also = if h.enabled && !w.enabled {
                        " (the gateway disables its users and revokes their API keys)"
                    } else {
                        ""
                    };
                    p.step(
                        0,
                        Sign::Change,
                        format!("update workspace {}: {}{also}", w.id, show_diffs(&d)),
                        Action::UpdateWorkspace(i, h.clone()),
                    );
                }
            }
        }
    }
    for (i, u) in m.users.iter().enumerate() {
        let in_manifest = m.workspaces.iter().any(|w| w.id == u.workspace);
        let usable = st
            .workspaces
            .iter()
            .any(|w| w.id == u.workspace && w.enabled);
        if !in_manifest && !usable {
            return Err(conflict(
                file,
                format!("users[{i}].workspace"),
                format!(
                    "workspace {:?} does not exist or is disabled, and is not in the manifest",
                    u.workspace
                ),
                "add it under workspaces",
            ));
        }
        match st.user(&u.username) {
            None => p.step(
                1,
                Sign::Create,
                format!(
                    "create user {} ({}) in {}{}",
                    u.username,
                    role_set(&u.roles).join(", "),
                    u.workspace,
                    if u.enabled { "" } else { " (disabled)" }
                ),
                Action::CreateUser(i),
            ),
            Some(h) => {
                if h.default_workspace != u.workspace {
                    return Err(conflict(
                        file,
                        format!("users[{i}].workspace"),
                        format!(
                            "user {:?} exists with home workspace {:?}, not {:?}; a user's home workspace cannot be changed",
                            u.username, h.default_workspace, u.workspace
                        ),
                        "put the existing home workspace in the manifest, or delete the user (tg-delete-user) and apply again",
                    ));
                }
                if h.id == st.caller_id && !u.enabled {
                    return Err(conflict(
                        file,
                        format!("users[{i}].enabled"),
                        format!(
                            "user {:?} is the caller: refusing to disable it",
                            u.username
                        ),
                        "apply the manifest as another admin",
                    ));
                }
                let d = user_diffs(h, &want_user(u));
                if d.is_empty() {
                    p.same(format!("user {} unchanged", u.username));
                } else {
                    p.step(
                        1,
                        Sign::Change,
                        format!("update user {}: {}", u.username, show_diffs(&d)),
                        Action::UpdateUser(i, h.clone()),
                    );
                }
            }
        }
    }
    if prune {
        // Users the manifest names: as users, or as owners of its keys.
        let listed: HashSet<&str> = m
            .users
            .iter()
            .map(|u| u.username.as_str())
            .chain(m.api_keys.iter().map(|k| k.user.as_str()))
            .collect();
        for h in &st.users {
            if listed.contains(h.username.as_str()) || h.id == st.caller_id || !h.enabled {
                continue;
            }
            p.step(
                1,
                Sign::Prune,
                format!(
                    "disable user {} (not in the manifest; the gateway revokes its API keys)",
                    h.username
                ),
                Action::DisableUser(h.clone()),
            );
        }
    }
    // Keys: the first key of each manifest (owner, name) is the one kept.
    let mut kept: HashSet<String> = HashSet::new();
    for (i, k) in m.api_keys.iter().enumerate() {
        let spec = m.users.iter().find(|u| u.username == k.user);
        let existing = st.user(&k.user);
        if spec.is_none() && existing.is_none() {
            return Err(conflict(
                file,
                format!("api_keys[{i}].user"),
                format!(
                    "user {:?} is not in the manifest and does not exist",
                    k.user
                ),
                "add the user under users",
            ));
        }
        if spec.is_none() && existing.is_some_and(|u| !u.enabled) {
            return Err(conflict(
                file,
                format!("api_keys[{i}].user"),
                format!(
                    "user {:?} is disabled: a disabled user has no API keys",
                    k.user
                ),
                "add the user under users with enabled = true",
            ));
        }
        let have = existing
            .and_then(|u| st.keys.get(&u.id))
            .and_then(|ks| ks.iter().find(|x| x.name == k.name));
        let label = format!("{}/{}", k.user, k.name);
        match have {
            None => p.step(
                2,
                Sign::Create,
                format!(
                    "create api key {label}{}",
                    k.expires
                        .as_deref()
                        .map(|e| format!(" (expires {e})"))
                        .unwrap_or_default()
                ),
                Action::CreateKey(i),
            ),
            Some(old) => {
                kept.insert(old.id.clone());
                let d = key_diffs(old, k.expires.as_deref());
                if d.is_empty() {
                    p.same(format!("api key {label} unchanged"));
                } else {
                    p.step(
                        2,
                        Sign::Change,
                        format!(
                            "replace api key {label}: {} (a new key; the old one is revoked)",
                            show_diffs(&d)
                        ),
                        Action::ReplaceKey(i, old.clone()),
                    );
                }
            }
        }
    }
    if prune {
        for h in &st.users {
            let Some(ks) = st.keys.get(&h.id) else {
                continue;
            };
            // Only the keys of users that stay enabled: disabling a user
            // revokes its keys anyway.
            let stays = match m.users.iter().find(|u| u.username == h.username) {
                Some(u) => u.enabled,
                None => h.id == st.caller_id || m.api_keys.iter().any(|k| k.user == h.username),
            };
            if !stays {
                continue;
            }
            for k in ks {
                let in_use = h.id == st.caller_id && st.key_in_use.as_deref() == Some(&k.prefix);
                if kept.contains(&k.id) || in_use {
                    continue;
                }
                p.step(
                    2,
                    Sign::Prune,
                    format!(
                        "revoke api key {}/{} ({}…, not in the manifest)",
                        h.username, k.name, k.prefix
                    ),
                    Action::RevokeKey(h.username.clone(), k.clone()),
                );
            }
        }
    }
    Ok(p)
}
