//! HTTP/1.1 messages as a proxy sees them: a head read under a limit and parsed by
//! httparse, a body whose framing (length, chunks, or the close) must be understood to
//! know where the message ends, and headers that belong to one connection only.

use std::io;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The longest request or response head accepted, in bytes. A peer that sends more
/// without the blank line that ends a head is refused rather than buffered without end.
pub const MAX_HEAD: usize = 16 * 1024;
/// The most header fields accepted in one head.
const MAX_FIELDS: usize = 100;
/// The longest line of chunked framing (a chunk's size, a trailer field).
const MAX_CHUNK_LINE: usize = 1024;

/// One header field: a name and its raw value (values need not be UTF-8).
pub type Field = (String, Vec<u8>);

/// What reading a head gave.
#[derive(Debug)]
pub enum Head {
    /// The bytes of a whole head, up to and including its blank line.
    Complete(Vec<u8>),
    /// The peer closed the connection before starting another message: the normal end
    /// of a persistent connection.
    Closed,
    /// More than [`MAX_HEAD`] bytes came without the blank line.
    TooLarge,
}

// ANCHOR: read_head
/// Reads one message head, line by line, however the network splits it: a head may
/// arrive one byte at a time, or together with the next message's bytes (they stay in
/// the reader's buffer for the next read). Empty lines before a request are skipped,
/// as RFC 9112 §2.2 allows.
pub async fn read_head<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<Head> {
    let mut head = Vec::new();
    loop {
        let room = (MAX_HEAD + 1).saturating_sub(head.len()) as u64;
        let before = head.len();
        let n = (&mut *reader)
            .take(room)
            .read_until(b'\n', &mut head)
            .await?;
        if n == 0 {
            return if head.is_empty() {
                Ok(Head::Closed)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the head ended early",
                ))
            };
        }
        if head.len() > MAX_HEAD {
            return Ok(Head::TooLarge);
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                head.clear(); // a stray line end between messages
                continue;
            }
            return Ok(Head::Complete(head));
        }
    }
}
// ANCHOR_END: read_head

/// A request head, parsed.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, `CONNECT`…
    pub method: String,
    /// The request target as sent: `http://host/path` (absolute form, what a proxy is
    /// sent), `/path` (origin form, what a server is sent) or `host:port` (`CONNECT`).
    pub target: String,
    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub minor_version: u8,
    /// The header fields, in order.
    pub fields: Vec<Field>,
}

/// A response head, parsed.
#[derive(Debug, Clone)]
pub struct Response {
    /// 200, 304, 404…
    pub status: u16,
    /// The reason phrase, as sent.
    pub reason: String,
    /// The header fields, in order.
    pub fields: Vec<Field>,
}

/// Why a head could not be used.
#[derive(Debug)]
pub enum BadHead {
    /// Too many header fields (the request is answered 431, like a head too large).
    TooManyFields,
    /// Not HTTP/1.x: httparse's reason.
    Invalid(String),
}

impl std::fmt::Display for BadHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadHead::TooManyFields => write!(f, "more than {MAX_FIELDS} header fields"),
            BadHead::Invalid(why) => write!(f, "{why}"),
        }
    }
}

/// Parses a request head (as [`read_head`] returned it) with httparse.
pub fn parse_request(head: &[u8]) -> Result<Request, BadHead> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut parsed = httparse::Request::new(&mut fields);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => Ok(Request {
            method: parsed.method.unwrap_or_default().to_string(),
            target: parsed.path.unwrap_or_default().to_string(),
            minor_version: parsed.version.unwrap_or(1),
            fields: owned(parsed.headers),
        }),
        Ok(httparse::Status::Partial) => Err(BadHead::Invalid("incomplete head".into())),
        Err(httparse::Error::TooManyHeaders) => Err(BadHead::TooManyFields),
        Err(error) => Err(BadHead::Invalid(error.to_string())),
    }
}

/// Parses a response head with httparse.
pub fn parse_response(head: &[u8]) -> Result<Response, BadHead> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut parsed = httparse::Response::new(&mut fields);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => Ok(Response {
            status: parsed.code.unwrap_or(0),
            reason: parsed.reason.unwrap_or_default().to_string(),
            fields: owned(parsed.headers),
        }),
        Ok(httparse::Status::Partial) => Err(BadHead::Invalid("incomplete head".into())),
        Err(httparse::Error::TooManyHeaders) => Err(BadHead::TooManyFields),
        Err(error) => Err(BadHead::Invalid(error.to_string())),
    }
}

/// httparse's borrowed fields, copied out so the message can outlive its buffer.
fn owned(fields: &[httparse::Header<'_>]) -> Vec<Field> {
    fields
        .iter()
        .map(|field| (field.name.to_string(), field.value.to_vec()))
        .collect()
}

/// The value of the first field called `name` (case-insensitive), as text.
pub fn field<'a>(fields: &'a [Field], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(field, _)| field.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| std::str::from_utf8(value).ok())
        .map(str::trim)
}

