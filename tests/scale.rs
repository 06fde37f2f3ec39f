//! Lists at scale (issue 16), against the scripted server on 127.0.0.1:0:
//!
//! * 100,000 users, as a table and as JSON: exit 0, every record, the
//!   first and the last; the JSON byte for byte what `output::json` of the
//!   parsed array writes (how lists were written before they were
//!   streamed);
//! * an endless list reply stops at the list cap (256 MiB, or what
//!   `TRUSTGRAPH_MAX_LIST_BYTES` says) with exit 6 and a message naming
//!   the variable, under an address-space limit: memory stays bounded;
//! * a single-record reply, and an error reply to a list, keep the 4 MiB
//!   cap;
//! * the socket holds each request's frames to its operation's cap.

mod common;
use common::*;

use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::time::Duration;

const N: usize = 100_000;
const CREATED: &str = "2026-11-22T07:00:23.926000+00:00";

fn user(i: usize) -> Value {
    json!({"id": format!("{i:08x}-4ad2-4cc0-be3e-1af41c0c{:04x}", i % 65536),
           "default_workspace": format!("ws{}", i % 1000), "username": format!("user{i}"),
           "name": format!("User {i}"), "email": format!("user{i}@example.com"),
           "roles": if i.is_multiple_of(7) { json!(["reader", "writer"]) } else { json!(["reader"]) },
           "enabled": !i.is_multiple_of(11), "must_change_password": i.is_multiple_of(3), "created": CREATED})
}

