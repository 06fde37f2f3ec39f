//! The real mechanisms: PBKDF2 passwords, hashed API keys, Ed25519 JWTs,
//! uuid4 ids, and UTC timestamps in the gateway's formats.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::rngs::OsRng;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// `str(uuid.uuid4())`.
pub fn uuid4() -> String {
    let mut b: [u8; 16] = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
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

pub fn now_secs() -> i64 {
    now_millis() / 1000
}

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Python `datetime.isoformat()` of a millisecond UTC time:
/// `2026-06-30T09:14:03.512000+00:00`, no fraction when it is zero.
pub fn iso_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if frac == 0 {
        format!("{base}+00:00")
    } else {
        format!("{base}.{:06}+00:00", frac * 1000)
    }
}

/// Parse an expiry as Python's `datetime.fromisoformat` would (date, optional
/// time, optional `Z`/offset; naive = UTC). `None` if unparseable.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 10 {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let d: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [y, mo, da] = d.as_slice() else {
        return None;
    };
    if !(1..=12).contains(mo) || !(1..=31).contains(da) {
        return None;
    }
    let mut secs = days_from_civil(*y, *mo, *da) * 86_400;
    if civil_from_days(secs / 86_400) != (*y, *mo, *da) {
        return None;
    }
    if rest.is_empty() {
        return Some(secs);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (time, off) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let time = time.split('.').next()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    match hms.as_slice() {
        [h, m] if *h < 24 && *m < 60 => secs += h * 3600 + m * 60,
        [h, m, s] if *h < 24 && *m < 60 && *s < 60 => secs += h * 3600 + m * 60 + s,
        _ => return None,
    }
    if off.eq_ignore_ascii_case("z") || off.is_empty() {
        return Some(secs);
    }
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let hm: Vec<i64> = off[1..]
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    match hm.as_slice() {
        [h, m] if *h < 24 && *m < 60 => Some(secs - sign * (h * 3600 + m * 60)),
        _ => None,
    }
}

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
    fn keys_ids_and_times() {
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
        assert_eq!(
            iso_millis(1_795_330_823_926),
            "2026-11-22T07:00:23.926000+00:00"
        );
        assert_eq!(iso_millis(1_795_334_425_000), "2026-11-22T08:00:25+00:00");
        assert_eq!(parse_iso("2026-11-22T08:00:25+00:00"), Some(1_795_334_425));
        assert_eq!(
            parse_iso("2026-11-22T09:00:25.123+01:00"),
            Some(1_795_334_425)
        );
        assert_eq!(parse_iso("2099-01-01"), Some(4_070_908_800));
        assert_eq!(parse_iso("soon"), None);
    }

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
        let other = Signer25519::generate();
        assert!(!p.verify(&other.key.verifying_key()));
        let mut tampered = t.clone();
        tampered.replace_range(t.len() - 5.., "AAAAA");
        assert!(!decode_jwt(&tampered).is_some_and(|p| p.verify(&s.key.verifying_key())));
    }
}
