//! Reading one HTTP/1.1 message (RFC 9112) from a byte stream: the head line by line,
//! then the body as the framing headers say. A pure function over any `BufRead`, so a
//! test can feed it a byte slice and the program its stdin.
//!
//! The rules, decided once and documented on the book page:
//! - every line of the head ends in CRLF; a bare LF is refused (RFC 9112 §2.2 allows
//!   a recipient to accept it, but two parsers that disagree about where a line ends
//!   disagree about where a message ends);
//! - a line that starts with a space or a tab (obsolete line folding) is refused
//!   (RFC 9112 §5.2);
//! - the head is at most [`MAX_HEAD`] bytes and [`MAX_FIELDS`] header fields;
//! - Content-Length is one or more digits; several fields must say the same number;
//!   Content-Length together with Transfer-Encoding is refused (request smuggling);
//! - the only transfer coding known is `chunked`;
//! - nothing is allocated from what a header announces: the body grows only with
//!   bytes that really arrive.
//!
//! The grammar, in full (the oracle of the tests is httparse plus these rules):
//! - the message starts with its start line (no empty line before it);
//! - request line: `METHOD SP TARGET SP VERSION`, single spaces; the method a token
//!   (RFC 9110 `tchar`s), the target visible ASCII or bytes from 0x80 that form UTF-8;
//! - status line: `VERSION SP` three digits, then nothing, or `SP` and a reason of
//!   tabs, spaces, visible ASCII and obs-text (0x80–0xFF);
//! - `VERSION` is `HTTP/1.0` or `HTTP/1.1`;
//! - field line: a token name, `:` right after it, a value of tabs, spaces, visible
//!   ASCII and obs-text (trimmed);
//! - framing: a 1xx, 204 or 304 response has no body; else chunked; else
//!   Content-Length; else a response runs to the end of the input, and a request has
//!   no body;
//! - Transfer-Encoding: the comma-separated codings of all its fields together must
//!   be exactly `chunked` (in any case);
//! - chunk-size line (at most [`MAX_CHUNK_LINE`] bytes): 1 to [`MAX_CHUNK_DIGITS`] hex
//!   digits, optional spaces or tabs, optional `;` and an extension without CR, CRLF;
//!   then the data and CRLF; size 0 ends the chunks, and a trailer section follows,
//!   read like the head's fields (same limits) up to its blank line.

use std::fmt;
use std::io::{self, BufRead, Read};

// ANCHOR: limits
/// The most bytes a head (start line, header fields and the blank line) may take. A
/// peer that never sends the blank line must not make us buffer without end.
pub const MAX_HEAD: usize = 64 * 1024;
/// The most header fields (and, separately, trailer fields) a message may have.
pub const MAX_FIELDS: usize = 100;
/// The most bytes a chunk-size line (size, extensions, CRLF) may take.
pub const MAX_CHUNK_LINE: usize = 4 * 1024;
/// The most hex digits in a chunk size: 16 digits fill a `u64`.
pub const MAX_CHUNK_DIGITS: usize = 16;
// ANCHOR_END: limits

/// The first line of a message: a request line or a status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `GET /index.html HTTP/1.1`
    Request {
        method: String,
        target: String,
        version: String,
    },
    /// `HTTP/1.1 404 Not Found`; the reason phrase is kept as bytes: it may hold
    /// obs-text (bytes 0x80–0xFF), which need not be UTF-8.
    Response {
        version: String,
        status: u16,
        reason: Vec<u8>,
    },
}

/// One header (or trailer) field: the name lowercased (names are case-insensitive),
/// the value without the whitespace around it, as bytes (obs-text is allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: Vec<u8>,
}

/// A whole message: head, decoded body, and the trailer fields of a chunked body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: StartLine,
    pub headers: Vec<Field>,
    pub trailers: Vec<Field>,
    pub body: Vec<u8>,
}

