//! The planner and its invariants on a scripted state: each refusal, each
//! line, and a property test over random manifests (every plan the planner
//! accepts, applied by an independent model of the gateway, leaves the
//! caller an enabled admin in an enabled workspace, with its key).

use super::manifest::{parse, validate, Format, Manifest};
use super::plan::{plan, Plan};
use super::state::{Action, Sign, State};
use crate::error::{Error, Kind};
use crate::iam::credentials::DAY;
use crate::iam::{ApiKey, User, Workspace};
use std::collections::HashMap;

fn ws(id: &str, enabled: bool) -> Workspace {
    Workspace {
        id: id.into(),
        name: id.into(),
        enabled,
        created: String::new(),
    }
}

fn user(id: &str, name: &str, w: &str, roles: &[&str], enabled: bool) -> User {
    User {
        id: id.into(),
        default_workspace: w.into(),
        username: name.into(),
        name: name.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        enabled,
        ..User::default()
    }
}

/// When the scripted state is read: 2027-01-15T08:00:00Z.
const NOW: i64 = 1_800_000_000;

/// The age of every key of the scripted state.
const KEY_AGE_DAYS: i64 = 100;

fn key(id: &str, owner: &str, name: &str, prefix: &str) -> ApiKey {
    ApiKey {
        id: id.into(),
        user_id: owner.into(),
        name: name.into(),
        prefix: prefix.into(),
        created: crate::time::iso_millis((NOW - KEY_AGE_DAYS * DAY) * 1000 + 250),
        ..ApiKey::default()
    }
}

/// The scripted deployment, read at [`NOW`]. The caller is `admin` (home
/// `default`), on its key `bootstrap` (prefix tg_AAAA). `bob` is the
/// other admin, in `ops`; `carol` is disabled; workspace `off` is
/// disabled. Every key is [`KEY_AGE_DAYS`] old.
fn state() -> State {
    let mut keys = HashMap::new();
    keys.insert(
        "u-admin".to_string(),
        vec![
            key("k-boot", "u-admin", "bootstrap", "tg_AAAA"),
            key("k-spare", "u-admin", "spare", "tg_BBBB"),
        ],
    );
    keys.insert(
        "u-alice".to_string(),
        vec![
            key("k-laptop", "u-alice", "laptop", "tg_CCCC"),
            key("k-ci", "u-alice", "ci", "tg_DDDD"),
        ],
    );
    keys.insert(
        "u-bob".to_string(),
        vec![key("k-bob", "u-bob", "k", "tg_EEEE")],
    );
    keys.insert("u-carol".to_string(), vec![]);
    State {
        caller_id: "u-admin".into(),
        key_in_use: Some("tg_AAAA".into()),
        workspaces: vec![ws("default", true), ws("ops", true), ws("off", false)],
        users: vec![
            user("u-admin", "admin", "default", &["admin"], true),
            user("u-alice", "alice", "ops", &["writer"], true),
            user("u-bob", "bob", "ops", &["admin"], true),
            user("u-carol", "carol", "ops", &["reader"], false),
        ],
        keys,
        now: NOW,
    }
}

/// The same deployment, with `alice` (a writer) as the caller on a JWT,
/// and `admin` a reader: `bob` is the only admin.
fn state_as_alice() -> State {
    let mut st = State {
        caller_id: "u-alice".into(),
        key_in_use: None,
        ..state()
    };
    st.users[0].roles = vec!["reader".into()];
    st
}

fn manifest(yaml: &str) -> Manifest {
    let m = parse(yaml, Format::Yaml, "m.yaml").unwrap();
    validate(&m, "m.yaml").unwrap();
    m
}

fn run(st: &State, yaml: &str, prune: bool) -> Result<Plan, Error> {
    plan(&manifest(yaml), st, prune, "m.yaml")
}

fn lines(p: &Plan) -> Vec<String> {
    p.lines
        .iter()
        .map(|(s, t)| format!("{} {t}", s.char()))
        .collect()
}

/// The plan's lines, or the refusal.
fn outcome(st: &State, yaml: &str, prune: bool) -> Result<Vec<String>, String> {
    run(st, yaml, prune).map(|p| lines(&p)).map_err(|e| {
        assert_eq!(e.kind, Kind::Usage, "{}", e.message);
        e.message
    })
}

fn refused(st: &State, yaml: &str, prune: bool) -> String {
    outcome(st, yaml, prune).expect_err("refused")
}

const NOTHING_SENT: &str = "; refusing the plan: nothing was sent";

#[test]
fn omitted_fields_are_not_managed_and_new_records_get_the_defaults() {
    let st = state();
    let p = outcome(
        &st,
        "workspaces: [{id: off}, {id: new}]\nusers:\n  - {username: admin, workspace: default}\n  - {username: carol, workspace: ops}\n  - {username: dave, workspace: ops}\n",
        false,
    )
    .unwrap();
    assert_eq!(
        p,
        [
            "= workspace off unchanged",
            "+ create workspace new",
            "= user admin unchanged",
            "= user carol unchanged",
            "+ create user dave (reader) in ops",
        ]
    );
    // Given fields are managed.
    let p = outcome(
        &st,
        "workspaces: [{id: off, enabled: true}, {id: n2, enabled: false}]\nusers:\n  - {username: carol, workspace: ops, roles: [writer], enabled: true}\n  - {username: erin, workspace: ops, roles: [admin, writer], enabled: false}\n",
        false,
    )
    .unwrap();
    assert_eq!(
        p,
        [
            "~ update workspace off: enabled no -> yes",
            "+ create workspace n2 (disabled)",
            "~ update user carol: roles reader -> writer, enabled no -> yes",
            "+ create user erin (admin, writer) in ops (disabled)",
        ]
    );
}

