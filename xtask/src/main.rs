//! `cargo xtask`: the course's grader and build tool.
//!
//! One documented clap enum, one handler per task. Every task works from the
//! workspace root and reads the exercise manifest (`exercises.toml`).

mod book;
mod files;
mod grade;
mod instructor;
mod student;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// netlab: read the book, solve the exercises, and let the grader talk to your programs.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

/// What `cargo xtask` can do.
#[derive(Subcommand)]
enum Task {
    /// Grade an exercise: build it, run its tests, explain every failing case.
    Check {
        /// The exercise, e.g. ch2-8 (`cargo xtask list` shows them all).
        id: String,
        /// Grade the reference solution instead of your exercise.
        #[arg(long, conflicts_with = "path")]
        solution: bool,
        /// Grade the submission in this folder instead: a copy of a student's exercise
        /// folder, or a folder holding just its src/.
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// How to print the verdict: text for people, json or junit for CI systems.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Replay the random inputs of an earlier run (a failure prints its seed).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Re-check an exercise every time you save one of its files.
    Watch {
        /// The exercise, e.g. ch2-8.
        id: String,
    },
    /// Show every exercise and whether it passes yet.
    List,
    /// Print a hint: the first nudge, or with --more the next one (the last gives the approach in full).
    Hint {
        /// The exercise, e.g. ch2-8.
        id: String,
        /// The next hint: each one says more, the last gives the approach in full.
        #[arg(long)]
        more: bool,
    },
    /// Put an exercise back to its untouched skeleton (your version is kept as a backup).
    Reset {
        /// The exercise, e.g. ch2-8.
        id: String,
    },
    /// Instructor task: record every skeleton's files in xtask/skeletons.lock, which
    /// `reset` restores. Run it after changing a skeleton and commit both.
    Lock {
        /// Only say whether the lock matches the skeletons (exit 1 if not).
        #[arg(long)]
        check: bool,
    },
    /// Instructor check before a release: every solution passes and is lint-clean,
    /// every skeleton compiles and fails, the book builds with every include resolved.
    Verify,
    /// Run every test of the workspace, then `verify`: what CI runs.
    Test,
    /// Instructor task: apply each bug of the catalogue (chapters/chN/bugs/chN-M/*.patch)
    /// to a copy of the reference solution and check that the tests catch it, with
    /// the case and the words its header names.
    Mutants {
        /// Only this exercise's bugs, e.g. ch2-8 (default: every exercise's).
        id: Option<String>,
        /// The folder holding the catalogue, laid out as chapters/ is (chN/bugs/chN-M/);
        /// the grader's own tests point it at a fixture.
        #[arg(long, value_name = "DIR")]
        catalogue: Option<PathBuf>,
    },
    /// Instructor task: check chapters/MATRIX.md, every exercise against the real
    /// network's conditions (the rule `verify` runs), and print each problem.
    Matrix {
        /// Only this exercise's table, e.g. ch2-8 (default: every exercise's).
        id: Option<String>,
    },
    /// Instructor task: grade the reference solution many times while every core is
    /// busy, each run with a fresh seed, to find cases that fail now and then.
    Stress {
        /// The exercise, e.g. ch2-8.
        id: String,
        /// How many times to grade it.
        #[arg(long, default_value_t = 50)]
        runs: usize,
        /// How many busy threads spin meanwhile (default: one per core).
        #[arg(long)]
        load: Option<usize>,
    },
    /// Instructor task: throw a seeded stream of random and mutated messages at a
    /// program (no panic, no hang, memory bounded), e.g. `cargo xtask fuzz ch3-1 -- --count 100000`.
    Fuzz {
        /// The exercise, e.g. ch3-1.
        id: String,
        /// Fuzz the reference solution instead of your exercise.
        #[arg(long)]
        solution: bool,
        /// Passed to the chapter's fuzzer (`-- --help` lists them).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Instructor task: benchmark the reference solution side by side with a real
    /// implementation (optimised builds), e.g. `cargo xtask bench ch3-2`.
    Bench {
        /// The exercise, e.g. ch3-2.
        id: String,
        /// Benchmark your exercise instead of the reference solution.
        #[arg(long)]
        mine: bool,
        /// Passed to the chapter's benchmark (`-- --help` lists them).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Scaffold a new exercise: skeleton, solution, test file, book page, manifest entry.
    New {
        /// The new exercise's id, e.g. ch2-20.
        id: String,
        /// Its title.
        #[arg(long, default_value = "New exercise")]
        title: String,
    },
    /// Build the book into book/book.
    Book,
    /// Serve the book on localhost with live reload.
    Serve {
        /// The port to serve on.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Open the book in a browser.
        #[arg(long)]
        open: bool,
    },
}

/// The output formats of `check`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable verdicts, transcripts and hints.
    Text,
    /// One JSON document with every case.
    Json,
    /// JUnit XML, for CI and autograding systems.
    Junit,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.task {
        Task::Check {
            id,
            solution,
            path,
            format,
            seed,
        } => {
            let target = match (solution, path) {
                (true, _) => grade::check::Target::Solution,
                (false, Some(dir)) => grade::check::Target::Path(dir),
                (false, None) => grade::check::Target::Exercise,
            };
            return grade::check::run(&root, &id, target, format, seed);
        }
        Task::Watch { id } => student::watch::run(&root, &id),
        Task::List => student::list::run(&root),
        Task::Hint { id, more } => student::hint::run(&root, &id, more),
        Task::Reset { id } => student::reset::run(&root, &id),
        Task::Lock { check: true } => return instructor::skeletons::check(&root),
        Task::Lock { check: false } => instructor::skeletons::write(&root),
        Task::Verify => return instructor::verify::run(&root),
        Task::Test => return instructor::verify::test_everything(&root),
        Task::Mutants { id, catalogue } => {
            let catalogue = catalogue.unwrap_or_else(|| root.join("chapters"));
            return instructor::mutants::run(&root, id.as_deref(), &catalogue);
        }
        Task::Matrix { id } => return instructor::matrix::run(&root, id.as_deref()),
        Task::Stress { id, runs, load } => {
            return instructor::stress::run(&root, &id, runs, load);
        }
        Task::Fuzz { id, solution, args } => {
            return instructor::probe::run(
                &root,
                instructor::probe::Probe::Fuzz,
                &id,
                solution,
                &args,
            );
        }
        Task::Bench { id, mine, args } => {
            return instructor::probe::run(
                &root,
                instructor::probe::Probe::Bench,
                &id,
                !mine,
                &args,
            );
        }
        Task::New { id, title } => instructor::new::run(&root, &id, &title),
        // The book's tasks run the book tool, `xtask-book` (see book.rs).
        Task::Book => return book::run(&root, &["build"]),
        Task::Serve { port, open } => {
            let port = port.to_string();
            let mut args = vec!["serve", "--port", &port];
            if open {
                args.push("--open");
            }
            return book::run(&root, &args);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root: xtask lives one folder below it.
/// `NETLAB_ROOT` points the grader at another copy of the course instead: its own
/// tests work on throwaway copies, never on the course's real exercises.
fn workspace_root() -> PathBuf {
    if let Some(root) = std::env::var_os("NETLAB_ROOT") {
        return PathBuf::from(root);
    }
    let xtask_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask_dir
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}
