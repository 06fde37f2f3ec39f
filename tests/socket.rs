//! The library's first-frame WebSocket client against tg-dev-gateway on
//! 127.0.0.1:0 (its `service: "test"` supplies streams, stalls, freezes
//! and pings): authentication and re-authentication, requests before auth,
//! twenty requests at once on one socket, streams and their ends, a
//! gateway that stops answering, expired credentials, `wss://` with a
//! private CA, and `service: "iam"` replies that match HTTP's.

mod common;
use common::front::Front;
use common::*;
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;
use tg_dev_gateway::Compat;
use tg_iam::cli::{ConnArgs, TokenArgs};
use tg_iam::client::{Client, Expired, Retry, Socket};
use tg_iam::config::{Setting, Source};
use tg_iam::error::IamErrorType;
use tg_iam::iam::{self, User, Workspace};
use tg_iam::Kind;

const CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/ca.pem");

/// A test must end, whatever the client does: a hang is a failure.
async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the client hung")
}

fn conn(url: &str, timeout: f64) -> ConnArgs {
    ConnArgs {
        api_url: Some(url.to_string()),
        timeout: Some(timeout),
        ..ConnArgs::default()
    }
}

fn client_with(conn: &ConnArgs, token: Option<&str>) -> Client {
    let t = TokenArgs {
        token: Some(token.unwrap_or("").to_string()),
        token_file: None,
    };
    Client::new("tg-test", conn, Some(&t)).expect("client")
}

fn client(url: &str, token: Option<&str>) -> Client {
    client_with(&conn(url, 10.0), token)
}

fn flag(token: &str) -> Setting {
    Setting {
        value: token.to_string(),
        source: Source::Flag,
    }
}

async fn bootstrap(url: &str) -> String {
    let c = Client::new("tg-test", &conn(url, 10.0), None).unwrap();
    let r = c
        .post("/api/v1/auth/bootstrap", &json!({}), false, Retry::Never)
        .await
        .unwrap();
    r.str("bootstrap_admin_api_key").unwrap().to_string()
}

async fn iam(url: &str, token: &str, body: Value) -> Value {
    Value::Object(
        client(url, Some(token))
            .iam(body, Retry::Never)
            .await
            .unwrap()
            .0,
    )
}

/// A user `name` (password `pw-NAME`) in `ws` with `roles`; its id.
async fn user(url: &str, admin: &str, name: &str, ws: &str, roles: &[&str]) -> String {
    let v = iam(
        url,
        admin,
        json!({"operation": "create-user", "workspace": ws, "user": {"username": name, "password": format!("pw-{name}"), "roles": roles}}),
    )
    .await;
    v["user"]["id"].as_str().unwrap().to_string()
}

async fn login(url: &str, name: &str) -> String {
    let c = Client::new("tg-test", &conn(url, 10.0), None).unwrap();
    let r = c
        .post(
            "/api/v1/auth/login",
            &json!({"username": name, "password": format!("pw-{name}")}),
            false,
            Retry::Never,
        )
        .await
        .unwrap();
    r.str("jwt").unwrap().to_string()
}

