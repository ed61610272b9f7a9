//! Grades ch1-1, the gopher client: it sends the selector and CR LF, and prints every
//! byte of the reply, however the network splits it, until the server closes.
//!
//! The client runs against the gopher server fixture (`ch1::gopher`), which serves a
//! menu and files made of varied words and records the request it received.

use ch1::gopher::{Delivery, GopherServer, Request, Site};
use harness::prelude::*;
use harness::transcript::escape;
use std::process::ExitCode;

/// How long the gopher server waits for the client's request.
const REQUEST_DEADLINE: Duration = Duration::from_secs(2);

/// The size of the big file: far more than one read, or one socket buffer, holds.
const BIG_FILE: usize = 200 * 1024;

fn main() -> ExitCode {
    harness::run(env!("CARGO_MANIFEST_DIR"), "ch1-1", &[
        Case::new("the client asks for the root menu with an empty selector: just CR LF", asks_for_root_menu)
            .hint("With no SELECTOR argument the selector is empty, and the request is only \"\\r\\n\". Send it \
                   with one write_all of the whole request."),
        Case::new("the client sends the selector followed by CR LF, and nothing else", sends_selector_and_crlf)
            .hint("A gopher request is the selector and \"\\r\\n\" (CR LF, not just \\n). Build the whole \
                   request, format!(\"{selector}\\r\\n\"), and send it with one write_all."),
        Case::new("the client prints the root menu, unchanged, and exits with status 0", prints_root_menu)
            .hint("Copy the reply's bytes to stdout as they are (keep the \\r\\n and the final `.` line), then \
                   exit with status 0 once the server has closed the connection."),
        Case::new("the client prints a text file named by its selector", prints_text_file)
            .hint("Send the SELECTOR argument as the request, then print the reply as it is."),
        Case::new("a reply that arrives in many pieces is printed whole", prints_reply_sent_in_pieces)
            .hint("The classic bug: printing what the first read returned and stopping. TCP delivers a byte \
                   stream: one reply may take many reads. Keep reading until read returns 0 (the server has \
                   closed the connection), or let io::copy do that loop."),
        Case::new("a 200 KB reply arrives whole", prints_big_reply)
            .hint("A big reply never fits in one read. Read until read returns 0 and write each piece to \
                   stdout as it comes (io::copy does both), rather than one read into a fixed buffer."),
        Case::new("a binary file is copied byte for byte", copies_binary_file)
            .hint("Not every reply is text: copy bytes, not strings. Reading into a String fails on bytes that \
                   are not UTF-8, and printing line by line changes the line ends. Write exactly what read \
                   returned (write_all on stdout)."),
        Case::new("the client takes a host name, not only an IP address", accepts_host_name)
            .hint("HOST may be a name such as localhost. TcpStream::connect((host, port)) resolves it and tries \
                   each address; parsing \"{host}:{port}\" as a SocketAddr works only for IP addresses."),
        Case::new("a client that cannot connect prints one error line and exits non-zero", reports_refused_connection)
            .hint("Connecting to a port where nobody listens fails with `connection refused`: print one \
                   `error: …` line on stderr and exit non-zero (return an error from main), without a panic."),
        Case::new("the client fetches the root menu, then a file it lists", fetches_menu_then_file),
    ])
}

/// The selectors of the site each case serves.
struct Selectors {
    /// A text file listed in the root menu.
    text: String,
    /// A binary file (item type 9).
    binary: String,
    /// A text file of about [`BIG_FILE`] bytes.
    big: String,
}

/// A realistic little gopher site made of varied words: an information line, text
/// files, a sub-menu, a binary file, a link to another server.
fn build_site(t: &mut Session) -> (Site, Selectors) {
    let owner = t.word();
    let about = t.word();
    let (first, second) = (t.sentence(6), t.sentence(5));
    let note = t.word();
    let logo = t.word();
    let selectors = Selectors {
        text: format!("/{about}.txt"),
        binary: format!("/{logo}.bin"),
        big: "/archive/big.txt".to_string(),
    };
    let notes = Site::new().info(&format!("Notes kept by {owner}")).text(
        &format!("On {note}"),
        &format!("/notes/{note}.txt"),
        vec![t.sentence(4)],
    );
    let archive = Site::new().text("Everything, in one file", &selectors.big, big_text(t));
    let site = Site::new()
        .info(&format!("Welcome to the gopher hole of {owner}"))
        .info("")
        .text(
            &format!("About {about}"),
            &selectors.text,
            vec![first, String::new(), second],
        )
        .menu("Notes", "/notes", notes)
        .menu("Archive", "/archive", archive)
        .binary(
            &format!("The {logo} logo"),
            &selectors.binary,
            binary_bytes(t),
        )
        .elsewhere(
            '1',
            "Floodgap, a gopher server elsewhere",
            "/",
            "gopher.floodgap.com",
            70,
        );
    (site, selectors)
}

