//! The IAM operations as typed calls: one method of [`Api`] per
//! [`Operation`], over the gateway [`Client`].
//!
//! Each method writes its request with the protocol crate
//! ([`request::body`]: byte for byte as upstream's tools write it, key
//! order included), sends it with the operation's retry rule (a read is
//! sent once more after a connection error, a write never: [`retry`]),
//! and reads the reply into the protocol's types. What comes back is an
//! [`Answer`]: the typed value, and the reply as it came, whose shape
//! tells a TrustGraph 2.11 gateway's silent refusal from a success.
//!
//! A record comes as a [`Record`]: typed, and the JSON object the gateway
//! sent, kept as its text ([`Json`]), which `-o json` prints as it came.
//! Records are read leniently where upstream is (unknown fields ignored,
//! missing ones empty); a record whose fields have the wrong types is an
//! unexpected response (exit 6). Every list reply is read by one
//! function, [`records`], record by record from the reply's text: a list
//! of a hundred thousand users is the typed records and the text, never a
//! tree of `Value`s.
//!
//! No operation name is spelled outside the protocol crate: the tools and
//! tg-apply call [`Api`], and [`converge`] (finding what exists, creating
//! what does not, and saying how it differs), [`rules`] (what is checked
//! before anything is sent) and [`credentials`] (keys' ages, expiries and
//! the report's findings) are the pieces they share.

pub mod converge;
pub mod credentials;
pub mod rules;

use crate::client::{server_text, Client, ListReply, Reply, Retry, DEFAULT_MAX_LIST_BYTES};
use crate::error::{Error, Kind, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;
use tg_iam_protocol::request::{self, Empty};
use tg_iam_protocol::{paths, reply};

pub use tg_iam_protocol::request::{
    AuthChangePassword, ChangePassword, CreateApiKey, CreateUser, ListUsers, Login, MintToken,
    NewApiKey, NewUser, NewWorkspace, RevokeApiKey, UpdateUser, UserChanges, UserTarget,
    WorkspaceChanges, WorkspaceId, WorkspaceRecord,
};
pub use tg_iam_protocol::{ApiKey, Bootstrapped, Flag, Operation, Token, User, Workspace};

/// The IAM operations of one gateway connection.
#[derive(Clone, Copy)]
pub struct Api<'c> {
    client: &'c Client,
}

/// What came back for one request: the typed `value`, and the reply as it
/// came (the fields beside the answer, and whether it is the bare
/// `{"bootstrap_available": ...}` a 2.11 gateway answers refusals with).
#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub value: T,
    pub reply: Reply,
}

impl<T> Answer<T> {
    /// `reply`, and its value as `read` reads it.
    fn read(reply: Reply, read: impl FnOnce(&Reply) -> Result<T>) -> Result<Answer<T>> {
        Ok(Answer {
            value: read(&reply)?,
            reply,
        })
    }

    /// True for the bare reply with which a TrustGraph 2.11 gateway
    /// answers both void successes and refusals.
    pub fn is_bare_2_11(&self) -> bool {
        self.reply.is_bare_2_11()
    }

    /// The error for a reply without `what`: a refusal of kind `refusal`
    /// explained by `hint` when the reply is bare, else an unexpected
    /// response.
    pub fn missing(&self, what: &str, refusal: Kind, hint: &str) -> Error {
        self.reply.missing(what, refusal, hint)
    }
}

impl<T> Answer<Option<T>> {
    /// The answer, or (when the reply has none) [`Answer::missing`].
    pub fn require(self, what: &str, refusal: Kind, hint: &str) -> Result<T> {
        match self.value {
            Some(v) => Ok(v),
            None => Err(self.reply.missing(what, refusal, hint)),
        }
    }
}

impl<T> Deref for Answer<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A record as the gateway sent it: typed, and its JSON object (what
/// `-o json` prints: the server's record, unknown fields included).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<T> {
    pub value: T,
    pub json: Json,
}

/// A JSON value as the gateway wrote it: a span of the reply's text,
/// which every record of a list shares (so a list costs its text once,
/// not a tree per record).
#[derive(Clone)]
pub struct Json {
    text: Arc<String>,
    span: Range<usize>,
}

impl Json {
    /// `text` (valid JSON) whole.
    pub fn new(text: String) -> Json {
        let span = 0..text.len();
        Json {
            text: Arc::new(text),
            span,
        }
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        &self.text[self.span.clone()]
    }

