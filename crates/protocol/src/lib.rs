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
//! **The typed client API** *(to do)*: `tg_iam::iam` (`src/iam.rs`), over
//! `tg_iam::client::Client`:
//! ```text
//! pub struct Api<'c> { client: &'c Client }
//! impl Api<'_> {
//!     pub async fn whoami(&self) -> Result<Answer<User>>;
//!     pub async fn create_user(&self, req: &CreateUser) -> Result<Answer<User>>;
//!     pub async fn list_users(&self, req: &ListUsers) -> Result<Answer<Vec<User>>>;
//!     // ... one method per Operation
//! }
//! /// What came back: the typed value, and the reply as sent (for `-o
//! /// json`, which prints records as the gateway wrote them, and for
//! /// telling a bare 2.11 reply from an answer).
//! pub struct Answer<T> { pub value: T, pub reply: Reply }
//! ```
//! Each method writes `request::body(Operation::X, req)`, sends it with
//! the operation's retry rule (reads once more after a connection error,
//! writes never), checks the reply's shape (a record is an object, a list
//! holds at most `MAX_LIST_RECORDS` objects) and reads the typed reply; a
//! reply without the field asked for becomes the library's "missing"
//! error (a refusal on a bare 2.11 reply, else exit 6), whose hint the
//! tool may replace. No operation name is spelled outside this crate
//! (and the tests): `tools/` and `apply/` call `Api`, never `iam_body`.
//!
//! **converge** *(to do)*: `tools/converge.rs` (finding what exists and
//! diffing it against what was asked) moves to `src/iam/converge.rs`,
//! beside `Api`, which it calls. `apply/` then uses `iam` only and never
//! `tools`, and `tools` stops re-exporting `apply::Apply` (the registry
//! names it directly): the `tools ↔ apply` back-and-forth is gone.
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
//! **The three import circles** *(to do)*, broken by moving the shared
//! piece down a layer:
//! * gateway `authn ↔ authz ↔ ops ↔ gateway` (done): [`Access`] replaces
//!   the gate that `ops` took from `authz`; `Identity`, the request body
//!   and reply types move into `request.rs`, below everything that handles
//!   a request (`may_act_in` stays in `authz`, which no longer imports
//!   `authn`); seeding the first admin and making a signing key move from
//!   `ops` into the state layer, so `gateway.rs` no longer imports `ops`;
//!   only the dispatcher reads the operation table; the audit draft is
//!   given the state, not the `Gateway`.
//! * `client ↔ config` (`describe_duration`): the duration wording moves
//!   to the library's `time` module (this crate's [`time`] plus it), which
//!   both import.
//! * `output ↔ redact` (`is_unsafe_char`): the character class moves into
//!   `redact`, the lower of the two, which `output` already imports.
//!
//! **Local failures** *(to do)*: a new error kind, `Kind::Local`, exit
//! code 8 ("a local resource failed: a file could not be written, the
//! runtime could not start, the random source failed"), for what today
//! borrows exit 6 (runtime, random source) or exit 2 (a file that cannot
//! be written). The library's `Error` keeps the cause as
//! `source: Option<Arc<dyn std::error::Error + Send + Sync>>`, returned by
//! `std::error::Error::source`, instead of flattening it into the
//! message; the exit-code table (`--help`, the man pages) and `tg-iam(7)`
//! document code 8.

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
