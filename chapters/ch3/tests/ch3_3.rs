//! Grades ch3-3, persistent and non-persistent connections: a client that fetches a page
//! and the objects it references, with one connection per object or one kept-alive
//! connection, and reports what that took. The origin server counts connections and
//! requests on each; the cases assert on those counts and on their order, never on the
//! wall clock (the one case with an emulated RTT checks only bounds the origin's own
//! sleeps guarantee).
//!
//! Besides `ch3::origin::Origin`, the file has a raw HTTP server of its own (the test
//! plays the server on a `StreamListener`): for servers that misbehave in ways a real
//! server library will not — closing or resetting a kept-alive connection, never
//! answering, a head without end, a body that stalls or is framed by the close — and for
//! IPv6 and a host name whose first address refuses (the origin is on 127.0.0.1 only).

use ch3::origin::{Origin, Resource};
use harness::prelude::*;
use std::process::ExitCode;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("non-persistent: each object on a connection of its own, one request each", non_persistent_counts)
            .hint_if(Kind::Mismatch, "Non-persistent HTTP opens a new TcpStream for every GET and sends one request \
                     on it, with `Connection: close` (HTTP/1.1 keeps a connection open unless a side says close). \
                     Number the connections 1, 2, … in the order they are opened.")
            .hint_if(Kind::Timeout, "Each response must be read to its end (Content-Length bytes, or the chunks up \
                     to the 0 chunk) and the report printed once every object is fetched."),
        Case::new("persistent: one connection carries the page and every object", persistent_counts)
            .hint_if(Kind::Mismatch, "Persistent HTTP keeps the connection open after a response and sends the next \
                     request on it: open a connection only when there is none. Do not send `Connection: close`: \
                     that asks the server to close after answering."),
        Case::new("the page is requested first, then each object once, in the page's order", page_then_each_object_once)
            .hint_if(Kind::Mismatch, "Fetch the page, find the objects in its HTML, then GET each one in the order \
                     the page first names it. The same object named twice (as `a.png` and `/dir/a.png`, say) is \
                     fetched once: compare the resolved targets, not the text."),
        Case::new("only img, script and link references on the page's server are fetched", only_objects_on_this_server)
            .hint_if(Kind::Mismatch, "Objects are the src and href of <img>, <script> and <link> (any case, any \
                     quotes), not of <a> (a link to another page) nor inside <!-- comments -->. A reference to \
                     another host, port or scheme is not fetched: print it as `skip URL (not on http://HOST:PORT)`. \
                     Relative references are resolved against the page's folder (`../` climbs one)."),
        Case::new("both modes in one run: each report matches what the origin counted", both_modes_match_the_origin)
            .hint_if(Kind::Mismatch, "`--mode both` runs non-persistent first, then persistent, each with its own \
                     report. `connections:` and `requests per connection:` count connections that carried \
                     answered requests, in the order they were opened."),
        Case::new("a chunked page is read whole and its objects are fetched", chunked_page)
            .hint_if(Kind::Mismatch, "A large page comes with `Transfer-Encoding: chunked`: SIZE-IN-HEX\\r\\n, SIZE \
                     bytes, \\r\\n, … up to a chunk of size 0. Report the length of the body itself, without \
                     the chunk framing.")
            .hint_if(Kind::Timeout, "A chunked body ends with the 0 chunk and a blank line, not with the close: \
                     the server keeps the connection open."),
        Case::new("a chunked page sent in small pieces is read whole", chunked_page_in_pieces)
            .hint_if(Kind::Mismatch, "One read is not one response: the head, the chunk sizes and the data may \
                     arrive cut anywhere. Read through a BufReader, by lines for the framing and by counts for \
                     the data.")
            .hint_if(Kind::Timeout, "One read is not one response: keep reading until the 0 chunk has arrived."),
        Case::new("a page with no objects is one request on one connection", page_without_objects)
            .hint_if(Kind::Mismatch, "A page that references nothing is one GET: `connections: 1`, `requests per \
                     connection: 1`."),
        Case::new("a missing object is reported as 404 and the fetch goes on", missing_object_goes_on)
            .hint_if(Kind::Mismatch, "A 404 is an answer, not a failure: print its line with its status and \
                     body length, and fetch the next object on the same connection.")
            .hint_if(Kind::Closed, "A 404 is an answer, not a failure: print its line and go on; exit with status \
                     0."),
        Case::new("a page that is not found is reported and nothing else is fetched", missing_page_stops),
        Case::new("a response with Connection: close makes the client open a new connection", connection_close_response)
            .hint_if(Kind::Timeout, "A response with `Connection: close` is the last on its connection: the next \
                     request must go on a new one. Do not wait for the server to close it, nor send another \
                     request on it (Response::closes says so)."),
        Case::new("the server closes the kept-alive connection: the client reconnects and retries the GET", server_closes_idle_connection)
            .hint_if(Kind::Mismatch, "A server may close a kept-alive connection whenever it likes. When a request \
                     on a reused connection gets no response at all (end of stream or reset before the first \
                     byte), open a new connection and send the same GET again: GET is idempotent.")
            .hint_if(Kind::Timeout, "The old connection is dead: a read on it returns 0 bytes (or an error). Open \
                     a new connection and retry the GET there."),
        Case::new("the server resets the kept-alive connection: the client reconnects and retries the GET", server_resets_idle_connection)
            .hint("A reset (ECONNRESET on write or read) on a reused connection before any byte of the \
                   response is the same story as a close: open a new connection and retry the GET."),
        Case::new("a body framed by the close ends at the close, and the next object uses a new connection", body_until_close)
            .hint_if(Kind::Timeout, "A response with neither Content-Length nor chunked framing ends when the \
                     server closes its side: read to the end of the stream. That connection cannot carry \
                     another request: open a new one for the next object."),
        Case::new("a response that stalls midway is waited for", stalled_response)
            .hint_if(Kind::Mismatch, "The body stalled for a moment midway: keep reading until Content-Length \
                     bytes have arrived; what one read returns is not the whole body."),
        Case::new("a server that never answers: the client gives up after --timeout-ms", server_never_answers)
            .hint_if(Kind::Timeout, "Set a read timeout on the socket (set_read_timeout with --timeout-ms): a \
                     server that accepts and says nothing must not hang the client forever. Then print \
                     `error: GET /path failed: …timed out…` and exit with status 1.")
            .hint_if(Kind::Mismatch, "Say which request went unanswered and that it timed out, on one `error:` \
                     line."),
        Case::new("a refused port: the client stops with an error naming the connection", refused_port)
            .hint("Print one `error: cannot connect to HOST port PORT: …` line and exit with status 1; no \
                   panic, no unwrap."),
        Case::new("a response head over 64 KiB is refused with an error", endless_head)
            .hint_if(Kind::Timeout, "Read the head at most 64 KiB at a time (take() on the reader): a server that \
                     never ends its head must not make the client buffer without end.")
            .hint_if(Kind::Mismatch, "Stop with one `error:` line that says the head is too long, and status 1."),
        Case::new("a chunk-size line over 4 KiB is refused with an error", endless_chunk_size)
            .hint_if(Kind::Mismatch, "Read each chunk-size line with a limit (take(4097) before read_until): a \
                     server that sends a size line without end must not make the client buffer without end. Stop \
                     with one `error:` line that says the line is longer than the limit.")
            .hint_if(Kind::Timeout, "Read each chunk-size line with a limit (take() before read_until), and \
                     stop with an `error:` line when it is exceeded."),
        Case::new("a page over 1 MiB is refused with an error", page_too_large)
            .hint_if(Kind::Mismatch, "The page is kept in memory to look for objects: refuse one over 1 MiB with \
                     one `error:` line that says it is larger than the limit (objects are only counted, never \
                     kept, so they have no limit)."),
        Case::new("a 40 MB object is counted as it streams, not held in memory", large_object_streams)
            .hint("An object's body is only counted: read it a buffer at a time and drop each buffer. Reading \
                   it into a Vec first holds all 40 MB."),
        Case::new("requests are HTTP/1.1 with CRLF line ends and a Host header", requests_are_well_formed)
            .hint_if(Kind::Timeout, "A request head is lines ending in \\r\\n, then an empty line (\\r\\n): \
                     `GET /path HTTP/1.1\\r\\nHost: HOST:PORT\\r\\n\\r\\n`. Without the empty line the server \
                     waits for more headers.")
            .hint_if(Kind::Mismatch, "Send `GET TARGET HTTP/1.1` with the path (and query) as the target, and a \
                     `Host:` header with the URL's host and port, as written in the URL."),
        Case::new("the client fetches from a server on ::1", fetches_over_ipv6)
            .hint("An IPv6 URL writes its address in brackets: http://[::1]:PORT/. Connect to the address \
                   without the brackets (TcpStream::connect((\"::1\", port))), and send `Host: [::1]:PORT` as \
                   the URL wrote it."),
        Case::new("each connection tries the next address when the first one refuses", tries_next_address)
            .hint("A host name may resolve to several addresses (::1, then 127.0.0.1) and the first may \
                   refuse: open every connection with TcpStream::connect((host, port)), which tries each in \
                   turn."),
        Case::new("with an RTT, persistent takes fewer RTTs than non-persistent", rtt_makes_the_difference)
            .hint_if(Kind::Mismatch, "The origin waits one RTT before each response and one more on a new \
                     connection (its handshake). Measure from before the first connection to after the last \
                     response, and print `elapsed: MS ms = X.X RTT of R ms` when --rtt-ms R is given."),
        Case::new("a client whose stdout is closed stops with an error naming stdout", stdout_closed)
            .hint("With stdout closed (`ch3-3 fetch URL | true`), println! panics. Write the report with \
                   writeln! and turn its error into `error: cannot write to stdout: …`, status 1."),
        Case::new("a client whose stderr is closed still reconnects and reports", stderr_closed)
            .hint("Nobody reads stderr, and writing it fails: eprintln! then panics. Write notes (such as \
                   `reconnecting`) with a function that ignores the error."),
    ])
}

