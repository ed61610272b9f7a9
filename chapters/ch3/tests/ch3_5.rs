//! Grades ch3-5, visitors remembered by cookies: a web server that hands each new
//! visitor an unguessable id in `Set-Cookie`, counts the visits of whoever brings it
//! back in `Cookie`, and treats any other cookie (forged, garbled, forgotten) as a new
//! visitor, never as an error. The clients are real ones with a cookie jar (ureq's
//! agents, curl) and raw peers for the bytes a browser would never send.

use ch3::response::{Response, read_response};
use harness::prelude::*;
use std::net::SocketAddr;
use std::process::ExitCode;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("three visits with one cookie jar are visits 1, 2 and 3", three_visits_one_jar)
            .hint_if(Kind::Mismatch, "The first response must carry `Set-Cookie: visitor=ID; …` and the body \
                     `welcome, visitor N: this is your first visit`; a request whose Cookie header brings that \
                     ID back is the same visitor: add one to their count and answer `welcome back, visitor N: \
                     this is visit K`. Look the id up in the shared table (Visitors::visit).")
            .hint_if(Kind::Unreachable, "The server must print `listening on ADDR` first, then accept connections \
                     for as long as it runs."),
        Case::new("two cookie jars are two visitors, each with its own count", two_jars_two_visitors)
            .hint("Two clients with two cookie jars hold two different ids: each id has its own entry in the \
                   table, with its own number and its own count. A single counter for the whole site, or an \
                   id that is the same for everyone, mixes them up."),
        Case::new("a new visitor's cookie is Path=/, Max-Age a year, HttpOnly, SameSite=Lax", cookie_attributes)
            .hint("Send exactly `Set-Cookie: visitor=ID; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax` \
                   (cookies::set_cookie): Path=/ so every page gets it back, Max-Age so it outlives the \
                   browser session, HttpOnly so scripts cannot read it, SameSite=Lax so other sites' \
                   background requests do not carry it."),
        Case::new("a returning visitor is sent no new cookie", returning_visitor_gets_no_cookie)
            .hint("Set-Cookie is for new visitors only: a visitor whose cookie you know already has it. Sending \
                   a fresh id on every visit makes every visit the first."),
        Case::new("visitor ids are 32 random hexadecimal digits, different for every visitor", ids_are_unguessable)
            .hint("The id is the visitor's only proof of who they are: it must be 128 random bits from the \
                   operating system (read 16 bytes from /dev/urandom), written as 32 lowercase hex digits. A \
                   counter, the time or the client's address can be guessed, and so can fastrand's output: it \
                   is not a cryptographic generator."),
        Case::new("a forged visitor cookie gets a fresh visitor and a new cookie", forged_cookie_is_a_new_visitor)
            .hint_if(Kind::Mismatch, "An id you never handed out is not an error: the client is a new visitor. \
                     Answer 200 with a first-visit page and a fresh Set-Cookie. Never trust a cookie's value \
                     beyond looking it up."),
        Case::new("malformed visitor cookies get a fresh visitor, never an error page", malformed_cookies_are_new_visitors)
            .hint("Whatever the Cookie header holds (an empty value, no `=`, the wrong length, not hex, bytes that \
                   are not UTF-8, stray semicolons) the answer is 200 and a fresh visitor with a new Set-Cookie: \
                   never 400 or 500, and never a crash. A cookie that is not a known id simply finds nothing in \
                   the table.")
            .hint_if(Kind::Closed, "A malformed cookie must not end the connection nor the thread: no unwrap() \
                     on the cookie's value (from_utf8, parse, indexing): a value you cannot use is just not a \
                     known id."),
        Case::new("the visitor cookie is found among other cookies", cookie_among_others)
            .hint("A Cookie header carries every cookie of the site: `theme=dark; visitor=ID; lang=en`. Split \
                   it at `;`, trim the spaces around each pair, split each at its first `=`, and compare the \
                   NAME with `visitor` exactly: a search for the text `visitor=` also finds `xvisitor=…`."),
        Case::new("of two visitor cookies, the one the server issued counts", known_cookie_beside_forged)
            .hint("A request may carry two cookies named visitor (one with another Path, or one forged): look \
                   each up, and the first the table knows is the visitor. Taking only the first or the last \
                   occurrence forgets a visitor who did nothing wrong."),
        Case::new("a visitor's visits are counted across connections", visits_counted_across_connections)
            .hint("Each visit here comes on a new connection: the table of visitors must be shared by the \
                   whole server (an Arc<Mutex<…>> handed to every thread), not made per connection or per \
                   thread."),
        Case::new("visits with one cookie on many connections at once are all counted", concurrent_visits_all_counted)
            .hint_if(Kind::Timeout, "Several connections are open at once and each waits for its answer: serve \
                     each connection on a thread of its own. A server that serves one connection until it \
                     closes keeps the others waiting (HTTP/1.1 keeps connections open).")
            .hint_if(Kind::Mismatch, "Every visit must be counted once: look the visitor up and add one to their \
                     count inside one lock. Reading the count, unlocking, and writing it back later loses the \
                     visits that came in between."),
        Case::new("two requests on one connection are both answered", keep_alive)
            .hint_if(Kind::Closed, "HTTP/1.1 keeps the connection open after a response unless the request said \
                     `Connection: close`: loop on read_request, answering each request, until the client closes.")
            .hint_if(Kind::Timeout, "The second request came on the same connection: after a response, go back \
                     to reading the next request (read_request keeps what is left of the bytes already read)."),
        Case::new("a request with Connection: close is answered, then the connection closed", connection_close_honoured)
            .hint("When the request says `Connection: close`, or is HTTP/1.0 (Request::wants_close says both), answer \
                   with `Connection: close` too (Response::closing) and close the connection after the response \
                   (Connection::finish)."),
        Case::new("two requests sent in one write are both answered, in order", pipelined_requests)
            .hint("Two requests can arrive in one read: answer the first, then parse the second from the bytes \
                   already read before reading again. Connection::read_request keeps them in `pending`."),
        Case::new("a request that arrives in pieces is answered once, whole", request_in_pieces)
            .hint("One read is not one request: read_request parses again after every read, until httparse \
                   says the head is complete."),
        Case::new("a request that stalls midway is answered once it is whole", request_with_pause)
            .hint("A request may stall for a second or more (a slow network, a person typing in nc): wait for \
                   the rest. Only the idle timeout (30 s by default) may end it."),
        Case::new("a half-sent request does not keep another visitor waiting", half_request_blocks_nobody)
            .hint("While one client's request is half-arrived, another must be served: each connection on a \
                   thread of its own, and no lock held while reading the network."),
        Case::new("a client that sends its request and shuts down its sending side gets its answer", half_closed_client)
            .hint("The client closed its sending side after its request (`nc -N`): answer it anyway, then close \
                   when read_request reports the end of the stream."),
        Case::new("a client that resets mid-request does not stop the server nor its memory", reset_mid_request)
            .hint("A connection reset is that connection's error only: end its thread (return the error from \
                   converse and log it) and keep serving; the table of visitors is untouched."),
        Case::new("other paths get 404, other methods 405 with Allow: GET, and neither counts a visit", other_paths_and_methods)
            .hint("Only `GET /` (query string ignored: `/?x=1` is `/`) is the welcome page and counts a visit. \
                   Another path is `404 Not Found`; another method on / is `405 Method Not Allowed` with \
                   `Allow: GET`. Neither touches the table. A request that announces a body (Request::has_body) \
                   is answered with Connection: close, and the connection closed: its body is never read."),
        Case::new("a request head over 8 KiB gets 431 and the server goes on", head_too_large)
            .hint("A head that does not end within MAX_HEAD (8 KiB), or has more than 64 header fields, gets \
                   `431 Request Header Fields Too Large` (Incoming::TooLarge) and the connection closes; the next \
                   client is served as usual."),
        Case::new("garbage instead of a request gets 400 and the server goes on", garbage_gets_400)
            .hint("Bytes that are not HTTP (here a TLS hello: someone typed https://) get `400 Bad Request` and \
                   the connection closes; nothing else changes."),
        Case::new("a connection silent for --idle-timeout seconds is closed", idle_connection_closed)
            .hint("Set a read timeout of --idle-timeout on each connection (set_read_timeout): a read that times \
                   out ends the connection, so a silent client does not hold a thread for ever."),
        Case::new("with --max-visitors 2, the visitor seen least recently is forgotten", max_visitors_enforced)
            .hint("The table holds at most --max-visitors ids: when a new visitor comes to a full table, forget \
                   the one seen least recently (not the oldest by arrival: a regular visitor stays). A forgotten \
                   cookie then earns a first visit and a new Set-Cookie."),
        Case::new("the server listens on ::1 when given --host ::1", server_listens_on_ipv6)
            .hint("Bind (host, port) as given: TcpListener::bind((host, port)) takes `::1` as it is. Parsing \
                   format!(\"{host}:{port}\") as a SocketAddr fails for IPv6 (it must be written [::1]:PORT)."),
        Case::new("the server logs each visit with the visitor's number and the visit", logs_each_visit)
            .hint("Write one line per request on stderr with note!: `… visitor N, visit K` for the welcome page."),
        Case::new("a server whose stdout is closed stops with an error naming stdout", stdout_closed)
            .hint("The first line, `listening on ADDR`, cannot be written when stdout is closed: println! would \
                   panic. Write it with writeln!, and return the error with context (`cannot write to stdout`) \
                   so main prints `error: …` and exits with 1."),
        Case::new("the server welcomes visitors with its stderr closed", stderr_closed)
            .hint("Nobody reads the log, and writing it fails: eprintln! then panics, in the connection's \
                   thread. Write status lines with note! (it drops a line it cannot write)."),
        Case::new("curl with a cookie jar is welcomed back on its second run", curl_with_cookie_jar)
            .hint("curl -c JAR saves the Set-Cookie of the first response in JAR (a file, like a browser's jar); \
                   -b JAR sends it back as a Cookie header on the second run, on a new connection."),
        Case::new("a first visit and a return, on the wire", first_visit_and_return_on_the_wire),
    ])
}

