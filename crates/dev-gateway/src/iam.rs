//! iam-svc: the IAM operations, credential checks and the OSS role regime.

use crate::crypto::{self, Signer25519};
use crate::state::{self, State, Store};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::Mutex;

/// How the admin comes to exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootstrapMode {
    /// `bootstrap` succeeds once, while there are no users.
    Bootstrap,
    /// The admin's API key is the operator's token, seeded at start.
    Token,
}

/// Which gateway to behave like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compat {
    /// The design: IAM errors carried in replies.
    Design,
    /// TrustGraph 2.11: refusals as HTTP 200 with no error, and
    /// `bootstrap_available` in every reply.
    V2_11,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bootstrap_mode: BootstrapMode,
    pub bootstrap_token: Option<String>,
    pub compat: Compat,
    /// PBKDF2 iterations for new password hashes.
    pub iterations: u32,
    /// JWT lifetime, seconds.
    pub jwt_ttl: i64,
    /// How long a rotated-out signing key still validates JWTs, seconds.
    pub rotation_grace: i64,
    pub state_file: Option<PathBuf>,
}

impl Config {
    pub fn new(bootstrap_mode: BootstrapMode) -> Config {
        Config {
            bootstrap_mode,
            bootstrap_token: None,
            compat: Compat::Design,
            iterations: crypto::PBKDF2_ITERATIONS,
            jwt_ttl: 3600,
            rotation_grace: 3600,
            state_file: None,
        }
    }
}

/// An IAM-level error: `{"type": ..., "message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    pub kind: &'static str,
    pub message: String,
}

fn err(kind: &'static str, message: impl Into<String>) -> IamError {
    IamError {
        kind,
        message: message.into(),
    }
}

fn invalid(m: &str) -> IamError {
    err("invalid-argument", m)
}

pub type Reply = Map<String, Value>;
type IamResult = Result<Reply, IamError>;

/// Who a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub workspace: String,
}

/// What the gateway requires before forwarding an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Public,
    Authenticated,
    Capability(&'static str),
}

/// The gateway's operation registry. `None`: not reachable by clients
/// (including `resolve-api-key` and `get-signing-key-public`, which only
/// the gateway itself calls).
pub fn gate(op: &str) -> Option<Gate> {
    use Gate::*;
    Some(match op {
        "login" | "bootstrap" | "bootstrap-status" => Public,
        "whoami" | "list-my-workspaces" | "change-password" => Authenticated,
        "create-user" | "disable-user" | "enable-user" | "delete-user" | "reset-password" => {
            Capability("users:admin")
        }
        "list-users" | "get-user" => Capability("users:read"),
        "update-user" => Capability("users:write"),
        "create-api-key" | "list-api-keys" | "revoke-api-key" => Capability("keys:admin"),
        "create-workspace" | "list-workspaces" | "get-workspace" | "update-workspace"
        | "disable-workspace" => Capability("workspaces:admin"),
        "rotate-signing-key" => Capability("iam:admin"),
        _ => return None,
    })
}

/// Whether the operation's workspace parameter takes part in authorise
/// (user and key operations); workspace operations authorise with `{}`.
pub fn workspace_scoped(op: &str) -> bool {
    !op.contains("workspace") && op != "rotate-signing-key"
}

const READER: &[&str] = &[
    "agent",
    "llm",
    "embeddings",
    "config:read",
    "flows:read",
    "collections:read",
    "knowledge:read",
    "graph:read",
    "documents:read",
    "keys:self",
];
const WRITER_EXTRA: &[&str] = &[
    "graph:write",
    "documents:write",
    "collections:write",
    "knowledge:write",
];
const ADMIN_EXTRA: &[&str] = &[
    "config:write",
    "flows:write",
    "users:read",
    "users:write",
    "users:admin",
    "keys:admin",
    "workspaces:admin",
    "iam:admin",
    "metrics:read",
];

