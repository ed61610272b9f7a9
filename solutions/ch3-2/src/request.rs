//! Reading requests off a connection: one head at a time, within a size limit and a
//! deadline, parsed by `httparse`; then a body, by its `Content-Length`.
//!
//! TCP delivers bytes, not requests: one `read` may bring half a head, or a whole
//! request and the start of the next (a pipelining client). So the connection keeps
//! what it has read in `pending`, and a head is complete only when the parser says so.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The largest request head accepted: request line and headers, blank line included.
/// Browsers send 1–2 KiB; a longer head is answered 431 and the connection closed.
pub const MAX_HEAD: usize = 8 * 1024;

/// The most header lines one request may carry (more is answered 431, like a head
/// that is too long).
const MAX_HEADERS: usize = 64;

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 4096;

/// One parsed request head, owning its parts (the bytes it came from are gone once
/// the next request is read).
#[derive(Debug)]
pub struct Request {
    /// `GET`, `HEAD`, `POST`… exactly as sent (methods are case-sensitive).
    pub method: String,
    /// The request target as sent: `/a/b.txt?x=1`, still percent-encoded.
    pub target: String,
    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub minor_version: u8,
    /// The header fields in order; values as text (bytes that are not UTF-8 shown as
    /// U+FFFD: no header this server reads needs them).
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of the first header called `name` (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of the headers called `name`.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether `Connection` lists `token` (`close`, `keep-alive`); the header is a
    /// comma-separated list and may come more than once.
    pub fn connection_has(&self, token: &str) -> bool {
        self.headers_named("connection")
            .flat_map(|value| value.split(','))
            .any(|item| item.trim().eq_ignore_ascii_case(token))
    }

    // ANCHOR: keep_alive
    /// Whether the client wants the connection kept open after this exchange: HTTP/1.1
    /// keeps it unless the client says `Connection: close`; HTTP/1.0 closes it unless
    /// the client says `Connection: keep-alive`.
    pub fn wants_keep_alive(&self) -> bool {
        if self.minor_version >= 1 {
            !self.connection_has("close")
        } else {
            self.connection_has("keep-alive")
        }
    }
    // ANCHOR_END: keep_alive

    /// The body's length from `Content-Length` (0 when absent). Several different
    /// values, or one that is not a plain number, make the framing ambiguous: an
    /// attacker's favourite (request smuggling), so it is an error.
    pub fn content_length(&self) -> Result<u64, BadLength> {
        let mut length = None;
        for value in self.headers_named("content-length") {
            for item in value.split(',') {
                let item = item.trim();
                if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(BadLength);
                }
                let parsed: u64 = item.parse().map_err(|_| BadLength)?;
                if length.is_some_and(|known| known != parsed) {
                    return Err(BadLength);
                }
                length = Some(parsed);
            }
        }
        Ok(length.unwrap_or(0))
    }
}

/// `Content-Length` was not one plain number.
#[derive(Debug)]
pub struct BadLength;

/// Why no request could be read.
#[derive(Debug)]
pub enum HeadError {
    /// The client closed the connection (or it broke) before a head began: the normal
    /// end of a persistent connection.
    Gone,
    /// The idle timeout passed: nothing came, or the head came too slowly (slowloris).
    TimedOut,
    /// More than [`MAX_HEAD`] bytes, or more than 64 header lines, without the end of
    /// the head: 431.
    TooLarge,
    /// A version other than HTTP/1.0 or HTTP/1.1 (`HTTP/2.0`, `HTTP/1.2`): 505.
    Version,
    /// Not an HTTP request at all, or a malformed line: 400.
    Malformed,
    /// The client closed the connection in the middle of a head.
    Cut,
}

/// One client connection: the socket, and the bytes read from it that no request has
/// used yet.
pub struct Connection {
    stream: TcpStream,
    pending: Vec<u8>,
}

