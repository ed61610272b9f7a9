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
/// Loop forever: `listener.accept().await` hands you a NEW socket for one client (and
/// its address); the listener stays free for the next client. Do not serve the client
/// in this loop — that is the iterative server, stuck with one client while the others
/// wait. Move the stream into `tokio::spawn(async move { … })`, call
/// `answer_lines(stream).await` there and report on stderr how it ended
/// (`eprintln!("{peer} left after {lines} lines")`, or the error). Then go straight
/// back to `accept`. A failed accept concerns one connection: report it and go on.
pub async fn serve(host: &str, port: u16) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    println!("listening on {}", listener.local_addr()?);
    let _ = (listener, answer_lines);
    todo!("accept clients forever, each served by answer_lines on a task of its own")
}

/// Answers each line of one client with `received: LINE`, in order, until the client
/// closes the connection; returns how many lines it answered.
///
/// - `stream.set_nodelay(true)` (small replies should leave at once), then split it
///   with `into_split()` into a read half and a write half.
/// - Wrap the read half in a `tokio::io::BufReader`, once, before the loop: one read
///   may bring half a line or three lines, and what it read beyond the current line
///   waits in that buffer.
/// - Read each line with `(&mut reader).take((MAX_LINE + 1) as u64).read_until(b'\n',
///   &mut line).await` into a `Vec<u8>` (bytes: a line that is not UTF-8 is answered
///   too). 0 bytes read: the client has closed; return the count.
/// - A line longer than `MAX_LINE` with no `\n`: return an error (the connection is
///   dropped). Otherwise answer it: `write_all(&reply_to(&line))` on the write half.
///
/// Waiting here for this client's next line suspends only this task: the others go on.
async fn answer_lines(stream: TcpStream) -> anyhow::Result<u64> {
    let _ = (stream, MAX_LINE, reply_to);
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
