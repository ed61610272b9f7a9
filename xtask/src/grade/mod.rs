//! Grading: `cargo xtask check` builds the program under test and its tests (one cargo
//! call), runs the tests, and explains the verdict.
//!
//! - [`check`] the task: what to grade, the verdict's exit code;
//! - [`cargo`] the cargo invocations and the executables they produce;
//! - [`freshness`] grading the source as it is now, whatever its files' mtimes;
//! - [`submission`] a folder a course runner collected, made a buildable package;
//! - [`render`] the verdict as text, JSON or JUnit;
//! - [`advice`] clippy's network lints, after a passing verdict.

pub mod advice;
pub mod cargo;
pub mod check;
pub mod freshness;
pub mod render;
pub mod submission;
