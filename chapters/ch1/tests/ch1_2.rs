//! Grades ch1-2, the gopher client with friendly errors: each failure (unknown host,
//! refused, timed out, reset mid-reply) is one `error:` line on stderr and its own
//! documented exit status, never a panic; and the happy path still works.
//!
//! The happy path runs against the gopher server fixture (`ch1::gopher`); for the
//! failures the test plays a misbehaving server itself.

use ch1::gopher::{
    Delivery, GopherServer, PIECE_PAUSE, Site, expect_error_exit, expect_reply, expect_request,
    start_client,
};
use harness::prelude::*;
use harness::program::describe_exit;
use std::process::ExitCode;
use std::time::Instant;

/// The --timeout the failure cases give the client: short, so a case takes well under
/// a second, and long enough to be told apart from an immediate exit.
const TIMEOUT: &str = "0.3";
const TIMEOUT_DURATION: Duration = Duration::from_millis(300);

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
    ])
}

/// Starts the client against the test's own listener and accepts its connection.
fn client_of_test_server(t: &mut Session, selector: &str) -> Outcome<(Program, StreamPeer)> {
    let mut listener = t.listen()?;
    let port = listener.addr()?.port().to_string();
    let client = t.start(
        "client",
        &["127.0.0.1", selector, "--port", &port, "--timeout", TIMEOUT],
    )?;
    let mut tcp = listener.accept()?;
    tcp.expect_line(&format!("{selector}\\r"))?;
    Ok((client, tcp))
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
