//! The referee: every exchange recorded from a real TrustGraph 2.11.1
//! gateway (`tests/fixtures/trustgraph-2.11.1`) read with this crate's
//! types. Each request reads as the gateway would and writes back the same
//! JSON; each successful reply reads into its typed shape and writes back
//! byte for byte; every IAM error type iam-svc answered is known.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::PathBuf;
use tg_iam_protocol::request::{self, *};
use tg_iam_protocol::*;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/trustgraph-2.11.1")
}

struct Exchange {
    name: String,
    path: String,
    request: String,
    status: u16,
    response: String,
}

/// Every `NN-*-raw.txt`: one HTTP request and its full response.
fn exchanges() -> Vec<Exchange> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with("-raw.txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 29, "the transcripts are missing: {names:?}");
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir().join(&name)).unwrap();
            let path = text.lines().next().unwrap().trim_start_matches("POST ");
            let request = text
                .lines()
                .find_map(|l| l.strip_prefix("request body: "))
                .unwrap();
            let response = text.split("--- response\n").nth(1).unwrap();
            let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
            let body = response.split("\n\n").nth(1).unwrap().trim_end();
            Exchange {
                path: path.to_string(),
                request: request.to_string(),
                status,
                response: body.to_string(),
                name,
            }
        })
        .collect()
}

fn object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// `fields` read as `T` (as the gateway reads a request), written again.
fn reread<T: DeserializeOwned + Default + Serialize>(fields: &Map<String, Value>) -> Value {
    request::fields(&decode::<T>(fields))
}

/// The fields of a request, as read into its type and written again.
fn request_again(op: Operation, fields: &Map<String, Value>) -> Value {
    use Operation::*;
    match op {
        Login => reread::<request::Login>(fields),
        CreateUser => reread::<request::CreateUser>(fields),
        ListUsers => reread::<request::ListUsers>(fields),
        CreateApiKey => reread::<request::CreateApiKey>(fields),
        ListApiKeys => reread::<UserTarget>(fields),
        RevokeApiKey => reread::<request::RevokeApiKey>(fields),
        Whoami => reread::<Empty>(fields),
        other => panic!("no transcript sends {other}"),
    }
}

/// A reply read into `T` and written as the gateway writes it: its
/// fields, then `bootstrap_available` (2.11 adds it to every reply).
fn written<T: DeserializeOwned + Serialize>(reply: &Map<String, Value>) -> String {
    let typed: T = serde_json::from_value(Value::Object(reply.clone())).unwrap();
    let mut m = reply::fields(&typed);
    if let Some(b) = reply.get("bootstrap_available") {
        m.entry("bootstrap_available").or_insert(b.clone());
    }
    to_python_json(&Value::Object(m))
}

fn reply_again(op: Operation, reply: &Map<String, Value>) -> String {
    use Operation::*;
    match op {
        Login | MintToken => written::<Token>(reply),
        Bootstrap => written::<Bootstrapped>(reply),
        Operation::BootstrapStatus => written::<reply::BootstrapStatus>(reply),
        Whoami | CreateUser | GetUser | UpdateUser => written::<UserReply>(reply),
        ListUsers => written::<UserList>(reply),
        CreateApiKey => written::<CreatedApiKey>(reply),
        ListApiKeys => written::<ApiKeyList>(reply),
        RevokeApiKey | DisableUser | EnableUser | DeleteUser | ChangePassword => {
            written::<Void>(reply)
        }
        other => panic!("no transcript answers {other}"),
    }
}

/// Which operation an exchange is: the body's, or the auth route's.
fn operation_of(x: &Exchange, body: &Map<String, Value>) -> Option<Operation> {
    match x.path.as_str() {
        paths::IAM => Operation::from_name(body.get("operation")?.as_str()?),
        paths::LOGIN => Some(Operation::Login),
        paths::BOOTSTRAP => Some(Operation::Bootstrap),
        paths::BOOTSTRAP_STATUS => Some(Operation::BootstrapStatus),
        other => panic!("{}: unexpected path {other}", x.name),
    }
}

