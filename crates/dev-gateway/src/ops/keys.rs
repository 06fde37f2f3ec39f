//! API keys: create (the plaintext is shown once), list, revoke.

use super::records::{key_json, now_iso};
use super::users::target_user;
use super::{err, obj, one, required, s, void, Body, IamResult};
use crate::crypto;
use crate::gateway::Gateway;
use crate::state::ApiKey;
use crate::time;

pub fn create(gw: &Gateway, b: &Body) -> IamResult {
    let k = obj(b, "key").cloned().unwrap_or_default();
    let user_id = required(&k, "user_id", "key.user_id required")?.to_string();
    let name = required(&k, "name", "key.name required")?.to_string();
    // Like iam-svc: an unparseable expiry is stored as "never".
    let expires = time::parse_iso8601(s(&k, "expires"))
        .and_then(|e| e.checked_mul(1000))
        .map(time::iso_millis)
        .unwrap_or_default();
    let plaintext = crypto::new_api_key();
    gw.mutate(|st| {
        let user_id = target_user(st, &user_id, s(b, "workspace"))?;
        let key = ApiKey {
            id: crypto::uuid4(),
            user_id,
            name,
            prefix: plaintext[..7].to_string(),
            expires,
            created: now_iso(),
            hash: crypto::hash_api_key(&plaintext),
        };
        st.api_keys.push(key.clone());
        let mut r = one("api_key_plaintext", plaintext.clone().into());
        r.insert("api_key".into(), key_json(&key));
        Ok(r)
    })
}

pub fn list(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "user_id", "user_id required for list-api-keys")?;
    gw.read(|st| {
        let id = target_user(st, id, s(b, "workspace"))?;
        let keys = st
            .api_keys
            .iter()
            .filter(|k| k.user_id == id)
            .map(key_json)
            .collect();
        Ok(super::listing("api_keys", keys))
    })
}

pub fn revoke(gw: &Gateway, b: &Body) -> IamResult {
    let id = required(b, "key_id", "key_id required")?;
    let ws = s(b, "workspace");
    gw.mutate(|st| {
        let key = st
            .api_keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| err("not-found", "api key not found"))?;
        let owner_ws = st
            .user(&key.user_id)
            .map(|u| u.workspace.as_str())
            .unwrap_or("");
        if !ws.is_empty() && owner_ws != ws {
            return Err(err(
                "operation-not-permitted",
                "key belongs to a different workspace",
            ));
        }
        st.api_keys.retain(|k| k.id != id);
        Ok(void())
    })
}