// ANCHOR: malformed
/// Why a message was refused. Each class has its own exit status, so a script (or a
/// test) can tell them apart; the text is the rest of the one `error:` line.
#[derive(Debug)]
pub enum Malformed {
    /// The request line or status line breaks the grammar.
    StartLine(String),
    /// A header or trailer field breaks the grammar (no colon, a bad name, a control
    /// byte in the value).
    Field(String),
    /// A line that starts with whitespace: obsolete line folding.
    ObsFold,
    /// A line ending in LF without its CR.
    BareLf,
    /// More than [`MAX_HEAD`] bytes or [`MAX_FIELDS`] fields.
    TooLarge(String),
    /// A Content-Length that is not a number we can hold.
    BadLength(String),
    /// Two framings that disagree: different Content-Lengths, or Content-Length
    /// together with Transfer-Encoding.
    Conflict(String),
    /// A Transfer-Encoding other than `chunked`.
    Unsupported(String),
    /// A chunked body that breaks the grammar (chunk size, CRLF after the data).
    BadChunk(String),
    /// The input ended before the message did.
    Truncated(String),
    /// Reading the input failed.
    Io(io::Error),
}

impl Malformed {
    /// The exit status of each class (1 is for I/O errors, 2 for usage errors).
    pub fn exit_code(&self) -> u8 {
        match self {
            Malformed::Io(_) => 1,
            Malformed::StartLine(_) => 3,
            Malformed::Field(_) => 4,
            Malformed::ObsFold => 5,
            Malformed::BareLf => 6,
            Malformed::TooLarge(_) => 7,
            Malformed::BadLength(_) => 8,
            Malformed::Conflict(_) => 9,
            Malformed::Unsupported(_) => 10,
            Malformed::BadChunk(_) => 11,
            Malformed::Truncated(_) => 12,
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::StartLine(why) => write!(f, "bad start line: {why}"),
            Malformed::Field(why) => write!(f, "bad header field: {why}"),
            Malformed::ObsFold => write!(
                f,
                "obsolete line folding: a line starts with whitespace (RFC 9112 §5.2)"
            ),
            Malformed::BareLf => write!(f, "bare LF: every line of the head must end in CRLF"),
            Malformed::TooLarge(why) => write!(f, "head too large: {why}"),
            Malformed::BadLength(why) => write!(f, "bad Content-Length: {why}"),
            Malformed::Conflict(why) => write!(f, "conflicting framing: {why}"),
            Malformed::Unsupported(why) => write!(f, "unsupported transfer coding: {why}"),
            Malformed::BadChunk(why) => write!(f, "bad chunked body: {why}"),
            Malformed::Truncated(why) => write!(f, "truncated message: {why}"),
            Malformed::Io(error) => write!(f, "cannot read stdin: {error}"),
        }
    }
}

impl From<io::Error> for Malformed {
    fn from(error: io::Error) -> Self {
        Malformed::Io(error)
    }
}
// ANCHOR_END: malformed

// ANCHOR: read_message
/// Reads one message from `input`: a response if it starts with `HTTP/`, else a
/// request. Stops right after the message; whatever follows is left unread (on a
/// connection it would be the next message).
pub fn read_message(input: &mut impl BufRead) -> Result<Message, Malformed> {
    let mut lines = read_section(input, MAX_FIELDS + 1)?.into_iter();
    let Some(first) = lines.next() else {
        return Err(Malformed::StartLine(
            "the message starts with an empty line".into(),
        ));
    };
    let start = parse_start_line(&first)?;
    let headers = lines
        .map(|line| parse_field(&line))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = Vec::new();
    let mut trailers = Vec::new();
    match framing(&start, &headers)? {
        Framing::Empty => {}
        Framing::Length(length) => read_exactly(input, length, &mut body)?,
        Framing::Chunked => trailers = read_chunked(input, &mut body)?,
        Framing::UntilEnd => read_to_end(input, &mut body)?,
    }
    Ok(Message {
        start,
        headers,
        trailers,
        body,
    })
}
// ANCHOR_END: read_message

