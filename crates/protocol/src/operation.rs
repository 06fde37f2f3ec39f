//! Every IAM operation a client can reach, its name on the wire, and who
//! may call it (protocol reference §4.1; the 2.11.1 registry for
//! `mint-token`, §17).
//!
//! Left out on purpose: the gateway-internal operations (`resolve-api-key`,
//! `get-signing-key-public`, `authenticate-anonymous`, `authorise`,
//! `authorise-many`), which no client can reach (the gateway answers
//! `unknown operation`), and the fifteen enterprise group and grant
//! operations, which the OSS regime does not serve.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone, with or without a credential.
    Public,
    /// Any authenticated caller; the operation acts on the caller.
    Authenticated,
    /// A capability that, in the OSS regime, only the `admin` role holds.
    Admin {
        /// The capability's name (`users:admin`).
        capability: &'static str,
        /// Where the capability is checked.
        scope: Scope,
    },
}

/// Where an [`Access::Admin`] capability is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// In the request's `workspace` (the caller's default workspace when
    /// the request names none): the user and key operations.
    Workspace,
    /// With no workspace involved: the workspace and signing-key
    /// operations.
    Global,
}

impl Access {
    /// The capability required, if any.
    pub const fn capability(self) -> Option<&'static str> {
        match self {
            Access::Admin { capability, .. } => Some(capability),
            Access::Public | Access::Authenticated => None,
        }
    }
}

const fn in_workspace(capability: &'static str) -> Access {
    Access::Admin {
        capability,
        scope: Scope::Workspace,
    }
}

const fn global(capability: &'static str) -> Access {
    Access::Admin {
        capability,
        scope: Scope::Global,
    }
}

macro_rules! operations {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $access:expr;)*) => {
        /// An IAM operation, as `{"operation": NAME}` names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($(#[$doc])* $variant,)*
        }

        impl Operation {
            /// Every operation, in the order of the reference's table.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant,)*];

            /// The name on the wire (`create-user`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => $name,)*
                }
            }

            /// Who may call it.
            pub const fn access(self) -> Access {
                match self {
                    $(Operation::$variant => $access,)*
                }
            }
        }
    };
}

operations! {
    // Sessions: getting a credential.
    /// A JWT for a username and password (`Token`).
    Login = "login", Access::Public;
    /// The first admin and its API key, once (`Bootstrapped`).
    Bootstrap = "bootstrap", Access::Public;
    /// Whether `bootstrap` would succeed now (`BootstrapStatus`).
    BootstrapStatus = "bootstrap-status", Access::Public;
    /// A JWT for another user or the caller, with a user context
    /// (`Token`; 2.10.4 and later).
    MintToken = "mint-token", in_workspace("mint-token");
    // Users.
    /// The caller's own record (`UserReply`).
    Whoami = "whoami", Access::Authenticated;
    /// The caller's own password (void).
    ChangePassword = "change-password", Access::Authenticated;
    /// A new user (`UserReply`).
    CreateUser = "create-user", in_workspace("users:admin");
    /// All users, or those whose home is `workspace` (`UserList`).
    ListUsers = "list-users", in_workspace("users:read");
    /// One user (`UserReply`).
    GetUser = "get-user", in_workspace("users:read");
    /// Change a user (`UserReply`, re-read).
    UpdateUser = "update-user", in_workspace("users:write");
    /// Disable a user and delete its API keys (void).
    DisableUser = "disable-user", in_workspace("users:admin");
    /// Enable a user; its deleted keys stay deleted (void).
    EnableUser = "enable-user", in_workspace("users:admin");
    /// Delete a user and its keys (void).
    DeleteUser = "delete-user", in_workspace("users:admin");
    /// A one-time temporary password (`TemporaryPassword`).
    ResetPassword = "reset-password", in_workspace("users:admin");
    // API keys.
    /// A new key, its plaintext shown once (`CreatedApiKey`).
    CreateApiKey = "create-api-key", in_workspace("keys:admin");
    /// A user's keys (`ApiKeyList`).
    ListApiKeys = "list-api-keys", in_workspace("keys:admin");
    /// Delete a key (void).
    RevokeApiKey = "revoke-api-key", in_workspace("keys:admin");
    // Workspaces.
    /// The caller's workspaces: all for an admin, else its home
    /// (`WorkspaceList`).
    ListMyWorkspaces = "list-my-workspaces", Access::Authenticated;
    /// A new workspace; an existing id is returned unchanged
    /// (`WorkspaceReply`).
    CreateWorkspace = "create-workspace", global("workspaces:admin");
    /// Every workspace (`WorkspaceList`).
    ListWorkspaces = "list-workspaces", global("workspaces:admin");
    /// One workspace (`WorkspaceReply`).
    GetWorkspace = "get-workspace", global("workspaces:admin");
    /// Change a workspace (`WorkspaceReply`).
    UpdateWorkspace = "update-workspace", global("workspaces:admin");
    /// Disable a workspace, its users, and delete their keys (void).
    DisableWorkspace = "disable-workspace", global("workspaces:admin");
    // Signing keys.
    /// A new JWT signing key (void).
    RotateSigningKey = "rotate-signing-key", global("iam:admin");
}

