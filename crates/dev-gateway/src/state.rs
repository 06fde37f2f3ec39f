//! The gateway's state in memory: users, workspaces, API keys and signing
//! keys, each a [`Table`] that keeps insertion order and finds a row by id
//! (and users by username and by home workspace, API keys by hash and by
//! owner) without a scan, and [`Tx`], the only way to change it.
//!
//! A [`Tx`] records every row it changes, with the row as it was: the
//! gateway writes only those rows to the state file
//! ([`crate::store::Store::write`]), and a request that fails (or panics)
//! is rolled back from the same record. The state file itself is
//! [`crate::store`]'s.

use crate::crypto;
use crate::jwt::Signer25519;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Deref;
use tg_iam_protocol::{record, time};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: String,
    pub workspace: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub enabled: bool,
    pub must_change_password: bool,
    pub created: String,
    pub password_hash: String,
    /// Every JWT of this user issued in or before this second (epoch
    /// seconds) is refused: set when the user is disabled (directly, or
    /// with its workspace) and when its password is reset or changed, and
    /// kept when it is enabled again. See [`Tx::revoke_user_jwts`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub created: String,
    /// Every JWT acting in this workspace (its `default_workspace`) issued
    /// in or before this second is refused: set when the workspace is
    /// disabled, kept when it is enabled again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub expires: String,
    pub created: String,
    /// SHA-256 hex of the plaintext; the plaintext is never stored.
    pub hash: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    /// The Ed25519 secret, base64.
    pub secret: String,
    pub created: i64,
    /// When it was rotated out (epoch seconds); JWTs signed with it stay
    /// valid for the grace period after this.
    pub retired: Option<i64>,
}

impl User {
    /// The record as it travels on the wire (iam-svc's translator): never
    /// the password hash.
    pub fn record(&self) -> record::User {
        record::User {
            id: self.id.clone(),
            default_workspace: self.workspace.clone(),
            username: self.username.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            roles: self.roles.clone(),
            enabled: self.enabled,
            must_change_password: self.must_change_password,
            created: self.created.clone(),
        }
    }
}

impl Workspace {
    /// The record as it travels on the wire.
    pub fn record(&self) -> record::Workspace {
        record::Workspace {
            id: self.id.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
            created: self.created.clone(),
        }
    }
}

impl ApiKey {
    /// The record as it travels on the wire: never the hash, and
    /// `last_used` empty (iam-svc never writes it).
    pub fn record(&self) -> record::ApiKey {
        record::ApiKey {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            expires: self.expires.clone(),
            created: self.created.clone(),
            last_used: String::new(),
        }
    }
}

impl SigningKey {
    /// A new Ed25519 signing key, current from now.
    pub fn generate() -> SigningKey {
        let s = Signer25519::generate();
        SigningKey {
            kid: s.kid,
            secret: STANDARD.encode(s.key.to_bytes()),
            created: time::now(),
            retired: None,
        }
    }
}

/// A record timestamp for now: `2026-06-30T09:14:03.512000+00:00`.
pub fn now_iso() -> String {
    time::iso_millis(time::now_millis())
}

/// A record kept in a [`Table`]: its id, and the keys of the table's other
/// indexes.
pub trait Row: Clone + PartialEq {
    /// Unique in its table (a signing key's `kid`).
    fn id(&self) -> &str;
    /// A second unique key, if the table has one: a user's username, an
    /// API key's hash.
    fn unique(&self) -> Option<&str> {
        None
    }
    /// The group the row belongs to, if the table groups its rows: a
    /// user's home workspace, an API key's owner.
    fn group(&self) -> Option<&str> {
        None
    }
}

impl Row for User {
    fn id(&self) -> &str {
        &self.id
    }
    fn unique(&self) -> Option<&str> {
        Some(&self.username)
    }
    fn group(&self) -> Option<&str> {
        Some(&self.workspace)
    }
}

