//! Grades ch3-2, the HTTP file server: GET and HEAD over a served folder, the status
//! codes and headers a browser relies on, conditional GET, persistent connections,
//! many clients at once, uploads, gzip — and every hostile peer a public server meets
//! (paths that climb out of the root, huge heads, slowloris, resets mid-body).
//!
//! Each case builds its own site in its folder: `root/` (served), `secret.txt` beside
//! it (which no request may ever read), and `uploads/` when the case needs one.

use ch3::response::{Response, read_response};
use harness::prelude::*;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// The head limit the exercise states.
const MAX_HEAD: usize = 8 * 1024;
/// The upload limit the exercise states.
const MAX_UPLOAD: u64 = 10 * 1024 * 1024;

fn main() -> ExitCode {
    harness::run!(&[
        // The CodeCrafters stages, and the basics of serving a file.
        Case::new("a GET of a file answers 200 with its bytes, Content-Length and Content-Type", serves_a_file)
            .hint("Answer `HTTP/1.1 200 OK\\r\\n`, then `Content-Type: …\\r\\n`, `Content-Length: N\\r\\n` (the \
                   file's size in bytes), a blank line `\\r\\n`, then the file's bytes, all of them.")
            .hint_if(Kind::Timeout, "The client waits for Content-Length bytes: a length larger than the body, or \
                     no length on a connection that stays open, leaves it waiting."),
        Case::new("a GET of a missing file answers 404 and the connection goes on", missing_file_is_404)
            .hint("A file that is not there is `404 Not Found`, with a small body and its Content-Length, and \
                   the connection stays open for the next request (HTTP/1.1 keeps it by default)."),
        Case::new("a folder is served by its index.html", folder_serves_index)
            .hint("`GET /` and `GET /docs/` name folders: serve the index.html inside them."),
        Case::new("Content-Type follows the file's extension", content_type_by_extension)
            .hint("Use the table: html text/html; charset=utf-8, txt text/plain; charset=utf-8, css text/css; \
                   charset=utf-8, js text/javascript; charset=utf-8, json application/json, png image/png, \
                   jpg and jpeg image/jpeg, gif image/gif, svg image/svg+xml, anything else \
                   application/octet-stream. Compare extensions without case."),
        Case::new("/echo/TEXT answers TEXT as text/plain", echo_answers_text)
            .hint("The body is what follows `/echo/` in the path, percent-decoded; Content-Type text/plain; \
                   charset=utf-8; Content-Length its length in bytes."),
        Case::new("/user-agent answers the request's User-Agent", user_agent_answered)
            .hint("Find the User-Agent header whatever the case of its name (`user-agent`, `User-Agent`) and \
                   answer its value as text/plain."),
        Case::new("a HEAD answers GET's headers without a body", head_has_no_body)
            .hint("HEAD gets the same status and headers as GET, Content-Length included (the length the body \
                   would have), and then nothing: the client reads no body after a HEAD, so body bytes sent \
                   anyway are read as the start of the next response."),
        Case::new("a method other than GET or HEAD answers 405 with an Allow header", other_methods_are_405)
            .hint("Answer `405 Method Not Allowed` with `Allow: GET, HEAD` (and POST on /files/ when uploads \
                   are on). Methods are case-sensitive: `get` is not GET."),
        Case::new("an HTTP version other than 1.0 and 1.1 answers 505", other_versions_are_505)
            .hint("httparse refuses `HTTP/2.0` and `HTTP/1.2` with Error::Version: when the request line does \
                   end in HTTP/DIGIT.DIGIT, answer `505 HTTP Version Not Supported`, then close."),
        Case::new("bytes that are not HTTP answer 400, and the server serves the next client", garbage_is_400)
            .hint("A request line httparse rejects is `400 Bad Request`: answer it, close that connection (there \
                   is no telling where a next request would start) and keep serving others.")
            .hint_if(Kind::Unreachable, "One client's garbage must not end the server: handle each connection's \
                     errors inside its own thread, never with `?` or unwrap in the accept loop."),
        Case::new("a target in absolute form (http://host/path) is served like its path", absolute_form_target)
            .hint("A server must accept `GET http://host:port/page.html HTTP/1.1` (proxies send it): take the \
                   path that follows the authority."),
        // Last-Modified and conditional GET.
        Case::new("Last-Modified is the file's modification time, in whole seconds", last_modified_is_mtime)
            .hint("Format the file's mtime with httpdate::fmt_http_date: `Tue, 05 Mar 2024 10:20:30 GMT` (HTTP \
                   dates have whole seconds)."),
        Case::new("If-Modified-Since at the file's time answers 304 without a body", conditional_get_304)
            .hint("Parse If-Modified-Since with httpdate::parse_http_date; drop the fraction of a second from the \
                   file's mtime before comparing (the client sends back the Last-Modified you gave it, in whole \
                   seconds); mtime <= date means `304 Not Modified`, with no body and no Content-Length.")
            .hint_if(Kind::Timeout, "A 304 has no body: send none and announce none (no Content-Length), or the \
                     client and the connection get out of step."),
        Case::new("If-Modified-Since before the file's time, in the future, or garbled answers 200", conditional_get_200)
            .hint("Only a valid date at or after the file's mtime, and not in the future, earns a 304 (RFC 9110 \
                   §13.1.3): anything else gets the full file."),
        // Persistent connections.
        Case::new("two requests on one HTTP/1.1 connection are both answered and it stays open", keep_alive)
            .hint("HTTP/1.1 keeps a connection open by default: after a response, loop and read the next request \
                   on the same connection.")
            .hint_if(Kind::Closed, "HTTP/1.1 keeps the connection open after a response unless the client said \
                     `Connection: close`: go back to reading the next request instead of closing."),
        Case::new("Connection: close is answered, then the connection is closed", connection_close)
            .hint("When the request says `Connection: close`, answer with `Connection: close` too, then close \
                   the connection (shutdown, then drop)."),
        Case::new("an HTTP/1.0 request is answered, then the connection is closed", http10_closes)
            .hint("HTTP/1.0 closes after each response unless the client says `Connection: keep-alive`: answer, \
                   then close."),
        Case::new("an HTTP/1.0 request with Connection: keep-alive keeps the connection open", http10_keep_alive)
            .hint("An HTTP/1.0 client that asks for keep-alive gets `Connection: keep-alive` in the response, \
                   and the connection stays open for its next request."),
        Case::new("two requests in one write are answered in order", pipelined_requests)
            .hint("One read may bring two requests: parse one head, keep the bytes after it, and parse the next \
                   from them before reading the socket again.")
            .hint_if(Kind::Timeout, "The second request came in the same read as the first: bytes past the first \
                     head belong to the next request. Keep them in the connection's buffer."),
        Case::new("requests sent in one burst with bare \\n line ends are answered in order", burst_with_bare_newlines)
            .hint("Some clients end lines with \\n alone; httparse accepts it. Every request in the buffer must \
                   be answered, not one per later read."),
        // The network's ways of delivering a request.
        Case::new("a request split into pieces is answered once, whole", request_in_pieces)
            .hint("One read is not one request: keep reading until httparse says Complete (Partial means wait \
                   for more bytes)."),
        Case::new("a request sent one byte at a time is answered", request_byte_by_byte)
            .hint("One read may bring a single byte: append it to the buffer and parse again."),
        Case::new("a request typed line by line, as telnet sends it, is answered", request_typed_by_lines)
            .hint("Each line ends in \\r\\n and comes in its own packet: the head ends at the blank line, not at \
                   the end of a read."),
        Case::new("a head that stalls midway for less than the idle timeout is answered", stalled_head_answered)
            .hint("A pause of a second and a half inside a head is not the idle timeout (10 s by default): \
                   keep reading until the head is complete or the timeout has passed."),
        // Concurrency.
        Case::new("a client that stops halfway through its head does not stall another", half_head_does_not_stall)
            .hint("Serve each connection on its own thread (or task): a client that sends half a request holds \
                   only its own connection, and the others are answered meanwhile.")
            .hint_if(Kind::Timeout, "The second client was not answered while the first sat on half a request: \
                     the server serves one connection at a time. Spawn a thread per accepted connection."),
        Case::new("several clients at once each get their own file", many_clients_at_once)
            .hint("Each connection has its own buffer and its own request: nothing of one may leak into another."),
        // Limits and timeouts.
        Case::new("a head larger than 8 KiB answers 431 and the connection closes", huge_head_is_431)
            .hint("Stop reading a head at 8 KiB (or 64 header lines): answer `431 Request Header Fields Too Large` and close. A \
                   server that buffers a head without end can be made to hold any amount of memory.")
            .hint_if(Kind::Timeout, "The head went past 8 KiB without its end: refuse it with 431 at once, do \
                     not wait for more."),
        Case::new("a client that dribbles its head is dropped after the idle timeout, and others are served", slowloris_is_dropped)
            .hint("Slowloris sends a byte now and then, for ever. A read timeout alone is reset by every byte: \
                   give the whole head a deadline (Instant::now() + idle timeout) and, before each read, set the \
                   read timeout to what is left of it.")
            .hint_if(Kind::Timeout, "The dribbling client was never dropped: the idle timeout must bound the \
                     whole head, not each read."),
        Case::new("an upload that stalls mid-body is dropped after the idle timeout and stores nothing", stalled_upload_dropped)
            .hint("Each read of a body must bring bytes within the idle timeout (the read timeout); a body that \
                   stops coming is an error: delete the temporary file and close."),
        Case::new("a connection that sends nothing is closed after the idle timeout", idle_connection_closed)
            .hint("Set a read timeout (the idle timeout) before waiting for a request: a connection that says \
                   nothing must not hold a thread for ever."),
        // The root and nothing outside it.
        Case::new("a path with .. answers 400 and never the file outside the root", dot_dot_is_refused)
            .hint("Split the decoded path on `/` and refuse any `..` segment with 400: `/../secret.txt` joined to \
                   the root climbs out of it.")
            .hint_if(Kind::Mismatch, "Never join a request path to the root as it comes: check its segments \
                     first (no `..`), and canonicalize the result."),
        Case::new("a percent-encoded .. (%2e%2e, ..%2f) answers 400 and never the file outside the root", encoded_dot_dot_is_refused)
            .hint("Percent-decode the path first (percent_encoding::percent_decode_str), exactly once, then \
                   split and check: `%2e%2e` is `..` to the file system, and `%2f` is a `/`."),
        Case::new("an absolute path (//…) stays under the root: 404", absolute_path_stays_inside)
            .hint("`Path::join` with an absolute path replaces the root (`root.join(\"/etc/passwd\")` is \
                   /etc/passwd): skip empty segments, and push one segment at a time."),
        Case::new("a symbolic link out of the root answers 404", symlink_out_is_404)
            .hint("A link inside the root may point anywhere: canonicalize the joined path (it follows every \
                   link) and serve it only if it still starts with the canonical root; otherwise answer 404, \
                   like a missing file."),
        Case::new("a symbolic link to a file inside the root is served", symlink_inside_is_served)
            .hint("Refuse only what ends up outside the root: a link to a file inside it is fine."),
        // Uploads.
        Case::new("POST /files/NAME stores the body in the uploads folder, answers 201, and GET returns it", upload_and_fetch)
            .hint("Read exactly Content-Length bytes of body (some may already be in your buffer after the head), \
                   write them to UPLOADS/NAME, answer `201 Created`; GET /files/NAME serves that file.")
            .hint_if(Kind::Mismatch, "Bytes after the head in the same read are the start of the body: write \
                     them first, then read the rest from the socket.")
            .hint_if(Kind::Timeout, "No answer: is the server still waiting for body bytes? Those that came in \
                     the same read as the head are already in your buffer: write them first, then read only the \
                     rest from the socket."),
        Case::new("an upload name that is not one plain name answers 400", upload_name_checked)
            .hint("NAME is one segment: not empty, not starting with `.`, no `/` (nor `%2f`): `POST \
                   /files/../x` or `/files/a/b` must write nothing."),
        Case::new("an upload over 10 MiB answers 413 before its body is sent", upload_too_large_is_413)
            .hint("Check Content-Length against the limit before reading a byte of the body: answer `413 Content \
                   Too Large` and close."),
        Case::new("an upload with Expect: 100-continue is told to go on", upload_expect_continue)
            .hint("curl asks `Expect: 100-continue` before sending a large body and waits for `HTTP/1.1 100 \
                   Continue\\r\\n\\r\\n`: send it, then read the body, then answer 201."),
        Case::new("a chunked upload (no Content-Length) answers 411", chunked_upload_is_411)
            .hint("A request with Transfer-Encoding has no length to read by: answer `411 Length Required` and \
                   close."),
        Case::new("a client reset mid-body stores nothing and the server goes on", reset_mid_body)
            .hint("A body cut short is an error for that connection only: write to a temporary file beside the \
                   target, rename it to NAME only when complete, delete it on error, and keep serving.")
            .hint_if(Kind::Mismatch, "NAME must never hold half a body: write a temporary file and rename it \
                     into place once the last byte has arrived."),
        Case::new("an uploads folder on another file system receives the file", uploads_on_other_filesystem)
            .hint("rename() cannot cross file systems: keep the temporary file in the uploads folder itself, \
                   beside NAME, not in /tmp nor in the root."),
        Case::new("a 24 MB file and a 10 MB upload pass through without being held in memory", large_bodies_streamed)
            .hint("Stream: io::copy from the file to the socket for a GET, and copy the body in chunks to the file \
                   for a POST. Reading a whole file into a Vec holds all of it in memory at once."),
        // gzip.
        Case::new("Accept-Encoding: gzip gets a gzip body that decodes to the file", gzip_when_accepted)
            .hint("Parse Accept-Encoding as a list (`deflate, gzip, br`); compress with \
                   flate2::write::GzEncoder; send Content-Encoding: gzip, Vary: Accept-Encoding and the \
                   Content-Length of the compressed bytes.")
            .hint_if(Kind::Timeout, "Content-Length must be the length of the compressed body, not the file's."),
        Case::new("gzip;q=0 or no Accept-Encoding gets the file as it is", gzip_refused)
            .hint("`gzip;q=0` means \"not gzip\": a coding with weight 0 is refused. Without Accept-Encoding, send \
                   the body as it is."),
        Case::new("images and text over 1 MiB are sent as they are, even to a gzip client", gzip_left_out)
            .hint("Compress text only (text/*, JSON, SVG: images are compressed already), and only bodies up to \
                   1 MiB (compressing needs the whole result in memory to know its length): anything else is \
                   streamed as it is, without Content-Encoding."),
        // Addresses, closed outputs, resets.
        Case::new("the server listens on ::1 when given --host ::1", listens_on_ipv6)
            .hint("Bind (host, port) as given: TcpListener::bind((host, port)) takes `::1`; parsing \
                   format!(\"{host}:{port}\") as a SocketAddr does not."),
        Case::new("a client that resets the connection mid-request does not stop the server", reset_mid_head)
            .hint("A reset is an error on that connection only: end its thread quietly and keep accepting."),
        Case::new("a client that shuts down its sending side after its request still gets the answer", half_closed_client_answered)
            .hint("The end of the client's input is not the end of its request: answer the complete request \
                   you have, then close."),
        Case::new("a server whose stdout is closed stops with an error naming stdout", stdout_closed)
            .hint("Write `listening on ADDR` with writeln! and return its error with context \"cannot write to \
                   stdout\" (println! panics): main prints `error: …` and exits with status 1."),
        Case::new("the server serves with its stderr closed", stderr_closed)
            .hint("Nobody reads the log and writing it fails: eprintln! then panics, in the connection's thread. \
                   Log with note! (it drops a line it cannot write)."),
        // Real clients.
        Case::new("a real client (ureq) gets a page, a 404 and an upload's 201", ureq_client),
        Case::new("curl gets a page, its headers with -I, and a compressed page with --compressed", curl_client)
            .hint("curl -I sends HEAD and prints the headers; --compressed sends Accept-Encoding and decodes the \
                   gzip body (a wrong Content-Length makes curl complain)."),
        Case::new("curl uploads a file with --data-binary", curl_uploads),
        Case::new("Python's http.client gets two pages on one connection", python_keep_alive)
            .hint("http.client reuses the connection when the response has a Content-Length and no \
                   `Connection: close`."),
        Case::new("headless Chromium renders a page served", chromium_renders),
    ])
}

