//! A seeded corpus of HTTP/1.1 messages, valid and broken, and the oracle that says
//! what a parser must make of each: the differential check of ch3-1 (its test and
//! `cargo xtask fuzz ch3-1`) and the request stream of `cargo xtask fuzz ch3-2`.
//!
//! - [`sample`]`(seed, n)` is message number `n` of the corpus of `seed`: the same pair
//!   always gives the same bytes, so one failing message out of 100,000 is replayed
//!   alone. Half the samples are [`valid_message`]s (random methods, targets, header
//!   names in mixed case, values with whitespace around them, Content-Length, chunked
//!   and close-delimited bodies, trailers); the other half are [`mutate`]d ones: bytes
//!   flipped, CR or LF removed, folded lines, duplicated or conflicting lengths, both
//!   framings at once, cuts.
//! - [`expected`] is the oracle: `httparse` judges the head, and ch3-1's documented
//!   framing rules (strict CRLF, no leading empty line, at most [`MAX_HEAD`] bytes and
//!   [`MAX_FIELDS`] fields, Content-Length digits only and all equal, never together
//!   with Transfer-Encoding, `chunked` the only coding) judge the rest; it returns the
//!   normal form the program must print, or why the message must be refused.
//! - [`run_parse`] runs `PROGRAM parse` on one input with a time limit and measures
//!   its peak memory; [`judge`] compares what it did with the oracle.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// ch3-1's limit on a head (and on a trailer section), in bytes.
pub const MAX_HEAD: usize = 64 * 1024;
/// ch3-1's limit on the number of header (and of trailer) fields.
pub const MAX_FIELDS: usize = 100;
/// ch3-1's limit on a chunk-size line, CRLF included.
pub const MAX_CHUNK_LINE: usize = 4 * 1024;
/// The exit statuses ch3-1 gives malformed messages (3 bad start line … 12 truncated).
pub const MALFORMED_STATUSES: std::ops::RangeInclusive<i32> = 3..=12;

/// Message number `n` of the corpus drawn from `seed`: valid or broken, half and half.
pub fn sample(seed: u64, n: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(mix(seed, n));
    let message = valid_message(&mut rng);
    if rng.bool() {
        message
    } else {
        mutate(&mut rng, message)
    }
}

/// A seed of its own for each sample, so sample `n` needs no samples before it.
fn mix(seed: u64, n: u64) -> u64 {
    // SplitMix64's finaliser: neighbouring `n`s give unrelated seeds.
    let mut z = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];
const NAMES: &[&str] = &[
    "Host",
    "Accept",
    "User-Agent",
    "Cookie",
    "X-Request-Id",
    "Cache-Control",
    "If-Modified-Since",
    "Connection",
];
const STATUSES: &[(u16, &str)] = &[
    (200, "OK"),
    (204, "No Content"),
    (301, "Moved Permanently"),
    (304, "Not Modified"),
    (404, "Not Found"),
    (500, "Internal Server Error"),
    (100, "Continue"),
];
const TCHARS: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A valid request or response, framed one of the ways HTTP/1.1 allows.
pub fn valid_message(rng: &mut fastrand::Rng) -> Vec<u8> {
    let response = rng.u8(..10) < 4;
    let mut head = Vec::new();
    let mut bodiless = false;
    if response {
        let (status, reason) = if rng.bool() {
            STATUSES[rng.usize(..STATUSES.len())]
        } else {
            (rng.u16(100..600), "")
        };
        bodiless = (100..200).contains(&status) || status == 204 || status == 304;
        let version = if rng.u8(..5) == 0 { "1.0" } else { "1.1" };
        head.extend(format!("HTTP/{version} {status:03}").bytes());
        match rng.u8(..6) {
            0 => {}
            1 => head.extend(b" "),
            2 => {
                head.push(b' ');
                head.extend(text(rng, 12));
            }
            _ => head.extend(format!(" {reason}").bytes()),
        }
    } else {
        let method = if rng.u8(..6) == 0 {
            token(rng, 8)
        } else {
            METHODS[rng.usize(..METHODS.len())].as_bytes().to_vec()
        };
        head.extend(method);
        head.push(b' ');
        head.extend(target(rng));
        head.extend(if rng.u8(..5) == 0 {
            &b" HTTP/1.0"[..]
        } else {
            b" HTTP/1.1"
        });
    }
    head.extend(b"\r\n");
    for _ in 0..rng.usize(..7) {
        let name = if rng.u8(..4) == 0 {
            token(rng, 12)
        } else {
            let name = NAMES[rng.usize(..NAMES.len())];
            mixed_case(rng, name)
        };
        let value = text(rng, 24);
        field(rng, &mut head, &name, &value);
    }
    let body: Vec<u8> = (0..rng.usize(..48)).map(|_| rng.u8(..)).collect();
    let mut message = head;
    match rng.u8(..4) {
        // Content-Length, sometimes twice with the same number.
        0 | 1 if !bodiless => {
            let length = body.len().to_string();
            let name = mixed_case(rng, "Content-Length");
            field(rng, &mut message, &name, length.as_bytes());
            if rng.u8(..6) == 0 {
                field(rng, &mut message, b"content-length", length.as_bytes());
            }
            message.extend(b"\r\n");
            message.extend(&body);
        }
        2 if !bodiless => {
            let name = mixed_case(rng, "Transfer-Encoding");
            field(rng, &mut message, &name, b"chunked");
            message.extend(b"\r\n");
            chunked(rng, &mut message, &body);
        }
        // No framing: a request has no body; a response runs to the end.
        _ => {
            message.extend(b"\r\n");
            if response && !bodiless {
                message.extend(&body);
            }
        }
    }
    message
}

