//! The audit log (`--audit-log FILE`, or `-` for stderr): one JSON object
//! per line for every IAM request, public ones included. The record is
//! made in one place, [`crate::dispatch`], from what the request named,
//! who made it and how it ended; the format is documented in
//! `docs/dev-gateway-audit.md`.
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

use crate::state::refuse_if_open_to_others;
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where the audit log goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditTarget {
    Stderr,
    File(PathBuf),
}

impl AuditTarget {
    /// `-` is stderr; anything else a file.
    pub fn parse(s: &str) -> AuditTarget {
        match s {
            "-" => AuditTarget::Stderr,
            p => AuditTarget::File(PathBuf::from(p)),
        }
    }
}

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