/// Whether any field called `name` lists `token` among its comma-separated values
/// (`Connection: keep-alive, close`, `Cache-Control: private, max-age=0`).
pub fn has_token(fields: &[Field], name: &str, token: &str) -> bool {
    fields
        .iter()
        .filter(|(field, _)| field.eq_ignore_ascii_case(name))
        .filter_map(|(_, value)| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let item = item.trim();
            let name = item.split('=').next().unwrap_or("").trim();
            name.eq_ignore_ascii_case(token)
        })
}

// ANCHOR: hop_by_hop
/// Header fields that describe one connection, not the message: a proxy, which has a
/// connection on each side, must not forward them (RFC 9110 §7.6.1). `Proxy-Connection`
/// is not standard but old clients still send it.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "proxy-connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
];

/// The fields of a message worth passing on to the next hop: everything but the
/// hop-by-hop fields, the fields the `Connection` header names as hop-by-hop too
/// (`Connection: close, X-Secret` makes `X-Secret` local), and the framing field
/// `Content-Length`, which the proxy writes itself for the body it sends.
pub fn end_to_end(fields: &[Field]) -> Vec<Field> {
    let named_by_connection: Vec<String> = fields
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .filter_map(|(_, value)| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .collect();
    fields
        .iter()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase();
            !HOP_BY_HOP.contains(&name.as_str())
                && !named_by_connection.contains(&name)
                && name != "content-length"
        })
        .cloned()
        .collect()
}
// ANCHOR_END: hop_by_hop

