//! Deciding the answer to one request: which resource it names, whether its method is
//! allowed there, and what to send.
//!
//! | path | methods | answer |
//! |---|---|---|
//! | `/echo/TEXT` | GET, HEAD | 200, `text/plain`, TEXT (decoded) |
//! | `/user-agent` | GET, HEAD | 200, `text/plain`, the request's `User-Agent` |
//! | `/files/NAME` (with `--uploads`) | GET, HEAD, POST | the upload NAME; POST stores the body there, 201 |
//! | anything else | GET, HEAD | the file under `--root`, or 404 |

use crate::files;
use crate::request::{Connection, Request};
use crate::response::Response;
use crate::server::Config;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest body `POST /files/NAME` accepts: more is answered 413 without reading it.
pub const MAX_UPLOAD: u64 = 10 * 1024 * 1024;

/// A response, and whether the connection must close after it whatever the client
/// wants: a request whose body was not read leaves the connection in the middle of
/// that body, where the next request cannot be found.
pub struct Answer {
    /// What to send.
    pub response: Response,
    /// Close the connection after sending it.
    pub must_close: bool,
}

impl Answer {
    /// An answer after which the connection may stay open.
    fn keep(response: Response) -> Answer {
        Answer {
            response,
            must_close: false,
        }
    }

    /// An answer after which the connection must close.
    fn close(response: Response) -> Answer {
        Answer {
            response,
            must_close: true,
        }
    }
}

/// Answers `request`, reading its body from `connection` when the route needs it. The
/// contract:
///
/// - A request with `Transfer-Encoding`: 411, and close ([`Answer::close`]).
/// - A `Content-Length` that [`Request::content_length`] refuses: 400, and close.
/// - A target [`files::segments`] refuses: 400, and close.
/// - `/files/…` when uploads are on (`config.uploads`): [`upload_route`].
/// - GET or HEAD of `/echo/TEXT`: 200, `Response::text` with TEXT (the decoded segments
///   after `echo`, joined with `/`).
/// - GET or HEAD of `/user-agent`: 200, `Response::text` with the `User-Agent` value.
/// - GET or HEAD of anything else: [`static_file`] under `config.root`.
/// - Any other method: 405 with `Allow: GET, HEAD`.
/// - Pass the answer through [`finish`] (gzip for a 200; a body nobody read forces a
///   close).
pub fn respond(
    request: &Request,
    connection: &mut Connection,
    config: &Config,
) -> io::Result<Answer> {
    todo!("route by method and path (see the table at the top of this file)")
}

/// The answer to `/files/…` when uploads are on: one plain file name after `/files/`.
fn upload_route(
    request: &Request,
    rest: &[&str],
    uploads: &Path,
    length: u64,
    connection: &mut Connection,
    config: &Config,
) -> io::Result<Answer> {
    let name = match rest {
        [name] if is_plain_name(name) => Some(*name),
        _ => None,
    };
    let response = match (request.method.as_str(), name) {
        ("POST", Some(name)) => {
            return store_upload(request, uploads, name, length, connection, config);
        }
        ("POST", None) => Response::error(400),
        ("GET" | "HEAD", Some(name)) => static_file(uploads, &[name], request),
        ("GET" | "HEAD", None) => Response::error(404),
        _ => Response::error(405).header("Allow", "GET, HEAD, POST"),
    };
    finish(response, request, length)
}

/// Compresses a 200 when the client accepts gzip; a request whose body was not read
/// closes the connection.
fn finish(response: Response, request: &Request, body_length: u64) -> io::Result<Answer> {
    let response = if response.status == 200 {
        response.compress(accepts_gzip(request.header("accept-encoding")))?
    } else {
        response
    };
    Ok(Answer {
        response,
        must_close: body_length > 0,
    })
}

/// A GET or HEAD of a file under `folder`: the file, 304, or 404.
fn static_file(folder: &Path, segments: &[&str], request: &Request) -> Response {
    let segments: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
    let Some(path) = files::resolve(folder, &segments) else {
        return Response::error(404);
    };
    match files::serve_file(&path, request.header("if-modified-since")) {
        Ok(response) => response,
        Err(_) => Response::error(404),
    }
}

/// Whether `name` is one plain file name for an upload: not empty, not hidden (the
/// server's own temporary files start with `.`), and without a `/` or NUL (which
/// `segments` already excludes) or a `\`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0'])
}

/// Numbers the temporary files of uploads in progress, so two at once never share one.
static UPLOADS: AtomicU64 = AtomicU64::new(0);

/// `POST /files/NAME`: stores the body in `uploads` as NAME and answers 201. The
/// contract:
///
/// - `length` over [`MAX_UPLOAD`]: 413, and close, without reading a byte of the body.
/// - `Expect: 100-continue` (curl sends it before a large body and waits): write
///   `HTTP/1.1 100 Continue\r\n\r\n` first.
/// - Write the body ([`write_body`]) to a temporary file IN the uploads folder (a name
///   starting with `.`, unique: [`UPLOADS`] numbers them), then rename it to NAME. A
///   rename cannot cross file systems, so the temporary file must sit beside NAME; and
///   NAME never holds half a body.
/// - Any error (the client vanished mid-body): delete the temporary file and return the
///   error (nobody is left to answer).
/// - Success: 201 with `Location: /files/NAME`, kept alive ([`Answer::keep`]).
fn store_upload(
    request: &Request,
    uploads: &Path,
    name: &str,
    length: u64,
    connection: &mut Connection,
    config: &Config,
) -> io::Result<Answer> {
    todo!("413 over the limit; 100 Continue; temporary file, then rename; 201")
}

/// Copies the body into a new file at `path`.
fn write_body(
    path: &Path,
    length: u64,
    connection: &mut Connection,
    config: &Config,
) -> io::Result<()> {
    let mut file = BufWriter::new(std::fs::File::create(path)?);
    connection.read_body(length, &mut file, config.idle_timeout)?;
    file.flush()
}

/// Whether an `Accept-Encoding` value accepts gzip. The value is a comma-separated list
/// of codings, each maybe with a weight: `deflate, gzip;q=0.8, br`.
///
/// - `gzip` (or `x-gzip`) with a weight above 0 (no `q=` means 1): yes.
/// - `gzip;q=0`: no (weight 0 means "not this one").
/// - `*` stands for any coding not listed by name.
/// - No header: no.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    todo!("parse the list and the q weights")
}
