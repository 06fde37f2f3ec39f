//! Applying a plan: stage by stage (workspaces, users, keys), the steps of
//! a stage up to `--jobs` at a time, each write read back (a TrustGraph
//! 2.11 gateway answers refusals like successes), each minted secret
//! written out the moment it exists.

use super::manifest::Manifest;
use super::plan::{generated, new_user, want_user, Plan};
use super::state::{Action, Sign, Step};
use crate::error::{Error, Result};
use crate::iam::converge::{self, show_diffs, user_diffs, workspace_diffs, WantUser};
use crate::iam::{self, Api, ApiKey, Flag, Operation};
use crate::output::{note, stderr_text, Minted};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where minted secrets go: one JSON object per line.
pub struct Secrets {
    file: Option<(File, PathBuf)>,
    /// Whether a secret was written: a file created for none is removed
    /// at the end, so that the re-run a failure asks for can create it.
    written: bool,
}

impl Drop for Secrets {
    fn drop(&mut self) {
        if let (Some((_, p)), false) = (&self.file, self.written) {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Secrets {
    pub fn stdout() -> Secrets {
        Secrets {
            file: None,
            written: false,
        }
    }

    /// A new file, 0600; an existing one is never overwritten.
    pub fn create(path: &Path) -> Result<Secrets> {
        use std::os::unix::fs::OpenOptionsExt;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| {
                let why = if e.kind() == io::ErrorKind::AlreadyExists {
                    "it exists: refusing to overwrite it".to_string()
                } else {
                    e.to_string()
                };
                Error::usage(format!(
                    "cannot create --secrets-out {}: {why}; nothing was changed",
                    path.display()
                ))
                .with_hint("name a file that does not exist yet")
            })?;
        Ok(Secrets {
            file: Some((f, path.to_path_buf())),
            written: false,
        })
    }

    /// Write one secret's record. A failure is exit 7, saying what was
    /// created and how to recover: the secret is lost.
    fn write(&mut self, record: &Value, secret: &str, m: Minted) -> Result<()> {
        crate::redact::register(secret);
        self.written = true;
        let mut line = record.to_string();
        line.push('\n');
        let (r, to) = match &mut self.file {
            None => {
                let mut o = io::stdout().lock();
                let r = o.write_all(line.as_bytes()).and_then(|_| o.flush());
                (r, "standard output".to_string())
            }
            Some((f, p)) => {
                let r = f.write_all(line.as_bytes()).and_then(|_| f.sync_data());
                (r, p.display().to_string())
            }
        };
        r.map_err(|e| m.lost(&to, &e))
    }
}

/// What the steps share.
pub struct Ctx<'a> {
    pub api: Api<'a>,
    pub manifest: &'a Manifest,
    /// The initial password of each user to create, by manifest index.
    pub passwords: HashMap<usize, String>,
    /// User ids by username: the existing users', then the created ones'.
    pub ids: RefCell<HashMap<String, String>>,
    pub secrets: RefCell<Secrets>,
}

const NOT_CARRIED_OUT: &str = "a TrustGraph 2.11 gateway does not report refusals; check your role (admin) and the gateway's log";

fn not_carried_out(op: Operation, what: String) -> Error {
    Error::refused(format!(
        "{op} was not carried out: the gateway acknowledged it, but {what}"
    ))
    .with_hint(NOT_CARRIED_OUT)
}

/// Why a step did not end confirmed.
#[derive(Debug)]
enum StepError {
    /// The step failed: a write was refused or lost, or its read-back
    /// shows it did not take.
    Failed(Error),
    /// Every write was acknowledged, but reading the result back failed:
    /// done, not confirmed.
    Unconfirmed(Error),
}

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        StepError::Failed(e)
    }
}

type StepResult = std::result::Result<(), StepError>;

/// A read-back's request failed: the write stands, unconfirmed.
fn unconfirmed(e: Error) -> StepError {
    StepError::Unconfirmed(e)
}

/// The request for user `id`, in no particular workspace.
fn user(id: &str) -> iam::UserTarget {
    iam::user(id, None)
}

/// Read workspace `i` back: it must hold `enabled` (when given) and the
/// manifest's name.
async fn verify_workspace(
    ctx: &Ctx<'_>,
    i: usize,
    enabled: Option<bool>,
    op: Operation,
) -> StepResult {
    let w = &ctx.manifest.workspaces[i];
    let got = converge::get_workspace(ctx.api, &w.id)
        .await
        .map_err(unconfirmed)?;
    let Some(have) = got else {
        return Err(not_carried_out(op, format!("workspace {} does not exist", w.id)).into());
    };
    let d = workspace_diffs(&have, w.name.as_deref(), enabled);
    if !d.is_empty() {
        return Err(not_carried_out(
            op,
            format!("workspace {} still differs: {}", w.id, show_diffs(&d)),
        )
        .into());
    }
    Ok(())
}