// ---------------------------------------------------------------------------------
// The site, the server, requests.

/// A case's site: the root with a page, and a secret beside it.
struct Site {
    root: PathBuf,
    page: String,
    secret: String,
}

/// Makes `root/` with `page.html` (a varied word in it) and `secret.txt` next to root.
fn site(t: &mut Session) -> Outcome<Site> {
    let root = t.dir().join("root");
    std::fs::create_dir_all(&root)?;
    let page = format!("<html><body><p>{}</p></body></html>\n", t.sentence(3));
    std::fs::write(root.join("page.html"), &page)?;
    let secret = format!("secret {}\n", t.word());
    std::fs::write(t.dir().join("secret.txt"), &secret)?;
    Ok(Site { root, page, secret })
}

/// Starts the server on `site` with `extra` arguments.
fn start(t: &mut Session, site: &Site, extra: &[&str]) -> Outcome<(Program, SocketAddr)> {
    let root = site.root.display().to_string();
    let mut args = vec!["server", "--root", &root, "--port", "0"];
    args.extend_from_slice(extra);
    t.start_server("server", &args)
}

/// Starts the server with an uploads folder in the case's folder; returns its path too.
fn start_with_uploads(t: &mut Session, site: &Site) -> Outcome<(Program, SocketAddr, PathBuf)> {
    let uploads = t.dir().join("uploads");
    let folder = uploads.display().to_string();
    let (server, addr) = start(t, site, &["--uploads", &folder])?;
    Ok((server, addr, uploads))
}

