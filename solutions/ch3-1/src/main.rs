//! HTTP messages, parsed and written (exercise ch3-1).
//!
//! `parse` reads ONE HTTP/1.1 message from stdin (a response if it starts with
//! `HTTP/`, else a request) and prints it in a fixed normal form (see `normal.rs`);
//! `request` and `response` write a well-formed message from arguments.
//!
//! Malformed input gets one `error: …` line on stderr and an exit status of its own:
//!
//! | status | meaning |
//! |---|---|
//! | 0 | the message was printed |
//! | 1 | stdin could not be read, or stdout written |
//! | 2 | bad arguments |
//! | 3 | bad start line |
//! | 4 | bad header field |
//! | 5 | obsolete line folding |
//! | 6 | bare LF (a line of the head without its CR) |
//! | 7 | head too large (64 KiB, 100 fields) |
//! | 8 | bad Content-Length |
//! | 9 | conflicting framing (Content-Lengths that differ, or Content-Length and Transfer-Encoding) |
//! | 10 | unsupported transfer coding |
//! | 11 | bad chunked body |
//! | 12 | truncated message |

mod normal;
mod parse;
mod write;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// HTTP/1.1 messages: parse one from stdin into a normal form, or write one.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What to do.
#[derive(Subcommand)]
enum Command {
    /// Read one message from stdin and print its normal form.
    Parse,
    /// Write a request: `request GET /index.html --header "Host: example.com"`.
    Request {
        /// The method (a token: GET, POST…).
        method: String,
        /// The request target (`/index.html`, `http://host/path`…).
        target: String,
        /// A header field, `"Name: value"`; repeat for more.
        #[arg(long = "header")]
        headers: Vec<String>,
        /// The body; a Content-Length is added for it.
        #[arg(long)]
        body: Option<String>,
    },
    /// Write a response: `response 404 --body "not here"`.
    Response {
        /// The status code (100 to 599).
        code: u16,
        /// The reason phrase (default: the usual one for the code).
        #[arg(long)]
        reason: Option<String>,
        /// A header field, `"Name: value"`; repeat for more.
        #[arg(long = "header")]
        headers: Vec<String>,
        /// The body; a Content-Length is added for it.
        #[arg(long)]
        body: Option<String>,
    },
}

/// Why the program stops: the exit status and the rest of the `error:` line.
struct Failure {
    status: u8,
    message: String,
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Parse => parse_stdin(),
        Command::Request {
            method,
            target,
            headers,
            body,
        } => written(write::request(&method, &target, &headers, body.as_deref())),
        Command::Response {
            code,
            reason,
            headers,
            body,
        } => written(write::response(
            code,
            reason.as_deref(),
            &headers,
            body.as_deref(),
        )),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // Never `eprintln!`: with stderr closed it would panic.
            let _ = writeln!(std::io::stderr(), "error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

// ANCHOR: parse_stdin
/// `parse`: one message from stdin, its normal form on stdout. The normal form is
/// built in memory first, so a malformed message prints nothing on stdout.
fn parse_stdin() -> Result<(), Failure> {
    let mut stdin = std::io::stdin().lock();
    let message = parse::read_message(&mut stdin).map_err(|malformed| Failure {
        status: malformed.exit_code(),
        message: malformed.to_string(),
    })?;
    let mut text = Vec::new();
    normal::write_normal(&message, &mut text).map_err(cannot_write)?;
    print(&text)
}
// ANCHOR_END: parse_stdin

/// `request`/`response`: the message, or a usage error (status 2).
fn written(message: Result<Vec<u8>, String>) -> Result<(), Failure> {
    let message = message.map_err(|message| Failure { status: 2, message })?;
    print(&message)
}

/// Writes `bytes` to stdout in full; a closed stdout is an error, not a panic.
fn print(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(cannot_write)
}

/// The failure for a write to stdout that failed.
fn cannot_write(error: std::io::Error) -> Failure {
    Failure {
        status: 1,
        message: format!("cannot write to stdout: {error}"),
    }
}
