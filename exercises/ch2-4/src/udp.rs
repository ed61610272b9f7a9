//! The UDP pair: no connection, and every datagram is one whole message.
//!
//! UDP keeps message boundaries (one `send` is one `recv` on the other side, never
//! half of one nor two glued together), so nothing here looks for line ends. What UDP
//! does not give is delivery: a datagram, or its reply, may simply never arrive. A
//! client that waits for a reply without a timeout can hang forever; yours gives up
//! after `--timeout` seconds.
//!
//! The server needs no thread per client: it has one socket, and each datagram carries
//! its sender's address, which is where the reply goes.
//!
//! Add helper functions as you like. You will need more imports, e.g.
//! `std::io::{self, BufRead, Write}`, `std::net::{Ipv4Addr, Ipv6Addr, SocketAddr,
//! ToSocketAddrs}` and `anyhow::bail`.

use std::net::UdpSocket;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::timestamp::stamp;

/// The largest payload a UDP datagram can carry (a 16-bit length field); a buffer of
/// this size never truncates a datagram.
const MAX_DATAGRAM: usize = 65_535;

/// Runs the UDP timestamp server: binds, announces the address, then answers datagrams
/// for ever. Returns only if binding fails. (Given: the lesson is in
/// [`answer_datagrams`].)
pub fn serve(host: &str, port: u16) -> Result<()> {
    let socket =
        UdpSocket::bind((host, port)).with_context(|| format!("cannot listen on {host}:{port}"))?;
    crate::announce(socket.local_addr()?)?;
    answer_datagrams(&socket)
}

/// Answers every datagram that arrives on `socket` with one datagram
/// `[<ctime>] <data>` (use [`stamp`], no newline), sent back to whoever sent it.
///
/// - `recv_from` tells you the sender; `send_to` replies to it.
/// - The data may not be UTF-8: `String::from_utf8_lossy` shows such bytes as `�`.
/// - A failed receive or send concerns one datagram: print it on stderr and go on.
fn answer_datagrams(socket: &UdpSocket) -> ! {
    let _ = (socket, stamp, MAX_DATAGRAM); // delete this line: it only keeps the compiler quiet
    todo!("receive datagrams for ever, reply `[<ctime>] <data>` to each sender")
}

/// Runs the UDP client against `host:port` (given by the options, each with its own
/// default). For each line of stdin: an empty line or the end of stdin ends the
/// session (return `Ok(())`); otherwise send the line, without its line end, as ONE
/// datagram, wait for one reply datagram and print it followed by `\n`.
///
/// - Resolve `(host, port)` with `to_socket_addrs()`; bind your socket to the
///   unspecified address of the same family as the server's (`0.0.0.0:0` for IPv4,
///   `[::]:0` for IPv6) and `connect` it to the server: then `recv` only accepts the
///   server's datagrams.
/// - `set_read_timeout(Some(timeout))`: when it runs out, `recv` fails with
///   `WouldBlock` (Unix) or `TimedOut` (Windows). Then return the error
///   `no reply from HOST:PORT within Ns` (`timeout.as_secs_f64()` prints `2` for 2 s).
pub fn run_client(host: &str, port: u16, timeout: Duration) -> Result<()> {
    todo!(
        "send each stdin line to {host}:{port} as a datagram, print the reply (wait at most {timeout:?})"
    )
}
