//! Saving a download atomically: the target file is either the whole new body or
//! exactly what it was before.
//!
//! Writing straight into the target goes wrong in two ways. Opening it for writing
//! empties the old file at once, so a failed download destroys the copy you had; and a
//! connection that breaks mid-body leaves half a page that looks like a page. Instead:
//!
//! 1. create a temporary file *in the same folder* as the target (same file system,
//!    so the rename below is a single atomic step, never a copy);
//! 2. stream the body into it; on any error, delete it;
//! 3. flush it to the disk (`sync_all`), so a power cut cannot leave a renamed but
//!    empty file;
//! 4. `rename` it over the target, which atomically replaces the old file, if any.
//!
//! A target that is a symbolic link is followed first: `rename` over a link replaces
//! the link itself, so the file it points to would keep its old content and the link
//! would quietly become a plain file. Like an editor saving through a link, we write
//! beside the file the link points to and replace that file; the link stays.

use anyhow::{Context, anyhow};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

// ANCHOR: save_atomically
/// Copies everything `body` yields into `target`, all or nothing, and returns the
/// number of bytes saved. On error `target` is untouched and no temporary file is left.
pub fn save_atomically(mut body: impl Read, target: &Path) -> anyhow::Result<u64> {
    let target = follow_links(target);
    let mut temp = TempFile::create_next_to(&target)?;
    let bytes = io::copy(&mut body, &mut temp.file).context("could not copy the whole body")?;
    temp.file
        .sync_all()
        .context("could not flush the file to disk")?;
    temp.rename_to(&target)?;
    Ok(bytes)
}
// ANCHOR_END: save_atomically

/// The most symbolic links followed in a row, as the kernel's own limit (`ELOOP`).
const MAX_LINKS: usize = 40;

// ANCHOR: follow_links
/// The file that `target` really names: a symbolic link is followed (a chain of them
/// too) to the path it points to, relative to the link's own folder. A path that is
/// not a link, or does not exist yet, is its own answer.
fn follow_links(target: &Path) -> PathBuf {
    let mut path = target.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Ok(points_to) = fs::read_link(&path) else {
            break;
        };
        // `join` with an absolute path gives that path; a relative one is read from
        // the folder that holds the link.
        path = match path.parent() {
            Some(folder) => folder.join(points_to),
            None => points_to,
        };
    }
    path
}
// ANCHOR_END: follow_links

// ANCHOR: temp_file
/// A temporary file that deletes itself when dropped, unless it was renamed into place:
/// whichever way `save_atomically` leaves early (`?` on an error), no debris remains.
struct TempFile {
    path: PathBuf,
    file: File,
    renamed: bool,
}

impl TempFile {
    /// Creates `.NAME.PID.part` beside `target`. `create_new` refuses to reuse a file
    /// that already exists, so two programs saving at once never share one.
    fn create_next_to(target: &Path) -> anyhow::Result<TempFile> {
        let name = target
            .file_name()
            .ok_or_else(|| anyhow!("{} does not name a file", target.display()))?;
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temp_name = format!(".{}.{}.part", name.to_string_lossy(), std::process::id());
        let path = folder.join(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("could not create {}", path.display()))?;
        Ok(TempFile {
            path,
            file,
            renamed: false,
        })
    }

    /// Moves the finished file over `target` in one atomic step.
    fn rename_to(&mut self, target: &Path) -> anyhow::Result<()> {
        fs::rename(&self.path, target).with_context(|| {
            format!(
                "could not rename {} to {}",
                self.path.display(),
                target.display()
            )
        })?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for TempFile {
    /// Removes the temporary file if it never became the target.
    fn drop(&mut self) {
        if !self.renamed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
// ANCHOR_END: temp_file
