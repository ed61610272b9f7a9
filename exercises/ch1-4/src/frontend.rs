//! The frontend: sends each typed line to the backend, then waits for the backend's
//! word (its close) that every line is stored.
//!
//! Your work is in `send_lines` and `finish`, marked `todo!()`; `run` shows how they
//! are used.

use crate::report;
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
    report(format_args!("connected to {}", stream.peer_addr()?));
    let sent = send_lines(io::stdin().lock(), &stream)?;
    finish(&stream)?;
    report(format_args!("{sent} lines sent and stored"));
    Ok(())
}

/// Sends every line of `input` as soon as it is complete — not once the input has
/// ended — and returns how many were sent.
///
/// Lines are bytes: text that is not UTF-8 is passed on unchanged. Each line leaves
/// in one piece, with its `\n`.
fn send_lines(input: impl BufRead, backend: &TcpStream) -> anyhow::Result<u64> {
    todo!("send each stdin line to the backend")
}

/// Tells the backend there are no more lines, then waits until it closes the
/// connection: its proof that every line we sent is stored.
///
/// The backend learns that the lines are over when its read returns end-of-file; our
/// side of the connection must stay open to hear its close. Anything the backend
/// sends meanwhile is skipped; a reset instead of a close is an error.
fn finish(backend: &TcpStream) -> anyhow::Result<()> {
    todo!("shut down the sending side and wait for the backend to close")
}
