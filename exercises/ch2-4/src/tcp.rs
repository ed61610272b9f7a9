//! The TCP pair: a connection is a stream of bytes, so both sides cut it into lines.
//!
//! TCP delivers bytes in order but keeps no message boundaries: one `write` of
//! `hello\n` may arrive as `hel` and `lo\n`, and two writes may arrive as one read. So
//! every message here is one line ending in `\n`, and each side reads up to that `\n`
//! with a [`BufReader`] (`read_line` or `read_until`) instead of trusting a single
//! `read` to hold one message. Send each message with a single `write_all` of the whole
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
            Err(err) => eprintln!("accept failed: {err}"),
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
    eprintln!("connected: {peer}");
    let label = peer.clone();
    let spawned = thread::Builder::new().spawn(move || match handle_connection(stream) {
        Ok(()) => eprintln!("disconnected: {label}"),
        Err(err) => eprintln!("disconnected: {label}: {err}"),
    });
    if let Err(err) = spawned {
        eprintln!("cannot start a thread for {peer}: {err}");
    }
}

/// Serves one client until it closes the connection: for every line it sends, one
/// line back, `[<ctime>] <line>\n` (use [`stamp`]).
///
/// - Switch Nagle off (`set_nodelay(true)`); read through a `BufReader` over a
///   `try_clone()` of the stream, write to the stream itself.
/// - A line is what comes before `\n`; strip a `\r` before it too.
/// - The line may not be UTF-8: `String::from_utf8_lossy` shows such bytes as `�`.
/// - End of stream (a read of 0 bytes) means the client has gone: return `Ok(())`.
/// - Cap the length of a line (e.g. 64 KiB, with `take`) so that a client that never
///   sends `\n` cannot fill the server's memory; reply `error: line too long` and
///   close the connection.
fn handle_connection(stream: TcpStream) -> io::Result<()> {
    let _ = (stream, stamp); // delete this line: it only keeps the compiler quiet
    todo!("read lines from the client, answer each with `[<ctime>] <line>\\n`")
}

/// Runs the TCP client against `host:port` (given by the options, each with its own
/// default). For each line of stdin: an empty line or the end of stdin ends the
/// session (return `Ok(())`); otherwise send the line plus `\n`, read ONE reply line
/// and print it as it is.
///
/// - `TcpStream::connect((host, port))` resolves the name and tries every address
///   (`localhost` may be ::1 and 127.0.0.1). On failure, return an error with the
///   context `cannot connect to HOST:PORT`; `main` prints
///   `error: cannot connect to HOST:PORT: <reason>`.
/// - Read the reply with a `BufReader` up to `\n`: it may arrive in pieces.
/// - A reply of 0 bytes (or a reset) means the server has gone: return the error
///   `server closed the connection` (`bail!`).
pub fn run_client(host: &str, port: u16) -> Result<()> {
    todo!("connect to {host}:{port}, then send each stdin line and print the reply line")
}
