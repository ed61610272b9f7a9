//! Grades ch1-5, the multi-client echo server and the time client: the server answers
//! every line of every client with `received: LINE`, all clients at once, and a silent
//! client holds up nobody; the client sends the time every interval and prints each
//! reply.

use harness::prelude::*;
use std::net::SocketAddr;
use std::process::ExitCode;

/// Longer than the 64 KiB a line may have.
const TOO_LONG: usize = 64 * 1024 + 5000;

/// How many clients talk to the server at once in the crowd case.
const CROWD: usize = 20;

/// A time as the client sends it: `%Y-%m-%d %H:%M:%S%.3f`.
const TIME: &str = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}";

/// The client's interval in the time cases, in seconds and in milliseconds.
const INTERVAL: &str = "0.05";
const INTERVAL_MS: i64 = 50;

/// How long a client stalls in the middle of a line in the pause case: longer than
/// any timeout a server might put on reading one line.
const PAUSE: Duration = Duration::from_millis(1000);

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("the server answers each line with `received: LINE`", answers_each_line)
            .hint("Read each line (up to its \\n) and send back `received: ` followed by the line and \\n, in one \
                   write_all. An empty line is answered too: `received: `."),
        Case::new("several lines in one write get one reply each, in order", several_lines_in_one_write)
            .hint("Two lines came in one write, so one read may return both: each gets its own reply, in order.")
            .hint_if(Kind::Mismatch, "One read is not one line: answering what one read returned as a line \
                   gives one reply for two lines. Wait for each \\n with read_until on a BufReader.")
            .hint_if(Kind::Timeout, "A BufReader may read several lines at once; they stay in its buffer. Create \
                   one BufReader per connection, before the loop: one made anew for each line throws away the \
                   lines it had already read."),
        Case::new("a line that arrives in pieces gets one reply", line_in_pieces)
            .hint("One read is not one line: wait for the \\n (read_until / read_line on a BufReader) before \
                   answering."),
        Case::new("a line with a long pause in the middle gets one reply", line_with_pause)
            .hint("A client may stall in the middle of a line (a slow link, a person typing): the line is \
                   answered once its \\n comes, whole, however long that takes.")
            .hint_if(Kind::Closed, "Do not put a timeout on reading a line: a pause is not the end of the \
                   client. Only a read of 0 bytes (the client closed) or an error ends the connection."),
        Case::new("a client that shuts down its sending side still gets its replies, then the server closes", half_close)
            .hint("`printf 'x\\n' | nc -N` sends its lines and shuts down its sending side at once: the \
                   server reads those lines, then end-of-file. It answers every line it read, and only then \
                   closes the connection.")
            .hint_if(Kind::Timeout, "A read of 0 bytes is end-of-file: the client will send no more. Return \
                   from the connection's task then (dropping the stream closes it); reading on after it \
                   spins for ever and never closes."),
        Case::new("a silent client does not hold up the others", silent_client_holds_up_nobody)
            .hint_if(Kind::Timeout, "The classic bug: a server that serves one client at a time waits for its \
                   first client's next \
                   line and never gets to the others. Give each accepted connection its own thread \
                   (std::thread::spawn) or task (tokio::spawn), and go straight back to accept."),
        Case::new("20 clients at once each get their own replies", crowd_of_clients)
            .hint("Each connection's replies go to that connection only: the socket accept returned for it. \
                   Serve each on its own thread or task."),
        Case::new("a client that resets does not stop the server", reset_does_not_stop_server)
            .hint("A connection that breaks is an error on that connection only: end its thread or task (never \
                   unwrap socket I/O there) and keep accepting."),
        Case::new("bytes that are not UTF-8 do not stop the server", garbage_does_not_stop_server)
            .hint_if(Kind::Closed, "Read lines as bytes (read_until into a Vec<u8>): read_line into a String \
                   fails on invalid UTF-8. Answer them (the bytes as they came, or String::from_utf8_lossy) and go on.")
            .hint_if(Kind::Timeout, "A second client got no answer while the first was still connected: serve \
                   each connection on a thread or task of its own."),
        Case::new("a line ending in \\r\\n is answered without the \\r", crlf_line)
            .hint("A client such as telnet ends its lines with \\r\\n: the reply is `received: ` and the line \
                   without its line end, \\r included (the given reply_to drops both)."),
        Case::new("a line longer than 64 KiB is refused and only that client is dropped", over_long_line)
            .hint("Cap what you buffer for one line (read through .take(64 KiB + 1)): a longer line gets \
                   `error: line longer than 65536 bytes`, that connection is closed, and the server goes on \
                   serving the others.")
            .hint_if(Kind::Timeout, "Without a cap, read_until keeps buffering a line that never ends, and \
                   the client waits for an answer that never comes."),
        Case::new("with its stderr closed, the server still serves every client", stderr_closed)
            .hint("Nobody may be reading the server's stderr (a closed terminal, a log reader that exited): a \
                   write to it then fails, and eprintln! panics — in a task, that drops the client. Log with \
                   `let _ = writeln!(std::io::stderr(), …)`, which ignores the failure."),
        Case::new("the server listens on ::1 when given --host ::1", server_on_ipv6)
            .hint("Bind with TcpListener::bind((host, port)): it takes an IPv6 address as it takes an IPv4 \
                   one, and `listening on` then shows `[::1]:PORT`."),
        Case::new("the client sends the time every interval and prints each reply", client_sends_times)
            .hint("Every --interval seconds, send chrono::Local::now().format(\"%Y-%m-%d %H:%M:%S%.3f\") as one \
                   line, read the server's reply line and print it as it is. With --count N, exit 0 after N \
                   replies."),
        Case::new("the client reports an error when the server hangs up", client_errors_when_server_hangs_up)
            .hint("A read of 0 bytes while waiting for a reply means the server is gone: print one `error: …` \
                   line on stderr and exit with status 1, without a panic."),
        Case::new("the client reaches a server on ::1 when given --host ::1", client_over_ipv6)
            .hint("Connect with TcpStream::connect((host, port)): it takes a name, an IPv4 or an IPv6 address. \
                   Gluing `format!(\"{host}:{port}\")` and parsing it as a SocketAddr fails for `::1` (an IPv6 \
                   address needs brackets: `[::1]:5000`)."),
        Case::new("the client tries the next address when a host name's first address refuses", client_tries_every_address)
            .hint("A name such as `localhost` often resolves to ::1 first and 127.0.0.1 second, and a server \
                   may listen on only one of them. TcpStream::connect((host, port)) tries every address in \
                   turn; taking only the first of to_socket_addrs() fails when that one refuses."),
        Case::new("with its stdout closed, the client stops with an error that names stdout and exits with status 1", client_stdout_closed)
            .hint("When nobody reads the client's stdout any more (`ch1-5 client | head -1` after its line), \
                   printing fails with a broken pipe, and println! panics. Write the reply with \
                   writeln!(io::stdout(), …) and return the error with a context that names stdout, so main \
                   prints `error: cannot write to stdout: …` and exits with status 1."),
        Case::new("a client that cannot connect prints an error and exits with status 1", client_reports_refused_connection)
            .hint("Connecting to a port where nobody listens fails with `connection refused`: print one \
                   `error: …` line on stderr and exit with status 1, without a panic."),
        Case::new("a server that cannot bind prints an error and exits with status 1", server_reports_port_in_use)
            .hint("Binding a port another program listens on fails: print one `error: …` line on stderr and \
                   exit non-zero, without a panic."),
        Case::new("the time client and the server talk", client_and_server_talk),
    ])
}

