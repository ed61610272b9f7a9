//! A gopher client (exercise ch1-1): the smallest real network client there is.
//!
//! Gopher (RFC 1436, TCP port 70) was the Internet's menu system before the web. Its
//! protocol is one exchange: the client connects, sends a *selector* (the name of a
//! menu or a document; the empty selector means the server's root menu) followed by
//! `\r\n`, and the server sends the document and closes the connection.
//!
//! That makes it a good first client, because it is the whole socket call sequence
//! with nothing else in the way:
//!
//! 1. resolve the host name to addresses (`getaddrinfo`);
//! 2. create a socket and connect it to one of them;
//! 3. send the request;
//! 4. receive until the server closes the connection (`recv` returns 0);
//! 5. close.
//!
//! In Rust, `TcpStream::connect` does steps 1 and 2, `write_all` step 3, a read loop
//! (or `io::copy`) step 4, and dropping the stream step 5.
//!
//! The framing lesson is step 4. TCP delivers a stream of bytes, not messages: the
//! server's one reply may arrive in one read or in a hundred. Gopher marks the end of a
//! reply by closing the connection, so "the reply" is everything read until a read
//! returns 0 bytes, never what the first read happened to return.

use anyhow::Context;
use clap::Parser;
use std::io::{self, ErrorKind, Read, Write};
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

// ANCHOR: fetch
/// The whole client side of the socket call sequence: connect, send, receive until
/// the server closes, close.
fn fetch(host: &str, port: u16, selector: &str) -> anyhow::Result<()> {
    // Resolves the name and tries each address in turn until one accepts.
    let mut stream = TcpStream::connect((host, port))
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    send_selector(&mut stream, selector).context("cannot send the selector")?;
    let mut stdout = io::stdout().lock();
    copy_until_closed(&mut stream, &mut stdout)?;
    stdout.flush().context("cannot write the reply to stdout")?;
    Ok(())
    // `stream` is dropped here, which closes the socket.
}
// ANCHOR_END: fetch

// ANCHOR: send_selector
/// Sends the request: the selector and its `\r\n`, in one write.
///
/// Building the whole request first and writing it once means it leaves in one
/// piece; `write!(stream, "{selector}\r\n")` could issue several small writes.
fn send_selector(stream: &mut TcpStream, selector: &str) -> io::Result<()> {
    let request = format!("{selector}\r\n");
    stream.write_all(request.as_bytes())
}
// ANCHOR_END: send_selector

// ANCHOR: copy_until_closed
/// Copies everything the server sends to `out` until it closes the connection.
///
/// A read returns *some* of the bytes that have arrived: perhaps the whole reply,
/// perhaps one packet's worth. Only a read that returns 0 means the server has closed
/// its side, and that, in gopher, is the end of the reply. (`io::copy` is this loop,
/// ready-made; it is written out here because this loop is the lesson.)
fn copy_until_closed<W: Write>(stream: &mut TcpStream, out: &mut W) -> anyhow::Result<()> {
    let mut buffer = [0u8; 8192];
    loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            // A signal interrupted the read before any byte came: just read again.
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(error).context("cannot receive the reply"),
        };
        out.write_all(&buffer[..n])
            .context("cannot write the reply to stdout")?;
    }
}
// ANCHOR_END: copy_until_closed
