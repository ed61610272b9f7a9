//! The echo server: claim the path, bind, and echo each client's lines on a thread of
//! its own.
//!
//! Your work: `serve`, `claim_path` and `echo_lines`. Removing the socket file on
//! Ctrl-C (`remove_on_interrupt`) is given.

use anyhow::{Context, Result};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::thread;
use tokio::signal::unix::{SignalKind, signal};

/// The longest line the server echoes. A client that sends more without a newline is
/// disconnected, instead of making the server buffer without end.
const MAX_LINE: usize = 64 * 1024;

/// Claims `path`, binds a listener there, prints `listening on PATH`, and serves every
/// client on a thread of its own, for ever. Returns only if it cannot start.
///
/// This is the TCP server you know, with the types renamed:
///
/// - `claim_path(path)?` first: `bind` fails if the file exists, even a stale one.
/// - `UnixListener::bind(path)` (add context: `cannot bind PATH`). It creates the
///   socket file.
/// - `remove_on_interrupt(path)?` (given): Ctrl-C will remove the file.
/// - Print `listening on PATH` (the path as given: `path.display()`).
/// - For each connection of `listener.incoming()`, `thread::spawn` a thread that runs
///   `serve_client(stream, number)` (number the clients 1, 2, 3…). A failed accept is
///   reported on stderr (`error: …`) and the loop goes on.
pub fn serve(path: &Path) -> Result<()> {
    let _ = (path, claim_path, remove_on_interrupt, serve_client);
    todo!("claim the path, bind, print `listening on PATH`, serve each client on a thread")
}

/// Makes sure `path` is free for a new socket, or explains why not.
///
/// Look at what is there with `fs::symlink_metadata(path)` (it does not follow a
/// symbolic link):
///
/// - an error of kind `NotFound`: nothing there, the path is free: `Ok(())`;
/// - not a socket (`metadata.file_type().is_socket()` is false): refuse with
///   `bail!("{} exists and is not a socket", path.display())` — never remove a file
///   that is not yours;
/// - a socket: try `UnixStream::connect(path)`.
///   - It succeeds: a server is alive there. Refuse with
///     `bail!("{} is in use by a running server", …)`; removing its file would leave
///     that server running but unreachable.
///   - It fails with `ErrorKind::ConnectionRefused`: nobody listens, the file was left
///     by a server that crashed or was killed. Say so on stderr and remove it
///     (`fs::remove_file`).
///   - Any other error: return it, with context.
fn claim_path(path: &Path) -> Result<()> {
    let _ = path;
    todo!("decide whether the path is free, stale (remove it), or taken (refuse)")
}

/// Serves one client and reports how it went. Whatever happens to this client (it
/// vanishes, it sends garbage, it floods) ends this thread only, never the server.
fn serve_client(stream: UnixStream, number: u64) {
    eprintln!("client {number} connected");
    match echo_lines(&stream) {
        Ok(()) => eprintln!("client {number} left"),
        Err(err) => eprintln!("error: client {number}: {err:#}"),
    }
}

/// Sends every line back as it came, until the client closes the connection (a read
/// of 0 bytes): then returns `Ok(())`.
///
/// A stream socket is a stream of bytes, exactly like TCP: a line may arrive in several
/// reads, or several lines in one. Wrap the stream in a `BufReader` and read up to
/// each `\n` with `read_until(b'\n', &mut line)` (bytes, not `String`: the client may
/// send bytes that are not UTF-8, and an echo sends them back untouched). Write each
/// line back, `\n` included, with ONE `write_all`. A last line without its `\n` is
/// echoed with one added.
///
/// `&UnixStream` is both `Read` and `Write` (like `&TcpStream`): `BufReader::new(stream)`
/// reads, and `let mut writer = stream;` writes, on the same socket.
///
/// Do not let a client that never sends `\n` make you buffer for ever: read through
/// `.take(MAX_LINE as u64 + 1)` and return an error for a line longer than `MAX_LINE`.
fn echo_lines(stream: &UnixStream) -> Result<()> {
    let _ = (stream, MAX_LINE);
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
            Ok(()) => eprintln!("removed {}", path.display()),
            Err(err) => eprintln!("error: cannot remove {}: {err}", path.display()),
        },
        _ => eprintln!("{} is no longer ours: left alone", path.display()),
    }
}