#[test]
fn a_created_user_is_read_back_against_its_defaults() {
    // What tg-apply asks of a user it creates (and checks on the read-back)
    // is the manifest's home workspace and the documented defaults for
    // what it leaves out; an existing user is asked only for what is given.
    use super::plan::{new_user, want_user};
    use crate::iam::converge::user_diffs;
    let m = manifest("users: [{username: dave, workspace: ops}, {username: erin, workspace: ops, roles: [writer], enabled: false}]\n");
    let other = user("u-x", "dave", "default", &["admin"], false);
    let fields = |w| -> Vec<&str> { user_diffs(&other, &w).iter().map(|d| d.field).collect() };
    assert_eq!(
        fields(new_user(&m.users[0])),
        ["workspace", "roles", "enabled"]
    );
    let w = new_user(&m.users[1]);
    assert_eq!(
        (w.roles, w.enabled),
        (Some(vec!["writer".to_string()]), Some(false))
    );
    assert!(fields(want_user(&m.users[0])).is_empty());
}

#[test]
fn the_caller_is_protected_naming_the_entry() {
    let st = state();
    let cases = [
        (
            "workspaces: [{id: ops}, {id: default, enabled: false}]\n",
            "m.yaml: workspaces[1].enabled: workspace \"default\" is the caller's home workspace: disabling it would disable the caller (admin) and revoke its API keys",
        ),
        (
            "users: [{username: alice, workspace: ops}, {username: admin, workspace: default, enabled: false}]\n",
            "m.yaml: users[1].enabled: user \"admin\" is the caller: it would be disabled (and its API keys revoked)",
        ),
        (
            "users: [{username: admin, workspace: default, roles: [reader, writer]}]\n",
            "m.yaml: users[0].roles: user \"admin\" is the caller: it would lose the admin role",
        ),
        (
            "api_keys: [{user: admin, name: spare}, {user: admin, name: bootstrap, expires: \"2099-01-01\"}]\n",
            "m.yaml: api_keys[1].expires: the API key this run uses (user \"admin\") would be revoked",
        ),
    ];
    for (yaml, want) in cases {
        for prune in [false, true] {
            assert_eq!(
                refused(&st, yaml, prune),
                format!("{want}{NOTHING_SENT}"),
                "{yaml}"
            );
        }
    }
    // Saying what already holds is fine, alongside another change.
    let p = outcome(
        &st,
        "users: [{username: admin, workspace: default, enabled: true, roles: [admin], name: Boss}]\n",
        false,
    )
    .unwrap();
    assert_eq!(p, ["~ update user admin: name admin -> Boss"]);
    // Replacing another key of the caller's, or keeping its roles, is fine.
    let p = outcome(
        &st,
        "users: [{username: admin, workspace: default, roles: [admin, writer]}]\napi_keys: [{user: admin, name: spare, expires: \"2099-01-01\"}]\n",
        false,
    )
    .unwrap();
    assert_eq!(p[0], "~ update user admin: roles admin -> admin,writer");
    assert!(p[1].starts_with("~ replace api key admin/spare: "), "{p:?}");
    // On a JWT no key is in use.
    let jwt = State {
        key_in_use: None,
        ..state()
    };
    let p = outcome(
        &jwt,
        "api_keys: [{user: admin, name: bootstrap, expires: \"2099-01-01\"}]\n",
        false,
    )
    .unwrap();
    assert!(
        p[0].starts_with("~ replace api key admin/bootstrap: "),
        "{p:?}"
    );
}

