//! Grades ch1-7, the echo over a Unix domain socket: the server echoes every line of
//! every client at once, cleans up a stale socket file but never steals a live one or
//! removes a file that is not a socket, removes its own file on Ctrl-C (even with its
//! stderr closed); the client prints each reply.

use ch1::unix::leave_stale_socket;
use harness::prelude::*;
use harness::transcript::escape;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Longer than the 64 KiB a line may have.
const TOO_LONG: usize = 64 * 1024 + 5000;

/// How long a client stalls in the middle of a line in the pause case: longer than
/// any timeout a server might put on reading one line.
const PAUSE: Duration = Duration::from_millis(1000);

/// How many clients talk to the server at once in the crowd case.
const CROWD: usize = 8;

fn main() -> ExitCode {
    harness::run!(&[
        // The server.
        Case::new("the server echoes each line back as it came", server_echoes_lines)
            .hint("Bind a UnixListener at --socket, print `listening on PATH`, and for each connection read \
                   line by line (BufReader::read_until(b'\\n')) and write each line back, \\n included, with \
                   one write_all."),
        Case::new("a line split across writes, or several lines in one write, come back as whole lines", server_reassembles_lines)
            .hint("A Unix stream socket is a byte stream, like TCP: one read is not one line. Read through ONE \
                   BufReader per connection and echo whole lines (read_until(b'\\n')); never add a \\n to a \
                   piece that was only part of a line."),
        Case::new("bytes that are not UTF-8 come back untouched", server_echoes_bytes)
            .hint("An echo needs no text: read and write bytes (read_until into a Vec<u8>). Converting to a \
                   String fails on invalid UTF-8, and from_utf8_lossy changes the bytes."),
        Case::new("a line with a long pause in the middle comes back whole", server_waits_out_a_pause)
            .hint("A client may stall in the middle of a line (a slow writer, a person typing): the line \
                   goes back whole once its \\n comes, however long that takes.")
            .hint_if(Kind::Closed, "Do not put a timeout on reading a line (set_read_timeout): a pause is \
                   not the end of the client. Only a read of 0 bytes or an error ends the connection."),
        Case::new("a line ended by \\r\\n comes back with its \\r", server_echoes_crlf)
            .hint("An echo sends back the bytes that came: a line from `nc -C` or telnet ends in \\r\\n, and \
                   its echo does too. Strip nothing: neither the \\r nor spaces."),
        Case::new("a client that shuts down its sending side gets every line back, then the server closes", server_answers_half_close)
            .hint("`printf 'one\\ntwo' | nc -U -N` sends its bytes and shuts down its sending side at once: \
                   the server reads them, then end-of-file. It echoes every line it read (the last one, \
                   without a \\n, gets one), and only then returns, which closes the connection.")
            .hint_if(Kind::Timeout, "A read of 0 bytes is end-of-file: return from echo_lines then; reading \
                   on after it spins for ever and never closes."),
        Case::new("the server serves two clients at the same time", server_serves_two_clients)
            .hint_if(Kind::Timeout, "While one client is connected and silent, another must be answered: serve each connection \
                   on a thread of its own (thread::spawn), not one after the other."),
        Case::new("eight clients at once each get their own lines back", server_serves_a_crowd)
            .hint("Each connection's echo goes to that connection only: the stream accepted for it, served by \
                   its own thread, with its own BufReader and line buffer.")
            .hint_if(Kind::Timeout, "All eight clients are connected before any is answered: a server that \
                   serves one client until it leaves answers only the first."),
        Case::new("the server keeps serving after clients vanish", server_outlives_vanished_clients)
            .hint("A client may disappear mid-line or before reading its echo (the write then fails with a \
                   broken pipe). That ends that client's thread only: return the error, never unwrap it."),
        Case::new("a line longer than 64 KiB does not stop the server", server_survives_over_long_line)
            .hint("Cap what you buffer for one line (read through .take(64 KiB + 1)); a client that sends too \
                   much is disconnected, and the server goes on serving the others."),
        Case::new("a stale socket file left by a dead server is removed and the server starts", server_removes_stale_socket)
            .hint("bind fails with `address in use` when the file exists, even if its server died. Before \
                   binding, connect to it: ConnectionRefused means nobody listens, so the file is stale: \
                   remove it (fs::remove_file) and bind."),
        Case::new("a second server refuses a path a running server uses, and the first keeps working", server_refuses_live_socket)
            .hint("If connecting to the existing socket succeeds, a server is alive there: print `error: PATH is \
                   in use by a running server` and exit with status 1. Never remove its file: it would keep \
                   running, unreachable."),
        Case::new("a path that is not a socket is refused and the file is left alone", server_refuses_regular_file)
            .hint("Look before you remove: fs::symlink_metadata(path) and file_type().is_socket(). If the file \
                   is not a socket, print `error: PATH exists and is not a socket`, exit with status 1, and do \
                   not touch the file."),
        Case::new("a symbolic link at the path is refused and left alone, even one to a stale socket", server_refuses_symlink)
            .hint("A symbolic link at --socket is not the server's file: look at the path itself with \
                   fs::symlink_metadata (fs::metadata follows the link and sees the socket behind it). Refuse \
                   with `error: PATH exists and is not a socket`, exit with status 1, and remove nothing."),
        Case::new("Ctrl-C (SIGINT) removes the socket file and the server exits with status 130", interrupt_removes_socket)
            .hint("Ctrl-C must not leave the socket file behind: call the given remove_on_interrupt(path) once \
                   the listener is bound, before printing `listening on PATH`. It removes the file and exits \
                   with 128 + the signal's number (130 for SIGINT)."),
        Case::new("with its stderr closed, the server still serves, and SIGTERM still removes its file", stderr_closed)
            .hint("Nobody may be reading the server's stderr (a closed terminal, a log reader that exited): a \
                   write to it then fails, and eprintln! panics. Log with the given report(format_args!(…)), or \
                   `let _ = writeln!(io::stderr(), …)`, which ignore the failure.")
            .hint_if(Kind::Unreachable, "If the server starts in the other cases but died here before \
                   `listening on`, a log line in claim_path (the stale file's removal) panicked on the closed \
                   stderr.")
            .hint_if(Kind::Timeout, "If the server did not exit on SIGTERM, its signal thread died on a log \
                   line: the given remove_if_ours logs through report(), keep it so."),
        // The client.
        Case::new("the client sends each typed line and prints the server's reply", client_prints_replies)
            .hint("Send each stdin line with its \\n in one write_all, then read ONE reply line and print it: \
                   what the server sent, not what was typed."),
        Case::new("the client prints a reply that arrives in pieces once, whole", client_reassembles_reply)
            .hint("Read replies through a BufReader up to the \\n: a line may arrive in several reads."),
        Case::new("the client closes the connection and exits with status 0 at the end of its input", client_exits_at_end_of_input)
            .hint("When stdin ends (Ctrl-D), return Ok(()) from the client: the stream is dropped (closed) and \
                   main exits with status 0."),
        Case::new("a client with no server at the path prints an `error:` line and exits with status 1", client_reports_missing_server)
            .hint("UnixStream::connect fails with NotFound when there is no file, and ConnectionRefused when the \
                   file is stale: return the error with context, so main prints `error: …` and exits non-zero, \
                   without a panic."),
        Case::new(
            "a client whose server hangs up before replying prints an `error:` line and exits with status 1",
            client_reports_hang_up
        )
        .hint_if(
            Kind::Timeout,
            "A read of 0 bytes is the server's hang-up, not an empty reply: return an error then, instead of \
             waiting or reading again."
        )
        .hint_if(
            Kind::Mismatch,
            "A hang-up before the reply is a failure: return an error from run (main prints `error: …` and \
             exits with status 1), not Ok(()), and do not unwrap."
        ),
        Case::new("with its stdout closed, the client stops with an error that names stdout and exits with status 1", client_stdout_closed)
            .hint("When nobody reads the client's stdout any more (`ch1-7 client … | head -1`), printing a \
                   reply fails with a broken pipe (println! panics). Return that error with a context that \
                   names stdout (`.context(\"cannot write to stdout\")`), so main prints \
                   `error: cannot write to stdout: …` and exits with status 1."),
        Case::new("a client and the server: each typed line comes back", client_and_server),
    ])
}

