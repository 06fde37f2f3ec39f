//! Signing keys: `rotate-signing-key`. JWTs signed with a rotated-out key
//! stay valid for the configured grace period (see [`crate::authn`]).

use super::{Actor, IamError};
use crate::gateway::Gateway;
use crate::jwt::Signer25519;
use crate::state::SigningKey;
use crate::time;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tg_iam_protocol::request::Empty;
use tg_iam_protocol::Void;

pub fn rotate(gw: &Gateway, _: Actor, _: Empty) -> Result<Void, IamError> {
    gw.mutate(|st| {
        let now = time::now();
        for k in st.signing_keys.iter_mut().filter(|k| k.retired.is_none()) {
            k.retired = Some(now);
        }
        st.signing_keys.push(new_key());
        Ok(Void {})
    })
}

pub(crate) fn new_key() -> SigningKey {
    let s = Signer25519::generate();
    SigningKey {
        kid: s.kid,
        secret: STANDARD.encode(s.key.to_bytes()),
        created: time::now(),
        retired: None,
    }
}