/// A request target: origin form mostly, sometimes `*` or absolute form.
fn target(rng: &mut fastrand::Rng) -> Vec<u8> {
    match rng.u8(..10) {
        0 => b"*".to_vec(),
        1 => b"http://example.com/a?b=c".to_vec(),
        _ => {
            let mut t = Vec::new();
            for _ in 0..rng.usize(1..4) {
                t.push(b'/');
                t.extend(
                    (0..rng.usize(..8))
                        .map(|_| b"abcdefghijklmnopqrstuvwxyz0123456789-._~%?=&"[rng.usize(..44)]),
                );
            }
            t
        }
    }
}

/// A token of 1 to `max` tchars.
fn token(rng: &mut fastrand::Rng, max: usize) -> Vec<u8> {
    (0..rng.usize(1..=max))
        .map(|_| TCHARS[rng.usize(..TCHARS.len())])
        .collect()
}

/// Field-value text: visible ASCII, inner spaces and tabs, now and then obs-text.
fn text(rng: &mut fastrand::Rng, max: usize) -> Vec<u8> {
    (0..rng.usize(..=max))
        .map(|i| match rng.u8(..20) {
            0 if i > 0 => b' ',
            1 if i > 0 => b'\t',
            2 => rng.u8(0x80..),
            _ => rng.u8(0x21..0x7f),
        })
        .collect()
}

