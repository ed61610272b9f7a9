//! The echo server: claim the path, bind, and echo each client's lines on a thread of
//! its own.
//!
//! Your work: `serve`, `claim_path` and `echo_lines`. Removing the socket file on
//! Ctrl-C (`remove_on_interrupt`) and logging to stderr (`report`) are given.

use anyhow::{Context, Result};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::thread;
use tokio::signal::unix::{SignalKind, signal};

/// The longest line the server echoes. A client that sends more without a newline is
/// disconnected, instead of making the server buffer without end.
const MAX_LINE: usize = 64 * 1024;

/// Claims `path`, binds a listener there, prints `listening on PATH` (the path as
/// given), and serves every client on a thread of its own (`serve_client`, clients
/// numbered 1, 2, 3…), for ever. Returns only if it cannot start (the path is taken,
/// or cannot be bound): `main` prints that error.
///
/// Ctrl-C must remove the socket file: arrange it (`remove_on_interrupt`, given)
/// before announcing the address, so no Ctrl-C after `listening on` is missed. A
/// failed accept concerns one client: report it on stderr and go on accepting.
pub fn serve(path: &Path) -> Result<()> {
    todo!("claim the path, bind, print `listening on PATH`, serve each client on a thread")
}

/// Makes sure `path` is free for a new socket, or explains why not:
///
/// - nothing there: free;
/// - a socket nobody answers on: a stale file left by a server that crashed or was
///   killed; remove it (say so on stderr, without dying if stderr is gone);
/// - a socket a server answers on: taken — fail with `PATH is in use by a running
///   server`, and never remove it: that server would run on, unreachable;
/// - anything else (a regular file, a folder, a symbolic link): not ours to remove —
///   fail with `PATH exists and is not a socket`.
fn claim_path(path: &Path) -> Result<()> {
    todo!("decide whether the path is free, stale (remove it), or taken (refuse)")
}

/// Serves one client and reports how it went. Whatever happens to this client (it
/// vanishes, it sends garbage, it floods) ends this thread only, never the server.
fn serve_client(stream: UnixStream, number: u64) {
    report(format_args!("client {number} connected"));
    match echo_lines(&stream) {
        Ok(()) => report(format_args!("client {number} left")),
        Err(err) => report(format_args!("error: client {number}: {err:#}")),
    }
}

/// Sends every line back as it came, until the client closes the connection
/// (then `Ok(())`).
///
/// A stream socket is a stream of bytes, exactly like TCP: a line may arrive in
/// several reads, or several lines in one. Each line goes back whole, `\n` included,
/// as the same bytes (they need not be UTF-8; a `\r\n` stays a `\r\n`); a last line
/// without its `\n` is echoed with one. A pause in the middle of a line is not the end
/// of the client: wait for the rest, however long it takes. A line longer than `MAX_LINE` ends this client's connection with an
/// error, instead of being buffered without end.
fn echo_lines(stream: &UnixStream) -> Result<()> {
    todo!("echo each line back to the client")
}

/// On Ctrl-C (SIGINT) or `kill` (SIGTERM), removes the socket file and exits with the
/// usual status (128 + the signal's number).
///
/// Without this, the file stays behind after every stop, and the next start has to
/// clean it up; `claim_path` does that anyway, because `kill -9` or a crash cannot be
/// caught. std has no signal handling, so a small tokio runtime on a thread of its own
/// waits for the signals while the rest of the server stays plain blocking code.
fn remove_on_interrupt(path: &Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Registered here, before `listening on` is printed: no Ctrl-C after that is missed.
    let (mut interrupt, mut terminate) = {
        let _inside = runtime.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    let ours = file_identity(path)?;
    let path = path.to_path_buf();
    thread::spawn(move || {
        let signal_number = runtime.block_on(async {
            tokio::select! {
                _ = interrupt.recv() => 2,
                _ = terminate.recv() => 15,
            }
        });
        remove_if_ours(&path, ours);
        std::process::exit(128 + signal_number);
    });
    Ok(())
}

/// Which file `path` names (device and inode), to recognise our socket file later.
fn file_identity(path: &Path) -> Result<(u64, u64)> {
    let metadata =
        fs::symlink_metadata(path).with_context(|| format!("cannot check {}", path.display()))?;
    Ok((metadata.dev(), metadata.ino()))
}

/// Removes the socket file if it is still the one we created: if someone removed ours
/// and another server bound the path since, that file is theirs.
fn remove_if_ours(path: &Path, ours: (u64, u64)) {
    match file_identity(path) {
        Ok(identity) if identity == ours => match fs::remove_file(path) {
            Ok(()) => report(format_args!("removed {}", path.display())),
            Err(err) => report(format_args!(
                "error: cannot remove {}: {err}",
                path.display()
            )),
        },
        _ => report(format_args!(
            "{} is no longer ours: left alone",
            path.display()
        )),
    }
}

/// Writes one line to stderr, and ignores a failure to do so. `eprintln!` panics when
/// stderr is gone (a closed terminal, a log reader that exited: the write fails with a
/// broken pipe), and a server must not die of its own log line — least of all in the
/// Ctrl-C handler that removes its socket file.
fn report(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "{line}");
}
