//! `cargo xtask stress ID [--runs N] [--load K]`: hunts flaky cases.
//!
//! A case that passes on an idle machine may fail on a busy one: a deadline too tight,
//! a race between two events the test assumed ordered. Students grade on busy laptops
//! and CI on shared machines, so the reference solution must pass every time. This
//! task grades it `N` times, each with a fresh seed, while `K` threads spin in this
//! process to keep every core busy, and reports every case that ever failed with the
//! seed that replays it.

use crate::grade::check::{self, NotGraded, Target};
use harness::report::SuiteReport;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use xtask::manifest::{Exercise, Manifest};

/// The seeds the harness draws are below this (`harness::runner::seed`): stay in the
/// same range so a replayed seed looks like any other.
const SEEDS: u64 = 1_000_000;

/// What the runs found.
#[derive(Default)]
struct Tally {
    /// How many runs had at least one failing case (or no verdict).
    failed_runs: usize,
    /// Each case that failed, by name.
    flaky: BTreeMap<String, Flaky>,
}

/// Every failure of one case across the runs.
struct Flaky {
    /// How many runs it failed in.
    failures: usize,
    /// The first failure's seed and first line, to replay it.
    seed: u64,
    first_line: String,
}

/// The handler of `cargo xtask stress`: exit 0 only when every run passes.
pub fn run(root: &Path, id: &str, runs: usize, load: Option<usize>) -> ExitCode {
    let exercise = match Manifest::load(root).and_then(|m| m.get(id).cloned()) {
        Ok(exercise) => exercise,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    let load = load.unwrap_or_else(cores);
    println!(
        "{}: grading the reference solution {runs} times with {load} busy threads",
        exercise.id
    );
    let stop = AtomicBool::new(false);
    // Scoped threads: the busy threads are joined before `run` returns, whatever
    // happens; `Stop` raises the flag even if grading panics.
    let result = std::thread::scope(|scope| {
        for _ in 0..load {
            scope.spawn(|| spin(&stop));
        }
        let _stop = Stop(&stop);
        grade_runs(root, &exercise, runs)
    });
    match result {
        Ok(tally) => summarise(&exercise, runs, &tally),
        Err(why) => {
            eprintln!("error: {}: {why}", exercise.id);
            ExitCode::from(2)
        }
    }
}

/// The number of cores, the default load: every one of them busy.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Raises the stop flag when dropped, so the busy threads end with the task.
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Keeps one core busy until `stop` is raised.
fn spin(stop: &AtomicBool) {
    let mut x: u64 = 1;
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
    }
}

/// Grades the solution `runs` times, one line each; returns what failed.
///
/// The first run builds (and a build failure ends the task: there is nothing to
/// stress); the later ones find everything built. A run that produces no verdict
/// (the suite's time limit) counts as a failure of the whole suite.
fn grade_runs(root: &Path, exercise: &Exercise, runs: usize) -> Result<Tally, NotGraded> {
    let mut tally = Tally::default();
    for run in 1..=runs {
        let seed = fresh_seed();
        let started = Instant::now();
        let outcome = check::grade(root, exercise, &Target::Solution, Some(seed));
        let took = started.elapsed().as_secs_f64();
        match outcome {
            Ok(suite) => {
                println!(
                    "run {run}/{runs}  seed {seed}  {}  {took:.1} s",
                    line(&suite)
                );
                let failed: Vec<_> = suite.cases.iter().filter(|c| !c.passed).collect();
                if !failed.is_empty() || suite.cases.is_empty() {
                    tally.failed_runs += 1;
                }
                for case in failed {
                    let explanation = case.render_failure();
                    let first = explanation.lines().next().unwrap_or("");
                    note(&mut tally.flaky, &case.name, seed, first);
                }
            }
            Err(NotGraded::Build(why)) => return Err(NotGraded::Build(why)),
            Err(NotGraded::Setup(why)) => return Err(NotGraded::Setup(why)),
            Err(why) => {
                println!("run {run}/{runs}  seed {seed}  ✗ no verdict: {why}");
                tally.failed_runs += 1;
                note(
                    &mut tally.flaky,
                    "(the whole suite)",
                    seed,
                    &why.to_string(),
                );
            }
        }
    }
    Ok(tally)
}

/// A seed no earlier run used, most likely: std's randomly keyed hasher, so no crate
/// is needed for it.
fn fresh_seed() -> u64 {
    RandomState::new().hash_one(Instant::now()) % SEEDS
}

/// `✓ 17 of 17 cases` or `✗ 16 of 17 cases: "the failing case"`.
fn line(suite: &SuiteReport) -> String {
    let failed: Vec<String> = suite
        .cases
        .iter()
        .filter(|c| !c.passed)
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let passed = suite.cases.len() - failed.len();
    if failed.is_empty() {
        format!("✓ {passed} of {} cases", suite.cases.len())
    } else {
        format!(
            "✗ {passed} of {} cases: {}",
            suite.cases.len(),
            failed.join(", ")
        )
    }
}

/// Counts one failure of `case`, keeping the first one's seed and line.
fn note(flaky: &mut BTreeMap<String, Flaky>, case: &str, seed: u64, first_line: &str) {
    flaky
        .entry(case.to_string())
        .and_modify(|f| f.failures += 1)
        .or_insert_with(|| Flaky {
            failures: 1,
            seed,
            first_line: first_line.trim().to_string(),
        });
}

/// The flake rate, each case that failed with how to replay it, and the plain
/// `stress: N passed, M failed` line (runs) that CI systems read.
fn summarise(exercise: &Exercise, runs: usize, tally: &Tally) -> ExitCode {
    let failed = tally.failed_runs;
    let rate = 100.0 * failed as f64 / runs.max(1) as f64;
    println!(
        "\n{}: {failed} flakes in {runs} runs (flake rate {rate:.1}%)",
        exercise.id
    );
    for (case, f) in &tally.flaky {
        println!(
            "  \"{case}\" failed {} of {runs} runs; first with seed {}: {}\n    replay: cargo \
             xtask check {} --solution --seed {}",
            f.failures, f.seed, f.first_line, exercise.id, f.seed
        );
    }
    println!("stress: {} passed, {failed} failed", runs - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
