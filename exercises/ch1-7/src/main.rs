//! The echo server over a Unix domain socket (exercise ch1-7).
//!
//! A Unix domain socket (family `AF_UNIX`) connects two programs on the same machine.
//! It is addressed by a path in the file system instead of an IP address and a port,
//! and the file's permissions decide who may connect. Everything else is what TCP
//! programs already do: `UnixListener` and `UnixStream` have the same methods as
//! `TcpListener` and `TcpStream` (bind, incoming, connect, read, write, shutdown), so
//! the echo server below is the TCP echo server with its types renamed.
//!
//! What is new is the file. `bind` creates it, and nothing removes it when the server
//! stops: a crashed server leaves a *stale* socket file, and the next `bind` to that
//! path fails with "address in use". So before binding, the server finds out whether
//! a server still answers there (then the path is taken), or not (then the file is
//! stale and may be removed).

// Lints silenced while the work is todo!(): remove this line once it is done.
#![allow(unused_variables, dead_code)]

mod client;
mod server;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// An echo server and its client, over a Unix domain socket.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// Which end to be.
#[derive(Subcommand)]
enum Role {
    /// Listen on a Unix socket and echo every line of every client, each on its own
    /// thread. Removes a stale socket file left by a crashed server; refuses a path a
    /// running server uses, or that is not a socket. Ctrl-C removes the socket file.
    Server {
        /// The path of the socket file to create (e.g. /tmp/echo.sock).
        #[arg(long)]
        socket: PathBuf,
    },
    /// Send each line of stdin to the server and print each reply.
    Client {
        /// The path of the server's socket file.
        #[arg(long)]
        socket: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().role {
        Role::Server { socket } => server::serve(&socket),
        Role::Client { socket } => client::run(&socket),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
