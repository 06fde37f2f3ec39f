//! tg-create-api-key, tg-list-api-keys, tg-revoke-api-key.

use super::{print_list, UserRef};
use crate::cli::{ConnArgs, ListFormat, ListOutputArgs, TokenArgs, WorkspaceArgs};
use crate::client::Client;
use crate::config;
use crate::error::{Error, Result};
use crate::iam::converge::{self, get_user, key_diffs, report_existing, user_keys};
use crate::iam::rules::check_expires;
use crate::iam::{self, Api};
use crate::output::{note, Minted, Out};
use crate::Tool;
use clap::Parser;
use std::borrow::Cow;

/// Create an API key for a user. Prints the plaintext key to stdout: shown
/// once only.
#[derive(Parser, Debug)]
pub struct CreateApiKey {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub user: UserRef,

    /// Operator-facing label (e.g. 'laptop', 'ci')
    #[arg(long, required = true)]
    pub name: String,

    /// ISO-8601 expiry, e.g. 2027-01-31 or 2027-01-31T12:00:00+00:00
    /// (optional; empty = no expiry). Checked here: the gateway would
    /// silently store a bad value as "never expires"
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,

    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// If the user already has a key of this name, exit 0 without
    /// creating one (nothing on stdout: its secret cannot be shown again)
    #[arg(long = "exists-ok")]
    pub exists_ok: bool,

    /// With --exists-ok: exit 1 when the existing key's expiry differs
    /// from --expires
    #[arg(long, requires = "exists_ok")]
    pub strict: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for CreateApiKey {
    const NAME: &'static str = "tg-create-api-key";
    const SECRET_OUTPUT: Option<&'static str> = Some("an API key");

    async fn run(self, out: &mut Out) -> Result<()> {
        let expires = check_expires(self.expires.as_deref(), "--expires")?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        let user_id = self.user.resolve(api, ws.as_deref()).await?;
        if self.exists_ok {
            let keys = user_keys(api, &user_id, ws.as_deref()).await?;
            if let Some(k) = keys.iter().find(|k| k.name == self.name) {
                report_existing(
                    Self::NAME,
                    &format!(
                        "API key {:?} of user {} (key id {}, prefix {})",
                        k.name, user_id, k.id, k.prefix
                    ),
                    &key_diffs(k, expires.as_deref()),
                    self.strict,
                    &format!(
                        "an API key cannot be changed: revoke it with tg-revoke-api-key --key-id {} and create it again",
                        k.id
                    ),
                )?;
                note(&format!(
                    "{}: note: nothing is printed on stdout: an API key's secret is shown only when it is created",
                    Self::NAME
                ));
                return Ok(());
            }
        }
        let req = iam::CreateApiKey {
            key: iam::NewApiKey {
                user_id: user_id.clone(),
                name: self.name.clone(),
                expires,
            },
            workspace: ws.clone(),
        };
        let created = converge::create_api_key(api, &req).await.map_err(|e| {
            e.outcome_unknown(
                &format!("API key {:?} of user {user_id} may exist, its secret unseen", self.name),
                &format!("if tg-list-api-keys --user-id {user_id} lists it, revoke it with tg-revoke-api-key and create a new one"),
            )
        })?;
        let rec = &created.key;
        note(&format!("Key id: {}", rec.id));
        note(&format!("Name: {}", rec.name));
        note(&format!("Prefix: {}", rec.prefix));
        // The gateway mints keys for disabled users too; such a key starts
        // working when the user is enabled again. Say so (a read after the
        // create, so the create's request stays upstream's; if the read
        // fails, nothing is said).
        if let Ok(Some(u)) = get_user(api, &user_id, ws.as_deref()).await {
            if !u.enabled {
                note(&format!(
                    "{}: warning: user {user_id} is disabled: the key works only once the user is enabled again (tg-enable-user)",
                    Self::NAME
                ));
            }
        }
        note("API key (shown once, capture now):");
        out.secret(
            &created.plaintext,
            Minted {
                what: "API key".into(),
                created: format!(
                    "API key {} ({:?}) was created for user {user_id}",
                    rec.id, rec.name
                ),
                recover: format!(
                    "revoke it with tg-revoke-api-key --key-id {} and create a new one",
                    rec.id
                ),
            },
        );
        Ok(())
    }
}

/// List the API keys for a user.
#[derive(Parser, Debug)]
pub struct ListApiKeys {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub user: UserRef,

    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    #[command(flatten)]
    pub output: ListOutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for ListApiKeys {
    const NAME: &'static str = "tg-list-api-keys";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        let user_id = self.user.resolve(api, ws.as_deref()).await?;
        let req = iam::user(&user_id, ws.as_deref());
        let keys = api.list_api_keys(&req).await?;
        // A 2.11 gateway answers an unknown user id with an empty list:
        // tell the two apart.
        if keys.is_empty()
            && keys.is_bare_2_11()
            && get_user(api, &user_id, ws.as_deref()).await?.is_none()
        {
            return Err(Error::refused(format!("user {user_id} not found"))
                .with_hint("check the id with tg-list-users"));
        }
        // The table shows "—" and "never" for what the other formats
        // leave empty.
        let table = self.output.output == ListFormat::Table;
        print_list(
            out,
            self.output.output,
            keys.value,
            "No keys.",
            &["id", "name", "prefix", "created", "last used", "expires"],
            move |k| {
                // In a table, `shown` for what is empty.
                fn or<'a>(v: &'a str, shown: &'static str, table: bool) -> Cow<'a, str> {
                    if v.is_empty() && table {
                        shown.into()
                    } else {
                        v.into()
                    }
                }
                vec![
                    k.id.as_str().into(),
                    k.name.as_str().into(),
                    k.prefix.as_str().into(),
                    k.created.as_str().into(),
                    or(&k.last_used, "—", table),
                    or(&k.expires, "never", table),
                ]
            },
        );
        Ok(())
    }
}

/// Which API key a tool acts on: `--key-id ID`, or `--name NAME` of the
/// user given by `--user-id` or `--username`.
#[derive(clap::Args, Debug, Clone, Default)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("key").required(true).args(["key_id", "name"])))]
#[command(group(clap::ArgGroup::new("owner").args(["user_id", "username"])))]
pub struct KeyRef {
    /// Key id (tg-list-api-keys shows the ids)
    #[arg(long = "key-id", value_name = "KEY_ID")]
    pub key_id: Option<String>,

