//! The multicall binary `tg-iam`: every tool in one executable, as
//! busybox and uutils coreutils do.
//!
//! * Run through a link (symbolic or hard) named after a tool, it is that
//!   tool: the name is the file name of `argv[0]`.
//! * `tg-iam TOOL ARGS...` runs TOOL with ARGS.
//! * `tg-iam --list` prints the tools' names, one per line.
//! * `tg-iam install-links DIR [--hard]` creates those links.
//! * `tg-iam completions SHELL` prints the shell completions of every tool
//!   and of `tg-iam`; `tg-iam man DIR` writes every man page under DIR
//!   (see [`crate::docs`]).
//!
//! A tool runs through the same [`crate::run_from`] as its thin binary,
//! with the same arguments after the program name, so stdout, stderr and
//! the exit code are the same byte for byte (`--help` and errors name the
//! tool, never `tg-iam`).

pub(crate) mod cli;

pub use cli::{command, EXAMPLES, EXIT_CODES_HELP, NAME};

use crate::error::{Error, Kind, Result};
use crate::registry::{self, Entry, TOOLS};
use cli::{COMPLETIONS, INSTALL_LINKS, MAN, SUBCOMMANDS};
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `main` of the `tg-iam` binary.
pub fn main() -> ExitCode {
    dispatch(std::env::args_os().collect())
}

/// Run what `args` (a full argument vector, program name first) asks for.
pub fn dispatch(mut args: Vec<OsString>) -> ExitCode {
    if let Some(tool) = args.first().and_then(|a0| invoked_as(a0)) {
        return (tool.run)(args);
    }
    if let Some(tool) = args
        .get(1)
        .and_then(|a| a.to_str())
        .and_then(registry::find)
    {
        // `tg-iam TOOL ARGS...`: TOOL takes the place of the program name.
        args.remove(0);
        return (tool.run)(args);
    }
    front(args)
}

/// The tool a link named `arg0` stands for (its file name, whatever the
/// directory; a symbolic link is not followed, so its own name counts).
fn invoked_as(arg0: &OsStr) -> Option<&'static Entry> {
    Path::new(arg0)
        .file_name()?
        .to_str()
        .and_then(registry::find)
}

/// `tg-iam` itself: --list, install-links, --help, --version, and the
/// usage errors.
fn front(args: Vec<OsString>) -> ExitCode {
    if let Some(word) = args.get(1).and_then(|a| a.to_str()) {
        if !word.starts_with('-') && !SUBCOMMANDS.contains(&word) {
            let mut e = Error::usage(format!("no tool named {word:?}"));
            e = match registry::find(&format!("tg-{word}")) {
                Some(t) => e.with_hint(format!("did you mean {}?", t.name)),
                None => e.with_hint(format!("{NAME} --list prints the tools")),
            };
            return crate::fail(NAME, &e);
        }
    }
    let matches = command().get_matches_from(args);
    if matches.get_flag("list") {
        let mut s = String::new();
        for t in TOOLS {
            s.push_str(t.name);
            s.push('\n');
        }
        return print(&s);
    }
    match matches.subcommand() {
        Some((INSTALL_LINKS, m)) => {
            let dir = m.get_one::<PathBuf>("dir").expect("DIR is required");
            match install_links(dir, m.get_flag("hard")) {
                Ok(report) => {
                    crate::output::note(&format!("{NAME}: {}", report.summary(dir)));
                    print(&report.stdout())
                }
                Err(e) => crate::fail(NAME, &e),
            }
        }
        Some((COMPLETIONS, m)) => {
            let name = m.get_one::<String>("shell").expect("SHELL is required");
            let shell = tg_iam_docgen::shell(name).expect("clap checked the shell's name");
            print_bytes(&crate::docs::completions(shell))
        }
        Some((MAN, m)) => {
            let dir = m.get_one::<PathBuf>("dir").expect("DIR is required");
            let pages = crate::docs::man_pages();
            match tg_iam_docgen::install_man_pages(dir, &pages) {
                Ok(paths) => {
                    crate::output::note(&format!(
                        "{NAME}: {} man pages written under {} (man1, man5, man7)",
                        paths.len(),
                        dir.display()
                    ));
                    let mut s = String::new();
                    for p in paths {
                        s.push_str(&p.display().to_string());
                        s.push('\n');
                    }
                    print(&s)
                }
                Err(e) => crate::fail(
                    NAME,
                    &Error::refused(format!("cannot write the man pages: {e}")),
                ),
            }
        }
        // clap has already answered --help, --version, no arguments and
        // unknown flags.
        _ => unreachable!("clap requires --list or a subcommand"),
    }
}

fn print(s: &str) -> ExitCode {
    print_bytes(s.as_bytes())
}

fn print_bytes(b: &[u8]) -> ExitCode {
    // A closed stdout (`tg-iam --list | head -1`) is not an error.
    let _ = io::stdout().lock().write_all(b);
    ExitCode::SUCCESS
}

