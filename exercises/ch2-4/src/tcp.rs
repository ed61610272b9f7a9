//! The TCP pair: a connection is a stream of bytes, so both sides cut it into lines.
//!
//! TCP delivers bytes in order but keeps no message boundaries: one `write` of
//! `hello\n` may arrive as `hel` and `lo\n`, and two writes may arrive as one read. So
//! every message here is one line ending in `\n`, and each side reads up to that `\n`
//! with a `BufReader` (`read_until`, which works on bytes: `read_line` fails on bytes
//! that are not UTF-8) instead of trusting a single `read` to hold one message. Send each message with a single `write_all` of the whole
//! line, `\n` included, and call `set_nodelay(true)` on every stream, so that a small
//! line is not held back waiting for an ACK.
//!
//! Add helper functions as you like (reading one line, say). You will need more
//! imports, e.g. `std::io::{BufRead, BufReader, Read, Write}` and `anyhow::bail`.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::thread;

use anyhow::{Context, Result};

use crate::timestamp::stamp;

/// Runs the TCP timestamp server: binds, announces the address, then hands every
/// accepted connection to a thread of its own, so that a slow client never blocks the
/// others. Returns only if binding fails. (Given: the lesson is in
/// [`handle_connection`].)
pub fn serve(host: &str, port: u16) -> Result<()> {
    let listener = TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    crate::announce(listener.local_addr()?)?;
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => spawn_handler(stream),
            Err(err) => note!("accept failed: {err}"),
        }
    }
    Ok(())
}

/// Starts a thread that serves one connection and reports how it ended on stderr.
fn spawn_handler(stream: TcpStream) {
    let peer = match stream.peer_addr() {
        Ok(addr) => addr.to_string(),
        Err(_) => "a client".to_string(),
    };
    note!("connected: {peer}");
    let label = peer.clone();
    let spawned = thread::Builder::new().spawn(move || match handle_connection(stream) {
        Ok(()) => note!("disconnected: {label}"),
        Err(err) => note!("disconnected: {label}: {err}"),
    });
    if let Err(err) = spawned {
        note!("cannot start a thread for {peer}: {err}");
    }
}

/// Serves one client until it closes the connection: for every line it sends, one
/// line back, `[<ctime>] <line>\n` (use [`stamp`]).
///
/// - A line is what comes before `\n` (or `\r\n`), however the bytes were split on the
///   way; the last line may lack its `\n`. One read is not one line.
/// - Bytes that are not UTF-8 are shown as `\u{fffd}` (`String::from_utf8_lossy`); they
///   do not end the connection.
/// - A line over 64 KiB (without its line end) is refused: reply
///   `error: line too long\n` and close the connection, so that a client that never
///   sends `\n` cannot fill the server's memory.
/// - The end of the stream means the client has gone: return `Ok(())`. A reset or a
///   failed write concerns this client only: return the error (the caller reports it).
/// - Each reply leaves at once, whole: Nagle's algorithm must not hold it back.
fn handle_connection(stream: TcpStream) -> io::Result<()> {
    todo!("read lines from the client, answer each with `[<ctime>] <line>\\n`")
}

/// Runs the TCP client against `host:port` (given by the options, each with its own
/// default). For each line of stdin: an empty line or the end of stdin ends the
/// session (return `Ok(())`, which closes the connection without sending the empty
/// line); otherwise send the line plus `\n`, read ONE reply line and print it as it is.
///
/// - `localhost` may resolve to several addresses (`::1`, `127.0.0.1`), and the server
///   may listen on one only: try each. On failure, return an error with the context
///   `cannot connect to HOST:PORT`; `main` prints
///   `error: cannot connect to HOST:PORT: <reason>`.
/// - The reply may arrive in pieces: it ends at its `\n`.
/// - When the server closes the connection (or resets it) instead of replying, return
///   the error `server closed the connection`.
/// - When stdout cannot be written (nobody reads it any more: `tcp-client | head -1`),
///   stop with an error that names it (context `cannot write to stdout`), not the
///   server's; `println!` would panic instead.
/// - Notes on stderr (`connected to ADDR`) go through `note!`, which never panics:
///   `eprintln!` does when nobody reads stderr.
pub fn run_client(host: &str, port: u16) -> Result<()> {
    todo!("connect to {host}:{port}, then send each stdin line and print the reply line")
}
