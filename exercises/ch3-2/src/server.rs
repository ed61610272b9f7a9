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

/// Serves the requests of one connection, one after the other. The contract:
///
/// - Set nodelay, and a write timeout of the idle timeout (a safety net: a write that
///   makes no progress at all for that long fails).
/// - Loop: read a request head with [`Connection::read_request`] and the idle timeout.
///   `Gone`, `TimedOut` or `Cut`: just return (the connection closes when dropped). Any
///   other error: [`refuse`] it (400, 431 or 505, then close) and return.
/// - Answer with [`routes::respond`]; its error means the connection broke mid-request:
///   return without answering.
/// - Close after this response when the answer `must_close` or the client does not want
///   keep-alive ([`crate::request::Request::wants_keep_alive`]).
/// - Log one line per request on stderr with `note!`: `METHOD TARGET STATUS` (never
///   `eprintln!`, which panics when stderr is closed).
/// - Write the response ([`crate::response::Response::write_to`]): no body for a HEAD;
///   `Connection: close` when closing; `Connection: keep-alive` for an HTTP/1.0 client
///   whose connection stays open. A write error ends the connection.
/// - When closing: [`Connection::close_politely`] and return; else loop for the next
///   request on the same connection.
fn serve_connection(stream: TcpStream, config: &Config) {
    todo!("the request loop of one connection: read, respond, log, write, keep alive or close")
}

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
