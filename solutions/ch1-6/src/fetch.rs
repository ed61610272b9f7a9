//! The HTTP side: one configured client (a ureq `Agent`), one `GET`, one status check.
//!
//! ureq connects, writes the request (`GET /path HTTP/1.1`, `Host: …`), parses the
//! status line and the headers, follows redirects, and hands back the body as a
//! reader that undoes the framing (`Content-Length` or chunks) and fails if the
//! connection ends before the body does. What it cannot know is which statuses *we*
//! accept; by default it turns 4xx and 5xx into an `Err`, which would mix "the server
//! said no" up with "the network broke". We switch that off and look at the status
//! ourselves.

use anyhow::{Context, anyhow, bail};
use std::path::PathBuf;
use std::time::Duration;
use ureq::http::{Response, StatusCode, Uri};
use ureq::{Agent, Body, ResponseExt};

/// The name a page is saved under when the URL's path has none (`http://host/`).
const INDEX: &str = "index.html";

// ANCHOR: agent
/// A client that reports every status as a response and gives up on silent servers.
///
/// `timeout` bounds each wait, not the whole download: connecting, and every read or
/// write, may take up to `timeout`, so a large page on a slow but steady link still
/// arrives, while a server that stops talking fails the fetch.
pub fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        // 404 and 500 are answers, not transport errors: let us see them as responses.
        .http_status_as_error(false)
        .timeout_resolve(Some(timeout))
        .timeout_connect(Some(timeout))
        .timeout_per_read(Some(timeout))
        .timeout_per_write(Some(timeout))
        .build()
        .new_agent()
}
// ANCHOR_END: agent

// ANCHOR: fetch_ok
/// Sends `GET url` (following redirects) and returns the response if, and only if, its
/// status is `200 OK`; its body has not been read yet.
pub fn fetch_ok(agent: &Agent, url: &str) -> anyhow::Result<Response<Body>> {
    let response = agent.get(url).call().map_err(|e| explain(e, url))?;
    let status = response.status();
    if status != StatusCode::OK {
        // After redirects, the response may come from another URL than the one asked.
        bail!("HTTP {} from {}", describe(status), response.get_uri());
    }
    Ok(response)
}
// ANCHOR_END: fetch_ok

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

// ANCHOR: default_file_name
/// The file name to save under, as `curl -O` picks it: the last segment of the URL's
/// path (`http://host/docs/page.html?x=1` → `page.html`); and where there is none
/// (`http://host/`, `http://host/docs/`), `index.html`, as a web server would serve. A segment such as `..` is never used: the
/// name must not point out of the current folder.
pub fn default_file_name(url: &str) -> anyhow::Result<PathBuf> {
    let uri: Uri = url
        .parse()
        .with_context(|| format!("`{url}` is not a URL"))?;
    let last = uri.path().rsplit('/').next().unwrap_or_default();
    let name = match last {
        "" | "." | ".." => INDEX,
        name => name,
    };
    Ok(PathBuf::from(name))
}
// ANCHOR_END: default_file_name
