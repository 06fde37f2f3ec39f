//! Rendering: the upstream tools' tables, JSON, and the stdout buffer.
//!
//! stdout carries exactly one machine-readable result, written only when
//! the tool succeeds; operator context goes to stderr.

use crate::redact::is_unsafe_char;
use crate::wire::{self, SortedText};
use comfy_table::{ContentArrangement, Table};
use serde::Serializer as _;
use serde_json::Value;
use std::borrow::Cow;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// tabulate's `pretty` format: `+---+` borders, a rule under the header,
/// none between rows.
const PRETTY: &str = "||--+-++|    ++++++";

/// Drop control characters (escape sequences, newlines, NUL, C1) and
/// bidi controls from a server-supplied string before it reaches a
/// terminal.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_unsafe_char) {
        Cow::Owned(s.chars().filter(|c| !is_unsafe_char(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// What may be written to stderr: `s` scrubbed of every secret
/// ([`crate::redact::scrub`]) and of terminal controls.
pub fn stderr_text(s: &str) -> String {
    sanitize(&crate::redact::scrub(s)).into_owned()
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

/// Tables of more rows than this are written by [`write_light_table`],
/// which makes the same bytes as comfy-table without holding the table:
/// comfy-table keeps each cell, split into lines, and then every line of
/// the table, several copies of a table of a hundred thousand rows.
pub const COMFY_ROWS: usize = 1000;

/// The rows `row` gives for `items` as a [`pretty_table`], written to
/// `w`: through comfy-table when the table is small, else by
/// [`write_light_table`].
pub fn write_table<W: Write + ?Sized, R>(
    w: &mut W,
    headers: &[&str],
    items: &[R],
    row: impl for<'a> Fn(&'a R) -> Vec<Cow<'a, str>>,
) -> io::Result<()> {
    if items.len() <= COMFY_ROWS {
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|r| row(r).into_iter().map(Cow::into_owned).collect())
            .collect();
        return w.write_all(pretty_table(headers, &rows).as_bytes());
    }
    write_light_table(w, headers, items, row)
}

/// [`pretty_table`] of the rows `row` gives for `items`, written as it
/// goes: one pass measures the columns, a second writes each row. The
/// bytes are comfy-table's (widths by `unicode-width`, as comfy-table
/// measures them; an empty column is one character wide), which a test
/// checks; a cell too wide for comfy-table's 16-bit widths (it would be
/// wrapped there) sends the table through comfy-table instead.
pub fn write_light_table<W: Write + ?Sized, R>(
    w: &mut W,
    headers: &[&str],
    items: &[R],
    row: impl for<'a> Fn(&'a R) -> Vec<Cow<'a, str>>,
) -> io::Result<()> {
    let cell = |c: &str| -> String { sanitize(c.trim()).into_owned() };
    // A sanitised cell has no controls: printable ASCII is one column a
    // byte (unicode-width says so too); anything else is measured.
    let width = |c: &str| if c.is_ascii() { c.len() } else { c.width() };
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width().max(1)).collect();
    for r in items {
        for (i, c) in row(r).iter().enumerate() {
            let c = sanitize(c.trim());
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(&c));
            }
        }
    }
    if widths.iter().any(|&w| w + 2 > u16::MAX as usize) || headers.is_empty() {
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|r| row(r).iter().map(|c| cell(c)).collect())
            .collect();
        return w.write_all(pretty_table(headers, &rows).as_bytes());
    }
    let mut rule = String::from("+");
    for &n in &widths {
        rule.extend(std::iter::repeat_n('-', n + 2));
        rule.push('+');
    }
    rule.push('\n');
    let mut line = String::new();
    let mut put = |w: &mut W, cells: &mut dyn Iterator<Item = Cow<'_, str>>| {
        line.clear();
        line.push('|');
        for &n in &widths {
            let c = cells.next().unwrap_or_default();
            let c = sanitize(c.trim());
            line.push(' ');
            line.push_str(&c);
            line.extend(std::iter::repeat_n(' ', n - width(&c).min(n) + 1));
            line.push('|');
        }
        line.push('\n');
        w.write_all(line.as_bytes())
    };
    w.write_all(rule.as_bytes())?;
    put(w, &mut headers.iter().map(|h| Cow::Borrowed(*h)))?;
    w.write_all(rule.as_bytes())?;
    for r in items {
        put(w, &mut row(r).into_iter())?;
    }
    w.write_all(rule.as_bytes())
}

