//! The receiver: socket → bind → recv_from, again and again.
//!
//! A UDP server has no listening socket and no per-client sockets: one socket receives
//! every datagram from everyone, and `recv_from` says who sent each one.

use anyhow::{Context, Result};
use std::io::{self, Write};
use std::net::UdpSocket;

/// The size of the receive buffer: the largest value a UDP length field can hold.
///
/// `recv_from` copies one datagram into the buffer and silently drops whatever does
/// not fit (std does not even tell you it did). A datagram can carry at most 65,507
/// bytes over IPv4 and 65,527 over IPv6, so a buffer of 65,535 bytes is never too small.
/// The classic bug is a buffer of 1024 or 2048 bytes: every longer datagram is then
/// reported, and read, as exactly that long.
const BUFFER_SIZE: usize = 65_535;

// ANCHOR: run
/// Binds `host:port`, prints `listening on ADDR`, then reports datagrams for ever.
/// Returns only on an error: the bind failed, or stdout is gone.
pub fn run(host: &str, port: u16) -> Result<()> {
    let socket =
        UdpSocket::bind((host, port)).with_context(|| format!("cannot bind {host}:{port}"))?;
    // Rust's stdout writes a whole line as soon as its `\n` is written, so the line
    // reaches whoever reads our output at once. If nobody reads it any more (a closed
    // pipe), the write fails: say so, and stop, rather than panic as `println!` would.
    let mut out = io::stdout().lock();
    writeln!(out, "listening on {}", socket.local_addr()?).context("cannot write to stdout")?;
    report_datagrams(&socket, &mut out)
}
// ANCHOR_END: run

// ANCHOR: report_datagrams
/// Receives one datagram at a time and prints `N bytes from ADDR` for each, even for an
/// empty one: on UDP, 0 bytes is a message like any other, not the end of anything.
fn report_datagrams<W: Write>(socket: &UdpSocket, out: &mut W) -> Result<()> {
    let mut buffer = vec![0u8; BUFFER_SIZE];
    loop {
        match socket.recv_from(&mut buffer) {
            Ok((len, sender)) => {
                writeln!(out, "{len} bytes from {sender}").context("cannot write to stdout")?;
            }
            // A failed receive concerns one datagram, not the receiver: report it, go on
            // (and if nobody reads stderr any more, go on all the same).
            Err(err) => {
                let _ = writeln!(io::stderr(), "error: receive failed: {err}");
            }
        }
    }
}
// ANCHOR_END: report_datagrams