/// Read user `id` (manifest user `i`) back: it must look like `want`.
async fn verify_user(
    ctx: &Ctx<'_>,
    i: usize,
    id: &str,
    want: &WantUser,
    op: Operation,
) -> StepResult {
    let u = &ctx.manifest.users[i];
    let got = converge::get_user(ctx.api, id, None)
        .await
        .map_err(unconfirmed)?;
    let Some(have) = got else {
        return Err(not_carried_out(op, format!("user {} does not exist", u.username)).into());
    };
    let d = user_diffs(&have, want);
    if !d.is_empty() {
        return Err(not_carried_out(
            op,
            format!("user {} still differs: {}", u.username, show_diffs(&d)),
        )
        .into());
    }
    Ok(())
}

/// The ids of `user_id`'s keys (a read-back: its failure leaves the write
/// unconfirmed).
async fn key_ids(ctx: &Ctx<'_>, user_id: &str) -> std::result::Result<Vec<String>, StepError> {
    Ok(converge::user_keys(ctx.api, user_id, None)
        .await
        .map_err(unconfirmed)?
        .into_iter()
        .map(|k| k.value.id)
        .collect())
}

/// Create manifest key `i`, write its secret, and check that it exists.
/// The key's record comes back even when the check could not be made.
async fn create_key(ctx: &Ctx<'_>, i: usize) -> (std::result::Result<ApiKey, Error>, StepResult) {
    match mint_key(ctx, i).await {
        Err(e) => (Err(e), Ok(())),
        Ok((rec, owner)) => {
            let check = match key_ids(ctx, &owner).await {
                Err(e) => Err(e),
                Ok(ids) if ids.contains(&rec.id) => Ok(()),
                Ok(_) => Err(not_carried_out(
                    Operation::CreateApiKey,
                    format!(
                        "user {} has no key {}",
                        ctx.manifest.api_keys[i].user, rec.id
                    ),
                )
                .into()),
            };
            (Ok(rec), check)
        }
    }
}

/// Send `create-api-key` for manifest key `i` and write its secret: the
/// key's record and its owner's id.
async fn mint_key(ctx: &Ctx<'_>, i: usize) -> Result<(ApiKey, String)> {
    let k = &ctx.manifest.api_keys[i];
    let owner = ctx.ids.borrow().get(&k.user).cloned().ok_or_else(|| {
        Error::refused(format!("user {} does not exist", k.user))
            .with_hint("its creation did not succeed; run tg-apply again")
    })?;
    let req = iam::CreateApiKey {
        key: iam::NewApiKey {
            user_id: owner.clone(),
            name: k.name.clone(),
            expires: k.expires.clone(),
        },
        workspace: None,
    };
    let iam::CreatedKey {
        plaintext: secret,
        key: rec,
    } = converge::create_api_key(ctx.api, &req)
        .await
        .map_err(|e| {
            e.outcome_unknown(
                &format!("API key {:?} of user {} may exist, its secret unseen", k.name, k.user),
                &format!(
                    "if tg-list-api-keys --username {} lists it, revoke it with tg-revoke-api-key and run tg-apply again",
                    k.user
                ),
            )
        })?;
    ctx.secrets.borrow_mut().write(
        &json!({"kind": "api_key", "user": k.user, "name": k.name, "key_id": rec.id, "secret": secret}),
        &secret,
        Minted {
            what: format!("API key {}/{}", k.user, k.name),
            created: format!("API key {} ({:?}) was created for user {}", rec.id, k.name, k.user),
            recover: format!(
                "revoke it with tg-revoke-api-key --key-id {} and run tg-apply again",
                rec.id
            ),
        },
    )?;
    Ok((rec, owner))
}

/// Revoke `key` and check that it is gone.
async fn revoke_key(ctx: &Ctx<'_>, key: &ApiKey) -> StepResult {
    let req = iam::RevokeApiKey {
        key_id: key.id.clone(),
        workspace: None,
    };
    ctx.api.revoke_api_key(&req).await?;
    if key_ids(ctx, &key.user_id).await?.contains(&key.id) {
        return Err(not_carried_out(
            Operation::RevokeApiKey,
            format!("key {} still exists", key.id),
        )
        .into());
    }
    Ok(())
}