// ---------------------------------------------------------------------------------
// A site of varied pages and objects, served by the origin.

/// One object of a page: its request target and its body.
struct Object {
    target: String,
    body: Vec<u8>,
}

/// A page (at `/DIR/index.html`) and its objects, with names and sizes from the seed.
struct Site {
    page: String,
    html: String,
    objects: Vec<Object>,
}

impl Site {
    /// A page with `count` objects: images, a script and a style sheet, named by
    /// absolute paths.
    fn new(t: &mut Session, count: usize) -> Site {
        let dir = t.word();
        let page = format!("/{dir}/index.html");
        let mut html = format!(
            "<!doctype html>\n<html><head><title>{}</title>\n",
            t.sentence(2)
        );
        let mut objects = Vec::new();
        for i in 0..count {
            let word = t.word();
            let (target, tag) = match i % 3 {
                0 => {
                    let target = format!("/img/{word}-{i}.png");
                    let tag = format!("<img src=\"{target}\" alt=\"{word}\">");
                    (target, tag)
                }
                1 => {
                    let target = format!("/js/{word}-{i}.js");
                    let tag = format!("<script src=\"{target}\"></script>");
                    (target, tag)
                }
                _ => {
                    let target = format!("/css/{word}-{i}.css");
                    let tag = format!("<link rel=\"stylesheet\" href=\"{target}\">");
                    (target, tag)
                }
            };
            html.push_str(&tag);
            html.push('\n');
            let body = t.sentence(3).repeat(1 + i * 7).into_bytes();
            objects.push(Object { target, body });
        }
        html.push_str(&format!("<p>{}</p></html>\n", t.sentence(4)));
        Site {
            page,
            html,
            objects,
        }
    }