    /// The value the text stands for.
    pub fn value(&self) -> Value {
        // Valid JSON by construction: it was read from this text.
        serde_json::from_str(self.text()).unwrap_or_default()
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        self.text() == other.text()
    }
}

impl<T> Deref for Record<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// The record types, as messages name them.
pub trait Named: DeserializeOwned + Send {
    /// `a user record`.
    const WHAT: &'static str;
}

impl Named for User {
    const WHAT: &'static str = "a user record";
}

impl Named for ApiKey {
    const WHAT: &'static str = "an API key record";
}

impl Named for Workspace {
    const WHAT: &'static str = "a workspace record";
}

/// The retry rule of `op`: a read is sent once more after a connection
/// error; anything that changes state never is (its first attempt may
/// have been carried out).
pub fn retry(op: Operation) -> Retry {
    use Operation::*;
    match op {
        Whoami | ListUsers | GetUser | ListApiKeys | ListMyWorkspaces | ListWorkspaces
        | GetWorkspace | BootstrapStatus => Retry::OnceOnConnectError,
        _ => Retry::Never,
    }
}

/// Read `v` (at `at`, for the message) as a `T`; the wrong types are an
/// unexpected response, said with the path of the field that has them.
fn typed<T: DeserializeOwned>(v: &Value, at: &str, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(v)
        .map_err(|e| not_a(at, what, &e.path().to_string(), &e.inner().to_string()))
}

/// `` `at` is not `what` (`path`: why) ``, an unexpected response.
fn not_a(at: &str, what: &str, path: &str, why: &str) -> Error {
    let field = if path == "." {
        String::new()
    } else {
        format!("`{path}`: ")
    };
    Error::protocol(format!(
        "unexpected response from the gateway: `{at}` is not {what} ({field}{})",
        server_text(why.as_bytes())
    ))
}

/// Why the record text `raw` at `at` cannot be read as a `T`, when it
/// cannot be read as a tree either (a lone surrogate: JSON, but no string
/// Rust holds): as [`typed`] words it, without serde_json's position (in
/// the record, not the reply).
fn untyped<T: Named>(raw: &str, at: &str) -> Error {
    let de = &mut serde_json::Deserializer::from_str(raw);
    let Err(e) = serde_path_to_error::deserialize::<_, T>(de) else {
        return not_a(at, T::WHAT, ".", "not JSON");
    };
    let inner = e.inner();
    let why = inner.to_string();
    let pos = format!(" at line {} column {}", inner.line(), inner.column());
    let why = why.strip_suffix(&pos).unwrap_or(&why);
    not_a(at, T::WHAT, &e.path().to_string(), why)
}

/// The record at `key`, if the reply holds one.
pub fn record<T: Named>(reply: &Reply, key: &str) -> Result<Option<Record<T>>> {
    match reply.record(key)? {
        None => Ok(None),
        Some(v) => Ok(Some(Record {
            value: typed(v, key, T::WHAT)?,
            json: Json::new(v.to_string()),
        })),
    }
}

/// The records listed at `key` of a reply already read whole (the
/// socket's): [`records`], with the default list cap.
pub fn list<T: Named>(reply: &Reply, key: &str) -> Result<Vec<Record<T>>> {
    records(&ListReply::from_reply(
        reply,
        key,
        max_records::<T>(DEFAULT_MAX_LIST_BYTES),
    )?)
}

/// The most records of type `T` a list within `cap` bytes may hold: as
/// many as `cap` bytes hold in typed form (a real record's text is larger
/// than its typed form, so a reply within the cap never holds more; more
/// is junk that would take more memory than the cap).
pub fn max_records<T>(cap: usize) -> usize {
    cap / std::mem::size_of::<Record<T>>().max(1)
}

