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

use std::io::Read;
use std::path::Path;

/// Copies everything `body` yields into `target`, all or nothing, and returns the
/// number of bytes saved. On error `target` is untouched and no temporary file is left.
///
/// - The temporary file goes beside the target: `target.parent()` (an empty parent
///   means the current folder, `.`), named for instance `.NAME.PID.part`
///   (`std::process::id()`), opened with `OpenOptions::new().write(true).create_new(true)`.
/// - `std::io::copy(&mut body, &mut file)` streams the body and returns its length; it
///   fails if the connection breaks before the body is complete.
/// - `file.sync_all()`, then `std::fs::rename(temp, target)`.
/// - Every early return (`?`) must remove the temporary file. A small struct holding its
///   path, whose `Drop` removes the file unless it was renamed, does that for all of
///   them at once.
pub fn save_atomically(body: impl Read, target: &Path) -> anyhow::Result<u64> {
    let _ = body;
    todo!(
        "save the body to a temporary file beside {}, then rename it",
        target.display()
    )
}