/// A header row and rows as CSV (RFC 4180: CRLF after every record,
/// fields quoted when they hold a comma, a quote or a line break, quotes
/// doubled). Control and bidi characters are removed from each field, as
/// in tables, so the output is safe on a terminal.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into memory cannot fail.
    let _ = w.write_record(headers);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| sanitize(c).into_owned()));
    }
    let buf = w.into_inner().unwrap_or_default();
    String::from_utf8(buf).unwrap_or_default()
}

/// [`csv()`] of the rows `row` gives for `items`, written as it goes.
pub fn write_csv<W: Write + ?Sized, R>(
    w: &mut W,
    headers: &[&str],
    items: &[R],
    row: impl for<'a> Fn(&'a R) -> Vec<Cow<'a, str>>,
) -> io::Result<()> {
    let mut c = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    c.write_record(headers)?;
    for r in items {
        c.write_record(row(r).iter().map(|f| sanitize(f).into_owned()))?;
    }
    c.flush()
}

/// `yes` / `no`, as the upstream tables show booleans.
pub fn yes_no(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
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
/// Besides what JSON requires, DEL, the C1 controls and the bidi controls
/// are written as `\uXXXX`, so the output is safe on a terminal and still
/// means the same to a parser.
pub fn json(v: &Value) -> String {
    use serde::Serialize;
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeFormatter::default());
    // Serialising a `Value` into memory cannot fail.
    let _ = wire::sorted(v).serialize(&mut ser);
    let mut s = String::from_utf8(buf).unwrap_or_default();
    s.push('\n');
    s
}

/// [`json`] of JSON text (a record as the gateway sent it), without
/// parsing it into a tree first: the same bytes.
pub fn json_text(text: &str) -> String {
    use serde::Serialize;
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeFormatter::default());
    // The text was read as JSON before; into memory nothing else fails.
    let _ = SortedText(text).serialize(&mut ser);
    let mut s = String::from_utf8(buf).unwrap_or_default();
    s.push('\n');
    s
}

/// [`json`] of the array of the JSON texts of `items` (records as the
/// gateway sent them, `text` of each), written to `w` a block of records
/// at a time: the same bytes as [`json`] of the array, without the
/// array's tree. A long list is formatted by two threads, block by
/// block, and written in order; memory holds a few blocks.
pub fn write_json_list<W: Write + ?Sized, T: Sync>(
    w: &mut W,
    items: &[T],
    text: impl Fn(&T) -> &str + Sync,
) -> io::Result<()> {
    write_json_blocks(w, items, &text, JSON_BLOCK)
}

/// Records per block of [`write_json_list`].
const JSON_BLOCK: usize = 1024;

fn write_json_blocks<W: Write + ?Sized, T: Sync>(
    w: &mut W,
    items: &[T],
    text: &(impl Fn(&T) -> &str + Sync),
    block: usize,
) -> io::Result<()> {
    if items.is_empty() {
        return w.write_all(b"[]\n").and_then(|()| w.flush());
    }
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    let blocks = items.chunks(block.max(1));
    let two = blocks.len() >= 2 && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let mut buf = Vec::new();
    if !two {
        for (i, chunk) in blocks.enumerate() {
            buf.clear();
            json_block(&mut buf, chunk, i == 0, text)?;
            w.write_all(&buf)?;
        }
    } else {
        // The other thread formats the odd blocks, this one the even
        // ones and writes them all, in order. A write that fails ends the
        // run: the channel closes, and the other thread stops at its next
        // block.
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
            s.spawn(move || {
                for chunk in items.chunks(block.max(1)).skip(1).step_by(2) {
                    let mut b = Vec::new();
                    let r = json_block(&mut b, chunk, false, text).map(|()| b);
                    if tx.send(r).is_err() {
                        break;
                    }
                }
            });
            for (i, chunk) in blocks.enumerate() {
                if i % 2 == 0 {
                    buf.clear();
                    json_block(&mut buf, chunk, i == 0, text)?;
                    w.write_all(&buf)?;
                } else {
                    let b = rx
                        .recv()
                        .map_err(|_| io::Error::other("the JSON formatting thread stopped"))??;
                    w.write_all(&b)?;
                }
            }
            Ok::<(), io::Error>(())
        })?;
    }
    w.write_all(b"\n]\n")?;
    w.flush()
}

