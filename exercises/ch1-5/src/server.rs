//! The concurrent echo server: one task per connection.
//!
//! Your work is in `serve` (the accept loop) and `answer_lines` (one client's
//! conversation), marked `todo!()`. `reply_to` is given.

use anyhow::Context;
use tokio::net::{TcpListener, TcpStream};

/// The longest line to answer, `\n` included. Without a limit, a client that never
/// sends a newline would make its task buffer without end.
const MAX_LINE: usize = 64 * 1024;

/// What every reply starts with.
const PREFIX: &[u8] = b"received: ";

/// Listens on `host:port` and serves every client on a task of its own, forever.
///
/// Each client is served on a task of its own, so that one slow or silent client
/// never holds up the others, nor the next `accept`. How each conversation ended goes
/// to stderr (`ADDR left after N lines`, or the error) — and a log line must never
/// stop the server: if nobody reads stderr any more, go on regardless (`eprintln!`
/// panics then). A failed accept concerns one connection: report it and go on.
pub async fn serve(host: &str, port: u16) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    println!("listening on {}", listener.local_addr()?);
    todo!("accept clients forever, each served by answer_lines on a task of its own")
}

/// Answers each line of one client with `received: LINE`, in order, until the client
/// closes the connection; returns how many lines it answered.
///
/// - One read may bring half a line or three lines: each line is answered whole,
///   once, in order, as the bytes that came (they need not be UTF-8), by
///   `reply_to(line)` sent in one write, without delay. A pause in the middle of a
///   line is not the end of the client: wait for the rest, however long it takes.
/// - A read of 0 bytes is the end: the client shut down its sending side (it may
///   still be reading). Every line read before it has been answered by then; return,
///   and the connection closes.
/// - A line longer than `MAX_LINE` without its `\n` is answered with
///   `error: line longer than 65536 bytes` and ends the connection with an error,
///   instead of being buffered without end.
async fn answer_lines(stream: TcpStream) -> anyhow::Result<u64> {
    todo!("answer each line of this client with `received: LINE`")
}

/// The reply to one line: `received: ` and the line, bytes as they came (UTF-8 or
/// not), ending in exactly one `\n`, built whole so it leaves in one write.
fn reply_to(line: &[u8]) -> Vec<u8> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    // A client such as telnet ends its lines with `\r\n`.
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut reply = Vec::with_capacity(PREFIX.len() + line.len() + 1);
    reply.extend_from_slice(PREFIX);
    reply.extend_from_slice(line);
    reply.push(b'\n');
    reply
}
