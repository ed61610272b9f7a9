//! Grades ch2-4, the timestamp servers and clients: every option of a client falls
//! back to its own default (host `localhost`, port 21567), a TCP reply is a line
//! however the bytes are split, and a UDP reply is one datagram to its sender.

use harness::prelude::*;
use harness::transcript::{describe, escape, shorten};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    harness::run!(&[
        // The TCP server.
        Case::new("the TCP server answers a line with the time in ctime format and the line", tcp_server_stamps_a_line)
            .hint_if(Kind::Mismatch, "Each reply is `[` + the time as ctime prints it (`Sun Nov  2 03:10:00 2026`: \
                     chrono's `%a %b %e %H:%M:%S %Y`, the day padded with a space) + `] ` + the line, then `\\n`.")
            .hint_if(Kind::Timeout, "Answer each line at once with one line that ends in `\\n`: a reply without \
                     its newline is not a line yet for the client."),
        Case::new("the TCP server answers every line of a connection, also several lines sent in one write", tcp_server_answers_many_lines)
            .hint_if(Kind::Timeout, "Keep reading lines until the client closes the connection: one reply per line, \
                     not one per connection.")
            .hint_if(Kind::Closed, "Keep reading lines until the client closes the connection: one reply per line, \
                     not one per connection.")
            .hint_if(Kind::Mismatch, "Several lines may arrive in one read: answer each line, not each read."),
        Case::new("the TCP server answers a line split across several writes once, whole", tcp_server_reassembles_split_lines)
            .hint_if(Kind::Mismatch, "One read is not one message: `read` returns whatever bytes have arrived. Read \
                     through a BufReader up to the `\\n` (read_until) before you answer."),
        Case::new("the TCP server strips the \\r of a line ending in \\r\\n", tcp_server_strips_carriage_return)
            .hint_if(Kind::Mismatch, "telnet and Windows programs end lines with \\r\\n: the line is what comes \
                     before both."),
        Case::new("the TCP server answers a last line that lacks its \\n, then closes", tcp_server_answers_last_line_without_newline)
            .hint_if(Kind::Closed, "When the stream ends in mid-line, what came is still a line: answer it, then \
                     close. read_until returns it without a `\\n`.")
            .hint_if(Kind::Timeout, "After the client closes its side, the stream ends: answer what came, then \
                     return (the thread ends, the connection closes)."),
        Case::new("the TCP server answers the lines of a client that shut down its sending side, then closes", tcp_server_answers_half_closed_client)
            .hint_if(Kind::Closed, "A client may send its lines and shut down its sending side at once \
                     (`printf 'a\\nb\\n' | nc -N`): the end of its stream is not the end of the conversation. \
                     Answer every line that came, then close.")
            .hint_if(Kind::Timeout, "After the last line, the client's stream ends (read_until returns 0 bytes): \
                     answer what came, then return so the connection closes."),
        Case::new("the TCP server answers a line that stalls in its middle once, whole", tcp_server_waits_out_a_pause)
            .hint("A line may stop half-way for a while (a slow network, a person typing in telnet): keep \
                   reading up to its `\\n`, with no timeout on the line, and answer it once, whole."),
        Case::new("the TCP server refuses a line over 64 KiB with an error line and closes the connection", tcp_server_refuses_long_line)
            .hint_if(Kind::Timeout, "Cap the line: read at most 64 KiB (+ the line end) with `take`, and when no \
                     `\\n` came within them, reply `error: line too long` and close the connection.")
            .hint_if(Kind::Mismatch, "A line of exactly 64 KiB is allowed; one byte more is refused with \
                     `error: line too long`, and the connection is closed.")
            .hint_if(Kind::Reset, "Closing a socket that still has unread input sends a reset (RST), which can \
                     destroy your last reply before the client reads it: shutdown(Write) first, read and discard \
                     what is left (for a moment at most), then close."),
        Case::new("the TCP server serves two clients at the same time", tcp_server_serves_two_clients)
            .hint_if(Kind::Timeout, "While the server waits for a line from one client, another must be answered: \
                     serve each connection in a thread of its own (thread::spawn), not one after the other."),
        Case::new("a line one client leaves unfinished does not hold up another, and is answered whole when it ends", tcp_server_interleaves_clients)
            .hint_if(Kind::Timeout, "While one client is in the middle of a line, another must be answered: each \
                     connection is served by its own thread, which waits for its own `\\n`.")
            .hint_if(Kind::Mismatch, "Keep each connection's unfinished line with that connection (its own \
                     BufReader), and answer it whole once its `\\n` arrives."),
        Case::new("the TCP server answers eight clients connected at once, each with its own line", tcp_server_answers_many_clients)
            .hint_if(Kind::Timeout, "Every connection needs its own thread for as long as it stays open: a fixed \
                     pool of a few threads leaves the clients beyond it waiting while the first ones are idle.")
            .hint_if(Kind::Mismatch, "Each client gets the stamp of its own line: keep everything about a \
                     connection (its reader, its line) in its own thread, nothing shared."),
        Case::new("tcp-server and udp-server listen on IPv6's ::1 when given --host ::1", servers_listen_on_ipv6)
            .hint("Bind (host, port) as the options say, whatever the address family: TcpListener::bind((host, \
                   port)) and UdpSocket::bind((host, port)) take `::1` as well as `127.0.0.1`."),
        Case::new("garbage bytes get a reply and do not stop the TCP server", tcp_server_survives_garbage)
            .hint("Bytes that are not UTF-8 must not end the connection or the server: read bytes (read_until; \
                   read_line fails on them) and show them with String::from_utf8_lossy, as \u{fffd}."),
        Case::new("the TCP server survives clients that reset their connection and serves the next", tcp_server_survives_resets)
            .hint("A reset is an error on that connection only: end its thread (return the error, do not \
                   unwrap it) and keep accepting. A write to a vanished client fails; that is normal."),
        // The UDP server.
        Case::new("the UDP server answers a datagram with one datagram: the time in ctime format and the data", udp_server_stamps_a_datagram)
            .hint_if(Kind::Mismatch, "The reply is `[<ctime>] <data>`, with no newline added, sent with send_to on \
                     the socket that received the datagram.")
            .hint_if(Kind::Timeout, "recv_from gives the data and the sender; send_to(the stamped data, sender) \
                     answers it."),
        Case::new("the UDP server answers each sender at its own address", udp_server_answers_each_sender)
            .hint_if(Kind::Timeout, "Reply to the address recv_from returned for THIS datagram, not to the first \
                     client, nor to a fixed address."),
        Case::new("the UDP server treats a datagram as one whole message, newlines included", udp_server_keeps_datagrams_whole)
            .hint_if(Kind::Mismatch, "UDP keeps message boundaries: one datagram in, one datagram out. Do not split \
                     it into lines or strip its newline (nc -u sends the newline you type)."),
        Case::new("the UDP server answers an empty datagram", udp_server_answers_empty_datagram)
            .hint("An empty datagram is a valid message in UDP (there is no end of stream): answer it with \
                   `[<ctime>] ` like any other, and keep serving."),
        Case::new("garbage bytes get a reply and do not stop the UDP server", udp_server_survives_garbage)
            .hint("Bytes that are not UTF-8 must not stop the server: String::from_utf8_lossy shows them as \
                   \u{fffd}. A failed receive or send concerns one datagram: print it on stderr and go on."),
        Case::new("with its stderr closed, the UDP server still answers every datagram", udp_server_stderr_closed)
            .hint("Nobody may be reading the server's stderr (a closed terminal, a log reader that exited): \
                   eprintln! panics when it cannot write. Write the log with note!(…), which ignores the failure."),
        Case::new("the UDP server answers `error: message too long` when the stamped reply would not fit in a datagram", udp_server_refuses_oversized_reply)
            .hint_if(Kind::Timeout, "A datagram carries at most 65,507 bytes (IPv4): send_to fails on a longer \
                     reply and nothing is sent, so the client waits in vain. Check the stamped reply's length and \
                     answer `error: message too long` instead.")
            .hint_if(Kind::Mismatch, "Only a reply over 65,507 bytes is refused: the 27 bytes of the stamp count, \
                     and a message whose stamped reply is exactly 65,507 bytes is answered as usual."),
        // The TCP client.
        Case::new("tcp-client --host H --port P talks to H:P", tcp_client_uses_host_and_port)
            .hint_if(Kind::Timeout, "Connect to (host, port) exactly as given by the options: \
                     TcpStream::connect((host, port)). (The test listens on 127.0.0.2, a loopback address that is \
                     not localhost's, to see that --host is used.)"),
        Case::new("tcp-client --port P alone talks to localhost:P", tcp_client_defaults_host)
            .hint_if(Kind::Timeout, "Each option has its own default: a missing --host is `localhost`, whatever \
                     --port says. In clap: #[arg(long, default_value = \"localhost\")]."),
        Case::new("tcp-client without --port talks to port 21567, with --host alone and with no option at all", tcp_client_defaults_port)
            .hint("Each option has its own default: a missing --port is 21567, whatever --host says, and with \
                   no option at all the client talks to localhost:21567. If the test could not listen on \
                   21567, stop whatever else uses that port and run the tests again."),
        Case::new("tcp-client sends each typed line and prints one reply for each, in order", tcp_client_prints_replies_in_order)
            .hint_if(Kind::Timeout, "For each line of stdin: send it with its \\n in one write_all, read ONE reply \
                     line, print it (and flush stdout).")
            .hint_if(Kind::Mismatch, "Send the line exactly as typed, with \\n; print the reply line exactly as it \
                     came."),
        Case::new("tcp-client prints a reply that arrives in pieces as one whole line", tcp_client_reassembles_replies)
            .hint_if(Kind::Mismatch, "The notes' classic bug: one recv(1024) takes whatever has arrived, maybe half \
                     a reply. Read the reply through a BufReader up to its \\n."),
        Case::new("an empty line ends tcp-client with exit status 0", tcp_client_stops_at_empty_line)
            .hint("An empty line means the user is done: do not send it, close the connection and exit with 0."),
        Case::new("end of input ends tcp-client with exit status 0", tcp_client_stops_at_end_of_input)
            .hint("Ctrl-D closes stdin (a read returns 0 bytes): close the connection and exit with 0."),
        Case::new("tcp-client reports a server that hangs up with an error line and a non-zero exit", tcp_client_reports_hang_up)
            .hint("A reply of 0 bytes means the server closed the connection: return an error \
                   (`server closed the connection`); main prints `error: …` and exits with 1. Never panic."),
        Case::new("tcp-client reports a server that resets the connection with an error line and a non-zero exit", tcp_client_reports_reset)
            .hint("A reset (the server crashed, or closed with data unread) makes a read fail with \
                   ConnectionReset: return it as an error (`server closed the connection`), never unwrap it; main \
                   prints `error: …` and exits with 1."),
        Case::new("tcp-client --host ::1 talks to a server over IPv6", tcp_client_over_ipv6)
            .hint("Connect to (host, port) as given: TcpStream::connect((host, port)) takes `::1` as well as a \
                   name or an IPv4 address. (Building the address as `format!(\"{host}:{port}\")` and parsing it as \
                   a SocketAddr fails for IPv6, which is written `[::1]:PORT`.)"),
        Case::new("tcp-client tries the next address when the first one a name resolves to refuses", tcp_client_first_address_refuses)
            .hint("A name may resolve to several addresses (`localhost`: ::1, then 127.0.0.1) and the server may \
                   listen on only one: try each until one connects. TcpStream::connect((host, port)) does; taking \
                   to_socket_addrs()?.next() and connecting to it alone does not."),
        Case::new("with its stdout closed, tcp-client stops with an `error:` line that names stdout and status 1", tcp_client_stdout_closed)
            .hint("When nobody reads stdout any more (`tcp-client | head -1`), a write to it fails with a broken \
                   pipe, and println! panics. Write with write_all on io::stdout(), add context (`cannot write to \
                   stdout`) and return the error: main prints `error: cannot write to stdout: Broken pipe`, exit 1."),
        Case::new("with its stderr closed, tcp-client still talks and exits with status 0", tcp_client_stderr_closed)
            .hint("Nobody may be reading the client's stderr: eprintln! panics when it cannot write. Write notes \
                   such as `connected to ADDR` with note!(…), which ignores the failure."),
        Case::new("tcp-client reports a refused connection with an error line and a non-zero exit", tcp_client_reports_refused_connection)
            .hint("When nothing listens, connect fails: add context with the address \
                   (`.with_context(|| format!(\"cannot connect to {host}:{port}\"))`) so main prints \
                   `error: cannot connect to HOST:PORT: Connection refused` and exits with 1."),
        // The UDP client.
        Case::new("udp-client --host H --port P sends each line as one datagram to H:P and prints the reply", udp_client_uses_host_and_port)
            .hint_if(Kind::Mismatch, "Send the line without its newline as one datagram; print the reply datagram \
                     followed by \\n.")
            .hint_if(Kind::Timeout, "Send to (host, port) exactly as given by the options (the test listens on \
                     127.0.0.2 to see that --host is used)."),
        Case::new("udp-client --port P alone talks to localhost:P", udp_client_defaults_host)
            .hint_if(Kind::Timeout, "Each option has its own default: a missing --host is `localhost`.")
            .hint_if(Kind::Mismatch, "localhost may have several addresses (::1 and 127.0.0.1): when one refuses \
                     (ConnectionRefused on a connected socket), try the next instead of giving up."),
        Case::new("udp-client without --port talks to port 21567, with --host alone and with no option at all", udp_client_defaults_port)
            .hint("Each option has its own default: a missing --port is 21567, whatever --host says. If the \
                   test could not bind UDP port 21567, stop whatever else uses it and run the tests again."),
        Case::new("an empty line ends udp-client with exit status 0", udp_client_stops_at_empty_line)
            .hint("An empty line means the user is done: exit with 0. (Do not stop on an empty reply: in UDP that \
                   is a valid message.)"),
        Case::new("udp-client prints the server's reply, not a datagram from another address", udp_client_ignores_stray_datagram)
            .hint("Any host can send a datagram to the client's port: only the server's is the reply. connect() \
                   the socket to the server (then recv takes only its datagrams), or check the address recv_from \
                   returns and ignore the others."),
        Case::new("udp-client --host ::1 talks to a server over IPv6", udp_client_over_ipv6)
            .hint("An IPv4 socket cannot send to an IPv6 address: bind the client's socket to the unspecified \
                   address of the server's family, [::]:0 for ::1 (0.0.0.0:0 for an IPv4 server)."),
        Case::new("udp-client tries the next address when the first one a name resolves to answers `port unreachable`", udp_client_first_address_refuses)
            .hint("A name may resolve to ::1 first and 127.0.0.1 next, and the server may listen on one only. \
                   On a connected UDP socket, `port unreachable` comes back as ConnectionRefused from recv: then \
                   open a socket for the next address and send the line again."),
        Case::new("with its stdout closed, udp-client stops with an `error:` line that names stdout and status 1", udp_client_stdout_closed)
            .hint("When nobody reads stdout any more (`udp-client | head -1`), a write to it fails with a broken \
                   pipe, and println! panics. Write with write_all on io::stdout(), add context (`cannot write to \
                   stdout`) and return the error: main prints `error: cannot write to stdout: Broken pipe`, exit 1."),
        Case::new("udp-client gives up after --timeout seconds when no reply comes", udp_client_times_out)
            .hint_if(Kind::Timeout, "A datagram or its reply can be lost: set_read_timeout(Some(timeout)) before \
                     recv. When it runs out (WouldBlock / TimedOut), return an error \
                     `no reply from HOST:PORT within Ns`.")
            .hint_if(Kind::Mismatch, "Give up with one line `error: no reply from HOST:PORT within Ns` on stderr and \
                     exit status 1, never a panic."),
        Case::new("udp-client reports a server that is not there with an error line and a non-zero exit", udp_client_reports_missing_server)
            .hint("With a connected UDP socket the system reports `port unreachable` as ConnectionRefused; \
                   without one, the timeout runs out. Either way: one line `error: …` naming HOST:PORT, exit 1."),
        // Both together.
        Case::new("tcp-client and tcp-server talk: each typed line comes back stamped", tcp_pair_talks),
        Case::new("udp-client and udp-server talk: each typed line comes back stamped", udp_pair_talks),
    ])
}