    /// Starts an origin serving the page and its objects.
    fn serve(&self) -> Outcome<Origin> {
        let mut resources = vec![(self.page.as_str(), Resource::html(self.html.clone()))];
        for object in &self.objects {
            resources.push((
                object.target.as_str(),
                Resource::new("image/png", object.body.clone()),
            ));
        }
        Ok(Origin::start(resources)?)
    }

    /// Every target, the page first, in the order the client must request them.
    fn targets(&self) -> Vec<String> {
        let mut targets = vec![self.page.clone()];
        targets.extend(self.objects.iter().map(|o| o.target.clone()));
        targets
    }

    /// `(target, status, bytes)` of each line the report must print, the page first.
    fn fetches(&self) -> Vec<(String, u16, usize)> {
        let mut fetches = vec![(self.page.clone(), 200, self.html.len())];
        fetches.extend(
            self.objects
                .iter()
                .map(|o| (o.target.clone(), 200, o.body.len())),
        );
        fetches
    }
}

// ---------------------------------------------------------------------------------
// The program and its report.

/// Starts `ch3-3 fetch URL --mode MODE` with more `args`. The report comes at the end
/// of a whole fetch, which on a loaded machine may take more than one exchange's
/// deadline: its lines get 5 s (a bound on a hang, not a speed requirement).
fn fetch(t: &mut Session, url: &str, mode: &str, args: &[&str]) -> Outcome<Program> {
    let mut all = vec!["fetch", url, "--mode", mode];
    all.extend_from_slice(args);
    let mut client = t.start("client", &all)?;
    client.set_deadline(Duration::from_secs(5));
    Ok(client)
}

/// Checks the report of one mode line by line: `mode: MODE`, a `GET` line for each of
/// `fetches` with the connection `connection_of(index)` says, then the counts and the
/// elapsed time. Returns the elapsed line.
fn expect_report(
    client: &mut Program,
    mode: &str,
    fetches: &[(String, u16, usize)],
    skipped: &[String],
    origin: &str,
    connection_of: impl Fn(usize) -> usize,
) -> Outcome<String> {
    client.expect_line(&format!("mode: {mode}"))?;
    for (index, (target, status, bytes)) in fetches.iter().enumerate() {
        client.expect_line(&format!(
            "GET {target} {status} {bytes} bytes on connection {}",
            connection_of(index)
        ))?;
        if index == 0 {
            for reference in skipped {
                client.expect_line(&format!("skip {reference} (not on {origin})"))?;
            }
        }
    }
    let numbers: Vec<usize> = (0..fetches.len()).map(&connection_of).collect();
    let counts = counts_per_connection(&numbers);
    client.expect_line(&format!("connections: {}", counts.len()))?;
    client.expect_line(&format!("requests per connection: {}", join(&counts)))?;
    client.expect_line_matching(
        r"elapsed: [0-9]+ ms( = [0-9]+\.[0-9] RTT of [0-9]+ ms)?",
        "elapsed: MS ms",
    )
}

/// How many requests each connection number carried, in order of the numbers.
fn counts_per_connection(numbers: &[usize]) -> Vec<usize> {
    let mut distinct: Vec<usize> = numbers.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
        .iter()
        .map(|n| numbers.iter().filter(|m| *m == n).count())
        .collect()
}

fn join(numbers: &[usize]) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks the origin saw `expected` connections carrying `per_connection` requests.
fn expect_origin_counts(origin: &Origin, per_connection: &[usize]) -> Outcome {
    let seen = origin.requests_per_connection();
    if seen == per_connection {
        return Ok(());
    }
    Err(Failure::mismatch(
        "the origin counted other connections than the mode calls for",
        format!(
            "{} connections, carrying {} requests",
            per_connection.len(),
            join(per_connection)
        ),
        format!(
            "{} connections, carrying {} requests",
            seen.len(),
            join(&seen)
        ),
    ))
}

/// Checks the origin received exactly `targets`, in this order.
fn expect_origin_targets(origin: &Origin, targets: &[String]) -> Outcome {
    let seen: Vec<String> = origin.requests().into_iter().map(|s| s.target).collect();
    if seen == targets {
        return Ok(());
    }
    Err(Failure::mismatch(
        "the origin received other requests than the page calls for (the page first, then each object once, in the page's order)",
        targets.join(" "),
        seen.join(" "),
    ))
}

