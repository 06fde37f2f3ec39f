//! tg-export-iam's library half: the gateway's state as a tg-apply
//! manifest ([`export`]), and that manifest written as YAML, TOML or JSON
//! ([`write()`]).
//!
//! The manifest is built from the manifest's own types
//! ([`super::manifest`]) and written with the crates that read it
//! (serde-saphyr, toml, serde_json), so what is written is what tg-apply
//! reads. It is what tg-apply compares: applied with `--check --prune`,
//! it finds nothing to do. What a manifest cannot say (a key that has
//! expired, two keys of one user with one name, a reserved workspace id,
//! ...) is left out or left unmanaged, and said in a [`Note`]: a comment
//! at the top of a YAML or TOML manifest, a warning on stderr for JSON.
//!
//! Never a secret: records carry none (no key plaintext or hash, no
//! password hash), and users come out with no `password` entry (an
//! existing user needs none; tg-apply never changes its password).

use super::manifest::{ApiKeySpec, Format, Manifest, UserSpec, WorkspaceSpec};
use crate::iam::converge::role_set;
use crate::iam::credentials::instant;
use crate::iam::rules::check_workspace_id;
use crate::iam::{ApiKey, User, Workspace};
use crate::redact::is_unsafe_char;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};

/// Something the manifest cannot say, and what it means for a round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// One line: what was left out or left unmanaged, and why.
    pub text: String,
    /// Whether `tg-apply --prune` with the manifest would change it (the
    /// round trip is then not exact, and the note says so).
    pub pruned: bool,
}

/// A manifest of the state, and what it could not say.
#[derive(Debug, Clone, Default)]
pub struct Export {
    pub manifest: Manifest,
    pub notes: Vec<Note>,
}

/// Whether a username can be a manifest's (tg-apply's `validate`).
fn username_ok(u: &str) -> bool {
    !u.trim().is_empty() && u.trim() == u
}

/// `user "bob"`: how notes name things (quoted, escaped: a name is any
/// text).
fn q(s: &str) -> String {
    format!("{s:?}")
}