/// A GET request for `path`, with `extra` header lines (each ending in \r\n).
fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: netlab\r\n{extra}\r\n")
        .into_bytes()
}

/// Sends `request` on `peer` and reads the response (to `method`).
fn ask(peer: &mut StreamPeer, request: &[u8], method: &str) -> Outcome<Response> {
    peer.send_bytes(request)?;
    read_response(peer, method)
}

/// A new connection, one GET of `path`, its response.
fn fetch(t: &mut Session, addr: SocketAddr, path: &str) -> Outcome<Response> {
    let mut peer = t.connect(addr)?;
    ask(&mut peer, &get(path, ""), "GET")
}

/// Checks a response's body is `expected`.
fn expect_body(response: &Response, expected: &[u8]) -> Outcome {
    if response.body == expected {
        return Ok(());
    }
    Err(Failure::mismatch(
        "the response's body is not the expected one",
        String::from_utf8_lossy(expected).into_owned(),
        response.text(),
    ))
}

/// Checks the response does not carry `secret` (the file outside the root).
fn expect_no_secret(response: &Response, secret: &str) -> Outcome {
    if response.text().contains(secret.trim()) {
        return Err(Failure::mismatch(
            "the server sent the file outside its root: anyone can read the whole disk",
            "a refusal (400 or 404)",
            response.text(),
        ));
    }
    Ok(())
}

/// Checks `condition`, a mismatch between `expected` and `actual` otherwise.
fn check(
    condition: bool,
    summary: &str,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(Failure::mismatch(summary, expected, actual))
    }
}

/// Checks the server closed `peer` after the last response.
fn expect_closed_after(peer: &mut StreamPeer, why: &str) -> Outcome {
    peer.expect_dropped().map_err(|failure| Failure {
        summary: format!("{why}: {}", failure.summary),
        ..failure
    })
}

// ---------------------------------------------------------------------------------
// Basics.

fn serves_a_file(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let response = fetch(t, addr, "/page.html")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())?;
    response.expect_header("Content-Length", &site.page.len().to_string())?;
    response.expect_header("Content-Type", "text/html; charset=utf-8")?;
    check(
        response.header("Last-Modified").is_some(),
        "a 200 for a file must say when it last changed",
        "Last-Modified: DATE",
        "(no Last-Modified)",
    )?;
    server.expect_running()
}

