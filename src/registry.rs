//! The tool registry: the one list of tools.
//!
//! Everything that enumerates the tools reads [`TOOLS`]: the multicall
//! binary's dispatch, `tg-iam --list` and `tg-iam install-links`, the man
//! page and shell completion generator ([`crate::docs`]: `tg-iam man`,
//! `tg-iam completions`), the README's tool table (`tests/generated.rs`),
//! each tool's long `--help` (its examples), and the test that checks the
//! thin binaries (`src/bin/NAME.rs` and the `[[bin]]` list in Cargo.toml)
//! against it.
//!
//! Adding a tool: write its type (a [`crate::Tool`] in `src/tools/`), add
//! its entry to the list below (with two to four examples), then run
//! `UPDATE_GENERATED=1 cargo test --test generated`: it regenerates the man
//! page, the completions and the README table, and tells you the thin
//! binary's file and `[[bin]]` entry to add (both are fixed text).

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
    /// The tool's type as a path in this crate, e.g. `tools::Login`: the
    /// thin binary `src/bin/NAME.rs` calls `tg_iam::PATH::main()`.
    pub path: &'static str,
    pub origin: Origin,
    /// One line: what the tool does (and what it prints, when that is the
    /// point). Shown by `tg-iam --help` and in the README's table.
    pub purpose: &'static str,
    /// Two to four examples: what each does, and the command (lines).
    /// They end the tool's long `--help` and its man page (EXAMPLES).
    pub examples: &'static [tg_iam_docgen::Example],
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
    ($($name:literal => $module:ident::$ty:ident, $origin:ident, $purpose:literal, [
        $($what:literal => $example:literal,)+
    ];)*) => {
        /// Every tool, in the order `--list`, `--help` and the README show them.
        pub static TOOLS: &[Entry] = &[$(Entry {
            name: $name,
            path: concat!(stringify!($module), "::", stringify!($ty)),
            origin: Origin::$origin,
            purpose: $purpose,
            examples: &[$(($what, $example)),+],
            run: crate::run_from::<crate::$module::$ty>,
            command: crate::command::<crate::$module::$ty>,
        }),*];
        $(impl crate::$module::$ty {
            /// `main` of this tool's thin binary, `src/bin/NAME.rs`:
            /// [`crate::run`] for this tool. Not generic, so it is compiled
            /// once, here, rather than again in each binary.
            pub fn main() -> ExitCode {
                crate::run::<crate::$module::$ty>()
            }
        })*
        $(const _: () = assert!(
            same($name, <crate::$module::$ty as crate::Tool>::NAME),
            concat!("registry: ", $name, " is not the Tool::NAME of ", stringify!($ty)),
        );)*
    };
}