/// How long each request of a real client may take.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(3);

/// Starts the server on a free port.
fn server(t: &mut Session) -> Outcome<(Program, SocketAddr)> {
    t.start_server("server", &["server", "--port", "0"])
}

// ------------------------------------------------------------ real clients (ureq) --

/// A browser-like client: an agent with its own cookie jar, which stores what
/// `Set-Cookie` says and sends it back in `Cookie`. Statuses are answers, not errors.
fn browser() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(CLIENT_TIMEOUT))
        .build()
        .into()
}

/// `GET url` with `agent` (and its jar): the status and the body, noted in the transcript.
fn browse(t: &mut Session, who: &str, agent: &ureq::Agent, url: &str) -> Outcome<(u16, String)> {
    let outcome = agent.get(url).call();
    let mut response = outcome.map_err(|error| client_failure(who, url, error))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|error| client_failure(who, url, error))?;
    t.note(&format!(
        "{who} (a client with a cookie jar) GET {url} → {status}: {}",
        body.trim_end()
    ));
    Ok((status, body))
}

/// What a real client's error says about the program.
fn client_failure(who: &str, url: &str, error: ureq::Error) -> Failure {
    let kind = match &error {
        ureq::Error::Timeout(_) => Kind::Timeout,
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => Kind::Unreachable,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionReset => Kind::Reset,
        ureq::Error::Io(_) => Kind::Closed,
        _ => Kind::Mismatch,
    };
    Failure::new(format!(
        "{who}, a real HTTP client (ureq) with a cookie jar, could not GET {url}: {error}"
    ))
    .kind(kind)
}