impl Row for Workspace {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Row for ApiKey {
    fn id(&self) -> &str {
        &self.id
    }
    fn unique(&self) -> Option<&str> {
        Some(&self.hash)
    }
    fn group(&self) -> Option<&str> {
        Some(&self.user_id)
    }
}

impl Row for SigningKey {
    fn id(&self) -> &str {
        &self.kid
    }
}

/// The rows of one kind, in insertion order: each has a sequence number
/// (the state file's `seq` column), and new rows get one past the last.
/// Look-ups by id, by the unique key and by group are hash look-ups.
#[derive(Clone, Debug)]
pub struct Table<R> {
    rows: BTreeMap<i64, R>,
    by_id: HashMap<String, i64>,
    by_unique: HashMap<String, i64>,
    by_group: HashMap<String, BTreeSet<i64>>,
}

impl<R> Default for Table<R> {
    fn default() -> Self {
        Table {
            rows: BTreeMap::new(),
            by_id: HashMap::new(),
            by_unique: HashMap::new(),
            by_group: HashMap::new(),
        }
    }
}

/// Two tables are equal when they hold the same rows at the same places.
impl<R: PartialEq> PartialEq for Table<R> {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

impl<R: Row> Table<R> {
    /// A table of `rows` (as the state file holds them: sequence number,
    /// row).
    pub(crate) fn loaded(rows: impl IntoIterator<Item = (i64, R)>) -> Table<R> {
        let mut t = Table::default();
        for (seq, r) in rows {
            t.put(seq, Some(r));
        }
        t
    }

    /// The row with id `id`.
    pub fn get(&self, id: &str) -> Option<&R> {
        self.by_id.get(id).and_then(|s| self.rows.get(s))
    }

    /// The row with unique key `key` (see [`Row::unique`]).
    pub fn by_unique(&self, key: &str) -> Option<&R> {
        self.by_unique.get(key).and_then(|s| self.rows.get(s))
    }

    /// The rows of group `group` (see [`Row::group`]), in insertion order.
    pub fn group<'a>(&'a self, group: &str) -> impl DoubleEndedIterator<Item = &'a R> + 'a {
        self.by_group
            .get(group)
            .into_iter()
            .flatten()
            .filter_map(|s| self.rows.get(s))
    }

    /// The row at `seq`.
    pub fn at(&self, seq: i64) -> Option<&R> {
        self.rows.get(&seq)
    }

    /// Every row, in insertion order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &R> + ExactSizeIterator {
        self.rows.values()
    }

    /// Every row with its sequence number, in insertion order.
    pub fn rows(&self) -> impl DoubleEndedIterator<Item = (i64, &R)> + ExactSizeIterator {
        self.rows.iter().map(|(s, r)| (*s, r))
    }

    /// The newest row.
    pub fn last(&self) -> Option<&R> {
        self.rows.values().next_back()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn seq(&self, id: &str) -> Option<i64> {
        self.by_id.get(id).copied()
    }

    fn next_seq(&self) -> i64 {
        self.rows.keys().next_back().map_or(1, |s| s + 1)
    }

    /// Make row `seq` `new` (none: no row), keeping every index right;
    /// returns the row that was there.
    fn put(&mut self, seq: i64, new: Option<R>) -> Option<R> {
        let old = self.rows.remove(&seq);
        if let Some(o) = &old {
            if self.by_id.get(o.id()) == Some(&seq) {
                self.by_id.remove(o.id());
            }
            if let Some(u) = o.unique() {
                if self.by_unique.get(u) == Some(&seq) {
                    self.by_unique.remove(u);
                }
            }
            if let Some(g) = o.group() {
                if let Some(set) = self.by_group.get_mut(g) {
                    set.remove(&seq);
                    if set.is_empty() {
                        self.by_group.remove(g);
                    }
                }
            }
        }
        if let Some(n) = new {
            self.by_id.insert(n.id().to_owned(), seq);
            if let Some(u) = n.unique() {
                self.by_unique.insert(u.to_owned(), seq);
            }
            if let Some(g) = n.group() {
                self.by_group.entry(g.to_owned()).or_default().insert(seq);
            }
            self.rows.insert(seq, n);
        }
        old
    }
}

/// A table as a JSON array of its rows, in order.
impl<R: Serialize> Serialize for Table<R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.rows.values())
    }
}

impl<'a, R> IntoIterator for &'a Table<R> {
    type Item = &'a R;
    type IntoIter = std::collections::btree_map::Values<'a, i64, R>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.values()
    }
}

/// Everything the gateway knows. Tables keep insertion order. Serialised,
/// it is the JSON state file of earlier versions (which
/// [`crate::store`] migrates).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct State {
    pub users: Table<User>,
    pub workspaces: Table<Workspace>,
    pub api_keys: Table<ApiKey>,
    pub signing_keys: Table<SigningKey>,
}

