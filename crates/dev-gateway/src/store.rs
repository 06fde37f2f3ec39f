//! The state file (`--state FILE`): a SQLite database, one table per kind
//! of record ([`SCHEMA`]), so that it opens with the `sqlite3` tool for
//! inspection.
//!
//! * **A write touches what it changes.** Each request's changes (the rows
//!   its [`Tx`](crate::state::Tx) recorded) are written in one SQLite
//!   transaction, committed before the reply is sent: WAL journal with
//!   `synchronous=FULL`, so a committed write is on disk, and a `kill -9`
//!   (or a power cut) loses no acknowledged change and leaves no torn file.
//! * **Private.** The file holds the Ed25519 signing secrets and the
//!   password hashes: it is created 0600 before SQLite writes to it, SQLite
//!   gives its `-wal`, `-shm` and `-journal` files the database's mode, and
//!   a state file or companion that group or others may open stops
//!   start-up.
//! * **One gateway at a time.** `FILE.lock` (0600, empty) is locked
//!   (`flock`) for as long as the store is open; a second gateway on the
//!   same file gets [`StateInUse`] before it reads or writes anything.
//! * **A JSON state** (the format this gateway wrote before) is migrated
//!   once at start: the database is built beside it, the JSON is kept as
//!   `FILE.json-migrated` (0600, never read again), and the database
//!   takes the JSON's place in one rename.

use crate::state::{ApiKey, Kind, Row, SigningKey, State, Table, User, Workspace};
use anyhow::Context as _;
use rusqlite::{params, Connection, OpenFlags, Transaction, TransactionBehavior};
use serde::Deserialize;
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The mode of the state file and of every file beside it that the
/// gateway or SQLite makes.
pub const STATE_FILE_MODE: u32 = 0o600;

/// The first 16 bytes of every SQLite database.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// `PRAGMA application_id` of a tg-dev-gateway state: "tggw".
pub const APPLICATION_ID: i32 = 0x7467_6777;

/// `PRAGMA user_version`: the version of [`SCHEMA`].
pub const SCHEMA_VERSION: i32 = 1;

/// The tables. `seq` is a row's place in insertion order (lists keep it);
/// `roles` is a JSON array; booleans are 0 or 1; times are as the
/// records hold them (ISO 8601 text for records, epoch seconds for
/// revocations and signing keys).
pub const SCHEMA: &str = "\
CREATE TABLE users (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace TEXT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    roles TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    must_change_password INTEGER NOT NULL,
    created TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    not_before INTEGER
);
CREATE TABLE workspaces (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created TEXT NOT NULL,
    not_before INTEGER
);
CREATE TABLE api_keys (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    expires TEXT NOT NULL,
    created TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE TABLE signing_keys (
    seq INTEGER PRIMARY KEY,
    kid TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    created INTEGER NOT NULL,
    retired INTEGER
);
";

/// Another gateway holds the state file: nothing was read or written.
/// (`tg-dev-gateway` exits with [`StateInUse::EXIT_CODE`].)
#[derive(Debug)]
pub struct StateInUse {
    pub path: PathBuf,
    pub lock: PathBuf,
}

impl StateInUse {
    /// The exit code of `tg-dev-gateway` when its state is in use.
    pub const EXIT_CODE: u8 = 3;
}

impl fmt::Display for StateInUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "state file {} is in use by another tg-dev-gateway (lock {} is held); stop that gateway, or give this one another --state",
            self.path.display(),
            self.lock.display()
        )
    }
}

impl std::error::Error for StateInUse {}

/// What a migration from a JSON state did: said on stderr at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub path: PathBuf,
    /// Where the JSON file is kept.
    pub kept: PathBuf,
    pub users: usize,
    pub workspaces: usize,
    pub api_keys: usize,
    pub signing_keys: usize,
}

impl fmt::Display for Migrated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "state file {} was JSON: migrated to SQLite ({} users, {} workspaces, {} API keys, {} signing keys); the JSON file is kept as {} and no longer read",
            self.path.display(),
            self.users,
            self.workspaces,
            self.api_keys,
            self.signing_keys,
            self.kept.display()
        )
    }
}

/// An open state file, and the lock that keeps other gateways out.
pub struct Store {
    path: PathBuf,
    conn: Connection,
    /// Locked while the store is open. Declared after `conn`, so it is
    /// released only once the database is closed.
    _lock: File,
}

/// A store just opened: the state it holds, and whether it was migrated.
pub struct Opened {
    pub store: Store,
    pub state: State,
    pub migrated: Option<Migrated>,
}

