//! Grades ch1-6, fetching a page with an HTTP client library: the body is saved only
//! for `200 OK`, byte for byte, under the right name, and a failed fetch never leaves a
//! file behind (nor spoils the one that was there).
//!
//! The program runs in the case's own folder, so relative file names land there and the
//! test can list everything the program left.

use ch1::http::{HttpServer, RawReply, RawServer, Reply};
use harness::prelude::*;
use std::path::Path;
use std::process::ExitCode;

/// The program's exit status for every failure.
const FAILURE_STATUS: i32 = 1;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("a 200 OK page is saved whole to the file given with --output", saves_ok_page)
            .hint("Fetch the URL with ureq, check the status is 200, copy the whole body into the file, then print \
                   `saved N bytes to FILE` (N = the number of bytes written) and exit with status 0."),
        Case::new("the program sends a GET for the URL's path with a Host header", sends_proper_get)
            .hint("Let the library build the request: `agent.get(url).call()` sends `GET /path?query HTTP/1.1` \
                   with the `Host` header that HTTP/1.1 requires."),
        Case::new("without --output the file is named after the last segment of the URL's path", default_name_from_url)
            .hint("Take the path of the URL (without its `?query`) and keep what follows its last `/`: \
                   `http://host/docs/page.html?x=1` is saved as `page.html`."),
        Case::new("a URL whose path ends in / is saved as index.html", default_name_is_index)
            .hint("When nothing follows the last `/` of the path (`http://host/` or `http://host/docs/`), there \
                   is no name in the URL: save as `index.html`."),
        Case::new("a 404 Not Found is an error: exit status 1 and no file", not_found_is_an_error)
            .hint("A 404 page has a body too, but it is not the page you asked for. Configure the agent with \
                   `http_status_as_error(false)`, check `response.status()` before creating any file, and for \
                   anything but 200 print `error: HTTP 404 Not Found from URL` and exit with status 1."),
        Case::new("a 500 Internal Server Error is an error: exit status 1 and no file", server_error_is_an_error)
            .hint("Check the status before touching the disk: only 200 OK is saved. Report the status in the \
                   error line (`error: HTTP 500 Internal Server Error from URL`) and exit with status 1."),
        Case::new("a success status other than 200 (206 Partial Content) is not saved", partial_content_is_an_error)
            .hint("`200 OK` is the only status that means \"here is the whole page\". A test such as \
                   `is_success()` (or Python's `r.ok`, which is true for anything below 400) lets a 206 \
                   Partial Content through: compare with StatusCode::OK."),
        Case::new("a failed fetch leaves an existing file untouched", failure_keeps_existing_file)
            .hint("Opening the target for writing empties it at once. Fetch and check the status first, write \
                   the body to a temporary file beside the target, and rename it over the target only when the \
                   whole body has arrived."),
        Case::new("a body cut off mid-way is an error and leaves no file, not even a temporary one", cut_body_leaves_nothing)
            .hint("The server announced more bytes than it sent and hung up: reading the body fails. Write to a \
                   temporary file, delete it on any error (a Drop guard does it for every `?`), and rename it \
                   into place only after the last byte. Exit with status 1."),
        Case::new("a refused connection gives one error line and exit status 1", refused_is_an_error)
            .hint("Nobody listens on that port: `call()` returns an Err. Print it as one `error: …` line (with \
                   anyhow context naming the URL) and exit with status 1: no unwrap, no panic."),
        Case::new("a server that never answers fails the fetch after --timeout seconds", silent_server_times_out)
            .hint("Without a timeout the program waits forever for a server that accepted the connection but \
                   says nothing. Give the agent per-wait limits from --timeout (timeout_connect, \
                   timeout_per_read…), then report the timeout as an error."),
        Case::new("the --timeout bounds each wait for data, not the whole download", slow_but_steady_body)
            .hint("A page that keeps coming, piece by piece, may take longer than --timeout in all: the timeout \
                   limits each wait (resolving, connecting, each read), not the whole transfer."),
        Case::new("a large body (1 MB) is saved whole", saves_large_body)
            .hint("Stream the body reader into the file with io::copy: one read() returns only part of a body, \
                   and ureq's read_to_vec/read_to_string refuse bodies over 10 MB."),
        Case::new("a chunked body is saved whole, without the chunk framing", saves_chunked_body)
            .hint("With `Transfer-Encoding: chunked` the body arrives as size-prefixed pieces. The library's body \
                   reader removes that framing: save what it yields, not the raw bytes of the socket."),
        Case::new("bytes that are not UTF-8 are saved exactly as they came", saves_bytes_not_text)
            .hint("A page is bytes, not text: decoding it (read_to_string, or Python's `r.text`) changes bytes \
                   that are not valid UTF-8. Stream the body's bytes to the file unchanged."),
        Case::new("a 302 redirect is followed and the page it points to is saved", follows_redirect)
            .hint("ureq follows redirects by default (up to 10): do not set max_redirects(0). The status to check \
                   is the final one."),
        Case::new("a redirect that ends in a 404 is an error naming the status", redirect_to_missing_page)
            .hint("After following the redirect the final status is 404: that is an error like any other \
                   non-200 status, and no file is written."),
        Case::new("a successful fetch replaces an existing file", success_replaces_existing_file)
            .hint("fs::rename over an existing file replaces it in one step: the new page takes the old \
                   one's place."),
        Case::new("an https URL (no TLS in this build), a malformed URL or an unknown host gives one error line", bad_urls_are_errors)
            .hint("The library returns an Err for a URL it cannot fetch: report it as one `error: …` line and exit \
                   with status 1. Never unwrap the result of parsing or calling."),
        Case::new("a --timeout of 0 is a usage error: exit status 2", bad_usage)
            .hint("The command line is given: keep Cli::parse() and parse_seconds, which refuse a timeout that \
                   is not more than 0 (clap exits with status 2)."),
        Case::new("an answer that arrives in many pieces, its head cut mid-line, is saved whole", answer_in_pieces)
            .hint("The server's answer reaches the program in as many reads as the network likes, the status \
                   line and the headers cut anywhere. Let ureq parse the head, and copy the body with io::copy, \
                   which reads until the body's end, not once."),
        Case::new("a body that ends when the server shuts down its sending side is saved whole", close_ends_body)
            .hint("An answer with neither Content-Length nor chunks ends when the server closes its side of the \
                   connection: that end of stream is the end of the page. Save what the body reader yields up \
                   to it; do not insist on a Content-Length."),
        Case::new("a connection reset in the middle of the body is an error and leaves no file", reset_mid_body)
            .hint("A reset is not the end of the body: it means the connection broke. Reading the body then \
                   returns an error; pass it on (io::copy and `?` do), never stop reading quietly at the first \
                   error, and remove the temporary file."),
        Case::new("an IPv6 URL, http://[::1]:PORT/…, is fetched and named after its path", fetches_ipv6_url)
            .hint("Give the URL to the library as it is: it understands the brackets of an IPv6 address. Do not \
                   restrict the agent to IPv4 (ip_family), and take the file name from the parsed URL's path, \
                   not by splitting the text at `:`."),
        Case::new("a host name whose first address refuses: the next address is tried", tries_every_address)
            .hint("A name can resolve to several addresses (`localhost` to ::1, then 127.0.0.1), and a server \
                   may listen on one only. ureq tries each address in turn; if you resolve the name yourself, \
                   connect to each address until one answers, not just the first."),
        Case::new("a 32 MB body is saved whole, and streamed: the program never holds it in memory", streams_large_body)
            .hint("Copy the body reader into the temporary file with io::copy, a buffer at a time: reading the \
                   whole body into a Vec first holds all of it in memory, and a page can be larger than the \
                   memory there is."),
        Case::new("--output naming a symbolic link replaces the file it points to, and the link stays", output_through_symlink)
            .hint("rename() over a symbolic link replaces the link itself: the file it points to keeps its old \
                   content and the link becomes a plain file. Follow the link first (fs::read_link, relative to \
                   the link's folder), then write the temporary file beside that file and rename it over that \
                   file."),
        Case::new("--output on another file system is saved there: the temporary file goes beside the target", output_on_other_filesystem)
            .hint("rename() cannot move a file from one file system to another (it fails with EXDEV, \
                   `Invalid cross-device link`). Create the temporary file in the target's own folder, never \
                   in /tmp or std::env::temp_dir(): then the rename is always one atomic step."),
        Case::new("with stdout closed the page is still saved, and the program exits with status 1 naming stdout", stdout_closed)
            .hint("println! panics when stdout is gone (a closed pipe: `ch1-6 URL | true`). Write the `saved` \
                   line with writeln! on io::stdout(), flush it, and turn a failure into the error `cannot \
                   write to stdout: …` (exit status 1): the page is saved, but nobody heard it."),
        Case::new("with stderr closed a failed fetch still exits with status 1, without a panic", stderr_closed)
            .hint("eprintln! panics when stderr is gone, and the exit status becomes 101. Write the error line \
                   with writeln! on io::stderr() and ignore its failure: the status 1 is all that can be said \
                   then."),
        Case::new("a typical fetch: one GET, a 200 answer and the saved file", typical_fetch),
    ])
}