/// Starts the server on a free port.
fn server(t: &mut Session) -> Outcome<(Program, SocketAddr)> {
    t.start_server("server", &["server", "--port", "0"])
}

/// Starts the time client against `addr`, sending `count` times.
fn client(t: &mut Session, addr: SocketAddr, count: &str) -> Outcome<Program> {
    client_at(t, &addr.ip().to_string(), addr.port(), count)
}

/// Starts the time client against `host` (a name or an address) and `port`.
fn client_at(t: &mut Session, host: &str, port: u16, count: &str) -> Outcome<Program> {
    let port = port.to_string();
    t.start(
        "client",
        &[
            "client",
            "--host",
            host,
            "--port",
            &port,
            "--interval",
            INTERVAL,
            "--count",
            count,
        ],
    )
}

/// Plays the server for one exchange on `tcp`: reads the client's time, answers with
/// a line of its own, and checks the client prints it.
fn serve_one_time(t: &mut Session, client: &mut Program, tcp: &mut StreamPeer) -> Outcome {
    let time = tcp.expect_line_matching(TIME, "the local time as %Y-%m-%d %H:%M:%S%.3f")?;
    let reply = format!("{} {}", t.word(), time);
    tcp.send_line(&reply)?;
    client.expect_line(&reply)
}

/// Sends `line` and expects `received: LINE` back.
fn exchange(t: &mut Session, tcp: &mut StreamPeer) -> Outcome {
    let line = t.sentence(2);
    tcp.send_line(&line)?;
    tcp.expect_line(&format!("received: {line}"))
}

