//! `cargo xtask list`: every exercise, its last verdict, and what to do next.

use crate::files::tree;
use crate::student::progress::Progress;
use std::path::Path;
use xtask::manifest::{Exercise, Manifest};

/// Where an exercise stands.
#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Never checked.
    New,
    /// Checked, and some cases fail.
    Failing { passed: usize, total: usize },
    /// Passed, and unchanged since.
    Done { total: usize },
    /// Passed once, but edited since.
    Edited,
}

/// Prints the table and a progress count.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let progress = Progress::load(root);
    let states: Vec<(&Exercise, State)> = manifest
        .exercises
        .iter()
        .map(|e| (e, state(root, e, &progress)))
        .collect();
    let done = states
        .iter()
        .filter(|(_, s)| matches!(s, State::Done { .. }))
        .count();
    println!("netlab: {done} of {} exercises done\n", states.len());
    for (exercise, state) in &states {
        let (mark, words) = match state {
            State::New => ("·", "not checked yet".to_string()),
            State::Failing { passed, total } => ("✗", format!("{passed} of {total} cases pass")),
            State::Done { total } => ("✓", format!("done ({total} cases)")),
            State::Edited => ("~", "passed, edited since: check again".to_string()),
        };
        println!("  {mark} {:<7} {:<48} {words}", exercise.id, exercise.title);
    }
    if let Some((next, _)) = states
        .iter()
        .find(|(_, s)| !matches!(s, State::Done { .. }))
    {
        println!(
            "\nnext: read book/src/{}, then `cargo xtask check {}`",
            next.book, next.id
        );
    }
    Ok(())
}

/// The state of one exercise from its remembered verdict and its files now.
fn state(root: &Path, exercise: &Exercise, progress: &Progress) -> State {
    let Some(verdict) = progress.verdicts.get(&exercise.id.to_string()) else {
        return State::New;
    };
    let all_passed = verdict.passed == verdict.total && verdict.total > 0;
    let unchanged =
        verdict.fingerprint == tree::fingerprint_dir(&root.join(exercise.id.exercise_dir()));
    match (all_passed, unchanged) {
        (true, true) => State::Done {
            total: verdict.total,
        },
        (true, false) => State::Edited,
        (false, _) => State::Failing {
            passed: verdict.passed,
            total: verdict.total,
        },
    }
}