/// A varied little HTML page.
fn page(t: &mut Session) -> Vec<u8> {
    let (title, text) = (t.word(), t.sentence(4));
    format!("<html><head><title>{title}</title></head>\n<body><p>{text}</p></body></html>\n")
        .into_bytes()
}

/// Starts the test's web server with `routes` and notes what it serves.
fn web_server(t: &mut Session, routes: Vec<(&str, Reply)>) -> Outcome<HttpServer> {
    for (path, reply) in &routes {
        let what = match reply {
            Reply::Page { status, body } => format!("status {status}, {} bytes", body.len()),
            Reply::Chunked { body } => format!("status 200, {} bytes in chunks", body.len()),
            Reply::Redirect { status, location } => format!("a {status} redirect to {location}"),
        };
        t.note(&format!("the test's web server answers GET {path}: {what}"));
    }
    Ok(HttpServer::start(routes)?)
}

/// Runs `ch1-6 ARGS` in the case's folder.
fn fetch(t: &mut Session, args: &[&str]) -> Outcome<Program> {
    t.start("ch1-6", args)
}

/// Waits for `saved N bytes to FILE` and a clean exit.
fn expect_saved(program: &mut Program, bytes: usize, file: &str) -> Outcome {
    program.expect_line(&format!("saved {bytes} bytes to {file}"))?;
    program.expect_success()
}

