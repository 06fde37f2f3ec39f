//! Secure by default: credentials of disabled or deleted users, masked and
//! equal-cost login, change-password pinned to the caller, login's
//! workspace, expiry dates, and the bounds on token lifetimes.

mod support;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::*;
use tg_dev_gateway::{BootstrapMode, Compat, Config, Gateway};

const AUTH_FAILURE_COMPACT: &str = r#"{"error":"auth failure"}"#;
const AUTH_FAILURE_SPACED: &str = r#"{"error": "auth failure"}"#;
const BARE: &str = r#"{"bootstrap_available": false}"#;

fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn credentials_of_a_disabled_or_deleted_user_fail_with_the_masked_401() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = Gw::start(compat);
        let admin = gw.bootstrap();
        let alice = gw.user(&admin, "alice", "default", &["admin"]);
        let bob = gw.user(&admin, "bob", "default", &["reader"]);
        let alice_jwt = gw.jwt("alice");
        let bob_jwt = gw.jwt("bob");
        gw.iam(
            Some(&admin),
            json!({"operation": "disable-user", "user_id": alice}),
        );
        gw.iam(
            Some(&admin),
            json!({"operation": "delete-user", "user_id": bob}),
        );
        for jwt in [&alice_jwt, &bob_jwt] {
            for op in ["whoami", "list-my-workspaces", "list-users"] {
                let r = gw.iam(Some(jwt), json!({"operation": op}));
                assert_eq!(
                    (r.status, r.body.as_str()),
                    (401, AUTH_FAILURE_COMPACT),
                    "{compat:?} {op}"
                );
            }
            let r = gw.post(
                "/api/v1/auth/change-password",
                Some(jwt),
                r#"{"current_password": "pw-alice", "new_password": "x"}"#,
            );
            assert_eq!((r.status, r.body.as_str()), (401, AUTH_FAILURE_COMPACT));
        }
        // Enabled again, the JWT stays dead (the disable revoked it, for
        // good: tests/revocation.rs); a new login works.
        gw.iam(
            Some(&admin),
            json!({"operation": "enable-user", "user_id": alice}),
        );
        assert_eq!(
            gw.iam(Some(&alice_jwt), json!({"operation": "whoami"}))
                .status,
            401
        );
        let fresh = gw.jwt("alice");
        assert_eq!(
            gw.iam(Some(&fresh), json!({"operation": "whoami"})).status,
            200
        );
    }
}

/// Every way a login can fail, as (username, password, workspace).
fn failed_logins() -> Vec<Value> {
    vec![
        json!({"username": "alice", "password": "wrong"}),
        json!({"username": "nobody", "password": "x"}),
        json!({"username": "carol", "password": "pw-carol"}),
        json!({"username": "alice", "password": "pw-alice", "workspace": "nope"}),
        json!({"username": "alice"}),
        json!({"password": "x"}),
    ]
}

