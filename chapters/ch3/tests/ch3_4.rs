//! Grades ch3-4, the caching web proxy. The evidence is the origin's own counts: how
//! many full and how many conditional requests each path got. A proxy that serves a
//! stored copy without asking, or asks in full every time, shows there, whatever its
//! log says.

use ch3::origin::{Origin, Resource};
use ch3::response::{Response, read_response};
use harness::prelude::*;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::SystemTime;

/// The request-head limit the proxy promises (16 KiB).
const MAX_HEAD: usize = 16 * 1024;
/// The body that must stream through without being held (32 MiB), and the memory the
/// proxy may use meanwhile.
const HUGE_BODY: usize = 32 * 1024 * 1024;
const HUGE_BODY_LIMIT: u64 = 16 * MB;
/// How long a real browser may take to start and load a page on a busy machine.
const BROWSER_WAIT: Duration = Duration::from_secs(40);
/// How long curl and python3 may take to start on a busy machine.
const TOOL_WAIT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("a first request is fetched in full from the origin and relayed (MISS)", first_request_is_a_miss)
            .hint_if(Kind::Closed, "Read the request head up to its blank line, take the host, port and path \
                     from the absolute URL (GET http://host:port/path HTTP/1.1), connect to host:port, send \
                     `GET /path HTTP/1.1` with a Host header, and relay the origin's response to the client.")
            .hint_if(Kind::Mismatch, "The client must get the origin's status and body as they were: relay the \
                     status line, the end-to-end headers and the whole body (de-chunked or not, framed so the \
                     client knows where it ends)."),
        Case::new("a second request is revalidated with If-Modified-Since and answered from the cache", second_request_is_revalidated)
            .hint_if(Kind::Mismatch, "The second time, the proxy has a copy: it must ask the origin \
                     conditionally (If-Modified-Since: the stored Last-Modified, byte for byte), and when the \
                     origin says 304 Not Modified, answer the client 200 with the stored headers and body. A \
                     304 relayed as it is, or a second full GET, is not a cache."),
        Case::new("a page changed at the origin is fetched anew and replaces the stored copy", changed_page_replaces_copy)
            .hint_if(Kind::Mismatch, "A conditional GET may get a full 200 back: the page changed. Relay it to \
                     the client AND replace the stored copy (body and Last-Modified), so the next revalidation \
                     asks with the new date and gets a 304."),
        Case::new("a response with Cache-Control: no-store is never stored", no_store_is_never_stored)
            .hint_if(Kind::Mismatch, "Cache-Control: no-store forbids any cache to keep the response: relay it, \
                     store nothing, and ask in full the next time (never a conditional GET)."),
        Case::new("a response with Cache-Control: private is not stored by the shared cache", private_is_not_stored)
            .hint_if(Kind::Mismatch, "Cache-Control: private means the page is one user's: a proxy shared by a \
                     whole institution must not keep it (look for the token among the comma-separated values)."),
        Case::new("a response without Last-Modified is relayed but not stored", no_last_modified_is_not_stored)
            .hint_if(Kind::Mismatch, "This cache revalidates before it serves a copy; without a Last-Modified \
                     there is nothing to put in If-Modified-Since, so the response is relayed and not stored."),
        Case::new("a POST passes through each time and its response is not stored", post_passes_through)
            .hint_if(Kind::Mismatch, "Only GET responses are stored: a POST changes something at the origin, and \
                     must reach it every time. Its response must not answer a later GET either."),
        Case::new("a POST's body reaches the origin whole, with its Content-Length", post_body_is_forwarded)
            .hint_if(Kind::Timeout, "Forward the request body too: Content-Length bytes after the head, relayed \
                     to the origin (with the Content-Length), before waiting for its answer."),
        Case::new("a request with Authorization passes through and is not stored", authorization_passes_through)
            .hint_if(Kind::Mismatch, "A response to a request with credentials is for that user: a shared cache \
                     must neither store it nor answer it from a stored copy."),
        Case::new("a request with the client's own If-Modified-Since passes through, and its 304 reaches the client", client_validators_pass_through)
            .hint_if(Kind::Mismatch, "A client that sends its own If-Modified-Since has a copy of its own and asks \
                     about it: forward its condition as it is (do not replace it, do not store the 304), and relay \
                     the origin's answer, a 304 included."),
        Case::new("URLs that differ in port, path or query are separate entries", entries_keyed_by_whole_url)
            .hint_if(Kind::Mismatch, "Key the cache by the whole absolute URL: host, port, path and query. A key \
                     without the port serves one server's page for another's; without the query, one search's \
                     results for another."),
        Case::new("a 404 from the origin is relayed and not stored", not_found_is_relayed)
            .hint_if(Kind::Mismatch, "Relay the origin's status as it is (404 with its body), and store only \
                     200 responses: an error may be temporary."),
        Case::new("the origin gets an origin-form target, a Host header, a Via header and no hop-by-hop headers", origin_gets_clean_request)
            .hint_if(Kind::Mismatch, "Toward the origin: `GET /path?query HTTP/1.1` (origin form, not the \
                     absolute URL), `Host: host:port` from the URL, the client's end-to-end headers, `Via: 1.1 \
                     …`, and none of the hop-by-hop ones: Connection, Proxy-Connection, Keep-Alive, \
                     Transfer-Encoding, TE, Trailer, Upgrade, Proxy-Authorization, nor any header that \
                     Connection names (RFC 9110 §7.6.1)."),
        Case::new("a chunked response is relayed, stored de-chunked, and served whole from the cache", chunked_response_is_dechunked)
            .hint_if(Kind::Mismatch, "A chunked body's bytes on the wire are not the body: decode the chunks \
                     (size in hex, CRLF, data, CRLF… 0 CRLF CRLF) into the stored copy, and send it with a \
                     Content-Length when it comes from the cache. Drop the origin's hop-by-hop headers \
                     (Keep-Alive, and what its Connection header names).")
            .hint_if(Kind::Timeout, "A chunked body ends with its 0-size chunk, not with the connection: relay \
                     it to the client chunked (or with a length), so the client knows where it ends."),
        Case::new("a response cut short by the origin is not stored, and the client's connection is closed", cut_short_is_not_stored)
            .hint_if(Kind::Timeout, "When the origin closes before Content-Length bytes came, the client cannot \
                     be told in a status any more: close its connection, so it sees the response is short.")
            .hint_if(Kind::Mismatch, "A body that ended early is not the page: store it only when it arrived \
                     whole."),
        Case::new("an HTTP/1.0 client gets a chunked response de-chunked, delimited by the close", http10_client_gets_close_delimited)
            .hint("An HTTP/1.0 client does not know chunked framing: relay a body of unknown length to it as \
                   it comes, without Transfer-Encoding, and close the connection at its end."),
        Case::new("a request with two different Content-Length headers, or an unknown transfer coding, is answered 400", bad_framing_is_400)
            .hint("Two different Content-Length values (or a Transfer-Encoding the proxy cannot decode) leave no \
                   way to know where the body ends: that is how request smuggling works. Refuse with 400."),
        Case::new("an origin whose host name's first address refuses is reached at the next", origin_behind_refusing_address)
            .hint("A host name may resolve to several addresses (::1, then 127.0.0.1) and the first may refuse: \
                   TcpStream::connect((host, port)) tries each in turn; taking only the first of lookup_host() \
                   does not."),
        Case::new("an unreachable origin is answered 502 Bad Gateway and the proxy goes on", unreachable_origin_is_502)
            .hint_if(Kind::Closed, "A refused connection to the origin is that request's error, not the proxy's: \
                     answer `HTTP/1.1 502 Bad Gateway` and keep serving.")
            .hint_if(Kind::Mismatch, "A refused connection to the origin is answered `HTTP/1.1 502 Bad Gateway` \
                     (with a short body saying why)."),
        Case::new("a request in origin form (GET /path) is answered 400 Bad Request", origin_form_is_400)
            .hint("A proxy must be told which server to ask: a target without http://host is a request meant \
                   for a server, and the answer is 400 Bad Request."),
        Case::new("a request head over 16 KiB is answered 431 and the proxy goes on", huge_head_is_431)
            .hint("Read the request head under a limit (MAX_HEAD, 16 KiB): a client that never ends its head \
                   must not make the proxy buffer without end. Answer 431 Request Header Fields Too Large, \
                   close that connection, and serve the next client."),
        Case::new("a body over --max-object is relayed whole but not stored", big_object_is_not_stored)
            .hint_if(Kind::Mismatch, "--max-object is the largest body the cache keeps: relay a larger one \
                     whole, but drop the copy (and do not revalidate what was not stored)."),
        Case::new("with --max-entries 2 the entry used least recently is evicted", least_recently_used_is_evicted)
            .hint_if(Kind::Mismatch, "--max-entries is how many responses the cache keeps: storing one more \
                     evicts the entry used least recently (a lookup counts as a use), not the newest, nor \
                     everything."),
        Case::new("several requests on one connection, to different origins, are each answered", keep_alive_across_origins)
            .hint_if(Kind::Timeout, "After a response, read the client's next request on the same connection \
                     (HTTP/1.1 keeps it open) — it may be for another origin — and close only when the client \
                     asks (Connection: close) or hangs up.")
            .hint_if(Kind::Closed, "HTTP/1.1 connections stay open: answer request after request on one client \
                     connection, and close it after a response only when the client said Connection: close."),
        Case::new("a request split in pieces, then one that stalls midway, are each answered", request_in_pieces)
            .hint("A request head may arrive in many reads, with pauses: read until the blank line that ends \
                   it (a BufReader and read_until), whatever the reads bring."),
        Case::new("two pipelined requests in one write are both answered, in order", pipelined_requests)
            .hint("Two requests in one read: the second one's bytes are already in your buffer when the first \
                   is answered. Keep the same BufReader for the whole connection, and read the next head from \
                   it."),
        Case::new("a half-sent request does not hold up another client", half_request_does_not_block)
            .hint("Each client needs a task (or thread) of its own: a proxy that waits for one client's head to \
                   end serves nobody else meanwhile."),
        Case::new("several clients at once are served while one waits on a slow origin", slow_origin_blocks_nobody)
            .hint("Serve each client in its own task: while one waits for a slow origin, the others' requests \
                   must go through."),
        Case::new("a client that resets mid-response does not stop the proxy", reset_client_does_not_stop_proxy)
            .hint("A client that vanishes makes writing its response fail: end that connection (its task), and \
                   go on serving the others. Never pass that error up to the accept loop, nor unwrap it."),
        Case::new("a client that shuts down its sending side still gets its answer, then is let go", half_closed_client)
            .hint("The client finished its request and closed its sending side: answer it, then reading its \
                   next head gives the end of the stream — close the connection."),
        Case::new("a 32 MiB body streams through without being held in memory", huge_body_streams)
            .hint("Relay the body piece by piece as it arrives (a buffer, not the whole body), and stop keeping \
                   the cache's copy once it is over --max-object."),
        Case::new("CONNECT opens a tunnel: ureq through the proxy gets the page", connect_tunnel_with_ureq)
            .hint_if(Kind::Other, "ureq sends `CONNECT host:port HTTP/1.1` to an HTTP proxy, even for http:// \
                     URLs: connect to host:port, answer `HTTP/1.1 200 Connection Established` and a blank line, \
                     then copy bytes both ways until each side closes."),
        Case::new("a CONNECT to an unreachable port is answered 502", connect_unreachable_is_502)
            .hint("When the tunnel's far end refuses, answer `HTTP/1.1 502 Bad Gateway` instead of 200."),
        Case::new("curl -x fetches through the proxy, and the second fetch is a revalidation", curl_through_proxy),
        Case::new("python3's urllib with a ProxyHandler fetches through the proxy", python_through_proxy),
        Case::new("Chromium with --proxy-server loads a page through the proxy", chromium_through_proxy)
            .hint("Chromium sends `GET http://host:port/path HTTP/1.1` to its proxy, with \
                   Proxy-Connection: keep-alive and many headers; it opens several connections and may send \
                   CONNECT requests of its own (to hosts it cannot reach here: answer 502)."),
        Case::new("the proxy listens on ::1 when given --host ::1", listens_on_ipv6)
            .hint("Bind (host, port) as given: TcpListener::bind((host, port)) takes `::1` as it is."),
        Case::new("with stdout closed the proxy stops with an error naming stdout and status 1", stdout_closed)
            .hint("println! panics when stdout is closed: write the `listening on` line with writeln! and return \
                   the error, so main prints `error: cannot write to stdout: …` and exits with 1."),
        Case::new("with stderr closed the proxy still serves and revalidates", stderr_closed)
            .hint("Nobody reads the log, and writing it fails: eprintln! then panics (in a task: that request \
                   dies). Write log lines with note!, which drops a line it cannot write."),
    ])
}

