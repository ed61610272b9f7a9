//! One HTTP/1.1 connection as a client sees it: open it, write a request, read the
//! response — its head parsed by `httparse`, its body framed by chunks,
//! `Content-Length` or the close (RFC 9112 §6.3).

use anyhow::{Context, anyhow, bail};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The longest response head the client reads: a server is not a flood.
pub const MAX_HEAD: usize = 64 * 1024;
/// The largest page the client keeps to look for objects in; objects themselves are
/// counted as they stream past, never kept, so they may be of any size.
pub const MAX_PAGE: usize = 1024 * 1024;
/// The longest chunk-size line (`SIZE;extensions\r\n`) or trailer line accepted.
const MAX_LINE: usize = 4096;

/// What to do with a response's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Keep it (the page: its references are wanted), up to [`MAX_PAGE`] bytes.
    Keep,
    /// Count its bytes and drop them (an object).
    Count,
}

/// One response, as the report needs it.
#[derive(Debug)]
pub struct Response {
    /// 200, 404…
    pub status: u16,
    /// The body's length in bytes (after removing the chunked framing).
    pub length: u64,
    /// The body, when it was asked for with [`Body::Keep`]; empty otherwise.
    pub body: Vec<u8>,
    /// Whether the connection cannot carry another request: the server said
    /// `Connection: close`, spoke HTTP/1.0 without `keep-alive`, or ended the body by
    /// closing.
    pub closes: bool,
}

/// Why an exchange failed. The difference matters to a persistent client: a server may
/// close an idle kept-alive connection at any moment, and then the next request on it
/// gets no answer at all — not a broken server, just a connection to open again.
#[derive(Debug)]
pub enum ExchangeError {
    /// The connection was closed or reset before a single byte of the response arrived
    /// (the request may not even have been sent): safe to retry a GET elsewhere.
    NoResponse(io::Error),
    /// Anything else: a timeout, a broken or oversized response, a close mid-response.
    Failed(anyhow::Error),
}

impl From<ExchangeError> for anyhow::Error {
    fn from(error: ExchangeError) -> anyhow::Error {
        match error {
            ExchangeError::NoResponse(why) => {
                anyhow!("the server closed the connection without answering: {why}")
            }
            ExchangeError::Failed(error) => error,
        }
    }
}

/// An open connection to the server, with its number in the report (1, 2, …) and how
/// many of its requests were answered.
pub struct Connection {
    reader: BufReader<TcpStream>,
    /// Its number in the report: the order in which the client opened it.
    pub number: usize,
    /// How many responses it has carried so far.
    pub answered: usize,
}

impl Connection {
    /// Connects to `host:port`, trying every address the name resolves to, and sets the
    /// read timeout: waiting more than `timeout` for the server's next bytes fails.
    pub fn open(
        host: &str,
        port: u16,
        number: usize,
        timeout: Duration,
    ) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect((host, port))
            .with_context(|| format!("cannot connect to {host} port {port}"))?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        // Requests are small and each waits for its answer: do not let Nagle hold one.
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
            number,
            answered: 0,
        })
    }

    /// Sends `GET target` and reads its response. With `close`, the request asks the
    /// server to close the connection after answering (`Connection: close`).
    pub fn get(
        &mut self,
        authority: &str,
        target: &str,
        close: bool,
        body: Body,
    ) -> Result<Response, ExchangeError> {
        write_request(self.reader.get_mut(), authority, target, close).map_err(
            |error| match error.kind() {
                io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted => ExchangeError::NoResponse(error),
                _ => ExchangeError::Failed(
                    anyhow!(error).context(format!("cannot send GET {target}")),
                ),
            },
        )?;
        let response = read_response(&mut self.reader, body)?;
        self.answered += 1;
        Ok(response)
    }
}

