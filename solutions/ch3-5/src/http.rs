//! Just enough HTTP/1.1 for this server: read one request head at a time from a
//! connection (however the network splits it), and write one whole response.
//!
//! This part is given: parsing was chapter 3's first exercise, so `httparse` does it
//! here. The exercise is what the server *remembers* between requests.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// The longest request head accepted (request line, headers, blank line). Without a
/// limit, a client that never ends its head would make us buffer without end; 8 KiB
/// is what many servers allow, and twice what a browser lets one cookie be.
pub const MAX_HEAD: usize = 8 * 1024;

/// The most header fields accepted in one request.
const MAX_HEADERS: usize = 64;

/// How long, after the last response, we keep reading (and dropping) what a client
/// still sends, so that closing with unread bytes does not reset the connection
/// before the client has read our answer.
const LINGER: Duration = Duration::from_millis(500);

/// One request head, as the client sent it.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`… (case-sensitive, as RFC 9110 says).
    pub method: String,
    /// The request target: `/`, `/favicon.ico?x=1`…
    pub target: String,
    /// 1 for `HTTP/1.1`, 0 for `HTTP/1.0`.
    pub minor_version: u8,
    /// Every header field, name and raw value, in order. Values are bytes: a client
    /// may send bytes that are not UTF-8, and a cookie is whatever the client says.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Request {
    /// The path of the target, without its query (`/?x=1` is `/`).
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// Every value of the header fields called `name` (case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }

    /// Whether the connection must close after this request's response: HTTP/1.0
    /// closes unless told otherwise (we keep it simple: it closes), and HTTP/1.1 keeps
    /// the connection open unless the client says `Connection: close`.
    pub fn wants_close(&self) -> bool {
        self.minor_version == 0
            || self.header_values("connection").any(|value| {
                value
                    .split(|&b| b == b',')
                    .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
            })
    }

    /// Whether the request announces a body. This server reads none; it answers such
    /// a request and closes the connection, so the body is never mistaken for the
    /// next request.
    pub fn has_body(&self) -> bool {
        self.header_values("transfer-encoding").next().is_some()
            || self
                .header_values("content-length")
                .any(|value| value.trim_ascii() != b"0")
    }
}

/// What reading the next request found.
#[derive(Debug)]
pub enum Incoming {
    /// A complete request head.
    Request(Request),
    /// The client closed the connection (between requests, or in the middle of one).
    Closed,
    /// The client said nothing for the idle timeout.
    Idle,
    /// The head grew past [`MAX_HEAD`] without ending: answer 431 and close.
    TooLarge,
    /// Bytes that are not an HTTP request: answer 400 and close.
    Malformed,
}

/// One response, written in a single piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// 200, 404…
    pub status: u16,
    /// The reason phrase: `OK`, `Not Found`…
    pub reason: &'static str,
    /// Header fields besides the framing ones ([`Response::to_bytes`] adds those).
    pub headers: Vec<(String, String)>,
    /// The body, plain text.
    pub body: String,
    /// Whether the server closes the connection after this response.
    pub close: bool,
}

impl Response {
    /// A plain-text response. Nothing this server sends may be cached: the page is
    /// different for every visitor (`Cache-Control: no-store`).
    pub fn text(status: u16, reason: &'static str, body: impl Into<String>) -> Self {
        Response {
            status,
            reason,
            headers: vec![("Cache-Control".to_string(), "no-store".to_string())],
            body: body.into(),
            close: false,
        }
    }

    /// The same response with one more header field.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The same response, after which the connection closes.
    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    /// The bytes on the wire: status line, headers, `Content-Length` (and
    /// `Connection: close` when closing), blank line, body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("Content-Type: text/plain; charset=utf-8\r\n");
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        if self.close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

/// One client's connection: the socket, and the bytes read but not used yet (the
/// start of the next request, when a client sends two at once).
pub struct Connection {
    stream: TcpStream,
    pending: Vec<u8>,
}

impl Connection {
    /// Wraps an accepted connection; a read that waits longer than `idle` ends it.
    pub fn new(stream: TcpStream, idle: Duration) -> std::io::Result<Self> {
        stream.set_read_timeout(Some(idle))?;
        // Each response leaves in one write; Nagle would only hold it back.
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            pending: Vec::new(),
        })
    }

    /// Reads until one whole request head has arrived, however many reads it takes.
    pub fn read_request(&mut self) -> std::io::Result<Incoming> {
        loop {
            if !self.pending.is_empty() {
                match parse_head(&self.pending) {
                    Parsed::Complete(request, used) => {
                        self.pending.drain(..used);
                        return Ok(Incoming::Request(request));
                    }
                    Parsed::Malformed => return Ok(Incoming::Malformed),
                    Parsed::TooManyHeaders => return Ok(Incoming::TooLarge),
                    Parsed::Partial if self.pending.len() >= MAX_HEAD => {
                        return Ok(Incoming::TooLarge);
                    }
                    Parsed::Partial => {}
                }
            }
            let mut chunk = [0u8; 4096];
            let room = (MAX_HEAD - self.pending.len()).min(chunk.len());
            match self.stream.read(&mut chunk[..room]) {
                Ok(0) => return Ok(Incoming::Closed),
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Ok(Incoming::Idle);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends one response, whole, in one write.
    pub fn send(&mut self, response: &Response) -> std::io::Result<()> {
        self.stream.write_all(&response.to_bytes())
    }

    /// Closes the connection gently: our side first (the client reads the end of the
    /// stream after our last response), then a short wait reading whatever the client
    /// still sends. Closing a socket with unread bytes makes the kernel send a reset,
    /// which may destroy the response before the client has read it.
    pub fn finish(self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let _ = self.stream.set_read_timeout(Some(LINGER));
        let mut sink = [0u8; 4096];
        let mut budget = 64 * 1024;
        while budget > 0 {
            match (&self.stream).read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => budget -= n.min(budget),
            }
        }
    }
}

/// What parsing the bytes so far gave.
enum Parsed {
    Complete(Request, usize),
    Partial,
    Malformed,
    TooManyHeaders,
}

/// Parses a request head with httparse.
fn parse_head(bytes: &[u8]) -> Parsed {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut fields);
    match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(used)) => {
            let request = Request {
                method: parsed.method.unwrap_or("").to_string(),
                target: parsed.path.unwrap_or("").to_string(),
                minor_version: parsed.version.unwrap_or(1),
                headers: parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_string(), h.value.to_vec()))
                    .collect(),
            };
            Parsed::Complete(request, used)
        }
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => Parsed::TooManyHeaders,
        Err(_) => Parsed::Malformed,
    }
}