// The list. One entry per tool: name => its type's path, Upstream or
// New, a one-line purpose, and its examples ("what it does" => "command").
registry! {
    "tg-bootstrap-iam" => tools::BootstrapIam, Upstream, "Bootstrap IAM on an empty deployment; prints the first admin's API key", [
        "Bootstrap a new deployment and use the first admin's API key (shown once)" => "export TRUSTGRAPH_TOKEN=$(tg-bootstrap-iam)",
        "Keep the key in a private file instead" => "(umask 077; tg-bootstrap-iam > admin.key)",
    ];
    "tg-login" => tools::Login, Upstream, "Log in with a username and password; prints the JWT", [
        "Log in (the password is prompted for, without echo) and use the JWT" => "export TRUSTGRAPH_TOKEN=$(tg-login --username alice)",
        "Read the password from standard input, as scripts do" => "tg-login --username alice --password-stdin < alice.pw",
        "Save the session for the selected profile: later tools need no token" => "tg-login --username alice --save",
    ];
    "tg-mint-token" => tools::MintToken, Upstream, "Mint a JWT with a user context (admin); prints the JWT", [
        "A JWT for alice in workspace research, with a user context" => "tg-mint-token -w research --username alice --user-context '{\"team\": \"blue\"}'",
        "A JWT for yourself" => "tg-mint-token -w research --self --user-context '{}'",
    ];
    "tg-whoami" => tools::Whoami, Upstream, "Show the caller's user record (id, username, workspace, roles, ...)", [
        "Who is the token for?" => "tg-whoami",
        "The record as JSON" => "tg-whoami -o json",
        "Check an API key" => "tg-whoami -t \"$KEY\"",
    ];
    "tg-create-user" => tools::CreateUser, Upstream, "Create a user; prints the new user's id", [
        "Create a writer, the password from standard input; keep the new id" => "ALICE=$(printf '%s\\n' \"$PW\" | tg-create-user --password-stdin \\\n    -w research --username alice --roles writer)",
        "Prompt for the password (twice), several roles" => "tg-create-user -w research --username bob --roles reader writer",
        "Safe to re-run in a provisioning script" => "tg-create-user -w research --username alice --exists-ok \\\n    --password-stdin < alice.pw",
    ];
    "tg-list-users" => tools::ListUsers, Upstream, "List users (of one workspace with -w): a table, or \"No users.\"", [
        "Every user, as a table" => "tg-list-users",
        "The users of one workspace as JSON, or as CSV with a header row" => "tg-list-users -w research -o json\ntg-list-users -w research -o csv > users.csv",
        "One id per line, for xargs" => "tg-list-users -w research -o ids | xargs -n 1 tg-show-user --user-id",
    ];
    "tg-show-user" => tools::ShowUser, New, "Show one user's record (by --user-id or --username)", [
        "One user, by username" => "tg-show-user --username alice",
        "By id, as JSON" => "tg-show-user --user-id \"$ALICE\" -o json",
    ];
    "tg-update-user" => tools::UpdateUser, Upstream, "Change a user's name, email, roles, enabled or must-change-password", [
        "Make alice a reader and a writer" => "tg-update-user --username alice --roles reader writer",
        "Change the name and email, keeping the rest" => "tg-update-user --user-id \"$ALICE\" \\\n    --name 'Alice Liddell' --email alice@example.com",
        "Require a password change at the next login" => "tg-update-user --username alice --must-change-password yes",
    ];
    "tg-disable-user" => tools::DisableUser, Upstream, "Disable a user; prints \"Disabled user ID\"", [
        "Disable a user by username" => "tg-disable-user --username alice",
        "By id, checking the user's workspace" => "tg-disable-user --user-id \"$ALICE\" -w research",
    ];
    "tg-enable-user" => tools::EnableUser, Upstream, "Enable a user; prints \"Enabled user ID\"", [
        "Enable a user again" => "tg-enable-user --username alice",
        "By id" => "tg-enable-user --user-id \"$ALICE\"",
    ];
    "tg-delete-user" => tools::DeleteUser, Upstream, "Delete a user (asks on a terminal unless --yes); prints \"Deleted user ID\"", [
        "Delete a user (asks for confirmation on a terminal)" => "tg-delete-user --username alice",
        "In a script, without asking" => "tg-delete-user --user-id \"$ALICE\" --yes",
    ];
    "tg-change-password" => tools::ChangePassword, Upstream, "Change your own password; prints \"Password changed.\"", [
        "Change your own password (prompts: the current one, then the new twice)" => "tg-change-password",
        "From a script: the current password, then the new one, on standard input" => "printf '%s\\n%s\\n' \"$OLD\" \"$NEW\" | tg-change-password --password-stdin",
    ];
    "tg-reset-password" => tools::ResetPassword, Upstream, "Reset a user's password; prints the temporary password", [
        "Reset a user's password; prints the temporary password (shown once)" => "tg-reset-password --username alice",
        "Keep it in a variable" => "TEMP=$(tg-reset-password --user-id \"$ALICE\")",
    ];
    "tg-create-api-key" => tools::CreateApiKey, Upstream, "Issue an API key for a user; prints the key", [
        "Issue a key for alice; prints the key (shown once; its id goes to stderr)" => "KEY=$(tg-create-api-key --username alice --name laptop)",
        "A key that expires" => "tg-create-api-key --user-id \"$ALICE\" --name ci --expires 2027-01-31",
        "Safe to re-run: an existing key of that name is kept" => "tg-create-api-key --username alice --name ci --exists-ok",
    ];
    "tg-list-api-keys" => tools::ListApiKeys, Upstream, "List a user's API keys: a table, or \"No keys.\"", [
        "A user's keys, as a table" => "tg-list-api-keys --username alice",
        "As JSON, or CSV" => "tg-list-api-keys --user-id \"$ALICE\" -o json\ntg-list-api-keys --user-id \"$ALICE\" -o csv",
        "Revoke every key of a user" => "tg-list-api-keys --username alice -o ids |\n  xargs -n 1 tg-revoke-api-key --key-id",
    ];
    "tg-revoke-api-key" => tools::RevokeApiKey, Upstream, "Revoke an API key, by id or by owner and name; prints \"Revoked key ID\"", [
        "Revoke a key by its id (tg-list-api-keys shows the ids)" => "tg-revoke-api-key --key-id \"$KEY_ID\"",
        "By its owner and name (refused if the user has two keys of that name)" => "tg-revoke-api-key --username alice --name laptop",
        "Revoke every key of a user" => "tg-list-api-keys --username alice -o ids |\n  xargs -n 1 tg-revoke-api-key --key-id",
    ];
    "tg-rotate-api-key" => tools::RotateApiKey, New, "Replace an API key with a new one of the same name and owner; prints the new key, then revokes the old", [
        "Rotate alice's ci key; the new one keeps its lifetime (shown once)" => "KEY=$(tg-rotate-api-key --username alice --name ci)",
        "By key id, with a new expiry" => "tg-rotate-api-key --key-id \"$KEY_ID\" --expires 2027-06-30",
        "Rotate the key you are using, and go on with the new one" => "TRUSTGRAPH_TOKEN=$(tg-rotate-api-key --key-id \"$MY_KEY_ID\" --yes)",
    ];
    "tg-credential-report" => tools::CredentialReport, New, "Report every API key with its owner, age, expiry and findings, and users without keys (reads only)", [
        "Every key and its findings, as a table" => "tg-credential-report",
        "In CI: exit 8 on a key without an expiry or older than 90 days" => "tg-credential-report --require-expiry --max-key-age 90 --check",
        "One workspace, as CSV for a spreadsheet" => "tg-credential-report -w research -o csv > keys.csv",
    ];
    "tg-create-workspace" => tools::CreateWorkspace, Upstream, "Create a workspace; prints \"Workspace created: ID\"", [
        "Create a workspace" => "tg-create-workspace --workspace-id research --name Research",
        "Safe to re-run in a provisioning script" => "tg-create-workspace --workspace-id research --exists-ok",
    ];
    "tg-list-workspaces" => tools::ListWorkspaces, Upstream, "List all workspaces: a table, or \"No workspaces.\"", [
        "Every workspace, as a table" => "tg-list-workspaces",
        "Their ids, one per line" => "tg-list-workspaces -o ids",
        "As CSV with a header row" => "tg-list-workspaces -o csv > workspaces.csv",
    ];
    "tg-list-my-workspaces" => tools::ListMyWorkspaces, Upstream, "List the workspaces the caller may use", [
        "The workspaces you may use" => "tg-list-my-workspaces",
        "As JSON" => "tg-list-my-workspaces -o json",
    ];
    "tg-show-workspace" => tools::ShowWorkspace, New, "Show one workspace's record", [
        "One workspace's record" => "tg-show-workspace --workspace-id research",
        "As JSON" => "tg-show-workspace --workspace-id research -o json",
    ];
    "tg-update-workspace" => tools::UpdateWorkspace, New, "Change a workspace's name or enabled flag, keeping what is not given", [
        "Rename a workspace" => "tg-update-workspace --workspace-id research --name 'Research and Development'",
        "Change only the enabled flag of the record" => "tg-update-workspace --workspace-id research --enabled no",
    ];
    "tg-disable-workspace" => tools::DisableWorkspace, New, "Disable a workspace, its users and their API keys (asks, or --yes)", [
        "Disable a workspace, its users and their keys (lists the effects and asks)" => "tg-disable-workspace --workspace-id research",
        "In a script" => "tg-disable-workspace --workspace-id research --yes",
    ];
    "tg-enable-workspace" => tools::EnableWorkspace, New, "Re-enable a workspace and announce it again (its users stay disabled)", [
        "Enable a workspace again (its users stay disabled)" => "tg-enable-workspace --workspace-id research",
        "Enable it and then its users, one by one" => "tg-enable-workspace --workspace-id research &&\n  tg-list-users -w research -o ids | xargs -n 1 tg-enable-user --user-id",
    ];
    "tg-rotate-signing-key" => tools::RotateSigningKey, New, "Rotate the JWT signing key (asks, or --yes); 2.11 gateways need a restart", [
        "Rotate the JWT signing key (warns and asks)" => "tg-rotate-signing-key",
        "In a script" => "tg-rotate-signing-key --yes",
    ];
    "tg-config" => tools::Config, New, "Show effective settings and their sources; set, unset, list or choose profiles", [
        "Show the effective settings and where each comes from" => "tg-config",
        "Create a profile and make it the default" => "tg-config set --profile staging url https://iam.staging.example.com/\ntg-config use staging",
        "Every profile, and the selected one's name (for a shell prompt)" => "tg-config list\ntg-config current",
    ];
    "tg-logout" => tools::Logout, New, "Remove a session saved by tg-login --save (--all: every profile)", [
        "Remove the selected profile's saved session" => "tg-logout",
        "Remove every saved session" => "tg-logout --all",
    ];
    "tg-auth-status" => tools::AuthStatus, New, "Show which credential is used and whether it works over HTTP and the socket", [
        "Which credential is used, and does it work over HTTP and the socket?" => "tg-auth-status",
        "Without network access: only what the token says" => "tg-auth-status --offline",
        "As JSON" => "tg-auth-status -o json",
    ];
    "tg-apply" => apply::Apply, New, "Create or update workspaces, users and API keys from a manifest (TOML, YAML, JSON); idempotent; minted secrets as JSON lines", [
        "Show what a manifest would change, changing nothing" => "tg-apply -f team.toml --dry-run",
        "Apply it, minted secrets into a new private file" => "tg-apply -f team.toml --secrets-out secrets.jsonl",
        "Also disable users and revoke keys the manifest does not list" => "tg-apply -f team.yaml --prune",
    ];
    "tg-export-iam" => tools::ExportIam, New, "Write the workspaces, users and API keys as a tg-apply manifest (YAML, TOML, JSON); never a secret; reads only", [
        "Keep the IAM state in git; the nightly check exits 8 when it drifted" => "tg-export-iam > iam.yaml\ngit add iam.yaml\n# nightly:\ntg-apply -f iam.yaml --check",
        "One workspace, as TOML" => "tg-export-iam -w research --format toml > research.toml",
        "Check that the export is exact: nothing to do, nothing to prune" => "tg-export-iam | tg-apply -f - --format yaml --check --prune",
    ];
}

/// The tool called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Entry> {
    TOOLS.iter().find(|t| t.name == name)
}

/// Flags that the upstream tools do not have, though the tool itself is
/// an upstream one (the README's table marks them *new*). Connection flags
/// are listed apart in the README.
pub const NEW_FLAGS: &[&str] = &[
    "password-stdin",
    "output",
    "save",
    "exists-ok",
    "strict",
    "strict-roles",
];

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
    ("tg-revoke-api-key", "name"),
    ("tg-revoke-api-key", "user-id"),
    ("tg-revoke-api-key", "username"),
];