/// Starts the proxy on a free port.
fn proxy(t: &mut Session) -> Outcome<(Program, SocketAddr)> {
    t.start_server("proxy", &["proxy", "--port", "0"])
}

/// Starts the test's origin server with `resources`.
fn origin<'a>(resources: impl IntoIterator<Item = (&'a str, Resource)>) -> Outcome<Origin> {
    Origin::start(resources).map_err(|error| {
        Failure::new(format!("the test's origin server could not start: {error}")).kind(Kind::Other)
    })
}

/// An HTML page with a varied body, last modified an hour ago (a whole number of
/// seconds, as HTTP dates are).
fn page(t: &mut Session) -> Resource {
    Resource::html(format!("<p>{}</p>\n", t.sentence(4))).modified_at(an_hour_ago())
}

/// An hour ago.
fn an_hour_ago() -> SystemTime {
    SystemTime::now() - Duration::from_secs(3600)
}

/// The `host:port` of an absolute URL.
fn authority(url: &str) -> &str {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}

/// A GET for `url` as a client configured to use a proxy sends it.
fn get_request(url: &str, close: bool) -> String {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!(
        "GET {url} HTTP/1.1\r\nHost: {}\r\nUser-Agent: netlab\r\n{connection}\r\n",
        authority(url)
    )
}

