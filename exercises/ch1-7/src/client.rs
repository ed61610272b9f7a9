//! The client: connect to the socket file, then one line out, one line back.
//!
//! Your work: `run`.

use anyhow::Result;
use std::path::Path;

/// Connects to the server at `path`, sends each line of stdin and prints each reply.
/// Returns at the end of stdin; fails if the server is not there (no file, or a stale
/// one) or hangs up before replying. Lines are bytes: they need not be UTF-8, and a
/// reply is printed as the bytes that came (a `\r\n` stays a `\r\n`).
///
/// If stdout cannot be written (nobody reads it any more: `client | head -1`), stop at
/// once with an error that names stdout, not the server — `println!` would panic.
pub fn run(path: &Path) -> Result<()> {
    todo!("connect, then send each stdin line and print each reply")
}
