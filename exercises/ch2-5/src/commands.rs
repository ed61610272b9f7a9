//! The commands: what the server answers, as one line of text, to each command.
//!
//! The interesting one is `ls DIR`: DIR comes from the network, and the server must
//! list nothing outside its served root, however DIR is spelt. `root.join(dir)` alone
//! is a classic hole: `..` climbs out of the root, an absolute DIR replaces the root
//! altogether, and a symbolic link inside the root may point anywhere.
//! [`resolve_inside_root`] must ask the file system where the path really leads and
//! refuse any path that does not end up under the root.
//!
//! Add helper functions as you like (e.g. `fn ls(root, dir) -> String`). You will need
//! more imports, e.g. `std::fs` and `std::io`.

use std::io;
use std::path::{Path, PathBuf};

use chrono::Local;

/// Answers one command (already trimmed) with one reply line, without its `\n`. The
/// reply must never contain a line end.
///
/// | command | reply |
/// |---|---|
/// | `date` | [`ctime`] |
/// | `os` | `std::env::consts::OS` (e.g. `linux`) |
/// | `ls` | the listing of the root ([`list_dir`]) |
/// | `ls DIR` (spaces around DIR trimmed) | the listing of DIR, relative to the root |
/// | anything else, the empty line too | `error: unknown command "X"; try date, os, ls or ls DIR` |
///
/// `ls DIR` errors, one line each (DIR as the client wrote it):
/// [`LsError::Outside`] → `error: DIR is outside the served directory`,
/// [`LsError::NotFound`] → `error: no such directory: DIR`,
/// [`LsError::NotADirectory`] → `error: not a directory: DIR`,
/// [`LsError::Io`] → `error: cannot list DIR: <reason>`.
pub fn handle_command(command: &str, root: &Path) -> String {
    todo!("answer {command:?} (served root: {})", root.display())
}

/// The current local time the way C's `ctime(3)` (and Python's `time.ctime()`) writes
/// it: `Sun Nov 22 03:10:00 2026`, the day padded with a space. (Given.)
fn ctime() -> String {
    Local::now().format("%a %b %e %H:%M:%S %Y").to_string()
}

/// Why `ls DIR` could not list DIR. (Given.)
#[derive(Debug)]
pub enum LsError {
    /// DIR leads outside the served root.
    Outside,
    /// Nothing exists at DIR.
    NotFound,
    /// DIR exists but is not a directory.
    NotADirectory,
    /// Anything else the file system said (permission denied, a symlink loop…).
    Io(io::Error),
}

/// Finds where `dir`, taken relative to `root`, really leads, and returns that path
/// only if it is inside `root`. `root` is already canonical (absolute, no symlinks).
///
/// - Nothing outside the root may be listed, however `dir` is spelt: `..`, `a/../..`,
///   an absolute path (`Path::join` with one REPLACES the root), or a symbolic link
///   inside the root that points out of it (its name has no `..`: only the file system
///   knows where it leads). All of these are [`LsError::Outside`].
/// - "Inside" compares whole path components: `/srv/root2` is not inside `/srv/root`.
/// - A path that stays inside is fine, however it is spelt: `docs/..`, `./docs`, a
///   symlink to a folder inside the root.
/// - The reply must not reveal what exists outside the root: `../secret` (which
///   exists) and `../missing` (which does not) get the same [`LsError::Outside`].
/// - Inside the root: nothing there is [`LsError::NotFound`] (`file/x` too); any other
///   error of the file system is [`LsError::Io`].
pub fn resolve_inside_root(root: &Path, dir: &Path) -> Result<PathBuf, LsError> {
    todo!("resolve {} inside {}", dir.display(), root.display())
}

/// The entries of directory `path` as one line: names sorted bytewise (compare
/// `name.as_encoded_bytes()`), a `/` after each directory (`entry.path().is_dir()`
/// follows symlinks), separated by single tabs; `(empty)` when there are none.
///
/// A file name may contain a tab or a newline, which would break the one-line reply:
/// write control characters escaped (`char::escape_default`), and show non-UTF-8 bytes
/// as `�` (`to_string_lossy`).
pub fn list_dir(path: &Path) -> io::Result<String> {
    todo!("list the entries of {}", path.display())
}
