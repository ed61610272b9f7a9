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

/// The largest payload one UDP datagram can carry over IPv4: an IP packet holds at most
/// 65,535 bytes, less 20 of IP header and 8 of UDP header. `send_to` refuses anything
/// longer ("message too long"): nothing at all is sent.
const MAX_REPLY: usize = 65_507;

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
/// `[<ctime>] <data>` (use [`stamp`], no newline added), sent back to whoever sent it.
///
/// - A datagram is one whole message, whatever bytes it holds: newlines included, empty
///   included. Bytes that are not UTF-8 are shown as `\u{fffd}`
///   (`String::from_utf8_lossy`).
/// - A reply over [`MAX_REPLY`] bytes cannot be sent at all: answer
///   `error: message too long` instead, so the sender is not left waiting for a reply
///   that never comes.
/// - A failed receive or send concerns one datagram: report it on stderr and go on.
///   Nothing a client sends may stop the server. Write to stderr with `note!`, which
///   never panics: `eprintln!` does when nobody reads stderr, and the server must go on.
fn answer_datagrams(socket: &UdpSocket) -> ! {
    todo!("receive datagrams for ever, reply `[<ctime>] <data>` to each sender")
}

/// Runs the UDP client against `host:port` (given by the options, each with its own
/// default). For each line of stdin: an empty line or the end of stdin ends the
/// session (return `Ok(())`); otherwise send the line, without its line end, as ONE
/// datagram, wait for one reply datagram and print it followed by `\n`.
///
/// - `localhost` may resolve to several addresses (`::1`, `127.0.0.1`) and the server
///   may listen on one only. A UDP socket that is `connect`ed to the server reports
///   "nothing listens there" (ICMP port unreachable) as `ConnectionRefused`: then try
///   the next address. Such a socket is bound to the unspecified address of the
///   server's family (`0.0.0.0:0` or `[::]:0`).
/// - A datagram or its reply may be lost: wait at most `timeout` for each reply, then
///   return the error `no reply from HOST:PORT within Ns` (`timeout.as_secs_f64()`
///   prints `2` for 2 s). When no address answers, the error also starts
///   `no reply from HOST:PORT`.
/// - Only the server may answer: a datagram from any other address is not the reply
///   (a `connect`ed socket lets only the server's datagrams through).
/// - When stdout cannot be written (nobody reads it any more), stop with an error that
///   names it (context `cannot write to stdout`); `println!` would panic instead.
pub fn run_client(host: &str, port: u16, timeout: Duration) -> Result<()> {
    todo!(
        "send each stdin line to {host}:{port} as a datagram, print the reply (wait at most {timeout:?})"
    )
}
