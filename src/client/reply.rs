//! A successful reply, and what its fields mean on both kinds of gateway.

use crate::error::{Error, Kind, Result};
use serde_json::{Map, Value};

/// A successful (HTTP 200, no `error`) JSON object reply.
#[derive(Debug, Clone)]
pub struct Reply(pub Map<String, Value>);

impl Reply {
    /// True when the reply holds nothing but `bootstrap_available`: how a
    /// TrustGraph 2.11 gateway answers both void successes and refusals.
    pub fn is_bare_2_11(&self) -> bool {
        self.0.contains_key("bootstrap_available")
            && self.0.keys().all(|k| k == "bootstrap_available")
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A non-empty string field.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A record (object) field; wrong type is a protocol error.
    pub fn record(&self, key: &str) -> Result<Option<&Value>> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(other) => Err(Error::protocol(format!(
                "unexpected response from the gateway: `{key}` is {}, not a record",
                kind_of(other)
            ))),
        }
    }

    /// The error for a reply that lacks the expected `what`. A bare 2.11
    /// reply is a refusal of kind `refusal` explained by `hint`; anything
    /// else is an unexpected response.
    pub fn missing(&self, what: &str, refusal: Kind, hint: &str) -> Error {
        if self.is_bare_2_11() {
            Error::new(
                refusal,
                format!("the gateway returned no {what}; the request was refused (a TrustGraph 2.11 gateway answers refusals with an empty reply and no reason)"),
            )
            .with_hint(hint)
        } else {
            Error::protocol(format!(
                "unexpected response from the gateway: no {what} in the reply"
            ))
        }
    }
}

/// What a JSON value is, as messages say it: `a string`, `null`.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_reply_detection() {
        let r = Reply(
            json!({"bootstrap_available": false})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert!(r.is_bare_2_11());
        let r = Reply(json!({}).as_object().unwrap().clone());
        assert!(!r.is_bare_2_11());
        assert_eq!(r.missing("jwt", Kind::Auth, "h").kind, Kind::Protocol);
    }
}
