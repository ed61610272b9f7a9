//! Which program is under test.
//!
//! One test grades either the student's exercise or the reference solution: the grader
//! (`cargo xtask check`) builds the program and names it in `NETLAB_PROGRAM`. A plain
//! `cargo test` sets nothing, and then the reference solution is graded — built first,
//! because `cargo test` does not build other packages' binaries.

use crate::exercise::ExerciseId;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The environment variable that names the binary to grade.
pub const PROGRAM_VAR: &str = "NETLAB_PROGRAM";

/// The binary to grade for `exercise`, building the reference solution when nothing
/// was named.
pub fn program_for(exercise: ExerciseId) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(PROGRAM_VAR) {
        // Programs run in a folder of their own, so a relative path must be resolved now.
        return std::fs::canonicalize(&path)
            .ok()
            .filter(|path| path.is_file())
            .ok_or_else(|| {
                format!(
                    "{PROGRAM_VAR} names {}, which is not a file",
                    Path::new(&path).display()
                )
            });
    }
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| build_reference(exercise)).clone()
}

/// Builds `chN-M-solution` with cargo and returns the path of its binary, which sits
/// in the same target directory as this test binary.
fn build_reference(exercise: ExerciseId) -> Result<PathBuf, String> {
    let package = exercise.solution_package();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--package", &package, "--bin", &package])
        .status()
        .map_err(|e| format!("cannot run cargo to build {package}: {e}"))?;
    if !status.success() {
        return Err(format!("cargo could not build {package} ({status})"));
    }
    let path = profile_dir()?.join(format!("{package}{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "cargo built {package} but {} is missing",
            path.display()
        ))
    }
}

/// `target/debug` (or whatever target dir and profile this test binary was built in):
/// the test binary lives in its `deps/` folder.
fn profile_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this test binary: {e}"))?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("unexpected test binary location {}", exe.display()))
}

/// How a student reruns the program by hand: `cargo run -q -p ch2-8 --` for a package
/// of this workspace (built into the same target folder as this test binary), the
/// binary's path for anything else (a submission built elsewhere).
pub fn run_command(program: &Path) -> String {
    let name = program
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let in_this_workspace = profile_dir().is_ok_and(|dir| program.parent() == Some(dir.as_path()));
    let is_package = name.starts_with("ch") && in_this_workspace;
    if is_package {
        format!("cargo run -q -p {name} --")
    } else {
        program.display().to_string()
    }
}