/// The port every role of the exercise uses when `--port` is missing.
const DEFAULT_PORT: u16 = 21567;

/// The largest payload of one UDP datagram over IPv4 (65,535 - 20 - 8).
const MAX_UDP_PAYLOAD: usize = 65_507;

/// The length of a stamp, `[Sun Nov 22 03:10:00 2026] `: a ctime is always 24 bytes.
const STAMP_LEN: usize = 27;

/// What a reply from a server looks like, for the test playing the server and for
/// failure messages.
const EXAMPLE_CTIME: &str = "Sun Nov 22 03:10:00 2026";

/// A time as C's ctime() prints it, `Sun Nov  2 03:10:00 2026`: the day padded with a
/// space, ASCII digits only.
const CTIME: &str = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \
                     (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \
                     (?: [1-9]|[12][0-9]|3[01]) [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}";

// ---------------------------------------------------------------- the TCP server --

fn tcp_server_stamps_a_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(3), t.word());
    tcp.send_line(&first)?;
    expect_stamped(&tcp.read_line()?, &first)?;
    tcp.send_line(&second)?;
    expect_stamped(&tcp.read_line()?, &second)?;
    tcp.close();
    server.expect_running()?;
    t.snapshot("tcp-server")
}

fn tcp_server_answers_many_lines(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    for _ in 0..3 {
        let line = t.sentence(2);
        tcp.send_line(&line)?;
        expect_stamped(&tcp.read_line()?, &line)?;
    }
    t.note("after a quiet spell, three lines in one write: three replies, at once");
    let batch = [t.word(), t.sentence(2), t.word()];
    tcp.send_burst(&[&batch[0], &batch[1], &batch[2]])?;
    for line in &batch {
        expect_stamped(&tcp.read_line()?, line)?;
    }
    Ok(())
}

