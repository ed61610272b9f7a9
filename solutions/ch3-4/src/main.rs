//! A caching web proxy (exercise ch3-4): browsers and other clients configured to use
//! it send their requests here instead of to the web site; the proxy keeps a copy of
//! each page it fetches, and the next time anyone asks for that page it asks the origin
//! only "has it changed since?" (a conditional GET). When the answer is `304 Not
//! Modified`, the client gets the stored copy, and the page's bytes never cross the
//! institution's access link again.
//!
//! - `message.rs`: HTTP/1.1 messages as a proxy sees them — heads read under a limit,
//!   bodies framed by length, chunks or the close, hop-by-hop headers.
//! - `cache.rs`: the store, what may go in it, and its limits.
//! - `proxy.rs`: the connections: absolute-form requests through the cache, other
//!   methods passed through, `CONNECT` tunnels, errors answered as HTTP.

/// Writes one status line on stderr, like `eprintln!`, but never panics: when stderr
/// is closed, or is a pipe whose reader has gone, `eprintln!` panics, and a proxy must
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

mod cache;
mod message;
mod proxy;
mod url;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A caching forward proxy for HTTP/1.1.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// What to run.
#[derive(Subcommand)]
enum Role {
    /// Accept clients configured to use this proxy (`curl -x`, a browser's proxy
    /// setting) and fetch what they ask for, through the cache.
    Proxy {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0 lets the system choose one).
        #[arg(long, default_value_t = 3128)]
        port: u16,
        /// The largest response body kept in the cache, in bytes; a larger one is
        /// relayed to the client but not stored.
        #[arg(long, default_value_t = cache::DEFAULT_MAX_OBJECT)]
        max_object: usize,
        /// How many responses the cache keeps; when it is full, storing one more
        /// evicts the one used least recently.
        #[arg(long, default_value_t = cache::DEFAULT_MAX_ENTRIES)]
        max_entries: usize,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().role {
        Role::Proxy {
            host,
            port,
            max_object,
            max_entries,
        } => proxy::serve(&host, port, cache::Cache::new(max_object, max_entries)).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            note!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