/// The OSS regime: does `role` grant `cap`, and is its scope every
/// workspace (`*`) or only the user's own?
fn role_grants(role: &str, cap: &str) -> Option<bool> {
    let (caps, all): (Vec<&[&str]>, bool) = match role {
        "reader" => (vec![READER], false),
        "writer" => (vec![READER, WRITER_EXTRA], false),
        "admin" => (vec![READER, WRITER_EXTRA, ADMIN_EXTRA], true),
        _ => return None,
    };
    caps.iter().any(|c| c.contains(&cap)).then_some(all)
}

fn s<'a>(v: &'a Map<String, Value>, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn obj<'a>(v: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    v.get(key).and_then(Value::as_object)
}

/// A request boolean with the decoder's default for an absent key, and
/// `None` (keep the stored value) for an explicit null.
fn flag(v: &Map<String, Value>, key: &str, absent: bool) -> Option<bool> {
    match v.get(key) {
        None => Some(absent),
        Some(Value::Null) => None,
        Some(x) => Some(x.as_bool().unwrap_or(absent)),
    }
}

fn roles_of(v: &Map<String, Value>) -> Vec<String> {
    let mut r: Vec<String> = match v.get("roles") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        // Python's list("admin"): one role per character.
        Some(Value::String(x)) => x.chars().map(String::from).collect(),
        _ => Vec::new(),
    };
    r.sort();
    r
}

pub fn user_json(u: &state::User) -> Value {
    json!({
        "id": u.id, "default_workspace": u.workspace, "username": u.username, "name": u.name,
        "email": u.email, "roles": u.roles, "enabled": u.enabled,
        "must_change_password": u.must_change_password, "created": u.created,
    })
}

fn workspace_json(w: &state::Workspace) -> Value {
    json!({"id": w.id, "name": w.name, "enabled": w.enabled, "created": w.created})
}

fn key_json(k: &state::ApiKey) -> Value {
    json!({
        "id": k.id, "user_id": k.user_id, "name": k.name, "prefix": k.prefix,
        "expires": k.expires, "created": k.created, "last_used": "",
    })
}

fn one(key: &str, v: Value) -> Reply {
    let mut m = Map::new();
    m.insert(key.into(), v);
    m
}

/// A list reply: the key is omitted when the list is empty.
fn list(key: &str, items: Vec<Value>) -> Reply {
    if items.is_empty() {
        Map::new()
    } else {
        one(key, Value::Array(items))
    }
}

fn now_iso() -> String {
    crypto::iso_millis(crypto::now_millis())
}

/// The IAM service and its state.
pub struct Gateway {
    pub cfg: Config,
    state: Mutex<State>,
    store: Option<Store>,
}

