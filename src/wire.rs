//! JSON on the wire: request bodies byte-for-byte as the upstream Python
//! tools send them, and key sorting for output, of a [`Value`] or of JSON
//! text read one value at a time ([`SortedText`]).

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Error as _, Serialize, Serializer};
use serde_json::value::RawValue;
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

/// The members of a JSON object, in order, each value left as text.
pub struct Members<'a>(pub Vec<(Key<'a>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Members<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<Key<'de>, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// JSON text written as [`sorted`] writes the value it parses to (keys
/// sorted at every level; of a key given twice, the last value), without
/// building the tree: objects and arrays are read one level at a time,
/// and only scalars become [`Value`]s. How `-o json` writes a list of
/// records kept as the gateway's text.
pub struct SortedText<'a>(pub &'a str);

impl Serialize for SortedText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.trim_start();
        match text.as_bytes().first() {
            Some(b'{') => {
                let Members(mut m) = serde_json::from_str(text).map_err(S::Error::custom)?;
                // Stable: of the members with one key, the last is kept.
                m.sort_by(|a, b| a.0 .0.cmp(&b.0 .0));
                let mut i = 0;
                s.collect_map(std::iter::from_fn(|| {
                    while i + 1 < m.len() && m[i].0 .0 == m[i + 1].0 .0 {
                        i += 1;
                    }
                    let (k, v) = m.get(i)?;
                    i += 1;
                    Some((k.0.as_ref(), SortedText(v.get())))
                }))
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(S::Error::custom)?;
                s.collect_seq(items.iter().map(|v| SortedText(v.get())))
            }
            // A string without escapes is written from the text as it is.
            Some(b'"') => s.serialize_str(
                &serde_json::from_str::<Key>(text)
                    .map_err(S::Error::custom)?
                    .0,
            ),
            _ => serde_json::from_str::<Value>(text)
                .map_err(S::Error::custom)?
                .serialize(s),
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
