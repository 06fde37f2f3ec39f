//! HTTP-level conformance of tg-dev-gateway with the reference: every
//! operation, every role against every capability, error statuses and
//! bodies, bootstrap, keys, JWTs, rotation, and the 2.11 quirks.

mod support;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use support::*;
use tg_dev_gateway::crypto;
use tg_dev_gateway::jwt::Signer25519;
use tg_dev_gateway::ops::OPERATIONS;
use tg_dev_gateway::time;
use tg_dev_gateway::{BootstrapMode, Compat};

const AUTH_FAILURE_COMPACT: &str = r#"{"error":"auth failure"}"#;
const AUTH_FAILURE_SPACED: &str = r#"{"error": "auth failure"}"#;

#[test]
fn routes_methods_and_malformed_bodies() {
    let gw = Gw::start(Compat::Design);
    let r = request(gw.addr(), "GET", "/api/v1/iam", &[], b"");
    assert_eq!(
        (r.status, r.body.as_str()),
        (405, "405: Method Not Allowed")
    );
    assert!(r.content_type.starts_with("text/plain"));
    let r = gw.post("/nope", None, "{}");
    assert_eq!((r.status, r.body.as_str()), (404, "404: Not Found"));
    let r = gw.post("/api/v1/users", None, r#"{"operation": "create-user"}"#);
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "unknown operation"}"#)
    );
    let r = gw.post("/api/v1/users", None, r#"{"username": "x"}"#);
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "missing operation"}"#)
    );
    let r = gw.post("/api/v1/iam", None, "not json");
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "invalid json"}"#)
    );
    assert_eq!(r.content_type, "application/json; charset=utf-8");
    let r = gw.post("/api/v1/iam", None, "[1]");
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "body must be an object"}"#)
    );
    let r = gw.post("/api/v1/auth/login", None, "not json");
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "invalid json"}"#)
    );
    let big = format!(
        r#"{{"operation": "whoami", "pad": "{}"}}"#,
        "x".repeat(1 << 20)
    );
    let r = gw.post("/api/v1/iam", None, &big);
    assert_eq!(r.status, 413);
}

#[test]
fn bootstrap_mode_bootstraps_once() {
    let gw = Gw::start(Compat::Design);
    let r = gw.post("/api/v1/auth/bootstrap-status", None, "{}");
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"bootstrap_available": true}"#)
    );
    let r = gw.post("/api/v1/auth/bootstrap", None, "{}");
    assert_eq!(r.status, 200);
    let v = r.json();
    let key = v["bootstrap_admin_api_key"].as_str().unwrap();
    assert!(key.starts_with("tg_") && key.len() == 35);
    assert_eq!(v["bootstrap_admin_user_id"].as_str().unwrap().len(), 36);
    assert_eq!(
        v.as_object().unwrap().len(),
        2,
        "no bootstrap_available by design: {v}"
    );
    for _ in 0..2 {
        let r = gw.post("/api/v1/auth/bootstrap", None, "{}");
        assert_eq!((r.status, r.body.as_str()), (401, AUTH_FAILURE_SPACED));
    }
    let r = gw.iam(None, json!({"operation": "bootstrap"}));
    assert_eq!(
        r.json(),
        json!({"error": {"type": "auth-failed", "message": "auth failure"}})
    );
    let r = gw.post("/api/v1/auth/bootstrap-status", None, "{}");
    assert_eq!(r.body, r#"{"bootstrap_available": false}"#);
    // The seeded state: default workspace, admin, one key named bootstrap.
    let who = gw.ok(key, json!({"operation": "whoami"}))["user"].clone();
    assert_eq!(who["username"], "admin");
    assert_eq!(who["name"], "Administrator");
    assert_eq!(who["roles"], json!(["admin"]));
    assert_eq!(who["must_change_password"], true);
    assert_eq!(who["default_workspace"], "default");
    let ws = gw.ok(key, json!({"operation": "list-workspaces"}));
    assert_eq!(ws["workspaces"][0]["id"], "default");
    assert_eq!(ws["workspaces"][0]["name"], "Default");
    let keys = gw.ok(
        key,
        json!({"operation": "list-api-keys", "user_id": who["id"]}),
    );
    assert_eq!(keys["api_keys"][0]["name"], "bootstrap");
    assert_eq!(keys["api_keys"][0]["prefix"], &key[..7]);
}

#[test]
fn token_mode_seeds_and_refuses_bootstrap() {
    let token = "tg_seeded-by-the-operator-000000000";
    let gw = Gw::with(|c| {
        c.bootstrap_mode = BootstrapMode::Token;
        c.bootstrap_token = Some(token.into());
    });
    let r = gw.post("/api/v1/auth/bootstrap", None, "{}");
    assert_eq!((r.status, r.body.as_str()), (401, AUTH_FAILURE_SPACED));
    assert_eq!(
        gw.post("/api/v1/auth/bootstrap-status", None, "{}").body,
        r#"{"bootstrap_available": false}"#
    );
    assert_eq!(
        gw.ok(token, json!({"operation": "whoami"}))["user"]["username"],
        "admin"
    );
}

