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

/// The largest file sent in the same write as its head.
const ONE_WRITE: u64 = 64 * 1024;

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

    // ANCHOR: gzip
    /// Compresses the body with gzip when the client accepts it and it is worth it:
    /// text-like content (images are compressed already) of at most [`MAX_GZIP`]
    /// bytes. The body's length becomes the compressed length, and `Vary:
    /// Accept-Encoding` tells caches that the answer depends on that request header.
    pub fn compress(mut self, client_accepts_gzip: bool) -> io::Result<Response> {
        let compressible = self.header_value("Content-Type").is_some_and(is_text_like);
        if !compressible {
            return Ok(self);
        }
        self = self.header("Vary", "Accept-Encoding");
        if !client_accepts_gzip {
            return Ok(self);
        }
        let plain = match self.body {
            Body::Bytes(bytes) => bytes,
            Body::File { len, .. } if len > MAX_GZIP => return Ok(self),
            Body::File { file, len } => {
                let mut bytes = Vec::with_capacity(len as usize);
                file.take(len).read_to_end(&mut bytes)?;
                bytes
            }
            Body::None => return Ok(self),
        };
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(&plain)?;
        self.body = Body::Bytes(encoder.finish()?);
        Ok(self.header("Content-Encoding", "gzip"))
    }
    // ANCHOR_END: gzip

    // ANCHOR: write_to
    /// Writes the response: the head with `Content-Length` (except for a 304) and, when
    /// `close`, `Connection: close`; then the body, unless `head_only` (a HEAD request
    /// gets exactly GET's headers, and no body). `keep_alive_header` adds
    /// `Connection: keep-alive`, which an HTTP/1.0 client needs to hear.
    pub fn write_to(
        self,
        out: &mut impl Write,
        head_only: bool,
        close: bool,
        keep_alive_header: bool,
    ) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let length = match &self.body {
            Body::Bytes(bytes) => Some(bytes.len() as u64),
            Body::File { len, .. } => Some(*len),
            Body::None => None,
        };
        if let Some(length) = length {
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        if close {
            head.push_str("Connection: close\r\n");
        } else if keep_alive_header {
            head.push_str("Connection: keep-alive\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        match self.body {
            // One write for head and a small body: with Nagle off, two writes could
            // leave as two packets.
            Body::Bytes(body) if !head_only => {
                bytes.extend_from_slice(&body);
                out.write_all(&bytes)?;
            }
            // A small file goes out with its head in one write too: one system call,
            // one packet. A large one is copied a buffer at a time, never held whole.
            Body::File { mut file, len } if !head_only && len <= ONE_WRITE => {
                let start = bytes.len();
                bytes.resize(start + len as usize, 0);
                file.read_exact(&mut bytes[start..]).map_err(|error| {
                    if error.kind() == io::ErrorKind::UnexpectedEof {
                        shrank()
                    } else {
                        error
                    }
                })?;
                out.write_all(&bytes)?;
            }
            Body::File { file, len } if !head_only => {
                out.write_all(&bytes)?;
                let sent = io::copy(&mut file.take(len), out)?;
                if sent < len {
                    return Err(shrank());
                }
            }
            _ => out.write_all(&bytes)?,
        }
        out.flush()
    }
    // ANCHOR_END: write_to
}

/// The error for a file that shrank while it was being sent: the client would wait for
/// bytes that never come, so the caller closes the connection.
fn shrank() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the file shrank while it was being sent",
    )
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
