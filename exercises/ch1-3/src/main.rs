//! UDP datagrams keep their boundaries (exercise ch1-3).
//!
//! TCP gives a program a stream of bytes: what one side writes in three calls may be
//! read in one, or in ten. UDP gives it *datagrams*: separate messages, each sent with
//! one call and received, whole, with one call — or never received at all, because UDP
//! promises neither delivery, nor order, nor that a datagram arrives only once.
//!
//! Two roles show it:
//!
//! - `receive` binds a UDP socket and prints the length of every datagram that arrives
//!   (`N bytes from ADDR`), for ever. One datagram is one `recv_from`, so one line.
//! - `send` sends each line of its stdin as one datagram. A datagram has a size limit
//!   (65,507 bytes of payload over IPv4), so a longer line is refused, not split: a
//!   split line would arrive as two messages, or half of one.
//!
//! There is no connection: the receiver never accepts anyone, the sender never
//! connects. Each datagram carries the address it came from, and that is all the
//! receiver knows about its peers.

// Lints silenced while the work is todo!(): remove this line once it is done.
#![allow(unused_variables, dead_code)]

mod receive;
mod send;

use clap::{Parser, Subcommand};
use std::io::{self, Write};
use std::process::ExitCode;

/// Send lines as UDP datagrams, and print the size of each datagram received.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// Which end to be.
#[derive(Subcommand)]
enum Role {
    /// Bind a UDP socket and print `N bytes from ADDR` for every datagram, for ever.
    Receive {
        /// The address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to bind (0 lets the system choose one).
        #[arg(long, default_value_t = 5005)]
        port: u16,
    },
    /// Send each line of stdin (without its line end) as one datagram.
    Send {
        /// The receiver's host name or address.
        #[arg(long, default_value = "localhost")]
        host: String,
        /// The receiver's port.
        #[arg(long, default_value_t = 5005)]
        port: u16,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().role {
        Role::Receive { host, port } => receive::run(&host, port),
        Role::Send { host, port } => send::run(&host, port),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Not eprintln!, which panics when stderr is closed: the status says it all.
            let _ = writeln!(io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
