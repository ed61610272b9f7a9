//! The client side: connect, then speak first and wait for each answer.
//!
//! The client only reads from the socket when it is owed an answer, so it can only
//! notice that the server has gone while it waits for one: a conversation cut in
//! the middle of a turn, which we report as an error (exit status 1). Ending your
//! own input (Ctrl-D) is the normal way to leave (exit status 0).

use std::io::{self, BufRead, BufReader};
use std::net::TcpStream;

use anyhow::{Context, bail};

use crate::lines::{FromPeer, is_hangup, read_peer_line, read_typed_line, send_line, show};

/// What we say when the server goes away while we wait for its answer.
const SERVER_CLOSED: &str = "server closed the connection";

// ANCHOR: run
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
// ANCHOR_END: run

// ANCHOR: chat_as_client
/// Runs the turns: read one line from the keyboard and send it, then wait for the
/// server's line and print it, and again, until the keyboard input ends.
pub fn chat_as_client(stream: &TcpStream, keyboard: &mut impl BufRead) -> anyhow::Result<()> {
    // One reader for the whole connection, so bytes buffered past a line are kept.
    let mut from_server = BufReader::new(stream);
    loop {
        // Our turn.
        let Some(text) = read_typed_line(keyboard).context("cannot read the keyboard")? else {
            return Ok(()); // End of input: we leave, and the server sees us go.
        };
        match send_line(stream, &text) {
            Ok(()) => {}
            Err(error) if is_hangup(&error) => bail!(SERVER_CLOSED),
            Err(error) => return Err(error).context("cannot send to the server"),
        }
        // The server's turn: nothing to do but wait for its line.
        match read_peer_line(&mut from_server).context("cannot read from the server")? {
            // Nobody reads our stdout (`client | head -1`): stop, and say it is stdout.
            FromPeer::Line(reply) => show("server", &reply).context("cannot write to stdout")?,
            FromPeer::Hangup => bail!(SERVER_CLOSED),
            FromPeer::TooLong => bail!("message too long"),
        }
    }
}
// ANCHOR_END: chat_as_client
