//! `cargo xtask reset ID`: put an exercise back to its skeleton, keeping a backup.

use anyhow::{Context, bail};
use std::path::Path;
use std::process::Command;
use xtask::manifest::Manifest;

/// Copies the student's version to `target/netlab/backup/ID-SECONDS`, then restores
/// the skeleton as git has it.
pub fn run(root: &Path, id: &str) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let exercise = manifest.get(id)?;
    let dir = root.join(exercise.id.exercise_dir());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let backup = root
        .join("target")
        .join("netlab")
        .join("backup")
        .join(format!("{id}-{stamp}"));
    copy_dir(&dir, &backup).with_context(|| format!("cannot back up {}", dir.display()))?;
    let status = Command::new("git")
        .current_dir(root)
        .args(["checkout", "HEAD", "--"])
        .arg(exercise.id.exercise_dir())
        .status()
        .context("cannot run git (reset restores the skeleton from git)")?;
    if !status.success() {
        bail!(
            "git could not restore {} ({status})",
            exercise.id.exercise_dir().display()
        );
    }
    println!(
        "{id} is back to its skeleton; your version is in {}",
        backup.display()
    );
    Ok(())
}

/// Copies a folder recursively.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
