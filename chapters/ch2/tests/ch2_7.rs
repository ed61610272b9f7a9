//! Grades ch2-7, the half-duplex chat: the two sides take turns, one line each, the
//! client first; a message is a line however the network splits it.

use ch2::chat::client_chats_via;
use harness::prelude::*;
use std::net::SocketAddr;
use std::process::ExitCode;

/// How long a side must stay quiet to show it is waiting for its turn. Silence is the
/// point of the turn-taking cases, and proving an absence needs a window.
const TURN_WINDOW: Duration = Duration::from_millis(300);

/// Longer than the 64 KiB a line may have.
const TOO_LONG: usize = 64 * 1024 + 1000;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("the server prints a client's line as `client: TEXT`", server_prints_client_line)
            .hint_if(Kind::Mismatch, "Print the client's line on stdout as `client: TEXT`, without its \\n.")
            .hint_if(Kind::Timeout, "The client speaks first: the server's turn loop starts by reading one line \
                     from the socket and printing it, before it looks at the keyboard."),
        Case::new("the server sends nothing before the client has spoken", server_waits_for_client)
            .hint_if(Kind::Mismatch, "The client speaks first. The server's turn loop starts by reading the \
                     socket; only after it has printed the client's line may it read the keyboard and send. A \
                     server that reads the keyboard first, or in a thread of its own, speaks out of turn."),
        Case::new("the server answers each client line with exactly one typed line", server_sends_one_line_per_turn)
            .hint_if(Kind::Mismatch, "One turn is: read the client's line, print it, read ONE line from stdin, send \
                     it, and go back to reading the socket. Lines typed ahead wait in stdin for the next turn."),
        Case::new("the client sends a typed line and prints the server's reply as `server: TEXT`", client_sends_and_prints_reply)
            .hint_if(Kind::Timeout, "Read one line from stdin, send it with its \\n in one write_all, then read \
                     the server's line and print it, before stdin is read again: a client that waits for the \
                     keyboard first leaves the reply unread.")
            .hint_if(Kind::Mismatch, "Send the typed line as it is, with its \\n; print the server's line as \
                     `server: TEXT`, without its \\n."),
        Case::new("the client waits for the reply before it sends its next line", client_waits_for_reply)
            .hint_if(Kind::Mismatch, "After sending, the client must block reading the socket until the server's \
                     line has come. A client that reads stdin again first (or in another thread) is full duplex: \
                     that is ch2-8."),
        Case::new("a line that reaches the server in pieces is one message", server_reassembles_split_line)
            .hint_if(Kind::Mismatch, "One read is not one message: TCP may deliver a line in several pieces. Read \
                     through a BufReader with read_until(b'\\n'), which waits for the whole line."),
        Case::new("two lines in one write reach the server as two messages, one per turn", server_keeps_second_line)
            .hint_if(Kind::Timeout, "A BufReader may read more than one line; the rest stays in ITS buffer. Create \
                     one BufReader per connection before the turn loop, not a new one per turn, or the second \
                     line is lost."),
        Case::new("the client reassembles a split reply and keeps what came after it", client_reassembles_reply)
            .hint_if(Kind::Mismatch, "The server's line may arrive in pieces: read up to its \\n (read_until), \
                     not one read().")
            .hint_if(Kind::Timeout, "The next line may come in the same piece as the reply: read through ONE \
                     BufReader for the whole connection, created before the loop, or it is lost."),
        Case::new("a line ending in \\r\\n is printed without its \\r", carriage_return_is_stripped)
            .hint_if(Kind::Mismatch, "telnet and Windows programs end lines with \\r\\n: the message is what \
                     comes before both."),
        Case::new("a last line without its \\n still counts when the client closes", last_line_without_newline_counts)
            .hint_if(Kind::Timeout, "When the stream ends in mid-line, what came is still a message: read_until \
                     returns it without a \\n. Only a read of 0 bytes is a hangup.")
            .hint_if(Kind::Closed, "A client that leaves ends its conversation, not the server: return \
                     Ending::ClientLeft, print `client left` and accept the next client.")
            .hint_if(Kind::Unreachable, "A client that leaves ends its conversation, not the server: return \
                     Ending::ClientLeft, print `client left` and accept the next client."),
        Case::new("the client reports a server line over 64 KiB with an error and a non-zero exit", client_refuses_long_reply)
            .hint_if(Kind::Timeout, "Cap the line length on the client too: read_peer_line answers \
                     FromPeer::TooLong after 64 KiB without a line end; return the error `message too long`.")
            .hint_if(Kind::Mismatch, "A server line over 64 KiB breaks the protocol: return the error \
                     `message too long` (main prints `error: …` and exits with 1)."),
        Case::new("empty typed lines are skipped, never sent", empty_typed_lines_are_skipped)
            .hint_if(Kind::Mismatch, "Pressing Enter on an empty line must not send an empty message: the given \
                     read_typed_line skips empty lines; use it on both sides."),
        Case::new("the server serves the next client after one leaves", server_serves_next_client)
            .hint_if(Kind::Timeout, "A read of 0 bytes means the client closed the connection: return \
                     Ending::ClientLeft (run prints `client left` and accepts the next client).")
            .hint_if(Kind::Closed, "A client that leaves ends its conversation, not the server: return \
                     Ending::ClientLeft, print `client left` and accept the next client.")
            .hint_if(Kind::Unreachable, "A client that leaves ends its conversation, not the server: return \
                     Ending::ClientLeft, print `client left` and accept the next client."),
        Case::new("the server survives clients that reset the connection and serves the next", server_survives_reset)
            .hint("Here clients vanish while the server waits for their line (the read fails with `connection \
                   reset`) and while the server's user is typing (sending the answer fails). Each ends that \
                   conversation only: never unwrap socket I/O; return, and the next client is accepted."),
        Case::new("the server exits with status 0 when its input ends on its turn", server_exits_at_end_of_input)
            .hint_if(Kind::Timeout, "read_typed_line returns None at the end of stdin (Ctrl-D): return \
                     Ending::KeyboardClosed, and the server exits.")
            .hint_if(Kind::Mismatch, "The end of the server's input is the normal end of the chat: \
                     Ending::KeyboardClosed, exit status 0."),
        Case::new("the client exits with status 0 at the end of its input", client_exits_at_end_of_input)
            .hint_if(Kind::Timeout, "read_typed_line returns None at the end of stdin (Ctrl-D) on the client's \
                     turn: return Ok(()), which closes the connection.")
            .hint_if(Kind::Mismatch, "The end of the client's input is the normal way to leave: exit status 0."),
        Case::new("the client reports an error when the server hangs up mid-turn", client_errors_when_server_hangs_up)
            .hint("While the client waits for its answer, a read of 0 bytes means the server has gone: that cuts \
                   the conversation, so return the error `server closed the connection` (main prints \
                   `error: …` on stderr and exits with 1), without a panic."),
        Case::new("garbage bytes do not stop the server", garbage_does_not_stop_server)
            .hint_if(Kind::Timeout, "Bytes that are not UTF-8 must not end the conversation: read_line and lines() \
                     fail on them (InvalidData). Read bytes with read_until(b'\\n') and convert them with \
                     String::from_utf8_lossy.")
            .hint_if(Kind::Mismatch, "Show bytes that are not UTF-8 as \u{fffd} (String::from_utf8_lossy), in a \
                     line `client: …`, and the chat goes on."),
        Case::new("an over-long line is refused and the server keeps running", over_long_line_is_refused)
            .hint_if(Kind::Timeout, "Cap the line length: read through `.take(MAX_LINE + 2)` and, if no line ending \
                     came within 64 KiB, answer FromPeer::TooLong: serve_client returns \
                     Ending::MessageTooLong, and run reports `error: message too long` and accepts the next \
                     client."),
        Case::new("a client that cannot connect prints an error and exits non-zero", client_reports_refused_connection)
            .hint("Connecting to a port where nobody listens fails with `connection refused`: print one \
                   `error: …` line on stderr and exit non-zero, without a panic."),
        Case::new("a server that cannot bind prints an error and exits non-zero", server_reports_port_in_use)
            .hint("Binding a port another program listens on fails: print one `error: …` line on stderr and \
                   exit non-zero, without a panic."),
        Case::new("a line typed while the client's line is half-arrived waits for the whole line", typed_line_waits_for_whole_line)
            .hint_if(Kind::Mismatch, "It is still the client's turn while its line is half-arrived: the server \
                     must not send what its user typed until the whole line has come and been printed, once.")
            .hint_if(Kind::Timeout, "A line that arrives in two parts, with the server's user typing in between, \
                     is one message: read up to its \\n (read_until), then print it and send the typed line."),
        Case::new("a line that stalls midway is one message", stalled_line_is_one_message)
            .hint("A line may stall in the middle for a second or more (a slow typist on telnet): wait for its \
                   \\n and print it once, whole. No timeout may cut it."),
        Case::new("clients that connect together are served one after another, each with its own lines", clients_wait_their_turn)
            .hint("The server chats with one client at a time: the others wait in the listen backlog, their lines \
                   kept in the kernel, until the current one leaves; each answer goes to the client whose turn it \
                   is."),
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
                   may refuse: TcpStream::connect((host, port)) tries each in turn; connecting to the first of \
                   to_socket_addrs() only does not."),
        Case::new("a client whose stdout is closed stops with an error naming stdout", client_stops_when_stdout_closed)
            .hint("When stdout is closed (`client | head -1`), println! panics. Print with show, which returns \
                   the error, and pass it on with the context `cannot write to stdout`: main prints one `error:` \
                   line and exits with 1. It is not the server's fault."),
        Case::new("the server and the client chat with their stderr closed", chat_with_stderr_closed)
            .hint("Nobody reads the log, and writing it fails: eprintln! then panics. Write status lines with \
                   note! (it drops a line it cannot write): the chat must go on."),
        Case::new("a server and a client chat in turns", server_and_client_chat),
    ])
}

