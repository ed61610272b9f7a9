//! Grades ch2-8, the full-duplex chat: each side must send and receive independently,
//! and a message is a line however the network splits it.

use harness::prelude::*;
use std::process::ExitCode;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("the server prints a line a client sends", server_prints_client_lines),
        Case::new("the server sends each line typed on its stdin", server_sends_typed_lines),
        Case::new("the server sends while the client is silent", server_sends_while_client_silent)
            .hint("Typing twice in a row must send twice: a server that waits for the client's reply \
                   between lines is half duplex (that was ch2-7)."),
        Case::new("the server receives while its keyboard is idle", server_receives_while_keyboard_idle)
            .hint("Nobody types on the server, yet the client's lines must be printed: the socket must be \
                   read while stdin is waited on."),
        Case::new("a client prints messages while its stdin is idle", client_prints_while_stdin_idle)
            .hint("The classic half-duplex bug: a client that blocks reading stdin never reads the socket. \
                   Read the socket and stdin concurrently (a task or thread for each, or select!)."),
        Case::new("a client sends each line typed on its stdin", client_sends_typed_lines),
        Case::new("a message split across writes is still one message", split_writes_make_one_message)
            .hint("One read is not one message. Buffer the bytes and print a line only when its \\n has arrived \
                   (BufReader::read_line / lines())."),
        Case::new("a client reassembles a server's line sent one byte at a time", client_reassembles_slow_lines)
            .hint("TCP delivers bytes, not messages: a line may take many reads to arrive."),
        Case::new("the server survives a client that vanishes and serves the next", server_outlives_vanished_client)
            .hint("A reset connection is an error on that connection only: report it, close it and accept the next \
                   client. The server itself must keep running."),
        Case::new("garbage bytes do not stop the server", garbage_does_not_stop_server)
            .hint("Bytes that are not UTF-8 must not crash the program: String::from_utf8_lossy shows them as \u{fffd}."),
        Case::new("the client exits when the server hangs up", client_exits_when_server_hangs_up)
            .hint("A read of 0 bytes means the peer closed the connection: stop and exit with status 0."),
        Case::new("the client hangs up and exits at end of input", client_exits_at_end_of_input)
            .hint("Ctrl-D closes stdin: the client should close the connection and exit with status 0."),
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
    tcp.send_bytes(b"\xff\xfe\x00\x1b[2J\xc3\n")?;
    server.read_line()?;
    let message = t.word();
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    server.expect_running()
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