/// The state as a manifest: `workspaces`, `users` and their `keys` (by
/// owner id), as read; `now` decides which keys have expired. Sorted:
/// workspaces by id, users by username, keys by owner and name. The
/// records are consumed: their strings move into the manifest, so that
/// a state of 100,000 users is not held twice.
pub fn export(
    workspaces: Vec<Workspace>,
    users: Vec<User>,
    keys: HashMap<String, Vec<ApiKey>>,
    now: i64,
) -> Export {
    let mut notes = Vec::new();
    let mut note = |text: String, pruned: bool| notes.push(Note { text, pruned });

    let disabled_ws: HashSet<String> = workspaces
        .iter()
        .filter(|w| !w.enabled)
        .map(|w| w.id.clone())
        .collect();
    let mut ws = workspaces;
    ws.sort_by(|a, b| a.id.cmp(&b.id));
    ws.dedup_by(|a, b| a.id == b.id);
    let mut out_ws = Vec::new();
    for w in ws {
        if check_workspace_id(&w.id, "the id").is_err() || w.id.trim() != w.id {
            note(
                format!(
                    "workspace {} left out: a manifest cannot name it (an id that is empty, has surrounding spaces or begins with '_'); tg-apply leaves workspaces it does not list alone",
                    q(&w.id)
                ),
                false,
            );
            continue;
        }
        out_ws.push(WorkspaceSpec {
            id: w.id,
            name: Some(w.name),
            enabled: Some(w.enabled),
        });
    }

    let mut us = users;
    us.sort_by(|a, b| (&a.username, &a.id).cmp(&(&b.username, &b.id)));
    us.dedup_by(|a, b| a.id == b.id);
    // A username held by two users (unique per workspace only, before
    // TrustGraph #1001): a manifest names a user by username, so neither
    // can be listed (tg-apply refuses a username listed twice).
    let mut shared: HashSet<String> = HashSet::new();
    for group in us.chunk_by(|a, b| a.username == b.username) {
        if group.len() < 2 {
            continue;
        }
        let enabled = group.iter().any(|u| u.enabled);
        let ids: Vec<&str> = group.iter().map(|u| u.id.as_str()).collect();
        note(
            format!(
                "users {} left out, with their API keys: {} users have this username (ids {}), and a manifest names a user by username; {}",
                q(&group[0].username),
                group.len(),
                ids.join(", "),
                if enabled {
                    "tg-apply --prune would disable the enabled ones"
                } else {
                    "they are disabled, and tg-apply leaves them alone"
                }
            ),
            enabled,
        );
        shared.insert(group[0].username.clone());
    }
    us.retain(|u| !shared.contains(&u.username));
    let mut out_users: Vec<UserSpec> = Vec::with_capacity(us.len());
    // The users the manifest holds, by id: their place in `out_users`,
    // and whether they are enabled.
    let mut exported: HashMap<String, (usize, bool)> = HashMap::with_capacity(us.len());
    for u in us {
        let prune = if u.enabled {
            "; tg-apply --prune would disable it"
        } else {
            ""
        };
        if !username_ok(&u.username) {
            note(
                format!(
                    "user {} (id {}) left out, with its API keys: a manifest cannot name a username that is empty or has surrounding spaces{prune}",
                    q(&u.username),
                    u.id
                ),
                u.enabled,
            );
            continue;
        }
        if u.default_workspace.trim().is_empty() {
            note(
                format!(
                    "user {} left out, with its API keys: it has no home workspace, which a manifest needs{prune}",
                    q(&u.username)
                ),
                u.enabled,
            );
            continue;
        }
        let roles = if u.roles.is_empty() {
            note(
                format!(
                    "user {}: no roles; roles left out (not managed): a manifest cannot say none",
                    q(&u.username)
                ),
                false,
            );
            None
        } else {
            Some(role_set(&u.roles))
        };
        let enabled = if u.enabled && disabled_ws.contains(u.default_workspace.as_str()) {
            note(
                format!(
                    "user {}: enabled in disabled workspace {}, which a manifest cannot say; enabled left out (not managed)",
                    q(&u.username),
                    q(&u.default_workspace)
                ),
                false,
            );
            None
        } else {
            Some(u.enabled)
        };
        exported.insert(u.id, (out_users.len(), u.enabled));
        out_users.push(UserSpec {
            username: u.username,
            workspace: u.default_workspace,
            roles,
            name: Some(u.name),
            email: Some(u.email),
            enabled,
            password: None,
        });
    }

    // Keys by owner username and name: a name held twice is left out.
    let mut by_name: BTreeMap<(&str, String), (bool, Vec<ApiKey>)> = BTreeMap::new();
    for (owner, ks) in keys {
        let Some(&(i, enabled)) = exported.get(&owner) else {
            continue;
        };
        let user = out_users[i].username.as_str();
        for mut k in ks {
            let name = std::mem::take(&mut k.name);
            by_name
                .entry((user, name))
                .or_insert_with(|| (enabled, Vec::new()))
                .1
                .push(k);
        }
    }
    let mut out_keys = Vec::new();
    for ((user, name), (owner_enabled, mut ks)) in by_name {
        let name = name.as_str();
        ks.sort_by(|a, b| (&a.created, &a.id).cmp(&(&b.created, &b.id)));
        let label = format!("{}/{}", q(user), q(name));
        let ids = ks.iter().map(|k| k.id.as_str()).collect::<Vec<_>>();
        if !owner_enabled {
            note(
                format!(
                    "API key {label} (id {}) left out: its owner is disabled, and a manifest gives a disabled user no keys; tg-apply leaves it alone",
                    ids.join(", ")
                ),
                false,
            );
            continue;
        }
        if name.trim().is_empty() {
            note(
                format!(
                    "API key {label} (id {}) left out: a manifest cannot name a key without a name; tg-apply --prune would revoke it",
                    ids.join(", ")
                ),
                true,
            );
            continue;
        }
        if ks.len() > 1 {
            note(
                format!(
                    "API keys {label} left out: {} keys have this name (ids {}), and a manifest names a key by owner and name; tg-apply --prune would revoke them (revoke all but one with tg-revoke-api-key --key-id, or rotate them, then export again)",
                    ks.len(),
                    ids.join(", ")
                ),
                true,
            );
            continue;
        }
        let k = &ks[0];
        let expires = k.expires.trim();
        if !expires.is_empty() {
            match instant(expires) {
                Some(t) if t > now => {}
                Some(_) => {
                    note(
                        format!(
                            "API key {label} (id {}) left out: it expired at {expires}, and a manifest cannot hold a past expiry; tg-apply --prune would revoke it",
                            k.id
                        ),
                        true,
                    );
                    continue;
                }
                None => {
                    note(
                        format!(
                            "API key {label} (id {}) left out: its expiry {} is not a time a manifest can hold; tg-apply --prune would revoke it",
                            k.id,
                            q(expires)
                        ),
                        true,
                    );
                    continue;
                }
            }
        }
        out_keys.push(ApiKeySpec {
            user: user.to_string(),
            name: name.to_string(),
            // As the gateway wrote it: tg-apply compares expiries as
            // instants, and this one is the key's own.
            expires: (!expires.is_empty()).then(|| k.expires.clone()),
            // A policy, which the gateway does not record.
            rotate_after: None,
        });
    }
    Export {
        manifest: Manifest {
            workspaces: out_ws,
            users: out_users,
            api_keys: out_keys,
        },
        notes,
    }
}

