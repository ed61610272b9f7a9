//! Where the grader keeps its own files, and why there.
//!
//! Two kinds of files, two places. What a student would be sorry to lose (backups made
//! by `reset`, the progress `list` shows) lives in `.netlab/` at the workspace root,
//! which git ignores and `cargo clean` does not touch. What only saves time (records of
//! the last build, scratch copies of submissions) lives in `target/netlab/`: `cargo
//! clean` deletes it, and the next check rebuilds it.

use std::path::{Path, PathBuf};

/// `.netlab/`: the student's own state, which survives `cargo clean`.
pub fn state_dir(root: &Path) -> PathBuf {
    root.join(".netlab")
}

/// `.netlab/backups/`: the versions `reset` put aside, one folder per reset.
pub fn backups_dir(root: &Path) -> PathBuf {
    state_dir(root).join("backups")
}

/// `target/netlab/`: what the grader can always rebuild, at the cost of some time.
pub fn scratch_dir(root: &Path) -> PathBuf {
    root.join("target").join("netlab")
}

/// A path relative to the workspace root when it is inside it, for messages: a student
/// reads `.netlab/backups/ch2-8-…` more easily than a long absolute path.
pub fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
