//! The tool registry: the one list of tools.
//!
//! Everything that enumerates the tools reads [`TOOLS`]: the multicall
//! binary's dispatch, `tg-iam --list` and `tg-iam install-links`, the man
//! page and shell completion generator and the README's tool table
//! (`tests/generated.rs`), and the test that checks the thin binaries
//! (`src/bin/NAME.rs` and the `[[bin]]` list in Cargo.toml) against it.
//!
//! Adding a tool: write its type (a [`crate::Tool`] in `src/tools/`), add
//! one line to the list below, then run
//! `UPDATE_GENERATED=1 cargo test --test generated`: it regenerates the man
//! page, the completions and the README table, and tells you the thin
//! binary's file and `[[bin]]` entry to add (both are fixed text).

use crate::tools;
use std::ffi::OsString;
use std::process::ExitCode;

/// Whether a tool replaces an upstream Python tool (same name, flags and
/// stdout) or is new in this suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A drop-in for the upstream trustgraph-cli 2.11.1 tool of that name.
    Upstream,
    /// Not in trustgraph-cli 2.11.1.
    New,
}

/// One tool.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The executable's name, e.g. `tg-login` (equal to the type's
    /// [`crate::Tool::NAME`]; checked at compile time).
    pub name: &'static str,
    /// The type in [`crate::tools`], e.g. `Login`: the thin binary
    /// `src/bin/NAME.rs` calls `tg_iam::tools::TYPE::main()`.
    pub type_name: &'static str,
    pub origin: Origin,
    /// One line: what the tool does (and what it prints, when that is the
    /// point). Shown by `tg-iam --help` and in the README's table.
    pub purpose: &'static str,
    /// [`crate::run_from`] for this tool.
    pub run: fn(Vec<OsString>) -> ExitCode,
    /// [`crate::command`] for this tool: its full clap command.
    pub command: fn() -> clap::Command,
}

/// `a == b`, usable in a const assertion.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

macro_rules! registry {
    ($($name:literal => $ty:ident, $origin:ident, $purpose:literal;)*) => {
        /// Every tool, in the order `--list`, `--help` and the README show them.
        pub static TOOLS: &[Entry] = &[$(Entry {
            name: $name,
            type_name: stringify!($ty),
            origin: Origin::$origin,
            purpose: $purpose,
            run: crate::run_from::<tools::$ty>,
            command: crate::command::<tools::$ty>,
        }),*];
        $(impl tools::$ty {
            /// `main` of this tool's thin binary, `src/bin/NAME.rs`:
            /// [`crate::run`] for this tool. Not generic, so it is compiled
            /// once, here, rather than again in each binary.
            pub fn main() -> ExitCode {
                crate::run::<tools::$ty>()
            }
        })*
        $(const _: () = assert!(
            same($name, <tools::$ty as crate::Tool>::NAME),
            concat!("registry: ", $name, " is not the Tool::NAME of ", stringify!($ty)),
        );)*
    };
}

// The list. One line per tool: name => type in crate::tools, Upstream or
// New, and a one-line purpose.
registry! {
    "tg-bootstrap-iam" => BootstrapIam, Upstream, "Bootstrap IAM on an empty deployment; prints the first admin's API key";
    "tg-login" => Login, Upstream, "Log in with a username and password; prints the JWT";
    "tg-mint-token" => MintToken, Upstream, "Mint a JWT with a user context (admin); prints the JWT";
    "tg-whoami" => Whoami, Upstream, "Show the caller's user record (id, username, workspace, roles, ...)";
    "tg-create-user" => CreateUser, Upstream, "Create a user; prints the new user's id";
    "tg-list-users" => ListUsers, Upstream, "List users (of one workspace with -w): a table, or \"No users.\"";
    "tg-show-user" => ShowUser, New, "Show one user's record (by --user-id or --username)";
    "tg-update-user" => UpdateUser, Upstream, "Change a user's name, email, roles, enabled or must-change-password";
    "tg-disable-user" => DisableUser, Upstream, "Disable a user; prints \"Disabled user ID\"";
    "tg-enable-user" => EnableUser, Upstream, "Enable a user; prints \"Enabled user ID\"";
    "tg-delete-user" => DeleteUser, Upstream, "Delete a user (asks on a terminal unless --yes); prints \"Deleted user ID\"";
    "tg-change-password" => ChangePassword, Upstream, "Change your own password; prints \"Password changed.\"";
    "tg-reset-password" => ResetPassword, Upstream, "Reset a user's password; prints the temporary password";
    "tg-create-api-key" => CreateApiKey, Upstream, "Issue an API key for a user; prints the key";
    "tg-list-api-keys" => ListApiKeys, Upstream, "List a user's API keys: a table, or \"No keys.\"";
    "tg-revoke-api-key" => RevokeApiKey, Upstream, "Revoke an API key; prints \"Revoked key ID\"";
    "tg-create-workspace" => CreateWorkspace, Upstream, "Create a workspace; prints \"Workspace created: ID\"";
    "tg-list-workspaces" => ListWorkspaces, Upstream, "List all workspaces: a table, or \"No workspaces.\"";
    "tg-list-my-workspaces" => ListMyWorkspaces, Upstream, "List the workspaces the caller may use";
    "tg-show-workspace" => ShowWorkspace, New, "Show one workspace's record";
    "tg-update-workspace" => UpdateWorkspace, New, "Change a workspace's name or enabled flag, keeping what is not given";
    "tg-disable-workspace" => DisableWorkspace, New, "Disable a workspace, its users and their API keys (asks, or --yes)";
    "tg-enable-workspace" => EnableWorkspace, New, "Re-enable a workspace and announce it again (its users stay disabled)";
    "tg-rotate-signing-key" => RotateSigningKey, New, "Rotate the JWT signing key (asks, or --yes); 2.11 gateways need a restart";
    "tg-config" => Config, New, "Show effective settings and their sources; set, unset or choose profiles";
    "tg-logout" => Logout, New, "Remove a session saved by tg-login --save (--all: every profile)";
    "tg-auth-status" => AuthStatus, New, "Show which credential is used and whether it works over HTTP and the socket";
    "tg-apply" => Apply, New, "Create or update workspaces, users and API keys from a manifest (TOML, YAML, JSON); idempotent; minted secrets as JSON lines";
}

/// The tool called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Entry> {
    TOOLS.iter().find(|t| t.name == name)
}

/// Flags that the upstream tools do not have, though the tool itself is
/// an upstream one (the README's table marks them *new*). Connection flags
/// are listed apart in the README.
pub const NEW_FLAGS: &[&str] = &["password-stdin", "output", "save", "exists-ok", "strict"];

/// Like [`NEW_FLAGS`], for flags new only on some upstream tools (the
/// flag exists upstream elsewhere): (tool, flag).
pub const NEW_TOOL_FLAGS: &[(&str, &str)] = &[
    ("tg-update-user", "username"),
    ("tg-disable-user", "username"),
    ("tg-enable-user", "username"),
    ("tg-delete-user", "username"),
    ("tg-reset-password", "username"),
    ("tg-create-api-key", "username"),
    ("tg-list-api-keys", "username"),
];