/// Checks every request the origin received did (or did not) carry `Connection: close`.
fn expect_connection_close(origin: &Origin, wanted: bool) -> Outcome {
    for seen in origin.requests() {
        let close = seen
            .header("connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
        if close != wanted {
            return Err(Failure::mismatch(
                format!(
                    "the request for {} has the wrong Connection header",
                    seen.target
                ),
                if wanted {
                    "Connection: close"
                } else {
                    "no Connection: close"
                },
                seen.header("connection")
                    .unwrap_or("(no Connection header)")
                    .to_string(),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The test's raw HTTP server, for servers that misbehave.

/// A request as the test's raw server read it.
struct Request {
    target: String,
    host: String,
}

/// Reads one request head from the program and checks it is a well-formed HTTP/1.1 GET
/// (httparse is the judge) with a Host header.
fn read_request(peer: &mut StreamPeer) -> Outcome<Request> {
    let head = peer.read_head(64 * 1024)?;
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut fields);
    match request.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => {
            return Err(Failure::mismatch(
                "the request is not valid HTTP/1.1 (says httparse)",
                "GET /path HTTP/1.1\\r\\nHost: HOST:PORT\\r\\n\\r\\n",
                String::from_utf8_lossy(&head).into_owned(),
            ));
        }
    }
    if request.method != Some("GET") || request.version != Some(1) {
        return Err(Failure::mismatch(
            "the request line must be `GET TARGET HTTP/1.1`",
            "GET TARGET HTTP/1.1",
            String::from_utf8_lossy(&head)
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        ));
    }
    let host = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("host"))
        .map(|h| String::from_utf8_lossy(h.value).into_owned());
    let Some(host) = host else {
        return Err(Failure::mismatch(
            "an HTTP/1.1 request must have a Host header",
            "Host: HOST:PORT",
            String::from_utf8_lossy(&head).into_owned(),
        ));
    };
    Ok(Request {
        target: request.path.unwrap_or("").to_string(),
        host,
    })
}

/// Checks the program asked for `expected`.
fn expect_target(request: &Request, expected: &str) -> Outcome {
    if request.target == expected {
        return Ok(());
    }
    Err(Failure::mismatch(
        "the program requested another target than expected",
        expected,
        request.target.clone(),
    ))
}

/// A `200 OK` response with a Content-Length.
fn ok_response(body: &[u8]) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body);
    response
}

/// A page that references `targets` as images.
fn page_of(t: &mut Session, targets: &[String]) -> String {
    let mut html = format!("<html><h1>{}</h1>\n", t.sentence(2));
    for target in targets {
        html.push_str(&format!("<img src=\"{target}\">\n"));
    }
    html.push_str("</html>\n");
    html
}

/// `count` object targets with names from the seed.
fn object_targets(t: &mut Session, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("/{}-{i}.png", t.word()))
        .collect()
}

/// Reads the next request on `peer`, checks it is for `target`, and answers `body`.
fn serve_one(peer: &mut StreamPeer, target: &str, body: &[u8]) -> Outcome {
    let request = read_request(peer)?;
    expect_target(&request, target)?;
    peer.send_bytes(&ok_response(body))
}

// ---------------------------------------------------------------------------------
// The cases.

fn non_persistent_counts(t: &mut Session) -> Outcome {
    let site = Site::new(t, 3);
    let origin = site.serve()?;
    let mut client = fetch(t, &origin.url(&site.page), "non-persistent", &[])?;
    expect_report(
        &mut client,
        "non-persistent",
        &site.fetches(),
        &[],
        "",
        |i| i + 1,
    )?;
    client.expect_success()?;
    t.note(
        "the origin saw a connection per object, each with one request saying Connection: close",
    );
    expect_origin_counts(&origin, &[1, 1, 1, 1])?;
    expect_connection_close(&origin, true)
}

fn persistent_counts(t: &mut Session) -> Outcome {
    let site = Site::new(t, 4);
    let origin = site.serve()?;
    let mut client = fetch(t, &origin.url(&site.page), "persistent", &[])?;
    expect_report(&mut client, "persistent", &site.fetches(), &[], "", |_| 1)?;
    client.expect_success()?;
    t.note("the origin saw one connection carrying all five requests, none saying close");
    expect_origin_counts(&origin, &[5])?;
    expect_connection_close(&origin, false)
}

fn page_then_each_object_once(t: &mut Session) -> Outcome {
    let dir = t.word();
    let page = format!("/{dir}/index.html");
    let (a, b, c) = (t.word(), t.word(), t.word());
    t.note("the page names one image three ways, a script twice, and itself once");
    let html = format!(
        "<html><img src=\"{a}-1.png\"><script src=\"/js/{b}-2.js\"></script>\n\
         <img src=\"/{dir}/{a}-1.png\"><IMG SRC='./{a}-1.png'>\n\
         <link rel=icon href=\"../{c}-3.ico\"><script src=\"/js/{b}-2.js\"></script>\n\
         <link rel=alternate href=\"index.html\"></html>"
    );
    let targets = [
        page.clone(),
        format!("/{dir}/{a}-1.png"),
        format!("/js/{b}-2.js"),
        format!("/{c}-3.ico"),
    ];
    let mut resources = vec![(targets[0].as_str(), Resource::html(html.clone()))];
    let bodies: Vec<Vec<u8>> = (0..3).map(|i| t.sentence(2 + i).into_bytes()).collect();
    for (target, body) in targets[1..].iter().zip(&bodies) {
        resources.push((target.as_str(), Resource::new("image/png", body.clone())));
    }
    let origin = Origin::start(resources)?;
    let mut client = fetch(t, &origin.url(&page), "persistent", &[])?;
    let mut fetches = vec![(page.clone(), 200, html.len())];
    fetches.extend(
        targets[1..]
            .iter()
            .zip(&bodies)
            .map(|(t, b)| (t.clone(), 200, b.len())),
    );
    expect_report(&mut client, "persistent", &fetches, &[], "", |_| 1)?;
    client.expect_success()?;
    expect_origin_targets(&origin, &targets)
}

