//! Users: who am I, passwords, and the admin's user management.

use crate::crypto;
use crate::gateway::Gateway;
use crate::request::{err, invalid, required, Actor, IamError, IamErrorType};
use crate::state::{self, now_iso, State};
use tg_iam_protocol::request::{
    ChangePassword, CreateUser, Empty, ListUsers, UpdateUser, UserTarget,
};
use tg_iam_protocol::time;
use tg_iam_protocol::{TemporaryPassword, UserList, UserReply, Void};

type Result<T> = std::result::Result<T, IamError>;

fn user_reply(u: &state::User) -> UserReply {
    UserReply {
        user: Some(u.record()),
    }
}

pub fn whoami(gw: &Gateway, actor: Actor, _: Empty) -> Result<UserReply> {
    let actor = actor.id()?;
    gw.read(|st| st.user(actor).map(user_reply))
        .ok_or_else(|| IamError::not_found("user not found"))
}

/// The caller's own password, whatever `user_id` the body names: naming
/// someone else is refused (an admin uses reset-password). A wrong current
/// password is `auth-failed: auth failure`, as a failed login.
pub fn change_password(gw: &Gateway, actor: Actor, req: ChangePassword) -> Result<Void> {
    let me = actor.id()?;
    let named = req.user_id.unwrap_or_default();
    if !named.is_empty() && named != me {
        return Err(err(
            IamErrorType::OperationNotPermitted,
            "change-password changes the caller's own password; use reset-password for another user",
        ));
    }
    let (current, new) = (req.password, req.new_password);
    if current.is_empty() {
        return Err(invalid("password (current) required"));
    }
    if new.is_empty() {
        return Err(invalid("new_password required"));
    }
    let refused = || err(IamErrorType::AuthFailed, "auth failure");
    let user = gw.read(|st| st.user(me).cloned()).ok_or_else(refused)?;
    if !user.enabled || !crypto::verify_password(&current, &user.password_hash) {
        return Err(refused());
    }
    let hash = crypto::hash_password(&new, gw.cfg.iterations);
    gw.mutate(|st| {
        st.update_user(me, |u| {
            u.password_hash = hash;
            u.must_change_password = false;
        })
        .ok_or_else(refused)?;
        st.revoke_user_jwts(me, time::now());
        Ok(Void {})
    })
}

/// A temporary password; the user must change it (advisory, as upstream).
/// Every JWT issued to the user before ends (its API keys stay).
pub fn reset_password(gw: &Gateway, _: Actor, req: UserTarget) -> Result<TemporaryPassword> {
    let id = required(&req.user_id, "user_id required")?;
    let tmp = crypto::token_urlsafe(12);
    let hash = crypto::hash_password(&tmp, gw.cfg.iterations);
    gw.mutate(|st| {
        let u = target_user(st, id, req.workspace.as_deref())?;
        st.update_user(&u, |user| {
            user.password_hash = hash;
            user.must_change_password = true;
        });
        st.revoke_user_jwts(&u, time::now());
        Ok(TemporaryPassword {
            temporary_password: tmp,
        })
    })
}

pub fn create(gw: &Gateway, _: Actor, req: CreateUser) -> Result<UserReply> {
    let ws = required(
        req.workspace.as_deref().unwrap_or(""),
        "workspace required for create-user",
    )?;
    let u = req
        .user
        .ok_or_else(|| invalid("user field required for create-user"))?;
    let username = required(&u.username, "user.username required")?;
    let password = required(&u.password, "user.password required")?;
    if !gw.workspace_enabled(ws) {
        return Err(IamError::not_found("workspace not found or disabled"));
    }
    let duplicate = || err(IamErrorType::Duplicate, "username already exists");
    if gw.read(|st| st.user_by_name(username).is_some()) {
        return Err(duplicate());
    }
    let hash = crypto::hash_password(password, gw.cfg.iterations);
    gw.mutate(|st| {
        if st.user_by_name(username).is_some() {
            return Err(duplicate());
        }
        let name = u.name.as_deref().unwrap_or("");
        let user = state::User {
            id: crypto::uuid4(),
            workspace: ws.into(),
            username: username.into(),
            name: if name.is_empty() { username } else { name }.into(),
            email: u.email.clone().unwrap_or_default(),
            roles: sorted(u.roles.clone()),
            enabled: u.enabled.read(true).unwrap_or(true),
            must_change_password: u.must_change_password.read(false).unwrap_or(false),
            created: now_iso(),
            password_hash: hash,
            not_before: None,
        };
        let reply = user_reply(&user);
        st.insert(user);
        Ok(reply)
    })
}

