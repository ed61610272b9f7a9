//! Grades ch1-2, the gopher client with friendly errors: each failure (unknown host,
//! refused, timed out, reset mid-reply) is one `error:` line on stderr and its own
//! documented exit status, never a panic; and the happy path still works.
//!
//! The happy path runs against the gopher server fixture (`ch1::gopher`); for the
//! failures the test plays a misbehaving server itself.

use ch1::gopher::{
    Delivery, GopherServer, HUGE_FILE_LIMIT, PIECE_PAUSE, Site, expect_error_exit,
    expect_only_the_error_line, expect_reply, expect_request, fetch_huge_file, start_client,
};
use harness::prelude::*;
use harness::program::describe_exit;
use harness::transcript::escape;
use std::process::ExitCode;
use std::time::Instant;

/// The --timeout the failure cases give the client: short, so a case takes well under
/// a second, and long enough to be told apart from an immediate exit.
const TIMEOUT: &str = "0.3";
const TIMEOUT_DURATION: Duration = Duration::from_millis(300);

/// The --timeout of the stall case, and each of its two stalls: shorter than the
/// timeout, longer than it together.
const STALL_TIMEOUT: &str = "1";
const STALL: Duration = Duration::from_millis(600);

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("the whole reply still arrives, however split, and the client exits with status 0", happy_path)
            .hint("Error handling must not change the happy path: send the selector and CR LF, copy every byte \
                   until the server closes (read returns 0), exit with status 0."),
        Case::new("an unknown host name exits with status 3 and one error line", unknown_host)
            .hint("Resolve the name on its own first ((host, port).to_socket_addrs()), so that its failure is \
                   told apart from a failed connect: any error from that step is `unknown host`, exit code 3."),
        Case::new("a refused connection exits with status 4 and one error line", refused)
            .hint("When nothing listens on the port, connect fails with ErrorKind::ConnectionRefused: that is \
                   exit code 4. Print one `error: …` line and return ExitCode::from(4) from main."),
        Case::new("a server that accepts and says nothing makes the client time out with status 5", silent_server)
            .hint_if(Kind::Timeout, "Without a read timeout, read waits for ever: set \
                   stream.set_read_timeout(Some(timeout)) from --timeout.")
            .hint_if(Kind::Mismatch, "A read that times out fails with ErrorKind::WouldBlock (Unix) or TimedOut: \
                   while connecting or receiving, that is TimedOut, exit code 5."),
        Case::new("the timeout bounds each wait for data, not the whole reply", slow_but_steady_server)
            .hint("--timeout limits how long ONE read may wait. A reply that keeps coming, piece by piece, may \
                   take longer than the timeout in all: set_read_timeout does exactly this, a deadline for the \
                   whole transfer does not."),
        Case::new("a server that resets the connection mid-reply makes the client exit with status 6", reset_mid_reply)
            .hint("A read that fails with ErrorKind::ConnectionReset means the server's side vanished before \
                   the reply was complete: print what did arrive, then one `error: …` line, and exit with code 6 \
                   (not 0: the reply is incomplete)."),
        Case::new("bad usage exits with status 2", bad_usage)
            .hint("clap reports a bad argument itself and exits with status 2: keep Cli::parse()."),
        Case::new("the client reaches a server on the IPv6 loopback address, ::1, with status 0", reaches_ipv6_server)
            .hint("HOST may be an IPv6 address: resolve (host, port) and connect to what it gives, whatever \
                   the address family."),
        Case::new("a host name whose first address refuses: the client connects to the next one, status 0", tries_every_address)
            .hint("A name may resolve to several addresses (here ::1, then 127.0.0.1), and the first may refuse. \
                   A refusal from one address is not the end: try the next, and report the last failure only \
                   when every address has failed."),
        Case::new("lines that arrive together are printed at once, before the server closes", prints_as_it_comes)
            .hint("Write each piece to stdout as soon as read returns it: a reply from a slow server must show \
                   as it comes. Collecting the reply first, or a BufWriter flushed only at the end, prints \
                   nothing until the server closes."),
        Case::new("a reply that stalls twice, each time for less than --timeout, arrives whole with status 0", waits_out_stalls)
            .hint("--timeout 1 bounds each wait for data; here the server stalls twice for 0.6 s, 1.2 s in all. \
                   Each stall is shorter than the timeout, so neither is a timeout: set_read_timeout(timeout) \
                   on the socket does exactly this, a budget for the whole reply does not."),
        Case::new("a server that half-closes after its reply: the client prints it and exits with status 0", ends_on_half_close)
            .hint("The server shuts down only its sending side after the reply and keeps the connection open. \
                   The client's read returns 0 all the same: that is the end of the reply, status 0."),
        Case::new("a 64 MB file is passed on as it comes, not held in memory", streams_a_huge_file)
            .hint("Copy each read's bytes to stdout before the next read, with one fixed buffer: collecting the \
                   reply first (read_to_end, or a Vec that grows) holds the whole file in memory."),
        Case::new("with stdout closed, the client exits with status 1 and one error line about stdout, not 6", stdout_closed)
            .hint("When stdout is closed (`ch1-2 HOST | head -1`), writing the reply fails with BrokenPipe. \
                   That is our own output failing, not the server: the step is Output, and the failure is Io \
                   (status 1). Reset (6) is for BrokenPipe while sending to or receiving from the server: \
                   decide on the step as well as the kind."),
        Case::new("with stderr closed, a refused connection still exits with status 4, without a panic", stderr_closed)
            .hint("Nobody reads stderr here (`2>&-` into a closed pipe), so the error line cannot be written, \
                   and eprintln! panics when its write fails (status 101). Scripts still need the status: write \
                   the line with writeln!(io::stderr(), …), ignore that write's error, and return the exit \
                   code as usual."),
    ])
}

