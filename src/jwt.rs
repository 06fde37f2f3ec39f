//! Reading a JWT's claims without verifying it: enough to tell an expired
//! token before sending it, and to describe a credential.

use base64::Engine;
use serde_json::Value;

/// What a credential is, by its shape, as the gateway tells them apart
/// (protocol reference §1.3): `tg_…` is an API key (even with dots),
/// otherwise exactly two dots make a JWT; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    ApiKey,
    Jwt,
    Unrecognised,
}

impl CredentialKind {
    /// The kind of `token` (surrounding whitespace ignored, as the gateway does).
    pub fn of(token: &str) -> CredentialKind {
        let t = token.trim();
        if t.starts_with("tg_") {
            CredentialKind::ApiKey
        } else if t.matches('.').count() == 2 {
            CredentialKind::Jwt
        } else {
            CredentialKind::Unrecognised
        }
    }

    /// `API key`, `JWT`, `unrecognised`.
    pub fn describe(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "API key",
            CredentialKind::Jwt => "JWT",
            CredentialKind::Unrecognised => "unrecognised",
        }
    }

    /// `api-key`, `jwt`, `unrecognised`: for JSON output.
    pub fn name(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "api-key",
            CredentialKind::Jwt => "jwt",
            CredentialKind::Unrecognised => "unrecognised",
        }
    }
}

/// What a JWT says about itself, read without verifying the signature.
/// Every field is `None` when absent or of the wrong type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwtInfo {
    /// `sub`: the user id.
    pub subject: Option<String>,
    /// `default_workspace`.
    pub workspace: Option<String>,
    /// The header's `kid`: the signing key.
    pub key_id: Option<String>,
    /// `iss`.
    pub issuer: Option<String>,
    /// `iat`, seconds since the epoch.
    pub issued_at: Option<i64>,
    /// `exp`, seconds since the epoch.
    pub expires_at: Option<i64>,
}

fn part(token: &str, i: usize) -> Option<Value> {
    let p = token.split('.').nth(i)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        v @ Value::Object(_) => Some(v),
        _ => None,
    }
}

/// A seconds claim: a number (a fraction is cut off; one beyond the range
/// of `i64` saturates, so a far-past `exp` is still expired).
fn seconds(v: &Value, key: &str) -> Option<i64> {
    v.get(key)?.as_f64().map(|f| f as i64)
}

/// The claims of a compact JWT; `None` when `token` is not shaped like a
/// JWT or its payload is not a JSON object.
pub fn inspect(token: &str) -> Option<JwtInfo> {
    let token = token.trim();
    if CredentialKind::of(token) != CredentialKind::Jwt {
        return None;
    }
    let claims = part(token, 1)?;
    let header = part(token, 0);
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(JwtInfo {
        subject: text(&claims, "sub"),
        workspace: text(&claims, "default_workspace"),
        key_id: header.as_ref().and_then(|h| text(h, "kid")),
        issuer: text(&claims, "iss"),
        issued_at: seconds(&claims, "iat"),
        expires_at: seconds(&claims, "exp"),
    })
}

/// The `exp` claim of a compact JWT, read without verifying the signature.
/// `None` when the token is not a JWT or has no readable `exp`.
pub fn jwt_expiry(token: &str) -> Option<i64> {
    if token.starts_with("tg_") || token.matches('.').count() != 2 {
        return None;
    }
    seconds(&part(token, 1)?, "exp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jwt_exp() {
        let jwt = "eyJhbGciOiJFZERTQSIsImtpZCI6ImYyYjBkYzkxMGM5YjQwM2MiLCJ0eXAiOiJKV1QifQ.eyJkZWZhdWx0X3dvcmtzcGFjZSI6ImRlZmF1bHQiLCJleHAiOjE3OTUzMzQ0MjUsImlhdCI6MTc5NTMzMDgyNSwiaXNzIjoidHJ1c3RncmFwaC1pYW0iLCJzdWIiOiJkM2M1ZGNkNi0xYWI5LTRkYWEtOTJhZC1iYTMwM2I0NmE4ZTMifQ.at2SWmflxNtso9kvD0nxsVkL777YZ7mfl2Rt87nqmgrqZOglQpe9dFXLt_fth_h6slge1QjN6CtVWYzAjEzsDA";
        assert_eq!(jwt_expiry(jwt), Some(1_795_334_425));
        assert_eq!(jwt_expiry("tg_a.b.c"), None);
        assert_eq!(jwt_expiry("aaa.bbb.ccc"), None);
        let info = inspect(jwt).unwrap();
        assert_eq!(
            info,
            JwtInfo {
                subject: Some("d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3".into()),
                workspace: Some("default".into()),
                key_id: Some("f2b0dc910c9b403c".into()),
                issuer: Some("trustgraph-iam".into()),
                issued_at: Some(1_795_330_825),
                expires_at: Some(1_795_334_425),
            }
        );
        assert_eq!(inspect("tg_a.b.c"), None);
    }

    #[test]
    fn kinds_by_shape() {
        assert_eq!(CredentialKind::of("tg_abc"), CredentialKind::ApiKey);
        assert_eq!(CredentialKind::of("tg_a.b.c"), CredentialKind::ApiKey);
        assert_eq!(CredentialKind::of(" a.b.c "), CredentialKind::Jwt);
        assert_eq!(CredentialKind::of("a.b"), CredentialKind::Unrecognised);
        assert_eq!(CredentialKind::of(""), CredentialKind::Unrecognised);
    }
}