/// A file that only its owner may open (the state file and its
/// companions, the audit log): an error naming `what`, `why` it must be
/// private, and the fix, when `mode` lets group or others in.
pub(crate) fn refuse_if_open_to_others(
    what: &str,
    path: &Path,
    mode: u32,
    why: &str,
) -> anyhow::Result<()> {
    if mode & 0o077 != 0 {
        let p = path.display();
        anyhow::bail!(
            "{what} {p} is open to group or others (mode {:o}); {why}: run chmod 600 {p}",
            mode & 0o777
        );
    }
    Ok(())
}

const WHY_PRIVATE: &str = "it holds the signing key and password hashes";

/// `path` with `suffix` appended to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The lock file of state file `path`.
pub fn lock_path(path: &Path) -> PathBuf {
    beside(path, ".lock")
}

/// Where a migrated JSON state file is kept.
pub fn migrated_path(path: &Path) -> PathBuf {
    beside(path, ".json-migrated")
}

/// The files SQLite keeps beside the database.
pub fn companions(path: &Path) -> [PathBuf; 3] {
    ["-wal", "-shm", "-journal"].map(|s| beside(path, s))
}

/// Create `path` empty with the state file's mode, failing if it exists.
fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(STATE_FILE_MODE)
        .open(path)
}

/// Why a state file cannot be used: corrupt (SQLite says it is not a
/// database, or a damaged one; or a row cannot be read), or something
/// else.
fn unusable(path: &Path, e: anyhow::Error) -> anyhow::Error {
    use rusqlite::ffi::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.downcast_ref::<rusqlite::Error>() {
        Some(
            rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..),
        ) => corrupt(path, e),
        Some(s) if matches!(s.sqlite_error_code(), Some(DatabaseCorrupt | NotADatabase)) => {
            corrupt(path, e)
        }
        _ => anyhow::anyhow!("cannot open state file {}: {e}", path.display()),
    }
}

fn corrupt(path: &Path, e: impl fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "state file {} is corrupt ({e}); refusing to start empty — restore it or move it away",
        path.display()
    )
}

/// The format of today's JSON state, as the previous store wrote it.
#[derive(Deserialize)]
struct JsonState {
    users: Vec<User>,
    workspaces: Vec<Workspace>,
    api_keys: Vec<ApiKey>,
    signing_keys: Vec<SigningKey>,
}

impl JsonState {
    fn state(self) -> State {
        fn table<R: Row>(rows: Vec<R>) -> Table<R> {
            Table::loaded((1..).zip(rows))
        }
        State {
            users: table(self.users),
            workspaces: table(self.workspaces),
            api_keys: table(self.api_keys),
            signing_keys: table(self.signing_keys),
        }
    }
}

