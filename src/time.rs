//! Time: the UTC timestamp formats and ISO-8601 parsing shared with the
//! gateway (`tg_iam_protocol::time`), and durations as messages say them.

pub use tg_iam_protocol::time::*;

/// Read by debug builds only (what `cargo test` runs): the time that
/// stands for now in ages and expiries ([`now_or_test`]), as epoch seconds
/// or ISO-8601. Release builds never read it.
pub const ENV_TEST_NOW: &str = "TG_IAM_TEST_NOW";

/// Now, in epoch seconds, for ages and expiries (tg-credential-report,
/// the lifetime tg-rotate-api-key keeps): in a debug build,
/// [`ENV_TEST_NOW`] when it is set, so that tests need not wait.
pub fn now_or_test() -> i64 {
    #[cfg(debug_assertions)]
    if let Some(t) = std::env::var(ENV_TEST_NOW)
        .ok()
        .and_then(|v| v.parse().ok().or_else(|| parse_iso8601(&v)))
    {
        return t;
    }
    now()
}

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
