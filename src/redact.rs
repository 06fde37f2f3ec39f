//! The one scrubber. Every line this suite writes to stderr (error lines,
//! hints, notes and the `-v` trace) goes through [`scrub`], which
//!
//! * replaces every secret this run holds with `***` wherever it appears:
//!   the token, every password read or sent, the password of a URL or a
//!   proxy, and every secret parsed from a reply ([`register`]), also in
//!   the escaped forms a server would echo them in;
//! * masks secret-looking values in text that is not valid JSON: the
//!   values of the known secret keys, `tg_…` API keys, three-part JWTs,
//!   a `Bearer`/`Basic` credential and a password inside a URL.

use regex_lite::Regex;
use serde_json::Value;
use std::sync::{Mutex, OnceLock};

/// The mask that replaces a secret.
pub const MASK: &str = "***";

/// Keys whose values are secrets in either direction.
pub const SECRET_KEYS: &[&str] = &[
    "password",
    "current_password",
    "new_password",
    "jwt",
    "api_key_plaintext",
    "temporary_password",
    "bootstrap_admin_api_key",
    "api_key",
    "token",
];

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn secrets() -> std::sync::MutexGuard<'static, Vec<String>> {
    SECRETS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remember `secret` for the rest of the run: from now on it is masked in
/// everything written to stderr. Its JSON-escaped forms (as this suite
/// sends it and as a Python or Rust server would echo it) are remembered
/// too.
pub fn register(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let mut forms = vec![secret.to_string()];
    let quoted = |s: String| s[1..s.len() - 1].to_string();
    forms.push(quoted(tg_iam_wire::to_python_json(&Value::String(
        secret.into(),
    ))));
    forms.push(quoted(Value::String(secret.into()).to_string()));
    let mut v = secrets();
    for f in forms {
        if !f.is_empty() && !v.contains(&f) {
            v.push(f);
        }
    }
    // Longest first, so that a secret containing another is masked whole.
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Register every string under a secret key anywhere in `v`.
pub fn register_json(v: &Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) if SECRET_KEYS.contains(&k.as_str()) => register(s),
                    other => register_json(other),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(register_json),
        _ => {}
    }
}

/// Register the password of a URL written as `scheme://user:password@host`,
/// read from the text itself so that it works for URLs that do not parse.
pub fn register_url_password(url: &str) {
    if let Some(c) = url_userinfo().captures(url) {
        if let Some(pw) = c.get(2) {
            register(pw.as_str());
        }
    }
}

fn url_userinfo() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)([a-z][a-z0-9+.-]*://[^/?#\s@:]*:)([^/?#\s]*)@").expect("valid regex")
    })
}

struct Patterns {
    credential: Regex,
    keyed: Regex,
    api_key: Regex,
    jwt: Regex,
    long3: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let keys = SECRET_KEYS.join("|");
        let re = |s: &str| Regex::new(s).expect("valid regex");
        Patterns {
            credential: re(r"(?i)\b(bearer|basic)(\s+)[^\s,;]+"),
            keyed: re(&format!(
                r#"(?i)(^|[^A-Za-z0-9_-])(["']?(?:{keys})["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,&;}}\]\[{{"']+)"#
            )),
            api_key: re(r"tg_[A-Za-z0-9_-]{16,}"),
            jwt: re(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
            long3: re(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
        }
    })
}

/// Secrets shorter than this (in characters) are masked only where they
/// stand alone, between non-alphanumeric characters: masking a two-letter
/// password inside every word would leave no message readable, and a
/// secret that short protects nothing anyway.
pub const WHOLE_WORD_BELOW: usize = 4;

/// `text` with every occurrence of `secret` masked; a short secret only
/// where it stands alone.
fn mask_one(text: &str, secret: &str) -> String {
    if secret.chars().count() >= WHOLE_WORD_BELOW {
        return text.replace(secret, MASK);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find(secret) {
        let before = rest[..i]
            .chars()
            .next_back()
            .or(if i == 0 { prev } else { None });
        let after = rest[i + secret.len()..].chars().next();
        let alone =
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric);
        out.push_str(&rest[..i]);
        out.push_str(if alone { MASK } else { secret });
        prev = secret.chars().next_back();
        rest = &rest[i + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// `text` with every known secret and every secret-looking value masked.
pub fn scrub(text: &str) -> String {
    let mut s = text.to_string();
    for secret in secrets().iter() {
        if s.contains(secret.as_str()) {
            s = mask_one(&s, secret);
        }
    }
    // Cheap test first: most lines hold nothing that could be a secret.
    let lower = s.to_ascii_lowercase();
    let suspicious = lower.contains("tg_")
        || lower.contains("eyj")
        || lower.contains("bearer")
        || lower.contains("basic")
        || lower.contains("://")
        || lower.contains('.')
        || SECRET_KEYS.iter().any(|k| lower.contains(k));
    if !suspicious {
        return s;
    }
    let p = patterns();
    let s = url_userinfo().replace_all(&s, format!("${{1}}{MASK}@").as_str());
    let s = p
        .credential
        .replace_all(&s, format!("${{1}}${{2}}{MASK}").as_str());
    let s = p.keyed.replace_all(&s, |c: &regex_lite::Captures| {
        // Keep a quoted value quoted, so JSON-ish text stays JSON-ish.
        let quote = match c[3].chars().next() {
            Some(q @ ('"' | '\'')) => q.to_string(),
            _ => String::new(),
        };
        format!("{}{}{quote}{MASK}{quote}", &c[1], &c[2])
    });
    let s = p.api_key.replace_all(&s, MASK);
    let s = p.jwt.replace_all(&s, MASK);
    let s = p.long3.replace_all(&s, MASK);
    s.into_owned()
}

/// [`scrub`] for text of any length, kept to at most `max` characters
/// (plus `…` when cut). Cutting first keeps the cost bounded; the cut is
/// moved back past anything that could be the start of a secret (as long
/// as the longest secret this run holds, and a trailing run of
/// token-like characters), so no part of a secret survives the cut.
pub fn scrub_clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return scrub(text);
    }
    let longest = secrets()
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0);
    let keep = max.saturating_sub(longest);
    let mut cut: String = text.chars().take(keep).collect();
    while cut
        .chars()
        .next_back()
        .is_some_and(|c| !c.is_whitespace() && c != '"' && c != ',')
    {
        cut.pop();
    }
    let mut s = scrub(&cut);
    s.push('…');
    s
}

