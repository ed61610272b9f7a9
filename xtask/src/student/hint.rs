//! `cargo xtask hint ID [--more]`: hints in tiers — a first nudge, then the tools,
//! then the approach in full — so a student takes only as much help as they need.
//! How many each student has seen is remembered (`.netlab/progress.json`).

use crate::student::progress::Progress;
use std::path::Path;
use xtask::manifest::{Exercise, Manifest};

/// Prints the first hint, or with `more` the next one not seen yet.
pub fn run(root: &Path, id: &str, more: bool) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let exercise = manifest.get(id)?;
    let seen = Progress::load(root).hints_shown(exercise.id);
    let level = level_to_show(seen, more, exercise.hints.len());
    if level > seen {
        Progress::record_hint(root, exercise.id);
    }
    print!("{}", render(exercise, level));
    Ok(())
}

/// Which hint (1-based) to show: the first without `--more`, otherwise the one after
/// the last seen, never past the last.
fn level_to_show(seen: usize, more: bool, count: usize) -> usize {
    let wanted = if more { seen + 1 } else { 1 };
    wanted.clamp(1, count.max(1))
}

/// Hint `level` of `exercise` with its header and what to do next.
fn render(exercise: &Exercise, level: usize) -> String {
    let count = exercise.hints.len();
    let text = exercise.hints[level - 1].trim();
    let mut out = format!(
        "{}: {} — hint {level} of {count}\n\n{text}\n",
        exercise.id, exercise.title
    );
    if level < count {
        out.push_str(&format!(
            "\nStill stuck? `cargo xtask hint {} --more` gives the next one.\n",
            exercise.id
        ));
    } else if count > 1 {
        out.push_str("\nThat was the last hint: the approach in full.\n");
    }
    out.push_str(&format!("Read more: book/src/{}\n", exercise.book));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_goes_one_tier_further_and_stops_at_the_last() {
        assert_eq!(level_to_show(0, false, 3), 1);
        assert_eq!(level_to_show(2, false, 3), 1);
        assert_eq!(level_to_show(0, true, 3), 1);
        assert_eq!(level_to_show(1, true, 3), 2);
        assert_eq!(level_to_show(3, true, 3), 3);
        assert_eq!(level_to_show(0, true, 1), 1);
    }

    #[test]
    fn a_hint_is_printed_as_written_with_what_comes_next() {
        let manifest = Manifest::parse(
            "[[exercise]]\nid = \"ch1-1\"\ntitle = \"Gopher\"\nbook = \"ch1/g.md\"\nsource = \"001\"\n\
             hints = ['''\nSend the selector and \\r\\n.\n''', 'Use write_all.']\n",
        )
        .unwrap();
        let exercise = manifest.get("ch1-1").unwrap();
        let first = render(exercise, 1);
        assert!(
            first.contains("hint 1 of 2\n\nSend the selector and \\r\\n.\n"),
            "{first}"
        );
        assert!(first.contains("--more"), "{first}");
        assert!(render(exercise, 2).contains("the last hint"));
    }
}
