//! What `list` shows: the last verdict of each exercise, remembered by `check`, and
//! whether the exercise changed since.

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

/// The remembered verdicts, kept in `target/netlab/progress.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Verdicts by exercise id.
    pub verdicts: BTreeMap<String, Verdict>,
}

impl Progress {
    fn file(root: &Path) -> PathBuf {
        root.join("target").join("netlab").join("progress.json")
    }

    /// The remembered verdicts (none yet if nothing was checked).
    pub fn load(root: &Path) -> Progress {
        std::fs::read_to_string(Self::file(root))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Remembers the verdict of a check of the student's exercise. Losing it only
    /// makes `list` less informative, so a failure to save is ignored.
    pub fn record(root: &Path, exercise: &Exercise, suite: &SuiteReport) {
        let mut progress = Progress::load(root);
        let verdict = Verdict {
            passed: suite.cases.iter().filter(|c| c.passed).count(),
            total: suite.cases.len(),
            fingerprint: fingerprint(&root.join(exercise.id.exercise_dir())),
        };
        progress.verdicts.insert(exercise.id.to_string(), verdict);
        let file = Self::file(root);
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(json) = serde_json::to_string_pretty(&progress) {
            let _ = std::fs::write(file, json);
        }
    }
}

/// A hash of every file under `dir` (names and contents), to notice edits since a check.
pub fn fingerprint(dir: &Path) -> u64 {
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let name = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        let content = std::fs::read(&file).unwrap_or_default();
        for byte in name.bytes().chain(content) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    hash
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}