// ANCHOR: read_section
/// Reads lines up to the blank line that ends a head or a trailer section, at most
/// [`MAX_HEAD`] bytes and `max_lines` lines. Returns the lines without their CRLF,
/// the blank line left out.
fn read_section(input: &mut impl BufRead, max_lines: usize) -> Result<Vec<Vec<u8>>, Malformed> {
    let mut lines = Vec::new();
    let mut used = 0;
    loop {
        let budget = MAX_HEAD - used;
        let mut line = Vec::new();
        // `take` bounds the read: a line without end stops at the budget.
        let read = (&mut *input)
            .take(budget as u64)
            .read_until(b'\n', &mut line)?;
        used += read;
        if !line.ends_with(b"\n") {
            return Err(if read == budget {
                Malformed::TooLarge(format!("more than {MAX_HEAD} bytes without a blank line"))
            } else {
                Malformed::Truncated("the input ends inside the head".into())
            });
        }
        let Some(content) = line.strip_suffix(b"\r\n") else {
            return Err(Malformed::BareLf);
        };
        if content.is_empty() {
            return Ok(lines);
        }
        if lines.len() == max_lines {
            return Err(Malformed::TooLarge(format!(
                "more than {MAX_FIELDS} fields"
            )));
        }
        lines.push(content.to_vec());
    }
}
// ANCHOR_END: read_section

// ANCHOR: start_line
/// Parses a request line (`METHOD SP TARGET SP VERSION`) or a status line
/// (`VERSION SP CODE [SP REASON]`), single spaces only.
fn parse_start_line(line: &[u8]) -> Result<StartLine, Malformed> {
    if line.starts_with(b"HTTP/") {
        parse_status_line(line)
    } else {
        parse_request_line(line)
    }
}

/// `GET /index.html HTTP/1.1`: a token, a target of visible bytes, a version.
fn parse_request_line(line: &[u8]) -> Result<StartLine, Malformed> {
    let bad = |why: &str| Malformed::StartLine(why.to_string());
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("a request line is METHOD SP TARGET SP VERSION"));
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(bad("the method is not a token"));
    }
    if target.is_empty() || !target.iter().all(|&b| is_target_byte(b)) {
        return Err(bad(
            "the target is empty or holds a space or a control byte",
        ));
    }
    let target = std::str::from_utf8(target).map_err(|_| bad("the target is not UTF-8"))?;
    Ok(StartLine::Request {
        method: ascii(method),
        target: target.to_string(),
        version: parse_version(version)?,
    })
}

/// `HTTP/1.1 200 OK`; the reason phrase may be empty, and so may its space.
fn parse_status_line(line: &[u8]) -> Result<StartLine, Malformed> {
    let bad = |why: &str| Malformed::StartLine(why.to_string());
    let version = parse_version(line.get(..8).unwrap_or(line))?;
    if line.get(8) != Some(&b' ') {
        return Err(bad("a status line is VERSION SP CODE SP REASON"));
    }
    let code = line.get(9..12).unwrap_or_default();
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return Err(bad("the status code is not three digits"));
    }
    let reason = match line.get(12..) {
        Some([]) | None => &[][..],
        Some([b' ', reason @ ..]) => reason,
        Some(_) => return Err(bad("the status code is not three digits")),
    };
    if !reason.iter().all(|&b| is_text_byte(b)) {
        return Err(bad("the reason phrase holds a control byte"));
    }
    Ok(StartLine::Response {
        version,
        status: ascii(code).parse().unwrap_or_default(),
        reason: reason.to_vec(),
    })
}

/// Only `HTTP/1.0` and `HTTP/1.1` are HTTP/1 messages this parser knows.
fn parse_version(version: &[u8]) -> Result<String, Malformed> {
    match version {
        b"HTTP/1.0" | b"HTTP/1.1" => Ok(ascii(version)),
        _ => Err(Malformed::StartLine(
            "the version is not HTTP/1.0 or HTTP/1.1".into(),
        )),
    }
}
// ANCHOR_END: start_line

