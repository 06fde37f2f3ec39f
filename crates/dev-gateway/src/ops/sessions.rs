//! Getting a credential: `login` (a JWT for a username and password),
//! `bootstrap` (the first admin and its API key) and `bootstrap-status`.

use super::{err, one, s, Body, IamResult};
use crate::config::BootstrapMode;
use crate::crypto;
use crate::gateway::Gateway;
use crate::ops::records::now_iso;
use crate::state::{self, State};
use crate::time;
use serde_json::json;

pub fn login(gw: &Gateway, b: &Body) -> IamResult {
    let failed = |m: &str| err("auth-failed", m);
    let username = s(b, "username");
    if username.is_empty() {
        return Err(failed("username required"));
    }
    let password = s(b, "password");
    if password.is_empty() {
        return Err(failed("password required"));
    }
    let user = gw
        .read(|st| st.user_by_name(username).cloned())
        .ok_or_else(|| failed("no such user"))?;
    if !user.enabled {
        return Err(failed("user disabled"));
    }
    if !crypto::verify_password(password, &user.password_hash) {
        return Err(failed("bad credentials"));
    }
    let ws = match s(b, "workspace") {
        "" => user.workspace.clone(),
        w => w.to_string(),
    };
    if !gw.workspace_enabled(&ws) {
        return Err(failed("workspace disabled"));
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
