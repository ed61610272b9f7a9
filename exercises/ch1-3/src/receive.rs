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
/// ADDR is the address the socket really has: with `--port 0` the system picks the
/// port, and the sender must be told which.
///
/// When stdout cannot be written (its reader has gone: `receive | head -1`), stop at
/// once with an error that names stdout (`cannot write to stdout`), so that main prints
/// `error: cannot write to stdout: Broken pipe` and exits with status 1. `println!`
/// would panic instead.
pub fn run(host: &str, port: u16) -> Result<()> {
    todo!("bind a UDP socket, print `listening on ADDR`, then report datagrams")
}

/// Receives one datagram at a time and prints `N bytes from ADDR` for each, for ever.
///
/// N is the datagram's true length, however large (up to the largest a UDP datagram
/// can be), and an empty datagram is reported too (`0 bytes from …`): on UDP, 0 bytes
/// is a message like any other, not the end of anything. A failed receive concerns
/// one datagram: report it on stderr (`error: …`) and go on. If writing to `out`
/// fails, return the error.
fn report_datagrams<W: Write>(socket: &UdpSocket, out: &mut W) -> Result<()> {
    todo!("receive datagrams and print `N bytes from ADDR` for each")
}
