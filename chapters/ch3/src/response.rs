//! Reading an HTTP/1.x response from the program the way a client does: the head parsed
//! by `httparse` (a real parser, the oracle), the body framed as RFC 9112 §6.3 says —
//! none for HEAD, 1xx, 204 and 304; chunked; `Content-Length`; or up to the close.
//!
//! ```ignore
//! let mut web = t.connect(addr)?;
//! web.send_bytes(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")?;
//! let response = read_response(&mut web, "GET")?;
//! response.expect_status(200)?;
//! ```

use harness::peer::StreamPeer;
use harness::{Failure, Kind, Outcome};

/// The longest response head the tests accept: a server is not a flood.
pub const MAX_HEAD: usize = 64 * 1024;
/// The largest body the tests read whole.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// One response as the test received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The minor version: 1 for `HTTP/1.1`, 0 for `HTTP/1.0`.
    pub minor_version: u8,
    /// The status code: 200, 404…
    pub status: u16,
    /// The reason phrase, as sent.
    pub reason: String,
    /// The header fields, names as sent, in order.
    pub headers: Vec<(String, String)>,
    /// The body, decoded from chunks if it was chunked (not decompressed).
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of the headers called `name` (`Set-Cookie` may come several times).
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The body as text (invalid UTF-8 shown as U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the server said it will close the connection after this response.
    pub fn closes(&self) -> bool {
        match self.header("connection") {
            Some(value) => value
                .split(',')
                .any(|token| token.trim().eq_ignore_ascii_case("close")),
            None => self.minor_version == 0,
        }
    }

    /// Checks the status code is `expected`.
    pub fn expect_status(&self, expected: u16) -> Outcome {
        if self.status == expected {
            return Ok(());
        }
        Err(Failure::mismatch(
            "the program answered with a different status",
            expected.to_string(),
            format!("{} {}", self.status, self.reason),
        ))
    }

    /// Checks header `name` is present and equal to `expected` (case-sensitive value).
    pub fn expect_header(&self, name: &str, expected: &str) -> Outcome {
        match self.header(name) {
            Some(value) if value == expected => Ok(()),
            Some(value) => Err(Failure::mismatch(
                format!("the response's {name} header is wrong"),
                expected,
                value,
            )),
            None => Err(Failure::mismatch(
                format!("the response has no {name} header"),
                format!("{name}: {expected}"),
                "(no such header)",
            )),
        }
    }
}

/// Reads one response to a request made with `method` (`HEAD` responses have no body).
pub fn read_response(peer: &mut StreamPeer, method: &str) -> Outcome<Response> {
    let head = peer.read_head(MAX_HEAD)?;
    let mut response = parse_head(&head)?;
    response.body = read_body(peer, method, &response)?;
    Ok(response)
}

/// Parses a response head with httparse; a head it rejects is the program's mistake.
pub fn parse_head(head: &[u8]) -> Outcome<Response> {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut parsed = httparse::Response::new(&mut fields);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(Failure::new("the response head is incomplete").kind(Kind::Mismatch));
        }
        Err(error) => {
            return Err(Failure::mismatch(
                format!("the response head is not valid HTTP/1.1 ({error}, says httparse)"),
                "HTTP/1.1 CODE REASON\\r\\n, then Name: value\\r\\n lines, then \\r\\n",
                String::from_utf8_lossy(head).into_owned(),
            ));
        }
    }
    Ok(Response {
        minor_version: parsed.version.unwrap_or(1),
        status: parsed.code.unwrap_or(0),
        reason: parsed.reason.unwrap_or("").to_string(),
        headers: parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        body: Vec::new(),
    })
}

/// Reads the body the head announces (RFC 9112 §6.3, in its order).
fn read_body(peer: &mut StreamPeer, method: &str, response: &Response) -> Outcome<Vec<u8>> {
    if method.eq_ignore_ascii_case("HEAD")
        || (100..200).contains(&response.status)
        || response.status == 204
        || response.status == 304
    {
        return Ok(Vec::new());
    }
    if let Some(coding) = response.header("transfer-encoding") {
        if coding.trim().eq_ignore_ascii_case("chunked") {
            return read_chunked(peer);
        }
        return Err(Failure::mismatch(
            "the response uses a transfer coding the test does not know",
            "chunked",
            coding,
        ));
    }
    if let Some(length) = response.header("content-length") {
        let length: usize = length.trim().parse().map_err(|_| {
            Failure::mismatch(
                "the response's Content-Length is not a number",
                "a length in bytes",
                length,
            )
        })?;
        if length > MAX_BODY {
            return Err(Failure::new(format!(
                "the response announces {length} bytes, more than the test reads"
            ))
            .kind(Kind::Mismatch));
        }
        return peer.read_bytes(length);
    }
    peer.read_to_close(MAX_BODY)
}

/// Reads a chunked body: `SIZE-IN-HEX\r\n`, the bytes, `\r\n`… up to a 0 chunk and the
/// trailer section's blank line.
fn read_chunked(peer: &mut StreamPeer) -> Outcome<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let size_line = peer.read_line()?;
        let size_text = size_line.trim_end_matches("\\r");
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| {
            Failure::mismatch(
                "a chunk's size line is not a hexadecimal number",
                "SIZE-IN-HEX\\r\\n",
                size_line.clone(),
            )
        })?;
        if body.len() + size > MAX_BODY {
            return Err(
                Failure::new("the chunked body is larger than the test reads").kind(Kind::Mismatch),
            );
        }
        if size == 0 {
            // Trailer fields (rare) up to the blank line.
            loop {
                let line = peer.read_line()?;
                if line == "\\r" || line.is_empty() {
                    return Ok(body);
                }
            }
        }
        body.extend(peer.read_bytes(size)?);
        let end = peer.read_bytes(2)?;
        if end != b"\r\n" {
            return Err(Failure::mismatch(
                "a chunk's data must be followed by \\r\\n",
                "\\r\\n",
                String::from_utf8_lossy(&end).into_owned(),
            ));
        }
    }
}