/// Fetches `url` through the proxy on a connection of its own.
fn fetch(t: &mut Session, proxy: SocketAddr, url: &str) -> Outcome<Response> {
    let mut client = t.connect(proxy)?;
    client.send_bytes(get_request(url, true).as_bytes())?;
    read_response(&mut client, "GET")
}

/// Fetches `url` and checks the client got `200` and exactly `body`.
fn fetch_page(t: &mut Session, proxy: SocketAddr, url: &str, body: &[u8]) -> Outcome<Response> {
    let response = fetch(t, proxy, url)?;
    response.expect_status(200)?;
    expect_body(&response, body)?;
    Ok(response)
}

/// Checks a response's body.
fn expect_body(response: &Response, body: &[u8]) -> Outcome {
    if response.body == body {
        return Ok(());
    }
    Err(Failure::mismatch(
        "the client did not get the page's body",
        String::from_utf8_lossy(body),
        String::from_utf8_lossy(&response.body),
    ))
}

/// Checks how many full and conditional requests `path` got at the origin.
fn expect_counts(
    origin: &Origin,
    path: &str,
    full: usize,
    conditional: usize,
    why: &str,
) -> Outcome {
    let got = (
        origin.full_requests(path),
        origin.conditional_requests(path),
    );
    if got == (full, conditional) {
        return Ok(());
    }
    Err(Failure::mismatch(
        format!("the origin's count of requests for {path} is wrong: {why}"),
        format!("{full} full, {conditional} conditional (If-Modified-Since)"),
        format!("{} full, {} conditional", got.0, got.1),
    ))
}

fn first_request_is_a_miss(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/index.html", page)])?;
    let response = fetch_page(t, addr, &origin.url("/index.html"), &body)?;
    response.expect_header("X-Cache", "MISS")?;
    expect_counts(
        &origin,
        "/index.html",
        1,
        0,
        "a first request is a full GET",
    )?;
    proxy.expect_stderr_containing("MISS")?;
    proxy.expect_running()
}

fn second_request_is_revalidated(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let page = page(t);
    let (body, modified) = (page.body.clone(), page.last_modified);
    let origin = origin([("/a.html", page)])?;
    let url = origin.url("/a.html");
    fetch_page(t, addr, &url, &body)?;
    let second = fetch_page(t, addr, &url, &body)?;
    expect_counts(
        &origin,
        "/a.html",
        1,
        1,
        "the second request must be a conditional GET",
    )?;
    let sent = origin
        .requests()
        .into_iter()
        .find(|seen| seen.is_conditional());
    let since = sent
        .as_ref()
        .and_then(|seen| seen.header("if-modified-since"));
    let stored = modified.map(httpdate::fmt_http_date).unwrap_or_default();
    if since != Some(stored.as_str()) {
        return Err(Failure::mismatch(
            "If-Modified-Since must carry the stored Last-Modified, as the origin sent it",
            stored,
            since.unwrap_or("(none)"),
        ));
    }
    second.expect_header("X-Cache", "HIT")?;
    second.expect_header(
        "Last-Modified",
        &httpdate::fmt_http_date(modified.unwrap_or(SystemTime::UNIX_EPOCH)),
    )?;
    proxy.expect_stderr_containing("HIT")?;
    proxy.expect_running()
}

