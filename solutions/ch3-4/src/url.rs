//! The request targets a proxy is sent: `http://host:port/path?query` (absolute form,
//! for the requests it fetches) and `host:port` (authority form, for `CONNECT`).

/// Where a resource is: the origin server and the path on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host name or address, lower case, without the brackets of an IPv6 address.
    pub host: String,
    /// The port (80 when the URL gives none).
    pub port: u16,
    /// The path and query, always starting with `/`: the origin-form target.
    pub path: String,
}

impl Url {
    // ANCHOR: parse
    /// Parses an absolute-form target. An origin-form target (`/index.html`) is what a
    /// server is sent, not a proxy: it does not say which server to ask.
    pub fn parse_absolute(target: &str) -> Result<Url, String> {
        let scheme_end = "http://".len();
        if target.len() < scheme_end || !target[..scheme_end].eq_ignore_ascii_case("http://") {
            return Err(format!(
                "{target:?} is not an absolute http:// URL: a proxy must be told which server to ask"
            ));
        }
        let rest = &target[scheme_end..];
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let (host, port) = parse_authority(authority, 80)?;
        let path = match path {
            "" => "/".to_string(),
            query if query.starts_with('?') => format!("/{query}"),
            path => path.to_string(),
        };
        Ok(Url { host, port, path })
    }
    // ANCHOR_END: parse

    /// The cache key: the whole URL, with the port always written, so that
    /// `http://a/x` and `http://a:80/x` are one entry, and other ports, hosts, paths or
    /// queries are others.
    pub fn key(&self) -> String {
        format!(
            "http://{}:{}{}",
            bracketed(&self.host),
            self.port,
            self.path
        )
    }

    /// The `Host` header for the origin: the host, and the port unless it is 80.
    pub fn authority(&self) -> String {
        match self.port {
            80 => bracketed(&self.host),
            port => format!("{}:{port}", bracketed(&self.host)),
        }
    }
}

/// Parses `host`, `host:port`, `[v6]` or `[v6]:port`; `default_port` when none is given.
pub fn parse_authority(authority: &str, default_port: u16) -> Result<(String, u16), String> {
    if authority.contains('@') {
        return Err("user information in a URL is not accepted".to_string());
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{authority:?} has an unclosed ["))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(format!("{authority:?} has no host"));
    }
    let port = match port {
        None | Some("") => default_port,
        Some(port) => port
            .parse()
            .map_err(|_| format!("{port:?} is not a port number"))?,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// An IPv6 address in brackets, as URLs and `Host` write it; other hosts as they are.
fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}
