//! Writing a well-formed message from the command line's arguments: CRLF line ends,
//! and the framing decided here, never taken from the user (a `--header
//! "Content-Length: …"` could contradict the body).

// ANCHOR: request
/// `METHOD TARGET HTTP/1.1`, the given header fields, and, with a body, its
/// Content-Length. A request without `--body` has no body and no Content-Length.
///
/// Refuses (the message is the rest of the `error:` line; status 2): a method that
/// is not a token, an empty target or one with a space or control character, a
/// `--header` that is not `Name: value`, a name that is not a token, a value with a
/// control character (a CR or LF would smuggle a field in: header injection), and a
/// Content-Length or Transfer-Encoding given by hand (the framing is ours to write).
pub fn request(
    method: &str,
    target: &str,
    headers: &[String],
    body: Option<&str>,
) -> Result<Vec<u8>, String> {
    todo!("check the arguments, then write the request line, the fields, the framing and the body")
}
// ANCHOR_END: request

// ANCHOR: response
/// `HTTP/1.1 CODE REASON`, the given header fields, and a Content-Length (0 without a
/// body: without it, a response's body would run to the end of the connection). A
/// 1xx, 204 or 304 response has no body and no Content-Length.
///
/// The reason defaults to the usual one (`OK`, `Not Found`…), or empty for a code
/// without one; the same refusals as [`request`], plus a code outside 100–599 and a
/// `--body` for a 1xx, 204 or 304.
pub fn response(
    code: u16,
    reason: Option<&str>,
    headers: &[String],
    body: Option<&str>,
) -> Result<Vec<u8>, String> {
    todo!(
        "check the arguments, then write the status line, the fields, Content-Length and the body"
    )
}
// ANCHOR_END: response
