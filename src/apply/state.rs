//! What a plan works on: the gateway's state as far as the manifest is
//! concerned ([`State`], read by [`read_state`]), and the steps that
//! change it ([`Step`]). The planner and the invariants' check
//! (`after.rs`) both read them.

use super::manifest::Manifest;
use crate::error::{Error, Kind, Result};
use crate::iam::converge;
use crate::iam::{Api, ApiKey, User, Workspace};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use std::collections::{HashMap, HashSet};

/// What the gateway holds, as far as the manifest is concerned.
#[derive(Debug, Default, Clone)]
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
    /// When it was read, in epoch seconds: what key ages (`rotate_after`)
    /// are counted to ([`crate::time::now_or_test`]).
    pub now: i64,
}

/// Read the caller, the workspaces, the users, and the keys of the users
/// the plan needs them of, `jobs` requests at a time: the owners the
/// manifest's `api_keys` name and the caller (whose key in use is never
/// revoked), and with `prune` every user the manifest names (their keys
/// not in the manifest are revoked). A user whose keys the manifest does
/// not manage costs no request: a manifest of 100,000 users and no keys
/// reads three lists and one user's keys.
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
    let mut users: Vec<User> = converge::all_users(api)
        .await?
        .into_iter()
        .map(|u| u.value)
        .collect();
    // The caller is a user even if the list left it out (a list cut at
    // its size limit): the invariants are about it.
    if !users.iter().any(|u| u.id == me.id) {
        users.push(me.clone());
    }
    let wanted = key_owners(m, prune);
    let owners: Vec<&User> = users
        .iter()
        .filter(|u| wanted.contains(u.username.as_str()) || u.id == me.id)
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
        now: crate::time::now_or_test(),
        workspaces,
        users,
        keys,
    })
}

/// The users whose keys the plan compares with the manifest: the owners
/// its `api_keys` name, and with `prune` every user it names.
pub fn key_owners(m: &Manifest, prune: bool) -> HashSet<&str> {
    let owners = m.api_keys.iter().map(|k| k.user.as_str());
    if prune {
        named_users(m).into_iter().chain(owners).collect()
    } else {
        owners.collect()
    }
}

/// The users the manifest names: as users, or as owners of its keys.
pub(super) fn named_users(m: &Manifest) -> HashSet<&str> {
    m.users
        .iter()
        .map(|u| u.username.as_str())
        .chain(m.api_keys.iter().map(|k| k.user.as_str()))
        .collect()
}

/// The sign of a plan line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Create,
    Change,
    /// A key rotated: a new one minted, the old one revoked.
    Rotate,
    Prune,
    Same,
}

impl Sign {
    pub fn char(self) -> char {
        match self {
            Sign::Create => '+',
            Sign::Change => '~',
            Sign::Rotate => '↻',
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
    /// A key older than its `rotate_after`: a new one, then the old one
    /// revoked.
    RotateKey(usize, ApiKey),
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

impl Step {
    /// The manifest entry the step carries out (`users[2]`), or `--prune`.
    pub fn entry(&self) -> String {
        match &self.action {
            Action::CreateWorkspace(i) | Action::UpdateWorkspace(i, _) => {
                format!("workspaces[{i}]")
            }
            Action::CreateUser(i) | Action::UpdateUser(i, _) => format!("users[{i}]"),
            Action::CreateKey(i) | Action::ReplaceKey(i, _) | Action::RotateKey(i, _) => {
                format!("api_keys[{i}]")
            }
            Action::DisableUser(_) | Action::RevokeKey(..) => "--prune".to_string(),
        }
    }

    /// Whether it takes something away: a role, an enabled user or
    /// workspace, an API key (a rotation too: it revokes the old key,
    /// which whoever holds it can no longer use). Such a plan asks before
    /// it runs.
    pub fn destructive(&self, m: &Manifest) -> bool {
        match &self.action {
            Action::CreateWorkspace(_) | Action::CreateUser(_) | Action::CreateKey(_) => false,
            Action::UpdateWorkspace(i, have) => {
                have.enabled && m.workspaces[*i].enabled == Some(false)
            }
            Action::UpdateUser(i, have) => {
                let u = &m.users[*i];
                let dropped = u
                    .roles
                    .as_ref()
                    .is_some_and(|r| have.roles.iter().any(|h| !r.contains(h)));
                dropped || (have.enabled && u.enabled == Some(false))
            }
            Action::DisableUser(_)
            | Action::ReplaceKey(..)
            | Action::RotateKey(..)
            | Action::RevokeKey(..) => true,
        }
    }
}
