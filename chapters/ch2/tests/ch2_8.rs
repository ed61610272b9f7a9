//! Grades ch2-8, the full-duplex chat: each side must send and receive independently,
//! and a message is a line however the network splits it.

use harness::prelude::*;
use std::process::ExitCode;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("the server prints a line a client sends", server_prints_client_lines)
            .hint_if(Kind::Timeout, "Nobody types on the server here: a server that waits for its keyboard \
                     before it reads the socket never prints the line (that is half duplex, ch2-7).")
            .hint_if(Kind::Mismatch, "Print each line from the client as `client: TEXT`: the prefix, a colon, a \
                     space, then the line without its line end."),
        Case::new("the server sends each line typed on its stdin", server_sends_typed_lines)
            .hint_if(Kind::Timeout, "A line typed on the server must reach the client at once, followed by \\n. \
                     Small writes can be held back by Nagle's algorithm: set_nodelay(true)."),
        Case::new("the server sends while the client is silent", server_sends_while_client_silent)
            .hint_if(Kind::Timeout, "Typing twice in a row must send twice: a server that waits for the client's \
                     reply between lines is half duplex (that was ch2-7)."),
        Case::new("the server receives while its keyboard is idle", server_receives_while_keyboard_idle)
            .hint_if(Kind::Timeout, "Nobody types on the server, yet the client's lines must be printed: the socket \
                     must be read while stdin is waited on, not after.")
            .hint_if(Kind::Mismatch, "Two lines sent together may arrive in one read: print one line per \\n, \
                     not one per read."),
        Case::new("a client prints messages while its stdin is idle", client_prints_while_stdin_idle)
            .hint_if(Kind::Timeout, "The classic half-duplex bug: a client that blocks reading stdin never reads \
                     the socket. Wait for the socket and stdin at the same time (a task or a thread for each \
                     direction, or select! over both)."),
        Case::new("a client sends each line typed on its stdin", client_sends_typed_lines)
            .hint_if(Kind::Timeout, "Each line typed on the client must reach the server at once, followed by \\n, \
                     even while the server says nothing."),
        Case::new("a message split across writes is still one message", split_writes_make_one_message)
            .hint_if(Kind::Mismatch, "One read is not one message: print a line only once its \\n has arrived. \
                     Buffer the bytes (a BufReader and read_until(b'\\n')) instead of printing each read."),
        Case::new("a client reassembles a server's line sent one byte at a time", client_reassembles_slow_lines)
            .hint_if(Kind::Mismatch, "TCP delivers bytes, not messages: a line may take many reads to arrive. \
                     Print it once its \\n is there."),
        Case::new("a line ending in \\r\\n is printed without its \\r", carriage_return_is_stripped)
            .hint_if(Kind::Mismatch, "telnet and Windows programs end lines with \\r\\n: the text is what comes \
                     before both (trim_line_end strips them)."),
        Case::new("garbage bytes are printed with \u{fffd} and do not stop the server", garbage_does_not_stop_server)
            .hint_if(Kind::Timeout, "Bytes that are not UTF-8 must not end the conversation. `lines()` and \
                     `read_line` fail on them (InvalidData): read bytes with read_until(b'\\n') and show them with \
                     String::from_utf8_lossy, as \u{fffd}.")
            .hint_if(Kind::Closed, "Bytes that are not UTF-8 must not end the conversation nor the server: read \
                     bytes with read_until(b'\\n') and show them with String::from_utf8_lossy, as \u{fffd}.")
            .hint_if(Kind::Mismatch, "Show bytes that are not UTF-8 as \u{fffd}, with String::from_utf8_lossy: \
                     the line, invalid bytes included, is one message."),
        Case::new("the server survives a client that vanishes and serves the next", server_outlives_vanished_client)
            .hint("A reset connection is an error on that connection only: report it on stderr, end that \
                   conversation and accept the next client. The server itself must keep running.")
            .hint_if(Kind::Timeout, "The reading task ended (its read failed), but the conversation did not: \
                     converse must wait for that task too (select! on its JoinHandle beside the keyboard) and \
                     return End::PeerLeft when it ends."),
        Case::new("the server serves the next client after one hangs up", server_serves_next_client)
            .hint_if(Kind::Timeout, "When a read returns 0 bytes the client has gone: converse must return \
                     End::PeerLeft, so the server goes back to accept."),
        Case::new("the client exits with status 0 when the server hangs up", client_exits_when_server_hangs_up)
            .hint_if(Kind::Timeout, "A read of 0 bytes means the server closed the connection: the conversation \
                     is over, even though nobody typed anything. Stop waiting for stdin too, and return.")
            .hint_if(Kind::Mismatch, "The server hanging up is the normal end of a chat, not an error: return \
                     End::PeerLeft (the given code says so on stderr) and exit with status 0."),
        Case::new("the client hangs up and exits at end of input", client_exits_at_end_of_input)
            .hint_if(Kind::Timeout, "Ctrl-D closes stdin: the channel's recv() returns None. Then close the \
                     sending side (shutdown) and return End::InputClosed; the client exits with status 0.")
            .hint_if(Kind::Mismatch, "The end of stdin is the normal end of a chat, not an error: exit with \
                     status 0."),
        Case::new("the server hangs up and exits at end of its input", server_exits_at_end_of_input)
            .hint_if(Kind::Timeout, "When the server's stdin ends, it closes the connection to its client \
                     (shutdown) and exits with status 0: converse returns End::InputClosed."),
        Case::new("a client that sends a line over 64 KiB is disconnected and the server goes on", long_line_is_refused)
            .hint_if(Kind::Timeout, "A peer that never sends \\n must not make the server buffer without end: \
                     read at most MAX_MESSAGE + 1 bytes of a line (AsyncReadExt::take), and end the conversation \
                     with an error when there is no \\n within them.")
            .hint_if(Kind::Mismatch, "Refuse the over-long line: do not print any of it, end that conversation \
                     and accept the next client.")
            .hint_if(Kind::Unreachable, "Ending one conversation must not end the server: when converse returns \
                     (the client left, or sent a line too long), report it on stderr and accept the next client; \
                     do not return from serve, nor pass the conversation's error up with `?`."),
        Case::new("a server and a client chat both ways", server_and_client_chat),
    ])
}

