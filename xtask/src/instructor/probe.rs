//! `cargo xtask fuzz ID` and `cargo xtask bench ID`: long-running probes of a program,
//! which are not tests. A fuzzer throws a seeded stream of random and mutated messages
//! at it (no panic, no hang, memory bounded); a benchmark loads it side by side with a
//! real implementation and reports ratios.
//!
//! The probes themselves belong to the chapter whose protocol they speak: example
//! `fuzz_chN_M` or `bench_chN_M` of the chapter's package (`chapters/chN/examples/`),
//! next to the fixtures they reuse. This module builds the program under test and the
//! probe in one cargo call and runs the probe with `NETLAB_PROGRAM` pointing at the
//! program, as the harness does; the grader itself links none of their dependencies.

use crate::grade::cargo;
use std::path::Path;
use std::process::{Command, ExitCode};
use xtask::manifest::Manifest;

/// Which probe to run.
#[derive(Clone, Copy)]
pub enum Probe {
    /// Random and mutated input, for as long as asked: no panic, no hang.
    Fuzz,
    /// Throughput and latency against a baseline, optimised builds.
    Bench,
}

impl Probe {
    /// The example's name prefix, and what the task is called.
    fn name(self) -> &'static str {
        match self {
            Probe::Fuzz => "fuzz",
            Probe::Bench => "bench",
        }
    }
}

/// Runs `probe` of exercise `id` against the reference solution (`solution`) or the
/// student's exercise, passing `args` on to the probe.
pub fn run(root: &Path, probe: Probe, id: &str, solution: bool, args: &[String]) -> ExitCode {
    match try_run(root, probe, id, solution, args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn try_run(
    root: &Path,
    probe: Probe,
    id: &str,
    solution: bool,
    args: &[String],
) -> anyhow::Result<ExitCode> {
    let exercise = Manifest::load(root)?.get(id)?.clone();
    let example = format!("{}_{}", probe.name(), exercise.id.test_target());
    let source = root
        .join(exercise.id.chapter_dir())
        .join("examples")
        .join(format!("{example}.rs"));
    if !source.exists() {
        anyhow::bail!(
            "{} has no {} (it would be {}); the exercises that have one: {}",
            exercise.id,
            probe.name(),
            crate::files::paths::shown(root, &source),
            with_probe(root, probe).join(", ")
        );
    }
    let package = if solution {
        exercise.id.solution_package()
    } else {
        exercise.id.package()
    };
    // Benchmarks compare optimised builds; a fuzzer wants debug checks (an overflow
    // panics in a debug build: that is a bug found, not a wrong number printed).
    let release = matches!(probe, Probe::Bench);
    let (program, probe_exe) = cargo::build_probe(root, &exercise, &package, &example, release)?;
    let status = Command::new(&probe_exe)
        .args(args)
        .env("NETLAB_PROGRAM", &program)
        .current_dir(root)
        .status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The exercises whose chapter has this probe, for the error that says which do.
fn with_probe(root: &Path, probe: Probe) -> Vec<String> {
    let Ok(manifest) = Manifest::load(root) else {
        return Vec::new();
    };
    manifest
        .exercises
        .iter()
        .filter(|e| {
            root.join(e.id.chapter_dir())
                .join("examples")
                .join(format!("{}_{}.rs", probe.name(), e.id.test_target()))
                .exists()
        })
        .map(|e| e.id.to_string())
        .collect()
}
