//! A response: status line, header lines, a blank line, then the body, whose length
//! is always announced (`Content-Length`), so the client knows where the next
//! response starts and the connection can carry another request.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::fs::File;
use std::io::{self, Read, Write};
use std::time::SystemTime;

/// The largest body that is gzip-compressed. Compressing needs the whole result in
/// memory to announce its length; a larger file is sent as it is, streamed.
pub const MAX_GZIP: u64 = 1024 * 1024;

/// What follows the head.
pub enum Body {
    /// Bytes made in memory: an echo, an error message, a compressed file.
    Bytes(Vec<u8>),
    /// A file, streamed from disk: `len` bytes.
    File { file: File, len: u64 },
    /// No body and no `Content-Length`: a 304 says "the copy you have is still good".
    None,
}

/// One response, built by the routes and written by the server.
pub struct Response {
    /// The status code: 200, 404…
    pub status: u16,
    /// Header fields besides `Content-Length` and `Connection`, which `write_to` adds.
    headers: Vec<(&'static str, String)>,
    body: Body,
}

impl Response {
    /// A response with `status` and an empty body, dated now.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: vec![
                ("Date", httpdate::fmt_http_date(SystemTime::now())),
                ("Server", "netlab-ch3-2".to_string()),
            ],
            body: Body::Bytes(Vec::new()),
        }
    }

    /// A `text/plain` response with `text` as its body.
    pub fn text(status: u16, text: impl Into<String>) -> Response {
        Response::new(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(Body::Bytes(text.into().into_bytes()))
    }

    /// An error response whose body says the status in words (`404 Not Found`), so a
    /// person with curl or a browser sees what happened.
    pub fn error(status: u16) -> Response {
        Response::text(status, format!("{status} {}\n", reason(status)))
    }

    /// The same response with one more header field.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// The same response with `body`.
    pub fn body(mut self, body: Body) -> Response {
        self.body = body;
        self
    }

    /// The value of the header `name`, if this response has it.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Compresses the body with gzip when the client accepts it and it is worth it. The
    /// contract:
    ///
    /// - Only text-like content ([`is_text_like`] on the `Content-Type` header) is compressed;
    ///   anything else is returned unchanged.
    /// - Every text-like response gets `Vary: Accept-Encoding` (the answer depends on that
    ///   request header: caches must know), whether compressed or not.
    /// - When `client_accepts_gzip`: compress the body (a `Body::File` is read whole, but
    ///   only if it is at most [`MAX_GZIP`] bytes; a larger file is left as it is) with
    ///   `flate2::write::GzEncoder`, make the compressed bytes the body (`Body::Bytes`, so
    ///   `Content-Length` becomes their length), and add `Content-Encoding: gzip`.
    pub fn compress(mut self, client_accepts_gzip: bool) -> io::Result<Response> {
        todo!("gzip text-like bodies up to MAX_GZIP; add Vary and Content-Encoding")
    }

    /// Writes the response. The contract:
    ///
    /// - The status line `HTTP/1.1 STATUS REASON\r\n` ([`reason`]), then each header as
    ///   `Name: value\r\n`, then `Content-Length: N\r\n` (the body's length: the bytes', or
    ///   the file's `len`), except for `Body::None` (a 304), which has no Content-Length.
    /// - When `close`: `Connection: close\r\n`; otherwise, when `keep_alive_header`:
    ///   `Connection: keep-alive\r\n` (an HTTP/1.0 client needs to hear it).
    /// - A blank line `\r\n`, then the body, unless `head_only` (a HEAD gets exactly GET's
    ///   headers, Content-Length included, and no body).
    /// - A file body is streamed (`io::copy` of `file.take(len)`), never read whole. If fewer
    ///   than `len` bytes could be sent (the file shrank), return an error: the client would
    ///   wait for bytes that never come.
    /// - Send the head and a small body in one `write_all`; flush at the end.
    pub fn write_to(
        self,
        out: &mut impl Write,
        head_only: bool,
        close: bool,
        keep_alive_header: bool,
    ) -> io::Result<()> {
        todo!("status line, headers, Content-Length, blank line, then the body unless HEAD")
    }
}

/// Whether a `Content-Type` is text that gzip shrinks (images and archives are
/// compressed already).
fn is_text_like(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type.starts_with("image/svg+xml")
}

/// The reason phrase for each status this server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}