/// Starts the server on a free port.
fn server(t: &mut Session) -> Outcome<(Program, std::net::SocketAddr)> {
    t.start_server("server", &["server", "--port", "0"])
}

fn server_prints_client_lines(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.sentence(3);
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))
}

fn server_sends_typed_lines(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    server.expect_stderr_containing("connected")?;
    let message = t.sentence(2);
    server.send_line(&message)?;
    tcp.expect_line(&message)
}

fn server_sends_while_client_silent(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    server.expect_stderr_containing("connected")?;
    let (first, second) = (t.word(), t.word());
    server.send_line(&first)?;
    server.send_line(&second)?;
    tcp.expect_line(&first)?;
    tcp.expect_line(&second)
}

fn server_receives_while_keyboard_idle(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.word(), t.word());
    tcp.send_line(&first)?;
    tcp.send_line(&second)?;
    server.expect_line(&format!("client: {first}"))?;
    server.expect_line(&format!("client: {second}"))
}

fn client_prints_while_stdin_idle(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    t.note("nobody types on the client: it must still print what the server sends");
    let (first, second) = (t.sentence(2), t.sentence(2));
    tcp.send_line(&first)?;
    client.expect_line(&format!("server: {first}"))?;
    tcp.send_line(&second)?;
    client.expect_line(&format!("server: {second}"))
}

fn client_sends_typed_lines(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let (first, second) = (t.sentence(2), t.word());
    client.send_line(&first)?;
    client.send_line(&second)?;
    tcp.expect_line(&first)?;
    tcp.expect_line(&second)
}