fn missing_file_is_404(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let missing = format!("/{}.html", t.word());
    ask(&mut peer, &get(&missing, ""), "GET")?.expect_status(404)?;
    t.note("the connection stays open: the next request on it is answered");
    let response = ask(&mut peer, &get("/page.html", ""), "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

fn folder_serves_index(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let index = format!("index {}\n", t.word());
    std::fs::write(site.root.join("index.html"), &index)?;
    std::fs::create_dir(site.root.join("docs"))?;
    let inner = format!("docs {}\n", t.word());
    std::fs::write(site.root.join("docs/index.html"), &inner)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let response = ask(&mut peer, &get("/", ""), "GET")?;
    response.expect_status(200)?;
    expect_body(&response, index.as_bytes())?;
    response.expect_header("Content-Type", "text/html; charset=utf-8")?;
    let response = ask(&mut peer, &get("/docs/", ""), "GET")?;
    response.expect_status(200)?;
    expect_body(&response, inner.as_bytes())
}

fn content_type_by_extension(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let table = [
        ("a.txt", "text/plain; charset=utf-8"),
        ("b.css", "text/css; charset=utf-8"),
        ("c.js", "text/javascript; charset=utf-8"),
        ("d.json", "application/json"),
        ("e.png", "image/png"),
        ("f.jpg", "image/jpeg"),
        ("g.JPEG", "image/jpeg"),
        ("h.gif", "image/gif"),
        ("i.svg", "image/svg+xml"),
        ("j.HTM", "text/html; charset=utf-8"),
        ("k.bin", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
    ];
    for (name, _) in &table {
        std::fs::write(site.root.join(name), t.word())?;
    }
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    for (name, expected) in &table {
        let response = ask(&mut peer, &get(&format!("/{name}"), ""), "GET")?;
        response.expect_status(200)?;
        response
            .expect_header("Content-Type", expected)
            .map_err(|f| Failure {
                summary: format!("{} (for /{name})", f.summary),
                ..f
            })?;
    }
    Ok(())
}

fn echo_answers_text(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let word = t.word();
    let response = ask(&mut peer, &get(&format!("/echo/{word}"), ""), "GET")?;
    response.expect_status(200)?;
    response.expect_header("Content-Type", "text/plain; charset=utf-8")?;
    response.expect_header("Content-Length", &word.len().to_string())?;
    expect_body(&response, word.as_bytes())?;
    let (first, second) = (t.word(), t.word());
    t.note("percent-encoded text is decoded: %20 is a space");
    let response = ask(
        &mut peer,
        &get(&format!("/echo/{first}%20{second}"), ""),
        "GET",
    )?;
    expect_body(&response, format!("{first} {second}").as_bytes())
}

fn user_agent_answered(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let agent = format!("{}/{}", t.word(), t.word());
    let request = format!(
        "GET /user-agent HTTP/1.1\r\nHost: localhost\r\nuser-agent: {agent}\r\nAccept: */*\r\n\r\n"
    );
    let response = ask(&mut peer, request.as_bytes(), "GET")?;
    response.expect_status(200)?;
    response.expect_header("Content-Type", "text/plain; charset=utf-8")?;
    expect_body(&response, agent.as_bytes())
}

fn head_has_no_body(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let request = b"HEAD /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let head = ask(&mut peer, request, "HEAD")?;
    head.expect_status(200)?;
    head.expect_header("Content-Length", &site.page.len().to_string())?;
    head.expect_header("Content-Type", "text/html; charset=utf-8")?;
    t.note("nothing may follow the HEAD response: the next response must start right away");
    let response = ask(&mut peer, &get("/page.html", ""), "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())?;
    check(
        head.header("Last-Modified") == response.header("Last-Modified"),
        "HEAD must send the same headers as GET",
        format!("Last-Modified: {:?}", response.header("Last-Modified")),
        format!("Last-Modified: {:?}", head.header("Last-Modified")),
    )
}

fn other_methods_are_405(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    for method in ["DELETE", "PUT", "get"] {
        let mut peer = t.connect(addr)?;
        let request = format!("{method} /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n");
        let response = ask(&mut peer, request.as_bytes(), method)?;
        response.expect_status(405)?;
        response.expect_header("Allow", "GET, HEAD")?;
    }
    t.note("without --uploads, /files/NAME is an ordinary path under the root");
    std::fs::create_dir(site.root.join("files"))?;
    let word = t.word();
    std::fs::write(site.root.join("files/x"), &word)?;
    expect_body(&fetch(t, addr, "/files/x")?, word.as_bytes())?;
    t.note("without --uploads, POST is not allowed either; the body it carries is not a request");
    let mut peer = t.connect(addr)?;
    let body = t.word();
    let request = format!(
        "POST /files/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let response = ask(&mut peer, request.as_bytes(), "POST")?;
    response.expect_status(405)?;
    response.expect_header("Allow", "GET, HEAD")
}

fn other_versions_are_505(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    for version in ["HTTP/2.0", "HTTP/1.2", "HTTP/3"] {
        let mut peer = t.connect(addr)?;
        let request = format!("GET /page.html {version}\r\nHost: localhost\r\n\r\n");
        let response = ask(&mut peer, request.as_bytes(), "GET")?;
        response.expect_status(505)?;
        expect_closed_after(&mut peer, "after a 505 the connection must close")?;
    }
    server.expect_running()
}

fn garbage_is_400(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let mut garbage = b"\x16\x03\x01\x02\x00 ".to_vec();
    garbage.extend_from_slice(t.word().as_bytes());
    garbage.extend_from_slice(b"\r\n\r\n");
    let response = ask(&mut peer, &garbage, "GET")?;
    response.expect_status(400)?;
    expect_closed_after(
        &mut peer,
        "after a 400 for garbage the connection must close",
    )?;
    let mut peer = t.connect(addr)?;
    let response = ask(
        &mut peer,
        b"GET /page.html HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "GET",
    )?;
    response.expect_status(400)?;
    t.note("the next client is served");
    fetch(t, addr, "/page.html")?.expect_status(200)?;
    server.expect_running()
}

fn absolute_form_target(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let response = fetch(t, addr, &format!("http://{addr}/page.html"))?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

// ---------------------------------------------------------------------------------
// Last-Modified and conditional GET.

/// Sets `path`'s mtime to a varied time in 2024 with `millis` past the second; returns
/// the time in whole seconds.
fn set_mtime(t: &mut Session, path: &std::path::Path, millis: u64) -> Outcome<SystemTime> {
    let second = 1_704_067_200 + t.cuts(30_000_000, 2)[0] as u64;
    let whole = UNIX_EPOCH + Duration::from_secs(second);
    let file = std::fs::File::options().write(true).open(path)?;
    file.set_modified(whole + Duration::from_millis(millis))?;
    Ok(whole)
}

fn last_modified_is_mtime(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let when = set_mtime(t, &site.root.join("page.html"), 700)?;
    let (_server, addr) = start(t, &site, &[])?;
    let response = fetch(t, addr, "/page.html")?;
    response.expect_status(200)?;
    response.expect_header("Last-Modified", &httpdate::fmt_http_date(when))
}

fn conditional_get_304(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let when = set_mtime(t, &site.root.join("page.html"), 700)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let since = format!("If-Modified-Since: {}\r\n", httpdate::fmt_http_date(when));
    t.note("the file changed 0.7 s after the second its Last-Modified names: the copy of that second is good");
    let response = ask(&mut peer, &get("/page.html", &since), "GET")?;
    response.expect_status(304)?;
    let later = format!(
        "If-Modified-Since: {}\r\n",
        httpdate::fmt_http_date(when + Duration::from_secs(3600))
    );
    ask(&mut peer, &get("/page.html", &later), "GET")?.expect_status(304)?;
    t.note("a 304 has no body: the next response on the connection starts right after its head");
    let response = ask(&mut peer, &get("/page.html", ""), "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

fn conditional_get_200(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let when = set_mtime(t, &site.root.join("page.html"), 0)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let earlier = httpdate::fmt_http_date(when - Duration::from_secs(1));
    let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(86_400 * 400));
    for date in [earlier.as_str(), future.as_str(), "yesterday, around noon"] {
        let since = format!("If-Modified-Since: {date}\r\n");
        let response = ask(&mut peer, &get("/page.html", &since), "GET")?;
        response.expect_status(200).map_err(|f| Failure {
            summary: format!("{} (If-Modified-Since: {date})", f.summary),
            ..f
        })?;
        expect_body(&response, site.page.as_bytes())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Persistent connections.

fn keep_alive(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let other = format!("{}\n", t.sentence(2));
    std::fs::write(site.root.join("other.txt"), &other)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let first = ask(&mut peer, &get("/page.html", ""), "GET")?;
    expect_body(&first, site.page.as_bytes())?;
    check(
        !first.closes(),
        "an HTTP/1.1 response must not announce a close nobody asked for",
        "(no Connection: close)",
        "Connection: close",
    )?;
    let second = ask(&mut peer, &get("/other.txt", ""), "GET")?;
    expect_body(&second, other.as_bytes())?;
    t.note("the connection stays open for a third");
    peer.expect_silence(Duration::from_millis(200))?;
    let third = ask(&mut peer, &get("/page.html", ""), "GET")?;
    expect_body(&third, site.page.as_bytes())
}

fn connection_close(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let response = ask(
        &mut peer,
        &get("/page.html", "Connection: close\r\n"),
        "GET",
    )?;
    expect_body(&response, site.page.as_bytes())?;
    response.expect_header("Connection", "close")?;
    expect_closed_after(&mut peer, "the client asked for Connection: close")
}

fn http10_closes(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let response = ask(&mut peer, b"GET /page.html HTTP/1.0\r\n\r\n", "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())?;
    expect_closed_after(
        &mut peer,
        "HTTP/1.0 closes after each response unless asked to keep it",
    )
}

fn http10_keep_alive(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let request = b"GET /page.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    let response = ask(&mut peer, request, "GET")?;
    expect_body(&response, site.page.as_bytes())?;
    response.expect_header("Connection", "keep-alive")?;
    let response = ask(&mut peer, request, "GET")?;
    expect_body(&response, site.page.as_bytes())
}

fn pipelined_requests(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let word = t.word();
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let mut both = get("/page.html", "");
    both.extend(get(&format!("/echo/{word}"), ""));
    t.note("two requests in one write: answered in order");
    peer.send_bytes(&both)?;
    expect_body(&read_response(&mut peer, "GET")?, site.page.as_bytes())?;
    expect_body(&read_response(&mut peer, "GET")?, word.as_bytes())
}

fn burst_with_bare_newlines(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (first, second) = (t.word(), t.word());
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let one = format!("GET /echo/{first} HTTP/1.1");
    let two = format!("GET /echo/{second} HTTP/1.1");
    peer.send_burst(&[&one, "Host: localhost", "", &two, "Host: localhost", ""])?;
    expect_body(&read_response(&mut peer, "GET")?, first.as_bytes())?;
    expect_body(&read_response(&mut peer, "GET")?, second.as_bytes())
}

// ---------------------------------------------------------------------------------
// Delivery.

fn request_in_pieces(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let request = get("/page.html", "Accept: text/html\r\n");
    let cuts = t.cuts(request.len(), 5);
    peer.send_in_pieces(&request, &cuts)?;
    let response = read_response(&mut peer, "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

fn request_byte_by_byte(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    peer.send_slowly(b"GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n")?;
    let response = read_response(&mut peer, "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

fn request_typed_by_lines(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    peer.send_line_crlf("GET /page.html HTTP/1.1")?;
    peer.send_line_crlf("Host: localhost")?;
    peer.send_line_crlf("")?;
    let response = read_response(&mut peer, "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

fn stalled_head_answered(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let request = get("/page.html", "");
    peer.send_with_pause(&request, request.len() / 2, Duration::from_millis(1500))?;
    let response = read_response(&mut peer, "GET")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

// ---------------------------------------------------------------------------------
// Concurrency.

fn half_head_does_not_stall(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut slow = t.connect(addr)?;
    let request = get("/page.html", "");
    let half = request.len() / 2;
    slow.send_unfinished(&request[..half])?;
    t.note("while the first client sits on half a request, a second one is answered");
    let word = t.word();
    let response = fetch(t, addr, &format!("/echo/{word}"))?;
    expect_body(&response, word.as_bytes())?;
    slow.send_bytes(&request[half..])?;
    expect_body(&read_response(&mut slow, "GET")?, site.page.as_bytes())
}

fn many_clients_at_once(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut clients = t.connect_many(addr, 8)?;
    let words: Vec<String> = (0..clients.len()).map(|_| t.word()).collect();
    for (client, word) in clients.iter_mut().zip(&words) {
        std::fs::write(site.root.join(format!("{word}.txt")), word)?;
        client.send_unfinished(format!("GET /{word}.txt HTTP/1.1\r\n").as_bytes())?;
    }
    t.note("every client finishes its request, last first");
    for (client, word) in clients.iter_mut().zip(&words).rev() {
        client.send_bytes(b"Host: localhost\r\n\r\n")?;
        expect_body(&read_response(client, "GET")?, word.as_bytes())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Limits and timeouts.

fn huge_head_is_431(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    t.note("a head of 9 KiB and more, with no end: over the 8 KiB limit");
    let mut head = b"GET /page.html HTTP/1.1\r\nHost: localhost\r\nX-Filler: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', MAX_HEAD + 1024));
    let response = ask(&mut peer, &head, "GET")?;
    response.expect_status(431)?;
    expect_closed_after(&mut peer, "after a 431 the connection must close")?;
    t.note("70 short header lines: over the 64-line limit");
    let mut peer = t.connect(addr)?;
    let lines: String = (0..70).map(|i| format!("X-Line-{i}: {i}\r\n")).collect();
    let response = ask(&mut peer, &get("/page.html", &lines), "GET")?;
    response.expect_status(431)?;
    expect_closed_after(&mut peer, "after a 431 the connection must close")?;
    t.note("a head just under the limit is fine");
    let mut peer = t.connect(addr)?;
    let filler = "b".repeat(MAX_HEAD - 200);
    let response = ask(
        &mut peer,
        &get("/page.html", &format!("X-Filler: {filler}\r\n")),
        "GET",
    )?;
    response.expect_status(200)?;
    server.expect_running()
}

fn slowloris_is_dropped(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &["--idle-timeout", "1"])?;
    let mut slow = t.connect(addr)?;
    slow.send_unfinished(b"GET /page.html HTTP/1.1\r\nHost: localhost\r\n")?;
    t.note("meanwhile another client is served");
    expect_body(&fetch(t, addr, "/page.html")?, site.page.as_bytes())?;
    t.note("a header byte every 100 ms, for ever (slowloris): the 1 s idle timeout bounds the whole head");
    let mut dropped = false;
    for _ in 0..40 {
        if slow.send_unfinished(b"X").is_err() {
            dropped = true;
            break;
        }
    }
    check(
        dropped,
        "a client still dribbling its head 4 s after it began, with a 1 s idle timeout, must have been dropped",
        "the connection closed about 1 s after it opened",
        "it was still open",
    )?;
    expect_closed_after(
        &mut slow,
        "a head still unfinished after the idle timeout must be dropped",
    )?;
    server.expect_running()
}

fn stalled_upload_dropped(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let uploads = t.dir().join("uploads").display().to_string();
    let (mut server, addr) = start(t, &site, &["--uploads", &uploads, "--idle-timeout", "1"])?;
    let mut peer = t.connect(addr)?;
    let (name, body) = (t.word(), t.sentence(20));
    let request = post(&name, body.as_bytes());
    t.note("half the body, then nothing");
    peer.send_bytes(&request[..request.len() - body.len() / 2])?;
    expect_closed_after(
        &mut peer,
        "a body that stops coming for the idle timeout must end the connection",
    )?;
    fetch(t, addr, &format!("/files/{name}"))?.expect_status(404)?;
    server.expect_running()
}

fn idle_connection_closed(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &["--idle-timeout", "1"])?;
    let mut peer = t.connect(addr)?;
    let response = ask(&mut peer, &get("/page.html", ""), "GET")?;
    expect_body(&response, site.page.as_bytes())?;
    t.note("then silence: the connection is closed after the 1 s idle timeout");
    expect_closed_after(
        &mut peer,
        "a connection silent for the idle timeout must be closed",
    )?;
    let mut quiet = t.connect(addr)?;
    expect_closed_after(
        &mut quiet,
        "a connection that never sends a byte must be closed after the idle timeout",
    )?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// The root.

/// Asks for each of `paths` on a fresh connection; each answer must be `status` and
/// must not carry the secret.
fn refused(
    t: &mut Session,
    addr: SocketAddr,
    site: &Site,
    paths: &[String],
    status: u16,
) -> Outcome {
    for path in paths {
        let mut peer = t.connect(addr)?;
        let response = ask(&mut peer, &get(path, ""), "GET")?;
        expect_no_secret(&response, &site.secret)?;
        response.expect_status(status).map_err(|f| Failure {
            summary: format!("{} (for {path})", f.summary),
            ..f
        })?;
    }
    Ok(())
}

fn dot_dot_is_refused(t: &mut Session) -> Outcome {
    let site = site(t)?;
    std::fs::create_dir(site.root.join("docs"))?;
    let (mut server, addr) = start(t, &site, &[])?;
    let paths = [
        "/../secret.txt".to_string(),
        "/docs/../../secret.txt".to_string(),
        "/docs/../page.html".to_string(),
    ];
    refused(t, addr, &site, &paths, 400)?;
    server.expect_running()
}

fn encoded_dot_dot_is_refused(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let paths = [
        "/%2e%2e/secret.txt".to_string(),
        "/%2E%2E/secret.txt".to_string(),
        "/..%2fsecret.txt".to_string(),
        "/%2e%2e%2fsecret.txt".to_string(),
    ];
    refused(t, addr, &site, &paths, 400)?;
    server.expect_running()
}

fn absolute_path_stays_inside(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let secret = t.dir().join("secret.txt").display().to_string();
    let paths = [
        format!("/{secret}"),
        format!("/%2f{}", &secret[1..]),
        "//etc/passwd".to_string(),
    ];
    refused(t, addr, &site, &paths, 404)?;
    server.expect_running()
}

fn symlink_out_is_404(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let outside = t.dir().to_path_buf();
    t.symlink(outside.join("secret.txt"), "root/leak.txt")?;
    t.symlink(&outside, "root/up")?;
    let (mut server, addr) = start(t, &site, &[])?;
    let paths = ["/leak.txt".to_string(), "/up/secret.txt".to_string()];
    refused(t, addr, &site, &paths, 404)?;
    server.expect_running()
}

fn symlink_inside_is_served(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let page = site.root.join("page.html");
    t.symlink(page, "root/alias.html")?;
    let (_server, addr) = start(t, &site, &[])?;
    let response = fetch(t, addr, "/alias.html")?;
    response.expect_status(200)?;
    expect_body(&response, site.page.as_bytes())
}

// ---------------------------------------------------------------------------------
// Uploads.

/// A POST of `body` to `/files/NAME`.
fn post(name: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /files/{name} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

fn upload_and_fetch(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr, uploads) = start_with_uploads(t, &site)?;
    let mut peer = t.connect(addr)?;
    let (name, body) = (format!("{}.txt", t.word()), t.sentence(4));
    t.note("head and body in one write");
    ask(&mut peer, &post(&name, body.as_bytes()), "POST")?.expect_status(201)?;
    let stored = std::fs::read(uploads.join(&name)).unwrap_or_default();
    check(
        stored == body.as_bytes(),
        "the uploads folder must hold the body under NAME",
        body.clone(),
        String::from_utf8_lossy(&stored),
    )?;
    t.note("GET /files/NAME on the same connection returns it");
    let response = ask(&mut peer, &get(&format!("/files/{name}"), ""), "GET")?;
    response.expect_status(200)?;
    expect_body(&response, body.as_bytes())?;
    t.note("a second upload, the body in pieces after the head");
    let (name, body) = (t.word(), t.sentence(6));
    let request = post(&name, body.as_bytes());
    let cuts = t.cuts(request.len(), 4);
    peer.send_in_pieces(&request, &cuts)?;
    read_response(&mut peer, "POST")?.expect_status(201)?;
    let stored = std::fs::read(uploads.join(&name)).unwrap_or_default();
    check(
        stored == body.as_bytes(),
        "the uploads folder must hold the body under NAME",
        body,
        String::from_utf8_lossy(&stored),
    )?;
    server.expect_running()
}

fn upload_name_checked(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr, uploads) = start_with_uploads(t, &site)?;
    let body = t.word();
    for name in ["..%2fescaped.txt", "a/b.txt", ".hidden"] {
        let mut peer = t.connect(addr)?;
        let response = ask(&mut peer, &post(name, body.as_bytes()), "POST")?;
        response.expect_status(400).map_err(|f| Failure {
            summary: format!("{} (for POST /files/{name})", f.summary),
            ..f
        })?;
    }
    let escaped = uploads.parent().map(|p| p.join("escaped.txt"));
    check(
        escaped.is_some_and(|p| !p.exists()),
        "an upload name with %2f must not write outside the uploads folder",
        "no escaped.txt beside the uploads folder",
        "escaped.txt was written",
    )
}

fn upload_too_large_is_413(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr, uploads) = start_with_uploads(t, &site)?;
    let mut peer = t.connect(addr)?;
    let name = t.word();
    let head = format!(
        "POST /files/{name} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
        MAX_UPLOAD + 1
    );
    t.note("the head announces 10 MiB + 1 byte; no body is sent: the answer must come first");
    let response = ask(&mut peer, head.as_bytes(), "POST")?;
    response.expect_status(413)?;
    expect_closed_after(&mut peer, "after a 413 the connection must close")?;
    check(
        !uploads.join(&name).exists(),
        "a refused upload must store nothing",
        "no file",
        "a file",
    )?;
    server.expect_running()
}

fn upload_expect_continue(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr, uploads) = start_with_uploads(t, &site)?;
    let mut peer = t.connect(addr)?;
    let (name, body) = (t.word(), t.sentence(5));
    let head = format!(
        "POST /files/{name} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    peer.send_bytes(head.as_bytes())?;
    let interim = read_response(&mut peer, "POST")?;
    interim.expect_status(100)?;
    peer.send_bytes(body.as_bytes())?;
    read_response(&mut peer, "POST")?.expect_status(201)?;
    let stored = std::fs::read(uploads.join(&name)).unwrap_or_default();
    check(
        stored == body.as_bytes(),
        "the uploads folder must hold the body",
        body,
        String::from_utf8_lossy(&stored),
    )
}

fn chunked_upload_is_411(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr, _uploads) = start_with_uploads(t, &site)?;
    let mut peer = t.connect(addr)?;
    let word = t.word();
    let request = format!(
        "POST /files/{word} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{word}\r\n0\r\n\r\n",
        word.len()
    );
    let response = ask(&mut peer, request.as_bytes(), "POST")?;
    response.expect_status(411)?;
    expect_closed_after(&mut peer, "after a 411 the connection must close")?;
    server.expect_running()
}

fn reset_mid_body(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr, _uploads) = start_with_uploads(t, &site)?;
    let mut peer = t.connect(addr)?;
    let name = t.word();
    let body = t.sentence(40);
    let request = post(&name, body.as_bytes());
    let cut = request.len() - body.len() / 2;
    peer.send_unfinished(&request[..cut])?;
    peer.reset();
    t.note("the upload was cut short: NAME must not exist, and the server goes on");
    let response = fetch(t, addr, &format!("/files/{name}"))?;
    response.expect_status(404)?;
    let mut next = t.connect(addr)?;
    let other = t.word();
    ask(&mut next, &post(&other, b"whole"), "POST")?.expect_status(201)?;
    server.expect_running()
}

fn uploads_on_other_filesystem(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let elsewhere = t.other_filesystem_dir()?;
    let folder = elsewhere.display().to_string();
    let (_server, addr) = start(t, &site, &["--uploads", &folder])?;
    let mut peer = t.connect(addr)?;
    let (name, body) = (t.word(), t.sentence(3));
    ask(&mut peer, &post(&name, body.as_bytes()), "POST")?.expect_status(201)?;
    let stored = std::fs::read(elsewhere.join(&name)).unwrap_or_default();
    check(
        stored == body.as_bytes(),
        "the uploads folder must hold the body",
        body,
        String::from_utf8_lossy(&stored),
    )
}

fn large_bodies_streamed(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let big = t.bulk(24 * MB);
    let mut file = std::fs::File::create(site.root.join("big.bin"))?;
    big.write_to(&mut file)?;
    drop(file);
    let (mut server, addr, uploads) = start_with_uploads(t, &site)?;
    let mut peer = t.connect(addr)?;
    peer.send_bytes(&get("/big.bin", ""))?;
    let head = peer.read_head(64 * 1024)?;
    let response = ch3::response::parse_head(&head)?;
    response.expect_status(200)?;
    response.expect_header("Content-Length", &big.len().to_string())?;
    let body = peer.read_bytes(big.len() as usize)?;
    big.expect_same(&mut body.as_slice(), "the body of /big.bin")?;
    drop(body);
    t.note("an upload of 10 MB, streamed in");
    let upload = t.bulk(10 * MB);
    peer.send_bytes(
        format!(
            "POST /files/big.up HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
            upload.len()
        )
        .as_bytes(),
    )?;
    peer.send_bulk(&upload)?;
    read_response(&mut peer, "POST")?.expect_status(201)?;
    upload.expect_file(&uploads.join("big.up"))?;
    server.kill();
    server.expect_peak_memory_below(12 * MB, "half the 24 MB file")
}

// ---------------------------------------------------------------------------------
// gzip.

/// Decodes a gzip body.
fn gunzip(body: &[u8]) -> Outcome<Vec<u8>> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut plain)
        .map_err(|e| {
            Failure::mismatch(
                "the body is not valid gzip",
                "gzip data (1f 8b …)",
                e.to_string(),
            )
        })?;
    Ok(plain)
}

fn gzip_when_accepted(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let text: String = (0..200).map(|_| format!("{}\n", t.sentence(3))).collect();
    std::fs::write(site.root.join("long.txt"), &text)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let accept = "Accept-Encoding: deflate, gzip, br\r\n";
    let response = ask(&mut peer, &get("/long.txt", accept), "GET")?;
    response.expect_status(200)?;
    response.expect_header("Content-Encoding", "gzip")?;
    response.expect_header("Vary", "Accept-Encoding")?;
    response.expect_header("Content-Length", &response.body.len().to_string())?;
    let plain = gunzip(&response.body)?;
    check(
        plain == text.as_bytes(),
        "the gzip body must decode to the file",
        "the file's text",
        String::from_utf8_lossy(&plain),
    )?;
    t.note("/echo is compressed too; a HEAD gets the compressed length and no body");
    let word = t.word();
    let response = ask(
        &mut peer,
        &get(
            &format!("/echo/{word}"),
            "Accept-Encoding: invalid-encoding, gzip\r\n",
        ),
        "GET",
    )?;
    response.expect_header("Content-Encoding", "gzip")?;
    check(
        gunzip(&response.body)? == word.as_bytes(),
        "the gzip body must decode to the echoed text",
        word.clone(),
        "something else",
    )?;
    let head = format!("HEAD /long.txt HTTP/1.1\r\nHost: localhost\r\n{accept}\r\n");
    let head_response = ask(&mut peer, head.as_bytes(), "HEAD")?;
    head_response.expect_header("Content-Encoding", "gzip")?;
    let length = ask(&mut peer, &get("/long.txt", accept), "GET")?.body.len();
    head_response.expect_header("Content-Length", &length.to_string())
}

fn gzip_left_out(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let image: Vec<u8> = (0..4096).map(|i| (i % 7) as u8).collect();
    std::fs::write(site.root.join("logo.png"), &image)?;
    let line = format!("{}\n", t.sentence(4));
    let long = line.repeat(1_200_000 / line.len() + 1);
    std::fs::write(site.root.join("long.txt"), &long)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    let accept = "Accept-Encoding: gzip\r\n";
    for (path, body) in [
        ("/logo.png", image.as_slice()),
        ("/long.txt", long.as_bytes()),
    ] {
        let response = ask(&mut peer, &get(path, accept), "GET")?;
        check(
            response.header("Content-Encoding").is_none(),
            "images and bodies over 1 MiB are sent as they are",
            format!("no Content-Encoding (for {path})"),
            format!(
                "Content-Encoding: {}",
                response.header("Content-Encoding").unwrap_or("")
            ),
        )?;
        check(
            response.body == body,
            "the body must be the file, unchanged",
            format!("the {} bytes of {path}", body.len()),
            format!("{} other bytes", response.body.len()),
        )?;
    }
    Ok(())
}

fn gzip_refused(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    for accept in [
        "Accept-Encoding: gzip;q=0, identity\r\n",
        "Accept-Encoding: br\r\n",
        "",
    ] {
        let response = ask(&mut peer, &get("/page.html", accept), "GET")?;
        check(
            response.header("Content-Encoding").is_none(),
            "the client did not accept gzip: send the file as it is",
            format!("no Content-Encoding (for `{}`)", accept.trim()),
            format!(
                "Content-Encoding: {}",
                response.header("Content-Encoding").unwrap_or("")
            ),
        )?;
        expect_body(&response, site.page.as_bytes())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Addresses, closed outputs, resets.

fn listens_on_ipv6(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &["--host", "::1"])?;
    check(
        addr.is_ipv6(),
        "the server must listen on ::1",
        "[::1]:PORT",
        addr.to_string(),
    )?;
    let response = fetch(t, addr, "/page.html")?;
    expect_body(&response, site.page.as_bytes())
}

fn reset_mid_head(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    peer.send_unfinished(b"GET /page.html HTTP/1.1\r\nHo")?;
    peer.reset();
    let response = fetch(t, addr, "/page.html")?;
    expect_body(&response, site.page.as_bytes())?;
    server.expect_running()
}

fn half_closed_client_answered(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr) = start(t, &site, &[])?;
    let mut peer = t.connect(addr)?;
    peer.send_bytes(&get("/page.html", ""))?;
    peer.shutdown_write()?;
    let response = read_response(&mut peer, "GET")?;
    expect_body(&response, site.page.as_bytes())?;
    expect_closed_after(
        &mut peer,
        "after the client's end of input and the answer, close",
    )
}

fn stdout_closed(t: &mut Session) -> Outcome {
    let site = site(t)?;
    t.set_stdout(Output::Closed);
    let root = site.root.display().to_string();
    let mut server = t.start("server", &["server", "--root", &root, "--port", "0"])?;
    server.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn stderr_closed(t: &mut Session) -> Outcome {
    let site = site(t)?;
    t.set_stderr(Output::Closed);
    let (mut server, addr) = start(t, &site, &[])?;
    for _ in 0..2 {
        let response = fetch(t, addr, "/page.html")?;
        expect_body(&response, site.page.as_bytes())?;
    }
    fetch(t, addr, "/missing")?.expect_status(404)?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// Real clients.

fn ureq_client(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr, uploads) = start_with_uploads(t, &site)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let fail = |e: ureq::Error| {
        Failure::new(format!("ureq could not talk to the server: {e}")).kind(Kind::Mismatch)
    };
    let mut page = agent
        .get(&format!("http://{addr}/page.html"))
        .call()
        .map_err(fail)?;
    let status = page.status().as_u16();
    let text = page.body_mut().read_to_string().map_err(fail)?;
    check(
        status == 200 && text == site.page,
        "ureq must get the page",
        format!("200 {}", site.page),
        format!("{status} {text}"),
    )?;
    let missing = agent
        .get(&format!("http://{addr}/{}", t.word()))
        .call()
        .map_err(fail)?;
    check(
        missing.status().as_u16() == 404,
        "ureq must get a 404 for a missing file",
        "404",
        missing.status().to_string(),
    )?;
    let (name, body) = (t.word(), t.sentence(3));
    let created = agent
        .post(&format!("http://{addr}/files/{name}"))
        .send(body.as_str())
        .map_err(fail)?;
    check(
        created.status().as_u16() == 201,
        "ureq's upload must be answered 201",
        "201",
        created.status().to_string(),
    )?;
    let stored = std::fs::read(uploads.join(&name)).unwrap_or_default();
    check(
        stored == body.as_bytes(),
        "the uploads folder must hold ureq's body",
        body,
        String::from_utf8_lossy(&stored),
    )
}

fn curl_client(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let text: String = (0..100).map(|_| format!("{}\n", t.sentence(3))).collect();
    std::fs::write(site.root.join("long.txt"), &text)?;
    let (_server, addr) = start(t, &site, &[])?;
    let url = format!("http://{addr}/page.html");
    let mut curl = t.start_tool(
        "curl",
        "curl",
        &["-sS", "--http1.1", &url],
        "apt-get install curl",
    )?;
    curl.expect_line(site.page.trim_end())?;
    curl.expect_success()?;
    let mut head = t.start_tool(
        "curl-I",
        "curl",
        &["-sS", "-I", &url],
        "apt-get install curl",
    )?;
    head.expect_line_matching(r"HTTP/1\.1 200 OK.*", "HTTP/1.1 200 OK")?;
    head.expect_success()?;
    let long = format!("http://{addr}/long.txt");
    let mut gz = t.start_tool(
        "curl-gzip",
        "curl",
        &[
            "-sS",
            "--compressed",
            "-o",
            "got.txt",
            "-w",
            "%{size_download} %{content_type}\\n",
            &long,
        ],
        "apt-get install curl",
    )?;
    let line = gz.read_line()?;
    gz.expect_success()?;
    let got = std::fs::read(t.dir().join("got.txt")).unwrap_or_default();
    check(
        got == text.as_bytes(),
        "curl --compressed must decode the file",
        "the file's text",
        String::from_utf8_lossy(&got),
    )?;
    let downloaded: usize = line
        .split(' ')
        .next()
        .unwrap_or("")
        .parse()
        .unwrap_or(usize::MAX);
    check(
        downloaded < text.len(),
        "curl --compressed must have downloaded a compressed body",
        format!("fewer than {} bytes", text.len()),
        line,
    )
}

fn curl_uploads(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (_server, addr, uploads) = start_with_uploads(t, &site)?;
    let body = t.bulk(2 * MB);
    let mut file = std::fs::File::create(t.dir().join("sent.bin"))?;
    body.write_to(&mut file)?;
    drop(file);
    let url = format!("http://{addr}/files/sent.bin");
    t.note("2 MB: curl asks Expect: 100-continue first");
    let mut curl = t.start_tool(
        "curl",
        "curl",
        &[
            "-sS",
            "--data-binary",
            "@sent.bin",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}\\n",
            &url,
        ],
        "apt-get install curl",
    )?;
    curl.expect_line("201")?;
    curl.expect_success()?;
    body.expect_file(&uploads.join("sent.bin"))
}

fn python_keep_alive(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let word = t.word();
    let (_server, addr) = start(t, &site, &[])?;
    let script = "import http.client, sys\n\
        c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5)\n\
        socks = []\n\
        for path in sys.argv[3:]:\n\
        \x20   c.request('GET', path)\n\
        \x20   r = c.getresponse()\n\
        \x20   body = r.read().decode()\n\
        \x20   socks.append(id(c.sock))\n\
        \x20   print(r.status, body.strip().splitlines()[0] if body.strip() else '')\n\
        print('one connection' if len(set(socks)) == 1 and None not in [c.sock] else 'reconnected')\n";
    let (host, port) = (addr.ip().to_string(), addr.port().to_string());
    let echo = format!("/echo/{word}");
    t.set_deadline(Duration::from_secs(10));
    let mut python = t.start_tool(
        "python3",
        "python3",
        &["-u", "-c", script, &host, &port, "/page.html", &echo],
        "apt-get install python3",
    )?;
    python.expect_line(&format!("200 {}", site.page.trim_end()))?;
    python.expect_line(&format!("200 {word}"))?;
    python.expect_line("one connection")?;
    python.expect_success()
}

fn chromium_renders(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let marker = t.word();
    std::fs::write(
        site.root.join("index.html"),
        format!(
            "<!doctype html><html><head><title>t</title></head><body><h1 id=\"m\">{marker}</h1></body></html>"
        ),
    )?;
    let (_server, addr) = start(t, &site, &[])?;
    t.set_deadline(Duration::from_secs(30));
    let url = format!("http://{addr}/");
    let mut chromium = t.start_tool(
        "chromium",
        "chromium",
        &[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            &url,
        ],
        "apt-get install chromium",
    )?;
    loop {
        let line = chromium.read_line()?;
        if line.contains(&marker) {
            return Ok(());
        }
    }
}
