//! The TrustGraph IAM protocol, as the tg-iam tools and tg-dev-gateway
//! both speak it: one home for what travels on the wire.
//!
//! | Module | Holds |
//! |---|---|
//! | [`operation`] | [`Operation`]: every operation, its wire name, who may call it ([`Access`]); the HTTP [`paths`] |
//! | [`request`] | one type per request body; [`body`] writes `{"operation": ...}` bodies byte for byte as upstream's tools do, [`decode`] reads any body as iam-svc does |
//! | [`record`] | [`User`], [`ApiKey`], [`Workspace`] |
//! | [`reply`] | each reply shape ([`UserReply`], [`UserList`], [`CreatedApiKey`], [`Token`], ...); [`reply::fields`] writes one as the gateway does |
//! | [`error`] | [`IamErrorType`] (with the upstream type strings), [`IamError`], [`EnvelopeErrorType`] |
//! | [`json`] | Python `json.dumps`, hand-written because it must match upstream byte for byte |
//! | [`time`] | the gateway's UTC timestamp formats and ISO-8601 expiry parsing |
//!
//! The protocol reference is `iam-wire-protocol.md` (its §16–§17 record a
//! real 2.11.1 gateway and win over earlier sections); the transcripts of
//! a real 2.11.1 gateway in `tests/fixtures/trustgraph-2.11.1` are the
//! referee: this crate's tests read every record in them.
//!
//! # Design: how the library and the gateway build on this crate
//!
//! Written before the migration; the items marked *(to do)* are not
//! carried out yet.
//!
//! **Adding an operation** takes three edits: a variant in [`Operation`]
//! (name and access; request and reply types here if it needs new ones),
//! a method on the library's `Api`, and a handler in the gateway's table.
//!
//! **The typed client API** (done): `tg_iam::iam` (`src/iam/mod.rs`),
//! over `tg_iam::client::Client`:
//! ```text
//! pub struct Api<'c> { client: &'c Client }
//! impl Api<'_> {
//!     pub async fn whoami(&self) -> Result<Answer<Option<Record<User>>>>;
//!     pub async fn create_user(&self, req: &CreateUser) -> Result<Answer<Option<Record<User>>>>;
//!     pub async fn list_users(&self, req: &ListUsers) -> Result<Answer<Vec<Record<User>>>>;
//!     // ... one method per Operation
//! }
//! /// What came back: the typed value, and the reply as sent (for telling
//! /// a bare 2.11 reply from an answer); `Answer::require` turns a missing
//! /// answer into the "missing" error, with the tool's words.
//! pub struct Answer<T> { pub value: T, pub reply: Reply }
//! /// A record: typed, and the JSON object the gateway wrote (`-o json`).
//! pub struct Record<T> { pub value: T, pub json: Value }
//! ```
//! Each method writes `request::body(Operation::X, req)`, sends it with
//! the operation's retry rule (`iam::retry`: reads once more after a
//! connection error, writes never), checks the reply's shape (a record is
//! an object, a list holds at most `MAX_LIST_RECORDS` objects) and reads
//! the typed reply (one reader for every list, `iam::list`); a record of
//! the wrong types is an unexpected response (exit 6). No operation name
//! is spelled outside this crate (and the tests): `tools/` and `apply/`
//! call `Api`.
//!
//! **converge** (done): `src/iam/converge.rs` (finding what exists,
//! creating what does not, diffing it against what was asked) and
//! `src/iam/rules.rs` (what is checked before sending), beside `Api`.
//! `apply/` uses `iam` and never `tools`, and `tools` no longer re-exports
//! `apply::Apply` (the registry names each tool by path).
//!
//! **The gateway** (done): its table (`tg_dev_gateway::ops::OPERATIONS`)
//! is `op!(Operation::CreateUser, users::create)`, name and gate read from
//! the [`Operation`] ([`Access`]); each handler takes the gateway, the
//! caller and its typed request ([`decode`] never fails, as iam-svc's
//! decoder never does) and returns a reply type of [`reply`] (written with
//! [`reply::fields`]) or an [`IamError`] whose kind is [`IamErrorType`];
//! records are [`User`], [`ApiKey`], [`Workspace`]. Its conformance tests
//! keep asserting literal JSON.
//!
//! **The import circles** (done), broken by moving the shared piece down a
//! layer:
//! * gateway `authn ↔ authz ↔ ops ↔ gateway` (done): [`Access`] replaces
//!   the gate that `ops` took from `authz`; `Identity`, the request body
//!   and reply types move into `request.rs`, below everything that handles
//!   a request (`may_act_in` stays in `authz`, which no longer imports
//!   `authn`); seeding the first admin and making a signing key move from
//!   `ops` into the state layer, so `gateway.rs` no longer imports `ops`;
//!   only the dispatcher reads the operation table; the audit draft is
//!   given the state, not the `Gateway`.
//! * `client ↔ config` (`describe_duration`): the duration wording moved
//!   to the library's `time` module (this crate's [`time`] plus it), which
//!   both import.
//! * `output ↔ redact` (`is_unsafe_char`): the character class moved into
//!   `redact`, the lower of the two, which `output` already imports.
//! * `docs ↔ multicall`: tg-iam's own command line moved to
//!   `multicall/cli.rs`; `apply/plan ↔ apply/after`: the state and the
//!   steps moved to `apply/state.rs`.
//!
//! **Local failures** (done): `Kind::Local`, exit code 9 (8 is
//! `tg-apply --check`'s), for a file that cannot be written, a runtime
//! that cannot start, a failing random source. The library's `Error`
//! keeps the cause as `source: Option<Arc<dyn std::error::Error + Send +
//! Sync>>`, returned by `std::error::Error::source` and shown after the
//! message; the exit-code table (`--help`, the man pages) and `tg-iam(7)`
//! document code 9.

/// Wire types: serde structs read leniently (an unknown field is ignored,
/// a missing one takes its default) and compared as data.
macro_rules! wire_types {
    ($($(#[$meta:meta])* pub struct $name:ident $(<$param:ident>)? { $($body:tt)* })*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        pub struct $name $(<$param>)? { $($body)* }
    )*};
}

pub mod error;
pub mod json;
pub mod operation;
pub mod record;
pub mod reply;
pub mod request;
pub mod time;

pub use error::{EnvelopeErrorType, IamError, IamErrorType};
pub use json::to_python_json;
pub use operation::{paths, Access, Operation, Scope};
pub use record::{ApiKey, User, Workspace};
pub use reply::{
    ApiKeyList, BootstrapStatus, Bootstrapped, CreatedApiKey, TemporaryPassword, Token, UserList,
    UserReply, Void, WorkspaceList, WorkspaceReply,
};
pub use request::{body, body_text, decode, Flag};
