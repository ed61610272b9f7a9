//! The backend: accepts frontends, a thread each, and appends every complete line
//! they send to one shared file.
//!
//! Your work is in two places below, marked `todo!()`: `MessageLog::append` (how
//! several threads share one file) and `store_lines` (how one connection's bytes
//! become lines). The accept loop is given: read it first, it shows how your
//! functions are used.

use anyhow::Context;
use std::fs::{File, OpenOptions};
use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;

/// The longest line to store, `\n` included. Without a limit, a frontend that never
/// sends a newline would make its thread buffer without end.
const MAX_LINE: usize = 64 * 1024;

/// The file every connection appends to, behind a lock.
pub struct MessageLog {
    file: Mutex<File>,
}

impl MessageLog {
    /// Opens `path` for appending, creating it if it is missing. Lines already in
    /// the file stay there.
    ///
    /// `append(true)` is `O_APPEND`: every `write` system call lands at the current
    /// end of the file, even when other writers have made it grow meanwhile.
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

    /// Appends one complete line (`line` ends with its `\n`) to the file.
    ///
    /// Many threads call this at once. `O_APPEND` only makes each single `write` call
    /// atomic, and `write_all` (or `writeln!`, or a `BufWriter` flushing when its
    /// buffer is full) may use several calls for one line: another thread's bytes
    /// could land in between. So: lock `self.file` (a poisoned lock can be taken back
    /// with `unwrap_or_else(|poisoned| poisoned.into_inner())`), and write the whole
    /// line with ONE `write_all` while holding the lock. A `File` has no buffer of its
    /// own, so when this returns the line is in the file.
    pub fn append(&self, line: &[u8]) -> io::Result<()> {
        let _ = (&self.file, line);
        todo!("lock the file and write the whole line with one write_all")
    }
}

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
            Err(error) => eprintln!("accept failed: {error}"),
        }
    }
    Ok(())
}

/// Serves one frontend and reports on stderr how its conversation ended.
fn serve_frontend(stream: TcpStream, log: &MessageLog) {
    let peer = match stream.peer_addr() {
        Ok(peer) => peer.to_string(),
        Err(_) => "a frontend".to_string(),
    };
    eprintln!("{peer} connected");
    match store_lines(stream, log) {
        Ok(stored) if stored.unfinished > 0 => eprintln!(
            "{peer} left: {} lines stored, an unfinished line of {} bytes dropped",
            stored.lines, stored.unfinished
        ),
        Ok(stored) => eprintln!("{peer} left: {} lines stored", stored.lines),
        Err(error) => eprintln!("{peer} dropped: {error:#}"),
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

/// Stores every complete line one frontend sends, until it closes its sending side,
/// and returns what was stored.
///
/// - Wrap the stream in a `BufReader` (once, before the loop). One `read` is not one
///   line: read each line with `read_until(b'\n', &mut line)` into a `Vec<u8>` (bytes,
///   not a `String`: lines that are not UTF-8 are stored as they came). Read through
///   `(&mut reader).take((MAX_LINE + 1) as u64)` so a line cannot grow without end.
/// - 0 bytes read: the frontend closed its side. Return `Ok(stored)`.
/// - A line that does not end with `\n` is either longer than `MAX_LINE` (return an
///   error: the connection is dropped) or the end of the stream came in the middle
///   of it (a frontend killed while sending): do NOT store it; count its bytes in
///   `stored.unfinished` and return.
/// - A complete line: `log.append(&line)`, then count it in `stored.lines`.
/// - A read error (the connection was reset) is returned with `?`.
///
/// Returning drops `stream`, which closes the connection. Since every line has been
/// written by then, that close tells the frontend its lines are stored.
fn store_lines(stream: TcpStream, log: &MessageLog) -> anyhow::Result<Stored> {
    let _ = (stream, log, MAX_LINE, Stored::default(), MessageLog::append);
    todo!("read complete lines and append each one to the log")
}