/// Milliseconds since midnight of a time the client sent (`2026-11-22 14:03:07.250`).
fn millis_of_day(time: &str) -> Outcome<i64> {
    let clock = time.get(11..).unwrap_or_default();
    let parts: Vec<i64> = clock
        .split([':', '.'])
        .map(|part| part.parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Failure::new(format!("{time:?} is not a time as %Y-%m-%d %H:%M:%S%.3f")))?;
    match parts[..] {
        [h, m, s, ms] => Ok(((h * 60 + m) * 60 + s) * 1000 + ms),
        _ => Err(Failure::new(format!(
            "{time:?} is not a time as %Y-%m-%d %H:%M:%S%.3f"
        ))),
    }
}

/// Checks that each time is later than the one before, by about the interval at least.
fn expect_times_apart(times: &[String]) -> Outcome {
    for pair in times.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        ensure(
            later > earlier,
            format!("the times must increase, but {later:?} came after {earlier:?}"),
        )?;
        // Across midnight the clock restarts; the date makes the order right above.
        let gap = millis_of_day(later)? - millis_of_day(earlier)?;
        ensure(
            !(0..INTERVAL_MS * 6 / 10).contains(&gap),
            format!(
                "with --interval {INTERVAL} the sends must be about {INTERVAL_MS} ms apart, but {earlier:?} \
                 and {later:?} are {gap} ms apart: wait for the interval between sends"
            ),
        )?;
    }
    Ok(())
}

fn answers_each_line(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let lines = [
        t.sentence(3),
        t.word(),
        String::new(),
        format!("naïve café ✓ {}", t.word()),
        format!("  {}  {}  ", t.word(), t.word()),
        format!("received: {}", t.word()),
    ];
    for line in &lines {
        tcp.send_line(line)?;
        tcp.expect_line(&format!("received: {line}"))?;
    }
    t.snapshot("replies")
}

fn several_lines_in_one_write(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    exchange(t, &mut tcp)?;
    t.note("after a quiet spell, three lines come in one write");
    let lines = [t.sentence(2), t.word(), t.sentence(3)];
    tcp.send_burst(&lines.iter().map(String::as_str).collect::<Vec<_>>())?;
    for line in &lines {
        tcp.expect_line(&format!("received: {line}"))?;
    }
    tcp.expect_silence(Duration::from_millis(100))?;
    exchange(t, &mut tcp)
}

fn line_in_pieces(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(4), t.sentence(2));
    let bytes = format!("{first}\n{second}\n");
    let cuts = t.cuts(bytes.len(), 5);
    tcp.send_in_pieces(bytes.as_bytes(), &cuts)?;
    tcp.expect_line(&format!("received: {first}"))?;
    tcp.expect_line(&format!("received: {second}"))?;
    let slow = t.word();
    tcp.send_slowly(format!("{slow}\n").as_bytes())?;
    tcp.expect_line(&format!("received: {slow}"))
}

fn line_with_pause(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    exchange(t, &mut tcp)?;
    let line = t.sentence(3);
    let at = line.len() / 2;
    tcp.send_with_pause(format!("{line}\n").as_bytes(), at, PAUSE)?;
    tcp.expect_line(&format!("received: {line}"))?;
    exchange(t, &mut tcp)?;
    server.expect_running()
}

