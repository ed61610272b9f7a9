//! The frontend: sends each typed line to the backend, then waits for the backend's
//! word (its close) that every line is stored.

use crate::report;
use anyhow::Context;
use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, TcpStream};

// ANCHOR: run
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
// ANCHOR_END: run

// ANCHOR: send_lines
/// Sends every line of `input` as soon as it is complete, each with its `\n` in one
/// `write_all`, and returns how many were sent.
///
/// Lines are read as bytes (`read_until`), so text that is not UTF-8 is passed on
/// unchanged. A last line without a `\n` (input that ends without pressing Enter)
/// still gets one: the backend only stores complete lines.
fn send_lines(mut input: impl BufRead, mut backend: &TcpStream) -> anyhow::Result<u64> {
    let mut line = Vec::new();
    let mut sent = 0;
    loop {
        line.clear();
        if input
            .read_until(b'\n', &mut line)
            .context("cannot read stdin")?
            == 0
        {
            return Ok(sent);
        }
        if !line.ends_with(b"\n") {
            line.push(b'\n');
        }
        backend
            .write_all(&line)
            .context("cannot send to the backend (did it stop?)")?;
        sent += 1;
    }
}
// ANCHOR_END: send_lines

// ANCHOR: finish
/// Tells the backend there are no more lines, then waits until it closes the
/// connection: its proof that every line we sent is stored.
fn finish(mut backend: &TcpStream) -> anyhow::Result<()> {
    // Closing our sending side (a half-close) is how the backend learns there are no
    // more lines: its read returns end-of-file. Our receiving side stays open, so we
    // can still hear its answer: the close.
    backend
        .shutdown(Shutdown::Write)
        .context("cannot finish sending")?;
    // A reset instead of a close means the backend gave up on us.
    let mut buf = [0u8; 512];
    loop {
        // The backend is not supposed to send anything; whatever comes is skipped.
        match backend.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => continue,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(error)
                    .context("the backend dropped the connection before confirming the lines");
            }
        }
    }
}
// ANCHOR_END: finish