/// `name` with each letter's case flipped at random: names are case-insensitive.
fn mixed_case(rng: &mut fastrand::Rng, name: &str) -> Vec<u8> {
    name.bytes()
        .map(|b| {
            if rng.bool() {
                b.to_ascii_uppercase()
            } else {
                b.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Appends `name: value` with random optional whitespace around the value.
fn field(rng: &mut fastrand::Rng, out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    let ows = |rng: &mut fastrand::Rng| [&b""[..], b" ", b"  ", b"\t"][rng.usize(..4)];
    out.extend(name);
    out.push(b':');
    out.extend(ows(rng));
    out.extend(value);
    out.extend(ows(rng));
    out.extend(b"\r\n");
}

/// Appends `body` chunked: random chunk sizes, hex in either case, extensions now and
/// then, the last chunk, trailers sometimes, the final CRLF.
fn chunked(rng: &mut fastrand::Rng, out: &mut Vec<u8>, body: &[u8]) {
    let mut rest = body;
    while !rest.is_empty() {
        let size = rng.usize(1..=rest.len());
        let hex = format!("{size:x}");
        out.extend(if rng.bool() { hex.to_uppercase() } else { hex }.bytes());
        if rng.u8(..5) == 0 {
            out.extend(b";name=value");
        }
        out.extend(b"\r\n");
        out.extend(&rest[..size]);
        out.extend(b"\r\n");
        rest = &rest[size..];
    }
    out.extend(b"0\r\n");
    if rng.u8(..4) == 0 {
        field(rng, out, b"Expires", b"never");
    }
    out.extend(b"\r\n");
}

/// Breaks a message, one to three times: the mistakes of real peers (a lost CR, a
/// cut) and the attacks (two lengths, both framings, a folded line).
pub fn mutate(rng: &mut fastrand::Rng, mut message: Vec<u8>) -> Vec<u8> {
    for _ in 0..rng.usize(1..=3) {
        let at = rng.usize(..=message.len());
        let head_end = find(&message, b"\r\n\r\n").map_or(message.len(), |i| i + 2);
        let in_head = rng.usize(..=head_end);
        match rng.u8(..14) {
            0 if !message.is_empty() => {
                let i = rng.usize(..message.len());
                message[i] = rng.u8(..);
            }
            1 => {
                let b = *rng
                    .choice(&[0u8, b'\r', b'\n', b' ', b'\t', b':', 0x7f, 0x80, 0xff])
                    .unwrap();
                message.insert(at, b);
            }
            2 => message.truncate(at),
            3 => {
                // Remove one CR or one LF of the head.
                let ends: Vec<usize> = (0..head_end)
                    .filter(|&i| message[i] == b'\r' || message[i] == b'\n')
                    .collect();
                if let Some(&i) = rng.choice(&ends) {
                    message.remove(i);
                }
            }
            4 => replace_all(&mut message, head_end, b"\r\n", b"\n"),
            5 => insert_line(&mut message, in_head, b" folded continuation"),
            6 => insert_line(&mut message, in_head, b"Content-Length: 3"),
            7 => insert_line(&mut message, in_head, b"Transfer-Encoding: chunked"),
            8 => {
                let weird = [
                    &b"Content-Length: -1"[..],
                    b"Content-Length: abc",
                    b"Content-Length: 99999999999999999999999",
                    b"Content-Length: 1000000000000",
                    b"Content-Length: 1, 1",
                    b"Content-Length: +5",
                    b"Content-Length:",
                    b"Transfer-Encoding: gzip",
                    b"Transfer-Encoding: chunked, chunked",
                ];
                insert_line(&mut message, in_head, weird[rng.usize(..weird.len())]);
            }
            9 => {
                let junk = [
                    &b"zz\r\n"[..],
                    b"-1\r\n",
                    b"5\n",
                    b"ffffffffffffffffff\r\n",
                    b"0x5\r\n",
                    b"5 6\r\n",
                ];
                let j = junk[rng.usize(..junk.len())];
                let i = rng.usize(head_end.min(message.len())..=message.len());
                message.splice(i..i, j.iter().copied());
            }
            10 if at < message.len() => {
                let end = rng.usize(at..=message.len().min(at + 8));
                message.drain(at..end);
            }
            11 => {
                // A header section past the limit, now and then.
                if rng.u8(..8) == 0 {
                    let big = vec![b'a'; MAX_HEAD];
                    let mut line = b"X-Big: ".to_vec();
                    line.extend(big);
                    insert_line(&mut message, in_head, &line);
                } else {
                    for _ in 0..MAX_FIELDS {
                        insert_line(&mut message, in_head, b"X-Many: 1");
                    }
                }
            }
            12 => message.splice(0..0, b"\r\n".iter().copied()).for_each(drop),
            _ => message.extend(b"GET /next HTTP/1.1\r\n\r\n"),
        }
    }
    message
}

/// Inserts `line` + CRLF at the start of the head line that holds offset `near`.
fn insert_line(message: &mut Vec<u8>, near: usize, line: &[u8]) {
    let near = near.min(message.len());
    let at = message[..near]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
        .max(first_line_end(message));
    let mut bytes = line.to_vec();
    bytes.extend(b"\r\n");
    message.splice(at..at, bytes);
}

/// Where the second line starts (fields go after the start line).
fn first_line_end(message: &[u8]) -> usize {
    message
        .iter()
        .position(|&b| b == b'\n')
        .map_or(message.len(), |i| i + 1)
}

/// Replaces every `from` by `to` in `message[..end]`.
fn replace_all(message: &mut Vec<u8>, end: usize, from: &[u8], to: &[u8]) {
    let mut head = Vec::new();
    let mut i = 0;
    while i < end {
        if message[i..end].starts_with(from) {
            head.extend(to);
            i += from.len();
        } else {
            head.push(message[i]);
            i += 1;
        }
    }
    message.splice(..end, head);
}

/// The first offset of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a parser following ch3-1's rules must make of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// A valid message: its normal form, byte for byte.
    Valid(Vec<u8>),
    /// A message to refuse, and why.
    Invalid(String),
}

/// The oracle: `httparse` for the head, ch3-1's framing rules for the body.
pub fn expected(bytes: &[u8]) -> Expected {
    match oracle(bytes) {
        Ok(normal) => Expected::Valid(normal),
        Err(why) => Expected::Invalid(why),
    }
}

/// [`expected`], with `?`.
fn oracle(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.starts_with(b"\r\n") || bytes.starts_with(b"\n") {
        return Err("the message starts with an empty line".into());
    }
    let head_len = section_end(bytes, 0)?;
    let head = &bytes[..head_len];
    let mut slots = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut out = Vec::new();
    let (status, headers) = if head.starts_with(b"HTTP/") {
        let mut response = httparse::Response::new(&mut slots);
        complete(response.parse(head), head_len)?;
        let line = &head[..head.iter().position(|&b| b == b'\r').unwrap_or(0)];
        // httparse shows a reason with obs-text as ""; the normal form shows its bytes.
        let reason = line.get(13..).unwrap_or_default();
        let status = response.code.unwrap_or_default();
        out.extend(
            format!(
                "response\nversion: HTTP/1.{}\nstatus: {status:03}\nreason: ",
                response.version.unwrap_or_default()
            )
            .bytes(),
        );
        out.extend(reason);
        out.push(b'\n');
        (Some(status), response.headers.to_vec())
    } else {
        let mut request = httparse::Request::new(&mut slots);
        complete(request.parse(head), head_len)?;
        out.extend(
            format!(
                "request\nmethod: {}\ntarget: {}\nversion: HTTP/1.{}\n",
                request.method.unwrap_or_default(),
                request.path.unwrap_or_default(),
                request.version.unwrap_or_default()
            )
            .bytes(),
        );
        (None, request.headers.to_vec())
    };
    let fields = normal_fields(&headers);
    write_fields(&mut out, "header", &fields);
    let rest = &bytes[head_len..];
    let (body, trailers) = match body_framing(status, &fields)? {
        Framing::Empty => (Vec::new(), Vec::new()),
        Framing::Length(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let body = rest.get(..n).ok_or("the body is cut short")?;
            (body.to_vec(), Vec::new())
        }
        Framing::Chunked => dechunk(rest)?,
        Framing::UntilEnd => (rest.to_vec(), Vec::new()),
    };
    write_fields(&mut out, "trailer", &trailers);
    out.extend(format!("body: {} bytes\n", body.len()).bytes());
    out.extend(body);
    Ok(out)
}

/// The offset just past the blank line that ends the section starting at `from`,
/// every line ending in CRLF, the section at most [`MAX_HEAD`] bytes.
fn section_end(bytes: &[u8], from: usize) -> Result<usize, String> {
    let mut at = from;
    loop {
        let Some(lf) = bytes[at..].iter().position(|&b| b == b'\n') else {
            return Err("no blank line: truncated, or too large".into());
        };
        let end = at + lf + 1;
        if end - from > MAX_HEAD {
            return Err(format!("more than {MAX_HEAD} bytes"));
        }
        if lf == 0 || bytes[end - 2] != b'\r' {
            return Err("a bare LF".into());
        }
        if end - at == 2 {
            return Ok(end);
        }
        at = end;
    }
}

/// httparse's verdict: the whole head parsed, or why not.
fn complete(parsed: httparse::Result<usize>, head_len: usize) -> Result<(), String> {
    match parsed {
        Ok(httparse::Status::Complete(n)) if n == head_len => Ok(()),
        other => Err(format!("httparse: {other:?}")),
    }
}

/// A field as the normal form shows it: the name lowercased, the value trimmed.
type NormalField = (String, Vec<u8>);

/// The fields as the normal form shows them: names lowercased, values trimmed.
fn normal_fields(headers: &[httparse::Header]) -> Vec<NormalField> {
    headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), trim(h.value).to_vec()))
        .collect()
}