/// Checks a client's visit: status 200 and the body for visit `visit` (1: the first).
/// Returns the visitor's number.
fn expect_visit_body(status: u16, body: &str, visit: u64) -> Outcome<u64> {
    if status != 200 {
        return Err(Failure::mismatch(
            "the welcome page must be 200 OK",
            "200",
            status.to_string(),
        ));
    }
    let (number, got) = parse_welcome(body).ok_or_else(|| {
        Failure::mismatch(
            "the page is not a welcome",
            expected_body(visit),
            body.trim_end(),
        )
    })?;
    if got != visit {
        return Err(Failure::mismatch(
            format!("the page counts visit {got}, but this is visit {visit} with this cookie"),
            expected_body(visit),
            body.trim_end(),
        ));
    }
    Ok(number)
}

/// The body promised for visit `visit`, with N for the visitor's number.
fn expected_body(visit: u64) -> String {
    if visit == 1 {
        "welcome, visitor N: this is your first visit".to_string()
    } else {
        format!("welcome back, visitor N: this is visit {visit}")
    }
}

/// Reads `welcome, visitor N: this is your first visit` (visit 1) or `welcome back,
/// visitor N: this is visit K`: the visitor's number and the visit.
fn parse_welcome(body: &str) -> Option<(u64, u64)> {
    let line = body.strip_suffix('\n')?;
    if let Some(rest) = line.strip_prefix("welcome, visitor ") {
        let number = rest.strip_suffix(": this is your first visit")?;
        return Some((number.parse().ok()?, 1));
    }
    let rest = line.strip_prefix("welcome back, visitor ")?;
    let (number, visit) = rest.split_once(": this is visit ")?;
    Some((number.parse().ok()?, visit.parse().ok()?))
}

// ----------------------------------------------------------------- raw requests --

/// `GET target` with an optional Cookie header value and more header lines.
fn get(target: &str, cookie: Option<&str>, extra: &str) -> String {
    let cookie = cookie
        .map(|value| format!("Cookie: {value}\r\n"))
        .unwrap_or_default();
    format!("GET {target} HTTP/1.1\r\nHost: cookies.test\r\n{cookie}{extra}\r\n")
}

