//! The one scrubber. Every line this suite writes to stderr (error lines,
//! hints, notes and the `-v` trace) goes through [`scrub`], which
//!
//! * replaces every secret this run holds with `***` wherever it appears:
//!   the token, every password read or sent, the password of a URL or a
//!   proxy, and every secret parsed from a reply ([`register`]), also in
//!   the escaped forms a server would echo them in;
//! * masks secret-looking values in text that is not valid JSON: the
//!   values of the known secret keys, `tg_…` API keys, three-part JWTs,
//!   a `Bearer`/`Basic` credential and a password inside a URL.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_lite::Regex;
use serde_json::Value;
use std::sync::{Mutex, OnceLock};

/// The mask that replaces a secret.
pub const MASK: &str = "***";

/// True for characters that must not reach a terminal raw: C0 and C1
/// controls and DEL, and the bidirectional overrides, embeddings, isolates
/// and marks that can make text read differently from what it is. The
/// output layer strips them ([`crate::output::sanitize`]); the scrubber
/// matches secrets in text without them.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

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

/// At most this many bytes of secrets are remembered. The run's own (the
/// token, the passwords it reads) are registered before anything is sent,
/// so they are always among them; the cap bounds what a reply listing
/// thousands of "secrets" can cost every later line, while leaving room
/// for every key a long `tg-apply` run mints (about 1 800 API keys).
pub const MAX_SECRET_BYTES: usize = 64 * 1024;

/// The secrets this run holds, and the matchers built from them.
///
/// A matcher cannot take one more secret: it is rebuilt. Rebuilding one
/// matcher over every secret each time one is added would cost each
/// stderr line work that grows with the secrets registered so far (a
/// long `tg-apply -v` run registers a password or a key per record, and
/// notes a line per record). So the matchers are kept in levels, as a
/// binary counter: new secrets get a matcher of their own, and a level is
/// merged with the one below it when it holds as many secrets. Every
/// secret is built into O(log n) matchers over the run, and a line is
/// searched by at most about log2(n) + 1 matchers.
struct Registry {
    secrets: Vec<String>,
    /// The same secrets, for an O(1) duplicate check.
    seen: Option<std::collections::HashSet<String>>,
    bytes: usize,
    /// The matchers: level i covers `secrets[start_i..start_i+1]`, the
    /// last one up to the end of `secrets` as it was when built.
    levels: Vec<(usize, std::sync::Arc<Matcher>)>,
}

