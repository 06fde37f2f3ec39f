//! Revocation that lasts: disabling a user (or its workspace), resetting
//! or changing its password ends every JWT issued before, for good: the
//! JWT stays dead after the user is enabled again, in both modes, and
//! across a restart. A login right after the enable still works.

mod support;
use serde_json::json;
use support::*;
use tg_dev_gateway::Compat;

const MODES: [Compat; 2] = [Compat::Design, Compat::V2_11];

/// Whether `token` still authenticates (whoami answers 200 with a user).
fn works(gw: &Gw, token: &str) -> bool {
    let r = gw.iam(Some(token), json!({"operation": "whoami"}));
    r.status == 200 && r.json().get("user").is_some()
}

/// A JWT minted by the admin for `user_id`.
fn minted(gw: &Gw, admin: &str, user_id: &str, ws: &str) -> String {
    let v = gw.ok(
        admin,
        json!({"operation": "mint-token", "user_id": user_id, "workspace": ws, "user_context_json": "{}"}),
    );
    v["jwt"].as_str().unwrap().to_string()
}

#[test]
fn a_jwt_stays_dead_after_its_user_is_disabled_then_enabled() {
    for mode in MODES {
        let gw = Gw::start(mode);
        let admin = gw.bootstrap();
        let bob = gw.user(&admin, "bob", "default", &["reader"]);
        let login = gw.jwt("bob");
        let mint = minted(&gw, &admin, &bob, "default");
        assert!(works(&gw, &login) && works(&gw, &mint), "{mode:?}");
        gw.ok(&admin, json!({"operation": "disable-user", "user_id": bob}));
        assert!(!works(&gw, &login), "{mode:?}: disabled");
        gw.ok(&admin, json!({"operation": "enable-user", "user_id": bob}));
        assert!(!works(&gw, &login), "{mode:?}: login JWT back to life");
        assert!(!works(&gw, &mint), "{mode:?}: minted JWT back to life");
        // Logging in right after the enable works (in the same second as
        // the disable, too) and the new JWT authenticates.
        let fresh = gw.jwt("bob");
        assert!(works(&gw, &fresh), "{mode:?}: a fresh login");
        let fresh_mint = minted(&gw, &admin, &bob, "default");
        assert!(works(&gw, &fresh_mint), "{mode:?}: a fresh mint");
    }
}

#[test]
fn a_jwt_stays_dead_after_update_user_disables_then_enables() {
    for mode in MODES {
        let gw = Gw::start(mode);
        let admin = gw.bootstrap();
        let bob = gw.user(&admin, "bob", "default", &["reader"]);
        let jwt = gw.jwt("bob");
        for enabled in [false, true] {
            gw.ok(
                &admin,
                json!({"operation": "update-user", "user_id": bob, "user": {"enabled": enabled}}),
            );
        }
        assert!(!works(&gw, &jwt), "{mode:?}");
        assert!(works(&gw, &gw.jwt("bob")), "{mode:?}: a fresh login");
    }
}

#[test]
fn a_jwt_is_dead_after_a_password_reset() {
    for mode in MODES {
        let gw = Gw::start(mode);
        let admin = gw.bootstrap();
        let bob = gw.user(&admin, "bob", "default", &["reader"]);
        let jwt = gw.jwt("bob");
        let v = gw.ok(
            &admin,
            json!({"operation": "reset-password", "user_id": bob}),
        );
        assert!(!works(&gw, &jwt), "{mode:?}");
        let tmp = v["temporary_password"].as_str().unwrap();
        let r = gw.login("bob", tmp);
        assert_eq!(r.status, 200, "{mode:?}: {}", r.body);
        assert!(works(&gw, r.json()["jwt"].as_str().unwrap()), "{mode:?}");
    }
}

#[test]
fn a_jwt_is_dead_after_a_change_of_password_on_either_route() {
    for mode in MODES {
        let gw = Gw::start(mode);
        let admin = gw.bootstrap();
        gw.user(&admin, "bob", "default", &["reader"]);
        // The dedicated route.
        let jwt = gw.jwt("bob");
        let body = json!({"current_password": "pw-bob", "new_password": "pw-2"}).to_string();
        let r = gw.post("/api/v1/auth/change-password", Some(&jwt), &body);
        assert_eq!(r.status, 200, "{mode:?}: {}", r.body);
        assert!(!works(&gw, &jwt), "{mode:?}: dedicated route");
        // The IAM operation.
        let r = gw.login("bob", "pw-2");
        let jwt = r.json()["jwt"].as_str().unwrap().to_string();
        assert!(works(&gw, &jwt), "{mode:?}");
        gw.ok(
            &jwt,
            json!({"operation": "change-password", "password": "pw-2", "new_password": "pw-3"}),
        );
        assert!(!works(&gw, &jwt), "{mode:?}: IAM operation");
        let r = gw.login("bob", "pw-3");
        assert_eq!(r.status, 200, "{mode:?}: {}", r.body);
        assert!(works(&gw, r.json()["jwt"].as_str().unwrap()), "{mode:?}");
    }
}

