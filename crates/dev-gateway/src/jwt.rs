//! Ed25519 JWTs as iam-svc issues them: compact JWS with a sorted-key
//! header `{"alg":"EdDSA","kid":..,"typ":"JWT"}`, and decoding a presented
//! token into parts that are checked before they are trusted.

use crate::crypto::uuid4;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::rngs::OsRng;
use serde_json::{json, Value};

/// An Ed25519 signing key with its `kid`.
#[derive(Clone)]
pub struct Signer25519 {
    pub kid: String,
    pub key: SigningKey,
}

impl Signer25519 {
    pub fn generate() -> Self {
        let kid = uuid4().replace('-', "")[..16].to_string();
        Signer25519 {
            kid,
            key: SigningKey::generate(&mut OsRng),
        }
    }

    pub fn from_secret(kid: String, secret: &[u8; 32]) -> Self {
        Signer25519 {
            kid,
            key: SigningKey::from_bytes(secret),
        }
    }

    /// A compact JWS: sorted-key header `{"alg":"EdDSA","kid":..,"typ":"JWT"}`
    /// and the claims as given (already in sorted order).
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "EdDSA", "kid": self.kid, "typ": "JWT"});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig: Signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }
}

/// The parts of a JWT, decoded but not yet trusted.
pub struct JwtParts {
    pub header: Value,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

pub fn decode_jwt(token: &str) -> Option<JwtParts> {
    let mut it = token.split('.');
    let (h, c, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    Some(JwtParts {
        header,
        claims,
        signing_input: format!("{h}.{c}"),
        signature: URL_SAFE_NO_PAD.decode(s).ok()?,
    })
}

impl JwtParts {
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        let Ok(sig) = Signature::from_slice(&self.signature) else {
            return false;
        };
        key.verify(self.signing_input.as_bytes(), &sig).is_ok()
    }

    pub fn header_str(&self, key: &str) -> Option<&str> {
        self.header.get(key).and_then(Value::as_str)
    }

    /// A string claim, when present and not empty.
    pub fn claim_str(&self, key: &str) -> Option<&str> {
        self.claims
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn claim_i64(&self, key: &str) -> Option<i64> {
        self.claims.get(key).and_then(Value::as_i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_sign_verify() {
        let s = Signer25519::generate();
        let claims = json!({"default_workspace": "default", "exp": 2, "iat": 1, "iss": "trustgraph-iam", "sub": "u"});
        let t = s.sign(&claims);
        let p = decode_jwt(&t).unwrap();
        assert!(p.verify(&s.key.verifying_key()));
        assert_eq!(p.header["kid"], s.kid.as_str());
        assert_eq!(
            p.header.to_string(),
            format!(r#"{{"alg":"EdDSA","kid":"{}","typ":"JWT"}}"#, s.kid)
        );
        assert_eq!(p.claim_str("sub"), Some("u"));
        assert_eq!(p.claim_i64("exp"), Some(2));
        let other = Signer25519::generate();
        assert!(!p.verify(&other.key.verifying_key()));
        let mut tampered = t.clone();
        tampered.replace_range(t.len() - 5.., "AAAAA");
        assert!(!decode_jwt(&tampered).is_some_and(|p| p.verify(&s.key.verifying_key())));
    }
}
