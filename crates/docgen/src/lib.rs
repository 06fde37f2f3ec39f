//! Shell completions and man pages from clap definitions: the one
//! generator behind the committed `completions/` and `man/` files and the
//! binaries' own `completions SHELL` and `man DIR` commands (`tg-iam`,
//! `tg-dev-gateway`), so that what is installed from a binary and what is
//! committed cannot differ.
//!
//! Man pages: clap_mangen renders the title, NAME, SYNOPSIS, DESCRIPTION,
//! OPTIONS and SUBCOMMANDS sections from the clap command; the sections
//! after them (EXIT STATUS, EXAMPLES, SEE ALSO, and any a page adds) are
//! [`Section`]s, rendered with roff.

use clap::Command;
use roff::{bold, italic, roman, Roff};
use std::io;
use std::path::{Path, PathBuf};

pub use clap_complete::Shell;

/// A shell whose completions are generated.
#[derive(Debug, Clone, Copy)]
pub struct ShellSpec {
    pub shell: Shell,
    /// Its name on the command line and its directory under `completions/`.
    pub name: &'static str,
    /// The committed file's name for a command: `tg-login`, `_tg-login`,
    /// `tg-login.fish`...
    pub file: fn(&str) -> String,
}

/// Every shell, in the order help and docs list them.
pub const SHELLS: &[ShellSpec] = &[
    ShellSpec {
        shell: Shell::Bash,
        name: "bash",
        file: |c| c.to_string(),
    },
    ShellSpec {
        shell: Shell::Zsh,
        name: "zsh",
        file: |c| format!("_{c}"),
    },
    ShellSpec {
        shell: Shell::Fish,
        name: "fish",
        file: |c| format!("{c}.fish"),
    },
    ShellSpec {
        shell: Shell::Elvish,
        name: "elvish",
        file: |c| format!("{c}.elv"),
    },
    ShellSpec {
        shell: Shell::PowerShell,
        name: "powershell",
        file: |c| format!("{c}.ps1"),
    },
];

/// The shell called `name` (as [`SHELLS`] spells it).
pub fn shell(name: &str) -> Option<&'static ShellSpec> {
    SHELLS.iter().find(|s| s.name == name)
}

/// The names of [`SHELLS`], for clap's possible values.
pub fn shell_names() -> Vec<&'static str> {
    SHELLS.iter().map(|s| s.name).collect()
}

/// The completion script of `cmd`, run as `name`.
pub fn completion(shell: Shell, name: &str, cmd: &Command) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd.clone(), name, &mut buf);
    buf
}

/// Several commands' completion scripts as one script to source
/// (`source <(tg-iam completions bash)`): the scripts one after the
/// other. PowerShell allows `using` statements only at the top of a
/// script, so each script's are moved there, once.
pub fn bundle(shell: Shell, scripts: &[Vec<u8>]) -> Vec<u8> {
    if shell != Shell::PowerShell {
        return scripts.concat();
    }
    let mut using: Vec<String> = Vec::new();
    let mut body = String::new();
    for s in scripts {
        for line in String::from_utf8_lossy(s).split_inclusive('\n') {
            if line.starts_with("using ") {
                if !using.iter().any(|u| u == line) {
                    using.push(line.to_string());
                }
            } else {
                body.push_str(line);
            }
        }
    }
    let mut out = using.concat();
    out.push_str(&body);
    out.into_bytes()
}

/// A block of a man page section.
#[derive(Debug, Clone)]
pub enum Block {
    /// A filled paragraph.
    Para(String),
    /// A tagged paragraph: the tag in bold, then the text.
    Item(String, String),
    /// Lines shown as they are (commands, file examples).
    Pre(Vec<String>),
    /// A paragraph naming other pages, in italics.
    Pages(Vec<String>),
}

/// A man page section: a title (`EXIT STATUS`) and its blocks.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(title: impl Into<String>, blocks: Vec<Block>) -> Section {
        Section {
            title: title.into(),
            blocks,
        }
    }
}

/// An example: what it does, and the command lines.
pub type Example = (&'static str, &'static str);

/// The examples as the end of a long `--help`: `Examples:`, then for each
/// one its description as a `#` comment and its command, indented.
pub fn examples_help(examples: &[Example]) -> String {
    let mut s = String::from("Examples:");
    for (what, cmd) in examples {
        s.push_str(&format!("\n  # {what}"));
        for line in cmd.lines() {
            s.push_str(&format!("\n  {line}"));
        }
    }
    s
}

/// The EXAMPLES section of a man page.
pub fn examples_section(examples: &[Example]) -> Section {
    let mut blocks = Vec::new();
    for (what, cmd) in examples {
        blocks.push(Block::Para(format!("{what}:")));
        blocks.push(Block::Pre(cmd.lines().map(str::to_string).collect()));
    }
    Section::new("EXAMPLES", blocks)
}

/// `tool(1)` references as a SEE ALSO section.
pub fn see_also(pages: &[String]) -> Section {
    Section::new("SEE ALSO", vec![Block::Pages(pages.to_vec())])
}

/// Lines indented by two spaces (an exit-code table in `--help`) as
/// preformatted lines, skipping the first (its heading).
pub fn preformatted_after_heading(text: &str) -> Block {
    Block::Pre(
        text.lines()
            .skip(1)
            .map(|l| l.strip_prefix("  ").unwrap_or(l).to_string())
            .collect(),
    )
}

