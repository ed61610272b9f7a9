//! The server side: listen, give every connection a thread, answer each command line
//! with exactly one reply line.

use std::fs;
use std::io::{self, BufReader, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::commands::handle_command;
use crate::line::{Line, read_line, write_line};

/// The longest command line we read. Real commands are short; a longer line is a
/// broken or hostile client, and we stop reading from it.
const MAX_COMMAND: usize = 4096;

/// Runs the server: settles the served root, binds, announces `listening on ADDR` and
/// serves every connection in a thread of its own. Returns only on a startup error.
pub fn serve(host: &str, port: u16, root: &Path) -> Result<()> {
    let root = served_root(root)?;
    let listener = TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    println!("listening on {}", listener.local_addr()?); // stdout flushes at the newline
    note!("serving {}", root.display());
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => spawn_handler(stream, Arc::clone(&root)),
            Err(err) => note!("accept failed: {err}"),
        }
    }
    Ok(())
}

/// The canonical (absolute, symlink-free) form of `--root`, which every `ls` path is
/// compared with. Done once at startup, so that a bad root stops the server at once.
fn served_root(root: &Path) -> Result<Arc<Path>> {
    let canonical =
        fs::canonicalize(root).with_context(|| format!("cannot serve {}", root.display()))?;
    if !canonical.is_dir() {
        bail!("cannot serve {}: not a directory", root.display());
    }
    Ok(canonical.into())
}

/// Starts a thread that serves one connection and reports how it ended on stderr.
fn spawn_handler(stream: TcpStream, root: Arc<Path>) {
    let peer = match stream.peer_addr() {
        Ok(addr) => addr.to_string(),
        Err(_) => "a client".to_string(),
    };
    note!("connected: {peer}");
    let label = peer.clone();
    let spawned = thread::Builder::new().spawn(move || match handle_client(stream, &root) {
        Ok(()) => note!("disconnected: {label}"),
        Err(err) => note!("disconnected: {label}: {err}"),
    });
    if let Err(err) = spawned {
        note!("cannot start a thread for {peer}: {err}");
    }
}

// ANCHOR: handle_client
/// Serves one client: reads command lines until the client closes, and answers every
/// one of them with exactly one line, an error line included. Bytes that are not UTF-8
/// are answered with an error and the connection goes on; a line over
/// [`MAX_COMMAND`] bytes is answered and then the connection is closed, since the rest
/// of that line cannot be told apart from the next command.
fn handle_client(stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let reply = match read_line(&mut reader, MAX_COMMAND)? {
            Line::Closed => return Ok(()),
            Line::TooLong => {
                write_line(&mut writer, "error: command too long")?;
                hang_up(writer);
                return Ok(());
            }
            Line::Text(bytes) => match String::from_utf8(bytes) {
                Ok(command) => handle_command(command.trim(), root),
                Err(_) => "error: commands must be UTF-8 text".to_string(),
            },
        };
        write_line(&mut writer, &reply)?;
    }
}
// ANCHOR_END: handle_client

/// Closes a connection we are giving up on, gently. Closing a socket that still has
/// unread input makes the kernel send a reset (RST), which may destroy our last reply
/// before the peer reads it. So: send our FIN first, then read and discard what the
/// peer still sends, for a second at most, before closing.
fn hang_up(stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = io::copy(&mut (&stream).take(1 << 20), &mut io::sink());
}