fn tcp_server_reassembles_split_lines(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(3), t.sentence(2));
    let bytes = format!("{first}\n{second}\n");
    let cuts = t.cuts(bytes.len(), 4);
    tcp.send_in_pieces(bytes.as_bytes(), &cuts)?;
    expect_stamped(&tcp.read_line()?, &first)?;
    expect_stamped(&tcp.read_line()?, &second)?;
    t.note("one byte per write");
    let slow = t.word();
    tcp.send_slowly(format!("{slow}\n").as_bytes())?;
    expect_stamped(&tcp.read_line()?, &slow)
}

fn tcp_server_strips_carriage_return(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    let line = t.sentence(2);
    tcp.send_line_crlf(&line)?;
    expect_stamped(&tcp.read_line()?, &line)
}

fn tcp_server_serves_two_clients(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "tcp-server")?;
    let mut first = t.connect(addr)?;
    let mut second = t.connect(addr)?;
    t.note("the first client stays connected and silent: the second must still be answered");
    let line = t.word();
    second.send_line(&line)?;
    expect_stamped(&second.read_line()?, &line)?;
    let line = t.word();
    first.send_line(&line)?;
    expect_stamped(&first.read_line()?, &line)?;
    let line = t.word();
    second.send_line(&line)?;
    expect_stamped(&second.read_line()?, &line)
}

