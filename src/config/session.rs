//! Saved sessions: the JWTs `tg-login --save` stores, one per profile, in
//! `credentials.toml` beside the config file.
//!
//! ```toml
//! [sessions.prod]
//! jwt = "eyJ…"
//! expires = "2026-11-22T09:00:25+00:00"
//! url = "https://trustgraph.example.com/"
//! ```
//!
//! The file is private (0600; refused otherwise, as ssh refuses a loose
//! key) and always rewritten whole through a temporary file and a rename.
//! A session is only ever sent to the gateway it was issued by (`url`).

use super::files;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml_edit::{value, DocumentMut, Item, Table};

/// One saved session.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub jwt: String,
    /// The gateway base URL it was issued by.
    pub url: String,
    /// When it expires, as the gateway said (`jwt_expires`).
    #[serde(default)]
    pub expires: String,
}

#[derive(Debug, Default, Deserialize)]
struct CredentialsFile {
    #[serde(default)]
    sessions: BTreeMap<String, Session>,
}

const WHAT: &str = "credentials file";

/// The credentials file, strictly: nothing but `[sessions.NAME]` tables of
/// sessions. Only a file that reads as this is ever removed whole.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    #[serde(default)]
    #[allow(dead_code)]
    sessions: BTreeMap<String, StrictSession>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictSession {
    jwt: String,
    url: String,
    #[serde(default)]
    expires: String,
}

/// Whether `text` is a credentials file of these tools and nothing else
/// (another program's `credentials.toml` is not).
pub fn is_ours(text: &str) -> bool {
    toml::from_str::<Strict>(text).is_ok()
}

/// The sessions in `path` (none when it does not exist). Every JWT read
/// is registered with the scrubber.
pub fn load(path: &Path) -> Result<BTreeMap<String, Session>> {
    let Some(text) = files::read_secret(path, WHAT)? else {
        return Ok(BTreeMap::new());
    };
    let file: CredentialsFile = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Error::usage(format!(
            "{WHAT} {}{}: {}",
            path.display(),
            line.map(|l| format!(", line {l}")).unwrap_or_default(),
            e.message().trim().replace('\n', " ")
        ))
        .with_hint("check it, remove it, and log in again")
    })?;
    for s in file.sessions.values() {
        crate::redact::register(&s.jwt);
    }
    Ok(file.sessions)
}

fn document(path: &Path) -> Result<DocumentMut> {
    // Check it parses as sessions first, for the error message.
    load(path)?;
    let text = files::read_secret(path, WHAT)?.unwrap_or_default();
    text.parse::<DocumentMut>()
        .map_err(|e| Error::usage(format!("{WHAT} {}: {e}", path.display())))
}

/// Store `session` for `profile`, replacing any earlier one.
pub fn save(path: &Path, profile: &str, session: &Session) -> Result<()> {
    let _lock = files::lock(path, WHAT)?;
    let mut doc = document(path)?;
    if doc.as_table().is_empty() {
        doc.decor_mut()
            .set_prefix("# Sessions saved by tg-login --save. Keep this file private (0600).\n");
    }
    let sessions = doc
        .entry("sessions")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| {
            Error::usage(format!(
                "{WHAT} {}: `sessions` is not a table",
                path.display()
            ))
        })?;
    let mut t = Table::new();
    t["jwt"] = value(&session.jwt);
    t["expires"] = value(&session.expires);
    t["url"] = value(&session.url);
    sessions.insert(profile, Item::Table(t));
    files::write_atomic(path, &doc.to_string(), 0o600, WHAT)
}

/// Remove the session of `profile`, or every session when `None`. Returns
/// the profiles whose sessions were removed.
pub fn remove(path: &Path, profile: Option<&str>) -> Result<Vec<String>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let _lock = files::lock(path, WHAT)?;
    let existing = load(path)?;
    let gone: Vec<String> = existing
        .keys()
        .filter(|k| profile.is_none_or(|p| p == k.as_str()))
        .cloned()
        .collect();
    if gone.is_empty() {
        return Ok(gone);
    }
    let mut doc = document(path)?;
    if let Some(t) = doc.get_mut("sessions").and_then(Item::as_table_mut) {
        for g in &gone {
            t.remove(g);
        }
    }
    files::write_atomic(path, &doc.to_string(), 0o600, WHAT)?;
    Ok(gone)
}

/// True when two base URLs name the same gateway (scheme, host, port and
/// path, ignoring a trailing `/` and the case of scheme and host).
pub fn same_gateway(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        match url::Url::parse(s.trim()) {
            Ok(u) => u.as_str().trim_end_matches('/').to_string(),
            Err(_) => s.trim().trim_end_matches('/').to_string(),
        }
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateways_compare_by_meaning() {
        assert!(same_gateway(
            "http://LocalHost:8088/",
            "http://localhost:8088"
        ));
        assert!(same_gateway("https://x/gw/", "https://x/gw"));
        assert!(!same_gateway("http://x/", "https://x/"));
        assert!(!same_gateway("http://x:1/", "http://x:2/"));
    }

    #[test]
    fn save_load_remove() {
        let d = std::env::temp_dir().join(format!("tg-iam-session-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let p = d.join("credentials.toml");
        let s = Session {
            jwt: "a.b.c".into(),
            url: "http://x/".into(),
            expires: "2100-01-01T00:00:00+00:00".into(),
        };
        save(&p, "prod", &s).unwrap();
        save(&p, "dev", &s).unwrap();
        assert_eq!(load(&p).unwrap().len(), 2);
        assert_eq!(remove(&p, Some("prod")).unwrap(), ["prod"]);
        assert_eq!(remove(&p, Some("prod")).unwrap(), Vec::<String>::new());
        assert_eq!(load(&p).unwrap()["dev"], s);
        assert_eq!(remove(&p, None).unwrap(), ["dev"]);
        let _ = std::fs::remove_dir_all(&d);
    }
}
