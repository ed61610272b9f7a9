//! A student's state: `reset` brings back the skeleton as the course shipped it (not
//! git's HEAD, which holds the student's own commits), keeps their version where
//! `cargo clean` does not reach, and refuses, changing nothing, when the shipped
//! skeleton cannot be had; `lock` records the skeletons; the progress file survives
//! damage.
//!
//! Every test works on its own clone of the course in a temporary folder (the grader
//! is pointed at it with `NETLAB_ROOT`): the course's real exercises are never touched.

mod common;

use common::{arg, root};

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What one run of `cargo xtask` did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A throwaway clone of the course, with the working tree's files copied over it (so
/// it holds the current lock and manifest, committed or not).
struct Course {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Course {
    fn clone_of_the_course() -> Course {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("course");
        git(dir.path(), &["clone", "--quiet", arg(&root()), arg(&copy)]);
        let listed = git(
            &root(),
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
        );
        for relative in listed.split('\0').filter(|name| !name.is_empty()) {
            if root().join(relative).is_file() {
                std::fs::create_dir_all(copy.join(relative).parent().unwrap()).unwrap();
                std::fs::copy(root().join(relative), copy.join(relative)).unwrap();
            }
        }
        Course {
            _dir: dir,
            root: copy,
        }
    }

    /// A path inside the course.
    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Runs `cargo xtask ARGS` on this course, with extra environment variables.
    fn xtask_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Run {
        let mut command = Command::cargo_bin("xtask").expect("the xtask binary");
        command
            .current_dir(&self.root)
            .env("NETLAB_ROOT", &self.root)
            // git must not find a repository around the temporary folder.
            .env("GIT_CEILING_DIRECTORIES", self.root.parent().unwrap())
            .args(args)
            .timeout(Duration::from_secs(60));
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("xtask runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs `cargo xtask ARGS` on this course.
    fn xtask(&self, args: &[&str]) -> Run {
        self.xtask_with(args, &[])
    }

    /// The student's commit of everything in the course.
    fn commit_everything(&self, message: &str) {
        git(&self.root, &["add", "-A"]);
        git(
            &self.root,
            &[
                "-c",
                "user.name=Student",
                "-c",
                "user.email=student@example.com",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "--quiet",
                "-m",
                message,
            ],
        );
    }

    /// The content of each file of `dir` as the lock names it, read from git: what a
    /// reset must produce.
    fn locked_files(&self, dir: &str) -> BTreeMap<String, String> {
        let lock = std::fs::read_to_string(self.path("xtask/skeletons.lock")).unwrap();
        lock.lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once(' '))
            .filter_map(|(blob, file)| Some((blob, file.strip_prefix(dir)?.strip_prefix('/')?)))
            .map(|(blob, file)| {
                let content = git(&self.root, &["cat-file", "blob", blob]);
                (file.to_string(), content)
            })
            .collect()
    }

    /// The backups `reset` has made, oldest first.
    fn backups(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.path(".netlab/backups")) else {
            return Vec::new();
        };
        let mut backups: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        backups.sort();
        backups
    }
}

/// Runs git in `dir` and returns its stdout; panics with its stderr if it fails.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every file under `dir` with its content, by path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .display()
                    .to_string();
                let content = std::fs::read_to_string(entry.path()).unwrap();
                found.insert(relative, content);
            }
        }
    }
    found
}

/// Hides what changes between runs: temporary folders and the time of a backup.
fn normalise(text: &str) -> String {
    let rules = [
        (r"/tmp/[^\s/]+/course", "<course>"),
        (r"\d{8}-\d{6}", "<date>-<time>"),
    ];
    common::replace_all(text, &rules)
}

/// A student's work on ch2-8: an edited main.rs, a new module, chat.rs deleted.
fn do_some_work(course: &Course) {
    let src = course.path("exercises/ch2-8/src");
    let main = std::fs::read_to_string(src.join("main.rs")).unwrap();
    std::fs::write(src.join("main.rs"), format!("{main}// my work\n")).unwrap();
    std::fs::write(src.join("extra.rs"), "// my own module\n").unwrap();
    std::fs::remove_file(src.join("chat.rs")).unwrap();
}