fn tcp_server_survives_garbage(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    let word = t.word();
    tcp.send_bytes(format!("\u{0}\u{1b}[2J{word}\n").as_bytes())?;
    expect_stamped(
        &tcp.read_line()?,
        &escape(format!("\u{0}\u{1b}[2J{word}").as_bytes()),
    )?;
    let mut garbage = b"\xff\xfe".to_vec();
    garbage.extend_from_slice(word.as_bytes());
    garbage.push(b'\n');
    tcp.send_bytes(&garbage)?;
    expect_garbage_reply(&tcp.read_line()?, &word)?;
    t.note("the connection still works");
    let line = t.sentence(2);
    tcp.send_line(&line)?;
    expect_stamped(&tcp.read_line()?, &line)?;
    server.expect_running()
}

fn tcp_server_survives_resets(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "tcp-server")?;
    let mut first = t.connect(addr)?;
    let line = t.word();
    first.send_line(&line)?;
    expect_stamped(&first.read_line()?, &line)?;
    first.send_bytes(b"half a li")?;
    first.reset();
    let mut second = t.connect(addr)?;
    let line = t.word();
    second.send_line(&line)?;
    expect_stamped(&second.read_line()?, &line)?;
    t.note("a client that resets before reading its reply: the server's write fails");
    let mut third = t.connect(addr)?;
    third.send_line(&t.word())?;
    third.reset();
    let mut fourth = t.connect(addr)?;
    let line = t.sentence(2);
    fourth.send_line(&line)?;
    expect_stamped(&fourth.read_line()?, &line)?;
    t.note("the client connected before the resets is still served");
    let line = t.word();
    second.send_line(&line)?;
    expect_stamped(&second.read_line()?, &line)?;
    server.expect_running()
}

fn tcp_server_answers_last_line_without_newline(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    let line = t.sentence(2);
    tcp.send_bytes(line.as_bytes())?;
    tcp.shutdown_write()?;
    expect_stamped(&tcp.read_line()?, &line)?;
    tcp.expect_closed()
}

fn tcp_server_refuses_long_line(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    t.note("a line of exactly 64 KiB (65,536 bytes) is allowed");
    let longest = "x".repeat(64 * 1024);
    tcp.send_line(&longest)?;
    expect_stamped(&tcp.read_line()?, &longest).map_err(shortened)?;
    t.note("one byte more is not");
    tcp.send_line(&"y".repeat(64 * 1024 + 1))?;
    tcp.expect_line("error: line too long").map_err(shortened)?;
    tcp.expect_dropped()?;
    t.note("a line that goes on past 64 KiB with no \\n yet is refused at once, not at its end");
    let mut endless = t.connect(addr)?;
    endless.send_bytes("z".repeat(64 * 1024 + 2).as_bytes())?;
    endless
        .expect_line("error: line too long")
        .map_err(shortened)?;
    endless.expect_dropped()?;
    t.note("the server serves the next client");
    let mut next = t.connect(addr)?;
    let line = t.word();
    next.send_line(&line)?;
    expect_stamped(&next.read_line()?, &line)?;
    server.expect_running()
}

fn tcp_server_answers_half_closed_client(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(2), t.word());
    t.note(
        "as `printf 'a\\nb\\n' | nc -N`: two lines, then the client shuts down its sending side",
    );
    tcp.send_burst(&[&first, &second])?;
    tcp.shutdown_write()?;
    expect_stamped(&tcp.read_line()?, &first)?;
    expect_stamped(&tcp.read_line()?, &second)?;
    tcp.expect_closed()?;
    server.expect_running()
}

fn tcp_server_waits_out_a_pause(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "tcp-server")?;
    let mut tcp = t.connect(addr)?;
    let line = t.sentence(3);
    let bytes = format!("{line}\n");
    let at = t.cuts(line.len(), 2).first().copied().unwrap_or(1);
    tcp.send_with_pause(bytes.as_bytes(), at, Duration::from_millis(500))?;
    expect_stamped(&tcp.read_line()?, &line)?;
    t.note("one reply for the line, not one per part");
    let next = t.word();
    tcp.send_line(&next)?;
    expect_stamped(&tcp.read_line()?, &next)
}

fn tcp_server_interleaves_clients(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "tcp-server")?;
    let mut first = t.connect(addr)?;
    let mut second = t.connect(addr)?;
    let (head, tail) = (t.word(), t.sentence(2));
    first.send_unfinished(format!("{head} ").as_bytes())?;
    t.note("the first client's line is half-way: the second client must be answered meanwhile");
    let other = t.sentence(2);
    second.send_line(&other)?;
    expect_stamped(&second.read_line()?, &other)?;
    first.send_bytes(format!("{tail}\n").as_bytes())?;
    expect_stamped(&first.read_line()?, &format!("{head} {tail}"))?;
    let last = t.word();
    second.send_line(&last)?;
    expect_stamped(&second.read_line()?, &last)
}

fn tcp_server_answers_many_clients(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "tcp-server")?;
    let mut clients = t.connect_many(addr, 8)?;
    let lines: Vec<String> = (0..clients.len()).map(|_| t.word()).collect();
    t.note("all eight are connected; the last to connect speaks first");
    for (client, line) in clients.iter_mut().zip(&lines).rev() {
        client.send_line(line)?;
        expect_stamped(&client.read_line()?, line)?;
    }
    server.expect_running()
}

fn servers_listen_on_ipv6(t: &mut Session) -> Outcome {
    let (_tcp_server, addr) = t.start_server(
        "tcp-server",
        &["tcp-server", "--host", "::1", "--port", "0"],
    )?;
    expect_ipv6(addr)?;
    let mut tcp = t.connect(addr)?;
    let line = t.sentence(2);
    tcp.send_line(&line)?;
    expect_stamped(&tcp.read_line()?, &line)?;
    let (_udp_server, addr) = t.start_server(
        "udp-server",
        &["udp-server", "--host", "::1", "--port", "0"],
    )?;
    expect_ipv6(addr)?;
    let mut udp = t.udp_on("[::1]:0".parse().expect("valid address"))?;
    let message = t.word();
    udp.send_to(message.as_bytes(), addr)?;
    let (reply, from) = udp.receive()?;
    expect_from_server(from, addr)?;
    expect_stamped(&escape(&reply), &message)
}

fn udp_server_stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let (mut server, addr) = start_server(t, "udp-server")?;
    t.note("the server logs every datagram on a stderr nobody reads");
    let mut first = t.udp()?;
    let mut second = t.udp()?;
    for sender in [0, 1, 0] {
        let udp = if sender == 0 { &mut first } else { &mut second };
        let message = t.sentence(2);
        udp.send_to(message.as_bytes(), addr)?;
        let (reply, _) = udp.receive()?;
        expect_stamped(&escape(&reply), &message)?;
    }
    server.expect_running()
}

