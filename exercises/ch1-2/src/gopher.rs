//! The conversation with a gopher server, step by step: resolve, connect, send,
//! receive until the server closes. Each step turns its I/O errors into a
//! [`Failure`] with [`classify`], naming itself as the [`Step`] they happened at.
//!
//! This file is given: the client of ch1-1, with the resolution apart from the
//! connection, timeouts, and every error handed to `classify` (in failure.rs, your
//! work) together with the step it happened at.

use crate::failure::{Failure, Step, classify};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Fetches `selector` from `host:port` and copies the reply to stdout. `timeout`
/// bounds the connection and each wait for data.
pub fn fetch(host: &str, port: u16, selector: &str, timeout: Duration) -> Result<(), Failure> {
    let addrs = resolve(host, port)?;
    let mut stream = connect(host, &addrs, timeout)?;
    send_selector(&mut stream, selector)?;
    copy_reply(&mut stream, &mut io::stdout().lock())
}

/// Turns the host name into addresses. `TcpStream::connect((host, port))` would do
/// this too, but then a resolver error and a connection error would come out of the
/// same call; doing it apart tells us which step failed.
fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Failure> {
    let step = || Step::Resolve {
        host: host.to_string(),
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|error| classify(step(), error))?
        .collect();
    if addrs.is_empty() {
        let error = io::Error::new(ErrorKind::NotFound, "the name has no address");
        return Err(classify(step(), error));
    }
    Ok(addrs)
}

/// Connects to the first address that accepts, waiting at most `timeout` for each,
/// and sets the same timeout on every later read. If every address fails, the last
/// failure is the one reported.
fn connect(host: &str, addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Failure> {
    let mut last_failure = None;
    for &addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => {
                stream
                    .set_read_timeout(Some(timeout))
                    .map_err(|error| classify(Step::Connect { addr }, error))?;
                return Ok(stream);
            }
            Err(error) => last_failure = Some(classify(Step::Connect { addr }, error)),
        }
    }
    // `resolve` never returns an empty list, but a missing address is not worth a panic.
    Err(last_failure.unwrap_or_else(|| {
        let error = io::Error::new(ErrorKind::NotFound, "the name has no address");
        classify(
            Step::Resolve {
                host: host.to_string(),
            },
            error,
        )
    }))
}

/// Sends the selector and its `\r\n` in one write.
fn send_selector(stream: &mut TcpStream, selector: &str) -> Result<(), Failure> {
    let request = format!("{selector}\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|error| classify(Step::Send, error))
}

/// Copies everything the server sends to `out` until it closes the connection.
///
/// This is ch1-1's loop with one change: the errors of the two sides are told apart.
/// `io::copy` would return "an error" from either the socket or stdout; written out,
/// the loop knows that a failed read is the server's doing and a failed write is ours.
fn copy_reply<W: Write>(stream: &mut TcpStream, out: &mut W) -> Result<(), Failure> {
    let mut buffer = [0u8; 8192];
    loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => {
                // Show what did arrive before the failure, then report it.
                let _ = out.flush();
                return Err(classify(Step::Receive, error));
            }
        };
        out.write_all(&buffer[..n])
            .map_err(|error| classify(Step::Output, error))?;
    }
    out.flush().map_err(|error| classify(Step::Output, error))
}
