//! The `/api/v1/socket` first-frame auth protocol and IAM requests over it.

mod support;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::*;
use tg_dev_gateway::Compat;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(gw: &Gw) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/api/v1/socket", gw.addr()))
        .await
        .expect("upgrade");
    ws
}

async fn send(ws: &mut Ws, frame: &str) -> Value {
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
    loop {
        match ws.next().await.expect("a reply").unwrap() {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Binary(b) => return serde_json::from_slice(&b).unwrap(),
            _ => continue,
        }
    }
}

async fn auth(ws: &mut Ws, token: &str) -> Value {
    send(ws, &json!({"type": "auth", "token": token}).to_string()).await
}

async fn req(ws: &mut Ws, id: &str, request: Value) -> Value {
    send(
        ws,
        &json!({"id": id, "service": "iam", "request": request}).to_string(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_frame_auth_reauth_and_iam_requests() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    gw.user(&admin, "alice", "default", &["writer"]);
    let alice = gw.jwt("alice");
    let mut ws = connect(&gw).await;

    // Nothing but auth before auth.
    let r = req(&mut ws, "req-1", json!({"operation": "whoami"})).await;
    assert_eq!(
        r,
        json!({"id": "req-1", "error": {"message": "auth failure", "type": "auth-required"}, "complete": true})
    );
    // A bad token: auth-failed, and the socket stays open for a retry.
    assert_eq!(
        auth(&mut ws, "garbage").await,
        json!({"type": "auth-failed", "error": "auth failure"})
    );
    assert_eq!(
        auth(&mut ws, "").await,
        json!({"type": "auth-failed", "error": "auth failure"})
    );
    assert_eq!(
        auth(&mut ws, &alice).await,
        json!({"type": "auth-ok", "default_workspace": "default"})
    );

    let r = req(&mut ws, "req-2", json!({"operation": "whoami"})).await;
    assert_eq!(r["id"], "req-2");
    assert_eq!(r["complete"], true);
    assert_eq!(r["response"]["user"]["username"], "alice");
    // A writer is denied admin operations at the envelope level.
    let r = req(&mut ws, "req-3", json!({"operation": "list-users"})).await;
    assert_eq!(
        r,
        json!({"id": "req-3", "error": {"message": "access denied", "type": "access-denied"}, "complete": true})
    );

    // Re-auth as admin replaces the identity; a failed re-auth keeps it.
    assert_eq!(auth(&mut ws, &admin).await["type"], "auth-ok");
    assert_eq!(auth(&mut ws, "tg_wrong").await["type"], "auth-failed");
    let r = req(&mut ws, "req-4", json!({"operation": "whoami"})).await;
    assert_eq!(r["response"]["user"]["username"], "admin");
    let r = req(&mut ws, "req-5", json!({"operation": "list-users"})).await;
    assert_eq!(r["response"]["users"].as_array().unwrap().len(), 2);
    // IAM errors travel inside `response`.
    let r = req(
        &mut ws,
        "req-6",
        json!({"operation": "get-user", "user_id": "nope"}),
    )
    .await;
    assert_eq!(
        r,
        json!({"id": "req-6", "response": {"error": {"type": "not-found", "message": "user not found"}}, "complete": true})
    );
    // Envelope errors.
    let r = send(
        &mut ws,
        r#"{"id": "x", "service": "flow", "request": {"operation": "whoami"}}"#,
    )
    .await;
    assert_eq!(r["error"]["type"], "unknown-service");
    let r = req(&mut ws, "req-7", json!({"operation": "resolve-api-key"})).await;
    assert_eq!(r["error"]["type"], "unknown-service");
    let r = send(&mut ws, r#"{"id": "z", "service": "iam", "workspace": "nope", "request": {"operation": "frobnicate"}}"#).await;
    assert_eq!(
        r["error"]["type"], "unknown-service",
        "registry before workspace"
    );
    let r = send(
        &mut ws,
        r#"{"id": "y", "service": "iam", "workspace": "nope", "request": {"operation": "whoami"}}"#,
    )
    .await;
    assert_eq!(
        r,
        json!({"id": "y", "error": {"message": "workspace not found", "type": "workspace-not-found"}, "complete": true})
    );
    let r = send(&mut ws, r#"{"service": "iam", "request": {}}"#).await;
    assert_eq!(
        r,
        json!({"error": {"message": "Bad message", "type": "error"}, "complete": true})
    );
    let r = send(&mut ws, "not json").await;
    assert_eq!(r["error"]["type"], "error");
    assert_eq!(r["complete"], true);
    // The socket still works after all that.
    let r = req(&mut ws, "req-8", json!({"operation": "list-workspaces"})).await;
    assert_eq!(r["response"]["workspaces"][0]["id"], "default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_in_2_11_mode_matches_the_observed_frames() {
    let gw = Gw::start(Compat::V2_11);
    let admin = gw.bootstrap();
    let mut ws = connect(&gw).await;
    let r = req(&mut ws, "req-1", json!({"operation": "whoami"})).await;
    assert_eq!(
        r["error"],
        json!({"message": "auth failure", "type": "auth-required"})
    );
    assert_eq!(
        auth(&mut ws, &admin).await,
        json!({"type": "auth-ok", "default_workspace": "default"})
    );
    let r = req(&mut ws, "req-2", json!({"operation": "whoami"})).await;
    assert_eq!(r["response"]["bootstrap_available"], false);
    assert_eq!(r["response"]["user"]["username"], "admin");
    let r = req(
        &mut ws,
        "req-3",
        json!({"operation": "get-user", "user_id": "nope"}),
    )
    .await;
    assert_eq!(
        r,
        json!({"id": "req-3", "response": {"bootstrap_available": false}, "complete": true})
    );
}

fn auth_required(id: &str) -> Value {
    json!({"id": id, "error": {"message": "auth failure", "type": "auth-required"}, "complete": true})
}

/// The credential behind a socket is checked again on every frame: once it
/// no longer holds, that frame gets the auth error and the socket must
/// authenticate again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_stops_working_when_its_api_key_is_revoked() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    let ops = gw.user(&admin, "ops", "default", &["admin"]);
    let v = gw.ok(
        &admin,
        json!({"operation": "create-api-key", "key": {"user_id": ops, "name": "k"}}),
    );
    let key = v["api_key_plaintext"].as_str().unwrap().to_string();
    let key_id = v["api_key"]["id"].clone();
    let mut ws = connect(&gw).await;
    assert_eq!(auth(&mut ws, &key).await["type"], "auth-ok");
    let create = |n: &str| json!({"operation": "create-user", "workspace": "default", "user": {"username": n, "password": "p", "roles": ["admin"]}});
    let r = req(&mut ws, "req-1", create("eve1")).await;
    assert_eq!(r["response"]["user"]["username"], "eve1", "{r}");
    gw.ok(
        &admin,
        json!({"operation": "revoke-api-key", "key_id": key_id}),
    );
    assert_eq!(
        req(&mut ws, "req-2", create("eve2")).await,
        auth_required("req-2")
    );
    assert_eq!(
        req(&mut ws, "req-3", json!({"operation": "whoami"})).await,
        auth_required("req-3"),
        "re-auth is required"
    );
    assert_eq!(auth(&mut ws, &key).await["type"], "auth-failed");
    assert_eq!(auth(&mut ws, &admin).await["type"], "auth-ok");
    let r = req(&mut ws, "req-4", json!({"operation": "whoami"})).await;
    assert_eq!(r["response"]["user"]["username"], "admin");
    let users = gw.ok(&admin, json!({"operation": "list-users"}));
    assert!(!users.to_string().contains("eve2"), "{users}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_stops_working_when_its_jwt_expires() {
    let gw = Gw::with(|c| c.jwt_ttl = 1);
    let admin = gw.bootstrap();
    gw.user(&admin, "alice", "default", &["writer"]);
    let jwt = gw.jwt("alice");
    let mut ws = connect(&gw).await;
    assert_eq!(auth(&mut ws, &jwt).await["type"], "auth-ok");
    let r = req(&mut ws, "req-1", json!({"operation": "whoami"})).await;
    assert_eq!(r["response"]["user"]["username"], "alice");
    // exp = iat + 1, valid while now <= exp: two seconds on, it is not.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        req(&mut ws, "req-2", json!({"operation": "whoami"})).await,
        auth_required("req-2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_stops_working_when_its_user_is_disabled_or_deleted() {
    let gw = Gw::start(Compat::Design);
    let admin = gw.bootstrap();
    let alice = gw.user(&admin, "alice", "default", &["writer"]);
    let bob = gw.user(&admin, "bob", "default", &["writer"]);
    for (user, name, op) in [
        (&alice, "alice", "disable-user"),
        (&bob, "bob", "delete-user"),
    ] {
        let jwt = gw.jwt(name);
        let mut ws = connect(&gw).await;
        assert_eq!(auth(&mut ws, &jwt).await["type"], "auth-ok");
        let r = req(&mut ws, "req-1", json!({"operation": "whoami"})).await;
        assert_eq!(r["response"]["user"]["username"], name);
        gw.ok(&admin, json!({"operation": op, "user_id": user}));
        assert_eq!(
            req(&mut ws, "req-2", json!({"operation": "whoami"})).await,
            auth_required("req-2"),
            "{op}"
        );
        // And the JWT no longer authenticates a socket.
        assert_eq!(
            auth(&mut ws, &jwt).await,
            json!({"type": "auth-failed", "error": "auth failure"}),
            "{op}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minted_jwt_authenticates_the_socket_in_its_workspace() {
    for compat in [Compat::Design, Compat::V2_11] {
        let gw = Gw::start(compat);
        let admin = gw.bootstrap();
        let alice = gw.user(&admin, "alice", "default", &["writer"]);
        let minted = gw.ok(
            &admin,
            json!({"operation": "mint-token", "workspace": "default", "user_context_json": r#"{"ou": "sales"}"#, "username": "alice"}),
        );
        let jwt = minted["jwt"].as_str().unwrap();
        let mut ws = connect(&gw).await;
        assert_eq!(
            auth(&mut ws, jwt).await,
            json!({"type": "auth-ok", "default_workspace": "default"})
        );
        let r = req(&mut ws, "m-1", json!({"operation": "whoami"})).await;
        assert_eq!(r["id"], "m-1");
        assert_eq!(r["response"]["user"]["id"], alice.as_str(), "{r}");
        assert_eq!(
            gw.server.gateway.authenticate(jwt).unwrap().user_context,
            Some(json!({"ou": "sales"}))
        );
    }
}