// ANCHOR: field
/// Parses `Name: value`: a token, a colon right after it, a value of visible bytes,
/// spaces and tabs (trimmed). A line that starts with whitespace continues the one
/// before it in the obsolete folding syntax, which is refused.
fn parse_field(line: &[u8]) -> Result<Field, Malformed> {
    if line.starts_with(b" ") || line.starts_with(b"\t") {
        return Err(Malformed::ObsFold);
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Err(Malformed::Field("a field line without a colon".into()));
    };
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(Malformed::Field(
            "the name is not a token (a space before the colon?)".into(),
        ));
    }
    if !value.iter().all(|&b| is_text_byte(b)) {
        return Err(Malformed::Field("the value holds a control byte".into()));
    }
    Ok(Field {
        name: ascii(name).to_ascii_lowercase(),
        value: trim(value).to_vec(),
    })
}
// ANCHOR_END: field

// ANCHOR: framing
/// How the body of a message is delimited (RFC 9112 §6.3).
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    /// No body: a request without framing headers; a 1xx, 204 or 304 response.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunks, up to the zero-sized one and the trailer section.
    Chunked,
    /// A response without framing headers: the body is everything to the end.
    UntilEnd,
}

/// Decides the framing from the headers, refusing the ambiguous cases.
fn framing(start: &StartLine, headers: &[Field]) -> Result<Framing, Malformed> {
    let length = content_length(headers)?;
    let chunked = is_chunked(headers)?;
    if chunked && length.is_some() {
        return Err(Malformed::Conflict(
            "both Transfer-Encoding and Content-Length (request smuggling)".into(),
        ));
    }
    let is_response = matches!(start, StartLine::Response { .. });
    let bodiless = matches!(start, StartLine::Response { status, .. }
        if (100..200).contains(status) || *status == 204 || *status == 304);
    Ok(match (bodiless, chunked, length) {
        (true, _, _) => Framing::Empty,
        (false, true, _) => Framing::Chunked,
        (false, false, Some(length)) => Framing::Length(length),
        (false, false, None) if is_response => Framing::UntilEnd,
        (false, false, None) => Framing::Empty,
    })
}

/// The Content-Length, if any: every field one or more digits, all the same number.
fn content_length(headers: &[Field]) -> Result<Option<u64>, Malformed> {
    let mut length = None;
    for field in headers.iter().filter(|f| f.name == "content-length") {
        let value = &field.value;
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return Err(Malformed::BadLength(format!(
                "{:?} is not a number",
                String::from_utf8_lossy(value)
            )));
        }
        let Ok(this) = ascii(value).parse::<u64>() else {
            return Err(Malformed::BadLength("too large".into()));
        };
        if length.is_some_and(|earlier| earlier != this) {
            return Err(Malformed::Conflict(
                "two Content-Length fields that differ".into(),
            ));
        }
        length = Some(this);
    }
    Ok(length)
}

/// Whether the body is chunked: Transfer-Encoding, over all its fields, must list
/// exactly `chunked` (the only coding this parser can undo).
fn is_chunked(headers: &[Field]) -> Result<bool, Malformed> {
    let codings: Vec<String> = headers
        .iter()
        .filter(|f| f.name == "transfer-encoding")
        .flat_map(|f| {
            f.value
                .split(|&b| b == b',')
                .map(|c| ascii(trim(c)).to_ascii_lowercase())
        })
        .collect();
    match codings.as_slice() {
        [] => Ok(false),
        [only] if only == "chunked" => Ok(true),
        _ => Err(Malformed::Unsupported(format!(
            "{:?} (only a single chunked is known)",
            codings.join(", ")
        ))),
    }
}
// ANCHOR_END: framing

// ANCHOR: body
/// Reads exactly `length` bytes into `body`, a buffer at a time: the Vec grows with
/// the bytes that arrive, never with the number announced.
fn read_exactly(
    input: &mut impl BufRead,
    length: u64,
    body: &mut Vec<u8>,
) -> Result<(), Malformed> {
    let read = (&mut *input).take(length).read_to_end(body)?;
    if (read as u64) < length {
        return Err(Malformed::Truncated(format!(
            "the body has {read} of its {length} bytes"
        )));
    }
    Ok(())
}

