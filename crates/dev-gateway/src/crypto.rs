//! The real mechanisms: PBKDF2 passwords, hashed API keys, random tokens
//! and uuid4 ids. (JWTs are in [`crate::jwt`], times in [`crate::time`].)

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// PBKDF2 iterations used by the real iam-svc.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Iterations under `--insecure-fast-hashing` (tests only).
pub const FAST_ITERATIONS: u32 = 1_000;

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// Python's `secrets.token_urlsafe(n)`.
pub fn token_urlsafe(n: usize) -> String {
    let mut b = vec![0u8; n];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// `str(uuid.uuid4())`: lowercase and hyphenated.
pub fn uuid4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `pbkdf2-sha256$<iterations>$<b64 salt>$<b64 hash>`, as iam-svc stores it.
pub fn hash_password(password: &str, iterations: u32) -> String {
    let salt: [u8; 16] = random_bytes();
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, iterations, &mut out);
    format!(
        "pbkdf2-sha256${iterations}${}${}",
        STANDARD.encode(salt),
        STANDARD.encode(out)
    )
}

/// A record in the stored format that no password matches (random salt
/// and hash), checked in place of an unknown or disabled user's so that a
/// failed login costs the same whether or not the user exists.
pub fn dummy_password_hash(iterations: u32) -> String {
    let salt: [u8; 16] = random_bytes();
    let hash: [u8; 32] = random_bytes();
    format!(
        "pbkdf2-sha256${iterations}${}${}",
        STANDARD.encode(salt),
        STANDARD.encode(hash)
    )
}

/// Check `password` against a stored hash, with the stored iteration count,
/// in constant time. Any other format is a mismatch.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [tag, iters, salt, hash] = parts.as_slice() else {
        return false;
    };
    let (Ok(iters), Ok(salt), Ok(hash)) = (
        iters.parse::<u32>(),
        STANDARD.decode(salt),
        STANDARD.decode(hash),
    ) else {
        return false;
    };
    if *tag != "pbkdf2-sha256" || iters == 0 || hash.len() != 32 {
        return false;
    }
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, iters, &mut out);
    ct_eq(&out, &hash)
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new API key: `tg_` and 24 random bytes, base64url (35 characters, as
/// the real gateway issues them).
pub fn new_api_key() -> String {
    format!("tg_{}", token_urlsafe(24))
}

/// Unsalted SHA-256 hex of the plaintext: how keys are stored and found.
pub fn hash_api_key(plaintext: &str) -> String {
    Sha256::digest(plaintext.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip_and_format() {
        let h = hash_password("s3cret", FAST_ITERATIONS);
        assert!(h.starts_with("pbkdf2-sha256$1000$"));
        let parts: Vec<&str> = h.split('$').collect();
        assert_eq!(parts[2].len(), 24);
        assert_eq!(parts[3].len(), 44);
        assert!(verify_password("s3cret", &h));
        assert!(!verify_password("s3cret!", &h));
        assert!(!verify_password("s3cret", "bcrypt$x"));
        assert_ne!(h, hash_password("s3cret", FAST_ITERATIONS), "salted");
    }

    #[test]
    fn keys_and_ids() {
        let k = new_api_key();
        assert_eq!(k.len(), 35);
        assert!(k.starts_with("tg_"));
        assert_eq!(
            hash_api_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