/// One request on a connection of its own, and the response.
fn request_once(t: &mut Session, addr: SocketAddr, request: &[u8]) -> Outcome<Response> {
    let mut web = t.connect(addr)?;
    web.send_bytes(request)?;
    read_response(&mut web, "GET")
}

/// The id in a `visitor=ID; …` Set-Cookie value.
fn cookie_id(set_cookie: &str) -> Option<&str> {
    let pair = set_cookie.split(';').next()?.trim();
    let (name, value) = pair.split_once('=')?;
    (name.trim() == "visitor").then_some(value.trim())
}

/// Checks a first visit: 200, the first-visit page, and one Set-Cookie naming a
/// `visitor` id of 32 lowercase hex digits. Returns the visitor's number and id.
fn expect_first(response: &Response) -> Outcome<(u64, String)> {
    response.expect_status(200)?;
    let number = expect_visit_body(response.status, &response.text(), 1)?;
    let set = response.headers_named("set-cookie");
    let Some(value) = set.iter().find_map(|value| cookie_id(value)) else {
        return Err(Failure::mismatch(
            "a new visitor must be given a cookie",
            "Set-Cookie: visitor=ID; Path=/; …",
            if set.is_empty() {
                "(no Set-Cookie header)".to_string()
            } else {
                set.join(" | ")
            },
        ));
    };
    check_match(
        value,
        "[0-9a-f]{32}",
        "an id of 32 lowercase hexadecimal digits",
    )?;
    Ok((number, value.to_string()))
}

/// Checks a returning visit: 200, visit `visit`, and no Set-Cookie. Returns the number.
fn expect_returning(response: &Response, visit: u64) -> Outcome<u64> {
    let number = expect_visit_body(response.status, &response.text(), visit)?;
    let set = response.headers_named("set-cookie");
    ensure(
        set.is_empty(),
        format!(
            "a returning visitor already has their cookie, but the response sets one: {}",
            set.join(" | ")
        ),
    )?;
    Ok(number)
}

/// A new visitor, on a connection of its own: their number and id.
fn new_visitor(t: &mut Session, addr: SocketAddr) -> Outcome<(u64, String)> {
    let response = request_once(t, addr, get("/", None, "").as_bytes())?;
    expect_first(&response)
}

/// The `Cookie` header value that brings `id` back.
fn visitor(id: &str) -> String {
    format!("visitor={id}")
}

// ---------------------------------------------------------------------- cases --

fn three_visits_one_jar(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let url = format!("http://{addr}/");
    let agent = browser();
    let mut numbers = Vec::new();
    for visit in 1..=3 {
        let (status, body) = browse(t, "client A", &agent, &url)?;
        numbers.push(expect_visit_body(status, &body, visit)?);
    }
    ensure(
        numbers.iter().all(|n| *n == numbers[0]),
        format!("one visitor must keep one number across visits, but the pages said {numbers:?}"),
    )
}

fn two_jars_two_visitors(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let url = format!("http://{addr}/");
    let (a, b) = (browser(), browser());
    let (s, body) = browse(t, "client A", &a, &url)?;
    let number_a = expect_visit_body(s, &body, 1)?;
    let (s, body) = browse(t, "client B", &b, &url)?;
    let number_b = expect_visit_body(s, &body, 1)?;
    ensure(
        number_a != number_b,
        format!("two cookie jars are two visitors, but both were called visitor {number_a}"),
    )?;
    let (s, body) = browse(t, "client A", &a, &url)?;
    expect_visit_body(s, &body, 2)?;
    let (s, body) = browse(t, "client A", &a, &url)?;
    expect_visit_body(s, &body, 3)?;
    let (s, body) = browse(t, "client B", &b, &url)?;
    let again = expect_visit_body(s, &body, 2)?;
    ensure(
        again == number_b,
        format!("client B was visitor {number_b}, but is now called visitor {again}"),
    )
}

fn cookie_attributes(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let response = request_once(t, addr, get("/", None, "").as_bytes())?;
    expect_first(&response)?;
    let set = response.headers_named("set-cookie");
    let value = set
        .iter()
        .find(|value| cookie_id(value).is_some())
        .copied()
        .unwrap_or_default();
    let attributes: Vec<(String, String)> = value
        .split(';')
        .skip(1)
        .map(|attribute| {
            let (name, value) = attribute.split_once('=').unwrap_or((attribute, ""));
            (name.trim().to_ascii_lowercase(), value.trim().to_string())
        })
        .collect();
    let has = |name: &str, expected: &str| {
        attributes
            .iter()
            .any(|(n, v)| n == name && v.eq_ignore_ascii_case(expected))
    };
    let wanted = [
        ("path", "/", "Path=/"),
        ("max-age", "31536000", "Max-Age=31536000"),
        ("httponly", "", "HttpOnly"),
        ("samesite", "lax", "SameSite=Lax"),
    ];
    for (name, expected, shown) in wanted {
        if !has(name, expected) {
            return Err(Failure::mismatch(
                format!("the visitor cookie lacks the attribute {shown}"),
                "visitor=ID; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax",
                value,
            ));
        }
    }
    Ok(())
}

