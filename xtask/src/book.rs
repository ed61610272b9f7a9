//! `cargo xtask book` and `cargo xtask serve`: handed to the book tool, the workspace
//! package `xtask-book` (in `xtask/book`).
//!
//! The book's machinery (mdBook, axum, tokio) is most of what a cold build of xtask used
//! to compile, and a student who only grades never needs it. So it lives in its own
//! package, which cargo builds the first time the book is asked for.

use crate::grade::cargo;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitCode};

/// `cargo run --quiet --package xtask-book -- ARGS` in the workspace root: cargo builds
/// the book tool if it changed, then runs it.
pub fn command(root: &Path, args: &[&str]) -> Command {
    let mut command = cargo::cargo(root);
    command.args(["run", "--quiet", "--package", "xtask-book", "--"]);
    command.args(args);
    command
}

/// Runs the book tool in this process's place (`exec`, as `cargo run` itself does):
/// its output and exit status are `cargo xtask`'s, and a Ctrl-C or a kill reaches it
/// directly, so no server is left running behind a stopped `cargo xtask serve`.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let error = command(root, args).exec();
    eprintln!("error: cannot run cargo to start the book tool: {error}");
    ExitCode::from(2)
}