// ANCHOR: write_request
/// Writes `GET target HTTP/1.1` with the `Host` header (mandatory in HTTP/1.1: one
/// address may serve many sites), and `Connection: close` when the client will not
/// send another request on this connection. HTTP/1.1 connections are persistent
/// unless one side says `close`, so a persistent client sends no `Connection` header
/// at all.
///
/// The whole request leaves in one `write_all`: `write` may send only part of it, and
/// several small writes would each be a packet (the server parses the same bytes either
/// way, but a half-sent request is one it waits for forever).
fn write_request(
    stream: &mut TcpStream,
    authority: &str,
    target: &str,
    close: bool,
) -> io::Result<()> {
    let mut request =
        format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: ch3-3\r\n");
    if close {
        request.push_str("Connection: close\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())
}
// ANCHOR_END: write_request

/// Reads one response to a GET: the head (at most [`MAX_HEAD`] bytes), then the body as
/// the head frames it. A close or reset before the first byte is
/// [`ExchangeError::NoResponse`]; anything that goes wrong later is `Failed`.
pub fn read_response(
    reader: &mut BufReader<TcpStream>,
    body: Body,
) -> Result<Response, ExchangeError> {
    let head = read_head(reader)?;
    let failed = ExchangeError::Failed;
    let head = parse_head(&head).map_err(failed)?;
    let framing = framing(&head).map_err(failed)?;
    let mut sink = Sink::new(body);
    match framing {
        Framing::None => {}
        Framing::Length(length) => copy_exactly(reader, length, &mut sink).map_err(failed)?,
        Framing::Chunked => read_chunked(reader, &mut sink).map_err(failed)?,
        Framing::UntilClose => copy_to_close(reader, &mut sink).map_err(failed)?,
    }
    Ok(Response {
        status: head.status,
        length: sink.length,
        body: sink.kept,
        closes: head.closes || framing == Framing::UntilClose,
    })
}

/// Reads the head up to and including the blank line that ends it.
fn read_head(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, ExchangeError> {
    let mut head = Vec::new();
    loop {
        let limit = (MAX_HEAD + 1 - head.len()) as u64;
        let read = reader.by_ref().take(limit).read_until(b'\n', &mut head);
        match read {
            Ok(0) if head.is_empty() => {
                return Err(ExchangeError::NoResponse(
                    io::ErrorKind::UnexpectedEof.into(),
                ));
            }
            Err(error) if head.is_empty() && is_closed(&error) => {
                return Err(ExchangeError::NoResponse(error));
            }
            Err(error) => return Err(ExchangeError::Failed(waiting_failed(error, "a response"))),
            Ok(0) => {
                return Err(ExchangeError::Failed(anyhow!(
                    "the server closed the connection in the middle of a response head"
                )));
            }
            Ok(_) => {}
        }
        if head.len() > MAX_HEAD {
            return Err(ExchangeError::Failed(anyhow!(
                "the response head is longer than {} KiB",
                MAX_HEAD / 1024
            )));
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") || head == b"\r\n" {
            if head == b"\r\n" {
                // Stray empty line before a response (RFC 9112 §2.2 allows ignoring it).
                head.clear();
                continue;
            }
            return Ok(head);
        }
    }
}

/// Whether an I/O error means the peer closed or reset the connection.
fn is_closed(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// The error for a read that failed while waiting for `what`: a timeout is named as
/// one, so the user knows the server went silent rather than broke.
fn waiting_failed(error: io::Error, what: &str) -> anyhow::Error {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            anyhow!("no response from the server: timed out waiting for {what}")
        }
        _ => anyhow!(error).context(format!("reading {what} failed")),
    }
}

/// The parts of a response head that decide what comes next.
struct Head {
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
    closes: bool,
}

/// Parses a response head with httparse and picks out status, framing and `Connection`.
fn parse_head(head: &[u8]) -> anyhow::Result<Head> {
    let mut fields = [httparse::EMPTY_HEADER; 100];
    let mut response = httparse::Response::new(&mut fields);
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => bail!("the response head is incomplete"),
        Err(error) => bail!("the server's answer is not an HTTP/1.x response ({error})"),
    }
    let minor = response.version.unwrap_or(1);
    let status = response.code.unwrap_or(0);
    let mut parsed = Head {
        status,
        content_length: None,
        chunked: false,
        closes: minor == 0,
    };
    for field in response.headers.iter() {
        let value = String::from_utf8_lossy(field.value);
        let tokens = || value.split(',').map(|t| t.trim().to_ascii_lowercase());
        if field.name.eq_ignore_ascii_case("connection") {
            if tokens().any(|t| t == "close") {
                parsed.closes = true;
            } else if tokens().any(|t| t == "keep-alive") {
                parsed.closes = false;
            }
        } else if field.name.eq_ignore_ascii_case("transfer-encoding") {
            parsed.chunked = tokens().next_back().is_some_and(|t| t == "chunked");
            if !parsed.chunked {
                bail!("the response uses a transfer coding this client does not know: {value}");
            }
        } else if field.name.eq_ignore_ascii_case("content-length") {
            let length: u64 = value.trim().parse().with_context(|| {
                format!("the response's Content-Length is not a number: {value}")
            })?;
            if parsed.content_length.is_some_and(|other| other != length) {
                bail!("the response has two different Content-Length headers");
            }
            parsed.content_length = Some(length);
        }
    }
    Ok(parsed)
}

/// How a response's body is delimited (RFC 9112 §6.3, in its order of precedence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body: 1xx, 204, 304.
    None,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Content-Length: N`.
    Length(u64),
    /// Neither: the body is everything up to the close, and the connection is done.
    UntilClose,
}

/// The framing the head announces.
fn framing(head: &Head) -> anyhow::Result<Framing> {
    if (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
        return Ok(Framing::None);
    }
    Ok(match (head.chunked, head.content_length) {
        (true, _) => Framing::Chunked,
        (false, Some(length)) => Framing::Length(length),
        (false, None) => Framing::UntilClose,
    })
}

/// Where body bytes go: kept (the page, up to [`MAX_PAGE`]) or only counted.
struct Sink {
    keep: bool,
    kept: Vec<u8>,
    length: u64,
}

impl Sink {
    fn new(body: Body) -> Sink {
        Sink {
            keep: body == Body::Keep,
            kept: Vec::new(),
            length: 0,
        }
    }

    /// Takes the next bytes of the body.
    fn take(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.length += bytes.len() as u64;
        if self.keep {
            if self.kept.len() + bytes.len() > MAX_PAGE {
                bail!("the page is larger than {} KiB", MAX_PAGE / 1024);
            }
            self.kept.extend_from_slice(bytes);
        }
        Ok(())
    }
}

/// Copies exactly `length` body bytes into `sink`, a buffer at a time.
fn copy_exactly(
    reader: &mut BufReader<TcpStream>,
    length: u64,
    sink: &mut Sink,
) -> anyhow::Result<()> {
    let mut left = length;
    while left > 0 {
        let buffer = reader
            .fill_buf()
            .map_err(|e| waiting_failed(e, "the body"))?;
        if buffer.is_empty() {
            bail!("the server closed the connection {left} bytes before the end of the body");
        }
        let n = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        sink.take(&buffer[..n])?;
        reader.consume(n);
        left -= n as u64;
    }
    Ok(())
}

/// Copies everything up to the close into `sink`.
fn copy_to_close(reader: &mut BufReader<TcpStream>, sink: &mut Sink) -> anyhow::Result<()> {
    loop {
        let buffer = reader
            .fill_buf()
            .map_err(|e| waiting_failed(e, "the body"))?;
        if buffer.is_empty() {
            return Ok(());
        }
        let n = buffer.len();
        sink.take(buffer)?;
        reader.consume(n);
    }
}

/// Reads a chunked body: `SIZE-IN-HEX[;ext]\r\n`, SIZE bytes, `\r\n`, … up to a chunk of
/// size 0, then trailer lines up to an empty line.
fn read_chunked(reader: &mut BufReader<TcpStream>, sink: &mut Sink) -> anyhow::Result<()> {
    loop {
        let line = read_line(reader)?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size, 16)
            .with_context(|| format!("a chunk size is not a hexadecimal number: {line:?}"))?;
        if size == 0 {
            while !read_line(reader)?.is_empty() {}
            return Ok(());
        }
        copy_exactly(reader, size, sink)?;
        if !read_line(reader)?.is_empty() {
            bail!("a chunk is longer than its size says");
        }
    }
}

/// Reads one line of chunk framing (at most [`MAX_LINE`] bytes), without its line end.
fn read_line(reader: &mut BufReader<TcpStream>) -> anyhow::Result<String> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| waiting_failed(e, "the chunked body"))?;
    if !line.ends_with(b"\n") {
        if line.len() > MAX_LINE {
            bail!("a line of the chunked body is longer than {MAX_LINE} bytes");
        }
        bail!("the server closed the connection in the middle of a chunked body");
    }
    let text = String::from_utf8_lossy(&line);
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}
