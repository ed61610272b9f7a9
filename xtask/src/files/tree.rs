//! The files of a folder: listed, fingerprinted, copied, written only when they change.
//!
//! `reset`, `lock`, `list`, the freshness check before a build and the scratch copies
//! of submissions all look at a program's folder the same way, so they share this.

use std::io;
use std::path::{Path, PathBuf};

/// Folders that are never part of a program's source: build output and version control
/// (a collected submission may hold either, and `target/` can be huge).
const NOT_SOURCE: [&str; 2] = ["target", ".git"];

/// Every file under `dir`, relative to it and sorted, so two listings of the same
/// folder compare equal. A missing folder has no files.
pub fn files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if dir.is_dir() {
        collect(dir, Path::new(""), &mut found)?;
    }
    found.sort();
    Ok(found)
}

/// Adds the files of `dir/relative` to `found`, descending into subfolders.
fn collect(dir: &Path, relative: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if !NOT_SOURCE.iter().any(|name| entry.file_name() == *name) {
                collect(dir, &path, found)?;
            }
        } else {
            found.push(path);
        }
    }
    Ok(())
}

/// A hash of the names and contents of `files` (relative to `dir`): equal fingerprints
/// mean the same source.
pub fn fingerprint(dir: &Path, files: &[PathBuf]) -> u64 {
    let mut hash = Fnv::new();
    for file in files {
        hash.add(file.to_string_lossy().as_bytes());
        hash.add(&std::fs::read(dir.join(file)).unwrap_or_default());
    }
    hash.0
}

/// A hash of one file's content (that of nothing for a file that cannot be read).
pub fn file_hash(path: &Path) -> u64 {
    hash(&std::fs::read(path).unwrap_or_default())
}

/// A hash of `bytes`.
pub fn hash(bytes: &[u8]) -> u64 {
    let mut hash = Fnv::new();
    hash.add(bytes);
    hash.0
}

/// FNV-1a, 64 bits: no dependency, and fast enough for a few small files.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Adds `bytes`, preceded by their length so `ab`+`c` and `a`+`bc` differ.
    fn add(&mut self, bytes: &[u8]) {
        for byte in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// The fingerprint of every file under `dir` (see [`fingerprint`]).
pub fn fingerprint_dir(dir: &Path) -> u64 {
    fingerprint(dir, &files(dir).unwrap_or_default())
}

/// Copies every file under `from` to the same place under `to`.
pub fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for file in files(from)? {
        let target = to.join(&file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(&file), target)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` unless it already holds exactly them, creating its folder.
/// An unchanged file keeps its modification time, so cargo does not rebuild for it.
/// Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)?;
    Ok(true)
}

/// Replaces `path` with `bytes` all at once (a temporary file, then a rename), so a
/// reader never sees half a file, even if two checks save at the same moment.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// Removes the folders under `dir` (not `dir` itself) that hold no file any more.
pub fn remove_empty_dirs(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            remove_empty_dirs(&entry.path())?;
            if std::fs::read_dir(entry.path())?.next().is_none() {
                std::fs::remove_dir(entry.path())?;
            }
        }
    }
    Ok(())
}
