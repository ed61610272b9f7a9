//! Grading the source as it is now, whatever its files' modification times say.
//!
//! cargo rebuilds a package when one of its files is newer than its last build. A file
//! put back from a backup (`mv`, `cp -a`) keeps its old time, so cargo would keep the
//! program built from the code it replaced: a `todo!()` reported that the code no
//! longer has, or a pass for code that fails. The same happens between two submission
//! folders of one package: cargo keeps one build per package name in a target dir,
//! and sees no difference between two folders whose files are older than that build.
//!
//! So before each build the grader compares a hash of each file with the one recorded
//! at the package's last build. A file whose content changed but whose time is not
//! newer than the program is one cargo cannot see: its time is set to now. A normal
//! save is newer than the program, and left alone (new times would wake `watch` again).
//!
//! The records live in `target/netlab/builds/`: losing one costs a rebuild.

use crate::files::paths;
use crate::files::tree;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What the grader knows about the last program it built from a package.
#[derive(Debug, Serialize, Deserialize)]
struct LastBuild {
    /// The hash of each file (relative to the package's folder) it was built from.
    files: BTreeMap<PathBuf, u64>,
    /// The program cargo produced.
    program: PathBuf,
    /// The program's modification time then: another time means something else
    /// (a plain `cargo build`) rebuilt it since, from files the grader did not see.
    program_modified: SystemTime,
}

/// A package's files as they are now.
pub struct Sources {
    dir: PathBuf,
    hashes: BTreeMap<PathBuf, u64>,
    record: PathBuf,
}

impl Sources {
    /// The files in `dir`, whose builds are recorded under the name `record` (the
    /// package's name: what cargo tells its builds apart by).
    pub fn read(root: &Path, record: &str, dir: &Path) -> io::Result<Sources> {
        let hashes = tree::files(dir)?
            .into_iter()
            .map(|file| {
                let hash = tree::file_hash(&dir.join(&file));
                (file, hash)
            })
            .collect();
        Ok(Sources {
            dir: dir.to_path_buf(),
            hashes,
            record: paths::scratch_dir(root)
                .join("builds")
                .join(format!("{record}.json")),
        })
    }

    /// Makes sure the coming cargo build compiles the files as they are now: each file
    /// changed since the last build that cargo cannot see changed gets the time now.
    pub fn make_changes_visible(&self) -> io::Result<()> {
        let last = std::fs::read(&self.record)
            .ok()
            .and_then(|json| serde_json::from_slice::<LastBuild>(&json).ok());
        let hidden = self.hidden_changes(last.as_ref());
        let now = SystemTime::now();
        for file in &hidden {
            std::fs::File::open(self.dir.join(file))?.set_modified(now)?;
        }
        Ok(())
    }

    /// The files whose content differs from the last build's while their time is not
    /// newer than its program. Without a trustworthy record every file counts as
    /// changed: the program may have been built from anything.
    fn hidden_changes(&self, last: Option<&LastBuild>) -> Vec<&PathBuf> {
        let program_modified = last.and_then(|last| modified(&last.program));
        let known = last
            .filter(|last| program_modified == Some(last.program_modified))
            .map(|last| &last.files);
        self.hashes
            .iter()
            .filter(|(file, hash)| known.and_then(|known| known.get(*file)) != Some(hash))
            .filter(|(file, _)| {
                let newer = modified(&self.dir.join(file))
                    .zip(program_modified)
                    .is_some_and(|(file, program)| file > program);
                !newer
            })
            .map(|(file, _)| file)
            .collect()
    }

    /// Records that `program` was just built from these files. Best effort: without
    /// the record, the next check rebuilds once.
    pub fn remember(&self, program: &Path) {
        let Some(program_modified) = modified(program) else {
            return;
        };
        let last = LastBuild {
            files: self.hashes.clone(),
            program: program.to_path_buf(),
            program_modified,
        };
        if let Ok(json) = serde_json::to_vec_pretty(&last) {
            let unchanged = std::fs::read(&self.record).is_ok_and(|old| old == json);
            if !unchanged {
                let _ = tree::write_atomically(&self.record, &json);
            }
        }
    }
}

/// A file's modification time, if it exists.
fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