#[tokio::test]
async fn auth_ok_reports_the_workspace_the_gateway_assigned() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let admin = bootstrap(&url).await;
    iam(
        &url,
        &admin,
        json!({"operation": "create-workspace", "workspace_record": {"id": "research", "name": "R"}}),
    )
    .await;
    user(&url, &admin, "alice", "research", &["writer"]).await;
    let alice = login(&url, "alice").await;

    // The admin's API key: its home workspace.
    let c = client(&url, Some(&admin));
    assert_eq!(c.socket_url(), format!("ws://{}/api/v1/socket", gw.addr));
    let s = bounded(c.socket(None)).await.unwrap();
    assert_eq!(
        s.authenticated().unwrap().workspace.as_deref(),
        Some("default")
    );
    assert_eq!(s.workspace(), Some("default"));
    s.close().await.unwrap();

    // Alice's JWT: the workspace in it; requests go there.
    let c = client(&url, Some(&alice));
    let s = bounded(c.socket(None)).await.unwrap();
    assert_eq!(s.workspace(), Some("research"));
    let me = s.iam(json!({"operation": "whoami"})).await.unwrap();
    assert_eq!(
        iam::record::<User>(&me, "user")
            .unwrap()
            .unwrap()
            .default_workspace,
        "research"
    );
    s.close().await.unwrap();

    // An explicitly chosen workspace is not overridden by auth-ok, and
    // is what the envelopes carry.
    let s = bounded(c.socket(Some("elsewhere"))).await.unwrap();
    assert_eq!(
        s.authenticated().unwrap().workspace.as_deref(),
        Some("research")
    );
    assert_eq!(s.workspace(), Some("elsewhere"));
    let e = s.iam(json!({"operation": "whoami"})).await.unwrap_err();
    assert_eq!(e.kind, Kind::Refused);
    assert_eq!(
        e.iam,
        Some(IamErrorType::Unknown("workspace-not-found".into()))
    );
    s.close().await.unwrap();
}

#[tokio::test]
async fn auth_failed_then_a_successful_reauth_on_the_same_socket() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let admin = bootstrap(&url).await;
    user(&url, &admin, "alice", "default", &["writer"]).await;
    let alice = login(&url, "alice").await;

    let c = client(&url, None);
    let mut s = bounded(c.open_socket(None)).await.unwrap();
    let wrong = "tg_ThisKeyDoesNotExistAnywhere0000";
    let e = bounded(s.authenticate(&flag(wrong))).await.unwrap_err();
    assert_eq!((e.kind, e.kind.exit_code()), (Kind::Auth, 3));
    assert_eq!(e.iam, Some(IamErrorType::AuthFailed));
    assert_eq!(
        e.message,
        "the gateway refused the token given with -t/--token on the socket (auth-failed: auth failure)"
    );
    assert!(s.authenticated().is_none());

    // The socket is still open: authenticate again, and use it.
    let ok = bounded(s.authenticate(&flag(&alice))).await.unwrap();
    assert_eq!(ok.workspace.as_deref(), Some("default"));
    let me = s.iam(json!({"operation": "whoami"})).await.unwrap();
    assert_eq!(me.get("user").unwrap()["username"], "alice");

    // A refused re-auth keeps the identity the socket had.
    let e = bounded(s.authenticate(&flag("garbage"))).await.unwrap_err();
    assert_eq!(e.kind, Kind::Auth);
    let me = s.iam(json!({"operation": "whoami"})).await.unwrap();
    assert_eq!(me.get("user").unwrap()["username"], "alice");

    // A successful one replaces it.
    bounded(s.authenticate(&flag(&admin))).await.unwrap();
    let me = s.iam(json!({"operation": "whoami"})).await.unwrap();
    assert_eq!(me.get("user").unwrap()["username"], "admin");
    s.close().await.unwrap();

    // Client::socket with a refused credential is an error (exit 3).
    let e = bounded(client(&url, Some(wrong)).socket(None))
        .await
        .err()
        .unwrap();
    assert_eq!(e.kind.exit_code(), 3);
}

#[tokio::test]
async fn a_request_before_auth_is_refused() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    bootstrap(&url).await;
    let c = client(&url, None);
    let s = bounded(c.open_socket(None)).await.unwrap();
    let e = bounded(s.iam(json!({"operation": "whoami"})))
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.kind.exit_code()), (Kind::Auth, 3));
    assert_eq!(e.iam, Some(IamErrorType::Unknown("auth-required".into())));
    assert_eq!(
        e.message,
        "authentication failed on the socket (auth-required: auth failure) using no token (none given with -t/--token, --token-file, TRUSTGRAPH_TOKEN, the profile or a saved session)"
    );
    // Without a token, Client::socket sends an empty one, which is refused.
    let e = bounded(c.socket(None)).await.err().unwrap();
    assert_eq!(e.kind, Kind::Auth);
    assert_eq!(e.iam, Some(IamErrorType::AuthFailed));
}