/// All users, or those whose home is the request's `workspace`.
pub fn list(gw: &Gateway, _: Actor, req: ListUsers) -> Result<UserList> {
    let ws = req.workspace.unwrap_or_default();
    Ok(gw.read(|st| UserList {
        users: if ws.is_empty() {
            st.users.iter().map(state::User::record).collect()
        } else {
            st.users_in(&ws).map(state::User::record).collect()
        },
    }))
}

pub fn get(gw: &Gateway, _: Actor, req: UserTarget) -> Result<UserReply> {
    let id = required(&req.user_id, "user_id required")?;
    gw.read(|st| {
        let id = target_user(st, id, req.workspace.as_deref())?;
        Ok(user_reply(st.user(&id).expect("present")))
    })
}

/// Empty or absent `name`, `email`, `roles` keep the stored value; absent
/// `enabled` / `must_change_password` take the decoder's defaults (true /
/// false), an explicit null keeps them, as upstream. Disabling a user this
/// way ends its JWTs, as `disable-user` does.
pub fn update(gw: &Gateway, _: Actor, req: UpdateUser) -> Result<UserReply> {
    let id = required(&req.user_id, "user_id required")?;
    let u = req.user.ok_or_else(|| invalid("user field required"))?;
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    if given(&u.password).is_some() {
        return Err(invalid(
            "password cannot be changed via update-user; use change-password or reset-password",
        ));
    }
    gw.mutate(|st| {
        let id = target_user(st, id, req.workspace.as_deref())?;
        let username = &st.user(&id).expect("present").username;
        if given(&u.username).is_some_and(|n| n != *username) {
            return Err(invalid("username is immutable; create a new user instead"));
        }
        let reply = st
            .update_user(&id, |rec| {
                if let Some(name) = given(&u.name) {
                    rec.name = name;
                }
                if let Some(email) = given(&u.email) {
                    rec.email = email;
                }
                let roles = sorted(u.roles.clone().unwrap_or_default());
                if !roles.is_empty() {
                    rec.roles = roles;
                }
                if let Some(e) = u.enabled.read(true) {
                    rec.enabled = e;
                }
                if let Some(m) = u.must_change_password.read(false) {
                    rec.must_change_password = m;
                }
                user_reply(rec)
            })
            .expect("present");
        if u.enabled.read(true) == Some(false) {
            st.revoke_user_jwts(&id, time::now());
        }
        Ok(reply)
    })
}

/// Disabling also deletes the user's API keys, and ends every JWT issued
/// to it so far, for good: enabling it again brings neither back.
pub fn disable(gw: &Gateway, _: Actor, req: UserTarget) -> Result<Void> {
    let id = required(&req.user_id, "user_id required")?;
    gw.mutate(|st| {
        let id = target_user(st, id, req.workspace.as_deref())?;
        st.update_user(&id, |u| u.enabled = false);
        st.delete_keys_of(&id);
        st.revoke_user_jwts(&id, time::now());
        Ok(Void {})
    })
}

/// Enabling does not bring deleted keys or revoked JWTs back.
pub fn enable(gw: &Gateway, _: Actor, req: UserTarget) -> Result<Void> {
    let id = required(&req.user_id, "user_id required")?;
    gw.mutate(|st| {
        let id = target_user(st, id, req.workspace.as_deref())?;
        st.update_user(&id, |u| u.enabled = true);
        Ok(Void {})
    })
}

/// Deletes the user and its keys; the username becomes free.
pub fn delete(gw: &Gateway, _: Actor, req: UserTarget) -> Result<Void> {
    let id = required(&req.user_id, "user_id required")?;
    gw.mutate(|st| {
        let id = target_user(st, id, req.workspace.as_deref())?;
        st.remove_user(&id);
        Ok(Void {})
    })
}

/// A request's `roles`, sorted as iam-svc stores them.
fn sorted(mut roles: Vec<String>) -> Vec<String> {
    roles.sort();
    roles
}

/// The user `id`, checked against the request's optional `workspace`
/// (iam-svc's integrity check: it must be the user's home).
pub(crate) fn target_user(st: &State, id: &str, ws: Option<&str>) -> Result<String> {
    let u = st
        .user(id)
        .ok_or_else(|| IamError::not_found("user not found"))?;
    match ws {
        Some(ws) if !ws.is_empty() && u.workspace != ws => Err(err(
            IamErrorType::OperationNotPermitted,
            "user is in a different workspace",
        )),
        _ => Ok(u.id.clone()),
    }
}
