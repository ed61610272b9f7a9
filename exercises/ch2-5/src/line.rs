//! Line framing: how both sides cut the TCP byte stream into messages.
//!
//! TCP keeps no message boundaries; a command may arrive in pieces, or two commands in
//! one read. Every message is therefore one line ending in `\n`: the reader collects
//! bytes up to the `\n` (with a cap, so a peer that never sends one cannot fill our
//! memory) and the writer sends a whole line, `\n` included, in one `write_all`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// What [`read_line`] found on the stream.
pub enum Line {
    /// One line, without its `\n` or `\r\n`. The last line may lack its `\n`.
    Text(Vec<u8>),
    /// More than the allowed number of bytes without a line end.
    TooLong,
    /// The peer closed its side: end of stream.
    Closed,
}

/// Reads one line of at most `max` bytes, not counting its `\n` or `\r\n`.
/// `read_until` keeps reading until the newline however the bytes were split on the
/// way; `take` stops it after `max + 2` bytes.
pub fn read_line(reader: &mut BufReader<TcpStream>, max: usize) -> io::Result<Line> {
    let mut line = Vec::new();
    let cap = max + 2; // room for the content and "\r\n"
    let read = reader
        .by_ref()
        .take(cap as u64)
        .read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(Line::Closed);
    }
    if line.ends_with(b"\n") {
        line.pop();
        if line.ends_with(b"\r") {
            line.pop();
        }
    } else if read == cap {
        return Ok(Line::TooLong);
    }
    if line.len() > max {
        return Ok(Line::TooLong);
    }
    Ok(Line::Text(line))
}

/// Sends `text` as one line: the text and its `\n` in a single `write_all`, so that
/// the line leaves in one segment (two small writes would meet Nagle's algorithm).
pub fn write_line(writer: &mut TcpStream, text: &str) -> io::Result<()> {
    let mut line = Vec::with_capacity(text.len() + 1);
    line.extend_from_slice(text.as_bytes());
    line.push(b'\n');
    writer.write_all(&line)
}