#[test]
fn the_last_enabled_admin_remains() {
    // alice (a writer) is the caller: bob is the only admin.
    let st = state_as_alice();
    let last = "no enabled admin in an enabled workspace would remain";
    for (yaml, entry) in [
        (
            "users: [{username: bob, workspace: ops, roles: [writer]}]\n",
            "users[0].roles",
        ),
        (
            "users: [{username: bob, workspace: ops, enabled: false}]\n",
            "users[0].enabled",
        ),
    ] {
        assert_eq!(
            refused(&st, yaml, false),
            format!("m.yaml: {entry}: {last}{NOTHING_SENT}"),
            "{yaml}"
        );
    }
    // bob alone in his own workspace, which the manifest disables.
    let mut own = state_as_alice();
    own.workspaces.push(ws("bobs", true));
    own.users[2].default_workspace = "bobs".into();
    assert_eq!(
        refused(&own, "workspaces: [{id: bobs, enabled: false}]\n", false),
        format!("m.yaml: workspaces[0].enabled: {last}{NOTHING_SENT}")
    );
    // The step named is the one that takes the admin away, not one that
    // keeps the role.
    assert_eq!(
        refused(
            &own,
            "users: [{username: bob, workspace: bobs, roles: [admin, writer]}]\nworkspaces: [{id: bobs, enabled: false}]\n",
            false
        ),
        format!("m.yaml: workspaces[0].enabled: {last}{NOTHING_SENT}")
    );
    // The caller's own workspace is ops here: that check comes first.
    assert!(
        refused(&st, "workspaces: [{id: ops, enabled: false}]\n", false)
            .contains("is the caller's home workspace"),
    );
    // Another admin, or an admin elsewhere, keeps it possible.
    let p = outcome(
        &st,
        "users:\n  - {username: bob, workspace: ops, roles: [writer]}\n  - {username: dave, workspace: default, roles: [admin]}\n",
        false,
    )
    .unwrap();
    assert_eq!(p.len(), 2, "{p:?}");
    let mut two = state_as_alice();
    two.users
        .push(user("u-zed", "zed", "default", &["admin"], true));
    assert!(outcome(
        &two,
        "users: [{username: bob, workspace: ops, enabled: false}]\n",
        false
    )
    .is_ok());
    // A disabled admin, or one in a disabled workspace, does not count.
    let mut off = state_as_alice();
    off.users
        .push(user("u-zed", "zed", "off", &["admin"], true));
    off.users
        .push(user("u-yan", "yan", "default", &["admin"], false));
    assert!(refused(
        &off,
        "users: [{username: bob, workspace: ops, roles: [reader]}]\n",
        false
    )
    .contains(last));
    // With no admin to begin with, a plan that changes none is not refused.
    let mut none = state_as_alice();
    none.users.retain(|u| u.username != "bob");
    assert!(outcome(
        &none,
        "users: [{username: alice, workspace: ops, name: A}]\n",
        false
    )
    .is_ok());
}

#[test]
fn prune_spares_what_the_invariants_protect() {
    let st = state();
    let p = run(&st, "users: [{username: alice, workspace: ops}]\n", true).unwrap();
    assert_eq!(
        lines(&p),
        [
            "= user alice unchanged",
            "- disable user bob (not in the manifest; the gateway revokes its API keys)",
            "- revoke api key admin/spare (tg_BBBB…, not in the manifest)",
            "- revoke api key alice/laptop (tg_CCCC…, not in the manifest)",
            "- revoke api key alice/ci (tg_DDDD…, not in the manifest)",
            "= user admin not pruned: the caller",
            "= api key admin/bootstrap (tg_AAAA…) not pruned: the key in use",
        ]
    );
    // carol is already disabled; bob's key goes with bob.
    assert!(!p
        .steps
        .iter()
        .any(|s| matches!(&s.action, Action::RevokeKey(_, k) if k.id == "k-bob")));
    assert_eq!(
        p.destructive(&manifest("users: [{username: alice, workspace: ops}]\n")),
        4
    );
    assert_eq!(
        p.summary(),
        "Plan: 0 to create, 0 to change, 4 to prune, 3 unchanged."
    );
    // The last admin, with a non-admin caller: bob is kept.
    let st = state_as_alice();
    let p = run(&st, "users: [{username: alice, workspace: ops}, {username: bob, workspace: ops, roles: [writer]}]\n", true);
    assert!(
        p.as_ref()
            .is_err_and(|e| e.message.contains("users[1].roles: no enabled admin")),
        "{p:?}"
    );
    let p = run(
        &st,
        "users: [{username: alice, workspace: ops}]\napi_keys: [{user: alice, name: ci}]\n",
        true,
    )
    .unwrap();
    assert_eq!(
        lines(&p),
        [
            "= user alice unchanged",
            "- disable user admin (not in the manifest; the gateway revokes its API keys)",
            "= api key alice/ci unchanged",
            "- revoke api key alice/laptop (tg_CCCC…, not in the manifest)",
            "- revoke api key bob/k (tg_EEEE…, not in the manifest)",
            "= user bob not pruned: the last enabled admin",
        ]
    );
    // Keys named by the manifest are kept; a listed key owner is not
    // disabled.
    let p = run(&st, "api_keys: [{user: alice, name: ci}, {user: admin, name: spare}]\nusers: [{username: bob, workspace: ops}]\n", true).unwrap();
    assert_eq!(
        lines(&p),
        [
            "= user bob unchanged",
            "= api key alice/ci unchanged",
            "= api key admin/spare unchanged",
            "- revoke api key admin/bootstrap (tg_AAAA…, not in the manifest)",
            "- revoke api key alice/laptop (tg_CCCC…, not in the manifest)",
            "- revoke api key bob/k (tg_EEEE…, not in the manifest)",
        ]
    );
    // Keys of a user the manifest disables, or whose workspace it
    // disables, are not revoked one by one.
    let p = run(&state(), "users: [{username: alice, workspace: ops, enabled: false}, {username: bob, workspace: ops}, {username: admin, workspace: default}]\nworkspaces: [{id: ops, enabled: false}]\n", true).unwrap();
    assert!(
        !p.steps
            .iter()
            .any(|s| matches!(&s.action, Action::RevokeKey(u, _) if u != "admin")),
        "{:?}",
        lines(&p)
    );
}