/// Replace key `old` by manifest key `i` (a different expiry, or a
/// rotation): a new key with the manifest's `expires` (its secret
/// written), then the old one revoked. A failure after the new key exists
/// says so, naming both keys.
async fn replace_key(ctx: &Ctx<'_>, i: usize, old: &ApiKey) -> StepResult {
    let (minted, created) = create_key(ctx, i).await;
    let new = minted?;
    if let Err(StepError::Failed(e)) = created {
        return Err(StepError::Failed(e));
    }
    let also = |e: Error| {
        let message = format!(
            "the new key {} was created (its secret written), but the old key {} was not revoked: {}; both keys now exist",
            new.id, old.id, e.message
        );
        let revoke = format!(
            "revoke the old key with tg-revoke-api-key --key-id {}",
            old.id
        );
        let hint = match &e.hint {
            Some(h) => format!("{h}; {revoke}"),
            None => revoke,
        };
        e.reworded(message).with_hint(hint)
    };
    match (created, revoke_key(ctx, old).await) {
        (_, Err(StepError::Failed(e))) => Err(StepError::Failed(also(e))),
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// Carry out one step and read back its effect.
async fn run_step(ctx: &Ctx<'_>, step: &Step) -> StepResult {
    let m = ctx.manifest;
    let api = ctx.api;
    match &step.action {
        Action::CreateWorkspace(i) => {
            let w = &m.workspaces[*i];
            let enabled = w.enabled_when_new();
            let req = iam::NewWorkspace {
                id: w.id.clone(),
                enabled: Flag::Set(enabled),
                name: w.name.clone().filter(|n| !n.is_empty()),
            };
            converge::create_workspace(api, &req).await?;
            verify_workspace(ctx, *i, Some(enabled), Operation::CreateWorkspace).await
        }
        Action::UpdateWorkspace(i, have) => {
            let w = &m.workspaces[*i];
            let enabled = w.enabled.unwrap_or(have.enabled);
            let rename = w.name.as_deref().is_some_and(|n| n != have.name);
            if rename || (enabled && !have.enabled) {
                let req = iam::WorkspaceChanges {
                    id: w.id.clone(),
                    name: w.name.clone().filter(|_| rename),
                    enabled: Flag::Set(enabled || have.enabled),
                };
                api.update_workspace(&req).await?;
            }
            if enabled && !have.enabled {
                // Announce it again, as re-enabling takes on the gateway.
                let req = iam::NewWorkspace {
                    id: w.id.clone(),
                    enabled: Flag::Set(true),
                    name: None,
                };
                converge::create_workspace(api, &req).await?;
            }
            if !enabled && have.enabled {
                api.disable_workspace(&w.id).await?;
            }
            verify_workspace(ctx, *i, w.enabled, Operation::UpdateWorkspace).await
        }
        Action::CreateUser(i) => {
            let u = &m.users[*i];
            let password = ctx.passwords.get(i).map(String::as_str).unwrap_or("");
            let want = new_user(u);
            let req = iam::CreateUser {
                user: Some(iam::NewUser {
                    username: u.username.clone(),
                    password: password.into(),
                    roles: want.roles.clone().unwrap_or_default(),
                    name: u.name.clone().filter(|n| !n.is_empty()),
                    email: u.email.clone().filter(|e| !e.is_empty()),
                    must_change_password: Flag::Absent,
                    // Sent only to create the user disabled.
                    enabled: Flag::when(!want.enabled.unwrap_or(true), false),
                }),
                workspace: Some(u.workspace.clone()),
            };
            let created = converge::create_user(api, &req)
            .await
            .map_err(|e| match generated(u) {
                true => e.outcome_unknown(
                    &format!("user {} may exist, with a generated password nobody saw", u.username),
                    &format!(
                        "if tg-show-user --username {} finds it, set a new password with tg-reset-password --username {}",
                        u.username, u.username
                    ),
                ),
                false => e,
            })?;
            let id = created.value.id;
            ctx.ids.borrow_mut().insert(u.username.clone(), id.clone());
            if generated(u) {
                ctx.secrets.borrow_mut().write(
                    &json!({"kind": "password", "user": u.username, "user_id": id, "secret": password}),
                    password,
                    Minted {
                        what: format!("generated password of user {}", u.username),
                        created: format!("user {} ({id}) was created with it", u.username),
                        recover: format!("set a new one with tg-reset-password --user-id {id}"),
                    },
                )?;
            }
            verify_user(ctx, *i, &id, &want, Operation::CreateUser).await
        }
        Action::UpdateUser(i, have) => {
            let u = &m.users[*i];
            let mut want = want_user(u);
            want.enabled = None;
            if !user_diffs(have, &want).is_empty() {
                let req = iam::UpdateUser {
                    user_id: have.id.clone(),
                    user: Some(iam::UserChanges {
                        name: u.name.clone(),
                        email: u.email.clone(),
                        // Absent roles are kept by the gateway.
                        roles: u.roles.clone(),
                        // Sent back as they are: the gateway resets absent
                        // booleans.
                        enabled: Flag::Set(have.enabled),
                        must_change_password: Flag::Set(have.must_change_password),
                        ..Default::default()
                    }),
                    workspace: None,
                };
                api.update_user(&req).await?;
            }
            match u.enabled.filter(|e| *e != have.enabled) {
                Some(true) => drop(api.enable_user(&user(&have.id)).await?),
                Some(false) => drop(api.disable_user(&user(&have.id)).await?),
                None => {}
            }
            let mut want = want_user(u);
            want.workspace = Some(u.workspace.clone());
            verify_user(ctx, *i, &have.id, &want, Operation::UpdateUser).await
        }
        Action::DisableUser(have) => {
            api.disable_user(&user(&have.id)).await?;
            let got = converge::get_user(api, &have.id, None)
                .await
                .map_err(unconfirmed)?;
            match got {
                Some(u) if !u.enabled => Ok(()),
                _ => Err(not_carried_out(
                    Operation::DisableUser,
                    format!("user {} is not disabled", have.username),
                )
                .into()),
            }
        }
        Action::CreateKey(i) => {
            let (minted, check) = create_key(ctx, *i).await;
            minted?;
            check
        }
        Action::ReplaceKey(i, old) | Action::RotateKey(i, old) => replace_key(ctx, *i, old).await,
        Action::RevokeKey(_, key) => revoke_key(ctx, key).await,
    }
}

/// Step progress on stderr: on a terminal one line redrawn (step n of
/// m); elsewhere (CI) one line per finished step.
struct Progress {
    total: usize,
    done: usize,
    tty: bool,
}

impl Progress {
    fn finished(&mut self, step: &Step, r: &StepResult, started: Instant) {
        self.done += 1;
        let (n, m) = (self.done, self.total);
        let what = format!("{} {}", step.sign.char(), step.text);
        let secs = started.elapsed().as_secs_f64();
        let said = match r {
            Ok(()) if self.tty => {
                let line = stderr_text(&format!("[{n}/{m}] {what}: done"));
                let mut e = io::stderr().lock();
                let _ = write!(e, "\r\x1b[K{line}");
                let _ = e.flush();
                return;
            }
            Ok(()) => format!("done ({secs:.1} s)"),
            Err(StepError::Unconfirmed(e)) => {
                format!("done, not confirmed: the read-back failed: {}", e.message)
            }
            Err(StepError::Failed(e)) => format!("FAILED: {}", e.message),
        };
        if self.tty {
            erase_line();
        }
        note(&format!("[{n}/{m}] {what}: {said}"));
    }

    fn clear(&self) {
        if self.tty && self.done > 0 {
            erase_line();
        }
    }
}

/// Erase the progress line (a terminal only). Not `eprint!`, which
/// panics when stderr cannot be written. Written around anstream: erasing
/// a line is cursor control, not colour, and NO_COLOR does not turn it
/// off (anstream would strip it).
fn erase_line() {
    let mut e = io::stderr().lock();
    let _ = write!(e, "\r\x1b[K");
    let _ = e.flush();
}

/// What became of the steps: by step number, the ones that did not end
/// confirmed.
#[derive(Default)]
struct Tally {
    confirmed: usize,
    unconfirmed: Vec<(usize, Error)>,
    failed: Vec<(usize, Error)>,
}

/// Apply `plan`'s steps. A step that fails, or whose read-back fails,
/// stops the run: no new step starts, the ones under way finish. The
/// closing line counts the steps done (confirmed or not), failed and not
/// started; the error names the first step that failed, or else the first
/// that is done but not confirmed, and says that a re-run does the rest.
pub async fn apply(ctx: &Ctx<'_>, plan: &Plan, jobs: usize, tty: bool) -> Result<()> {
    let total = plan.steps.len();
    let progress = RefCell::new(Progress {
        total,
        done: 0,
        tty,
    });
    let stop = Cell::new(false);
    let tally = RefCell::new(Tally::default());
    let stages = plan.steps.iter().map(|s| s.stage).max().unwrap_or(0);
    for stage in 0..=stages {
        if stop.get() {
            break;
        }
        let steps = plan
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.stage == stage);
        stream::iter(steps)
            .map(|(n, s)| {
                let (stop, progress, tally) = (&stop, &progress, &tally);
                async move {
                    if stop.get() {
                        return;
                    }
                    let started = Instant::now();
                    let r = run_step(ctx, s).await;
                    progress.borrow_mut().finished(s, &r, started);
                    let mut t = tally.borrow_mut();
                    match r {
                        Ok(()) => t.confirmed += 1,
                        Err(StepError::Unconfirmed(e)) => {
                            stop.set(true);
                            t.unconfirmed.push((n, e));
                        }
                        Err(StepError::Failed(e)) => {
                            stop.set(true);
                            t.failed.push((n, e));
                        }
                    }
                }
            })
            .buffer_unordered(jobs)
            .collect::<Vec<()>>()
            .await;
    }
    progress.borrow().clear();
    let t = tally.into_inner();
    let (first, how) = match (t.failed.first(), t.unconfirmed.first()) {
        (Some(f), _) => (f, "failed"),
        (None, Some(u)) => (u, "was done but not confirmed"),
        (None, None) => {
            note(&format!("Applied {total} step{}.", plural(total)));
            return Ok(());
        }
    };
    for (k, e) in t.failed.iter().chain(&t.unconfirmed) {
        if k == &first.0 {
            continue;
        }
        let s = &plan.steps[*k];
        let what = if t.failed.iter().any(|(f, _)| f == k) {
            "also failed"
        } else {
            "also done but not confirmed"
        };
        note(&format!(
            "{what}: step {} of {total}: {} {}: {}",
            k + 1,
            s.sign.char(),
            s.text,
            e.message
        ));
    }
    let done = t.confirmed + t.unconfirmed.len();
    let not_started = total - done - t.failed.len();
    note(&format!(
        "{done} of {total} step{} done ({} confirmed, {} not confirmed), {} failed, {not_started} not started.",
        plural(total),
        t.confirmed,
        t.unconfirmed.len(),
        t.failed.len()
    ));
    let (n, e) = first;
    let s = &plan.steps[*n];
    let rerun = if how == "failed" {
        "the steps done stay done: fix the cause and run tg-apply again to do the rest"
    } else {
        "the gateway acknowledged it, but it could not be read back: run tg-apply again (or --dry-run) to see what the gateway holds and do the rest"
    };
    let hint = match &e.hint {
        Some(h) => format!("{h}; {rerun}"),
        None => rerun.to_string(),
    };
    let why = if how == "failed" {
        e.message.clone()
    } else {
        format!("the read-back failed: {}", e.message)
    };
    let message = format!(
        "step {} of {total} {how}: {} {}: {why}",
        n + 1,
        s.sign.char(),
        s.text,
    );
    Err(e.clone().reworded(message).with_hint(hint))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The plan on stderr: `+`/`~`/`-`/`=` lines, then the summary. The
/// lines are coloured where colour is on: anstream drops the styles when
/// stderr is not a terminal, when NO_COLOR is set (and not empty), with
/// CLICOLOR=0 or TERM=dumb (CLICOLOR_FORCE forces them).
pub fn print_plan(plan: &Plan) {
    use anstyle::{AnsiColor, Style};
    // Buffered: a plan of 100,000 lines is not 100,000 writes.
    let mut e = io::BufWriter::new(anstream::stderr().lock());
    for (sign, text) in &plan.lines {
        // Scrubbed and stripped of controls first: the style is ours.
        let line = stderr_text(&format!("{} {text}", sign.char()));
        let style = match sign {
            Sign::Create => AnsiColor::Green.on_default(),
            Sign::Change | Sign::Rotate => AnsiColor::Yellow.on_default(),
            Sign::Prune => AnsiColor::Red.on_default(),
            Sign::Same => Style::new().dimmed(),
        };
        let _ = writeln!(e, "{style}{line}{style:#}");
    }
    let _ = writeln!(e, "{}", stderr_text(&plan.summary()));
    let _ = e.flush();
}

/// Whether this is a secrets file path the run may create: it must not
/// exist yet (checked again, race-free, when it is created).
pub fn check_new_file(path: &Path) -> Result<()> {
    if path.exists() || path.is_symlink() {
        return Err(Error::usage(format!(
            "--secrets-out {} exists: refusing to overwrite it; nothing was changed",
            path.display()
        ))
        .with_hint("name a file that does not exist yet"));
    }
    Ok(())
}
