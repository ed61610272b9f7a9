//! The server: one thread per connection, many requests per connection, and one
//! table of visitors that every thread shares.

use crate::cookies::{self, COOKIE_NAME, IdSource};
use crate::http::{Connection, Incoming, Request, Response};
use crate::visitors::{Visit, Visitors};
use anyhow::Context;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the command line chose.
pub struct Config {
    /// The address to listen on.
    pub host: String,
    /// The port to listen on (0: any free one).
    pub port: u16,
    /// How many visitors the table remembers.
    pub max_visitors: usize,
    /// How long a connection may stay silent.
    pub idle_timeout: Duration,
}

/// What every connection's thread shares: the visitors, and where ids come from.
pub struct Site {
    /// The table, behind a mutex: one thread at a time reads or changes it.
    visitors: Mutex<Visitors>,
    /// The random generator for new ids.
    ids: IdSource,
}

// ANCHOR: serve
/// Binds, says where on stdout, and serves each connection on a thread of its own,
/// so that a slow or silent client never keeps the others waiting.
pub fn serve(config: &Config) -> anyhow::Result<()> {
    let ids = IdSource::open().context("cannot open the random generator /dev/urandom")?;
    let site = Arc::new(Site {
        visitors: Mutex::new(Visitors::new(config.max_visitors)),
        ids,
    });
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
    let addr = listener.local_addr()?;
    writeln!(std::io::stdout(), "listening on {addr}").context("cannot write to stdout")?;
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, or a connection gone before we took it:
                // that client's trouble, not the server's. Wait a little and go on.
                note!("accept failed: {error}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let site = Arc::clone(&site);
        let idle = config.idle_timeout;
        std::thread::spawn(move || {
            if let Err(error) = converse(stream, peer, &site, idle) {
                note!("{peer}: connection ended: {error}");
            }
        });
    }
}
// ANCHOR_END: serve

// ANCHOR: converse
/// Answers one connection's requests in turn until the client closes it, says
/// `Connection: close`, stays silent too long, or sends something that is not a
/// request. HTTP/1.1 keeps a connection open between requests: a browser sends the
/// whole page's requests over one.
fn converse(
    stream: TcpStream,
    peer: SocketAddr,
    site: &Site,
    idle: Duration,
) -> std::io::Result<()> {
    let mut connection = Connection::new(stream, idle)?;
    loop {
        let response = match connection.read_request()? {
            Incoming::Request(request) => {
                let response = answer(&request, peer, site);
                if request.wants_close() || request.has_body() {
                    response.closing()
                } else {
                    response
                }
            }
            Incoming::Closed => return Ok(()),
            Incoming::Idle => {
                note!("{peer}: silent for {idle:?}, closing");
                connection.finish();
                return Ok(());
            }
            Incoming::TooLarge => {
                note!("{peer}: request head too large");
                Response::text(
                    431,
                    "Request Header Fields Too Large",
                    "request head too large\n",
                )
                .closing()
            }
            Incoming::Malformed => {
                note!("{peer}: not an HTTP request");
                Response::text(400, "Bad Request", "bad request\n").closing()
            }
        };
        connection.send(&response)?;
        if response.close {
            connection.finish();
            return Ok(());
        }
    }
}
// ANCHOR_END: converse

// ANCHOR: answer
/// The response to one request: `GET /` is the welcome page; any other path is 404,
/// any other method 405. Each request is logged on stderr, with the visitor's
/// number and visit when there is one.
fn answer(request: &Request, peer: SocketAddr, site: &Site) -> Response {
    let what = format!("{peer} {} {}", request.method, request.target);
    if request.path() != "/" {
        note!("{what}: 404");
        return Response::text(404, "Not Found", "not found\n");
    }
    if request.method != "GET" {
        note!("{what}: 405");
        return Response::text(405, "Method Not Allowed", "only GET is allowed\n")
            .with_header("Allow", "GET");
    }
    let offered = cookies::cookie_values(request.header_values("cookie"), COOKIE_NAME);
    let visit = site
        .visitors
        .lock()
        // A thread that panicked while holding the lock leaves the table as it was:
        // every change in `visit` is complete before anything can panic.
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .visit(&offered, || site.ids.new_id());
    match visit {
        Ok(Visit::Returning { number, visits }) => {
            note!("{what}: visitor {number}, visit {visits}");
            Response::text(
                200,
                "OK",
                format!("welcome back, visitor {number}: this is visit {visits}\n"),
            )
        }
        Ok(Visit::First { number, id }) => {
            let why = if offered.is_empty() {
                "no visitor cookie"
            } else {
                "a visitor cookie we did not issue or no longer remember"
            };
            note!("{what}: visitor {number}, visit 1 ({why})");
            Response::text(
                200,
                "OK",
                format!("welcome, visitor {number}: this is your first visit\n"),
            )
            .with_header("Set-Cookie", cookies::set_cookie(&id))
        }
        Err(error) => {
            note!("{what}: 500: cannot make an id: {error}");
            Response::text(500, "Internal Server Error", "cannot make a visitor id\n")
        }
    }
}
// ANCHOR_END: answer