static SECRETS: Mutex<Registry> = Mutex::new(Registry {
    secrets: Vec::new(),
    seen: None,
    bytes: 0,
    levels: Vec::new(),
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    SECRETS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remember `secret` for the rest of the run: from now on it is masked in
/// everything written to stderr, also where a server echoes it escaped
/// (JSON, Python or JavaScript string escapes, percent-encoding, HTML
/// entities), in base64, with `+` for its spaces, or split by control and
/// bidi characters that the output layer then strips.
pub fn register(secret: &str) {
    registry().add(secret);
}

/// The matchers for the current secrets (none when there are none).
fn matchers() -> Vec<std::sync::Arc<Matcher>> {
    registry().matchers()
}

impl Registry {
    fn add(&mut self, secret: &str) {
        if secret.is_empty() || self.bytes + secret.len() > MAX_SECRET_BYTES {
            return;
        }
        if !self
            .seen
            .get_or_insert_with(Default::default)
            .insert(secret.to_string())
        {
            return;
        }
        self.bytes += secret.len();
        self.secrets.push(secret.to_string());
    }

    /// The matchers: secrets registered since the last call get a level
    /// of their own, merged with the levels below it that hold no more
    /// secrets than it does.
    fn matchers(&mut self) -> Vec<std::sync::Arc<Matcher>> {
        let covered = self.levels.last().map_or(0, |(start, m)| start + m.count);
        if covered < self.secrets.len() {
            let mut start = covered;
            while let Some((s, m)) = self.levels.last() {
                if m.count > self.secrets.len() - start {
                    break;
                }
                start = *s;
                self.levels.pop();
            }
            if let Some(m) = Matcher::new(&self.secrets[start..]) {
                self.levels.push((start, std::sync::Arc::new(m)));
            }
        }
        self.levels.iter().map(|(_, m)| m.clone()).collect()
    }
}

/// One matcher over every registered secret (the tests' view of the
/// registry).
#[cfg(test)]
fn matcher() -> Option<std::sync::Arc<Matcher>> {
    let r = registry();
    if r.secrets.is_empty() {
        return None;
    }
    Matcher::new(&r.secrets).map(std::sync::Arc::new)
}

/// One Aho-Corasick automaton over every registered secret and the forms
/// of it that are not undone by decoding the text (base64, `+` for space).
struct Matcher {
    ac: AhoCorasick,
    /// How many secrets it was built from.
    count: usize,
    /// Per pattern: true when it is a short secret, masked only where it
    /// stands alone (see [`WHOLE_WORD_BELOW`]).
    short: Vec<bool>,
    /// The longest pattern, in bytes.
    longest: usize,
}

impl Matcher {
    fn new(secrets: &[String]) -> Option<Matcher> {
        let mut pats: Vec<String> = Vec::new();
        let mut short = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut add = |p: String, is_short: bool| {
            if !p.is_empty() && seen.insert(p.clone()) {
                pats.push(p);
                short.push(is_short);
            }
        };
        for secret in secrets {
            // Matched against text without the characters the output
            // layer strips, so the pattern goes without them too.
            let s: String = secret.chars().filter(|c| !is_unsafe_char(*c)).collect();
            let is_short = s.chars().count() < WHOLE_WORD_BELOW;
            add(s.clone(), is_short);
            if s.contains(' ') {
                add(s.replace(' ', "+"), is_short);
            }
            // Base64 holds every byte of the secret, those characters too.
            for b in base64_forms(secret.as_bytes()) {
                add(b, false);
            }
        }
        let longest = pats.iter().map(String::len).max().unwrap_or(0);
        // Never a DFA: the crate picks one for a few patterns, and its
        // build is quadratic in a pattern's length (a 64 KiB secret took
        // minutes); the contiguous NFA builds in linear time.
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&pats)
            .ok()?;
        Some(Matcher {
            ac,
            count: secrets.len(),
            short,
            longest,
        })
    }
}

/// The base64 text (standard and URL-safe alphabets) that `secret`
/// becomes at each of the three alignments inside a longer encoded
/// value, without the characters shared with its neighbours. Only for
/// secrets long enough that the form cannot turn up by chance.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    if secret.len() < 8 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for shift in 0..3usize {
        let mut buf = vec![0u8; shift];
        buf.extend_from_slice(secret);
        // Characters that hold bits of the padding bytes in front, and a
        // last one that also holds bits of whatever follows.
        // At 8 bytes and more, `full` (at least 10) is past `skip` (at
        // most 3).
        let skip = (shift * 8).div_ceil(6);
        let full = buf.len() * 8 / 6;
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            out.push(engine.encode(&buf)[skip..full].to_string());
        }
    }
    out
}

/// Register every string under a secret key anywhere in `v`.
pub fn register_json(v: &Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) if SECRET_KEYS.contains(&k.as_str()) => register(s),
                    other => register_json(other),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(register_json),
        _ => {}
    }
}

/// Register every string under a secret key anywhere in the JSON `text`,
/// as [`register_json`] does for the value it parses to, in one pass and
/// without building the tree (a list reply of a million records costs no
/// more memory than its text). Text that is not JSON registers what
/// comes before the fault.
pub fn register_json_text(text: &str) {
    if !may_name_a_secret(text) {
        return;
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = serde::de::DeserializeSeed::deserialize(Scan { secret: false }, &mut de);
}

/// False when `text` cannot hold a member with a secret key: none of
/// [`SECRET_KEYS`] appears in it as a JSON string (`"password"`; a key
/// inside a longer one, `"must_change_password"`, is no secret key), and
/// no backslash (a key may be written with escapes). One pass; most list
/// replies stop here.
fn may_name_a_secret(text: &str) -> bool {
    // The keys with their quotes, through the crate's SIMD searcher
    // (Teddy), which looks for several bytes of each at once: a general
    // automaton would stop at every `"`, which a JSON text is full of. The
    // backslash has a search of its own (one byte would make Teddy stop
    // at every `"` too).
    enum Keys {
        Packed(aho_corasick::packed::Searcher),
        Automaton(AhoCorasick),
    }
    static KEYS: OnceLock<Keys> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let pats: Vec<String> = SECRET_KEYS.iter().map(|k| format!("\"{k}\"")).collect();
        match aho_corasick::packed::Config::new()
            .builder()
            .extend(&pats)
            .build()
        {
            Some(p) => Keys::Packed(p),
            None => Keys::Automaton(AhoCorasick::new(&pats).expect("valid patterns")),
        }
    });
    let named = match keys {
        Keys::Packed(p) => p.find(text).is_some(),
        Keys::Automaton(a) => a.is_match(text),
    };
    named || memchr::memchr(b'\\', text.as_bytes()).is_some()
}

