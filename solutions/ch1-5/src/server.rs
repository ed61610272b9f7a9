//! The concurrent echo server: one task per connection.

use anyhow::Context;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The longest line answered, `\n` included. Without a limit, a client that never
/// sends a newline would make its task buffer without end.
const MAX_LINE: usize = 64 * 1024;

/// What every reply starts with.
const PREFIX: &[u8] = b"received: ";

// ANCHOR: serve
/// Listens on `host:port` and serves every client on a task of its own, forever.
pub async fn serve(host: &str, port: u16) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        // `accept` hands over a NEW socket for this one client; the listener stays
        // free to accept the next client straight away.
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Concerns one connection (or a passing shortage of file handles):
                // report it, give the system a moment, and go on accepting.
                report(format_args!("accept failed: {error}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        report(format_args!("{peer} connected"));
        // The task owns the connection; this loop goes straight back to `accept`.
        tokio::spawn(async move {
            match answer_lines(stream).await {
                Ok(lines) => report(format_args!("{peer} left after {lines} lines")),
                Err(error) => report(format_args!("{peer} dropped: {error:#}")),
            }
        });
    }
}
// ANCHOR_END: serve

// ANCHOR: answer_lines
/// Answers each line of one client with `received: LINE`, in order, until the client
/// closes the connection; returns how many lines it answered.
///
/// Waiting for this client's next line suspends only this task: the other clients'
/// tasks, and the accept loop, go on meanwhile.
async fn answer_lines(stream: TcpStream) -> anyhow::Result<u64> {
    stream.set_nodelay(true)?;
    let (from_client, mut to_client) = stream.into_split();
    let mut reader = BufReader::new(from_client);
    let mut line = Vec::new();
    let mut answered = 0;
    loop {
        line.clear();
        // One read is not one line: read_until waits for the `\n`, however many
        // pieces it takes, and keeps what comes after it for the next round.
        let limit = (MAX_LINE + 1) as u64;
        let read = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut line)
            .await
            .context("connection broken")?;
        if read == 0 {
            return Ok(answered);
        }
        if !line.ends_with(b"\n") && line.len() > MAX_LINE {
            let refusal = format!("error: line longer than {MAX_LINE} bytes\n");
            to_client.write_all(refusal.as_bytes()).await?;
            anyhow::bail!("a line longer than {MAX_LINE} bytes, the connection is dropped");
        }
        to_client
            .write_all(&reply_to(&line))
            .await
            .context("cannot answer")?;
        answered += 1;
    }
}
// ANCHOR_END: answer_lines

// ANCHOR: reply_to
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
// ANCHOR_END: reply_to

/// Writes one line to stderr, and ignores a failure to do so. `eprintln!` panics when
/// stderr is gone (a closed terminal, a log reader that exited: the write fails with a
/// broken pipe), and a server must not drop a client over its own log line.
fn report(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
