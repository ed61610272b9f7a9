//! Full-duplex chat (exercise ch2-8): both people can type at any moment, and each
//! sees the other's lines as soon as they arrive.
//!
//! Half duplex (ch2-7) takes turns because one loop does everything: while it waits
//! for the keyboard it cannot read the socket. Full duplex needs the two directions to
//! run independently. Here that is three concurrent pieces:
//!
//! - a thread that reads the keyboard (stdin is blocking) and hands lines to a channel;
//! - a task that prints every line arriving from the peer;
//! - a loop that waits for *either* a typed line or the peer hanging up
//!   (`tokio::select!`, the async counterpart of the `select()` call).

// Lets the skeleton compile quietly; delete it once the todo!()s are done.
#![allow(unused_variables, dead_code)]

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

mod chat;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A full-duplex chat between a server and one client at a time.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// Which end of the chat to be.
#[derive(Subcommand)]
enum Role {
    /// Wait for a client and chat with it; then wait for the next one.
    Server {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0 lets the system choose one).
        #[arg(long, default_value_t = 9999)]
        port: u16,
    },
    /// Connect to a server and chat with it.
    Client {
        /// The server's host name or address.
        #[arg(long, default_value = "localhost")]
        host: String,
        /// The server's port.
        #[arg(long, default_value_t = 9999)]
        port: u16,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().role {
        Role::Server { host, port } => chat::serve(&host, port).await,
        Role::Client { host, port } => chat::connect(&host, port).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