/// The JSON walk of [`register_json_text`]: `secret` when the value is
/// under a secret key.
struct Scan {
    secret: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Scan {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Scan {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        if self.secret {
            register(s);
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while a.next_element_seed(Scan { secret: false })?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(k) = m.next_key::<crate::wire::Key>()? {
            let secret = SECRET_KEYS.contains(&k.0.as_ref());
            m.next_value_seed(Scan { secret })?;
        }
        Ok(())
    }
}

/// The user information of a URL, read from the text itself (between
/// `scheme://`, if any, and the last `@`) so that it works for URLs that
/// do not parse: a password with `#`, `?` or a space in it.
fn userinfo_span(url: &str) -> Option<(usize, usize)> {
    let at = url.rfind('@')?;
    let start = url[..at].find("://").map_or(0, |i| i + 3);
    (start < at).then_some((start, at))
}

/// Register the password of a URL written as `scheme://user:password@host`
/// (or the user part, when there is no password: it may be a token).
pub fn register_url_password(url: &str) {
    if let Some((s, e)) = userinfo_span(url) {
        let info = &url[s..e];
        match info.split_once(':') {
            Some((_, pw)) => register(pw),
            None => register(info),
        }
    }
}

/// `url` as messages show it: any user name and password replaced by
/// [`MASK`], whether or not the URL parses.
pub fn shown_url(url: &str) -> String {
    match userinfo_span(url) {
        Some((s, e)) => format!("{}{MASK}{}", &url[..s], &url[e..]),
        None => url.to_string(),
    }
}

fn url_userinfo() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)([a-z][a-z0-9+.-]*://[^/?#\s@:]*:)([^/\s@]*)@").expect("valid regex")
    })
}

struct Patterns {
    credential: Regex,
    keyed: Regex,
    api_key: Regex,
    jwt: Regex,
    long3: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let keys = SECRET_KEYS.join("|");
        let re = |s: &str| Regex::new(s).expect("valid regex");
        Patterns {
            credential: re(r"(?i)\b(bearer|basic)(\s+)[^\s,;]+"),
            keyed: re(&format!(
                r#"(?i)(^|[^A-Za-z0-9_-])(["']?(?:{keys})["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,&;}}\]\[{{"']+)"#
            )),
            api_key: re(r"tg_[A-Za-z0-9_-]{16,}"),
            jwt: re(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
            long3: re(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
        }
    })
}

/// Secrets shorter than this (in characters) are masked only where they
/// stand alone, between non-alphanumeric characters: masking a two-letter
/// password inside every word would leave no message readable, and a
/// secret that short protects nothing anyway.
pub const WHOLE_WORD_BELOW: usize = 4;

/// The decoders a [`View`] applies.
const BACKSLASH: u8 = 1;
const PERCENT: u8 = 2;
const HTML: u8 = 4;

/// A decoded copy of a text, without the characters the output layer
/// strips, and for each of its bytes the byte span, in the text, of the
/// character or escape it came from. `None` spans: the copy is the text.
struct View<'a> {
    text: std::borrow::Cow<'a, str>,
    spans: Option<Vec<(u32, u32)>>,
}

impl View<'_> {
    /// The span in the original text of the view's bytes `s..e`.
    fn original(&self, s: usize, e: usize) -> (usize, usize) {
        match &self.spans {
            None => (s, e),
            Some(sp) => (sp[s].0 as usize, sp[e - 1].1 as usize),
        }
    }
}

