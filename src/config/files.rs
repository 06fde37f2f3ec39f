//! Reading and writing the suite's files safely: secret files are refused
//! when group or others can read them (as ssh refuses a loose key), every
//! read is bounded, and every write goes to a new 0600 temporary file in
//! the same directory that is synced and renamed over the target, so a
//! crash never leaves a half-written file.

use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The largest config, credentials or token file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// How long a read of a pipe, a FIFO or a terminal named as a file
/// (`--token-file <(pass show gw)`) may wait for its writer.
pub const PIPE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Read at most `max` bytes of `path`; `what` names the file in messages
/// (`config file`). `Ok(None)` when it does not exist. Never blocks for
/// good: the file is opened without waiting for a FIFO's writer (a FIFO
/// with none reads as empty), and a pipe, FIFO or terminal gets
/// [`PIPE_WAIT`] to deliver.
pub fn read_bytes(path: &Path, what: &str, max: u64) -> Result<Option<Vec<u8>>> {
    read_bytes_within(path, what, max).map_err(|e| match e {
        TooLarge::Over => Error::usage(format!(
            "{what} {} is larger than {} KiB",
            path.display(),
            max / 1024
        )),
        TooLarge::Other(e) => e,
    })
}

/// Why a bounded read failed: the file is over the bound (for the caller
/// to word, naming what raises it), or anything else.
#[derive(Debug)]
pub enum TooLarge {
    Over,
    Other(Error),
}

impl From<Error> for TooLarge {
    fn from(e: Error) -> TooLarge {
        TooLarge::Other(e)
    }
}

/// [`read_text`] with the bound `max`.
pub fn read_text_within(
    path: &Path,
    what: &str,
    max: u64,
) -> std::result::Result<Option<String>, TooLarge> {
    let Some(bytes) = read_bytes_within(path, what, max)? else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(|_| {
        TooLarge::Other(Error::usage(format!(
            "{what} {} is not valid UTF-8",
            path.display()
        )))
    })
}

fn read_bytes_within(
    path: &Path,
    what: &str,
    max: u64,
) -> std::result::Result<Option<Vec<u8>>, TooLarge> {
    let cannot =
        |e: std::io::Error| Error::usage(format!("cannot read {what} {}: {e}", path.display()));
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e).into()),
    };
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_dir() {
        return Err(Error::usage(format!("{what} {} is a directory", path.display())).into());
    }
    let deadline = std::time::Instant::now() + PIPE_WAIT;
    let mut bytes = Vec::new();
    let mut reader = (&file).take(max + 1);
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() || !wait_readable(&file, left) {
                    return Err(Error::usage(format!(
                        "cannot read {what} {}: nothing arrived within {} s",
                        path.display(),
                        PIPE_WAIT.as_secs()
                    ))
                    .into());
                }
            }
            Err(e) => return Err(cannot(e).into()),
        }
    }
    if bytes.len() as u64 > max {
        return Err(TooLarge::Over);
    }
    Ok(Some(bytes))
}

/// Wait up to `left` for `file` to become readable (or hung up).
fn wait_readable(file: &File, left: std::time::Duration) -> bool {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(file, PollFlags::IN)];
    let timeout = Timespec::try_from(left).unwrap_or(Timespec {
        tv_sec: i64::MAX,
        tv_nsec: 0,
    });
    poll(&mut fds, Some(&timeout)).is_ok_and(|n| n > 0)
}

/// Read `path` as UTF-8 text, at most [`MAX_FILE_BYTES`] (see
/// [`read_bytes`]). `Ok(None)` when it does not exist.
pub fn read_text(path: &Path, what: &str) -> Result<Option<String>> {
    let Some(bytes) = read_bytes(path, what, MAX_FILE_BYTES)? else {
        return Ok(None);
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Error::usage(format!("{what} {} is not valid UTF-8", path.display())))
}