#[test]
fn what_cannot_be_done_is_refused() {
    let st = state();
    let e = run(
        &st,
        "users: [{username: alice, workspace: default}]\n",
        false,
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::Refused);
    assert!(
        e.message.starts_with(
            "m.yaml: users[0].workspace: user \"alice\" exists with home workspace \"ops\""
        ),
        "{}",
        e.message
    );
    let e = run(&st, "api_keys: [{user: nobody, name: k}]\n", false).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            Kind::Refused,
            "m.yaml: api_keys[0].user: user \"nobody\" is not in the manifest and does not exist"
        )
    );
    for (yaml, want) in [
        ("users: [{username: dave, workspace: off}]\n", "m.yaml: users[0].workspace: user \"dave\" would be created in workspace \"off\", which would not exist or be disabled"),
        ("users: [{username: dave, workspace: nowhere, enabled: false}]\n", "m.yaml: users[0].workspace: user \"dave\" would be created in workspace \"nowhere\", which would not exist or be disabled"),
        ("workspaces: [{id: w, enabled: false}]\nusers: [{username: dave, workspace: w, enabled: false}]\n", "m.yaml: users[0].workspace: user \"dave\" would be created in workspace \"w\", which would not exist or be disabled"),
        ("users: [{username: fay, workspace: off, enabled: true}]\n", "m.yaml: users[0].enabled: user \"fay\" is enabled but its workspace \"off\" would be disabled (a disabled workspace disables its users)"),
        ("api_keys: [{user: carol, name: k}]\n", "m.yaml: api_keys[0].user: user \"carol\" would be disabled, or in a disabled workspace: a disabled user has no API keys"),
        ("workspaces: [{id: ops, enabled: false}]\napi_keys: [{user: bob, name: k}]\n", "m.yaml: api_keys[0].user: user \"bob\" would be disabled, or in a disabled workspace: a disabled user has no API keys"),
    ] {
        assert_eq!(refused(&with_fay(), yaml, false), format!("{want}{NOTHING_SENT}"), "{yaml}");
    }
    // A new user in a workspace the manifest creates, or enables: fine.
    assert!(outcome(&st, "workspaces: [{id: w}]\nusers: [{username: dave, workspace: w}]\napi_keys: [{user: dave, name: k}]\n", false).is_ok());
    assert!(outcome(
        &st,
        "workspaces: [{id: off, enabled: true}]\nusers: [{username: dave, workspace: off}]\n",
        false
    )
    .is_ok());
    // Enabling a disabled user makes its keys possible.
    assert!(outcome(&st, "users: [{username: carol, workspace: ops, enabled: true}]\napi_keys: [{user: carol, name: k}]\n", false).is_ok());
}

/// The scripted state and `fay`, disabled in the disabled workspace `off`.
fn with_fay() -> State {
    let mut st = state();
    st.users
        .push(user("u-fay", "fay", "off", &["reader"], false));
    st
}

#[test]
fn empty_roles_are_refused_not_sent() {
    // The gateway keeps a user's roles when sent none: `roles: []` could
    // never converge.
    let m = parse(
        "users: [{username: bob, workspace: ops, roles: []}]\n",
        Format::Yaml,
        "m.yaml",
    )
    .unwrap();
    let e = validate(&m, "m.yaml").unwrap_err();
    assert_eq!(
        e.message,
        "m.yaml: users[0].roles: is empty: give at least one role, or leave roles out (not managed)"
    );
}

#[test]
fn two_keys_of_one_name_are_refused_with_both_ids() {
    let mut st = state();
    st.keys
        .get_mut("u-alice")
        .unwrap()
        .push(key("k-laptop2", "u-alice", "laptop", "tg_FFFF"));
    let e = run(
        &st,
        "api_keys: [{user: alice, name: ci}, {user: alice, name: laptop}]\n",
        false,
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::Usage);
    assert_eq!(
        e.message,
        "m.yaml: api_keys[1]: user \"alice\" has 2 API keys named \"laptop\": k-laptop (tg_CCCC…), k-laptop2 (tg_FFFF…); refusing to guess which one the manifest means; nothing was sent"
    );
}

