//! The backend: accepts frontends, a thread each, and appends every complete line
//! they send to one shared file.
//!
//! Your work is in two places below, marked `todo!()`: `MessageLog::append` (how
//! several threads share one file) and `store_lines` (how one connection's bytes
//! become lines). The accept loop is given: read it first, it shows how your
//! functions are used.

use crate::report;
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

    /// Appends one complete line (`line` ends with its `\n`) to the file, whole.
    ///
    /// Many connections' threads call this at once. Whatever they do, the bytes of
    /// two lines must never mix in the file, and when this returns the line must be in
    /// the file (the connection's close, later, tells the frontend it is stored).
    /// `O_APPEND` makes each single `write` system call atomic — but only each call.
    pub fn append(&self, line: &[u8]) -> io::Result<()> {
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
            Err(error) => report(format_args!("accept failed: {error}")),
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

/// Stores every complete line one frontend sends, until it closes its sending side,
/// and returns what was stored.
///
/// - One `read` is not one line: TCP may cut a line anywhere, or bring several at once.
/// - A line is stored only once its `\n` has come, as the bytes that came (they need
///   not be UTF-8; a `\r` before the `\n` stays), and as soon as it has come: every
///   line of a read that brought several, at once. A pause in the middle of a line is
///   not the end of the frontend: wait for the rest, however long it takes.
/// - Bytes after the last `\n` when the connection ends are a line that was never
///   finished (a frontend killed mid-line): not stored, but counted in
///   `Stored::unfinished`.
/// - A line longer than `MAX_LINE` without a `\n` drops the connection (an error),
///   instead of being buffered without end; so does a broken connection.
///
/// Returning drops `stream`, which closes the connection. Since every line has been
/// written by then, that close tells the frontend its lines are stored.
fn store_lines(stream: TcpStream, log: &MessageLog) -> anyhow::Result<Stored> {
    todo!("read complete lines and append each one to the log")
}