/// What install-links did, per tool, in registry order.
#[derive(Debug)]
pub struct LinkReport {
    pub links: Vec<(PathBuf, LinkAction)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    /// There was nothing by that name.
    Created,
    /// It was a link to this binary of the other kind (symbolic / hard).
    Replaced,
    /// It was already the link asked for.
    Kept,
}

impl LinkReport {
    fn count(&self, a: LinkAction) -> usize {
        self.links.iter().filter(|(_, x)| *x == a).count()
    }

    fn summary(&self, dir: &Path) -> String {
        format!(
            "{} links in {}: {} created, {} replaced, {} already there",
            self.links.len(),
            dir.display(),
            self.count(LinkAction::Created),
            self.count(LinkAction::Replaced),
            self.count(LinkAction::Kept),
        )
    }

    fn stdout(&self) -> String {
        let mut s = String::new();
        for (p, _) in &self.links {
            s.push_str(&p.display().to_string());
            s.push('\n');
        }
        s
    }
}

/// Create, in `dir`, a link named after each tool pointing at this binary:
/// symbolic (to the binary's file name when it lives in `dir`, else to its
/// absolute path) or, with `hard`, hard links.
///
/// An existing link to this binary (a symbolic link that resolves to it,
/// or a hard link to the same inode) is kept, or replaced atomically when
/// it is of the other kind. Any other file by a tool's name is refused
/// before anything is changed; a failure part-way removes the links this
/// run created.
pub fn install_links(dir: &Path, hard: bool) -> Result<LinkReport> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Error::refused(format!("cannot find this binary's own path: {e}")))?;
    let exe_id =
        file_id(&exe).map_err(|e| Error::refused(format!("cannot read {}: {e}", exe.display())))?;
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::usage(format!(
                "{} is not a directory",
                dir.display()
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::usage(format!("{} does not exist", dir.display()))
                .with_hint(format!("create it first: mkdir -p {}", dir.display())))
        }
        Err(e) => {
            return Err(Error::refused(format!(
                "cannot read {}: {e}",
                dir.display()
            )))
        }
    }
    let target = match dir.canonicalize() {
        Ok(d) if exe.parent() == Some(d.as_path()) => PathBuf::from(exe.file_name().unwrap()),
        _ => exe.clone(),
    };

    // Look before touching anything.
    let mut plan = Vec::new();
    let mut foreign = Vec::new();
    for t in TOOLS {
        let path = dir.join(t.name);
        let action = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => LinkAction::Created,
            Err(e) => {
                return Err(Error::refused(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
            Ok(m) => {
                // Following a symbolic link: ours if it resolves to this binary.
                if file_id(&path).ok() != Some(exe_id) {
                    foreign.push(path);
                    continue;
                }
                if m.file_type().is_symlink() != hard {
                    LinkAction::Kept
                } else {
                    LinkAction::Replaced
                }
            }
        };
        plan.push((path, action));
    }
    if let Some(first) = foreign.first() {
        let more = match foreign.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return Err(Error::refused(format!(
            "{} exists and is not a link to this binary{more}; nothing was changed",
            first.display()
        ))
        .with_hint("remove it, or install the links in another directory"));
    }

    let make = |at: &Path| -> io::Result<()> {
        if hard {
            std::fs::hard_link(&exe, at)
        } else {
            std::os::unix::fs::symlink(&target, at)
        }
    };
    let mut created: Vec<&Path> = Vec::new();
    let mut result = Ok(());
    for (path, action) in &plan {
        let r = match action {
            LinkAction::Kept => Ok(()),
            LinkAction::Created => make(path).map(|()| created.push(path)),
            LinkAction::Replaced => {
                // A new link beside it, renamed over it: never a moment
                // without the tool.
                let tmp = dir.join(format!(
                    ".{}.{NAME}-{}.tmp",
                    path.file_name().unwrap().to_string_lossy(),
                    std::process::id()
                ));
                let _ = std::fs::remove_file(&tmp);
                make(&tmp).and_then(|()| {
                    std::fs::rename(&tmp, path).inspect_err(|_| {
                        let _ = std::fs::remove_file(&tmp);
                    })
                })
            }
        };
        if let Err(e) = r {
            result = Err(link_error(path, hard, &e));
            break;
        }
    }
    if let Err(e) = result {
        for p in created {
            let _ = std::fs::remove_file(p);
        }
        return Err(e);
    }
    Ok(LinkReport { links: plan })
}

fn link_error(path: &Path, hard: bool, e: &io::Error) -> Error {
    let kind = if hard { "hard link" } else { "symbolic link" };
    let err = Error::new(
        Kind::Refused,
        format!("cannot create {kind} {}: {e}", path.display()),
    );
    if hard && e.raw_os_error() == Some(libc::EXDEV) {
        err.with_hint(
            "a hard link must be on the binary's file system; drop --hard for symbolic links",
        )
    } else {
        err.with_hint("the links this run had created were removed again")
    }
}

/// Device and inode of the file at `p`, following symbolic links.
fn file_id(p: &Path) -> io::Result<(u64, u64)> {
    let m = std::fs::metadata(p)?;
    Ok((m.dev(), m.ino()))
}