#[test]
fn login_failures_are_masked_on_every_route() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = Gw::start(compat);
        let admin = gw.bootstrap();
        gw.user(&admin, "alice", "default", &["writer"]);
        let carol = gw.user(&admin, "carol", "default", &["writer"]);
        gw.iam(
            Some(&admin),
            json!({"operation": "disable-user", "user_id": carol}),
        );
        for body in failed_logins() {
            let r = gw.post("/api/v1/auth/login", None, &body.to_string());
            let want = match compat {
                Compat::Design => (401, AUTH_FAILURE_SPACED),
                Compat::V2_11 => (200, BARE),
            };
            assert_eq!((r.status, r.body.as_str()), want, "{compat:?} {body}");

            let mut op = body.as_object().unwrap().clone();
            op.insert("operation".into(), "login".into());
            for token in [None, Some(admin.as_str())] {
                let r = gw.iam(token, Value::Object(op.clone()));
                let want = match compat {
                    Compat::Design => {
                        r#"{"error": {"type": "auth-failed", "message": "auth failure"}}"#
                    }
                    Compat::V2_11 => BARE,
                };
                assert_eq!(
                    (r.status, r.body.as_str()),
                    (200, want),
                    "{compat:?} {op:?}"
                );
            }
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A login for an unknown or disabled user costs one password hash, like
/// a login for a known user: the gateway hashes against a dummy record.
#[test]
fn login_costs_the_same_for_known_unknown_and_disabled_users() {
    // Enough iterations that one hash clearly outweighs a round trip.
    let gw = Gw::with(|c| c.iterations = 10_000);
    let admin = gw.bootstrap();
    gw.user(&admin, "alice", "default", &["writer"]);
    let carol = gw.user(&admin, "carol", "default", &["writer"]);
    gw.iam(
        Some(&admin),
        json!({"operation": "disable-user", "user_id": carol}),
    );
    let login = |route: &str, user: &str| {
        let t = Instant::now();
        let r = match route {
            "auth" => gw.post(
                "/api/v1/auth/login",
                None,
                &json!({"username": user, "password": "wrong"}).to_string(),
            ),
            _ => gw.iam(
                None,
                json!({"operation": "login", "username": user, "password": "wrong"}),
            ),
        };
        let dt = t.elapsed();
        assert_ne!(r.status, 500);
        dt
    };
    for route in ["auth", "iam"] {
        let users = ["alice", "nobody", "carol"];
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); users.len()];
        for _ in 0..7 {
            for (i, u) in users.iter().enumerate() {
                times[i].push(login(route, u));
            }
        }
        let medians: Vec<Duration> = times.into_iter().map(median).collect();
        let (lo, hi) = (
            medians.iter().min().unwrap().as_secs_f64(),
            medians.iter().max().unwrap().as_secs_f64(),
        );
        eprintln!("login via {route}: medians known/unknown/disabled = {medians:?}");
        assert!(
            hi / lo < 3.0,
            "{route}: medians known/unknown/disabled {medians:?} differ by more than 3x"
        );
    }
}

#[test]
fn change_password_via_iam_is_pinned_to_the_caller() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    gw.user(&admin, "alice", "default", &["reader"]);
    let bob = gw.user(&admin, "bob", "default", &["reader"]);
    let alice = gw.jwt("alice");
    // Naming another user, with that user's right or wrong password: the
    // same refusal, and nothing changes.
    for pw in ["pw-bob", "wrong"] {
        let r = gw.iam(
            Some(&alice),
            json!({"operation": "change-password", "user_id": bob, "password": pw, "new_password": "owned"}),
        );
        assert_eq!(r.status, 200);
        assert_eq!(
            r.json()["error"]["type"],
            "operation-not-permitted",
            "{}",
            r.body
        );
    }
    assert_eq!(gw.login("bob", "pw-bob").status, 200);
    assert_eq!(gw.login("bob", "owned").status, 401);
    // The caller's own password: by omission or by naming itself.
    let me = gw.ok(&alice, json!({"operation": "whoami"}))["user"]["id"].clone();
    assert_eq!(
        gw.ok(
            &alice,
            json!({"operation": "change-password", "password": "pw-alice", "new_password": "a2"})
        ),
        json!({})
    );
    // The change ended the JWT it was made with.
    let alice = gw.login("alice", "a2").json()["jwt"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        gw.ok(
            &alice,
            json!({"operation": "change-password", "user_id": me, "password": "a2", "new_password": "a3"})
        ),
        json!({})
    );
    let alice = gw.login("alice", "a3").json()["jwt"]
        .as_str()
        .unwrap()
        .to_string();
    // A wrong current password is masked like a failed login.
    let r = gw.iam(
        Some(&alice),
        json!({"operation": "change-password", "password": "wrong", "new_password": "n"}),
    );
    assert_eq!(
        r.json(),
        json!({"error": {"type": "auth-failed", "message": "auth failure"}})
    );
}