fn returning_visitor_gets_no_cookie(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let response = request_once(t, addr, get("/", Some(&visitor(&id)), "").as_bytes())?;
    expect_returning(&response, 2)?;
    Ok(())
}

fn ids_are_unguessable(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut ids: Vec<String> = Vec::new();
    for _ in 0..6 {
        let (_, id) = new_visitor(t, addr)?;
        for earlier in &ids {
            ensure(
                *earlier != id,
                format!("two visitors were given the same id {id}"),
            )?;
            let differing = earlier
                .chars()
                .zip(id.chars())
                .filter(|(a, b)| a != b)
                .count();
            ensure(
                differing >= 16,
                format!(
                    "the ids {earlier} and {id} differ in only {differing} of 32 digits: ids made \
                     one after the other must look unrelated, or one visitor can guess the next's"
                ),
            )?;
        }
        ids.push(id);
    }
    Ok(())
}

fn forged_cookie_is_a_new_visitor(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, real) = new_visitor(t, addr)?;
    // An id of the right shape that the server never issued: the real one, changed.
    let mut forged: Vec<char> = real.chars().collect();
    forged[0] = if forged[0] == 'a' { 'b' } else { 'a' };
    let forged: String = forged.into_iter().collect();
    for fake in ["0".repeat(32), forged] {
        t.note("a cookie of the right shape that the server never issued");
        let response = request_once(t, addr, get("/", Some(&visitor(&fake)), "").as_bytes())?;
        let (_, id) = expect_first(&response)?;
        ensure(
            id != fake,
            "the new cookie must carry a fresh id, not the forged one sent",
        )?;
    }
    Ok(())
}

fn malformed_cookies_are_new_visitors(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let word = t.word();
    let malformed: Vec<Vec<u8>> = vec![
        b"Cookie: visitor=\r\n".to_vec(),
        b"Cookie: visitor\r\n".to_vec(),
        b"Cookie: \r\n".to_vec(),
        format!("Cookie: visitor={word}\r\n").into_bytes(),
        format!("Cookie: visitor={}\r\n", "z".repeat(32)).into_bytes(),
        format!("Cookie: visitor={}\r\n", "ab".repeat(40)).into_bytes(),
        b"Cookie: ;;; =; ==; visitor==abc;\r\n".to_vec(),
        b"Cookie: visitor=\"0123456789abcdef0123456789abcdef\"\r\n".to_vec(),
        b"Cookie: visitor=\xff\xfe\xc3\r\n".to_vec(),
    ];
    for header in malformed {
        let request = [
            b"GET / HTTP/1.1\r\nHost: cookies.test\r\n".as_slice(),
            &header,
            b"\r\n",
        ]
        .concat();
        let response = request_once(t, addr, &request)?;
        expect_first(&response)?;
    }
    server.expect_running()?;
    server.expect_no_panic()
}

fn cookie_among_others(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let (word, other) = (t.word(), t.word());
    let headers = [
        format!("theme={word}; visitor={id}; lang={other}"),
        format!("{word}=1;visitor={id};{other}=2"),
        format!("  visitor={id}  ;  {word}=x y  "),
        format!("xvisitor={word}; visitor={id}"),
        format!("visitors={other}; visitor2=abc; visitor={id}; {word}=visitor={other}"),
    ];
    for (n, header) in headers.iter().enumerate() {
        let response = request_once(t, addr, get("/", Some(header), "").as_bytes())?;
        expect_returning(&response, n as u64 + 2)?;
    }
    Ok(())
}

fn known_cookie_beside_forged(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let forged = "f".repeat(32);
    let header = format!("visitor={forged}; visitor={id}");
    let response = request_once(t, addr, get("/", Some(&header), "").as_bytes())?;
    expect_returning(&response, 2)?;
    let header = format!("visitor={id}; visitor={forged}");
    let response = request_once(t, addr, get("/", Some(&header), "").as_bytes())?;
    expect_returning(&response, 3)?;
    Ok(())
}

