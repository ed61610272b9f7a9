//! # Half-duplex chat (ch2-7): your exercise
//!
//! Two people talk over one TCP connection, one on the server side and one on the
//! client side, and they take turns the way a walkie-talkie does: the client speaks
//! first, then waits for the server's answer; the server waits for the client, then
//! answers. While it is not your turn you cannot send anything, because your program
//! is blocked waiting for the other side's line.
//!
//! That alternation is what "half duplex" means: data flows both ways, but only one
//! way at a time. TCP itself is full duplex; the half-duplex behaviour comes entirely
//! from the shape of the program: one thread, blocking calls, one thing at a time.
//!
//! This file (the command line) is done. Your work, marked `todo!()`:
//! - [`lines::read_peer_line`]: read one message (one line) from the peer;
//! - [`server::serve_client`]: the server's turns with one client;
//! - [`client::chat_as_client`]: the client's turns.
//!
//! Run `cargo xtask check ch2-7` to be graded, `cargo xtask hint ch2-7` for a hint.

// Lets the skeleton compile quietly; delete it once the todo!()s are done.
#![allow(unused_variables, unused_imports, dead_code)]

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

mod client;
mod lines;
mod server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Half-duplex chat over TCP: the client and the server take turns, one line each.
///
/// The client speaks first. Each side must wait for the other's line before it may
/// type the next one. Messages are lines of text (at most 64 KiB).
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// Which end of the conversation to play.
    #[command(subcommand)]
    role: Role,
}

/// The two roles of the chat. Both read what you type on stdin and print the other
/// side's messages on stdout; status lines and errors go to stderr.
#[derive(Subcommand)]
enum Role {
    /// Wait for clients and chat with one at a time (the client speaks first).
    ///
    /// Prints `listening on ADDR`, then for each client `connected: PEER` on stderr.
    /// Each client line is printed as `client: TEXT`; then it is your turn to type one
    /// line, which is sent back. When the client leaves, the server waits for the next
    /// one. End your input (Ctrl-D) on your turn to close the chat and exit.
    Server {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on (0 lets the system choose a free one).
        #[arg(long, default_value_t = 9999)]
        port: u16,
    },
    /// Connect to a server and chat with it (you speak first).
    ///
    /// Type a line, it is sent; then wait for the server's answer, printed as
    /// `server: TEXT`. End your input (Ctrl-D) to leave.
    Client {
        /// Host name or address of the server.
        #[arg(long, default_value = "localhost")]
        host: String,
        /// Port of the server.
        #[arg(long, default_value_t = 9999)]
        port: u16,
    },
}

/// Runs the chosen role and turns any error into one `error: …` line on stderr and a
/// non-zero exit status, instead of a panic and a backtrace.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.role {
        Role::Server { host, port } => server::run(&host, port),
        Role::Client { host, port } => client::run(&host, port),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain of contexts: "cannot connect to …: refused".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