/// Starts the server on a free port.
fn server(t: &mut Session) -> Outcome<(Program, SocketAddr)> {
    t.start_server("server", &["server", "--port", "0"])
}

/// One turn seen from the test playing the client: send a line, see the server print
/// it, type the server's answer, receive it.
fn turn(t: &mut Session, server: &mut Program, tcp: &mut StreamPeer) -> Outcome {
    let (message, answer) = (t.sentence(2), t.sentence(2));
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    server.send_line(&answer)?;
    tcp.expect_line(&answer)
}

fn server_prints_client_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.sentence(3);
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))
}

fn server_waits_for_client(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let answer = t.sentence(2);
    t.note("the server's user types before the client has said anything");
    server.send_line(&answer)?;
    tcp.expect_silence(TURN_WINDOW)?;
    let message = t.sentence(2);
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    tcp.expect_line(&answer)
}

fn server_sends_one_line_per_turn(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let (first_answer, second_answer) = (t.word(), t.word());
    t.note("the server's user types two answers ahead");
    server.send_line(&first_answer)?;
    server.send_line(&second_answer)?;
    let first = t.word();
    tcp.send_line(&first)?;
    server.expect_line(&format!("client: {first}"))?;
    tcp.expect_line(&first_answer)?;
    tcp.expect_silence(TURN_WINDOW)?;
    let second = t.word();
    tcp.send_line(&second)?;
    server.expect_line(&format!("client: {second}"))?;
    tcp.expect_line(&second_answer)
}

