//! API keys: create (the plaintext is shown once), list, revoke.

use crate::config::Compat;
use crate::crypto;
use crate::gateway::Gateway;
use crate::ops::users::target_user;
use crate::request::{err, invalid, required, Actor, IamError, IamErrorType};
use crate::state::{now_iso, ApiKey};
use tg_iam_protocol::request::{CreateApiKey, RevokeApiKey, UserTarget};
use tg_iam_protocol::time;
use tg_iam_protocol::{ApiKeyList, CreatedApiKey, Void};

pub fn create(gw: &Gateway, _: Actor, req: CreateApiKey) -> Result<CreatedApiKey, IamError> {
    let k = req.key;
    let user_id = required(&k.user_id, "key.user_id required")?.to_string();
    let name = required(&k.name, "key.name required")?.to_string();
    let expires = expiry(gw, k.expires.as_deref().unwrap_or(""))?;
    let plaintext = crypto::new_api_key();
    gw.mutate(|st| {
        let user_id = target_user(st, &user_id, req.workspace.as_deref())?;
        let key = ApiKey {
            id: crypto::uuid4(),
            user_id,
            name,
            prefix: plaintext[..7].to_string(),
            expires,
            created: now_iso(),
            hash: crypto::hash_api_key(&plaintext),
        };
        st.insert(key.clone());
        Ok(CreatedApiKey {
            api_key_plaintext: plaintext.clone(),
            api_key: Some(key.record()),
        })
    })
}

/// A key's `expires`, as stored: "" for none. An expiry that is not an
/// ISO-8601 date is refused by design; under `--compat 2.11` it is stored
/// as "never", as iam-svc does. A past date is accepted (the key is dead
/// on arrival), as upstream.
fn expiry(gw: &Gateway, given: &str) -> Result<String, IamError> {
    if given.is_empty() {
        return Ok(String::new());
    }
    match time::parse_iso8601(given).and_then(|e| e.checked_mul(1000)) {
        Some(ms) => Ok(time::iso_millis(ms)),
        None if gw.cfg.compat == Compat::V2_11 => Ok(String::new()),
        None => Err(invalid("key.expires is not an ISO-8601 date")),
    }
}

pub fn list(gw: &Gateway, _: Actor, req: UserTarget) -> Result<ApiKeyList, IamError> {
    let id = required(&req.user_id, "user_id required for list-api-keys")?;
    gw.read(|st| {
        let id = target_user(st, id, req.workspace.as_deref())?;
        Ok(ApiKeyList {
            api_keys: st.api_keys_of(&id).map(ApiKey::record).collect(),
        })
    })
}

pub fn revoke(gw: &Gateway, _: Actor, req: RevokeApiKey) -> Result<Void, IamError> {
    let id = required(&req.key_id, "key_id required")?;
    let ws = req.workspace.as_deref().unwrap_or("");
    gw.mutate(|st| {
        let key = st
            .api_keys
            .get(id)
            .ok_or_else(|| IamError::not_found("api key not found"))?;
        let owner_ws = st
            .user(&key.user_id)
            .map(|u| u.workspace.as_str())
            .unwrap_or("");
        if !ws.is_empty() && owner_ws != ws {
            return Err(err(
                IamErrorType::OperationNotPermitted,
                "key belongs to a different workspace",
            ));
        }
        st.remove_api_key(id);
        Ok(Void {})
    })
}