#[test]
fn a_hundred_thousand_users_as_a_table_and_as_json() {
    let users: Vec<Value> = (0..N).map(user).collect();
    // As a 2.11.1 gateway writes it (Python's json.dumps spacing).
    let body = tg_iam::wire::to_python_json(
        &json!({"users": users.clone(), "bootstrap_available": false}),
    );
    let mock = Mock::always(json(200, &body));

    let r = tg("tg-list-users").gateway(&mock).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    let lines: Vec<&str> = r.stdout.lines().collect();
    // Three rules, the header, a row per user.
    assert_eq!(lines.len(), N + 4);
    assert!(lines[1].starts_with("| id "), "{}", lines[1]);
    let row = |i: usize| {
        let u = &users[i];
        let roles = u["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(", ");
        let yes = |b: &Value| if b.as_bool().unwrap() { "yes" } else { "no" };
        vec![
            u["id"].as_str().unwrap().to_string(),
            u["username"].as_str().unwrap().to_string(),
            u["name"].as_str().unwrap().to_string(),
            roles,
            yes(&u["enabled"]).to_string(),
            yes(&u["must_change_password"]).to_string(),
        ]
    };
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    assert_eq!(cells(lines[3]), row(0));
    assert_eq!(cells(lines[N + 2]), row(N - 1));
    assert_eq!(lines[0], lines[N + 3]);
    // Every row as wide as the rules.
    assert!(lines
        .iter()
        .all(|l| l.chars().count() == lines[0].chars().count()));

    let r = tg("tg-list-users")
        .gateway(&mock)
        .args(["-o", "json"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got: Value = serde_json::from_str(&r.stdout).unwrap();
    let got = got.as_array().unwrap();
    assert_eq!(got.len(), N);
    assert_eq!(got[0], users[0]);
    assert_eq!(got[N - 1], users[N - 1]);
    // Byte for byte what the whole array written at once gives.
    assert!(
        r.stdout == tg_iam::output::json(&Value::Array(users)),
        "-o json differs from output::json of the array"
    );
}

/// The address-space limit for the endless replies: the list cap's
/// 256 MiB of reply and the process itself fit; a tree of the reply, or
/// a reply read without a cap, do not.
const MEMORY_LIMIT: u64 = 768 << 20;

fn limited(mut t: TestCommand) -> Run {
    unsafe {
        t.command().pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    t.run()
}

#[test]
fn an_endless_list_reply_stops_at_the_list_cap_in_bounded_memory() {
    let mock = Mock::always(Reply::Endless);
    // The default cap: 256 MiB arrive before the cap stops them (the
    // timeout is long enough for that on a slow machine).
    let r = limited(tg("tg-list-users").gateway(&mock).args(["--timeout", "60"]));
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "tg-list-users: error: the reply from the gateway (HTTP 200) is larger than 256 MiB: refused\n\
         hint: a list this large is legitimate for a large deployment: set TRUSTGRAPH_MAX_LIST_BYTES to raise the cap (for example TRUSTGRAPH_MAX_LIST_BYTES=1GiB)\n"
    );
    // The variable moves it, both ways.
    let r = limited(
        tg("tg-list-workspaces")
            .gateway(&mock)
            .env("TRUSTGRAPH_MAX_LIST_BYTES", "3 MiB"),
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("tg-list-workspaces: error: the reply from the gateway (HTTP 200) is larger than 3 MiB: refused\n"),
        "{}",
        r.stderr
    );
    let r = limited(
        tg("tg-list-api-keys")
            .gateway(&mock)
            .args(["--user-id", "u1"])
            .env("TRUSTGRAPH_MAX_LIST_BYTES", "300000"),
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(
        r.stderr.contains("larger than 300000 bytes: refused"),
        "{}",
        r.stderr
    );
    // A value that is not a size is a usage error naming the variable.
    let r = tg("tg-list-users")
        .gateway(&mock)
        .env("TRUSTGRAPH_MAX_LIST_BYTES", "lots")
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("tg-list-users: error: TRUSTGRAPH_MAX_LIST_BYTES=\"lots\" is not a size"),
        "{}",
        r.stderr
    );
    assert!(
        mock.requests().len() == 3,
        "nothing sent for the usage error"
    );
}

#[test]
fn single_records_and_errors_keep_the_small_cap() {
    // A single-record operation: 4 MiB, whatever the list cap.
    let mock = Mock::always(Reply::Endless);
    let r = limited(
        tg("tg-whoami")
            .gateway(&mock)
            .env("TRUSTGRAPH_MAX_LIST_BYTES", "1GiB"),
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (6, "tg-whoami: error: the reply from the gateway (HTTP 200) is larger than 4 MiB: refused\n")
    );
    // An error reply to a list operation: 4 MiB too.
    let big = format!(r#"{{"error": "{}"}}"#, "x".repeat(5 << 20));
    let mock = Mock::always(json(500, &big));
    let r = tg("tg-list-users").gateway(&mock).run();
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (6, "tg-list-users: error: the reply from the gateway (HTTP 500) is larger than 4 MiB: refused\n")
    );
}

/// A socket gateway that accepts any credential and answers every IAM
/// request with a frame of about `size` bytes: a user list.
async fn big_frames(size: usize) -> String {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", l.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(s).await else {
                    return;
                };
                while let Some(Ok(Message::Text(t))) = ws.next().await {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    let reply = if v["type"] == "auth" {
                        json!({"type": "auth-ok", "default_workspace": "default"})
                    } else {
                        let users: Vec<Value> = (0..size / 250).map(user).collect();
                        json!({"id": v["id"], "response": {"users": users, "user": user(0)}, "complete": true})
                    };
                    if ws.send(Message::text(reply.to_string())).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

#[tokio::test(flavor = "current_thread")]
async fn the_socket_holds_each_request_to_its_operations_cap() {
    use tg_iam::cli::ConnArgs;
    use tg_iam::client::Client;
    let url = big_frames(6 << 20).await;
    let conn = ConnArgs {
        api_url: Some(url),
        timeout: Some(30.0),
        ..Default::default()
    };
    let c = Client::new("tg-test", &conn, None).unwrap();
    let s = tokio::time::timeout(Duration::from_secs(60), c.socket(None))
        .await
        .unwrap()
        .unwrap();
    // A list: a frame of 6 MiB is within the list cap.
    let r = s.iam(json!({"operation": "list-users"})).await.unwrap();
    let users = tg_iam::iam::list::<tg_iam::iam::User>(&r, "users").unwrap();
    assert_eq!(users.len(), (6 << 20) / 250);
    // A single record: the same frame is over its 4 MiB, and only that
    // request fails; the socket goes on.
    let e = s.iam(json!({"operation": "whoami"})).await.unwrap_err();
    assert_eq!(e.kind.exit_code(), 6);
    assert!(
        e.message.contains("is larger than 4 MiB: refused"),
        "{}",
        e.message
    );
    let r = s.iam(json!({"operation": "list-users"})).await.unwrap();
    assert!(r.get("users").is_some());
    s.close().await.unwrap();
}

/// A scripted gateway holding `users` (the first is the caller) in
/// workspace `default`, no keys: what tg-apply reads.
fn apply_gateway(users: Vec<Value>) -> Mock {
    Mock::always(handler(move |req| {
        let v = req.json();
        let body = match v["operation"].as_str().unwrap_or_default() {
            "whoami" => json!({"user": users[0]}),
            "list-users" => json!({"users": users}),
            "list-workspaces" => {
                json!({"workspaces": [{"id": "default", "name": "Default", "enabled": true, "created": CREATED}]})
            }
            "list-api-keys" => json!({"api_keys": []}),
            _ => json!({"bootstrap_available": false}),
        };
        json(200, &body.to_string())
    }))
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-scale-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn tg_apply_reads_the_keys_of_the_users_whose_keys_it_manages_only() {
    let named = |i: usize, name: &str| {
        let mut u = user(i);
        u["username"] = json!(name);
        u["default_workspace"] = json!("default");
        u["roles"] = json!(if i == 0 {
            vec!["admin"]
        } else {
            vec!["reader"]
        });
        u["enabled"] = json!(true);
        u
    };
    let users = vec![
        named(0, "admin"),
        named(1, "a"),
        named(2, "b"),
        named(3, "c"),
    ];
    let id = |i: usize| users[i]["id"].as_str().unwrap().to_string();
    let mock = apply_gateway(users.clone());
    let m = temp_file(
        "keys.json",
        r#"{"users": [{"username": "a", "workspace": "default"}, {"username": "b", "workspace": "default"},
                      {"username": "c", "workspace": "default"}],
            "api_keys": [{"user": "a", "name": "ci"}]}"#,
    );
    let asked = |prune: bool| {
        let before = mock.requests().len();
        let mut t = tg("tg-apply")
            .gateway(&mock)
            .arg("-f")
            .arg(&m)
            .arg("--dry-run");
        if prune {
            t = t.arg("--prune");
        }
        let r = t.run();
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut ids: Vec<String> = mock.requests()[before..]
            .iter()
            .map(|r| r.json())
            .filter(|v| v["operation"] == "list-api-keys")
            .map(|v| v["user_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    // The owner the manifest's api_keys name, and the caller.
    let mut want = vec![id(0), id(1)];
    want.sort();
    assert_eq!(asked(false), want);
    // With --prune: every user the manifest names, and the caller.
    let mut want = vec![id(0), id(1), id(2), id(3)];
    want.sort();
    assert_eq!(asked(true), want);
}

#[test]
fn a_manifest_of_a_hundred_thousand_users_is_read_and_planned() {
    // 100,000 users, all in sync with the gateway: well over the 1 MiB
    // a manifest file could be before.
    let mut users: Vec<Value> = (0..N).map(user).collect();
    users[0]["roles"] = json!(["admin"]);
    users[0]["enabled"] = json!(true);
    let manifest: Vec<Value> = users
        .iter()
        .map(|u| json!({"username": u["username"], "workspace": u["default_workspace"]}))
        .collect();
    let text = json!({"users": manifest}).to_string();
    assert!(text.len() > 4 << 20);
    let m = temp_file("big.json", &text);
    let mut ws: Vec<Value> = (0..1000)
        .map(|i| json!({"id": format!("ws{i}"), "name": format!("ws{i}"), "enabled": true, "created": CREATED}))
        .collect();
    ws.push(json!({"id": "default", "name": "Default", "enabled": true, "created": CREATED}));
    let (u2, w2) = (users.clone(), ws.clone());
    let mock = Mock::always(handler(move |req| {
        let v = req.json();
        let body = match v["operation"].as_str().unwrap_or_default() {
            "whoami" => json!({"user": u2[0]}),
            "list-users" => json!({"users": u2}),
            "list-workspaces" => json!({"workspaces": w2}),
            "list-api-keys" => json!({"api_keys": []}),
            _ => json!({"bootstrap_available": false}),
        };
        json(200, &body.to_string())
    }));
    let r = tg("tg-apply")
        .gateway(&mock)
        .arg("-f")
        .arg(&m)
        .arg("--dry-run")
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Nothing to do: 100000 unchanged."),
        "{}",
        &r.stderr[r.stderr.len().saturating_sub(300)..]
    );
    // Three lists and the caller's keys: no request per user.
    assert_eq!(mock.requests().len(), 4);
    // The cap moves with its variable, and the error names it.
    let r = tg("tg-apply")
        .gateway(&mock)
        .arg("-f")
        .arg(&m)
        .arg("--dry-run")
        .env("TRUSTGRAPH_MAX_MANIFEST_BYTES", "1MiB")
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "tg-apply: error: manifest {} is larger than 1 MiB\nhint: set TRUSTGRAPH_MAX_MANIFEST_BYTES to raise the cap (for example TRUSTGRAPH_MAX_MANIFEST_BYTES=256MiB)\n",
            m.display()
        )
    );
}