#[test]
fn bad_configurations_are_refused() {
    use tg_dev_gateway::{Config, Gateway};
    let mut c = Config::new(BootstrapMode::Token);
    assert!(Gateway::open(c.clone()).is_err());
    c.bootstrap_token = Some("not-a-key".into());
    assert!(Gateway::open(c).is_err());
    let mut c = Config::new(BootstrapMode::Bootstrap);
    c.bootstrap_token = Some("tg_abcdefgh".into());
    assert!(Gateway::open(c).is_err());
}

#[test]
fn credentials_that_do_not_authenticate_get_the_masked_401() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    let jwt_shape = {
        let u = gw.user(&admin, "alice", "default", &["writer"]);
        let _ = u;
        gw.jwt("alice")
    };
    let mut tampered = jwt_shape.clone();
    let mid = tampered.find('.').unwrap() + 5;
    tampered.replace_range(
        mid..mid + 1,
        if &tampered[mid..mid + 1] == "A" {
            "B"
        } else {
            "A"
        },
    );
    for auth in [
        None,
        Some("Bearer garbage".to_string()),
        Some("Bearer tg_notarealkey0000000000000000000000".into()),
        Some("Bearer aaa.bbb.ccc".into()),
        Some(format!("Bearer {tampered}")),
        Some("Basic YTpi".into()),
        Some(format!("bearer {admin}")),
        Some("Bearer ".into()),
    ] {
        let mut h = vec![];
        if let Some(a) = &auth {
            h.push(("Authorization", a.as_str()));
        }
        let r = request(
            gw.addr(),
            "POST",
            "/api/v1/iam",
            &h,
            br#"{"operation":"list-users"}"#,
        );
        assert_eq!(
            (r.status, r.body.as_str()),
            (401, AUTH_FAILURE_COMPACT),
            "{auth:?}"
        );
    }
    // The token is whitespace-trimmed.
    let h = format!("Bearer  {admin} ");
    let r = request(
        gw.addr(),
        "POST",
        "/api/v1/iam",
        &[("Authorization", &h)],
        br#"{"operation":"whoami"}"#,
    );
    assert_eq!(r.status, 200);
    // Unknown operations are refused before authentication.
    let r = gw.iam(None, json!({"operation": "frobnicate"}));
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "unknown operation"}"#)
    );
    for internal in [
        "resolve-api-key",
        "get-signing-key-public",
        "authorise",
        "authenticate-anonymous",
        "",
    ] {
        let r = gw.iam(Some(&admin), json!({"operation": internal}));
        assert_eq!(r.status, 400, "{internal}");
    }
}

/// Every capability-gated operation, with a body that reaches iam-svc.
fn gated_ops(user: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "create-user",
            json!({"operation": "create-user", "workspace": "default", "user": {"username": format!("new-{}", crypto::uuid4()), "password": "p"}}),
        ),
        ("list-users", json!({"operation": "list-users"})),
        (
            "get-user",
            json!({"operation": "get-user", "user_id": user}),
        ),
        (
            "update-user",
            json!({"operation": "update-user", "user_id": user, "user": {"name": "N"}}),
        ),
        (
            "disable-user",
            json!({"operation": "disable-user", "user_id": "nobody"}),
        ),
        (
            "enable-user",
            json!({"operation": "enable-user", "user_id": user}),
        ),
        (
            "delete-user",
            json!({"operation": "delete-user", "user_id": "nobody"}),
        ),
        (
            "reset-password",
            json!({"operation": "reset-password", "user_id": "nobody"}),
        ),
        (
            "create-api-key",
            json!({"operation": "create-api-key", "key": {"user_id": user, "name": "k"}}),
        ),
        (
            "list-api-keys",
            json!({"operation": "list-api-keys", "user_id": user}),
        ),
        (
            "revoke-api-key",
            json!({"operation": "revoke-api-key", "key_id": "nope"}),
        ),
        (
            "create-workspace",
            json!({"operation": "create-workspace", "workspace_record": {"id": "w2"}}),
        ),
        ("list-workspaces", json!({"operation": "list-workspaces"})),
        (
            "get-workspace",
            json!({"operation": "get-workspace", "workspace_record": {"id": "default"}}),
        ),
        (
            "update-workspace",
            json!({"operation": "update-workspace", "workspace_record": {"id": "w2", "enabled": true}}),
        ),
        (
            "disable-workspace",
            json!({"operation": "disable-workspace", "workspace_record": {"id": "nope"}}),
        ),
        (
            "rotate-signing-key",
            json!({"operation": "rotate-signing-key"}),
        ),
        (
            "mint-token",
            json!({"operation": "mint-token", "workspace": "default", "user_context_json": "{}", "user_id": user}),
        ),
    ]
}

