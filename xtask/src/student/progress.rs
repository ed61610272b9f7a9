//! What the grader remembers of a student's work: the last verdict of each exercise
//! (for `list`, with a fingerprint to notice edits since) and how many hints of each
//! were shown (for `hint --more`).
//!
//! Kept in `.netlab/progress.json`, where `cargo clean` does not reach. It is a
//! convenience, never a reason to stop: a damaged file is put aside with one warning
//! and a new one started, and a failure to save is a warning too.

use crate::files::paths;
use crate::files::tree;
use harness::ExerciseId;
use harness::report::SuiteReport;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xtask::manifest::Exercise;

/// The last verdict of one exercise.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    /// Cases that passed.
    pub passed: usize,
    /// Cases in all.
    pub total: usize,
    /// A fingerprint of the exercise's files when it was checked.
    pub fingerprint: u64,
}

/// Everything remembered, by exercise id. Missing fields read as empty, so a file
/// written by an older grader still loads.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// The last verdict of each exercise checked.
    #[serde(default)]
    pub verdicts: BTreeMap<String, Verdict>,
    /// How many hints of each exercise have been shown.
    #[serde(default, rename = "hints_shown")]
    hints: BTreeMap<String, usize>,
}

impl Progress {
    /// `.netlab/progress.json`.
    pub fn file(root: &Path) -> PathBuf {
        paths::state_dir(root).join("progress.json")
    }

    /// What is remembered (nothing yet if nothing was checked). A file that cannot be
    /// read or parsed is kept as `progress.json.broken`, replaced by an empty one, and
    /// reported in one `warning:` line.
    pub fn load(root: &Path) -> Progress {
        let file = Self::file(root);
        let problem = match std::fs::read_to_string(&file) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(progress) => return progress,
                Err(error) => error.to_string(),
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Progress::default();
            }
            Err(error) => error.to_string(),
        };
        Self::start_again(root, &problem);
        Progress::default()
    }

    /// Puts a damaged progress file aside and saves an empty one in its place.
    fn start_again(root: &Path, problem: &str) {
        let file = Self::file(root);
        let mut broken = file.clone().into_os_string();
        broken.push(".broken");
        let kept = match std::fs::rename(&file, &broken) {
            Ok(()) => format!(
                "the old one is kept as {}",
                paths::shown(root, broken.as_ref())
            ),
            Err(_) => "the old one could not be kept".to_string(),
        };
        let saved = Progress::default().save(root).is_ok();
        eprintln!(
            "warning: {} was unreadable ({problem}); {} ({kept})",
            paths::shown(root, &file),
            if saved {
                "a new one was started"
            } else {
                "progress is not remembered this time"
            }
        );
    }

    /// Writes the file at once, so a reader never sees half of it.
    pub fn save(&self, root: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        tree::write_atomically(&Self::file(root), json.as_bytes())
    }

    /// Saves, or says in one warning line that progress could not be remembered.
    fn save_or_warn(&self, root: &Path) {
        if let Err(error) = self.save(root) {
            eprintln!(
                "warning: cannot save {} ({error}); `cargo xtask list` will not show this",
                paths::shown(root, &Self::file(root))
            );
        }
    }

    /// Remembers the verdict of a check of the student's exercise.
    pub fn record(root: &Path, exercise: &Exercise, suite: &SuiteReport) {
        let mut progress = Progress::load(root);
        let verdict = Verdict {
            passed: suite.cases.iter().filter(|c| c.passed).count(),
            total: suite.cases.len(),
            fingerprint: tree::fingerprint_dir(&root.join(exercise.id.exercise_dir())),
        };
        progress.verdicts.insert(exercise.id.to_string(), verdict);
        progress.save_or_warn(root);
    }

    /// How many hints of `id` have been shown so far.
    pub fn hints_shown(&self, id: ExerciseId) -> usize {
        self.hints.get(&id.to_string()).copied().unwrap_or(0)
    }

    /// Remembers that one more hint of `id` was shown; returns how many have been now.
    pub fn record_hint(root: &Path, id: ExerciseId) -> usize {
        let mut progress = Progress::load(root);
        let shown = progress.hints.entry(id.to_string()).or_default();
        *shown += 1;
        let shown = *shown;
        progress.save_or_warn(root);
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ExerciseId {
        text.parse().expect("a valid id")
    }

    #[test]
    fn hints_shown_are_counted_per_exercise_and_saved() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(Progress::load(root.path()).hints_shown(id("ch2-8")), 0);
        assert_eq!(Progress::record_hint(root.path(), id("ch2-8")), 1);
        assert_eq!(Progress::record_hint(root.path(), id("ch2-8")), 2);
        assert_eq!(Progress::record_hint(root.path(), id("ch1-1")), 1);
        let progress = Progress::load(root.path());
        assert_eq!(progress.hints_shown(id("ch2-8")), 2);
        assert_eq!(progress.hints_shown(id("ch1-1")), 1);
    }

    #[test]
    fn a_file_from_before_hints_were_counted_still_loads() {
        let root = tempfile::tempdir().unwrap();
        let old = r#"{ "verdicts": { "ch2-8": { "passed": 3, "total": 7, "fingerprint": 1 } } }"#;
        tree::write_atomically(&Progress::file(root.path()), old.as_bytes()).unwrap();
        let progress = Progress::load(root.path());
        assert_eq!(progress.verdicts["ch2-8"].passed, 3);
        assert_eq!(progress.hints_shown(id("ch2-8")), 0);
    }

    #[test]
    fn a_damaged_file_is_put_aside_and_replaced() {
        let root = tempfile::tempdir().unwrap();
        let file = Progress::file(root.path());
        tree::write_atomically(&file, b"{ not json").unwrap();
        assert!(Progress::load(root.path()).verdicts.is_empty());
        let kept = std::fs::read(root.path().join(".netlab/progress.json.broken")).unwrap();
        assert_eq!(kept, b"{ not json");
        let replaced = std::fs::read_to_string(&file).unwrap();
        assert!(
            serde_json::from_str::<Progress>(&replaced).is_ok(),
            "{replaced}"
        );
    }
}
