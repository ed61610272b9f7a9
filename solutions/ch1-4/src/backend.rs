//! The backend: accepts frontends, a thread each, and appends every complete line
//! they send to one shared file.

use crate::report;
use anyhow::Context;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;

/// The longest line stored, `\n` included. Without a limit, a frontend that never
/// sends a newline would make its thread buffer without end.
const MAX_LINE: usize = 64 * 1024;

// ANCHOR: message_log
/// The file every connection appends to, behind a lock.
///
/// Opening with `append(true)` (`O_APPEND`) makes each `write` system call land at
/// the end of the file, but only *each call* is atomic: `write_all` may need several
/// calls for one line, and a `BufWriter` cuts lines at its buffer's edge. Two threads
/// writing at once could then interleave pieces of their lines. The `Mutex` makes the
/// rule simple: whoever holds the lock writes a whole line, and nobody else writes.
pub struct MessageLog {
    file: Mutex<File>,
}

impl MessageLog {
    /// Opens `path` for appending, creating it if it is missing. Lines already in
    /// the file stay there.
    pub fn open(path: &Path) -> anyhow::Result<MessageLog> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open {} for appending", path.display()))?;
        Ok(MessageLog {
            file: Mutex::new(file),
        })
    }

    /// Appends one complete line (with its `\n`) in a single `write_all`, holding the
    /// lock for the whole line. A `File` has no buffer of its own: when this returns,
    /// the line is in the operating system's hands and other programs can read it.
    pub fn append(&self, line: &[u8]) -> io::Result<()> {
        // A poisoned lock only means another thread panicked while holding it; the
        // file itself is still fine to write to.
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(line)
    }
}
// ANCHOR_END: message_log

// ANCHOR: serve
/// Opens the file, listens on `host:port`, and serves every frontend on a thread of
/// its own, forever.
pub fn serve(host: &str, port: u16, path: &Path) -> anyhow::Result<()> {
    // Open the file first: a path we cannot write to is a startup error, not
    // something to discover when the first line arrives.
    let log = Arc::new(MessageLog::open(path)?);
    let listener = TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let log = Arc::clone(&log);
                thread::spawn(move || serve_frontend(stream, &log));
            }
            // A failed accept (a connection reset while queued, too many open files)
            // concerns one connection, not the server.
            Err(error) => report(format_args!("accept failed: {error}")),
        }
    }
    Ok(())
}
// ANCHOR_END: serve

/// Serves one frontend and reports on stderr how its conversation ended.
fn serve_frontend(stream: TcpStream, log: &MessageLog) {
    let peer = match stream.peer_addr() {
        Ok(peer) => peer.to_string(),
        Err(_) => "a frontend".to_string(),
    };
    report(format_args!("{peer} connected"));
    match store_lines(stream, log) {
        Ok(stored) if stored.unfinished > 0 => report(format_args!(
            "{peer} left: {} lines stored, an unfinished line of {} bytes dropped",
            stored.lines, stored.unfinished
        )),
        Ok(stored) => report(format_args!("{peer} left: {} lines stored", stored.lines)),
        Err(error) => report(format_args!("{peer} dropped: {error:#}")),
    }
}

/// What one conversation left in the file.
#[derive(Debug, Default)]
struct Stored {
    /// Complete lines appended to the file.
    lines: u64,
    /// Bytes of a last line that never got its `\n` (0 if there was none).
    unfinished: usize,
}

// ANCHOR: store_lines
/// Stores every complete line one frontend sends, until it closes its sending side.
///
/// Returning drops `stream`, which closes the connection: by then every line has been
/// written, so the close tells the frontend its lines are stored.
fn store_lines(stream: TcpStream, log: &MessageLog) -> anyhow::Result<Stored> {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    let mut stored = Stored::default();
    loop {
        line.clear();
        // One read is not one line: read_until keeps reading until the `\n` has
        // come, however many pieces the line arrives in. `take` caps the length.
        let limit = (MAX_LINE + 1) as u64;
        let read = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut line)
            .context("connection broken")?;
        if read == 0 {
            // End of file: the frontend closed its side after its last line.
            return Ok(stored);
        }
        if !line.ends_with(b"\n") {
            anyhow::ensure!(
                line.len() <= MAX_LINE,
                "a line longer than {MAX_LINE} bytes, the connection is dropped"
            );
            // The connection ended in the middle of a line (a frontend killed while
            // sending): half a line is not a line, so it is not stored.
            stored.unfinished = line.len();
            return Ok(stored);
        }
        log.append(&line)
            .context("cannot write to the message file")?;
        stored.lines += 1;
    }
}
// ANCHOR_END: store_lines