// ---------------------------------------------------------------- helpers --

/// A socket path inside the case's own folder (shown as `<dir>` in snapshots).
fn socket_path(t: &mut Session, name: &str) -> PathBuf {
    t.dir().join(name)
}

/// Starts the server at `path` and checks it announces that path.
fn server_at(t: &mut Session, label: &str, path: &Path) -> Outcome<Program> {
    let shown = path.display().to_string();
    let (server, place) = t.start_server_at(label, &["server", "--socket", &shown])?;
    if place != shown {
        return Err(Failure::mismatch(
            "the server must announce the socket path it was given",
            format!("listening on {shown}"),
            format!("listening on {place}"),
        ));
    }
    Ok(server)
}

/// Starts the server at `echo.sock` in the case's folder.
fn server(t: &mut Session) -> Outcome<(Program, PathBuf)> {
    let path = socket_path(t, "echo.sock");
    let server = server_at(t, "server", &path)?;
    Ok((server, path))
}

/// One echo on `peer`: a varied line goes out and must come back.
fn echo(t: &mut Session, peer: &mut StreamPeer) -> Outcome {
    let line = t.sentence(3);
    peer.send_line(&line)?;
    peer.expect_line(&line)
}

/// Checks that a server refused to start with exactly `expected` and status 1.
fn expect_refusal(server: &mut Program, expected: &str) -> Outcome {
    let line = server.expect_error_exit(Some(1)).map_err(|failure| {
        if failure.kind == Kind::Timeout {
            Failure {
                summary: format!(
                    "{} — it did not refuse but started: it must have removed the file at the path, which \
                     was not its to remove",
                    failure.summary
                ),
                ..failure
            }
        } else {
            failure
        }
    })?;
    if line != expected {
        return Err(Failure::mismatch(
            "the server must explain the refusal with the documented line",
            expected,
            line,
        ));
    }
    Ok(())
}