#[tokio::test]
async fn twenty_concurrent_requests_on_one_socket_each_get_their_own_reply() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let admin = bootstrap(&url).await;
    let c = client(&url, Some(&admin));
    let s = bounded(c.socket(None)).await.unwrap();
    // Later requests are answered sooner: the replies come back in
    // another order than the requests went out.
    let calls = (0..20u64).map(|i| {
        let s = &s;
        async move {
            let r = s
                .call(
                    "test",
                    None,
                    json!({"operation": "echo", "value": format!("v{i}"), "delay_ms": (20 - i) * 15}),
                )
                .await;
            (i, r)
        }
    });
    let results = bounded(futures_util::future::join_all(calls)).await;
    assert_eq!(results.len(), 20);
    for (i, r) in results {
        assert_eq!(r.unwrap(), json!({"echo": format!("v{i}")}), "request {i}");
    }
    // IAM requests share the socket with them too.
    let (a, b) = tokio::join!(
        s.iam(json!({"operation": "whoami"})),
        s.iam(json!({"operation": "list-workspaces"}))
    );
    assert_eq!(a.unwrap().get("user").unwrap()["username"], "admin");
    assert_eq!(
        iam::list::<Workspace>(&b.unwrap(), "workspaces")
            .unwrap()
            .len(),
        1
    );
    s.close().await.unwrap();
}

#[tokio::test]
async fn streams_end_with_complete_or_an_end_flag() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let admin = bootstrap(&url).await;
    let s = bounded(client(&url, Some(&admin)).socket(None))
        .await
        .unwrap();
    for end in [
        "complete",
        "end_of_stream",
        "end_of_dialog",
        "end_of_session",
    ] {
        let mut r = s
            .request(
                "test",
                None,
                json!({"operation": "stream", "frames": 4, "end": end}),
            )
            .unwrap();
        let mut got = Vec::new();
        while let Some(frame) = bounded(r.next()).await {
            got.push(frame.unwrap());
        }
        assert_eq!(got.len(), 4, "{end}");
        for (i, f) in got.iter().enumerate() {
            assert_eq!(f["chunk"], i as u64, "{end}");
        }
        if end != "complete" {
            assert_eq!(got[3][end], true);
        }
        assert!(r.next().await.is_none(), "{end}: nothing after the end");
    }
    // Frames routed to a request nobody reads any more are dropped.
    let r = s
        .request("test", None, json!({"operation": "stream", "frames": 50}))
        .unwrap();
    drop(r);
    let all = s
        .request("test", None, json!({"operation": "stream", "frames": 2}))
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // Gateway-level errors: their kinds and exit codes.
    let e = s.call("flow", None, json!({})).await.unwrap_err();
    assert_eq!(
        (e.kind.exit_code(), e.iam),
        (1, Some(IamErrorType::Unknown("unknown-service".into())))
    );
    let e = s
        .call("test", None, json!({"operation": "nonsense"}))
        .await
        .unwrap_err();
    assert_eq!(e.kind.exit_code(), 6);
    s.close().await.unwrap();
}

#[tokio::test]
async fn a_gateway_that_stops_mid_stream_is_ended_by_the_timeout() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let admin = bootstrap(&url).await;
    let c = client_with(&conn(&url, 1.0), Some(&admin));
    let s = bounded(c.socket(None)).await.unwrap();
    let mut r = s
        .request(
            "test",
            None,
            json!({"operation": "stream", "frames": 5, "stall_after": 2}),
        )
        .unwrap();
    assert_eq!(bounded(r.next()).await.unwrap().unwrap()["chunk"], 0);
    assert_eq!(bounded(r.next()).await.unwrap().unwrap()["chunk"], 1);
    let e = bounded(r.next()).await.unwrap().unwrap_err();
    assert_eq!((e.kind, e.kind.exit_code()), (Kind::Unreachable, 5));
    assert_eq!(
        e.message,
        format!(
            "no answer from {url} within 1 s (waiting for more of {} after 2 frames on the socket)",
            r.id()
        )
    );
    assert!(r.next().await.is_none());
    drop(r);
    // The gateway is alive (it answers pings): the socket carries on.
    let v = bounded(s.call("test", None, json!({"operation": "echo", "value": 1})))
        .await
        .unwrap();
    assert_eq!(v, json!({"echo": 1}));
    s.close().await.unwrap();
}