#[test]
fn every_exchange_reads_and_writes_back() {
    let mut replies = 0;
    for x in exchanges() {
        let Some(req) = object(&x.request) else {
            assert_eq!(x.request, "not json", "{}", x.name);
            continue;
        };
        let Some(op) = operation_of(&x, &req) else {
            // The one unknown operation the gateway was asked for.
            assert_eq!(x.request, r#"{"operation":"frobnicate"}"#, "{}", x.name);
            assert_eq!(x.response, r#"{"error": "unknown operation"}"#);
            continue;
        };
        // The request, as the gateway reads it, says what was sent.
        let mut fields = req.clone();
        fields.remove("operation");
        if x.path == paths::IAM {
            assert_eq!(
                request_again(op, &fields),
                Value::Object(fields.clone()),
                "{}",
                x.name
            );
        }
        let reply = object(&x.response).unwrap_or_else(|| panic!("{}: not JSON", x.name));
        if x.status != 200 {
            // Gateway-level refusals: a string, never an IAM error object.
            assert!(reply["error"].is_string(), "{}", x.name);
            continue;
        }
        assert_eq!(reply_again(op, &reply), x.response, "{}", x.name);
        replies += 1;
    }
    assert!(replies >= 20, "only {replies} replies read");
}

fn reply_of(name: &str) -> Map<String, Value> {
    let x = exchanges().into_iter().find(|x| x.name == name).unwrap();
    object(&x.response).unwrap()
}

#[test]
fn records_say_what_the_gateway_sent() {
    let users: UserList =
        serde_json::from_value(Value::Object(reply_of("22-list-users-raw.txt"))).unwrap();
    let names: Vec<&str> = users.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["bob", "admin", "alice"]);
    let alice = &users.users[2];
    assert_eq!(alice.id, "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3");
    assert_eq!(alice.default_workspace, "default");
    assert_eq!(alice.email, "alice@example.com");
    assert_eq!(alice.roles, ["writer"]);
    assert!(alice.enabled && !alice.must_change_password);
    assert_eq!(alice.created, "2026-11-22T07:00:24.702000+00:00");

    let created: CreatedApiKey =
        serde_json::from_value(Value::Object(reply_of("28-create-api-key-raw.txt"))).unwrap();
    assert_eq!(
        created.api_key_plaintext,
        "tg_WndOJuhhjwCaHkGTAm5kBR2KOYVeS8Un"
    );
    let key = created.api_key.unwrap();
    assert_eq!(key.prefix, "tg_WndO");
    assert_eq!(key.expires, "2099-01-01T00:00:00+00:00");
    assert_eq!(key.last_used, "");

    let token: Token =
        serde_json::from_value(Value::Object(reply_of("14-login-success-raw.txt"))).unwrap();
    assert_eq!(token.jwt_expires, "2026-11-22T08:00:25+00:00");
    assert_eq!(token.jwt.split('.').count(), 3);

    // A 2.11.1 refusal: nothing but `bootstrap_available`.
    let refused: CreatedApiKey =
        serde_json::from_value(Value::Object(reply_of("16-login-bad-password-raw.txt"))).unwrap();
    assert_eq!(refused, CreatedApiKey::default());
}

/// `50-bus-level-errors.txt`: what iam-svc answered before the 2.11.1
/// gateway dropped it. Every type is one this crate knows.
#[test]
fn every_error_type_iam_svc_sent_is_known() {
    let text = std::fs::read_to_string(dir().join("50-bus-level-errors.txt")).unwrap();
    let mut seen = Vec::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("error: ")) {
        // A Python dict: {'type': 'not-found', 'message': '...'}
        let t = line
            .strip_prefix("{'type': '")
            .and_then(|r| r.split_once('\''))
            .map(|(t, _)| t)
            .unwrap_or_else(|| panic!("unexpected line {line}"));
        let kind = IamErrorType::from_wire(t);
        assert!(!matches!(kind, IamErrorType::Unknown(_)), "{t}");
        seen.push(kind);
    }
    assert_eq!(seen.len(), 8);
    assert!(seen.contains(&IamErrorType::Duplicate));
    assert!(seen.contains(&IamErrorType::AuthFailed));
}
