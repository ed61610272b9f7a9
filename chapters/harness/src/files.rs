//! Waiting for a file the program under test writes, by the file system's own change
//! events (inotify) rather than by looking again and again.

use crate::failure::{Failure, Outcome};
use notify::{RecursiveMode, Watcher};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Waits until the contents of `path` satisfy `ready`, up to `deadline`, and returns
/// them. The folder is watched, so the file may not exist yet. `what` says in words
/// what the test waits for, for the failure message.
pub fn wait_for_file(
    path: &Path,
    deadline: Duration,
    what: &str,
    ready: impl Fn(&[u8]) -> bool,
) -> Outcome<Vec<u8>> {
    let (changed, changes) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |_event| {
        let _ = changed.send(());
    })
    .map_err(|e| Failure::new(format!("the test cannot watch files: {e}")))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    watcher
        .watch(folder, RecursiveMode::NonRecursive)
        .map_err(|e| Failure::new(format!("the test cannot watch {}: {e}", folder.display())))?;
    let until = Instant::now() + deadline;
    loop {
        let contents = std::fs::read(path).unwrap_or_default();
        if ready(&contents) {
            return Ok(contents);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || changes.recv_timeout(left).is_err() {
            let contents = std::fs::read(path).unwrap_or_default();
            if ready(&contents) {
                return Ok(contents);
            }
            let shown = crate::transcript::describe(&contents);
            return Err(Failure::mismatch(
                format!(
                    "waited {deadline:.1?} for {} to hold {what}, but it did not",
                    path.display()
                ),
                what,
                shown,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_by_another_thread_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("message");
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || std::fs::write(writer_path, b"hello\n").unwrap());
        let contents = wait_for_file(&path, Duration::from_secs(5), "a greeting", |c| {
            c.ends_with(b"hello\n")
        })
        .unwrap();
        assert_eq!(contents, b"hello\n");
        writer.join().unwrap();
    }

    #[test]
    fn a_file_that_never_changes_fails_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("message");
        let failure = wait_for_file(&path, Duration::from_millis(50), "a greeting", |c| {
            !c.is_empty()
        })
        .unwrap_err();
        assert!(
            failure.summary.contains("a greeting"),
            "{}",
            failure.summary
        );
    }
}