#[test]
fn login_refuses_a_workspace_the_user_cannot_act_in() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = Gw::start(compat);
        let admin = gw.bootstrap();
        gw.iam(
            Some(&admin),
            json!({"operation": "create-workspace", "workspace_record": {"id": "research"}}),
        );
        gw.user(&admin, "alice", "default", &["writer"]);
        gw.user(&admin, "root", "default", &["admin"]);
        let login = |user: &str, ws: &str| {
            gw.post(
                "/api/v1/auth/login",
                None,
                &json!({"username": user, "password": format!("pw-{user}"), "workspace": ws})
                    .to_string(),
            )
        };
        // Not a member: refused like any failed login.
        let r = login("alice", "research");
        let want = match compat {
            Compat::Design => (401, AUTH_FAILURE_SPACED),
            Compat::V2_11 => (200, BARE),
        };
        assert_eq!((r.status, r.body.as_str()), want, "{compat:?}");
        // Its own home, named: fine.
        let r = login("alice", "default");
        assert_eq!(r.status, 200);
        assert_eq!(
            claims(r.json()["jwt"].as_str().unwrap())["default_workspace"],
            "default"
        );
        // An admin may name any enabled workspace.
        let r = login("root", "research");
        assert_eq!(r.status, 200, "{}", r.body);
        let jwt = r.json()["jwt"].as_str().unwrap().to_string();
        assert_eq!(claims(&jwt)["default_workspace"], "research");
        assert_eq!(
            gw.iam(Some(&jwt), json!({"operation": "whoami"})).status,
            200
        );
    }
}

#[test]
fn an_unparseable_or_non_ascii_expiry_gets_an_answer_and_the_gateway_keeps_serving() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = Gw::start(compat);
        let admin = gw.bootstrap();
        let alice = gw.user(&admin, "alice", "default", &["writer"]);
        for expires in [
            "2026-11-2é",
            "ééééééééééééé",
            "not a date",
            "2026-11-22T08:00:60",
        ] {
            let r = gw.iam(
                Some(&admin),
                json!({"operation": "create-api-key", "key": {"user_id": alice, "name": "k", "expires": expires}}),
            );
            assert_eq!(r.status, 200, "{expires}");
            let v = r.json();
            match compat {
                // The design refuses what it cannot read.
                Compat::Design => assert_eq!(
                    v,
                    json!({"error": {"type": "invalid-argument", "message": "key.expires is not an ISO-8601 date"}}),
                    "{expires}"
                ),
                // 2.11 stores it as "never expires", as the real server does.
                Compat::V2_11 => assert_eq!(v["api_key"]["expires"], "", "{expires}"),
            }
            assert_eq!(
                gw.iam(Some(&admin), json!({"operation": "whoami"})).status,
                200,
                "still serving after {expires:?}"
            );
        }
    }
}

#[test]
fn token_lifetimes_are_bounded() {
    for (ttl, grace) in [
        (i64::MAX, 3600),
        (0, 3600),
        (-1, 3600),
        (30 * 86400 + 1, 3600),
        (3600, i64::MAX),
        (3600, -1),
        (3600, 30 * 86400 + 1),
    ] {
        let mut c = Config::new(BootstrapMode::Bootstrap);
        c.jwt_ttl = ttl;
        c.rotation_grace = grace;
        let e = Gateway::open(c)
            .err()
            .unwrap_or_else(|| panic!("ttl {ttl} grace {grace} accepted"))
            .to_string();
        assert!(
            e.contains("must be between") && e.contains("seconds (30 days)"),
            "{e}"
        );
    }
    // The extremes of the ranges work, and the JWT's times add up.
    for ttl in [1, 30 * 86400] {
        let gw = Gw::with(|c| {
            c.jwt_ttl = ttl;
            c.rotation_grace = 30 * 86400;
        });
        let admin = gw.bootstrap();
        gw.user(&admin, "alice", "default", &["reader"]);
        let r = gw.login("alice", "pw-alice");
        let c = claims(r.json()["jwt"].as_str().unwrap());
        let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
        assert_eq!(exp - iat, ttl);
        assert!(exp > 0);
    }
}