impl Gateway {
    /// Load the state file (if any), seed the admin in token mode, and make
    /// sure a signing key exists.
    pub fn open(cfg: Config) -> anyhow::Result<Gateway> {
        match (&cfg.bootstrap_mode, &cfg.bootstrap_token) {
            (BootstrapMode::Bootstrap, Some(_)) => {
                anyhow::bail!("--bootstrap-token is not allowed with --bootstrap-mode bootstrap")
            }
            (BootstrapMode::Token, None) => {
                anyhow::bail!(
                    "--bootstrap-mode token needs --bootstrap-token (or IAM_BOOTSTRAP_TOKEN)"
                )
            }
            (BootstrapMode::Token, Some(t)) if !t.starts_with("tg_") || t.len() < 8 => {
                anyhow::bail!(
                    "the bootstrap token must be an API key: 'tg_' followed by random characters"
                )
            }
            _ => {}
        }
        let store = cfg.state_file.clone().map(Store::new);
        let loaded = match &store {
            Some(s) => s.load()?,
            None => None,
        };
        let gw = Gateway {
            state: Mutex::new(loaded.unwrap_or_default()),
            store,
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
        gw.mutate(|st| {
            if st.signing_keys.is_empty() {
                st.signing_keys.push(new_signing_key());
            }
            if let (Some(token), Some(hash)) = (&seed_token, seed_hash) {
                seed(st, token, hash);
            }
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        Ok(gw)
    }

    /// A copy of the state (tests, diagnostics).
    pub fn snapshot(&self) -> State {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Apply `f` to a copy of the state, persist the copy, then publish it:
    /// a failed write leaves nothing half-done and acknowledges nothing.
    fn mutate<T>(&self, f: impl FnOnce(&mut State) -> Result<T, IamError>) -> Result<T, IamError> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = guard.clone();
        let out = f(&mut next)?;
        if next != *guard {
            if let Some(store) = &self.store {
                store.save(&next).map_err(|e| {
                    err(
                        "internal-error",
                        format!("cannot write state file {}: {e}", store.path().display()),
                    )
                })?;
            }
            *guard = next;
        }
        Ok(out)
    }

    pub fn workspace_enabled(&self, id: &str) -> bool {
        self.read(|st| st.workspace_enabled(id))
    }

    pub fn bootstrap_available(&self) -> bool {
        self.cfg.bootstrap_mode == BootstrapMode::Bootstrap && self.read(|st| st.users.is_empty())
    }

    /// Resolve a bearer token: `tg_` API key, or a three-part EdDSA JWT.
    pub fn authenticate(&self, token: &str) -> Option<Identity> {
        let token = token.trim();
        let now = crypto::now_secs();
        if token.starts_with("tg_") {
            let hash = crypto::hash_api_key(token);
            return self.read(|st| {
                let key = st.api_keys.iter().find(|k| k.hash == hash)?;
                if !key.expires.is_empty()
                    && crypto::parse_iso(&key.expires).is_some_and(|e| e < now)
                {
                    return None;
                }
                let user = st.user(&key.user_id).filter(|u| u.enabled)?;
                st.workspace_enabled(&user.workspace).then(|| Identity {
                    user_id: user.id.clone(),
                    workspace: user.workspace.clone(),
                })
            });
        }
        if token.matches('.').count() != 2 {
            return None;
        }
        let parts = crypto::decode_jwt(token)?;
        if parts.header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
            return None;
        }
        let kid = parts.header.get("kid").and_then(Value::as_str);
        let grace = self.cfg.rotation_grace;
        let key = self.read(|st| {
            let k = match kid {
                Some(kid) => st.signing_keys.iter().find(|k| k.kid == kid)?,
                None => st.signing_keys.last()?,
            };
            // A rotated-out key validates for `grace` seconds, then never.
            if k.retired.is_some_and(|r| now >= r + grace) {
                return None;
            }
            Some(k.secret.clone())
        })?;
        let secret: [u8; 32] = STANDARD.decode(key).ok()?.try_into().ok()?;
        let vk: VerifyingKey = Signer25519::from_secret(String::new(), &secret)
            .key
            .verifying_key();
        if !parts.verify(&vk) {
            return None;
        }
        let c = &parts.claims;
        let exp = c.get("exp").and_then(Value::as_i64)?;
        let sub = c
            .get("sub")
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())?;
        let ws = c
            .get("default_workspace")
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())?;
        (exp >= now).then(|| Identity {
            user_id: sub.into(),
            workspace: ws.into(),
        })
    }

    /// The OSS decision: the user (read fresh) exists and is enabled, and
    /// one of its roles grants `cap` in scope of `workspace` (empty: no
    /// workspace involved). Unknown roles grant nothing.
    pub fn authorise(&self, user_id: &str, cap: &str, workspace: &str) -> bool {
        self.read(|st| {
            let Some(u) = st.user(user_id).filter(|u| u.enabled) else {
                return false;
            };
            u.roles.iter().any(|r| match role_grants(r, cap) {
                Some(all) => all || workspace.is_empty() || workspace == u.workspace,
                None => false,
            })
        })
    }