/// A body delimited by the end of the input.
fn read_to_end(input: &mut impl BufRead, body: &mut Vec<u8>) -> Result<(), Malformed> {
    input.read_to_end(body)?;
    Ok(())
}

/// Decodes a chunked body into `body`, and returns its trailer fields.
fn read_chunked(input: &mut impl BufRead, body: &mut Vec<u8>) -> Result<Vec<Field>, Malformed> {
    loop {
        let size = read_chunk_size(input)?;
        if size == 0 {
            let lines = read_section(input, MAX_FIELDS)?;
            return lines.iter().map(|line| parse_field(line)).collect();
        }
        read_exactly(input, size, body)?;
        let mut end = Vec::new();
        (&mut *input).take(2).read_to_end(&mut end)?;
        match end.as_slice() {
            b"\r\n" => {}
            [] | b"\r" => return Err(Malformed::Truncated("the input ends inside a chunk".into())),
            _ => {
                return Err(Malformed::BadChunk(
                    "a chunk's data is not followed by CRLF".into(),
                ));
            }
        }
    }
}

/// Reads a chunk-size line: hex digits, optional spaces or tabs, optional `;`
/// extensions (ignored), CRLF.
fn read_chunk_size(input: &mut impl BufRead) -> Result<u64, Malformed> {
    let bad = |why: &str| Malformed::BadChunk(why.to_string());
    let mut line = Vec::new();
    let read = (&mut *input)
        .take(MAX_CHUNK_LINE as u64)
        .read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\n") {
        return Err(if read == MAX_CHUNK_LINE {
            bad("a chunk-size line without end")
        } else {
            Malformed::Truncated("the input ends inside the chunked body".into())
        });
    }
    let Some(line) = line.strip_suffix(b"\r\n") else {
        return Err(bad("a chunk-size line ends in a bare LF"));
    };
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > MAX_CHUNK_DIGITS {
        return Err(bad("the chunk size is not 1 to 16 hex digits"));
    }
    let rest = &line[digits..];
    let rest = &rest[rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()..];
    if !(rest.is_empty() || (rest[0] == b';' && !rest.contains(&b'\r'))) {
        return Err(bad(
            "the chunk size is followed by something other than an extension",
        ));
    }
    u64::from_str_radix(&ascii(&line[..digits]), 16).map_err(|_| bad("the chunk size is too large"))
}
// ANCHOR_END: body

/// RFC 9110 §5.6.2 `tchar`: the bytes of a token (method, field name).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The bytes a request target may hold: visible ASCII and bytes of 0x80 and up.
fn is_target_byte(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// The bytes a field value or reason phrase may hold: tab, space, visible ASCII and
/// obs-text (0x80–0xFF); no other control byte, no CR or LF.
fn is_text_byte(b: u8) -> bool {
    b == b'\t' || (0x20..=0x7e).contains(&b) || b >= 0x80
}

/// `bytes` without the spaces and tabs around them.
fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Bytes already checked to be ASCII (or where a lossy view is enough), as a String.
fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Message, Malformed> {
        read_message(&mut &bytes[..])
    }

    #[test]
    fn a_chunked_request_is_decoded() {
        let m = parse(b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n")
            .unwrap();
        assert_eq!(m.body, b"abc");
        assert_eq!(m.trailers[0].name, "t");
    }

    #[test]
    fn each_class_has_its_code() {
        let code = |bytes: &[u8]| parse(bytes).unwrap_err().exit_code();
        assert_eq!(code(b"GET  / HTTP/1.1\r\n\r\n"), 3);
        assert_eq!(code(b"GET / HTTP/1.1\r\nA : b\r\n\r\n"), 4);
        assert_eq!(code(b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), 5);
        assert_eq!(code(b"GET / HTTP/1.1\nA: b\r\n\r\n"), 6);
        assert_eq!(code(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 8);
        assert_eq!(
            code(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            9
        );
        assert_eq!(
            code(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            10
        );
        assert_eq!(
            code(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n"),
            11
        );
        assert_eq!(code(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), 12);
    }
}
