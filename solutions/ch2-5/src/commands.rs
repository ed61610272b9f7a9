//! The commands: what the server answers, as one line of text, to each command.
//!
//! The interesting one is `ls DIR`: DIR comes from the network, and the server must
//! list nothing outside its served root, however DIR is spelt. `root.join(dir)` alone
//! is a classic hole: `..` climbs out of the root, an absolute DIR replaces the root
//! altogether, and a symbolic link inside the root may point anywhere.
//! [`resolve_inside_root`] asks the file system where the path really leads
//! (`canonicalize` resolves `.`, `..` and every symlink) and refuses any path that does
//! not end up under the canonical root.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use chrono::Local;

// ANCHOR: handle_command
/// Answers one command (already trimmed) with one reply line, without its `\n`:
/// `date`, `os`, `ls` and `ls DIR`; anything else gets a polite error naming the
/// commands there are. The reply never contains a line end.
pub fn handle_command(command: &str, root: &Path) -> String {
    match command {
        "date" => ctime(),
        "os" => std::env::consts::OS.to_string(),
        "ls" => ls(root, "."),
        _ => match command.strip_prefix("ls") {
            Some(dir) if dir.starts_with(char::is_whitespace) => ls(root, dir.trim()),
            _ => format!("error: unknown command \"{command}\"; try date, os, ls or ls DIR"),
        },
    }
}
// ANCHOR_END: handle_command

/// The current local time the way C's `ctime(3)` (and Python's `time.ctime()`) writes
/// it: `Sun Nov 22 03:10:00 2026`, the day padded with a space.
fn ctime() -> String {
    Local::now().format("%a %b %e %H:%M:%S %Y").to_string()
}

// ANCHOR: ls
/// Why `ls DIR` could not list DIR.
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

/// The reply to `ls DIR`: DIR's entries, or one error line.
fn ls(root: &Path, dir: &str) -> String {
    let listing = resolve_inside_root(root, Path::new(dir)).and_then(|path| {
        if !path.is_dir() {
            return Err(LsError::NotADirectory);
        }
        list_dir(&path).map_err(LsError::Io)
    });
    match listing {
        Ok(listing) => listing,
        Err(LsError::Outside) => format!("error: {dir} is outside the served directory"),
        Err(LsError::NotFound) => format!("error: no such directory: {dir}"),
        Err(LsError::NotADirectory) => format!("error: not a directory: {dir}"),
        Err(LsError::Io(err)) => format!("error: cannot list {dir}: {err}"),
    }
}

/// Finds where `dir`, taken relative to `root`, really leads, and returns that path
/// only if it is inside `root`. `root` must already be canonical (see `served_root`).
///
/// 1. `dir` must be relative and must not climb above its start by its `..`s alone
///    (checked without touching the disk, so that the replies do not reveal what
///    exists outside the root).
/// 2. `canonicalize` resolves every `.`, `..` and symbolic link into the real path.
/// 3. That real path must start with the root: `Path::starts_with` compares whole
///    components, so `/srv/root2` is not inside `/srv/root`.
///
/// Symbolic links that stay inside the root are fine. One caveat remains: the check
/// and the later use are two steps, and someone who can change the directory tree in
/// between (swap a directory for a symlink) can still win that race.
pub fn resolve_inside_root(root: &Path, dir: &Path) -> Result<PathBuf, LsError> {
    if climbs_out(dir) {
        return Err(LsError::Outside);
    }
    let real = fs::canonicalize(root.join(dir)).map_err(|err| match err.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => LsError::NotFound,
        _ => LsError::Io(err),
    })?;
    if !real.starts_with(root) {
        return Err(LsError::Outside);
    }
    Ok(real)
}

/// Whether `dir`, read as written, leaves the directory it starts from: an absolute
/// path, or more `..` than names before them (`..`, `a/../..`).
fn climbs_out(dir: &Path) -> bool {
    let mut depth = 0usize;
    for component in dir.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return true,
        }
    }
    false
}
// ANCHOR_END: ls

// ANCHOR: list_dir
/// The entries of directory `path` as one line: names sorted bytewise, a `/` after
/// each directory (or symlink to one), separated by tabs; `(empty)` for none.
pub fn list_dir(path: &Path) -> io::Result<String> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        entries.push((entry.file_name(), entry.path().is_dir()));
    }
    if entries.is_empty() {
        return Ok("(empty)".to_string());
    }
    entries.sort_by(|(a, _), (b, _)| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    let names: Vec<String> = entries
        .iter()
        .map(|(name, is_dir)| printable(name) + if *is_dir { "/" } else { "" })
        .collect();
    Ok(names.join("\t"))
}

/// A file name as reply text. A name may hold any byte but `/` and NUL, a newline or
/// a tab included, which would break our one-line reply; control characters are
/// therefore written escaped (`\n`, `\t`, `\u{1b}`), and bytes that are not UTF-8
/// as `�`.
fn printable(name: &OsStr) -> String {
    let mut text = String::new();
    for c in name.to_string_lossy().chars() {
        if c.is_control() {
            text.extend(c.escape_default());
        } else {
            text.push(c);
        }
    }
    text
}
// ANCHOR_END: list_dir
