//! The gateway's state, and its durable file: every change is written to
//! a temporary file, fsynced and renamed over the old one before it is
//! acknowledged, so a crash never loses an acknowledged change nor leaves a
//! torn file.
//!
//! The file holds the Ed25519 signing secrets and the password hashes, so
//! it is the owner's alone: the temporary file is created with mode 0600
//! before anything is written to it, and a state file that group or others
//! can read or write stops start-up.

use crate::crypto;
use crate::jwt::Signer25519;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tg_iam_protocol::{record, time};

/// The state file's mode.
pub const STATE_FILE_MODE: u32 = 0o600;

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
    /// Every JWT of this user issued in or before this second (epoch
    /// seconds) is refused: set when the user is disabled (directly, or
    /// with its workspace) and when its password is reset or changed, and
    /// kept when it is enabled again. See [`State::revoke_user_jwts`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub created: String,
    /// Every JWT acting in this workspace (its `default_workspace`) issued
    /// in or before this second is refused: set when the workspace is
    /// disabled, kept when it is enabled again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
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

impl User {
    /// The record as it travels on the wire (iam-svc's translator): never
    /// the password hash.
    pub fn record(&self) -> record::User {
        record::User {
            id: self.id.clone(),
            default_workspace: self.workspace.clone(),
            username: self.username.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            roles: self.roles.clone(),
            enabled: self.enabled,
            must_change_password: self.must_change_password,
            created: self.created.clone(),
        }
    }
}

impl Workspace {
    /// The record as it travels on the wire.
    pub fn record(&self) -> record::Workspace {
        record::Workspace {
            id: self.id.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
            created: self.created.clone(),
        }
    }
}

impl ApiKey {
    /// The record as it travels on the wire: never the hash, and
    /// `last_used` empty (iam-svc never writes it).
    pub fn record(&self) -> record::ApiKey {
        record::ApiKey {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            expires: self.expires.clone(),
            created: self.created.clone(),
            last_used: String::new(),
        }
    }
}

impl SigningKey {
    /// A new Ed25519 signing key, current from now.
    pub fn generate() -> SigningKey {
        let s = Signer25519::generate();
        SigningKey {
            kid: s.kid,
            secret: STANDARD.encode(s.key.to_bytes()),
            created: time::now(),
            retired: None,
        }
    }
}

/// A record timestamp for now: `2026-06-30T09:14:03.512000+00:00`.
pub fn now_iso() -> String {
    time::iso_millis(time::now_millis())
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

    /// End every JWT issued to `user_id` up to and including second `now`
    /// (JWT `iat` has whole seconds, so one issued earlier in this second
    /// cannot be told from one issued later: both end, and new JWTs are
    /// issued from the next second on).
    pub fn revoke_user_jwts(&mut self, user_id: &str, now: i64) {
        if let Some(u) = self.user_mut(user_id) {
            u.not_before = Some(u.not_before.map_or(now, |nb| nb.max(now)));
        }
    }

    /// End every JWT acting in workspace `id` issued up to second `now`.
    pub fn revoke_workspace_jwts(&mut self, id: &str, now: i64) {
        if let Some(w) = self.workspaces.iter_mut().find(|w| w.id == id) {
            w.not_before = Some(w.not_before.map_or(now, |nb| nb.max(now)));
        }
    }

    /// Seed the first admin: the `default` workspace (if missing), the
    /// admin user (with an undisclosed password, whose hash is given) and
    /// its API key `key`. Returns the admin's id. (`bootstrap`, and start-up
    /// in token mode.)
    pub fn seed_admin(&mut self, key: &str, password_hash: String) -> String {
        let created = now_iso();
        if self.workspace("default").is_none() {
            self.workspaces.push(Workspace {
                id: "default".into(),
                name: "Default".into(),
                enabled: true,
                created: created.clone(),
                not_before: None,
            });
        }
        let id = crypto::uuid4();
        self.users.push(User {
            id: id.clone(),
            workspace: "default".into(),
            username: "admin".into(),
            name: "Administrator".into(),
            email: String::new(),
            roles: vec!["admin".into()],
            enabled: true,
            must_change_password: true,
            created: created.clone(),
            password_hash,
            not_before: None,
        });
        self.api_keys.push(ApiKey {
            id: crypto::uuid4(),
            user_id: id.clone(),
            name: "bootstrap".into(),
            prefix: key.chars().take(7).collect(),
            expires: String::new(),
            created,
            hash: crypto::hash_api_key(key),
        });
        id
    }

    /// The last second in which JWTs of `user_id` acting in `workspace`
    /// were revoked, if ever: a JWT must be issued after it.
    pub fn jwts_revoked_through(&self, user_id: &str, workspace: &str) -> Option<i64> {
        let u = self.user(user_id).and_then(|u| u.not_before);
        let w = self.workspace(workspace).and_then(|w| w.not_before);
        u.max(w)
    }
}

