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

use crate::parse::Message;
use std::io::{self, Write};

// ANCHOR: write_normal
/// Writes `message` in the normal form.
pub fn write_normal(message: &Message, out: &mut impl Write) -> io::Result<()> {
    todo!("write the start line's facts, the fields, `body: N bytes` and the body")
}
// ANCHOR_END: write_normal
