//! The gateway's UTC timestamp formats, and reading an ISO-8601 expiry,
//! on top of the maintained `jiff` date crate. Every conversion is checked:
//! out-of-range values give `None` or a plain description, never a panic
//! or an overflow.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Seconds since the epoch.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// Milliseconds since the epoch.
pub fn now_millis() -> i64 {
    Timestamp::now().as_millisecond()
}

/// `2026-11-22T08:00:25+00:00`; an epoch second outside the years
/// -9999..=9999 is described instead (`epoch second N (out of range)`).
pub fn format_utc(epoch: i64) -> String {
    match Timestamp::from_second(epoch) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        Err(_) => format!("epoch second {epoch} (out of range)"),
    }
}

/// RFC 3339 in UTC with milliseconds, as logs write times:
/// `2026-06-30T09:14:03.512Z`; out of range, described as [`format_utc`]
/// does.
pub fn rfc3339_millis(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => format!("epoch millisecond {ms} (out of range)"),
    }
}

/// Python `datetime.isoformat()` of a millisecond UTC time, as the
/// gateway prints record timestamps: `2026-06-30T09:14:03.512000+00:00`,
/// with no fraction when it is zero.
pub fn iso_millis(ms: i64) -> String {
    let base = format_utc(ms.div_euclid(1000));
    match ms.rem_euclid(1000) {
        0 => base,
        frac if base.len() > 19 && base.ends_with("+00:00") => {
            format!("{}.{:06}+00:00", &base[..19], frac * 1000)
        }
        _ => base,
    }
}

/// Parse an ISO-8601 expiry as the gateway reads it (Python's
/// `datetime.fromisoformat`; naive times are UTC): `YYYY-MM-DD`, optionally
/// followed by `T` or a space and `HH:MM[:SS[.fraction]]`, optionally `Z`
/// or a `±HH:MM` offset. Returns the epoch second.
///
/// The string is taken exactly as given: no trimming, since the gateway
/// does not trim either. Only forms that Python also accepts pass, so a
/// value validated here is never silently stored as "no expiry" there:
/// `jiff` also takes RFC 9557 `[zone]` annotations, signed six-digit
/// years, comma fractions and leap seconds, which Python refuses, so
/// those are ruled out before `jiff` sees the string.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let python_shaped = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b.iter()
            .all(|c| c.is_ascii_digit() || b"-:T .+Z".contains(c))
        && !s.contains(":60");
    if !python_shaped {
        return None;
    }
    // Python wants an offset strictly within a day (jiff takes up to
    // 25:59) and an upper-case Z (checked above).
    if let Some(i) = s[10..].rfind(['+', '-']) {
        let hours = s[10 + i + 1..].get(..2).and_then(|h| h.parse::<u32>().ok());
        if hours.is_none_or(|h| h >= 24) {
            return None;
        }
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    // No offset: a naive time, which the gateway takes as UTC. (A civil
    // parse would ignore an offset, but any string with one was taken above
    // or is malformed.)
    let tail = &s[10..];
    let has_offset = tail.contains(['+', 'Z', 'z', '-']);
    if has_offset {
        return None;
    }
    let dt = match s.parse::<DateTime>() {
        Ok(dt) => dt,
        Err(_) => s
            .parse::<Date>()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    TimeZone::UTC.to_timestamp(dt).ok().map(|ts| ts.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_python_refuses() {
        for s in [
            "2099-01-31T00:00:00+24:00",
            "2099-01-31T00:00:00-25:00",
            "2099-01-31T00:00z",
            "2099-01-31T00:00:00+",
        ] {
            assert_eq!(parse_iso8601(s), None, "{s}");
        }
        assert!(parse_iso8601("2099-01-31T00:00:00+23:59").is_some());
        assert!(parse_iso8601("2099-01-31T00:00:00-05:00").is_some());
        assert!(parse_iso8601("2099-01-31T00:00Z").is_some());
    }

    #[test]
    fn formats() {
        assert_eq!(format_utc(1_795_334_425), "2026-11-22T08:00:25+00:00");
        assert_eq!(
            iso_millis(1_795_330_823_926),
            "2026-11-22T07:00:23.926000+00:00"
        );
        assert_eq!(iso_millis(1_795_334_425_000), "2026-11-22T08:00:25+00:00");
        assert_eq!(
            format_utc(i64::MAX),
            "epoch second 9223372036854775807 (out of range)"
        );
        assert!(iso_millis(i64::MIN).contains("out of range"));
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59+00:00");
        assert_eq!(
            rfc3339_millis(1_795_330_823_926),
            "2026-11-22T07:00:23.926Z"
        );
        assert_eq!(
            rfc3339_millis(1_795_334_425_000),
            "2026-11-22T08:00:25.000Z"
        );
        assert!(rfc3339_millis(i64::MIN).contains("out of range"));
    }

    #[test]
    fn parses_what_python_parses() {
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
        assert_eq!(parse_iso8601("2026-11-22T08:00:25"), Some(1_795_334_425));
        assert_eq!(parse_iso8601("2099-01-01"), Some(4_070_908_800));
    }

    #[test]
    fn refuses_the_rest_without_panicking() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01",
            "2026-02-30",
            "2026-11-22T25:00",
            "2026-11-22X08:00",
            "99-01-01",
            " 2099-01-31 ",
            "2099-01-31 ",
            "2026-11-22T08:00:60",
            "2026-11-22T08:00[Europe/Paris]",
            "+002026-11-22",
            "2026-11-22T08:00:25,5",
            "2026-11-22T08:00-",
            "2026-11-2é",
            "2026-11-22Té08:00",
            "ééééééééééééé",
            "2026-11-22\u{0}",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad:?}");
        }
    }
}