/// The table's capability-gated operations are exactly those tested.
#[test]
fn the_role_matrix_covers_every_gated_operation_in_the_table() {
    let mut tested: Vec<&str> = gated_ops("u").iter().map(|(op, _)| *op).collect();
    let mut table: Vec<&str> = OPERATIONS
        .iter()
        .filter(|o| o.access.capability().is_some())
        .map(|o| o.name)
        .collect();
    tested.sort();
    table.sort();
    assert_eq!(tested, table);
}

#[test]
fn every_role_against_every_capability() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    let subject = gw.user(&admin, "subject", "default", &["reader"]);
    gw.user(&admin, "reader", "default", &["reader"]);
    gw.user(&admin, "writer", "default", &["writer"]);
    gw.user(&admin, "norole", "default", &[]);
    gw.user(&admin, "hero", "default", &["superhero"]);
    let admin2 = gw.user(&admin, "admin2", "default", &["admin"]);
    let _ = admin2;
    for name in ["reader", "writer", "norole", "hero", "admin2"] {
        let token = gw.jwt(name);
        for (op, body) in gated_ops(&subject) {
            let r = gw.iam(Some(&token), body);
            if name == "admin2" {
                assert_eq!(r.status, 200, "{name} {op}: {}", r.body);
            } else {
                assert_eq!(
                    (r.status, r.body.as_str()),
                    (403, r#"{"error":"access denied"}"#),
                    "{name} {op}"
                );
            }
        }
        // Operations open to any authenticated caller.
        for op in ["whoami", "list-my-workspaces"] {
            assert_eq!(
                gw.iam(Some(&token), json!({"operation": op})).status,
                200,
                "{name} {op}"
            );
        }
    }
    // A disabled admin's unexpired JWT no longer authenticates (the
    // reference still accepts it for whoami; this gateway is stricter).
    let jwt = gw.jwt("admin2");
    let id = gw.ok(&jwt, json!({"operation": "whoami"}))["user"]["id"].clone();
    gw.ok(&admin, json!({"operation": "disable-user", "user_id": id}));
    assert_eq!(
        gw.iam(Some(&jwt), json!({"operation": "list-users"}))
            .status,
        401
    );
    assert_eq!(
        gw.iam(Some(&jwt), json!({"operation": "whoami"})).status,
        401
    );
}

#[test]
fn iam_errors_are_carried_in_200_replies() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    let alice = gw.user(&admin, "alice", "default", &["writer"]);
    let cases = [
        (
            json!({"operation": "create-user", "user": {"username": "z", "password": "p"}}),
            "invalid-argument",
            "workspace required for create-user",
        ),
        (
            json!({"operation": "create-user", "workspace": "default"}),
            "invalid-argument",
            "user field required for create-user",
        ),
        (
            json!({"operation": "create-user", "workspace": "default", "user": {"password": "p"}}),
            "invalid-argument",
            "user.username required",
        ),
        (
            json!({"operation": "create-user", "workspace": "default", "user": {"username": "z"}}),
            "invalid-argument",
            "user.password required",
        ),
        (
            json!({"operation": "create-user", "workspace": "nope", "user": {"username": "z", "password": "p"}}),
            "not-found",
            "workspace not found or disabled",
        ),
        (
            json!({"operation": "create-user", "workspace": "default", "user": {"username": "alice", "password": "p"}}),
            "duplicate",
            "username already exists",
        ),
        (
            json!({"operation": "get-user", "user_id": "nope"}),
            "not-found",
            "user not found",
        ),
        (
            json!({"operation": "get-user"}),
            "invalid-argument",
            "user_id required",
        ),
        (
            json!({"operation": "get-user", "user_id": alice, "workspace": "other"}),
            "operation-not-permitted",
            "user is in a different workspace",
        ),
        (
            json!({"operation": "update-user", "user_id": alice, "user": {"password": "x"}}),
            "invalid-argument",
            "password cannot be changed via update-user; use change-password or reset-password",
        ),
        (
            json!({"operation": "update-user", "user_id": alice, "user": {"username": "bob"}}),
            "invalid-argument",
            "username is immutable; create a new user instead",
        ),
        (
            json!({"operation": "list-api-keys"}),
            "invalid-argument",
            "user_id required for list-api-keys",
        ),
        (
            json!({"operation": "create-api-key", "key": {"name": "k"}}),
            "invalid-argument",
            "key.user_id required",
        ),
        (
            json!({"operation": "create-api-key", "key": {"user_id": alice}}),
            "invalid-argument",
            "key.name required",
        ),
        (
            json!({"operation": "revoke-api-key", "key_id": "nope"}),
            "not-found",
            "api key not found",
        ),
        (
            json!({"operation": "create-workspace", "workspace_record": {"id": "_system"}}),
            "invalid-argument",
            "workspace ids beginning with '_' are reserved",
        ),
        (
            json!({"operation": "create-workspace", "workspace_record": {}}),
            "invalid-argument",
            "workspace_record.id required for create-workspace",
        ),
        (
            json!({"operation": "get-workspace", "workspace_record": {"id": "nope"}}),
            "not-found",
            "workspace not found",
        ),
        // Login failures are masked here too (the reference names the
        // check that failed: an enumeration oracle).
        (
            json!({"operation": "login", "username": "alice", "password": "wrong"}),
            "auth-failed",
            "auth failure",
        ),
        (
            json!({"operation": "login", "username": "nobody", "password": "x"}),
            "auth-failed",
            "auth failure",
        ),
        // change-password acts on the caller (the reference trusts the
        // body's user_id).
        (
            json!({"operation": "change-password", "user_id": alice, "password": "wrong", "new_password": "n"}),
            "operation-not-permitted",
            "change-password changes the caller's own password; use reset-password for another user",
        ),
        (
            json!({"operation": "change-password", "password": "wrong", "new_password": "n"}),
            "auth-failed",
            "auth failure",
        ),
    ];
    for (body, kind, message) in cases {
        let r = gw.iam(Some(&admin), body.clone());
        assert_eq!(r.status, 200, "{body}");
        assert_eq!(
            r.json(),
            json!({"error": {"type": kind, "message": message}}),
            "{body}"
        );
    }
}