/// About [`BIG_FILE`] bytes of numbered lines of varied words (each line different, so a
/// lost or repeated piece shows).
fn big_text(t: &mut Session) -> Vec<String> {
    let words: Vec<String> = (0..10).map(|_| t.word()).collect();
    let mut lines = Vec::new();
    let mut size = 0;
    while size < BIG_FILE {
        let n = lines.len();
        let picked: Vec<&str> = (0..7)
            .map(|k| words[(n * 3 + k * 7) % words.len()].as_str())
            .collect();
        let line = format!("{n:05} {}", picked.join(" "));
        size += line.len() + 2;
        lines.push(line);
    }
    lines
}

/// Bytes that are not text: every byte value, CR and LF alone, no final newline.
fn binary_bytes(t: &mut Session) -> Vec<u8> {
    let mut bytes = t.word().into_bytes();
    bytes.extend(0..=255u8);
    bytes.extend_from_slice(b"\r\r\n\n\xff\xfe\x00");
    bytes.extend(t.word().into_bytes());
    bytes
}

/// Starts the gopher server fixture for a freshly built site.
fn gopher(t: &mut Session, delivery: Delivery) -> Outcome<(GopherServer, Selectors)> {
    let (site, selectors) = build_site(t);
    let server = GopherServer::start(site, delivery)?;
    t.note(&format!("a gopher server listens on {}", server.addr()));
    Ok((server, selectors))
}

/// Runs the client against `server` for `selector` (`None`: no SELECTOR argument).
fn run_client(
    t: &mut Session,
    host: &str,
    server: &GopherServer,
    selector: Option<&str>,
) -> Outcome<Program> {
    let port = server.addr().port().to_string();
    let mut args = vec![host];
    args.extend(selector);
    args.extend(["--port", port.as_str()]);
    t.start("client", &args)
}

/// Checks the gopher server received exactly `selector` and CR LF from the client.
fn expect_request(
    t: &mut Session,
    client: &mut Program,
    server: &GopherServer,
    selector: &str,
) -> Outcome {
    let expected = format!("{selector}\r\n");
    let shown = |bytes: &[u8]| format!("\"{}\"", escape(bytes));
    // Stop waiting early once the client has reported a failure (an `error:` line or a
    // panic on stderr): it will not connect now. (Program::expect_running cannot be
    // used here: on a program that has exited it deadlocks, see the report.)
    let request = server.next_request_while(REQUEST_DEADLINE, || !has_failed(client));
    match request {
        Request::Line(bytes) if bytes == expected.as_bytes() => {
            t.note(&format!("the gopher server received {}", shown(&bytes)));
            Ok(())
        }
        Request::Line(bytes) => Err(Failure::mismatch(
            "the client's request is not the selector followed by \\r\\n (CR LF)",
            shown(expected.as_bytes()),
            shown(&bytes),
        )),
        Request::Closed(bytes) => Err(Failure::mismatch(
            "the client closed its side of the connection before its request ended with \\r\\n",
            shown(expected.as_bytes()),
            format!("{} and then the end of the stream", shown(&bytes)),
        )),
        Request::Incomplete(bytes) => Err(Failure::mismatch(
            format!(
                "the gopher server waited {REQUEST_DEADLINE:?} for the end of the request (\\r\\n), but the \
                 client sent only this"
            ),
            shown(expected.as_bytes()),
            shown(&bytes),
        )),
        Request::NoConnection if has_failed(client) => Err(Failure::new(format!(
            "the client did not connect to the gopher server at {}: it failed first (see its stderr below)",
            server.addr()
        ))),
        Request::NoConnection => Err(Failure::new(format!(
            "the client did not connect to the gopher server at {} within {REQUEST_DEADLINE:?}",
            server.addr()
        ))),
    }
}

/// Whether the client has reported a failure on stderr: an error or a panic.
fn has_failed(client: &Program) -> bool {
    client
        .stderr()
        .iter()
        .any(|line| line.starts_with("error:") || line.contains("panicked"))
}

/// The lines the harness reads when a program prints `bytes`: split at each `\n`,
/// escaped the way the transcript shows them (a `\r` shows as `\r`).
fn lines_of(bytes: &[u8]) -> Vec<String> {
    let mut pieces: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if pieces.last().is_some_and(|last| last.is_empty()) {
        pieces.pop();
    }
    pieces.into_iter().map(escape).collect()
}