fn visits_counted_across_connections(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (number, id) = new_visitor(t, addr)?;
    for visit in 2..=4 {
        t.note("a new connection with the same cookie");
        let response = request_once(t, addr, get("/", Some(&visitor(&id)), "").as_bytes())?;
        let again = expect_returning(&response, visit)?;
        ensure(
            again == number,
            format!("the visitor was number {number}, but is now called {again}"),
        )?;
    }
    Ok(())
}

fn concurrent_visits_all_counted(t: &mut Session) -> Outcome {
    const CONNECTIONS: usize = 8;
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let mut peers = t.connect_many(addr, CONNECTIONS)?;
    t.note("every connection sends its request before any response is read");
    let request = get("/", Some(&visitor(&id)), "");
    for peer in peers.iter_mut() {
        peer.send_bytes(request.as_bytes())?;
    }
    let mut counted = Vec::new();
    for peer in peers.iter_mut() {
        let response = read_response(peer, "GET")?;
        let (_, visit) = parse_welcome(&response.text()).ok_or_else(|| {
            Failure::mismatch(
                "the page is not a welcome back",
                "welcome back, visitor N: this is visit K",
                response.text().trim_end(),
            )
        })?;
        counted.push(visit);
    }
    counted.sort_unstable();
    let expected: Vec<u64> = (2..=CONNECTIONS as u64 + 1).collect();
    if counted != expected {
        return Err(Failure::mismatch(
            format!("{CONNECTIONS} visits at once must each be counted once"),
            format!("{expected:?}"),
            format!("{counted:?}"),
        ));
    }
    let response = request_once(t, addr, get("/", Some(&visitor(&id)), "").as_bytes())?;
    expect_returning(&response, CONNECTIONS as u64 + 2)?;
    Ok(())
}

fn keep_alive(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut web = t.connect(addr)?;
    web.send_bytes(get("/", None, "").as_bytes())?;
    let (_, id) = expect_first(&read_response(&mut web, "GET")?)?;
    t.note("the second request on the same connection");
    web.send_bytes(get("/", Some(&visitor(&id)), "").as_bytes())?;
    expect_returning(&read_response(&mut web, "GET")?, 2)?;
    web.send_bytes(get("/", Some(&visitor(&id)), "").as_bytes())?;
    expect_returning(&read_response(&mut web, "GET")?, 3)?;
    Ok(())
}

fn connection_close_honoured(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut web = t.connect(addr)?;
    web.send_bytes(get("/", None, "Connection: close\r\n").as_bytes())?;
    let response = read_response(&mut web, "GET")?;
    expect_first(&response)?;
    ensure(
        response.closes(),
        "the request said Connection: close: the response must say it too",
    )?;
    web.expect_closed()?;
    t.note("an HTTP/1.0 request: the connection closes after its response too");
    let mut old = t.connect(addr)?;
    old.send_bytes(b"GET / HTTP/1.0\r\nHost: cookies.test\r\n\r\n")?;
    let response = read_response(&mut old, "GET")?;
    expect_first(&response)?;
    ensure(
        response.closes(),
        "HTTP/1.0 closes after each response: the response must not promise otherwise",
    )?;
    old.expect_closed()
}

fn pipelined_requests(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let word = t.word();
    let cookie = format!("Cookie: {word}=1; visitor={id}\r");
    let mut web = t.connect(addr)?;
    web.send_burst(&[
        "GET / HTTP/1.1\r",
        "Host: cookies.test\r",
        &cookie,
        "\r",
        &format!("GET /{word} HTTP/1.1\r"),
        "Host: cookies.test\r",
        "\r",
        "GET / HTTP/1.1\r",
        "Host: cookies.test\r",
        &cookie,
        "\r",
    ])?;
    expect_returning(&read_response(&mut web, "GET")?, 2)?;
    read_response(&mut web, "GET")?.expect_status(404)?;
    expect_returning(&read_response(&mut web, "GET")?, 3)?;
    Ok(())
}

fn request_in_pieces(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let word = t.word();
    let request = get(
        "/",
        Some(&format!("{word}=yes; visitor={id}")),
        "Accept: text/plain\r\n",
    );
    let cuts = t.cuts(request.len(), 6);
    let mut web = t.connect(addr)?;
    web.send_in_pieces(request.as_bytes(), &cuts)?;
    expect_returning(&read_response(&mut web, "GET")?, 2)?;
    t.note("and byte by byte");
    web.send_slowly(get("/", Some(&visitor(&id)), "").as_bytes())?;
    expect_returning(&read_response(&mut web, "GET")?, 3)?;
    Ok(())
}