// ---------------------------------------------------------------- the UDP server --

fn udp_server_stamps_a_datagram(t: &mut Session) -> Outcome {
    t.normalise(r"\(\d+ bytes\)", "(N bytes)")?;
    let (mut server, addr) = start_server(t, "udp-server")?;
    let mut udp = t.udp()?;
    for message in [t.word(), t.sentence(3)] {
        udp.send_to(message.as_bytes(), addr)?;
        let (reply, from) = udp.receive()?;
        expect_from_server(from, addr)?;
        expect_stamped(&escape(&reply), &message)?;
    }
    server.expect_running()?;
    t.snapshot("udp-server")
}

fn udp_server_answers_each_sender(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "udp-server")?;
    let mut first = t.udp()?;
    let mut second = t.udp()?;
    let (one, two) = (t.word(), t.word());
    first.send_to(one.as_bytes(), addr)?;
    second.send_to(two.as_bytes(), addr)?;
    let (reply, from) = second.receive()?;
    expect_from_server(from, addr)?;
    expect_stamped(&escape(&reply), &two)?;
    let (reply, from) = first.receive()?;
    expect_from_server(from, addr)?;
    expect_stamped(&escape(&reply), &one)
}

fn udp_server_keeps_datagrams_whole(t: &mut Session) -> Outcome {
    let (_server, addr) = start_server(t, "udp-server")?;
    let mut udp = t.udp()?;
    let message = format!("{}\n{}\n", t.word(), t.word());
    udp.send_to(message.as_bytes(), addr)?;
    let (reply, _) = udp.receive()?;
    expect_stamped(&escape(&reply), &escape(message.as_bytes()))?;
    t.note("the next datagram gets the next reply: nothing was left over");
    let next = t.word();
    udp.send_to(next.as_bytes(), addr)?;
    let (reply, _) = udp.receive()?;
    expect_stamped(&escape(&reply), &next)
}

fn udp_server_answers_empty_datagram(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "udp-server")?;
    let mut udp = t.udp()?;
    udp.send_to(b"", addr)?;
    let (reply, _) = udp.receive()?;
    expect_stamped(&escape(&reply), "")?;
    let next = t.word();
    udp.send_to(next.as_bytes(), addr)?;
    let (reply, _) = udp.receive()?;
    expect_stamped(&escape(&reply), &next)?;
    server.expect_running()
}

fn udp_server_survives_garbage(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "udp-server")?;
    let mut udp = t.udp()?;
    let word = t.word();
    let mut garbage = b"\xff\xfe".to_vec();
    garbage.extend_from_slice(word.as_bytes());
    udp.send_to(&garbage, addr)?;
    let (reply, _) = udp.receive()?;
    expect_garbage_reply(&escape(&reply), &word)?;
    let next = t.sentence(2);
    udp.send_to(next.as_bytes(), addr)?;
    let (reply, _) = udp.receive()?;
    expect_stamped(&escape(&reply), &next)?;
    server.expect_running()
}

fn udp_server_refuses_oversized_reply(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "udp-server")?;
    let mut udp = t.udp()?;
    t.note("65,480 bytes: stamped, the reply is 65,507 bytes, the most a datagram carries");
    let fits = "x".repeat(MAX_UDP_PAYLOAD - STAMP_LEN);
    udp.send_to(fits.as_bytes(), addr)?;
    let (reply, _) = udp.receive()?;
    expect_stamped(&escape(&reply), &fits).map_err(shortened)?;
    t.note("65,481 bytes: the stamped reply would be one byte too long");
    let over = "y".repeat(MAX_UDP_PAYLOAD - STAMP_LEN + 1);
    udp.send_to(over.as_bytes(), addr)?;
    let (reply, _) = udp.receive()?;
    if reply != b"error: message too long" {
        return Err(Failure::mismatch(
            "a reply that would not fit in one datagram must be replaced by an error datagram",
            "error: message too long",
            describe(&reply),
        ));
    }
    t.note("the server goes on");
    let next = t.word();
    udp.send_to(next.as_bytes(), addr)?;
    let (reply, _) = udp.receive()?;
    expect_stamped(&escape(&reply), &next)?;
    server.expect_running()
}

// ---------------------------------------------------------------- the TCP client --

fn tcp_client_uses_host_and_port(t: &mut Session) -> Outcome {
    let host = other_loopback();
    let mut listener = t.listen_on(format!("{host}:0").parse().expect("valid address"))?;
    let port = listener.addr()?.port().to_string();
    let target = format!("{host}:{port}");
    tcp_client_talks(
        t,
        "client",
        &mut listener,
        &["--host", host, "--port", &port],
        &target,
    )
}

fn tcp_client_defaults_host(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let port = listener.addr()?.port().to_string();
    let target = format!("localhost:{port}");
    tcp_client_talks(t, "client", &mut listener, &["--port", &port], &target)
}

fn tcp_client_defaults_port(t: &mut Session) -> Outcome {
    t.note(
        "every use of TCP port 21567 is in this one case, so that no other case collides with it",
    );
    let mut listener = t
        .listen_on(default_address())
        .map_err(|f| default_port_taken(f, "TCP"))?;
    t.note("only --host: the port must be 21567");
    tcp_client_talks(
        t,
        "client#1",
        &mut listener,
        &["--host", "127.0.0.1"],
        "127.0.0.1:21567",
    )?;
    t.note("no option at all: localhost:21567");
    tcp_client_talks(t, "client#2", &mut listener, &[], "localhost:21567")
}

fn tcp_client_prints_replies_in_order(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    let lines = [t.sentence(2), t.word(), t.sentence(3)];
    for line in &lines {
        client.send_line(line)?;
    }
    for line in &lines {
        tcp.expect_line(line)?;
        let reply = format!("[{EXAMPLE_CTIME}] {line}");
        tcp.send_line(&reply)?;
        client.expect_line(&reply)?;
    }
    Ok(())
}

fn tcp_client_reassembles_replies(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    let line = t.sentence(2);
    client.send_line(&line)?;
    tcp.expect_line(&line)?;
    let reply = format!("[{EXAMPLE_CTIME}] {line}\n");
    let cuts = t.cuts(reply.len(), 4);
    tcp.send_in_pieces(reply.as_bytes(), &cuts)?;
    client.expect_line(reply.trim_end())?;
    let line = t.word();
    client.send_line(&line)?;
    tcp.expect_line(&line)?;
    let reply = format!("[{EXAMPLE_CTIME}] {line}\n");
    tcp.send_slowly(reply.as_bytes())?;
    client.expect_line(reply.trim_end())
}

