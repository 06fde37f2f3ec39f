//! What is checked before anything is sent: the values a gateway would
//! refuse, or worse, store as something else without a word. Shared by
//! the tools and tg-apply.

use crate::error::{Error, Result};
use crate::output::note;
use crate::time;

/// The roles the OSS regime knows.
pub const KNOWN_ROLES: &[&str] = &["reader", "writer", "admin"];

/// The known roles, as messages name them.
const KNOWN_ROLES_TEXT: &str = "the known roles are reader, writer and admin";

/// `role "admn" (did you mean "admin"?)`: a role the OSS regime does not
/// know, with the known one it is closest to, if any is close.
fn unknown_role(r: &str) -> String {
    let closest = KNOWN_ROLES
        .iter()
        .map(|k| (strsim::damerau_levenshtein(r, k), *k))
        .min()
        .filter(|(d, _)| *d <= 2);
    match closest {
        Some((_, k)) => format!("role {r:?} (did you mean {k:?}?)"),
        None => format!("role {r:?}"),
    }
}

/// Warn about role names the OSS regime does not know: the gateway stores
/// them (an enterprise regime may define its own), but here they grant
/// nothing.
pub fn warn_unknown_roles(tool: &str, roles: &[String]) {
    for r in roles.iter().filter(|r| !KNOWN_ROLES.contains(&r.as_str())) {
        note(&format!(
            "{tool}: warning: unknown {}: {KNOWN_ROLES_TEXT}; the gateway stores it, but it grants nothing (--strict-roles refuses unknown roles)",
            unknown_role(r)
        ));
    }
}

/// `--roles` checked: with `strict` an unknown role is a usage error
/// (nothing is sent); without, a warning (upstream accepts any role).
pub fn check_roles(tool: &str, roles: &[String], strict: bool) -> Result<()> {
    if !strict {
        warn_unknown_roles(tool, roles);
        return Ok(());
    }
    match roles.iter().find(|r| !KNOWN_ROLES.contains(&r.as_str())) {
        Some(r) => Err(Error::usage(format!(
            "unknown {}: {KNOWN_ROLES_TEXT}",
            unknown_role(r)
        ))
        .with_hint("without --strict-roles an unknown role is sent with a warning (an enterprise regime may define its own)")),
        None => Ok(()),
    }
}

/// A workspace id as sent: trimmed, not empty, not reserved (`_…`).
/// `what` names it in messages.
pub fn check_workspace_id<'a>(id: &'a str, what: &str) -> Result<&'a str> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::usage(format!("{what} is empty")));
    }
    if id.starts_with('_') {
        return Err(Error::usage(format!(
            "workspace id {id:?} is reserved: ids beginning with '_' are refused by the gateway"
        )));
    }
    Ok(id)
}

/// Check an API key's expiry as given: trimmed, ISO-8601, in the future
/// (the gateway would silently store a bad value as "never expires").
/// `flag` names where it came from in the message.
pub fn check_expires(expires: Option<&str>, flag: &str) -> Result<Option<String>> {
    // What is validated is what is sent: the trimmed value.
    let Some(e) = expires.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let when = time::parse_iso8601(e).ok_or_else(|| {
        Error::usage(format!(
            "{flag} {e:?} is not an ISO-8601 date or time (e.g. 2027-01-31 or 2027-01-31T12:00:00+00:00)"
        ))
    })?;
    if when <= time::now() {
        return Err(Error::usage(format!(
            "{flag} {e:?} is in the past: the key would never work"
        )));
    }
    Ok(Some(e.to_string()))
}