impl Connection {
    /// Wraps an accepted connection.
    pub fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            pending: Vec::new(),
        }
    }

    /// The socket, to write responses on.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    // ANCHOR: read_request
    /// Reads the next request head, which must be complete within `timeout` from now
    /// and at most [`MAX_HEAD`] bytes long.
    ///
    /// The deadline covers the whole head, not each read: a slowloris client sends a
    /// byte every few seconds, and a per-read timeout would wait for it forever.
    pub fn read_request(&mut self, timeout: Duration) -> Result<Request, HeadError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(request) = self.parse_pending()? {
                return Ok(request);
            }
            if self.pending.len() >= MAX_HEAD {
                return Err(HeadError::TooLarge);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(HeadError::TimedOut);
            }
            match self.read_some(left) {
                Ok(0) if self.pending.iter().all(u8::is_ascii_whitespace) => {
                    return Err(HeadError::Gone);
                }
                Ok(0) => return Err(HeadError::Cut),
                Ok(_) => {}
                Err(error) if is_timeout(&error) => return Err(HeadError::TimedOut),
                Err(_) => return Err(HeadError::Gone),
            }
        }
    }
    // ANCHOR_END: read_request

    /// Parses a head from `pending` if a whole one is there, and removes its bytes.
    fn parse_pending(&mut self) -> Result<Option<Request>, HeadError> {
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut fields);
        let used = match parsed.parse(&self.pending) {
            Ok(httparse::Status::Complete(used)) if used > MAX_HEAD => {
                return Err(HeadError::TooLarge);
            }
            Ok(httparse::Status::Complete(used)) => used,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
            Err(httparse::Error::Version) if names_a_version(&self.pending) => {
                return Err(HeadError::Version);
            }
            Err(_) => return Err(HeadError::Malformed),
        };
        let request = Request {
            method: parsed.method.unwrap_or_default().to_string(),
            target: parsed.path.unwrap_or_default().to_string(),
            minor_version: parsed.version.unwrap_or(1),
            headers: parsed
                .headers
                .iter()
                .map(|h| {
                    let value = String::from_utf8_lossy(h.value).into_owned();
                    (h.name.to_string(), value)
                })
                .collect(),
        };
        self.pending.drain(..used);
        Ok(Some(request))
    }

    /// One read from the socket into `pending`, waiting at most `timeout`.
    fn read_some(&mut self, timeout: Duration) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(timeout))?;
        let mut chunk = [0u8; READ_CHUNK];
        let read = loop {
            match self.stream.read(&mut chunk) {
                // A signal arrived during the read (a debugger, a profiler): nothing
                // happened to the connection, so read again.
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                result => break result?,
            }
        };
        self.pending.extend_from_slice(&chunk[..read]);
        Ok(read)
    }

    // ANCHOR: read_body
    /// Copies exactly `length` body bytes to `out`: first what is already pending, then
    /// from the socket, a chunk at a time (never the whole body in memory). Each read
    /// must bring something within `timeout`. A client that closes or resets before
    /// the end is an error: the body is incomplete.
    pub fn read_body(
        &mut self,
        length: u64,
        out: &mut impl Write,
        timeout: Duration,
    ) -> io::Result<()> {
        let mut left = length;
        while left > 0 {
            if self.pending.is_empty() && self.read_some(timeout)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the client closed the connection {left} bytes before the body's end"),
                ));
            }
            let take = self
                .pending
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            out.write_all(&self.pending[..take])?;
            self.pending.drain(..take);
            left -= take as u64;
        }
        Ok(())
    }
    // ANCHOR_END: read_body

    // ANCHOR: close_politely
    /// Closes the connection after a last response, without losing it.
    ///
    /// Closing a socket that still has unread input makes the kernel send a reset,
    /// and a reset can make the client throw away the response it had not read yet
    /// (a 431 answered in the middle of a long head, a 413 before its body). So: stop
    /// sending (the client sees the end of the response), read and discard what the
    /// client still sends for a moment, then close.
    pub fn close_politely(mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let _ = self.stream.set_read_timeout(Some(LINGER));
        let mut discarded = 0;
        let mut chunk = [0u8; READ_CHUNK];
        while discarded < MAX_LINGER_BYTES {
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(read) => discarded += read,
            }
        }
    }
    // ANCHOR_END: close_politely
}

/// How long [`Connection::close_politely`] waits for the client to finish sending.
const LINGER: Duration = Duration::from_secs(1);
/// The most it discards while it waits.
const MAX_LINGER_BYTES: usize = 1024 * 1024;

/// Whether a read failed because its timeout passed (`WouldBlock` on Unix,
/// `TimedOut` on Windows).
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Whether a request line httparse refused for its version does name a version
/// (`GET / HTTP/2.0`: 505 Version Not Supported), rather than being garbage (400).
fn names_a_version(head: &[u8]) -> bool {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = String::from_utf8_lossy(&head[..line_end]);
    let Some(version) = line.trim_end().rsplit(' ').next() else {
        return false;
    };
    let Some(number) = version.strip_prefix("HTTP/") else {
        return false;
    };
    let mut parts = number.split('.');
    let major = parts.next().unwrap_or("");
    let minor = parts.next().unwrap_or("0");
    parts.next().is_none()
        && [major, minor]
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}
