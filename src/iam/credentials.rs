//! API keys over time: their age, what is left of their lifetime, what a
//! rotation keeps of it, and the findings of the credential report
//! (tg-credential-report). Pure functions of the records and "now".
//!
//! The gateway records no last use (`last_used` is never written
//! upstream), so nothing here can say whether a key is still used.

use super::{ApiKey, User};
use crate::error::{Error, Result};
use crate::time;
use std::collections::HashMap;

/// Seconds in a day.
pub const DAY: i64 = 24 * 3600;

/// A record time (`created`, `expires`) as epoch seconds; `None` when it
/// is empty or not a time.
pub fn instant(s: &str) -> Option<i64> {
    time::parse_iso8601(s.trim())
}

/// Whole days from `from` to `to` (rounded down: -1 for one second late).
pub fn days(from: i64, to: i64) -> i64 {
    to.saturating_sub(from).div_euclid(DAY)
}

/// The expiry a key replacing `old` gets when none is asked for: the
/// same lifetime from `now` (created with an expiry N days out, the new
/// one expires N days from now), or none when `old` has none. As sent:
/// `2027-01-31T12:00:00+00:00`.
pub fn kept_expiry(old: &ApiKey, now: i64) -> Result<Option<String>> {
    if old.expires.trim().is_empty() {
        return Ok(None);
    }
    let cannot = |why: &str| {
        Error::usage(format!(
            "the old key's lifetime cannot be kept: {why} (created {:?}, expires {:?})",
            old.created, old.expires
        ))
        .with_hint("give the new key's expiry with --expires")
    };
    let (Some(created), Some(expires)) = (instant(&old.created), instant(&old.expires)) else {
        return Err(cannot("its times are not ISO-8601"));
    };
    let lifetime = expires.saturating_sub(created);
    if lifetime <= 0 {
        return Err(cannot("it expired before it was created"));
    }
    Ok(Some(time::format_utc(now.saturating_add(lifetime))))
}

/// What the report finds in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    /// The key never expires (reported with `--require-expiry`).
    NoExpiry,
    /// The key's expiry has passed.
    Expired,
    /// The key expires within `--expiring-within` days.
    ExpiresSoon,
    /// The key is older than `--max-key-age` days.
    OlderThanMaxAge,
    /// A disabled user holds the key (disabling deletes a user's keys;
    /// one made since still exists, though it does not work).
    DisabledUserHoldsKey,
    /// Another key of the same user has the same name.
    DuplicateName,
    /// A key of an admin never expires (always reported).
    AdminKeyWithoutExpiry,
}

impl Finding {
    /// Every finding, in the order rows list them.
    pub const ALL: [Finding; 7] = [
        Finding::NoExpiry,
        Finding::Expired,
        Finding::ExpiresSoon,
        Finding::OlderThanMaxAge,
        Finding::DisabledUserHoldsKey,
        Finding::DuplicateName,
        Finding::AdminKeyWithoutExpiry,
    ];

    /// Its name in every output format: `no-expiry`.
    pub fn name(self) -> &'static str {
        match self {
            Finding::NoExpiry => "no-expiry",
            Finding::Expired => "expired",
            Finding::ExpiresSoon => "expires-soon",
            Finding::OlderThanMaxAge => "older-than-max-age",
            Finding::DisabledUserHoldsKey => "disabled-user-holds-key",
            Finding::DuplicateName => "duplicate-name",
            Finding::AdminKeyWithoutExpiry => "admin-key-without-expiry",
        }
    }
}

/// What the report holds against keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Report every key without an expiry (`no-expiry`); without it only
    /// an admin's is (`admin-key-without-expiry`).
    pub require_expiry: bool,
    /// Report keys older than this many days.
    pub max_key_age: Option<u32>,
    /// Report keys that expire within this many days (0: none).
    pub expiring_within: u32,
}

