//! Computing the plan from the manifest and the gateway's state: one line
//! per thing in the manifest (`+` create, `~` change, `↻` rotate, `=`
//! unchanged) and, with `--prune`, one per thing pruned (`-`).

use super::after::{self, At};
use super::manifest::{Manifest, PasswordSource, UserSpec};
use super::state::{named_users, Action, Sign, State, Step};
use crate::error::{Error, Result};
use crate::iam::converge::{
    key_diffs, role_set, show_diffs, user_diffs, workspace_diffs, WantUser,
};
use crate::iam::credentials::{instant, DAY};
use crate::iam::{ApiKey, User, Workspace};
use std::collections::{HashMap, HashSet};

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

    /// Drop step `n` (a pruning step that would break an invariant); an
    /// `=` line says what was kept, and why. Its `-` line goes with the
    /// other pruning lines whose step is gone, at the end of [`plan`].
    fn spare(&mut self, n: usize, kept_as: &str) {
        let s = self.steps.remove(n);
        let what = match &s.action {
            Action::DisableUser(h) => format!("user {}", h.username),
            Action::RevokeKey(user, k) => format!("api key {user}/{} ({}…)", k.name, k.prefix),
            _ => s.text,
        };
        self.same(format!("{what} not pruned: {kept_as}"));
    }

    /// How many steps take something away ([`Step::destructive`]).
    pub fn destructive(&self, m: &Manifest) -> usize {
        self.steps.iter().filter(|s| s.destructive(m)).count()
    }

    /// Whether applying it mints a secret (a new API key or a generated
    /// password).
    pub fn mints(&self, m: &Manifest) -> bool {
        self.steps.iter().any(|s| match s.action {
            Action::CreateKey(_) | Action::ReplaceKey(..) | Action::RotateKey(..) => true,
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
        if n(Sign::Rotate) > 0 {
            parts.push(format!("{} to rotate", n(Sign::Rotate)));
        }
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

/// What the manifest asks of existing user `u`, its home workspace
/// aside: only the fields it gives.
pub fn want_user(u: &UserSpec) -> WantUser {
    WantUser {
        workspace: None,
        roles: u.roles.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        enabled: u.enabled,
    }
}

/// What a user created from `u` looks like: the defaults filled in.
pub fn new_user(u: &UserSpec) -> WantUser {
    WantUser {
        workspace: Some(u.workspace.clone()),
        roles: Some(u.roles_when_new()),
        enabled: Some(u.enabled_when_new()),
        ..want_user(u)
    }
}

/// A key's age in a plan line: whole days (`120 d`), or hours under a
/// day (`13 h`).
fn show_age(secs: i64) -> String {
    match secs.max(0) {
        s if s < DAY => format!("{} h", s / 3600),
        s => format!("{} d", s / DAY),
    }
}

fn conflict(file: &str, path: String, msg: String, hint: &str) -> Error {
    Error::refused(format!("{file}: {path}: {msg}")).with_hint(hint)
}

/// Compare the manifest with the state. Fails, before anything changes,
/// when the manifest asks for what cannot be done, or for a state that
/// breaks an invariant ([`after::check`]): exit 2, naming the entry.
/// With `prune`, what the manifest does not list is disabled or revoked,
/// except what an invariant protects (the caller, the key in use).
pub fn plan(m: &Manifest, st: &State, prune: bool, file: &str) -> Result<Plan> {
    let mut p = Plan::default();
    // Look-ups by key: a plan is linear in the manifest and the state.
    let workspaces: HashMap<&str, &Workspace> =
        st.workspaces.iter().map(|w| (w.id.as_str(), w)).collect();
    for (i, w) in m.workspaces.iter().enumerate() {
        match workspaces.get(w.id.as_str()).copied() {
            None => p.step(
                0,
                Sign::Create,
                format!(
                    "create workspace {}{}",
                    w.id,
                    if w.enabled_when_new() {
                        ""
                    } else {
                        " (disabled)"
                    }
                ),
                Action::CreateWorkspace(i),
            ),
            Some(h) => {
                let d = workspace_diffs(h, w.name.as_deref(), w.enabled);
                if d.is_empty() {
                    p.same(format!("workspace {} unchanged", w.id));
                } else {
                    let also = if h.enabled && w.enabled == Some(false) {
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
    let users: HashMap<&str, &User> = st.users.iter().map(|u| (u.username.as_str(), u)).collect();
    for (i, u) in m.users.iter().enumerate() {
        match users.get(u.username.as_str()) {
            None => p.step(
                1,
                Sign::Create,
                format!(
                    "create user {} ({}) in {}{}",
                    u.username,
                    role_set(&u.roles_when_new()).join(", "),
                    u.workspace,
                    if u.enabled_when_new() {
                        ""
                    } else {
                        " (disabled)"
                    }
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
                let d = user_diffs(h, &want_user(u));
                if d.is_empty() {
                    p.same(format!("user {} unchanged", u.username));
                } else {
                    p.step(
                        1,
                        Sign::Change,
                        format!("update user {}: {}", u.username, show_diffs(&d)),
                        Action::UpdateUser(i, (*h).clone()),
                    );
                }
            }
        }
    }
    let listed = named_users(m);
    if prune {
        for h in st.users.iter().filter(|h| h.enabled) {
            if !listed.contains(h.username.as_str()) {
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
    }
    let mut kept: HashSet<&str> = HashSet::new();
    let in_use = after::keys_in_use(st);
    let in_manifest: HashSet<&str> = m.users.iter().map(|u| u.username.as_str()).collect();
    for (i, k) in m.api_keys.iter().enumerate() {
        let existing = users.get(k.user.as_str());
        if existing.is_none() && !in_manifest.contains(k.user.as_str()) {
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
        let same_name: Vec<&ApiKey> = existing
            .and_then(|u| st.keys.get(&u.id))
            .into_iter()
            .flatten()
            .filter(|x| x.name == k.name)
            .collect();
        let label = format!("{}/{}", k.user, k.name);
        match same_name.as_slice() {
            [] => p.step(
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
            [old] => {
                kept.insert(&old.id);
                let d = key_diffs(old, k.expires.as_deref());
                if d.is_empty() {
                    let age = instant(&old.created).map(|c| st.now.saturating_sub(c));
                    match (k.rotate_after, age) {
                        (Some(_), None) => p.same(format!(
                            "api key {label} unchanged: not rotated, its age is unknown (created {:?} is not a time)",
                            old.created
                        )),
                        (Some(r), Some(a)) if a > r.secs => {
                            if in_use.contains(old.id.as_str()) {
                                p.same(format!(
                                    "api key {label} is the key in use: not rotated (age {})",
                                    show_age(a)
                                ));
                            } else {
                                p.step(
                                    2,
                                    Sign::Rotate,
                                    format!("rotate api key {label} (age {})", show_age(a)),
                                    Action::RotateKey(i, (*old).clone()),
                                );
                            }
                        }
                        _ => p.same(format!("api key {label} unchanged")),
                    }
                } else {
                    p.step(
                        2,
                        Sign::Change,
                        format!(
                            "replace api key {label}: {} (a new key; the old one is revoked)",
                            show_diffs(&d)
                        ),
                        Action::ReplaceKey(i, (*old).clone()),
                    );
                }
            }
            many => {
                let ids: Vec<String> = many
                    .iter()
                    .map(|x| format!("{} ({}…)", x.id, x.prefix))
                    .collect();
                return Err(Error::usage(format!(
                    "{file}: api_keys[{i}]: user {:?} has {} API keys named {:?}: {}; refusing to guess which one the manifest means; nothing was sent",
                    k.user,
                    many.len(),
                    k.name,
                    ids.join(", ")
                ))
                .with_hint("revoke all but one with tg-revoke-api-key --key-id ID, then apply again"));
            }
        }
    }
    if prune {
        for h in &st.users {
            for k in st.keys.get(&h.id).into_iter().flatten() {
                if !kept.contains(k.id.as_str()) {
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
    }
    // The invariants, on the state the whole plan leaves. A pruning step
    // that breaks one is dropped (that is how --prune spares the caller
    // and the key in use), anything else refuses the plan.
    while let Some(v) = after::check(m, st, &p.steps) {
        let entry = match &v.at {
            At::Step(n, _) if p.steps[*n].sign == Sign::Prune => {
                p.spare(*n, v.kept_as);
                continue;
            }
            At::Step(n, field) => format!("{}.{field}", p.steps[*n].entry()),
            At::Entry(path) => path.clone(),
        };
        return Err(Error::usage(format!(
            "{file}: {entry}: {}; refusing the plan: nothing was sent",
            v.reason
        ))
        .with_hint("change the manifest, or apply it as another admin"));
    }
    // Keys of users the plan disables go with them (the gateway revokes
    // them): revoking them too would fail. A pruning line whose step is
    // gone (spared, or gone with its user) goes too.
    let ends = after::simulate(m, st, &p.steps);
    let enabled = ends.enabled_ids();
    p.steps.retain(|s| match &s.action {
        Action::RevokeKey(_, k) => enabled.contains(k.user_id.as_str()),
        _ => true,
    });
    let steps: HashSet<&str> = p.steps.iter().map(|s| s.text.as_str()).collect();
    p.lines
        .retain(|(sign, text)| *sign != Sign::Prune || steps.contains(text.as_str()));
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hours under a day, whole days from one day on (cargo mutants: the
    /// day's boundary was not held by a test).
    #[test]
    fn an_age_is_hours_under_a_day_and_days_from_one() {
        for (secs, shown) in [
            (-5, "0 h"),
            (0, "0 h"),
            (3599, "0 h"),
            (3600, "1 h"),
            (DAY - 1, "23 h"),
            (DAY, "1 d"),
            (2 * DAY - 1, "1 d"),
            (120 * DAY, "120 d"),
        ] {
            assert_eq!(show_age(secs), shown, "{secs}");
        }
    }
}