    /// The key's name, with --user-id or --username (two keys of that
    /// user with the name: refused, listing their ids)
    #[arg(long, value_name = "NAME", requires = "owner")]
    pub name: Option<String>,

    /// The key's owner, by id (with --name)
    #[arg(long = "user-id", value_name = "USER_ID", requires = "name")]
    pub user_id: Option<String>,

    /// The key's owner, by username (with --name; resolved with one
    /// list-users read)
    #[arg(long = "username", value_name = "USERNAME", requires = "name")]
    pub username: Option<String>,
}

impl KeyRef {
    /// The key `--name` names: its owner resolved (in workspace `ws` when
    /// set), then the one key of that name among the owner's. `None`
    /// when the key is named by `--key-id`.
    pub(crate) async fn named(
        &self,
        api: Api<'_>,
        ws: Option<&str>,
    ) -> Result<Option<iam::ApiKey>> {
        let Some(name) = &self.name else {
            return Ok(None);
        };
        let owner = UserRef {
            user_id: self.user_id.clone(),
            username: self.username.clone(),
        };
        let user_id = owner.resolve(api, ws).await?;
        let who = self.username.as_deref().unwrap_or(&user_id);
        converge::named_key(api, &user_id, who, name, ws)
            .await
            .map(Some)
    }
}

/// Revoke an API key, by id (as upstream's tool) or by owner and name.
///
/// The key stops working at once on tg-dev-gateway; a TrustGraph gateway
/// caches keys, and may accept it for up to 60 more seconds.
#[derive(Parser, Debug)]
pub struct RevokeApiKey {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub key: KeyRef,

    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl Tool for RevokeApiKey {
    const NAME: &'static str = "tg-revoke-api-key";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        // By name: found in the owner's list, so the revocation is
        // confirmed with a read on a 2.11 gateway.
        if let Some(key) = self.key.named(api, ws.as_deref()).await? {
            converge::revoke_api_key(api, &key, ws.as_deref()).await?;
            out.line(&format!("Revoked key {}", key.id));
            return Ok(());
        }
        let key_id = self.key.key_id.clone().unwrap_or_default();
        let req = iam::RevokeApiKey {
            key_id: key_id.clone(),
            workspace: ws,
        };
        if api.revoke_api_key(&req).await?.is_bare_2_11() {
            note(&format!(
                "{}: note: the gateway gave no confirmation: a TrustGraph 2.11 gateway answers the same whether or not key {key_id} existed; check with tg-list-api-keys --user-id OWNER",
                Self::NAME,
            ));
        }
        out.line(&format!("Revoked key {key_id}"));
        Ok(())
    }
}