/// Checks the client prints exactly `reply`, nothing more, and exits with status 0.
fn expect_reply(client: &mut Program, reply: &[u8]) -> Outcome {
    let expected = lines_of(reply);
    for (n, want) in expected.iter().enumerate() {
        let line = client.read_line().map_err(|failure| {
            Failure::new(format!(
                "the client printed only {n} of the reply's {} lines ({} bytes): {}",
                expected.len(),
                reply.len(),
                failure.summary
            ))
        })?;
        if line.len() < want.len() && want.starts_with(&line) {
            return Err(Failure::mismatch(
                format!(
                    "the client's output ends in the middle of line {} of the reply's {}: did it stop after \
                     its first read?",
                    n + 1,
                    expected.len()
                ),
                want.as_str(),
                line,
            ));
        }
        if &line != want {
            return Err(Failure::mismatch(
                format!(
                    "line {} of the client's output is not the reply's (stdout must be the reply's bytes, \
                     unchanged)",
                    n + 1
                ),
                want.as_str(),
                line,
            ));
        }
    }
    client.expect_success()?;
    match client.read_line() {
        Ok(extra) => Err(Failure::mismatch(
            "the client printed more than the server sent",
            "(nothing after the reply)",
            extra,
        )),
        Err(_) => Ok(()),
    }
}

fn asks_for_root_menu(t: &mut Session) -> Outcome {
    let (server, _) = gopher(t, Delivery::Whole)?;
    let mut client = run_client(t, "127.0.0.1", &server, None)?;
    expect_request(t, &mut client, &server, "")
}

fn sends_selector_and_crlf(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let mut client = run_client(t, "127.0.0.1", &server, Some(&selectors.text))?;
    expect_request(t, &mut client, &server, &selectors.text)
}

fn prints_root_menu(t: &mut Session) -> Outcome {
    let (server, _) = gopher(t, Delivery::Whole)?;
    let mut client = run_client(t, "127.0.0.1", &server, None)?;
    expect_reply(&mut client, &server.reply(""))
}

fn prints_text_file(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let mut client = run_client(t, "127.0.0.1", &server, Some(&selectors.text))?;
    expect_reply(&mut client, &server.reply(&selectors.text))
}

fn prints_reply_sent_in_pieces(t: &mut Session) -> Outcome {
    let (server, _) = gopher(t, Delivery::Pieces(16))?;
    t.note("the gopher server writes its reply in 16 pieces, a moment apart");
    let mut client = run_client(t, "127.0.0.1", &server, None)?;
    expect_reply(&mut client, &server.reply(""))
}

fn prints_big_reply(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let reply = server.reply(&selectors.big);
    t.note(&format!("the file is {} bytes long", reply.len()));
    let mut client = run_client(t, "127.0.0.1", &server, Some(&selectors.big))?;
    expect_reply(&mut client, &reply)
}

fn copies_binary_file(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Pieces(4))?;
    let mut client = run_client(t, "127.0.0.1", &server, Some(&selectors.binary))?;
    expect_reply(&mut client, &server.reply(&selectors.binary))
}

fn accepts_host_name(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let mut client = run_client(t, "localhost", &server, Some(&selectors.text))?;
    expect_reply(&mut client, &server.reply(&selectors.text))
}

fn reports_refused_connection(t: &mut Session) -> Outcome {
    let refused = t.refused_addr()?;
    let (host, port) = (refused.ip().to_string(), refused.port().to_string());
    let mut client = t.start("client", &[&host, "--port", &port])?;
    expect_one_error_line(&mut client)
}

/// Waits for the client to exit non-zero with one line on stderr, `error: …`, and no
/// panic.
fn expect_one_error_line(client: &mut Program) -> Outcome {
    let status = client.expect_exit()?;
    let panicked = client.stderr().iter().any(|l| l.contains("panicked"));
    ensure(
        !status.success() && !panicked,
        format!(
            "the client must report the error and exit non-zero, without a panic, but it {}{}",
            harness::program::describe_exit(status),
            if panicked { " after a panic" } else { "" }
        ),
    )?;
    let line = client.expect_stderr_containing("error:")?;
    let stderr = client.stderr();
    ensure(
        line.starts_with("error:") && stderr.len() == 1,
        format!("stderr must be one line starting with `error:`, but it was {stderr:?}"),
    )
}

fn fetches_menu_then_file(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    t.normalise(r"127\.0\.0\.1\\t\d{1,5}", r"127.0.0.1\tPORT")?;
    let mut client = run_client(t, "127.0.0.1", &server, None)?;
    expect_request(t, &mut client, &server, "")?;
    expect_reply(&mut client, &server.reply(""))?;
    let mut client = run_client(t, "127.0.0.1", &server, Some(&selectors.text))?;
    expect_request(t, &mut client, &server, &selectors.text)?;
    expect_reply(&mut client, &server.reply(&selectors.text))?;
    t.snapshot("menu_then_file")
}
