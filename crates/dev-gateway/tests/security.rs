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

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
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
