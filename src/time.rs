//! Time: the UTC timestamp formats and ISO-8601 parsing shared with the
//! gateway (`tg_iam_protocol::time`), and durations as messages say them.

pub use tg_iam_protocol::time::*;

/// `42 s`, `17 min`, `5 h`, `3 days`, or `more than 100 years`.
pub fn describe_duration(secs: i64) -> String {
    const YEAR: i64 = 365 * 86_400;
    match secs.max(0) {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s if s < 100 * YEAR => format!("{} days", s / 86_400),
        _ => "more than 100 years".to_string(),
    }
}