fn hex_value(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// A `\` escape at the start of `rest`: the character and the escape's
/// length. Covers JSON, Python and JavaScript string escapes.
fn backslash_escape(rest: &str) -> Option<(char, usize)> {
    let b = rest.as_bytes();
    let unit = |at: usize| rest.get(at..at + 4).and_then(hex_value);
    match *b.get(1)? {
        c @ (b'\\' | b'"' | b'\'' | b'/') => Some((c as char, 2)),
        b'n' => Some(('\n', 2)),
        b't' => Some(('\t', 2)),
        b'r' => Some(('\r', 2)),
        b'b' => Some(('\u{8}', 2)),
        b'f' => Some(('\u{c}', 2)),
        b'x' => Some((char::from_u32(rest.get(2..4).and_then(hex_value)?)?, 4)),
        b'U' => Some((char::from_u32(rest.get(2..10).and_then(hex_value)?)?, 10)),
        b'u' => {
            let hi = unit(2)?;
            if (0xD800..0xDC00).contains(&hi) && rest.get(6..8) == Some("\\u") {
                let lo = unit(8)?;
                if (0xDC00..0xE000).contains(&lo) {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Some((char::from_u32(c)?, 12));
                }
            }
            Some((char::from_u32(hi)?, 6))
        }
        _ => None,
    }
}

/// A run of `%HH` at the start of `rest` that encodes one character
/// (UTF-8): the character and the run's length.
fn percent_escape(rest: &str) -> Option<(char, usize)> {
    let byte = |i: usize| {
        let at = 3 * i;
        (rest.as_bytes().get(at) == Some(&b'%'))
            .then(|| rest.get(at + 1..at + 3).and_then(hex_value))
            .flatten()
            .map(|v| v as u8)
    };
    let lead = byte(0)?;
    let len = match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let bytes: Vec<u8> = (0..len).map(byte).collect::<Option<_>>()?;
    let c = std::str::from_utf8(&bytes).ok()?.chars().next()?;
    Some((c, 3 * len))
}

/// An HTML character reference at the start of `rest`.
fn html_escape(rest: &str) -> Option<(char, usize)> {
    let end = rest.bytes().take(12).position(|b| b == b';')?;
    let name = &rest[1..end];
    let c = match name {
        "quot" => '"',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "apos" => '\'',
        _ => {
            let n = name.strip_prefix('#')?;
            let v = match n.strip_prefix(['x', 'X']) {
                Some(h) => hex_value(h)?,
                None if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok()?,
                None => return None,
            };
            char::from_u32(v)?
        }
    };
    Some((c, end + 1))
}

/// `text` as the terminal shows it, without the characters the output
/// layer strips ([`is_unsafe_char`]), then decoded by the
/// decoders in `flags` (without the characters decoding yields that the
/// output layer strips).
fn view(text: &str, flags: u8) -> View<'_> {
    let has_unsafe = text.chars().any(is_unsafe_char);
    if flags == 0 && !has_unsafe {
        return View {
            text: text.into(),
            spans: None,
        };
    }
    // What the terminal shows is decoded, not what arrived: a character
    // stripped from inside an escape must not hide it. `at`: for each
    // byte of `shown`, where it is in `text`.
    let mut at: Vec<u32> = Vec::new();
    let stripped: String;
    let shown = if has_unsafe {
        let mut s = String::with_capacity(text.len());
        for (i, c) in text.char_indices().filter(|(_, c)| !is_unsafe_char(*c)) {
            s.push(c);
            at.extend((i..i + c.len_utf8()).map(|b| b as u32));
        }
        stripped = s;
        stripped.as_str()
    } else {
        text
    };
    let original = |j: usize| if has_unsafe { at[j] } else { j as u32 };
    let mut out = String::with_capacity(shown.len());
    let mut spans: Vec<(u32, u32)> = Vec::with_capacity(shown.len());
    // Where the last character kept starts in `out`, and where escapes
    // dropped since then start in `text`.
    let mut last = 0;
    let mut dropped: Option<u32> = None;
    let mut i = 0;
    while i < shown.len() {
        let rest = &shown[i..];
        let c = rest.chars().next().expect("not at the end");
        let decoded = match c {
            '\\' if flags & BACKSLASH != 0 => backslash_escape(rest),
            '%' if flags & PERCENT != 0 => percent_escape(rest),
            '&' if flags & HTML != 0 => html_escape(rest),
            _ => None,
        };
        let (ch, len) = decoded.unwrap_or((c, c.len_utf8()));
        let span = (original(i), original(i + len - 1) + 1);
        if is_unsafe_char(ch) {
            // An escape of a character the output layer strips (`\t`,
            // `%7F`) is still shown: it goes with the characters on either
            // side, so a secret that starts or ends with one masks it.
            for s in &mut spans[last..] {
                s.1 = span.1;
            }
            dropped = dropped.or(Some(span.0));
        } else {
            last = out.len();
            out.push(ch);
            spans.resize(out.len(), (dropped.take().unwrap_or(span.0), span.1));
        }
        i += len;
    }
    View {
        text: out.into(),
        spans: Some(spans),
    }
}

