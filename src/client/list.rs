//! List replies, read record by record: a reply of a hundred thousand
//! records is never a tree of [`Value`]s. The reply's own fields (a few)
//! are parsed as usual; the list stays text, and each of its records is
//! handed over as a span of that text ([`ListReply::spans`]), to be read
//! into its typed form and kept as text for `-o json`.

use super::classify::{decode_object, decode_reply, not_json};
use super::reply::Reply;
use super::MAX_REPLY_BYTES;
use crate::config::Source;
use crate::error::{Error, Result};
use crate::redact;
use crate::wire::Key;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// A successful reply whose list at one key is kept as text.
#[derive(Debug, Clone)]
pub struct ListReply {
    /// The reply's fields. The list's key is there as the gateway sent
    /// it, present or not, but its value is an empty array: the records
    /// are read with [`ListReply::spans`].
    pub reply: Reply,
    text: Arc<String>,
    listed: Listed,
    key: String,
}

#[derive(Debug, Clone)]
enum Listed {
    /// No list (absent or `null`: the gateway leaves empty lists out).
    None,
    /// The span of each entry in the text.
    Array(Vec<Range<usize>>),
    /// Not a list: what it is (`a string`).
    Not(&'static str),
}

/// What JSON `text` (one valid value) is, as messages say it.
fn kind_of_text(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The byte offset of `part` (a slice of `whole`) in `whole`.
fn offset(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// A gateway answer to a list operation, the list at `key` left as text:
/// as [`decode_reply`] decodes any reply (the same errors, the same
/// secrets registered), but without a tree of the records. The reply is
/// read once, which finds each record's span; a list of more than `max`
/// entries stops the reading there. A field other than the list over
/// [`MAX_REPLY_BYTES`] is refused.
pub(crate) fn decode_list_reply(
    status: u16,
    body: Vec<u8>,
    key: &str,
    max: usize,
    token_source: Source,
    shown: &str,
) -> Result<ListReply> {
    let none = |reply| ListReply {
        reply,
        text: Arc::default(),
        listed: Listed::None,
        key: key.to_string(),
    };
    if status != 200 {
        // Anything but a success is within the small cap.
        return decode_reply(status, &body, token_source, shown).map(none);
    }
    let text = match String::from_utf8(body) {
        Ok(t) => t,
        Err(e) => return Err(not_json(e.as_bytes())),
    };
    let mut listed = Listed::None;
    let mut failed = None;
    let top = Top {
        whole: &text,
        key,
        max,
        listed: &mut listed,
        failed: &mut failed,
    };
    let members = match de::Deserializer::deserialize_map(
        &mut serde_json::Deserializer::from_str(&text),
        top,
    ) {
        Ok(m) => m,
        Err(_) if failed.is_some() => return Err(failed.unwrap_or_else(|| not_json(b""))),
        Err(e) if e.is_data() => {
            return Err(Error::protocol(format!(
                "unexpected response from the gateway: expected a JSON object, got {}",
                kind_of_text(&text)
            )))
        }
        Err(_) => return Err(not_json(text.as_bytes())),
    };
    let mut map = Map::new();
    for (k, raw) in members {
        let v = match raw {
            // The list: present, its records read apart.
            None => match listed {
                Listed::None => Value::Null,
                _ => Value::Array(Vec::new()),
            },
            Some(raw) if raw.get().len() > MAX_REPLY_BYTES => {
                return Err(Error::protocol(format!(
                    "unexpected response from the gateway: `{}` is larger than {} MiB",
                    super::server_text(k.0.as_bytes()),
                    MAX_REPLY_BYTES / (1024 * 1024)
                )))
            }
            Some(raw) => serde_json::from_str(raw.get()).map_err(|_| not_json(text.as_bytes()))?,
        };
        map.insert(k.0.into_owned(), v);
    }
    let v = Value::Object(map);
    redact::register_json(&v);
    redact::register_json_text(&text);
    let reply = decode_object(v, Some(200))?;
    Ok(ListReply {
        reply,
        text: Arc::new(text),
        listed,
        key: key.to_string(),
    })
}

/// The reading of a list reply's top level: each member's value as
/// text, except the list's (`None`), whose entries [`Entries`] finds.
struct Top<'a> {
    whole: &'a str,
    key: &'a str,
    max: usize,
    listed: &'a mut Listed,
    failed: &'a mut Option<Error>,
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Vec<(Key<'de>, Option<&'de RawValue>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = m.next_key::<Key<'de>>()? {
            if k.0 == self.key {
                *self.listed = m.next_value_seed(Entries {
                    whole: self.whole,
                    key: self.key,
                    max: self.max,
                    failed: &mut *self.failed,
                })?;
                out.push((k, None));
            } else {
                out.push((k, Some(m.next_value::<&'de RawValue>()?)));
            }
        }
        Ok(out)
    }
}

/// The list's value: the span of each entry (each must be a record, at
/// most `max` of them), or what it is instead of a list.
struct Entries<'a> {
    whole: &'a str,
    key: &'a str,
    max: usize,
    failed: &'a mut Option<Error>,
}

impl<'de> DeserializeSeed<'de> for Entries<'_> {
    type Value = Listed;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Listed, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = Listed;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_unit<E>(self) -> std::result::Result<Listed, E> {
        Ok(Listed::None)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Listed, E> {
        Ok(Listed::Not("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Listed, E> {
        Ok(Listed::Not("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Listed, E> {
        Ok(Listed::Not("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Listed, E> {
        Ok(Listed::Not("a number"))
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Listed, E> {
        Ok(Listed::Not("a string"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Listed, A::Error> {
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Listed::Not("an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Listed, A::Error> {
        let mut spans = Vec::new();
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let t = raw.get();
            let fail = if spans.len() >= self.max {
                Some(Error::protocol(format!(
                    "unexpected response from the gateway: `{}` lists more than {} entries, more than a reply within the size cap could hold as records",
                    self.key, self.max
                )).with_hint(format!(
                    "if this is a real list, raise the cap with {}",
                    crate::config::ENV_MAX_LIST_BYTES
                )))
            } else if !t.starts_with('{') {
                Some(Error::protocol(format!(
                    "unexpected response from the gateway: `{}` holds {}, not only records",
                    self.key,
                    kind_of_text(t)
                )))
            } else {
                None
            };
            if let Some(e) = fail {
                *self.failed = Some(e);
                return Err(de::Error::custom("stopped"));
            }
            let at = offset(self.whole, t);
            spans.push(at..at + t.len());
        }
        Ok(Listed::Array(spans))
    }
}

impl ListReply {
    /// The list at `key` of a reply already read whole (the socket's).
    pub fn from_reply(reply: &Reply, key: &str, max: usize) -> Result<ListReply> {
        let text = Value::Object(reply.0.clone()).to_string();
        decode_list_reply(200, text.into_bytes(), key, max, Source::None, "")
    }

    /// The key of the list.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The reply's text, of which [`ListReply::spans`] gives the records'.
    pub fn text(&self) -> &Arc<String> {
        &self.text
    }

    /// The span in [`ListReply::text`] of each entry of the list, in
    /// order (each a record: an object). A list that is absent or `null`
    /// has none.
    pub fn spans(&self) -> Result<&[Range<usize>]> {
        match &self.listed {
            Listed::None => Ok(&[]),
            Listed::Not(kind) => Err(Error::protocol(format!(
                "unexpected response from the gateway: `{}` is {kind}, not a list",
                self.key
            ))),
            Listed::Array(spans) => Ok(spans),
        }
    }
}

/// The beginning of JSON `text` as a [`Value`]: the whole value, except
/// that once about `budget` bytes of it have been taken, the rest of each
/// array and object is left out (read, not kept). What the `-v` trace
/// shows of a large reply, whose text it then cuts anyway. `None` for
/// text that is not JSON.
pub(crate) fn beginning(text: &str, budget: usize) -> Option<Value> {
    let left = Cell::new(budget);
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Clip(&left).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(v)
}

/// The seed of [`beginning`]: `.0` is what is left of the budget, in
/// characters. Each value taken counts no more than it is written as
/// (strings only grow when escaped), so what is kept is written as at
/// least `budget` characters when the whole would be.
#[derive(Clone, Copy)]
struct Clip<'b>(&'b Cell<usize>);

impl Clip<'_> {
    fn take(&self, n: usize) {
        self.0.set(self.0.get().saturating_sub(n));
    }
}

impl<'de> DeserializeSeed<'de> for Clip<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Clip<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, b: bool) -> std::result::Result<Value, E> {
        self.take(4);
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> std::result::Result<Value, E> {
        self.take(1);
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> std::result::Result<Value, E> {
        self.take(1);
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> std::result::Result<Value, E> {
        self.take(1);
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        self.take(4);
        Ok(Value::Null)
    }
    fn visit_str<E>(self, s: &str) -> std::result::Result<Value, E> {
        self.take(s.chars().count() + 2);
        Ok(Value::String(s.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while self.0.get() > 0 {
            match a.next_element_seed(self)? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while self.0.get() > 0 {
            match m.next_key::<String>()? {
                Some(k) => {
                    self.take(k.chars().count() + 3);
                    let v = m.next_value_seed(self)?;
                    out.insert(k, v);
                }
                None => return Ok(Value::Object(out)),
            }
        }
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> Result<ListReply> {
        decode_list_reply(200, body.into(), "users", 2, Source::None, "u")
    }

    fn spans(r: &ListReply) -> Result<Vec<String>> {
        Ok(r.spans()?
            .iter()
            .map(|s| r.text()[s.clone()].to_string())
            .collect())
    }

    #[test]
    fn records_are_spans_of_the_text() {
        let r = decode(r#"{"users": [{"id": "a"}, {"id": "b", "x": [1, {"y": 2}]} ], "bootstrap_available": false}"#)
            .unwrap();
        assert_eq!(
            spans(&r).unwrap(),
            [r#"{"id": "a"}"#, r#"{"id": "b", "x": [1, {"y": 2}]}"#]
        );
        assert_eq!(
            r.reply.0,
            serde_json::json!({"users": [], "bootstrap_available": false})
                .as_object()
                .unwrap()
                .clone()
        );
        assert!(!r.reply.is_bare_2_11());
        let bare = decode(r#"{"bootstrap_available": false}"#).unwrap();
        assert!(bare.reply.is_bare_2_11());
        assert!(spans(&bare).unwrap().is_empty());
        assert!(spans(&decode(r#"{"users": null}"#).unwrap())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn the_wrong_shapes_are_refused_as_before() {
        let msg = |body: &str| decode(body).and_then(|r| spans(&r)).unwrap_err().message;
        assert_eq!(
            msg(r#"{"users": "x"}"#),
            "unexpected response from the gateway: `users` is a string, not a list"
        );
        assert_eq!(
            msg(r#"{"users": [{}, 3]}"#),
            "unexpected response from the gateway: `users` holds a number, not only records"
        );
        assert!(msg(r#"{"users": [{}, {}, {}]}"#).contains("more than 2 entries"));
        assert_eq!(
            msg("[1, 2]"),
            "unexpected response from the gateway: expected a JSON object, got an array"
        );
        assert!(msg(r#"{"users": [{}"#).contains("HTTP 200 but not JSON"));
        // An IAM error wins over the list's shape, as before.
        let e =
            decode(r#"{"users": 5, "error": {"type": "not-found", "message": "no"}}"#).unwrap_err();
        assert_eq!(e.message, "not-found: no");
    }

    #[test]
    fn the_beginning_of_a_large_reply() {
        let text = serde_json::json!({"users": (0..1000).map(|i| serde_json::json!({"id": i, "name": "n".repeat(10)})).collect::<Vec<_>>(), "bootstrap_available": false}).to_string();
        let v = beginning(&text, 500).unwrap();
        let s = v.to_string();
        assert!(s.len() >= 500 && s.len() < 700, "{}", s.len());
        assert!(text.starts_with(&s[..s.len() - 3]), "{s}");
        assert_eq!(beginning(&text, usize::MAX).unwrap().to_string(), text);
        assert_eq!(beginning("{\"a\": ", 10), None);
    }
}