fn split_writes_make_one_message(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(3), t.sentence(2));
    let bytes = format!("{first}\n{second}\n");
    let cuts = t.cuts(bytes.len(), 4);
    tcp.send_in_pieces(bytes.as_bytes(), &cuts)?;
    server.expect_line(&format!("client: {first}"))?;
    server.expect_line(&format!("client: {second}"))
}

fn client_reassembles_slow_lines(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let message = t.word();
    tcp.send_slowly(format!("{message}\n").as_bytes())?;
    client.expect_line(&format!("server: {message}"))
}

fn server_outlives_vanished_client(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut first = t.connect(addr)?;
    let message = t.word();
    first.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    first.reset();
    let mut second = t.connect(addr)?;
    let message = t.word();
    second.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    let reply = t.word();
    server.send_line(&reply)?;
    second.expect_line(&reply)?;
    server.expect_running()
}

fn garbage_does_not_stop_server(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let word = t.word();
    let mut garbage = b"\xff\xfe\x00".to_vec();
    garbage.extend_from_slice(word.as_bytes());
    garbage.extend_from_slice(b"\xc3\n");
    tcp.send_bytes(&garbage)?;
    server.expect_line(&format!("client: \u{fffd}\u{fffd}\\u{{0}}{word}\u{fffd}"))?;
    t.note("the conversation goes on");
    let message = t.word();
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    server.expect_running()
}

fn carriage_return_is_stripped(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.sentence(2);
    tcp.send_line_crlf(&message)?;
    server.expect_line(&format!("client: {message}"))
}

fn long_line_is_refused(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    server.expect_stderr_containing("connected")?;
    t.note("65,636 bytes without a newline: over the 64 KiB limit");
    tcp.send_bytes(&vec![b'x'; 64 * 1024 + 100])?;
    tcp.expect_dropped().map_err(|failure| Failure {
        summary: format!(
            "a line over 64 KiB must end that conversation: {}",
            failure.summary
        ),
        ..failure
    })?;
    t.note("the next client is served, and nothing of the long line was printed");
    let mut next = t.connect(addr)?;
    let message = t.word();
    next.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    server.expect_running()
}

fn server_serves_next_client(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut first = t.connect(addr)?;
    let message = t.word();
    first.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    first.close();
    server.expect_stderr_containing("client left")?;
    let mut second = t.connect(addr)?;
    let message = t.sentence(2);
    second.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    let reply = t.word();
    server.send_line(&reply)?;
    second.expect_line(&reply)
}

fn server_exits_at_end_of_input(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    server.expect_stderr_containing("connected")?;
    server.close_stdin();
    tcp.expect_closed()?;
    server.expect_success()
}

fn client_exits_when_server_hangs_up(t: &mut Session) -> Outcome {
    let (mut client, tcp) = t.start_client("client", &["client"])?;
    tcp.close();
    client.expect_success()
}

fn client_exits_at_end_of_input(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    client.close_stdin();
    tcp.expect_closed()?;
    client.expect_success()
}

fn server_and_client_chat(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let port = addr.port().to_string();
    let mut client = t.start(
        "client",
        &["client", "--host", "127.0.0.1", "--port", &port],
    )?;
    server.expect_stderr_containing("connected")?;
    let hello = t.sentence(2);
    client.send_line(&hello)?;
    server.expect_line(&format!("client: {hello}"))?;
    let (answer, more) = (t.sentence(3), t.word());
    server.send_line(&answer)?;
    server.send_line(&more)?;
    client.expect_line(&format!("server: {answer}"))?;
    client.expect_line(&format!("server: {more}"))?;
    client.close_stdin();
    client.expect_success()?;
    server.expect_stderr_containing("client left")?;
    server.expect_running()?;
    t.snapshot("chat")
}