/// Waits for the program to fail properly (the harness's error exit, with status 1),
/// and beyond that: its `error: …` line mentions `naming`, and nothing is on stdout.
fn expect_failure(program: &mut Program, naming: &str) -> Outcome {
    let line = program.expect_error_exit(Some(FAILURE_STATUS))?;
    ensure(
        line.contains(naming),
        format!("the error line must mention `{naming}`, but it was {line:?}"),
    )?;
    match program.read_line() {
        Ok(line) => Err(Failure::mismatch(
            "a failed fetch must print nothing on stdout",
            "(nothing)",
            line,
        )),
        Err(_) => Ok(()),
    }
}

/// Waits for the program to fail on a body the server cut off mid-way. A success means
/// it never read the body to its end, where the library reports the cut.
fn expect_cut_failure(program: &mut Program) -> Outcome {
    let status = program.expect_exit()?;
    ensure(
        !status.success(),
        "the program exited with status 0 although the body was cut off mid-way: it did not read the \
         body to its end (reading to the end fails when the server hangs up early), or it ignored that \
         error; copy the whole body with io::copy, which reads until the end and returns the error",
    )?;
    expect_failure(program, "error:")
}

/// Every file name in the case's folder, hidden ones too, sorted.
fn files_left(t: &Session) -> Outcome<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(t.dir())? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Checks the folder holds exactly `expected` (no temporary debris, no unwanted file).
fn expect_files(t: &mut Session, expected: &[&str]) -> Outcome {
    let found = files_left(t)?;
    t.note(&format!("files in the folder: {found:?}"));
    if found == expected {
        return Ok(());
    }
    let extra: Vec<&String> = found
        .iter()
        .filter(|name| !expected.contains(&name.as_str()))
        .collect();
    let summary = if extra.is_empty() {
        "the program's folder lacks a file it should hold".to_string()
    } else {
        format!(
            "the program left {extra:?} in its folder: a failed fetch must leave no file behind, not even \
             half a page or a temporary file (write to a temporary file, and remove it on every error)"
        )
    };
    Err(Failure::mismatch(
        summary,
        format!("{expected:?}"),
        format!("{found:?}"),
    ))
}

/// Checks file `name` holds exactly `expected`.
fn expect_content(t: &Session, name: &str, expected: &[u8]) -> Outcome {
    expect_holding(t, name, expected, "the body the server sent")
}

