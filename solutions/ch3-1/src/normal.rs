//! The normal form: one fixed, line-oriented text for a parsed message, so that two
//! messages that mean the same (header names in another case, other whitespace
//! around values, a chunked or a Content-Length body) print the same.
//!
//! ```text
//! request                      response
//! method: GET                  version: HTTP/1.1
//! target: /index.html          status: 200
//! version: HTTP/1.1            reason: OK
//! header: host: example.com    header: content-length: 5
//! body: 0 bytes                body: 5 bytes
//!                              hello
//! ```
//!
//! One `header:` line per field, names lowercased, values trimmed, in order,
//! duplicates kept; then one `trailer:` line per trailer field of a chunked body;
//! then `body: N bytes` and the N bytes of the decoded body, raw, with nothing after.

use crate::parse::{Field, Message, StartLine};
use std::io::{self, Write};

// ANCHOR: write_normal
/// Writes `message` in the normal form.
pub fn write_normal(message: &Message, out: &mut impl Write) -> io::Result<()> {
    match &message.start {
        StartLine::Request {
            method,
            target,
            version,
        } => {
            writeln!(out, "request")?;
            writeln!(out, "method: {method}")?;
            writeln!(out, "target: {target}")?;
            writeln!(out, "version: {version}")?;
        }
        StartLine::Response {
            version,
            status,
            reason,
        } => {
            writeln!(out, "response")?;
            writeln!(out, "version: {version}")?;
            writeln!(out, "status: {status:03}")?;
            out.write_all(b"reason: ")?;
            out.write_all(reason)?;
            out.write_all(b"\n")?;
        }
    }
    write_fields(out, "header", &message.headers)?;
    write_fields(out, "trailer", &message.trailers)?;
    writeln!(out, "body: {} bytes", message.body.len())?;
    out.write_all(&message.body)
}

/// One `KIND: name: value` line per field; the value's bytes as they are.
fn write_fields(out: &mut impl Write, kind: &str, fields: &[Field]) -> io::Result<()> {
    for field in fields {
        write!(out, "{kind}: {}: ", field.name)?;
        out.write_all(&field.value)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
// ANCHOR_END: write_normal
