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
// When you write `serve_client` you will need (add `BufReader` to `std::io` too):
// use crate::lines::{FromPeer, is_hangup, read_peer_line, read_typed_line, send_line, show};

/// How a conversation with one client ended, when nothing failed.
///
/// `serve_client` (your work) decides which; `run` (given) acts on it.
#[allow(dead_code)] // Constructed by your `serve_client`.
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
                eprintln!("error: accept failed: {error}");
                continue;
            }
        };
        eprintln!("connected: {peer}");
        match chat_with(&stream, peer, &mut keyboard) {
            Ok(Ending::ClientLeft) => eprintln!("client left"),
            Ok(Ending::MessageTooLong) => eprintln!("error: message too long"),
            Ok(Ending::KeyboardClosed) => return Ok(()),
            Err(error) => eprintln!("error: {error:#}"),
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

/// Runs the turns with one client: wait for its line and print it, then read one
/// line from the keyboard and send it, and again, until one side ends.
///
/// What to do, in a loop:
/// 1. The client's turn: read its next line with `read_peer_line` through ONE
///    `BufReader::new(stream)` created before the loop (a new reader per turn would
///    lose bytes it had buffered). Print a message with `show("client", &text)`.
///    `FromPeer::Hangup` ends the conversation with `Ending::ClientLeft`,
///    `FromPeer::TooLong` with `Ending::MessageTooLong`.
/// 2. Our turn: get the next line typed on the keyboard with `read_typed_line`
///    (`None` means the input has ended: `Ending::KeyboardClosed`), and send it with
///    `send_line(stream, &reply)`. A send error for which `is_hangup` is true means
///    the client has gone: `Ending::ClientLeft`.
///
/// Other errors are returned (`?`, with a `.context("…")` saying what failed); `run`
/// prints them and waits for the next client.
pub fn serve_client(stream: &TcpStream, keyboard: &mut impl BufRead) -> anyhow::Result<Ending> {
    let _ = (stream, keyboard);
    todo!("alternate: wait for the client's line and print it, then send one typed line")
}
