//! The tg-apply manifest: typed, strict (unknown fields are errors), read
//! from TOML, YAML or JSON, with errors that name the file, the line and
//! the field's path. The JSON Schema is generated from these types
//! ([`schema`]) and committed as `schema/tg-apply-manifest.schema.json`.

use crate::error::{Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// The workspaces, users and API keys that should exist. Anything the
/// gateway has beyond them is left alone, unless `tg-apply --prune`
/// (users are then disabled and API keys revoked; nothing is deleted).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tg-apply manifest")]
pub struct Manifest {
    /// Workspaces, by id.
    #[serde(default)]
    pub workspaces: Vec<WorkspaceSpec>,
    /// Users, by username (usernames are global).
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// API keys, by owner and name.
    #[serde(default)]
    pub api_keys: Vec<ApiKeySpec>,
}

/// A workspace.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSpec {
    /// The workspace id (must not start with `_`).
    pub id: String,
    /// Display name (when absent: not managed; a new workspace is named
    /// after its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the workspace is enabled (when absent: not managed; a new
    /// workspace is enabled). Disabling one disables every user whose home
    /// it is and revokes their API keys (the gateway does so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl WorkspaceSpec {
    /// Whether a workspace created from this spec is enabled.
    pub fn enabled_when_new(&self) -> bool {
        self.enabled.unwrap_or(true)
    }
}

/// A user.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// Login name (globally unique; cannot be changed).
    pub username: String,
    /// Home workspace (cannot be changed once the user exists).
    pub workspace: String,
    /// Roles: reader, writer, admin (when absent: not managed; a new user
    /// gets `["reader"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Display name (when absent: not managed; a new user is named after
    /// its username).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email (when absent: not managed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the user is enabled (when absent: not managed; a new user
    /// is enabled). Disabling a user revokes its API keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The initial password, used only when the user is created (an
    /// existing user's password is never changed). Absent: generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<PasswordSpec>,
}

/// Where a new user's initial password comes from: exactly one of
/// `env`, `file` or `generate = true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSpec {
    /// The value of this environment variable (must be set and not empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// The first line of this file, which must not be readable by group or
    /// others (chmod 600). A relative path is relative to the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// A random password, printed with the minted secrets (also what an
    /// absent `password` means).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<bool>,
}

/// A [`PasswordSpec`], checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    Env(String),
    File(PathBuf),
    Generate,
}

impl UserSpec {
    /// The roles a user created from this spec gets.
    pub fn roles_when_new(&self) -> Vec<String> {
        self.roles
            .clone()
            .unwrap_or_else(|| vec!["reader".to_string()])
    }

    /// Whether a user created from this spec is enabled.
    pub fn enabled_when_new(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// Where the initial password comes from (`None` when the spec does
    /// not say exactly one thing; [`validate`] refuses that).
    pub fn password_source(&self) -> Option<PasswordSource> {
        let Some(p) = &self.password else {
            return Some(PasswordSource::Generate);
        };
        match (&p.env, &p.file, p.generate) {
            (Some(v), None, None | Some(false)) => Some(PasswordSource::Env(v.clone())),
            (None, Some(f), None | Some(false)) => Some(PasswordSource::File(f.clone())),
            (None, None, Some(true)) => Some(PasswordSource::Generate),
            _ => None,
        }
    }
}

/// An API key.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySpec {
    /// The owner's username: a user of this manifest, or one that exists.
    pub user: String,
    /// The key's name, unique per owner in the manifest.
    pub name: String,
    /// ISO-8601 expiry (absent: never). A key's expiry cannot be changed:
    /// a different one replaces the key (a new secret is minted and the
    /// old key revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Rotate the key once it is older than this: a whole number of
    /// hours, days or weeks (`12h`, `90d`, `13w`; at least 1h, at most
    /// 100 years). tg-apply then mints a new key of the same name and
    /// owner, writes its secret, and only then revokes the old one; the
    /// age is counted from the key's `created` time. The new key gets
    /// this entry's `expires` (absent: never), not the old key's lifetime
    /// as tg-rotate-api-key does, so that the next run finds it in sync.
    /// The API key the run uses is never rotated. Absent: never rotated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", regex(pattern = r"^[0-9]+[hdw]$"))]
    pub rotate_after: Option<RotateAfter>,
}

