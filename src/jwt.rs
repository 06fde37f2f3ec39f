//! Reading a JWT's claims without verifying it: enough to tell an expired
//! token before sending it, and to describe a credential.

use base64::Engine;

/// The `exp` claim of a compact JWT, read without verifying the signature.
/// `None` when the token is not a JWT or has no readable `exp`.
pub fn jwt_expiry(token: &str) -> Option<i64> {
    if token.starts_with("tg_") || token.matches('.').count() != 2 {
        return None;
    }
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")?.as_f64().map(|f| f as i64)
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
    }
}