fn half_close(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(2), t.word());
    tcp.send_line(&first)?;
    tcp.send_line(&second)?;
    tcp.shutdown_write()?;
    tcp.expect_line(&format!("received: {first}"))?;
    tcp.expect_line(&format!("received: {second}"))?;
    tcp.expect_closed()?;
    let mut other = t.connect(addr)?;
    exchange(t, &mut other)?;
    server.expect_running()
}

fn silent_client_holds_up_nobody(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut silent = t.connect(addr)?;
    t.note("tcp#1 connects first and says nothing");
    let mut halfway = t.connect(addr)?;
    let (start, rest) = (t.word(), t.word());
    t.note("tcp#2 sends half a line and stops");
    halfway.send_unfinished(start.as_bytes())?;
    let mut talker = t.connect(addr)?;
    t.note("tcp#3 must get its replies now, while the others are still connected");
    exchange(t, &mut talker)?;
    exchange(t, &mut talker)?;
    halfway.send_bytes(format!(" {rest}\n").as_bytes())?;
    halfway.expect_line(&format!("received: {start} {rest}"))?;
    exchange(t, &mut silent)?;
    exchange(t, &mut talker)
}

fn crowd_of_clients(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut clients = t.connect_many(addr, CROWD)?;
    let lines: Vec<String> = (0..CROWD).map(|_| t.word()).collect();
    t.note("every client sends its line before any reads its reply");
    for (tcp, line) in clients.iter_mut().zip(&lines) {
        tcp.send_line(line)?;
    }
    for (tcp, line) in clients.iter_mut().zip(&lines).rev() {
        tcp.expect_line(&format!("received: {line}"))?;
    }
    t.note("a second round, each client's two lines in one write");
    let more: Vec<(String, String)> = (0..CROWD).map(|_| (t.word(), t.word())).collect();
    for (tcp, (first, second)) in clients.iter_mut().zip(&more) {
        tcp.send_burst(&[first.as_str(), second.as_str()])?;
    }
    for (tcp, (first, second)) in clients.iter_mut().zip(&more) {
        tcp.expect_line(&format!("received: {first}"))?;
        tcp.expect_line(&format!("received: {second}"))?;
    }
    Ok(())
}

fn reset_does_not_stop_server(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut first = t.connect(addr)?;
    exchange(t, &mut first)?;
    let unanswered = t.word();
    first.send_line(&unanswered)?;
    first.reset();
    let mut second = t.connect(addr)?;
    exchange(t, &mut second)?;
    let partial = t.word();
    t.note("this client vanishes in the middle of a line");
    second.send_bytes(partial.as_bytes())?;
    second.reset();
    let mut third = t.connect(addr)?;
    exchange(t, &mut third)?;
    server.expect_running()
}

fn garbage_does_not_stop_server(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    tcp.send_bytes(b"\xff\xfe\x00 not \xc3 text\n")?;
    let line = t.word();
    tcp.send_line(&line)?;
    let expected = format!("received: {line}");
    let first = tcp.read_line()?;
    if first != expected {
        t.note("the garbage line got an answer; the next line must get its own");
        tcp.expect_line(&expected)?;
    }
    let mut other = t.connect(addr)?;
    exchange(t, &mut other)?;
    server.expect_running()
}

fn crlf_line(t: &mut Session) -> Outcome {
    let (_server, addr) = server(t)?;
    let mut tcp = t.connect(addr)?;
    let line = t.sentence(2);
    tcp.send_line_crlf(&line)?;
    tcp.expect_line(&format!("received: {line}"))?;
    exchange(t, &mut tcp)
}

fn over_long_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = server(t)?;
    let mut flood = t.connect(addr)?;
    flood.send_bytes("x".repeat(TOO_LONG).as_bytes())?;
    flood.expect_line("error: line longer than 65536 bytes")?;
    flood.expect_closed()?;
    t.note("the server goes on serving");
    let mut other = t.connect(addr)?;
    exchange(t, &mut other)?;
    server.expect_running()
}

fn stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let (mut server, addr) = server(t)?;
    t.note("the server reports each client's arrival and departure on stderr");
    for _ in 0..2 {
        let mut tcp = t.connect(addr)?;
        exchange(t, &mut tcp)?;
        tcp.close();
    }
    let mut tcp = t.connect(addr)?;
    exchange(t, &mut tcp)?;
    exchange(t, &mut tcp)?;
    server.expect_running()
}

