//! `xtask/skeletons.lock`: the skeletons exactly as the course ships them.
//!
//! A student commits their work, so "the skeleton" cannot be whatever git's HEAD
//! holds. The lock names, for every file of every exercise folder, the git blob of
//! its shipped content: a blob id is the hash of the content, so it keeps naming that
//! version whatever is committed later, and `reset` reads it back with
//! `git cat-file`. An instructor writes the lock with `cargo xtask lock` after
//! changing a skeleton; `verify` checks that it matches the skeletons
//! ([`skeletons_locked`]).

use crate::files::git::{Git, Unavailable};
use crate::files::tree;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use xtask::manifest::Manifest;

/// The lock's path, relative to the workspace root. Not inside `exercises/`, whose
/// folders are all cargo packages.
pub const LOCK_FILE: &str = "xtask/skeletons.lock";

/// What every lock problem asks the instructor to do.
const RELOCK: &str = "run `cargo xtask lock` and commit xtask/skeletons.lock with the skeletons";

/// The lock's first lines, for whoever opens it.
const HEADER: &str = "\
# The exercise skeletons as the course ships them: the git blob of every file of every
# exercise folder. `cargo xtask reset ID` restores them. Written by `cargo xtask lock`
# (run it after changing a skeleton, commit both together); checked by `cargo xtask verify`.
";

/// One file of a skeleton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it goes, relative to the workspace root (`exercises/ch2-8/src/main.rs`).
    pub path: PathBuf,
    /// The git blob holding its content.
    pub blob: String,
}

/// Every file of every skeleton, sorted by path.
#[derive(Debug, PartialEq, Eq)]
pub struct Lock {
    entries: Vec<Entry>,
}

impl Lock {
    /// Reads the lock of the workspace at `root`.
    pub fn load(root: &Path) -> anyhow::Result<Lock> {
        let path = root.join(LOCK_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!("cannot read {LOCK_FILE}, which lists the skeletons' original files")
        })?;
        Lock::parse(&text).with_context(|| format!("{LOCK_FILE} is damaged: {RELOCK}"))
    }

    /// Parses lines of `BLOB PATH`; `#` starts a comment line.
    fn parse(text: &str) -> anyhow::Result<Lock> {
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((blob, path)) = line.split_once(' ') else {
                bail!("line {} is not `BLOB PATH`", number + 1);
            };
            if blob.is_empty() || !blob.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("line {}: `{blob}` is not a git blob id", number + 1);
            }
            entries.push(Entry {
                path: PathBuf::from(path),
                blob: blob.to_string(),
            });
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Lock { entries })
    }

    /// The lock as text, one `BLOB PATH` line per file.
    fn render(&self) -> String {
        let mut text = HEADER.to_string();
        for entry in &self.entries {
            text.push_str(&format!("{} {}\n", entry.blob, entry.path.display()));
        }
        text
    }

    /// The files of the skeleton in `dir` (relative to the root, e.g. `exercises/ch2-8`).
    pub fn files_of(&self, dir: &Path) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|entry| entry.path.starts_with(dir))
            .collect()
    }
}

/// The lock as it should be now: every file of every skeleton, hashed by git. With
/// `store`, git also keeps the blobs, so `reset` works before they are committed.
fn hash_skeletons(
    root: &Path,
    manifest: &Manifest,
    git: &Git,
    store: bool,
) -> anyhow::Result<Lock> {
    let mut paths = Vec::new();
    for exercise in &manifest.exercises {
        let dir = exercise.id.exercise_dir();
        let files = tree::files(&root.join(&dir))
            .with_context(|| format!("cannot list the files of {}", dir.display()))?;
        paths.extend(files.into_iter().map(|file| dir.join(file)));
    }
    let blobs = git.hash_files(&paths, store)?;
    if blobs.len() != paths.len() {
        bail!("git hashed {} files out of {}", blobs.len(), paths.len());
    }
    let mut entries: Vec<Entry> = paths
        .into_iter()
        .zip(blobs)
        .map(|(path, blob)| Entry { path, blob })
        .collect();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Lock { entries })
}

/// The handler of `cargo xtask lock`: records the skeletons as they are now.
pub fn write(root: &Path) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let git = Git::open(root).map_err(|why| {
        anyhow::anyhow!("{why}: the lock records the skeletons as git blobs, so run it in the course's git repository")
    })?;
    let lock = hash_skeletons(root, &manifest, &git, true)?;
    let changed = tree::write_if_changed(&root.join(LOCK_FILE), lock.render().as_bytes())
        .with_context(|| format!("cannot write {LOCK_FILE}"))?;
    let files = lock.entries.len();
    let skeletons = manifest.exercises.len();
    if changed {
        println!(
            "{LOCK_FILE}: {files} files of {skeletons} skeletons locked; commit it with the skeletons"
        );
    } else {
        println!(
            "{LOCK_FILE} already lists the {files} files of the {skeletons} skeletons as they are"
        );
    }
    Ok(())
}

/// The verify rule: the lock lists exactly the skeletons' files, with their current
/// content. Otherwise `reset` would hand students an older skeleton, or miss a file.
pub fn skeletons_locked(root: &Path, manifest: &Manifest) -> Result<(), Vec<String>> {
    let locked = Lock::load(root).map_err(|e| vec![format!("{e:#}: {RELOCK}")])?;
    let git = Git::outside_repository(root);
    let current = hash_skeletons(root, manifest, &git, false).map_err(|e| {
        let why = match e.downcast_ref::<Unavailable>() {
            Some(Unavailable::NotInstalled) => {
                "install git, which hashes the skeletons".to_string()
            }
            _ => format!("{e:#}"),
        };
        vec![format!("cannot hash the skeletons: {why}")]
    })?;
    let problems = differences(&locked, &current);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Each file whose lock entry is missing, extra or out of date, with what to do.
fn differences(locked: &Lock, current: &Lock) -> Vec<String> {
    let blob_in = |lock: &Lock, path: &Path| {
        lock.entries
            .iter()
            .find(|entry| entry.path == path)
            .map(|entry| entry.blob.clone())
    };
    let mut problems = Vec::new();
    for entry in &current.entries {
        let path = entry.path.display();
        match blob_in(locked, &entry.path) {
            None => problems.push(format!("{path} is not in {LOCK_FILE}: {RELOCK}")),
            Some(blob) if blob != entry.blob => {
                problems.push(format!("{path} changed since it was locked: {RELOCK}"))
            }
            Some(_) => {}
        }
    }
    for entry in &locked.entries {
        if blob_in(current, &entry.path).is_none() {
            problems.push(format!(
                "{} is in {LOCK_FILE} but is not a file of a skeleton any more: {RELOCK}",
                entry.path.display()
            ));
        }
    }
    problems
}

/// The handler of `cargo xtask lock --check`: the verify rule on its own. Exit 0 when
/// the lock matches, 1 when it does not, 2 when it cannot tell.
pub fn check(root: &Path) -> ExitCode {
    let manifest = match Manifest::load(root) {
        Ok(manifest) => manifest,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    match skeletons_locked(root, &manifest) {
        Ok(()) => {
            println!("{LOCK_FILE} matches every skeleton");
            ExitCode::SUCCESS
        }
        Err(problems) => {
            println!("{LOCK_FILE} does not match the skeletons:");
            for problem in problems {
                println!("  {problem}");
            }
            ExitCode::FAILURE
        }
    }
}