/// Checks file `name` holds exactly `expected`, which is `what` in words.
fn expect_holding(t: &Session, name: &str, expected: &[u8], what: &str) -> Outcome {
    let path = t.dir().join(name);
    let found =
        std::fs::read(&path).map_err(|e| Failure::new(format!("could not read {name}: {e}")))?;
    if found == expected {
        return Ok(());
    }
    let first_difference = found
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(found.len().min(expected.len()));
    Err(Failure::mismatch(
        format!(
            "{name} does not hold exactly {what} (first difference at byte {first_difference})"
        ),
        format!("{} bytes", expected.len()),
        format!("{} bytes", found.len()),
    ))
}

fn saves_ok_page(t: &mut Session) -> Outcome {
    let body = page(t);
    let server = web_server(t, vec![("/page.html", Reply::ok(body.clone()))])?;
    let name = format!("{}.html", t.word());
    let mut program = fetch(t, &[&server.url("/page.html"), "--output", &name])?;
    expect_saved(&mut program, body.len(), &name)?;
    expect_content(t, &name, &body)?;
    expect_files(t, &[&name])
}

fn sends_proper_get(t: &mut Session) -> Outcome {
    let body = page(t);
    let path = format!("/{}/{}.html", t.word(), t.word());
    let server = web_server(t, vec![(&path, Reply::ok(body.clone()))])?;
    let query = format!("?q={}", t.word());
    let mut program = fetch(
        t,
        &[&server.url(&format!("{path}{query}")), "-o", "page.html"],
    )?;
    expect_saved(&mut program, body.len(), "page.html")?;
    let requests = server.requests();
    let [request] = requests.as_slice() else {
        return Err(Failure::new(format!(
            "the program should make exactly one request, but the server got {}: {requests:?}",
            requests.len()
        )));
    };
    ensure(
        request.method == "GET" && request.path == format!("{path}{query}"),
        format!(
            "expected `GET {path}{query}`, but the server got `{} {}`",
            request.method, request.path
        ),
    )?;
    let host = server.addr().to_string();
    match request.header("Host") {
        Some(sent) if sent == host => Ok(()),
        sent => Err(Failure::mismatch(
            "an HTTP/1.1 request must name the server in its Host header",
            format!("Host: {host}"),
            format!("{sent:?}"),
        )),
    }
}

fn default_name_from_url(t: &mut Session) -> Outcome {
    let body = page(t);
    let name = format!("{}.html", t.word());
    let path = format!("/{}/{name}", t.word());
    let server = web_server(t, vec![(&path, Reply::ok(body.clone()))])?;
    let url = server.url(&format!("{path}?lang={}", t.word()));
    let mut program = fetch(t, &[&url])?;
    expect_saved(&mut program, body.len(), &name)?;
    expect_content(t, &name, &body)?;
    expect_files(t, &[&name])
}

fn default_name_is_index(t: &mut Session) -> Outcome {
    let (root, folder) = (page(t), page(t));
    let folder_path = format!("/{}/", t.word());
    let server = web_server(
        t,
        vec![
            ("/", Reply::ok(root.clone())),
            (&folder_path, Reply::ok(folder.clone())),
        ],
    )?;
    let mut program = fetch(t, &[&server.url("/")])?;
    expect_saved(&mut program, root.len(), "index.html")?;
    expect_content(t, "index.html", &root)?;
    std::fs::remove_file(t.dir().join("index.html"))?;
    let mut program = fetch(t, &[&server.url(&folder_path)])?;
    expect_saved(&mut program, folder.len(), "index.html")?;
    expect_content(t, "index.html", &folder)
}

/// Fetches a page the server answers with `status`, and checks the failure.
fn status_is_an_error(t: &mut Session, status: u16, naming: &str) -> Outcome {
    let body = page(t);
    let path = format!("/{}.html", t.word());
    let server = web_server(t, vec![(&path, Reply::status(status, body))])?;
    let mut program = fetch(t, &[&server.url(&path), "--output", "page.html"])?;
    expect_failure(&mut program, naming)?;
    expect_files(t, &[])
}

fn not_found_is_an_error(t: &mut Session) -> Outcome {
    status_is_an_error(t, 404, "404")
}

