//! Runs a table of cases as a test binary (`harness = false`), with the command line
//! of `cargo test` (filters, `--list`, `--exact`), and writes a report for the grader.

use crate::exercise::ExerciseId;
use crate::failure::{Failure, Kind, Outcome, REQUIRE_ALL_VAR, every_case_required};
use crate::program::{ProgramReport, Watch};
use crate::report::{CaseReport, REPORT_VAR, SuiteReport};
use crate::session::Session;
use crate::snapshot::{Snapshots, slug};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The environment variable that fixes the seed of the varied inputs.
pub const SEED_VAR: &str = "NETLAB_SEED";
/// No case may take longer than this; its programs are killed when it does.
const CASE_LIMIT: Duration = Duration::from_secs(30);

/// How many hints one case can carry.
const MAX_HINTS: usize = 4;

/// One test case: a name that says what it checks, the steps, and hints.
#[derive(Clone, Copy)]
pub struct Case {
    name: &'static str,
    steps: fn(&mut Session) -> Outcome,
    hints: [Option<(Option<Kind>, &'static str)>; MAX_HINTS],
}

impl Case {
    /// A case named by what it checks ("a client prints while its stdin is idle").
    pub const fn new(name: &'static str, steps: fn(&mut Session) -> Outcome) -> Case {
        Case {
            name,
            steps,
            hints: [None; MAX_HINTS],
        }
    }

    /// What the case is about: shown whenever it fails, so it must be true however it
    /// fails (a crash, a timeout, a wrong line).
    pub const fn hint(self, hint: &'static str) -> Case {
        self.with_hint(None, hint)
    }

    /// The usual mistake behind one kind of failure: shown only when the case fails
    /// that way. "The classic half-duplex bug" fits a client that printed nothing
    /// ([`Kind::Timeout`]), not one that printed a wrong line.
    pub const fn hint_if(self, kind: Kind, hint: &'static str) -> Case {
        self.with_hint(Some(kind), hint)
    }

    const fn with_hint(mut self, kind: Option<Kind>, hint: &'static str) -> Case {
        let mut slot = 0;
        while slot < MAX_HINTS {
            if self.hints[slot].is_none() {
                self.hints[slot] = Some((kind, hint));
                return self;
            }
            slot += 1;
        }
        panic!("a case carries at most four hints");
    }

    /// The hints that fit `failure`, in the order they were given.
    fn hints_for(&self, failure: &Failure) -> Vec<String> {
        self.hints
            .iter()
            .flatten()
            .filter(|(kind, _)| kind.is_none_or(|kind| kind == failure.kind))
            .map(|(_, hint)| hint.to_string())
            .collect()
    }
}

/// The test binary's `main` (through [`crate::run!`]): runs `cases` against the program
/// under test for the exercise named by `test_target` (`ch2_8` grades `ch2-8`).
/// `manifest_dir` is the chapter crate's folder, which holds `tests/snapshots`.
pub fn run_suite(manifest_dir: &str, test_target: &str, cases: &[Case]) -> ExitCode {
    let exercise = match ExerciseId::from_test_target(test_target) {
        Ok(exercise) => exercise,
        Err(error) => {
            eprintln!(
                "error: this test file must be named after the exercise it grades \
                 (tests/chN_M.rs): {error}"
            );
            return ExitCode::from(2);
        }
    };
    quiet_panics();
    let mut args = libtest_mimic::Arguments::from_args();
    // Cases mostly wait on sockets and pipes, not the CPU: run them all at once, so a
    // program that hangs costs one deadline in all, not one per case.
    args.test_threads = args.test_threads.or(Some(cases.len().clamp(1, 32)));
    let seed = seed();
    let results = Arc::new(Mutex::new(Vec::new()));
    let names: Vec<&str> = cases.iter().map(|case| case.name).collect();
    let target = exercise.test_target();
    let snapshot_dir = Path::new(manifest_dir).join("tests").join("snapshots");
    let trials = cases
        .iter()
        .map(|&case| {
            let results = Arc::clone(&results);
            let snapshots = Snapshots {
                dir: snapshot_dir.clone(),
                prefix: format!("{target}__{}", slug(case.name)),
            };
            libtest_mimic::Trial::test(case.name, move || {
                let report = run_case(exercise, case, seed, snapshots);
                let verdict = if report.passed {
                    Ok(())
                } else {
                    Err(report.render_failure().into())
                };
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(report);
                verdict
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let mut cases = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    // Report in the order of the table, however the cases were scheduled.
    cases.sort_by_key(|report: &CaseReport| names.iter().position(|name| *name == report.name));
    if let Err(error) = write_report(SuiteReport {
        exercise,
        seed,
        cases,
    }) {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    conclusion.exit_code()
}

/// Runs one case in its own session and turns whatever happened into a report.
fn run_case(exercise: ExerciseId, case: Case, seed: u64, snapshots: Snapshots) -> CaseReport {
    let started = Instant::now();
    let case_seed = seed ^ fnv1a(case.name);
    let watches: Arc<Mutex<Vec<Watch>>> = Arc::default();
    let mut steps = Vec::new();
    let mut programs = Vec::new();
    let outcome = crate::locate::program_for(exercise)
        .map_err(Failure::new)
        .and_then(|program| {
            let mut session = Session::new(
                exercise,
                program,
                case_seed,
                Arc::clone(&watches),
                snapshots,
            )?;
            let watchdog = start_watchdog(Arc::clone(&watches));
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                (case.steps)(&mut session)
            }))
            .unwrap_or_else(|_| {
                Err(Failure::new(format!(
                    "the test itself panicked: {}",
                    last_panic()
                )))
            });
            drop(watchdog);
            steps = session.transcript().steps();
            programs = session.program_reports(outcome.is_err());
            // A panic is the root cause, whichever step noticed its consequence.
            let crashed = programs.iter().any(ProgramReport::panicked);
            outcome.map_err(|failure| {
                if crashed {
                    failure.kind(Kind::Crashed)
                } else {
                    failure
                }
            })
            // The session is dropped here, which kills every program of the case.
        });
    let (outcome, skipped) = match outcome {
        Err(failure) if failure.kind == Kind::Skipped && !every_case_required() => {
            // Loud, in `cargo test` and in the grader's verdict alike.
            eprintln!("SKIPPED: {}: {}", case.name, failure.summary);
            (Ok(()), Some(failure.summary))
        }
        Err(failure) if failure.kind == Kind::Skipped => {
            let summary = format!(
                "{} — required here (CI=true or {REQUIRE_ALL_VAR}=1), so the case fails",
                failure.summary
            );
            (Err(Failure { summary, ..failure }), None)
        }
        outcome => (outcome, None),
    };
    CaseReport {
        name: case.name.to_string(),
        passed: outcome.is_ok(),
        skipped,
        millis: started.elapsed().as_millis() as u64,
        hints: outcome
            .as_ref()
            .err()
            .map(|failure| case.hints_for(failure))
            .unwrap_or_default(),
        failure: outcome.err(),
        steps,
        programs,
        seed,
    }
}

/// Kills every program of a case that outlives [`CASE_LIMIT`], so even a test stuck in
/// a blocking write ends. Dropping the returned sender stops the watchdog.
fn start_watchdog(watches: Arc<Mutex<Vec<Watch>>>) -> mpsc::Sender<()> {
    let (done, finished) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(CASE_LIMIT) {
            for watch in watches.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                watch.kill();
            }
        }
    });
    done
}

/// The run's seed: from `NETLAB_SEED` to replay a run, otherwise fresh.
fn seed() -> u64 {
    match std::env::var(SEED_VAR) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            eprintln!("warning: {SEED_VAR}={text:?} is not a number; using a fresh seed");
            fastrand::u64(..1_000_000)
        }),
        Err(_) => fastrand::u64(..1_000_000),
    }
}

