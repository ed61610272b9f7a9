//! The receiver: socket → bind → recv_from, again and again.
//!
//! A UDP server has no listening socket and no per-client sockets: one socket receives
//! every datagram from everyone, and `recv_from` says who sent each one.
//!
//! Your work: `run` and `report_datagrams`.

use anyhow::Result;
use std::io::Write;
use std::net::UdpSocket;

/// Binds `host:port`, prints `listening on ADDR`, then reports datagrams for ever.
/// Returns only on an error: the bind failed, or stdout is gone.
///
/// - `UdpSocket::bind((host, port))` creates the socket and binds it in one call; add
///   context to its error (`.with_context(|| format!("cannot bind {host}:{port}"))`).
/// - Print `listening on ADDR` with the address `socket.local_addr()` returns (with
///   `--port 0` the system picks the port, and only `local_addr` knows which).
/// - Then hand the socket and stdout (`std::io::stdout().lock()`) to
///   `report_datagrams`.
pub fn run(host: &str, port: u16) -> Result<()> {
    let _ = (host, port, report_datagrams::<std::io::StdoutLock>);
    todo!("bind a UDP socket, print `listening on ADDR`, then report datagrams")
}

/// Receives one datagram at a time and prints `N bytes from ADDR` for each, for ever.
///
/// - `socket.recv_from(&mut buffer)` waits for ONE datagram, copies it into `buffer`
///   and returns its length and its sender. How big must `buffer` be? `recv_from`
///   silently drops whatever does not fit, and std does not tell you it did: with a
///   1024-byte buffer a 5000-byte datagram is reported as 1024 bytes. Make it big
///   enough for the largest datagram there can be.
/// - Print `N bytes from ADDR` with `writeln!(out, …)` — also for an empty datagram
///   (`0 bytes from …`): on UDP, 0 bytes is a message like any other, not the end of
///   anything. If writing to `out` fails, return the error.
/// - A failed `recv_from` concerns one datagram: print `error: …` on stderr and go on.
fn report_datagrams<W: Write>(socket: &UdpSocket, out: &mut W) -> Result<()> {
    let _ = (socket, out);
    todo!("receive datagrams and print `N bytes from ADDR` for each")
}
