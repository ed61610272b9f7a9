//! The TCP pair: a connection is a stream of bytes, so both sides cut it into lines.
//!
//! TCP delivers bytes in order but keeps no message boundaries: one `write` of
//! `hello\n` may arrive as `hel` and `lo\n`, and two writes may arrive as one read. So
//! every message here is one line ending in `\n`, and each side reads up to that `\n`
//! with a [`BufReader`] instead of trusting a single `read` to hold one message. Each
//! message goes out with a single `write_all` (and Nagle's algorithm is switched off
//! with `set_nodelay`), so that a small line is not held back waiting for an ACK.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::timestamp::stamp;

/// The longest line the server accepts (without its line end). A peer that sends more
/// without a newline is either broken or hostile; we must not buffer it forever.
const MAX_LINE: usize = 64 * 1024;

/// The longest reply line the client accepts: a maximal line plus the time stamp.
const MAX_REPLY: usize = MAX_LINE + 1024;

// ANCHOR: serve
/// Runs the TCP timestamp server: binds, announces the address, then hands every
/// accepted connection to a thread of its own, so that a slow client never blocks the
/// others. Returns only if binding fails.
pub fn serve(host: &str, port: u16) -> Result<()> {
    let listener = TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    crate::announce(listener.local_addr()?)?;
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => spawn_handler(stream),
            // A failed accept (e.g. the client reset before we took it) concerns that
            // client only: the server goes on.
            Err(err) => note!("accept failed: {err}"),
        }
    }
    Ok(())
}

/// Starts a thread that serves one connection and reports how it ended on stderr.
fn spawn_handler(stream: TcpStream) {
    let peer = match stream.peer_addr() {
        Ok(addr) => addr.to_string(),
        Err(_) => "a client".to_string(),
    };
    note!("connected: {peer}");
    let label = peer.clone();
    let spawned = thread::Builder::new().spawn(move || match handle_connection(stream) {
        Ok(()) => note!("disconnected: {label}"),
        Err(err) => note!("disconnected: {label}: {err}"),
    });
    if let Err(err) = spawned {
        note!("cannot start a thread for {peer}: {err}");
    }
}
// ANCHOR_END: serve

// ANCHOR: handle_connection
/// Serves one client: for every line it sends, one line back, `[<ctime>] <line>\n`,
/// until it closes the connection. Bytes that are not UTF-8 are echoed with `�` in
/// their place. A line longer than [`MAX_LINE`] ends the connection with an error line.
fn handle_connection(stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        match read_line(&mut reader, MAX_LINE)? {
            Line::Closed => return Ok(()),
            Line::TooLong => {
                writer.write_all(b"error: line too long\n")?;
                hang_up(writer);
                return Ok(());
            }
            Line::Text(bytes) => {
                let reply = stamp(&String::from_utf8_lossy(&bytes)) + "\n";
                writer.write_all(reply.as_bytes())?;
            }
        }
    }
}
// ANCHOR_END: handle_connection

/// What [`read_line`] found on the stream.
enum Line {
    /// One line, without its `\n` or `\r\n`. The last line may lack its `\n`.
    Text(Vec<u8>),
    /// More than the allowed number of bytes without a line end.
    TooLong,
    /// The peer closed its side: end of stream.
    Closed,
}

// ANCHOR: read_line
/// Reads one line of at most `max` bytes (not counting `\n` or `\r\n`). However the
/// bytes were split on the way, the line comes back whole: `read_until` keeps reading
/// until the newline. The `take` cap keeps a peer that never sends one from filling
/// our memory.
fn read_line(reader: &mut impl BufRead, max: usize) -> io::Result<Line> {
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
// ANCHOR_END: read_line

/// Closes a connection we are giving up on, gently. Closing a socket that still has
/// unread input makes the kernel send a reset (RST), which may destroy our last reply
/// before the peer reads it. So: send our FIN first, then read and discard what the
/// peer still sends, for a second at most, before closing.
fn hang_up(stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = io::copy(&mut (&stream).take(1 << 20), &mut io::sink());
}

// ANCHOR: client
/// Runs the TCP client: connects to `host:port` (trying every address the name resolves
/// to), then for each line of stdin sends it and prints the one reply line. An empty
/// line or the end of stdin ends the session.
pub fn run_client(host: &str, port: u16) -> Result<()> {
    // `connect` resolves the name and tries each address in turn: `localhost` may be
    // both ::1 and 127.0.0.1, and the server may listen on only one of them.
    let stream = TcpStream::connect((host, port))
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    stream.set_nodelay(true)?;
    note!("connected to {}", stream.peer_addr()?);

    let mut replies = BufReader::new(stream.try_clone()?);
    let mut requests = stream;
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    while let Some(mut message) = next_input_line(&mut stdin)? {
        message.push(b'\n');
        requests.write_all(&message).map_err(lost_server)?;
        let reply = read_reply(&mut replies)?;
        // If nobody reads stdout any more (`tcp-client | head -1`), the write fails:
        // stop, and say it was stdout, not the server.
        stdout
            .write_all(&reply)
            .and_then(|()| stdout.flush())
            .context("cannot write to stdout")?;
    }
    Ok(())
}

/// Reads one reply line from the server, `\n` included, ready to print as it is.
fn read_reply(replies: &mut impl BufRead) -> Result<Vec<u8>> {
    let mut reply = Vec::new();
    let read = replies
        .by_ref()
        .take(MAX_REPLY as u64)
        .read_until(b'\n', &mut reply)
        .map_err(lost_server)?;
    if read == 0 {
        bail!("server closed the connection");
    }
    if !reply.ends_with(b"\n") {
        if read == MAX_REPLY {
            bail!("the server's reply is longer than {MAX_REPLY} bytes");
        }
        reply.push(b'\n'); // the server closed in mid-line: show what came
    }
    Ok(reply)
}
// ANCHOR_END: client

/// The next line the user typed, without its line end; `None` when the session is over
/// (an empty line, or the end of stdin).
fn next_input_line(stdin: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    stdin.read_until(b'\n', &mut line)?;
    while line.ends_with(b"\n") || line.ends_with(b"\r") {
        line.pop();
    }
    Ok(if line.is_empty() { None } else { Some(line) })
}

/// Explains a reset or a broken pipe: the server has gone away.
fn lost_server(err: io::Error) -> anyhow::Error {
    match err.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => anyhow::anyhow!("server closed the connection"),
        _ => anyhow::Error::new(err).context("connection to the server failed"),
    }
}
