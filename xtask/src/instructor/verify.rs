//! `cargo xtask verify`: what an instructor runs before a release, and `cargo xtask
//! test`: every test of the workspace, then `verify` (what CI runs).
//!
//! Each rule is a named function whose error says what to fix.

use crate::book;
use crate::grade::cargo;
use crate::grade::check::{self, NotGraded, Target};
use std::path::Path;
use std::process::ExitCode;
use xtask::manifest::{Exercise, Manifest};

use crate::instructor::layout::{self, Rule};

/// Runs every rule and prints each verdict; exit 0 only if all hold.
pub fn run(root: &Path) -> ExitCode {
    let manifest = match Manifest::load(root) {
        Ok(manifest) => manifest,
        Err(why) => {
            eprintln!("✗ the manifest is valid\n    {why}");
            return ExitCode::FAILURE;
        }
    };
    let rules: [(&str, &dyn Fn() -> Rule); 12] = [
        (
            "every exercise has its skeleton, solution, tests and page",
            &|| layout::exercises_are_complete(root, &manifest),
        ),
        (
            "no skeleton, solution or test file is left that the manifest does not list",
            &|| layout::nothing_is_stray(root, &manifest),
        ),
        ("no placeholder of `cargo xtask new` is left", &|| {
            layout::no_placeholder_is_left(root, &manifest)
        }),
        ("the code each skeleton gives is its solution's", &|| {
            layout::given_code_is_the_solutions(root, &manifest)
        }),
        (
            "xtask/skeletons.lock records every skeleton as it is (what `reset` restores)",
            &|| crate::instructor::skeletons::skeletons_locked(root, &manifest),
        ),
        ("the code is rustfmt-clean", &|| code_is_formatted(root)),
        (
            "the code is clippy-clean (-D warnings), skeletons included",
            &|| code_is_lint_clean(root),
        ),
        ("every reference solution passes its tests", &|| {
            solutions_pass(root, &manifest)
        }),
        (
            "every untouched skeleton compiles and fails its tests",
            &|| skeletons_fail(root, &manifest),
        ),
        (
            "chapters/MATRIX.md covers every exercise and condition, with cases that create it",
            &|| crate::instructor::matrix::matrix_is_honest(root, &manifest),
        ),
        (
            "every exercise catalogues 5 bugs or more, and the tests catch every one",
            &|| bugs_are_caught(root, &manifest),
        ),
        (
            "the book builds with every include, anchor and link resolved",
            &|| book_builds(root, &manifest),
        ),
    ];
    let rules_count = rules.len();
    let mut failed = 0;
    for (name, rule) in rules {
        match rule() {
            Ok(()) => println!("✓ {name}"),
            Err(problems) => {
                failed += 1;
                println!("✗ {name}");
                for problem in problems {
                    println!("    {}", problem.replace('\n', "\n    "));
                }
            }
        }
    }
    // The last line is the plain `N passed, N failed` that CI systems read.
    println!("\nverify: {} passed, {failed} failed", rules_count - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `cargo test --workspace`, then [`run`]. The chapters' test packages are left out of
/// the first: their suites grade the reference solutions, which `run` does anyway
/// (rule "every reference solution passes its tests", with the same test binaries), so
/// each suite runs once.
pub fn test_everything(root: &Path) -> ExitCode {
    let mut args = vec!["test".to_string(), "--workspace".to_string()];
    if let Ok(manifest) = Manifest::load(root) {
        let mut chapters: Vec<String> = manifest
            .exercises
            .iter()
            .map(|e| e.id.test_package())
            .collect();
        chapters.sort();
        chapters.dedup();
        for chapter in chapters {
            args.extend(["--exclude".to_string(), chapter]);
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Err(error) = cargo::run(root, &args) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    println!("\nall workspace tests passed; now verify:\n");
    run(root)
}

/// `cargo fmt --all --check` passes.
fn code_is_formatted(root: &Path) -> Rule {
    cargo::run(root, &["fmt", "--all", "--check"])
        .map_err(|e| vec![format!("{e:#}: run `cargo fmt --all`")])
}

/// `cargo clippy` finds nothing in any package, warnings included.
fn code_is_lint_clean(root: &Path) -> Rule {
    cargo::run(
        root,
        &[
            "clippy",
            "--quiet",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )
    .map_err(|e| vec![format!("{e:#}: fix what clippy printed above")])
}

/// Every case of every exercise passes against the reference solution.
fn solutions_pass(root: &Path, manifest: &Manifest) -> Rule {
    let mut problems = Vec::new();
    for exercise in &manifest.exercises {
        match check::grade(root, exercise, &Target::Solution, None) {
            Ok(suite) if suite.cases.is_empty() => {
                problems.push(format!("{}: the tests have no cases", exercise.id))
            }
            Ok(suite) => {
                // Said as loudly as `cargo test` says it: a case this machine could not
                // run passes here, and fails under CI=true (the harness decides).
                for case in &suite.cases {
                    if let Some(why) = &case.skipped {
                        println!("SKIPPED: {} \"{}\": {why}", exercise.id, case.name);
                    }
                }
                for case in suite.cases.iter().filter(|c| !c.passed) {
                    problems.push(format!(
                        "{}: the solution fails \"{}\":\n{}",
                        exercise.id,
                        case.name,
                        case.render_failure()
                    ));
                }
            }
            Err(why) => problems.push(format!(
                "{}: the solution could not be graded: {why}",
                exercise.id
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Every skeleton compiles and fails at least one case: a skeleton that passes would
/// grade a student's untouched copy as done.
fn skeletons_fail(root: &Path, manifest: &Manifest) -> Rule {
    let mut problems = Vec::new();
    for exercise in &manifest.exercises {
        if let Some(problem) = skeleton_problem(root, exercise) {
            problems.push(problem);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn skeleton_problem(root: &Path, exercise: &Exercise) -> Option<String> {
    match check::grade(root, exercise, &Target::Exercise, None) {
        Ok(suite) if suite.cases.iter().all(|c| c.passed) => Some(format!(
            "{}: the skeleton passes every case: leave the exercise's work as todo!() in {}",
            exercise.id,
            exercise.id.exercise_dir().display()
        )),
        Ok(_) => None,
        Err(NotGraded::Build(why)) => {
            Some(format!("{}: the skeleton must compile: {why}", exercise.id))
        }
        Err(why) => Some(format!(
            "{}: the skeleton could not be graded: {why}",
            exercise.id
        )),
    }
}

/// The tests catch every bug of the catalogue, by the case and words it names, and
/// every exercise has enough bugs catalogued to show its tests' power (`mutants.rs`).
fn bugs_are_caught(root: &Path, manifest: &Manifest) -> Rule {
    crate::instructor::mutants::every_bug_is_caught(root, manifest)
}

/// The book's includes, anchors and links resolve, and it builds: `check`, then
/// `build`, of the book tool (`xtask-book`, which reads the manifest itself).
///
/// A failing `check` lists one problem per line on stdout; anything else that fails
/// (the tool not compiling, mdBook refusing) has said why on stderr.
fn book_builds(root: &Path, _manifest: &Manifest) -> Rule {
    for task in ["check", "build"] {
        let output = book::command(root, &[task])
            .output()
            .map_err(|e| vec![format!("cannot run cargo to start the book tool: {e}")])?;
        if output.status.success() {
            continue;
        }
        let listed: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_string)
            .collect();
        if !listed.is_empty() {
            return Err(listed);
        }
        return Err(vec![format!(
            "`cargo run --package xtask-book -- {task}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        )]);
    }
    Ok(())
}
