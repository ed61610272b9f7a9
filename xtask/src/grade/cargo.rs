//! The grader's cargo invocations: one `cargo build` that produces both the program
//! under test and its test binary, whose paths are read from cargo's JSON messages.
//!
//! Each cargo call costs at least 50 ms even when nothing changed, so `check` makes one
//! (two for a submission kept outside the workspace) and runs the test binary itself.

use crate::grade::submission::Submission;
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use xtask::manifest::Exercise;

/// Whether builds keep cargo's messages to themselves and show them only when the
/// build fails (see [`quiet_builds`]).
static QUIET: AtomicBool = AtomicBool::new(false);

/// Makes every later build of this process show the compiler's messages only when it
/// fails (`true`), or always (`false`). The bug catalogue's programs warn by design
/// (a variable a bug left unused): hundreds of such warnings would bury the verdicts.
pub fn quiet_builds(quiet: bool) {
    QUIET.store(quiet, Ordering::SeqCst);
}

/// The two executables a check needs.
pub struct Built {
    /// The program under test.
    pub program: PathBuf,
    /// The chapter's test binary for this exercise.
    pub tests: PathBuf,
    /// Held until the check is over, when the program's name is shared (a submission).
    _held: Option<NameLock>,
}

/// Why a build produced nothing to run: cargo has already printed the compiler's
/// messages, so this only says which build failed.
#[derive(Debug)]
pub struct BuildFailed(pub String);

/// Builds `package`'s binary and the exercise's test target in one cargo call.
pub fn build(root: &Path, exercise: &Exercise, package: &str) -> Result<Built, BuildFailed> {
    let test_target = exercise.id.test_target();
    let mut command = cargo(root);
    command.args([
        "build",
        "--quiet",
        "--message-format=json-render-diagnostics",
    ]);
    command.args(["--package", package, "--bin", package]);
    command.args([
        "--package",
        &exercise.id.test_package(),
        "--test",
        &test_target,
    ]);
    let artifacts = run_for_artifacts(command).map_err(|e| BuildFailed(format!("{e:#}")))?;
    let program = find(&artifacts, package, "bin")
        .ok_or_else(|| BuildFailed(format!("`{package}` did not compile")))?;
    let tests = find(&artifacts, &test_target, "test")
        .ok_or_else(|| BuildFailed(format!("the tests of {} did not compile", exercise.id)))?;
    Ok(Built {
        program,
        tests,
        _held: None,
    })
}

/// Builds `package`'s binary and example `example` of the exercise's chapter package
/// (a fuzzer or a load generator, see `instructor/probe.rs`) in one cargo call,
/// optimised when `release`. Returns the program's and the example's executables.
pub fn build_probe(
    root: &Path,
    exercise: &Exercise,
    package: &str,
    example: &str,
    release: bool,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let mut command = cargo(root);
    command.args(["build", "--message-format=json-render-diagnostics"]);
    if release {
        command.arg("--release");
    }
    command.args(["--package", package, "--bin", package]);
    command.args([
        "--package",
        &exercise.id.test_package(),
        "--example",
        example,
    ]);
    let artifacts = run_for_artifacts(command)?;
    let program =
        find(&artifacts, package, "bin").with_context(|| format!("`{package}` did not compile"))?;
    let probe = find(&artifacts, example, "example")
        .with_context(|| format!("the example `{example}` did not compile"))?;
    Ok((program, probe))
}

/// Builds a submission made standalone (see `submission.rs`) into `target/external`,
/// shared by every submission so the dependencies are built once; then the
/// exercise's test target in the workspace. The returned [`Built`] keeps `held`, the
/// lock on the program's name, until the check is over.
pub fn build_external(
    root: &Path,
    exercise: &Exercise,
    submission: &Submission,
    held: NameLock,
) -> Result<Built, BuildFailed> {
    let mut command = cargo(root);
    command.args([
        "build",
        "--quiet",
        "--message-format=json-render-diagnostics",
        "--bins",
        "--manifest-path",
    ]);
    command
        .arg(&submission.manifest)
        .arg("--target-dir")
        .arg(root.join("target").join("external"));
    let artifacts = run_for_artifacts(command).map_err(|e| BuildFailed(format!("{e:#}")))?;
    let program = the_program(&artifacts, &submission.package)?;
    let tests = test_binary(root, exercise)?;
    Ok(Built {
        program,
        tests,
        _held: Some(held),
    })
}