fn request_with_pause(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let request = get("/", Some(&visitor(&id)), "");
    let at = request.find("visitor=").unwrap_or(10) + 12;
    let mut web = t.connect(addr)?;
    web.send_with_pause(request.as_bytes(), at, Duration::from_millis(1500))?;
    expect_returning(&read_response(&mut web, "GET")?, 2)?;
    Ok(())
}

fn half_request_blocks_nobody(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let request = get("/", Some(&visitor(&id)), "");
    let mut slow = t.connect(addr)?;
    slow.send_unfinished(&request.as_bytes()[..request.len() / 2])?;
    t.note("while that request is half-arrived, another visitor comes");
    new_visitor(t, addr)?;
    slow.send_bytes(&request.as_bytes()[request.len() / 2..])?;
    expect_returning(&read_response(&mut slow, "GET")?, 2)?;
    Ok(())
}

fn half_closed_client(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let mut web = t.connect(addr)?;
    web.send_bytes(get("/", Some(&visitor(&id)), "").as_bytes())?;
    web.shutdown_write()?;
    expect_returning(&read_response(&mut web, "GET")?, 2)?;
    web.expect_closed()
}

fn reset_mid_request(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let url = format!("http://{addr}/");
    let agent = browser();
    let (s, body) = browse(t, "client A", &agent, &url)?;
    expect_visit_body(s, &body, 1)?;
    let mut rude = t.connect(addr)?;
    let request = get("/", None, "");
    rude.send_unfinished(&request.as_bytes()[..request.len() / 2])?;
    rude.reset();
    let mut rude = t.connect(addr)?;
    rude.send_bytes(request.as_bytes())?;
    rude.reset();
    t.note("the server goes on, and still remembers client A");
    let (s, body) = browse(t, "client A", &agent, &url)?;
    expect_visit_body(s, &body, 2)?;
    server.expect_running()?;
    server.expect_no_panic()
}

fn other_paths_and_methods(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let (_, id) = new_visitor(t, addr)?;
    let cookie = visitor(&id);
    let word = t.word();
    let mut web = t.connect(addr)?;
    web.send_bytes(get(&format!("/{word}"), Some(&cookie), "").as_bytes())?;
    read_response(&mut web, "GET")?.expect_status(404)?;
    web.send_bytes(get("/favicon.ico", Some(&cookie), "").as_bytes())?;
    read_response(&mut web, "GET")?.expect_status(404)?;
    let mut post = t.connect(addr)?;
    post.send_bytes(
        format!(
            "POST / HTTP/1.1\r\nHost: cookies.test\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{word}",
            word.len()
        )
        .as_bytes(),
    )?;
    let response = read_response(&mut post, "POST")?;
    response.expect_status(405)?;
    response.expect_header("Allow", "GET")?;
    ensure(
        response.closes(),
        "the POST announced a body, which the server does not read: it must say Connection: close",
    )?;
    post.expect_closed()?;
    let mut delete = t.connect(addr)?;
    delete.send_bytes(
        format!("DELETE / HTTP/1.1\r\nHost: cookies.test\r\nCookie: {cookie}\r\n\r\n").as_bytes(),
    )?;
    read_response(&mut delete, "DELETE")?.expect_status(405)?;
    t.note("none of those was a visit; a query string does not change the page");
    web.send_bytes(get(&format!("/?from={word}"), Some(&cookie), "").as_bytes())?;
    expect_returning(&read_response(&mut web, "GET")?, 2)?;
    Ok(())
}

fn head_too_large(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut big = t.connect(addr)?;
    t.note("a Cookie header of 9,000 bytes: the head is over 8 KiB");
    big.send_bytes(get("/", Some(&format!("visitor={}", "a".repeat(9000))), "").as_bytes())?;
    let response = read_response(&mut big, "GET")?;
    response.expect_status(431)?;
    big.expect_dropped()?;
    t.note("a short head with 70 header fields: more than the 64 accepted");
    let many: String = (0..70).map(|n| format!("X-Field-{n}: {n}\r\n")).collect();
    let mut fields = t.connect(addr)?;
    fields.send_bytes(get("/", None, &many).as_bytes())?;
    read_response(&mut fields, "GET")?.expect_status(431)?;
    fields.expect_dropped()?;
    new_visitor(t, addr)?;
    server.expect_running()?;
    server.expect_no_panic()
}