fn tcp_client_stops_at_empty_line(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    exchange_over_tcp(t, &mut client, &mut tcp)?;
    client.send_line("")?;
    t.note("the empty line is not sent: the client just hangs up");
    tcp.expect_closed()?;
    client.expect_success()
}

fn tcp_client_stops_at_end_of_input(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    exchange_over_tcp(t, &mut client, &mut tcp)?;
    client.close_stdin();
    tcp.expect_closed()?;
    client.expect_success()
}

fn tcp_client_reports_hang_up(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    exchange_over_tcp(t, &mut client, &mut tcp)?;
    let line = t.word();
    client.send_line(&line)?;
    tcp.expect_line(&line)?;
    t.note("the test hangs up instead of answering");
    tcp.close();
    expect_error_exit(&mut client, None)
}

fn tcp_client_reports_refused_connection(t: &mut Session) -> Outcome {
    let addr = t.refused_addr()?;
    t.note(&format!("nothing listens on {addr}"));
    let (host, port) = (addr.ip().to_string(), addr.port().to_string());
    let mut client = t.start("client", &["tcp-client", "--host", &host, "--port", &port])?;
    expect_error_exit(&mut client, Some(&addr.to_string()))
}

fn tcp_client_reports_reset(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    exchange_over_tcp(t, &mut client, &mut tcp)?;
    let line = t.word();
    client.send_line(&line)?;
    tcp.expect_line(&line)?;
    t.note("the test resets the connection instead of answering");
    tcp.reset();
    expect_error_exit(&mut client, None)
}

fn tcp_client_over_ipv6(t: &mut Session) -> Outcome {
    let mut listener = t.listen_v6()?;
    let port = listener.addr()?.port().to_string();
    let target = format!("[::1]:{port}");
    tcp_client_talks(
        t,
        "client",
        &mut listener,
        &["--host", "::1", "--port", &port],
        &target,
    )
}

fn tcp_client_first_address_refuses(t: &mut Session) -> Outcome {
    let (mut listener, host) = t.listen_behind_refusing_address()?;
    let port = listener.addr()?.port().to_string();
    let target = format!("{host}:{port} (its second address, 127.0.0.1)");
    tcp_client_talks(
        t,
        "client",
        &mut listener,
        &["--host", &host, "--port", &port],
        &target,
    )
}

fn tcp_client_stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    t.note("each reply the client gets cannot be printed: nobody reads its stdout");
    client.set_deadline(Duration::from_millis(500));
    for _ in 0..STDOUT_TRIES {
        let line = t.sentence(2);
        if client.send_line(&line).is_err() || tcp.expect_line(&line).is_err() {
            break;
        }
        tcp.send_line(&format!("[{EXAMPLE_CTIME}] {line}"))?;
        if client.expect_exit().is_ok() {
            break;
        }
    }
    expect_stdout_blamed(&mut client)
}

fn tcp_client_stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let (mut client, mut tcp) = t.start_client("client", &["tcp-client"])?;
    t.note("the client may note where it connected on a stderr nobody reads");
    exchange_over_tcp(t, &mut client, &mut tcp)?;
    exchange_over_tcp(t, &mut client, &mut tcp)?;
    client.close_stdin();
    tcp.expect_closed()?;
    client.expect_success()
}

// ---------------------------------------------------------------- the UDP client --

fn udp_client_uses_host_and_port(t: &mut Session) -> Outcome {
    let host = other_loopback();
    let mut udp = t.udp_on(format!("{host}:0").parse().expect("valid address"))?;
    let port = udp.addr()?.port().to_string();
    let mut client = t.start("client", &["udp-client", "--host", host, "--port", &port])?;
    let target = format!("{host}:{port}");
    for message in [t.word(), t.sentence(3)] {
        client.send_line(&message)?;
        let (datagram, from) = udp
            .receive()
            .map_err(|f| not_reached(f, "udp-client", &target))?;
        expect_datagram(&datagram, &message)?;
        let reply = format!("[{EXAMPLE_CTIME}] {message}");
        udp.send_to(reply.as_bytes(), from)?;
        client.expect_line(&reply)?;
    }
    client.close_stdin();
    client.expect_success()
}

fn udp_client_defaults_host(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let port = udp.addr()?.port().to_string();
    let target = format!("localhost:{port}");
    udp_client_talks(t, "client", &mut udp, &["--port", &port], &target)
}

fn udp_client_defaults_port(t: &mut Session) -> Outcome {
    t.note(
        "every use of UDP port 21567 is in this one case, so that no other case collides with it",
    );
    let mut udp = t
        .udp_on(default_address())
        .map_err(|f| default_port_taken(f, "UDP"))?;
    t.note("only --host: the port must be 21567");
    udp_client_talks(
        t,
        "client#1",
        &mut udp,
        &["--host", "127.0.0.1"],
        "127.0.0.1:21567",
    )?;
    t.note("no option at all: localhost:21567");
    udp_client_talks(t, "client#2", &mut udp, &[], "localhost:21567")
}

fn udp_client_stops_at_empty_line(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let port = udp.addr()?.port().to_string();
    let mut client = t.start(
        "client",
        &["udp-client", "--host", "127.0.0.1", "--port", &port],
    )?;
    let message = t.word();
    client.send_line(&message)?;
    let (datagram, from) = udp.receive()?;
    expect_datagram(&datagram, &message)?;
    let reply = format!("[{EXAMPLE_CTIME}] {message}");
    udp.send_to(reply.as_bytes(), from)?;
    client.expect_line(&reply)?;
    client.send_line("")?;
    client.expect_success()
}

fn udp_client_times_out(t: &mut Session) -> Outcome {
    let mut silent = t.udp()?;
    let port = silent.addr()?.port().to_string();
    let mut client = t.start(
        "client",
        &[
            "udp-client",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--timeout",
            "0.3",
        ],
    )?;
    let message = t.word();
    client.send_line(&message)?;
    let (datagram, _) = silent.lose()?;
    expect_datagram(&datagram, &message)?;
    t.note("the client must give up after 0.3 s, not its default 2 s");
    client.set_deadline(Duration::from_millis(1500));
    expect_error_exit(&mut client, Some(&format!("127.0.0.1:{port}")))
}