impl Store {
    /// Open the state file at `path` (a missing one is created, empty),
    /// after taking its lock; migrate a JSON state first. Refused: a file
    /// another gateway holds ([`StateInUse`]), one that group or others may
    /// open (or a companion that they may), an unreadable or corrupt one,
    /// a SQLite database that is not a tg-dev-gateway state.
    pub fn open(path: &Path) -> anyhow::Result<Opened> {
        let p = path.display();
        if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            anyhow::bail!("cannot read state file {p}: not a regular file");
        }
        let lock = take_lock(path)?;
        let head = match File::open(path) {
            Ok(f) => {
                let mut head = Vec::new();
                f.take(SQLITE_HEADER.len() as u64)
                    .read_to_end(&mut head)
                    .map_err(|e| anyhow::anyhow!("cannot read state file {p}: {e}"))?;
                Some(head)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => anyhow::bail!("cannot read state file {p}: {e}"),
        };
        let migrated = match head {
            None => {
                create_private(path)
                    .map_err(|e| anyhow::anyhow!("cannot write state file {p}: {e}"))?;
                None
            }
            Some(h) if h.is_empty() || h == SQLITE_HEADER => None,
            Some(_) => Some(migrate(path)?),
        };
        for f in std::iter::once(path.to_path_buf()).chain(companions(path)) {
            match fs::metadata(&f) {
                Ok(m) => {
                    refuse_if_open_to_others("state file", &f, m.permissions().mode(), WHY_PRIVATE)?
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => anyhow::bail!("cannot read state file {}: {e}", f.display()),
            }
        }
        let conn = connect(path).map_err(|e| unusable(path, e))?;
        let state = load(&conn).map_err(|e| unusable(path, e))?;
        let state = match state {
            Some(st) => st,
            None => anyhow::bail!(
                "state file {p} is a SQLite database but not a tg-dev-gateway state; refusing to use it — give another --state"
            ),
        };
        let store = Store {
            path: path.to_path_buf(),
            conn,
            _lock: lock,
        };
        Ok(Opened {
            store,
            state,
            migrated,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write the rows `changed` (as they are now in `st`: a row that is
    /// gone is deleted) in one transaction, committed (and so on disk)
    /// before this returns.
    pub fn write(&mut self, st: &State, changed: &[(Kind, i64)]) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Deletions first, so a row that takes a freed unique key (a
        // username) never meets the row it replaces.
        for &(kind, seq) in changed {
            let gone = match kind {
                Kind::Users => st.users.at(seq).is_none(),
                Kind::Workspaces => st.workspaces.at(seq).is_none(),
                Kind::ApiKeys => st.api_keys.at(seq).is_none(),
                Kind::SigningKeys => st.signing_keys.at(seq).is_none(),
            };
            if gone {
                tx.prepare_cached(&format!("DELETE FROM {} WHERE seq = ?1", table(kind)))?
                    .execute([seq])?;
            }
        }
        for &(kind, seq) in changed {
            match kind {
                Kind::Users => st.users.at(seq).map(|r| r.upsert(&tx, seq)),
                Kind::Workspaces => st.workspaces.at(seq).map(|r| r.upsert(&tx, seq)),
                Kind::ApiKeys => st.api_keys.at(seq).map(|r| r.upsert(&tx, seq)),
                Kind::SigningKeys => st.signing_keys.at(seq).map(|r| r.upsert(&tx, seq)),
            }
            .transpose()?;
        }
        tx.commit()
    }
}

fn table(kind: Kind) -> &'static str {
    match kind {
        Kind::Users => User::TABLE,
        Kind::Workspaces => Workspace::TABLE,
        Kind::ApiKeys => ApiKey::TABLE,
        Kind::SigningKeys => SigningKey::TABLE,
    }
}

/// Create and lock `FILE.lock`; [`StateInUse`] if another process holds
/// it.
fn take_lock(path: &Path) -> anyhow::Result<File> {
    let lock = lock_path(path);
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(STATE_FILE_MODE)
        .open(&lock)
        .map_err(|e| anyhow::anyhow!("cannot write state file {}: {e}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(TryLockError::WouldBlock) => Err(StateInUse {
            path: path.to_path_buf(),
            lock,
        }
        .into()),
        Err(TryLockError::Error(e)) => {
            anyhow::bail!(
                "cannot lock state file {} ({}): {e}",
                path.display(),
                lock.display()
            )
        }
    }
}

/// Open the database: WAL journal, every commit synced.
fn connect(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // A sqlite3 shell writing to the file may hold it briefly.
    conn.busy_timeout(Duration::from_secs(2))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        anyhow::bail!("cannot use a write-ahead log here (journal mode {mode})");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

/// The state the database holds; an empty database gets the schema. None:
/// a database of something else.
fn load(conn: &Connection) -> anyhow::Result<Option<State>> {
    let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app == 0 && version == 0 {
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        if tables != 0 {
            return Ok(None);
        }
        create_schema(conn)?;
    } else if app != APPLICATION_ID {
        return Ok(None);
    } else if version != SCHEMA_VERSION {
        anyhow::bail!(
            "its schema version is {version}; this gateway reads version {SCHEMA_VERSION}"
        );
    }
    Ok(Some(State {
        users: load_table(conn)?,
        workspaces: load_table(conn)?,
        api_keys: load_table(conn)?,
        signing_keys: load_table(conn)?,
    }))
}

fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;\n{SCHEMA}PRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;"
    ))
}

fn load_table<R: SqlRow>(conn: &Connection) -> rusqlite::Result<Table<R>> {
    let sql = format!(
        "SELECT seq, {} FROM {} ORDER BY seq",
        R::COLUMNS.join(", "),
        R::TABLE
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, R::read(r)?)))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
    }
    Ok(Table::loaded(out))
}