#[test]
fn steps_say_what_they_take_away_and_what_they_mint() {
    let st = state();
    let m = manifest(
        "workspaces: [{id: ops, name: Ops}, {id: off, enabled: true}, {id: n}]\nusers:\n  - {username: alice, workspace: ops, roles: [writer, admin]}\n  - {username: bob, workspace: ops, roles: [writer]}\n  - {username: carol, workspace: ops, enabled: true}\n  - {username: dave, workspace: ops, password: {env: PW}}\napi_keys:\n  - {user: alice, name: new}\n  - {user: alice, name: ci, expires: \"2099-01-01\"}\n",
    );
    let p = plan(&m, &st, false, "m.yaml").unwrap();
    let flags: Vec<(String, bool)> = p
        .steps
        .iter()
        .map(|s| (s.entry(), s.destructive(&m)))
        .collect();
    assert_eq!(
        flags,
        [
            ("workspaces[0]".to_string(), false),
            ("workspaces[1]".to_string(), false),
            ("workspaces[2]".to_string(), false),
            ("users[0]".to_string(), false),
            ("users[1]".to_string(), true),
            ("users[2]".to_string(), false),
            ("users[3]".to_string(), false),
            ("api_keys[0]".to_string(), false),
            ("api_keys[1]".to_string(), true),
        ]
    );
    assert_eq!(p.destructive(&m), 2);
    assert_eq!(
        lines(&p)[..2],
        [
            "~ update workspace ops: name ops -> Ops",
            "~ update workspace off: enabled no -> yes"
        ],
        "renaming or enabling a workspace takes nothing away"
    );
    assert!(p.mints(&m), "keys are minted");
    let m = manifest("users: [{username: dave, workspace: ops, password: {env: PW}}]\n");
    assert!(!plan(&m, &st, false, "m.yaml").unwrap().mints(&m));
    let m = manifest("users: [{username: dave, workspace: ops}]\n");
    assert!(
        plan(&m, &st, false, "m.yaml").unwrap().mints(&m),
        "a generated password"
    );
    // Disabling is destructive; a disabled new workspace is not.
    let m = manifest("workspaces: [{id: ops, enabled: false}, {id: x, enabled: false}]\nusers: [{username: alice, workspace: ops, enabled: false}]\n");
    let p = plan(&m, &st, false, "m.yaml").unwrap();
    let d: Vec<bool> = p.steps.iter().map(|s| s.destructive(&m)).collect();
    assert_eq!(d, [true, false, true]);
    assert_eq!(
        lines(&p)[0],
        "~ update workspace ops: enabled yes -> no (the gateway disables its users and revokes their API keys)"
    );
    let p = run(&st, "workspaces: [{id: off, enabled: true}]\n", false).unwrap();
    assert_eq!(lines(&p), ["~ update workspace off: enabled no -> yes"]);
    assert_eq!(p.summary(), "Plan: 0 to create, 1 to change, 0 unchanged.");
    let p = run(&st, "workspaces: [{id: off}]\n", false).unwrap();
    assert_eq!(p.summary(), "Nothing to do: 1 unchanged.");
    assert!(p.steps.iter().all(|s| s.sign != Sign::Prune));
}

#[test]
fn a_key_older_than_rotate_after_is_rotated_and_the_key_in_use_never() {
    let st = state();
    // Every key is 100 days old: 90d is due, 101d and 15w (105 days) not.
    let yaml = "api_keys:\n  - {user: alice, name: ci, rotate_after: 90d}\n  - {user: alice, name: laptop, rotate_after: 101d}\n  - {user: bob, name: k, rotate_after: 15w}\n  - {user: admin, name: spare}\n";
    let m = manifest(yaml);
    let p = plan(&m, &st, false, "m.yaml").unwrap();
    assert_eq!(
        lines(&p),
        [
            "↻ rotate api key alice/ci (age 100 d)",
            "= api key alice/laptop unchanged",
            "= api key bob/k unchanged",
            "= api key admin/spare unchanged",
        ]
    );
    assert_eq!(p.steps.len(), 1);
    assert!(matches!(&p.steps[0].action, Action::RotateKey(0, old) if old.id == "k-ci"));
    assert_eq!(p.steps[0].entry(), "api_keys[0]");
    assert!(
        p.steps[0].destructive(&m),
        "a rotation revokes a key: it asks first"
    );
    assert!(p.mints(&m), "a rotation mints a secret");
    assert_eq!(
        p.summary(),
        "Plan: 0 to create, 0 to change, 1 to rotate, 3 unchanged."
    );

    // The key in use: never rotated, and the plan says so. On a JWT no
    // key is in use, and it is rotated like any other.
    let yaml = "api_keys: [{user: admin, name: bootstrap, rotate_after: 30d}]\n";
    let said = "= api key admin/bootstrap is the key in use: not rotated (age 100 d)";
    assert_eq!(outcome(&st, yaml, false).unwrap(), [said]);
    assert!(run(&st, yaml, false).unwrap().steps.is_empty());
    let p = run(&st, yaml, true).unwrap();
    assert!(lines(&p).contains(&said.to_string()), "{:?}", lines(&p));
    assert!(!p.steps.iter().any(|s| s.sign == Sign::Rotate));
    let jwt = State {
        key_in_use: None,
        ..state()
    };
    assert_eq!(
        outcome(&jwt, yaml, false).unwrap(),
        ["↻ rotate api key admin/bootstrap (age 100 d)"]
    );

    // Strictly older: at exactly 100 days (2400 hours) a key is not due,
    // a second later it is. Under a day, the age is in hours.
    let yaml = "api_keys: [{user: alice, name: ci, rotate_after: 2400h}]\n";
    assert_eq!(
        outcome(&st, yaml, false).unwrap(),
        ["= api key alice/ci unchanged"]
    );
    let later = State {
        now: NOW + 1,
        ..state()
    };
    assert_eq!(
        outcome(&later, yaml, false).unwrap(),
        ["↻ rotate api key alice/ci (age 100 d)"]
    );
    let mut young = state();
    young.now = NOW - (KEY_AGE_DAYS * DAY) + 13 * 3600;
    assert_eq!(
        outcome(
            &young,
            "api_keys: [{user: alice, name: ci, rotate_after: 12h}]\n",
            false
        )
        .unwrap(),
        ["↻ rotate api key alice/ci (age 13 h)"]
    );

    // A different expiry replaces the key anyway: one step, not two.
    let p = outcome(
        &st,
        "api_keys: [{user: alice, name: ci, rotate_after: 1d, expires: \"2099-01-01\"}]\n",
        false,
    )
    .unwrap();
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("~ replace api key alice/ci: expires "),
        "{p:?}"
    );

    // A key whose age cannot be told is left alone, saying why.
    let mut odd = state();
    odd.keys.get_mut("u-alice").unwrap()[1].created = "yesterday".into();
    assert_eq!(
        outcome(&odd, "api_keys: [{user: alice, name: ci, rotate_after: 1d}]\n", false).unwrap(),
        ["= api key alice/ci unchanged: not rotated, its age is unknown (created \"yesterday\" is not a time)"]
    );

    // A new key is created, not rotated.
    assert_eq!(
        outcome(
            &st,
            "api_keys: [{user: alice, name: new, rotate_after: 1d}]\n",
            false
        )
        .unwrap(),
        ["+ create api key alice/new"]
    );
}