fn garbage_gets_400(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tls = t.connect(addr)?;
    t.note("a TLS ClientHello's first bytes: someone typed https:// for an http:// server");
    tls.send_bytes(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")?;
    read_response(&mut tls, "GET")?.expect_status(400)?;
    tls.expect_dropped()?;
    new_visitor(t, addr)?;
    server.expect_running()?;
    server.expect_no_panic()
}

fn idle_connection_closed(t: &mut Session) -> Outcome {
    let (mut server, addr) =
        t.start_server("server", &["server", "--port", "0", "--idle-timeout", "1"])?;
    let mut silent = t.connect(addr)?;
    let mut after = t.connect(addr)?;
    after.send_bytes(get("/", None, "").as_bytes())?;
    expect_first(&read_response(&mut after, "GET")?)?;
    t.note("neither connection says anything more: after 1 s the server closes both");
    silent.expect_closed()?;
    after.expect_closed()?;
    new_visitor(t, addr)?;
    server.expect_running()
}

fn max_visitors_enforced(t: &mut Session) -> Outcome {
    let (_server, addr) =
        t.start_server("server", &["server", "--port", "0", "--max-visitors", "2"])?;
    let (_, a) = new_visitor(t, addr)?;
    let (_, b) = new_visitor(t, addr)?;
    t.note("A comes back, then C arrives: the table is full, and B was seen least recently");
    expect_returning(
        &request_once(t, addr, get("/", Some(&visitor(&a)), "").as_bytes())?,
        2,
    )?;
    new_visitor(t, addr)?;
    t.note("A is still remembered");
    expect_returning(
        &request_once(t, addr, get("/", Some(&visitor(&a)), "").as_bytes())?,
        3,
    )?;
    t.note("B was forgotten: a first visit again, with a new cookie");
    let response = request_once(t, addr, get("/", Some(&visitor(&b)), "").as_bytes())?;
    expect_first(&response)?;
    Ok(())
}

fn server_listens_on_ipv6(t: &mut Session) -> Outcome {
    let (_server, addr) = t.start_server("server", &["server", "--host", "::1", "--port", "0"])?;
    let (_, id) = new_visitor(t, addr)?;
    let response = request_once(t, addr, get("/", Some(&visitor(&id)), "").as_bytes())?;
    expect_returning(&response, 2)?;
    Ok(())
}

fn logs_each_visit(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let (number, id) = new_visitor(t, addr)?;
    server.expect_stderr_containing(&format!("visitor {number}, visit 1"))?;
    request_once(t, addr, get("/", Some(&visitor(&id)), "").as_bytes())?;
    server.expect_stderr_containing(&format!("visitor {number}, visit 2"))?;
    Ok(())
}

fn stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let mut server = t.start("server", &["server", "--port", "0"])?;
    let line = server.expect_error_exit(Some(1))?;
    ensure(
        line.contains("stdout"),
        format!("the error line must say that stdout failed, but it says `{line}`"),
    )
}

fn stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let (mut server, addr) = server(t)?;
    let url = format!("http://{addr}/");
    let agent = browser();
    for visit in 1..=2 {
        let (s, body) = browse(t, "client A", &agent, &url)?;
        expect_visit_body(s, &body, visit)?;
    }
    let response = request_once(t, addr, get("/missing", None, "").as_bytes())?;
    response.expect_status(404)?;
    let (s, body) = browse(t, "client A", &agent, &url)?;
    expect_visit_body(s, &body, 3)?;
    server.expect_running()
}

fn curl_with_cookie_jar(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let url = format!("http://{addr}/");
    let args = ["-sS", "-c", "jar.txt", "-b", "jar.txt", url.as_str()];
    let mut curl = t.start_tool("curl", "curl", &args, "apt-get install curl")?;
    curl.expect_line_matching(
        "welcome, visitor [0-9]+: this is your first visit",
        "the first visit's page",
    )?;
    curl.expect_success()?;
    let jar = std::fs::read_to_string(t.dir().join("jar.txt")).unwrap_or_default();
    ensure(
        jar.lines()
            .any(|line| line.starts_with("#HttpOnly_") && line.contains("\tvisitor\t")),
        format!("curl's jar must hold an HttpOnly cookie named visitor, but it holds:\n{jar}"),
    )?;
    let mut curl = t.start_tool("curl", "curl", &args, "apt-get install curl")?;
    curl.expect_line_matching(
        "welcome back, visitor [0-9]+: this is visit 2",
        "the second visit's page",
    )?;
    curl.expect_success()
}

fn first_visit_and_return_on_the_wire(t: &mut Session) -> Outcome {
    t.normalise("[0-9a-f]{32}", "<id>")?;
    let (_server, addr) = server(t)?;
    let mut web = t.connect(addr)?;
    web.send_bytes(get("/", None, "").as_bytes())?;
    let (_, id) = expect_first(&read_response(&mut web, "GET")?)?;
    web.send_bytes(get("/", Some(&visitor(&id)), "").as_bytes())?;
    expect_returning(&read_response(&mut web, "GET")?, 2)?;
    t.snapshot("wire")
}