/// Read and parse the JSON state at `path`, build the database beside it,
/// keep the JSON as `FILE.json-migrated`, and rename the database over
/// it. A crash at any point leaves either the JSON state (migrated again
/// at the next start) or the database.
fn migrate(path: &Path) -> anyhow::Result<Migrated> {
    let p = path.display();
    let (bytes, mode) = File::open(path)
        .and_then(|mut f| {
            let mode = f.metadata()?.permissions().mode();
            let mut b = Vec::new();
            f.read_to_end(&mut b)?;
            Ok((b, mode))
        })
        .map_err(|e| anyhow::anyhow!("cannot read state file {p}: {e}"))?;
    let json: JsonState = serde_json::from_slice(&bytes).map_err(|e| corrupt(path, e))?;
    refuse_if_open_to_others("state file", path, mode, WHY_PRIVATE)?;
    let state = json.state();
    let cannot = |e: &dyn fmt::Display| anyhow::anyhow!("cannot migrate state file {p}: {e}");

    // The database, built beside the JSON (a leftover of a crash first
    // removed: it was never in use).
    let tmp = beside(path, ".migrating");
    for f in std::iter::once(tmp.clone()).chain(companions(&tmp)) {
        match fs::remove_file(&f) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(cannot(&e)),
            _ => {}
        }
    }
    create_private(&tmp).map_err(|e| cannot(&e))?;
    let built = (|| -> rusqlite::Result<()> {
        let mut conn = Connection::open_with_flags(&tmp, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        create_schema(&conn)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_all(&tx, &state)?;
        tx.commit()?;
        conn.close().map_err(|(_, e)| e)
    })();
    if let Err(e) = built {
        let _ = fs::remove_file(&tmp);
        return Err(cannot(&e));
    }
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| cannot(&e))?;

    // The JSON, kept: 0600 from the start, never overwriting another
    // file (but the copy of an interrupted migration of the same JSON).
    let kept = migrated_path(path);
    match create_private(&kept) {
        Ok(mut f) => f
            .write_all(&bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| cannot(&e))?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if fs::read(&kept).ok().as_deref() != Some(&bytes[..]) {
                let _ = fs::remove_file(&tmp);
                return Err(cannot(&format_args!(
                    "{} already exists; move it away",
                    kept.display()
                )));
            }
        }
        Err(e) => return Err(cannot(&e)),
    }
    fs::rename(&tmp, path).map_err(|e| cannot(&e))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot migrate state file {p}"))?;
    Ok(Migrated {
        path: path.to_path_buf(),
        kept,
        users: state.users.len(),
        workspaces: state.workspaces.len(),
        api_keys: state.api_keys.len(),
        signing_keys: state.signing_keys.len(),
    })
}

/// Every row of `st`.
fn write_all(tx: &Transaction, st: &State) -> rusqlite::Result<()> {
    for (seq, r) in st.users.rows() {
        r.upsert(tx, seq)?;
    }
    for (seq, r) in st.workspaces.rows() {
        r.upsert(tx, seq)?;
    }
    for (seq, r) in st.api_keys.rows() {
        r.upsert(tx, seq)?;
    }
    for (seq, r) in st.signing_keys.rows() {
        r.upsert(tx, seq)?;
    }
    Ok(())
}

/// A record as a row of its table.
trait SqlRow: Row + Sized {
    const TABLE: &'static str;
    /// The columns after `seq`, in order.
    const COLUMNS: &'static [&'static str];
    /// The record from columns 1.. of `r` (0 is `seq`).
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self>;
    /// Insert it at `seq`, or replace the row there.
    fn upsert(&self, tx: &Transaction, seq: i64) -> rusqlite::Result<()>;
}

/// `INSERT INTO t (seq, c1, ...) VALUES (?1, ?2, ...) ON CONFLICT(seq) DO
/// UPDATE SET c1 = excluded.c1, ...`: a unique key taken by another row
/// is an error, never a silent replacement of that row.
fn upsert_sql(table: &str, columns: &[&str]) -> String {
    let marks: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
    let set: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} (seq, {}) VALUES ({}) ON CONFLICT(seq) DO UPDATE SET {}",
        columns.join(", "),
        marks.join(", "),
        set.join(", ")
    )
}

impl SqlRow for User {
    const TABLE: &'static str = "users";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace",
        "username",
        "name",
        "email",
        "roles",
        "enabled",
        "must_change_password",
        "created",
        "password_hash",
        "not_before",
    ];
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        let roles: String = r.get(6)?;
        let roles = serde_json::from_str(&roles).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
        })?;
        Ok(User {
            id: r.get(1)?,
            workspace: r.get(2)?,
            username: r.get(3)?,
            name: r.get(4)?,
            email: r.get(5)?,
            roles,
            enabled: r.get(7)?,
            must_change_password: r.get(8)?,
            created: r.get(9)?,
            password_hash: r.get(10)?,
            not_before: r.get(11)?,
        })
    }
    fn upsert(&self, tx: &Transaction, seq: i64) -> rusqlite::Result<()> {
        let roles = serde_json::to_string(&self.roles)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        tx.prepare_cached(&upsert_sql(Self::TABLE, Self::COLUMNS))?
            .execute(params![
                seq,
                self.id,
                self.workspace,
                self.username,
                self.name,
                self.email,
                roles,
                self.enabled,
                self.must_change_password,
                self.created,
                self.password_hash,
                self.not_before,
            ])
            .map(drop)
    }
}

