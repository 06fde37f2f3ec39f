//! tg-auth-status: which credential the tools would use, and whether it
//! works over HTTP (`whoami`) and over the socket (the first-frame
//! handshake).

use super::auth::whoami;
use crate::cli::{ConnArgs, Format, OutputArgs, TokenArgs};
use crate::client::{check_token_not_expired, Client, Expired};
use crate::config::{self, Setting, Source};
use crate::error::{Error, Kind, Result};
use crate::iam::Api;
use crate::jwt::{self, CredentialKind, JwtInfo};
use crate::output::{self, note, Out};
use crate::time::{self, describe_duration};
use crate::Tool;
use clap::Parser;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// Show which credential the tools would use (flag, environment, token
/// file, saved profile session, or none), what it is (API key or JWT: for
/// a JWT its subject, workspace, key id, issue and expiry times), and
/// whether it works: an HTTP `whoami` and the WebSocket first-frame
/// handshake, with their round-trip times.
///
/// The report is a short table on stderr, or JSON on stdout with
/// `-o json`. The token itself is never shown, except on stdout with
/// `--show-token`. Exits 0 when the credential works on both paths,
/// otherwise with the exit code of the first failure (HTTP first); with
/// `--offline`, 0 unless the credential is a JWT that has already
/// expired (3).
#[derive(Parser, Debug)]
pub struct AuthStatus {
    #[command(flatten)]
    pub token: TokenArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Also print the token itself, on stdout only (in the JSON as
    /// `token` with -o json)
    #[arg(long = "show-token")]
    pub show_token: bool,

    /// Describe the credential only: no HTTP or socket check
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// How one live check went.
enum Outcome {
    /// It worked: what it said (`user alice`, `workspace default`), and
    /// for JSON the record or the workspace.
    Ok(String, Value),
    /// The JWT expired before it could be sent: nothing was sent.
    Expired(Error),
    /// It failed.
    Failed(Error),
    /// `--offline`.
    Skipped,
}

struct Check {
    outcome: Outcome,
    /// The round trip (HTTP: the whoami exchange; socket: the auth frame).
    round_trip: Option<Duration>,
    /// Socket only: connecting and upgrading.
    connect: Option<Duration>,
}

impl Check {
    fn skipped() -> Check {
        Check {
            outcome: Outcome::Skipped,
            round_trip: None,
            connect: None,
        }
    }

    fn error(&self) -> Option<&Error> {
        match &self.outcome {
            Outcome::Expired(e) | Outcome::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The table's words for it.
    fn line(&self) -> String {
        let ms = |d: Option<Duration>| {
            d.map(|d| format!(" ({} ms)", millis(d)))
                .unwrap_or_default()
        };
        match &self.outcome {
            Outcome::Ok(what, _) => format!("ok: {what}{}", ms(self.round_trip)),
            Outcome::Expired(_) => "expired before sending: not sent".to_string(),
            Outcome::Skipped => "skipped (--offline)".to_string(),
            Outcome::Failed(e) => format!("{}{}", why(e), ms(self.round_trip)),
        }
    }

    fn json(&self) -> Value {
        let mut m = Map::new();
        let (result, message) = match &self.outcome {
            Outcome::Ok(..) => ("ok", None),
            Outcome::Expired(e) => ("expired", Some(e)),
            Outcome::Skipped => ("skipped", None),
            Outcome::Failed(e) => (result_name(e), Some(e)),
        };
        m.insert("result".into(), result.into());
        m.insert("ok".into(), matches!(self.outcome, Outcome::Ok(..)).into());
        if let Some(e) = message {
            m.insert("exit_code".into(), e.kind.exit_code().into());
            m.insert(
                "message".into(),
                output::stderr_text(&e.full_message()).into(),
            );
            if let Some(s) = e.status {
                m.insert("status".into(), s.into());
            }
        }
        if let Outcome::Ok(_, v) = &self.outcome {
            if !v.is_null() {
                m.insert("said".into(), v.clone());
            }
        }
        if let Some(d) = self.round_trip {
            m.insert("round_trip_ms".into(), millis(d).into());
        }
        if let Some(d) = self.connect {
            m.insert("connect_ms".into(), millis(d).into());
        }
        Value::Object(m)
    }
}

/// Milliseconds, to a tenth (loopback round trips take well under one).
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn result_name(e: &Error) -> &'static str {
    match e.kind {
        Kind::Auth | Kind::Forbidden | Kind::Refused => "refused",
        Kind::Unreachable => "unreachable",
        Kind::Protocol => "unexpected-response",
        Kind::Usage | Kind::Output | Kind::Check | Kind::Local => "error",
    }
}

/// Why a check failed, in a few words: `refused (HTTP 401: auth
/// failure)`, `refused (auth-failed: auth failure)`, `unreachable: ...`.
fn why(e: &Error) -> String {
    match (e.kind, &e.detail) {
        (Kind::Auth | Kind::Forbidden, Some(d)) => format!("refused ({d})"),
        (Kind::Unreachable, _) => format!("unreachable: {}", e.message),
        (Kind::Protocol, _) => format!("unexpected response: {}", e.message),
        _ => format!("refused: {}", e.message),
    }
}

/// Where the token came from, as one word for JSON and as the table says.
fn source_words(s: &Source) -> (&'static str, String) {
    match s {
        Source::Flag => ("flag", "flag (-t/--token)".into()),
        Source::Env => (
            "environment",
            format!("environment ({})", config::ENV_TOKEN),
        ),
        Source::TokenFile(p) => (
            "token-file",
            format!("token file (--token-file {})", p.display()),
        ),
        Source::ProfileTokenFile(n, p) => (
            "token-file",
            format!("token file (profile {n}'s token_file {})", p.display()),
        ),
        Source::Session(n) => (
            "saved-session",
            format!("saved profile session (profile {n})"),
        ),
        Source::Profile(n) => ("profile", format!("profile {n}")),
        Source::Minted => ("minted", "minted by this run".into()),
        Source::Default | Source::None => ("none", "none".into()),
    }
}

/// `2026-11-22 09:00:25 (in 59 min)`, `... (expired 5 min ago)`.
fn expires_at(exp: i64, now: i64) -> String {
    let when = time::format_utc(exp);
    if exp >= now {
        format!("{when} (in {})", describe_duration(exp - now))
    } else {
        format!(
            "{when} (expired {} ago)",
            describe_duration(now.saturating_sub(exp))
        )
    }
}

/// The API key's prefix as the gateway stores it (`tg_` and 4
/// characters), shown only when it is a small part of the key.
fn key_prefix(token: &str) -> Option<String> {
    (token.len() >= 20).then(|| token.chars().take(7).collect())
}

impl Tool for AuthStatus {
    const NAME: &'static str = "tg-auth-status";

    async fn run(self, out: &mut Out) -> Result<()> {
        out.keep_on_failure();
        let client =
            Client::with_expired(Self::NAME, &self.conn, Some(&self.token), Expired::Keep)?;
        let token: Option<Setting> = client.token().cloned();
        let now = time::now();
        let kind = token.as_ref().map(|t| CredentialKind::of(&t.value));
        let info: Option<JwtInfo> = token.as_ref().and_then(|t| jwt::inspect(&t.value));
        let expired: Option<Error> = token
            .as_ref()
            .and_then(|t| check_token_not_expired(t).err());

        let (http, socket) = if self.offline {
            (Check::skipped(), Check::skipped())
        } else if let Some(e) = &expired {
            let x = || Check {
                outcome: Outcome::Expired(e.clone()),
                round_trip: None,
                connect: None,
            };
            (x(), x())
        } else {
            (http_check(&client).await, socket_check(&client).await)
        };

        let source = token.as_ref().map_or(Source::None, |t| t.source.clone());
        let (source_name, source_text) = source_words(&source);
        let url = client.url_setting();
        let url_text = format!(
            "{} ({})",
            url.value,
            url.source.describe("-u/--api-url", Some(config::ENV_URL))
        );
        let ctx = config::context();
        let profile = ctx.selected.as_ref().map(|s| s.name.clone());

        if self.output.output == Format::Json {
            let mut cred = Map::new();
            cred.insert("source".into(), source_name.into());
            cred.insert(
                "description".into(),
                output::stderr_text(&source.describe_token()).into(),
            );
            match &source {
                Source::TokenFile(p) | Source::ProfileTokenFile(_, p) => {
                    cred.insert("file".into(), p.display().to_string().into());
                }
                _ => {}
            }
            if let Some(k) = kind {
                cred.insert("kind".into(), k.name().into());
            }
            if let (Some(CredentialKind::ApiKey), Some(p)) =
                (kind, token.as_ref().and_then(|t| key_prefix(&t.value)))
            {
                cred.insert("prefix".into(), p.into());
            }
            if let Some(i) = &info {
                let mut j = Map::new();
                let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
                j.insert("subject".into(), opt(&i.subject));
                j.insert("workspace".into(), opt(&i.workspace));
                j.insert("key_id".into(), opt(&i.key_id));
                j.insert("issuer".into(), opt(&i.issuer));
                let t = |v: Option<i64>| v.map_or(Value::Null, |s| time::format_utc(s).into());
                j.insert("issued_at".into(), t(i.issued_at));
                j.insert("expires_at".into(), t(i.expires_at));
                j.insert(
                    "expires_in_seconds".into(),
                    i.expires_at
                        .map_or(Value::Null, |e| e.saturating_sub(now).into()),
                );
                j.insert("expired".into(), expired.is_some().into());
                cred.insert("jwt".into(), Value::Object(j));
            }
            let report = json!({
                "gateway": {"url": url.value, "source": url.source.describe("-u/--api-url", Some(config::ENV_URL))},
                "profile": profile,
                "credential": Value::Object(cred),
                "checks": {"http": http.json(), "socket": socket.json()},
            });
            // The checks carry server text (the whoami record, the
            // socket's reply): a gateway echoing the token must not get it
            // printed. Only --show-token shows it.
            let mut report = crate::redact::scrub_json(&report);
            if self.show_token {
                if let Some(t) = &token {
                    report["token"] = t.value.clone().into();
                }
            }
            out.text(&output::json(&report));
        } else {
            let mut rows: Vec<(&str, String)> = vec![
                ("gateway", url_text),
                ("profile", profile.unwrap_or_else(|| "none".into())),
                ("credential", source_text),
            ];
            if let Some(k) = kind {
                let mut kind_text = k.describe().to_string();
                if k == CredentialKind::ApiKey {
                    if let Some(p) = token.as_ref().and_then(|t| key_prefix(&t.value)) {
                        kind_text = format!("API key (prefix {p})");
                    }
                }
                if k == CredentialKind::Unrecognised {
                    kind_text = "unrecognised: neither an API key (tg_...) nor a JWT; the gateway refuses it".into();
                }
                rows.push(("kind", kind_text));
            }
            if let Some(i) = &info {
                let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                rows.push(("subject", or_dash(&i.subject)));
                rows.push(("workspace", or_dash(&i.workspace)));
                rows.push(("key id", or_dash(&i.key_id)));
                rows.push(("issued", i.issued_at.map_or("-".into(), time::format_utc)));
                rows.push((
                    "expires",
                    i.expires_at
                        .map_or("never (no exp claim)".into(), |e| expires_at(e, now)),
                ));
            }
            rows.push(("HTTP whoami", http.line()));
            rows.push(("socket", socket.line()));
            for line in output::plain_rows(&rows).lines() {
                note(line);
            }
            if self.show_token {
                if let Some(t) = &token {
                    out.line(&t.value);
                }
            }
        }

        // The first failure decides the exit code.
        if let Some(e) = expired.filter(|_| self.offline) {
            return Err(e);
        }
        for (path, check) in [("HTTP", &http), ("the socket", &socket)] {
            if let Some(e) = check.error() {
                let mut e = e.clone();
                if !matches!(check.outcome, Outcome::Expired(_)) {
                    e.message = format!("the credential does not work over {path}: {}", e.message);
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

/// `whoami` over HTTP, timed.
async fn http_check(client: &Client) -> Check {
    let started = Instant::now();
    let r = whoami(Api::new(client)).await;
    let round_trip = Some(started.elapsed());
    let outcome = match r {
        Ok(u) => Outcome::Ok(format!("user {}", u.username), u.json.value()),
        Err(e) => Outcome::Failed(e),
    };
    Check {
        outcome,
        round_trip,
        connect: None,
    }
}

/// Connect to the socket and authenticate, timed; then close it.
async fn socket_check(client: &Client) -> Check {
    let started = Instant::now();
    let mut socket = match client.open_socket(None).await {
        Ok(s) => s,
        Err(e) => {
            return Check {
                outcome: Outcome::Failed(e),
                round_trip: None,
                connect: Some(started.elapsed()),
            }
        }
    };
    let connect = Some(started.elapsed());
    let token = client.token().cloned().unwrap_or(Setting {
        value: String::new(),
        source: Source::None,
    });
    let sent = Instant::now();
    let r = socket.authenticate(&token).await.cloned();
    let elapsed = sent.elapsed();
    let _ = socket.close().await;
    match r {
        Ok(a) => {
            let ws = a.workspace.clone().unwrap_or_else(|| "-".into());
            Check {
                outcome: Outcome::Ok(format!("workspace {ws}"), json!({"workspace": a.workspace})),
                round_trip: Some(a.round_trip),
                connect,
            }
        }
        Err(e) => Check {
            outcome: Outcome::Failed(e),
            round_trip: Some(elapsed),
            connect,
        },
    }
}