impl State {
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users.by_unique(username)
    }

    /// The users whose home is workspace `ws`, in insertion order.
    pub fn users_in<'a>(&'a self, ws: &str) -> impl DoubleEndedIterator<Item = &'a User> + 'a {
        self.users.group(ws)
    }

    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.get(id)
    }

    pub fn workspace_enabled(&self, id: &str) -> bool {
        self.workspace(id).is_some_and(|w| w.enabled)
    }

    /// The API key whose plaintext hashes to `hash`.
    pub fn api_key_by_hash(&self, hash: &str) -> Option<&ApiKey> {
        self.api_keys.by_unique(hash)
    }

    /// The API keys of user `user_id`, in insertion order.
    pub fn api_keys_of<'a>(
        &'a self,
        user_id: &str,
    ) -> impl DoubleEndedIterator<Item = &'a ApiKey> + 'a {
        self.api_keys.group(user_id)
    }

    pub fn signing_key(&self, kid: &str) -> Option<&SigningKey> {
        self.signing_keys.get(kid)
    }

    /// The last second in which JWTs of `user_id` acting in `workspace`
    /// were revoked, if ever: a JWT must be issued after it.
    pub fn jwts_revoked_through(&self, user_id: &str, workspace: &str) -> Option<i64> {
        let u = self.user(user_id).and_then(|u| u.not_before);
        let w = self.workspace(workspace).and_then(|w| w.not_before);
        u.max(w)
    }
}

/// Whether a signing key retired at `retired` still validates JWTs at
/// `now`, with a grace period of `grace` seconds: only before the end of
/// the grace period.
pub fn within_grace(retired: i64, grace: i64, now: i64) -> bool {
    retired.checked_add(grace).is_some_and(|end| now < end)
}

/// The four tables, by name: what a change is to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Users,
    Workspaces,
    ApiKeys,
    SigningKeys,
}

/// One row a transaction changed, as it was before.
#[derive(Clone, Debug)]
enum Undo {
    User(i64, Option<User>),
    Workspace(i64, Option<Workspace>),
    ApiKey(i64, Option<ApiKey>),
    SigningKey(i64, Option<SigningKey>),
}

impl Undo {
    fn key(&self) -> (Kind, i64) {
        match self {
            Undo::User(s, _) => (Kind::Users, *s),
            Undo::Workspace(s, _) => (Kind::Workspaces, *s),
            Undo::ApiKey(s, _) => (Kind::ApiKeys, *s),
            Undo::SigningKey(s, _) => (Kind::SigningKeys, *s),
        }
    }

    /// Whether the row is now different from what this recorded.
    fn differs(&self, st: &State) -> bool {
        match self {
            Undo::User(s, old) => st.users.at(*s) != old.as_ref(),
            Undo::Workspace(s, old) => st.workspaces.at(*s) != old.as_ref(),
            Undo::ApiKey(s, old) => st.api_keys.at(*s) != old.as_ref(),
            Undo::SigningKey(s, old) => st.signing_keys.at(*s) != old.as_ref(),
        }
    }

    fn revert(self, st: &mut State) {
        match self {
            Undo::User(s, old) => {
                st.users.put(s, old);
            }
            Undo::Workspace(s, old) => {
                st.workspaces.put(s, old);
            }
            Undo::ApiKey(s, old) => {
                st.api_keys.put(s, old);
            }
            Undo::SigningKey(s, old) => {
                st.signing_keys.put(s, old);
            }
        }
    }
}

/// A kind of row a [`Tx`] can change: its table, and how its old value is
/// recorded.
pub trait Stored: Row + Sized {
    #[doc(hidden)]
    fn table(st: &State) -> &Table<Self>;
    #[doc(hidden)]
    fn table_mut(st: &mut State) -> &mut Table<Self>;
    #[doc(hidden)]
    fn undo(seq: i64, old: Option<Self>) -> UndoEntry;
}

/// A recorded change (opaque outside this module).
pub struct UndoEntry(Undo);

macro_rules! stored {
    ($row:ty, $field:ident, $variant:ident) => {
        impl Stored for $row {
            fn table(st: &State) -> &Table<Self> {
                &st.$field
            }
            fn table_mut(st: &mut State) -> &mut Table<Self> {
                &mut st.$field
            }
            fn undo(seq: i64, old: Option<Self>) -> UndoEntry {
                UndoEntry(Undo::$variant(seq, old))
            }
        }
    };
}

stored!(User, users, User);
stored!(Workspace, workspaces, Workspace);
stored!(ApiKey, api_keys, ApiKey);
stored!(SigningKey, signing_keys, SigningKey);

/// A change to the state under way: it reads as the [`State`] (with its
/// changes so far), records every row it changes, and is rolled back when
/// dropped without `Tx::keep` (a failed request, a failed write to the
/// state file, a panic).
pub struct Tx<'a> {
    st: &'a mut State,
    undo: Vec<Undo>,
    kept: bool,
}

impl Deref for Tx<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        self.st
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.kept {
            for u in self.undo.drain(..).rev() {
                u.revert(self.st);
            }
        }
    }
}

