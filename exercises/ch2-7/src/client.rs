//! The client side: connect, then speak first and wait for each answer.
//!
//! The client only reads from the socket when it is owed an answer, so it can only
//! notice that the server has gone while it waits for one: a conversation cut in
//! the middle of a turn, which we report as an error (exit status 1). Ending your
//! own input (Ctrl-D) is the normal way to leave (exit status 0).

use std::io::{self, BufRead};
use std::net::TcpStream;

use anyhow::Context;
// When you write `chat_as_client` you will need (add `BufReader` to `std::io`, and
// `bail` to `anyhow`):
// use crate::lines::{FromPeer, is_hangup, read_peer_line, read_typed_line, send_line, show};

/// What we say when the server goes away while we wait for its answer.
const SERVER_CLOSED: &str = "server closed the connection";

/// Connects to `host:port` and chats with the server until the local user ends
/// their input.
pub fn run(host: &str, port: u16) -> anyhow::Result<()> {
    // `(host, port)` may resolve to several addresses (e.g. ::1 and 127.0.0.1 for
    // localhost); `connect` tries each in turn.
    let stream = TcpStream::connect((host, port))
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    stream.set_nodelay(true).context("cannot set TCP_NODELAY")?;
    let server = stream
        .peer_addr()
        .context("cannot read the server's address")?;
    eprintln!("connected to {server}");
    chat_as_client(&stream, &mut io::stdin().lock())
    // Returning drops `stream`, which closes the connection.
}

/// Runs the turns: read one line from the keyboard and send it, then wait for the
/// server's line and print it, and again, until the keyboard input ends.
///
/// What to do, in a loop:
/// 1. Our turn: get the next typed line with `read_typed_line`; `None` (end of
///    input) means we leave: return `Ok(())`. Send the line with
///    `send_line(stream, &text)`; a send error for which `is_hangup` is true means
///    the server has gone: fail with `SERVER_CLOSED` (`anyhow::bail!`).
/// 2. The server's turn: read its line with `read_peer_line` through ONE
///    `BufReader::new(stream)` created before the loop, and print it with
///    `show("server", &reply)`. `FromPeer::Hangup` fails with `SERVER_CLOSED`,
///    `FromPeer::TooLong` with `"message too long"`.
///
/// `main` prints any error you return as `error: …` and exits with status 1.
pub fn chat_as_client(stream: &TcpStream, keyboard: &mut impl BufRead) -> anyhow::Result<()> {
    let _ = (stream, keyboard, SERVER_CLOSED);
    todo!("alternate: send one typed line, then wait for the server's line and print it")
}
