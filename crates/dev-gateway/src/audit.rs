//! The audit log (`--audit-log FILE`, or `-` for stderr): one JSON object
//! per line for every IAM request, public ones included. A record is
//! drafted and finished in one place, [`crate::dispatch`], from what the
//! request named, who made it and how it ended (`Draft` says how); the
//! format is documented in `docs/dev-gateway-audit.md`.
//!
//! What a record holds is chosen field by field (ids, usernames, key
//! prefixes, a JWT's `kid` and issue time), never copied from a request
//! or a reply: no password, API key, JWT or signing secret can reach it.
//!
//! The file is the owner's alone: created 0600, and refused at start if
//! group or others may open it (as the state file). It is opened for
//! appending, and each record is written with one `write_all` of the
//! whole line under a lock, so records of concurrent requests never
//! interleave, and other writers appending to the same file do not cut
//! them either.

pub use crate::config::AuditTarget;
use crate::request::{Body, Identity, Reply, Source};
use crate::state::State;
use crate::store::refuse_if_open_to_others;
use serde_json::{json, Map, Value};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;
use tg_iam_protocol::time;

/// The audit log's file mode.
pub const AUDIT_LOG_MODE: u32 = 0o600;

/// An open audit log.
pub struct AuditLog {
    sink: Sink,
}

enum Sink {
    Stderr,
    File { path: PathBuf, file: Mutex<File> },
}

impl AuditLog {
    /// Open `target`: a file is created 0600 if missing, and refused if
    /// group or others may open it.
    pub fn open(target: &AuditTarget) -> anyhow::Result<AuditLog> {
        let sink = match target {
            AuditTarget::Stderr => Sink::Stderr,
            AuditTarget::File(path) => Sink::File {
                file: Mutex::new(open_private(path)?),
                path: path.clone(),
            },
        };
        Ok(AuditLog { sink })
    }

    /// Append `record` as one line. A failure is reported on the log (at
    /// `error`) and does not fail the request, which has already run.
    pub fn write(&self, record: &Value) {
        let mut line = record.to_string();
        line.push('\n');
        let result = match &self.sink {
            // `Stderr::write_all` holds stderr's lock for the whole line,
            // so the request log cannot cut into it.
            Sink::Stderr => std::io::stderr().write_all(line.as_bytes()),
            Sink::File { file, .. } => file
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .write_all(line.as_bytes()),
        };
        if let Err(e) = result {
            let to = match &self.sink {
                Sink::Stderr => "stderr".to_string(),
                Sink::File { path, .. } => path.display().to_string(),
            };
            tracing::error!("cannot write the audit log ({to}): {e}");
        }
    }
}

fn open_private(path: &Path) -> anyhow::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(AUDIT_LOG_MODE)
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot open audit log {}: {e}", path.display()))?;
    let mode = file
        .metadata()
        .map_err(|e| anyhow::anyhow!("cannot read audit log {}: {e}", path.display()))?
        .permissions()
        .mode();
    refuse_if_open_to_others("audit log", path, mode, "it records who did what")?;
    Ok(file)
}

/// The longest string a record copies from a request (usernames, ids,
/// operation names); longer ones are cut.
const MAX_RECORDED: usize = 256;

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_RECORDED) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// A string at `path` in `v`, if present and not empty.
fn str_at<'a>(v: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let (last, parents) = path.split_last()?;
    let mut m = v;
    for p in parents {
        m = m.get(*p)?.as_object()?;
    }
    m.get(*last)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// An audit record as far as it is known before its operation runs (the
/// body goes to the handler; a revoke or a delete may remove the caller's
/// key): made and finished by [`crate::dispatch`] only.
pub(crate) struct Draft {
    fields: Map<String, Value>,
}

