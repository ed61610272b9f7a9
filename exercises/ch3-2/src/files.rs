//! From a request target to a file that is certainly inside the served folder, and
//! from that file to a response: `Content-Type` by extension, `Last-Modified`, and the
//! conditional GET that answers 304 when the client's copy is still good.

use crate::response::{Body, Response};
use percent_encoding::percent_decode_str;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why a request target cannot name a file.
#[derive(Debug, PartialEq, Eq)]
pub enum BadTarget {
    /// Not a path (`*`, `example.com`), not UTF-8 once decoded, a NUL byte, or a `..`
    /// segment, which a well-behaved client never sends (it resolves dot segments
    /// before sending, RFC 3986 §5.2.4): 400.
    Malformed,
}

/// The path of a request target as decoded segments: `/docs/a%20b.txt?x=1` →
/// `["docs", "a b.txt"]`. The contract:
///
/// - [`strip_absolute_form`] first (`http://host/a` → `/a`); a target that does not then
///   start with `/` is `BadTarget::Malformed`.
/// - Drop the query (after `?`) and fragment (after `#`).
/// - Percent-decode the path (`percent_encoding::percent_decode_str(…).decode_utf8()`),
///   exactly once, BEFORE checking anything; not UTF-8: `Malformed`.
/// - Split the decoded text on `/` (after decoding: `%2f` is a `/` too). Empty and `.`
///   segments are dropped (`//etc/passwd` is `etc/passwd` under the root); a `..`
///   segment, or one holding a NUL byte, is `Malformed`.
///
/// Checked before decoding, `/%2e%2e/secret` has no `..`, yet the file system, which gets
/// the decoded text, climbs out of the root.
pub fn segments(target: &str) -> Result<Vec<String>, BadTarget> {
    todo!("strip absolute form, drop the query, percent-decode once, split, refuse `..`")
}

/// `http://host:port/a/b` → `/a/b`: a server must accept a target in absolute form
/// (RFC 9112 §3.2.2), as proxies send it. Any other target is returned as it is.
fn strip_absolute_form(target: &str) -> &str {
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let after_scheme = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return target;
    };
    match after_scheme.find('/') {
        Some(at) => &after_scheme[at..],
        None => "/",
    }
}

/// The file `segments` name under `root` (itself canonical), or `None` when there is no
/// such file or it lies outside the root. The contract:
///
/// - Push the segments onto the root one by one (`PathBuf::push`).
/// - Canonicalize the result (`Path::canonicalize` follows every symbolic link; it fails
///   for a missing file: `None`).
/// - A folder is served by its `index.html` (canonicalized too).
/// - Serve only a regular file whose canonical path still starts with `root`: a link
///   inside the root that points out of it gives `None` (404, like a missing file).
pub fn resolve(root: &Path, segments: &[String]) -> Option<PathBuf> {
    todo!("join, canonicalize, index.html for folders, and stay under the root")
}

/// Answers a GET or HEAD of the file at `path`. The contract:
///
/// - `Last-Modified`: the file's mtime without its fraction of a second
///   ([`whole_seconds`]), formatted with `httpdate::fmt_http_date`.
/// - When `if_modified_since` is given and [`not_modified`] says the client's copy is
///   still good: `304` with `Last-Modified` and `Body::None` (no body, no
///   Content-Length).
/// - Otherwise `200` with `Content-Type` ([`content_type`]), `Last-Modified`, and the
///   open file as the body (`Body::File` with its length: streamed, not read into memory).
pub fn serve_file(path: &Path, if_modified_since: Option<&str>) -> std::io::Result<Response> {
    todo!("200 with Content-Type, Last-Modified and the file; or 304")
}

/// Whether a copy dated `since` (an `If-Modified-Since` value) is still good for a file
/// last changed at `modified` (already in whole seconds): `since` parsed with
/// `httpdate::parse_http_date`, and `modified <= since`.
///
/// A date that cannot be parsed, or that lies after `now` (a clock from the future), is
/// ignored: `false`, and the full file is sent (RFC 9110 §13.1.3).
pub fn not_modified(since: &str, modified: SystemTime, now: SystemTime) -> bool {
    todo!("parse the date; modified <= since, and since not in the future")
}

/// `time` with its fraction of a second dropped, as HTTP dates have it.
fn whole_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since_epoch) => UNIX_EPOCH + Duration::from_secs(since_epoch.as_secs()),
        Err(_) => UNIX_EPOCH,
    }
}

/// The `Content-Type` for a file, by its extension, compared without case:
///
/// | extension | Content-Type |
/// |---|---|
/// | html, htm | `text/html; charset=utf-8` |
/// | txt | `text/plain; charset=utf-8` |
/// | css | `text/css; charset=utf-8` |
/// | js | `text/javascript; charset=utf-8` |
/// | json | `application/json` |
/// | png | `image/png` |
/// | jpg, jpeg | `image/jpeg` |
/// | gif | `image/gif` |
/// | svg | `image/svg+xml` |
/// | anything else, or none | `application/octet-stream` |
pub fn content_type(path: &Path) -> &'static str {
    todo!("the extension table")
}