/// A key's maximum age (`rotate_after`), in seconds.
///
/// Hand-written rather than humantime's `parse_duration`, on purpose:
/// that grammar reads `3m` as three minutes (and `3M` as three months),
/// so a manifest meaning months would rotate every key on every run. The
/// grammar here is one whole number and one unit of `h`, `d` or `w`,
/// nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct RotateAfter {
    pub secs: i64,
}

/// The longest `rotate_after`: 100 years (36,500 days).
const MAX_ROTATE_AFTER: i64 = 36_500 * 86_400;

/// The units of a `rotate_after`, largest first, in seconds.
const AGE_UNITS: [(&str, i64); 3] = [("w", 7 * 86_400), ("d", 86_400), ("h", 3600)];

/// Written in the largest unit that divides it (`13w`, `90d`, `12h`),
/// which reads back as the same age.
impl Serialize for RotateAfter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // Every age is a whole number of hours, the last unit.
        let (unit, per) = AGE_UNITS
            .into_iter()
            .find(|(_, per)| self.secs % per == 0)
            .unwrap_or(AGE_UNITS[2]);
        s.serialize_str(&format!("{}{unit}", self.secs / per))
    }
}

impl TryFrom<String> for RotateAfter {
    type Error = String;

    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse()
    }
}

impl std::str::FromStr for RotateAfter {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = |why: &str| {
            format!(
                "{s:?} is not a key age: {why}; write a whole number of hours, days or weeks, such as 12h, 90d or 13w"
            )
        };
        let (n, unit) = s.split_at(s.len() - s.chars().last().map_or(0, char::len_utf8));
        let per = match AGE_UNITS.into_iter().find(|(u, _)| *u == unit) {
            Some((_, per)) => per,
            None if unit == "m" || unit == "M" => {
                return Err(bad("m is not a unit (minutes or months?)"))
            }
            None => return Err(bad("it does not end in h, d or w")),
        };
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the number is not a whole number"));
        }
        let secs = n
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(per))
            .filter(|s| *s <= MAX_ROTATE_AFTER)
            .ok_or_else(|| bad("it is longer than 100 years"))?;
        if secs == 0 {
            return Err(bad("it is zero (every run would rotate the key)"));
        }
        Ok(RotateAfter { secs })
    }
}

/// A manifest's format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
    Json,
}

impl Format {
    /// The format a file name's extension says, if it says one.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// The JSON Schema of [`Manifest`], as committed (pretty, with a final
/// newline).
pub fn schema() -> String {
    let s = schemars::schema_for!(Manifest);
    let mut text = serde_json::to_string_pretty(&s).unwrap_or_default();
    text.push('\n');
    text
}

/// Line and column (1-based) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `FILE:LINE:COL: PATH: MESSAGE`, a usage error.
fn located(
    file: &str,
    at: Option<(usize, usize)>,
    path: Option<&serde_path_to_error::Path>,
    msg: &str,
) -> Error {
    let at = at.map_or(String::new(), |(l, c)| format!("{l}:{c}:"));
    let path = path.map(ToString::to_string).unwrap_or_default();
    let path = if path == "." || path.is_empty() {
        String::new()
    } else {
        format!(" {path}:")
    };
    Error::usage(format!(
        "{file}:{at}{path} {}",
        msg.lines().next().unwrap_or(msg).trim()
    ))
}

/// serde_json and serde-saphyr end their messages with ` at line L column
/// C` (or `, column C`); the location is printed in front instead.
fn without_location(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Parse `text` (from `file`, for messages) as a manifest in `format`.
pub fn parse(text: &str, format: Format, file: &str) -> Result<Manifest> {
    match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let m = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let i = e.inner();
                let msg = i.to_string();
                located(
                    file,
                    Some((i.line(), i.column())),
                    Some(e.path()),
                    without_location(&msg),
                )
            })?;
            de.end().map_err(|e| {
                let msg = e.to_string();
                located(
                    file,
                    Some((e.line(), e.column())),
                    None,
                    without_location(&msg),
                )
            })?;
            Ok(m)
        }
        Format::Toml => {
            let at = |e: &toml::de::Error| e.span().map(|s| line_col(text, s.start));
            let de = toml::de::Deserializer::parse(text)
                .map_err(|e| located(file, at(&e), None, e.message()))?;
            serde_path_to_error::deserialize(de).map_err(|e| {
                let i = e.inner();
                located(file, at(i), Some(e.path()), i.message())
            })
        }
        Format::Yaml => {
            let mut path = None;
            serde_saphyr::with_deserializer_from_str_with_options(
                text,
                yaml_options(text.len()),
                |de| {
                    serde_path_to_error::deserialize(de).map_err(|e| {
                        path = Some(e.path().clone());
                        e.into_inner()
                    })
                },
            )
            .map_err(|e| yaml_error(&e, path.as_ref(), file))
        }
    }
}

