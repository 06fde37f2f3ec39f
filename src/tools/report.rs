//! tg-credential-report: every API key with its owner, age and expiry,
//! and what is wrong with it.

use super::{keys_of, users_of};
use crate::cli::{ConnArgs, ReportFormat, TokenArgs};
use crate::client::Client;
use crate::error::{Error, Kind, Result};
use crate::iam::credentials::{self, instant, Finding, Policy, Row};
use crate::iam::{Api, ApiKey, User};
use crate::output::{self, note, yes_no, Out};
use crate::Tool;
use clap::Parser;
use serde_json::{json, Value};

/// Report every API key with its owner, age, expiry and findings, and
/// the users who hold none. It only reads.
///
/// Findings: no-expiry (a key without an expiry; only with
/// --require-expiry), expired, expires-soon (within --expiring-within
/// days), older-than-max-age (with --max-key-age), disabled-user-holds-key,
/// duplicate-name (another key of the same user has the name), and
/// admin-key-without-expiry (a key of an admin that never expires; always
/// reported).
///
/// The gateway records no last use: an API key's last_used is always
/// empty upstream, so no report can tell an unused key from a used one,
/// and this one has no such column.
///
/// Ages and days left are whole days, rounded down (days left is negative
/// once a key has expired). The table shows dates; -o csv and -o json the
/// gateway's times. Reads list-users, then list-api-keys for each user.
#[derive(Parser, Debug)]
pub struct CredentialReport {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Only the users whose home is WORKSPACE, and their keys
    /// (repeatable) [default: every workspace]
    #[arg(short = 'w', long = "workspace", value_name = "WORKSPACE")]
    pub workspaces: Vec<String>,

    /// Report every key without an expiry (no-expiry); without it only an
    /// admin's is reported (admin-key-without-expiry)
    #[arg(long = "require-expiry")]
    pub require_expiry: bool,

    /// Report keys older than DAYS days (older-than-max-age)
    #[arg(long = "max-key-age", value_name = "DAYS",
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub max_key_age: Option<u32>,

    /// Report keys that expire within DAYS days (expires-soon; 0: never)
    #[arg(long = "expiring-within", value_name = "DAYS", default_value_t = 14,
          value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub expiring_within: u32,

    /// Exit 8 when any row has a finding (the report is printed all the
    /// same; 0 when none has)
    #[arg(long)]
    pub check: bool,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,

    /// Read up to N users' keys at once
    #[arg(short = 'j', long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// The columns, in every format.
const HEADERS: [&str; 14] = [
    "username",
    "user_id",
    "workspace",
    "roles",
    "enabled",
    "must_change_password",
    "key_id",
    "prefix",
    "name",
    "created",
    "age_days",
    "expires",
    "days_left",
    "findings",
];

/// The cells of a row; `table`: dates rather than times, `—` and `never`
/// where the other formats leave a cell empty.
fn cells(r: &Row, table: bool) -> Vec<String> {
    let u = &r.user;
    let none = if table { "—" } else { "" };
    let when = |s: &str| match (table, instant(s)) {
        (true, Some(_)) => s.get(..10).unwrap_or(s).to_string(),
        _ => s.to_string(),
    };
    let num = |n: Option<i64>| n.map_or(none.to_string(), |n| n.to_string());
    let mut c = vec![
        u.username.clone(),
        u.id.clone(),
        u.default_workspace.clone(),
        u.roles_joined(),
        yes_no(u.enabled).into(),
        yes_no(u.must_change_password).into(),
    ];
    match &r.key {
        None => c.extend((0..7).map(|_| none.to_string())),
        Some(k) => c.extend([
            k.id.clone(),
            k.prefix.clone(),
            k.name.clone(),
            when(&k.created),
            num(r.age_days),
            match (k.expires.is_empty(), table) {
                (true, true) => "never".into(),
                _ => when(&k.expires),
            },
            num(r.days_left),
        ]),
    }
    c.push(findings(r).join(", "));
    c
}

fn findings(r: &Row) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.name()).collect()
}

/// A row as a JSON object: the columns, typed (`null` for what a user
/// without a key or a key without an expiry lacks).
fn row_json(r: &Row) -> Value {
    let u = &r.user;
    let k = r.key.as_ref();
    let field = |f: fn(&ApiKey) -> &str| k.map(|k| f(k).to_string());
    json!({
        "username": u.username,
        "user_id": u.id,
        "workspace": u.default_workspace,
        "roles": u.roles,
        "enabled": u.enabled,
        "must_change_password": u.must_change_password,
        "key_id": field(|k| k.id.as_str()),
        "prefix": field(|k| k.prefix.as_str()),
        "name": field(|k| k.name.as_str()),
        "created": field(|k| k.created.as_str()),
        "age_days": r.age_days,
        "expires": field(|k| k.expires.as_str()).filter(|e| !e.is_empty()),
        "days_left": r.days_left,
        "findings": findings(r),
    })
}

impl Tool for CredentialReport {
    const NAME: &'static str = "tg-credential-report";

    async fn run(self, out: &mut Out) -> Result<()> {
        let client = Client::new(Self::NAME, &self.conn, Some(&self.token))?;
        let api = Api::new(&client);
        let users = users_of(api, &self.workspaces).await?;
        let keys = keys_of(api, &users, usize::from(self.jobs)).await?;
        let policy = Policy {
            require_expiry: self.require_expiry,
            max_key_age: self.max_key_age,
            expiring_within: self.expiring_within,
        };
        let users: Vec<User> = users.into_iter().map(|(u, _)| u).collect();
        let rows = credentials::rows(&users, &keys, &policy, crate::time::now_or_test());
        match self.output {
            ReportFormat::Json => out.text(&output::json(&Value::Array(
                rows.iter().map(row_json).collect(),
            ))),
            ReportFormat::Csv => out.text(&output::csv(
                &HEADERS,
                &rows.iter().map(|r| cells(r, false)).collect::<Vec<_>>(),
            )),
            ReportFormat::Table if rows.is_empty() => out.line("No users."),
            ReportFormat::Table => out.text(&output::pretty_table(
                &HEADERS,
                &rows.iter().map(|r| cells(r, true)).collect::<Vec<_>>(),
            )),
        }
        let with_key = rows.iter().filter(|r| r.key.is_some()).count();
        let flagged = rows.iter().filter(|r| !r.findings.is_empty()).count();
        let mut counts: Vec<String> = Finding::ALL
            .iter()
            .filter_map(|f| {
                let n = rows.iter().filter(|r| r.findings.contains(f)).count();
                (n > 0).then(|| format!("{} {n}", f.name()))
            })
            .collect();
        if counts.is_empty() {
            counts.push("none".into());
        }
        note(&format!(
            "{}: keys: {with_key}; users without a key: {}; findings: {}",
            Self::NAME,
            rows.len() - with_key,
            counts.join(", ")
        ));
        if self.check && flagged > 0 {
            out.keep_on_failure();
            return Err(Error::new(
                Kind::Check,
                format!("{flagged} of {} rows have findings", rows.len()),
            ));
        }
        Ok(())
    }
}
