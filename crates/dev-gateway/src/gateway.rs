//! The gateway's core: its configuration and its state, read and changed
//! in transactions that are on disk before they are acknowledged, and the
//! shape of an operation run against it ([`Handler`]).
//! Authentication ([`crate::authn`]), authorisation ([`crate::authz`]) and
//! the operations ([`crate::ops`]) are written against it, and it knows
//! none of them: the operation table is the dispatcher's.

use crate::audit::AuditLog;
use crate::config::{BootstrapMode, Config};
use crate::crypto;
use crate::jwt::Signer25519;
use crate::request::{Body, IamResult};
use crate::state::{SigningKey, State, Tx};
use crate::store::Store;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::sync::Mutex;
use tg_iam_protocol::{Access, IamError, IamErrorType};

/// One operation as the gateway runs it: its name on the wire, what the
/// gateway requires before running it (the table in [`crate::ops`] takes
/// both from [`tg_iam_protocol::Operation`]), and the function that runs
/// it on a request body.
#[derive(Clone, Copy)]
pub struct Handler {
    pub name: &'static str,
    pub access: Access,
    pub(crate) run: fn(&Gateway, &Body) -> IamResult,
}

/// The IAM service and its state.
pub struct Gateway {
    pub cfg: Config,
    inner: Mutex<Inner>,
    /// Where every IAM request is recorded, if anywhere.
    pub(crate) audit: Option<AuditLog>,
    /// What a login for an unknown or disabled user is checked against.
    dummy_password_hash: String,
    /// Operations clients can reach besides [`crate::ops::OPERATIONS`]:
    /// none, but the crate's own tests add a failing one.
    pub(crate) extra_operations: &'static [Handler],
}

/// The state, and the file it is kept in (if any): one lock for both.
struct Inner {
    state: State,
    store: Option<Store>,
}

impl Gateway {
    /// Check the configuration, open the state file (if any: locked, and
    /// migrated if it is JSON, with a note on stderr), open the audit log
    /// (if any), delete the signing keys whose grace period is over, make
    /// sure a current signing key exists, and seed the admin in token mode.
    pub fn open(cfg: Config) -> anyhow::Result<Gateway> {
        cfg.validate()?;
        let (state, store) = match &cfg.state_file {
            Some(path) => {
                let opened = Store::open(path)?;
                if let Some(m) = &opened.migrated {
                    eprintln!("tg-dev-gateway: note: {m}");
                }
                (opened.state, Some(opened.store))
            }
            None => (State::default(), None),
        };
        let audit = cfg.audit_log.as_ref().map(AuditLog::open).transpose()?;
        let gw = Gateway {
            inner: Mutex::new(Inner { state, store }),
            audit,
            dummy_password_hash: crypto::dummy_password_hash(cfg.iterations),
            extra_operations: &[],
            cfg,
        };
        // One write at start: a signing key if there is none, and in token
        // mode the seeded admin if there are no users. The admin's
        // undisclosed password is only hashed when it is needed.
        let seed_token = match gw.cfg.bootstrap_mode {
            BootstrapMode::Token if gw.read(|st| st.users.is_empty()) => {
                gw.cfg.bootstrap_token.clone()
            }
            _ => None,
        };
        let seed_hash = seed_token
            .as_ref()
            .map(|_| crypto::hash_password(&crypto::token_urlsafe(32), gw.cfg.iterations));
        let grace = gw.cfg.rotation_grace;
        gw.mutate(|st| {
            st.delete_expired_signing_keys(grace, tg_iam_protocol::time::now());
            if st.signing_keys.iter().all(|k| k.retired.is_some()) {
                st.insert(SigningKey::generate());
            }
            if let (Some(token), Some(hash)) = (&seed_token, seed_hash) {
                st.seed_admin(token, hash);
            }
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        Ok(gw)
    }

    /// A copy of the state (tests, diagnostics).
    pub fn snapshot(&self) -> State {
        self.read(State::clone)
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.inner.lock().unwrap_or_else(|p| p.into_inner()).state)
    }

    /// Run `f` in a transaction on the state, then write the rows it
    /// changed to the state file in one commit, before returning: a
    /// failure in `f`, a failed write (or a panic in `f`) rolls the state
    /// back, leaves nothing half-done and acknowledges nothing.
    pub(crate) fn mutate<T>(
        &self,
        f: impl FnOnce(&mut Tx) -> Result<T, IamError>,
    ) -> Result<T, IamError> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Inner { state, store } = &mut *guard;
        let mut tx = Tx::new(state);
        let out = f(&mut tx)?;
        let changed = tx.changed();
        match store {
            Some(store) if !changed.is_empty() => store.write(&tx, &changed).map_err(|e| {
                IamError::new(
                    IamErrorType::InternalError,
                    format!("cannot write state file {}: {e}", store.path().display()),
                )
            })?,
            _ => {}
        }
        tx.keep();
        Ok(out)
    }

    pub(crate) fn dummy_password_hash(&self) -> &str {
        &self.dummy_password_hash
    }

    pub fn workspace_enabled(&self, id: &str) -> bool {
        self.read(|st| st.workspace_enabled(id))
    }

    pub fn bootstrap_available(&self) -> bool {
        self.cfg.bootstrap_mode == BootstrapMode::Bootstrap && self.read(|st| st.users.is_empty())
    }

    /// The current (not rotated-out) signing key.
    pub(crate) fn signer(&self) -> Result<Signer25519, IamError> {
        self.read(|st| {
            let k = st
                .signing_keys
                .iter()
                .rev()
                .find(|k| k.retired.is_none())
                .ok_or_else(|| IamError::new(IamErrorType::InternalError, "no signing key"))?;
            let secret: [u8; 32] = STANDARD
                .decode(&k.secret)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| IamError::new(IamErrorType::InternalError, "bad signing key"))?;
            Ok(Signer25519::from_secret(k.kid.clone(), &secret))
        })
    }
}