/// A copy of `v` with the value of every secret key replaced by [`MASK`].
/// A secret key holding an object (the `api_key` record of
/// create-api-key) is searched rather than masked whole, since the record
/// itself is not secret.
pub fn redact_json(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let masked = SECRET_KEYS.contains(&k.as_str()) && !x.is_object();
                    let x = if masked {
                        Value::String(MASK.into())
                    } else {
                        redact_json(x)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

/// True when `v` holds a string under a secret key.
pub fn has_secret(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| (SECRET_KEYS.contains(&k.as_str()) && x.is_string()) || has_secret(x)),
        Value::Array(a) => a.iter().any(has_secret),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_patterns_in_text_that_is_not_json() {
        let cases = [
            (
                "echo: Authorization: Bearer tg_abc",
                "echo: Authorization: Bearer ***",
            ),
            (
                "Authorization: Basic dXNlcjpwdw==",
                "Authorization: Basic ***",
            ),
            ("password=hunter2&x=1", "password=***&x=1"),
            (
                r#"{"password": "hu\"nter2", "name": "a""#,
                r#"{"password": "***", "name": "a""#,
            ),
            (r#"{"password":"***"}"#, r#"{"password":"***"}"#),
            ("new_password: 'x y'", "new_password: '***'"),
            (
                "tg-change-password: error: x",
                "tg-change-password: error: x",
            ),
            ("a --password=zq9x", "a --password=zq9x"),
            ("key tg_Q3xzK9-aLp2Wn8Rt0vYb4Hc6Jd1Fe7Gs!", "key ***!"),
            (
                "see eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln end",
                "see *** end",
            ),
            ("http://bob:pw@host/x", "http://bob:***@host/x"),
            ("prefix tg_Lc1W stays", "prefix tg_Lc1W stays"),
            ("host api.example.com stays", "host api.example.com stays"),
            // The suite's own lines are left alone.
            (
                "tg-login: error: the gateway returned no JWT; the request was refused",
                "tg-login: error: the gateway returned no JWT; the request was refused",
            ),
            (
                "hint: log in again: export TRUSTGRAPH_TOKEN=$(tg-login --username NAME)",
                "hint: log in again: export TRUSTGRAPH_TOKEN=$(tg-login --username NAME)",
            ),
            (
                "Temporary password (shown once, capture now):",
                "Temporary password (shown once, capture now):",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(scrub(input), want, "{input}");
        }
        let r =
            redact_json(&json!({"user": {"password": "p"}, "jwt": "x", "api_key": {"id": "k"}}));
        assert_eq!(
            r,
            json!({"user": {"password": "***"}, "jwt": "***", "api_key": {"id": "k"}})
        );
    }

    #[test]
    fn clipping_never_leaves_part_of_a_secret() {
        register("Clip-Secret-With Spaces 42");
        let text = format!("{}Clip-Secret-With Spaces 42 tail", "a ".repeat(40));
        for max in 60..110 {
            let s = scrub_clip(&text, max);
            assert!(
                !s.contains("Clip-") && !s.contains("Spaces 42"),
                "{max}: {s}"
            );
            assert!(s.chars().count() <= max + 1);
        }
        let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let text = format!("x {jwt} y");
        for max in 3..text.len() {
            let s = scrub_clip(&text, max);
            assert!(
                !s.contains("eyJhbGci") && !s.contains("c2lnbmF0"),
                "{max}: {s}"
            );
        }
    }

    #[test]
    fn short_secrets_are_masked_where_they_stand_alone() {
        assert_eq!(
            mask_one("x exists, x; xx x", "x"),
            "*** exists, ***; xx ***"
        );
        assert_eq!(
            mask_one("new: the new password", "new"),
            "***: the *** password"
        );
        assert_eq!(mask_one("renewal", "new"), "renewal");
        assert_eq!(mask_one("abcd in abcde", "abcd"), "*** in ***e");
    }

    #[test]
    fn masks_registered_secrets_in_every_form() {
        register("zörg-secret");
        register_json(&json!({"x": {"temporary_password": "Tmp-123456"}}));
        register_url_password("ftp://u:url-pass@[::1");
        let s = scrub(r#"a zörg-secret b "z\u00f6rg-secret" c Tmp-123456 d url-pass"#);
        assert_eq!(s, r#"a *** b "***" c *** d ***"#);
    }
}
