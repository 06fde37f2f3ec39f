//! Signing keys: `rotate-signing-key`. JWTs signed with a rotated-out key
//! stay valid for the configured grace period (see [`crate::authn`]);
//! once it is over the key is deleted (here, and at start), so that a
//! restart with a longer grace cannot bring those JWTs back.

use crate::gateway::Gateway;
use crate::request::{Actor, IamError};
use tg_iam_protocol::request::Empty;
use tg_iam_protocol::time;
use tg_iam_protocol::Void;

pub fn rotate(gw: &Gateway, _: Actor, _: Empty) -> Result<Void, IamError> {
    let grace = gw.cfg.rotation_grace;
    gw.mutate(|st| {
        let now = time::now();
        st.rotate_signing_key(now);
        st.delete_expired_signing_keys(grace, now);
        Ok(Void {})
    })
}
