//! A gopher client (exercise ch1-1): the smallest real network client there is.
//!
//! Gopher (RFC 1436, TCP port 70) was the Internet's menu system before the web. Its
//! protocol is one exchange: the client connects, sends a *selector* (the name of a
//! menu or a document; the empty selector means the server's root menu) followed by
//! `\r\n`, and the server sends the document and closes the connection.
//!
//! Your work is the client side of the socket call sequence, in three functions marked
//! `todo!()`:
//!
//! 1. resolve the host name and connect (`fetch`);
//! 2. send the request (`send_selector`);
//! 3. receive until the server closes the connection, printing what comes
//!    (`copy_until_closed`);
//! 4. close (dropping the stream does it).
//!
//! The command line is given. Remember: TCP delivers a stream of bytes, not messages.
//! The server's one reply may arrive in one read or in a hundred.

// Lints silenced while the work is todo!(): remove this line once it is done.
#![allow(unused_variables, dead_code)]

use clap::Parser;
use std::io::Write;
use std::net::TcpStream;
use std::process::ExitCode;

/// Fetches one gopher menu or document and prints it, byte for byte, on stdout.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The gopher server's host name or IP address.
    host: String,
    /// What to fetch: a menu or document name as a menu lists it. The empty
    /// selector (the default) asks for the server's root menu.
    #[arg(default_value = "", allow_hyphen_values = true, value_parser = parse_selector)]
    selector: String,
    /// The server's TCP port (gopher's well-known port is 70).
    #[arg(long, default_value_t = 70)]
    port: u16,
}

/// Refuses a selector the protocol cannot carry: a tab separates the fields of a
/// request, and CR LF ends it, so neither may appear inside one.
fn parse_selector(text: &str) -> Result<String, String> {
    if text.contains(['\t', '\r', '\n']) {
        Err("a selector cannot contain a tab, CR or LF".to_string())
    } else {
        Ok(text.to_string())
    }
}

/// Runs the client; any failure becomes one `error:` line and exit status 1.
fn main() -> ExitCode {
    let cli = Cli::parse();
    match fetch(&cli.host, cli.port, &cli.selector) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The whole client side of the socket call sequence: connect, send, receive until
/// the server closes, close.
///
/// `host` may be a name (`localhost`), an IPv4 or an IPv6 address (`::1`); a name
/// may resolve to several addresses, and the first may refuse: try each. What the
/// server sends goes to stdout unchanged, all of it, and stdout is flushed before
/// returning. Any failure (no connection, a broken one, stdout that cannot be
/// written) is returned with a word on where it happened, never unwrapped: `main`
/// prints it as one `error:` line. A failed write to stdout says so (it names
/// stdout), so that nobody blames the network for it.
fn fetch(host: &str, port: u16, selector: &str) -> anyhow::Result<()> {
    todo!("connect, send the selector, copy the reply to stdout (see the doc comment)")
}

/// Sends the request: the selector and its `\r\n` (CR LF, not just `\n`), in ONE
/// write, so it leaves in one piece.
fn send_selector(stream: &mut TcpStream, selector: &str) -> std::io::Result<()> {
    todo!("send selector + \"\\r\\n\" with one write_all")
}

/// Copies everything the server sends to `out` until it closes the connection.
///
/// A `read` returns *some* of the bytes that have arrived: perhaps the whole reply,
/// perhaps one packet's worth. In gopher the server closing its side is the end of
/// the reply (a read that returns 0); a pause is not, and a read that fails (a reset)
/// is an error, not the end. The bytes are copied exactly (a reply may be a binary
/// file) and as they come: each read's bytes are written before the next read, so a
/// slow reply shows as it arrives and a huge one is never held in memory.
fn copy_until_closed<W: Write>(stream: &mut TcpStream, out: &mut W) -> anyhow::Result<()> {
    todo!("read until read returns 0, writing every byte read to out")
}