    fn signer(&self) -> Result<Signer25519, IamError> {
        self.read(|st| {
            let k = st
                .signing_keys
                .iter()
                .rev()
                .find(|k| k.retired.is_none())
                .ok_or_else(|| err("internal-error", "no signing key"))?;
            let secret: [u8; 32] = STANDARD
                .decode(&k.secret)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| err("internal-error", "bad signing key"))?;
            Ok(Signer25519::from_secret(k.kid.clone(), &secret))
        })
    }

    /// Run one IAM operation (the body already carries the gateway's
    /// `actor`). Blocking: password hashing and state writes happen here.
    pub fn call(&self, op: &str, b: &Map<String, Value>) -> IamResult {
        match op {
            "login" => self.login(b),
            "bootstrap" => self.bootstrap(),
            "bootstrap-status" => Ok(one(
                "bootstrap_available",
                self.bootstrap_available().into(),
            )),
            "whoami" => {
                let actor = self.actor(b)?;
                self.read(|st| st.user(actor).map(|u| one("user", user_json(u))))
                    .ok_or_else(|| err("not-found", "user not found"))
            }
            "list-my-workspaces" => {
                let actor = self.actor(b)?;
                self.read(|st| {
                    let u = st
                        .user(actor)
                        .ok_or_else(|| err("not-found", "user not found"))?;
                    let items = if u.roles.iter().any(|r| r == "admin") {
                        st.workspaces.iter().map(workspace_json).collect()
                    } else {
                        st.workspace(&u.workspace)
                            .map(workspace_json)
                            .into_iter()
                            .collect()
                    };
                    Ok(list("workspaces", items))
                })
            }
            "change-password" => {
                self.change_password(s(b, "user_id"), s(b, "password"), s(b, "new_password"))
            }
            "reset-password" => {
                let id = required(b, "user_id", "user_id required")?;
                let tmp = crypto::token_urlsafe(12);
                let hash = crypto::hash_password(&tmp, self.cfg.iterations);
                self.mutate(|st| {
                    let u = target_user(st, id, s(b, "workspace"))?;
                    let u = st.user_mut(&u).expect("present");
                    u.password_hash = hash;
                    u.must_change_password = true;
                    Ok(one("temporary_password", tmp.into()))
                })
            }
            "create-user" => self.create_user(b),
            "list-users" => {
                let ws = s(b, "workspace");
                Ok(self.read(|st| {
                    list(
                        "users",
                        st.users
                            .iter()
                            .filter(|u| ws.is_empty() || u.workspace == ws)
                            .map(user_json)
                            .collect(),
                    )
                }))
            }
            "get-user" => {
                let id = required(b, "user_id", "user_id required")?;
                self.read(|st| {
                    let id = target_user(st, id, s(b, "workspace"))?;
                    Ok(one("user", user_json(st.user(&id).expect("present"))))
                })
            }
            "update-user" => self.update_user(b),
            "disable-user" | "enable-user" | "delete-user" => {
                let id = required(b, "user_id", "user_id required")?;
                self.mutate(|st| {
                    let id = target_user(st, id, s(b, "workspace"))?;
                    match op {
                        "enable-user" => st.user_mut(&id).expect("present").enabled = true,
                        "disable-user" => {
                            st.user_mut(&id).expect("present").enabled = false;
                            st.delete_keys_of(&id);
                        }
                        _ => {
                            st.delete_keys_of(&id);
                            st.users.retain(|u| u.id != id);
                        }
                    }
                    Ok(Map::new())
                })
            }
            "create-workspace" => {
                let rec = obj(b, "workspace_record").cloned().unwrap_or_default();
                let id = s(&rec, "id").to_string();
                if id.is_empty() {
                    return Err(invalid("workspace_record.id required for create-workspace"));
                }
                if id.starts_with('_') {
                    return Err(invalid("workspace ids beginning with '_' are reserved"));
                }
                self.mutate(|st| {
                    if let Some(w) = st.workspace(&id) {
                        return Ok(one("workspace", workspace_json(w)));
                    }
                    let name = s(&rec, "name");
                    let w = state::Workspace {
                        name: if name.is_empty() {
                            id.clone()
                        } else {
                            name.into()
                        },
                        enabled: flag(&rec, "enabled", true).unwrap_or(true),
                        created: now_iso(),
                        id,
                    };
                    st.workspaces.push(w.clone());
                    Ok(one("workspace", workspace_json(&w)))
                })
            }
            "list-workspaces" => Ok(self.read(|st| {
                list(
                    "workspaces",
                    st.workspaces.iter().map(workspace_json).collect(),
                )
            })),
            "get-workspace" | "update-workspace" | "disable-workspace" => {
                let rec = obj(b, "workspace_record").cloned().unwrap_or_default();
                let id = s(&rec, "id").to_string();
                if id.is_empty() {
                    return Err(invalid("workspace_record.id required"));
                }
                self.mutate(|st| {
                    let i = st
                        .workspaces
                        .iter()
                        .position(|w| w.id == id)
                        .ok_or_else(|| err("not-found", "workspace not found"))?;
                    match op {
                        "get-workspace" => {}
                        "update-workspace" => {
                            let w = &mut st.workspaces[i];
                            if !s(&rec, "name").is_empty() {
                                w.name = s(&rec, "name").into();
                            }
                            if let Some(e) = flag(&rec, "enabled", true) {
                                w.enabled = e;
                            }
                        }
                        _ => {
                            st.workspaces[i].enabled = false;
                            let members: Vec<String> = st
                                .users
                                .iter()
                                .filter(|u| u.workspace == id)
                                .map(|u| u.id.clone())
                                .collect();
                            for m in members {
                                st.user_mut(&m).expect("present").enabled = false;
                                st.delete_keys_of(&m);
                            }
                            return Ok(Map::new());
                        }
                    }
                    Ok(one("workspace", workspace_json(&st.workspaces[i])))
                })
            }
            "create-api-key" => self.create_api_key(b),
            "list-api-keys" => {
                let id = required(b, "user_id", "user_id required for list-api-keys")?;
                self.read(|st| {
                    let id = target_user(st, id, s(b, "workspace"))?;
                    Ok(list(
                        "api_keys",
                        st.api_keys
                            .iter()
                            .filter(|k| k.user_id == id)
                            .map(key_json)
                            .collect(),
                    ))
                })
            }
            "revoke-api-key" => {
                let id = required(b, "key_id", "key_id required")?;
                let ws = s(b, "workspace");
                self.mutate(|st| {
                    let key = st
                        .api_keys
                        .iter()
                        .find(|k| k.id == id)
                        .ok_or_else(|| err("not-found", "api key not found"))?;
                    let owner_ws = st
                        .user(&key.user_id)
                        .map(|u| u.workspace.as_str())
                        .unwrap_or("");
                    if !ws.is_empty() && owner_ws != ws {
                        return Err(err(
                            "operation-not-permitted",
                            "key belongs to a different workspace",
                        ));
                    }
                    st.api_keys.retain(|k| k.id != id);
                    Ok(Map::new())
                })
            }
            "rotate-signing-key" => self.mutate(|st| {
                let now = crypto::now_secs();
                for k in st.signing_keys.iter_mut().filter(|k| k.retired.is_none()) {
                    k.retired = Some(now);
                }
                st.signing_keys.push(new_signing_key());
                Ok(Map::new())
            }),
            other => Err(invalid(&format!(
                "unknown or not-yet-implemented operation: '{other}'"
            ))),
        }
    }

    fn actor<'a>(&self, b: &'a Map<String, Value>) -> Result<&'a str, IamError> {
        required(b, "actor", "actor required (gateway should populate this)")
    }

    fn login(&self, b: &Map<String, Value>) -> IamResult {
        let failed = |m: &str| err("auth-failed", m);
        let username = s(b, "username");
        if username.is_empty() {
            return Err(failed("username required"));
        }
        let password = s(b, "password");
        if password.is_empty() {
            return Err(failed("password required"));
        }
        let user = self
            .read(|st| st.user_by_name(username).cloned())
            .ok_or_else(|| failed("no such user"))?;
        if !user.enabled {
            return Err(failed("user disabled"));
        }
        if !crypto::verify_password(password, &user.password_hash) {
            return Err(failed("bad credentials"));
        }
        let ws = match s(b, "workspace") {
            "" => user.workspace.clone(),
            w => w.to_string(),
        };
        if !self.read(|st| st.workspace_enabled(&ws)) {
            return Err(failed("workspace disabled"));
        }
        let iat = crypto::now_secs();
        let exp = iat + self.cfg.jwt_ttl;
        let claims = json!({"default_workspace": ws, "exp": exp, "iat": iat, "iss": "trustgraph-iam", "sub": user.id});
        let jwt = self.signer()?.sign(&claims);
        let mut r = one("jwt", jwt.into());
        r.insert("jwt_expires".into(), crypto::iso_millis(exp * 1000).into());
        Ok(r)
    }

    fn bootstrap(&self) -> IamResult {
        let refused = || err("auth-failed", "auth failure");
        if self.cfg.bootstrap_mode != BootstrapMode::Bootstrap {
            return Err(refused());
        }
        let key = crypto::new_api_key();
        let hash = crypto::hash_password(&crypto::token_urlsafe(32), self.cfg.iterations);
        self.mutate(|st| {
            if !st.users.is_empty() {
                return Err(refused());
            }
            let id = seed(st, &key, hash);
            let mut r = one("bootstrap_admin_user_id", id.into());
            r.insert("bootstrap_admin_api_key".into(), key.clone().into());
            Ok(r)
        })
    }

    fn change_password(&self, id: &str, current: &str, new: &str) -> IamResult {
        if id.is_empty() {
            return Err(invalid("user_id required"));
        }
        if current.is_empty() {
            return Err(invalid("password (current) required"));
        }
        if new.is_empty() {
            return Err(invalid("new_password required"));
        }
        let failed = |m: &str| err("auth-failed", m);
        let user = self
            .read(|st| st.user(id).cloned())
            .ok_or_else(|| failed("no such user"))?;
        if !user.enabled {
            return Err(failed("user disabled"));
        }
        if !crypto::verify_password(current, &user.password_hash) {
            return Err(failed("bad credentials"));
        }
        let hash = crypto::hash_password(new, self.cfg.iterations);
        self.mutate(|st| {
            let u = st.user_mut(id).ok_or_else(|| failed("user disappeared"))?;
            u.password_hash = hash;
            u.must_change_password = false;
            Ok(Map::new())
        })
    }

    fn create_user(&self, b: &Map<String, Value>) -> IamResult {
        let ws = required(b, "workspace", "workspace required for create-user")?;
        let u = obj(b, "user").ok_or_else(|| invalid("user field required for create-user"))?;
        let username = required(u, "username", "user.username required")?;
        let password = required(u, "password", "user.password required")?;
        if !self.read(|st| st.workspace_enabled(ws)) {
            return Err(err("not-found", "workspace not found or disabled"));
        }
        if self.read(|st| st.user_by_name(username).is_some()) {
            return Err(err("duplicate", "username already exists"));
        }
        let hash = crypto::hash_password(password, self.cfg.iterations);
        self.mutate(|st| {
            if st.user_by_name(username).is_some() {
                return Err(err("duplicate", "username already exists"));
            }
            let name = s(u, "name");
            let user = state::User {
                id: crypto::uuid4(),
                workspace: ws.into(),
                username: username.into(),
                name: if name.is_empty() {
                    username.into()
                } else {
                    name.into()
                },
                email: s(u, "email").into(),
                roles: roles_of(u),
                enabled: flag(u, "enabled", true).unwrap_or(true),
                must_change_password: flag(u, "must_change_password", false).unwrap_or(false),
                created: now_iso(),
                password_hash: hash,
            };
            st.users.push(user.clone());
            Ok(one("user", user_json(&user)))
        })
    }

    fn update_user(&self, b: &Map<String, Value>) -> IamResult {
        let id = required(b, "user_id", "user_id required")?;
        let u = obj(b, "user").ok_or_else(|| invalid("user field required"))?;
        if !s(u, "password").is_empty() {
            return Err(invalid(
                "password cannot be changed via update-user; use change-password or reset-password",
            ));
        }
        self.mutate(|st| {
            let id = target_user(st, id, s(b, "workspace"))?;
            let rec = st.user_mut(&id).expect("present");
            if !s(u, "username").is_empty() && s(u, "username") != rec.username {
                return Err(invalid("username is immutable; create a new user instead"));
            }
            if !s(u, "name").is_empty() {
                rec.name = s(u, "name").into();
            }
            if !s(u, "email").is_empty() {
                rec.email = s(u, "email").into();
            }
            let roles = roles_of(u);
            if !roles.is_empty() {
                rec.roles = roles;
            }
            // The decoder's defaults: an absent flag is true / false.
            if let Some(e) = flag(u, "enabled", true) {
                rec.enabled = e;
            }
            if let Some(m) = flag(u, "must_change_password", false) {
                rec.must_change_password = m;
            }
            Ok(one("user", user_json(rec)))
        })
    }

    fn create_api_key(&self, b: &Map<String, Value>) -> IamResult {
        let k = obj(b, "key").cloned().unwrap_or_default();
        let user_id = required(&k, "user_id", "key.user_id required")?.to_string();
        let name = required(&k, "name", "key.name required")?.to_string();
        // Like iam-svc: an unparseable expiry is stored as "never".
        let expires = crypto::parse_iso(s(&k, "expires"))
            .map(|e| crypto::iso_millis(e * 1000))
            .unwrap_or_default();
        let plaintext = crypto::new_api_key();
        self.mutate(|st| {
            let user_id = target_user(st, &user_id, s(b, "workspace"))?;
            let key = state::ApiKey {
                id: crypto::uuid4(),
                user_id,
                name,
                prefix: plaintext[..7].to_string(),
                expires,
                created: now_iso(),
                hash: crypto::hash_api_key(&plaintext),
            };
            st.api_keys.push(key.clone());
            let mut r = one("api_key_plaintext", plaintext.clone().into());
            r.insert("api_key".into(), key_json(&key));
            Ok(r)
        })
    }
}