/// Starts the client against the test's own listener and accepts its connection.
fn client_of_test_server(t: &mut Session, selector: &str) -> Outcome<(Program, StreamPeer)> {
    let mut listener = t.listen()?;
    client_of(t, &mut listener, "127.0.0.1", selector, TIMEOUT)
}

/// Starts the client for `selector` against the test's own `listener` (reached as
/// `host`, with `--timeout timeout`), accepts its connection and checks its request.
fn client_of(
    t: &mut Session,
    listener: &mut StreamListener,
    host: &str,
    selector: &str,
    timeout: &str,
) -> Outcome<(Program, StreamPeer)> {
    let port = listener.addr()?.port().to_string();
    let client = t.start(
        "client",
        &[host, selector, "--port", &port, "--timeout", timeout],
    )?;
    let mut tcp = listener.accept()?;
    tcp.expect_line(&format!("{selector}\\r"))?;
    Ok((client, tcp))
}

/// Lines of a menu of varied words, as the test sends them when it plays the server
/// (without their CR LF), ended by the `.` line.
fn menu_lines(t: &mut Session) -> Vec<String> {
    let mut lines: Vec<String> = (0..4)
        .map(|_| {
            let word = t.word();
            format!("0About {word}\t/{word}.txt\t127.0.0.1\t70")
        })
        .collect();
    lines.push(".".to_string());
    lines
}

/// The bytes on the wire for `lines`: each ended by CR LF.
fn wire(lines: &[String]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|line| format!("{line}\r\n").into_bytes())
        .collect()
}

/// Plays a gopher server on `listener`: answers the client (started for `host`) with
/// a menu, closes, and checks the client printed the menu byte for byte.
fn serve_menu_by_hand(t: &mut Session, mut listener: StreamListener, host: &str) -> Outcome {
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, host, &selector, TIMEOUT)?;
    let reply = wire(&menu_lines(t));
    tcp.send_bytes(&reply)?;
    tcp.close();
    expect_reply(&mut client, &reply)
}

/// A small gopher site of varied words.
fn site(t: &mut Session) -> Site {
    let (owner, about, note) = (t.word(), t.word(), t.word());
    let notes = Site::new().text(
        &format!("On {note}"),
        &format!("/notes/{note}.txt"),
        vec![t.sentence(4)],
    );
    Site::new()
        .info(&format!("Welcome to the gopher hole of {owner}"))
        .text(
            &format!("About {about}"),
            &format!("/{about}.txt"),
            vec![t.sentence(6), t.sentence(3)],
        )
        .menu("Notes", "/notes", notes)
        .floodgap()
}

/// Runs the client against the gopher fixture for the root menu (with `extra`
/// options) and checks its request and its output.
fn fetch_from_fixture(t: &mut Session, server: &GopherServer, extra: &[&str]) -> Outcome {
    let mut client = start_client(t, "127.0.0.1", server, None, extra)?;
    expect_request(t, &mut client, server, "")?;
    expect_reply(&mut client, &server.reply(""))
}

fn happy_path(t: &mut Session) -> Outcome {
    let server = GopherServer::start(site(t), Delivery::Pieces(8))?;
    t.note("a gopher server sends its root menu in 8 pieces");
    fetch_from_fixture(t, &server, &[])
}

fn unknown_host(t: &mut Session) -> Outcome {
    let mut client = t.start("client", &["nonexistent.invalid", "--port", "70"])?;
    expect_error_exit(&mut client, Some(3))
}

fn refused(t: &mut Session) -> Outcome {
    let refused = t.refused_addr()?;
    let (host, port) = (refused.ip().to_string(), refused.port().to_string());
    let mut client = t.start("client", &[&host, "--port", &port])?;
    expect_error_exit(&mut client, Some(4))
}

fn silent_server(t: &mut Session) -> Outcome {
    let started = Instant::now();
    let selector = format!("/{}.txt", t.word());
    let (mut client, tcp) = client_of_test_server(t, &selector)?;
    t.note("the server accepts the request, then says nothing");
    client.expect_exit()?;
    let waited = started.elapsed();
    expect_error_exit(&mut client, Some(5))?;
    ensure(
        waited + Duration::from_millis(20) >= TIMEOUT_DURATION,
        format!(
            "the client gave up after {waited:.2?}, before its --timeout of {TIMEOUT_DURATION:?} had passed"
        ),
    )?;
    drop(tcp);
    Ok(())
}