/// One row of the report: a key and its owner, or a user holding none.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub user: User,
    pub key: Option<ApiKey>,
    /// Whole days since the key was created.
    pub age_days: Option<i64>,
    /// Whole days until the key expires (negative once it has).
    pub days_left: Option<i64>,
    pub findings: Vec<Finding>,
}

/// The report's rows: one per key of `users` (`keys` by owner id), and
/// one per user holding none; sorted by username, then key name, created
/// and id.
pub fn rows(
    users: &[User],
    keys: &HashMap<String, Vec<ApiKey>>,
    policy: &Policy,
    now: i64,
) -> Vec<Row> {
    let mut out = Vec::new();
    for u in users {
        let held = keys.get(&u.id).map(Vec::as_slice).unwrap_or_default();
        if held.is_empty() {
            out.push(Row {
                user: u.clone(),
                key: None,
                age_days: None,
                days_left: None,
                findings: Vec::new(),
            });
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for k in held {
            *names.entry(k.name.as_str()).or_default() += 1;
        }
        for k in held {
            let created = instant(&k.created);
            let expires = instant(&k.expires);
            let no_expiry = k.expires.trim().is_empty();
            let age = created.map(|c| now.saturating_sub(c));
            let left = expires.map(|e| e.saturating_sub(now));
            let mut f = Vec::new();
            if no_expiry && policy.require_expiry {
                f.push(Finding::NoExpiry);
            }
            if left.is_some_and(|l| l <= 0) {
                f.push(Finding::Expired);
            }
            let within = i64::from(policy.expiring_within).saturating_mul(DAY);
            if left.is_some_and(|l| l > 0 && l <= within) {
                f.push(Finding::ExpiresSoon);
            }
            let max_age = policy.max_key_age.map(|d| i64::from(d).saturating_mul(DAY));
            if let (Some(a), Some(m)) = (age, max_age) {
                if a > m {
                    f.push(Finding::OlderThanMaxAge);
                }
            }
            if !u.enabled {
                f.push(Finding::DisabledUserHoldsKey);
            }
            if names.get(k.name.as_str()).is_some_and(|n| *n > 1) {
                f.push(Finding::DuplicateName);
            }
            if no_expiry && u.roles.iter().any(|r| r == "admin") {
                f.push(Finding::AdminKeyWithoutExpiry);
            }
            out.push(Row {
                user: u.clone(),
                key: Some(k.clone()),
                age_days: created.map(|c| days(c, now)),
                days_left: expires.map(|e| days(now, e)),
                findings: f,
            });
        }
    }
    out.sort_by(|a, b| {
        let key = |r: &Row| {
            let k = r.key.clone().unwrap_or_default();
            (
                r.user.username.clone(),
                r.user.id.clone(),
                k.name,
                k.created,
                k.id,
            )
        };
        key(a).cmp(&key(b))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000; // 2027-01-15T08:00:00+00:00

    fn user(name: &str, roles: &[&str], enabled: bool) -> User {
        User {
            id: format!("id-{name}"),
            username: name.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            enabled,
            ..User::default()
        }
    }

    fn key(owner: &str, id: &str, name: &str, age_days: i64, expires_in: Option<i64>) -> ApiKey {
        ApiKey {
            id: id.into(),
            user_id: format!("id-{owner}"),
            name: name.into(),
            prefix: "tg_Abcd".into(),
            created: time::iso_millis((NOW - age_days * DAY) * 1000 + 250),
            expires: expires_in
                .map(|s| time::format_utc(NOW + s))
                .unwrap_or_default(),
            last_used: String::new(),
        }
    }

    fn findings(r: &Row) -> Vec<&'static str> {
        r.findings.iter().map(|f| f.name()).collect()
    }

    /// `user/key id`, findings, age and days left.
    type Seen = (String, Vec<&'static str>, Option<i64>, Option<i64>);

    #[test]
    fn each_finding_and_none() {
        let users = [
            user("admin", &["admin"], true),
            user("alice", &["writer"], true),
            user("carol", &["reader"], false),
            user("dave", &["reader"], true),
        ];
        let mut keys: HashMap<String, Vec<ApiKey>> = HashMap::new();
        keys.insert(
            "id-admin".into(),
            vec![key("admin", "k0", "bootstrap", 100, None)],
        );
        keys.insert(
            "id-alice".into(),
            vec![
                key("alice", "k1", "ci", 3, Some(10 * DAY)),
                key("alice", "k2", "laptop", 1, Some(100 * DAY)),
                key("alice", "k3", "laptop", 2, Some(100 * DAY)),
                key("alice", "k4", "old", 40, Some(-1)),
                key("alice", "k5", "edge", 0, Some(14 * DAY)),
            ],
        );
        keys.insert(
            "id-carol".into(),
            vec![key("carol", "k6", "x", 0, Some(365 * DAY))],
        );
        let policy = Policy {
            require_expiry: false,
            max_key_age: Some(30),
            expiring_within: 14,
        };
        let r = rows(&users, &keys, &policy, NOW);
        let got: Vec<Seen> = r
            .iter()
            .map(|r| {
                (
                    format!(
                        "{}/{}",
                        r.user.username,
                        r.key.as_ref().map(|k| k.id.as_str()).unwrap_or("-")
                    ),
                    findings(r),
                    r.age_days,
                    r.days_left,
                )
            })
            .collect();
        let want: Vec<Seen> = vec![
            (
                "admin/k0".into(),
                vec!["older-than-max-age", "admin-key-without-expiry"],
                Some(100),
                None,
            ),
            ("alice/k1".into(), vec!["expires-soon"], Some(3), Some(10)),
            ("alice/k5".into(), vec!["expires-soon"], Some(0), Some(14)),
            (
                "alice/k3".into(),
                vec!["duplicate-name"],
                Some(2),
                Some(100),
            ),
            (
                "alice/k2".into(),
                vec!["duplicate-name"],
                Some(1),
                Some(100),
            ),
            (
                "alice/k4".into(),
                vec!["expired", "older-than-max-age"],
                Some(40),
                Some(-1),
            ),
            (
                "carol/k6".into(),
                vec!["disabled-user-holds-key"],
                Some(0),
                Some(365),
            ),
            ("dave/-".into(), vec![], None, None),
        ];
        assert_eq!(got, want);

        // --require-expiry: every key without one; no --max-key-age: no age
        // finding; --expiring-within 0: none expires soon.
        let policy = Policy {
            require_expiry: true,
            max_key_age: None,
            expiring_within: 0,
        };
        let r = rows(&users, &keys, &policy, NOW);
        assert_eq!(findings(&r[0]), ["no-expiry", "admin-key-without-expiry"]);
        assert!(r[1].findings.is_empty());
    }

    #[test]
    fn a_rotation_keeps_the_lifetime() {
        let old = key("alice", "k", "ci", 20, Some(10 * DAY));
        // Created 20 days ago, expiring in 10: a 30-day key (to the
        // second).
        assert_eq!(
            kept_expiry(&old, NOW).unwrap().as_deref(),
            Some(time::format_utc(NOW + 30 * DAY).as_str())
        );
        let never = key("alice", "k", "ci", 20, None);
        assert_eq!(kept_expiry(&never, NOW).unwrap(), None);
        let mut odd = key("alice", "k", "ci", 0, Some(-DAY));
        assert_eq!(kept_expiry(&odd, NOW).unwrap_err().kind.exit_code(), 2);
        odd.created = String::new();
        let e = kept_expiry(&odd, NOW).unwrap_err();
        assert!(e.message.contains("not ISO-8601"), "{}", e.message);
    }

    #[test]
    fn days_round_down() {
        assert_eq!(days(0, DAY - 1), 0);
        assert_eq!(days(0, -1), -1);
        assert_eq!(days(i64::MIN, i64::MAX), i64::MAX.div_euclid(DAY));
    }
}
