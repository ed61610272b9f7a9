//! `cargo xtask check ID`: build the program, run its tests, explain the verdict.

use crate::Format;
use crate::grade::cargo::{self, BuildFailed, Built};
use crate::grade::freshness::Sources;
use crate::grade::render;
use crate::grade::submission;
use crate::student::progress::Progress;
use harness::report::{REPORT_VAR, SuiteReport};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use xtask::manifest::{Exercise, Manifest, ManifestError};

/// No test binary may run longer than this; every case has its own, shorter deadlines,
/// so this only catches a test binary that is itself stuck.
const SUITE_LIMIT: Duration = Duration::from_secs(180);

/// What to grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The student's exercise, `exercises/ID`.
    Exercise,
    /// The reference solution, `solutions/ID`.
    Solution,
    /// A submission kept somewhere else: a copy of a student's exercise folder, a
    /// folder holding only its `src/`, or a standalone crate (see `submission.rs`).
    Path(PathBuf),
}

/// Why grading could not produce a verdict.
#[derive(Debug, thiserror::Error)]
pub enum NotGraded {
    /// The exercise is unknown or the manifest is broken.
    #[error(transparent)]
    Setup(#[from] ManifestError),
    /// The program or the tests did not compile (cargo printed why).
    #[error("{0}: fix the compiler errors above, then check again")]
    Build(String),
    /// The files to grade cannot be built as they are: the sentence says why and what
    /// to do (a submission folder without a Cargo.toml or src/main.rs, say).
    #[error("{0}")]
    Files(String),
    /// The test binary could not run or report.
    #[error("the tests could not run: {0}")]
    Run(String),
}

/// The handler of `cargo xtask check`: exit 0 all pass, 1 some fail, 2 not graded.
pub fn run(root: &Path, id: &str, target: Target, format: Format, seed: Option<u64>) -> ExitCode {
    let exercise = match Manifest::load(root).and_then(|m| m.get(id).cloned()) {
        Ok(exercise) => exercise,
        Err(why) => return not_graded(id, format, &NotGraded::Setup(why)),
    };
    match grade(root, &exercise, &target, seed) {
        Ok(suite) => {
            if target == Target::Exercise {
                Progress::record(root, &exercise, &suite);
            }
            print!("{}", render::verdict(&exercise, &target, &suite, format));
            let passed = suite.cases.iter().all(|c| c.passed) && !suite.cases.is_empty();
            if passed && format == Format::Text && target == Target::Exercise {
                // After the verdict, which the student should not wait for.
                let _ = std::io::Write::flush(&mut std::io::stdout());
                let findings = crate::grade::advice::ask(root, &exercise.id.package());
                print!("{}", crate::grade::advice::render(&findings));
            }
            if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(why) => not_graded(id, format, &why),
    }
}

/// Prints why there is no verdict, in the requested format, and exits 2.
fn not_graded(id: &str, format: Format, why: &NotGraded) -> ExitCode {
    match format {
        Format::Text => eprintln!("error: {id}: {why}"),
        _ => print!("{}", render::not_graded(id, &why.to_string(), format)),
    }
    ExitCode::from(2)
}

/// Builds what `target` names and runs the exercise's tests against it.
pub fn grade(
    root: &Path,
    exercise: &Exercise,
    target: &Target,
    seed: Option<u64>,
) -> Result<SuiteReport, NotGraded> {
    let built = build(root, exercise, target)?;
    run_tests(&built, seed, None)
}

/// Like [`grade`], but runs only the case called `case`: what `mutants` needs to know
/// of a bug first, in a fraction of the time of the whole suite.
pub fn grade_case(
    root: &Path,
    exercise: &Exercise,
    target: &Target,
    case: &str,
) -> Result<SuiteReport, NotGraded> {
    let built = build(root, exercise, target)?;
    run_tests(&built, None, Some(case))
}

/// Builds the program `target` names and the exercise's test binary.
fn build(root: &Path, exercise: &Exercise, target: &Target) -> Result<Built, NotGraded> {
    match target {
        Target::Exercise => {
            let package = exercise.id.package();
            build_from_sources(
                root,
                &package,
                &root.join(exercise.id.exercise_dir()),
                || cargo::build(root, exercise, &package),
            )
        }
        Target::Solution => {
            let package = exercise.id.solution_package();
            build_from_sources(
                root,
                &package,
                &root.join(exercise.id.solution_dir()),
                || cargo::build(root, exercise, &package),
            )
        }
        Target::Path(dir) => build_submission(root, exercise, dir),
    }
}

/// Builds a submission kept outside the workspace, as a standalone package.
fn build_submission(root: &Path, exercise: &Exercise, dir: &Path) -> Result<Built, NotGraded> {
    let submission = submission::prepare(root, exercise, dir).map_err(NotGraded::Files)?;
    let held = cargo::NameLock::acquire(root, &submission.package).map_err(|e| {
        NotGraded::Run(format!(
            "cannot take the lock on `{}` in target/netlab/locks: {e}",
            submission.package
        ))
    })?;
    let record = format!("external-{}", submission.package);
    build_from_sources(root, &record, &submission.dir, || {
        cargo::build_external(root, exercise, &submission, held)
    })
}

/// Runs `build` on the files in `dir` as they are now, even when some were put back
/// with an old modification time (see `freshness.rs`); `record` names the package's
/// record of its last build.
fn build_from_sources(
    root: &Path,
    record: &str,
    dir: &Path,
    build: impl FnOnce() -> Result<Built, BuildFailed>,
) -> Result<Built, NotGraded> {
    let cannot_refresh = |e: std::io::Error| {
        NotGraded::Files(format!(
            "cannot update the modification times of the files in {} ({e}), so cargo could \
             grade an older build: make them writable by you",
            dir.display()
        ))
    };
    let sources = Sources::read(root, record, dir).map_err(cannot_refresh)?;
    sources.make_changes_visible().map_err(cannot_refresh)?;
    let built = build().map_err(build_failed)?;
    sources.remember(&built.program);
    Ok(built)
}

/// A build that produced nothing to run, as a reason not to grade.
fn build_failed(BuildFailed(why): BuildFailed) -> NotGraded {
    NotGraded::Build(why)
}

/// Runs the test binary against the program (only the case `only`, when given) and
/// reads back its report.
fn run_tests(
    built: &Built,
    seed: Option<u64>,
    only: Option<&str>,
) -> Result<SuiteReport, NotGraded> {
    let scratch =
        tempfile::tempdir().map_err(|e| NotGraded::Run(format!("no temporary folder: {e}")))?;
    let report = scratch.path().join("report.json");
    let log = scratch.path().join("output.log");
    let log_file = std::fs::File::create(&log).map_err(|e| NotGraded::Run(e.to_string()))?;
    let mut command = Command::new(&built.tests);
    command
        .env(harness::locate::PROGRAM_VAR, &built.program)
        .env(REPORT_VAR, &report)
        // A student's failing run must not leave `.snap.new` files in the course.
        .env("INSTA_UPDATE", "no")
        .stdin(Stdio::null())
        .stdout(
            log_file
                .try_clone()
                .map_err(|e| NotGraded::Run(e.to_string()))?,
        )
        .stderr(log_file)
        .process_group(0);
    if let Some(seed) = seed {
        command.env(harness::SEED_VAR, seed.to_string());
    }
    if let Some(case) = only {
        // After `--`: a case's name may begin with `--` itself.
        command.args(["--exact", "--", case]);
    }
    let child = command
        .spawn()
        .map_err(|e| NotGraded::Run(format!("cannot start {}: {e}", built.tests.display())))?;
    wait_or_kill(child, SUITE_LIMIT)?;
    let text = std::fs::read_to_string(&report).map_err(|_| {
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        NotGraded::Run(format!(
            "the test binary wrote no report; its output was:\n{output}"
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| NotGraded::Run(format!("unreadable report: {e}")))
}

/// Waits for the test binary, killing its whole process group past `limit`.
fn wait_or_kill(mut child: std::process::Child, limit: Duration) -> Result<(), NotGraded> {
    let pid = child.id() as i32;
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait());
    });
    match finished.recv_timeout(limit) {
        Ok(_) => Ok(()),
        Err(_) => {
            // SAFETY: the test binary leads its own process group; only it is signalled.
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
            Err(NotGraded::Run(format!(
                "the tests did not finish within {limit:?} and were stopped"
            )))
        }
    }
}