#[test]
fn rotating_the_key_in_use_breaks_an_invariant() {
    // The planner never plans it; were a step to, the check names it.
    use super::after::{check, At};
    use super::state::Step;
    let st = state();
    let m = manifest("api_keys: [{user: admin, name: bootstrap, rotate_after: 1d}]\n");
    let boot = st.keys["u-admin"][0].clone();
    let step = Step {
        stage: 2,
        sign: Sign::Rotate,
        text: "rotate api key admin/bootstrap (age 100 d)".into(),
        action: Action::RotateKey(0, boot),
    };
    let v = check(&m, &st, &[step]).expect("a violation");
    assert_eq!(v.at, At::Step(0, "rotate_after"));
    assert_eq!(v.kept_as, "the key in use");
}

#[test]
fn rotate_after_takes_hours_days_and_weeks_and_refuses_the_rest_located() {
    let secs = |v: &str| {
        manifest(&format!(
            "api_keys: [{{user: a, name: k, rotate_after: \"{v}\"}}]\n"
        ))
        .api_keys[0]
            .rotate_after
            .unwrap()
            .secs
    };
    assert_eq!(secs("1h"), 3600);
    assert_eq!(secs("90d"), 90 * DAY);
    assert_eq!(secs("13w"), 91 * DAY);
    assert_eq!(secs("36500d"), 36_500 * DAY);
    for (v, why) in [
        ("90", "it does not end in h, d or w"),
        ("90 d", "the number is not a whole number"),
        ("3m", "m is not a unit (minutes or months?)"),
        ("3M", "m is not a unit (minutes or months?)"),
        ("1.5d", "the number is not a whole number"),
        ("-1d", "the number is not a whole number"),
        ("+1d", "the number is not a whole number"),
        ("d", "the number is not a whole number"),
        ("", "it does not end in h, d or w"),
        ("90days", "it does not end in h, d or w"),
        ("0d", "it is zero (every run would rotate the key)"),
        ("36501d", "it is longer than 100 years"),
        ("99999999999999999999w", "it is longer than 100 years"),
        ("٣d", "the number is not a whole number"),
    ] {
        let yaml = format!("api_keys:\n  - user: a\n    name: k\n    rotate_after: \"{v}\"\n");
        let e = parse(&yaml, Format::Yaml, "m.yaml").unwrap_err();
        assert_eq!(e.kind, Kind::Usage);
        assert!(
            e.message.starts_with("m.yaml:4:") && e.message.contains(" api_keys[0].rotate_after: "),
            "{v}: {}",
            e.message
        );
        assert!(
            e.message.ends_with(&format!("{v:?} is not a key age: {why}; write a whole number of hours, days or weeks, such as 12h, 90d or 13w")),
            "{v}: {}",
            e.message
        );
        assert!(!e.message.contains('\n'), "one line: {}", e.message);
    }
    // The same, located, in TOML and JSON; a number is not a duration.
    for (text, format, at, said) in [
        (
            "[[api_keys]]\nuser = \"a\"\nname = \"k\"\nrotate_after = \"3m\"\n",
            Format::Toml,
            "m:4:",
            "\"3m\" is not a key age",
        ),
        (
            "{\"api_keys\": [{\"user\": \"a\", \"name\": \"k\",\n  \"rotate_after\": 90}]}",
            Format::Json,
            "m:2:",
            "invalid type: integer `90`",
        ),
        (
            "api_keys: [{user: a, name: k, rotate_after: 90}]\n",
            Format::Yaml,
            "m:1:",
            "",
        ),
    ] {
        let e = parse(text, format, "m").unwrap_err();
        assert!(
            e.message.starts_with(at)
                && e.message
                    .contains(&format!("api_keys[0].rotate_after: {said}")),
            "{format:?}: {}",
            e.message
        );
    }
}

// ------------------------------------------------------------- property

