//! The gateway's state, and its durable file: every change is written to
//! a temporary file, fsynced and renamed over the old one before it is
//! acknowledged, so a crash never loses an acknowledged change nor leaves a
//! torn file.

use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: String,
    pub workspace: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub enabled: bool,
    pub must_change_password: bool,
    pub created: String,
    pub password_hash: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub created: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub expires: String,
    pub created: String,
    /// SHA-256 hex of the plaintext; the plaintext is never stored.
    pub hash: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    /// The Ed25519 secret, base64.
    pub secret: String,
    pub created: i64,
    /// When it was rotated out (epoch seconds); JWTs signed with it stay
    /// valid for the grace period after this.
    pub retired: Option<i64>,
}

/// Everything the gateway knows. Lists keep insertion order.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct State {
    pub users: Vec<User>,
    pub workspaces: Vec<Workspace>,
    pub api_keys: Vec<ApiKey>,
    pub signing_keys: Vec<SigningKey>,
}

impl State {
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.id == id)
    }

    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.id == id)
    }

    pub fn workspace_enabled(&self, id: &str) -> bool {
        self.workspace(id).is_some_and(|w| w.enabled)
    }

    pub fn delete_keys_of(&mut self, user_id: &str) {
        self.api_keys.retain(|k| k.user_id != user_id);
    }
}

/// The state file.
pub struct Store {
    path: PathBuf,
}

impl Store {
    pub fn new(path: PathBuf) -> Store {
        Store { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read the state; a missing file is an empty state, an unreadable or
    /// corrupt one is an error (never silently started empty). A temporary
    /// file left by a crash mid-write was never acknowledged: it is removed.
    pub fn load(&self) -> anyhow::Result<Option<State>> {
        if let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) {
            let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
            let _ = fs::remove_file(tmp);
        }
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => anyhow::bail!("cannot read state file {}: {e}", self.path.display()),
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            anyhow::anyhow!(
                "state file {} is corrupt ({e}); refusing to start empty — restore it or move it away",
                self.path.display()
            )
        })
    }

    /// Write `state` durably: temp file, fsync, rename, fsync the directory.
    pub fn save(&self, state: &State) -> std::io::Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("state");
        let tmp = dir.join(format!(".{name}.tmp"));
        let data = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
        {
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            f.write_all(&data)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        File::open(&dir)?.sync_all()?;
        Ok(())
    }
}