impl Operation {
    /// The operation called `name` on the wire, if clients may call it.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.iter().copied().find(|o| o.name() == name)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Operation::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown operation {name:?}")))
    }
}

/// The HTTP paths of the gateway's IAM surface (§2).
pub mod paths {
    /// The generic forwarder: `{"operation": ...}` bodies.
    pub const IAM: &str = "/api/v1/iam";
    /// `login`, without `operation` in the body; refusals are masked.
    pub const LOGIN: &str = "/api/v1/auth/login";
    /// `bootstrap`; the body is not read (the tools send `{}`).
    pub const BOOTSTRAP: &str = "/api/v1/auth/bootstrap";
    /// `bootstrap-status`; the body is not read.
    pub const BOOTSTRAP_STATUS: &str = "/api/v1/auth/bootstrap-status";
    /// The caller's own password: `current_password` and `new_password`.
    pub const CHANGE_PASSWORD: &str = "/api/v1/auth/change-password";
    /// The multiplexed WebSocket (`service: "iam"` reaches the operations).
    pub const SOCKET: &str = "/api/v1/socket";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for op in Operation::ALL {
            assert!(seen.insert(op.name()), "{op} twice");
            assert_eq!(Operation::from_name(op.name()), Some(*op));
            assert_eq!(
                serde_json::to_string(op).unwrap(),
                format!("\"{}\"", op.name())
            );
        }
        assert_eq!(Operation::ALL.len(), 24);
        for internal in ["resolve-api-key", "get-signing-key-public", "authorise", ""] {
            assert_eq!(Operation::from_name(internal), None);
        }
        assert!(serde_json::from_str::<Operation>(r#""frobnicate""#).is_err());
    }

    /// The reference's §4.1 table, spelled out.
    #[test]
    fn access_as_the_reference_says() {
        let public: Vec<_> = Operation::ALL
            .iter()
            .filter(|o| o.access() == Access::Public)
            .map(|o| o.name())
            .collect();
        assert_eq!(public, ["login", "bootstrap", "bootstrap-status"]);
        let authenticated: Vec<_> = Operation::ALL
            .iter()
            .filter(|o| o.access() == Access::Authenticated)
            .map(|o| o.name())
            .collect();
        assert_eq!(
            authenticated,
            ["whoami", "change-password", "list-my-workspaces"]
        );
        assert_eq!(
            Operation::UpdateUser.access(),
            Access::Admin {
                capability: "users:write",
                scope: Scope::Workspace
            }
        );
        assert_eq!(
            Operation::RotateSigningKey.access(),
            Access::Admin {
                capability: "iam:admin",
                scope: Scope::Global
            }
        );
        assert_eq!(
            Operation::ListUsers.access().capability(),
            Some("users:read")
        );
        assert_eq!(Operation::Whoami.access().capability(), None);
    }
}
