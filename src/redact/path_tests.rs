//! Every path of the scrubber on its own: one test per decoder and per
//! view, each with an echo that needs exactly that decoder; registration,
//! the clip window and trim, `has_secret` and the registry cap as tables;
//! and a property test over random secrets, encodings and surroundings.
//!
//! The registry is process-global, so a test here that registers uses
//! strings of its own; what needs an empty registry runs alone in a fresh
//! process of this test binary ([`in_a_fresh_process`]).

use super::*;
use crate::output::sanitize;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;
use proptest::prelude::*;
use serde_json::json;

fn matcher_for(secrets: &[&str]) -> Matcher {
    let secrets: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
    Matcher::new(&secrets).expect("a matcher")
}

/// The decoders whose escape character appears in `text`.
fn introducers(text: &str) -> u8 {
    [('\\', BACKSLASH), ('%', PERCENT), ('&', HTML)]
        .iter()
        .filter(|(c, _)| text.contains(*c))
        .fold(0, |acc, (_, f)| acc | f)
}

/// `echo` of `secret` between two words is masked whole, and needs
/// exactly the decoders in `needs`: the text holds the escape character
/// of no other decoder, and of the eight views only those that apply all
/// of `needs` see the secret.
fn check_echo(needs: u8, secret: &str, echo: &str) {
    let m = matcher_for(&[secret]);
    let text = format!("echo {echo} end");
    assert_eq!(introducers(&text), needs, "{echo:?}: escape characters");
    for flags in 0..8u8 {
        let v = view(&text, flags);
        let seen = m.ac.find_overlapping_iter(v.text.as_ref()).next().is_some();
        assert_eq!(seen, flags & needs == needs, "{echo:?} in view {flags:03b}");
    }
    assert_eq!(mask_with(&m, &text), format!("echo {MASK} end"), "{echo:?}");
}

#[test]
fn json_unicode_escapes_in_either_case() {
    for (secret, echo) in [
        ("zörg-secret", r"z\u00f6rg-secret"),
        ("zörg-secret", r"z\u00F6rg-secret"),
        ("Zörg-secret", r"\u005A\u00f6rg-secret"),
        ("pass😀word", r"pass\ud83d\ude00word"),
        ("pass😀word", r"pass\uD83D\uDE00word"),
    ] {
        check_echo(BACKSLASH, secret, echo);
    }
}

#[test]
fn json_escaped_solidus() {
    check_echo(BACKSLASH, "a/b/c-secret", r"a\/b\/c-secret");
}