impl<'a> Tx<'a> {
    pub(crate) fn new(st: &'a mut State) -> Tx<'a> {
        Tx {
            st,
            undo: Vec::new(),
            kept: false,
        }
    }

    /// The rows this transaction changed (each once, in the order first
    /// changed), leaving out those it changed back.
    pub(crate) fn changed(&self) -> Vec<(Kind, i64)> {
        let mut seen = HashSet::new();
        self.undo
            .iter()
            .filter(|u| seen.insert(u.key()))
            .filter(|u| u.differs(self.st))
            .map(Undo::key)
            .collect()
    }

    /// Keep the changes (they are on disk, or there is no disk).
    pub(crate) fn keep(mut self) {
        self.kept = true;
    }

    fn put<R: Stored>(&mut self, seq: i64, new: Option<R>) -> Option<R> {
        let old = R::table_mut(self.st).put(seq, new);
        self.undo.push(R::undo(seq, old.clone()).0);
        old
    }

    /// Add `row` after every row of its table.
    pub fn insert<R: Stored>(&mut self, row: R) {
        let seq = R::table(self.st).next_seq();
        self.put(seq, Some(row));
    }

    /// Change the row with id `id` by `f` (none if there is no such row).
    pub fn update<R: Stored, T>(&mut self, id: &str, f: impl FnOnce(&mut R) -> T) -> Option<T> {
        let seq = R::table(self.st).seq(id)?;
        let mut row = R::table(self.st).at(seq)?.clone();
        let out = f(&mut row);
        self.put(seq, Some(row));
        Some(out)
    }

    /// Remove the row with id `id`; it is returned.
    pub fn remove<R: Stored>(&mut self, id: &str) -> Option<R> {
        let seq = R::table(self.st).seq(id)?;
        self.put::<R>(seq, None)
    }

    pub fn update_user<T>(&mut self, id: &str, f: impl FnOnce(&mut User) -> T) -> Option<T> {
        self.update(id, f)
    }

    pub fn update_workspace<T>(
        &mut self,
        id: &str,
        f: impl FnOnce(&mut Workspace) -> T,
    ) -> Option<T> {
        self.update(id, f)
    }

    /// Remove user `id` and its API keys.
    pub fn remove_user(&mut self, id: &str) -> Option<User> {
        self.delete_keys_of(id);
        self.remove(id)
    }

    pub fn remove_api_key(&mut self, id: &str) -> Option<ApiKey> {
        self.remove(id)
    }

    pub fn delete_keys_of(&mut self, user_id: &str) {
        let ids: Vec<String> = self.api_keys_of(user_id).map(|k| k.id.clone()).collect();
        for id in ids {
            self.remove::<ApiKey>(&id);
        }
    }

    /// End every JWT issued to `user_id` up to and including second `now`
    /// (JWT `iat` has whole seconds, so one issued earlier in this second
    /// cannot be told from one issued later: both end, and new JWTs are
    /// issued from the next second on).
    pub fn revoke_user_jwts(&mut self, user_id: &str, now: i64) {
        self.update_user(user_id, |u| {
            u.not_before = Some(u.not_before.map_or(now, |nb| nb.max(now)))
        });
    }

    /// End every JWT acting in workspace `id` issued up to second `now`.
    pub fn revoke_workspace_jwts(&mut self, id: &str, now: i64) {
        self.update_workspace(id, |w| {
            w.not_before = Some(w.not_before.map_or(now, |nb| nb.max(now)))
        });
    }

    /// Retire every current signing key at `now` and make a new one
    /// current.
    pub fn rotate_signing_key(&mut self, now: i64) {
        let current: Vec<String> = self
            .signing_keys
            .iter()
            .filter(|k| k.retired.is_none())
            .map(|k| k.kid.clone())
            .collect();
        for kid in current {
            self.update(&kid, |k: &mut SigningKey| k.retired = Some(now));
        }
        self.insert(SigningKey::generate());
    }

    /// Delete the signing keys whose grace period (`grace` seconds after
    /// their retirement) is over at `now`: the JWTs they signed stopped
    /// working, and a longer grace later must not bring them back.
    pub fn delete_expired_signing_keys(&mut self, grace: i64, now: i64) {
        let over: Vec<String> = self
            .signing_keys
            .iter()
            .filter(|k| k.retired.is_some_and(|r| !within_grace(r, grace, now)))
            .map(|k| k.kid.clone())
            .collect();
        for kid in over {
            self.remove::<SigningKey>(&kid);
        }
    }

    /// Seed the first admin: the `default` workspace (if missing), the
    /// admin user (with an undisclosed password, whose hash is given) and
    /// its API key `key`. Returns the admin's id. (`bootstrap`, and start-up
    /// in token mode.)
    pub fn seed_admin(&mut self, key: &str, password_hash: String) -> String {
        let created = now_iso();
        if self.workspace("default").is_none() {
            self.insert(Workspace {
                id: "default".into(),
                name: "Default".into(),
                enabled: true,
                created: created.clone(),
                not_before: None,
            });
        }
        let id = crypto::uuid4();
        self.insert(User {
            id: id.clone(),
            workspace: "default".into(),
            username: "admin".into(),
            name: "Administrator".into(),
            email: String::new(),
            roles: vec!["admin".into()],
            enabled: true,
            must_change_password: true,
            created: created.clone(),
            password_hash,
            not_before: None,
        });
        self.insert(ApiKey {
            id: crypto::uuid4(),
            user_id: id.clone(),
            name: "bootstrap".into(),
            prefix: key.chars().take(7).collect(),
            expires: String::new(),
            created,
            hash: crypto::hash_api_key(key),
        });
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(id: &str) -> Workspace {
        Workspace {
            id: id.into(),
            name: id.into(),
            enabled: true,
            created: String::new(),
            not_before: None,
        }
    }

    fn user(id: &str, name: &str, home: &str) -> User {
        User {
            id: id.into(),
            workspace: home.into(),
            username: name.into(),
            name: name.into(),
            email: String::new(),
            roles: vec![],
            enabled: true,
            must_change_password: false,
            created: String::new(),
            password_hash: String::new(),
            not_before: None,
        }
    }

    #[test]
    fn a_transaction_records_what_it_changed_and_a_dropped_one_rolls_back() {
        let mut st = State::default();
        let mut tx = Tx::new(&mut st);
        tx.insert(ws("a"));
        tx.insert(user("u1", "alice", "a"));
        tx.insert(user("u2", "bob", "a"));
        assert_eq!(
            tx.changed(),
            [(Kind::Workspaces, 1), (Kind::Users, 1), (Kind::Users, 2)]
        );
        tx.keep();
        let before = st.clone();

        let mut tx = Tx::new(&mut st);
        tx.update_user("u1", |u| u.enabled = false);
        tx.remove_user("u2");
        tx.insert(user("u3", "carol", "b"));
        // Changed back: not a change.
        tx.update_workspace("a", |w| w.name = "x".into());
        tx.update_workspace("a", |w| w.name = "a".into());
        // carol takes bob's place (the last): two rows changed.
        assert_eq!(tx.changed(), [(Kind::Users, 1), (Kind::Users, 2)]);
        assert_eq!(tx.user_by_name("carol").unwrap().id, "u3");
        assert!(tx.user_by_name("bob").is_none());
        drop(tx);
        assert_eq!(st, before, "rolled back");
        assert_eq!(st.user_by_name("bob").unwrap().id, "u2");
        assert!(st.user_by_name("carol").is_none());
        let home: Vec<&str> = st.users_in("a").map(|u| u.id.as_str()).collect();
        assert_eq!(home, ["u1", "u2"]);
        assert!(st.users_in("b").next().is_none());
    }

    #[test]
    fn a_removed_last_row_frees_its_place_and_order_is_kept() {
        let mut st = State::default();
        let mut tx = Tx::new(&mut st);
        for id in ["a", "b", "c"] {
            tx.insert(ws(id));
        }
        tx.remove::<Workspace>("c");
        tx.insert(ws("d"));
        // Row 3 was c and is now d: one change.
        assert_eq!(
            tx.changed(),
            [
                (Kind::Workspaces, 1),
                (Kind::Workspaces, 2),
                (Kind::Workspaces, 3)
            ]
        );
        tx.keep();
        let ids: Vec<&str> = st.workspaces.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "d"]);
        assert!(st.workspace("c").is_none());
    }

    #[test]
    fn expired_signing_keys_are_deleted_and_others_kept() {
        let mut st = State::default();
        let mut tx = Tx::new(&mut st);
        tx.insert(SigningKey::generate());
        tx.rotate_signing_key(100);
        tx.rotate_signing_key(200);
        assert_eq!(tx.signing_keys.len(), 3);
        // Grace 60 s at 250: the key retired at 100 is over, the one
        // retired at 200 still holds.
        tx.delete_expired_signing_keys(60, 250);
        let retired: Vec<Option<i64>> = tx.signing_keys.iter().map(|k| k.retired).collect();
        assert_eq!(retired, [Some(200), None]);
        tx.delete_expired_signing_keys(60, 260);
        assert_eq!(tx.signing_keys.len(), 1);
        assert!(tx.signing_keys.last().unwrap().retired.is_none());
        tx.keep();
    }
}