/// The elements `chunk` of a JSON array as [`json`] writes them: each
/// written as a one-element array, `[\n  {...}\n]`, whose closing `\n]`
/// is dropped and whose `[` is the array's own for its first element and
/// the `,` between elements for the others.
fn json_block<T>(
    buf: &mut Vec<u8>,
    chunk: &[T],
    first: bool,
    text: &impl Fn(&T) -> &str,
) -> io::Result<()> {
    for (j, item) in chunk.iter().enumerate() {
        let start = buf.len();
        let mut ser = serde_json::Serializer::with_formatter(&mut *buf, SafeFormatter::default());
        ser.collect_seq(std::iter::once(SortedText(text(item))))?;
        buf.truncate(buf.len() - 2);
        if !(first && j == 0) {
            buf[start] = b',';
        }
    }
    Ok(())
}

/// `v` as pretty JSON to `w`, in its own field order (not sorted), with
/// the escapes of [`json`]: written as it is serialized.
pub fn write_safe_json<W: Write + ?Sized, T: serde::Serialize + ?Sized>(
    w: &mut W,
    v: &T,
) -> io::Result<()> {
    let mut buf = io::BufWriter::with_capacity(1 << 16, w);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeFormatter::default());
    v.serialize(&mut ser)?;
    buf.flush()
}

