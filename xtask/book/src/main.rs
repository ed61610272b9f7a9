//! `xtask-book`: the course book's tool. It checks the book, builds it, and serves it
//! with live reload.
//!
//! It is a package of its own so that the grader (`xtask`) stays light: mdBook, axum
//! and tokio take most of a cold build, and a student who only grades never needs them.
//! `cargo xtask book` and `cargo xtask serve` run it with `cargo run`, and `cargo xtask
//! verify` runs its `check` and `build`.

mod book;
mod serve;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use xtask::manifest::Manifest;

/// netlab's book: check it, build it, or read it on localhost as you edit.
#[derive(Parser)]
#[command(name = "xtask-book", bin_name = "cargo run --package xtask-book --")]
struct Cli {
    /// The task to run.
    #[command(subcommand)]
    task: Task,
}

/// What the book tool can do.
#[derive(Subcommand)]
enum Task {
    /// Check the book, then build it into book/book (refused while it has problems).
    Build,
    /// Serve the book on localhost, rebuilt and reloaded on every change.
    Serve {
        /// The port to serve on (0: any free port; the address is printed).
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Open the book in a browser.
        #[arg(long)]
        open: bool,
    },
    /// Check every include, anchor, link and SUMMARY.md entry; print each problem on a
    /// line of its own and exit 1 if there is any.
    Check,
}

/// Runs one task from the workspace root; exit 2 when a task could not be done.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.task {
        Task::Build => book::build(&root).map(|out| {
            println!("book written to {}", out.display());
        }),
        Task::Serve { port, open } => serve::run(&root, port, open),
        Task::Check => return check(&root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints every problem of the book, one per line on stdout (what `verify` lists), and
/// a summary on stderr. Exit 1 if there is any problem.
///
/// A manifest that cannot be read is one of those problems: the checks need it to know
/// which pages the exercises are taught on.
fn check(root: &Path) -> ExitCode {
    let problems = match Manifest::load(root) {
        Ok(manifest) => book::check(root, &manifest),
        Err(error) => vec![error.to_string()],
    };
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        eprintln!("the book has no problems");
        ExitCode::SUCCESS
    } else {
        eprintln!("the book has {} problem(s): fix them", problems.len());
        ExitCode::FAILURE
    }
}

/// The workspace root: this package lives in `xtask/book`, two folders below it.
fn workspace_root() -> PathBuf {
    let package_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    package_dir
        .ancestors()
        .nth(2)
        .expect("xtask-book sits in the workspace's xtask/book")
        .to_path_buf()
}