/// An independent model of the gateway: what each step does to the state,
/// as tg-dev-gateway does it (disabling a workspace disables its users and
/// deletes their keys; disabling a user deletes its keys).
fn model_apply(m: &Manifest, st: &State, p: &Plan) -> State {
    let mut s = st.clone();
    fn disable(s: &mut State, id: &str) {
        for u in s.users.iter_mut().filter(|u| u.id == id) {
            u.enabled = false;
        }
        s.keys.remove(id);
    }
    for step in &p.steps {
        match &step.action {
            Action::CreateWorkspace(i) => {
                let w = &m.workspaces[*i];
                s.workspaces.push(ws(&w.id, w.enabled.unwrap_or(true)));
            }
            Action::UpdateWorkspace(i, _) => {
                let w = &m.workspaces[*i];
                let Some(e) = w.enabled else { continue };
                let h = s.workspaces.iter_mut().find(|h| h.id == w.id).unwrap();
                let was = h.enabled;
                h.enabled = e;
                if was && !e {
                    let ids: Vec<String> = s
                        .users
                        .iter()
                        .filter(|u| u.default_workspace == w.id)
                        .map(|u| u.id.clone())
                        .collect();
                    for id in ids {
                        disable(&mut s, &id);
                    }
                }
            }
            Action::CreateUser(i) => {
                let u = &m.users[*i];
                let roles = u.roles.clone().unwrap_or_else(|| vec!["reader".into()]);
                let r: Vec<&str> = roles.iter().map(String::as_str).collect();
                let id = format!("new-{}", u.username);
                s.users.push(user(
                    &id,
                    &u.username,
                    &u.workspace,
                    &r,
                    u.enabled.unwrap_or(true),
                ));
            }
            Action::UpdateUser(i, have) => {
                let u = &m.users[*i];
                let x = s.users.iter_mut().find(|x| x.id == have.id).unwrap();
                if let Some(r) = &u.roles {
                    x.roles = r.clone();
                }
                match u.enabled {
                    Some(false) => disable(&mut s, &have.id),
                    Some(true) => x.enabled = true,
                    None => {}
                }
            }
            Action::DisableUser(h) => disable(&mut s, &h.id),
            Action::CreateKey(i) => {
                let k = &m.api_keys[*i];
                let owner = s.users.iter().find(|u| u.username == k.user).unwrap();
                let id = owner.id.clone();
                s.keys.entry(id.clone()).or_default().push(key(
                    &format!("new-{}", k.name),
                    &id,
                    &k.name,
                    "tg_NEW0",
                ));
            }
            Action::ReplaceKey(i, old) | Action::RotateKey(i, old) => {
                let k = &m.api_keys[*i];
                let ks = s.keys.entry(old.user_id.clone()).or_default();
                ks.retain(|x| x.id != old.id);
                ks.push(key(
                    &format!("new-{}", k.name),
                    &old.user_id,
                    &k.name,
                    "tg_NEW0",
                ));
            }
            Action::RevokeKey(_, k) => {
                if let Some(ks) = s.keys.get_mut(&k.user_id) {
                    ks.retain(|x| x.id != k.id);
                }
            }
        }
    }
    s
}

/// `rotate_after` as tg-export-iam would write it: the largest unit that
/// divides it, which reads back as the same age.
#[test]
fn rotate_after_is_written_in_its_largest_unit() {
    use super::manifest::RotateAfter;
    for (given, written) in [
        ("12h", "12h"),
        ("24h", "1d"),
        ("90d", "90d"),
        ("14d", "2w"),
        ("13w", "13w"),
        ("25h", "25h"),
    ] {
        let age: RotateAfter = given.parse().unwrap();
        let text = serde_json::to_string(&age).unwrap();
        assert_eq!(text, format!("{written:?}"), "{given}");
        let back: RotateAfter = serde_json::from_str(&text).unwrap();
        assert_eq!(back, age, "{given}");
    }
}