impl Draft {
    /// The draft of a request with `body` from `identity`, in state `st`.
    pub(crate) fn new(st: &State, body: &Body, identity: Option<&Identity>) -> Draft {
        let named = str_at(body, &["operation"]).map(clip);
        let mut r = Map::new();
        r.insert("operation".into(), named.into());
        let (actor, credential) = match identity {
            None => (Value::Null, Value::Null),
            Some(who) => {
                let username = st.user(&who.user_id).map(|u| u.username.as_str());
                let actor = json!({"user_id": who.user_id, "username": username});
                let credential = match &who.source {
                    Source::ApiKey { hash } => match st.api_key_by_hash(hash) {
                        Some(k) => {
                            json!({"kind": "api-key", "key_id": k.id, "prefix": k.prefix})
                        }
                        None => json!({"kind": "api-key"}),
                    },
                    Source::Jwt { kid, iat, .. } => json!({
                        "kind": "jwt",
                        "kid": kid,
                        "issued": iat.map(|s| time::rfc3339_millis(s.saturating_mul(1000))),
                    }),
                };
                (actor, credential)
            }
        };
        r.insert("actor".into(), actor);
        r.insert("credential".into(), credential);
        let workspace = str_at(body, &["workspace"])
            .map(clip)
            .or_else(|| identity.map(|who| who.workspace.clone()));
        r.insert("workspace".into(), workspace.into());
        let mut target = Map::new();
        for (key, path) in [
            ("user_id", &["user_id"][..]),
            ("user_id", &["key", "user_id"]),
            ("username", &["username"]),
            ("username", &["user", "username"]),
            ("key_id", &["key_id"]),
            ("workspace_id", &["workspace_record", "id"]),
        ] {
            if let Some(v) = str_at(body, path) {
                target.entry(key).or_insert_with(|| clip(v).into());
            }
        }
        r.insert("target".into(), target.into());
        Draft { fields: r }
    }

    /// The whole record of request `request_id` from `remote`, which
    /// arrived at `started`, once it has ended with `outcome` (and `reply`,
    /// when it succeeded), in state `st`.
    pub(crate) fn finish(
        self,
        st: &State,
        (request_id, remote, started): (&str, Option<SocketAddr>, Instant),
        outcome: &str,
        reply: Option<&Reply>,
    ) -> Value {
        let mut fields = self.fields;
        let issued = reply.map_or(Value::Null, |r| issued(st, r, &mut fields));
        let mut record = Map::new();
        record.insert(
            "time".into(),
            time::rfc3339_millis(time::now_millis()).into(),
        );
        record.insert("request_id".into(), request_id.into());
        record.insert("remote".into(), remote.map(|a| a.to_string()).into());
        record.extend(fields);
        record.insert("issued".into(), issued);
        record.insert("outcome".into(), outcome.into());
        let ms = started.elapsed().as_micros() as f64 / 1000.0;
        record.insert("duration_ms".into(), json!(ms));
        Value::Object(record)
    }
}

/// The credential a successful reply issued, if any (a JWT's `kid` and
/// issue time; an API key's id and prefix), never the secret itself; the
/// ids it names are added to the record's `target`.
fn issued(st: &State, reply: &Reply, fields: &mut Map<String, Value>) -> Value {
    let mut named: Vec<(&str, Value)> = Vec::new();
    for (key, path) in [
        ("user_id", &["user", "id"][..]),
        ("user_id", &["bootstrap_admin_user_id"]),
        ("key_id", &["api_key", "id"]),
        ("workspace_id", &["workspace", "id"]),
    ] {
        if let Some(v) = str_at(reply, path) {
            named.push((key, clip(v).into()));
        }
    }
    let issued = if let Some(jwt) = str_at(reply, &["jwt"]) {
        // The gateway's own JWT: its claims are read, the token is not kept.
        match crate::jwt::decode_jwt(jwt) {
            Some(parts) => {
                if let Some(sub) = parts.claim_str("sub") {
                    named.push(("user_id", clip(sub).into()));
                }
                json!({
                    "kind": "jwt",
                    "kid": parts.header_str("kid"),
                    "issued": parts.claim_i64("iat").map(|s| time::rfc3339_millis(s.saturating_mul(1000))),
                })
            }
            None => json!({"kind": "jwt"}),
        }
    } else if let Some(k) = reply.get("api_key").and_then(Value::as_object) {
        json!({"kind": "api-key", "key_id": k.get("id"), "prefix": k.get("prefix")})
    } else if let Some(plain) = str_at(reply, &["bootstrap_admin_api_key"]) {
        // Found by its hash, as the gateway stores it.
        let hash = crate::crypto::hash_api_key(plain);
        match st.api_key_by_hash(&hash) {
            Some(k) => json!({"kind": "api-key", "key_id": k.id, "prefix": k.prefix}),
            None => json!({"kind": "api-key"}),
        }
    } else {
        Value::Null
    };
    if let Some(Value::Object(target)) = fields.get_mut("target") {
        for (k, v) in named {
            target.entry(k).or_insert(v);
        }
    }
    issued
}
