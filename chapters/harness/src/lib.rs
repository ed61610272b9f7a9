//! The harness every chapter's black-box tests share.
//!
//! A chapter test file is a table of cases, each a list of small steps:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     // The exercise graded is the file's own name: tests/ch2_8.rs grades ch2-8.
//!     harness::run!(&[
//!         Case::new("the server prints what a client sends", server_prints),
//!     ])
//! }
//!
//! fn server_prints(t: &mut Session) -> Outcome {
//!     let (mut server, addr) = t.start_server("server", &["server", "--port", "0"])?;
//!     let mut client = t.connect(addr)?;
//!     let message = t.sentence(3);
//!     client.send_line(&message)?;
//!     server.expect_line(&format!("client: {message}"))
//! }
//! ```
//!
//! - [`ExerciseId`] owns every naming rule (packages, binaries, test targets, folders).
//! - [`locate`] finds the program under test (`NETLAB_PROGRAM`, or the reference).
//! - [`Session`] starts programs and opens peers; [`Program`] drives a process's
//!   stdin/stdout, [`peer`] holds the test's own TCP and UDP sockets. Every wait has a
//!   deadline, and every process group is killed when its case ends.
//! - [`transcript`] records each step and normalises what varies for snapshots.
//! - [`run`] runs the table like `cargo test` and writes a [`report`] for the grader.

pub mod bulk;
mod exercise;
pub mod failure;
pub mod files;
pub mod locate;
pub mod peer;
pub mod program;
pub mod report;
mod runner;
pub mod session;
mod snapshot;
pub mod transcript;

pub use exercise::{BadId, ExerciseId};
pub use failure::{Failure, Kind, Outcome, REQUIRE_ALL_VAR, ensure};
pub use program::Program;
pub use runner::{Case, SEED_VAR, run_suite};

/// The `main` of a chapter test file: runs its table of cases against the program
/// under test. The exercise is the test target's own name (`tests/ch2_8.rs` grades
/// `ch2-8`), so a copied test file cannot grade the wrong program.
#[macro_export]
macro_rules! run {
    ($cases:expr $(,)?) => {
        $crate::run_suite(env!("CARGO_MANIFEST_DIR"), env!("CARGO_CRATE_NAME"), $cases)
    };
}
pub use session::Session;

/// Everything a chapter test file needs: `use harness::prelude::*;`.
pub mod prelude {
    pub use crate::bulk::{Bulk, MB};
    pub use crate::failure::{Failure, Kind, Outcome, check_match, ensure, expect_that};
    pub use crate::peer::{StreamListener, StreamPeer, UdpPeer};
    pub use crate::program::{Output, Program, Signal};
    pub use crate::runner::Case;
    pub use crate::session::Session;
    pub use std::time::Duration;
}
