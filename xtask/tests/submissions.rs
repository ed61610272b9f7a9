//! The grader grades the source as it is now, in the shapes a course runner collects:
//!
//! - `check ID --path DIR` on a copy of a student's exercise folder (its Cargo.toml
//!   inherits from the course's workspace), on a solution's folder (another package
//!   name), on a folder holding only `src/`, and on a folder that is none of these;
//! - files put back with an old modification time (`mv` from a backup, `cp -a`), which
//!   cargo alone would not rebuild, in a submission and in the student's exercise.
//!
//! Every test works on copies. The exercise test needs a whole copy of the course (it
//! changes `exercises/ch2-8`), pointed at with `NETLAB_ROOT` and built into its own
//! target dir, `target/copies`, so it never replaces a binary the real workspace's
//! checks are running.

mod common;

use common::{arg, root};

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A modification time long past, as a file restored from an old backup keeps.
fn long_ago() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000)
}

/// What `cargo xtask check` answered.
struct Verdict {
    code: i32,
    output: String,
}

/// Runs `cargo xtask check ARGS --seed 7` on the course at `course`.
fn check(course: &Path, args: &[&str]) -> Verdict {
    let output = Command::cargo_bin("xtask")
        .expect("the xtask binary")
        .current_dir(course)
        .env("NETLAB_ROOT", course)
        .env("CARGO_TARGET_DIR", target_dir_for(course))
        .arg("check")
        .args(args)
        .args(["--seed", "7"])
        .timeout(Duration::from_secs(600))
        .output()
        .expect("xtask runs");
    Verdict {
        code: output.status.code().unwrap_or(-1),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The real course builds into its own target dir; a copy into `target/copies`.
fn target_dir_for(course: &Path) -> PathBuf {
    if course == root() {
        root().join("target")
    } else {
        root().join("target").join("copies")
    }
}

/// Makes `to` hold exactly the files of `from`, each with modification time `time`.
fn put_files(from: &Path, to: &Path, time: SystemTime) {
    if to.exists() {
        std::fs::remove_dir_all(to).expect("remove the old files");
    }
    copy_tree(from, to);
    for file in walk(to) {
        std::fs::File::open(&file)
            .and_then(|f| f.set_modified(time))
            .expect("set a modification time");
    }
}

/// Copies the folder `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    for file in walk(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).expect("copy a file");
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
        if entry.path().is_dir() {
            files.extend(walk(&entry.path()));
        } else {
            files.push(entry.path());
        }
    }
    files
}

/// Hides what changes between runs: temporary folders, the course's location.
fn normalise(text: &str) -> String {
    let root = root().display().to_string();
    common::replace_all(
        &text.replace(&root, "<root>"),
        &[(r"/tmp/[^\s/]+", "<tmp>")],
    )
}

#[test]
fn a_copy_of_a_students_exercise_folder_is_graded() {
    // A course runner collects exercises/ch2-8 as the student has it: its Cargo.toml
    // says `edition.workspace = true`, which no longer resolves outside the course.
    let collected = tempfile::tempdir().unwrap();
    copy_tree(&root().join("exercises/ch2-8"), collected.path());

    let verdict = check(&root(), &["ch2-8", "--path", arg(collected.path())]);

    // The untouched skeleton is graded: it builds, runs and fails its cases.
    assert_eq!(verdict.code, 1, "{}", verdict.output);
    assert!(
        verdict.output.contains("not yet implemented"),
        "{}",
        verdict.output
    );
    assert!(
        !verdict.output.contains("failed to find a workspace root"),
        "no workspace error: {}",
        verdict.output
    );
}

#[test]
fn a_solution_folder_is_graded_whatever_its_package_is_called() {
    // solutions/ch2-8 is package `ch2-8-solution`: its binary is the program to grade.
    let collected = tempfile::tempdir().unwrap();
    copy_tree(&root().join("solutions/ch2-8"), collected.path());

    let verdict = check(&root(), &["ch2-8", "--path", arg(collected.path())]);

    assert_eq!(verdict.code, 0, "{}", verdict.output);
    // Built with the course's profile, not cargo's defaults (full debug info).
    let standalone = standalone_manifest(collected.path());
    assert!(
        standalone.contains("[profile.dev]") && standalone.contains("debug = false"),
        "the standalone Cargo.toml lacks the course's [profile.dev]:\n{standalone}"
    );
}