fn server_error_is_an_error(t: &mut Session) -> Outcome {
    status_is_an_error(t, 500, "500")
}

fn partial_content_is_an_error(t: &mut Session) -> Outcome {
    status_is_an_error(t, 206, "206")
}

fn failure_keeps_existing_file(t: &mut Session) -> Outcome {
    let old = page(t);
    std::fs::write(t.dir().join("keep.html"), &old)?;
    t.note("keep.html exists already; a 404 must not touch it");
    let server = web_server(t, vec![])?;
    let mut program = fetch(t, &[&server.url("/missing.html"), "--output", "keep.html"])?;
    expect_failure(&mut program, "404")?;
    expect_holding(t, "keep.html", &old, "what it held before the failed fetch")?;
    t.note("neither must a download that breaks off");
    let body = page(t);
    let cut = RawServer::start(RawReply::Cut {
        declared: body.len() * 2,
        body,
    })?;
    let mut program = fetch(t, &[&cut.url("/keep.html"), "--output", "keep.html"])?;
    expect_cut_failure(&mut program)?;
    expect_holding(
        t,
        "keep.html",
        &old,
        "what it held before the fetch that broke off (a download must go to a temporary file, renamed \
         over the target only once complete)",
    )?;
    expect_files(t, &["keep.html"])
}

fn cut_body_leaves_nothing(t: &mut Session) -> Outcome {
    let mut body = page(t);
    body.extend(page(t));
    let declared = body.len() * 3;
    t.note(&format!(
        "the server announces Content-Length: {declared}, sends {} bytes and hangs up",
        body.len()
    ));
    let cut = RawServer::start(RawReply::Cut { declared, body })?;
    let mut program = fetch(t, &[&cut.url("/page.html")])?;
    expect_cut_failure(&mut program)?;
    expect_files(t, &[])
}

fn refused_is_an_error(t: &mut Session) -> Outcome {
    let refused = t.refused_addr()?;
    let url = format!("http://{refused}/page.html");
    let mut program = fetch(t, &[&url])?;
    expect_failure(&mut program, "error:")?;
    expect_files(t, &[])
}

fn silent_server_times_out(t: &mut Session) -> Outcome {
    let silent = RawServer::start(RawReply::Silent)?;
    t.note("the server accepts the connection and never answers");
    let mut program = fetch(t, &[&silent.url("/page.html"), "--timeout", "0.3"])?;
    expect_failure(&mut program, "error:")?;
    expect_files(t, &[])
}

fn slow_but_steady_body(t: &mut Session) -> Outcome {
    let body: Vec<u8> = (0..4).flat_map(|_| page(t)).collect();
    t.note("the server sends the body in 5 pieces, 250 ms apart: longer than --timeout 1 in all");
    // The whole body takes 1.25 s: the wait for the saved line needs more than the default.
    t.set_deadline(Duration::from_secs(5));
    let slow = RawServer::start(RawReply::Slow {
        body: body.clone(),
        pieces: 5,
        pause: Duration::from_millis(250),
    })?;
    let mut program = fetch(
        t,
        &[&slow.url("/slow.html"), "--timeout", "1", "-o", "slow.html"],
    )?;
    expect_saved(&mut program, body.len(), "slow.html")?;
    expect_content(t, "slow.html", &body)
}

fn saves_large_body(t: &mut Session) -> Outcome {
    let line = page(t);
    let body: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(1_000_000)
        .enumerate()
        .map(|(i, b)| if i % 4096 == 0 { b'\n' } else { b })
        .collect();
    let server = web_server(t, vec![("/big.html", Reply::ok(body.clone()))])?;
    let mut program = fetch(t, &[&server.url("/big.html")])?;
    expect_saved(&mut program, body.len(), "big.html")?;
    expect_content(t, "big.html", &body)
}

fn saves_chunked_body(t: &mut Session) -> Outcome {
    let body: Vec<u8> = (0..2000).flat_map(|_| page(t)).collect();
    let server = web_server(t, vec![("/chunked.html", Reply::chunked(body.clone()))])?;
    let mut program = fetch(t, &[&server.url("/chunked.html")])?;
    expect_saved(&mut program, body.len(), "chunked.html")?;
    expect_content(t, "chunked.html", &body)
}

