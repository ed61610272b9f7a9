//! The server side: one client at a time, and the client speaks first.
//!
//! The server is one thread doing one blocking thing at a time: `accept` a client,
//! then alternate between waiting for the client's line and waiting for the local
//! user's line. While it waits for one, the other is not looked at, which is exactly
//! what makes the chat half duplex. A second client that connects meanwhile is
//! accepted by the operating system (it sits in the listen backlog) but gets no
//! answer until the first one has left.

use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use anyhow::Context;

use crate::lines::{FromPeer, is_hangup, read_peer_line, read_typed_line, send_line, show};

/// How a conversation with one client ended, when nothing failed.
///
/// `serve_client` (your work) decides which; `run` (given) acts on it.
pub enum Ending {
    /// The client closed the connection: wait for the next one.
    ClientLeft,
    /// The client broke the protocol with an over-long line: drop it, wait for the
    /// next one.
    MessageTooLong,
    /// The local user ended their input: the chat is over, the server exits.
    KeyboardClosed,
}

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

/// Runs the turns with one client until one side ends, and says how it ended.
///
/// - The client speaks first. The server's turn comes only once the client's line has
///   been printed (`client: TEXT`, with [`show`]); then ONE line typed on the keyboard
///   ([`read_typed_line`], which skips empty lines) is sent, and it is the client's
///   turn again. Lines typed ahead wait in `keyboard` for their turn.
/// - A line is read whole however it was split on the way, and bytes the peer sent
///   past it (the next line) must not be lost: read with [`read_peer_line`] through
///   one reader that lives as long as the connection.
/// - The client closing the connection, or resetting it (also while the server's user
///   is typing), ends the conversation: `Ending::ClientLeft`. A line over the limit:
///   `Ending::MessageTooLong`. The end of the keyboard's input:
///   `Ending::KeyboardClosed`.
/// - Other errors are returned with a context saying what failed; `run` prints them
///   and waits for the next client. Nothing a client does may end the server.
pub fn serve_client(stream: &TcpStream, keyboard: &mut impl BufRead) -> anyhow::Result<Ending> {
    todo!("alternate: wait for the client's line and print it, then send one typed line")
}
