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
//! would quietly become a plain file. Save through the link instead, as an editor
//! does: the file it points to is replaced, and the link stays.

use std::io::Read;
use std::path::Path;

/// Copies everything `body` yields into `target`, all or nothing, and returns the
/// number of bytes saved. On error `target` is untouched and no temporary file is left.
///
/// The temporary file goes in the target's own folder (so the rename is one atomic
/// step) under a name no other download uses; it must be gone after every failure,
/// whichever step fails — also a connection that breaks in the middle of the body.
///
/// When `target` is a symbolic link, the link stays a link: the file it points to is
/// the one replaced (and the temporary file goes beside that file).
pub fn save_atomically(body: impl Read, target: &Path) -> anyhow::Result<u64> {
    todo!(
        "save the body to a temporary file beside {}, then rename it",
        target.display()
    )
}
