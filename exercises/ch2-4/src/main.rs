//! # ch2-4: timestamp servers and clients
//!
//! The classic first network programs: a server that stamps every message it receives
//! with the current time and sends it back (`[Sun Nov 22 03:10:00 2026] hello`), and a
//! client that sends what you type and prints the reply. There are two pairs, one over
//! TCP ([`tcp`]: a connection carrying a byte stream, which we cut into lines) and one
//! over UDP ([`udp`]: no connection, one datagram per message).
//!
//! The lesson of the exercise is in the command line. The textbook clients had the
//! server's name written into the code; the classic fix asks for host and port with
//! prompts. A network tool takes them as options instead, and each option falls back to
//! its own default, so you may give both, either one, or neither:
//!
//! ```text
//! ch2-4 tcp-client                         # localhost:21567
//! ch2-4 tcp-client --port 9000             # localhost:9000
//! ch2-4 tcp-client --host example.org      # example.org:21567
//! ```
//!
//! Every error ends the program with one line `error: …` on stderr and exit code 1.
//!
//! Your work is in [`tcp`] and [`udp`]: the functions whose body is `todo!()`. The
//! command line below (with its defaults), the time format in [`timestamp`] and the
//! listening part of the servers are given.

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

mod tcp;
mod timestamp;
mod udp;

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// The port of the textbook's timestamp servers, the default of every role.
const DEFAULT_PORT: u16 = 21567;

/// Timestamp servers and clients over TCP and UDP.
///
/// A server replies to every message with `[<ctime>] <message>`; a client sends each
/// line you type and prints the reply. An empty line or end of input ends a client.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Which program to run.
    #[command(subcommand)]
    role: Role,
}

/// The four programs of the exercise, one subcommand each.
#[derive(Subcommand)]
enum Role {
    /// TCP timestamp server: a thread per connection, one reply line per line received.
    TcpServer(ListenArgs),
    /// UDP timestamp server: one reply datagram per datagram received.
    UdpServer(ListenArgs),
    /// TCP client: sends each line of stdin, prints the server's reply line.
    TcpClient(ServerArgs),
    /// UDP client: sends each line of stdin as a datagram, prints the reply datagram.
    UdpClient {
        /// Where the server is.
        #[command(flatten)]
        server: ServerArgs,
        /// Seconds to wait for each reply before giving up (a datagram can be lost).
        #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_timeout)]
        timeout: Duration,
    },
}

/// Where a server listens. Each option has its own default.
#[derive(Args)]
struct ListenArgs {
    /// Address to listen on (0.0.0.0 or :: to accept other machines).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 lets the system pick a free one).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
}

/// Where a client finds its server. Each option has its own default, so a missing
/// `--host` does not make `--port` mandatory, nor the other way round.
#[derive(Args)]
struct ServerArgs {
    /// Host name or address of the server.
    #[arg(long, default_value = "localhost")]
    host: String,
    /// Port of the server.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
}

/// Parses `--timeout`: a positive number of seconds, fractions allowed (`0.5`).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err("the timeout must be more than 0 seconds".into());
    }
    Duration::try_from_secs_f64(seconds).map_err(|err| err.to_string())
}

/// Tells the world (and the tests) where a server listens: `listening on ADDR` as the
/// first line of stdout, flushed at once so that whoever waits for it sees it now.
fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {addr}")?;
    stdout.flush()
}

/// Runs the chosen role and turns any error into one `error: …` line and exit code 1.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.role {
        Role::TcpServer(args) => tcp::serve(&args.host, args.port),
        Role::UdpServer(args) => udp::serve(&args.host, args.port),
        Role::TcpClient(args) => tcp::run_client(&args.host, args.port),
        Role::UdpClient { server, timeout } => udp::run_client(&server.host, server.port, timeout),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole chain: "cannot connect to HOST:PORT: Connection refused".
            // note!, not eprintln!: with stderr closed, the exit status must still be 1.
            note!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