/// Refuse a secret file that group or others may read or write.
pub fn check_private(path: &Path, what: &str) -> Result<()> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::usage(format!(
                "cannot read {what} {}: {e}",
                path.display()
            )))
        }
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::usage(format!(
            "{what} {} is accessible by group or others (mode {mode:03o}): refusing to use it",
            path.display()
        ))
        .with_hint(format!(
            "it holds a secret: run chmod 600 {}",
            path.display()
        )));
    }
    Ok(())
}

/// Read a secret file: private (see [`check_private`]), bounded, UTF-8.
pub fn read_secret(path: &Path, what: &str) -> Result<Option<String>> {
    check_private(path, what)?;
    read_text(path, what)
}

/// Replace `path` with `text` atomically: a new temporary file with
/// `mode` in the same directory (`tempfile`), written, synced, persisted
/// (renamed) over `path`, and the directory synced. The directory is
/// created (0700) if missing. A temporary file that is not persisted is
/// removed.
pub fn write_atomic(path: &Path, text: &str, mode: u32, what: &str) -> Result<()> {
    let fail =
        |e: std::io::Error| Error::local(format!("cannot write {what} {}", path.display()), e);
    // A symbolic link (a dotfiles setup) is written through: the rename
    // replaces its target, in the target's directory, and the link stays.
    let path = &link_target(path, what)?;
    let dir = private_dir(path).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // tempfile picks a free name, removes the file on any failure and
    // persists it; the file is opened here, with `mode` from the start
    // (tempfile's own opening adds the temporary name to its errors).
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-"))
        .make_in(dir, |p| {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(p)
        })
        .map_err(fail)?;
    let mut f = tmp.as_file();
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Hold an exclusive lock for a read-modify-write of `path` (the config
/// or credentials file) until the returned handle is dropped, so that two
/// tools saving at once cannot lose each other's change. The lock is on
/// the directory that holds the file (its target, for a symbolic link):
/// nothing is left behind.
pub fn lock(path: &Path, what: &str) -> Result<File> {
    let fail =
        |e: std::io::Error| Error::local(format!("cannot lock {what} {}", path.display()), e);
    let target = link_target(path, what)?;
    let f = File::open(private_dir(&target).map_err(fail)?).map_err(fail)?;
    f.lock().map_err(fail)?;
    Ok(f)
}

/// `path`, or the file it links to: a symbolic link (a dotfiles setup)
/// is written through, never replaced.
fn link_target(path: &Path, what: &str) -> Result<PathBuf> {
    if !path.is_symlink() {
        return Ok(path.to_path_buf());
    }
    fs::canonicalize(path).map_err(|e| {
        Error::local(
            format!(
                "cannot write {what} {}: it is a symbolic link whose target cannot be resolved",
                path.display()
            ),
            e,
        )
    })
}

/// The directory holding `path`, created (0700) when missing.
fn private_dir(path: &Path) -> std::io::Result<&Path> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    Ok(dir)
}

/// The mode of an existing file, for rewriting it with the same one.
pub fn mode_of(path: &Path) -> Option<u32> {
    fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tg-iam-files-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn atomic_writes_are_private_and_stay_private() {
        let d = tmpdir("atomic");
        let p = d.join("sub/credentials.toml");
        write_atomic(&p, "a = 1\n", 0o600, "credentials file").unwrap();
        assert_eq!(mode_of(&p), Some(0o600));
        assert_eq!(read_secret(&p, "x").unwrap().as_deref(), Some("a = 1\n"));
        write_atomic(&p, "a = 2\n", 0o600, "credentials file").unwrap();
        assert_eq!(mode_of(&p), Some(0o600));
        assert_eq!(
            fs::read_dir(p.parent().unwrap()).unwrap().count(),
            1,
            "no temp left"
        );
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        let e = read_secret(&p, "credentials file").unwrap_err();
        assert!(e.hint.unwrap().contains("chmod 600"));
        let _ = fs::remove_dir_all(&d);
    }
}
