//! Grades ch2-8, the full-duplex chat: each side must send and receive independently,
//! and a message is a line however the network splits it.

use ch2::chat::client_chats_via;
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
        Case::new("a line half-arrived when the server's user types is printed once, whole", half_line_survives_a_typed_line)
            .hint_if(Kind::Timeout, "The line typed on the server must leave at once, even while a client's line \
                     is half-arrived: the socket and the keyboard are waited on at the same time.")
            .hint_if(Kind::Mismatch, "The cancel-safety trap: in a select! over `reader.read_until(…, &mut line)` \
                     and `typed.recv()`, the read that loses the race is dropped, and the bytes it had read into a \
                     buffer made fresh each turn are gone (or printed as a line of their own). Read the peer in a \
                     task of its own (print_incoming) that keeps its buffer for the whole conversation."),
        Case::new("several lines in one write after a quiet spell are all printed at once", burst_is_printed_at_once)
            .hint_if(Kind::Timeout, "Three lines came in one read: print every complete line in the buffer (a loop, \
                     not an `if`), not one line per later read. read_until through a BufReader does it for you.")
            .hint_if(Kind::Mismatch, "Three lines came in one read: print one line per \\n, each once, in order."),
        Case::new("a line that stalls midway is printed once, whole", stalled_line_is_printed_whole)
            .hint("A line may stall in the middle for a second or more (a slow typist on telnet): wait for its \\n \
                   and print it once, whole. No timeout may cut it."),
        Case::new("a client that shuts down its sending side has its last line printed, then is let go", half_closed_client_is_let_go)
            .hint_if(Kind::Mismatch, "A last line without \\n before the end of the stream is still a line: \
                     read_until returns it without its \\n; print it.")
            .hint_if(Kind::Timeout, "The client closed its sending side: print what it sent (the last line may \
                     lack its \\n), then end the conversation (End::PeerLeft): close the connection and accept \
                     the next client."),
        Case::new("clients that connect together are served one after another, each with its own lines", clients_wait_their_turn)
            .hint("The server chats with one client at a time: the others wait in the listen backlog, their lines \
                   kept in the kernel, until the current one leaves. A typed line goes to the current client only."),
        Case::new("the server listens on ::1 when given --host ::1", server_listens_on_ipv6)
            .hint("Bind (host, port) as given: TcpListener::bind((host, port)) takes `::1` as it is. Parsing \
                   format!(\"{host}:{port}\") as a SocketAddr fails for IPv6 (it must be written [::1]:PORT), \
                   and an IPv4-only type (Ipv4Addr, SocketAddrV4) cannot hold it."),
        Case::new("the client reaches a server on ::1", client_reaches_ipv6)
            .hint("Connect to (host, port): TcpStream::connect((host, port)) takes `::1` as it is. Parsing \
                   format!(\"{host}:{port}\") as a SocketAddr fails for IPv6 (it must be written [::1]:PORT), \
                   and an IPv4-only type (Ipv4Addr, SocketAddrV4) cannot hold it."),
        Case::new("the client tries the next address when the first one refuses", client_tries_next_address)
            .hint("A host name may resolve to several addresses (localhost: ::1, then 127.0.0.1) and the first \
                   may refuse: TcpStream::connect((host, port)) tries each in turn; taking only the first of \
                   lookup_host() does not."),
        Case::new("a client whose stdout is closed stops with an error naming stdout", client_stops_when_stdout_closed)
            .hint("When stdout is closed (`client | head -1`), println! panics, in a task too (then the chat seems \
                   to end normally). Write with writeln! and stop the program: return StdoutClosed from \
                   print_incoming, and from converse, so main prints `error: cannot write to stdout: …` and exits \
                   with 1."),
        Case::new("the server and a client chat with their stderr closed", chat_with_stderr_closed)
            .hint("Nobody reads the log, and writing it fails: eprintln! then panics. Write status lines with \
                   note! (it drops a line it cannot write): the chat must go on."),
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