/// `text` with the secrets of matcher `m` masked, in every view of it.
#[cfg(test)]
fn mask_with(m: &Matcher, text: &str) -> String {
    mask_with_all(&[m], text)
}

/// `text` with the secrets of every matcher of `ms` masked, in every view
/// of it.
fn mask_with_all(ms: &[&Matcher], text: &str) -> String {
    let mut flags = 0;
    for (c, f) in [('\\', BACKSLASH), ('%', PERCENT), ('&', HTML)] {
        if text.contains(c) {
            flags |= f;
        }
    }
    // Every set of the decoders the text calls for: an echo may use some
    // of them while the secret holds the others' escape characters as
    // they are.
    let views = (0..=flags).filter(|v| v & !flags == 0);
    // For each end position, the earliest start of a match ending there.
    let mut first_start: Vec<u32> = Vec::new();
    for flags in views {
        let v = view(text, flags);
        for (m, hit) in ms.iter().flat_map(|m| {
            m.ac.find_overlapping_iter(v.text.as_ref())
                .map(move |h| (m, h))
        }) {
            if m.short[hit.pattern().as_usize()] {
                let before = v.text[..hit.start()].chars().next_back();
                let after = v.text[hit.end()..].chars().next();
                if before.is_some_and(char::is_alphanumeric)
                    || after.is_some_and(char::is_alphanumeric)
                {
                    continue;
                }
            }
            let (s, e) = v.original(hit.start(), hit.end());
            if first_start.is_empty() {
                first_start = vec![u32::MAX; text.len() + 1];
            }
            first_start[e] = first_start[e].min(s as u32);
        }
    }
    if first_start.is_empty() {
        return text.to_string();
    }
    // Byte i is masked when some match ending after it starts at or
    // before it; runs of masked bytes become one mask.
    let mut masked = vec![false; text.len()];
    let mut reach = u32::MAX;
    for i in (0..text.len()).rev() {
        reach = reach.min(first_start[i + 1]);
        masked[i] = reach as usize <= i;
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if masked[i] {
            out.push_str(MASK);
            while i < text.len() && masked[i] {
                i += 1;
            }
        } else {
            let c = text[i..].chars().next().expect("on a boundary");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `text` with every known secret and every secret-looking value masked.
pub fn scrub(text: &str) -> String {
    let ms = matchers();
    let ms: Vec<&Matcher> = ms.iter().map(|m| m.as_ref()).collect();
    scrub_with(&ms, text)
}

/// [`scrub`] with the registered secrets' matchers `ms` (none: nothing
/// is registered).
fn scrub_with(ms: &[&Matcher], text: &str) -> String {
    let s = if ms.is_empty() {
        text.to_string()
    } else {
        mask_with_all(ms, text)
    };
    // Cheap test first: most lines hold nothing that could be a secret.
    let lower = s.to_ascii_lowercase();
    let suspicious = lower.contains("tg_")
        || lower.contains("eyj")
        || lower.contains("bearer")
        || lower.contains("basic")
        || lower.contains("://")
        || lower.contains('.')
        || SECRET_KEYS.iter().any(|k| lower.contains(k));
    if !suspicious {
        return s;
    }
    let p = patterns();
    let s = url_userinfo().replace_all(&s, format!("${{1}}{MASK}@").as_str());
    let s = p
        .credential
        .replace_all(&s, format!("${{1}}${{2}}{MASK}").as_str());
    let s = p.keyed.replace_all(&s, |c: &regex_lite::Captures| {
        // Keep a quoted value quoted, so JSON-ish text stays JSON-ish.
        let quote = match c[3].chars().next() {
            Some(q @ ('"' | '\'')) => q.to_string(),
            _ => String::new(),
        };
        format!("{}{}{quote}{MASK}{quote}", &c[1], &c[2])
    });
    let s = p.api_key.replace_all(&s, MASK);
    let s = p.jwt.replace_all(&s, MASK);
    let s = p.long3.replace_all(&s, MASK);
    s.into_owned()
}

/// [`scrub`] for text of any length, kept to at most `max` characters
/// (plus `…` when cut). Only a window of the text is scrubbed, long
/// enough to hold, whole, any secret (in its longest encoded form) that
/// starts before the cut (characters the output layer strips aside), so
/// the cost is bounded and no secret is cut in two before it is masked; the cut is then moved back past a trailing
/// run of token-like characters, so no part of an unregistered
/// secret-looking value survives either.
pub fn scrub_clip(text: &str, max: usize) -> String {
    let ms = matchers();
    let ms: Vec<&Matcher> = ms.iter().map(|m| m.as_ref()).collect();
    clip_with_all(&ms, text, max)
}

/// How many characters of a text (not counting those the output layer
/// strips) [`scrub_clip`] scrubs to keep `max` of them: enough to hold,
/// whole, any registered secret (in its longest encoded form) that starts
/// before the cut.
pub fn clip_window(max: usize) -> usize {
    let longest = matchers().iter().map(|m| m.longest).max().unwrap_or(0);
    window_for(max, longest)
}

fn window_for(max: usize, longest: usize) -> usize {
    // An escape spells a character in at most 12 bytes (`\uD83D\uDE00`).
    max + 12 * longest + 1
}

/// [`scrub_clip`] with the registered secrets' matcher `m`.
#[cfg(test)]
fn clip_with(m: Option<&Matcher>, text: &str, max: usize) -> String {
    clip_with_all(m.as_slice(), text, max)
}

/// [`scrub_clip`] with the registered secrets' matchers `ms`.
fn clip_with_all(ms: &[&Matcher], text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return scrub_with(ms, text);
    }
    let longest = ms.iter().map(|m| m.longest).max().unwrap_or(0);
    // Characters the output layer strips do not count: a secret split by
    // any number of them still fits.
    let mut room = window_for(max, longest);
    let window: String = text
        .chars()
        .take_while(|c| {
            let more = room > 0;
            if !is_unsafe_char(*c) {
                room = room.saturating_sub(1);
            }
            more
        })
        .collect();
    let mut cut: String = scrub_with(ms, &window).chars().take(max).collect();
    while cut
        .chars()
        .next_back()
        .is_some_and(|c| !c.is_whitespace() && c != '"' && c != ',' && c != '*')
    {
        cut.pop();
    }
    cut.push('…');
    cut
}

/// A copy of `v` with the value of every secret key replaced by [`MASK`].
/// A secret key holding an object (the `api_key` record of
/// create-api-key) is searched rather than masked whole, since the record
/// itself is not secret.
pub fn redact_json(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let masked = SECRET_KEYS.contains(&k.as_str()) && !x.is_object();
                    let x = if masked {
                        Value::String(MASK.into())
                    } else {
                        redact_json(x)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

/// A copy of `v` with every string [`scrub`]bed: what a report built from
/// server replies may show without giving away a secret of this run.
pub fn scrub_json(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(scrub(s)),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (scrub(k), scrub_json(x))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(scrub_json).collect()),
        other => other.clone(),
    }
}

/// True when `v` holds a string under a secret key.
pub fn has_secret(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| (SECRET_KEYS.contains(&k.as_str()) && x.is_string()) || has_secret(x)),
        Value::Array(a) => a.iter().any(has_secret),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_patterns_in_text_that_is_not_json() {
        let cases = [
            (
                "echo: Authorization: Bearer tg_abc",
                "echo: Authorization: Bearer ***",
            ),
            (
                "Authorization: Basic dXNlcjpwdw==",
                "Authorization: Basic ***",
            ),
            ("password=hunter2&x=1", "password=***&x=1"),
            (
                r#"{"password": "hu\"nter2", "name": "a""#,
                r#"{"password": "***", "name": "a""#,
            ),
            (r#"{"password":"***"}"#, r#"{"password":"***"}"#),
            ("new_password: 'x y'", "new_password: '***'"),
            (
                "tg-change-password: error: x",
                "tg-change-password: error: x",
            ),
            ("a --password=zq9x", "a --password=zq9x"),
            ("key tg_Q3xzK9-aLp2Wn8Rt0vYb4Hc6Jd1Fe7Gs!", "key ***!"),
            (
                "see eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln end",
                "see *** end",
            ),
            ("http://bob:pw@host/x", "http://bob:***@host/x"),
            ("prefix tg_Lc1W stays", "prefix tg_Lc1W stays"),
            ("host api.example.com stays", "host api.example.com stays"),
            // The suite's own lines are left alone.
            (
                "tg-login: error: the gateway returned no JWT; the request was refused",
                "tg-login: error: the gateway returned no JWT; the request was refused",
            ),
            (
                "hint: log in again: export TRUSTGRAPH_TOKEN=$(tg-login --username NAME)",
                "hint: log in again: export TRUSTGRAPH_TOKEN=$(tg-login --username NAME)",
            ),
            (
                "Temporary password (shown once, capture now):",
                "Temporary password (shown once, capture now):",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(scrub(input), want, "{input}");
        }
        let r =
            redact_json(&json!({"user": {"password": "p"}, "jwt": "x", "api_key": {"id": "k"}}));
        assert_eq!(
            r,
            json!({"user": {"password": "***"}, "jwt": "***", "api_key": {"id": "k"}})
        );
    }

    #[test]
    fn clipping_never_leaves_part_of_a_secret() {
        register("Clip-Secret-With Spaces 42");
        let text = format!("{}Clip-Secret-With Spaces 42 tail", "a ".repeat(40));
        for max in 60..110 {
            let s = scrub_clip(&text, max);
            assert!(
                !s.contains("Clip-") && !s.contains("Spaces 42"),
                "{max}: {s}"
            );
            assert!(s.chars().count() <= max + 1);
        }
        let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let text = format!("x {jwt} y");
        for max in 3..text.len() {
            let s = scrub_clip(&text, max);
            assert!(
                !s.contains("eyJhbGci") && !s.contains("c2lnbmF0"),
                "{max}: {s}"
            );
        }
    }

    fn mask_one(text: &str, secret: &str) -> String {
        mask_with(&Matcher::new(&[secret.to_string()]).unwrap(), text)
    }

    #[test]
    fn short_secrets_are_masked_where_they_stand_alone() {
        assert_eq!(
            mask_one("x exists, x; xx x", "x"),
            "*** exists, ***; xx ***"
        );
        assert_eq!(
            mask_one("new: the new password", "new"),
            "***: the *** password"
        );
        assert_eq!(mask_one("renewal", "new"), "renewal");
        assert_eq!(mask_one("abcd in abcde", "abcd"), "*** in ***e");
    }

    #[test]
    fn masks_registered_secrets_in_every_form() {
        register("zörg-secret");
        register_json(&json!({"x": {"temporary_password": "Tmp-123456"}}));
        register_url_password("ftp://u:url-pass@[::1");
        let s = scrub(r#"a zörg-secret b "z\u00f6rg-secret" c Tmp-123456 d url-pass"#);
        assert_eq!(s, r#"a *** b "***" c *** d ***"#);
    }

    #[test]
    fn masks_a_secret_however_a_server_spells_it() {
        let m = Matcher::new(&[r#"a"b\c/Correct Horse"#.to_string()]).unwrap();
        for echo in [
            r#"a"b\c/Correct Horse"#,
            r#""a\"b\\c\/Correct Horse""#,
            r#"'a"b\\c/Correct Horse'"#,
            r#"\u0061\"b\\c/Correct\u0020Horse"#,
            "a%22b%5Cc/Correct%20Horse",
            "a%22b%5cc%2FCorrect+Horse",
            "a&quot;b\\c/Correct&#32;Horse",
            "a&#x22;b\\c/Correct Horse",
            "YSJiXGMvQ29ycmVjdCBIb3JzZQ==",
            "xYSJiXGMvQ29ycmVjdCBIb3JzZQ",
            "a\"b\\c/Corr\u{7f}ect Hor\u{202e}se",
        ] {
            let out = mask_with(&m, &format!("echo <{echo}> end"));
            let inner = out
                .strip_prefix("echo <")
                .and_then(|o| o.strip_suffix("> end"))
                .unwrap();
            let left = inner.replace(MASK, "");
            assert!(
                inner.contains(MASK) && left.len() <= 3 && !left.contains(['a', 'e']),
                "{echo}: {out}"
            );
        }
        // Inside longer base64 at every alignment.
        use base64::Engine as _;
        for pad in ["", "x", "xy", "xyz"] {
            let enc = base64::engine::general_purpose::STANDARD
                .encode(format!("{pad}a\"b\\c/Correct Horse and more"));
            let out = mask_with(&m, &enc);
            assert!(out.contains(MASK), "{pad}: {out}");
            // The secret's 19 bytes are 25 to 26 characters of base64;
            // all but the two at each edge (shared with neighbours) go.
            let kept = out.replace(MASK, "");
            assert!(kept.len() + 22 <= enc.len(), "{pad}: too much left: {out}");
        }
        // A character outside the BMP, as JSON escapes it.
        let m = Matcher::new(&["pass😀word".to_string()]).unwrap();
        assert_eq!(mask_with(&m, r#"x pass\ud83d\ude00word"#), "x ***");
        assert_eq!(mask_with(&m, "x pass%F0%9F%98%80word"), "x ***");
    }

    #[test]
    fn overlapping_secrets_are_masked_as_one() {
        let m = Matcher::new(&[
            "s3cr3tT0k3nValue".to_string(),
            "zzzzzzzzzzzzs".to_string(),
            "ValueAndMore".to_string(),
        ])
        .unwrap();
        assert_eq!(
            mask_with(&m, "id zzzzzzzzzzzzs3cr3tT0k3nValueAndMore!"),
            "id ***!"
        );
        // Unsafe characters outside a secret are left for the output layer.
        assert_eq!(mask_with(&m, "a\u{7f}b"), "a\u{7f}b");
    }

    #[test]
    fn clipping_keeps_a_window_and_masks_escaped_secrets_across_the_cut() {
        register("Window-Secret-Value");
        let text = format!("{}\\u0057indow-Secret-Value tail", "word ".repeat(20));
        for max in 80..140 {
            let s = scrub_clip(&text, max);
            assert!(!s.contains("Secret-Value"), "{max}: {s}");
            assert!(!s.contains("indow-Sec"), "{max}: {s}");
        }
    }

    #[test]
    fn secrets_in_json_text_are_registered_without_a_tree() {
        assert!(!may_name_a_secret(
            r#"{"users": [{"must_change_password": true, "name": "my api_key"}]}"#
        ));
        register_json_text(
            r#"{"users": [{"must_change_password": true, "x": {"password": "Scan-Secret-1"}},
                          {"pass\u0077ord": "Scan-Secret-2", "token": ["Not-Registered-3"]},
                          {"jwt": {"jwt": "Scan-Secret-4"}}]}"#,
        );
        assert_eq!(
            scrub("Scan-Secret-1 Scan-Secret-2 Not-Registered-3 Scan-Secret-4"),
            "*** *** Not-Registered-3 ***"
        );
    }

    #[test]
    fn matchers_grow_in_levels_not_per_secret() {
        let mut r = Registry {
            secrets: Vec::new(),
            seen: None,
            bytes: 0,
            levels: Vec::new(),
        };
        // A line scrubbed after every secret added, as tg-apply -v does.
        let n = 1500;
        let mut built = 0;
        for i in 0..n {
            r.add(&format!("secret-number-{i:05}"));
            let before: Vec<*const Matcher> = r
                .levels
                .iter()
                .map(|(_, m)| std::sync::Arc::as_ptr(m))
                .collect();
            let ms = r.matchers();
            built += ms
                .iter()
                .filter(|m| !before.contains(&std::sync::Arc::as_ptr(m)))
                .map(|m| m.count)
                .sum::<usize>();
            assert!(ms.len() <= 12, "{i}: {} levels", ms.len());
        }
        // Every secret built into at most log2(n) + 1 matchers, where
        // one matcher over every secret each time would be n * n / 2.
        assert!(built <= n * 12, "{built} secrets built");
        let ms = r.matchers();
        let ms: Vec<&Matcher> = ms.iter().map(|m| m.as_ref()).collect();
        for i in [0, 1, 700, n - 1] {
            let text = format!("x secret-number-{i:05} y");
            assert_eq!(mask_with_all(&ms, &text), "x *** y");
        }
    }
}

/// Every decoder, view and boundary of the scrubber, each on its own
/// (issue 21).
#[cfg(test)]
mod path_tests;
