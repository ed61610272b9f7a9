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

// ANCHOR: segments
/// The path of a request target as decoded segments: `/docs/a%20b.txt?x=1` →
/// `["docs", "a b.txt"]`.
///
/// The order matters. Percent-decoding comes first, exactly once, and every check is
/// made on what it gives: checked before decoding, `/%2e%2e/secret` has no `..` in it,
/// and the file system, which sees the decoded text, walks up a folder. Splitting
/// comes after decoding too, so `..%2f..%2fsecret` cannot smuggle a `/` inside a
/// segment. Empty and `.` segments are dropped (`//etc/passwd` is `etc/passwd` under
/// the root, not the absolute path `/etc/passwd`); `..` is refused.
pub fn segments(target: &str) -> Result<Vec<String>, BadTarget> {
    let path = strip_absolute_form(target);
    if !path.starts_with('/') {
        return Err(BadTarget::Malformed);
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| BadTarget::Malformed)?;
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(BadTarget::Malformed),
            _ if segment.contains('\0') => return Err(BadTarget::Malformed),
            _ => segments.push(segment.to_string()),
        }
    }
    Ok(segments)
}
// ANCHOR_END: segments

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

// ANCHOR: resolve
/// The file `segments` name under `root` (itself canonical), or `None` when there is
/// no such file or it lies outside the root.
///
/// Joining segments cannot climb out (none is `..` or contains `/`), but a symbolic
/// link inside the root can point anywhere. So the joined path is canonicalized (every
/// link followed, the real path) and must still start with the root: a link out of
/// the root answers 404, exactly like a missing file, so a client learns nothing about
/// what lies outside. A folder is served by its `index.html`.
pub fn resolve(root: &Path, segments: &[String]) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for segment in segments {
        path.push(segment);
    }
    let mut real = path.canonicalize().ok()?;
    if real.is_dir() {
        real = real.join("index.html").canonicalize().ok()?;
    }
    (real.starts_with(root) && real.is_file()).then_some(real)
}
// ANCHOR_END: resolve

// ANCHOR: serve_file
/// Answers a GET or HEAD of the file at `path`: 200 with the file, or 304 when the
/// client's `If-Modified-Since` is at or after the file's last change.
pub fn serve_file(path: &Path, if_modified_since: Option<&str>) -> std::io::Result<Response> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    let modified = whole_seconds(metadata.modified()?);
    let last_modified = httpdate::fmt_http_date(modified);
    if if_modified_since.is_some_and(|since| not_modified(since, modified, SystemTime::now())) {
        return Ok(Response::new(304)
            .header("Last-Modified", last_modified)
            .body(Body::None));
    }
    Ok(Response::new(200)
        .header("Content-Type", content_type(path))
        .header("Last-Modified", last_modified)
        .body(Body::File {
            file,
            len: metadata.len(),
        }))
}
// ANCHOR_END: serve_file

// ANCHOR: not_modified
/// Whether a copy dated `since` (an `If-Modified-Since` value) is still good for a
/// file last changed at `modified` (whole seconds).
///
/// HTTP dates have whole seconds, file times have nanoseconds: compared untruncated, a
/// file changed at 12:00:00.7 looks newer than the `Last-Modified: 12:00:00` we sent,
/// and would never be answered 304. A date that cannot be parsed, or lies in the
/// future, is ignored (RFC 9110 §13.1.3): the full file is sent.
pub fn not_modified(since: &str, modified: SystemTime, now: SystemTime) -> bool {
    match httpdate::parse_http_date(since) {
        Ok(since) => since <= now && modified <= since,
        Err(_) => false,
    }
}
// ANCHOR_END: not_modified

/// `time` with its fraction of a second dropped, as HTTP dates have it.
fn whole_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since_epoch) => UNIX_EPOCH + Duration::from_secs(since_epoch.as_secs()),
        Err(_) => UNIX_EPOCH,
    }
}

// ANCHOR: content_type
/// The `Content-Type` for a file, by its extension (case does not matter). Anything
/// else is `application/octet-stream`: bytes, which a browser offers to save rather
/// than guesses at.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
// ANCHOR_END: content_type

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_before_checking() {
        assert_eq!(
            segments("/a%20b/c.txt?x=1"),
            Ok(vec!["a b".into(), "c.txt".into()])
        );
        assert_eq!(segments("/%2e%2e/secret"), Err(BadTarget::Malformed));
        assert_eq!(segments("/..%2fsecret"), Err(BadTarget::Malformed));
        assert_eq!(
            segments("//etc/passwd"),
            Ok(vec!["etc".into(), "passwd".into()])
        );
        assert_eq!(segments("http://h:1/x"), Ok(vec!["x".into()]));
        assert_eq!(segments("*"), Err(BadTarget::Malformed));
    }
}
