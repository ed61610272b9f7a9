//! The UDP pair: no connection, and every datagram is one whole message.
//!
//! UDP keeps message boundaries (one `send` is one `recv` on the other side, never
//! half of one nor two glued together), so nothing here looks for line ends. What UDP
//! does not give is delivery: a datagram, or its reply, may simply never arrive. A
//! client that waits for a reply without a timeout can hang forever; ours gives up
//! after `--timeout` seconds.
//!
//! The server needs no thread per client: it has one socket, and each datagram carries
//! its sender's address, which is where the reply goes.

use std::io::{self, BufRead, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::timestamp::stamp;

/// The largest payload a UDP datagram can carry (a 16-bit length field); a buffer of
/// this size never truncates a datagram.
const MAX_DATAGRAM: usize = 65_535;

/// The largest payload one UDP datagram can carry over IPv4: an IP packet holds at most
/// 65,535 bytes, less 20 of IP header and 8 of UDP header. `send_to` refuses anything
/// longer ("message too long"): nothing at all is sent.
const MAX_REPLY: usize = 65_507;

/// The reply to a message whose stamped reply would not fit in one datagram.
const TOO_LONG: &str = "error: message too long";

/// Runs the UDP timestamp server: binds, announces the address, then answers datagrams
/// for ever. Returns only if binding fails.
pub fn serve(host: &str, port: u16) -> Result<()> {
    let socket =
        UdpSocket::bind((host, port)).with_context(|| format!("cannot listen on {host}:{port}"))?;
    crate::announce(socket.local_addr()?)?;
    answer_datagrams(&socket)
}

// ANCHOR: answer_datagrams
/// Answers every datagram that arrives on `socket` with one datagram
/// `[<ctime>] <data>`, sent back to whoever sent it; when that reply would be over
/// [`MAX_REPLY`] bytes, with `error: message too long` instead. Never returns.
fn answer_datagrams(socket: &UdpSocket) -> ! {
    let mut datagram = vec![0; MAX_DATAGRAM];
    loop {
        // One trouble with one datagram must not stop the server: report it and go on.
        let (len, sender) = match socket.recv_from(&mut datagram) {
            Ok(received) => received,
            Err(err) => {
                note!("receive failed: {err}");
                continue;
            }
        };
        note!("{len} bytes from {sender}");
        let mut reply = stamp(&String::from_utf8_lossy(&datagram[..len]));
        if reply.len() > MAX_REPLY {
            // This reply cannot be sent: silence would look like a lost datagram, and a
            // cut reply like a stamp of another message. Say what went wrong instead.
            reply = TOO_LONG.to_string();
        }
        if let Err(err) = socket.send_to(reply.as_bytes(), sender) {
            note!("cannot reply to {sender}: {err}");
        }
    }
}
// ANCHOR_END: answer_datagrams

// ANCHOR: client
/// Runs the UDP client: for each line of stdin (until an empty line or the end), sends
/// the line as one datagram, without its line end, and prints the reply datagram.
pub fn run_client(host: &str, port: u16, timeout: Duration) -> Result<()> {
    let server = format!("{host}:{port}");
    let mut addresses = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?;
    let first = addresses
        .next()
        .with_context(|| format!("{host} has no address"))?;
    let mut socket = open_socket(first, timeout)?;

    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    while let Some(message) = next_input_line(&mut stdin)? {
        let mut reply = loop {
            match exchange(&socket, &message) {
                Ok(reply) => break reply,
                // "Port unreachable" came back: nothing listens at this address. The
                // name may have more (localhost is often ::1 and 127.0.0.1): try the next.
                Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                    match addresses.next() {
                        Some(next) => socket = open_socket(next, timeout)?,
                        None => bail!("no reply from {server}: nothing listens there ({err})"),
                    }
                }
                Err(err) if is_timeout(&err) => {
                    bail!("no reply from {server} within {}s", timeout.as_secs_f64())
                }
                Err(err) => return Err(err).with_context(|| format!("cannot talk to {server}")),
            }
        };
        reply.push(b'\n');
        // A closed stdout is not the server's fault: say which side failed.
        stdout
            .write_all(&reply)
            .and_then(|()| stdout.flush())
            .context("cannot write to stdout")?;
    }
    Ok(())
}

/// Makes a socket for talking to `server`: bound to the unspecified address of the
/// same family (`0.0.0.0` or `::`, port 0, so the system picks), with a receive
/// timeout. `connect` on a UDP socket sends nothing; it fixes the peer, so that `recv`
/// accepts datagrams from the server only and reports "port unreachable" as an error.
fn open_socket(server: SocketAddr, timeout: Duration) -> Result<UdpSocket> {
    let any: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(any).with_context(|| format!("cannot bind {any}"))?;
    socket
        .connect(server)
        .with_context(|| format!("cannot use {server}"))?;
    socket.set_read_timeout(Some(timeout))?;
    Ok(socket)
}

/// Sends one datagram and waits (up to the socket's timeout) for one back.
fn exchange(socket: &UdpSocket, message: &[u8]) -> io::Result<Vec<u8>> {
    socket.send(message)?;
    let mut reply = vec![0; MAX_DATAGRAM];
    let len = socket.recv(&mut reply)?;
    reply.truncate(len);
    Ok(reply)
}
// ANCHOR_END: client

/// Whether a receive ended because the timeout ran out (Unix says "would block",
/// Windows says "timed out").
fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The next line the user typed, without its line end; `None` when the session is over
/// (an empty line, or the end of stdin).
fn next_input_line(stdin: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    stdin.read_until(b'\n', &mut line)?;
    while line.ends_with(b"\n") || line.ends_with(b"\r") {
        line.pop();
    }
    Ok(if line.is_empty() { None } else { Some(line) })
}
