//! Fetching a page and its objects, the two ways HTTP can use TCP connections.
//!
//! - **Non-persistent**: every request gets a connection of its own, closed after its
//!   response. Each object costs a TCP handshake (1 RTT) plus the request and response
//!   (1 RTT): 2 RTTs and its transmission time.
//! - **Persistent**: one connection carries every request, one after the other. The
//!   handshake is paid once; each object then costs 1 RTT.

use crate::http::{Body, Connection, ExchangeError, Response};
use crate::page;
use crate::report::{Fetched, Report};
use crate::url::Url;
use std::time::{Duration, Instant};

/// How the client uses connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// One connection per request.
    NonPersistent,
    /// One connection for all requests, reopened only if the server closes it.
    Persistent,
}

/// Settings of a fetch.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long to wait for the server's next bytes.
    pub timeout: Duration,
    /// The RTT to express the elapsed time in, if the user gave one.
    pub rtt: Option<Duration>,
}

/// Something that performs GETs on a server and says which connection carried each.
trait Fetcher {
    /// GETs `target` and returns the response and the number of the connection that
    /// carried it.
    fn get(&mut self, target: &str, body: Body) -> anyhow::Result<(Response, usize)>;
}

/// Fetches `page`, then every object it references on the same server, `way`, and
/// reports what it took. The objects are fetched only when the page came with a 2xx
/// status (an error page's images are not the page's). An object's 404 is reported and
/// the fetch goes on; a network failure ends it with an error naming the request.
pub fn fetch_page(page: &Url, way: Way, options: &Options) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut fetcher: Box<dyn Fetcher> = match way {
        Way::NonPersistent => Box::new(NonPersistent::new(page, options.timeout)),
        Way::Persistent => Box::new(Persistent::new(page, options.timeout)),
    };
    let mut report = Report::new(way, page);
    let (response, connection) = fetcher.get(&page.target, Body::Keep)?;
    report
        .fetched
        .push(Fetched::new(&page.target, &response, connection));
    if (200..300).contains(&response.status) {
        let objects = page::objects(page, &String::from_utf8_lossy(&response.body));
        report.elsewhere = objects.elsewhere;
        for target in objects.here {
            let (response, connection) = fetcher.get(&target, Body::Count)?;
            report
                .fetched
                .push(Fetched::new(&target, &response, connection));
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The server the requests go to, and the numbering of the connections opened to it.
struct Server {
    host: String,
    port: u16,
    authority: String,
    timeout: Duration,
    opened: usize,
}

impl Server {
    fn new(page: &Url, timeout: Duration) -> Server {
        Server {
            host: page.host.clone(),
            port: page.port,
            authority: page.authority.clone(),
            timeout,
            opened: 0,
        }
    }

    /// Opens the next connection: number 1, then 2, …
    fn open(&mut self) -> anyhow::Result<Connection> {
        let connection = Connection::open(&self.host, self.port, self.opened + 1, self.timeout)?;
        self.opened += 1;
        Ok(connection)
    }
}

/// Non-persistent HTTP: a fresh connection for every request.
struct NonPersistent {
    server: Server,
}

impl NonPersistent {
    fn new(page: &Url, timeout: Duration) -> NonPersistent {
        NonPersistent {
            server: Server::new(page, timeout),
        }
    }
}

impl Fetcher for NonPersistent {
    /// Opens a connection (`self.server.open()`: it numbers them 1, 2, …), sends the one
    /// request it will carry with `Connection: close` (so the server closes it after
    /// answering, as non-persistent HTTP does), reads the response, and drops the
    /// connection (closing the client's side too). Returns the response and the
    /// connection's number.
    ///
    /// An error from [`Connection::get`] becomes an `anyhow::Error` (`From` is
    /// implemented) with the context `GET TARGET failed`, so the user learns which
    /// request went wrong.
    fn get(&mut self, target: &str, body: Body) -> anyhow::Result<(Response, usize)> {
        todo!("GET target on a connection of its own (see the doc comment)")
    }
}

/// Persistent HTTP: one connection, kept open between requests.
struct Persistent {
    server: Server,
    /// The open connection, if any: none before the first request, and none after the
    /// server said it would close.
    current: Option<Connection>,
}

impl Persistent {
    fn new(page: &Url, timeout: Duration) -> Persistent {
        Persistent {
            server: Server::new(page, timeout),
            current: None,
        }
    }
}

impl Fetcher for Persistent {
    /// Sends the request on the open connection if there is one, else opens one. Keeps
    /// the connection for the next request unless the response says it closes.
    ///
    /// A server may close a kept-alive connection whenever it likes (it was idle too
    /// long, or served its quota of requests), and the client only learns it when its
    /// next request gets no answer. So if a *reused* connection gives no response at
    /// all, the GET (idempotent: repeating it changes nothing) is retried once, on a new
    /// connection. A fresh connection that gives no response is an error.
    ///
    /// - `self.current` is the open connection (take() it; put it back to keep it).
    /// - Send with `Connection::get(…, close = false, …)`: no `Connection: close`.
    /// - `Response::closes` says the server will close after this response: then do not
    ///   keep the connection.
    /// - `ExchangeError::NoResponse` on a reused connection means "closed by the server
    ///   while idle": say so on stderr with `note!` (never `eprintln!`), open a new
    ///   connection and send the GET again, once. Any other error (or `NoResponse` on a
    ///   fresh connection) ends the fetch with the context `GET TARGET failed`.
    fn get(&mut self, target: &str, body: Body) -> anyhow::Result<(Response, usize)> {
        todo!(
            "GET target on the kept-alive connection, reconnecting when the server closed it (see the doc comment)"
        )
    }
}
