//! What a test run reports: one [`CaseReport`] per case, gathered in a [`SuiteReport`].
//!
//! The chapter tests write it as JSON when `NETLAB_REPORT` names a file; the grader
//! reads it back to print verdicts, JSON or JUnit. The text rendering lives here, once,
//! so `cargo test` and `cargo xtask check` explain a failure in the same words.

use crate::failure::Failure;
use crate::program::ProgramReport;
use crate::transcript::Step;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The environment variable naming the file the report is written to.
pub const REPORT_VAR: &str = "NETLAB_REPORT";

/// Every case of one test target, and how to replay its run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteReport {
    /// The exercise graded (`ch2-8`).
    pub exercise: crate::ExerciseId,
    /// The seed the varied inputs were drawn from.
    pub seed: u64,
    /// The cases that ran, in the order they finished.
    pub cases: Vec<CaseReport>,
}

/// One case: its name, whether it passed, and if not, everything that explains why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseReport {
    /// The case's name: a sentence saying what it checks.
    pub name: String,
    /// Whether it passed (a skipped case counts as passed).
    pub passed: bool,
    /// Why the case did not run on this machine, if it did not: what it needs and how
    /// to add it (see [`crate::Kind::Skipped`]).
    #[serde(default)]
    pub skipped: Option<String>,
    /// How long it took, in milliseconds.
    pub millis: u64,
    /// Why it failed.
    pub failure: Option<Failure>,
    /// The case's hints that fit the way it failed.
    pub hints: Vec<String>,
    /// The conversation up to the failure.
    pub steps: Vec<Step>,
    /// The programs the case started, as they were when it ended.
    pub programs: Vec<ProgramReport>,
    /// The seed, to replay this run's inputs.
    pub seed: u64,
}

impl CaseReport {
    /// The root cause of a failure in one sentence, the same for every case that
    /// failed for the same reason: a panic's place and message if a program panicked,
    /// otherwise the failure's summary.
    pub fn cause(&self) -> String {
        self.programs
            .iter()
            .find_map(ProgramReport::panic)
            .or_else(|| self.failure.as_ref().map(|f| f.summary.clone()))
            .unwrap_or_default()
    }

    /// The full explanation of a failed case, for a person.
    pub fn render_failure(&self) -> String {
        let mut out = String::new();
        let Some(failure) = &self.failure else {
            return out;
        };
        let _ = writeln!(out, "{}", failure.summary);
        render_comparison(&mut out, failure);
        if !self.steps.is_empty() {
            let _ = writeln!(
                out,
                "\nsteps ($ started, > sent to the program, < received from it, # event):"
            );
            render_steps(&mut out, &self.steps);
        }
        for program in &self.programs {
            render_program(&mut out, program);
        }
        for hint in &self.hints {
            let _ = writeln!(out, "\nabout this case: {}", hint.trim());
        }
        let _ = writeln!(
            out,
            "\ninputs were drawn from seed {}: set NETLAB_SEED={} (or pass --seed {}) to replay them",
            self.seed, self.seed, self.seed
        );
        out
    }
}

/// How many steps a report shows at its start and at its end; a program that printed
/// thousands of lines would otherwise bury the failure.
const STEPS_SHOWN: (usize, usize) = (60, 40);

/// The steps, with the middle of a very long conversation left out.
fn render_steps(out: &mut String, steps: &[Step]) {
    let (head, tail) = STEPS_SHOWN;
    if steps.len() <= head + tail {
        for step in steps {
            let _ = writeln!(out, "  {step}");
        }
        return;
    }
    for step in &steps[..head] {
        let _ = writeln!(out, "  {step}");
    }
    let _ = writeln!(out, "  … {} steps left out …", steps.len() - head - tail);
    for step in &steps[steps.len() - tail..] {
        let _ = writeln!(out, "  {step}");
    }
}

/// Expected beside actual: a line diff for several lines, two labelled lines for one.
fn render_comparison(out: &mut String, failure: &Failure) {
    match (&failure.expected, &failure.actual) {
        (Some(expected), Some(actual)) if expected.contains('\n') || actual.contains('\n') => {
            let _ = writeln!(out, "\ndifference (- expected, + actual):");
            let diff = similar::TextDiff::from_lines(expected, actual);
            for change in diff.iter_all_changes() {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                let _ = write!(out, "  {sign} {}", change);
                if change.missing_newline() {
                    out.push('\n');
                }
            }
        }
        (expected, actual) => {
            if let Some(expected) = expected {
                let _ = writeln!(out, "  expected: {expected}");
            }
            if let Some(actual) = actual {
                let _ = writeln!(out, "  actual:   {actual}");
            }
        }
    }
}

/// `1 line`, `2 lines`: a count with its noun.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A program's unread output, stderr tail and exit, each line behind a prefix.
fn render_program(out: &mut String, program: &ProgramReport) {
    if !program.unread_stdout.is_empty() {
        let _ = writeln!(
            out,
            "\n{} printed on stdout (not read by the test):",
            program.label
        );
        let (head, tail) = program
            .unread_stdout
            .split_at(program.unread_stdout.len().min(crate::program::SHOWN_HEAD));
        for line in head {
            let _ = writeln!(out, "  {} | {line}", program.label);
        }
        if program.unread_left_out > 0 {
            let _ = writeln!(
                out,
                "  {} | … {} left out …",
                program.label,
                plural(program.unread_left_out, "line")
            );
        }
        for line in tail {
            let _ = writeln!(out, "  {} | {line}", program.label);
        }
    }
    if !program.stderr_tail.is_empty() {
        let _ = writeln!(out, "\n{} printed on stderr:", program.label);
        for line in program
            .stderr_tail
            .iter()
            .filter(|line| !line.trim().is_empty())
        {
            let _ = writeln!(out, "  {}! {line}", program.label);
        }
    }
    let ended = program
        .exit
        .as_deref()
        .unwrap_or("was still running when the case ended (the test stopped it)");
    let _ = writeln!(
        out,
        "\n{} {ended}; run it by hand: {}",
        program.label, program.command
    );
}
