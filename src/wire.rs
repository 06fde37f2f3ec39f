//! JSON on the wire: request bodies byte-for-byte as the upstream Python
//! tools send them, and key sorting for output.

use serde_json::{Map, Value};

pub use tg_iam_protocol::to_python_json;

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
    fn sorts_keys() {
        let v = json!({"b": 1, "a": {"d": 1, "c": 2}});
        assert_eq!(sorted(&v).to_string(), r#"{"a":{"c":2,"d":1},"b":1}"#);
    }
}
