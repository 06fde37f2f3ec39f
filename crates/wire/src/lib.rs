//! What the tg-iam tools and tg-dev-gateway share: JSON written the way
//! the Python gateway and tools write it, and the gateway's UTC time
//! formats.

use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// Serialise like Python's `json.dumps(obj)`: `", "` and `": "` separators,
/// insertion order, non-ASCII escaped as `\uXXXX`.
pub fn to_python_json(v: &Value) -> String {
    let mut out = String::new();
    write_py(&mut out, v);
    out
}

fn write_py(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_py_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_str(out, k);
                out.push_str(": ");
                write_py(out, x);
            }
            out.push('}');
        }
    }
}

fn write_py_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if !(' '..='~').contains(&c) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    now_millis() / 1000
}

/// Milliseconds since the epoch.
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

/// Python `datetime.isoformat()` of a millisecond UTC time, as the
/// gateway prints record timestamps: `2026-06-30T09:14:03.512000+00:00`,
/// with no fraction when it is zero.
pub fn iso_millis(ms: i64) -> String {
    let base = format_utc(ms.div_euclid(1000));
    match ms.rem_euclid(1000) {
        0 => base,
        frac => format!("{}.{:06}+00:00", &base[..19], frac * 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_separators_and_order() {
        let v = json!({"operation": "create-user", "user": {"username": "a", "roles": ["reader", "writer"], "must_change_password": true}});
        assert_eq!(
            to_python_json(&v),
            r#"{"operation": "create-user", "user": {"username": "a", "roles": ["reader", "writer"], "must_change_password": true}}"#
        );
    }

    #[test]
    fn python_ascii_escapes() {
        let v = json!({"name": "Zoë \"q\"\n\u{1}\u{7f}😀"});
        assert_eq!(
            to_python_json(&v),
            r#"{"name": "Zo\u00eb \"q\"\n\u0001\u007f\ud83d\ude00"}"#
        );
    }

    #[test]
    fn formats_and_parses() {
        assert_eq!(format_utc(1_795_334_425), "2026-11-22T08:00:25+00:00");
        assert_eq!(
            iso_millis(1_795_330_823_926),
            "2026-11-22T07:00:23.926000+00:00"
        );
        assert_eq!(iso_millis(1_795_334_425_000), "2026-11-22T08:00:25+00:00");
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
}
