//! An iterative resolver with a cache (exercise ch3-10).
//!
//! A stub resolver (the one in every laptop) asks one question and expects the whole
//! answer: it sets RD, "recursion desired". This program is the server that does the
//! work for it. It never knows the answer at first; it asks a root server, which refers
//! it to a top-level domain's servers, which refer it to the zone's own servers, which
//! answer. Each of those questions is *iterative* (RD clear): a server answers what it
//! knows and points further down. The cache is what makes it cheap: everything learnt
//! on the way (the referrals, the addresses of name servers, the answers, even "no such
//! name") is kept for as long as its TTL says, so the next question usually costs
//! nothing upstream.
//!
//! The modules follow one question:
//!
//! - [`server`]: the UDP socket clients ask on; each question on a thread of its own;
//! - [`resolver`]: the algorithm of RFC 1034 §5.3.3: cache first, then the closest known
//!   zone cut, referrals followed down, CNAMEs followed across, with limits on all of it;
//! - [`upstream`]: one question to one authoritative server: a fresh random id, replies
//!   checked for id and source, TCP when the UDP answer is truncated;
//! - [`cache`]: record sets and negative answers kept by their TTL, counted down, bounded.
//!
//! The DNS wire format (ch3-9's work) is hickory-proto's here.
//!
//! `main.rs` and `server.rs` are given. Your work is in the `todo!()`s of `cache`,
//! `upstream` and `resolver`; each one's doc comment states its contract. A good
//! order: `upstream::ask`, `ask_udp` and `answers` (one server asked and believed only
//! when it should be), then `resolver::look_up`, `ask_any`, `learn` (a first name
//! resolved from the root), `closest_servers`, `server_addresses` and
//! `resolve_at_depth` (glueless servers, CNAMEs), then the `cache` (`put_records`,
//! `get`, `put_negative`, `put`) and `cached_step`. Run `cargo xtask check ch3-10`
//! after each: the cases say what is still missing.

// Lets the skeleton compile quietly; delete it once the todo!()s are done.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

/// Writes one status line on stderr, like `eprintln!`, but never panics: when stderr
/// is closed, `eprintln!` panics, and a server must not die because nobody reads its
/// log. The line is dropped instead.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        // One write for the whole line: stderr is unbuffered.
        let line = format!("{}\n", format_args!($($arg)*));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

mod cache;
mod resolver;
mod server;
mod upstream;

use clap::{Parser, Subcommand};
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

/// An iterative DNS resolver with a cache.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// The program's roles.
#[derive(Subcommand)]
enum Role {
    /// Answer clients' recursive questions over UDP by asking authoritative servers.
    Server {
        /// A root server's address (repeat for several); resolution starts there
        /// when the cache knows no closer zone.
        #[arg(long = "root", required = true)]
        roots: Vec<IpAddr>,
        /// The port every authoritative server is asked on.
        #[arg(long, default_value_t = 53)]
        upstream_port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0 lets the system choose one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// How long to wait for one authoritative server before trying the next.
        #[arg(long, default_value_t = 800)]
        timeout_ms: u64,
        /// The most record sets (and negative answers) the cache holds; when full, the
        /// entry that would expire soonest is evicted.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
        max_entries: u64,
    },
}

/// Runs the server; an error becomes one `error: …` line on stderr and exit status 1
/// (clap itself exits with 2 on a bad command line).
fn main() -> ExitCode {
    let Role::Server {
        roots,
        upstream_port,
        host,
        port,
        timeout_ms,
        max_entries,
    } = Cli::parse().role;
    let config = resolver::Config {
        roots,
        upstream_port,
        timeout: Duration::from_millis(timeout_ms),
        max_entries: usize::try_from(max_entries).unwrap_or(usize::MAX),
    };
    match server::serve(&host, port, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            note!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
