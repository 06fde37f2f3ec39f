//! tg-rotate-signing-key.

use crate::cli::{ConnArgs, TokenArgs};
use crate::client::Client;
use crate::error::Result;
use crate::iam::Api;
use crate::output::{note, Out};
use crate::prompt;
use crate::Tool;
use clap::Parser;

/// Rotate the gateway's JWT signing key (system-level; requires admin).
///
/// IAM retires the current Ed25519 key and signs new JWTs with a new one.
/// On TrustGraph gateways up to 2.11 the gateway keeps verifying with the
/// key it loaded at start-up until it restarts: JWTs issued after the
/// rotation are refused (HTTP 401) until then, and every JWT issued before
/// it is refused after the restart. API keys are not affected.
///
/// Asks for confirmation on a terminal; scripts pass --yes.
#[derive(Parser, Debug)]
pub struct RotateSigningKey {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Skip the interactive confirmation prompt
    #[arg(long)]
    pub yes: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// What rotation does to a gateway up to 2.11 (protocol reference §13.2).
pub const ROTATION_WARNING: &str = "warning: on TrustGraph gateways up to 2.11 the gateway keeps verifying JWTs with the old key until it restarts: JWTs issued after the rotation fail (HTTP 401) until the gateway is restarted, and JWTs issued before it fail after the restart; API keys keep working";

impl Tool for RotateSigningKey {
    const NAME: &'static str = "tg-rotate-signing-key";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        // On a terminal the question carries the warning; the note after
        // the rotation says it again, for logs and scripts.
        prompt::confirm(
            &format!("Rotate the JWT signing key? {ROTATION_WARNING}.\nContinue?"),
            self.yes,
        )?;
        if Api::new(&client).rotate_signing_key().await?.is_bare_2_11() {
            note(&format!(
                "{}: note: the gateway gave no confirmation: a TrustGraph 2.11 gateway answers a success and a refusal alike; after the restart, a JWT from before this run is refused only if the key was rotated",
                Self::NAME
            ));
        }
        note(&format!("{}: {ROTATION_WARNING}", Self::NAME));
        out.line("Signing key rotated.");
        Ok(())
    }
}