#[test]
fn each_backslash_escape() {
    for (secret, echo) in [
        (r"pass\word-x", r"pass\\word-x"),
        (r#"say"hi"-secret"#, r#"say\"hi\"-secret"#),
        ("it's-a-secret", r"it\'s-a-secret"),
        ("line-1\nline-2", r"line-1\nline-2"),
        ("tab\tsecret", r"tab\tsecret"),
        ("cr\rsecret-x", r"cr\rsecret-x"),
        ("back\u{8}space", r"back\bspace"),
        ("form\u{c}feed-x", r"form\ffeed-x"),
        ("zörg-secret", r"z\xf6rg-secret"),
        ("zörg-secret", r"z\xF6rg-secret"),
        ("pass😀word", r"pass\U0001F600word"),
        ("price-€-x", r"price-\U000020AC-x"),
    ] {
        check_echo(BACKSLASH, secret, echo);
    }
}

#[test]
fn percent_encoding_of_one_to_four_bytes() {
    for (secret, echo) in [
        ("Correct-Horse", "Correct%2DHorse"),
        ("Correct-Horse", "Correct%2dHorse"),
        ("100%-sure", "100%25-sure"),
        ("zörg-secret", "z%C3%B6rg-secret"),
        ("Straße-secret", "Stra%c3%9fe-secret"),
        ("price-€-x", "price-%E2%82%AC-x"),
        ("pass😀word", "pass%F0%9F%98%80word"),
        // Form encoding: + for the spaces, %2B for a plus.
        ("Correct Horse+Battery", "Correct+Horse%2BBattery"),
    ] {
        check_echo(PERCENT, secret, echo);
    }
}

#[test]
fn plus_for_space_needs_no_decoder() {
    check_echo(0, "Correct Horse Battery", "Correct+Horse+Battery");
}

#[test]
fn each_html_entity_form() {
    for (secret, echo) in [
        (r#"say"hi"-x"#, "say&quot;hi&quot;-x"),
        ("fish&chips-x", "fish&amp;chips-x"),
        ("a<b-secret", "a&lt;b-secret"),
        ("a>b-secret", "a&gt;b-secret"),
        ("it's-a-secret", "it&apos;s-a-secret"),
        ("a<b-secret", "a&#60;b-secret"),
        ("zörg-secret", "z&#246;rg-secret"),
        ("pass😀word", "pass&#128512;word"),
        ("a<b-secret", "a&#x3c;b-secret"),
        ("a<b-secret", "a&#X3C;b-secret"),
        ("pass😀word", "pass&#x1F600;word"),
    ] {
        check_echo(HTML, secret, echo);
    }
}

#[test]
fn control_and_bidi_characters_inside_the_secret() {
    for echo in [
        "Corr\u{7f}ect-Horse-Battery",
        "Correct\u{202e}-Horse-Battery",
        "Correct-\u{2066}Horse\u{2069}-Battery",
        "C\u{0}o\u{1b}rrect-Horse-Bat\u{85}tery",
        "Correct-Hor\u{200e}se\u{200f}-Bat\u{61c}tery",
        "Correct-Horse\n-Battery",
    ] {
        check_echo(0, "Correct-Horse-Battery", echo);
    }
}

#[test]
fn a_character_stripped_from_inside_an_escape_does_not_hide_it() {
    // The terminal shows the escape whole once the character is gone.
    for (needs, secret, echo) in [
        (BACKSLASH, "aaaa-x", "\\x61\\\u{0}x61aa-x"),
        (BACKSLASH, "zörg-secret", "z\\u00\u{7f}f6rg-secret"),
        (PERCENT, "zörg-secret", "z%C3%\u{202e}B6rg-secret"),
        (HTML, "a<b-secret", "a&l\u{2066}t;b-secret"),
    ] {
        check_echo(needs, secret, echo);
    }
}

#[test]
fn two_and_three_decoders_at_once() {
    for (needs, secret, echo) in [
        (
            BACKSLASH | PERCENT,
            "zörg-€-secret",
            r"z\u00f6rg-%E2%82%AC-secret",
        ),
        (BACKSLASH | HTML, "zörg<secret>", r"z\u00f6rg&lt;secret&gt;"),
        (PERCENT | HTML, "zörg<secret>", "z%C3%B6rg&lt;secret>"),
        (
            BACKSLASH | PERCENT | HTML,
            "zö€<secret",
            r"z\u00f6%E2%82%AC&lt;secret",
        ),
    ] {
        check_echo(needs, secret, echo);
    }
}

#[test]
fn a_secret_spelled_like_escapes_is_matched_as_it_is() {
    // A password may hold `\n`, `%41` or `&lt;` as typed: the view that
    // decodes nothing sees it, also split by a control character, which
    // it strips without decoding anything.
    for secret in [r"pa\u0041ss-x", "pa%41ss-x", "pa&lt;ss-x", r"a\n%41&lt;-x"] {
        let m = matcher_for(&[secret]);
        for echo in [
            secret.to_string(),
            format!("{}\u{7f}{}", &secret[..1], &secret[1..]),
        ] {
            let text = format!("echo {echo} end");
            assert_eq!(mask_with(&m, &text), format!("echo {MASK} end"), "{echo:?}");
        }
    }
}

#[test]
fn malformed_escapes_are_left_alone() {
    // Each text would mask its secret if the escape were (wrongly)
    // decoded; none may panic.
    for (secret, text) in [
        // A sign is not a hex or decimal digit.
        ("Abcdefgh", r"x \u+041bcdefgh y"),
        ("Abcdefgh", "x &#+65;bcdefgh y"),
        ("Abcdefgh", "x &#x+41;bcdefgh y"),
        // A low surrogate after a character that is not a high one.
        ("Abcdefgh", r"x \u0041\uDC00bcdefgh y"),
        // Too short, not hex, or not a known name.
        ("Abcdefgh", r"x \u041bcdefgh y"),
        ("Abcdefgh", r"x \x4bcdefgh y"),
        ("Abcdefgh", "x %4bcdefgh y"),
        ("Abcdefgh", "x &#;&#x;&A;bcdefgh y"),
        ("Abcdefgh", "x &#65bcdefgh; y"),
        // Not UTF-8: a continuation byte first, a lead byte cut short or
        // followed by ASCII, a lead byte no character starts with.
        ("\u{fffd}bcdefgh", "x %B6bcdefgh y"),
        ("\u{fffd}bcdefgh", "x %C3bcdefgh y"),
        ("\u{fffd}Abcdefgh", "x %C3%41bcdefgh y"),
        ("\u{fffd}bcdefgh", "x %F8%88%80%80%80bcdefgh y"),
        ("\u{fffd}bcdefgh", "x %FFbcdefgh y"),
    ] {
        let m = matcher_for(&[secret]);
        assert_eq!(mask_with(&m, text), text, "{text:?}");
    }
}

#[test]
fn base64_at_each_alignment_in_both_alphabets() {
    // At every alignment this secret's base64 differs between the two
    // alphabets (+/ against -_), so each alphabet's forms are needed.
    let secret = "~?>~?>~?>~?>";
    let m = matcher_for(&[secret]);
    for lead in 3..6 {
        let mut bytes = b"LEADx"[..lead].to_vec();
        bytes.extend_from_slice(secret.as_bytes());
        bytes.extend_from_slice(b" tail");
        // The characters made of the secret's bits alone: from the first
        // that starts at or after its first bit to the last that ends at
        // or before its last.
        let first = (lead * 8).div_ceil(6);
        let end = (lead + secret.len()) * 8 / 6;
        let encoded = [STANDARD.encode(&bytes), URL_SAFE.encode(&bytes)];
        assert_ne!(encoded[0][first..end], encoded[1][first..end]);
        for enc in encoded {
            let want = format!("{}{MASK}{}", &enc[..first], &enc[end..]);
            assert_eq!(mask_with(&m, &enc), want, "alignment {}", lead % 3);
            assert_eq!(introducers(&enc), 0);
        }
    }
}

#[test]
fn an_8_byte_secret_has_base64_forms_and_a_7_byte_one_none() {
    assert_eq!(base64_forms(b"~?>~?>~?").len(), 6);
    assert_eq!(base64_forms(b"~?>~?>~"), Vec::<String>::new());
    for (secret, masked) in [("~?>~?>~?", true), ("~?>~?>~", false)] {
        let m = matcher_for(&[secret]);
        for lead in 3..6 {
            let mut bytes = b"LEADx"[..lead].to_vec();
            bytes.extend_from_slice(secret.as_bytes());
            bytes.extend_from_slice(b" tail");
            for enc in [STANDARD.encode(&bytes), URL_SAFE.encode(&bytes)] {
                let out = mask_with(&m, &enc);
                assert_eq!(out.contains(MASK), masked, "{secret} at {lead}: {out}");
            }
        }
    }
}

#[test]
fn registration_finds_secrets_in_objects_arrays_and_nesting() {
    // (reply, strings it must register, strings it must not)
    let cases = [
        (
            json!({"password": "Reg-Obj-Secret-1"}),
            vec!["Reg-Obj-Secret-1"],
            vec![],
        ),
        (
            json!({"users": [{"temporary_password": "Reg-Arr-Secret-2"}]}),
            vec!["Reg-Arr-Secret-2"],
            vec![],
        ),
        (
            json!([{"jwt": "Reg-TopArr-Secret-3"}, "Reg-Bare-String-3"]),
            vec!["Reg-TopArr-Secret-3"],
            vec!["Reg-Bare-String-3"],
        ),
        (
            json!({"a": {"b": [[{"api_key": "Reg-Nested-Secret-4"}]]}}),
            vec!["Reg-Nested-Secret-4"],
            vec![],
        ),
        (
            // The api_key record is searched, not registered whole.
            json!({"api_key": {"id": "Reg-Record-Id-5", "api_key_plaintext": "Reg-Deep-Secret-5"}}),
            vec!["Reg-Deep-Secret-5"],
            vec!["Reg-Record-Id-5"],
        ),
        (
            json!({"name": "Reg-Not-A-Secret-6", "password": 123, "token": null, "jwt": ["Reg-In-List-6"]}),
            vec![],
            vec!["Reg-Not-A-Secret-6", "Reg-In-List-6"],
        ),
    ];
    for (reply, secrets, others) in cases {
        register_json(&reply);
        for s in secrets {
            assert_eq!(scrub(s), MASK, "{reply}: {s}");
        }
        for s in others {
            assert_eq!(scrub(s), s, "{reply}: {s}");
        }
    }
    // Every secret key, in either direction.
    for k in SECRET_KEYS {
        let s = format!("Reg-Key-{k}-Value");
        register_json(&json!({ *k: s }));
        assert_eq!(scrub(&s), MASK, "{k}");
    }
}

#[test]
fn registration_from_json_text_finds_what_the_tree_walk_finds() {
    // (reply text, strings it must register, strings it must not): the
    // table above, as text, and what only text has.
    let cases: [(&str, &[&str], &[&str]); 10] = [
        (
            r#"{"password": "Txt-Obj-Secret-1"}"#,
            &["Txt-Obj-Secret-1"],
            &[],
        ),
        (
            r#"{"users": [{"temporary_password": "Txt-Arr-Secret-2"}]}"#,
            &["Txt-Arr-Secret-2"],
            &[],
        ),
        (
            r#"[{"jwt": "Txt-TopArr-Secret-3"}, "Txt-Bare-String-3"]"#,
            &["Txt-TopArr-Secret-3"],
            &["Txt-Bare-String-3"],
        ),
        (
            r#"{"a": {"b": [[{"api_key": "Txt-Nested-Secret-4"}]]}}"#,
            &["Txt-Nested-Secret-4"],
            &[],
        ),
        (
            r#"{"api_key": {"id": "Txt-Record-Id-5", "api_key_plaintext": "Txt-Deep-Secret-5"}}"#,
            &["Txt-Deep-Secret-5"],
            &["Txt-Record-Id-5"],
        ),
        (
            r#"{"name": "Txt-Not-A-Secret-6", "password": 123, "token": null, "ok": true, "n": -1, "f": 1.5, "jwt": ["Txt-In-List-6"], "api_key": "Txt-After-Scalars-6"}"#,
            &["Txt-After-Scalars-6"],
            &["Txt-Not-A-Secret-6", "Txt-In-List-6"],
        ),
        // A key written with escapes is the same key; a value is
        // registered as it decodes.
        (
            r#"{"pass\u0077ord": "Txt-Escaped-Key-7"}"#,
            &["Txt-Escaped-Key-7"],
            &[],
        ),
        (
            r#"{"password": "Txt-\u0045scaped-Value-8"}"#,
            &["Txt-Escaped-Value-8"],
            &[],
        ),
        // Not JSON: what comes before the fault is registered.
        (
            r#"{"password": "Txt-Before-Fault-9", "x": oops, "jwt": "Txt-After-Fault-9"}"#,
            &["Txt-Before-Fault-9"],
            &["Txt-After-Fault-9"],
        ),
        // Keys are matched as they are spelled, as by register_json.
        (
            r#"{"PASSWORD": "Txt-Upper-Key-10"}"#,
            &[],
            &["Txt-Upper-Key-10"],
        ),
    ];
    for (text, secrets, others) in cases {
        register_json_text(text);
        for s in secrets {
            assert_eq!(scrub(s), MASK, "{text}: {s}");
        }
        for s in others {
            assert_eq!(scrub(s), *s, "{text}: {s}");
        }
    }
}

#[test]
fn json_text_is_parsed_only_when_it_may_name_a_secret() {
    for (text, may) in [
        (r#"{"name": "x", "id": 1}"#, false),
        ("", false),
        (r#"{"PASSWORD": "x"}"#, false),
        (r#"{"password": "x"}"#, true),
        // A key inside a longer string is none; a whole string is taken
        // for a key, value or not.
        (r#"{"x": "a token", "must_change_password": true}"#, false),
        (r#"{"x": "token"}"#, true),
        (r#"{"pass\u0077ord": "x"}"#, true),
        (r"\", true),
    ] {
        assert_eq!(may_name_a_secret(text), may, "{text}");
    }
}

#[test]
fn matchers_are_built_for_new_secrets_only_and_merged_as_a_binary_counter() {
    let mut r = Registry {
        secrets: Vec::new(),
        seen: None,
        bytes: 0,
        levels: Vec::new(),
    };
    let counts = |r: &mut Registry| r.matchers().iter().map(|m| m.count).collect::<Vec<_>>();
    assert_eq!(counts(&mut r), Vec::<usize>::new());
    // After each batch of new secrets: the secrets each level holds.
    for (new, want) in [
        (1, vec![1]),
        (0, vec![1]),
        (1, vec![2]),
        (1, vec![2, 1]),
        (1, vec![4]),
        (2, vec![4, 2]),
        (1, vec![4, 2, 1]),
        (0, vec![4, 2, 1]),
        (1, vec![8]),
        (3, vec![8, 3]),
        (5, vec![16]),
    ] {
        let before = r.matchers();
        for _ in 0..new {
            r.add(&format!("Level-Secret-{}", r.secrets.len()));
        }
        assert_eq!(counts(&mut r), want, "after {new} more");
        // Asked again with nothing new: the same matchers, none built.
        let again = r.matchers();
        assert_eq!(counts(&mut r), want);
        if new == 0 {
            assert!(before
                .iter()
                .zip(&again)
                .all(|(a, b)| std::sync::Arc::ptr_eq(a, b)));
        }
    }
}

#[test]
fn url_passwords_are_registered_and_hidden() {
    for (url, shown, registered) in [
        (
            "http://user:Url-Pass-1@host/x",
            "http://***@host/x",
            Some("Url-Pass-1"),
        ),
        ("user:Url-Pass-2@host", "***@host", Some("Url-Pass-2")),
        (
            "http://Url-Token-3@host/",
            "http://***@host/",
            Some("Url-Token-3"),
        ),
        (
            "http://u:Url-P@ss-4@host/",
            "http://***@host/",
            Some("Url-P@ss-4"),
        ),
        (
            "ftp://u:Url Pass#5@[::1",
            "ftp://***@[::1",
            Some("Url Pass#5"),
        ),
        ("http://@host/Url-None-6", "http://@host/Url-None-6", None),
        ("http://host/Url-None-7", "http://host/Url-None-7", None),
    ] {
        assert_eq!(shown_url(url), shown, "{url}");
        register_url_password(url);
        if let Some(pw) = registered {
            assert_eq!(scrub(&format!("echo {pw} end")), "echo *** end", "{url}");
        }
    }
    assert_eq!(
        scrub("echo Url-None-6 Url-None-7 end"),
        "echo Url-None-6 Url-None-7 end"
    );
}

#[test]
fn has_secret_looks_for_a_string_under_a_secret_key_anywhere() {
    for (v, want) in [
        (json!({"password": "x"}), true),
        (
            json!({"operation": "x", "user": {"new_password": "x"}}),
            true,
        ),
        (json!([{"name": "a"}, {"jwt": "x"}]), true),
        (json!({"a": [[{"api_key": "x"}]]}), true),
        (json!({"password": 5, "token": null}), false),
        (json!({"api_key": {"id": "k"}}), false),
        (json!({"name": "password", "x": "jwt"}), false),
        (json!(["password", "x"]), false),
        (json!("password"), false),
        (json!({}), false),
    ] {
        assert_eq!(has_secret(&v), want, "{v}");
    }
}

#[test]
fn redact_and_scrub_json_copies() {
    register("Json-Copy-Secret-1");
    let v = json!({"msg": "got Json-Copy-Secret-1", "Json-Copy-Secret-1": [1, "Json-Copy-Secret-1"], "n": 2});
    assert_eq!(
        scrub_json(&v),
        json!({"msg": "got ***", "***": [1, "***"], "n": 2})
    );
    assert_eq!(
        redact_json(&json!([{"token": "t", "api_key": {"id": "k"}, "jwt": 1}])),
        json!([{"token": "***", "api_key": {"id": "k"}, "jwt": "***"}])
    );
}

#[test]
fn a_secret_looking_text_is_suspicious_by_any_one_mark() {
    // Each line holds exactly one of the marks that send a line through
    // the patterns.
    for (text, want) in [
        ("key tg_Q3xzK9aLp2Wn8Rt0vYb4 end", "key *** end"),
        (
            "Authorization: Bearer Q3xzK9aLp2Wn8R",
            "Authorization: Bearer ***",
        ),
        (
            "Authorization: Basic dXNlcjpwdw==",
            "Authorization: Basic ***",
        ),
        ("see http://u:pw@h/x", "see http://u:***@h/x"),
        (
            "sig AAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBB.CCCCCCCCCCCCCCCCCCCC end",
            "sig *** end",
        ),
        ("api_key=Q3xzK9aLp2Wn8R", "api_key=***"),
        ("nothing to see", "nothing to see"),
    ] {
        assert_eq!(scrub(text), want, "{text}");
    }
}

/// (text, max, what is kept) with nothing registered: the scrubbed window
/// is cut at `max` characters, then back past a trailing run of
/// token-like characters.
const CLIPS: &[(&str, usize, &str)] = &[
    ("one two three", 9, "one two …"),
    ("aaaa bbbb c", 10, "aaaa bbbb …"),
    ("say \"abcdef", 7, "say \"…"),
    ("a,bcdef", 4, "a,…"),
    ("ab\tcdef", 4, "ab\t…"),
    ("abcdefgh", 3, "…"),
    ("***abcdef", 5, "***…"),
    // The character after the cut is scrubbed with the window: the key
    // that ends there is masked whole and shifts what follows.
    ("tg_AAAAAAAAAAAAAAAAAAAA ,more", 24, "*** ,…"),
    ("Bearer abcdef ghij", 9, "Bearer **…"),
    ("short", 5, "short"),
];

/// A JWT that runs past the window, which is 12 times the longest
/// registered secret past the cut.
const JWT_PAST_THE_CUT: &str = "x eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln y";

/// `x ` and then nothing but masks, spaces and the cut mark.
fn only_masks_after_x(s: &str) -> bool {
    s.strip_prefix("x ")
        .is_some_and(|rest| rest.chars().all(|c| matches!(c, '*' | ' ' | '…')))
}

#[test]
fn clipping_with_and_without_registered_secrets() {
    for (text, max, want) in CLIPS {
        assert_eq!(clip_with(None, text, *max), *want, "{text:?} at {max}");
    }
    // A secret registered elsewhere changes none of it.
    let m = matcher_for(&["unrelated"]);
    for (text, max, want) in CLIPS {
        assert_eq!(clip_with(Some(&m), text, *max), *want, "{text:?} at {max}");
    }
    // Only the window is scrubbed: with nothing registered, a JWT that
    // runs past it is not seen whole, and the trim takes back what is left
    // of it; a registered secret widens the window to hold it.
    assert_eq!(clip_with(None, JWT_PAST_THE_CUT, 10), "x …");
    assert_eq!(clip_with(Some(&m), JWT_PAST_THE_CUT, 10), "x *** …");
    // Half a JWT or an API key cut at the limit: the trim takes it back.
    let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
    for secret in [jwt, "tg_Q3xzK9aLp2Wn8Rt0vYb4Hc6Jd1Fe7Gs"] {
        let text = format!("x {secret} y");
        for max in 3..text.len() {
            let s = clip_with(None, &text, max);
            assert!(only_masks_after_x(&s), "{max}: {s}");
        }
    }
}

#[test]
fn the_clip_window_holds_a_secret_spelled_in_long_escapes() {
    // Every letter as \u00XX (six characters each), the spaces as they
    // are: 160 characters for a secret of 30 bytes, whose longest form
    // (its base64) is 40. The window reaches 12 times that past the cut.
    let secret = "alpha bravo charlie delta echo";
    let m = matcher_for(&[secret]);
    assert_eq!(m.longest, 40);
    let echo: String = secret
        .chars()
        .map(|c| match c {
            ' ' => " ".to_string(),
            c => format!("\\u{:04x}", c as u32),
        })
        .collect();
    let text = format!("{}{echo} tail", "word ".repeat(20));
    for max in 95..280 {
        let s = clip_with(Some(&m), &text, max);
        assert!(!s.contains("\\u00"), "{max}: {s}");
        assert!(s.chars().count() <= max + 1, "{max}: {s}");
        // The same as scrubbing the whole text, cut.
        let whole = clip_with(Some(&m), &text, 10_000);
        assert!(whole.starts_with(s.trim_end_matches('…')), "{max}: {s}");
    }
}

#[test]
fn in_a_fresh_process() {
    // The registry cannot be emptied, so this runs `fresh_process` alone
    // in a new process of this test binary.
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([
            "redact::path_tests::fresh_process",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env(FRESH, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const FRESH: &str = "TG_IAM_REDACT_FRESH_PROCESS";

#[test]
#[ignore = "run alone in its own process by in_a_fresh_process"]
fn fresh_process() {
    if std::env::var_os(FRESH).is_none() {
        return;
    }
    // Nothing registered: clipping trims back what the patterns cannot
    // see whole.
    assert!(matcher().is_none());
    assert_eq!(clip_window(100), 101);
    for (text, max, want) in CLIPS {
        assert_eq!(scrub_clip(text, *max), *want, "{text:?} at {max}");
    }
    assert_eq!(scrub_clip(JWT_PAST_THE_CUT, 10), "x …");
    let text = "x eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ y";
    for max in 3..text.len() {
        let s = scrub_clip(text, max);
        assert!(only_masks_after_x(&s), "{max}: {s}");
    }

    // The cap: 64 KiB of secrets, the last byte included; past it a
    // secret is not remembered. A secret registered twice counts once.
    let cap = 64 * 1024;
    let big = "B".repeat(cap - 20);
    register(&big);
    register("Cap-Twice!");
    register("Cap-Twice!");
    assert_eq!(registry().bytes, cap - 10);
    register("Cap-Over-11");
    register("Cap-Exact1");
    register("Cap-Past-1");
    assert_eq!(registry().bytes, cap);
    // Its automaton is built in time linear in the secrets: never the
    // DFA, whose build took minutes for a secret this long.
    let m = matcher().expect("secrets are registered");
    assert_eq!(m.ac.kind(), AhoCorasickKind::ContiguousNFA);
    assert_eq!(scrub(&format!("<{big}>")), "<***>");
    assert_eq!(scrub("Cap-Twice!"), MASK);
    assert_eq!(scrub("Cap-Over-11"), "Cap-Over-11");
    assert_eq!(scrub("Cap-Exact1"), MASK);
    assert_eq!(scrub("Cap-Past-1"), "Cap-Past-1");
    // The clip window holds the longest form of any of them: the big
    // secret's base64, 8/6 of its bytes less the characters shared with
    // its neighbours.
    assert_eq!(m.longest, (cap - 20) * 8 / 6);
    assert_eq!(clip_window(100), 100 + 12 * m.longest + 1);
}

// What the property test below found, each failing before its fix in
// src/redact.rs (the seeds are kept in
// proptest-regressions/redact/path_tests.txt).

#[test]
fn found_an_escape_split_by_a_stripped_character() {
    let m = matcher_for(&["aaaa"]);
    assert_eq!(mask_with(&m, "\\x61\\x61\\x61\\\0x61"), MASK);
}

#[test]
fn found_an_escaped_stripped_character_at_the_edge_of_a_secret() {
    let m = matcher_for(&["\té€aa"]);
    assert_eq!(mask_with(&m, r"\t\xe9\u20ac\x61\x61"), MASK);
    let m = matcher_for(&["é€aa\t"]);
    assert_eq!(mask_with(&m, r"\xe9\u20ac\x61\x61\t"), MASK);
}

#[test]
fn found_base64_of_a_secret_with_a_stripped_character() {
    let m = matcher_for(&["\té€aa"]);
    assert_eq!(mask_with(&m, "CcOp4oKsYWE"), "***E");
}

#[test]
fn found_two_decoders_around_the_escape_character_of_a_third() {
    let m = matcher_for(&["aaaaaaaaaaaaa\\\\"]);
    assert_eq!(mask_with(&m, "aaaaaaaaaa%61&#97;a\\\\"), MASK);
}

#[test]
fn found_a_secret_split_by_more_stripped_characters_than_the_window_held() {
    let m = matcher_for(&["aaaa"]);
    let text = format!("{}\\{}x61\\x61\\x61\\x61", "G".repeat(24), "\0".repeat(100));
    assert_eq!(
        clip_with(Some(&m), &text, 82),
        format!("{}***…", "G".repeat(24))
    );
}

/// What a generated secret is made of: a few letters and digits, every
/// escape character, quotes, space and plus, characters of two, three and
/// four bytes, and tab and newline (which the output layer strips).
const SECRET_CHARS: &[char] = &[
    'a', 'b', 'c', 'd', '0', '1', '9', '\\', '%', '&', '"', '\'', '/', ' ', '+', '<', '>', ';',
    '#', '-', 'é', 'ß', '€', '中', '😀', '\t', '\n',
];

/// What surrounds it: nothing a secret is made of but the space, and
/// nothing the patterns look for.
const AROUND_CHARS: &[char] = &['G', 'H', 'Q', 'X', 'Z', ' ', '!', '(', ')', '?', '='];

/// The characters the output layer strips, inserted into an echo.
const UNSAFE_CHARS: &[char] = &[
    '\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{200e}', '\u{202e}', '\u{2066}',
    '\u{61c}',
];

/// How a server echoes the secret.
#[derive(Debug, Clone)]
enum Echo {
    /// Each character as it is or escaped by one of `decoders` (its
    /// escape character always escaped), chosen by `picks`; with `plus`,
    /// every space as `+`.
    Text {
        decoders: u8,
        plus: bool,
        picks: Vec<u8>,
    },
    /// The secret's bytes between `pre` and `post`, in base64.
    Base64 {
        url_safe: bool,
        pad: bool,
        pre: Vec<u8>,
        post: Vec<u8>,
    },
}

/// The ways each decoder spells `c`.
fn spellings(c: char, decoders: u8, plus: bool) -> Vec<String> {
    if plus && c == ' ' {
        return vec!["+".into()];
    }
    let escape_char = (c == '\\' && decoders & BACKSLASH != 0)
        || (c == '%' && decoders & PERCENT != 0)
        || (c == '&' && decoders & HTML != 0);
    let mut out = Vec::new();
    if !escape_char {
        out.push(c.to_string());
    }
    let n = c as u32;
    if decoders & BACKSLASH != 0 {
        let named = match c {
            '\\' | '"' | '\'' | '/' => Some(c),
            '\n' => Some('n'),
            '\t' => Some('t'),
            '\r' => Some('r'),
            '\u{8}' => Some('b'),
            '\u{c}' => Some('f'),
            _ => None,
        };
        out.extend(named.map(|x| format!("\\{x}")));
        if n < 0x100 {
            out.push(format!("\\x{n:02x}"));
            out.push(format!("\\x{n:02X}"));
        }
        let mut units = [0u16; 2];
        let units = c.encode_utf16(&mut units);
        out.push(units.iter().map(|u| format!("\\u{u:04x}")).collect());
        out.push(units.iter().map(|u| format!("\\u{u:04X}")).collect());
        out.push(format!("\\U{n:08x}"));
    }
    if decoders & PERCENT != 0 {
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        out.push(bytes.iter().map(|b| format!("%{b:02X}")).collect());
        out.push(bytes.iter().map(|b| format!("%{b:02x}")).collect());
    }
    if decoders & HTML != 0 {
        let named = match c {
            '"' => Some("quot"),
            '&' => Some("amp"),
            '<' => Some("lt"),
            '>' => Some("gt"),
            '\'' => Some("apos"),
            _ => None,
        };
        out.extend(named.map(|x| format!("&{x};")));
        out.push(format!("&#{n};"));
        out.push(format!("&#x{n:x};"));
        out.push(format!("&#X{n:X};"));
    }
    out
}

/// The echo of `secret` as `echo` says, and the text the scrubber must
/// leave of it (`MASK` where the secret was).
fn spell(secret: &str, echo: &Echo) -> (String, String) {
    match echo {
        Echo::Text {
            decoders,
            plus,
            picks,
        } => {
            let text = secret
                .chars()
                .zip(picks.iter().cycle())
                .map(|(c, p)| {
                    let s = spellings(c, *decoders, *plus);
                    s[*p as usize % s.len()].clone()
                })
                .collect();
            (text, MASK.to_string())
        }
        Echo::Base64 {
            url_safe,
            pad,
            pre,
            post,
        } => {
            use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
            let engine = match (url_safe, pad) {
                (false, true) => &STANDARD,
                (false, false) => &STANDARD_NO_PAD,
                (true, true) => &URL_SAFE,
                (true, false) => &URL_SAFE_NO_PAD,
            };
            let mut bytes = pre.clone();
            bytes.extend_from_slice(secret.as_bytes());
            bytes.extend_from_slice(post);
            let enc = engine.encode(&bytes);
            let first = (pre.len() * 8).div_ceil(6);
            let end = (pre.len() + secret.len()) * 8 / 6;
            let left = format!("{}{MASK}{}", &enc[..first], &enc[end..]);
            (enc, left)
        }
    }
}

/// `text` with each run of `runs` inserted at a character boundary.
fn insert_runs(text: &str, runs: &[(usize, String)]) -> String {
    let mut chars: Vec<String> = text.chars().map(String::from).collect();
    for (at, run) in runs {
        let at = at % (chars.len() + 1);
        chars.insert(at, run.clone());
    }
    chars.concat()
}

fn any_secret() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SECRET_CHARS), 4..24)
        .prop_map(|v| v.into_iter().collect::<String>())
        .prop_filter("at least four characters that are shown", |s| {
            s.chars().filter(|c| !is_unsafe_char(*c)).count() >= WHOLE_WORD_BELOW
        })
}

fn any_echo() -> impl Strategy<Value = Echo> {
    let bytes = || prop::collection::vec(any::<u8>(), 0..6);
    prop_oneof![
        3 => (0u8..8, any::<bool>(), prop::collection::vec(any::<u8>(), 1..24)).prop_map(
            |(decoders, plus, picks)| Echo::Text {
                decoders,
                plus,
                picks,
            }
        ),
        1 => (any::<bool>(), any::<bool>(), bytes(), bytes()).prop_map(
            |(url_safe, pad, pre, post)| Echo::Base64 {
                url_safe,
                pad,
                pre,
                post,
            }
        ),
    ]
}

fn around() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(AROUND_CHARS), 0..40)
        .prop_map(|v| v.into_iter().collect())
}

fn control_runs() -> impl Strategy<Value = Vec<(usize, String)>> {
    let run = prop::collection::vec(prop::sample::select(UNSAFE_CHARS), 1..80)
        .prop_map(|v| v.into_iter().collect::<String>());
    prop::collection::vec((any::<usize>(), run), 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// A random secret, echoed in a random mix of the encodings the
    /// scrubber claims, split by characters the output layer strips,
    /// between random text: what reaches the terminal is the text around
    /// it and one mask, and a clip of it never shows a piece of it.
    #[test]
    fn no_claimed_spelling_of_a_secret_survives(
        secret in any_secret(),
        echo in any_echo(),
        runs in control_runs(),
        before in around(),
        after in around(),
        max in 0usize..200,
    ) {
        // Base64 is claimed for secrets of 8 bytes and more.
        prop_assume!(!matches!(echo, Echo::Base64 { .. }) || secret.len() >= 8);
        let m = matcher_for(&[&secret]);
        let (spelled, left) = spell(&secret, &echo);
        let text = format!("{before}{}{after}", insert_runs(&spelled, &runs));
        let shown = sanitize(&mask_with(&m, &text)).into_owned();
        prop_assert_eq!(&shown, &format!("{before}{left}{after}"), "text {:?}", text);

        let clipped = clip_with(Some(&m), &text, max);
        prop_assert!(clipped.chars().count() <= max + 1);
        let whole = scrub_with(&[&m], &text);
        let kept = clipped.strip_suffix('…').unwrap_or(&clipped);
        prop_assert!(whole.starts_with(kept), "clip {:?} of {:?}", clipped, whole);
    }
}
