//! An authoritative DNS server (exercise ch3-11).
//!
//! A zone's owner writes its records in a master file; the authoritative server reads
//! that file and answers, for every name at or under the zone's apex, exactly what the
//! file says — with the AA flag that makes the answer final — and says "not mine"
//! (REFUSED) for anything else, unless it was told where to forward such questions.
//!
//! The modules follow one question through the server:
//!
//! - [`server`]: one UDP socket and one TCP listener on the same port; datagrams
//!   answered in turn, each TCP connection on a thread of its own;
//! - [`message`]: the bytes of a query, read by hickory-proto (or refused with FORMERR,
//!   NOTIMP or silence), and a reply encoded within the size the transport allows;
//! - [`authority`]: the authoritative algorithm of RFC 1034 §4.3.2: answer, CNAME,
//!   referral, NODATA or NXDOMAIN;
//! - [`zone`]: the master file read into records, or an `error: FILE:LINE: …`;
//! - [`forward`]: a question outside the zone relayed to `--resolver`.

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

mod authority;
mod forward;
mod message;
mod server;
mod zone;

use clap::{Parser, Subcommand};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;

/// An authoritative DNS server for one zone.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// The program's roles.
#[derive(Subcommand)]
enum Role {
    /// Answer questions about one zone over UDP and TCP on the same port.
    Server {
        /// The zone's master file (RFC 1035 §5: $ORIGIN, $TTL, SOA, NS, A, AAAA,
        /// CNAME, MX, TXT).
        #[arg(long)]
        zone: PathBuf,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on, for UDP and TCP (0 lets the system choose one).
        #[arg(long, default_value_t = 53)]
        port: u16,
        /// A resolver (ADDR:PORT) to forward questions outside the zone to, over UDP;
        /// without it they are REFUSED.
        #[arg(long, value_parser = parse_resolver)]
        resolver: Option<SocketAddr>,
    },
}

/// Reads `--resolver`: an address and a port, such as 127.0.0.1:5353.
fn parse_resolver(text: &str) -> Result<SocketAddr, String> {
    text.to_socket_addrs()
        .map_err(|e| format!("{text:?} is not an ADDR:PORT: {e}"))?
        .next()
        .ok_or_else(|| format!("{text:?} names no address"))
}

/// A bad zone file stops the server with status 2 before it listens; any other error
/// is status 1 (clap itself exits with 2 on a bad command line).
fn main() -> ExitCode {
    let Role::Server {
        zone,
        host,
        port,
        resolver,
    } = Cli::parse().role;
    let zone = match zone::load(&zone) {
        Ok(zone) => zone,
        Err(error) => {
            note!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let config = server::Config { zone, resolver };
    match server::serve(&host, port, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            note!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