#[test]
fn operations_and_their_effects() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    // create-workspace is idempotent and keeps the existing record.
    let w = gw.ok(&admin, json!({"operation": "create-workspace", "workspace_record": {"id": "research", "name": "Research"}}));
    assert_eq!(w["workspace"]["name"], "Research");
    let again = gw.ok(&admin, json!({"operation": "create-workspace", "workspace_record": {"id": "research", "name": "Other"}}));
    assert_eq!(again, w);
    // update-workspace: a new name; like update-user, an absent `enabled`
    // means true.
    let u = gw.ok(&admin, json!({"operation": "update-workspace", "workspace_record": {"id": "research", "name": "R&D", "enabled": false}}));
    assert_eq!(
        (
            u["workspace"]["name"].as_str(),
            u["workspace"]["enabled"].as_bool()
        ),
        (Some("R&D"), Some(false))
    );
    let u = gw.ok(&admin, json!({"operation": "update-workspace", "workspace_record": {"id": "research", "name": "Research"}}));
    assert_eq!(u["workspace"]["enabled"], true);
    assert_eq!(
        gw.ok(
            &admin,
            json!({"operation": "get-workspace", "workspace_record": {"id": "research"}})
        ),
        u
    );
    let u = gw.ok(&admin, json!({"operation": "create-user", "workspace": "research", "user": {"username": "carol", "password": "pw", "roles": ["writer", "reader"], "email": "c@x"}}));
    let rec = &u["user"];
    assert_eq!(rec["name"], "carol", "name defaults to the username");
    assert_eq!(rec["roles"], json!(["reader", "writer"]), "roles sorted");
    let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "default_workspace",
            "username",
            "name",
            "email",
            "roles",
            "enabled",
            "must_change_password",
            "created"
        ]
    );
    let id = rec["id"].as_str().unwrap().to_string();
    // list-users filters on the home workspace.
    assert_eq!(
        gw.ok(
            &admin,
            json!({"operation": "list-users", "workspace": "research"})
        )["users"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        gw.ok(
            &admin,
            json!({"operation": "list-users", "workspace": "nope"})
        ),
        json!({}),
        "empty lists are omitted"
    );
    // update-user's boolean trap: absent flags take the decoder defaults; null keeps.
    gw.ok(&admin, json!({"operation": "disable-user", "user_id": id}));
    gw.ok(
        &admin,
        json!({"operation": "update-user", "user_id": id, "user": {"name": "C", "enabled": null}}),
    );
    assert_eq!(
        gw.ok(&admin, json!({"operation": "get-user", "user_id": id}))["user"]["enabled"],
        false
    );
    let v = gw.ok(
        &admin,
        json!({"operation": "update-user", "user_id": id, "user": {"name": "C2"}}),
    );
    assert_eq!(
        v["user"]["enabled"], true,
        "absent enabled re-enables, as upstream"
    );
    // reset-password: temporary password, flag set; change-password clears it.
    let tmp = gw.ok(
        &admin,
        json!({"operation": "reset-password", "user_id": id}),
    )["temporary_password"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(tmp.len(), 16);
    assert_eq!(gw.login("carol", "pw").status, 401);
    let r = gw.login("carol", &tmp);
    assert_eq!(r.status, 200);
    let jwt = r.json()["jwt"].as_str().unwrap().to_string();
    let r = gw.post(
        "/api/v1/auth/change-password",
        Some(&jwt),
        r#"{"current_password": "wrong", "new_password": "n"}"#,
    );
    assert_eq!((r.status, r.body.as_str()), (401, AUTH_FAILURE_SPACED));
    let r = gw.post(
        "/api/v1/auth/change-password",
        Some(&jwt),
        r#"{"current_password": "x"}"#,
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "new_password required"}"#)
    );
    let r = gw.post(
        "/api/v1/auth/change-password",
        None,
        r#"{"current_password": "x", "new_password": "y"}"#,
    );
    assert_eq!((r.status, r.body.as_str()), (401, AUTH_FAILURE_COMPACT));
    let r = gw.post(
        "/api/v1/auth/change-password",
        Some(&jwt),
        &json!({"current_password": tmp, "new_password": "pw2"}).to_string(),
    );
    assert_eq!((r.status, r.body.as_str()), (200, "{}"));
    assert_eq!(
        gw.ok(&admin, json!({"operation": "get-user", "user_id": id}))["user"]
            ["must_change_password"],
        false
    );
    // The change ended the JWT it was made with; a new login works.
    assert_eq!(
        gw.iam(Some(&jwt), json!({"operation": "whoami"})).status,
        401
    );
    let r = gw.login("carol", "pw2");
    assert_eq!(r.status, 200);
    let jwt = r.json()["jwt"].as_str().unwrap().to_string();
    // Login's workspace override must name an enabled workspace.
    let r = gw.post(
        "/api/v1/auth/login",
        None,
        r#"{"username": "carol", "password": "pw2", "workspace": "nope"}"#,
    );
    assert_eq!((r.status, r.body.as_str()), (401, AUTH_FAILURE_SPACED));
    // list-my-workspaces: own home for non-admins, all for admins.
    let mine = gw.ok(&jwt, json!({"operation": "list-my-workspaces"}));
    assert_eq!(mine["workspaces"].as_array().unwrap().len(), 1);
    assert_eq!(
        gw.ok(&admin, json!({"operation": "list-my-workspaces"}))["workspaces"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // disable-workspace disables its users and deletes their keys.
    let key = gw.ok(
        &admin,
        json!({"operation": "create-api-key", "key": {"user_id": id, "name": "k"}}),
    )["api_key_plaintext"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        gw.iam(Some(&key), json!({"operation": "whoami"})).status,
        200
    );
    assert_eq!(
        gw.ok(
            &admin,
            json!({"operation": "disable-workspace", "workspace_record": {"id": "research"}})
        ),
        json!({})
    );
    assert_eq!(
        gw.iam(Some(&key), json!({"operation": "whoami"})).status,
        401
    );
    assert_eq!(
        gw.ok(&admin, json!({"operation": "get-user", "user_id": id}))["user"]["enabled"],
        false
    );
    assert_eq!(
        gw.ok(&admin, json!({"operation": "list-api-keys", "user_id": id})),
        json!({})
    );
    assert_eq!(gw.login("carol", "pw2").status, 401);
    // delete-user frees the username.
    gw.ok(&admin, json!({"operation": "delete-user", "user_id": id}));
    assert_eq!(
        gw.iam(
            Some(&admin),
            json!({"operation": "get-user", "user_id": id})
        )
        .json()["error"]["type"],
        "not-found"
    );
    gw.user(&admin, "carol", "default", &["reader"]);
}

#[test]
fn passwords_are_pbkdf2_with_600000_iterations_and_keys_are_hashed() {
    let gw = Gw::with(|c| c.iterations = crypto::PBKDF2_ITERATIONS);
    let admin = gw.bootstrap();
    gw.user(&admin, "alice", "default", &["reader"]);
    let st = gw.server.gateway.snapshot();
    let alice = st.users.iter().find(|u| u.username == "alice").unwrap();
    assert!(
        alice.password_hash.starts_with("pbkdf2-sha256$600000$"),
        "{}",
        alice.password_hash
    );
    assert!(crypto::verify_password("pw-alice", &alice.password_hash));
    let serialized = serde_json::to_string(&st).unwrap();
    assert!(!serialized.contains(&admin), "plaintext key never stored");
    assert!(serialized.contains(&crypto::hash_api_key(&admin)));
    assert!(!serialized.contains("pw-alice"));
}

#[test]
fn api_key_expiry_and_revocation() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    let alice = gw.user(&admin, "alice", "default", &["writer"]);
    let mk = |expires: &str| {
        let v = gw.ok(&admin, json!({"operation": "create-api-key", "key": {"user_id": alice, "name": "k", "expires": expires}}));
        (
            v["api_key_plaintext"].as_str().unwrap().to_string(),
            v["api_key"].clone(),
        )
    };
    let (live, rec) = mk("2099-01-01T00:00:00+00:00");
    assert_eq!(rec["expires"], "2099-01-01T00:00:00+00:00");
    assert_eq!(rec["prefix"], &live[..7]);
    assert_eq!(rec["last_used"], "");
    let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "user_id",
            "name",
            "prefix",
            "expires",
            "created",
            "last_used"
        ]
    );
    assert_eq!(
        gw.iam(Some(&live), json!({"operation": "whoami"})).status,
        200
    );
    let (dead, _) = mk("2001-01-01T00:00:00Z");
    assert_eq!(
        gw.iam(Some(&dead), json!({"operation": "whoami"})).status,
        401
    );
    // An unparseable expiry is refused by design (upstream, and
    // --compat 2.11, store it as never).
    let r = gw.iam(
        Some(&admin),
        json!({"operation": "create-api-key", "key": {"user_id": alice, "name": "k", "expires": "not a date"}}),
    );
    assert_eq!(r.json()["error"]["type"], "invalid-argument", "{}", r.body);
    let (never, rec) = mk("");
    assert_eq!(rec["expires"], "", "no expiry: never");
    assert_eq!(
        gw.iam(Some(&never), json!({"operation": "whoami"})).status,
        200
    );
    // Revocation takes effect on the very next request.
    gw.ok(
        &admin,
        json!({"operation": "revoke-api-key", "key_id": rec["id"]}),
    );
    assert_eq!(
        gw.iam(Some(&never), json!({"operation": "whoami"})).status,
        401
    );
    // disable-user deletes keys; enable does not bring them back.
    gw.ok(
        &admin,
        json!({"operation": "disable-user", "user_id": alice}),
    );
    gw.ok(
        &admin,
        json!({"operation": "enable-user", "user_id": alice}),
    );
    assert_eq!(
        gw.iam(Some(&live), json!({"operation": "whoami"})).status,
        401
    );
}

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn jwts_are_ed25519_with_the_reference_claims() {
    let gw = Gw::with(|c| c.jwt_ttl = 120);
    let admin = gw.bootstrap();
    let alice = gw.user(&admin, "alice", "default", &["writer"]);
    let r = gw.login("alice", "pw-alice");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v.as_object().unwrap().len(), 2);
    let jwt = v["jwt"].as_str().unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let header = decode(parts[0]);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"].as_str().unwrap().len(), 16);
    assert_eq!(
        String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap(),
        format!(
            r#"{{"alg":"EdDSA","kid":"{}","typ":"JWT"}}"#,
            header["kid"].as_str().unwrap()
        )
    );
    let claims = decode(parts[1]);
    let keys: Vec<&String> = claims.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["default_workspace", "exp", "iat", "iss", "sub"]);
    assert_eq!(claims["sub"], alice.as_str());
    assert_eq!(claims["iss"], "trustgraph-iam");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
    assert_eq!(
        v["jwt_expires"],
        time::iso_millis(claims["exp"].as_i64().unwrap() * 1000)
    );
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 64);

    // Forge tokens with the gateway's own key: an expired one, one with
    // alg none, and one missing the workspace claim are all refused.
    let st = gw.server.gateway.snapshot();
    let k = st.signing_keys.last().unwrap();
    let secret: [u8; 32] = STANDARD.decode(&k.secret).unwrap().try_into().unwrap();
    let signer = Signer25519::from_secret(k.kid.clone(), &secret);
    let now = time::now();
    let good = signer.sign(&json!({"default_workspace": "default", "exp": now + 60, "iat": now, "iss": "trustgraph-iam", "sub": alice}));
    assert_eq!(
        gw.iam(Some(&good), json!({"operation": "whoami"})).status,
        200
    );
    let expired = signer.sign(&json!({"default_workspace": "default", "exp": now - 1, "iat": now - 61, "iss": "trustgraph-iam", "sub": alice}));
    assert_eq!(
        gw.iam(Some(&expired), json!({"operation": "whoami"}))
            .status,
        401
    );
    let no_ws = signer.sign(&json!({"exp": now + 60, "iat": now, "sub": alice}));
    assert_eq!(
        gw.iam(Some(&no_ws), json!({"operation": "whoami"})).status,
        401
    );
    let none_alg = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        parts[1]
    );
    assert_eq!(
        gw.iam(Some(&none_alg), json!({"operation": "whoami"}))
            .status,
        401
    );
}

