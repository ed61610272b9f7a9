//! Listening, a thread per connection, and the loop over one connection's requests.

use crate::request::{Connection, HeadError};
use crate::response::Response;
use crate::routes;
use anyhow::Context;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What every connection needs to know, shared by all of them.
pub struct Config {
    /// The served folder, canonical (every symbolic link resolved), so that "inside
    /// the root" is a plain prefix test on canonical paths.
    pub root: PathBuf,
    /// The uploads folder, canonical; `None`: uploads are off.
    pub uploads: Option<PathBuf>,
    /// How long a connection may take to send a request head, counted from the end of
    /// the previous response (or the connection's start).
    pub idle_timeout: Duration,
}

impl Config {
    /// Checks the folders exist (creating the uploads folder) and canonicalizes them.
    pub fn new(
        root: &Path,
        uploads: Option<&Path>,
        idle_timeout: Duration,
    ) -> anyhow::Result<Config> {
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot serve {}", root.display()))?;
        anyhow::ensure!(
            root.is_dir(),
            "cannot serve {}: not a folder",
            root.display()
        );
        let uploads = match uploads {
            Some(folder) => {
                std::fs::create_dir_all(folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
                Some(folder.canonicalize()?)
            }
            None => None,
        };
        Ok(Config {
            root,
            uploads,
            idle_timeout,
        })
    }
}

// ANCHOR: serve
/// Listens on `host:port` and serves every connection on a thread of its own: a slow
/// or silent client holds up its own thread and nobody else.
pub fn serve(host: &str, port: u16, config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    writeln!(std::io::stdout(), "listening on {}", listener.local_addr()?)
        .context("cannot write to stdout")?;
    let config = Arc::new(config);
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let config = Arc::clone(&config);
                std::thread::spawn(move || serve_connection(stream, &config));
            }
            // A connection that failed before we accepted it (reset in the backlog),
            // or no file descriptor left for a moment: not a reason to stop serving.
            Err(error) => note!("accept failed: {error}"),
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: serve_connection
/// Serves the requests of one connection, one after the other, until the client
/// closes it, asks to close it, goes quiet for the idle timeout, or sends something
/// that is not a request we can answer and keep our footing.
fn serve_connection(stream: TcpStream, config: &Config) {
    // Responses are written whole, in one or two writes: Nagle's algorithm would only
    // hold back their last packet.
    let _ = stream.set_nodelay(true);
    // A safety net, like nginx's send_timeout: a write that makes no progress at all
    // for this long (a client that reads nothing, once the socket buffers are full)
    // fails and ends the connection.
    let _ = stream.set_write_timeout(Some(config.idle_timeout));
    let mut connection = Connection::new(stream);
    loop {
        let request = match connection.read_request(config.idle_timeout) {
            Ok(request) => request,
            Err(HeadError::Gone | HeadError::TimedOut | HeadError::Cut) => return,
            Err(error) => return refuse(connection, error),
        };
        let answer = match routes::respond(&request, &mut connection, config) {
            Ok(answer) => answer,
            Err(error) => {
                note!("{} {} broken: {error}", request.method, request.target);
                return;
            }
        };
        let close = answer.must_close || !request.wants_keep_alive();
        let status = answer.response.status;
        note!("{} {} {status}", request.method, request.target);
        let head_only = request.method == "HEAD";
        let keep_alive_header = request.minor_version == 0 && !close;
        if answer
            .response
            .write_to(connection.stream(), head_only, close, keep_alive_header)
            .is_err()
        {
            return;
        }
        if close {
            return connection.close_politely();
        }
    }
}
// ANCHOR_END: serve_connection

/// Answers a head that could not be read as a request (400, 431, 505), then closes:
/// after a broken head there is no telling where a next request would begin.
fn refuse(mut connection: Connection, error: HeadError) {
    let status = match error {
        HeadError::TooLarge => 431,
        HeadError::Version => 505,
        _ => 400,
    };
    note!("(unreadable request) {status}");
    let response = Response::error(status);
    if response
        .write_to(connection.stream(), false, true, false)
        .is_ok()
    {
        connection.close_politely();
    }
}
