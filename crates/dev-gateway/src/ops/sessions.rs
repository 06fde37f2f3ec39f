//! Getting a credential: `login` (a JWT for a username and password),
//! `bootstrap` (the first admin and its API key) and `bootstrap-status`.

use crate::authz::may_act_in;
use crate::config::BootstrapMode;
use crate::crypto;
use crate::gateway::Gateway;
use crate::jwt::Signer25519;
use crate::request::{err, invalid, Actor, IamError, IamErrorType};
use serde_json::{json, Value};
use tg_iam_protocol::request::{Empty, Login, MintToken};
use tg_iam_protocol::time;
use tg_iam_protocol::{BootstrapStatus, Bootstrapped, Token};

type Result<T> = std::result::Result<T, IamError>;

/// The one masked refusal of `login` and `bootstrap`.
fn auth_failure() -> IamError {
    err(IamErrorType::AuthFailed, "auth failure")
}

fn internal(message: &str) -> IamError {
    err(IamErrorType::InternalError, message)
}

/// A JWT for a username and password, in the user's home workspace or in
/// the `workspace` the request names, which must be enabled and one the
/// user may act in (any, for an admin; its home, for anyone else).
///
/// Every failure is the same `auth-failed: auth failure`, whatever check
/// failed, and costs one password hash: an unknown or disabled user is
/// checked against a dummy record, so neither the reply nor the time it
/// takes tells whether a username exists.
pub fn login(gw: &Gateway, _: Actor, req: Login) -> Result<Token> {
    let refused = auth_failure;
    let (username, password) = (req.username.as_str(), req.password.as_str());
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
    let ws = match req.workspace.as_deref().unwrap_or("") {
        "" => user.workspace.clone(),
        w => w.to_string(),
    };
    if !gw.read(|st| st.workspace_enabled(&ws) && may_act_in(&user, &ws)) {
        return Err(refused());
    }
    issue_jwt(gw, &user.id, &ws, None, refused)
}

/// A signed JWT for user `sub` acting in `ws`, and its expiry: the
/// reference claims `default_workspace, exp, iat, iss, sub`, plus
/// `user_context` for a minted token. Serialised as iam-svc does
/// (`json.dumps(sort_keys=True)`: keys sorted at every level, compact).
///
/// Revocation: the user and the workspace are checked (both still
/// enabled, else `refused()`) and the JWT signed under one lock of the
/// state, so a disable either comes first (refused) or records a
/// not-before second no earlier than this `iat` (the JWT ends with it). A
/// JWT is never issued in the second of a revocation of its user or
/// workspace, as it would be dead on arrival: then this waits for the next
/// second (at most one).
fn issue_jwt(
    gw: &Gateway,
    sub: &str,
    ws: &str,
    user_context: Option<Value>,
    refused: impl Fn() -> IamError,
) -> Result<Token> {
    let signer = gw.signer()?;
    let signed = loop {
        let attempt = gw.read(|st| {
            if !st.user(sub).is_some_and(|u| u.enabled) || !st.workspace_enabled(ws) {
                return Err(refused());
            }
            let iat = time::now();
            match st.jwts_revoked_through(sub, ws) {
                Some(nb) if nb > iat => Err(internal(
                    "the clock is behind this user's last revocation; try again later",
                )),
                Some(nb) if nb == iat => Ok(None),
                _ => sign(gw, &signer, sub, ws, iat, user_context.as_ref()).map(Some),
            }
        })?;
        match attempt {
            Some(signed) => break signed,
            None => std::thread::sleep(until_next_second()),
        }
    };
    let (jwt, exp) = signed;
    let jwt_expires = exp
        .checked_mul(1000)
        .map(time::iso_millis)
        .ok_or_else(|| internal("JWT expiry out of range"))?;
    Ok(Token { jwt, jwt_expires })
}