#[test]
fn mint_token_issues_a_jwt_with_the_user_context_claim() {
    let gw = Gw::with(|c| c.jwt_ttl = 120);
    let admin = gw.bootstrap();
    let alice = gw.user(&admin, "alice", "default", &["writer"]);
    let admin_id = gw.ok(&admin, json!({"operation": "whoami"}))["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uc = r#"{"roles": ["analyst"], "ou": {"z": 1, "a": "\u00e9"}}"#;
    // By id, by username, and for the caller itself (actor).
    for (target, sub) in [
        (json!({"user_id": alice}), alice.as_str()),
        (json!({"username": "alice"}), alice.as_str()),
        (json!({}), admin_id.as_str()),
    ] {
        let mut body =
            json!({"operation": "mint-token", "workspace": "default", "user_context_json": uc});
        for (k, v) in target.as_object().unwrap() {
            body[k] = v.clone();
        }
        let v = gw.ok(&admin, body);
        assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
        let jwt = v["jwt"].as_str().unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let claims = decode(parts[1]);
        let keys: Vec<&String> = claims.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "default_workspace",
                "exp",
                "iat",
                "iss",
                "sub",
                "user_context"
            ]
        );
        // Sorted at every level, compact, as json.dumps(sort_keys=True).
        assert!(
            raw.ends_with(r#""user_context":{"ou":{"a":"é","z":1},"roles":["analyst"]}}"#),
            "{raw}"
        );
        assert_eq!(claims["sub"], sub);
        assert_eq!(claims["default_workspace"], "default");
        assert_eq!(claims["iss"], "trustgraph-iam");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            120
        );
        assert_eq!(
            v["jwt_expires"],
            time::iso_millis(claims["exp"].as_i64().unwrap() * 1000)
        );
        // It authenticates, and the claim survives verification.
        let who = gw.server.gateway.authenticate(jwt).expect("authenticates");
        assert_eq!(who.user_id, sub);
        assert_eq!(who.workspace, "default");
        assert_eq!(
            who.user_context,
            Some(json!({"roles": ["analyst"], "ou": {"z": 1, "a": "é"}}))
        );
        let me = gw.ok(jwt, json!({"operation": "whoami"}));
        assert_eq!(me["user"]["id"], sub);
    }
    // A login JWT and an API key carry no user context.
    let login = gw.jwt("alice");
    assert_eq!(
        gw.server.gateway.authenticate(&login).unwrap().user_context,
        None
    );
    assert_eq!(
        gw.server.gateway.authenticate(&admin).unwrap().user_context,
        None
    );
    // A claim that is not an object is kept in the JWT but not as context.
    let v = gw.ok(
        &admin,
        json!({"operation": "mint-token", "workspace": "default", "user_context_json": "[1]", "user_id": alice}),
    );
    let who = gw
        .server
        .gateway
        .authenticate(v["jwt"].as_str().unwrap())
        .unwrap();
    assert_eq!(who.user_context, None);
}