#[tokio::test]
async fn a_gateway_that_stops_answering_altogether_is_declared_dead() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let admin = bootstrap(&url).await;
    let c = client_with(&conn(&url, 1.0), Some(&admin));
    let s = bounded(c.socket(None)).await.unwrap();
    // The gateway stops reading this socket: no replies, no pongs.
    let mut frozen = s
        .request("test", None, json!({"operation": "freeze", "ms": 20000}))
        .unwrap();
    let e = bounded(frozen.next()).await.unwrap().unwrap_err();
    assert_eq!(e.kind, Kind::Unreachable);
    drop(frozen);
    // With nothing waiting, the pings go unanswered and the socket is
    // declared dead (within the timeout and a ping interval).
    bounded(async {
        while s.ended_because().is_none() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let dead = s.ended_because().unwrap();
    assert_eq!(dead.kind.exit_code(), 5);
    assert_eq!(
        dead.message,
        format!(
            "the socket to {url} is dead: nothing came back within 1 s, not even a reply to a ping"
        )
    );
    // Every later request fails at once with that error.
    let e = s
        .call("test", None, json!({"operation": "echo"}))
        .await
        .unwrap_err();
    assert_eq!(e.message, dead.message);
}

#[tokio::test]
async fn pings_from_the_gateway_are_answered() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    let admin = bootstrap(&url).await;
    let s = bounded(client(&url, Some(&admin)).socket(None))
        .await
        .unwrap();
    let v = bounded(s.call("test", None, json!({"operation": "ping"})))
        .await
        .unwrap();
    assert_eq!(v, json!({"pong": true}));
    s.close().await.unwrap();
}

#[tokio::test]
async fn an_expired_jwt_is_caught_locally_and_never_sent() {
    let gw = dev_gateway(|_| {});
    let url = gw.url();
    bootstrap(&url).await;
    let expired = fake_jwt(tg_iam::time::now() - 600);

    // Building a client refuses it (every tool).
    let t = TokenArgs {
        token: Some(expired.clone()),
        token_file: None,
    };
    let e = Client::new("tg-test", &conn(&url, 5.0), Some(&t))
        .err()
        .unwrap();
    assert_eq!(e.kind.exit_code(), 3);

    // A client that keeps it (tg-auth-status) still never sends it: over
    // HTTP to a port where nothing listens, the answer is "expired"
    // (exit 3), not "unreachable" (exit 5).
    let nowhere = format!("http://127.0.0.1:{}/", closed_port());
    let c = Client::with_expired("tg-test", &conn(&nowhere, 5.0), Some(&t), Expired::Keep).unwrap();
    let e = c
        .iam(json!({"operation": "whoami"}), Retry::Never)
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::Auth);
    assert!(
        e.message.contains("is a JWT that expired at"),
        "{}",
        e.message
    );

    // On an open socket: refused before the frame goes out (the
    // gateway's own refusal would be auth-failed).
    let c = client(&url, None);
    let mut s = bounded(c.open_socket(None)).await.unwrap();
    let e = bounded(s.authenticate(&flag(&expired))).await.unwrap_err();
    assert_eq!((e.kind, e.iam), (Kind::Auth, None));
    assert!(
        e.message
            .starts_with("the token given with -t/--token is a JWT that expired at "),
        "{}",
        e.message
    );
    assert!(s.authenticated().is_none());
    s.close().await.unwrap();
}