fn saves_bytes_not_text(t: &mut Session) -> Outcome {
    let mut body = page(t);
    body.extend_from_slice(b"\xff\xfe\x00\x01\r\n\xc3\x28 latin-1: caf\xe9\r\n");
    body.extend(page(t));
    let server = web_server(t, vec![("/data.bin", Reply::ok(body.clone()))])?;
    let mut program = fetch(t, &[&server.url("/data.bin")])?;
    expect_saved(&mut program, body.len(), "data.bin")?;
    expect_content(t, "data.bin", &body)
}

fn follows_redirect(t: &mut Session) -> Outcome {
    let body = page(t);
    let (old, new) = (format!("/{}.html", t.word()), format!("/{}.html", t.word()));
    let server = web_server(
        t,
        vec![
            (&old, Reply::redirect(302, new.clone())),
            (&new, Reply::ok(body.clone())),
        ],
    )?;
    let mut program = fetch(t, &[&server.url(&old), "--output", "page.html"])?;
    expect_saved(&mut program, body.len(), "page.html")?;
    expect_content(t, "page.html", &body)?;
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    ensure(
        paths == [old.clone(), new.clone()],
        format!(
            "the program should have asked for {old} and then {new}, but it asked for {paths:?}"
        ),
    )
}

fn redirect_to_missing_page(t: &mut Session) -> Outcome {
    let old = format!("/{}.html", t.word());
    let server = web_server(t, vec![(&old, Reply::redirect(302, "/gone.html"))])?;
    let mut program = fetch(t, &[&server.url(&old), "--output", "page.html"])?;
    expect_failure(&mut program, "404")?;
    expect_files(t, &[])
}

fn success_replaces_existing_file(t: &mut Session) -> Outcome {
    let (old, new) = (page(t), page(t));
    std::fs::write(t.dir().join("page.html"), &old)?;
    let server = web_server(t, vec![("/page.html", Reply::ok(new.clone()))])?;
    let mut program = fetch(t, &[&server.url("/page.html")])?;
    expect_saved(&mut program, new.len(), "page.html")?;
    expect_content(t, "page.html", &new)?;
    expect_files(t, &["page.html"])
}

fn bad_urls_are_errors(t: &mut Session) -> Outcome {
    let body = page(t);
    let server = web_server(t, vec![("/page.html", Reply::ok(body))])?;
    let https = format!("https://{}/page.html", server.addr());
    let mut program = fetch(t, &[&https])?;
    expect_failure(&mut program, "error:")?;
    let mut program = fetch(t, &["not a url", "--output", "page.html"])?;
    expect_failure(&mut program, "error:")?;
    t.note("a host name that can never resolve");
    let mut program = fetch(t, &["http://nonexistent.invalid/page.html"])?;
    expect_failure(&mut program, "error:")?;
    expect_files(t, &[])
}

fn bad_usage(t: &mut Session) -> Outcome {
    let mut program = fetch(t, &["http://127.0.0.1/page.html", "--timeout", "0"])?;
    let status = program.expect_exit()?;
    ensure(
        status.code() == Some(2),
        format!(
            "--timeout 0 is a usage error: the program must exit with status 2 (clap's own), but it {}",
            harness::program::describe_exit(status)
        ),
    )?;
    expect_files(t, &[])
}

fn typical_fetch(t: &mut Session) -> Outcome {
    let body = page(t);
    let path = format!("/{}.html", t.word());
    let server = web_server(t, vec![(&path, Reply::ok(body.clone()))])?;
    let mut program = fetch(t, &[&server.url(&path)])?;
    let name = &path[1..];
    expect_saved(&mut program, body.len(), name)?;
    for request in server.requests() {
        let host = request.header("Host").unwrap_or("(none)").to_string();
        t.note(&format!(
            "the server got: {} {} with Host: {host}",
            request.method, request.path
        ));
    }
    expect_content(t, name, &body)?;
    expect_files(t, &[name])?;
    t.normalise(r"\b\d+ bytes", "<n> bytes")?;
    t.snapshot("fetch")
}

/// Accepts the program's connection on `listener` and reads its request head up to the
/// empty line that ends it: here the test plays the web server by hand.
fn accept_request(listener: &mut StreamListener) -> Outcome<StreamPeer> {
    let mut server = listener.accept()?;
    let request = server.read_line()?;
    ensure(
        request.starts_with("GET "),
        format!("the program's request must start with `GET `, but it was {request:?}"),
    )?;
    loop {
        // read_line shows a CR as `\r`: the head's lines end in CR LF.
        let line = server.read_line()?;
        if line.is_empty() || line == "\\r" {
            return Ok(server);
        }
    }
}