impl SqlRow for Workspace {
    const TABLE: &'static str = "workspaces";
    const COLUMNS: &'static [&'static str] = &["id", "name", "enabled", "created", "not_before"];
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        Ok(Workspace {
            id: r.get(1)?,
            name: r.get(2)?,
            enabled: r.get(3)?,
            created: r.get(4)?,
            not_before: r.get(5)?,
        })
    }
    fn upsert(&self, tx: &Transaction, seq: i64) -> rusqlite::Result<()> {
        tx.prepare_cached(&upsert_sql(Self::TABLE, Self::COLUMNS))?
            .execute(params![
                seq,
                self.id,
                self.name,
                self.enabled,
                self.created,
                self.not_before
            ])
            .map(drop)
    }
}

impl SqlRow for ApiKey {
    const TABLE: &'static str = "api_keys";
    const COLUMNS: &'static [&'static str] = &[
        "id", "user_id", "name", "prefix", "expires", "created", "hash",
    ];
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        Ok(ApiKey {
            id: r.get(1)?,
            user_id: r.get(2)?,
            name: r.get(3)?,
            prefix: r.get(4)?,
            expires: r.get(5)?,
            created: r.get(6)?,
            hash: r.get(7)?,
        })
    }
    fn upsert(&self, tx: &Transaction, seq: i64) -> rusqlite::Result<()> {
        tx.prepare_cached(&upsert_sql(Self::TABLE, Self::COLUMNS))?
            .execute(params![
                seq,
                self.id,
                self.user_id,
                self.name,
                self.prefix,
                self.expires,
                self.created,
                self.hash
            ])
            .map(drop)
    }
}

impl SqlRow for SigningKey {
    const TABLE: &'static str = "signing_keys";
    const COLUMNS: &'static [&'static str] = &["kid", "secret", "created", "retired"];
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        Ok(SigningKey {
            kid: r.get(1)?,
            secret: r.get(2)?,
            created: r.get(3)?,
            retired: r.get(4)?,
        })
    }
    fn upsert(&self, tx: &Transaction, seq: i64) -> rusqlite::Result<()> {
        tx.prepare_cached(&upsert_sql(Self::TABLE, Self::COLUMNS))?
            .execute(params![
                seq,
                self.kid,
                self.secret,
                self.created,
                self.retired
            ])
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Tx;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tg-gw-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn ws(id: &str) -> Workspace {
        Workspace {
            id: id.into(),
            name: id.into(),
            enabled: true,
            created: "2026-01-01T00:00:00.000000+00:00".into(),
            not_before: None,
        }
    }

    /// What a write changes is what the file holds after a reopen, rows
    /// deleted and rows whose place was reused included.
    #[test]
    fn written_changes_are_what_a_reopen_reads() {
        let dir = temp_dir("reopen");
        let path = dir.join("state");
        let Opened {
            mut store,
            mut state,
            migrated,
        } = Store::open(&path).unwrap();
        assert!(migrated.is_none());
        assert_eq!(state, State::default());
        let mut change = |state: &mut State, f: &dyn Fn(&mut Tx)| {
            let mut tx = Tx::new(state);
            f(&mut tx);
            let changed = tx.changed();
            store.write(&tx, &changed).unwrap();
            tx.keep();
        };
        change(&mut state, &|tx| {
            tx.insert(ws("a"));
            tx.insert(ws("b"));
            tx.insert(ws("c"));
            tx.seed_admin("tg_abcdefghijklmnop", "hash".into());
            tx.insert(SigningKey::generate());
        });
        change(&mut state, &|tx| {
            tx.remove::<Workspace>("c");
            tx.insert(ws("d"));
            tx.update_workspace("a", |w| w.not_before = Some(7));
            tx.rotate_signing_key(100);
        });
        drop(store);
        let reopened = Store::open(&path).unwrap();
        assert_eq!(reopened.state, state);
        let ids: Vec<&str> = state.workspaces.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "default", "d"]);
        let _ = fs::remove_dir_all(&dir);
    }
}
