//! `http://` URLs: the page's, and the references found in it, resolved against it
//! (RFC 3986 §5, the parts a page's `src` and `href` use).

use anyhow::{Context, bail};

/// An `http://` URL, split into what a client needs: where to connect, what to put in
/// `Host:`, and the request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host to connect to, without brackets: `example.com`, `127.0.0.1`, `::1`.
    pub host: String,
    /// The port (80 when the URL names none).
    pub port: u16,
    /// `host[:port]` as the URL wrote it: the `Host:` header's value.
    pub authority: String,
    /// The request target: the path and query, never empty (`/` at least), without the
    /// fragment (`#…` is for the browser, never sent).
    pub target: String,
}

impl Url {
    /// Parses `http://HOST[:PORT][/PATH][?QUERY][#FRAGMENT]`. Other schemes (https
    /// needs TLS) and user info (`user@`) are refused.
    pub fn parse(text: &str) -> anyhow::Result<Url> {
        let rest = strip_scheme(text).with_context(|| format!("`{text}` is not an http:// URL"))?;
        let rest = rest.split('#').next().unwrap_or("");
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        if authority.contains('@') {
            bail!("`{text}`: user names in URLs are not supported");
        }
        let (host, port) = split_authority(authority)
            .with_context(|| format!("`{text}` has no valid host[:port]"))?;
        let target = match target {
            "" => "/".to_string(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.to_string(),
        };
        Ok(Url {
            host,
            port,
            authority: authority.to_string(),
            target,
        })
    }

    /// Whether `other` is on the same server: same host (case-insensitive) and port.
    /// Only those objects travel on this page's connections.
    pub fn same_origin(&self, other: &Url) -> bool {
        self.host.eq_ignore_ascii_case(&other.host) && self.port == other.port
    }

    /// `http://AUTHORITY`: how the report names this server.
    pub fn origin(&self) -> String {
        format!("http://{}", self.authority)
    }
}

/// What a reference in a page points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A target on the page's own server (`/img/a.png`).
    Here(String),
    /// Another server, or a scheme this client does not speak (`https:`, `data:`).
    Elsewhere,
}

/// Resolves `reference` (a `src` or `href` value) against the page's URL:
/// absolute (`http://host/x`), scheme-relative (`//host/x`), absolute-path (`/x`) or
/// relative (`x`, `../x`, `./x`, resolved against the page's folder).
pub fn resolve(page: &Url, reference: &str) -> Resolved {
    let reference = reference.trim();
    let reference = reference.split('#').next().unwrap_or("");
    if reference.is_empty() {
        return Resolved::Here(page.target.clone());
    }
    if reference.starts_with("//") {
        return resolve_absolute(page, &format!("http:{reference}"));
    }
    if has_scheme(reference) {
        return resolve_absolute(page, reference);
    }
    let (path, query) = match reference.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (reference, None),
    };
    let merged = if path.starts_with('/') {
        path.to_string()
    } else if path.is_empty() {
        // `?q=1` alone keeps the page's path.
        page.target.split('?').next().unwrap_or("/").to_string()
    } else {
        let page_path = page.target.split('?').next().unwrap_or("/");
        let folder = &page_path[..=page_path.rfind('/').unwrap_or(0)];
        format!("{folder}{path}")
    };
    let mut target = remove_dot_segments(&merged);
    if let Some(query) = query {
        target.push('?');
        target.push_str(query);
    }
    Resolved::Here(target)
}

/// An absolute URL: here if it is http:// on the page's server, elsewhere otherwise.
fn resolve_absolute(page: &Url, reference: &str) -> Resolved {
    match Url::parse(reference) {
        Ok(url) if page.same_origin(&url) => {
            Resolved::Here(remove_dot_segments_of_target(&url.target))
        }
        _ => Resolved::Elsewhere,
    }
}

/// `remove_dot_segments` on the path of a target that may carry a query.
fn remove_dot_segments_of_target(target: &str) -> String {
    match target.split_once('?') {
        Some((path, query)) => format!("{}?{query}", remove_dot_segments(path)),
        None => remove_dot_segments(target),
    }
}

/// Removes `.` and `..` segments from an absolute path (RFC 3986 §5.2.4): `/a/./b/../c`
/// becomes `/a/c`; `..` never climbs above `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." | ".." => {
                if *segment == ".." {
                    kept.pop();
                }
                if last {
                    // `/a/b/..` names the folder `/a/`: keep the trailing slash.
                    kept.push("");
                }
            }
            other => kept.push(other),
        }
    }
    format!("/{}", kept.join("/"))
}

/// The rest of `text` after `http://` (any case), if it starts with it.
fn strip_scheme(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once("://")?;
    scheme.eq_ignore_ascii_case("http").then_some(rest)
}

/// Whether `reference` starts with a scheme (`mailto:`, `https:`): letters, then
/// letters, digits, `+`, `-` or `.`, then `:` before any `/`, `?` or `#`.
fn has_scheme(reference: &str) -> bool {
    let Some(colon) = reference.find(':') else {
        return false;
    };
    let scheme = &reference[..colon];
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Splits `host[:port]` or `[v6]:port` into the host to connect to and the port.
fn split_authority(authority: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        None | Some("") => 80,
        Some(port) => port.parse().ok()?,
    };
    Some((host.to_string(), port))
}