/// Sends a `200 OK` head line by line, each ended by CR LF as in every HTTP answer. With
/// `length` the body is framed by `Content-Length`; without, it ends when the server
/// closes (`Connection: close`).
fn send_ok_head(server: &mut StreamPeer, length: Option<u64>) -> Outcome {
    server.send_line_crlf("HTTP/1.1 200 OK")?;
    server.send_line_crlf("Content-Type: application/octet-stream")?;
    match length {
        Some(length) => server.send_line_crlf(&format!("Content-Length: {length}"))?,
        None => server.send_line_crlf("Connection: close")?,
    }
    server.send_line_crlf("")
}

/// The test's listener and the URL of a page on it (`http://127.0.0.1:PORT/NAME`).
fn hand_server(t: &mut Session, name: &str) -> Outcome<(StreamListener, String)> {
    let listener = t.listen()?;
    let url = format!("http://{}/{name}", listener.addr()?);
    Ok((listener, url))
}

fn answer_in_pieces(t: &mut Session) -> Outcome {
    let body: Vec<u8> = (0..3).flat_map(|_| page(t)).collect();
    let (mut listener, url) = hand_server(t, "page.html")?;
    let mut program = fetch(t, &[&url, "--output", "saved.html"])?;
    let mut server = accept_request(&mut listener)?;
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    let cuts = t.cuts(answer.len(), 12);
    server.send_in_pieces(&answer, &cuts)?;
    expect_saved(&mut program, body.len(), "saved.html")?;
    expect_content(t, "saved.html", &body)?;
    expect_files(t, &["saved.html"])
}

fn close_ends_body(t: &mut Session) -> Outcome {
    let body: Vec<u8> = (0..3).flat_map(|_| page(t)).collect();
    let (mut listener, url) = hand_server(t, "page.html")?;
    let mut program = fetch(t, &[&url])?;
    let mut server = accept_request(&mut listener)?;
    t.note("no Content-Length and no chunks: the body ends when the server closes its side");
    send_ok_head(&mut server, None)?;
    server.send_bytes(&body)?;
    server.shutdown_write()?;
    expect_saved(&mut program, body.len(), "page.html")?;
    expect_content(t, "page.html", &body)?;
    expect_files(t, &["page.html"])
}

fn reset_mid_body(t: &mut Session) -> Outcome {
    let body: Vec<u8> = (0..3).flat_map(|_| page(t)).collect();
    let (mut listener, url) = hand_server(t, "page.html")?;
    let mut program = fetch(t, &[&url])?;
    let mut server = accept_request(&mut listener)?;
    t.note("the server announces the body's length, sends half of it and resets the connection");
    send_ok_head(&mut server, Some(body.len() as u64))?;
    server.send_bytes(&body[..body.len() / 2])?;
    server.reset();
    let status = program.expect_exit()?;
    ensure(
        !status.success(),
        "the program exited with status 0 although the connection was reset in the middle of the body: \
         a reset is not the end of the body, it is an error; reading the body returned it, and the \
         program ignored it",
    )?;
    expect_failure(&mut program, "error:")?;
    expect_files(t, &[])
}

/// Serves `body` (framed by Content-Length) to the program's one request on `listener`.
fn serve_once(listener: &mut StreamListener, body: &[u8]) -> Outcome<StreamPeer> {
    let mut server = accept_request(listener)?;
    send_ok_head(&mut server, Some(body.len() as u64))?;
    server.send_bytes(body)?;
    Ok(server)
}

fn fetches_ipv6_url(t: &mut Session) -> Outcome {
    let body = page(t);
    let mut listener = t.listen_v6()?;
    let name = format!("{}.html", t.word());
    let url = format!("http://[::1]:{}/{name}", listener.addr()?.port());
    let mut program = fetch(t, &[&url])?;
    let _server = serve_once(&mut listener, &body)?;
    expect_saved(&mut program, body.len(), &name)?;
    expect_content(t, &name, &body)?;
    expect_files(t, &[&name])
}