/// The standalone Cargo.toml `check --path` wrote for the folder `collected`.
fn standalone_manifest(collected: &Path) -> String {
    let submissions = root().join("target/netlab/submissions");
    let needle = format!("{} made standalone", collected.join("Cargo.toml").display());
    std::fs::read_dir(&submissions)
        .expect("check --path keeps its copies in target/netlab/submissions")
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("Cargo.toml")).ok())
        .find(|text| text.contains(&needle))
        .unwrap_or_else(|| {
            panic!(
                "no standalone Cargo.toml in {} names {needle}",
                submissions.display()
            )
        })
}

#[test]
fn a_folder_holding_only_src_is_graded_as_it_is_now() {
    // A course runner collected only the student's src/: the skeleton's Cargo.toml
    // builds it. It holds a solution, and passes.
    let collected = tempfile::tempdir().unwrap();
    let src = collected.path().join("src");
    put_files(&root().join("solutions/ch2-8/src"), &src, SystemTime::now());
    let verdict = check(&root(), &["ch2-8", "--path", arg(collected.path())]);
    assert_eq!(verdict.code, 0, "{}", verdict.output);

    // The skeleton's src/ is put back with an old modification time, as `cp -a` from
    // a backup would: graded by its content, it fails.
    put_files(&root().join("exercises/ch2-8/src"), &src, long_ago());
    let verdict = check(&root(), &["ch2-8", "--path", arg(collected.path())]);
    assert_eq!(verdict.code, 1, "{}", verdict.output);
    assert!(
        verdict.output.contains("not yet implemented"),
        "{}",
        verdict.output
    );
}

#[test]
fn a_folder_without_cargo_toml_or_src_is_refused_with_what_it_must_hold() {
    let collected = tempfile::tempdir().unwrap();
    std::fs::write(collected.path().join("main.rs"), "fn main() {}\n").unwrap();

    let verdict = check(&root(), &["ch2-8", "--path", arg(collected.path())]);

    assert_eq!(verdict.code, 2, "{}", verdict.output);
    assert!(
        !verdict.output.contains("compiler errors"),
        "nothing was compiled: {}",
        verdict.output
    );
    insta::assert_snapshot!(normalise(&verdict.output));
}

#[test]
fn an_exercise_file_put_back_with_an_old_time_is_graded_as_it_is_now() {
    let course = course_copy();
    let exercise_src = course.join("exercises/ch2-8/src");
    let skeleton_src = tempfile::tempdir().unwrap();
    copy_tree(&exercise_src, skeleton_src.path());

    // 1. The student writes a solution: it passes, and the verdict is remembered
    //    where `cargo clean` does not reach.
    put_files(
        &root().join("solutions/ch2-8/src"),
        &exercise_src,
        SystemTime::now(),
    );
    let verdict = check(&course, &["ch2-8"]);
    assert_eq!(verdict.code, 0, "{}", verdict.output);
    assert!(course.join(".netlab/progress.json").is_file());

    // 2. The skeleton is put back with an old modification time (`mv` from a backup):
    //    cargo alone would keep the passing program; graded by content, it fails.
    put_files(skeleton_src.path(), &exercise_src, long_ago());
    let verdict = check(&course, &["ch2-8"]);
    assert_eq!(verdict.code, 1, "{}", verdict.output);
    assert!(
        verdict.output.contains("not yet implemented"),
        "{}",
        verdict.output
    );

    // 3. And back: the solution, with an old time too, passes again.
    put_files(
        &root().join("solutions/ch2-8/src"),
        &exercise_src,
        long_ago(),
    );
    let verdict = check(&course, &["ch2-8"]);
    assert_eq!(verdict.code, 0, "{}", verdict.output);
}

/// A copy of the course's files as they are in the working tree (tracked and new
/// files, not ignored ones such as target/), with their modification times, in
/// `target/copies/course`.
///
/// Always there, not in a new temporary folder: cargo tells a workspace's packages
/// apart by their path within it, so builds from copies in different places would be
/// one build to cargo, whose programs name a folder deleted since
/// (`env!("CARGO_MANIFEST_DIR")`). Only one test uses it.
fn course_copy() -> PathBuf {
    let copy = root().join("target").join("copies").join("course");
    if copy.exists() {
        std::fs::remove_dir_all(&copy).expect("remove the last copy");
    }
    let listed = std::process::Command::new("git")
        .current_dir(root())
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .expect("git lists the course's files");
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let relative = Path::new(std::str::from_utf8(name).unwrap());
        let from = root().join(relative);
        if from.is_file() {
            let to = copy.join(relative);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).expect("copy a course file");
            // With the original's time, so target/copies rebuilds only what changed.
            let time = std::fs::metadata(&from).and_then(|m| m.modified()).unwrap();
            std::fs::File::open(&to)
                .and_then(|f| f.set_modified(time))
                .unwrap();
        }
    }
    copy
}
