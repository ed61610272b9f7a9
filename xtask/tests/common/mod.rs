//! What the grader's golden tests share: where the course is, and how an output is
//! made stable for a snapshot. (`tests/common/mod.rs` is not a test target of its own.)

#![allow(dead_code)] // each test file uses some of these

use std::path::{Path, PathBuf};

/// The course's workspace root: xtask lives one folder below it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace")
        .to_path_buf()
}

/// `text` with every match of each `(pattern, replacement)` replaced, in order: what
/// varies between runs (ports, times, temporary folders) hidden for a snapshot.
pub fn replace_all(text: &str, rules: &[(&str, &str)]) -> String {
    rules
        .iter()
        .fold(text.to_string(), |text, (pattern, with)| {
            regex::Regex::new(pattern)
                .expect("valid pattern")
                .replace_all(&text, *with)
                .into_owned()
        })
}

/// A path as a command-line argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}