fn tries_every_address(t: &mut Session) -> Outcome {
    let body = page(t);
    let (mut listener, host) = t.listen_behind_refusing_address()?;
    let url = format!("http://{host}:{}/page.html", listener.addr()?.port());
    let mut program = fetch(t, &[&url])?;
    let _server = serve_once(&mut listener, &body)?;
    expect_saved(&mut program, body.len(), "page.html")?;
    expect_content(t, "page.html", &body)
}

fn streams_large_body(t: &mut Session) -> Outcome {
    // The file goes to a folder in memory (tmpfs): the case measures the network and
    // the program's memory, not how fast this machine's disk flushes the body. 32 MB
    // fits a container's default /dev/shm (64 MiB) with room to spare.
    let folder = t.other_filesystem_dir()?;
    let target = folder.join("big.bin").to_string_lossy().into_owned();
    // Saving 32 MB may take a while on a busy machine.
    t.set_deadline(Duration::from_secs(20));
    let body = t.bulk(32 * MB);
    let (mut listener, url) = hand_server(t, "big.bin")?;
    let mut program = fetch(t, &[&url, "--output", &target])?;
    let mut server = accept_request(&mut listener)?;
    send_ok_head(&mut server, Some(body.len()))?;
    server.send_bulk(&body)?;
    program.expect_line(&format!("saved {} bytes to {target}", body.len()))?;
    program.expect_peak_memory_below(16 * MB, "half the 32 MB body")?;
    program.expect_success()?;
    body.expect_file(Path::new(&target))?;
    expect_files(t, &[])
}

fn output_through_symlink(t: &mut Session) -> Outcome {
    let (old, new) = (page(t), page(t));
    std::fs::create_dir(t.dir().join("pages"))?;
    std::fs::write(t.dir().join("pages/real.html"), &old)?;
    t.symlink("pages/real.html", "link.html")?;
    let server = web_server(t, vec![("/page.html", Reply::ok(new.clone()))])?;
    let mut program = fetch(t, &[&server.url("/page.html"), "--output", "link.html"])?;
    expect_saved(&mut program, new.len(), "link.html")?;
    let link = std::fs::symlink_metadata(t.dir().join("link.html"))?;
    ensure(
        link.file_type().is_symlink(),
        "link.html is no longer a symbolic link: the program renamed its file over the link, which \
         replaces the link itself, and pages/real.html kept its old content",
    )?;
    expect_holding(
        t,
        "pages/real.html",
        &new,
        "the new page (the file the link points to is the one replaced)",
    )?;
    expect_files(t, &["link.html", "pages"])?;
    let mut left: Vec<String> = std::fs::read_dir(t.dir().join("pages"))?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    left.sort();
    check_match(
        &left.join(" "),
        "real.html",
        "only real.html in pages/, no temporary file",
    )
}

fn output_on_other_filesystem(t: &mut Session) -> Outcome {
    let body = page(t);
    let elsewhere = t.other_filesystem_dir()?;
    let target = elsewhere.join("page.html");
    let target = target.to_string_lossy().into_owned();
    let server = web_server(t, vec![("/page.html", Reply::ok(body.clone()))])?;
    let mut program = fetch(t, &[&server.url("/page.html"), "--output", &target])?;
    expect_saved(&mut program, body.len(), &target)?;
    expect_content(t, &target, &body)?;
    let left: Vec<String> = std::fs::read_dir(&elsewhere)?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    check_match(
        &left.join(" "),
        "page.html",
        "only page.html in the target's folder",
    )?;
    expect_files(t, &[])
}

fn stdout_closed(t: &mut Session) -> Outcome {
    let body = page(t);
    let server = web_server(t, vec![("/page.html", Reply::ok(body.clone()))])?;
    t.set_stdout(Output::Closed);
    let mut program = fetch(t, &[&server.url("/page.html")])?;
    program.expect_error_exit_naming(FAILURE_STATUS, "stdout")?;
    expect_content(t, "page.html", &body)?;
    expect_files(t, &["page.html"])
}

fn stderr_closed(t: &mut Session) -> Outcome {
    let server = web_server(t, vec![])?;
    t.set_stderr(Output::Closed);
    let mut program = fetch(t, &[&server.url("/missing.html")])?;
    program.expect_exit_code(
        FAILURE_STATUS,
        "a 404 is a failed fetch, whether or not anyone reads the error line",
    )?;
    expect_files(t, &[])
}