/// A file that only its owner may open (the state file, the audit log):
/// an error naming `what`, `why` it must be private, and the fix, when
/// `mode` lets group or others in.
pub(crate) fn refuse_if_open_to_others(
    what: &str,
    path: &Path,
    mode: u32,
    why: &str,
) -> anyhow::Result<()> {
    if mode & 0o077 != 0 {
        let p = path.display();
        anyhow::bail!(
            "{what} {p} is open to group or others (mode {:o}); {why}: run chmod 600 {p}",
            mode & 0o777
        );
    }
    Ok(())
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
    /// corrupt one is an error (never silently started empty), and so is
    /// one that others may read. A temporary file left by a crash
    /// mid-write was never acknowledged: it is removed.
    pub fn load(&self) -> anyhow::Result<Option<State>> {
        self.remove_leftovers();
        let (bytes, mode) = match File::open(&self.path).and_then(|mut f| {
            let mode = f.metadata()?.permissions().mode();
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b)?;
            Ok((b, mode))
        }) {
            Ok(x) => x,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => anyhow::bail!("cannot read state file {}: {e}", self.path.display()),
        };
        let state = serde_json::from_slice(&bytes).map_err(|e| {
            anyhow::anyhow!(
                "state file {} is corrupt ({e}); refusing to start empty — restore it or move it away",
                self.path.display()
            )
        })?;
        refuse_if_open_to_others(
            "state file",
            &self.path,
            mode,
            "it holds the signing key and password hashes",
        )?;
        Ok(Some(state))
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The prefix of the temporary files beside the state file:
    /// `.NAME.tmp`.
    fn tmp_prefix(&self) -> String {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        format!(".{name}.tmp")
    }

    /// Remove the temporary files a crash mid-write left behind: they were
    /// never acknowledged.
    fn remove_leftovers(&self) {
        let prefix = self.tmp_prefix();
        let Ok(entries) = fs::read_dir(self.dir()) else {
            return;
        };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    /// Write `state` durably: a fresh temporary file created 0600
    /// (`tempfile`), fsync, persist (rename) over the state file, fsync
    /// the directory.
    pub fn save(&self, state: &State) -> std::io::Result<()> {
        let data = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
        // tempfile picks a free name, removes the file on any failure and
        // persists it; the file is opened here, 0600 from the start
        // (tempfile's own opening adds the temporary name to its errors).
        let tmp = tempfile::Builder::new()
            .prefix(&self.tmp_prefix())
            .make_in(self.dir(), |p| {
                OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(STATE_FILE_MODE)
                    .open(p)
            })?;
        let mut f = tmp.as_file();
        f.write_all(&data)?;
        f.sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        File::open(self.dir())?.sync_all()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_are_private_and_a_crashs_temporaries_are_swept() {
        let dir = std::env::temp_dir().join(format!("tg-gw-state-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let store = Store::new(dir.join("state.json"));
        store.save(&State::default()).unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, STATE_FILE_MODE);
        // What a SIGKILL between create and rename leaves behind.
        fs::write(dir.join(".state.json.tmpAbC123"), "half").unwrap();
        fs::write(dir.join("other.json"), "{}").unwrap();
        assert_eq!(store.load().unwrap(), Some(State::default()));
        let mut left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["other.json", "state.json"]);
        let _ = fs::remove_dir_all(&dir);
    }
}