/// `2 users`, `1 user`.
pub fn count(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// The line that starts the notes' comment block.
fn notes_summary(notes: &[Note]) -> String {
    let pruned = notes.iter().filter(|n| n.pruned).count();
    let mut s = format!("{} a manifest cannot express", count(notes.len(), "thing"));
    if pruned > 0 {
        s.push_str(&format!(
            " ({pruned} of which tg-apply --prune would change: applied with --prune, this manifest is not an exact copy)"
        ));
    }
    s
}

/// Whether `c` is unsafe on a terminal ([`is_unsafe_char`]), or a line
/// break to a YAML 1.1 reader (U+2028, U+2029; YAML 1.2, which tg-apply
/// reads, has none but CR and LF): a manifest kept in git meets other
/// readers too.
fn unsafe_in_yaml(c: char) -> bool {
    is_unsafe_char(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// A note as one safe line: no control, bidi or line-breaking characters
/// (a name is any text; `{:?}` escaped most, this drops the rest, such as
/// those of ids, which notes give as the gateway sent them).
fn line(s: &str) -> String {
    s.chars().filter(|c| !unsafe_in_yaml(*c)).collect()
}

/// The notes as a comment block (YAML and TOML both start comments with
/// `#`), then a blank line; nothing when there are none.
fn comments(notes: &[Note]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut s = format!("# tg-export-iam: {}:\n", line(&notes_summary(notes)));
    for n in notes {
        s.push_str("# - ");
        s.push_str(&line(&n.text));
        s.push('\n');
    }
    s.push('\n');
    s
}

/// What stderr says of the notes: each one for JSON (which has no
/// comments), a summary pointing at the comments for YAML and TOML.
pub fn warnings(e: &Export, format: Format) -> Vec<String> {
    if e.notes.is_empty() {
        return Vec::new();
    }
    match format {
        Format::Json => e.notes.iter().map(|n| n.text.clone()).collect(),
        Format::Yaml | Format::Toml => vec![format!(
            "{}: see the comments at the top of the output",
            notes_summary(&e.notes)
        )],
    }
}

/// `v` as compact JSON, with DEL, the C1 controls, the bidi controls and
/// U+2028/U+2029 escaped too (serde_json escapes the rest that needs
/// it): safe on a terminal, and valid as a YAML flow node (for YAML 1.1
/// readers too) and as a TOML value.
fn safe_json<T: Serialize + ?Sized>(v: &T) -> io::Result<String> {
    let s = serde_json::to_string(v)?;
    if !s.chars().any(unsafe_in_yaml) {
        return Ok(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_in_yaml(c) {
            // Every such character is in the BMP: one \uXXXX.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Whether a serializer's `text` (lines of it) holds a character unsafe
/// on a terminal: then the entry is written with JSON's escapes.
fn unsafe_on_a_terminal(text: &str) -> bool {
    text.chars().any(|c| is_unsafe_char(c) && c != '\n')
}

fn yaml_error(e: serde_saphyr::ser::Error) -> io::Error {
    io::Error::other(e.to_string())
}

fn toml_error(e: toml::ser::Error) -> io::Error {
    io::Error::other(e.to_string())
}

/// serde-saphyr's options: no folded or literal block scalars (a long
/// name stays one line, so a diff shows one line).
fn yaml_options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    }
}

/// One list of a YAML manifest: `key:` and its entries, each written by
/// serde-saphyr as a one-entry sequence (`- id: x` ...), so the list is
/// written entry by entry, never held whole. An entry with a character
/// that is unsafe on a terminal is written as a JSON flow mapping
/// instead (YAML reads JSON's escapes, serde-saphyr would write some of
/// those characters as they are).
fn yaml_list<T: Serialize>(w: &mut dyn Write, key: &str, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return writeln!(w, "{key}: []");
    }
    writeln!(w, "{key}:")?;
    for it in items {
        let text =
            serde_saphyr::to_string_with_options(&[it], yaml_options()).map_err(yaml_error)?;
        if unsafe_on_a_terminal(&text) {
            writeln!(w, "- {}", safe_json(it)?)?;
        } else {
            w.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// One list of a TOML manifest: an array of tables, entry by entry
/// (the toml crate writes each as `[[key]]` and its fields). An entry
/// with a character unsafe on a terminal is written field by field with
/// JSON's escapes, which TOML's basic strings share.
/// `started`: whether a table was written before (tables are separated by
/// a blank line).
fn toml_list<T: Serialize>(
    w: &mut dyn Write,
    key: &str,
    items: &[T],
    started: &mut bool,
) -> io::Result<()> {
    for it in items {
        if std::mem::replace(started, true) {
            w.write_all(b"\n")?;
        }
        let one = BTreeMap::from([(key, [it])]);
        let text = toml::to_string(&one).map_err(toml_error)?;
        if unsafe_on_a_terminal(&text) {
            writeln!(w, "[[{key}]]")?;
            let fields = serde_json::to_value(it)?;
            for (k, v) in fields.as_object().into_iter().flatten() {
                writeln!(w, "{k} = {}", safe_json(v)?)?;
            }
        } else {
            w.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// The manifest as `format`, to `w`: in YAML and TOML the notes first, as
/// comments. Deterministic: the same state gives the same bytes.
pub fn write(w: &mut dyn Write, e: &Export, format: Format) -> io::Result<()> {
    let m = &e.manifest;
    match format {
        Format::Yaml => {
            w.write_all(comments(&e.notes).as_bytes())?;
            yaml_list(w, "workspaces", &m.workspaces)?;
            yaml_list(w, "users", &m.users)?;
            yaml_list(w, "api_keys", &m.api_keys)
        }
        Format::Toml => {
            w.write_all(comments(&e.notes).as_bytes())?;
            let mut started = false;
            toml_list(w, "workspaces", &m.workspaces, &mut started)?;
            toml_list(w, "users", &m.users, &mut started)?;
            toml_list(w, "api_keys", &m.api_keys, &mut started)
        }
        Format::Json => {
            // serde_json's pretty printer writes as it goes, through the
            // formatter that escapes what is unsafe on a terminal.
            crate::output::write_safe_json(w, m)?;
            w.write_all(b"\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::manifest::{parse, validate};
    use super::*;

    const NOW: i64 = 1_800_000_000; // 2027-01-15T08:00:00+00:00

    fn ws(id: &str, name: &str, enabled: bool) -> Workspace {
        Workspace {
            id: id.into(),
            name: name.into(),
            enabled,
            created: String::new(),
        }
    }

    fn user(id: &str, username: &str, ws: &str, roles: &[&str], enabled: bool) -> User {
        User {
            id: id.into(),
            username: username.into(),
            default_workspace: ws.into(),
            name: username.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            enabled,
            ..User::default()
        }
    }

    fn key(id: &str, owner: &str, name: &str, expires: &str) -> ApiKey {
        ApiKey {
            id: id.into(),
            user_id: owner.into(),
            name: name.into(),
            prefix: "tg_Abcd".into(),
            expires: expires.into(),
            created: "2027-01-01T00:00:00+00:00".into(),
            last_used: String::new(),
        }
    }

    /// Strings that a YAML or TOML writer must quote, or escape, to read
    /// them back as they were.
    const HARD: &[&str] = &[
        "yes",
        "no",
        "No",
        "on",
        "off",
        "y",
        "n",
        "null",
        "~",
        "true",
        "True",
        "1",
        "0123",
        "1e3",
        "0x1F",
        "1_000",
        "12:30",
        ".inf",
        "-.nan",
        "2027-01-31",
        "- dash",
        "-",
        "#hash",
        "a # comment",
        "key: value",
        "a:b",
        ":",
        "?",
        "! tag",
        "&anchor",
        "*alias",
        "|",
        ">",
        "%x",
        "@x",
        "`x",
        "[a]",
        "{a}",
        ",",
        "'single'",
        "\"double\"",
        "it's",
        "back\\slash",
        " leading",
        "trailing ",
        "",
        "Zoë Ñandú 山田 🙂",
        "tab\there",
        "line\nbreak",
        "esc\u{1b}[31m",
        "del\u{7f}",
        "c1\u{85}",
        "bidi\u{202e}txt",
        "'''",
        "\"\"\"",
        "very long name that goes on and on well past eighty characters so that a folding writer would fold it",
    ];

    fn hard_state() -> (Vec<Workspace>, Vec<User>, HashMap<String, Vec<ApiKey>>) {
        let workspaces = vec![ws("w", "W", true)];
        let mut users = Vec::new();
        let mut keys = HashMap::new();
        for (i, s) in HARD.iter().enumerate() {
            let mut u = user(
                &format!("id{i}"),
                &format!("u{i:02}"),
                "w",
                &["reader"],
                true,
            );
            u.name = s.to_string();
            u.email = s.to_string();
            users.push(u);
            if !s.trim().is_empty() {
                keys.insert(
                    format!("id{i}"),
                    vec![key(&format!("k{i}"), &format!("id{i}"), s, "")],
                );
            }
        }
        (workspaces, users, keys)
    }

    #[test]
    fn hard_strings_read_back_exactly_in_each_format() {
        let (w, u, k) = hard_state();
        let e = export(w.clone(), u.clone(), k.clone(), NOW);
        for format in [Format::Yaml, Format::Toml, Format::Json] {
            let mut buf = Vec::new();
            write(&mut buf, &e, format).unwrap();
            let text = String::from_utf8(buf).unwrap();
            assert!(
                !text.chars().any(|c| is_unsafe_char(c) && c != '\n'),
                "{format:?}: unsafe characters written as they are"
            );
            let m = parse(&text, format, "export")
                .unwrap_or_else(|e| panic!("{format:?}: {}\n{text}", e.message));
            validate(&m, "export").unwrap();
            assert_eq!(m.users.len(), HARD.len());
            for (i, s) in HARD.iter().enumerate() {
                let got = &m.users[i];
                assert_eq!(got.name.as_deref(), Some(*s), "{format:?}: name {s:?}");
                assert_eq!(got.email.as_deref(), Some(*s), "{format:?}: email {s:?}");
                assert!(got.password.is_none());
            }
            let names: Vec<&str> = m.api_keys.iter().map(|k| k.name.as_str()).collect();
            let mut want: Vec<&str> = HARD
                .iter()
                .copied()
                .filter(|s| !s.trim().is_empty())
                .collect();
            // Sorted by owner (u00, u01, ...), which is HARD's order.
            want.sort_by_key(|s| HARD.iter().position(|h| h == s));
            assert_eq!(names, want, "{format:?}");
        }
    }

    #[test]
    fn deterministic_and_sorted() {
        let w = vec![ws("zeta", "Z", true), ws("alpha", "A", false)];
        let u = vec![
            user("2", "bob", "zeta", &["writer", "admin", "writer"], true),
            user("1", "alice", "zeta", &["reader"], true),
        ];
        let mut k = HashMap::new();
        k.insert(
            "2".to_string(),
            vec![
                key("b", "2", "z", "2027-06-30T00:00:00+00:00"),
                key("a", "2", "a", ""),
            ],
        );
        let e = export(w.clone(), u.clone(), k.clone(), NOW);
        let mut u2 = u.clone();
        u2.reverse();
        let e2 = export(w.iter().rev().cloned().collect(), u2, k.clone(), NOW);
        for format in [Format::Yaml, Format::Toml, Format::Json] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            write(&mut a, &e, format).unwrap();
            write(&mut b, &e2, format).unwrap();
            assert_eq!(a, b, "{format:?}");
        }
        let mut y = Vec::new();
        write(&mut y, &e, Format::Yaml).unwrap();
        assert_eq!(
            String::from_utf8(y).unwrap(),
            r#"workspaces:
- id: alpha
  name: A
  enabled: false
- id: zeta
  name: Z
  enabled: true
users:
- username: alice
  workspace: zeta
  roles:
  - reader
  name: alice
  email: ""
  enabled: true
- username: bob
  workspace: zeta
  roles:
  - admin
  - writer
  name: bob
  email: ""
  enabled: true
api_keys:
- user: bob
  name: a
- user: bob
  name: z
  expires: "2027-06-30T00:00:00+00:00"
"#
        );
        let mut t = Vec::new();
        write(&mut t, &e, Format::Toml).unwrap();
        let t = String::from_utf8(t).unwrap();
        assert!(
            t.starts_with(
                "[[workspaces]]\nid = \"alpha\"\nname = \"A\"\nenabled = false\n\n[[workspaces]]\n"
            ),
            "{t}"
        );
    }

    #[test]
    fn a_username_held_by_two_users_is_left_out_and_noted() {
        // Usernames were unique per workspace before TrustGraph #1001: a
        // state from then can hold two users named bob. A manifest names
        // a user by username (tg-apply refuses one listing bob twice).
        let w = vec![ws("a", "A", true), ws("b", "B", true)];
        let u = vec![
            user("1", "bob", "a", &["reader"], true),
            user("2", "alice", "a", &["reader"], true),
            user("3", "bob", "b", &["writer"], false),
            // The same record twice (a list that repeats one) is one user.
            user("2", "alice", "a", &["reader"], true),
        ];
        let mut k = HashMap::new();
        k.insert("1".to_string(), vec![key("k1", "1", "ci", "")]);
        k.insert("2".to_string(), vec![key("k2", "2", "ci", "")]);
        let e = export(w, u, k, NOW);
        let m = &e.manifest;
        let names: Vec<&str> = m.users.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(names, ["alice"]);
        assert_eq!(m.api_keys.len(), 1);
        assert_eq!(m.api_keys[0].user, "alice");
        assert_eq!(
            e.notes,
            [Note {
                text: "users \"bob\" left out, with their API keys: 2 users have this username (ids 1, 3), and a manifest names a user by username; tg-apply --prune would disable the enabled ones".into(),
                pruned: true,
            }]
        );
        for format in [Format::Yaml, Format::Toml, Format::Json] {
            let mut buf = Vec::new();
            write(&mut buf, &e, format).unwrap();
            let text = String::from_utf8(buf).unwrap();
            let back = parse(&text, format, "x").unwrap();
            validate(&back, "x").unwrap_or_else(|e| panic!("{format:?}: {}", e.message));
        }
    }

    #[test]
    fn a_note_breaks_no_line_for_any_yaml_reader() {
        // YAML 1.1 readers (PyYAML, ...) also break lines at U+2028 and
        // U+2029: ids, which notes give as the gateway sent them, must
        // not end a comment and start manifest entries there.
        let evil = "k\u{2028}users: [{username: evil, workspace: w}]\u{2029}x";
        let mut u = user(evil, "bob", "w", &["reader"], true);
        u.roles.clear();
        let mut k = HashMap::new();
        k.insert(evil.to_string(), vec![key(evil, evil, "", "")]);
        let mut a = user("a\u{2028}b", " spaced", "w", &["reader"], true);
        a.name = evil.into();
        let e = export(vec![ws("w", evil, true)], vec![u, a], k, NOW);
        assert_eq!(e.notes.len(), 3, "{:#?}", e.notes);
        for format in [Format::Yaml, Format::Toml] {
            let mut buf = Vec::new();
            write(&mut buf, &e, format).unwrap();
            let text = String::from_utf8(buf).unwrap();
            for line in text.lines().filter(|l| l.starts_with('#')) {
                assert!(
                    !line.contains(['\u{2028}', '\u{2029}']),
                    "{format:?}: {line:?}"
                );
            }
            assert!(
                text.contains("(id k\\u2028users: ") || text.contains("(id kusers: "),
                "{text}"
            );
        }
        // A YAML entry written as JSON (it holds a character unsafe on a
        // terminal) escapes them too.
        let mut u = user("1", "carol", "w", &["reader"], true);
        u.name = format!("{evil}\u{1b}");
        let e = export(vec![ws("w", "W", true)], vec![u], HashMap::new(), NOW);
        let mut buf = Vec::new();
        write(&mut buf, &e, Format::Yaml).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(!text.contains(['\u{2028}', '\u{2029}']), "{text:?}");
        let m = parse(&text, Format::Yaml, "x").unwrap();
        assert_eq!(m.users[0].name, Some(format!("{evil}\u{1b}")));
    }

    #[test]
    fn what_a_manifest_cannot_say_is_noted() {
        let w = vec![
            ws("_system", "S", true),
            ws("off", "Off", false),
            ws("w", "W", true),
        ];
        let u = vec![
            user("1", "alice", "w", &["admin"], true),
            user("2", "carol", "w", &["reader"], false),
            user("3", " spaced", "w", &["reader"], true),
            user("4", "norole", "w", &[], true),
            user("5", "stray", "off", &["reader"], true),
        ];
        let mut k = HashMap::new();
        k.insert(
            "1".to_string(),
            vec![
                key("k1", "1", "dup", ""),
                key("k2", "1", "dup", ""),
                key("k3", "1", "old", "2026-01-01T00:00:00+00:00"),
                key("k4", "1", "ok", "2027-06-30T00:00:00.512000+00:00"),
                key("k5", "1", " ", ""),
            ],
        );
        k.insert("2".to_string(), vec![key("k6", "2", "held", "")]);
        k.insert("3".to_string(), vec![key("k7", "3", "x", "")]);
        let e = export(w.clone(), u.clone(), k.clone(), NOW);
        let m = &e.manifest;
        assert_eq!(
            m.workspaces
                .iter()
                .map(|w| w.id.as_str())
                .collect::<Vec<_>>(),
            ["off", "w"]
        );
        assert_eq!(
            m.users
                .iter()
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>(),
            ["alice", "carol", "norole", "stray"]
        );
        assert_eq!(m.users[2].roles, None);
        assert_eq!(m.users[3].enabled, None);
        assert_eq!(m.users[1].enabled, Some(false));
        assert_eq!(m.api_keys.len(), 1);
        assert_eq!(m.api_keys[0].name, "ok");
        assert_eq!(
            m.api_keys[0].expires.as_deref(),
            Some("2027-06-30T00:00:00.512000+00:00")
        );
        let texts: Vec<&str> = e.notes.iter().map(|n| n.text.as_str()).collect();
        let has = |s: &str| texts.iter().any(|t| t.contains(s));
        assert!(has("workspace \"_system\" left out"), "{texts:#?}");
        assert!(has("user \" spaced\" (id 3) left out"), "{texts:#?}");
        assert!(has("user \"norole\": no roles"), "{texts:#?}");
        assert!(
            has("user \"stray\": enabled in disabled workspace \"off\""),
            "{texts:#?}"
        );
        assert!(
            has("API keys \"alice\"/\"dup\" left out: 2 keys"),
            "{texts:#?}"
        );
        assert!(has("ids k1, k2"), "{texts:#?}");
        assert!(
            has("API key \"alice\"/\"old\" (id k3) left out: it expired"),
            "{texts:#?}"
        );
        assert!(
            has("API key \"alice\"/\" \" (id k5) left out"),
            "{texts:#?}"
        );
        assert!(
            has("API key \"carol\"/\"held\" (id k6) left out: its owner is disabled"),
            "{texts:#?}"
        );
        assert_eq!(e.notes.iter().filter(|n| n.pruned).count(), 4);
        // The manifest is one tg-apply accepts.
        for format in [Format::Yaml, Format::Toml, Format::Json] {
            let mut buf = Vec::new();
            write(&mut buf, &e, format).unwrap();
            let text = String::from_utf8(buf).unwrap();
            let back = parse(&text, format, "x").unwrap();
            validate(&back, "x").unwrap();
            if format != Format::Json {
                assert!(text.starts_with("# tg-export-iam: 8 things a manifest cannot express (4 of which tg-apply --prune would change"), "{text}");
                assert_eq!(warnings(&e, format).len(), 1);
            } else {
                assert_eq!(warnings(&e, format).len(), 8);
            }
        }
    }
}
