//! What the integration tests cannot reach from outside: a handler that
//! panics. The crate's own table gets one extra operation, `explode`, and
//! the gateway must answer it with `internal-error` and carry on, over
//! HTTP and over the socket.

use crate::config::{BootstrapMode, Config};
use crate::crypto;
use crate::gateway::{Gateway, Handler};
use crate::request::{Body, IamResult};
use crate::Server;
use axum::body::Body as HttpBody;
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use tg_iam_protocol::Access;
use tokio_tungstenite::tungstenite::Message;

fn explode(_: &Gateway, _: &Body) -> IamResult {
    panic!("a handler bug")
}

/// Answers with the body it was given: what the gateway passed on.
fn echo(_: &Gateway, b: &Body) -> IamResult {
    Ok(b.clone())
}

fn server() -> Server {
    let mut cfg = Config::new(BootstrapMode::Bootstrap);
    cfg.iterations = crypto::FAST_ITERATIONS;
    let mut gw = Gateway::open(cfg).unwrap();
    gw.extra_operations = &[
        Handler {
            name: "explode",
            access: Access::Public,
            run: explode,
        },
        Handler {
            name: "echo",
            access: Access::Authenticated,
            run: echo,
        },
    ];
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    Server::start(gw, listener).unwrap()
}

/// One request on its own connection: (status, body).
fn post(server: &Server, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(server.addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

const INTERNAL: &str = r#"{"error": {"type": "internal-error", "message": "internal error"}}"#;

#[test]
fn a_panicking_handler_gets_500_and_the_gateway_keeps_serving() {
    let server = server();
    for _ in 0..3 {
        let (status, body) = post(&server, "/api/v1/iam", None, r#"{"operation": "explode"}"#);
        assert_eq!((status, body.as_str()), (500, INTERNAL));
        let (status, _) = post(&server, "/api/v1/auth/bootstrap-status", None, "{}");
        assert_eq!(status, 200);
    }
    server.stop().unwrap();
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut Ws, frame: Value) -> Value {
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
    match ws.next().await.unwrap().unwrap() {
        Message::Text(t) => serde_json::from_str(t.as_str()).unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_gets_an_error_frame_and_the_socket_keeps_working() {
    let server = server();
    let (status, body) = post(&server, "/api/v1/auth/bootstrap", None, "{}");
    assert_eq!(status, 200);
    let admin: Value = serde_json::from_str(&body).unwrap();
    let admin = admin["bootstrap_admin_api_key"].as_str().unwrap();
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/v1/socket", server.addr))
            .await
            .unwrap();
    assert_eq!(
        send(&mut ws, json!({"type": "auth", "token": admin})).await["type"],
        "auth-ok"
    );
    let r = send(
        &mut ws,
        json!({"id": "1", "service": "iam", "request": {"operation": "explode"}}),
    )
    .await;
    assert_eq!(
        r,
        json!({"id": "1", "error": {"message": "internal error", "type": "internal-error"}, "complete": true})
    );
    let r = send(
        &mut ws,
        json!({"id": "2", "service": "iam", "request": {"operation": "whoami"}}),
    )
    .await;
    assert_eq!(r["response"]["user"]["username"], "admin");
}

/// A panic outside any handler (in routing or a front-end) is contained
/// by the connection layer's guard.
#[tokio::test]
async fn a_panic_anywhere_in_a_request_becomes_500() {
    async fn buggy() -> &'static str {
        panic!("a front-end bug")
    }
    let router = Router::new().route("/", get(buggy));
    let req = axum::http::Request::get("/")
        .body(HttpBody::empty())
        .unwrap();
    let resp = crate::net::respond(router, req).await;
    assert_eq!(resp.status(), 500);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 10)
        .await
        .unwrap();
    assert_eq!(body, INTERNAL.as_bytes());
}

/// A minted JWT's `user_context` is injected into every inner request on
/// the socket as `"user-context"` (as the 2.11.1 mux does); a login JWT or
/// an API key injects nothing, and neither does the HTTP forwarder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minted_jwts_user_context_reaches_inner_socket_requests() {
    let server = server();
    let (_, body) = post(&server, "/api/v1/auth/bootstrap", None, "{}");
    let admin: Value = serde_json::from_str(&body).unwrap();
    let admin = admin["bootstrap_admin_api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let mint = json!({"operation": "mint-token", "workspace": "default", "user_context_json": r#"{"ou": ["sales"]}"#});
    let (status, body) = post(&server, "/api/v1/iam", Some(&admin), &mint.to_string());
    assert_eq!(status, 200, "{body}");
    let minted: Value = serde_json::from_str(&body).unwrap();
    let minted = minted["jwt"].as_str().unwrap().to_string();

    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/v1/socket", server.addr))
            .await
            .unwrap();
    let echo = json!({"id": "1", "service": "iam", "request": {"operation": "echo", "user-context": "spoofed"}});
    assert_eq!(
        send(&mut ws, json!({"type": "auth", "token": minted})).await["type"],
        "auth-ok"
    );
    let r = send(&mut ws, echo.clone()).await;
    assert_eq!(
        r["response"]["user-context"],
        json!({"ou": ["sales"]}),
        "{r}"
    );
    assert!(r["response"]["actor"].is_string(), "{r}");
    // Re-authenticated with the API key: nothing is injected (what the
    // client sent passes through untouched, as upstream).
    assert_eq!(
        send(&mut ws, json!({"type": "auth", "token": admin})).await["type"],
        "auth-ok"
    );
    let r = send(&mut ws, echo).await;
    assert_eq!(r["response"]["user-context"], "spoofed", "{r}");
    // The HTTP forwarder does not inject.
    let (status, body) = post(
        &server,
        "/api/v1/iam",
        Some(&minted),
        r#"{"operation": "echo"}"#,
    );
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v.get("user-context").is_none(), "{body}");
}

/// JWT `iat` has whole seconds: one issued in the second of a revocation
/// (before or after it within that second, which cannot be told apart) is
/// refused, one issued the second before is not, and a login right after
/// the revocation waits for the next second so its JWT works.
#[test]
fn a_jwt_issued_in_the_second_of_a_revocation_is_refused() {
    let server = server();
    let (_, body) = post(&server, "/api/v1/auth/bootstrap", None, "{}");
    let admin: Value = serde_json::from_str(&body).unwrap();
    let admin = admin["bootstrap_admin_api_key"].as_str().unwrap();
    let create = json!({"operation": "create-user", "workspace": "default", "user": {"username": "bob", "password": "pw", "roles": ["reader"]}});
    let (status, body) = post(&server, "/api/v1/iam", Some(admin), &create.to_string());
    assert_eq!(status, 200, "{body}");
    let login = || {
        let (status, body) = post(
            &server,
            "/api/v1/auth/login",
            None,
            r#"{"username": "bob", "password": "pw"}"#,
        );
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        let jwt = v["jwt"].as_str().unwrap().to_string();
        let iat = crate::jwt::decode_jwt(&jwt)
            .unwrap()
            .claim_i64("iat")
            .unwrap();
        (jwt, iat)
    };
    let gw = &server.gateway;
    let set_not_before = |nb: i64| {
        gw.mutate(|st| {
            let id = st.user_by_name("bob").unwrap().id.clone();
            st.update_user(&id, |u| u.not_before = Some(nb));
            Ok(())
        })
        .unwrap()
    };
    let (jwt, iat) = login();
    set_not_before(iat - 1);
    assert!(gw.authenticate(&jwt).is_some(), "revoked the second before");
    set_not_before(iat);
    assert!(gw.authenticate(&jwt).is_none(), "revoked in its second");
    // A revocation now, then a login at once: the new JWT is issued in a
    // later second, and works.
    gw.mutate(|st| {
        let id = st.user_by_name("bob").unwrap().id.clone();
        st.revoke_user_jwts(&id, tg_iam_protocol::time::now());
        Ok(())
    })
    .unwrap();
    let (fresh, fresh_iat) = login();
    assert!(fresh_iat > iat);
    assert!(gw.authenticate(&fresh).is_some(), "a login right after");
    assert!(gw.authenticate(&jwt).is_none());
}