fn client_sends_and_prints_reply(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let message = t.sentence(3);
    client.send_line(&message)?;
    tcp.expect_line(&message)?;
    let reply = t.sentence(2);
    tcp.send_line(&reply)?;
    client.expect_line(&format!("server: {reply}"))
}

fn client_waits_for_reply(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let (first, second) = (t.word(), t.word());
    t.note("the client's user types two lines in a row");
    client.send_line(&first)?;
    client.send_line(&second)?;
    tcp.expect_line(&first)?;
    tcp.expect_silence(TURN_WINDOW)?;
    let reply = t.word();
    tcp.send_line(&reply)?;
    client.expect_line(&format!("server: {reply}"))?;
    tcp.expect_line(&second)
}

fn server_reassembles_split_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.sentence(4);
    let bytes = format!("{message}\n");
    let cuts = t.cuts(bytes.len(), 4);
    tcp.send_in_pieces(bytes.as_bytes(), &cuts)?;
    server.expect_line(&format!("client: {message}"))?;
    let answer = t.word();
    server.send_line(&answer)?;
    tcp.expect_line(&answer)
}

fn server_keeps_second_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    turn(t, &mut server, &mut tcp)?;
    t.note("after a quiet spell, two lines in one write");
    let (first, second) = (t.word(), t.word());
    tcp.send_burst(&[&first, &second])?;
    server.expect_line(&format!("client: {first}"))?;
    let first_answer = t.word();
    server.send_line(&first_answer)?;
    tcp.expect_line(&first_answer)?;
    server.expect_line(&format!("client: {second}"))?;
    let second_answer = t.word();
    server.send_line(&second_answer)?;
    tcp.expect_line(&second_answer)
}