fn server_on_ipv6(t: &mut Session) -> Outcome {
    let (mut server, addr) =
        t.start_server("server", &["server", "--host", "::1", "--port", "0"])?;
    ensure(
        addr.is_ipv6(),
        format!("given --host ::1, the server must listen on [::1], not on {addr}"),
    )?;
    let mut tcp = t.connect(addr)?;
    exchange(t, &mut tcp)?;
    exchange(t, &mut tcp)?;
    server.expect_running()
}

fn client_over_ipv6(t: &mut Session) -> Outcome {
    let mut listener = t.listen_v6()?;
    let port = listener.addr()?.port();
    let mut client = client_at(t, "::1", port, "2")?;
    let mut tcp = listener.accept()?;
    t.note("the test plays the server on [::1]");
    serve_one_time(t, &mut client, &mut tcp)?;
    serve_one_time(t, &mut client, &mut tcp)?;
    client.expect_success()
}

fn client_tries_every_address(t: &mut Session) -> Outcome {
    let (mut listener, host) = t.listen_behind_refusing_address()?;
    let port = listener.addr()?.port();
    let mut client = client_at(t, &host, port, "2")?;
    let mut tcp = listener.accept()?;
    serve_one_time(t, &mut client, &mut tcp)?;
    serve_one_time(t, &mut client, &mut tcp)?;
    client.expect_success()
}

fn client_stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let mut listener = t.listen()?;
    let mut client = client(t, listener.addr()?, "5")?;
    let mut tcp = listener.accept()?;
    t.note("nobody reads the client's stdout: printing the reply fails");
    let time = tcp.expect_line_matching(TIME, "the local time as %Y-%m-%d %H:%M:%S%.3f")?;
    tcp.send_line(&format!("{} {}", t.word(), time))?;
    client.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn client_sends_times(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let mut client = client(t, listener.addr()?, "3")?;
    let mut tcp = listener.accept()?;
    t.note("the test plays the server and answers each time with a line of its own");
    let mut times = Vec::new();
    for _ in 0..3 {
        let time = tcp.expect_line_matching(TIME, "the local time as %Y-%m-%d %H:%M:%S%.3f")?;
        let reply = format!("{} {}", t.word(), time);
        tcp.send_line(&reply)?;
        client.expect_line(&reply)?;
        times.push(time);
    }
    client.expect_success()?;
    expect_times_apart(&times)
}

fn client_errors_when_server_hangs_up(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let mut client = client(t, listener.addr()?, "5")?;
    let mut tcp = listener.accept()?;
    tcp.expect_line_matching(TIME, "the local time as %Y-%m-%d %H:%M:%S%.3f")?;
    t.note("the server hangs up instead of answering");
    tcp.close();
    client.expect_error_exit(Some(1))?;
    match client.read_line() {
        Ok(printed) => Err(Failure::mismatch(
            "the client printed a reply after the server hung up: a read of 0 bytes (an empty \
             read_until) means the server closed the connection, not an empty reply; report it as an \
             error at once",
            "(nothing on stdout)",
            printed,
        )),
        Err(_) => Ok(()),
    }
}

fn client_reports_refused_connection(t: &mut Session) -> Outcome {
    let addr = t.refused_addr()?;
    let mut client = client(t, addr, "1")?;
    client.expect_error_exit(Some(1))?;
    Ok(())
}

fn server_reports_port_in_use(t: &mut Session) -> Outcome {
    let taken = t.listen()?;
    let port = taken.addr()?.port().to_string();
    let mut server = t.start("server", &["server", "--port", &port])?;
    server.expect_error_exit(Some(1))?;
    Ok(())
}

fn client_and_server_talk(t: &mut Session) -> Outcome {
    t.normalise(TIME, "<time>")?;
    let (_server, addr) = server(t)?;
    let mut client = client(t, addr, "3")?;
    let mut times = Vec::new();
    for _ in 0..3 {
        let reply = client.expect_line_matching(
            &format!("received: {TIME}"),
            "`received: ` and the time the client sent",
        )?;
        times.push(reply.trim_start_matches("received: ").to_string());
    }
    client.expect_success()?;
    expect_times_apart(&times)?;
    t.snapshot("time")
}
