//! Signing keys: `rotate-signing-key`. JWTs signed with a rotated-out key
//! stay valid for the configured grace period (see [`crate::authn`]).

use crate::gateway::Gateway;
use crate::request::{Actor, IamError};
use crate::state::SigningKey;
use tg_iam_protocol::request::Empty;
use tg_iam_protocol::time;
use tg_iam_protocol::Void;

pub fn rotate(gw: &Gateway, _: Actor, _: Empty) -> Result<Void, IamError> {
    gw.mutate(|st| {
        let now = time::now();
        for k in st.signing_keys.iter_mut().filter(|k| k.retired.is_none()) {
            k.retired = Some(now);
        }
        st.signing_keys.push(SigningKey::generate());
        Ok(Void {})
    })
}