#[test]
fn reset_brings_back_the_shipped_skeleton_after_the_student_committed() {
    let course = Course::clone_of_the_course();
    let exercise = course.path("exercises/ch2-8");

    // 1. The student works, and commits: git's HEAD now holds their version.
    do_some_work(&course);
    course.commit_everything("my work on ch2-8");
    let work = files(&exercise);

    // 2. Reset.
    let run = course.xtask(&["reset", "ch2-8"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // 3. The folder holds the skeleton as shipped, file for file, and nothing else.
    assert_eq!(files(&exercise), course.locked_files("exercises/ch2-8"));

    // 4. The student's version is kept outside target/, so `cargo clean` keeps it.
    let backups = course.backups();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(files(&backups[0]), work);

    // 5. And reset says where.
    insta::assert_snapshot!(normalise(&run.stdout));
}

#[test]
fn each_reset_keeps_its_own_backup() {
    let course = Course::clone_of_the_course();
    do_some_work(&course);
    assert_eq!(course.xtask(&["reset", "ch2-8"]).code, 0);
    do_some_work(&course);
    assert_eq!(course.xtask(&["reset", "ch2-8"]).code, 0);
    assert_eq!(course.backups().len(), 2, "{:?}", course.backups());
}

/// Runs `reset ch2-8` on a course with the student's work in it, expecting a refusal
/// that changes nothing; returns what it said.
fn refused_reset(course: &Course, env: &[(&str, &Path)]) -> String {
    do_some_work(course);
    let exercise = course.path("exercises/ch2-8");
    let work = files(&exercise);
    let run = course.xtask_with(&["reset", "ch2-8"], env);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(files(&exercise), work, "the student's files are unchanged");
    assert!(course.backups().is_empty(), "no backup was made");
    normalise(&run.stderr)
}

#[test]
fn reset_refuses_without_git() {
    let course = Course::clone_of_the_course();
    let no_programs = tempfile::tempdir().unwrap();
    let said = refused_reset(&course, &[("PATH", no_programs.path())]);
    insta::assert_snapshot!(said);
}

#[test]
fn reset_refuses_outside_a_git_repository() {
    let course = Course::clone_of_the_course();
    std::fs::remove_dir_all(course.path(".git")).unwrap();
    let said = refused_reset(&course, &[]);
    insta::assert_snapshot!(said);
}

#[test]
fn reset_refuses_when_the_shipped_file_is_not_in_the_repository() {
    let course = Course::clone_of_the_course();
    // A lock naming a blob this repository never had (a lock from another course
    // version, say).
    let lock = course.path("xtask/skeletons.lock");
    let text = std::fs::read_to_string(&lock).unwrap();
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let text: String = text
        .lines()
        .map(|line| match line.split_once(' ') {
            Some((_, "exercises/ch2-8/src/main.rs")) => {
                format!("{missing} exercises/ch2-8/src/main.rs\n")
            }
            _ => format!("{line}\n"),
        })
        .collect();
    std::fs::write(&lock, text).unwrap();

    let said = refused_reset(&course, &[]);
    insta::assert_snapshot!(said);
}

#[test]
fn lock_follows_a_changed_skeleton_and_reset_restores_the_new_one() {
    let course = Course::clone_of_the_course();
    let main = course.path("exercises/ch2-8/src/main.rs");
    assert_eq!(
        course.xtask(&["lock"]).code,
        0,
        "the lock starts up to date"
    );

    // 1. The instructor changes the skeleton: the lock no longer matches it.
    let changed = format!(
        "{}// a clearer comment\n",
        std::fs::read_to_string(&main).unwrap()
    );
    std::fs::write(&main, &changed).unwrap();
    let run = course.xtask(&["lock", "--check"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    insta::assert_snapshot!(run.stdout);

    // 2. `lock` records it, and the lock matches again.
    let run = course.xtask(&["lock"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(course.xtask(&["lock", "--check"]).code, 0);

    // 3. A student's reset restores the new skeleton, committed or not.
    do_some_work(&course);
    assert_eq!(course.xtask(&["reset", "ch2-8"]).code, 0);
    assert_eq!(std::fs::read_to_string(&main).unwrap(), changed);
}

#[test]
fn a_damaged_progress_file_is_replaced_with_one_warning() {
    let course = Course::clone_of_the_course();
    let progress = course.path(".netlab/progress.json");
    std::fs::create_dir_all(progress.parent().unwrap()).unwrap();
    std::fs::write(&progress, "{ half a file").unwrap();

    // 1. `list` works, and says in one line what happened.
    let run = course.xtask(&["list"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("netlab: 0 of"), "{}", run.stdout);
    insta::assert_snapshot!(run.stderr);

    // 2. The damaged file is kept aside, and replaced: the next `list` is quiet.
    let kept = course.path(".netlab/progress.json.broken");
    assert_eq!(std::fs::read_to_string(kept).unwrap(), "{ half a file");
    let run = course.xtask(&["list"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn progress_is_kept_where_cargo_clean_does_not_reach() {
    let course = Course::clone_of_the_course();
    let progress = r#"{ "verdicts": { "ch2-8": { "passed": 3, "total": 7, "fingerprint": 0 } } }"#;
    std::fs::create_dir_all(course.path(".netlab")).unwrap();
    std::fs::write(course.path(".netlab/progress.json"), progress).unwrap();
    std::fs::create_dir_all(course.path("target/netlab")).unwrap();

    // `cargo clean` deletes target/, and `list` still knows the verdict.
    std::fs::remove_dir_all(course.path("target")).unwrap();
    let run = course.xtask(&["list"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("3 of 7 cases pass"), "{}", run.stdout);
}