/// Writes the JSON report if the grader asked for one.
fn write_report(report: SuiteReport) -> Result<(), String> {
    let Some(path) = std::env::var_os(REPORT_VAR) else {
        return Ok(());
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&path, json).map_err(|e| {
        format!(
            "cannot write the report to {}: {e}",
            Path::new(&path).display()
        )
    })
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Records panic messages instead of printing them: a panic inside a case becomes a
/// failure with its message, shown once in the case's report.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|last| *last.borrow_mut() = format!("{message}{place}"));
    }));
}

fn last_panic() -> String {
    LAST_PANIC.with(|last| last.borrow().clone())
}

/// A stable hash of a case name, so each case draws its own inputs from the run's seed.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: &mut Session) -> Outcome {
        Ok(())
    }

    #[test]
    fn a_case_shows_only_the_hints_that_fit_the_failure() {
        let case = Case::new("a client prints while idle", nothing)
            .hint("always true")
            .hint_if(Kind::Timeout, "the half-duplex bug")
            .hint_if(Kind::Mismatch, "check the prefix");
        let timeout = Failure::new("no line came").kind(Kind::Timeout);
        assert_eq!(
            case.hints_for(&timeout),
            ["always true", "the half-duplex bug"]
        );
        let wrong = Failure::mismatch("a different line", "server: x", "x");
        assert_eq!(case.hints_for(&wrong), ["always true", "check the prefix"]);
        let crash = Failure::new("it panicked").kind(Kind::Crashed);
        assert_eq!(case.hints_for(&crash), ["always true"]);
    }
}
