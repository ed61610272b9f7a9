//! The client: one command line out, one reply line back, for each line of stdin.
//!
//! Because the server answers every line with exactly one line, the client needs no
//! knowledge of the commands: it sends a line and reads a line, in lockstep.
//!
//! You will need imports, e.g. `std::io::{self, BufRead, BufReader, Write}`,
//! `std::net::TcpStream`, `anyhow::{Context, bail}` and the server's line reader,
//! `crate::line::{Line, read_line}`.

use anyhow::Result;

/// Connects to `host:port` and, for every line of stdin until its end (then return
/// `Ok(())`, which closes the connection), sends the line (every line, the empty one
/// too, ending in `\n`) and prints the ONE reply line as it is, tabs included.
///
/// - Connection failure: an error with the context `cannot connect to HOST:PORT`
///   (`main` prints `error: cannot connect to HOST:PORT: <reason>`).
/// - A reply may arrive in pieces: it ends at its `\n` (the server's line reader in
///   [`crate::line`] works for the client too; a listing can be long, so allow some
///   megabytes).
/// - A reply of 0 bytes, or a reset, means the server has gone: return the error
///   `server closed the connection`.
/// - Only replies go to stdout; anything else you print goes to stderr, with `note!`
///   (`eprintln!` panics when stderr is closed, and nobody reading the log is no
///   reason to stop).
/// - Stdout may be closed (`client | head -1`): a failed write to it ends the client
///   with the error `cannot write to stdout` (exit status 1), not a panic, and not
///   `server closed the connection`: it is not the network's fault.
/// - `host` may be a name with several addresses (`localhost` is often `::1`, then
///   `127.0.0.1`) or an IPv6 address such as `::1`: connect to `(host, port)`, which
///   tries each address in turn.
pub fn run(host: &str, port: u16) -> Result<()> {
    todo!("connect to {host}:{port}; send each stdin line and print the reply line")
}