/// serde_json's pretty printer, escaping the characters
/// [`is_unsafe_char`] names inside strings.
#[derive(Default)]
struct SafeFormatter<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for SafeFormatter<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json has escaped the controls below 0x20 already, and what
        // is left to escape is DEL or beyond ASCII: one pass over the bytes
        // that the compiler vectorises (no early exit; UTF-8 never holds
        // 0xff, so `b + 1` has its top bit set exactly when `b >= 0x7f`).
        // A list of 100,000 records is mostly such text.
        let high = fragment.bytes().fold(0u8, |acc, b| acc | b.wrapping_add(1));
        if high & 0x80 == 0 {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe_char(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// What a run created on the gateway whose secret only stdout carries:
/// said when stdout fails after the secret was minted, so that the user
/// knows what exists and how to recover. It names ids, never the secret.
#[derive(Debug, Clone)]
pub struct Minted {
    /// What the secret is (`API key`, `temporary password`).
    pub what: String,
    /// What exists now (`API key 0c7e… ("ci") for user 9b2f…`).
    pub created: String,
    /// How to recover (`revoke it with tg-revoke-api-key …`).
    pub recover: String,
}

impl Minted {
    /// The failure for a secret that could not be written `to` its
    /// destination (`standard output`, a file): exit 7, saying that it is
    /// lost, what exists, and how to recover.
    pub fn lost(&self, to: &str, e: &io::Error) -> crate::Error {
        crate::Error::new(
            crate::Kind::Output,
            format!(
                "could not write the {} to {to} ({e}); it is lost: {}",
                self.what, self.created
            ),
        )
        .with_hint(self.recover.clone())
    }
}

/// What [`Out::stream`] writes.
type Stream = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()>>;

/// The stdout of a run: written only on success.
#[derive(Default)]
pub struct Out {
    buf: String,
    /// Written after `buf`, straight to stdout.
    stream: Option<Stream>,
    minted: Option<Minted>,
    keep_on_failure: bool,
    complete: bool,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Out")
            .field("buf", &self.buf)
            .field("stream", &self.stream.is_some())
            .field("minted", &self.minted)
            .finish()
    }
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

    /// The rest of the result, written by `write` straight to stdout when
    /// the run succeeds (after what is buffered): a large result (a list
    /// of a hundred thousand records) is never held whole. What `write`
    /// writes must be safe on a terminal, as [`Out::line`] makes it.
    pub fn stream(&mut self, write: impl FnOnce(&mut dyn Write) -> io::Result<()> + 'static) {
        self.stream = Some(Box::new(write));
    }

    /// Append a one-time secret as the result line. If stdout then fails,
    /// the run fails (exit 7) saying what `minted` describes.
    pub fn secret(&mut self, secret: &str, minted: Minted) {
        crate::redact::register(secret);
        self.line(secret);
        self.minted = Some(minted);
    }

    /// Append a one-time secret as the result line and write the buffer
    /// to stdout now, for a run that must know the secret was shown
    /// before it goes on (tg-rotate-api-key revokes the old key only
    /// then). A failure is [`Minted::lost`] (exit 7).
    pub fn secret_now(&mut self, secret: &str, minted: Minted) -> crate::Result<()> {
        self.secret(secret, minted);
        let written = self.flush_to_stdout();
        self.buf.clear();
        match (written, self.minted.take()) {
            (Err(e), Some(m)) => Err(m.lost("standard output", &e)),
            _ => Ok(()),
        }
    }

    /// Print the buffer even when the run fails (before the error line):
    /// for a report whose failure is part of the result (`tg-auth-status
    /// -o json`).
    pub fn keep_on_failure(&mut self) {
        self.keep_on_failure = true;
    }

    /// Fail the run (exit 7) when stdout goes away before the result is
    /// written whole: for a result that is wrong when cut short (a
    /// manifest), where a list cut by `| head` is not.
    pub fn complete(&mut self) {
        self.complete = true;
    }

    /// Whether [`Out::keep_on_failure`] was asked for.
    pub fn kept_on_failure(&self) -> bool {
        self.keep_on_failure
    }

    /// The one-time secret's description, when the buffer holds one.
    pub fn minted(&self) -> Option<&Minted> {
        self.minted.as_ref()
    }

    /// Write the buffer to stdout. A closed pipe (`tool | head -1`) is not
    /// an error, unless the buffer holds a one-time secret (that must not
    /// be lost silently) or the result must be whole ([`Out::complete`]).
    pub fn flush_to_stdout(&mut self) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        let stream = self.stream.take();
        let written = stdout.write_all(self.buf.as_bytes()).and_then(|()| {
            if let Some(write) = stream {
                let mut w = io::BufWriter::with_capacity(1 << 16, &mut stdout);
                write(&mut w)?;
                w.flush()?;
            }
            stdout.flush()
        });
        match written {
            Err(e)
                if e.kind() == io::ErrorKind::BrokenPipe
                    && self.minted.is_none()
                    && !self.complete =>
            {
                Ok(())
            }
            r => r,
        }
    }
}

