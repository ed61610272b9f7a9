//! Persistent and non-persistent connections (exercise ch3-3): a client that fetches a
//! web page and every object it references, either with one TCP connection per object
//! (non-persistent HTTP) or with one connection kept open for all of them (persistent
//! HTTP), and reports what each way cost: connections opened, requests carried by
//! each, and the time it took.
//!
//! ```text
//! ch3-3 fetch http://127.0.0.1:8080/index.html --mode both --rtt-ms 100
//! ```

/// Writes one status line on stderr, like `eprintln!`, but never panics: when stderr
/// is closed, `eprintln!` panics, and a client must not die because nobody reads its
/// log. The line is dropped instead.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        // One write for the whole line: stderr is unbuffered, so `writeln!` on it
        // makes a system call for every piece of the format.
        let line = format!("{}\n", format_args!($($arg)*));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

mod fetch;
mod http;
mod page;
mod report;
mod url;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Fetches a web page and the objects it references, over non-persistent or persistent
/// HTTP/1.1 connections, and reports the connections and the time it took.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// What to do.
#[derive(Subcommand)]
enum Role {
    /// Fetch a page, then every object it references on the same host, and report.
    Fetch {
        /// The page's URL: http://HOST[:PORT]/PATH (HOST may be a name, an IPv4
        /// address or a bracketed IPv6 address like [::1]).
        url: String,
        /// One connection per object, one connection for all, or both one after the
        /// other (two reports).
        #[arg(long, value_enum, default_value_t = Mode::Persistent)]
        mode: Mode,
        /// The round-trip time the network (or the test's origin) has, in ms: the
        /// report then also says how many RTTs the fetch took.
        #[arg(long)]
        rtt_ms: Option<u64>,
        /// How long to wait for the server's next bytes before giving up, in ms.
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
    },
}

/// How the client uses connections.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum Mode {
    /// A new connection for each request, closed after its response.
    NonPersistent,
    /// One connection for every request, as long as the server keeps it open.
    Persistent,
    /// Non-persistent first, then persistent.
    Both,
}

/// Writing the report failed: stdout is closed (`ch3-3 fetch URL | true`). Its own
/// type, so the message blames stdout, not the network.
#[derive(Debug)]
struct StdoutClosed(std::io::Error);

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to stdout: {}", self.0)
    }
}

impl std::error::Error for StdoutClosed {}

fn main() -> ExitCode {
    let Role::Fetch {
        url,
        mode,
        rtt_ms,
        timeout_ms,
    } = Cli::parse().role;
    let options = fetch::Options {
        timeout: Duration::from_millis(timeout_ms.max(1)),
        rtt: rtt_ms.filter(|&ms| ms > 0).map(Duration::from_millis),
    };
    match run(&url, mode, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            note!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Fetches the page in the modes asked for and prints a report after each.
fn run(url: &str, mode: Mode, options: &fetch::Options) -> anyhow::Result<()> {
    let page = url::Url::parse(url)?;
    let ways: &[fetch::Way] = match mode {
        Mode::Both => &[fetch::Way::NonPersistent, fetch::Way::Persistent],
        Mode::NonPersistent => &[fetch::Way::NonPersistent],
        Mode::Persistent => &[fetch::Way::Persistent],
    };
    for &way in ways {
        let report = fetch::fetch_page(&page, way, options)?;
        let mut stdout = std::io::stdout().lock();
        report
            .print(&mut stdout, options.rtt)
            .and_then(|()| stdout.flush())
            .map_err(StdoutClosed)?;
    }
    Ok(())
}
