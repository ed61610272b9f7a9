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
/// - Connect with `TcpStream::connect((host, port))`: it resolves the name (so
///   `localhost` works, not only `127.0.0.1`) and tries each address in turn. Add
///   context to its error (`anyhow::Context::with_context`), e.g. "cannot connect to
///   HOST:PORT".
/// - Send the request with `send_selector`.
/// - Copy the reply to `std::io::stdout().lock()` with `copy_until_closed`, then flush
///   stdout.
///
/// Return errors with `?`; never `unwrap()` network I/O: `main` prints them.
fn fetch(host: &str, port: u16, selector: &str) -> anyhow::Result<()> {
    let _ = (host, port, selector);
    let _ = (send_selector, copy_until_closed::<std::io::Stdout>);
    todo!("connect, send the selector, copy the reply to stdout (see the doc comment)")
}

/// Sends the request: the selector and its `\r\n` (CR LF, not just `\n`), in ONE
/// write.
///
/// Build the whole request first (`format!("{selector}\r\n")`) and send it with one
/// `write_all`, so it leaves in one piece; `write!(stream, …)` may make several small
/// writes.
fn send_selector(stream: &mut TcpStream, selector: &str) -> std::io::Result<()> {
    let _ = (stream, selector);
    todo!("send selector + \"\\r\\n\" with one write_all")
}

/// Copies everything the server sends to `out` until it closes the connection.
///
/// A `read` returns *some* of the bytes that have arrived: perhaps the whole reply,
/// perhaps one packet's worth. Only a read that returns `Ok(0)` means the server has
/// closed its side, and in gopher that is the end of the reply. So: loop, read into a
/// buffer (`[0u8; 8192]`), stop at 0, and `write_all` exactly the bytes read to `out`
/// (bytes, not strings: a reply may be a binary file). Retry a read that failed with
/// `ErrorKind::Interrupted`. (`std::io::copy` is this loop, ready-made.)
fn copy_until_closed<W: Write>(stream: &mut TcpStream, out: &mut W) -> anyhow::Result<()> {
    let _ = (stream, out);
    todo!("read until read returns 0, writing every byte read to out")
}
