//! Writing a well-formed message from the command line's arguments: CRLF line ends,
//! and the framing decided here, never taken from the user (a `--header
//! "Content-Length: …"` could contradict the body).

use std::fmt::Write as _;

// ANCHOR: request
/// `METHOD TARGET HTTP/1.1`, the given header fields, and, with a body, its
/// Content-Length. A request without `--body` has no body and no Content-Length.
pub fn request(
    method: &str,
    target: &str,
    headers: &[String],
    body: Option<&str>,
) -> Result<Vec<u8>, String> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(format!("the method {method:?} is not a token"));
    }
    if target.is_empty()
        || !target
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) || b >= 0x80)
    {
        return Err(format!(
            "the target {target:?} is empty or holds a space or a control character"
        ));
    }
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    add_fields(&mut head, headers)?;
    Ok(finish(head, body, body.is_some()))
}
// ANCHOR_END: request

// ANCHOR: response
/// `HTTP/1.1 CODE REASON`, the given header fields, and a Content-Length (0 without a
/// body: without it, a response's body would run to the end of the connection). A
/// 1xx, 204 or 304 response has no body and no Content-Length.
pub fn response(
    code: u16,
    reason: Option<&str>,
    headers: &[String],
    body: Option<&str>,
) -> Result<Vec<u8>, String> {
    if !(100..=599).contains(&code) {
        return Err(format!("the status code {code} is not between 100 and 599"));
    }
    let reason = reason.unwrap_or(default_reason(code));
    if !reason
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b) || b >= 0x80)
    {
        return Err(format!("the reason {reason:?} holds a control character"));
    }
    let bodiless = (100..200).contains(&code) || code == 204 || code == 304;
    if bodiless && body.is_some() {
        return Err(format!("a {code} response has no body"));
    }
    let mut head = format!("HTTP/1.1 {code} {reason}\r\n");
    add_fields(&mut head, headers)?;
    Ok(finish(head, body, !bodiless))
}
// ANCHOR_END: response

/// Appends each `Name: value` as a field line, refusing what would break the message:
/// a name that is not a token, a control character (a CR or LF would start a new
/// field: header injection), and the framing fields, which are ours to write.
fn add_fields(head: &mut String, headers: &[String]) -> Result<(), String> {
    for header in headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(format!("--header {header:?} is not \"Name: value\""));
        };
        let value = value.trim_matches([' ', '\t']);
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(format!("the header name {name:?} is not a token"));
        }
        if !value
            .bytes()
            .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b) || b >= 0x80)
        {
            return Err(format!("the value of {name} holds a control character"));
        }
        let lower = name.to_ascii_lowercase();
        if lower == "content-length" || lower == "transfer-encoding" {
            return Err(format!("{name} is written from --body, not given"));
        }
        let _ = write!(head, "{name}: {value}\r\n");
    }
    Ok(())
}

/// Ends the head (with a Content-Length when `framed`) and appends the body.
fn finish(mut head: String, body: Option<&str>, framed: bool) -> Vec<u8> {
    let body = body.unwrap_or_default();
    if framed {
        let _ = write!(head, "Content-Length: {}\r\n", body.len());
    }
    head.push_str("\r\n");
    let mut message = head.into_bytes();
    message.extend_from_slice(body.as_bytes());
    message
}

/// The usual reason phrase of a status code (RFC 9110 §15); any text would do.
fn default_reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
