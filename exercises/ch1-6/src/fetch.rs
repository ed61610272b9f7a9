//! The HTTP side: one configured client (a ureq `Agent`), one `GET`, one status check.
//!
//! ureq connects, writes the request (`GET /path HTTP/1.1`, `Host: …`), parses the
//! status line and the headers, follows redirects, and hands back the body as a
//! reader that undoes the framing (`Content-Length` or chunks) and fails if the
//! connection ends before the body does. What it cannot know is which statuses *we*
//! accept; by default it turns 4xx and 5xx into an `Err`, which would mix "the server
//! said no" up with "the network broke". Switch that off and look at the status
//! yourself.

use anyhow::anyhow;
use std::path::PathBuf;
use std::time::Duration;
use ureq::http::{Response, StatusCode};
use ureq::{Agent, Body};

/// The name a page is saved under when the URL's path has none (`http://host/`).
const INDEX: &str = "index.html";

/// A client that reports every status as a response and gives up on silent servers.
///
/// A status such as 404 or 500 must come back as a response to look at, not as an
/// error among the network's errors. `timeout` bounds each wait (resolving,
/// connecting, each read and each write), not the whole download: a large page on a
/// slow but steady link still arrives, while a server that stops talking fails.
pub fn agent(timeout: Duration) -> Agent {
    todo!("configure a ureq Agent: no status as error, a {timeout:?} limit on each wait")
}

/// Sends `GET url` (following redirects) and returns the response if, and only if, its
/// status is `200 OK`; its body has not been read yet.
///
/// Anything but `200 OK` — a 404, a 500, a 206 Partial Content — is the error
/// `HTTP <status, as describe() says it> from <URL>`, naming the URL the answer came
/// from (after redirects). A request that fails on the way is one clear error, as
/// `explain` words it.
pub fn fetch_ok(agent: &Agent, url: &str) -> anyhow::Result<Response<Body>> {
    todo!("GET {url} and accept only 200 OK")
}

/// Turns ureq's error into one sentence that names the URL; the one a student hits
/// first (an https:// URL in a build without TLS) also says what to do.
fn explain(error: ureq::Error, url: &str) -> anyhow::Error {
    match error {
        ureq::Error::TlsRequired => anyhow!(
            "could not fetch {url}: https needs TLS, which this build leaves out \
             (enable ureq's `rustls` feature)"
        ),
        error => anyhow::Error::new(error).context(format!("could not fetch {url}")),
    }
}

/// `404 Not Found`: the code and its standard reason phrase.
fn describe(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The file name to save under, as `curl -O` picks it: the last segment of the URL's
/// path (`http://host/docs/page.html?x=1` → `page.html`); and where there is none
/// (`http://host/`, `http://host/docs/`), `index.html`, as a web server would serve.
/// A segment such as `..` is never used: the name must not point out of the current
/// folder. The query (`?x=1`) is no part of the name; text that is not a URL is an
/// error.
pub fn default_file_name(url: &str) -> anyhow::Result<PathBuf> {
    todo!("the last segment of the path of {url}, or {INDEX}")
}
