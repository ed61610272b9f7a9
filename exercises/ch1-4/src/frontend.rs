//! The frontend: sends each typed line to the backend, then waits for the backend's
//! word (its close) that every line is stored.
//!
//! Your work is in `send_lines` and `finish`, marked `todo!()`; `run` shows how they
//! are used.

use anyhow::Context;
use std::io::{self, BufRead};
use std::net::TcpStream;

/// Connects to the backend, sends stdin line by line, and returns once the backend
/// has confirmed (by closing the connection) that it stored them.
pub fn run(host: &str, port: u16) -> anyhow::Result<()> {
    let stream = TcpStream::connect((host, port))
        .with_context(|| format!("cannot connect to the backend at {host}:{port}"))?;
    // Lines are small and typed one at a time: send each at once instead of letting
    // Nagle's algorithm hold it back.
    stream.set_nodelay(true)?;
    eprintln!("connected to {}", stream.peer_addr()?);
    let sent = send_lines(io::stdin().lock(), &stream)?;
    finish(&stream)?;
    eprintln!("{sent} lines sent and stored");
    Ok(())
}

/// Sends every line of `input` as soon as it is complete, each with its `\n` in one
/// `write_all`, and returns how many were sent.
///
/// Read lines as bytes with `input.read_until(b'\n', &mut line)` (0 bytes read means
/// the input ended), so text that is not UTF-8 is passed on unchanged. A last line
/// without a `\n` (input that ends without pressing Enter) gets one added: the backend
/// only stores complete lines. Send each line right away — do not collect the input
/// first — with `backend.write_all(&line)` (`&TcpStream` implements `Write`; add
/// `use std::io::Write`).
fn send_lines(input: impl BufRead, backend: &TcpStream) -> anyhow::Result<u64> {
    let _ = (input, backend);
    todo!("send each stdin line to the backend")
}

/// Tells the backend there are no more lines, then waits until it closes the
/// connection: its proof that every line we sent is stored.
///
/// - `backend.shutdown(Shutdown::Write)` closes our sending side only (a half-close):
///   the backend reads end-of-file, but we can still read from the connection.
/// - Then read (`use std::io::Read`; `&TcpStream` implements it) until a read returns
///   0: the backend has closed the connection. Skip anything it sends. A read error
///   (a reset) means the backend gave up on us: return it as an error.
fn finish(backend: &TcpStream) -> anyhow::Result<()> {
    let _ = backend;
    todo!("shut down the sending side and wait for the backend to close")
}
