//! The client side: connect, then speak first and wait for each answer.
//!
//! The client only reads from the socket when it is owed an answer, so it can only
//! notice that the server has gone while it waits for one: a conversation cut in
//! the middle of a turn, which we report as an error (exit status 1). Ending your
//! own input (Ctrl-D) is the normal way to leave (exit status 0).

use std::io::{self, BufRead};
use std::net::TcpStream;

use anyhow::Context;

use crate::lines::{FromPeer, is_hangup, read_peer_line, read_typed_line, send_line, show};

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
    note!("connected to {server}");
    chat_as_client(&stream, &mut io::stdin().lock())
    // Returning drops `stream`, which closes the connection.
}

/// Runs the turns until the keyboard input ends.
///
/// - The client speaks first: ONE typed line ([`read_typed_line`], which skips empty
///   lines) is sent, then nothing more is sent until the server's line has come and
///   been printed as `server: TEXT` ([`show`]). Lines typed ahead wait in `keyboard`.
/// - The server's line is read whole however it was split on the way, and a line that
///   came with it (the next one) must not be lost: read with [`read_peer_line`]
///   through one reader that lives as long as the connection.
/// - The end of the keyboard's input is the normal way to leave: return `Ok(())`
///   (exit status 0; dropping the stream closes the connection).
/// - The server hanging up, or resetting, in the middle of a turn cuts the
///   conversation: return the error [`SERVER_CLOSED`]; a line over the limit, the
///   error `message too long`. `main` prints an error as `error: …` and exits with 1.
/// - Stdout may be closed (`client | head -1`): when [`show`] fails, stop with an
///   error that names stdout, `cannot write to stdout` (not the server's fault: no
///   `server closed the connection` here).
pub fn chat_as_client(stream: &TcpStream, keyboard: &mut impl BufRead) -> anyhow::Result<()> {
    todo!("alternate: send one typed line, then wait for the server's line and print it")
}
