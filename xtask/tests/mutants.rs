//! Golden tests of the instructor's power tools: `cargo xtask mutants` on small fixture
//! catalogues of ch2-8 bugs (xtask/tests/fixtures/, laid out as chapters/ is), and
//! `cargo xtask stress` on ch2-8's reference solution.
//!
//! `fixtures/catalogue` holds a bug that is caught, one catalogued with a case that
//! passes, and one whose `says:` words are not in the explanation; `fixtures/broken`
//! a header without `says:` and a patch that no longer applies.

mod common;

use common::root;

use assert_cmd::Command;
use std::time::Duration;

/// Runs `cargo xtask ARGS` from the root; returns the exit code and stdout (cargo's
/// compiler warnings about a mutant go to stderr, which is kept for failure messages).
fn xtask(args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("xtask")
        .expect("the xtask binary")
        .current_dir(root())
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("xtask runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `cargo xtask mutants ch2-8 --catalogue xtask/tests/fixtures/NAME`.
fn mutants(fixture: &str) -> (i32, String, String) {
    let catalogue = format!("xtask/tests/fixtures/{fixture}");
    xtask(&["mutants", "ch2-8", "--catalogue", &catalogue])
}

/// The line of the output that starts with `start`.
fn line<'a>(output: &'a str, start: &str) -> &'a str {
    output
        .lines()
        .find(|line| line.starts_with(start))
        .unwrap_or_else(|| panic!("no line starts with {start:?} in:\n{output}"))
}

/// Hides what changes between runs: durations and seeds.
fn normalise(text: &str) -> String {
    let rules = [(r"\d+(\.\d+)? s\b", "<time>"), (r"seed \d+", "seed <seed>")];
    common::replace_all(text, &rules)
}

#[test]
fn caught_and_missed_bugs_are_told_apart() {
    let (code, out, err) = mutants("catalogue");
    assert_eq!(code, 1, "a missed bug fails the run:\n{out}\n{err}");
    let caught = line(&out, "✓ ch2-8 keeps-the-cr  (boundaries)");
    assert!(
        caught.contains(r#"caught by "a line ending in \r\n is printed without its \r""#),
        "{out}"
    );
    let passed = line(&out, "✗ ch2-8 one-read-wrong-case  (boundaries)  MISSED:");
    assert!(
        passed.contains(
            r#""the server prints a line a client sends" passed; the failing cases were"#
        ),
        "the named case passed, and the cases that did fail are named:\n{out}"
    );
    assert!(
        passed.contains(r#""a message split across writes is still one message""#),
        "{out}"
    );
    let wordless = line(&out, "✗ ch2-8 exit-wrong-words  (output)  MISSED:");
    assert!(
        wordless.contains(
            r#""the client exits with status 0 when the server hangs up" failed, but its explanation lacks "a vanished server is a crash"; it begins: "#
        ),
        "{out}"
    );
    assert!(out.contains("\nch2-8: 1 of 3 caught\n"), "{out}");
    assert!(
        out.contains("total: 1 of 3 caught in 1 exercise (kill rate 33%)"),
        "{out}"
    );
    assert_eq!(
        out.lines().last(),
        Some("mutants: 1 passed, 2 failed"),
        "{out}"
    );
}

#[test]
fn a_broken_header_or_a_stale_patch_is_an_error_naming_the_file() {
    let (code, out, err) = mutants("broken");
    assert_eq!(
        code, 2,
        "a bug that cannot be tried is an error:\n{out}\n{err}"
    );
    insta::assert_snapshot!(normalise(&out));
}

#[test]
fn an_exercise_without_a_catalogue_says_so_and_passes() {
    let (code, out, err) = xtask(&["mutants", "ch2-8", "--catalogue", "xtask/tests/scenarios"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("ch2-8: no bugs catalogued yet (in xtask/tests/scenarios/ch2/bugs/ch2-8/)"),
        "{out}"
    );
    assert_eq!(
        out.lines().last(),
        Some("mutants: 0 passed, 0 failed"),
        "{out}"
    );
}

#[test]
fn an_unknown_exercise_is_refused() {
    let (code, _, err) = xtask(&["mutants", "ch9-99"]);
    assert_eq!(code, 2);
    assert!(err.contains("ch9-99"), "{err}");
}

#[test]
fn the_reference_solution_does_not_flake_under_load() {
    let (code, out, err) = xtask(&["stress", "ch2-8", "--runs", "2"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(line(&out, "run 1/2  seed ").contains("✓"), "{out}");
    assert!(line(&out, "run 2/2  seed ").contains("✓"), "{out}");
    assert!(
        out.contains("ch2-8: 0 flakes in 2 runs (flake rate 0.0%)"),
        "{out}"
    );
    assert_eq!(
        out.lines().last(),
        Some("stress: 2 passed, 0 failed"),
        "{out}"
    );
}
