//! The harness every chapter's black-box tests share.
//!
//! A chapter test file is a table of cases, each a list of small steps:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     harness::run(env!("CARGO_MANIFEST_DIR"), "ch2-8", &[
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
//! - [`locate`] finds the program under test (`NETLAB_PROGRAM`, or the reference).
//! - [`Session`] starts programs and opens peers; [`Program`] drives a process's
//!   stdin/stdout, [`peer`] holds the test's own TCP and UDP sockets. Every wait has a
//!   deadline, and every process group is killed when its case ends.
//! - [`transcript`] records each step and normalises what varies for snapshots.
//! - [`run`] runs the table like `cargo test` and writes a [`report`] for the grader.

pub mod failure;
pub mod files;
pub mod locate;
pub mod manifest;
pub mod peer;
pub mod program;
pub mod report;
mod runner;
pub mod session;
mod snapshot;
pub mod transcript;

pub use failure::{Failure, Outcome, ensure};
pub use program::Program;
pub use runner::{Case, SEED_VAR, run};
pub use session::Session;

/// Everything a chapter test file needs: `use harness::prelude::*;`.
pub mod prelude {
    pub use crate::failure::{Failure, Outcome, check_match, ensure};
    pub use crate::peer::{StreamPeer, TcpPeer, TcpServer, UdpPeer, UnixServer};
    pub use crate::program::Program;
    pub use crate::runner::Case;
    pub use crate::session::Session;
    pub use std::time::Duration;
}