/// The records of a list reply: absent means none (the gateway leaves
/// empty lists out). Each is read from its text straight into its typed
/// form, and keeps that text. The one reader of every list reply.
pub fn records<T: Named>(reply: &ListReply) -> Result<Vec<Record<T>>> {
    let key = reply.key();
    let text = reply.text();
    let spans = reply.spans()?;
    let read = |slots: &mut [Option<Record<T>>], first: usize, spans: &[Range<usize>]| {
        for ((i, span), slot) in (first..).zip(spans).zip(slots) {
            let raw = &text[span.clone()];
            let value = match T::deserialize(&mut serde_json::Deserializer::from_str(raw)) {
                Ok(v) => v,
                // The reader of every other record decides (a key given
                // twice: the last one, as a tree has it) and words the
                // error.
                Err(_) => match serde_json::from_str::<Value>(raw) {
                    Ok(v) => typed(&v, &format!("{key}[{i}]"), T::WHAT)?,
                    Err(_) => return Err(untyped::<T>(raw, &format!("{key}[{i}]"))),
                },
            };
            *slot = Some(Record {
                value,
                json: Json {
                    text: text.clone(),
                    span: span.clone(),
                },
            });
        }
        Ok::<_, Error>(())
    };
    // Each record is read into its place in one list, so that nothing is
    // copied or held twice. A long list is read by two threads, each half
    // of it; the error is the first record's in list order either way.
    let mut slots: Vec<Option<Record<T>>> = Vec::new();
    slots.resize_with(spans.len(), || None);
    let two = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    if !two || spans.len() < PARALLEL_RECORDS {
        read(&mut slots, 0, spans)?;
    } else {
        let mid = spans.len() / 2;
        let (front, back) = slots.split_at_mut(mid);
        let (front_spans, back_spans) = spans.split_at(mid);
        std::thread::scope(|s| {
            let later = s.spawn(|| read(back, mid, back_spans));
            let first = read(front, 0, front_spans);
            let later = later
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            first.and(later)
        })?;
    }
    // Every slot is filled now. `Option<Record>` is a `Record` in size
    // (its pointers cannot be null), so this collects in place, in the
    // list's own memory. Not `flatten()`, which clippy would rather see:
    // that one is not collected in place, and takes a second list (at
    // 100,000 users, 114 MiB at the peak instead of 94).
    #[allow(clippy::filter_map_identity)]
    let records = slots.into_iter().filter_map(|r| r).collect();
    Ok(records)
}

/// From this many records on, a list is read by two threads.
const PARALLEL_RECORDS: usize = 4096;

/// The reply's own fields as a `T` (a [`reply`] shape); a `null` field
/// reads as absent.
fn fields<T: DeserializeOwned>(reply: &Reply, what: &str) -> Result<T> {
    let set: Map<String, Value> = reply
        .0
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    typed(&Value::Object(set), "reply", what)
}

/// A token reply's JWT, or `None` when it has none.
fn token(reply: &Reply, what: &str) -> Result<Option<Token>> {
    let t: Token = fields(reply, what)?;
    Ok((!t.jwt.is_empty()).then_some(t))
}

/// A non-empty string: `None` for the empty one a reply without it reads as.
fn set(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// `create-api-key`'s answer: the plaintext (shown once) and the key's
/// record (empty when the reply has none).
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub plaintext: String,
    pub key: ApiKey,
}

impl<'c> Api<'c> {
    pub fn new(client: &'c Client) -> Api<'c> {
        Api { client }
    }

    /// The connection underneath.
    pub fn client(&self) -> &'c Client {
        self.client
    }

    /// Send `op` with `req` to `/api/v1/iam`.
    async fn call<R: Serialize>(&self, op: Operation, req: &R) -> Result<Reply> {
        self.client.iam(request::body(op, req), retry(op)).await
    }

    /// `op`, answered by a record at `key`.
    async fn one<R: Serialize, T: Named>(
        &self,
        op: Operation,
        req: &R,
        key: &str,
    ) -> Result<Answer<Option<Record<T>>>> {
        Answer::read(self.call(op, req).await?, |r| record(r, key))
    }

    /// `op`, answered by a list of records at `key`, read record by
    /// record ([`records`]).
    async fn many<R: Serialize, T: Named>(
        &self,
        op: Operation,
        req: &R,
        key: &str,
    ) -> Result<Answer<Vec<Record<T>>>> {
        let max = max_records::<T>(self.client.list_cap().bytes);
        let list = self
            .client
            .iam_list(request::body(op, req), retry(op), key, max)
            .await?;
        Ok(Answer {
            value: records(&list)?,
            reply: list.reply,
        })
    }

    /// `op`, answered by nothing (a void reply).
    async fn void<R: Serialize>(&self, op: Operation, req: &R) -> Result<Answer<()>> {
        Answer::read(self.call(op, req).await?, |_| Ok(()))
    }

