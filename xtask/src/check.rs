//! `cargo xtask check ID`: build the program, run its tests, explain the verdict.

use crate::Format;
use crate::cargo::{self, BuildFailed, Built};
use crate::progress::Progress;
use crate::render;
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
    /// A crate somewhere else (a submission).
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
            if suite.cases.iter().all(|c| c.passed) && !suite.cases.is_empty() {
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
    let built = build(root, exercise, target).map_err(|BuildFailed(why)| NotGraded::Build(why))?;
    run_tests(&built, seed)
}

fn build(root: &Path, exercise: &Exercise, target: &Target) -> Result<Built, BuildFailed> {
    match target {
        Target::Exercise => cargo::build(root, exercise, &exercise.id.package()),
        Target::Solution => cargo::build(root, exercise, &exercise.id.solution_package()),
        Target::Path(dir) => cargo::build_external(root, exercise, dir),
    }
}

/// Runs the test binary against the program and reads back its report.
fn run_tests(built: &Built, seed: Option<u64>) -> Result<SuiteReport, NotGraded> {
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