/// Check, before anything is sent, that stdout can take a one-time
/// secret: it is open, open for writing, not a pipe whose reader is gone,
/// and neither `/dev/full` nor `/dev/null`. (A closed stdout arrives as
/// `/dev/null`: Rust's runtime reopens closed standard descriptors on it.)
/// `what` names the secret for the message.
#[cfg(unix)]
pub fn check_stdout_takes(what: &str) -> crate::Result<()> {
    let refuse = |why: &str| {
        crate::Error::usage(format!(
            "standard output {why}: refusing to ask the gateway for {what} that could then not be shown; nothing was sent"
        ))
        .with_hint("run again with standard output going to a terminal, a file or a pipe that is read")
    };
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    use rustix::fs::{fcntl_getfl, fstat, major, minor, FileType, OFlags};
    let stdout = std::io::stdout();
    let Ok(flags) = fcntl_getfl(&stdout) else {
        return Err(refuse("is closed"));
    };
    if flags & OFlags::ACCMODE == OFlags::RDONLY {
        return Err(refuse("is not open for writing"));
    }
    if let Ok(st) = fstat(&stdout) {
        if FileType::from_raw_mode(st.st_mode) == FileType::CharacterDevice
            && major(st.st_rdev) == 1
        {
            match minor(st.st_rdev) {
                7 => return Err(refuse("is /dev/full")),
                3 => return Err(refuse("is closed or /dev/null")),
                _ => {}
            }
        }
    }
    let mut fds = [PollFd::new(&stdout, PollFlags::OUT)];
    let now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    if poll(&mut fds, Some(&now)).is_ok_and(|n| n > 0)
        && fds[0]
            .revents()
            .intersects(PollFlags::ERR | PollFlags::HUP | PollFlags::NVAL)
    {
        return Err(refuse("is a pipe that nobody reads any more"));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn check_stdout_takes(_what: &str) -> crate::Result<()> {
    Ok(())
}

/// Print one operator-context line on stderr, scrubbed of secrets and
/// terminal controls.
pub fn note(s: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", stderr_text(s));
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

    /// 2,000 rows of awkward cells (wide and combining characters,
    /// emoji, blanks around, controls, empty cells), both ways.
    #[test]
    fn the_light_table_is_comfy_tables_bytes() {
        let pieces = [
            "",
            " ",
            "a",
            "bob",
            "Zoë",
            "東京",
            "e\u{301}x",
            "😀",
            " padded ",
            "tab\there",
            "\u{1b}[31mred",
            "\u{202e}rtl",
            "—",
            "never",
            "a-much-longer-cell-than-the-rest",
        ];
        let rows: Vec<Vec<String>> = (0..2000usize)
            .map(|i| {
                (0..5)
                    .map(|c| {
                        let p = pieces[(i * 7 + c * 3 + i / 13) % pieces.len()];
                        if c == 0 {
                            format!("{i:08x}-{p}")
                        } else {
                            p.to_string()
                        }
                    })
                    .collect()
            })
            .collect();
        let headers = ["id", "name", "x", "last used", "e"];
        let want = pretty_table(&headers, &rows);
        let mut got = Vec::new();
        // The rows are Vec<String>, and write_table takes a fn(&Row).
        #[allow(clippy::ptr_arg)]
        fn row(r: &Vec<String>) -> Vec<Cow<'_, str>> {
            r.iter().map(|c| Cow::Borrowed(c.as_str())).collect()
        }
        write_light_table(&mut got, &headers, &rows, row).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), want);
        // Through write_table, which picks the light path for this many.
        let mut got = Vec::new();
        write_table(&mut got, &headers, &rows, row).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), want);
        // A short table, and an empty column, both ways.
        for n in [1, 3] {
            let rows: Vec<Vec<String>> = rows[..n]
                .iter()
                .map(|r| vec![r[0].clone(), String::new()])
                .collect();
            let mut got = Vec::new();
            write_light_table(&mut got, &["id", "e"], &rows, row).unwrap();
            assert_eq!(
                String::from_utf8(got).unwrap(),
                pretty_table(&["id", "e"], &rows)
            );
        }
    }

    #[test]
    fn a_json_list_written_record_by_record_is_the_same_bytes() {
        let records = [
            r#"{"id": "b", "name": "Zo\u00eb", "roles": ["reader", "writer"], "enabled": true, "x": {"z": 1, "a": [null, 2.5, -7, 1e3]}}"#,
            r#"{"name": "ctl \u001b[31m \u202e \u007f", "id": "a", "id": "dup"}"#,
            r#"{}"#,
            r#"{"nested": [[], {}, [{"k": "v"}]], "big": 18446744073709551615}"#,
        ];
        let tree = Value::Array(
            records
                .iter()
                .map(|r| serde_json::from_str(r).unwrap())
                .collect(),
        );
        // Block sizes that give one block, blocks for both threads, and
        // an odd last block.
        for block in [1, 2, 3, 4, 1024] {
            let mut got = Vec::new();
            write_json_blocks(&mut got, &records, &|r: &&str| *r, block).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), json(&tree), "{block}");
        }
        let many: Vec<String> = (0..5000)
            .map(|i| format!(r#"{{"n": {i}, "id": "u{i}", "roles": ["reader"]}}"#))
            .collect();
        let tree = Value::Array(
            many.iter()
                .map(|r| serde_json::from_str(r).unwrap())
                .collect(),
        );
        let mut got = Vec::new();
        write_json_list(&mut got, &many, String::as_str).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), json(&tree));
        let mut got = Vec::new();
        write_json_list(&mut got, &[] as &[&str], |r| r).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), json(&Value::Array(vec![])));
        for r in records {
            assert_eq!(json_text(r), json(&serde_json::from_str(r).unwrap()));
        }
    }
}
