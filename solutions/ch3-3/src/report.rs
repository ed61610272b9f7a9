//! The report a fetch prints: what was fetched on which connection, how many
//! connections that took, and how long.

use crate::fetch::Way;
use crate::http::Response;
use crate::url::Url;
use std::io::{self, Write};
use std::time::Duration;

/// One request and its response.
#[derive(Debug)]
pub struct Fetched {
    /// The request target.
    pub target: String,
    /// The response's status.
    pub status: u16,
    /// The body's length in bytes.
    pub bytes: u64,
    /// The connection that carried it (1 for the first the client opened).
    pub connection: usize,
}

impl Fetched {
    /// The record of `response` to `GET target` on connection number `connection`.
    pub fn new(target: &str, response: &Response, connection: usize) -> Fetched {
        Fetched {
            target: target.to_string(),
            status: response.status,
            bytes: response.length,
            connection,
        }
    }
}

/// Everything one fetch of a page did.
#[derive(Debug)]
pub struct Report {
    /// How connections were used.
    pub way: Way,
    /// The page's server, `http://HOST:PORT`.
    pub origin: String,
    /// Every request, in the order sent: the page first.
    pub fetched: Vec<Fetched>,
    /// References the client did not follow (another server or scheme).
    pub elsewhere: Vec<String>,
    /// From the first connection attempt to the last byte of the last response.
    pub elapsed: Duration,
}

impl Report {
    /// An empty report for fetching `page` `way`.
    pub fn new(way: Way, page: &Url) -> Report {
        Report {
            way,
            origin: page.origin(),
            fetched: Vec::new(),
            elsewhere: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    /// How many requests each connection carried, in the order they were opened.
    /// A connection that never got an answer (the server had closed it) is not counted:
    /// the server never saw a request on it either.
    pub fn requests_per_connection(&self) -> Vec<usize> {
        let mut numbers: Vec<usize> = self.fetched.iter().map(|f| f.connection).collect();
        numbers.dedup();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
            .iter()
            .map(|&n| self.fetched.iter().filter(|f| f.connection == n).count())
            .collect()
    }

    // ANCHOR: print
    /// Prints the report:
    ///
    /// ```text
    /// mode: persistent
    /// GET /index.html 200 1530 bytes on connection 1
    /// skip https://cdn.example/x.js (not on http://127.0.0.1:8080)
    /// GET /a.png 200 23117 bytes on connection 1
    /// connections: 1
    /// requests per connection: 2
    /// elapsed: 412 ms = 4.1 RTT of 100 ms
    /// ```
    ///
    /// The last line says `elapsed: 412 ms` alone when no RTT was given.
    pub fn print(&self, out: &mut impl Write, rtt: Option<Duration>) -> io::Result<()> {
        let mode = match self.way {
            Way::NonPersistent => "non-persistent",
            Way::Persistent => "persistent",
        };
        writeln!(out, "mode: {mode}")?;
        let mut fetched = self.fetched.iter();
        if let Some(page) = fetched.next() {
            print_fetched(out, page)?;
        }
        for reference in &self.elsewhere {
            writeln!(out, "skip {reference} (not on {})", self.origin)?;
        }
        for object in fetched {
            print_fetched(out, object)?;
        }
        let counts = self.requests_per_connection();
        let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
        writeln!(out, "connections: {}", counts.len())?;
        writeln!(out, "requests per connection: {}", counts.join(" "))?;
        let ms = self.elapsed.as_millis();
        match rtt {
            Some(rtt) => writeln!(
                out,
                "elapsed: {ms} ms = {:.1} RTT of {} ms",
                self.elapsed.as_secs_f64() / rtt.as_secs_f64(),
                rtt.as_millis()
            ),
            None => writeln!(out, "elapsed: {ms} ms"),
        }
    }
    // ANCHOR_END: print
}

/// `GET /a.png 200 1234 bytes on connection 2`
fn print_fetched(out: &mut impl Write, fetched: &Fetched) -> io::Result<()> {
    writeln!(
        out,
        "GET {} {} {} bytes on connection {}",
        fetched.target, fetched.status, fetched.bytes, fetched.connection
    )
}