#[test]
fn mint_token_errors_in_both_modes() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = Gw::start(compat);
        let admin = gw.bootstrap();
        let alice = gw.user(&admin, "alice", "default", &["writer"]);
        let bob = gw.user(&admin, "bob", "default", &["reader"]);
        gw.ok(&admin, json!({"operation": "disable-user", "user_id": bob}));
        gw.ok(
            &admin,
            json!({"operation": "create-workspace", "workspace_record": {"id": "off"}}),
        );
        gw.ok(
            &admin,
            json!({"operation": "disable-workspace", "workspace_record": {"id": "off"}}),
        );
        let base = |extra: Value| {
            let mut b = json!({"operation": "mint-token", "workspace": "default", "user_context_json": "{}", "user_id": alice});
            for (k, v) in extra.as_object().unwrap() {
                if v.is_null() {
                    b.as_object_mut().unwrap().remove(k);
                } else {
                    b[k] = v.clone();
                }
            }
            b
        };
        let cases = [
            (
                json!({"workspace": null}),
                "invalid-argument",
                "workspace required",
            ),
            (
                json!({"user_context_json": ""}),
                "invalid-argument",
                "user_context required",
            ),
            (
                json!({"username": "alice"}),
                "invalid-argument",
                "supply user_id or username, not both",
            ),
            (
                json!({"user_id": null, "username": "nobody"}),
                "not-found",
                "username not found",
            ),
            (
                json!({"user_id": "no-such-id"}),
                "not-found",
                "user not found",
            ),
            (
                json!({"user_id": bob}),
                "operation-not-permitted",
                "user is disabled",
            ),
            (
                json!({"workspace": "off"}),
                "not-found",
                "workspace not found or disabled",
            ),
            (
                json!({"workspace": "nowhere"}),
                "not-found",
                "workspace not found or disabled",
            ),
        ];
        for (extra, kind, message) in cases {
            let r = gw.iam(Some(&admin), base(extra.clone()));
            assert_eq!(r.status, 200, "{extra}");
            match compat {
                Compat::Design => assert_eq!(
                    r.json(),
                    json!({"error": {"type": kind, "message": message}}),
                    "{extra}"
                ),
                Compat::V2_11 => assert_eq!(r.body, r#"{"bootstrap_available": false}"#),
            }
        }
        let r = gw.iam(Some(&admin), base(json!({"user_context_json": "{nope"})));
        if compat == Compat::Design {
            let e = r.json();
            assert_eq!(e["error"]["type"], "invalid-argument");
            assert!(e["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("bad user_context json: "));
        }
        // This gateway's own rule: no JWT for a workspace its user may not
        // act in (it would never authenticate here).
        gw.ok(
            &admin,
            json!({"operation": "create-workspace", "workspace_record": {"id": "w2"}}),
        );
        let r = gw.iam(Some(&admin), base(json!({"workspace": "w2"})));
        if compat == Compat::Design {
            assert_eq!(
                r.json(),
                json!({"error": {"type": "operation-not-permitted", "message": "user may not act in workspace w2"}})
            );
        }
        // Only admins may mint.
        let jwt = gw.jwt("alice");
        let r = gw.iam(Some(&jwt), base(json!({})));
        assert_eq!(
            (r.status, r.body.as_str()),
            (403, r#"{"error":"access denied"}"#)
        );
        // 2.11: a success carries bootstrap_available, as every reply.
        let v = gw.ok(&admin, base(json!({})));
        assert_eq!(
            v["bootstrap_available"].as_bool(),
            (compat == Compat::V2_11).then_some(false)
        );
    }
}

#[test]
fn rotation_keeps_the_previous_key_valid_for_the_grace_period() {
    for (grace, old_valid) in [(3600, true), (0, false)] {
        let gw = Gw::with(|c| c.rotation_grace = grace);
        let admin = gw.bootstrap();
        gw.user(&admin, "alice", "default", &["writer"]);
        let before = gw.jwt("alice");
        assert_eq!(
            gw.ok(&admin, json!({"operation": "rotate-signing-key"})),
            json!({})
        );
        let after = gw.jwt("alice");
        let kid = |t: &str| decode(t.split('.').next().unwrap())["kid"].clone();
        assert_ne!(kid(&before), kid(&after));
        assert_eq!(
            gw.iam(Some(&after), json!({"operation": "whoami"})).status,
            200,
            "new JWTs work at once"
        );
        let old = gw.iam(Some(&before), json!({"operation": "whoami"})).status;
        assert_eq!(old == 200, old_valid, "grace {grace}: {old}");
    }
}

#[test]
fn compat_2_11_reproduces_the_observed_quirks() {
    let gw = Gw::start(Compat::V2_11);
    let bare = r#"{"bootstrap_available": false}"#;
    assert_eq!(
        gw.post("/api/v1/auth/bootstrap-status", None, "{}").body,
        r#"{"bootstrap_available": true}"#
    );
    let r = gw.post("/api/v1/auth/bootstrap", None, "{}");
    let v = r.json();
    assert_eq!(v["bootstrap_available"], false);
    let admin = v["bootstrap_admin_api_key"].as_str().unwrap().to_string();
    // Fixture 04: a second bootstrap is a bare 200.
    let r = gw.post("/api/v1/auth/bootstrap", None, "{}");
    assert_eq!((r.status, r.body.as_str()), (200, bare));
    let alice = gw.user(&admin, "alice", "default", &["writer"]);
    let _ = alice;
    // Fixtures 10, 12 and 50: refusals are bare 200s.
    for body in [
        json!({"operation": "create-user", "user": {"username": "zed", "password": "x", "roles": ["writer"]}}),
        json!({"operation": "create-user", "workspace": "default", "user": {"username": "alice", "password": "x"}}),
        json!({"operation": "revoke-api-key", "key_id": "00000000-0000-0000-0000-000000000000"}),
        json!({"operation": "list-api-keys"}),
        json!({"operation": "get-user", "user_id": "nope"}),
        json!({"operation": "list-users", "workspace": "nope"}),
    ] {
        let r = gw.iam(Some(&admin), body.clone());
        assert_eq!((r.status, r.body.as_str()), (200, bare), "{body}");
    }
    // Fixtures 16-19: failed logins are bare 200s.
    for body in [
        r#"{"username":"alice","password":"wrong"}"#,
        r#"{"username":"nobody","password":"x"}"#,
        r#"{"username":"alice"}"#,
        r#"{"username":"alice","password":"pw-alice","workspace":"nope"}"#,
    ] {
        let r = gw.post("/api/v1/auth/login", None, body);
        assert_eq!((r.status, r.body.as_str()), (200, bare), "{body}");
    }
    // Fixture 14: a good login carries bootstrap_available.
    let v = gw.login("alice", "pw-alice").json();
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["jwt", "jwt_expires", "bootstrap_available"]
    );
    let jwt = v["jwt"].as_str().unwrap().to_string();
    // Fixture 06/26: whoami carries it too, after the record.
    let r = gw.iam(Some(&jwt), json!({"operation": "whoami"}));
    assert!(
        r.body.ends_with(r#", "bootstrap_available": false}"#),
        "{}",
        r.body
    );
    // Wrong current password: nothing changes, bare reply.
    let r = gw.post(
        "/api/v1/auth/change-password",
        Some(&jwt),
        r#"{"current_password": "wrong", "new_password": "n"}"#,
    );
    assert_eq!((r.status, r.body.as_str()), (200, bare));
    assert_eq!(gw.login("alice", "pw-alice").status, 200);
    // Fixtures 24, 39, 47: the middleware's refusals are unchanged.
    let r = gw.iam(Some(&jwt), json!({"operation": "list-users"}));
    assert_eq!(
        (r.status, r.body.as_str()),
        (403, r#"{"error":"access denied"}"#)
    );
    let r = gw.iam(None, json!({"operation": "list-users"}));
    assert_eq!((r.status, r.body.as_str()), (401, AUTH_FAILURE_COMPACT));
    let r = gw.iam(Some(&admin), json!({"operation": "frobnicate"}));
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error": "unknown operation"}"#)
    );
}