/// One `KIND: name: value` line per field.
fn write_fields(out: &mut Vec<u8>, kind: &str, fields: &[(String, Vec<u8>)]) {
    for (name, value) in fields {
        out.extend(format!("{kind}: {name}: ").bytes());
        out.extend(value);
        out.push(b'\n');
    }
}

/// `bytes` without spaces and tabs around them.
fn trim(bytes: &[u8]) -> &[u8] {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// How a body is delimited.
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilEnd,
}

/// ch3-1's framing rules (RFC 9112 §6.3, ambiguity refused).
fn body_framing(status: Option<u16>, fields: &[(String, Vec<u8>)]) -> Result<Framing, String> {
    let mut length: Option<u64> = None;
    for (_, value) in fields.iter().filter(|(n, _)| n == "content-length") {
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return Err("a Content-Length that is not digits".into());
        }
        let n: u64 = std::str::from_utf8(value)
            .ok()
            .and_then(|v| v.parse().ok())
            .ok_or("a Content-Length too large")?;
        if length.is_some_and(|l| l != n) {
            return Err("two Content-Lengths that differ".into());
        }
        length = Some(n);
    }
    let codings: Vec<Vec<u8>> = fields
        .iter()
        .filter(|(n, _)| n == "transfer-encoding")
        .flat_map(|(_, v)| {
            v.split(|&b| b == b',')
                .map(|c| trim(c).to_ascii_lowercase())
        })
        .collect();
    let chunked = match codings.as_slice() {
        [] => false,
        [only] if only == b"chunked" => true,
        _ => return Err("a transfer coding other than one chunked".into()),
    };
    if chunked && length.is_some() {
        return Err("Content-Length and Transfer-Encoding together".into());
    }
    Ok(match status {
        Some(s) if (100..200).contains(&s) || s == 204 || s == 304 => Framing::Empty,
        _ if chunked => Framing::Chunked,
        _ if length.is_some() => Framing::Length(length.unwrap_or_default()),
        Some(_) => Framing::UntilEnd,
        None => Framing::Empty,
    })
}

