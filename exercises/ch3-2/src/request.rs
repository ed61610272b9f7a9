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

    /// Whether the client wants the connection kept open after this exchange.
    ///
    /// - HTTP/1.1 (`minor_version` 1) keeps it open unless `Connection` lists `close`.
    /// - HTTP/1.0 (`minor_version` 0) closes it unless `Connection` lists `keep-alive`.
    ///
    /// [`Request::connection_has`] reads the list (the header may hold several tokens).
    pub fn wants_keep_alive(&self) -> bool {
        todo!("HTTP/1.1 keeps unless `close`; HTTP/1.0 closes unless `keep-alive`")
    }

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

    /// Reads the next request head. The contract:
    ///
    /// - Bytes already in `pending` come first (a pipelining client sends two requests in
    ///   one write): try [`Connection::parse_pending`] before reading the socket, and after
    ///   every read.
    /// - One read may bring one byte or half a head: keep reading ([`Connection::read_some`])
    ///   until the head is complete.
    /// - `pending` reaching [`MAX_HEAD`] bytes without a complete head: `HeadError::TooLarge`.
    /// - The whole head must arrive within `timeout` from now: compute a deadline once
    ///   (`Instant::now() + timeout`) and, before each read, pass what is left of it to
    ///   `read_some`. A per-read timeout alone lets a slowloris client (a byte every few
    ///   seconds) keep the connection for ever. Past the deadline, or a read that times out
    ///   ([`is_timeout`]): `HeadError::TimedOut`.
    /// - The client closes (a read of 0 bytes) with nothing but whitespace pending:
    ///   `HeadError::Gone` (the normal end of a persistent connection); with part of a head
    ///   pending: `HeadError::Cut`. Any other read error: `HeadError::Gone`.
    pub fn read_request(&mut self, timeout: Duration) -> Result<Request, HeadError> {
        todo!("read until parse_pending finds a whole head, within MAX_HEAD bytes and the deadline")
    }

    /// Parses a head from `pending` if a whole one is there, and removes its bytes (the
    /// bytes after it stay: the body, or the next request).
    ///
    /// Use `httparse::Request::new` over an array of [`MAX_HEADERS`] `httparse::EMPTY_HEADER`s:
    ///
    /// - `Ok(Status::Partial)`: `Ok(None)` (wait for more bytes);
    /// - `Ok(Status::Complete(used))`: a [`Request`] owning its parts, `used` bytes drained
    ///   from `pending`; but a head longer than [`MAX_HEAD`] is `HeadError::TooLarge`;
    /// - `Err(TooManyHeaders)`: `HeadError::TooLarge`;
    /// - `Err(Version)` when [`names_a_version`] (`HTTP/2.0`): `HeadError::Version`;
    /// - any other error: `HeadError::Malformed`.
    fn parse_pending(&mut self) -> Result<Option<Request>, HeadError> {
        todo!("parse pending with httparse; drain the head's bytes")
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

    /// Copies exactly `length` body bytes to `out` and leaves any bytes after them in
    /// `pending` (the next request).
    ///
    /// - Some of the body may already be in `pending` (it came in the same read as the
    ///   head): write those first, then read the rest from the socket.
    /// - Never hold the whole body in memory: write each chunk as it comes.
    /// - Each read must bring something within `timeout` ([`Connection::read_some`]).
    /// - The client closing before the end (a read of 0 bytes) is an error
    ///   (`io::ErrorKind::UnexpectedEof`): the body is incomplete. So is a reset.
    pub fn read_body(
        &mut self,
        length: u64,
        out: &mut impl Write,
        timeout: Duration,
    ) -> io::Result<()> {
        todo!("copy exactly `length` bytes: pending first, then the socket, chunk by chunk")
    }

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