fn required<'a>(b: &'a Map<String, Value>, key: &str, message: &str) -> Result<&'a str, IamError> {
    match s(b, key) {
        "" => Err(invalid(message)),
        v => Ok(v),
    }
}

/// The user `id`, checked against the optional workspace integrity check.
fn target_user(st: &State, id: &str, ws: &str) -> Result<String, IamError> {
    let u = st
        .user(id)
        .ok_or_else(|| err("not-found", "user not found"))?;
    if !ws.is_empty() && u.workspace != ws {
        return Err(err(
            "operation-not-permitted",
            "user is in a different workspace",
        ));
    }
    Ok(u.id.clone())
}

fn new_signing_key() -> state::SigningKey {
    let s = Signer25519::generate();
    state::SigningKey {
        kid: s.kid,
        secret: STANDARD.encode(s.key.to_bytes()),
        created: crypto::now_secs(),
        retired: None,
    }
}

/// Create the `default` workspace (if missing), the admin user and its API
/// key `key`. Returns the admin's id.
fn seed(st: &mut State, key: &str, password_hash: String) -> String {
    let created = now_iso();
    if st.workspace("default").is_none() {
        st.workspaces.push(state::Workspace {
            id: "default".into(),
            name: "Default".into(),
            enabled: true,
            created: created.clone(),
        });
    }
    let id = crypto::uuid4();
    st.users.push(state::User {
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
    });
    st.api_keys.push(state::ApiKey {
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