/// Decodes a chunked body with httparse's chunk-size parser, plus ch3-1's rules: at
/// least one digit, CRLF line ends, lines of at most [`MAX_CHUNK_LINE`] bytes.
fn dechunk(mut rest: &[u8]) -> Result<(Vec<u8>, Vec<NormalField>), String> {
    let mut body = Vec::new();
    loop {
        let lf = rest
            .iter()
            .take(MAX_CHUNK_LINE)
            .position(|&b| b == b'\n')
            .ok_or("a chunk-size line cut short or too long")?;
        let line = &rest[..=lf];
        if !line.ends_with(b"\r\n") || !line[0].is_ascii_hexdigit() {
            return Err("a bad chunk-size line".into());
        }
        let size = match httparse::parse_chunk_size(line) {
            Ok(httparse::Status::Complete((n, size))) if n == line.len() => size,
            other => return Err(format!("httparse: chunk size {other:?}")),
        };
        rest = &rest[line.len()..];
        if size == 0 {
            let end = section_end(rest, 0)?;
            let mut slots = [httparse::EMPTY_HEADER; MAX_FIELDS];
            match httparse::parse_headers(&rest[..end], &mut slots) {
                Ok(httparse::Status::Complete((n, trailers))) if n == end => {
                    return Ok((body, normal_fields(trailers)));
                }
                other => return Err(format!("httparse: trailers {other:?}")),
            }
        }
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if rest.len() < size.saturating_add(2) {
            return Err("a chunk cut short".into());
        }
        body.extend(&rest[..size]);
        if &rest[size..size + 2] != b"\r\n" {
            return Err("a chunk's data without its CRLF".into());
        }
        rest = &rest[size + 2..];
    }
}

/// What one run of `PROGRAM parse` did.
#[derive(Debug)]
pub struct Run {
    /// How it ended; `None` if it was still running at the time limit (and killed).
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Its peak resident memory (VmHWM), sampled while it ran, in bytes.
    pub peak_memory: Option<u64>,
}

/// The most output kept from one run; the rest is read and dropped.
const MAX_OUTPUT: u64 = 1024 * 1024;

/// Runs `program parse` with `input` on its stdin (then closed), for at most `limit`.
pub fn run_parse(program: &Path, input: &[u8], limit: Duration) -> std::io::Result<Run> {
    let mut child = Command::new(program)
        .arg("parse")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut stdin = child.stdin.take();
    let input = input.to_vec();
    // A program that stops reading early makes the write fail: that is its right.
    let writer = std::thread::spawn(move || {
        if let Some(pipe) = stdin.as_mut() {
            let _ = pipe.write_all(&input);
        }
    });
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let started = Instant::now();
    let mut peak = None;
    let mut pause = Duration::from_micros(100);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        peak = harness::program::high_water_mark(pid as i32).or(peak);
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    };
    let _ = writer.join();
    let joined = |reader: Option<std::thread::JoinHandle<Vec<u8>>>| {
        reader.and_then(|r| r.join().ok()).unwrap_or_default()
    };
    Ok(Run {
        status,
        stdout: joined(stdout),
        stderr: joined(stderr),
        peak_memory: peak,
    })
}

