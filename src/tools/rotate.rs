//! tg-rotate-api-key: a new key for the old one's owner and name, shown,
//! and only then the old one revoked.

use super::KeyRef;
use crate::cli::{ConnArgs, TokenArgs, WorkspaceArgs};
use crate::client::Client;
use crate::config;
use crate::error::{Error, Result};
use crate::iam::converge;
use crate::iam::credentials;
use crate::iam::rules::check_expires;
use crate::iam::{self, Api, ApiKey};
use crate::output::{note, Minted, Out};
use crate::{prompt, Tool};
use clap::Parser;

/// Replace an API key with a new one of the same name and owner.
///
/// The new key is created and printed on stdout (shown once), and only
/// then is the old one revoked. Without --expires the new key keeps the
/// old one's lifetime, counted from now (created with an expiry 90 days
/// out: the new one expires 90 days from now; no expiry: none).
///
/// If the old key cannot be revoked, both keys exist: the run fails
/// (non-zero) naming both ids, with the new key already on stdout.
///
/// The key this run authenticates with (the token is that API key) is
/// rotated only with --yes, or when confirmed on a terminal. Once it is
/// rotated, the run uses the new key for the revocation and its check and
/// never sends the old one again; then replace the old key wherever it is
/// kept. A TrustGraph gateway may still accept a revoked key for up to 60
/// seconds (it caches keys); tg-dev-gateway refuses it at once.
#[derive(Parser, Debug)]
pub struct RotateApiKey {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub key: KeyRef,

    /// The new key's expiry: ISO-8601 (2027-01-31 or
    /// 2027-01-31T12:00:00+00:00), or `never` [default: the old key's
    /// lifetime from now; none if it had none]
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,

    /// Rotate the key this run authenticates with without asking
    #[arg(long)]
    pub yes: bool,

    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// With --key-id alone, read up to N users' keys at once to find it
    #[arg(short = 'j', long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl RotateApiKey {
    /// `--expires` as asked: `None` when not given, `Some(None)` for
    /// `never` (or empty).
    fn asked_expiry(&self) -> Result<Option<Option<String>>> {
        match self.expires.as_deref().map(str::trim) {
            None => Ok(None),
            Some("never") => Ok(Some(None)),
            Some(e) => Ok(Some(check_expires(Some(e), "--expires")?)),
        }
    }

    /// Whether `old` is the key this run authenticates with: its prefix
    /// is the token's, and (the prefix being short) it is the caller's.
    async fn in_use(&self, client: &Client, api: Api<'_>, old: &ApiKey) -> Result<bool> {
        if client.api_key_prefix() != Some(old.prefix.as_str()) {
            return Ok(false);
        }
        Ok(match api.whoami().await?.value {
            Some(me) => me.id == old.user_id,
            // No answer: take it for the key in use.
            None => true,
        })
    }
}

/// The question or refusal before rotating the key in use.
fn confirm_in_use(old: &ApiKey, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    let what = format!(
        "key {} (prefix {}) is the API key this run authenticates with",
        old.id, old.prefix
    );
    if !prompt::stdin_is_tty() {
        return Err(Error::usage(format!(
            "{what}: rotating it revokes the credential in use; nothing was changed"
        ))
        .with_hint("pass --yes to rotate it, then authenticate with the new key it prints"));
    }
    prompt::confirm(
        &format!("Rotate {what}? It will be revoked; use the new key afterwards."),
        false,
    )
}

impl Tool for RotateApiKey {
    const NAME: &'static str = "tg-rotate-api-key";
    const SECRET_OUTPUT: Option<&'static str> = Some("an API key");

    async fn run(self, out: &mut Out) -> Result<()> {
        let asked = self.asked_expiry()?;
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let ws = config::resolve_workspace(self.workspace.workspace.as_deref());
        let old = match self.key.named(api, ws.as_deref()).await? {
            Some(k) => k,
            None => {
                let id = self.key.key_id.as_deref().unwrap_or_default();
                converge::key_by_id(api, id, ws.as_deref(), usize::from(self.jobs)).await?
            }
        };
        let in_use = self.in_use(&client, api, &old).await?;
        if in_use {
            confirm_in_use(&old, self.yes)?;
        }
        let expires = match asked {
            Some(e) => e,
            None => credentials::kept_expiry(&old, crate::time::now_or_test())?,
        };
        let owner = &old.user_id;
        let req = iam::CreateApiKey {
            key: iam::NewApiKey {
                user_id: owner.clone(),
                name: old.name.clone(),
                expires: expires.clone(),
            },
            workspace: ws.clone(),
        };
        let created = converge::create_api_key(api, &req).await.map_err(|e| {
            e.outcome_unknown(
                &format!(
                    "a new API key {:?} of user {owner} may exist, its secret unseen; the old key {} was not revoked",
                    old.name, old.id
                ),
                &format!("if tg-list-api-keys --user-id {owner} lists a second key of that name, revoke it with tg-revoke-api-key --key-id and rotate again"),
            )
        })?;
        let new = &created.key;
        note(&format!("Key id: {}", new.id));
        note(&format!("Name: {}", new.name));
        note(&format!("Prefix: {}", new.prefix));
        note(&format!(
            "Expires: {}",
            expires.as_deref().unwrap_or("never")
        ));
        note(&format!("Replaces key {} (prefix {})", old.id, old.prefix));
        note("API key (shown once, capture now):");
        out.secret_now(
            &created.plaintext,
            Minted {
                what: "new API key".into(),
                created: format!(
                    "API key {} ({:?}) was created for user {owner}; the old key {} was not revoked and still works",
                    new.id, old.name, old.id
                ),
                recover: format!(
                    "revoke the new key with tg-revoke-api-key --key-id {} and rotate again",
                    new.id
                ),
            },
        )?;
        // The old key is never sent again once it is rotated out: the
        // revocation and its check go with the new one (same owner, same
        // roles).
        let fresh;
        let api = if in_use {
            fresh = client.with_api_key(&created.plaintext);
            Api::new(&fresh)
        } else {
            api
        };
        converge::revoke_api_key(api, &old, ws.as_deref())
            .await
            .map_err(|e| {
                let said = format!(
                    "the new key {} is printed, but the old key {} could not be revoked: {}; both keys now exist",
                    new.id, old.id, e.message
                );
                e.reworded(said).with_hint(format!(
                    "revoke the old key with tg-revoke-api-key --key-id {}",
                    old.id
                ))
            })?;
        note(&format!("Revoked the old key {}", old.id));
        if in_use {
            note(&format!(
                "{}: note: the key this run authenticated with (prefix {}) is revoked: replace {} with the new key",
                Self::NAME,
                old.prefix,
                client.token_source().describe_token()
            ));
        }
        Ok(())
    }
}
