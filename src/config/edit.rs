//! Editing the config file in place (`tg-config set`, `unset`, `use`),
//! keeping its comments, layout and unknown keys (`toml_edit`).

use super::files;
use super::profiles::{ConfigFile, MAX_TIMEOUT};
use crate::error::{Error, Result};
use std::path::Path;
use toml_edit::{value, DocumentMut, Item, Table};

/// The keys a profile holds.
pub const KEYS: &[&str] = &["url", "workspace", "token_file", "ca_cert", "timeout"];

const WHAT: &str = "config file";

fn load(path: &Path) -> Result<DocumentMut> {
    let text = files::read_text(path, WHAT)?.unwrap_or_default();
    // The typed parse gives errors with the line; the edit keeps the rest.
    ConfigFile::parse(&text, path)?;
    text.parse::<DocumentMut>()
        .map_err(|e| Error::usage(format!("{WHAT} {}: {e}", path.display())))
}

fn store(path: &Path, doc: &DocumentMut) -> Result<()> {
    let mode = files::mode_of(path).unwrap_or(0o600);
    let text = doc.to_string();
    // Never write a file this suite could not read back.
    ConfigFile::parse(&text, path)?;
    files::write_atomic(path, &text, mode, WHAT)
}

fn check_key(key: &str) -> Result<()> {
    if KEYS.contains(&key) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "unknown setting {key:?}: a profile holds {}",
            KEYS.join(", ")
        )))
    }
}

fn profiles_table(doc: &mut DocumentMut) -> Result<&mut Table> {
    doc.entry("profiles")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| Error::usage("config file: `profiles` is not a table"))
}

/// Set `key` of `profile` to `val`, creating the file or the profile as
/// needed. The value is checked as the tools would use it.
pub fn set(path: &Path, profile: &str, key: &str, val: &str) -> Result<()> {
    check_key(key)?;
    let _lock = files::lock(path, WHAT)?;
    let item = match key {
        "timeout" => {
            let t: f64 = val.trim().parse().map_err(|_| {
                Error::usage(format!("timeout must be a number of seconds, not {val:?}"))
            })?;
            if !(t.is_finite() && t > 0.0 && t <= MAX_TIMEOUT) {
                return Err(Error::usage(format!(
                    "timeout must be between 0 and {MAX_TIMEOUT} seconds, not {val}"
                )));
            }
            if t.fract() == 0.0 {
                value(t as i64)
            } else {
                value(t)
            }
        }
        "url" => {
            let u = url::Url::parse(val.trim()).map_err(|e| {
                Error::usage(format!(
                    "invalid URL \"{}\": {e}",
                    crate::redact::shown_url(val)
                ))
            })?;
            if !matches!(u.scheme(), "http" | "https") || !u.has_host() {
                return Err(Error::usage(format!(
                    "invalid URL \"{}\": use http:// or https:// and a host",
                    crate::redact::shown_url(val)
                )));
            }
            if !u.username().is_empty() || u.password().is_some() {
                crate::redact::register_url_password(val);
                return Err(Error::usage(format!(
                    "the URL \"{}\" carries credentials before its host: refusing to store it",
                    crate::redact::shown_url(val)
                )));
            }
            value(val.trim())
        }
        _ => value(val),
    };
    let mut doc = load(path)?;
    let profiles = profiles_table(&mut doc)?;
    let p = profiles
        .entry(profile)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| Error::usage(format!("config file: profile {profile} is not a table")))?;
    p.insert(key, item);
    store(path, &doc)
}

/// Remove `key` from `profile`. False when it was not set.
pub fn unset(path: &Path, profile: &str, key: &str) -> Result<bool> {
    check_key(key)?;
    if !path.exists() {
        return Ok(false);
    }
    let _lock = files::lock(path, WHAT)?;
    let mut doc = load(path)?;
    let removed = doc
        .get_mut("profiles")
        .and_then(|p| p.get_mut(profile))
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.remove(key))
        .is_some();
    if removed {
        store(path, &doc)?;
    }
    Ok(removed)
}

/// Make `profile` the default one. It must exist.
pub fn use_profile(path: &Path, profile: &str) -> Result<()> {
    let _lock = files::lock(path, WHAT)?;
    let mut doc = load(path)?;
    let file = ConfigFile::parse(&doc.to_string(), path)?;
    if !file.profiles.contains_key(profile) {
        let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
        return Err(Error::usage(format!("unknown profile {profile:?}")).with_hint(
            if known.is_empty() {
                format!("{} defines no profiles; create one with tg-config set --profile {profile} url URL", path.display())
            } else {
                format!("the profiles in {} are: {}", path.display(), known.join(", "))
            },
        ));
    }
    doc["default_profile"] = value(profile);
    store(path, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_comments_and_unknown_keys() {
        let d = std::env::temp_dir().join(format!("tg-iam-edit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("config.toml");
        std::fs::write(
            &p,
            "# my settings\ncolour = true # keep\n\n# the real one\n[profiles.prod]\nurl = \"https://a/\"\n# not yet\nfuture = 1\n",
        )
        .unwrap();
        set(&p, "prod", "timeout", "10").unwrap();
        set(&p, "dev", "url", "http://localhost:8888/").unwrap();
        use_profile(&p, "dev").unwrap();
        assert!(unset(&p, "prod", "url").unwrap());
        assert!(!unset(&p, "prod", "url").unwrap());
        let text = std::fs::read_to_string(&p).unwrap();
        for kept in [
            "# my settings",
            "colour = true # keep",
            "# the real one",
            "# not yet",
            "future = 1",
            "timeout = 10",
            "[profiles.dev]",
            "default_profile = \"dev\"",
        ] {
            assert!(text.contains(kept), "{kept}: {text}");
        }
        assert!(!text.contains("https://a/"));
        assert!(set(&p, "prod", "timeout", "soon").is_err());
        assert!(set(&p, "prod", "colour", "x").is_err());
        assert!(set(&p, "prod", "url", "http://u:pw@h/").is_err());
        assert!(use_profile(&p, "nope").is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
