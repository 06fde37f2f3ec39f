//! tg-mint-token.

use crate::cli::{ConnArgs, TokenArgs};
use crate::client::Client;
use crate::error::{Error, Kind, Result};
use crate::iam::{self, Api};
use crate::output::{note, Minted, Out};
use crate::wire::to_python_json;
use crate::Tool;
use clap::Parser;
use serde_json::Value;

/// Mint a JWT containing a caller-supplied UserContext. Requires an admin
/// auth token. Prints the resulting JWT to stdout.
///
/// The target is exactly one of --user-id, --username (resolved by the
/// gateway) or --self (the caller). The JWT acts in -w/--workspace and
/// carries --user-context as its user_context claim; services behind the
/// gateway receive it with every request made with the JWT.
#[derive(Parser, Debug)]
#[command(group(clap::ArgGroup::new("target").required(true).multiple(false)))]
pub struct MintToken {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Target workspace for the minted token
    #[arg(short = 'w', long = "workspace", required = true)]
    pub workspace: String,

    /// UserContext as a JSON string (a JSON object)
    #[arg(long = "user-context", required = true, value_name = "JSON")]
    pub user_context: String,

    /// User ID (UUID) for the minted token's subject
    #[arg(long = "user-id", group = "target")]
    pub user_id: Option<String>,

    /// Username to resolve to a user ID (the gateway resolves it)
    #[arg(long, group = "target")]
    pub username: Option<String>,

    /// Mint token for the caller's own user ID
    #[arg(long = "self", group = "target")]
    pub use_self: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// The `--user-context` value as upstream sends it: parsed, required to be
/// an object, and re-serialised as Python's `json.dumps` writes it (key
/// order kept; for a repeated key the last value, at the first place).
pub fn user_context_json(arg: &str) -> Result<String> {
    let v: Value = serde_json::from_str(arg)
        .map_err(|e| Error::usage(format!("--user-context is not valid JSON: {e}")))?;
    if !v.is_object() {
        let what = match v {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(
            Error::usage(format!("--user-context must be a JSON object, got {what}"))
                .with_hint(r#"e.g. --user-context '{"roles": ["analyst"]}'"#),
        );
    }
    Ok(to_python_json(&v))
}

const REFUSED_HINT: &str = "the target user may be unknown or disabled, or the workspace missing or disabled (a TrustGraph 2.11 gateway does not say which); minting needs the admin role";

// No SECRET_OUTPUT: a minted JWT can be minted again (as tg-login's can
// be had again), so stdout is not checked before the request.
impl Tool for MintToken {
    const NAME: &'static str = "tg-mint-token";

    async fn run(self, out: &mut Out) -> Result<()> {
        let context = user_context_json(&self.user_context)?;
        // An empty target would make the gateway mint for the caller (an
        // admin): a script whose variable expanded to nothing must not
        // get that silently. Only --self asks for it.
        for (flag, v) in [("--user-id", &self.user_id), ("--username", &self.username)] {
            if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::usage(format!(
                    "{flag} is empty: nothing to mint for (--self mints for the caller)"
                )));
            }
        }
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        // Upstream's key order: operation, workspace, user_context_json,
        // then the target (none for --self: the gateway fills in actor).
        let req = iam::MintToken {
            workspace: self.workspace.clone(),
            user_context_json: context,
            user_id: self.user_id.clone(),
            username: self.username.clone(),
        };
        let target = match (&self.user_id, &self.username) {
            (Some(id), _) => format!("user {id}"),
            (_, Some(name)) => format!("user {name:?}"),
            _ => "the caller".to_string(),
        };
        let token = Api::new(&client).mint_token(&req).await?.require(
            "JWT",
            Kind::Refused,
            REFUSED_HINT,
        )?;
        if !token.jwt_expires.is_empty() {
            note(&format!("JWT expires: {}", token.jwt_expires));
        }
        out.secret(
            &token.jwt,
            Minted {
                what: "JWT".into(),
                created: format!(
                    "a JWT for {target} in workspace {:?} was minted",
                    self.workspace
                ),
                recover: "mint another (the lost JWT stays valid until it expires)".into(),
            },
        );
        Ok(())
    }
}
