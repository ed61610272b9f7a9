//! The server side: one client at a time, and the client speaks first.
//!
//! The server is one thread doing one blocking thing at a time: `accept` a client,
//! then alternate between waiting for the client's line and waiting for the local
//! user's line. While it waits for one, the other is not looked at, which is exactly
//! what makes the chat half duplex. A second client that connects meanwhile is
//! accepted by the operating system (it sits in the listen backlog) but gets no
//! answer until the first one has left.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use anyhow::Context;

use crate::lines::{FromPeer, is_hangup, read_peer_line, read_typed_line, send_line, show};

/// How a conversation with one client ended, when nothing failed.
pub enum Ending {
    /// The client closed the connection: wait for the next one.
    ClientLeft,
    /// The client broke the protocol with an over-long line: drop it, wait for the
    /// next one.
    MessageTooLong,
    /// The local user ended their input: the chat is over, the server exits.
    KeyboardClosed,
}

// ANCHOR: run
/// Listens on `host:port` and chats with the clients one after another, until the
/// local user ends their input.
pub fn run(host: &str, port: u16) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    announce(&listener)?;
    // One keyboard for the whole life of the server: lines typed ahead are kept.
    let mut keyboard = io::stdin().lock();
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(connection) => connection,
            Err(error) => {
                // A client that gave up during the handshake must not stop us.
                note!("error: accept failed: {error}");
                continue;
            }
        };
        note!("connected: {peer}");
        match chat_with(&stream, peer, &mut keyboard) {
            Ok(Ending::ClientLeft) => note!("client left"),
            Ok(Ending::MessageTooLong) => note!("error: message too long"),
            Ok(Ending::KeyboardClosed) => return Ok(()),
            Err(error) => note!("error: {error:#}"),
        }
        // `stream` is dropped here: the connection is closed, and we accept the next.
    }
}
// ANCHOR_END: run

/// Prints the `listening on ADDR` line with the address actually bound (which tells
/// the real port when we were asked for port 0), and flushes it at once.
fn announce(listener: &TcpListener) -> anyhow::Result<()> {
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {address}")?;
    stdout.flush()?;
    Ok(())
}

/// Prepares one accepted connection and runs the conversation on it, naming the
/// client in any error so the operator knows which connection failed.
fn chat_with(
    stream: &TcpStream,
    peer: SocketAddr,
    keyboard: &mut impl BufRead,
) -> anyhow::Result<Ending> {
    // Chat lines are small and interactive: send them now, don't wait to batch them.
    stream
        .set_nodelay(true)
        .with_context(|| format!("cannot set TCP_NODELAY for {peer}"))?;
    serve_client(stream, keyboard).with_context(|| format!("conversation with {peer}"))
}

// ANCHOR: serve_client
/// Runs the turns with one client: wait for its line and print it, then read one
/// line from the keyboard and send it, and again, until one side ends.
pub fn serve_client(stream: &TcpStream, keyboard: &mut impl BufRead) -> anyhow::Result<Ending> {
    // One reader for the whole connection, so bytes buffered past a line are kept.
    let mut from_client = BufReader::new(stream);
    loop {
        // The client's turn: we can do nothing but wait for its line.
        match read_peer_line(&mut from_client).context("cannot read from the client")? {
            FromPeer::Line(text) => show("client", &text)?,
            FromPeer::Hangup => return Ok(Ending::ClientLeft),
            FromPeer::TooLong => return Ok(Ending::MessageTooLong),
        }
        // Our turn: the client now waits for us.
        let Some(reply) = read_typed_line(keyboard).context("cannot read the keyboard")? else {
            return Ok(Ending::KeyboardClosed);
        };
        match send_line(stream, &reply) {
            Ok(()) => {}
            Err(error) if is_hangup(&error) => return Ok(Ending::ClientLeft),
            Err(error) => return Err(error).context("cannot send to the client"),
        }
    }
}
// ANCHOR_END: serve_client
