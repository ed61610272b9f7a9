//! Visitors remembered by cookies (exercise ch3-5): a web server that recognises a
//! returning visitor and counts their visits.
//!
//! HTTP forgets: each request stands alone, and nothing in it says "I was here
//! before". A cookie gives the conversation a memory in four parts:
//!
//! - a `Set-Cookie` header in a response, which hands the browser a visitor id;
//! - a `Cookie` header in every later request, which hands it back;
//! - the browser's cookie jar, which keeps the id between visits;
//! - the site's own table of visitors (here a map behind a mutex), where the id leads.
//!
//! The parts: [`http`] reads requests and writes responses (given: chapter 3's first
//! exercise taught parsing, so `httparse` does it here), [`cookies`] reads the `Cookie`
//! header and makes ids nobody can guess, [`visitors`] is the site's table, and
//! [`server`] ties them together, one thread per connection.
//!
//! Your work is marked `todo!()` in three files: `cookies.rs` (read the Cookie
//! header, write Set-Cookie, make ids), `visitors.rs` (count a visit, forget the
//! visitor seen least recently) and `server.rs` (the accept loop, a connection's
//! requests, the answer to one). `http.rs` and this file are given: read them first.

// Lets the skeleton compile quietly; delete it once the todo!()s are done.
#![allow(unused_variables, dead_code, unused_imports)]

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

mod cookies;
mod http;
mod server;
mod visitors;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::time::Duration;

/// A web server that remembers its visitors with a cookie and counts their visits.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// The program's roles (a server only: the browser, curl or ureq is the client).
#[derive(Subcommand)]
enum Role {
    /// Serve `GET /`: a welcome for a first visit, a visit count for a returning one.
    Server {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0 lets the system choose one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// How many visitors the server remembers; beyond that, the one seen least
        /// recently is forgotten (their cookie then earns a fresh welcome).
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
        max_visitors: u64,
        /// Seconds a connection may stay silent before the server closes it.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        idle_timeout: u64,
    },
}

fn main() -> ExitCode {
    let Role::Server {
        host,
        port,
        max_visitors,
        idle_timeout,
    } = Cli::parse().role;
    let config = server::Config {
        host,
        port,
        max_visitors: usize::try_from(max_visitors).unwrap_or(usize::MAX),
        idle_timeout: Duration::from_secs(idle_timeout),
    };
    match server::serve(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            note!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
