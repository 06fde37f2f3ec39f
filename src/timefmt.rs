//! Small UTC time helpers: formatting epochs, parsing ISO-8601 expiries,
//! and reading the expiry of a JWT without verifying it.

use base64::Engine;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-22T08:00:25+00:00`
pub fn format_utc(epoch: i64) -> String {
    let (y, m, d) = civil_from_days(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn num(s: &str, len: usize) -> Option<i64> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parse the ISO-8601 forms Python's `datetime.fromisoformat` accepts for
/// an expiry: `YYYY-MM-DD`, optionally `T` or space and `HH:MM[:SS[.f+]]`,
/// optionally `Z` or `±HH:MM`. Naive times are UTC, as on the server.
/// Returns the epoch second.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = if s.len() > 10 {
        let (d, r) = s.split_at(10);
        let sep = r.chars().next()?;
        if sep != 'T' && sep != ' ' {
            return None;
        }
        (d, &r[1..])
    } else {
        (s, "")
    };
    let mut dp = date.split('-');
    let (y, mo, d) = (
        num(dp.next()?, 4)?,
        num(dp.next()?, 2)?,
        num(dp.next()?, 2)?,
    );
    if dp.next().is_some() || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = 0i64;
    let mut offset = 0i64;
    if !rest.is_empty() {
        let (time, off) = match rest.find(['Z', 'z', '+', '-']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let time = time.split('.').collect::<Vec<_>>();
        if time.len() > 2
            || (time.len() == 2
                && (time[1].is_empty() || !time[1].bytes().all(|b| b.is_ascii_digit())))
        {
            return None;
        }
        let hms: Vec<&str> = time[0].split(':').collect();
        if hms.len() < 2 || hms.len() > 3 {
            return None;
        }
        let h = num(hms[0], 2)?;
        let mi = num(hms[1], 2)?;
        let se = if hms.len() == 3 { num(hms[2], 2)? } else { 0 };
        if h > 23 || mi > 59 || se > 59 {
            return None;
        }
        secs = h * 3600 + mi * 60 + se;
        if off.eq_ignore_ascii_case("z") {
        } else if !off.is_empty() {
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let hm: Vec<&str> = off[1..].split(':').collect();
            if hm.len() != 2 {
                return None;
            }
            let (oh, om) = (num(hm[0], 2)?, num(hm[1], 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            offset = sign * (oh * 3600 + om * 60);
        }
    }
    // Reject impossible dates like 2025-02-30 by round-tripping.
    let days = days_from_civil(y, mo, d);
    if civil_from_days(days) != (y, mo, d) {
        return None;
    }
    Some(days * 86_400 + secs - offset)
}

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
    fn formats_and_parses() {
        assert_eq!(format_utc(1_795_334_425), "2026-11-22T08:00:25+00:00");
        assert_eq!(
            parse_iso8601("2026-11-22T08:00:25+00:00"),
            Some(1_795_334_425)
        );
        assert_eq!(parse_iso8601("2026-11-22T08:00:25Z"), Some(1_795_334_425));
        assert_eq!(
            parse_iso8601("2026-11-22 09:00:25.5+01:00"),
            Some(1_795_334_425)
        );
        assert_eq!(parse_iso8601("2026-11-22T08:00"), Some(1_795_334_400));
        assert_eq!(parse_iso8601("2099-01-01"), Some(4_070_908_800));
        for bad in [
            "",
            "tomorrow",
            "2026-13-01",
            "2026-02-30",
            "2026-11-22T25:00",
            "2026-11-22X08:00",
            "2026-11-22T08:00+0100",
            "99-01-01",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_jwt_exp() {
        let jwt = "eyJhbGciOiJFZERTQSIsImtpZCI6ImYyYjBkYzkxMGM5YjQwM2MiLCJ0eXAiOiJKV1QifQ.eyJkZWZhdWx0X3dvcmtzcGFjZSI6ImRlZmF1bHQiLCJleHAiOjE3OTUzMzQ0MjUsImlhdCI6MTc5NTMzMDgyNSwiaXNzIjoidHJ1c3RncmFwaC1pYW0iLCJzdWIiOiJkM2M1ZGNkNi0xYWI5LTRkYWEtOTJhZC1iYTMwM2I0NmE4ZTMifQ.at2SWmflxNtso9kvD0nxsVkL777YZ7mfl2Rt87nqmgrqZOglQpe9dFXLt_fth_h6slge1QjN6CtVWYzAjEzsDA";
        assert_eq!(jwt_expiry(jwt), Some(1_795_334_425));
        assert_eq!(jwt_expiry("tg_a.b.c"), None);
        assert_eq!(jwt_expiry("aaa.bbb.ccc"), None);
    }
}
