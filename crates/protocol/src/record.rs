//! The records a gateway sends (§5), field for field and in its order:
//! the gateway writes every field, empty strings included, and nothing
//! else (no password hash, no key hash or plaintext).
//!
//! Reading is lenient where upstream is: an unknown field is ignored and a
//! missing one takes its default (an empty string, an empty list, `false`).
//! The types are not bent: every gateway seen, 2.11.1 included (the
//! transcripts in `tests/fixtures/trustgraph-2.11.1`), sends strings as
//! strings, `roles` as a list and the two flags as JSON booleans, so a
//! record that says `"enabled": "yes"` is not a record (the previous
//! hand-written reader took `"yes"`, `"1"` and numbers as true; no gateway
//! sends them).

wire_types! {
    /// A user record (`UserRecord`).
    pub struct User {
        /// A uuid4.
        pub id: String,
        /// The user's home workspace: `default_workspace`, or `workspace` as
        /// gateways before #1001 named it.
        #[serde(alias = "workspace")]
        pub default_workspace: String,
        /// The global login name.
        pub username: String,
        /// The display name (the gateway defaults it to the username).
        pub name: String,
        pub email: String,
        /// Sorted by the gateway; unknown role names are kept as given.
        pub roles: Vec<String>,
        pub enabled: bool,
        /// Advisory: nothing on the gateway enforces it.
        pub must_change_password: bool,
        /// `2026-11-22T07:00:24.950000+00:00` ([`crate::time::iso_millis`]).
        pub created: String,
    }


    /// An API key record (`ApiKeyRecord`); never the plaintext.
    pub struct ApiKey {
        /// A uuid4: the handle `revoke-api-key` takes.
        pub id: String,
        /// The owner.
        pub user_id: String,
        pub name: String,
        /// The plaintext's first 7 characters (`tg_` and 4).
        pub prefix: String,
        /// A timestamp, or `""` for no expiry.
        pub expires: String,
        pub created: String,
        /// Never written by iam-svc: always `""`.
        pub last_used: String,
    }

    /// A workspace record (`WorkspaceRecord`).
    pub struct Workspace {
        pub id: String,
        /// Defaults to the id (the bootstrapper names `default` `Default`).
        pub name: String,
        pub enabled: bool,
        pub created: String,
    }
}

impl User {
    /// The roles as a table shows them: `reader, writer`.
    pub fn roles_joined(&self) -> String {
        self.roles.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_python_json;
    use serde_json::json;

    const BOB: &str = r#"{"id": "4ec88624-4ad2-4cc0-be3e-1af41c0c6407", "default_workspace": "default", "username": "bob", "name": "Bob", "email": "", "roles": ["reader"], "enabled": true, "must_change_password": true, "created": "2026-11-22T07:00:24.950000+00:00"}"#;

    #[test]
    fn a_user_reads_and_writes_back_byte_for_byte() {
        let u: User = serde_json::from_str(BOB).unwrap();
        assert_eq!(u.default_workspace, "default");
        assert_eq!(u.roles, ["reader"]);
        assert!(u.enabled && u.must_change_password);
        assert_eq!(to_python_json(&serde_json::to_value(&u).unwrap()), BOB);
    }

    #[test]
    fn lenient_where_upstream_is() {
        // Before #1001 the home workspace was `workspace`.
        let u: User = serde_json::from_str(r#"{"id": "1", "workspace": "old"}"#).unwrap();
        assert_eq!(u.default_workspace, "old");
        assert_eq!(u.name, "");
        assert!(u.roles.is_empty() && !u.enabled);
        // Unknown fields are ignored.
        let k: ApiKey =
            serde_json::from_value(json!({"id": "k", "hash": "x", "extra": {"y": 1}})).unwrap();
        assert_eq!(k.id, "k");
        assert_eq!(k.expires, "");
        let w: Workspace = serde_json::from_value(json!({"id": "w"})).unwrap();
        assert!(!w.enabled);
    }

    #[test]
    fn odd_types_are_not_bent() {
        for bad in [
            json!({"enabled": "yes"}),
            json!({"enabled": 1}),
            json!({"id": 5}),
            json!({"roles": "admin"}),
            json!({"name": null}),
        ] {
            assert!(
                serde_json::from_value::<User>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        // Both names at once: no gateway sends that.
        assert!(serde_json::from_value::<User>(
            json!({"default_workspace": "new", "workspace": "old"})
        )
        .is_err());
    }

    #[test]
    fn keys_and_workspaces_write_every_field_in_order() {
        let k = ApiKey {
            id: "i".into(),
            user_id: "u".into(),
            name: "ci".into(),
            prefix: "tg_Abcd".into(),
            ..ApiKey::default()
        };
        assert_eq!(
            to_python_json(&serde_json::to_value(&k).unwrap()),
            r#"{"id": "i", "user_id": "u", "name": "ci", "prefix": "tg_Abcd", "expires": "", "created": "", "last_used": ""}"#
        );
        let w = Workspace {
            id: "default".into(),
            name: "Default".into(),
            enabled: true,
            created: String::new(),
        };
        assert_eq!(
            to_python_json(&serde_json::to_value(&w).unwrap()),
            r#"{"id": "default", "name": "Default", "enabled": true, "created": ""}"#
        );
    }
}