#[test]
fn a_jwt_stays_dead_after_its_workspace_is_disabled_then_enabled() {
    for mode in MODES {
        let gw = Gw::start(mode);
        let admin = gw.bootstrap();
        gw.ok(
            &admin,
            json!({"operation": "create-workspace", "workspace_record": {"id": "w1"}}),
        );
        let carol = gw.user(&admin, "carol", "w1", &["reader"]);
        let carol_jwt = gw.jwt("carol");
        // An admin from elsewhere, acting in w1.
        gw.user(&admin, "root", "default", &["admin"]);
        let r = gw.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "root", "password": "pw-root", "workspace": "w1"}).to_string(),
        );
        let root_in_w1 = r.json()["jwt"].as_str().unwrap().to_string();
        assert!(
            works(&gw, &carol_jwt) && works(&gw, &root_in_w1),
            "{mode:?}"
        );
        gw.ok(
            &admin,
            json!({"operation": "disable-workspace", "workspace_record": {"id": "w1"}}),
        );
        gw.ok(
            &admin,
            json!({"operation": "update-workspace", "workspace_record": {"id": "w1", "enabled": true}}),
        );
        gw.ok(
            &admin,
            json!({"operation": "enable-user", "user_id": carol}),
        );
        assert!(!works(&gw, &carol_jwt), "{mode:?}: member's JWT");
        assert!(!works(&gw, &root_in_w1), "{mode:?}: JWT acting in it");
        assert!(works(&gw, &gw.jwt("carol")), "{mode:?}: a fresh login");

        // Disabling it through update-workspace ends them as well.
        let carol_jwt = gw.jwt("carol");
        for enabled in [false, true] {
            gw.ok(
                &admin,
                json!({"operation": "update-workspace", "workspace_record": {"id": "w1", "enabled": enabled}}),
            );
        }
        assert!(!works(&gw, &carol_jwt), "{mode:?}: update-workspace");
        assert!(works(&gw, &gw.jwt("carol")), "{mode:?}: a fresh login");
    }
}

#[test]
fn a_socket_authenticated_before_the_disable_is_refused_after_the_enable() {
    use tokio_tungstenite::tungstenite::{connect, Message};
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    let bob = gw.user(&admin, "bob", "default", &["reader"]);
    let jwt = gw.jwt("bob");
    let (mut ws, _) = connect(format!("ws://{}/api/v1/socket", gw.addr())).unwrap();
    let mut say = |v: serde_json::Value| {
        ws.send(Message::Text(v.to_string().into())).unwrap();
        let reply = ws.read().unwrap().into_text().unwrap().to_string();
        serde_json::from_str::<serde_json::Value>(&reply).unwrap()
    };
    assert_eq!(
        say(json!({"type": "auth", "token": jwt}))["type"],
        "auth-ok"
    );
    let whoami = json!({"id": "1", "service": "iam", "request": {"operation": "whoami"}});
    assert!(say(whoami.clone())["response"]["user"].is_object());
    gw.ok(&admin, json!({"operation": "disable-user", "user_id": bob}));
    gw.ok(&admin, json!({"operation": "enable-user", "user_id": bob}));
    assert_eq!(say(whoami)["error"]["type"], "auth-required");
    assert_eq!(
        say(json!({"type": "auth", "token": jwt}))["type"],
        "auth-failed"
    );
}

#[test]
fn revocation_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("tg-revocation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let with_state = |c: &mut tg_dev_gateway::Config| c.state_file = Some(state.clone());
    let (admin, jwt) = {
        let gw = Gw::with(with_state);
        let admin = gw.bootstrap();
        let bob = gw.user(&admin, "bob", "default", &["reader"]);
        let jwt = gw.jwt("bob");
        gw.ok(&admin, json!({"operation": "disable-user", "user_id": bob}));
        gw.ok(&admin, json!({"operation": "enable-user", "user_id": bob}));
        (admin, jwt)
    };
    let gw = Gw::reopen(with_state);
    assert!(works(&gw, &admin), "the state was kept");
    assert!(!works(&gw, &jwt), "revocation forgotten across a restart");
    assert!(works(&gw, &gw.jwt("bob")));
    drop(gw);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A signing key whose grace period is over is deleted, on rotation and at
/// start, so a JWT that stopped working stays dead when a gateway restarts
/// with a longer `--rotation-grace`.
#[test]
fn retired_signing_keys_are_gone_once_their_grace_is_over() {
    let dir = std::env::temp_dir().join(format!("tg-retired-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.db");
    let on = |grace: i64| {
        let state = state.clone();
        Gw::reopen(move |c| {
            c.state_file = Some(state.clone());
            c.rotation_grace = grace;
        })
    };
    let kids = |gw: &Gw| gw.server.gateway.snapshot().signing_keys.len();
    // On rotation: no grace, so the key rotated out goes at once.
    let (admin, jwt) = {
        let gw = on(0);
        let admin = gw.bootstrap();
        gw.user(&admin, "bob", "default", &["reader"]);
        let jwt = gw.jwt("bob");
        gw.ok(&admin, json!({"operation": "rotate-signing-key"}));
        assert!(!works(&gw, &jwt));
        assert_eq!(kids(&gw), 1, "the retired key is deleted");
        (admin, jwt)
    };
    let gw = on(3600);
    assert!(!works(&gw, &jwt), "back to life with a longer grace");
    assert!(works(&gw, &admin));
    // At start: rotated out with an hour's grace (still valid), then a
    // start with none deletes it.
    let jwt = gw.jwt("bob");
    gw.ok(&admin, json!({"operation": "rotate-signing-key"}));
    assert!(works(&gw, &jwt), "within its grace");
    assert_eq!(kids(&gw), 2);
    drop(gw);
    let gw = on(0);
    assert!(!works(&gw, &jwt));
    assert_eq!(kids(&gw), 1, "deleted at start");
    drop(gw);
    let gw = on(3600);
    assert!(!works(&gw, &jwt), "back to life with a longer grace");
    assert!(works(&gw, &gw.jwt("bob")));
    drop(gw);
    let _ = std::fs::remove_dir_all(&dir);
}
