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

/// Serialise like Python's `json.dumps(obj)`: `", "` and `": "` separators,
/// insertion order, non-ASCII escaped as `\uXXXX`.
pub fn to_python_json(v: &Value) -> String {
    let mut out = String::new();
    write_py(&mut out, v);
    out
}

fn write_py(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_py_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_str(out, k);
                out.push_str(": ");
                write_py(out, x);
            }
            out.push('}');
        }
    }
}

fn write_py_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if !(' '..='~').contains(&c) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

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
    fn python_separators_and_order() {
        let v = json!({"operation": "create-user", "user": {"username": "a", "roles": ["reader", "writer"], "must_change_password": true}});
        assert_eq!(
            to_python_json(&v),
            r#"{"operation": "create-user", "user": {"username": "a", "roles": ["reader", "writer"], "must_change_password": true}}"#
        );
    }

    #[test]
    fn python_ascii_escapes() {
        let v = json!({"name": "Zoë \"q\"\n\u{1}😀"});
        assert_eq!(
            to_python_json(&v),
            r#"{"name": "Zo\u00eb \"q\"\n\u0001\ud83d\ude00"}"#
        );
    }

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