    /// POST `req`'s fields (no `operation`) to one of the
    /// `/api/v1/auth/*` routes; `auth` sends the token.
    async fn auth_route<R: Serialize>(
        &self,
        path: &str,
        req: &R,
        auth: bool,
        retry: Retry,
    ) -> Result<Reply> {
        self.client
            .post(path, &request::fields(req), auth, retry)
            .await
    }

    // Sessions.

    /// `login` (`POST /api/v1/auth/login`, no credential): the JWT, or
    /// `None` when the reply has none.
    pub async fn login(&self, req: &Login) -> Result<Answer<Option<Token>>> {
        let reply = self
            .auth_route(paths::LOGIN, req, false, Retry::Never)
            .await?;
        Answer::read(reply, |r| token(r, "a login reply"))
    }

    /// `bootstrap` (`POST /api/v1/auth/bootstrap`, no credential, body
    /// `{}`): the first admin and its API key, or `None`.
    pub async fn bootstrap(&self) -> Result<Answer<Option<Bootstrapped>>> {
        let reply = self
            .auth_route(paths::BOOTSTRAP, &Empty {}, false, Retry::Never)
            .await?;
        Answer::read(reply, |r| {
            let b: Bootstrapped = fields(r, "a bootstrap reply")?;
            Ok((!b.bootstrap_admin_api_key.is_empty()).then_some(b))
        })
    }

    /// `bootstrap-status` (`POST /api/v1/auth/bootstrap-status`): whether
    /// `bootstrap` would succeed now.
    pub async fn bootstrap_status(&self) -> Result<Answer<bool>> {
        let op = Operation::BootstrapStatus;
        let reply = self
            .auth_route(paths::BOOTSTRAP_STATUS, &Empty {}, false, retry(op))
            .await?;
        Answer::read(reply, |r| {
            let s: reply::BootstrapStatus = fields(r, "a bootstrap-status reply")?;
            Ok(s.bootstrap_available)
        })
    }

    /// `mint-token`: the JWT, or `None`.
    pub async fn mint_token(&self, req: &MintToken) -> Result<Answer<Option<Token>>> {
        let reply = self.call(Operation::MintToken, req).await?;
        Answer::read(reply, |r| token(r, "a mint-token reply"))
    }

    // Users.

    /// `whoami`: the caller's own record.
    pub async fn whoami(&self) -> Result<Answer<Option<Record<User>>>> {
        self.one(Operation::Whoami, &Empty {}, "user").await
    }

    /// The caller's own password, through `POST
    /// /api/v1/auth/change-password` (what tg-change-password sends).
    pub async fn change_own_password(&self, req: &AuthChangePassword) -> Result<Answer<()>> {
        let reply = self
            .auth_route(paths::CHANGE_PASSWORD, req, true, Retry::Never)
            .await?;
        Answer::read(reply, |_| Ok(()))
    }

    /// `change-password` through `/api/v1/iam`.
    pub async fn change_password(&self, req: &ChangePassword) -> Result<Answer<()>> {
        self.void(Operation::ChangePassword, req).await
    }

    /// `create-user`: the new user's record, or `None` (a record without
    /// an id counts as none).
    pub async fn create_user(&self, req: &CreateUser) -> Result<Answer<Option<Record<User>>>> {
        let mut a = self.one(Operation::CreateUser, req, "user").await?;
        a.value = a.value.filter(|u: &Record<User>| !u.id.is_empty());
        Ok(a)
    }

    /// `list-users`: every user, or those whose home is `workspace`.
    pub async fn list_users(&self, req: &ListUsers) -> Result<Answer<Vec<Record<User>>>> {
        self.many(Operation::ListUsers, req, "users").await
    }

    /// `get-user`.
    pub async fn get_user(&self, req: &UserTarget) -> Result<Answer<Option<Record<User>>>> {
        self.one(Operation::GetUser, req, "user").await
    }

    /// `update-user`: the record as it is now.
    pub async fn update_user(&self, req: &UpdateUser) -> Result<Answer<Option<Record<User>>>> {
        self.one(Operation::UpdateUser, req, "user").await
    }

    /// `disable-user`.
    pub async fn disable_user(&self, req: &UserTarget) -> Result<Answer<()>> {
        self.void(Operation::DisableUser, req).await
    }

    /// `enable-user`.
    pub async fn enable_user(&self, req: &UserTarget) -> Result<Answer<()>> {
        self.void(Operation::EnableUser, req).await
    }

