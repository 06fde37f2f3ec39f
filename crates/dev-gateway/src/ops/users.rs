//! Users: who am I, passwords, and the admin's user management.

use super::records::{now_iso, roles_of, user_json};
use super::{actor, err, flag, invalid, obj, one, required, s, void, Body, IamError, IamResult};
use crate::crypto;
use crate::gateway::Gateway;
use crate::state::{self, State};
use crate::time;

pub fn whoami(gw: &Gateway, b: &Body) -> IamResult {
    let actor = actor(b)?;
    gw.read(|st| st.user(actor).map(|u| one("user", user_json(u))))
        .ok_or_else(|| err("not-found", "user not found"))
}

/// The caller's own password, whatever `user_id` the body names: naming
/// someone else is refused (an admin uses reset-password). A wrong current
/// password is `auth-failed: auth failure`, as a failed login.
pub fn change_password(gw: &Gateway, b: &Body) -> IamResult {
    let me = actor(b)?;
    let named = s(b, "user_id");
    if !named.is_empty() && named != me {
        return Err(err(
            "operation-not-permitted",
            "change-password changes the caller's own password; use reset-password for another user",
        ));
    }
    let (current, new) = (s(b, "password"), s(b, "new_password"));
    if current.is_empty() {
        return Err(invalid("password (current) required"));
    }
    if new.is_empty() {
        return Err(invalid("new_password required"));
    }
    let refused = || err("auth-failed", "auth failure");
    let user = gw.read(|st| st.user(me).cloned()).ok_or_else(refused)?;
    if !user.enabled || !crypto::verify_password(current, &user.password_hash) {
        return Err(refused());
    }
    let hash = crypto::hash_password(new, gw.cfg.iterations);
    gw.mutate(|st| {
        let u = st.user_mut(me).ok_or_else(refused)?;
        u.password_hash = hash;
        u.must_change_password = false;
        st.revoke_user_jwts(me, time::now());
        Ok(void())
    })
}

/// A temporary password; the user must change it (advisory, as upstream).
/// Every JWT issued to the user before ends (its API keys stay).
pub fn reset_password(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "user_id", "user_id required")?;
    let tmp = crypto::token_urlsafe(12);
    let hash = crypto::hash_password(&tmp, gw.cfg.iterations);
    gw.mutate(|st| {
        let u = target_user(st, id, s(b, "workspace"))?;
        let user = st.user_mut(&u).expect("present");
        user.password_hash = hash;
        user.must_change_password = true;
        st.revoke_user_jwts(&u, time::now());
        Ok(one("temporary_password", tmp.into()))
    })
}

pub fn create(gw: &Gateway, b: &Body) -> IamResult {
    let ws = required(b, "workspace", "workspace required for create-user")?;
    let u = obj(b, "user").ok_or_else(|| invalid("user field required for create-user"))?;
    let username = required(u, "username", "user.username required")?;
    let password = required(u, "password", "user.password required")?;
    if !gw.workspace_enabled(ws) {
        return Err(err("not-found", "workspace not found or disabled"));
    }
    if gw.read(|st| st.user_by_name(username).is_some()) {
        return Err(err("duplicate", "username already exists"));
    }
    let hash = crypto::hash_password(password, gw.cfg.iterations);
    gw.mutate(|st| {
        if st.user_by_name(username).is_some() {
            return Err(err("duplicate", "username already exists"));
        }
        let name = s(u, "name");
        let user = state::User {
            id: crypto::uuid4(),
            workspace: ws.into(),
            username: username.into(),
            name: if name.is_empty() { username } else { name }.into(),
            email: s(u, "email").into(),
            roles: roles_of(u),
            enabled: flag(u, "enabled", true).unwrap_or(true),
            must_change_password: flag(u, "must_change_password", false).unwrap_or(false),
            created: now_iso(),
            password_hash: hash,
            not_before: None,
        };
        st.users.push(user.clone());
        Ok(one("user", user_json(&user)))
    })
}

/// All users, or those whose home is the request's `workspace`.
pub fn list(gw: &Gateway, b: &Body) -> IamResult {
    let ws = s(b, "workspace");
    Ok(gw.read(|st| {
        let users = st
            .users
            .iter()
            .filter(|u| ws.is_empty() || u.workspace == ws)
            .map(user_json)
            .collect();
        super::listing("users", users)
    }))
}

pub fn get(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "user_id", "user_id required")?;
    gw.read(|st| {
        let id = target_user(st, id, s(b, "workspace"))?;
        Ok(one("user", user_json(st.user(&id).expect("present"))))
    })
}

/// Empty or absent `name`, `email`, `roles` keep the stored value; absent
/// `enabled` / `must_change_password` take the decoder's defaults (true /
/// false), an explicit null keeps them, as upstream. Disabling a user this
/// way ends its JWTs, as `disable-user` does.
pub fn update(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "user_id", "user_id required")?;
    let u = obj(b, "user").ok_or_else(|| invalid("user field required"))?;
    if !s(u, "password").is_empty() {
        return Err(invalid(
            "password cannot be changed via update-user; use change-password or reset-password",
        ));
    }
    gw.mutate(|st| {
        let id = target_user(st, id, s(b, "workspace"))?;
        let rec = st.user_mut(&id).expect("present");
        if !s(u, "username").is_empty() && s(u, "username") != rec.username {
            return Err(invalid("username is immutable; create a new user instead"));
        }
        if !s(u, "name").is_empty() {
            rec.name = s(u, "name").into();
        }
        if !s(u, "email").is_empty() {
            rec.email = s(u, "email").into();
        }
        let roles = roles_of(u);
        if !roles.is_empty() {
            rec.roles = roles;
        }
        if let Some(e) = flag(u, "enabled", true) {
            rec.enabled = e;
        }
        if let Some(m) = flag(u, "must_change_password", false) {
            rec.must_change_password = m;
        }
        let reply = one("user", user_json(rec));
        if flag(u, "enabled", true) == Some(false) {
            st.revoke_user_jwts(&id, time::now());
        }
        Ok(reply)
    })
}

/// Disabling also deletes the user's API keys, and ends every JWT issued
/// to it so far, for good: enabling it again brings neither back.
pub fn disable(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "user_id", "user_id required")?;
    gw.mutate(|st| {
        let id = target_user(st, id, s(b, "workspace"))?;
        st.user_mut(&id).expect("present").enabled = false;
        st.delete_keys_of(&id);
        st.revoke_user_jwts(&id, time::now());
        Ok(void())
    })
}

/// Enabling does not bring deleted keys or revoked JWTs back.
pub fn enable(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "user_id", "user_id required")?;
    gw.mutate(|st| {
        let id = target_user(st, id, s(b, "workspace"))?;
        st.user_mut(&id).expect("present").enabled = true;
        Ok(void())
    })
}

/// Deletes the user and its keys; the username becomes free.
pub fn delete(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "user_id", "user_id required")?;
    gw.mutate(|st| {
        let id = target_user(st, id, s(b, "workspace"))?;
        st.delete_keys_of(&id);
        st.users.retain(|u| u.id != id);
        Ok(void())
    })
}

/// The user `id`, checked against the request's optional `workspace`
/// (iam-svc's integrity check: it must be the user's home).
pub(crate) fn target_user(st: &State, id: &str, ws: &str) -> Result<String, IamError> {
    let u = st
        .user(id)
        .ok_or_else(|| err("not-found", "user not found"))?;
    if !ws.is_empty() && u.workspace != ws {
        return Err(err(
            "operation-not-permitted",
            "user is in a different workspace",
        ));
    }
    Ok(u.id.clone())
}
