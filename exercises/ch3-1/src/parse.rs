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
//!
//! Your work is [`read_message`], marked `todo!()`, and whatever small functions you
//! split it into. The types, limits and error classes are given: `main.rs` and the
//! normal form use them. Suggested steps, each a function of its own:
//! 1. read the head's lines up to the blank line, each with `take` so a line without
//!    end stops at the budget left of [`MAX_HEAD`]; refuse a line without its CR;
//! 2. parse the start line (request or status line) and each field line;
//! 3. decide the framing: Content-Length (digits only, all equal), chunked, to the end
//!    (a response), or none; refuse both at once;
//! 4. read the body: exactly N bytes (`take(n).read_to_end`), or the chunks and their
//!    trailer section, or everything to the end.

use std::fmt;
use std::io::{self, BufRead};

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
///
/// Returns the message with header names lowercased and values trimmed (see
/// [`Field`]), a chunked body decoded and its trailer fields, or the [`Malformed`]
/// class that explains why the input is not a message: every rule in this module's
/// documentation, and every limit above, is checked by the tests.
pub fn read_message(input: &mut impl BufRead) -> Result<Message, Malformed> {
    todo!("read the head line by line, parse it, decide the framing, read the body")
}
// ANCHOR_END: read_message
