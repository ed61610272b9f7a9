//! `cargo xtask reset ID`: put an exercise back to its skeleton as the course shipped
//! it, keeping the student's version in `.netlab/backups/`.
//!
//! The skeleton comes from `xtask/skeletons.lock` and git's object store, not from
//! git's HEAD: a student who committed their work would get their own work back.
//! Everything that can refuse (no lock, no git, no repository, a missing blob) is
//! checked before the first file changes, so a refusal leaves the folder as it was.

use crate::files::git::{Git, Unavailable};
use crate::files::paths;
use crate::files::tree;
use crate::instructor::skeletons::{LOCK_FILE, Lock};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use xtask::manifest::Manifest;

/// One file of the skeleton, read from git and ready to write.
struct SkeletonFile {
    /// Relative to the exercise's folder.
    path: PathBuf,
    content: Vec<u8>,
}

/// Backs up the exercise's folder, then makes it hold exactly the skeleton's files.
pub fn run(root: &Path, id: &str) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let exercise = manifest.get(id)?;
    let dir = exercise.id.exercise_dir();
    let skeleton = read_skeleton(root, &dir)?;
    let folder = root.join(&dir);
    let backup = back_up(root, id, &folder)?;
    restore(&folder, &skeleton)
        .with_context(|| format!("cannot write the skeleton into {}", dir.display()))?;
    println!("{id} is back to its skeleton.");
    match backup {
        Some(backup) => {
            let backup = paths::shown(root, &backup);
            println!(
                "Your version is kept in {backup} (outside target/, so `cargo clean` keeps it).\n\
                 Compare them with: diff -ru {backup} {}",
                dir.display()
            );
        }
        None => println!("There was no {} to back up.", dir.display()),
    }
    Ok(())
}

/// Reads every file of the skeleton in `dir` from git, or says why it cannot be had
/// and what to do instead.
fn read_skeleton(root: &Path, dir: &Path) -> anyhow::Result<Vec<SkeletonFile>> {
    let shown = dir.display();
    let nothing_changed = "Nothing was changed.";
    let lock = Lock::load(root).map_err(|why| {
        anyhow::anyhow!(
            "{why:#}. Without it the skeleton's original files are unknown: take {LOCK_FILE} \
             from a fresh clone of the course. {nothing_changed}"
        )
    })?;
    let entries = lock.files_of(dir);
    if entries.is_empty() {
        bail!(
            "{LOCK_FILE} lists no file of {shown}: the course's instructor must run \
             `cargo xtask lock`. {nothing_changed}"
        );
    }
    let git = Git::open(root).map_err(|why| {
        let what_to_do = match why {
            Unavailable::NotInstalled => {
                "install git (e.g. `apt-get install git`) and reset again".to_string()
            }
            Unavailable::NotARepository(_) => format!(
                "reset works in a clone of the course (`git clone …`); here, copy {shown} \
                 from a fresh copy of the course yourself"
            ),
            Unavailable::Failed { .. } => "fix what git said, then reset again".to_string(),
        };
        anyhow::anyhow!(
            "{why}, and reset takes the skeleton's original files from git: {what_to_do}. \
             {nothing_changed}"
        )
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let Some(content) = git.blob(&entry.blob)? else {
            bail!(
                "the skeleton's original {} (git blob {}) is not in this repository: fetch the \
                 course's history (`git fetch`), or copy {shown} from a fresh clone of the \
                 course. {nothing_changed}",
                entry.path.display(),
                entry.blob
            );
        };
        files.push(SkeletonFile {
            path: entry.path.strip_prefix(dir)?.to_path_buf(),
            content,
        });
    }
    Ok(files)
}

/// Copies `folder` to a new `.netlab/backups/ID-STAMP/`; `None` if there is no folder.
fn back_up(root: &Path, id: &str, folder: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !folder.is_dir() {
        return Ok(None);
    }
    let backup = new_backup_dir(root, id);
    tree::copy_dir(folder, &backup).with_context(|| {
        format!(
            "cannot back up {} to {}; nothing was changed",
            folder.display(),
            backup.display()
        )
    })?;
    Ok(Some(backup))
}

/// A backup folder name that sorts by time and is not taken yet:
/// `ch2-8-20260502-101500`, then `…-2` for a second reset within the same second.
fn new_backup_dir(root: &Path, id: &str) -> PathBuf {
    let stamp = utc_stamp(SystemTime::now());
    let base = paths::backups_dir(root).join(format!("{id}-{stamp}"));
    let mut candidate = base.clone();
    let mut n = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    candidate
}

/// Writes every skeleton file into `folder` and removes the files the skeleton lacks.
fn restore(folder: &Path, skeleton: &[SkeletonFile]) -> std::io::Result<()> {
    for file in tree::files(folder)? {
        if !skeleton.iter().any(|s| s.path == file) {
            std::fs::remove_file(folder.join(file))?;
        }
    }
    for file in skeleton {
        let path = folder.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Written even when unchanged: a fresh modification time makes cargo rebuild.
        std::fs::write(path, &file.content)?;
    }
    tree::remove_empty_dirs(folder)
}

/// `YYYYMMDD-HHMMSS` in UTC: readable, and sorts in time order.
fn utc_stamp(time: SystemTime) -> String {
    let seconds = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_dates_and_times() {
        let at = |seconds| utc_stamp(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds));
        assert_eq!(at(0), "19700101-000000");
        assert_eq!(at(951_782_400), "20000229-000000");
        assert_eq!(at(1_767_225_599), "20251231-235959");
    }
}