fn render_sections(r: &mut Roff, sections: &[Section]) {
    for s in sections {
        r.control("SH", [s.title.as_str()]);
        for b in &s.blocks {
            match b {
                Block::Para(t) => {
                    r.control("PP", []).text([roman(t.as_str())]);
                }
                Block::Item(tag, t) => {
                    r.control("TP", [])
                        .text([bold(tag.as_str())])
                        .text([roman(t.as_str())]);
                }
                Block::Pre(lines) => {
                    r.control("PP", []).control("RS", ["4"]).control("nf", []);
                    for l in lines {
                        r.text([roman(l.as_str())]);
                    }
                    r.control("fi", []).control("RE", []);
                }
                Block::Pages(pages) => {
                    r.control("PP", []).text([italic(pages.join(", "))]);
                }
            }
        }
    }
}

/// The COMMANDS section of a command with subcommands: each one's usage,
/// what it does, and its flags. (clap_mangen's own section points at a
/// page per subcommand, which these commands do not have.)
fn commands_section(cmd: &Command) -> Option<Section> {
    let mut blocks = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let usage = sub.clone().render_usage().to_string();
        let usage = usage.trim_start_matches("Usage:").trim();
        let mut text = sub
            .get_long_about()
            .or_else(|| sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        // Its own flags; those it shares with the command are described
        // under OPTIONS already.
        let mut shared = false;
        for a in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let (Some(long), Some(help)) = (a.get_long(), a.get_help()) else {
                continue;
            };
            if cmd.get_arguments().any(|p| p.get_long() == Some(long)) {
                shared = shared || long != "help";
            } else if long != "help" {
                text.push_str(&format!(" --{long}: {help}."));
            }
        }
        if shared {
            text.push_str(" It takes the options above.");
        }
        blocks.push(Block::Item(format!("{} {usage}", cmd.get_name()), text));
    }
    (!blocks.is_empty()).then(|| Section::new("COMMANDS", blocks))
}

/// One of clap_mangen's section renderers.
type RenderSection = fn(&clap_mangen::Man, &mut dyn io::Write) -> io::Result<()>;

/// The man page of a command (section 1): clap_mangen's title, NAME,
/// SYNOPSIS, DESCRIPTION and OPTIONS from the clap definition, a COMMANDS
/// section for its subcommands, then `sections` (clap's `after_help` is
/// left out: `sections` say it properly), then VERSION.
pub fn command_page(cmd: Command, sections: &[Section]) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    let parts: [RenderSection; 5] = [
        clap_mangen::Man::render_title,
        clap_mangen::Man::render_name_section,
        clap_mangen::Man::render_synopsis_section,
        clap_mangen::Man::render_description_section,
        clap_mangen::Man::render_options_section,
    ];
    for part in parts {
        // Writing into memory cannot fail.
        let _ = part(&man, &mut buf);
    }
    let mut r = Roff::new();
    if let Some(c) = commands_section(&cmd) {
        render_sections(&mut r, &[c]);
    }
    render_sections(&mut r, sections);
    buf.extend_from_slice(r.render().as_bytes());
    if cmd.get_version().is_some() {
        let _ = man.render_version_section(&mut buf);
    }
    buf
}

/// A page that is not a command's (an overview, a file format): `.TH`,
/// then `sections`.
pub fn page(
    name: &str,
    section: &str,
    source: &str,
    manual: &str,
    sections: &[Section],
) -> Vec<u8> {
    let mut r = Roff::new();
    let title = name.to_uppercase();
    r.control("TH", [title.as_str(), section, "", source, manual]);
    render_sections(&mut r, sections);
    r.render().into_bytes()
}

/// The section of a man page's file name: `tg-iam.7` is in 7.
pub fn man_section(file: &str) -> Option<&str> {
    file.rsplit_once('.')
        .map(|(_, s)| s)
        .filter(|s| s.len() == 1 && s.as_bytes()[0].is_ascii_digit())
}

/// Write man pages (file name, content) under the man root `dir`, each in
/// `dir/manN/` by its section (created as needed; existing pages are
/// replaced). Returns the paths written, in order.
pub fn install_man_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (file, content) in pages {
        let section = man_section(file).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{file}: not a man page name"),
            )
        })?;
        let sub = dir.join(format!("man{section}"));
        std::fs::create_dir_all(&sub)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", sub.display())))?;
        let path = sub.join(file);
        std::fs::write(&path, content)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_using_statements_go_to_the_top_once() {
        let a = b"using namespace A\nusing namespace B\n\nRegister-A\n".to_vec();
        let b = b"using namespace A\nusing namespace B\n\nRegister-B\n".to_vec();
        let out = String::from_utf8(bundle(Shell::PowerShell, &[a.clone(), b.clone()])).unwrap();
        assert_eq!(
            out,
            "using namespace A\nusing namespace B\n\nRegister-A\n\nRegister-B\n"
        );
        let out = bundle(Shell::Bash, &[a.clone(), b.clone()]);
        assert_eq!(out, [a, b].concat());
    }

    #[test]
    fn pages_go_to_their_section_directory() {
        assert_eq!(man_section("tg-iam.7"), Some("7"));
        assert_eq!(man_section("tg-apply-manifest.5"), Some("5"));
        assert_eq!(man_section("tg-iam"), None);
        assert_eq!(man_section("x.md"), None);
    }

    #[test]
    fn examples_end_the_help_and_fill_the_man_section() {
        let ex: &[Example] = &[("Log in", "tg-login --username alice")];
        assert_eq!(
            examples_help(ex),
            "Examples:\n  # Log in\n  tg-login --username alice"
        );
        let page = String::from_utf8(page("tg-x", "1", "s", "m", &[examples_section(ex)])).unwrap();
        assert!(page.contains(".SH EXAMPLES\n.PP\nLog in:\n"), "{page}");
        assert!(page.contains("tg\\-login \\-\\-username alice"), "{page}");
    }
}