    /// `delete-user`.
    pub async fn delete_user(&self, req: &UserTarget) -> Result<Answer<()>> {
        self.void(Operation::DeleteUser, req).await
    }

    /// `reset-password`: the one-time temporary password, or `None`.
    pub async fn reset_password(&self, req: &UserTarget) -> Result<Answer<Option<String>>> {
        let reply = self.call(Operation::ResetPassword, req).await?;
        Answer::read(reply, |r| {
            let t: reply::TemporaryPassword = fields(r, "a reset-password reply")?;
            Ok(set(t.temporary_password))
        })
    }

    // API keys.

    /// `create-api-key`: the plaintext and the key's record, or `None`
    /// when the reply has no plaintext.
    pub async fn create_api_key(&self, req: &CreateApiKey) -> Result<Answer<Option<CreatedKey>>> {
        let reply = self.call(Operation::CreateApiKey, req).await?;
        Answer::read(reply, |r| {
            let plaintext =
                fields::<reply::CreatedApiKey>(r, "a create-api-key reply")?.api_key_plaintext;
            crate::redact::register(&plaintext);
            let key = record::<ApiKey>(r, "api_key")?.map(|k| k.value);
            Ok(set(plaintext).map(|plaintext| CreatedKey {
                plaintext,
                key: key.unwrap_or_default(),
            }))
        })
    }

    /// `list-api-keys`: a user's keys.
    pub async fn list_api_keys(&self, req: &UserTarget) -> Result<Answer<Vec<Record<ApiKey>>>> {
        self.many(Operation::ListApiKeys, req, "api_keys").await
    }

    /// `revoke-api-key`.
    pub async fn revoke_api_key(&self, req: &RevokeApiKey) -> Result<Answer<()>> {
        self.void(Operation::RevokeApiKey, req).await
    }

    // Workspaces.

    /// `list-my-workspaces`: the caller's workspaces.
    pub async fn list_my_workspaces(&self) -> Result<Answer<Vec<Record<Workspace>>>> {
        self.many(Operation::ListMyWorkspaces, &Empty {}, "workspaces")
            .await
    }

    /// `list-workspaces`: every workspace.
    pub async fn list_workspaces(&self) -> Result<Answer<Vec<Record<Workspace>>>> {
        self.many(Operation::ListWorkspaces, &Empty {}, "workspaces")
            .await
    }

    /// `create-workspace`: the workspace's record (an existing one's,
    /// unchanged).
    pub async fn create_workspace(
        &self,
        req: &NewWorkspace,
    ) -> Result<Answer<Option<Record<Workspace>>>> {
        self.one(
            Operation::CreateWorkspace,
            &workspace_record(req),
            "workspace",
        )
        .await
    }

    /// `get-workspace`.
    pub async fn get_workspace(&self, id: &str) -> Result<Answer<Option<Record<Workspace>>>> {
        let req = workspace_record(WorkspaceId { id: id.into() });
        self.one(Operation::GetWorkspace, &req, "workspace").await
    }

    /// `update-workspace`: the record as it is now.
    pub async fn update_workspace(
        &self,
        req: &WorkspaceChanges,
    ) -> Result<Answer<Option<Record<Workspace>>>> {
        self.one(
            Operation::UpdateWorkspace,
            &workspace_record(req),
            "workspace",
        )
        .await
    }

    /// `disable-workspace`.
    pub async fn disable_workspace(&self, id: &str) -> Result<Answer<()>> {
        let req = workspace_record(WorkspaceId { id: id.into() });
        self.void(Operation::DisableWorkspace, &req).await
    }

    // Signing keys.

    /// `rotate-signing-key`.
    pub async fn rotate_signing_key(&self) -> Result<Answer<()>> {
        self.void(Operation::RotateSigningKey, &Empty {}).await
    }
}

/// The request naming user `user_id`, checked against workspace `ws`
/// when given.
pub fn user(user_id: &str, ws: Option<&str>) -> UserTarget {
    UserTarget {
        user_id: user_id.into(),
        workspace: ws.map(Into::into),
    }
}

/// `{"workspace_record": r}`, the body of every workspace operation.
fn workspace_record<R>(r: R) -> WorkspaceRecord<R> {
    WorkspaceRecord {
        workspace_record: r,
    }
}
