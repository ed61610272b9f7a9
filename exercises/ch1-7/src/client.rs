//! The client: connect to the socket file, then one line out, one line back.
//!
//! Your work: `run`.

use anyhow::Result;
use std::path::Path;

/// Connects to the server at `path`, sends each line of stdin and prints each reply.
/// Returns at the end of stdin; fails if the server is not there or hangs up.
///
/// - `UnixStream::connect(path)`: the only line that differs from a TCP client. If it
///   fails (no file: `NotFound`; a stale file: `ConnectionRefused`), return the error
///   with context, e.g. `cannot connect to PATH (is the server running?)`: `main`
///   prints it as `error: …` and exits with status 1.
/// - For each line of stdin (`std::io::stdin().lock().split(b'\n')` gives each line's
///   bytes without the `\n`): send the line and its `\n` with ONE `write_all`, then
///   read one reply line through a `BufReader` made once, before the loop
///   (`read_until(b'\n', …)`), and write it to stdout. A reply of 0 bytes means the
///   server hung up: return an error.
pub fn run(path: &Path) -> Result<()> {
    let _ = path;
    todo!("connect, then send each stdin line and print each reply")
}
