//! Request bodies as the tools' tests assert them (byte for byte, key order
//! included), and as the gateway reads odd ones.

use serde_json::json;
use tg_iam_protocol::request::*;
use tg_iam_protocol::{body_text, decode, Flag, Operation};

const ALICE: &str = "d3c5dcd6-1ab9-4daa-92ad-ba303b46a8e3";

fn target(ws: Option<&str>) -> UserTarget {
    UserTarget {
        user_id: ALICE.into(),
        workspace: ws.map(String::from),
    }
}

#[test]
fn bodies_without_fields() {
    for op in [
        Operation::Whoami,
        Operation::ListWorkspaces,
        Operation::ListMyWorkspaces,
        Operation::RotateSigningKey,
    ] {
        assert_eq!(
            body_text(op, &Empty {}),
            format!(r#"{{"operation": "{op}"}}"#)
        );
    }
    assert_eq!(
        body_text(Operation::ListUsers, &ListUsers::default()),
        r#"{"operation": "list-users"}"#
    );
    assert_eq!(
        body_text(
            Operation::ListUsers,
            &ListUsers {
                workspace: Some("default".into())
            }
        ),
        r#"{"operation": "list-users", "workspace": "default"}"#
    );
    // The body of POST /api/v1/auth/bootstrap.
    assert_eq!(serde_json::to_string(&Empty {}).unwrap(), "{}");
}

#[test]
fn user_targets() {
    for op in [
        Operation::GetUser,
        Operation::DisableUser,
        Operation::EnableUser,
        Operation::DeleteUser,
        Operation::ResetPassword,
        Operation::ListApiKeys,
    ] {
        assert_eq!(
            body_text(op, &target(None)),
            format!(r#"{{"operation": "{op}", "user_id": "{ALICE}"}}"#)
        );
        assert_eq!(
            body_text(op, &target(Some("default"))),
            format!(r#"{{"operation": "{op}", "user_id": "{ALICE}", "workspace": "default"}}"#)
        );
    }
}

#[test]
fn create_user_in_tg_create_users_order() {
    let req = CreateUser {
        user: Some(NewUser {
            username: "alice".into(),
            password: "s3cret-A".into(),
            roles: vec!["writer".into()],
            name: Some("Alice".into()),
            email: Some("alice@example.com".into()),
            ..NewUser::default()
        }),
        workspace: Some("default".into()),
    };
    assert_eq!(
        body_text(Operation::CreateUser, &req),
        r#"{"operation": "create-user", "user": {"username": "alice", "password": "s3cret-A", "roles": ["writer"], "name": "Alice", "email": "alice@example.com"}, "workspace": "default"}"#
    );
    let req = CreateUser {
        user: Some(NewUser {
            username: "alice".into(),
            password: "x".into(),
            roles: vec!["reader".into()],
            must_change_password: Flag::when(true, true),
            enabled: Flag::when(false, false),
            ..NewUser::default()
        }),
        workspace: Some("default".into()),
    };
    assert_eq!(
        body_text(Operation::CreateUser, &req),
        r#"{"operation": "create-user", "user": {"username": "alice", "password": "x", "roles": ["reader"], "must_change_password": true}, "workspace": "default"}"#
    );
    // tg-apply creates a disabled user with `enabled: false` last.
    let req = CreateUser {
        user: Some(NewUser {
            username: "u".into(),
            password: "p".into(),
            enabled: Flag::Set(false),
            ..NewUser::default()
        }),
        workspace: None,
    };
    assert_eq!(
        body_text(Operation::CreateUser, &req),
        r#"{"operation": "create-user", "user": {"username": "u", "password": "p", "roles": [], "enabled": false}}"#
    );
}

#[test]
fn update_user_in_tg_update_users_order() {
    let req = UpdateUser {
        user_id: ALICE.into(),
        user: Some(UserChanges {
            name: Some("Alice B".into()),
            enabled: false.into(),
            must_change_password: false.into(),
            ..UserChanges::default()
        }),
        workspace: None,
    };
    assert_eq!(
        body_text(Operation::UpdateUser, &req),
        format!(
            r#"{{"operation": "update-user", "user_id": "{ALICE}", "user": {{"name": "Alice B", "enabled": false, "must_change_password": false}}}}"#
        )
    );
    let req = UpdateUser {
        user_id: ALICE.into(),
        user: Some(UserChanges {
            roles: Some(vec!["reader".into(), "writer".into()]),
            enabled: true.into(),
            must_change_password: false.into(),
            ..UserChanges::default()
        }),
        workspace: Some("default".into()),
    };
    assert_eq!(
        body_text(Operation::UpdateUser, &req),
        format!(
            r#"{{"operation": "update-user", "user_id": "{ALICE}", "user": {{"roles": ["reader", "writer"], "enabled": true, "must_change_password": false}}, "workspace": "default"}}"#
        )
    );
}

#[test]
fn api_keys() {
    let key = |expires: Option<&str>| NewApiKey {
        user_id: ALICE.into(),
        name: "ci".into(),
        expires: expires.map(String::from),
    };
    assert_eq!(
        body_text(
            Operation::CreateApiKey,
            &CreateApiKey {
                key: key(None),
                workspace: None
            }
        ),
        format!(
            r#"{{"operation": "create-api-key", "key": {{"user_id": "{ALICE}", "name": "ci"}}}}"#
        )
    );
    assert_eq!(
        body_text(
            Operation::CreateApiKey,
            &CreateApiKey {
                key: key(Some("2099-01-01T00:00:00+00:00")),
                workspace: Some("default".into())
            }
        ),
        format!(
            r#"{{"operation": "create-api-key", "key": {{"user_id": "{ALICE}", "name": "ci", "expires": "2099-01-01T00:00:00+00:00"}}, "workspace": "default"}}"#
        )
    );
    assert_eq!(
        body_text(
            Operation::RevokeApiKey,
            &RevokeApiKey {
                key_id: "4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd".into(),
                workspace: None
            }
        ),
        r#"{"operation": "revoke-api-key", "key_id": "4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd"}"#
    );
}

#[test]
fn workspaces() {
    let create = |name: Option<&str>| WorkspaceRecord {
        workspace_record: NewWorkspace {
            id: "research".into(),
            enabled: true.into(),
            name: name.map(String::from),
        },
    };
    assert_eq!(
        body_text(Operation::CreateWorkspace, &create(Some("Research"))),
        r#"{"operation": "create-workspace", "workspace_record": {"id": "research", "enabled": true, "name": "Research"}}"#
    );
    assert_eq!(
        body_text(Operation::CreateWorkspace, &create(None)),
        r#"{"operation": "create-workspace", "workspace_record": {"id": "research", "enabled": true}}"#
    );
    let update = WorkspaceRecord {
        workspace_record: WorkspaceChanges {
            id: "research".into(),
            name: Some("R&D".into()),
            enabled: false.into(),
        },
    };
    assert_eq!(
        body_text(Operation::UpdateWorkspace, &update),
        r#"{"operation": "update-workspace", "workspace_record": {"id": "research", "name": "R&D", "enabled": false}}"#
    );
    let id = WorkspaceRecord {
        workspace_record: WorkspaceId {
            id: "research".into(),
        },
    };
    for op in [Operation::GetWorkspace, Operation::DisableWorkspace] {
        assert_eq!(
            body_text(op, &id),
            format!(r#"{{"operation": "{op}", "workspace_record": {{"id": "research"}}}}"#)
        );
    }
}

#[test]
fn mint_token_in_upstream_order() {
    let mut req = MintToken {
        workspace: "default".into(),
        user_context_json: r#"{"roles": ["analyst"]}"#.into(),
        user_id: Some(ALICE.into()),
        username: None,
    };
    assert_eq!(
        body_text(Operation::MintToken, &req),
        format!(
            r#"{{"operation": "mint-token", "workspace": "default", "user_context_json": "{{\"roles\": [\"analyst\"]}}", "user_id": "{ALICE}"}}"#
        )
    );
    req.user_id = None;
    req.username = Some("alice".into());
    assert!(body_text(Operation::MintToken, &req).ends_with(r#", "username": "alice"}"#));
}

fn text<T: serde::Serialize>(v: &T) -> String {
    tg_iam_protocol::to_python_json(&tg_iam_protocol::request::fields(v))
}

#[test]
fn auth_route_bodies() {
    let login = Login {
        username: "alice".into(),
        password: "s3cret-A".into(),
        workspace: None,
    };
    assert_eq!(
        text(&login),
        r#"{"username": "alice", "password": "s3cret-A"}"#
    );
    let login = Login {
        workspace: Some("research".into()),
        ..login
    };
    assert_eq!(
        text(&login),
        r#"{"username": "alice", "password": "s3cret-A", "workspace": "research"}"#
    );
    let change = AuthChangePassword {
        current_password: "old-pw".into(),
        new_password: "new-pw".into(),
    };
    assert_eq!(
        text(&change),
        r#"{"current_password": "old-pw", "new_password": "new-pw"}"#
    );
}

#[test]
fn the_gateway_reads_odd_requests_as_iam_svc_does() {
    let b = |v: serde_json::Value| v.as_object().unwrap().clone();
    // Not strings: empty. Unknown fields: ignored.
    let t: UserTarget = decode(&b(json!({"user_id": 5, "workspace": null, "x": [1]})));
    assert_eq!(t, UserTarget::default());
    // `roles` as a string is split into characters; non-strings dropped.
    let c: CreateUser = decode(&b(json!({"user": {"username": "u", "roles": "ab"}})));
    assert_eq!(c.user.unwrap().roles, ["a", "b"]);
    let c: CreateUser = decode(&b(json!({"user": {"roles": ["r", 1, null]}})));
    assert_eq!(c.user.unwrap().roles, ["r"]);
    // A nested field of the wrong type is unset; its neighbours are read.
    let c: CreateUser = decode(&b(
        json!({"user": {"username": 5, "password": "p", "email": ["x"]}, "workspace": 7}),
    ));
    let u = c.user.unwrap();
    assert_eq!((u.username.as_str(), u.password.as_str()), ("", "p"));
    assert_eq!((u.email, c.workspace), (None, None));
    // A `user` that is not an object is absent.
    let c: CreateUser = decode(&b(json!({"user": "alice", "workspace": "w"})));
    assert_eq!(c.user, None);
    assert_eq!(c.workspace.as_deref(), Some("w"));
    // Flags: absent, null and a value differ; a non-boolean is absent.
    let u: UpdateUser = decode(&b(
        json!({"user_id": "i", "user": {"enabled": null, "must_change_password": "yes"}}),
    ));
    let u = u.user.unwrap();
    assert_eq!(u.enabled, Flag::Null);
    assert_eq!(u.enabled.read(true), None);
    assert_eq!(u.must_change_password, Flag::Absent);
    assert_eq!(u.must_change_password.read(false), Some(false));
    assert_eq!(u.roles, None);
    // A missing `key` or `workspace_record` is an empty one.
    let k: CreateApiKey = decode(&b(json!({"key": 1})));
    assert_eq!(k.key, NewApiKey::default());
    let w: WorkspaceRecord<WorkspaceChanges> = decode(&b(
        json!({"workspace_record": {"id": "w", "enabled": false}}),
    ));
    assert_eq!(w.workspace_record.enabled, Flag::Set(false));
    assert_eq!(w.workspace_record.name, None);
}