/// The JWT and its `exp`.
fn sign(
    gw: &Gateway,
    signer: &Signer25519,
    sub: &str,
    ws: &str,
    iat: i64,
    user_context: Option<&Value>,
) -> Result<(String, i64)> {
    let exp = iat
        .checked_add(gw.cfg.jwt_ttl)
        .ok_or_else(|| internal("JWT expiry out of range"))?;
    let mut claims = json!({"default_workspace": ws, "exp": exp, "iat": iat, "iss": "trustgraph-iam", "sub": sub});
    if let Some(uc) = user_context {
        claims["user_context"] = uc.clone();
    }
    Ok((signer.sign(&sort_keys(&claims)), exp))
}

/// From now to the start of the next second, and a millisecond more.
fn until_next_second() -> std::time::Duration {
    let ms = time::now_millis().rem_euclid(1000) as u64;
    std::time::Duration::from_millis(1001 - ms)
}

/// `v` with the keys of every object sorted, as Python's `sort_keys=True`.
fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sort_keys(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// `mint-token` (admin): a JWT for another user (`user_id` or
/// `username`) or for the caller (neither: the `actor`), acting in
/// `workspace`, carrying the caller-supplied `user_context_json` as its
/// `user_context` claim. The checks and their messages are 2.11.1
/// iam-svc's, in its order.
pub fn mint_token(gw: &Gateway, actor: Actor, req: MintToken) -> Result<Token> {
    let ws = req.workspace.as_str();
    if ws.is_empty() {
        return Err(invalid("workspace required"));
    }
    let context_json = req.user_context_json.as_str();
    if context_json.is_empty() {
        return Err(invalid("user_context required"));
    }
    let user_id = req.user_id.as_deref().unwrap_or("");
    let username = req.username.as_deref().unwrap_or("");
    if !user_id.is_empty() && !username.is_empty() {
        return Err(invalid("supply user_id or username, not both"));
    }
    let user = gw.read(|st| {
        let id = if !username.is_empty() {
            st.user_by_name(username)
                .map(|u| u.id.clone())
                .ok_or_else(|| IamError::not_found("username not found"))?
        } else if !user_id.is_empty() {
            user_id.to_string()
        } else {
            match actor.get() {
                None => return Err(invalid("user_id, username, or actor (self) required")),
                Some(a) => a.to_string(),
            }
        };
        st.user(&id)
            .cloned()
            .ok_or_else(|| IamError::not_found("user not found"))
    })?;
    let disabled = || err(IamErrorType::OperationNotPermitted, "user is disabled");
    if !user.enabled {
        return Err(disabled());
    }
    let context: Value = serde_json::from_str(context_json)
        .map_err(|e| invalid(&format!("bad user_context json: {e}")))?;
    if !gw.workspace_enabled(ws) {
        return Err(IamError::not_found("workspace not found or disabled"));
    }
    // This gateway's own rule (as for login's workspace): a JWT for a
    // workspace its user may not act in would never authenticate here, so
    // it is refused rather than minted dead. iam-svc does not check.
    if !may_act_in(&user, ws) {
        return Err(err(
            IamErrorType::OperationNotPermitted,
            format!("user may not act in workspace {ws}"),
        ));
    }
    issue_jwt(gw, &user.id, ws, Some(context), disabled)
}

/// Refused with iam-svc's one masked pair in token mode and once anyone
/// exists.
pub fn bootstrap(gw: &Gateway, _: Actor, _: Empty) -> Result<Bootstrapped> {
    let refused = auth_failure;
    if gw.cfg.bootstrap_mode != BootstrapMode::Bootstrap {
        return Err(refused());
    }
    let key = crypto::new_api_key();
    let hash = crypto::hash_password(&crypto::token_urlsafe(32), gw.cfg.iterations);
    gw.mutate(|st| {
        if !st.users.is_empty() {
            return Err(refused());
        }
        Ok(Bootstrapped {
            bootstrap_admin_user_id: st.seed_admin(&key, hash),
            bootstrap_admin_api_key: key.clone(),
        })
    })
}

pub fn bootstrap_status(gw: &Gateway, _: Actor, _: Empty) -> Result<BootstrapStatus> {
    Ok(BootstrapStatus {
        bootstrap_available: gw.bootstrap_available(),
    })
}