fn changed_page_replaces_copy(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let old = page(t);
    let old_body = old.body.clone();
    let origin = origin([("/news.html", old)])?;
    let url = origin.url("/news.html");
    fetch_page(t, addr, &url, &old_body)?;
    let new_body = format!("<p>{}</p>\n", t.sentence(5));
    t.note("the page changes at the origin");
    origin.set(
        "/news.html",
        Resource::html(new_body.clone()).modified_at(SystemTime::now()),
    );
    let changed = fetch_page(t, addr, &url, new_body.as_bytes())?;
    changed.expect_header("X-Cache", "MODIFIED")?;
    proxy.expect_stderr_containing("MODIFIED")?;
    expect_counts(
        &origin,
        "/news.html",
        1,
        1,
        "the second request is conditional, and gets a 200",
    )?;
    fetch_page(t, addr, &url, new_body.as_bytes())?;
    expect_counts(
        &origin,
        "/news.html",
        1,
        2,
        "the third request revalidates the new copy",
    )?;
    let last = origin.requests().last().map(|seen| seen.status);
    expect_that(
        last == Some(304),
        "the third request must ask with the new Last-Modified, so that the origin answers 304",
    )
}

/// Fetches a page with an extra header three times and checks none was stored.
fn never_stored(t: &mut Session, name: &str, value: &str) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t).with_header(name, value);
    let body = page.body.clone();
    let origin = origin([("/account", page)])?;
    let url = origin.url("/account");
    for _ in 0..3 {
        fetch_page(t, addr, &url, &body)?;
    }
    expect_counts(
        &origin,
        "/account",
        3,
        0,
        &format!("with {name}: {value}, nothing may be stored"),
    )
}

fn no_store_is_never_stored(t: &mut Session) -> Outcome {
    never_stored(t, "Cache-Control", "no-store")
}

fn private_is_not_stored(t: &mut Session) -> Outcome {
    never_stored(t, "Cache-Control", "max-age=60, private")
}

fn no_last_modified_is_not_stored(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let body = format!("<p>{}</p>\n", t.sentence(3));
    let origin = origin([("/now", Resource::html(body.clone()))])?;
    let url = origin.url("/now");
    fetch_page(t, addr, &url, body.as_bytes())?;
    fetch_page(t, addr, &url, body.as_bytes())?;
    expect_counts(
        &origin,
        "/now",
        2,
        0,
        "without Last-Modified, nothing is stored",
    )
}

fn post_passes_through(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/form", page)])?;
    let url = origin.url("/form");
    for _ in 0..2 {
        let mut client = t.connect(addr)?;
        let data = t.word();
        client.send_bytes(
            format!(
                "POST {url} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{data}",
                authority(&url),
                data.len()
            )
            .as_bytes(),
        )?;
        let response = read_response(&mut client, "POST")?;
        response.expect_status(200)?;
        response.expect_header("X-Cache", "PASS")?;
    }
    expect_counts(&origin, "/form", 2, 0, "each POST must reach the origin")?;
    fetch_page(t, addr, &url, &body)?;
    expect_counts(
        &origin,
        "/form",
        3,
        0,
        "a POST's response must not be stored for a later GET",
    )
}

fn post_body_is_forwarded(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let mut listener = t.listen()?;
    let url = format!("http://{}/submit", listener.addr()?);
    let mut client = t.connect(addr)?;
    let data = t.sentence(6);
    client.send_bytes(
        format!(
            "POST {url} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{data}",
            authority(&url),
            data.len()
        )
        .as_bytes(),
    )?;
    let mut server = listener.accept()?;
    let head = String::from_utf8_lossy(&server.read_head(64 * 1024)?).into_owned();
    expect_that(
        head.starts_with("POST /submit HTTP/1.1\r\n"),
        "the origin must get `POST /submit HTTP/1.1` (origin form)",
    )?;
    expect_that(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}\r\n", data.len())),
        "the origin must get the request's Content-Length",
    )?;
    let got = server.read_bytes(data.len())?;
    expect_that(
        got == data.as_bytes(),
        "the origin must get the POST's body as the client sent it",
    )?;
    let reply = t.word();
    server.send_bytes(
        format!(
            "HTTP/1.1 201 Created\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        )
        .as_bytes(),
    )?;
    let response = read_response(&mut client, "POST")?;
    response.expect_status(201)?;
    expect_body(&response, reply.as_bytes())
}

fn authorization_passes_through(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/me", page)])?;
    let url = origin.url("/me");
    let token = t.word();
    for _ in 0..2 {
        let mut client = t.connect(addr)?;
        client.send_bytes(
            format!(
                "GET {url} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
                authority(&url)
            )
            .as_bytes(),
        )?;
        let response = read_response(&mut client, "GET")?;
        response.expect_status(200)?;
        expect_body(&response, &body)?;
    }
    expect_counts(
        &origin,
        "/me",
        2,
        0,
        "a request with credentials is neither stored nor revalidated",
    )
}

fn client_validators_pass_through(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let (body, modified) = (
        page.body.clone(),
        page.last_modified.unwrap_or(SystemTime::UNIX_EPOCH),
    );
    let origin = origin([("/own", page)])?;
    let url = origin.url("/own");
    let since = httpdate::fmt_http_date(modified);
    let mut client = t.connect(addr)?;
    client.send_bytes(
        format!(
            "GET {url} HTTP/1.1\r\nHost: {}\r\nIf-Modified-Since: {since}\r\nConnection: close\r\n\r\n",
            authority(&url)
        )
        .as_bytes(),
    )?;
    read_response(&mut client, "GET")?.expect_status(304)?;
    expect_counts(
        &origin,
        "/own",
        0,
        1,
        "the client's own conditional GET goes to the origin",
    )?;
    let sent = origin
        .requests()
        .first()
        .and_then(|seen| seen.header("if-modified-since").map(str::to_string));
    if sent.as_deref() != Some(since.as_str()) {
        return Err(Failure::mismatch(
            "the client's If-Modified-Since must reach the origin as it was",
            since,
            sent.unwrap_or_else(|| "(none)".to_string()),
        ));
    }
    fetch_page(t, addr, &url, &body)?;
    expect_counts(
        &origin,
        "/own",
        1,
        1,
        "nothing was stored: a plain GET afterwards is a full one",
    )
}

