//! # ch2-5: a command server
//!
//! A tiny text protocol over TCP. The client sends one command per line; the server
//! answers every command with exactly one line, so the client always knows how much to
//! read: one line per line it sent.
//!
//! ```text
//! date          →  Sun Nov 22 03:10:00 2026
//! os            →  linux
//! ls            →  notes.txt<TAB>src/
//! ls src        →  main.rs
//! ls ..         →  error: .. is outside the served directory
//! help          →  error: unknown command "help"; try date, os, ls or ls DIR
//! ```
//!
//! `ls` lists only inside the directory the server was started to serve (`--root`).
//! Joining a client's path onto the root is not enough to keep it there: `..` climbs
//! out and a symbolic link can point anywhere. [`commands::resolve_inside_root`] lets
//! the file system resolve both and then checks where the path really ends up.
//!
//! Every error that ends the program is one line `error: …` on stderr and exit code 1.
//!
//! Your work: the commands in [`commands`] (`handle_command`, `resolve_inside_root`,
//! `list_dir`) and the client in [`client`], the functions whose body is `todo!()`.
//! The command line, the line framing in [`line`] and the server's listening and
//! reading loop in [`server`] are given.

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

mod client;
mod commands;
mod line;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The port of the Python documentation's echo example, this server's ancestor.
const DEFAULT_PORT: u16 = 50007;

/// A command server (date, os, ls, ls DIR) and its client.
///
/// The client sends each line of stdin as a command and prints the server's one-line
/// reply.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Which program to run.
    #[command(subcommand)]
    role: Role,
}

/// The two programs of the exercise.
#[derive(Subcommand)]
enum Role {
    /// Serve commands, one reply line per command line, a thread per connection.
    Server {
        /// Address to listen on (0.0.0.0 or :: to accept other machines).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on (0 lets the system pick a free one).
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
        /// The directory `ls` shows; nothing outside it can be listed.
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
    },
    /// Send each line of stdin as a command and print the reply line.
    Client {
        /// Host name or address of the server.
        #[arg(long, default_value = "localhost")]
        host: String,
        /// Port of the server.
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
    },
}

/// Runs the chosen role and turns any error into one `error: …` line and exit code 1.
fn main() -> ExitCode {
    let result = match Cli::parse().role {
        Role::Server { host, port, root } => server::serve(&host, port, &root),
        Role::Client { host, port } => client::run(&host, port),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