fn udp_client_reports_missing_server(t: &mut Session) -> Outcome {
    let addr = t.refused_addr()?;
    t.note(&format!("nothing listens on UDP {addr}"));
    let (host, port) = (addr.ip().to_string(), addr.port().to_string());
    let mut client = t.start(
        "client",
        &[
            "udp-client",
            "--host",
            &host,
            "--port",
            &port,
            "--timeout",
            "0.3",
        ],
    )?;
    client.send_line(&t.word())?;
    client.set_deadline(Duration::from_millis(1500));
    expect_error_exit(&mut client, Some(&addr.to_string()))
}

fn udp_client_ignores_stray_datagram(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let port = udp.addr()?.port().to_string();
    let mut client = t.start(
        "client",
        &["udp-client", "--host", "127.0.0.1", "--port", &port],
    )?;
    for _ in 0..2 {
        let message = t.sentence(2);
        client.send_line(&message)?;
        let (datagram, from) = udp.receive()?;
        expect_datagram(&datagram, &message)?;
        let stray = format!("[{EXAMPLE_CTIME}] {}", t.word());
        t.note("another host sends the client a datagram before the server's reply");
        udp.send_stray(stray.as_bytes(), from)?;
        let reply = format!("[{EXAMPLE_CTIME}] {message}");
        udp.send_to(reply.as_bytes(), from)?;
        client.expect_line(&reply)?;
    }
    client.close_stdin();
    client.expect_success()
}

fn udp_client_over_ipv6(t: &mut Session) -> Outcome {
    let mut udp = t.udp_on("[::1]:0".parse().expect("valid address"))?;
    let port = udp.addr()?.port().to_string();
    let target = format!("[::1]:{port}");
    udp_client_talks(
        t,
        "client",
        &mut udp,
        &["--host", "::1", "--port", &port],
        &target,
    )
}

fn udp_client_first_address_refuses(t: &mut Session) -> Outcome {
    // The harness checks the name resolves to ::1, then 127.0.0.1 (or skips the case);
    // its TCP listener is not needed: the server here is the test's UDP socket.
    let (_listener, host) = t.listen_behind_refusing_address()?;
    let mut udp = t.udp()?;
    let port = udp.addr()?.port();
    ensure(
        std::net::UdpSocket::bind(("::1", port)).is_ok(),
        format!(
            "the test needs UDP port {port} free on ::1, so that ::1 answers `port unreachable`"
        ),
    )?;
    t.note(&format!(
        "at UDP port {port}, ::1 answers `port unreachable` and 127.0.0.1 is the test"
    ));
    let target = format!("{host}:{port} (its second address, 127.0.0.1)");
    udp_client_talks(
        t,
        "client",
        &mut udp,
        &["--host", &host, "--port", &port.to_string()],
        &target,
    )
}

fn udp_client_stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let mut udp = t.udp()?;
    let port = udp.addr()?.port().to_string();
    let mut client = t.start(
        "client",
        &["udp-client", "--host", "127.0.0.1", "--port", &port],
    )?;
    t.note("each reply the client gets cannot be printed: nobody reads its stdout");
    client.set_deadline(Duration::from_millis(500));
    for _ in 0..STDOUT_TRIES {
        let message = t.word();
        if client.send_line(&message).is_err() {
            break;
        }
        let Ok((datagram, from)) = udp.receive() else {
            break;
        };
        expect_datagram(&datagram, &message)?;
        udp.send_to(format!("[{EXAMPLE_CTIME}] {message}").as_bytes(), from)?;
        if client.expect_exit().is_ok() {
            break;
        }
    }
    expect_stdout_blamed(&mut client)
}

fn tcp_pair_talks(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "tcp-server")?;
    let port = addr.port().to_string();
    let mut client = t.start(
        "client",
        &["tcp-client", "--host", "127.0.0.1", "--port", &port],
    )?;
    for line in [t.sentence(2), t.word()] {
        client.send_line(&line)?;
        expect_stamped(&client.read_line()?, &line)?;
    }
    t.note("an empty line ends the session");
    client.send_line("")?;
    client.expect_success()?;
    t.note("the server keeps serving after its client left");
    let mut tcp = t.connect(addr)?;
    let line = t.word();
    tcp.send_line(&line)?;
    expect_stamped(&tcp.read_line()?, &line)?;
    server.expect_running()?;
    t.snapshot("tcp")
}

fn udp_pair_talks(t: &mut Session) -> Outcome {
    let (mut server, addr) = start_server(t, "udp-server")?;
    let port = addr.port().to_string();
    let mut client = t.start(
        "client",
        &["udp-client", "--host", "127.0.0.1", "--port", &port],
    )?;
    for line in [t.sentence(2), t.word()] {
        client.send_line(&line)?;
        expect_stamped(&client.read_line()?, &line)?;
    }
    t.note("an empty line ends the session");
    client.send_line("")?;
    client.expect_success()?;
    server.expect_running()?;
    t.snapshot("udp")
}

// ----------------------------------------------------------------------- helpers --

/// Starts `tcp-server` or `udp-server` on a free port.
fn start_server(t: &mut Session, role: &str) -> Outcome<(Program, SocketAddr)> {
    t.start_server("server", &[role, "--port", "0"])
}

/// One line typed on the client, received by the test, answered, printed.
fn exchange_over_tcp(t: &mut Session, client: &mut Program, tcp: &mut StreamPeer) -> Outcome {
    let line = t.sentence(2);
    client.send_line(&line)?;
    tcp.expect_line(&line)?;
    let reply = format!("[{EXAMPLE_CTIME}] {line}");
    tcp.send_line(&reply)?;
    client.expect_line(&reply)
}

/// Runs `tcp-client OPTIONS`, which must connect to `listener` (that is `target`), and
/// checks a whole session: one line out, its reply printed, end of input, exit 0.
fn tcp_client_talks(
    t: &mut Session,
    label: &str,
    listener: &mut StreamListener,
    options: &[&str],
    target: &str,
) -> Outcome {
    let mut args = vec!["tcp-client"];
    args.extend_from_slice(options);
    let mut client = t.start(label, &args)?;
    let mut tcp = listener
        .accept()
        .map_err(|f| not_reached(f, "tcp-client", target))?;
    exchange_over_tcp(t, &mut client, &mut tcp)?;
    client.close_stdin();
    tcp.expect_closed()?;
    client.expect_success()
}

