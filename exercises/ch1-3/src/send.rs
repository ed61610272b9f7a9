//! The sender: socket → sendto, once per line.
//!
//! The sender never connects and never hears back. `send_to` hands one datagram to the
//! operating system and returns; whether it arrives, nobody tells us. That is UDP.
//!
//! Your work: `run`. Reading lines (`next_line`), finding the address (`resolve`) and
//! writing a note on stderr (`note`) are given.

use anyhow::{Context, Result};
use std::io::{self, BufRead, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// The largest payload one datagram can carry over IPv4: the 16-bit length of an IP
/// packet (65,535) minus the IPv4 header (20 bytes) and the UDP header (8 bytes).
/// (IPv6 allows 65,527; we keep to the smaller limit, which is safe for both.)
pub const MAX_PAYLOAD: usize = 65_507;

/// One line of input, as the sender sees it.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A line that fits in a datagram, without its line end.
    Fits(Vec<u8>),
    /// A line longer than the limit; its bytes have been read and dropped.
    TooLong,
    /// The input has ended.
    End,
}

/// Sends every line of stdin to `host:port`, one datagram per line; refuses (with an
/// `error:` line) a line too long for a datagram and goes on with the next.
/// Returns at the end of stdin.
///
/// Each line is sent as ONE datagram, however long (one send, one message; two
/// datagrams would be two messages). A line longer than `MAX_PAYLOAD` cannot be sent
/// whole: it is not sent at all, and `error: line N is longer than 65507 bytes…` goes
/// to stderr. A failed send is reported on stderr too; either way the next line is
/// still sent.
///
/// - Read each line with `next_line`: a line of 100 MB (a file piped in by mistake) must
///   cost no more memory than one datagram, not 100 MB.
/// - Write every note on stderr with `note`, not `eprintln!`: when nobody reads stderr
///   any more, `eprintln!` panics, and the lines must still be sent.
pub fn run(host: &str, port: u16) -> Result<()> {
    todo!("send each line of stdin as one datagram")
}

/// Writes one line on stderr, like `eprintln!`, but never panics: when stderr is
/// closed, `eprintln!` panics, and a sender must not die because nobody reads its
/// notes. The line is dropped instead.
fn note(line: std::fmt::Arguments) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// Reads the next line, without its line end (`\n` or `\r\n`, as `lines()` strips).
///
/// At most `limit` + 2 bytes are kept in memory: a line longer than that is not
/// collected (a 1 GB line must not cost 1 GB) but skipped up to its `\n`.
fn next_line<R: BufRead>(input: &mut R, limit: usize) -> io::Result<Line> {
    let mut line = Vec::new();
    let cap = limit as u64 + 2;
    // `take` on a borrow of the reader, so that the reader stays ours afterwards.
    let read = Read::take(&mut *input, cap).read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(Line::End);
    }
    if !line.ends_with(b"\n") && line.len() as u64 == cap {
        input.skip_until(b'\n')?;
        return Ok(Line::TooLong);
    }
    if line.ends_with(b"\n") {
        line.pop();
        if line.ends_with(b"\r") {
            line.pop();
        }
    }
    Ok(if line.len() > limit {
        Line::TooLong
    } else {
        Line::Fits(line)
    })
}

/// The address to send to. A name may have several (localhost is often both ::1 and
/// 127.0.0.1). A TCP client tries them in turn until a connect succeeds, but a UDP
/// sender gets no answer to learn from, so it picks one: IPv4 first, because the
/// receiver binds 127.0.0.1 by default.
fn resolve(host: &str, port: u16) -> Result<SocketAddr> {
    let addresses: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?
        .collect();
    addresses
        .iter()
        .find(|address| address.is_ipv4())
        .or(addresses.first())
        .copied()
        .with_context(|| format!("{host} has no address"))
}

/// "Any address, any port" of the same family as `receiver`: an IPv4 socket cannot
/// send to an IPv6 address, nor the other way round.
fn unspecified_like(receiver: SocketAddr) -> SocketAddr {
    match receiver {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<Line> {
        let mut input = input;
        let mut out = Vec::new();
        loop {
            let line = next_line(&mut input, limit).unwrap();
            let end = line == Line::End;
            out.push(line);
            if end {
                return out;
            }
        }
    }

    #[test]
    fn lines_lose_their_ends_and_keep_everything_else() {
        assert_eq!(
            lines(b"a\n\nb\r\nc", 10),
            [
                Line::Fits(b"a".to_vec()),
                Line::Fits(vec![]),
                Line::Fits(b"b".to_vec()),
                Line::Fits(b"c".to_vec()),
                Line::End
            ]
        );
    }

    #[test]
    fn a_line_over_the_limit_is_refused_and_the_next_one_kept() {
        assert_eq!(
            lines(b"12345\n123456\n1234567\n12345678\nok\n123456", 5),
            [
                Line::Fits(b"12345".to_vec()),
                Line::TooLong,
                Line::TooLong,
                Line::TooLong,
                Line::Fits(b"ok".to_vec()),
                Line::TooLong,
                Line::End
            ]
        );
        assert_eq!(
            lines(b"12345\r\n", 5),
            [Line::Fits(b"12345".to_vec()), Line::End]
        );
    }
}
