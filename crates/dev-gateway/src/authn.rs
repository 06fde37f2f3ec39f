//! Authentication: a bearer credential (a `tg_` API key or an EdDSA JWT)
//! to an [`Identity`], or nothing. Every check a credential must pass is
//! written once, in [`Gateway::still_valid`], which runs when the
//! credential is presented and again on every later frame of a socket it
//! authenticated.

use crate::authz::may_act_in;
use crate::crypto;
use crate::gateway::Gateway;
use crate::jwt;
pub use crate::request::Identity;
use crate::request::Source;
use crate::state::{within_grace, State};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tg_iam_protocol::time;

impl Gateway {
    /// Resolve a bearer token (surrounding whitespace ignored): `tg_…` is
    /// an API key, three dot-separated parts a JWT, anything else nothing.
    pub fn authenticate(&self, token: &str) -> Option<Identity> {
        let token = token.trim();
        let who = if token.starts_with("tg_") {
            self.api_key_identity(token)?
        } else if token.matches('.').count() == 2 {
            self.jwt_identity(token)?
        } else {
            return None;
        };
        self.still_valid(&who).then_some(who)
    }

    fn api_key_identity(&self, token: &str) -> Option<Identity> {
        let hash = crypto::hash_api_key(token);
        self.read(|st| {
            let key = st.api_key_by_hash(&hash)?;
            let user = st.user(&key.user_id)?;
            Some(Identity {
                user_id: user.id.clone(),
                workspace: user.workspace.clone(),
                user_context: None,
                source: Source::ApiKey { hash: hash.clone() },
            })
        })
    }

    /// A JWT whose signature verifies with the key its `kid` names (the
    /// newest key when it names none); its claims, not yet checked.
    fn jwt_identity(&self, token: &str) -> Option<Identity> {
        let parts = jwt::decode_jwt(token)?;
        if parts.header_str("alg") != Some("EdDSA") {
            return None;
        }
        let (kid, secret) = self.read(|st| {
            let k = match parts.header_str("kid") {
                Some(kid) => st.signing_key(kid)?,
                None => st.signing_keys.last()?,
            };
            Some((k.kid.clone(), k.secret.clone()))
        })?;
        let secret: [u8; 32] = STANDARD.decode(secret).ok()?.try_into().ok()?;
        let key = jwt::Signer25519::from_secret(String::new(), &secret).key;
        if !parts.verify(&key.verifying_key()) {
            return None;
        }
        Some(Identity {
            user_id: parts.claim_str("sub")?.to_string(),
            workspace: parts.claim_str("default_workspace")?.to_string(),
            user_context: parts
                .claims
                .get("user_context")
                .filter(|v| v.is_object())
                .cloned(),
            source: Source::Jwt {
                kid,
                exp: parts.claim_i64("exp")?,
                iat: parts.claim_i64("iat"),
            },
        })
    }

    /// Whether `who`'s credential still holds now: the one place the
    /// checks are written. An API key: it still exists and has not
    /// expired. A JWT: it has not expired (`exp >= now`), its signing key
    /// is current or within the rotation grace, and it was issued after the
    /// last revocation of its user's and its workspace's JWTs. Either way the user
    /// still exists and is enabled, and may still act in the credential's
    /// workspace, which is enabled.
    pub fn still_valid(&self, who: &Identity) -> bool {
        let now = time::now();
        self.read(|st| {
            let credential = match &who.source {
                Source::ApiKey { hash } => api_key_holds(st, hash, &who.user_id, now),
                Source::Jwt { kid, exp, iat } => {
                    *exp >= now
                        && signing_key_holds(st, kid, now, self)
                        && issued_after_revocation(st, *iat, &who.user_id, &who.workspace)
                }
            };
            credential
                && st.user(&who.user_id).is_some_and(|u| {
                    u.enabled
                        && st.workspace_enabled(&who.workspace)
                        && may_act_in(u, &who.workspace)
                })
        })
    }
}

/// The JWT was issued after the last revocation of its user's JWTs and of
/// its workspace's ([`State::jwts_revoked_through`]): a disable, a password
/// reset or change. A JWT without `iat` counts as issued at the dawn of
/// time.
fn issued_after_revocation(st: &State, iat: Option<i64>, user_id: &str, ws: &str) -> bool {
    match st.jwts_revoked_through(user_id, ws) {
        Some(nb) => iat.is_some_and(|iat| iat > nb),
        None => true,
    }
}

/// The key still exists, belongs to the user, and has not expired (an
/// expiry that cannot be read means never, as iam-svc stores it).
fn api_key_holds(st: &State, hash: &str, user_id: &str, now: i64) -> bool {
    let expired = |expires: &str| time::parse_iso8601(expires).is_some_and(|e| e < now);
    st.api_key_by_hash(hash)
        .is_some_and(|k| k.user_id == user_id && !expired(&k.expires))
}

/// A rotated-out key validates for the grace period after its retirement,
/// then never.
fn signing_key_holds(st: &State, kid: &str, now: i64, gw: &Gateway) -> bool {
    let Some(k) = st.signing_key(kid) else {
        return false;
    };
    match k.retired {
        None => true,
        Some(r) => within_grace(r, gw.cfg.rotation_grace, now),
    }
}