/// How deeply a YAML manifest may nest (a manifest needs four levels:
/// `users`, a user, its `roles`).
const MAX_YAML_DEPTH: usize = 16;

/// serde-saphyr's limits for a manifest of `len` bytes: no anchors and
/// no aliases at all (an alias re-expands its anchor's whole value, so a
/// few KiB can become gigabytes: "billion laughs"), shallow nesting, and
/// no more nodes, events and scalar bytes than a text of that length (at
/// least 16 MiB's worth) can hold. It checks them while it parses, so a
/// hostile file costs no more than its size, which the manifest cap
/// bounds (`TRUSTGRAPH_MAX_MANIFEST_BYTES`).
fn yaml_options(len: usize) -> serde_saphyr::Options {
    let room = len.max(16 * 1024 * 1024);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_anchors = 0;
    budget.max_aliases = 0;
    budget.max_depth = MAX_YAML_DEPTH;
    budget.flow_nesting_limit = MAX_YAML_DEPTH;
    budget.max_documents = 1;
    budget.max_merge_keys = 0;
    budget.max_nodes = room / 8;
    budget.max_events = room / 4;
    budget.max_total_scalar_bytes = room;
    let mut o = serde_saphyr::Options::default();
    o.budget = Some(budget);
    o.alias_limits.max_total_replayed_events = 0;
    o.merge_keys = serde_saphyr::options::MergeKeyPolicy::Error;
    o.strict_booleans = true;
    o.with_snippet = false;
    o
}

/// A serde-saphyr error as `FILE:LINE:COL: PATH: MESSAGE`, one line.
fn yaml_error(
    e: &serde_saphyr::Error,
    path: Option<&serde_path_to_error::Path>,
    file: &str,
) -> Error {
    let at = e
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| (l.line() as usize, l.column() as usize));
    use serde_saphyr::budget::BudgetBreach as B;
    use serde_saphyr::Error as E;
    let deep = || format!("nested deeper than {MAX_YAML_DEPTH} levels: not a manifest");
    let aliases = "YAML anchors and aliases (&name, *name) are not accepted in a manifest (an alias can expand without bound); write the values out";
    let msg = match e.without_snippet() {
        E::Budget {
            breach: B::Anchors { .. } | B::Aliases { .. },
            ..
        }
        | E::UnknownAnchor { .. } => aliases.to_string(),
        E::Budget {
            breach: B::Depth { .. },
            ..
        } => deep(),
        // The parser's own cap on flow nesting (`[[[[…`).
        E::ExternalMessage { source, .. }
            if matches!(&**source, serde_saphyr::ExternalMessageSource::Parser(p)
                if matches!(p.kind(), serde_saphyr::granit_parser::ErrorKind::RecursionLimitExceeded)) =>
        {
            deep()
        }
        E::Budget {
            breach: B::Documents { .. },
            ..
        } => "more than one YAML document: a manifest is one document".to_string(),
        E::Budget { breach, .. } => {
            format!("beyond what a manifest may hold (YAML budget: {breach:?})")
        }
        other => other.to_string(),
    };
    located(file, at, path, without_location(&msg))
}

