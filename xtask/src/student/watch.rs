//! `cargo xtask watch ID`: check again every time a file of the exercise is saved.

use crate::Format;
use crate::grade::check::{self, Target};
use anyhow::Context;
use notify::{RecursiveMode, Watcher};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use xtask::manifest::Manifest;

/// Editors save in bursts (a temp file, a rename, a chmod): changes closer together
/// than this are one save.
const SETTLE: Duration = Duration::from_millis(150);

/// Checks once, then again after each save, until interrupted.
pub fn run(root: &Path, id: &str) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let exercise = manifest.get(id)?;
    let dir = root.join(exercise.id.exercise_dir());
    let (changed, changes) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| e.kind.is_modify() || e.kind.is_create() || e.kind.is_remove()) {
            let _ = changed.send(());
        }
    })
    .context("cannot watch files")?;
    watcher
        .watch(&dir.join("src"), RecursiveMode::Recursive)
        .context("cannot watch the exercise")?;
    loop {
        // Clear the screen so the newest verdict is the only one in view.
        print!("\x1b[2J\x1b[H");
        let _ = check::run(root, id, Target::Exercise, Format::Text, None);
        println!(
            "\nwatching {} — save a file to check again, Ctrl-C to stop",
            dir.join("src").display()
        );
        changes.recv().context("the file watcher stopped")?;
        while changes.recv_timeout(SETTLE).is_ok() {}
    }
}