fn client_reassembles_reply(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let first = t.word();
    client.send_line(&first)?;
    tcp.expect_line(&first)?;
    let (reply, next) = (t.sentence(2), t.word());
    t.note("the reply comes in two pieces; the second also carries the next line");
    let cuts = t.cuts(reply.len(), 2);
    tcp.send_in_pieces(format!("{reply}\n{next}\n").as_bytes(), &cuts)?;
    client.expect_line(&format!("server: {reply}"))?;
    let second = t.word();
    client.send_line(&second)?;
    tcp.expect_line(&second)?;
    client.expect_line(&format!("server: {next}"))
}

fn carriage_return_is_stripped(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.sentence(2);
    tcp.send_line_crlf(&message)?;
    server.expect_line(&format!("client: {message}"))
}

fn last_line_without_newline_counts(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.word();
    tcp.send_bytes(message.as_bytes())?;
    tcp.shutdown_write()?;
    server.expect_line(&format!("client: {message}"))?;
    t.note(
        "the client can still read: the server's answer reaches it, then the server sees it leave",
    );
    let answer = t.word();
    server.send_line(&answer)?;
    tcp.expect_line(&answer)?;
    server.expect_stderr_containing("client left")?;
    t.note("the server goes on: the next client is served");
    let mut next = t.connect(addr)?;
    let message = t.word();
    next.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))
}

fn client_refuses_long_reply(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let message = t.word();
    client.send_line(&message)?;
    tcp.expect_line(&message)?;
    t.note("the server answers with more than 64 KiB and no newline");
    tcp.send_bytes("x".repeat(TOO_LONG).as_bytes())?;
    let line = client.expect_error_exit(None)?;
    if line.contains("too long") {
        Ok(())
    } else {
        Err(Failure::mismatch(
            "the client should report the over-long line",
            "error: message too long",
            line,
        ))
    }
}

fn empty_typed_lines_are_skipped(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let message = t.word();
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    let answer = t.word();
    server.send_line("")?;
    server.send_line(&answer)?;
    tcp.expect_line(&answer)?;

    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let message = t.word();
    client.send_line("")?;
    client.send_line("")?;
    client.send_line(&message)?;
    tcp.expect_line(&message)
}

fn server_serves_next_client(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut first = t.connect(addr)?;
    turn(t, &mut server, &mut first)?;
    first.close();
    server.expect_stderr_containing("client left")?;
    let mut second = t.connect(addr)?;
    turn(t, &mut server, &mut second)?;
    server.expect_running()
}

fn server_survives_reset(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut first = t.connect(addr)?;
    let message = t.word();
    first.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    first.reset();
    t.note("the server's user answers a client that has vanished");
    let lost = t.word();
    server.send_line(&lost)?;
    let mut second = t.connect(addr)?;
    turn(t, &mut server, &mut second)?;
    t.note("this client vanishes while the server waits for its line");
    second.reset();
    let mut third = t.connect(addr)?;
    turn(t, &mut server, &mut third)?;
    server.expect_running()
}

fn server_exits_at_end_of_input(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    turn(t, &mut server, &mut tcp)?;
    let message = t.word();
    tcp.send_line(&message)?;
    server.expect_line(&format!("client: {message}"))?;
    server.close_stdin();
    server.expect_success()?;
    tcp.expect_closed()
}

fn client_exits_at_end_of_input(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let message = t.word();
    client.send_line(&message)?;
    tcp.expect_line(&message)?;
    let reply = t.word();
    tcp.send_line(&reply)?;
    client.expect_line(&format!("server: {reply}"))?;
    client.close_stdin();
    tcp.expect_closed()?;
    client.expect_success()
}

fn client_errors_when_server_hangs_up(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let message = t.word();
    client.send_line(&message)?;
    tcp.expect_line(&message)?;
    t.note("the server hangs up instead of answering");
    tcp.close();
    client.expect_error_exit(None)?;
    Ok(())
}

fn garbage_does_not_stop_server(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    tcp.send_bytes(b"\xff\xfe\x00\x1b[2J\xc3\n")?;
    let line = server.read_line()?;
    if !(line.starts_with("client: ") && line.contains('\u{fffd}')) {
        return Err(Failure::mismatch(
            "the garbage line should be printed as `client: …` with each invalid byte shown as \u{fffd}",
            "client: \u{fffd}\u{fffd}…",
            line,
        ));
    }
    let answer = t.word();
    server.send_line(&answer)?;
    tcp.expect_line(&answer)?;
    turn(t, &mut server, &mut tcp)?;
    server.expect_running()
}