fn entries_keyed_by_whole_url(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let (first, second, third) = (page(t), page(t), page(t));
    let bodies = [first.body.clone(), second.body.clone(), third.body.clone()];
    let one = origin([("/x", first), ("/x?q=2", third)])?;
    let two = origin([("/x", second)])?;
    let urls = [one.url("/x"), two.url("/x"), one.url("/x?q=2")];
    for round in 0..2 {
        for (url, body) in urls.iter().zip(&bodies) {
            fetch_page(t, addr, url, body)?;
        }
        let why = if round == 0 {
            "three URLs, three misses"
        } else {
            "three entries, three revalidations"
        };
        expect_counts(&one, "/x", 1, round, why)?;
        expect_counts(&two, "/x", 1, round, why)?;
        expect_counts(&one, "/x?q=2", 1, round, why)?;
    }
    Ok(())
}

fn not_found_is_relayed(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let origin = origin([])?;
    let path = format!("/{}", t.word());
    for _ in 0..2 {
        let response = fetch(t, addr, &origin.url(&path))?;
        response.expect_status(404)?;
        expect_body(&response, b"not found\n")?;
    }
    expect_counts(&origin, &path, 2, 0, "a 404 is not stored")
}

fn origin_gets_clean_request(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let path = format!("/{}?q={}", t.word(), t.word());
    let origin = origin([(path.as_str(), page)])?;
    let url = origin.url(&path);
    let kept = t.word();
    let mut client = t.connect(addr)?;
    client.send_bytes(
        format!(
            "GET {url} HTTP/1.1\r\nHost: {}\r\nProxy-Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\
             Connection: keep-alive, X-Hop\r\nX-Hop: secret\r\nTE: trailers\r\nX-Kept: {kept}\r\n\r\n",
            authority(&url)
        )
        .as_bytes(),
    )?;
    read_response(&mut client, "GET")?.expect_status(200)?;
    let seen = origin.requests();
    let Some(seen) = seen.first() else {
        return Err(Failure::new("the origin got no request").kind(Kind::Mismatch));
    };
    if seen.target != path {
        return Err(Failure::mismatch(
            "the origin must be sent the origin-form target (the path and query only)",
            path,
            seen.target.clone(),
        ));
    }
    let host = seen.header("host").unwrap_or("(none)");
    if host != authority(&url) {
        return Err(Failure::mismatch(
            "the origin's Host header is wrong",
            authority(&url),
            host,
        ));
    }
    for hop in ["proxy-connection", "keep-alive", "x-hop", "te"] {
        if let Some(value) = seen.header(hop) {
            return Err(Failure::mismatch(
                "a hop-by-hop header was forwarded to the origin",
                format!("no {hop} header"),
                format!("{hop}: {value}"),
            ));
        }
    }
    let connection = seen.header("connection").unwrap_or("");
    expect_that(
        !connection.to_ascii_lowercase().contains("x-hop"),
        "the client's Connection header is hop-by-hop: it must not be forwarded as it is",
    )?;
    expect_that(
        seen.header("x-kept") == Some(kept.as_str()),
        "an end-to-end header (X-Kept) must be forwarded to the origin",
    )?;
    expect_that(
        seen.header("via")
            .is_some_and(|via| via.starts_with("1.1 ")),
        "the request to the origin must carry a `Via: 1.1 NAME` header",
    )
}

/// A raw origin's response: chunked, with a Last-Modified and hop-by-hop headers.
fn chunked_response(body: &str, modified: &str) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nLast-Modified: {modified}\r\nTransfer-Encoding: chunked\r\n\
         Keep-Alive: timeout=5\r\nConnection: close, X-Hop\r\nX-Hop: secret\r\n\r\n"
    );
    let (first, second) = body.split_at(body.len() / 2);
    for piece in [first, second] {
        response.push_str(&format!("{:x}\r\n{piece}\r\n", piece.len()));
    }
    response.push_str("0\r\n\r\n");
    response.into_bytes()
}