fn half_line_survives_a_typed_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    server.expect_stderr_containing("connected")?;
    let message = t.sentence(3);
    let cut = message.len() / 2;
    tcp.send_unfinished(&message.as_bytes()[..cut])?;
    t.note("while the client's line is half-arrived, the server's user types a line: it must leave at once");
    let typed = t.sentence(2);
    server.send_line(&typed)?;
    tcp.expect_line(&typed)?;
    tcp.send_bytes(format!("{}\n", &message[cut..]).as_bytes())?;
    server.expect_line(&format!("client: {message}"))?;
    t.note("the next line is printed as itself: nothing of the first was left behind");
    let next = t.word();
    tcp.send_line(&next)?;
    server.expect_line(&format!("client: {next}"))
}

fn burst_is_printed_at_once(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let first = t.word();
    tcp.send_line(&first)?;
    server.expect_line(&format!("client: {first}"))?;
    t.note("after a quiet spell, three lines come in one write, and nothing after them");
    let lines = [t.sentence(2), t.word(), t.sentence(3)];
    tcp.send_burst(&[&lines[0], &lines[1], &lines[2]])?;
    for line in &lines {
        server.expect_line(&format!("client: {line}"))?;
    }
    Ok(())
}

fn stalled_line_is_printed_whole(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.sentence(3);
    let bytes = format!("{message}\n");
    tcp.send_with_pause(
        bytes.as_bytes(),
        message.len() / 2,
        Duration::from_millis(1500),
    )?;
    server.expect_line(&format!("client: {message}"))?;
    let next = t.word();
    tcp.send_line(&next)?;
    server.expect_line(&format!("client: {next}"))
}

fn half_closed_client_is_let_go(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let (first, last) = (t.sentence(2), t.word());
    tcp.send_line(&first)?;
    server.expect_line(&format!("client: {first}"))?;
    t.note("like `printf 'a\\nb' | nc -N`: a last line without its \\n, then the client shuts down its sending side");
    tcp.send_bytes(last.as_bytes())?;
    tcp.shutdown_write()?;
    server.expect_line(&format!("client: {last}"))?;
    tcp.expect_closed()?;
    server.expect_stderr_containing("client left")?;
    let mut next = t.connect(addr)?;
    let message = t.word();
    next.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))
}

fn clients_wait_their_turn(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut clients = t.connect_many(addr, 3)?;
    let messages: Vec<String> = (0..clients.len()).map(|_| t.sentence(2)).collect();
    for (client, message) in clients.iter_mut().zip(&messages) {
        client.send_line(message)?;
    }
    t.note("the server chats with the first client; the others wait their turn, their lines kept");
    for (client, message) in clients.into_iter().zip(&messages) {
        server.expect_line(&format!("client: {message}"))?;
        let reply = t.word();
        server.send_line(&reply)?;
        let mut client = client;
        client.expect_line(&reply)?;
        client.close();
        server.expect_stderr_containing("client left")?;
    }
    server.expect_running()
}

fn server_listens_on_ipv6(t: &mut Session) -> Outcome {
    let (mut server, addr) =
        t.start_server("server", &["server", "--host", "::1", "--port", "0"])?;
    let mut tcp = t.connect(addr)?;
    let message = t.sentence(2);
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    let reply = t.word();
    server.send_line(&reply)?;
    tcp.expect_line(&reply)
}

fn client_reaches_ipv6(t: &mut Session) -> Outcome {
    let listener = t.listen_v6()?;
    client_chats_via(t, listener, "::1")
}

fn client_tries_next_address(t: &mut Session) -> Outcome {
    let (listener, host) = t.listen_behind_refusing_address()?;
    client_chats_via(t, listener, &host)
}

fn client_stops_when_stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    t.note("the client's stdout is closed: printing this line fails");
    let message = t.sentence(2);
    tcp.send_line(&message)?;
    client.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn chat_with_stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let (mut server, addr) = server(t)?;
    let port = addr.port().to_string();
    let mut client = t.start(
        "client",
        &["client", "--host", "127.0.0.1", "--port", &port],
    )?;
    let hello = t.sentence(2);
    client.send_line(&hello)?;
    server.expect_line(&format!("client: {hello}"))?;
    let answer = t.sentence(2);
    server.send_line(&answer)?;
    client.expect_line(&format!("server: {answer}"))?;
    client.close_stdin();
    client.expect_success()?;
    t.note("the server noted the client leaving, to nobody; it serves the next");
    let mut next = t.connect(addr)?;
    let message = t.word();
    next.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    server.expect_running()
}