/// Runs `udp-client OPTIONS`, which must send to `udp` (that is `target`), and checks a
/// whole session: one datagram out, the reply printed, end of input, exit 0.
fn udp_client_talks(
    t: &mut Session,
    label: &str,
    udp: &mut UdpPeer,
    options: &[&str],
    target: &str,
) -> Outcome {
    let mut args = vec!["udp-client"];
    args.extend_from_slice(options);
    let mut client = t.start(label, &args)?;
    let message = t.word();
    client.send_line(&message)?;
    let (datagram, from) = udp
        .receive()
        .map_err(|f| not_reached(f, "udp-client", target))?;
    expect_datagram(&datagram, &message)?;
    let reply = format!("[{EXAMPLE_CTIME}] {message}");
    udp.send_to(reply.as_bytes(), from)?;
    client.expect_line(&reply)?;
    client.close_stdin();
    client.expect_success()
}

/// Says where a client should have gone when it did not arrive.
fn not_reached(failure: Failure, role: &str, target: &str) -> Failure {
    Failure {
        summary: format!(
            "with these options {role} must talk to {target}: {}",
            failure.summary
        ),
        ..failure
    }
}

/// 127.0.0.1:21567, where a client goes when it is given no options.
fn default_address() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT))
}

/// Explains a failure to bind the default port: the machine, not the program, is the
/// problem.
fn default_port_taken(failure: Failure, kind: &str) -> Failure {
    Failure::new(format!(
        "this case plays the server on {kind} port 21567 (the clients' default), but that port \
         is taken by something else on this machine ({}). A timestamp server you left running? \
         `ss -lntup | grep 21567` (or `lsof -i :21567`) shows which program holds it: stop it \
         and run the tests again.",
        failure.summary
    ))
}

/// A loopback address that is not localhost's, so that the test can tell whether a
/// client used `--host`. Linux routes all of 127.0.0.0/8 to loopback; where only
/// 127.0.0.1 exists (macOS), the test falls back to it.
fn other_loopback() -> &'static str {
    let usable = std::net::TcpListener::bind("127.0.0.2:0").is_ok()
        && std::net::UdpSocket::bind("127.0.0.2:0").is_ok();
    if usable { "127.0.0.2" } else { "127.0.0.1" }
}

/// Checks a client's datagram is exactly the typed line, without its newline.
fn expect_datagram(datagram: &[u8], message: &str) -> Outcome {
    if datagram == message.as_bytes() {
        Ok(())
    } else {
        Err(Failure::mismatch(
            "a datagram must carry the typed line exactly, without its newline",
            message,
            escape(datagram),
        ))
    }
}

/// Checks a reply came from the server's own address (its `listening on` address).
fn expect_from_server(from: SocketAddr, server: SocketAddr) -> Outcome {
    expect_that(
        from == server,
        format!(
            "the reply came from {from}, not from the server's address {server}: answer with \
             send_to on the socket that received the datagram"
        ),
    )
}

/// Checks a server given `--host ::1` listens on IPv6.
fn expect_ipv6(addr: SocketAddr) -> Outcome {
    expect_that(
        addr.is_ipv6(),
        format!("with --host ::1 a server must listen on [::1]:PORT, not on {addr}"),
    )
}

/// How many replies a client with a closed stdout is sent before it must have stopped.
/// The first one is normally enough; but while the test starts another program, that
/// child holds a copy of every pipe for a moment (between fork and exec), and a write
/// in that moment still succeeds.
const STDOUT_TRIES: usize = 3;

/// Checks a client whose stdout is closed stops with exit status 1 and one error line
/// that blames stdout, not the server.
fn expect_stdout_blamed(client: &mut Program) -> Outcome {
    client.set_deadline(Duration::from_secs(2));
    client.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

/// Checks a failed client: the harness's error exit (non-zero, no panic, one `error:`
/// line), and beyond that, the line starts `error: ` with its space, and names the
/// address it could not reach when `place` is given.
fn expect_error_exit(client: &mut Program, place: Option<&str>) -> Outcome {
    // The line may reach the test a moment after the exit, on a loaded machine (a
    // program started meanwhile holds a copy of every pipe until it has started): wait
    // for it first. A program that prints none is judged by expect_error_exit.
    let _ = client.expect_stderr_containing("error:");
    let line = client.expect_error_exit(None)?;
    expect_that(
        line.starts_with("error: "),
        format!("the error line must start with `error: `, but it is {line:?}"),
    )?;
    match place {
        Some(place) => expect_that(
            line.contains(place),
            format!("the error line must say which address failed ({place}), but it is {line:?}"),
        ),
        None => Ok(()),
    }
}

/// Checks a server's reply (already escaped for display) is `[<ctime>] <message>`, with
/// the time in ctime format and of this year.
fn expect_stamped(reply: &str, message: &str) -> Outcome {
    let expected = format!("[{EXAMPLE_CTIME}] {message}");
    let Some((time, rest)) = reply.strip_prefix('[').and_then(|r| r.split_once("] ")) else {
        return Err(Failure::mismatch(
            "a reply must be the time in brackets, a space, then the message",
            expected,
            reply,
        ));
    };
    if check_match(time, CTIME, "a ctime time").is_err() {
        return Err(Failure::mismatch(
            format!(
                "the time `{time}` is not in ctime format `Www Mmm dd hh:mm:ss yyyy` with the day \
                 padded by a space (chrono: `%a %b %e %H:%M:%S %Y`)"
            ),
            expected,
            reply,
        ));
    }
    let year: i64 = time[20..].parse().unwrap_or_default();
    if (year - this_year()).abs() > 1 {
        return Err(Failure::mismatch(
            format!("the time `{time}` is not now: stamp each reply with the current time"),
            expected,
            reply,
        ));
    }
    if rest != message {
        return Err(Failure::mismatch(
            "after the time, a reply must carry the message exactly as it was received",
            expected,
            reply,
        ));
    }
    Ok(())
}

/// Checks the reply to `\xff\xfe<word>`: the invalid bytes as U+FFFD (from_utf8_lossy)
/// or sent back as they came; both keep the server working.
fn expect_garbage_reply(reply: &str, word: &str) -> Outcome {
    let lossy = format!("\u{fffd}\u{fffd}{word}");
    let raw = format!("\\xff\\xfe{word}");
    let echoed_raw = reply.ends_with(&format!("] {raw}"));
    expect_stamped(reply, if echoed_raw { &raw } else { &lossy })
}

/// The current year, near enough (within a day) to check a stamp is not made up.
fn this_year() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    1970 + (seconds / 31_556_952) as i64
}

/// The same failure with a long expected and actual value cut short (a 64 KiB line
/// would drown the report).
fn shortened(failure: Failure) -> Failure {
    Failure {
        expected: failure.expected.as_deref().map(shorten),
        actual: failure.actual.as_deref().map(shorten),
        ..failure
    }
}