fn only_objects_on_this_server(t: &mut Session) -> Outcome {
    let (a, b, other) = (t.word(), t.word(), t.word());
    let origin = Origin::start([("/", Resource::html(""))])?;
    let port = origin.addr().port();
    let elsewhere = [
        format!("https://127.0.0.1:{port}/{other}.png"),
        format!("http://{other}.example/{other}.js"),
        format!(
            "http://127.0.0.1:{}/{other}.css",
            if port == 65535 { 1 } else { port + 1 }
        ),
    ];
    let html = format!(
        "<html><head><script src=\"{}\"></script><link href=\"{}\" rel=stylesheet></head>\n\
         <body><a href=\"/{a}.html\">next page</a><!-- {a} -> {b}: <img src=\"/{a}-old.png\"> -->\n\
         <img src=\"{}\"><IMG SRC=\"http://127.0.0.1:{port}/{b}.png\" alt=\"{a} > {b}\">\n\
         <p>src=\"/{a}-text.png\"</p></body></html>",
        elsewhere[0], elsewhere[2], elsewhere[1]
    );
    let body = t.sentence(3).into_bytes();
    origin.set("/", Resource::html(html.clone()));
    origin.set(
        &format!("/{b}.png"),
        Resource::new("image/png", body.clone()),
    );
    let mut client = fetch(t, &origin.url("/"), "persistent", &[])?;
    let skipped = [
        elsewhere[0].clone(),
        elsewhere[2].clone(),
        elsewhere[1].clone(),
    ];
    let fetches = [
        ("/".to_string(), 200, html.len()),
        (format!("/{b}.png"), 200, body.len()),
    ];
    expect_report(
        &mut client,
        "persistent",
        &fetches,
        &skipped,
        &format!("http://{}", origin.addr()),
        |_| 1,
    )?;
    client.expect_success()?;
    expect_origin_targets(&origin, &["/".to_string(), format!("/{b}.png")])
}

fn both_modes_match_the_origin(t: &mut Session) -> Outcome {
    let site = Site::new(t, 2);
    let origin = site.serve()?;
    let mut client = fetch(t, &origin.url(&site.page), "both", &[])?;
    expect_report(
        &mut client,
        "non-persistent",
        &site.fetches(),
        &[],
        "",
        |i| i + 1,
    )?;
    expect_report(&mut client, "persistent", &site.fetches(), &[], "", |_| 1)?;
    client.expect_success()?;
    t.note("non-persistent first: 3 connections of one request each; then one carrying all three");
    expect_origin_counts(&origin, &[1, 1, 1, 3])?;
    let mut targets = site.targets();
    targets.extend(site.targets());
    expect_origin_targets(&origin, &targets)
}

fn chunked_page(t: &mut Session) -> Outcome {
    let mut site = Site::new(t, 2);
    t.note("a page of over 32 KiB: the origin (tiny_http) sends it chunked");
    let filler = format!("<p>{}</p>\n", t.sentence(5)).repeat(40 * 1024 / 30);
    site.html = site.html.replace("</html>", &format!("{filler}</html>"));
    let origin = site.serve()?;
    let mut client = fetch(t, &origin.url(&site.page), "persistent", &[])?;
    expect_report(&mut client, "persistent", &site.fetches(), &[], "", |_| 1)?;
    client.expect_success()?;
    expect_origin_counts(&origin, &[3])
}

fn chunked_page_in_pieces(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let targets = object_targets(t, 1);
    let html = page_of(t, &targets);
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut web = listener.accept()?;
    let request = read_request(&mut web)?;
    expect_target(&request, "/")?;
    let (first, second) = html.split_at(html.len() / 3);
    let response = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n\
         {:x};name=value\r\n{first}\r\n{:X}\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    t.note("the chunked response arrives cut into pieces at places drawn from the seed");
    let cuts = t.cuts(response.len(), 6);
    web.send_in_pieces(response.as_bytes(), &cuts)?;
    let body = t.sentence(2).into_bytes();
    serve_one(&mut web, &targets[0], &body)?;
    let fetches = [
        ("/".to_string(), 200, html.len()),
        (targets[0].clone(), 200, body.len()),
    ];
    expect_report(&mut client, "persistent", &fetches, &[], "", |_| 1)?;
    client.expect_success()
}

fn page_without_objects(t: &mut Session) -> Outcome {
    let page = format!("/{}.html", t.word());
    let html = format!(
        "<html><a href=\"/{}.html\">{}</a></html>",
        t.word(),
        t.sentence(3)
    );
    let origin = Origin::start([(page.as_str(), Resource::html(html.clone()))])?;
    let mut client = fetch(t, &origin.url(&page), "non-persistent", &[])?;
    expect_report(
        &mut client,
        "non-persistent",
        &[(page.clone(), 200, html.len())],
        &[],
        "",
        |_| 1,
    )?;
    client.expect_success()?;
    expect_origin_counts(&origin, &[1])
}

