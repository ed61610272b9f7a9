//! An HTTP file server (exercise ch3-2).
//!
//! A web server's whole job is a dialogue on a TCP connection: the client sends a
//! request head (a request line, header lines, a blank line), the server answers with
//! a status line, header lines, a blank line and the object, and then, unless one side
//! said `Connection: close`, the same connection carries the next request.
//!
//! The modules follow one request through the server:
//!
//! - [`server`]: listen, give every connection a thread of its own, and loop over the
//!   requests of one connection (keep-alive, timeouts, closing politely);
//! - [`request`]: read one request head within a size limit and a deadline, parse it
//!   with `httparse`, and read a body by its `Content-Length`;
//! - [`routes`]: decide the answer: `/echo/…`, `/user-agent`, `/files/…` uploads, or a
//!   file under the root;
//! - [`files`]: turn a request path into a file that is certainly inside the root, and
//!   answer it with `Last-Modified`, conditional GET and a `Content-Type`;
//! - [`response`]: the response itself: status line, headers, `Content-Length`, gzip.
//!
//! Your work is in the `todo!()`s of those modules; each one's doc comment states its
//! contract. A good order: `response::write_to` and `files::content_type` (a first
//! page reaches curl), `request::Connection::parse_pending` and `read_request`,
//! `server::serve_connection` and `Request::wants_keep_alive`, `routes::respond`,
//! `files::segments` and `resolve` (the path safety), `serve_file` and `not_modified`,
//! then `accepts_gzip`, `compress`, `read_body` and `store_upload`. Run
//! `cargo xtask check ch3-2` after each: the cases say what is still missing.

// Lets the skeleton compile quietly; delete it once the todo!()s are done.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

/// Writes one status line on stderr, like `eprintln!`, but never panics: when stderr
/// is closed, or is a pipe whose reader has gone, `eprintln!` panics, and a server must
/// not die because nobody reads its log. The line is dropped instead.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        // One write for the whole line: stderr is unbuffered, so `writeln!` on it
        // makes a system call for every piece of the format.
        let line = format!("{}\n", format_args!($($arg)*));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

mod files;
mod request;
mod response;
mod routes;
mod server;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// An HTTP/1.1 file server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// The program's roles.
#[derive(Subcommand)]
enum Role {
    /// Serve the files under a folder over HTTP/1.1, to many clients at once.
    Server {
        /// The folder whose files are served: `/a/b.txt` is ROOT/a/b.txt.
        #[arg(long)]
        root: PathBuf,
        /// The folder `POST /files/NAME` writes into and `GET /files/NAME` reads from
        /// (created if missing). Without it, uploads are off.
        #[arg(long)]
        uploads: Option<PathBuf>,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0 lets the system choose one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Seconds a connection may stay silent between requests, or take to send one
        /// request head, before it is closed (a decimal number, e.g. 0.5).
        #[arg(long, default_value = "10", value_parser = parse_seconds)]
        idle_timeout: Duration,
    },
}

/// Reads a number of seconds: positive and finite.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    match Duration::try_from_secs_f64(seconds) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!(
            "the timeout must be more than 0 seconds, not {text}"
        )),
    }
}

/// Runs the server; an error becomes one `error: …` line on stderr and exit status 1
/// (clap itself exits with 2 on a bad command line).
fn main() -> ExitCode {
    let Role::Server {
        root,
        uploads,
        host,
        port,
        idle_timeout,
    } = Cli::parse().role;
    let result = server::Config::new(&root, uploads.as_deref(), idle_timeout)
        .and_then(|config| server::serve(&host, port, config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            note!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
