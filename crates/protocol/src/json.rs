//! JSON written byte for byte as Python's `json.dumps` writes it. This is
//! hand-written on purpose: it must match upstream's request bodies
//! exactly (`", "` separators, insertion order, `\uXXXX` escapes), which
//! no serializer crate offers.

use serde_json::Value;

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
        let v = json!({"name": "Zoë \"q\"\n\u{1}\u{7f}😀"});
        assert_eq!(
            to_python_json(&v),
            r#"{"name": "Zo\u00eb \"q\"\n\u0001\u007f\ud83d\ude00"}"#
        );
    }
}