fn missing_object_goes_on(t: &mut Session) -> Outcome {
    let site = Site::new(t, 3);
    let origin = site.serve()?;
    let missing = format!("/img/{}-missing.png", t.word());
    t.note("the page's second object is one the origin does not have");
    let mut html = site.html.clone();
    let second = html.find("<script").unwrap_or(0);
    html.insert_str(second, &format!("<img src=\"{missing}\">"));
    origin.set(&site.page, Resource::html(html.clone()));
    let mut fetches = site.fetches();
    fetches[0].2 = html.len();
    fetches.insert(2, (missing, 404, "not found\n".len()));
    let mut client = fetch(t, &origin.url(&site.page), "persistent", &[])?;
    expect_report(&mut client, "persistent", &fetches, &[], "", |_| 1)?;
    client.expect_success()?;
    expect_origin_counts(&origin, &[5])
}

fn missing_page_stops(t: &mut Session) -> Outcome {
    let origin = Origin::start([("/", Resource::html("<img src=\"/a.png\">"))])?;
    let page = format!("/{}.html", t.word());
    let mut client = fetch(t, &origin.url(&page), "persistent", &[])?;
    expect_report(
        &mut client,
        "persistent",
        &[(page.clone(), 404, "not found\n".len())],
        &[],
        "",
        |_| 1,
    )?;
    client.expect_success()?;
    expect_origin_targets(&origin, &[page])
}

fn connection_close_response(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let targets = object_targets(t, 2);
    let html = page_of(t, &targets);
    let bodies: Vec<Vec<u8>> = (0..2).map(|i| t.sentence(2 + i).into_bytes()).collect();
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut first = listener.accept()?;
    serve_one(&mut first, "/", html.as_bytes())?;
    let request = read_request(&mut first)?;
    expect_target(&request, &targets[0])?;
    t.note(
        "the first object's response says Connection: close; the server is slow to close, \
            so only the header tells the client this connection is done",
    );
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        bodies[0].len()
    )
    .into_bytes();
    response.extend_from_slice(&bodies[0]);
    first.send_bytes(&response)?;
    let mut second = listener.accept()?;
    first.close();
    serve_one(&mut second, &targets[1], &bodies[1])?;
    let mut fetches = vec![("/".to_string(), 200, html.len())];
    fetches.extend(
        targets
            .iter()
            .zip(&bodies)
            .map(|(t, b)| (t.clone(), 200, b.len())),
    );
    expect_report(&mut client, "persistent", &fetches, &[], "", |i| {
        if i < 2 { 1 } else { 2 }
    })?;
    client.expect_success()
}

/// A persistent fetch of a page and three objects from the test's raw server, which
/// ends the first connection after the page and one object with `end`; the client must
/// retry the second object on a new connection.
fn ends_idle_connection(t: &mut Session, end: impl FnOnce(StreamPeer)) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let targets = object_targets(t, 3);
    let html = page_of(t, &targets);
    let bodies: Vec<Vec<u8>> = (0..3).map(|i| t.sentence(2 + i).into_bytes()).collect();
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut first = listener.accept()?;
    serve_one(&mut first, "/", html.as_bytes())?;
    serve_one(&mut first, &targets[0], &bodies[0])?;
    t.note("the server ends the kept-alive connection after two requests, without a word");
    end(first);
    let mut second = listener.accept()?;
    serve_one(&mut second, &targets[1], &bodies[1])?;
    serve_one(&mut second, &targets[2], &bodies[2])?;
    let mut fetches = vec![("/".to_string(), 200, html.len())];
    fetches.extend(
        targets
            .iter()
            .zip(&bodies)
            .map(|(t, b)| (t.clone(), 200, b.len())),
    );
    expect_report(&mut client, "persistent", &fetches, &[], "", |i| {
        if i < 2 { 1 } else { 2 }
    })?;
    client.expect_success()
}

fn server_closes_idle_connection(t: &mut Session) -> Outcome {
    ends_idle_connection(t, |peer| peer.close())
}

fn server_resets_idle_connection(t: &mut Session) -> Outcome {
    ends_idle_connection(t, |peer| peer.reset())
}

