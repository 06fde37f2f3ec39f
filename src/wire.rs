//! JSON on the wire: request bodies byte-for-byte as the upstream Python
//! tools send them, secret masking for traces, and key sorting for output.

use serde_json::{Map, Value};

/// Keys whose values are secrets in either direction.
pub const SECRET_KEYS: &[&str] = &[
    "password",
    "current_password",
    "new_password",
    "jwt",
    "api_key_plaintext",
    "temporary_password",
    "bootstrap_admin_api_key",
    "api_key",
    "token",
];

/// The mask that replaces a secret.
pub const MASK: &str = "***";

pub use tg_iam_wire::to_python_json;

/// A copy of `v` with every secret value replaced by [`MASK`]. A secret key
/// holding an object (the `api_key` record of create-api-key) is searched
/// rather than masked whole, since the record itself is not secret.
pub fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let masked = SECRET_KEYS.contains(&k.as_str()) && !x.is_object();
                    let x = if masked {
                        Value::String(MASK.into())
                    } else {
                        redact(x)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// A copy of `v` with object keys sorted, for stable JSON output.
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_secrets_recursively_but_keeps_records() {
        let v = json!({"user": {"password": "p"}, "jwt": "x", "api_key": {"id": "k", "prefix": "tg_a"}, "api_key_plaintext": "tg_s"});
        let r = redact(&v);
        assert_eq!(r["user"]["password"], "***");
        assert_eq!(r["jwt"], "***");
        assert_eq!(r["api_key"]["id"], "k");
        assert_eq!(r["api_key_plaintext"], "***");
    }

    #[test]
    fn sorts_keys() {
        let v = json!({"b": 1, "a": {"d": 1, "c": 2}});
        assert_eq!(sorted(&v).to_string(), r#"{"a":{"c":2,"d":1},"b":1}"#);
    }
}