/// Starts the client against a socket the test listens on (`reply.sock`), playing the
/// server, and accepts its connection.
fn client(t: &mut Session) -> Outcome<(Program, StreamPeer)> {
    let path = socket_path(t, "reply.sock");
    let mut listener = t.listen_unix(&path)?;
    let shown = path.display().to_string();
    let client = t.start("client", &["client", "--socket", &shown])?;
    let connection = listener.accept()?;
    Ok((client, connection))
}

// ---------------------------------------------------------------- the server --

fn server_echoes_lines(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    echo(t, &mut unix)?;
    let word = t.word();
    unix.send_line(&format!("  {word}  "))?;
    unix.expect_line(&format!("  {word}  "))?;
    unix.send_line("")?;
    unix.expect_line("")?;
    echo(t, &mut unix)?;
    server.expect_running()
}

fn server_reassembles_lines(t: &mut Session) -> Outcome {
    let (_server, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    let (first, second) = (t.sentence(3), t.sentence(2));
    let bytes = format!("{first}\n{second}\n");
    let cuts = t.cuts(bytes.len(), 4);
    unix.send_in_pieces(bytes.as_bytes(), &cuts)?;
    unix.expect_line(&first)?;
    unix.expect_line(&second)?;
    t.note("after those echoes, three lines in one write");
    let batch = [t.word(), t.sentence(2), t.word()];
    unix.send_burst(&batch.iter().map(String::as_str).collect::<Vec<_>>())?;
    for line in &batch {
        unix.expect_line(line)?;
    }
    t.note("one byte per write");
    let slow = t.word();
    unix.send_slowly(format!("{slow}\n").as_bytes())?;
    unix.expect_line(&slow)
}

fn server_echoes_bytes(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    let word = t.word();
    let mut garbage = b"\xff\xfe\x00\x1b[2J".to_vec();
    garbage.extend_from_slice(word.as_bytes());
    garbage.extend_from_slice(b"\xc3\r");
    let expected = escape(&garbage);
    garbage.push(b'\n');
    unix.send_bytes(&garbage)?;
    unix.expect_line(&expected)?;
    echo(t, &mut unix)?;
    server.expect_running()
}

fn server_serves_two_clients(t: &mut Session) -> Outcome {
    let (_server, path) = server(t)?;
    let mut first = t.connect_unix(&path)?;
    let mut second = t.connect_unix(&path)?;
    let word = t.word();
    t.note("the first client has sent half a line and waits: the second must still be served");
    first.send_unfinished(word.as_bytes())?;
    echo(t, &mut second)?;
    first.send_bytes(b"\n")?;
    first.expect_line(&word)?;
    echo(t, &mut second)?;
    echo(t, &mut first)
}

fn server_waits_out_a_pause(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    echo(t, &mut unix)?;
    let line = t.sentence(3);
    let at = line.len() / 2;
    unix.send_with_pause(format!("{line}\n").as_bytes(), at, PAUSE)?;
    unix.expect_line(&line)?;
    echo(t, &mut unix)?;
    server.expect_running()
}

fn server_echoes_crlf(t: &mut Session) -> Outcome {
    let (_server, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    let line = t.sentence(3);
    unix.send_line_crlf(&line)?;
    t.note("the echo is the bytes that came: the \\r stays (shown escaped)");
    unix.expect_line(&format!("{line}\\r"))?;
    echo(t, &mut unix)
}

fn server_answers_half_close(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    let (first, last) = (t.sentence(2), t.word());
    t.note("a whole line, then a last line without its \\n, then the end of the client's sending");
    unix.send_bytes(format!("{first}\n{last}").as_bytes())?;
    unix.shutdown_write()?;
    unix.expect_line(&first)?;
    unix.expect_line(&last)?;
    unix.expect_closed()?;
    let mut other = t.connect_unix(&path)?;
    echo(t, &mut other)?;
    server.expect_running()
}

fn server_serves_a_crowd(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut clients = t.connect_many_unix(&path, CROWD)?;
    let lines: Vec<(String, String)> = (0..CROWD).map(|_| (t.word(), t.sentence(2))).collect();
    t.note("every client sends two lines before any reads its echo");
    for (unix, (first, second)) in clients.iter_mut().zip(&lines) {
        unix.send_line(first)?;
        unix.send_line(second)?;
    }
    for (unix, (first, second)) in clients.iter_mut().zip(&lines).rev() {
        unix.expect_line(first)?;
        unix.expect_line(second)?;
    }
    server.expect_running()
}

fn server_outlives_vanished_clients(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut first = t.connect_unix(&path)?;
    echo(t, &mut first)?;
    first.send_bytes(b"half a li")?;
    first.reset();
    let mut second = t.connect_unix(&path)?;
    echo(t, &mut second)?;
    t.note("a client sends lines and leaves without reading the echo: the server's writes fail");
    let mut third = t.connect_unix(&path)?;
    let lines = [t.sentence(2), t.sentence(2), t.sentence(2)];
    third.send_bytes(format!("{}\n", lines.join("\n")).as_bytes())?;
    third.close();
    let mut fourth = t.connect_unix(&path)?;
    echo(t, &mut fourth)?;
    t.note("the client connected before all that is still served");
    echo(t, &mut second)?;
    server.expect_running()
}

fn server_survives_over_long_line(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut flood = t.connect_unix(&path)?;
    flood.send_bytes("x".repeat(TOO_LONG).as_bytes())?;
    let mut next = t.connect_unix(&path)?;
    echo(t, &mut next)?;
    t.note("the client that sent too much must be disconnected");
    flood.expect_dropped().map_err(|failure| match failure.kind {
        Kind::Timeout => Failure {
            summary: format!(
                "{}: a line longer than 64 KiB must get its client disconnected, but without a cap \
                 (read through .take(64 KiB + 1)) the server buffers a line that never ends",
                failure.summary
            ),
            ..failure
        },
        _ => failure,
    })?;
    drop(flood);
    echo(t, &mut next)?;
    server.expect_running()
}

fn server_removes_stale_socket(t: &mut Session) -> Outcome {
    let path = socket_path(t, "echo.sock");
    leave_stale_socket(&path)?;
    ensure(
        path.exists(),
        "the test could not leave a stale socket file",
    )?;
    t.note("a server bound echo.sock and died without removing the file");
    let mut server = server_at(t, "server", &path)?;
    let mut unix = t.connect_unix(&path)?;
    echo(t, &mut unix)?;
    server.expect_running()?;
    t.snapshot("stale")
}

fn server_refuses_live_socket(t: &mut Session) -> Outcome {
    let (mut first, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    echo(t, &mut unix)?;
    let shown = path.display().to_string();
    let mut second = t.start("second", &["server", "--socket", &shown])?;
    expect_refusal(
        &mut second,
        &format!("error: {shown} is in use by a running server"),
    )?;
    t.note("the first server still owns the path: new clients reach it");
    let mut later = t.connect_unix(&path)?;
    echo(t, &mut later)?;
    echo(t, &mut unix)?;
    first.expect_running()
}

fn server_refuses_regular_file(t: &mut Session) -> Outcome {
    let path = socket_path(t, "notes.txt");
    let content = format!("{}\n", t.sentence(4));
    std::fs::write(&path, &content)?;
    t.note("notes.txt is a regular file with text in it");
    let shown = path.display().to_string();
    let mut server = t.start("server", &["server", "--socket", &shown])?;
    expect_refusal(
        &mut server,
        &format!("error: {shown} exists and is not a socket"),
    )?;
    let after = std::fs::read_to_string(&path).map_err(|e| {
        Failure::new(format!(
            "the server must leave a file that is not a socket alone, but notes.txt is gone or \
             unreadable: {e}"
        ))
    })?;
    ensure(
        after == content,
        "the server must leave a file that is not a socket alone, but notes.txt was changed",
    )
}

fn server_refuses_symlink(t: &mut Session) -> Outcome {
    let stale = socket_path(t, "old.sock");
    leave_stale_socket(&stale)?;
    let link = t.symlink(&stale, "echo.sock")?;
    t.note("old.sock is a stale socket: nobody listens on it");
    let shown = link.display().to_string();
    let mut server = t.start("server", &["server", "--socket", &shown])?;
    expect_refusal(
        &mut server,
        &format!("error: {shown} exists and is not a socket"),
    )?;
    let kept = std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink());
    ensure(
        kept,
        "the server must leave a symbolic link at its path alone, but echo.sock is no longer a link",
    )?;
    ensure(
        std::fs::symlink_metadata(&stale).is_ok(),
        "the server must not touch what a link at its path points to, but old.sock is gone",
    )
}

/// Checks the socket file is gone after the server's exit on a signal.
fn expect_removed(path: &Path, signal: &str) -> Outcome {
    ensure(
        std::fs::symlink_metadata(path).is_err(),
        format!(
            "the server exited on SIG{signal} but left its socket file {} behind: the next start would \
             find a stale file",
            path.display()
        ),
    )
}

fn interrupt_removes_socket(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let mut unix = t.connect_unix(&path)?;
    echo(t, &mut unix)?;
    server.signal(Signal::Interrupt)?;
    server.expect_exit_code(
        130,
        "128 + 2, the number of SIGINT: the given remove_on_interrupt",
    )?;
    expect_removed(&path, "INT")
}

fn stderr_closed(t: &mut Session) -> Outcome {
    let path = socket_path(t, "echo.sock");
    leave_stale_socket(&path)?;
    t.note("a stale echo.sock is left by a dead server: removing it is reported on stderr");
    t.set_stderr(Output::Closed);
    let mut server = server_at(t, "server", &path)?;
    t.note("each client's thread reports on stderr when it connects and leaves");
    for _ in 0..2 {
        let mut unix = t.connect_unix(&path)?;
        echo(t, &mut unix)?;
        unix.close();
    }
    let mut unix = t.connect_unix(&path)?;
    echo(t, &mut unix)?;
    t.note("the signal handler reports the removal on stderr too");
    server.signal(Signal::Terminate)?;
    server.expect_exit_code(
        143,
        "128 + 15, the number of SIGTERM: the given remove_on_interrupt",
    )?;
    expect_removed(&path, "TERM")
}

// ---------------------------------------------------------------- the client --

fn client_prints_replies(t: &mut Session) -> Outcome {
    let (mut client, mut server) = client(t)?;
    for _ in 0..2 {
        let line = t.sentence(2);
        client.send_line(&line)?;
        server.expect_line(&line)?;
        t.note("the test answers with a different line: the client must print the reply, not its input");
        let reply = format!("{} {}", t.word(), line.to_uppercase());
        server.send_line(&reply)?;
        client.expect_line(&reply)?;
    }
    Ok(())
}

fn client_reassembles_reply(t: &mut Session) -> Outcome {
    let (mut client, mut server) = client(t)?;
    let line = t.sentence(3);
    client.send_line(&line)?;
    server.expect_line(&line)?;
    let reply = format!("{line}\n");
    let cuts = t.cuts(reply.len(), 4);
    server.send_in_pieces(reply.as_bytes(), &cuts)?;
    client.expect_line(&line)?;
    let next = t.word();
    client.send_line(&next)?;
    server.expect_line(&next)?;
    server.send_line(&next)?;
    client.expect_line(&next)
}

fn client_exits_at_end_of_input(t: &mut Session) -> Outcome {
    let (mut client, mut server) = client(t)?;
    let line = t.word();
    client.send_line(&line)?;
    server.expect_line(&line)?;
    server.send_line(&line)?;
    client.expect_line(&line)?;
    client.close_stdin();
    server.expect_closed()?;
    client.expect_success()
}

fn client_reports_missing_server(t: &mut Session) -> Outcome {
    let missing = socket_path(t, "nobody.sock").display().to_string();
    t.note("no file at all");
    let mut client = t.start("client", &["client", "--socket", &missing])?;
    client.expect_error_exit(Some(1))?;
    let stale = socket_path(t, "stale.sock");
    leave_stale_socket(&stale)?;
    t.note("a stale socket file: nobody listens");
    let stale = stale.display().to_string();
    let mut client = t.start("client#2", &["client", "--socket", &stale])?;
    client.expect_error_exit(Some(1))?;
    Ok(())
}

fn client_reports_hang_up(t: &mut Session) -> Outcome {
    let (mut client, mut server) = client(t)?;
    let line = t.word();
    client.send_line(&line)?;
    server.expect_line(&line)?;
    t.note("the server hangs up without replying");
    server.close();
    client.expect_error_exit(Some(1))?;
    Ok(())
}

fn client_stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let (mut client, mut server) = client(t)?;
    t.note("nobody reads the client's stdout: printing the reply fails");
    let line = t.sentence(2);
    client.send_line(&line)?;
    server.expect_line(&line)?;
    server.send_line(&line)?;
    client.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn client_and_server(t: &mut Session) -> Outcome {
    let (mut server, path) = server(t)?;
    let shown = path.display().to_string();
    let mut client = t.start("client", &["client", "--socket", &shown])?;
    for line in ["hello over a Unix socket", "", "  same bytes back  "] {
        client.send_line(line)?;
        client.expect_line(line)?;
    }
    client.close_stdin();
    client.expect_success()?;
    server.expect_running()?;
    t.snapshot("echo")
}
