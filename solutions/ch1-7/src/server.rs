//! The echo server: claim the path, bind, and echo each client's lines on a thread of
//! its own.

use anyhow::{Context, Result, bail};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::thread;
use tokio::signal::unix::{SignalKind, signal};

/// The longest line the server echoes. A client that sends more without a newline is
/// disconnected, instead of making the server buffer without end.
const MAX_LINE: usize = 64 * 1024;

// ANCHOR: serve
/// Claims `path`, binds a listener there, prints `listening on PATH`, and serves every
/// client on a thread of its own, for ever. Returns only if it cannot start.
pub fn serve(path: &Path) -> Result<()> {
    claim_path(path)?;
    let listener =
        UnixListener::bind(path).with_context(|| format!("cannot bind {}", path.display()))?;
    remove_on_interrupt(path)?;
    writeln!(io::stdout(), "listening on {}", path.display())?;
    for (number, connection) in (1..).zip(listener.incoming()) {
        match connection {
            Ok(stream) => {
                thread::spawn(move || serve_client(stream, number));
            }
            // A failed accept concerns one client that tried to connect: go on.
            Err(err) => report(format_args!("error: accept failed: {err}")),
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: claim_path
/// Makes sure `path` is free for a new socket.
///
/// - nothing there: free;
/// - a socket nobody answers on (connecting is refused): a stale file left by a server
///   that crashed or was killed; it is removed;
/// - a socket a server answers on: taken, and never stolen — removing it would leave
///   that server running but unreachable;
/// - anything else (a regular file, a folder, a symbolic link): not ours to remove.
fn claim_path(path: &Path) -> Result<()> {
    let shown = path.display();
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err).with_context(|| format!("cannot check {shown}")),
    };
    if !metadata.file_type().is_socket() {
        bail!("{shown} exists and is not a socket");
    }
    match UnixStream::connect(path) {
        Ok(_) => bail!("{shown} is in use by a running server"),
        Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
            report(format_args!(
                "removing the stale socket file {shown} (no server answers there)"
            ));
            fs::remove_file(path).with_context(|| format!("cannot remove {shown}"))
        }
        Err(err) => Err(err).with_context(|| format!("cannot check whether a server uses {shown}")),
    }
}
// ANCHOR_END: claim_path

/// Serves one client and reports how it went. Whatever happens to this client (it
/// vanishes, it sends garbage, it floods) ends this thread only, never the server.
fn serve_client(stream: UnixStream, number: u64) {
    report(format_args!("client {number} connected"));
    match echo_lines(&stream) {
        Ok(()) => report(format_args!("client {number} left")),
        Err(err) => report(format_args!("error: client {number}: {err:#}")),
    }
}

// ANCHOR: echo_lines
/// Sends every line back as it came, until the client closes the connection.
///
/// A stream socket is a stream of bytes, exactly like TCP: a line may arrive in several
/// reads, or several lines in one. A `BufReader` collects bytes up to each `\n`. The
/// bytes are echoed untouched (they need not be UTF-8); a last line without its `\n`
/// is echoed with one.
fn echo_lines(stream: &UnixStream) -> Result<()> {
    // `&UnixStream` reads and writes, like `&TcpStream`: one socket, two directions.
    let mut reader = BufReader::new(stream);
    let mut writer = stream;
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = MAX_LINE as u64 + 1;
        if (&mut reader).take(limit).read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") {
            if line.len() > MAX_LINE {
                bail!("sent a line longer than {MAX_LINE} bytes: disconnected");
            }
            line.push(b'\n');
        }
        // The whole line in one write, so it leaves in one piece.
        writer.write_all(&line)?;
    }
}
// ANCHOR_END: echo_lines

// ANCHOR: remove_on_interrupt
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
// ANCHOR_END: remove_on_interrupt

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