#[tokio::test]
async fn wss_with_a_private_ca() {
    let gw = dev_gateway(|_| {});
    let admin = bootstrap(&gw.url()).await;
    let front = Front::tls(gw.addr);
    let url = format!("https://localhost:{}/", front.port);

    // Trusted with --ca-cert: HTTP and the socket share the one TLS set-up.
    let mut args = conn(&url, 5.0);
    args.ca_cert = Some(CA.into());
    let c = client_with(&args, Some(&admin));
    assert_eq!(
        c.socket_url(),
        format!("wss://localhost:{}/api/v1/socket", front.port)
    );
    let s: Socket = bounded(c.socket(None)).await.unwrap();
    assert_eq!(s.workspace(), Some("default"));
    let me = s.iam(json!({"operation": "whoami"})).await.unwrap();
    assert_eq!(me.get("user").unwrap()["username"], "admin");
    s.close().await.unwrap();
    let me = c
        .iam(json!({"operation": "whoami"}), Retry::Never)
        .await
        .unwrap();
    assert_eq!(me.get("user").unwrap()["username"], "admin");

    // Not trusted by default: a TLS failure, exit 5.
    let c = client_with(&conn(&url, 5.0), Some(&admin));
    let e = bounded(c.socket(None)).await.err().unwrap();
    assert_eq!(e.kind.exit_code(), 5);
    assert!(
        e.message
            .starts_with(&format!("TLS failure talking to {url}: ")),
        "{}",
        e.message
    );
    assert!(e.hint.unwrap().contains("--ca-cert"));

    // --insecure: no verification, on both paths.
    let mut args = conn(&url, 5.0);
    args.insecure = true;
    let c = client_with(&args, Some(&admin));
    let s = bounded(c.socket(None)).await.unwrap();
    s.close().await.unwrap();
}

#[tokio::test]
async fn iam_over_the_socket_gives_what_http_gives() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = dev_gateway(|c| c.compat = compat);
        let url = gw.url();
        let admin = bootstrap(&url).await;
        user(&url, &admin, "alice", "default", &["writer"]).await;
        let alice = login(&url, "alice").await;
        let http = client(&url, Some(&admin));
        let s = bounded(http.socket(None)).await.unwrap();
        for body in [
            json!({"operation": "whoami"}),
            json!({"operation": "list-users"}),
            json!({"operation": "list-workspaces"}),
        ] {
            let a = http.iam(body.clone(), Retry::Never).await.unwrap();
            let b = s.iam(body.clone()).await.unwrap();
            assert_eq!(a.0, b.0, "{compat:?} {body}");
        }
        let users = s.iam(json!({"operation": "list-users"})).await.unwrap();
        let users = iam::list::<User>(&users, "users").unwrap();
        assert_eq!(users.len(), 2);
        // A refusal: the same error on both paths.
        let body = json!({"operation": "get-user", "user_id": "nope"});
        match compat {
            Compat::Design => {
                let a = http.iam(body.clone(), Retry::Never).await.unwrap_err();
                let b = s.iam(body).await.unwrap_err();
                assert!(a.is_not_found() && b.is_not_found());
                assert_eq!((a.kind, a.message), (b.kind, b.message));
            }
            Compat::V2_11 => {
                let b = s.iam(body).await.unwrap();
                assert!(b.is_bare_2_11());
            }
        }
        s.close().await.unwrap();
        // A writer may not list users: 403 over HTTP, access-denied on
        // the socket; both exit 4.
        let w = client(&url, Some(&alice));
        let a = w
            .iam(json!({"operation": "list-users"}), Retry::Never)
            .await
            .unwrap_err();
        let s = bounded(w.socket(None)).await.unwrap();
        let b = s.iam(json!({"operation": "list-users"})).await.unwrap_err();
        assert_eq!((a.kind.exit_code(), b.kind.exit_code()), (4, 4));
        assert_eq!(b.iam, Some(IamErrorType::Unknown("access-denied".into())));
        s.close().await.unwrap();
    }
}
