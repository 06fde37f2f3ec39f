//! JSON on the wire: request bodies byte-for-byte as the upstream Python
//! tools send them, and key sorting for output, of a [`Value`] or of JSON
//! text read one value at a time ([`SortedText`]).

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Error as _, Serialize, Serializer};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

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

/// An object key as it came: borrowed from the text unless it holds an
/// escape.
pub struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// JSON text written as [`sorted`] writes the value it parses to (keys
/// sorted at every level; of a key given twice, the last value), without
/// a tree of owned values: the text is parsed once into [`Node`]s that
/// borrow its strings. How `-o json` writes a list of records kept as the
/// gateway's text.
pub struct SortedText<'a>(pub &'a str);

impl Serialize for SortedText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::from_str::<Node>(self.0)
            .map_err(S::Error::custom)?
            .serialize(s)
    }
}

/// A JSON value borrowing its strings from the text (unless they hold an
/// escape), its objects' members sorted by key, the last of a key given
/// twice kept.
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Node<'de>, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Node<'de>, E> {
                Ok(Node::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Node<'de>, E> {
                Ok(Node::Number(n.into()))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Node<'de>, E> {
                Ok(Node::Number(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Node<'de>, E> {
                Ok(serde_json::Number::from_f64(n).map_or(Node::Null, Node::Number))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Node<'de>, E> {
                Ok(Node::String(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Node<'de>, E> {
                Ok(Node::String(Cow::Owned(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Node<'de>, E> {
                Ok(Node::String(Cow::Owned(s)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Node<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = a.next_element()? {
                    out.push(n);
                }
                Ok(Node::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Node<'de>, A::Error> {
                let mut out: Vec<(Cow<'de, str>, Node<'de>)> = Vec::new();
                while let Some((Key(k), v)) = m.next_entry::<Key<'de>, Node<'de>>()? {
                    out.push((k, v));
                }
                // Stable: of the members with one key, the last is kept.
                out.sort_by(|a, b| a.0.cmp(&b.0));
                let mut kept: Vec<(Cow<'de, str>, Node<'de>)> = Vec::with_capacity(out.len());
                for (k, v) in out {
                    match kept.last_mut() {
                        Some(last) if last.0 == k => last.1 = v,
                        _ => kept.push((k, v)),
                    }
                }
                Ok(Node::Object(kept))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Number(n) => n.serialize(s),
            Node::String(t) => s.serialize_str(t),
            Node::Array(a) => s.collect_seq(a),
            Node::Object(m) => s.collect_map(m.iter().map(|(k, v)| (k.as_ref(), v))),
        }
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

    #[test]
    fn sorted_text_writes_what_sorted_writes() {
        for text in [
            r#"{"b": 1, "a": {"d": [1, {"z": null, "y": 2.5e3}], "c": "x\u00e9\n"}, "b": -3}"#,
            r#"[{"k": "v", "\u0041": 1}, [], {}, "s", 1e2, true, null, 18446744073709551615]"#,
            r#"{"x": {"x": {"x": "\ud83d\ude00\u202e"}}, "roles": ["a", "b"]}"#,
            "  {\"a\"  :  1 }",
        ] {
            let want = sorted(&serde_json::from_str(text).unwrap()).to_string();
            let got = serde_json::to_string(&SortedText(text)).unwrap();
            assert_eq!(got, want, "{text}");
        }
    }
}