fn over_long_line_is_refused(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut flood = t.connect(addr)?;
    flood.send_bytes("x".repeat(TOO_LONG).as_bytes())?;
    let line = server.expect_stderr_containing("too long")?;
    if !line.starts_with("error:") {
        return Err(Failure::mismatch(
            "the server should report the refused line as an error",
            "error: message too long",
            line,
        ));
    }
    server.expect_running()?;
    let mut next = t.connect(addr)?;
    turn(t, &mut server, &mut next)?;
    drop(flood);
    server.expect_running()
}

fn client_reports_refused_connection(t: &mut Session) -> Outcome {
    let refused = t.refused_addr()?;
    let (host, port) = (refused.ip().to_string(), refused.port().to_string());
    let mut client = t.start("client", &["client", "--host", &host, "--port", &port])?;
    client.expect_error_exit(None)?;
    Ok(())
}

fn server_reports_port_in_use(t: &mut Session) -> Outcome {
    let taken = t.listen()?;
    let port = taken.addr()?.port().to_string();
    let mut server = t.start("server", &["server", "--port", &port])?;
    server.expect_error_exit(None)?;
    Ok(())
}

fn server_and_client_chat(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let port = addr.port().to_string();
    let mut client = t.start(
        "client",
        &["client", "--host", "127.0.0.1", "--port", &port],
    )?;
    server.expect_stderr_containing("connected:")?;
    let (hello, answer) = (t.sentence(2), t.sentence(3));
    client.send_line(&hello)?;
    server.expect_line(&format!("client: {hello}"))?;
    server.send_line(&answer)?;
    client.expect_line(&format!("server: {answer}"))?;
    t.note("the client's user types two lines in a row: the second waits for its turn");
    let (question, more) = (t.sentence(2), t.word());
    client.send_line(&question)?;
    client.send_line(&more)?;
    server.expect_line(&format!("client: {question}"))?;
    server.expect_silence(TURN_WINDOW)?;
    let reply = t.word();
    server.send_line(&reply)?;
    client.expect_line(&format!("server: {reply}"))?;
    server.expect_line(&format!("client: {more}"))?;
    let last = t.sentence(2);
    server.send_line(&last)?;
    client.expect_line(&format!("server: {last}"))?;
    client.close_stdin();
    client.expect_success()?;
    server.expect_stderr_containing("client left")?;
    server.expect_running()?;
    t.snapshot("chat")
}

fn typed_line_waits_for_whole_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    turn(t, &mut server, &mut tcp)?;
    let message = t.sentence(3);
    let cut = message.len() / 2;
    tcp.send_unfinished(&message.as_bytes()[..cut])?;
    t.note("the server's user types while the client's line is half-arrived: it is still the client's turn");
    let answer = t.sentence(2);
    server.send_line(&answer)?;
    tcp.expect_silence(TURN_WINDOW)?;
    tcp.send_bytes(format!("{}\n", &message[cut..]).as_bytes())?;
    server.expect_line(&format!("client: {message}"))?;
    tcp.expect_line(&answer)?;
    turn(t, &mut server, &mut tcp)
}

fn stalled_line_is_one_message(t: &mut Session) -> Outcome {
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
    let answer = t.word();
    server.send_line(&answer)?;
    tcp.expect_line(&answer)
}

fn clients_wait_their_turn(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let clients = t.connect_many(addr, 3)?;
    let messages: Vec<String> = (0..clients.len()).map(|_| t.sentence(2)).collect();
    let mut clients = clients;
    for (client, message) in clients.iter_mut().zip(&messages) {
        client.send_line(message)?;
    }
    t.note("the server chats with the first client; the others wait their turn, their lines kept");
    for (mut client, message) in clients.into_iter().zip(&messages) {
        server.expect_line(&format!("client: {message}"))?;
        let answer = t.word();
        server.send_line(&answer)?;
        client.expect_line(&answer)?;
        client.close();
        server.expect_stderr_containing("client left")?;
    }
    server.expect_running()
}

fn server_listens_on_ipv6(t: &mut Session) -> Outcome {
    let (mut server, addr) =
        t.start_server("server", &["server", "--host", "::1", "--port", "0"])?;
    let mut tcp = t.connect(addr)?;
    turn(t, &mut server, &mut tcp)
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
    let message = t.word();
    client.send_line(&message)?;
    tcp.expect_line(&message)?;
    t.note("the client's stdout is closed: printing the reply fails");
    tcp.send_line(&t.word())?;
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
    turn(t, &mut server, &mut next)?;
    server.expect_running()
}