/// Reads a pipe to its end on a thread, keeping at most [`MAX_OUTPUT`] bytes.
fn drain(pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut pipe = pipe;
        let _ = (&mut pipe).take(MAX_OUTPUT).read_to_end(&mut kept);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        kept
    })
}

/// What was wrong with one run, by kind (the fuzzer counts them by [`Problem::kind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Exit status 101: a Rust panic.
    Panic(String),
    /// Killed by a signal (an abort, a stack overflow, an allocation that failed).
    Signal(String),
    /// Still running at the time limit.
    Hang,
    /// Accepted a message the oracle refuses.
    Accepted { why_invalid: String },
    /// Refused a message the oracle accepts.
    Refused { status: String, error: String },
    /// Accepted it, but printed another normal form.
    WrongOutput { expected: String, got: String },
    /// Refused it without exactly one `error:` line, with output on stdout, or with a
    /// status that is no malformed class.
    BadError(String),
    /// Held more memory than allowed.
    Memory(u64),
}

impl Problem {
    /// A short name for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Panic(_) => "panic",
            Problem::Signal(_) => "signal",
            Problem::Hang => "hang",
            Problem::Accepted { .. } => "accepted-invalid",
            Problem::Refused { .. } => "refused-valid",
            Problem::WrongOutput { .. } => "wrong-output",
            Problem::BadError(_) => "bad-error",
            Problem::Memory(_) => "memory",
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Panic(stderr) => write!(f, "it panicked (status 101): {stderr}"),
            Problem::Signal(how) => write!(f, "it crashed: {how}"),
            Problem::Hang => write!(f, "it did not exit within the time limit (a hang)"),
            Problem::Accepted { why_invalid } => write!(
                f,
                "it printed a normal form and exited 0, but the message is malformed ({why_invalid})"
            ),
            Problem::Refused { status, error } => {
                write!(f, "it refused a valid message ({status}, {error:?})")
            }
            Problem::WrongOutput { expected, got } => write!(
                f,
                "its normal form differs: expected {expected:?}, got {got:?}"
            ),
            Problem::BadError(why) => write!(f, "{why}"),
            Problem::Memory(bytes) => write!(f, "it held {} KiB at its peak", bytes / 1024),
        }
    }
}

/// Compares a run with the oracle; `max_memory` bounds its peak resident memory.
pub fn judge(input: &[u8], run: &Run, max_memory: u64) -> Result<(), Problem> {
    use std::os::unix::process::ExitStatusExt;
    let stderr = String::from_utf8_lossy(&run.stderr);
    let Some(status) = run.status else {
        return Err(Problem::Hang);
    };
    if let Some(signal) = status.signal() {
        return Err(Problem::Signal(format!("killed by signal {signal}")));
    }
    let code = status.code().unwrap_or(-1);
    if code == 101 {
        let last = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        return Err(Problem::Panic(last));
    }
    if let Some(peak) = run.peak_memory.filter(|&p| p > max_memory) {
        return Err(Problem::Memory(peak));
    }
    let errors: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    match (expected(input), code) {
        (Expected::Valid(normal), 0) if normal == run.stdout => Ok(()),
        (Expected::Valid(normal), 0) => Err(Problem::WrongOutput {
            expected: harness::transcript::escape(&normal),
            got: harness::transcript::escape(&run.stdout),
        }),
        (Expected::Invalid(why_invalid), 0) => Err(Problem::Accepted { why_invalid }),
        (expected, _) => {
            if errors.len() != 1 || !errors[0].starts_with("error: ") {
                return Err(Problem::BadError(format!(
                    "it exited with status {code} and {} stderr lines instead of one `error: …` line: {stderr:?}",
                    errors.len()
                )));
            }
            if let Expected::Valid(_) = expected {
                return Err(Problem::Refused {
                    status: format!("status {code}"),
                    error: errors[0].to_string(),
                });
            }
            if !MALFORMED_STATUSES.contains(&code) {
                return Err(Problem::BadError(format!(
                    "it refused a malformed message with status {code}, which is no malformed class (3 to 12)"
                )));
            }
            if !run.stdout.is_empty() {
                return Err(Problem::BadError(
                    "it refused the message but printed on stdout first".into(),
                ));
            }
            Ok(())
        }
    }
}