/// The test binaries this process has built, by test target: the tests do not change
/// while one process grades, so `mutants`, which grades hundreds of copies of a few
/// exercises, builds each exercise's tests once instead of asking cargo again per bug
/// (each no-op call ≈ 0.5 s, and calls on one target dir wait for each other).
static TEST_BINARIES: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());

/// The exercise's test binary, built in the workspace (once per process).
fn test_binary(root: &Path, exercise: &Exercise) -> Result<PathBuf, BuildFailed> {
    let target = exercise.id.test_target();
    if let Some(built) = TEST_BINARIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&target)
    {
        return Ok(built.clone());
    }
    let mut command = cargo(root);
    command.args([
        "build",
        "--quiet",
        "--message-format=json-render-diagnostics",
    ]);
    command.args(["--package", &exercise.id.test_package(), "--test", &target]);
    let artifacts = run_for_artifacts(command).map_err(|e| BuildFailed(format!("{e:#}")))?;
    let tests = find(&artifacts, &target, "test")
        .ok_or_else(|| BuildFailed(format!("the tests of {} did not compile", exercise.id)))?;
    TEST_BINARIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(target, tests.clone());
    Ok(tests)
}

/// The one program a submission builds, whatever its package is called: its only
/// binary, or the one named after the package when it has several.
fn the_program(artifacts: &[Artifact], package: &str) -> Result<PathBuf, BuildFailed> {
    let binaries: Vec<&Artifact> = artifacts.iter().filter(|a| a.kind == "bin").collect();
    match binaries.as_slice() {
        [only] => Ok(only.executable.clone()),
        [] => Err(BuildFailed(format!(
            "package `{package}` builds no program: a submission needs a src/main.rs"
        ))),
        several => find(artifacts, package, "bin").ok_or_else(|| {
            let names: Vec<&str> = several.iter().map(|a| a.name.as_str()).collect();
            BuildFailed(format!(
                "package `{package}` builds {} programs ({}): the one to grade must be named \
                 `{package}`",
                names.len(),
                names.join(", ")
            ))
        }),
    }
}

/// An exclusive lock on one package name in `target/external` (`flock` on a file in
/// `target/netlab/locks/`), released when dropped. cargo keeps one build per package
/// name there, and names the program after it, so two submissions of one exercise
/// graded at once would build over each other: the second waits for the first.
pub struct NameLock {
    /// Closing the file releases the lock.
    _file: std::fs::File,
}

impl NameLock {
    /// Waits until no other check holds `name`, then holds it.
    pub fn acquire(root: &Path, name: &str) -> std::io::Result<NameLock> {
        let dir = crate::files::paths::scratch_dir(root).join("locks");
        std::fs::create_dir_all(&dir)?;
        let file = std::fs::File::create(dir.join(format!("{name}.lock")))?;
        loop {
            // SAFETY: flock on a descriptor this function owns; no memory is involved.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(NameLock { _file: file });
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }
}

/// Runs a cargo command in the workspace and fails unless it succeeds.
pub fn run(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = cargo(root)
        .args(args)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// A cargo command working in the workspace root.
pub fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// One executable cargo built.
struct Artifact {
    name: String,
    kind: String,
    executable: PathBuf,
}

/// Runs cargo with JSON messages on stdout (diagnostics still go to the terminal, as
/// cargo prints them) and collects the executables it produced.
fn run_for_artifacts(mut command: Command) -> anyhow::Result<Vec<Artifact>> {
    let quiet = QUIET.load(Ordering::SeqCst);
    let output = command
        .stdout(Stdio::piped())
        .stderr(if quiet {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .output()
        .context("cannot run cargo")?;
    if quiet && !output.status.success() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let mut artifacts = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(executable) = message["executable"].as_str() else {
            continue;
        };
        let name = message["target"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let kind = message["target"]["kind"][0]
            .as_str()
            .unwrap_or_default()
            .to_string();
        artifacts.push(Artifact {
            name,
            kind,
            executable: executable.into(),
        });
    }
    if !output.status.success() && artifacts.is_empty() {
        bail!("it did not compile");
    }
    Ok(artifacts)
}

/// The executable of target `name` of `kind`, if it was built.
fn find(artifacts: &[Artifact], name: &str, kind: &str) -> Option<PathBuf> {
    artifacts
        .iter()
        .find(|a| a.name == name && a.kind == kind)
        .map(|a| a.executable.clone())
}