fn chunked_response_is_dechunked(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let mut listener = t.listen()?;
    let url = format!("http://{}/log.txt", listener.addr()?);
    let body = t.sentence(8);
    let modified = httpdate::fmt_http_date(an_hour_ago());
    let mut client = t.connect(addr)?;
    client.send_bytes(get_request(&url, false).as_bytes())?;
    let mut server = listener.accept()?;
    server.read_head(64 * 1024)?;
    server.send_bytes(&chunked_response(&body, &modified))?;
    server.close();
    let first = read_response(&mut client, "GET")?;
    first.expect_status(200)?;
    expect_body(&first, body.as_bytes())?;
    for hop in ["keep-alive", "x-hop"] {
        expect_that(
            first.header(hop).is_none(),
            format!("the origin's hop-by-hop header {hop} must not reach the client"),
        )?;
    }
    t.note("the same page again, on the same connection: the origin answers 304");
    client.send_bytes(get_request(&url, true).as_bytes())?;
    let mut server = listener.accept()?;
    let head = String::from_utf8_lossy(&server.read_head(64 * 1024)?).into_owned();
    expect_that(
        head.to_ascii_lowercase().contains(&format!(
            "if-modified-since: {}\r\n",
            modified.to_ascii_lowercase()
        )),
        "the second request must be conditional, with the stored Last-Modified",
    )?;
    server.send_bytes(
        format!(
            "HTTP/1.1 304 Not Modified\r\nLast-Modified: {modified}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )?;
    let second = read_response(&mut client, "GET")?;
    second.expect_status(200)?;
    expect_body(&second, body.as_bytes())
}

fn cut_short_is_not_stored(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let mut listener = t.listen()?;
    let url = format!("http://{}/big.bin", listener.addr()?);
    let body = t.sentence(20);
    let modified = httpdate::fmt_http_date(an_hour_ago());
    let mut client = t.connect(addr)?;
    client.send_bytes(get_request(&url, false).as_bytes())?;
    let mut server = listener.accept()?;
    server.read_head(64 * 1024)?;
    let half = &body[..body.len() / 2];
    server.send_bytes(
        format!(
            "HTTP/1.1 200 OK\r\nLast-Modified: {modified}\r\nContent-Length: {}\r\n\r\n{half}",
            body.len()
        )
        .as_bytes(),
    )?;
    t.note("the origin closes half-way through the body");
    server.close();
    client.read_head(64 * 1024)?;
    let got = client.read_to_close(body.len())?;
    expect_that(
        got.len() < body.len(),
        "the client cannot have got more than the origin sent",
    )?;
    t.note("the same page again: the short copy must not have been stored");
    let mut again = t.connect(addr)?;
    again.send_bytes(get_request(&url, true).as_bytes())?;
    let mut server = listener.accept()?;
    let head = String::from_utf8_lossy(&server.read_head(64 * 1024)?).into_owned();
    expect_that(
        !head.to_ascii_lowercase().contains("if-modified-since"),
        "a body cut short was stored: the next request revalidated it instead of asking in full",
    )?;
    server.send_bytes(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )?;
    let response = read_response(&mut again, "GET")?;
    expect_body(&response, body.as_bytes())?;
    proxy.expect_running()
}

fn http10_client_gets_close_delimited(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let mut listener = t.listen()?;
    let url = format!("http://{}/old.txt", listener.addr()?);
    let body = t.sentence(6);
    let modified = httpdate::fmt_http_date(an_hour_ago());
    let mut client = t.connect(addr)?;
    client.send_bytes(
        format!("GET {url} HTTP/1.0\r\nHost: {}\r\n\r\n", authority(&url)).as_bytes(),
    )?;
    let mut server = listener.accept()?;
    server.read_head(64 * 1024)?;
    server.send_bytes(&chunked_response(&body, &modified))?;
    server.close();
    let head = client.read_head(64 * 1024)?;
    let response = ch3::response::parse_head(&head)?;
    response.expect_status(200)?;
    expect_that(
        response.header("transfer-encoding").is_none(),
        "an HTTP/1.0 client does not know Transfer-Encoding: chunked; send the body up to the close",
    )?;
    let got = client.read_to_close(64 * 1024)?;
    expect_that(
        got == body.as_bytes(),
        "the HTTP/1.0 client must get the body de-chunked, then the close",
    )
}

fn bad_framing_is_400(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let origin = origin([("/f", page(t))])?;
    let url = origin.url("/f");
    for framing in [
        "Content-Length: 3\r\nContent-Length: 30",
        "Transfer-Encoding: gzip",
    ] {
        let mut client = t.connect(addr)?;
        client.send_bytes(
            format!(
                "POST {url} HTTP/1.1\r\nHost: {}\r\n{framing}\r\n\r\nabc",
                authority(&url)
            )
            .as_bytes(),
        )?;
        read_response(&mut client, "POST")?.expect_status(400)?;
    }
    expect_counts(
        &origin,
        "/f",
        0,
        0,
        "a request whose body cannot be delimited must not reach the origin",
    )?;
    proxy.expect_running()
}

fn origin_behind_refusing_address(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let (mut listener, host) = t.listen_behind_refusing_address()?;
    let url = format!("http://{host}:{}/dual", listener.addr()?.port());
    let mut client = t.connect(addr)?;
    client.send_bytes(get_request(&url, true).as_bytes())?;
    let mut server = listener.accept()?;
    let head = String::from_utf8_lossy(&server.read_head(64 * 1024)?).into_owned();
    expect_that(
        head.starts_with("GET /dual HTTP/1.1\r\n"),
        "the origin must get `GET /dual HTTP/1.1`",
    )?;
    let reply = t.sentence(2);
    server.send_bytes(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        )
        .as_bytes(),
    )?;
    let response = read_response(&mut client, "GET")?;
    response.expect_status(200)?;
    expect_body(&response, reply.as_bytes())
}

fn unreachable_origin_is_502(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let refused = t.refused_addr()?;
    let response = fetch(t, addr, &format!("http://{refused}/"))?;
    response.expect_status(502)?;
    t.note("the proxy goes on");
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/", page)])?;
    fetch_page(t, addr, &origin.url("/"), &body)?;
    proxy.expect_running()
}

fn origin_form_is_400(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let mut client = t.connect(addr)?;
    client.send_bytes(b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n")?;
    read_response(&mut client, "GET")?.expect_status(400)?;
    proxy.expect_running()
}

fn huge_head_is_431(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/", page)])?;
    let url = origin.url("/");
    let mut client = t.connect(addr)?;
    let padding = "a".repeat(MAX_HEAD + 1024);
    client.send_bytes(
        format!(
            "GET {url} HTTP/1.1\r\nHost: {}\r\nX-Padding: {padding}\r\n\r\n",
            authority(&url)
        )
        .as_bytes(),
    )?;
    read_response(&mut client, "GET")?.expect_status(431)?;
    expect_counts(
        &origin,
        "/",
        0,
        0,
        "a refused request must not reach the origin",
    )?;
    fetch_page(t, addr, &url, &body)?;
    proxy.expect_running()
}

fn big_object_is_not_stored(t: &mut Session) -> Outcome {
    let (_proxy, addr) =
        t.start_server("proxy", &["proxy", "--port", "0", "--max-object", "1000"])?;
    let small = page(t);
    let small_body = small.body.clone();
    let big_body = t.sentence(400).into_bytes();
    let big = Resource::new("text/plain", big_body.clone()).modified_at(an_hour_ago());
    let origin = origin([("/small", small), ("/big", big)])?;
    for _ in 0..2 {
        fetch_page(t, addr, &origin.url("/big"), &big_body)?;
        fetch_page(t, addr, &origin.url("/small"), &small_body)?;
    }
    expect_counts(
        &origin,
        "/big",
        2,
        0,
        "a body over --max-object 1000 is not stored",
    )?;
    expect_counts(
        &origin,
        "/small",
        1,
        1,
        "a body under --max-object is stored",
    )
}

fn least_recently_used_is_evicted(t: &mut Session) -> Outcome {
    let (_proxy, addr) =
        t.start_server("proxy", &["proxy", "--port", "0", "--max-entries", "2"])?;
    let (a, b, c) = (page(t), page(t), page(t));
    let bodies = [a.body.clone(), b.body.clone(), c.body.clone()];
    let origin = origin([("/a", a), ("/b", b), ("/c", c)])?;
    let fetch_one = |t: &mut Session, index: usize| {
        let path = ["/a", "/b", "/c"][index];
        fetch_page(t, addr, &origin.url(path), &bodies[index]).map(|_| ())
    };
    fetch_one(t, 0)?;
    fetch_one(t, 1)?;
    t.note("/a is used again, so /b is now the least recently used");
    fetch_one(t, 0)?;
    t.note("storing /c must evict /b");
    fetch_one(t, 2)?;
    fetch_one(t, 0)?;
    expect_counts(
        &origin,
        "/a",
        1,
        2,
        "/a was used recently and must still be stored",
    )?;
    fetch_one(t, 1)?;
    expect_counts(
        &origin,
        "/b",
        2,
        0,
        "/b, the least recently used, must have been evicted",
    )
}

fn keep_alive_across_origins(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let (first, second) = (page(t), page(t));
    let (first_body, second_body) = (first.body.clone(), second.body.clone());
    let one = origin([("/one", first)])?;
    let two = origin([("/two", second)])?;
    let mut client = t.connect(addr)?;
    client.send_bytes(get_request(&one.url("/one"), false).as_bytes())?;
    expect_body(&read_response(&mut client, "GET")?, &first_body)?;
    client.send_bytes(get_request(&two.url("/two"), false).as_bytes())?;
    expect_body(&read_response(&mut client, "GET")?, &second_body)?;
    client.send_bytes(get_request(&one.url("/one"), true).as_bytes())?;
    let last = read_response(&mut client, "GET")?;
    expect_body(&last, &first_body)?;
    expect_counts(&one, "/one", 1, 1, "the third request was a revalidation")?;
    expect_that(
        last.closes(),
        "a response to `Connection: close` must say `Connection: close`",
    )?;
    client.expect_closed()
}

fn request_in_pieces(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/p", page)])?;
    let request = get_request(&origin.url("/p"), true);
    let mut client = t.connect(addr)?;
    let cuts = t.cuts(request.len(), 5);
    client.send_in_pieces(request.as_bytes(), &cuts)?;
    expect_body(&read_response(&mut client, "GET")?, &body)?;
    let mut client = t.connect(addr)?;
    client.send_with_pause(
        request.as_bytes(),
        request.len() - 3,
        Duration::from_millis(1200),
    )?;
    expect_body(&read_response(&mut client, "GET")?, &body)
}

fn pipelined_requests(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let (first, second) = (page(t), page(t));
    let (first_body, second_body) = (first.body.clone(), second.body.clone());
    let origin = origin([("/1", first), ("/2", second)])?;
    let (one, two) = (origin.url("/1"), origin.url("/2"));
    let host = format!("Host: {}\r", authority(&one));
    let mut client = t.connect(addr)?;
    let (line_one, line_two) = (
        format!("GET {one} HTTP/1.1\r"),
        format!("GET {two} HTTP/1.1\r"),
    );
    client.send_burst(&[
        &line_one,
        &host,
        "\r",
        "\r",
        &line_two,
        &host,
        "Connection: close\r",
        "\r",
    ])?;
    expect_body(&read_response(&mut client, "GET")?, &first_body)?;
    expect_body(&read_response(&mut client, "GET")?, &second_body)
}

fn half_request_does_not_block(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/h", page)])?;
    let request = get_request(&origin.url("/h"), true);
    let (start, rest) = request.split_at(request.len() / 2);
    let mut slow = t.connect(addr)?;
    slow.send_unfinished(start.as_bytes())?;
    fetch_page(t, addr, &origin.url("/h"), &body)?;
    slow.send_bytes(rest.as_bytes())?;
    expect_body(&read_response(&mut slow, "GET")?, &body)
}

fn slow_origin_blocks_nobody(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let mut slow_origin = t.listen()?;
    let slow_url = format!("http://{}/slow", slow_origin.addr()?);
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/fast", page)])?;
    let mut clients = t.connect_many(addr, 3)?;
    clients[0].send_bytes(get_request(&slow_url, true).as_bytes())?;
    let mut held = slow_origin.accept()?;
    held.read_head(64 * 1024)?;
    t.note("the slow origin holds its answer while the other clients ask");
    for client in &mut clients[1..] {
        client.send_bytes(get_request(&origin.url("/fast"), true).as_bytes())?;
    }
    for client in &mut clients[1..] {
        expect_body(&read_response(client, "GET")?, &body)?;
    }
    let late = t.word();
    held.send_bytes(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{late}",
            late.len()
        )
        .as_bytes(),
    )?;
    expect_body(&read_response(&mut clients[0], "GET")?, late.as_bytes())
}

fn reset_client_does_not_stop_proxy(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let big = Resource::new("application/octet-stream", vec![b'x'; 8 * 1024 * 1024])
        .modified_at(an_hour_ago());
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/big", big), ("/small", page)])?;
    let mut client = t.connect(addr)?;
    client.send_bytes(get_request(&origin.url("/big"), false).as_bytes())?;
    client.read_head(64 * 1024)?;
    client.reset();
    fetch_page(t, addr, &origin.url("/small"), &body)?;
    proxy.expect_running()
}

fn half_closed_client(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/hc", page)])?;
    let mut client = t.connect(addr)?;
    client.send_bytes(get_request(&origin.url("/hc"), false).as_bytes())?;
    client.shutdown_write()?;
    expect_body(&read_response(&mut client, "GET")?, &body)?;
    client.expect_closed()
}

fn huge_body_streams(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let bulk = t.bulk(HUGE_BODY as u64);
    let mut body = Vec::with_capacity(HUGE_BODY);
    bulk.write_to(&mut body)
        .map_err(|e| Failure::new(format!("the test could not make its body: {e}")))?;
    let origin = origin([(
        "/huge",
        Resource::new("application/octet-stream", body).modified_at(an_hour_ago()),
    )])?;
    // 32 MiB through a debug build on a busy machine takes a while.
    t.set_deadline(Duration::from_secs(30));
    let mut client = t.connect(addr)?;
    client.send_bytes(get_request(&origin.url("/huge"), true).as_bytes())?;
    let response = read_response(&mut client, "GET")?;
    bulk.expect_same(
        &mut response.body.as_slice(),
        "the 32 MiB body through the proxy",
    )?;
    proxy.signal(Signal::Terminate)?;
    proxy.expect_peak_memory_below(HUGE_BODY_LIMIT, "half the 32 MiB body")
}

fn connect_tunnel_with_ureq(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/t", page)])?;
    let url = origin.url("/t");
    t.note(&format!(
        "ureq fetches {url} through the proxy (a CONNECT tunnel)"
    ));
    let proxy_setting = ureq::Proxy::new(&format!("http://{addr}"))
        .map_err(|e| Failure::new(format!("the test could not configure ureq's proxy: {e}")))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(Some(proxy_setting))
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let got = agent
        .get(&url)
        .call()
        .and_then(|mut response| response.body_mut().read_to_vec())
        .map_err(|e| {
            Failure::new(format!(
                "ureq could not fetch the page through the proxy: {e}"
            ))
        })?;
    expect_that(
        got == body,
        "ureq must get the page's body through the tunnel",
    )?;
    expect_counts(
        &origin,
        "/t",
        1,
        0,
        "a tunnel carries the client's own request, untouched",
    )?;
    proxy.expect_stderr_containing("TUNNEL")?;
    proxy.expect_running()
}

fn connect_unreachable_is_502(t: &mut Session) -> Outcome {
    let (mut proxy, addr) = proxy(t)?;
    let refused = t.refused_addr()?;
    let mut client = t.connect(addr)?;
    client
        .send_bytes(format!("CONNECT {refused} HTTP/1.1\r\nHost: {refused}\r\n\r\n").as_bytes())?;
    let head = client.read_head(64 * 1024)?;
    let response = ch3::response::parse_head(&head)?;
    response.expect_status(502)?;
    proxy.expect_running()
}

fn curl_through_proxy(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = String::from_utf8_lossy(&page.body).trim_end().to_string();
    let origin = origin([("/curl.html", page)])?;
    let (proxy_url, url) = (format!("http://{addr}"), origin.url("/curl.html"));
    for _ in 0..2 {
        let mut curl = t.start_tool(
            "curl",
            "curl",
            &["-sS", "--noproxy", "", "-x", &proxy_url, &url],
            "apt-get install curl",
        )?;
        curl.set_deadline(TOOL_WAIT);
        curl.expect_line(&body)?;
        curl.expect_success()?;
    }
    expect_counts(
        &origin,
        "/curl.html",
        1,
        1,
        "curl's second fetch must be revalidated, not fetched in full",
    )
}

fn python_through_proxy(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = String::from_utf8_lossy(&page.body).trim_end().to_string();
    let origin = origin([("/py", page)])?;
    let script = "import sys, urllib.request\n\
                  opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': sys.argv[1]}))\n\
                  sys.stdout.write(opener.open(sys.argv[2], timeout=5).read().decode())\n";
    let (proxy_url, url) = (format!("http://{addr}"), origin.url("/py"));
    for _ in 0..2 {
        let mut python = t.start_tool(
            "python3",
            "python3",
            &["-c", script, &proxy_url, &url],
            "apt-get install python3",
        )?;
        python.set_deadline(TOOL_WAIT);
        python.expect_line(&body)?;
        python.expect_success()?;
    }
    expect_counts(&origin, "/py", 1, 1, "the second fetch must be revalidated")
}

fn chromium_through_proxy(t: &mut Session) -> Outcome {
    let (_proxy, addr) = proxy(t)?;
    let word = t.word();
    let page = Resource::html(format!("<p id=\"w\">{word}</p>")).modified_at(an_hour_ago());
    let origin = origin([("/browser.html", page)])?;
    let profile = t.dir().join("chromium-profile");
    let args = [
        "--headless".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        format!("--user-data-dir={}", profile.display()),
        format!("--proxy-server=http://{addr}"),
        // Chromium never sends loopback addresses to a proxy unless told to.
        "--proxy-bypass-list=<-loopback>".to_string(),
        "--dump-dom".to_string(),
        origin.url("/browser.html"),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut chromium = t.start_tool("chromium", "chromium", &args, "apt-get install chromium")?;
    chromium.set_deadline(BROWSER_WAIT);
    chromium.expect_line_matching(
        &format!(".*<p id=\"w\">{word}</p>.*"),
        "the page's DOM, with its word",
    )?;
    expect_counts(
        &origin,
        "/browser.html",
        1,
        0,
        "Chromium's request must reach the origin through the proxy",
    )
}

fn listens_on_ipv6(t: &mut Session) -> Outcome {
    let (_proxy, addr) = t.start_server("proxy", &["proxy", "--host", "::1", "--port", "0"])?;
    expect_that(addr.is_ipv6(), "the proxy must listen on ::1")?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/six", page)])?;
    fetch_page(t, addr, &origin.url("/six"), &body).map(|_| ())
}

fn stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let mut proxy = t.start("proxy", &["proxy", "--port", "0"])?;
    let line = proxy.expect_error_exit(Some(1))?;
    expect_that(
        line.contains("stdout"),
        "the error line must say that stdout is what failed",
    )
}

fn stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let (mut proxy, addr) = proxy(t)?;
    let page = page(t);
    let body = page.body.clone();
    let origin = origin([("/quiet", page)])?;
    for _ in 0..2 {
        fetch_page(t, addr, &origin.url("/quiet"), &body)?;
    }
    expect_counts(
        &origin,
        "/quiet",
        1,
        1,
        "the second request is a revalidation",
    )?;
    proxy.expect_running()
}