fn slow_but_steady_server(t: &mut Session) -> Outcome {
    let server = GopherServer::start(site(t), Delivery::Pieces(40))?;
    t.note(&format!(
        "a gopher server sends its root menu in 40 pieces, {PIECE_PAUSE:?} apart: longer than the timeout in all"
    ));
    fetch_from_fixture(t, &server, &["--timeout", TIMEOUT])
}

fn reset_mid_reply(t: &mut Session) -> Outcome {
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of_test_server(t, &selector)?;
    let (first, second) = (t.word(), t.word());
    let partial = format!("0{first}\t/{first}.txt\t127.0.0.1\t70\r\n0{second}\t/");
    tcp.send_bytes(partial.as_bytes())?;
    tcp.reset();
    // The reviewed transcript ends at the exit (the error line's wording is the
    // program's own): the status is checked first, so a wrong one is explained rather
    // than shown as a different transcript, and the error line after the snapshot.
    let status = client.expect_exit()?;
    ensure(
        status.code() == Some(6),
        format!(
            "the client must exit with status 6 when the server resets the connection in the middle \
             of its reply, but it {}",
            describe_exit(status)
        ),
    )?;
    t.snapshot("reset")?;
    expect_error_exit(&mut client, Some(6))?;
    // What arrived before the reset is printed, not thrown away with the connection.
    let first_line = format!("0{first}\\t/{first}.txt\\t127.0.0.1\\t70\\r");
    let printed = client.read_line().map_err(|failure| Failure {
        summary: format!(
            "the client printed nothing of what arrived before the reset (a whole menu line came \
             first): print each piece as it arrives, rather than reading the whole reply \
             (read_to_end) before printing it: {}",
            failure.summary
        ),
        ..failure
    })?;
    if printed != first_line {
        return Err(Failure::mismatch(
            "the first line the client printed is not the first line the server sent before the reset",
            first_line,
            printed,
        ));
    }
    Ok(())
}

fn bad_usage(t: &mut Session) -> Outcome {
    let mut client = t.start("client", &["127.0.0.1", "--timeout", "soon"])?;
    let status = client.expect_exit()?;
    ensure(
        status.code() == Some(2),
        format!(
            "a bad --timeout must make the client exit with status 2, but it {}",
            describe_exit(status)
        ),
    )
}

fn reaches_ipv6_server(t: &mut Session) -> Outcome {
    let listener = t.listen_v6()?;
    serve_menu_by_hand(t, listener, "::1")
}

fn tries_every_address(t: &mut Session) -> Outcome {
    let (listener, host) = t.listen_behind_refusing_address()?;
    serve_menu_by_hand(t, listener, &host)
}

fn prints_as_it_comes(t: &mut Session) -> Outcome {
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of_test_server(t, &selector)?;
    let lines = menu_lines(t);
    let (items, end) = lines.split_at(lines.len() - 1);
    // The burst: every item line (with its \r; send_burst adds the \n) in one write.
    let sent: Vec<String> = items.iter().map(|line| format!("{line}\r")).collect();
    let burst: Vec<&str> = sent.iter().map(String::as_str).collect();
    tcp.send_burst(&burst)?;
    t.note("the server keeps the connection open: the reply is not over yet");
    for line in &sent {
        client.expect_line(&escape(line.as_bytes()))?;
    }
    tcp.send_line_crlf(&end[0])?;
    tcp.close();
    client.expect_line(".\\r")?;
    client.expect_success()
}

fn waits_out_stalls(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, "127.0.0.1", &selector, STALL_TIMEOUT)?;
    let reply = wire(&menu_lines(t));
    let (first, second) = reply.split_at(reply.len() / 2);
    tcp.send_with_pause(first, first.len() / 2, STALL)?;
    tcp.send_with_pause(second, second.len() / 2, STALL)?;
    tcp.close();
    expect_reply(&mut client, &reply)
}

fn ends_on_half_close(t: &mut Session) -> Outcome {
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of_test_server(t, &selector)?;
    let reply = wire(&menu_lines(t));
    tcp.send_bytes(&reply)?;
    tcp.shutdown_write()?;
    expect_reply(&mut client, &reply)?;
    tcp.expect_closed()
}

fn streams_a_huge_file(t: &mut Session) -> Outcome {
    let mut client = fetch_huge_file(t)?;
    client.expect_peak_memory_below(HUGE_FILE_LIMIT, "well under the 64 MB file")
}

fn stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of_test_server(t, &selector)?;
    tcp.send_bytes(&wire(&menu_lines(t)))?;
    tcp.close();
    client.expect_error_exit_naming(1, "stdout")?;
    expect_only_the_error_line(&client)
}

fn stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let refused = t.refused_addr()?;
    let (host, port) = (refused.ip().to_string(), refused.port().to_string());
    let mut client = t.start("client", &[&host, "--port", &port])?;
    client.expect_exit_code(4, "the connection was refused")
}
