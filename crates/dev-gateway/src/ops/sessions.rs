//! Getting a credential: `login` (a JWT for a username and password),
//! `bootstrap` (the first admin and its API key) and `bootstrap-status`.

use super::{err, one, s, Body, IamResult};
use crate::authz::may_act_in;
use crate::config::BootstrapMode;
use crate::crypto;
use crate::gateway::Gateway;
use crate::ops::records::now_iso;
use crate::state::{self, State};
use crate::time;
use serde_json::json;

/// A JWT for a username and password, in the user's home workspace or in
/// the `workspace` the request names, which must be enabled and one the
/// user may act in (any, for an admin; its home, for anyone else).
///
/// Every failure is the same `auth-failed: auth failure`, whatever check
/// failed, and costs one password hash: an unknown or disabled user is
/// checked against a dummy record, so neither the reply nor the time it
/// takes tells whether a username exists.
pub fn login(gw: &Gateway, b: &Body) -> IamResult {
    let refused = || err("auth-failed", "auth failure");
    let (username, password) = (s(b, "username"), s(b, "password"));
    if username.is_empty() || password.is_empty() {
        return Err(refused());
    }
    let user = gw.read(|st| st.user_by_name(username).filter(|u| u.enabled).cloned());
    // One hash either way: no user, no enabled user, the dummy record.
    let stored = user
        .as_ref()
        .map_or(gw.dummy_password_hash(), |u| u.password_hash.as_str());
    let matches = crypto::verify_password(password, stored);
    let user = user.filter(|_| matches).ok_or_else(refused)?;
    let ws = match s(b, "workspace") {
        "" => user.workspace.clone(),
        w => w.to_string(),
    };
    if !gw.read(|st| st.workspace_enabled(&ws) && may_act_in(&user, &ws)) {
        return Err(refused());
    }
    let iat = time::now();
    let exp = iat
        .checked_add(gw.cfg.jwt_ttl)
        .ok_or_else(|| err("internal-error", "JWT expiry out of range"))?;
    let claims = json!({"default_workspace": ws, "exp": exp, "iat": iat, "iss": "trustgraph-iam", "sub": user.id});
    let jwt = gw.signer()?.sign(&claims);
    let expires = exp
        .checked_mul(1000)
        .map(time::iso_millis)
        .ok_or_else(|| err("internal-error", "JWT expiry out of range"))?;
    let mut r = one("jwt", jwt.into());
    r.insert("jwt_expires".into(), expires.into());
    Ok(r)
}

/// Refused with iam-svc's one masked pair in token mode and once anyone
/// exists.
pub fn bootstrap(gw: &Gateway, _: &Body) -> IamResult {
    let refused = || err("auth-failed", "auth failure");
    if gw.cfg.bootstrap_mode != BootstrapMode::Bootstrap {
        return Err(refused());
    }
    let key = crypto::new_api_key();
    let hash = crypto::hash_password(&crypto::token_urlsafe(32), gw.cfg.iterations);
    gw.mutate(|st| {
        if !st.users.is_empty() {
            return Err(refused());
        }
        let id = seed(st, &key, hash);
        let mut r = one("bootstrap_admin_user_id", id.into());
        r.insert("bootstrap_admin_api_key".into(), key.clone().into());
        Ok(r)
    })
}

pub fn bootstrap_status(gw: &Gateway, _: &Body) -> IamResult {
    Ok(one("bootstrap_available", gw.bootstrap_available().into()))
}

/// Create the `default` workspace (if missing), the admin user (with an
/// undisclosed password) and its API key `key`. Returns the admin's id.
pub(crate) fn seed(st: &mut State, key: &str, password_hash: String) -> String {
    let created = now_iso();
    if st.workspace("default").is_none() {
        st.workspaces.push(state::Workspace {
            id: "default".into(),
            name: "Default".into(),
            enabled: true,
            created: created.clone(),
        });
    }
    let id = crypto::uuid4();
    st.users.push(state::User {
        id: id.clone(),
        workspace: "default".into(),
        username: "admin".into(),
        name: "Administrator".into(),
        email: String::new(),
        roles: vec!["admin".into()],
        enabled: true,
        must_change_password: true,
        created: created.clone(),
        password_hash,
    });
    st.api_keys.push(state::ApiKey {
        id: crypto::uuid4(),
        user_id: id.clone(),
        name: "bootstrap".into(),
        prefix: key.chars().take(7).collect(),
        expires: String::new(),
        created,
        hash: crypto::hash_api_key(key),
    });
    id
}
