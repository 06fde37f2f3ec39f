//! Rendering: the upstream tools' tables, JSON, and the stdout buffer.
//!
//! stdout carries exactly one machine-readable result, written only when
//! the tool succeeds; operator context goes to stderr.

use crate::wire;
use comfy_table::{ContentArrangement, Table};
use serde_json::Value;
use std::borrow::Cow;
use std::io::{self, Write};

/// tabulate's `pretty` format: `+---+` borders, a rule under the header,
/// none between rows.
const PRETTY: &str = "||--+-++|    ++++++";

/// Drop control characters (escape sequences, newlines, NUL...) from a
/// server-supplied string before it reaches a terminal.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(s.chars().filter(|c| !c.is_control()).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// A table in the upstream tools' `tabulate(..., tablefmt="pretty",
/// stralign="left")` layout.
pub fn pretty_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = Table::new();
    t.load_preset(PRETTY);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(headers.iter().copied());
    for r in rows {
        t.add_row(r.iter().map(|c| sanitize(c.trim()).into_owned()));
    }
    let mut s = t.to_string();
    s.push('\n');
    s
}

/// Key/value lines in tabulate's `plain` layout: labels padded to the
/// longest label, two spaces, the value, no trailing blanks.
pub fn plain_rows(rows: &[(&str, String)]) -> String {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for (k, v) in rows {
        let line = format!("{k:<width$}  {}", sanitize(v.trim()));
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// JSON for stdout: sorted keys, two-space indent, trailing newline.
pub fn json(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(&wire::sorted(v)).unwrap_or_default();
    s.push('\n');
    s
}

/// The stdout buffer of a run; flushed only on success.
#[derive(Default, Debug)]
pub struct Out {
    buf: String,
}

impl Out {
    /// Append a line (a newline is added).
    pub fn line(&mut self, s: &str) {
        self.buf.push_str(&sanitize(s));
        self.buf.push('\n');
    }

    /// Append pre-rendered text as is.
    pub fn text(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    /// Write the buffer to stdout. A closed pipe (`tool | head -1`) is not
    /// an error.
    pub fn flush_to_stdout(&self) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        match stdout
            .write_all(self.buf.as_bytes())
            .and_then(|_| stdout.flush())
        {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        }
    }
}

/// Print one operator-context line on stderr (sanitised).
pub fn note(s: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", sanitize(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_matches_tabulate_fixture() {
        let want = "\
+--------------------------------------+--------+---------+----------------------------------+-----------+---------------------------+
| id                                   | name   | prefix  | created                          | last used | expires                   |
+--------------------------------------+--------+---------+----------------------------------+-----------+---------------------------+
| 4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd | laptop | tg_Lc1W | 2026-11-22T07:00:27.070000+00:00 | —         | never                     |
| cde707cc-e5ab-4802-910d-1a91883f0111 | ci     | tg_WndO | 2026-11-22T07:00:27.113000+00:00 | —         | 2099-01-01T00:00:00+00:00 |
+--------------------------------------+--------+---------+----------------------------------+-----------+---------------------------+
";
        let rows = vec![
            vec![
                "4b924a04-21c1-45c6-87d3-5a1cd9f6cdbd".into(),
                "laptop".into(),
                "tg_Lc1W".into(),
                "2026-11-22T07:00:27.070000+00:00".into(),
                "—".into(),
                "never".into(),
            ],
            vec![
                "cde707cc-e5ab-4802-910d-1a91883f0111".into(),
                "ci".into(),
                "tg_WndO".into(),
                "2026-11-22T07:00:27.113000+00:00".into(),
                "—".into(),
                "2099-01-01T00:00:00+00:00".into(),
            ],
        ];
        let got = pretty_table(
            &["id", "name", "prefix", "created", "last used", "expires"],
            &rows,
        );
        assert_eq!(got, want);
    }

    #[test]
    fn plain_rows_pad_and_strip() {
        let got = plain_rows(&[
            ("id", "x".into()),
            ("email", "".into()),
            ("must change password", "no".into()),
        ]);
        assert_eq!(
            got,
            "id                    x\nemail\nmust change password  no\n"
        );
    }

    #[test]
    fn sanitize_strips_escapes() {
        assert_eq!(sanitize("a\u{1b}[31mb\nc"), "a[31mbc");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
    }
}