mod property {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    fn opt<T: std::fmt::Debug + Clone + 'static>(
        s: impl Strategy<Value = T> + 'static,
    ) -> BoxedStrategy<Option<T>> {
        prop_oneof![Just(None), s.prop_map(Some)].boxed()
    }

    /// Some of a list of things, each with a value of `spec`.
    fn each<T, S>(
        things: impl Strategy<Value = Vec<T>>,
        spec: impl Fn() -> S + Clone,
    ) -> impl Strategy<Value = (Vec<T>, Vec<S::Value>)>
    where
        T: Clone + std::fmt::Debug,
        S: Strategy,
    {
        things.prop_flat_map(move |xs| {
            let n = xs.len();
            (Just(xs), proptest::collection::vec(spec(), n))
        })
    }

    fn roles() -> impl Strategy<Value = Vec<String>> {
        proptest::sample::subsequence(vec!["reader", "writer", "admin"], 0..=3)
            .prop_map(|r| r.into_iter().map(String::from).collect())
    }

    /// A manifest over the scripted deployment's names (and a few new
    /// ones), as JSON.
    fn manifest_json() -> impl Strategy<Value = String> {
        let wss = proptest::sample::subsequence(vec!["default", "ops", "off", "new"], 0..=4);
        let ws_specs = each(wss, || opt(any::<bool>()));
        let users = proptest::sample::subsequence(
            vec![
                ("admin", "default"),
                ("alice", "ops"),
                ("bob", "ops"),
                ("carol", "ops"),
                ("dave", "default"),
                ("erin", "new"),
            ],
            0..=6,
        );
        let user_specs = each(users, || (opt(roles()), opt(any::<bool>())));
        let keys = proptest::sample::subsequence(
            vec![
                ("admin", "bootstrap"),
                ("admin", "spare"),
                ("alice", "laptop"),
                ("bob", "k"),
                ("dave", "x"),
            ],
            0..=5,
        );
        let key_specs = each(keys, || {
            (
                opt(proptest::sample::select(vec!["2099-01-01", "2098-01-01"])),
                opt(proptest::sample::select(vec!["30d", "2000h", "15w"])),
            )
        });
        (ws_specs, user_specs, key_specs).prop_map(|((ws, we), (us, uf), (ks, ke))| {
            use serde_json::{json, Map, Value};
            let with = |mut o: Map<String, Value>, k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    o.insert(k.into(), v);
                }
                Value::Object(o)
            };
            let one = |k: &str, v: &str| {
                let mut o = Map::new();
                o.insert(k.into(), v.into());
                o
            };
            let workspaces: Vec<Value> = ws
                .iter()
                .zip(we)
                .map(|(id, e)| with(one("id", id), "enabled", e.map(Value::from)))
                .collect();
            let users: Vec<Value> = us
                .iter()
                .zip(uf)
                .map(|((name, w), (r, e))| {
                    let mut o = one("username", name);
                    o.insert("workspace".into(), (*w).into());
                    let o = with(o, "roles", r.map(Value::from));
                    let Value::Object(o) = o else { unreachable!() };
                    with(o, "enabled", e.map(Value::from))
                })
                .collect();
            let keys: Vec<Value> = ks
                .iter()
                .zip(ke)
                .map(|((u, n), (e, r))| {
                    let mut o = one("user", u);
                    o.insert("name".into(), (*n).into());
                    let o = with(o, "expires", e.map(Value::from));
                    let Value::Object(o) = o else { unreachable!() };
                    with(o, "rotate_after", r.map(Value::from))
                })
                .collect();
            json!({"workspaces": workspaces, "users": users, "api_keys": keys}).to_string()
        })
    }

    fn callers() -> impl Strategy<Value = State> {
        prop_oneof![
            Just(state()),
            Just(State {
                key_in_use: None,
                ..state()
            }),
            Just(state_as_alice()),
            Just(State {
                caller_id: "u-bob".into(),
                key_in_use: Some("tg_EEEE".into()),
                ..state()
            }),
        ]
    }

    #[test]
    fn every_accepted_plan_keeps_the_caller_an_enabled_admin_with_its_key() {
        let mut runner = TestRunner::new(Config {
            cases: 2000,
            ..Config::default()
        });
        let accepted = std::cell::Cell::new(0usize);
        let strategy = (manifest_json(), callers(), any::<bool>());
        runner
            .run(&strategy, |(yaml, st, prune)| {
                let Ok(m) = parse(&yaml, Format::Json, "m.json") else {
                    panic!("not a manifest: {yaml}");
                };
                if validate(&m, "m.json").is_err() {
                    return Ok(());
                }
                let Ok(p) = plan(&m, &st, prune, "m.json") else {
                    return Ok(());
                };
                accepted.set(accepted.get() + 1);
                let after = model_apply(&m, &st, &p);
                let me = |s: &State| {
                    s.users
                        .iter()
                        .find(|u| u.id == s.caller_id)
                        .cloned()
                        .unwrap()
                };
                let (was, now) = (me(&st), me(&after));
                let ws_on =
                    |s: &State, id: &str| s.workspaces.iter().any(|w| w.id == id && w.enabled);
                prop_assert!(now.enabled, "caller disabled: {yaml}");
                prop_assert!(
                    ws_on(&after, &now.default_workspace),
                    "caller's workspace disabled: {yaml}"
                );
                if was.roles.iter().any(|r| r == "admin") {
                    prop_assert!(
                        now.roles.iter().any(|r| r == "admin"),
                        "caller demoted: {yaml}"
                    );
                }
                if let Some(prefix) = &st.key_in_use {
                    let has = |s: &State| {
                        s.keys
                            .get(&s.caller_id)
                            .is_some_and(|ks| ks.iter().any(|k| &k.prefix == prefix))
                    };
                    prop_assert!(has(&after), "the key in use revoked: {yaml}");
                }
                let admins = |s: &State| {
                    s.users.iter().any(|u| {
                        u.enabled
                            && u.roles.iter().any(|r| r == "admin")
                            && ws_on(s, &u.default_workspace)
                    })
                };
                prop_assert!(!admins(&st) || admins(&after), "no admin left: {yaml}");
                // Every key the manifest names belongs to an enabled user
                // of an enabled workspace.
                for k in &m.api_keys {
                    let u = after.users.iter().find(|u| u.username == k.user).unwrap();
                    prop_assert!(u.enabled && ws_on(&after, &u.default_workspace), "{yaml}");
                }
                Ok(())
            })
            .unwrap();
        // Not vacuous: a good share of the random manifests is accepted.
        assert!(accepted.get() > 300, "only {} accepted", accepted.get());
    }
}