/// Check what the types cannot: ids and names not empty, nothing twice,
/// keys owned by enabled users, users not enabled in a disabled
/// workspace, expiries valid and in the future. `file` names the
/// manifest in messages, each of which gives the field's path.
pub fn validate(m: &Manifest, file: &str) -> Result<()> {
    let bad = |path: String, msg: String| Error::usage(format!("{file}: {path}: {msg}"));
    let mut ids = HashSet::new();
    for (i, w) in m.workspaces.iter().enumerate() {
        let path = format!("workspaces[{i}].id");
        crate::iam::rules::check_workspace_id(&w.id, "the id")
            .map_err(|e| bad(path.clone(), e.message))?;
        if w.id.trim() != w.id {
            return Err(bad(path, format!("{:?} has surrounding spaces", w.id)));
        }
        if !ids.insert(w.id.as_str()) {
            return Err(bad(path, format!("workspace {:?} is listed twice", w.id)));
        }
    }
    // Look-ups by key, so that validation is linear in the manifest.
    let disabled: HashSet<&str> = m
        .workspaces
        .iter()
        .filter(|w| w.enabled == Some(false))
        .map(|w| w.id.as_str())
        .collect();
    let mut names = HashMap::new();
    for (i, u) in m.users.iter().enumerate() {
        if u.username.trim().is_empty() || u.username.trim() != u.username {
            return Err(bad(
                format!("users[{i}].username"),
                format!("{:?} is empty or has surrounding spaces", u.username),
            ));
        }
        if names.insert(u.username.as_str(), u).is_some() {
            return Err(bad(
                format!("users[{i}].username"),
                format!("user {:?} is listed twice", u.username),
            ));
        }
        if u.roles.as_ref().is_some_and(Vec::is_empty) {
            return Err(bad(
                format!("users[{i}].roles"),
                "is empty: give at least one role, or leave roles out (not managed)".into(),
            ));
        }
        if u.workspace.trim().is_empty() {
            return Err(bad(
                format!("users[{i}].workspace"),
                "is empty: a user needs a home workspace".into(),
            ));
        }
        let ws_disabled = disabled.contains(u.workspace.as_str());
        if ws_disabled && u.enabled == Some(true) {
            return Err(bad(
                format!("users[{i}].enabled"),
                format!(
                    "user {:?} is enabled but its workspace {:?} is disabled (a disabled workspace disables its users)",
                    u.username, u.workspace
                ),
            ));
        }
        let source = u.password_source().ok_or_else(|| {
            bad(
                format!("users[{i}].password"),
                "give exactly one of env, file or generate = true".into(),
            )
        })?;
        if let PasswordSource::Env(v) = source {
            if v.trim().is_empty() {
                return Err(bad(
                    format!("users[{i}].password.env"),
                    "names no variable".into(),
                ));
            }
        }
    }
    let mut keys = HashSet::new();
    for (i, k) in m.api_keys.iter().enumerate() {
        if k.name.trim().is_empty() {
            return Err(bad(format!("api_keys[{i}].name"), "is empty".into()));
        }
        if !keys.insert((k.user.as_str(), k.name.as_str())) {
            return Err(bad(
                format!("api_keys[{i}]"),
                format!("API key {:?} of user {:?} is listed twice", k.name, k.user),
            ));
        }
        if let Some(u) = names.get(k.user.as_str()) {
            if u.enabled == Some(false) {
                return Err(bad(
                    format!("api_keys[{i}].user"),
                    format!(
                        "user {:?} is disabled: a disabled user has no API keys",
                        k.user
                    ),
                ));
            }
        }
        crate::iam::rules::check_expires(k.expires.as_deref(), "the expiry")
            .map_err(|e| bad(format!("api_keys[{i}].expires"), e.message))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_anchors_aliases_and_deep_nesting_are_refused_by_the_parser() {
        // A billion-laughs manifest: refused at its first anchor.
        let bomb = "users:\n  - {username: a, workspace: w, roles: &r [a, b]}\n  - {username: b, workspace: w, roles: *r}\n";
        let e = parse(bomb, Format::Yaml, "m.yaml").unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Usage);
        assert!(
            e.message.starts_with("m.yaml:2:") && e.message.contains("YAML anchors and aliases"),
            "{}",
            e.message
        );
        // An alias alone, and the no-space forms a text scan missed.
        for text in [
            "workspaces:\n  - id: *w\n",
            "{\"users\":[{\"username\":\"a\",\"workspace\":\"w\",\"roles\":*big}]}",
            "{\"users\":[{\"username\":\"a\",\"workspace\":\"w\",\"roles\":&big [x]}]}",
        ] {
            let e = parse(text, Format::Yaml, "m.yaml").unwrap_err();
            assert!(
                e.message.contains("YAML anchors and aliases"),
                "{text}: {}",
                e.message
            );
        }
        let e = parse("users: []\n---\nusers: []\n", Format::Yaml, "m.yaml").unwrap_err();
        assert_eq!(
            e.message,
            "m.yaml:2:1: more than one YAML document: a manifest is one document"
        );
        let deep = format!("users: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse(&deep, Format::Yaml, "m.yaml").unwrap_err();
        assert!(e.message.starts_with("m.yaml:1:"), "{}", e.message);
        assert!(e.message.contains("nested deeper than 16"), "{}", e.message);
        // Deep block nesting: refused at the first level that is not a
        // manifest's shape.
        let block = "users:\n  ".to_string() + &"- ".repeat(10_000) + "x\n";
        let e = parse(&block, Format::Yaml, "m.yaml").unwrap_err();
        assert!(e.message.starts_with("m.yaml:2:"), "{}", e.message);
        // What only looks like them is fine: & and * inside scalars and
        // quotes, and in comments.
        let fine = "# R&D: &not-an-anchor\nworkspaces:\n  - id: rnd\n    name: R&D *team* 'x\n  - id: q\n    name: \"&quoted *too\"\n  - id: s\n    name: '*single &quoted'\n";
        let m = parse(fine, Format::Yaml, "m.yaml").unwrap();
        assert_eq!(m.workspaces.len(), 3);
        assert_eq!(m.workspaces[0].name.as_deref(), Some("R&D *team* 'x"));
    }

    #[test]
    fn the_three_formats_agree_and_errors_are_located() {
        let toml = "[[users]]\nusername = \"a\"\nworkspace = \"w\"\npassword = { env = \"PW\" }\n\n[[users]]\nusername = \"b\"\nworkspace = \"w\"\npassword = { generate = true }\n";
        let m = parse(toml, Format::Toml, "m.toml").unwrap();
        assert_eq!(
            m.users[0].password_source(),
            Some(PasswordSource::Env("PW".into()))
        );
        assert_eq!(m.users[1].password_source(), Some(PasswordSource::Generate));
        assert_eq!(m.users[1].roles, None);
        assert_eq!(m.users[1].roles_when_new(), vec!["reader".to_string()]);
        let yaml = "users:\n  - username: a\n    workspace: w\n    password: {env: PW}\n  - username: b\n    workspace: w\n    password: {generate: true}\n";
        let y = parse(yaml, Format::Yaml, "m.yaml").unwrap();
        assert_eq!(y.users[0].password, m.users[0].password);
        assert_eq!(y.users[1].password, m.users[1].password);
        let json =
            r#"{"users": [{"username": "a", "workspace": "w", "password": {"file": "pw"}}]}"#;
        let j = parse(json, Format::Json, "m.json").unwrap();
        assert_eq!(
            j.users[0].password_source(),
            Some(PasswordSource::File("pw".into()))
        );
        let both = r#"{"users": [{"username": "a", "workspace": "w", "password": {"file": "pw", "env": "X"}}]}"#;
        let e = validate(&parse(both, Format::Json, "m.json").unwrap(), "m.json").unwrap_err();
        assert_eq!(
            e.message,
            "m.json: users[0].password: give exactly one of env, file or generate = true"
        );

        let e = parse(
            "[[users]]\nusername = \"a\"\nworkspace = \"w\"\nemial = \"x\"\n",
            Format::Toml,
            "m.toml",
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("m.toml:4:1: users[0]"),
            "{}",
            e.message
        );
        assert!(e.message.contains("emial"), "{}", e.message);
        let e = parse(
            "users:\n  - username: a\n    workspace: w\n    emial: x\n",
            Format::Yaml,
            "m.yaml",
        )
        .unwrap_err();
        assert!(e.message.starts_with("m.yaml:4:"), "{}", e.message);
        assert!(
            e.message.contains("users[0]") && e.message.contains("emial"),
            "{}",
            e.message
        );
        let e = parse(
            "{\"users\": [\n {\"username\": \"a\",\n  \"workspace\": \"w\",\n  \"emial\": \"x\"}]}",
            Format::Json,
            "m.json",
        )
        .unwrap_err();
        assert!(e.message.starts_with("m.json:4:"), "{}", e.message);
        assert!(
            e.message.contains("users[0]") && e.message.contains("emial"),
            "{}",
            e.message
        );
    }
}
