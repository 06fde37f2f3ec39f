//! `tg-iam`'s own command line: its name, subcommands, clap definition,
//! exit codes and examples. What its `--help`, its man page and its
//! completions are made from ([`crate::docs`] reads it; the dispatch in
//! [`super`] runs it).

use crate::registry::TOOLS;
use clap::{value_parser, Arg, ArgAction, Command};
use std::path::PathBuf;

/// The multicall binary's own name, in its messages.
pub const NAME: &str = "tg-iam";

/// The subcommand that creates the links.
pub(super) const INSTALL_LINKS: &str = "install-links";
/// The subcommand that prints shell completions.
pub(super) const COMPLETIONS: &str = "completions";
/// The subcommand that writes the man pages.
pub(super) const MAN: &str = "man";
/// `tg-iam`'s own subcommands (any other word is a tool's name).
pub(super) const SUBCOMMANDS: &[&str] = &[INSTALL_LINKS, COMPLETIONS, MAN];

/// `tg-iam`'s own exit codes (the tools keep theirs).
pub const EXIT_CODES_HELP: &str = "\
Exit codes of tg-iam itself (a tool run through it exits with the tool's codes):
  0  success
  1  install-links could not create a link, or refused to replace a file that is not its own
     link; man could not write a page
  2  usage error (bad flags, no such tool or shell, DIR missing or not a directory)";

/// `tg-iam`'s examples: the end of its long `--help` and of tg-iam(1).
pub const EXAMPLES: &[tg_iam_docgen::Example] = &[
    (
        "Run a tool through the multicall binary",
        "tg-iam tg-whoami -o json",
    ),
    (
        "Install a link per tool beside it, so that every tool is on PATH",
        "tg-iam install-links ~/.cargo/bin",
    ),
    (
        "Shell completions for every tool (bash; also zsh, fish, elvish, powershell)",
        "source <(tg-iam completions bash)",
    ),
    (
        "Every man page, where man finds them",
        "tg-iam man ~/.local/share/man",
    ),
];

/// The clap command of `tg-iam` itself (not of the tools it runs).
pub fn command() -> Command {
    let width = TOOLS.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let mut tools = String::from("Tools (`tg-iam TOOL --help` shows each one's flags):\n");
    // Purposes wrapped with a hanging indent, within the 100 columns clap
    // uses when it cannot ask a terminal (clap would wrap a long one back
    // to column 0).
    let indent = " ".repeat(width + 4);
    for t in TOOLS {
        let first = format!("  {:<width$}  ", t.name);
        let options = textwrap::Options::new(100usize.max(width + 4 + 40))
            .initial_indent(&first)
            .subsequent_indent(&indent)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .break_words(false);
        tools.push_str(&textwrap::fill(t.purpose, options));
        tools.push('\n');
    }
    Command::new(NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .about(
            "Every tg-* IAM tool in one binary. Run through a link named after a tool \
             (tg-login, ...) it is that tool; `tg-iam TOOL ARGS...` does the same.",
        )
        .override_usage(
            "tg-iam TOOL [ARGS]...\n       tg-iam --list\n       tg-iam install-links DIR [--hard]\n       tg-iam completions SHELL\n       tg-iam man DIR",
        )
        .arg(
            Arg::new("list")
                .long("list")
                .action(ArgAction::SetTrue)
                .help("Print the tools' names, one per line"),
        )
        .subcommand(
            Command::new(INSTALL_LINKS)
                .about(
                    "Create a link named after each tool in DIR, pointing at this binary. \
                     Existing links to this binary are kept or replaced; any other file \
                     stops it before it changes anything.",
                )
                .arg(
                    Arg::new("dir")
                        .value_name("DIR")
                        .required(true)
                        .value_parser(value_parser!(PathBuf))
                        .help("An existing directory, usually one on PATH"),
                )
                .arg(
                    Arg::new("hard")
                        .long("hard")
                        .action(ArgAction::SetTrue)
                        .help(
                            "Create hard links instead of symbolic links (same file system only)",
                        ),
                )
                .after_help(
                    "stdout: the links' paths, one per line (`xargs rm` removes them). \
                     stderr: how many were created, replaced or already there.",
                ),
        )
        .subcommand(
            Command::new(COMPLETIONS)
                .about(
                    "Print the shell completions of every tool and of tg-iam, as one script \
                     to source (e.g. from ~/.bashrc: source <(tg-iam completions bash))",
                )
                .arg(
                    Arg::new("shell")
                        .value_name("SHELL")
                        .required(true)
                        .value_parser(tg_iam_docgen::shell_names())
                        .help("The shell"),
                ),
        )
        .subcommand(
            Command::new(MAN)
                .about(
                    "Write every man page (each tool's, tg-iam(1), tg-iam(7), \
                     tg-apply-manifest(5)) into DIR/man1, DIR/man5 and DIR/man7",
                )
                .arg(
                    Arg::new("dir")
                        .value_name("DIR")
                        .required(true)
                        .value_parser(value_parser!(PathBuf))
                        .help("A man directory, e.g. ~/.local/share/man (created if needed)"),
                )
                .after_help("stdout: the pages' paths, one per line."),
        )
        .args_conflicts_with_subcommands(true)
        .arg_required_else_help(true)
        .disable_help_subcommand(true)
        .after_help(format!("{tools}\n{EXIT_CODES_HELP}"))
        .after_long_help(format!(
            "{tools}\n{EXIT_CODES_HELP}\n\n{}",
            tg_iam_docgen::examples_help(EXAMPLES)
        ))
}