fn body_until_close(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let targets = object_targets(t, 2);
    let html = page_of(t, &targets);
    let bodies: Vec<Vec<u8>> = (0..2).map(|i| t.sentence(3 + i).into_bytes()).collect();
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut first = listener.accept()?;
    serve_one(&mut first, "/", html.as_bytes())?;
    let request = read_request(&mut first)?;
    expect_target(&request, &targets[0])?;
    t.note("an HTTP/1.0-style answer: no Content-Length, the body ends when the server closes its side");
    first.send_bytes(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n")?;
    first.send_bytes(&bodies[0])?;
    first.shutdown_write()?;
    let mut second = listener.accept()?;
    serve_one(&mut second, &targets[1], &bodies[1])?;
    let fetches = [
        ("/".to_string(), 200, html.len()),
        (targets[0].clone(), 200, bodies[0].len()),
        (targets[1].clone(), 200, bodies[1].len()),
    ];
    expect_report(&mut client, "persistent", &fetches, &[], "", |i| {
        if i < 2 { 1 } else { 2 }
    })?;
    client.expect_success()
}

fn stalled_response(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let targets = object_targets(t, 1);
    let html = page_of(t, &targets);
    let body = t.sentence(6).into_bytes();
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut web = listener.accept()?;
    serve_one(&mut web, "/", html.as_bytes())?;
    let request = read_request(&mut web)?;
    expect_target(&request, &targets[0])?;
    t.note("the object's body stalls for 1.5 s halfway");
    let response = ok_response(&body);
    let at = response.len() - body.len() / 2;
    web.send_with_pause(&response, at, Duration::from_millis(1500))?;
    let fetches = [
        ("/".to_string(), 200, html.len()),
        (targets[0].clone(), 200, body.len()),
    ];
    expect_report(&mut client, "persistent", &fetches, &[], "", |_| 1)?;
    client.expect_success()
}

fn server_never_answers(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let targets = object_targets(t, 1);
    let html = page_of(t, &targets);
    let mut client = fetch(t, &url, "persistent", &["--timeout-ms", "400"])?;
    let mut web = listener.accept()?;
    serve_one(&mut web, "/", html.as_bytes())?;
    let request = read_request(&mut web)?;
    expect_target(&request, &targets[0])?;
    t.note("the server reads the request for the object and never answers; the client's timeout is 400 ms");
    let line = client.expect_error_exit(Some(1))?;
    expect_that(
        line.contains(&targets[0]) && line.contains("timed out"),
        format!(
            "the error line must name the request ({}) and say it timed out, but it says `{line}`",
            targets[0]
        ),
    )
}

fn refused_port(t: &mut Session) -> Outcome {
    let addr = t.refused_addr()?;
    let mut client = fetch(t, &format!("http://{addr}/"), "non-persistent", &[])?;
    let line = client.expect_error_exit(Some(1))?;
    expect_that(
        line.contains("connect"),
        format!("the error line must say the connection failed, but it says `{line}`"),
    )
}

fn endless_head(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut web = listener.accept()?;
    read_request(&mut web)?;
    t.note("a response head of 70 KiB of headers, without the blank line that would end it");
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    let line = format!("X-{}: {}\r\n", t.word(), "x".repeat(1000));
    while head.len() < 70 * 1024 {
        head.extend_from_slice(line.as_bytes());
    }
    // The client may hang up as soon as it has seen 64 KiB: the rest need not arrive.
    let _ = web.send_bytes(&head);
    let line = client.expect_error_exit(Some(1))?;
    expect_that(
        line.contains("head"),
        format!("the error line must say the response head is too long, but it says `{line}`"),
    )
}

fn endless_chunk_size(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let url = format!("http://{}/", listener.addr()?);
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut web = listener.accept()?;
    read_request(&mut web)?;
    t.note("a chunked page whose first chunk-size line is 5000 bytes long (zeros, then 1)");
    let mut response =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
            .to_vec();
    response.extend_from_slice(&[b'0'; 5000]);
    response.extend_from_slice(b"1\r\nx\r\n0\r\n\r\n");
    // The client may hang up as soon as it has seen 4 KiB: the rest need not arrive.
    let _ = web.send_bytes(&response);
    let line = client.expect_error_exit(Some(1))?;
    expect_that(
        line.contains("longer than"),
        format!(
            "the error line must say the chunk-size line is longer than the limit, but it says `{line}`"
        ),
    )
}

fn page_too_large(t: &mut Session) -> Outcome {
    let page = format!("/{}.html", t.word());
    let filler = format!("<p>{}</p>\n", t.sentence(4)).repeat(1024 * 1024 / 20 + 100);
    let html = format!("<html><img src=\"/a.png\">{filler}</html>");
    let origin = Origin::start([(page.as_str(), Resource::html(html))])?;
    let mut client = fetch(t, &origin.url(&page), "persistent", &[])?;
    let line = client.expect_error_exit(Some(1))?;
    expect_that(
        line.contains("larger than"),
        format!("the error line must say the page is larger than the limit, but it says `{line}`"),
    )?;
    expect_origin_targets(&origin, &[page])
}

fn large_object_streams(t: &mut Session) -> Outcome {
    const SIZE: usize = 40 * 1000 * 1000;
    let name = format!("/{}.bin", t.word());
    let html = format!("<html><img src=\"{name}\"></html>");
    let origin = Origin::start([
        ("/", Resource::html(html.clone())),
        (
            name.as_str(),
            Resource::new("application/octet-stream", vec![b'x'; SIZE]),
        ),
    ])?;
    let mut client = fetch(t, &origin.url("/"), "persistent", &[])?;
    client.set_deadline(Duration::from_secs(20));
    let fetches = [("/".to_string(), 200, html.len()), (name, 200, SIZE)];
    expect_report(&mut client, "persistent", &fetches, &[], "", |_| 1)?;
    client.expect_peak_memory_below(16 * 1000 * 1000, "less than half the 40 MB object")
}

fn requests_are_well_formed(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let addr = listener.addr()?;
    let query = format!("?{}={}", t.word(), t.word());
    let url = format!("http://{addr}/{}/{query}#{}", t.word(), t.word());
    let target = url[url.find(addr.to_string().as_str()).unwrap_or(0) + addr.to_string().len()..]
        .split('#')
        .next()
        .unwrap_or("")
        .to_string();
    let mut client = fetch(t, &url, "non-persistent", &[])?;
    let mut web = listener.accept()?;
    t.note("the request head must end with \r\n\r\n; the target keeps the query and drops the fragment");
    let request = read_request(&mut web)?;
    expect_target(&request, &target)?;
    expect_that(
        request.host == addr.to_string(),
        format!(
            "the Host header must be `{addr}` (the URL's host and port), but it is `{}`",
            request.host
        ),
    )?;
    web.send_bytes(&ok_response(b"<html></html>"))?;
    expect_report(
        &mut client,
        "non-persistent",
        &[(target, 200, 13)],
        &[],
        "",
        |_| 1,
    )?;
    client.expect_success()
}

fn fetches_over_ipv6(t: &mut Session) -> Outcome {
    let mut listener = t.listen_v6()?;
    let port = listener.addr()?.port();
    let url = format!("http://[::1]:{port}/");
    let targets = object_targets(t, 1);
    let html = page_of(t, &targets);
    let body = t.sentence(2).into_bytes();
    let mut client = fetch(t, &url, "persistent", &[])?;
    let mut web = listener.accept()?;
    let request = read_request(&mut web)?;
    expect_that(
        request.host == format!("[::1]:{port}"),
        format!(
            "the Host header must be `[::1]:{port}`, as the URL writes it, but it is `{}`",
            request.host
        ),
    )?;
    web.send_bytes(&ok_response(html.as_bytes()))?;
    serve_one(&mut web, &targets[0], &body)?;
    let fetches = [
        ("/".to_string(), 200, html.len()),
        (targets[0].clone(), 200, body.len()),
    ];
    expect_report(&mut client, "persistent", &fetches, &[], "", |_| 1)?;
    client.expect_success()
}

fn tries_next_address(t: &mut Session) -> Outcome {
    let (mut listener, host) = t.listen_behind_refusing_address()?;
    let port = listener.addr()?.port();
    let url = format!("http://{host}:{port}/");
    let targets = object_targets(t, 2);
    let html = page_of(t, &targets);
    let bodies: Vec<Vec<u8>> = (0..2).map(|i| t.sentence(2 + i).into_bytes()).collect();
    let mut client = fetch(t, &url, "non-persistent", &[])?;
    t.note("non-persistent: every one of the three connections must get past the refusing address");
    let mut web = listener.accept()?;
    serve_one(&mut web, "/", html.as_bytes())?;
    for (target, body) in targets.iter().zip(&bodies) {
        let mut web = listener.accept()?;
        serve_one(&mut web, target, body)?;
    }
    let mut fetches = vec![("/".to_string(), 200, html.len())];
    fetches.extend(
        targets
            .iter()
            .zip(&bodies)
            .map(|(t, b)| (t.clone(), 200, b.len())),
    );
    expect_report(&mut client, "non-persistent", &fetches, &[], "", |i| i + 1)?;
    client.expect_success()
}

/// Reads an `elapsed: MS ms = X.X RTT of R ms` line; returns MS and X.X.
fn read_elapsed(client: &mut Program, rtt_ms: u64) -> Outcome<(u64, f64)> {
    let line = client.expect_line_matching(
        &format!(r"elapsed: [0-9]+ ms = [0-9]+\.[0-9] RTT of {rtt_ms} ms"),
        &format!("elapsed: MS ms = X.X RTT of {rtt_ms} ms"),
    )?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let ms = words[1].parse().unwrap_or(0);
    let rtts = words[4].parse().unwrap_or(0.0);
    Ok((ms, rtts))
}

fn rtt_makes_the_difference(t: &mut Session) -> Outcome {
    const RTT_MS: u64 = 80;
    let site = Site::new(t, 4);
    let origin = site.serve()?;
    origin.set_rtt(Duration::from_millis(RTT_MS));
    t.note("the origin emulates an RTT of 80 ms: each response waits 1 RTT, the first on a connection 2");
    let mut client = fetch(t, &origin.url(&site.page), "both", &["--rtt-ms", "80"])?;
    client.set_deadline(Duration::from_secs(10));
    let mut reports = Vec::new();
    for mode in ["non-persistent", "persistent"] {
        client.expect_line(&format!("mode: {mode}"))?;
        for _ in 0..site.fetches().len() + 2 {
            client.read_line()?;
        }
        reports.push(read_elapsed(&mut client, RTT_MS)?);
    }
    client.expect_success()?;
    let [(np_ms, np_rtts), (p_ms, p_rtts)] = [reports[0], reports[1]];
    for (ms, rtts) in [(np_ms, np_rtts), (p_ms, p_rtts)] {
        expect_that(
            (ms as f64 / RTT_MS as f64 - rtts).abs() <= 0.11,
            format!(
                "{ms} ms is {:.1} RTT of {RTT_MS} ms, but the report says {rtts}",
                ms as f64 / RTT_MS as f64
            ),
        )?;
    }
    t.note("5 objects: non-persistent waits at least 2 RTT each (10), persistent 2 + 4 × 1 = 6");
    expect_that(
        np_ms >= 10 * RTT_MS,
        format!(
            "non-persistent took at least {} ms at the origin, but the report says {np_ms} ms: measure from before the first connection to after the last response",
            10 * RTT_MS
        ),
    )?;
    expect_that(
        p_ms >= 6 * RTT_MS,
        format!(
            "persistent took at least {} ms at the origin, but the report says {p_ms} ms: measure from before the first connection to after the last response",
            6 * RTT_MS
        ),
    )?;
    expect_that(
        p_ms < np_ms,
        format!(
            "persistent ({p_ms} ms) should take less time than non-persistent ({np_ms} ms): did it reuse the connection?"
        ),
    )
}

fn stdout_closed(t: &mut Session) -> Outcome {
    let site = Site::new(t, 2);
    let origin = site.serve()?;
    t.set_stdout(Output::Closed);
    let mut client = fetch(t, &origin.url(&site.page), "persistent", &[])?;
    client.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    server_closes_idle_connection(t)
}
