//! Line framing: how both sides cut the TCP byte stream into messages.
//!
//! TCP delivers a stream of bytes, not messages: one `read` may return half a line,
//! or three lines at once. So we agree that a message is one line of text ending in
//! `\n`, and we read through a [`BufReader`](std::io::BufReader), which keeps the
//! bytes it has read past the end of a line for the next call. The same reader must
//! therefore live as long as the connection: a new `BufReader` per turn would throw
//! away whatever the peer had already sent.

use std::io::{self, BufRead, Write};

/// The longest message we accept, in bytes, not counting the line ending.
///
/// Without a limit, a peer that never sends `\n` would make us buffer bytes until
/// memory runs out.
pub const MAX_LINE: usize = 64 * 1024;

/// What one attempt to read a line from the peer can give.
pub enum FromPeer {
    /// A complete message, without its line ending.
    Line(String),
    /// The peer has gone: it closed the connection (a read of 0 bytes) or the
    /// connection was reset.
    Hangup,
    /// The peer sent more than [`MAX_LINE`] bytes without a line ending: it does not
    /// speak our protocol, and the rest of the stream cannot be trusted.
    TooLong,
}

/// Reads the next message from the peer, waiting (blocking) until a whole line is
/// there, however many TCP segments it arrives in; bytes past the line stay in
/// `from_peer` for the next call.
///
/// - `FromPeer::Line(text)`: the line without its `\n` or `\r\n`. Bytes that are not
///   UTF-8 must not end the chat: they become `\u{fffd}` (`String::from_utf8_lossy`).
/// - `FromPeer::Hangup`: the peer closed the connection, or reset it ([`is_hangup`]).
/// - `FromPeer::TooLong`: more than [`MAX_LINE`] bytes came without a line end. Stop
///   reading there: a peer that never ends its line must not fill our memory.
/// - Any other I/O error is returned.
pub fn read_peer_line(from_peer: &mut impl BufRead) -> io::Result<FromPeer> {
    todo!("read one line (at most MAX_LINE bytes) from the peer: Line, Hangup or TooLong")
}

/// Sends one message: the text and its `\n` in a single `write_all`, so the line
/// leaves in one piece (two small writes would wait on Nagle's algorithm).
pub fn send_line(mut to_peer: impl Write, text: &str) -> io::Result<()> {
    let line = format!("{text}\n");
    to_peer.write_all(line.as_bytes())
}

/// Reads the next message the local user types, skipping empty lines.
///
/// Returns `None` at the end of input (Ctrl-D, or the end of a piped file). A line
/// longer than [`MAX_LINE`] is refused here (with a note on stderr) rather than sent,
/// since the peer would drop the connection over it.
pub fn read_typed_line(keyboard: &mut impl BufRead) -> io::Result<Option<String>> {
    loop {
        let mut bytes = Vec::new();
        if keyboard.read_until(b'\n', &mut bytes)? == 0 {
            return Ok(None);
        }
        strip_line_ending(&mut bytes);
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() > MAX_LINE {
            note!("error: message too long (not sent)");
            continue;
        }
        return Ok(Some(String::from_utf8_lossy(&bytes).into_owned()));
    }
}

/// Prints a message from the other side on stdout as `SPEAKER: TEXT`.
///
/// `writeln!` returns an error where `println!` would panic (for example when
/// stdout is a pipe whose reader has gone). Stdout flushes at each newline.
pub fn show(speaker: &str, text: &str) -> io::Result<()> {
    writeln!(io::stdout().lock(), "{speaker}: {text}")
}

/// Tells whether an I/O error only means "the peer has gone away", which in a chat
/// is an ordinary way for a conversation to end, not a failure.
pub fn is_hangup(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// Removes a trailing `\n` or `\r\n`, so that clients which end lines the Windows or
/// telnet way (`\r\n`) are understood too.
fn strip_line_ending(bytes: &mut Vec<u8>) {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
}
