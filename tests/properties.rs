//! Property tests over what a hostile server or a careless user controls:
//! reply decoding, JWT decoding, time parsing, the scrubber and JSON
//! output. None may panic, and the scrubber may never let a secret through.
//! Any case a run finds is kept below as a regression test.

use proptest::prelude::*;
use tg_iam::config::Source;
use tg_iam::{client, jwt, output, redact, time};

fn any_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(200u16),
        Just(400),
        Just(401),
        Just(403),
        Just(404),
        Just(500),
        100u16..600
    ]
}

/// JSON-ish bytes: often valid JSON objects with IAM-like keys, sometimes
/// anything at all.
fn replyish() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        Just("error".to_string()),
        Just("type".to_string()),
        Just("message".to_string()),
        Just("jwt".to_string()),
        Just("users".to_string()),
        Just("bootstrap_available".to_string()),
        "[a-z_]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        ".{0,20}".prop_map(serde_json::Value::String),
    ];
    let value = leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..4)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    });
    prop_oneof![
        value.prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reply_decoding_never_panics(status in any_status(), body in replyish()) {
        let r = client::decode_reply(status, &body, Source::Flag, "http://gw/");
        if let Err(e) = &r {
            // Every failure is one printable line.
            prop_assert!(!e.message.contains('\n'));
        }
        if status != 200 {
            prop_assert!(r.is_err());
        }
    }

    #[test]
    fn jwt_decoding_never_panics(s in ".{0,80}", payload in replyish()) {
        let _ = jwt::jwt_expiry(&s);
        use base64::Engine;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!("eyJhbGciOiJFZERTQSJ9.{}.c2ln", b.encode(&payload));
        let _ = jwt::jwt_expiry(&token);
    }

    #[test]
    fn time_parsing_never_panics(s in "\\PC{0,40}", ascii in "[0-9T:+ Z.-]{0,32}") {
        let _ = time::parse_iso8601(&s);
        if let Some(t) = time::parse_iso8601(&ascii) {
            // Whatever parses can be shown.
            prop_assert!(!time::format_utc(t).is_empty());
        }
    }

    #[test]
    fn valid_dates_round_trip(y in 1970i64..9999, m in 1i64..=12, d in 1i64..=28, h in 0i64..24, mi in 0i64..60, s in 0i64..60) {
        let text = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00");
        let t = time::parse_iso8601(&text).unwrap();
        prop_assert_eq!(time::format_utc(t), text);
    }

    #[test]
    fn time_formatting_never_panics(t in any::<i64>()) {
        let _ = time::format_utc(t);
        let _ = time::iso_millis(t);
    }

    #[test]
    fn a_registered_secret_never_survives_the_scrubber(
        secret in "[!-~]{4,40}",
        before in ".{0,60}",
        after in ".{0,60}",
        max in 1usize..200,
    ) {
        redact::register(&secret);
        let text = format!("{before}{secret}{after}");
        prop_assert!(!redact::scrub(&text).contains(&secret));
        prop_assert!(!output::stderr_text(&text).contains(&secret));
        prop_assert!(!redact::scrub_clip(&text, max).contains(&secret));
    }

    #[test]
    fn json_output_is_terminal_safe_and_lossless(s in "\\PC{0,30}|[\\x00-\\x{a0}\\x{2000}-\\x{206f}]{0,30}") {
        let v = serde_json::json!({"k": s});
        let out = output::json(&v);
        prop_assert!(!out.chars().any(|c| redact::is_unsafe_char(c) && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        prop_assert_eq!(back, v);
    }
}

/// Cases found by earlier runs, kept.
#[test]
fn regressions() {
    // A non-ASCII character where the old parser sliced at byte 10.
    assert_eq!(time::parse_iso8601("2026-11-2é"), None);
    assert_eq!(time::parse_iso8601("ééééééééééé"), None);
    // exp far out of range.
    let _ = time::format_utc(i64::MIN);
}