/// How a message's body is delimited on the wire (RFC 9112 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body at all (a GET, a HEAD's response, a 304).
    Empty,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`: chunks, each with its size, then a 0 chunk.
    Chunked,
    /// A response that ends when the server closes the connection.
    UntilClose,
}

/// Framing a message does not use correctly: the exchange cannot go on.
#[derive(Debug)]
pub struct BadFraming(pub String);

/// How a request's body is framed: chunked, a length, or none (a request cannot be
/// delimited by the close: the client needs its half of the connection to read the
/// answer).
pub fn request_framing(fields: &[Field]) -> Result<Framing, BadFraming> {
    if let Some(coding) = field(fields, "transfer-encoding") {
        return if coding.eq_ignore_ascii_case("chunked") {
            Ok(Framing::Chunked)
        } else {
            Err(BadFraming(format!("unknown transfer coding {coding:?}")))
        };
    }
    match content_length(fields)? {
        Some(0) | None => Ok(Framing::Empty),
        Some(length) => Ok(Framing::Length(length)),
    }
}

/// How a response's body is framed (RFC 9112 §6.3, in its order): none after a HEAD
/// and for 1xx, 204 and 304; chunked; a length; otherwise up to the close.
pub fn response_framing(method: &str, response: &Response) -> Result<Framing, BadFraming> {
    if method.eq_ignore_ascii_case("HEAD")
        || (100..200).contains(&response.status)
        || response.status == 204
        || response.status == 304
    {
        return Ok(Framing::Empty);
    }
    if let Some(coding) = field(&response.fields, "transfer-encoding") {
        return if coding.eq_ignore_ascii_case("chunked") {
            Ok(Framing::Chunked)
        } else {
            Ok(Framing::UntilClose)
        };
    }
    match content_length(&response.fields)? {
        Some(length) => Ok(Framing::Length(length)),
        None => Ok(Framing::UntilClose),
    }
}

/// The `Content-Length`, if there is one; two different ones are an attack (request
/// smuggling), not a typo.
fn content_length(fields: &[Field]) -> Result<Option<u64>, BadFraming> {
    let mut found = None;
    for (name, value) in fields {
        if !name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let text = std::str::from_utf8(value).unwrap_or("").trim();
        let length: u64 = text
            .parse()
            .map_err(|_| BadFraming(format!("Content-Length {text:?} is not a number")))?;
        if found.is_some_and(|earlier| earlier != length) {
            return Err(BadFraming("two different Content-Length fields".into()));
        }
        found = Some(length);
    }
    Ok(found)
}

/// Writes a head: the start line, the fields, then the framing field that `framing`
/// needs, and the blank line — in one write, so it leaves in as few packets as it can.
pub async fn write_head<W: AsyncWrite + Unpin>(
    to: &mut W,
    start_line: &str,
    fields: &[Field],
    framing: Framing,
) -> io::Result<()> {
    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(start_line.as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in fields {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    match framing {
        Framing::Length(length) => {
            head.extend_from_slice(format!("Content-Length: {length}\r\n").as_bytes());
        }
        Framing::Chunked => head.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        Framing::Empty | Framing::UntilClose => {}
    }
    head.extend_from_slice(b"\r\n");
    to.write_all(&head).await
}

/// A copy of a body kept while it is relayed, up to a limit: the cache's copy.
#[derive(Debug)]
pub struct Keep {
    limit: usize,
    bytes: Option<Vec<u8>>,
}

impl Keep {
    /// Keeps nothing: the body is only relayed.
    pub fn nothing() -> Keep {
        Keep {
            limit: 0,
            bytes: None,
        }
    }

    /// Keeps up to `limit` bytes; a body larger than that is not kept at all.
    pub fn up_to(limit: usize) -> Keep {
        Keep {
            limit,
            bytes: Some(Vec::new()),
        }
    }

    /// Adds a piece of the body, or gives up once the body is over the limit.
    fn push(&mut self, piece: &[u8]) {
        if let Some(bytes) = &mut self.bytes {
            if bytes.len() + piece.len() > self.limit {
                self.bytes = None; // free it now: it will not be stored
            } else {
                bytes.extend_from_slice(piece);
            }
        }
    }

    /// The whole body, if it was kept.
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        self.bytes
    }
}

/// A body could not be relayed.
#[derive(Debug)]
pub enum RelayError {
    /// Reading the sender failed or its framing was broken: the message is cut short.
    Source(io::Error),
    /// Writing to the receiver failed: it has gone.
    Sink(io::Error),
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelayError::Source(error) => write!(f, "reading the body failed: {error}"),
            RelayError::Sink(error) => write!(f, "writing the body failed: {error}"),
        }
    }
}

// ANCHOR: relay_body
/// Copies a body from `from` (framed as `framing`) to `to` (framed as `out`), piece by
/// piece — never the whole body in memory — and keeps a copy in `keep` when it fits.
/// A chunked body is de-chunked on the way: the copy, and the bytes written with
/// another framing, are the body itself, not its chunk sizes.
pub async fn relay_body<R, W>(
    from: &mut R,
    framing: Framing,
    to: &mut W,
    out: Framing,
    keep: &mut Keep,
) -> Result<(), RelayError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    match framing {
        Framing::Empty => {}
        Framing::Length(length) => copy_exactly(from, length, to, out, keep).await?,
        Framing::UntilClose => copy_exactly(from, u64::MAX, to, out, keep).await?,
        Framing::Chunked => loop {
            let size = read_chunk_size(from).await.map_err(RelayError::Source)?;
            if size == 0 {
                skip_trailer(from).await.map_err(RelayError::Source)?;
                break;
            }
            copy_exactly(from, size, to, out, keep).await?;
            let mut line_end = [0u8; 2];
            from.read_exact(&mut line_end)
                .await
                .map_err(RelayError::Source)?;
            if &line_end != b"\r\n" {
                return Err(RelayError::Source(invalid(
                    "a chunk does not end with \\r\\n",
                )));
            }
        },
    }
    if out == Framing::Chunked {
        to.write_all(b"0\r\n\r\n").await.map_err(RelayError::Sink)?;
    }
    to.flush().await.map_err(RelayError::Sink)
}
// ANCHOR_END: relay_body

/// Copies `length` bytes (or up to the end of the stream when `length` is `u64::MAX`),
/// each piece as it arrives, framed as `out`.
async fn copy_exactly<R, W>(
    from: &mut R,
    length: u64,
    to: &mut W,
    out: Framing,
    keep: &mut Keep,
) -> Result<(), RelayError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let until_close = length == u64::MAX;
    let mut left = length;
    while left > 0 {
        let buffer = from.fill_buf().await.map_err(RelayError::Source)?;
        if buffer.is_empty() {
            if until_close {
                return Ok(());
            }
            return Err(RelayError::Source(io::ErrorKind::UnexpectedEof.into()));
        }
        let n = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let piece = &buffer[..n];
        keep.push(piece);
        if out == Framing::Chunked {
            let size = format!("{n:x}\r\n");
            to.write_all(size.as_bytes())
                .await
                .map_err(RelayError::Sink)?;
            to.write_all(piece).await.map_err(RelayError::Sink)?;
            to.write_all(b"\r\n").await.map_err(RelayError::Sink)?;
        } else {
            to.write_all(piece).await.map_err(RelayError::Sink)?;
        }
        from.consume(n);
        if !until_close {
            left -= n as u64;
        }
    }
    Ok(())
}

/// Reads a chunk's size line: hexadecimal digits, maybe `;extensions`, then CRLF.
async fn read_chunk_size<R: AsyncBufRead + Unpin>(from: &mut R) -> io::Result<u64> {
    let line = read_short_line(from).await?;
    let digits = line.split(';').next().unwrap_or("").trim();
    u64::from_str_radix(digits, 16)
        .map_err(|_| invalid(&format!("chunk size {digits:?} is not hexadecimal")))
}

/// Reads the trailer fields after the last chunk, up to the blank line, and drops
/// them (this proxy forwards none).
async fn skip_trailer<R: AsyncBufRead + Unpin>(from: &mut R) -> io::Result<()> {
    for _ in 0..MAX_FIELDS {
        if read_short_line(from).await?.is_empty() {
            return Ok(());
        }
    }
    Err(invalid("too many trailer fields"))
}

/// Reads one line of chunked framing, at most [`MAX_CHUNK_LINE`] bytes, without its
/// line end.
async fn read_short_line<R: AsyncBufRead + Unpin>(from: &mut R) -> io::Result<String> {
    let mut line = Vec::new();
    (&mut *from)
        .take(MAX_CHUNK_LINE as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if !line.ends_with(b"\n") {
        return Err(invalid("a chunk line is too long or cut short"));
    }
    let text = String::from_utf8_lossy(&line);
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

/// An error for a body whose framing is broken.
fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}
