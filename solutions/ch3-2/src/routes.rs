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

// ANCHOR: respond
/// Answers `request`, reading its body from `connection` if the route needs it. An
/// error means the connection broke in the middle of the request (a body cut short):
/// there is nobody to answer.
pub fn respond(
    request: &Request,
    connection: &mut Connection,
    config: &Config,
) -> io::Result<Answer> {
    if request.header("transfer-encoding").is_some() {
        // Chunked request bodies are not supported: without a length, the body's end
        // (and so the next request) cannot be found. 411 asks for a Content-Length.
        return Ok(Answer::close(Response::error(411)));
    }
    let Ok(length) = request.content_length() else {
        return Ok(Answer::close(Response::error(400)));
    };
    let Ok(segments) = files::segments(&request.target) else {
        return Ok(Answer::close(Response::error(400)));
    };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if let (["files", rest @ ..], Some(uploads)) = (segments.as_slice(), &config.uploads) {
        return upload_route(request, rest, uploads, length, connection, config);
    }
    let answer = match (request.method.as_str(), segments.as_slice()) {
        ("GET" | "HEAD", ["echo", text @ ..]) => Response::text(200, text.join("/")),
        ("GET" | "HEAD", ["user-agent"]) => {
            Response::text(200, request.header("user-agent").unwrap_or_default())
        }
        ("GET" | "HEAD", path) => static_file(&config.root, path, request),
        _ => Response::error(405).header("Allow", "GET, HEAD"),
    };
    finish(answer, request, length)
}
// ANCHOR_END: respond

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

// ANCHOR: store_upload
/// `POST /files/NAME`: writes the body into the uploads folder as NAME, answers 201.
///
/// A body over [`MAX_UPLOAD`] is refused with 413 before a byte of it is read. The body
/// goes to a temporary file in the same folder, renamed to NAME only once complete: a
/// client that vanishes mid-body leaves no half file behind, and a reader never sees
/// one. (The temporary file sits beside its final name because a rename cannot cross
/// file systems.)
fn store_upload(
    request: &Request,
    uploads: &Path,
    name: &str,
    length: u64,
    connection: &mut Connection,
    config: &Config,
) -> io::Result<Answer> {
    if length > MAX_UPLOAD {
        return Ok(Answer::close(Response::error(413)));
    }
    if request
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        // curl asks before sending a large body: say "go on".
        connection
            .stream()
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let number = UPLOADS.fetch_add(1, Ordering::Relaxed);
    let partial = uploads.join(format!(".upload-{}-{number}", std::process::id()));
    let written = write_body(&partial, length, connection, config);
    if let Err(error) = written.and_then(|()| std::fs::rename(&partial, uploads.join(name))) {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    Ok(Answer::keep(
        Response::new(201).header("Location", format!("/files/{name}")),
    ))
}
// ANCHOR_END: store_upload

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

// ANCHOR: accepts_gzip
/// Whether an `Accept-Encoding` value accepts gzip: `gzip, deflate, br` does;
/// `gzip;q=0` means "not gzip"; `*` stands for any coding not listed. Absent: no.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(value) = accept_encoding else {
        return false;
    };
    let (mut gzip, mut any) = (None, None);
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = parts
            .find_map(|p| {
                let (name, value) = p.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| value.trim().to_string())
            })
            .map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0));
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(weight),
            "*" => any = Some(weight),
            _ => {}
        }
    }
    gzip.or(any).is_some_and(|weight| weight > 0.0)
}
// ANCHOR_END: accepts_gzip
