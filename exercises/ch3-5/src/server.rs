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

/// Serves until the program is stopped.
///
/// - Open the [`IdSource`] and make one [`Site`] (a table of `config.max_visitors`),
///   shared by every connection's thread: `Arc<Site>`. A table made per connection
///   or per thread forgets a visitor who comes back on another connection.
/// - Bind `(host, port)` as given (`::1` included), then write
///   `listening on ADDR` (the bound address) as the first line of stdout with
///   `writeln!`, not `println!`: when stdout is closed, return the error with the
///   context `cannot write to stdout`, so the program exits with `error: …` and 1.
/// - Accept for ever. Serve each connection with [`converse`] on a thread of its own:
///   HTTP/1.1 keeps connections open, and a client that says nothing must not keep the
///   others waiting. When `converse` fails, log it with `note!` and go on; an
///   `accept` error is not the server's end either (note it, wait a little, go on).
pub fn serve(config: &Config) -> anyhow::Result<()> {
    todo!("bind, say where, then serve every connection on a thread of its own")
}

/// Answers one connection's requests in turn (HTTP/1.1 keep-alive), until:
///
/// - [`Incoming::Closed`]: the client closed it: return.
/// - [`Incoming::Idle`]: silent for `idle`: log it, [`Connection::finish`], return.
/// - [`Incoming::TooLarge`]: send `431 Request Header Fields Too Large`, closing.
/// - [`Incoming::Malformed`]: send `400 Bad Request`, closing.
/// - a [`Request`]: send [`answer`]'s response; make it [`Response::closing`] when the
///   request wants the connection closed ([`Request::wants_close`]) or announces a
///   body this server does not read ([`Request::has_body`]).
///
/// After a closing response, [`Connection::finish`] and return; otherwise read the
/// next request on the same connection. An I/O error (a reset) is returned: it ends
/// this connection only.
fn converse(
    stream: TcpStream,
    peer: SocketAddr,
    site: &Site,
    idle: Duration,
) -> std::io::Result<()> {
    todo!("answer this connection's requests until it ends")
}

/// The response to one request, logged on stderr with `note!` (one line each):
///
/// - a path ([`Request::path`], the query ignored) other than `/`: `404 Not Found`;
/// - a method other than `GET` on `/`: `405 Method Not Allowed` with `Allow: GET`;
/// - `GET /`: the values of the `visitor` cookies ([`cookies::cookie_values`] over
///   `request.header_values("cookie")`), then [`Visitors::visit`] under the site's
///   lock (`lock()` fails only if another thread panicked holding it: take the table
///   anyway with `unwrap_or_else(|poisoned| poisoned.into_inner())`), with
///   `site.ids.new_id()` to make an id. Then:
///   - a returning visitor: 200, body `welcome back, visitor N: this is visit K\n`,
///     no Set-Cookie; log `… visitor N, visit K`;
///   - a new one: 200, body `welcome, visitor N: this is your first visit\n`, and a
///     `Set-Cookie` header ([`cookies::set_cookie`]); log `… visitor N, visit 1`;
///   - no id could be made: 500.
///
/// A cookie the table does not know is never a 400 or a 500: it is a new visitor.
fn answer(request: &Request, peer: SocketAddr, site: &Site) -> Response {
    todo!("route the request; for GET /, count the visit")
}
