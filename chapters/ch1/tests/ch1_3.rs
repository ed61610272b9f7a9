//! Grades ch1-3, UDP datagrams: the receiver reports every datagram whole, with its
//! exact length (0 and 65,507 bytes included) and its sender; the sender turns each
//! line into exactly one datagram and refuses a line too long for one.

use harness::prelude::*;
use harness::transcript::escape;
use std::net::SocketAddr;
use std::process::ExitCode;

/// The largest payload of a UDP datagram over IPv4.
const MAX_PAYLOAD: usize = 65_507;

fn main() -> ExitCode {
    harness::run!(&[
        // The receiver.
        Case::new("the receiver prints `N bytes from ADDR` for each datagram", receiver_reports_datagrams)
            .hint("Bind with UdpSocket::bind((host, port)), print `listening on ADDR` (local_addr()), then loop: \
                   recv_from gives the length of ONE datagram and its sender; print `{len} bytes from {sender}`.")
            .hint_if(Kind::Unreachable, "Each line must reach stdout as soon as it is printed: a BufWriter around \
                   stdout keeps lines until it is full, and a receiver never ends, so not even `listening on …` \
                   shows. Write to io::stdout() itself (it writes a line out at its \\n), or flush after each line."),
        Case::new("datagrams of many sizes, up to the largest (65,507 bytes), are reported with their exact length", receiver_reports_exact_sizes)
            .hint("recv_from copies one datagram into your buffer and silently drops whatever does not fit: with a \
                   1024-byte buffer a 5000-byte datagram is reported as 1024 bytes. Use a buffer of 65,535 bytes \
                   (the largest a UDP length can say)."),
        Case::new("an empty datagram is reported as `0 bytes from ADDR` and the receiver goes on", receiver_reports_empty_datagram)
            .hint("On UDP a 0-byte datagram is a message like any other: there is no connection, so 0 never means \
                   `the peer closed`. Print `0 bytes from …` and keep receiving."),
        Case::new("datagrams sent back to back are reported one line each", receiver_keeps_boundaries)
            .hint("One recv_from returns exactly one datagram, never two glued together nor half of one: print one \
                   line per recv_from. (TCP is the one that merges and splits.)"),
        Case::new("a datagram holding newlines and bytes that are not UTF-8 is one datagram", receiver_counts_bytes_not_lines)
            .hint("Count the bytes recv_from returned; do not turn the datagram into a String or split it into \
                   lines: its newlines and invalid UTF-8 are just bytes."),
        Case::new("datagrams from two senders are each reported with their own sender's address", receiver_tells_senders_apart)
            .hint("recv_from returns the sender of THIS datagram: print that address, not the first sender's."),
        Case::new("a datagram that ends in \\r\\n, as `nc -u -C` sends a line, is reported with both bytes", receiver_counts_crlf)
            .hint("The \\r and the \\n a datagram ends with are two of its bytes: report the length recv_from \
                   returned, without trimming a line end (a datagram is not a line)."),
        Case::new("the receiver binds the --host it is given, IPv6's ::1 included", receiver_binds_ipv6)
            .hint("Bind (host, port) as the options say, whatever the address family: UdpSocket::bind((host, \
                   port)) takes `::1` as well as `127.0.0.1`. Print local_addr(), which shows `[::1]:PORT`."),
        Case::new("with its stdout closed, the receiver stops with an `error:` line that names stdout and status 1", receiver_stdout_closed)
            .hint("When nobody reads stdout any more (`receive | head -1`), a write to it fails with a broken \
                   pipe, and println! panics. Write with writeln!(io::stdout(), …), add context (`cannot write \
                   to stdout`) and return the error: main prints `error: cannot write to stdout: Broken pipe` \
                   and exits with status 1."),
        Case::new("a receiver whose port is taken prints an `error:` line and exits with status 1", receiver_reports_port_in_use)
            .hint("Binding a UDP port another socket holds fails with `address in use`: return the error (with \
                   context) so main prints `error: …` and exits with status 1, without a panic."),
        // The sender.
        Case::new("each typed line arrives as one datagram holding exactly the line's bytes", sender_sends_one_datagram_per_line)
            .hint("For each line of stdin, without its line end (\\n or \\r\\n), call send_to ONCE with the \
                   whole line: one send_to is one datagram."),
        Case::new("a line of 60,000 bytes arrives as one datagram of 60,000 bytes", sender_sends_long_line_whole)
            .hint("Send the whole line with one send_to, however long: reading or sending in pieces of 1024 bytes \
                   makes several datagrams, i.e. several messages."),
        Case::new("an empty line is sent as an empty datagram", sender_sends_empty_line)
            .hint("An empty line is a line: send_to(&[], receiver) sends a 0-byte datagram. Do not skip it, and do \
                   not stop at it."),
        Case::new("a line of exactly 65,507 bytes, the largest payload, is sent as one datagram", sender_sends_largest_payload)
            .hint("65,507 bytes is the largest UDP payload over IPv4 and it is allowed: refuse only lines LONGER \
                   than that (mind the off-by-one)."),
        Case::new("a line longer than 65,507 bytes is refused with an `error:` line and the next line is still sent", sender_refuses_over_long_line)
            .hint("A datagram cannot carry more than 65,507 bytes over IPv4. Print `error: …` on stderr for such a \
                   line and go on with the next one; never split it into several datagrams, and do not exit."),
        Case::new("send --port P without --host sends to localhost", sender_defaults_to_localhost)
            .hint("The default host is `localhost`. It may resolve to ::1 and 127.0.0.1; a UDP sender gets no \
                   answer telling it which one works, so prefer the IPv4 address (the receiver binds 127.0.0.1)."),
        Case::new("a sender whose host does not resolve prints an `error:` line and exits with status 1", sender_reports_unknown_host)
            .hint("Finding the receiver's address is the first step: if the name does not resolve, return the \
                   error (with context) so main prints `error: …` and exits with status 1, without a panic."),
        Case::new("send --host ::1 sends each line over IPv6", sender_sends_over_ipv6)
            .hint("An IPv4 socket cannot send to an IPv6 address: bind the sender's socket to the unspecified \
                   address of the receiver's family (unspecified_like(receiver): 0.0.0.0:0 or [::]:0)."),
        Case::new("a line of 100 MB is refused without being held in memory, and the next line is sent", sender_streams_huge_line)
            .hint("Read lines with next_line, which keeps at most a datagram's worth of a line: lines() or an \
                   uncapped read_until holds the whole 100 MB line in memory before finding it too long."),
        Case::new("with its stderr closed, the sender still sends every line and exits with status 0", sender_stderr_closed)
            .hint("Nobody may be reading the sender's stderr: eprintln! panics when it cannot write. Write notes \
                   and refusals with note(…) (or `let _ = writeln!(io::stderr(), …)`), which ignores the failure."),
        Case::new("the sender exits with status 0 at the end of its input", sender_exits_at_end_of_input)
            .hint("When stdin ends (Ctrl-D), the sender is done: return Ok(()) so it exits with status 0."),
        Case::new("a sender and a receiver: each typed line is reported with its length", sender_and_receiver),
    ])
}

// ---------------------------------------------------------------- helpers --

/// Starts the receiver on a free port.
fn receiver(t: &mut Session) -> Outcome<(Program, SocketAddr)> {
    t.start_server("receiver", &["receive", "--port", "0"])
}

/// Starts the sender, aimed at `to`.
fn sender(t: &mut Session, to: SocketAddr) -> Outcome<Program> {
    let port = to.port().to_string();
    t.start(
        "sender",
        &["send", "--host", &to.ip().to_string(), "--port", &port],
    )
}

/// Reads the receiver's next line and checks it is `LEN bytes from FROM`, explaining
/// the classic bug when the length is too small.
fn expect_report(receiver: &mut Program, len: usize, from: SocketAddr) -> Outcome {
    let expected = format!("{len} bytes from {from}");
    let line = receiver.read_line().map_err(|f| Failure {
        expected: Some(expected.clone()),
        ..f
    })?;
    if line == expected {
        return Ok(());
    }
    let reported = line
        .split_once(" bytes from ")
        .and_then(|(n, _)| n.parse::<usize>().ok());
    let summary = match reported {
        Some(n) if n < len => format!(
            "the receiver reported {n} bytes for a datagram of {len}: is its recv_from buffer only {n} \
             bytes? recv_from silently cuts what does not fit"
        ),
        _ => "the receiver printed a different line than expected".to_string(),
    };
    Err(Failure::mismatch(summary, expected, line))
}

/// Waits for a failing program's `error:` line before its exit is judged: the line
/// may reach the test a moment after the exit (on a loaded machine, a program the test
/// starts meanwhile holds a copy of every pipe until it has started). A program that
/// prints none is judged by `expect_error_exit`, which says what is missing.
fn expect_error_line(program: &mut Program) -> Outcome<String> {
    let _ = program.expect_stderr_containing("error:");
    program.expect_error_exit(Some(1))
}

/// `len` bytes of a payload that is not text: digits, letters, newlines and bytes
/// that are not UTF-8, so only a program that counts bytes gets the length right.
fn payload(len: usize) -> Vec<u8> {
    const PATTERN: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz\n\xff\xfe";
    PATTERN.iter().copied().cycle().take(len).collect()
}

/// A typed line of exactly `len` bytes, made of varied words.
fn long_line(t: &mut Session, len: usize) -> String {
    let words = t.sentence(6);
    let mut line = String::with_capacity(len + words.len());
    while line.len() < len {
        line.push_str(&words);
        line.push(' ');
    }
    line.truncate(len);
    line
}

// ---------------------------------------------------------------- the receiver --

fn receiver_reports_datagrams(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut udp = t.udp()?;
    let from = udp.addr()?;
    for datagram in [&b"hello"[..], b"UDP keeps boundaries", b"bye"] {
        udp.send_to(datagram, addr)?;
        expect_report(&mut receiver, datagram.len(), from)?;
    }
    receiver.expect_running()?;
    t.snapshot("receive")
}

fn receiver_reports_exact_sizes(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut udp = t.udp()?;
    let from = udp.addr()?;
    let varied = 3000 + t.cuts(60_000, 2).first().copied().unwrap_or(1);
    t.note("one datagram at a time: even on loopback, a burst of big datagrams can overflow a socket's buffer");
    for len in [
        1,
        1023,
        1024,
        1025,
        1472,
        2048,
        2049,
        8192,
        varied,
        32_768,
        MAX_PAYLOAD,
    ] {
        udp.send_to(&payload(len), addr)?;
        expect_report(&mut receiver, len, from)?;
    }
    Ok(())
}

fn receiver_reports_empty_datagram(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut udp = t.udp()?;
    let from = udp.addr()?;
    let (before, after) = (t.word(), t.sentence(2));
    udp.send_to(before.as_bytes(), addr)?;
    expect_report(&mut receiver, before.len(), from)?;
    udp.send_to(b"", addr)?;
    expect_report(&mut receiver, 0, from)?;
    udp.send_to(after.as_bytes(), addr)?;
    expect_report(&mut receiver, after.len(), from)?;
    receiver.expect_running()
}

fn receiver_keeps_boundaries(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut udp = t.udp()?;
    let from = udp.addr()?;
    let datagrams: Vec<String> = (0..8).map(|i| t.sentence(1 + i % 3)).collect();
    t.note("eight datagrams, sent without waiting: eight lines");
    for datagram in &datagrams {
        udp.send_to(datagram.as_bytes(), addr)?;
    }
    for datagram in &datagrams {
        expect_report(&mut receiver, datagram.len(), from)?;
    }
    Ok(())
}

fn receiver_counts_bytes_not_lines(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut udp = t.udp()?;
    let from = udp.addr()?;
    let word = t.word();
    let datagram = format!("{word}\nsecond line, café ☕\n\u{0}");
    let mut datagram = datagram.into_bytes();
    datagram.extend_from_slice(b"\xff\xfe\xc3\n");
    t.note("the datagram holds newlines, é (2 bytes), ☕ (3 bytes), and bytes that are not UTF-8");
    udp.send_to(&datagram, addr)?;
    let expected = format!("{} bytes from {from}", datagram.len());
    let line = receiver.read_line().map_err(|f| Failure {
        expected: Some(expected.clone()),
        ..f
    })?;
    if line != expected {
        return Err(Failure::mismatch(
            format!(
                "the receiver did not report the datagram's {} bytes: a length is the number of bytes \
                 recv_from returned, not of the characters, lines or text decoded from them",
                datagram.len()
            ),
            expected,
            line,
        ));
    }
    let next = t.word();
    udp.send_to(next.as_bytes(), addr)?;
    expect_report(&mut receiver, next.len(), from)?;
    receiver.expect_running()
}

fn receiver_tells_senders_apart(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut first = t.udp()?;
    let mut second = t.udp()?;
    let (one, two) = (first.addr()?, second.addr()?);
    for _ in 0..2 {
        let (a, b) = (t.word(), t.sentence(2));
        first.send_to(a.as_bytes(), addr)?;
        expect_report(&mut receiver, a.len(), one)?;
        second.send_to(b.as_bytes(), addr)?;
        expect_report(&mut receiver, b.len(), two)?;
    }
    Ok(())
}

fn receiver_counts_crlf(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut udp = t.udp()?;
    let from = udp.addr()?;
    for line in [t.sentence(2), t.word()] {
        let datagram = format!("{line}\r\n");
        udp.send_to(datagram.as_bytes(), addr)?;
        expect_report(&mut receiver, datagram.len(), from)?;
    }
    receiver.expect_running()
}

fn receiver_binds_ipv6(t: &mut Session) -> Outcome {
    let (mut receiver, addr) =
        t.start_server("receiver", &["receive", "--host", "::1", "--port", "0"])?;
    ensure(
        addr.is_ipv6(),
        format!("with --host ::1 the receiver must listen on [::1]:PORT, not on {addr}"),
    )?;
    let mut udp = t.udp_on("[::1]:0".parse().expect("valid address"))?;
    let from = udp.addr()?;
    for datagram in [t.word(), t.sentence(3)] {
        udp.send_to(datagram.as_bytes(), addr)?;
        expect_report(&mut receiver, datagram.len(), from)?;
    }
    receiver.expect_running()
}

fn receiver_stdout_closed(t: &mut Session) -> Outcome {
    t.note("a free port for the receiver: the test cannot read its `listening on` line");
    let port = t.udp()?.addr()?.port();
    t.set_stdout(Output::Closed);
    let mut receiver = t.start("receiver", &["receive", "--port", &port.to_string()])?;
    t.note(
        "its first line may still slip into the pipe before the test closes it; a report of a \
         datagram cannot: datagrams go out until the receiver stops (it may not have bound yet)",
    );
    let mut udp = t.udp()?;
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    receiver.set_deadline(Duration::from_millis(100));
    for _ in 0..30 {
        udp.send_to(t.word().as_bytes(), to)?;
        if receiver.expect_exit().is_ok() {
            break;
        }
    }
    receiver.set_deadline(Duration::from_secs(2));
    receiver.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn receiver_reports_port_in_use(t: &mut Session) -> Outcome {
    let taken = t.udp()?;
    let port = taken.addr()?.port().to_string();
    t.note("the test's own UDP socket holds that port");
    let mut receiver = t.start("receiver", &["receive", "--port", &port])?;
    expect_error_line(&mut receiver)?;
    Ok(())
}

// ---------------------------------------------------------------- the sender --

fn sender_sends_one_datagram_per_line(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    let lines = [t.sentence(3), t.word(), t.sentence(2)];
    for line in &lines[..2] {
        sender.send_line(line)?;
    }
    t.note("the last line ends with \\r\\n, as a Windows editor or telnet sends it");
    sender.send_line(&format!("{}\r", lines[2]))?;
    for line in &lines {
        let (datagram, _) = udp.receive()?;
        ensure(
            datagram != format!("{line}\r").as_bytes(),
            "the datagram kept the \\r of a line typed with \\r\\n: strip the whole line end, \\n or \\r\\n, \
             as lines() does",
        )?;
        ensure(
            datagram == line.as_bytes(),
            format!(
                "each datagram must hold exactly one typed line, without its newline: expected \"{line}\", \
                 got \"{}\"",
                escape(&datagram)
            ),
        )?;
    }
    Ok(())
}

fn sender_reports_unknown_host(t: &mut Session) -> Outcome {
    let mut sender = t.start(
        "sender",
        &["send", "--host", "nonexistent.invalid", "--port", "5005"],
    )?;
    expect_error_line(&mut sender)?;
    Ok(())
}

fn sender_sends_empty_line(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    let (before, after) = (t.word(), t.word());
    for line in [before.as_str(), "", after.as_str()] {
        sender.send_line(line)?;
    }
    for line in [before.as_str(), "", after.as_str()] {
        let (datagram, _) = udp.receive()?;
        ensure(
            datagram == line.as_bytes(),
            format!(
                "expected the datagram \"{line}\" ({} bytes), got \"{}\" ({} bytes)",
                line.len(),
                escape(&datagram),
                datagram.len()
            ),
        )?;
    }
    Ok(())
}

/// Types `line` into the sender and checks it arrives whole, as one datagram.
fn expect_sent_whole(sender: &mut Program, udp: &mut UdpPeer, line: &str) -> Outcome {
    sender.send_line(line)?;
    let (datagram, _) = udp.receive()?;
    ensure(
        datagram == line.as_bytes(),
        format!(
            "a line of {} bytes must arrive as ONE datagram of {} bytes with the same bytes, but the first \
             datagram had {} bytes",
            line.len(),
            line.len(),
            datagram.len()
        ),
    )
}

fn sender_sends_long_line_whole(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    let line = long_line(t, 60_000);
    expect_sent_whole(&mut sender, &mut udp, &line)?;
    let next = t.word();
    expect_sent_whole(&mut sender, &mut udp, &next)
}

fn sender_sends_largest_payload(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    let line = long_line(t, MAX_PAYLOAD);
    expect_sent_whole(&mut sender, &mut udp, &line)
}

fn sender_refuses_over_long_line(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    let first = t.word();
    expect_sent_whole(&mut sender, &mut udp, &first)?;
    let too_long = long_line(t, MAX_PAYLOAD + 1);
    t.note("a line of 65,508 bytes: one byte too many for a datagram");
    sender.send_line(&too_long)?;
    let line = sender.expect_stderr_containing("error:")?;
    ensure(
        line.starts_with("error:"),
        format!("the refusal must be a line starting with `error:`, not {line:?}"),
    )?;
    t.note("the next line must be the next datagram: nothing of the long line was sent");
    let next = t.sentence(2);
    expect_sent_whole(&mut sender, &mut udp, &next)?;
    sender.expect_running()
}

fn sender_defaults_to_localhost(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let port = udp.addr()?.port().to_string();
    let mut sender = t.start("sender", &["send", "--port", &port])?;
    let line = t.sentence(2);
    sender.send_line(&line)?;
    let (datagram, _) = udp.receive()?;
    ensure(
        datagram == line.as_bytes(),
        format!(
            "expected the datagram \"{line}\", got \"{}\"",
            escape(&datagram)
        ),
    )
}

fn sender_sends_over_ipv6(t: &mut Session) -> Outcome {
    let mut udp = t.udp_on("[::1]:0".parse().expect("valid address"))?;
    let mut sender = sender(t, udp.addr()?)?;
    for line in [t.sentence(2), t.word()] {
        expect_sent_whole(&mut sender, &mut udp, &line)?;
    }
    sender.close_stdin();
    sender.expect_success()
}

fn sender_streams_huge_line(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    let first = t.word();
    expect_sent_whole(&mut sender, &mut udp, &first)?;
    t.note("a line of 100 MB, as when a big file is piped in: far too long for a datagram");
    let huge = long_line(t, 100 * MB as usize);
    sender.send_line(&huge)?;
    sender.expect_stderr_containing("error:")?;
    let next = t.sentence(2);
    expect_sent_whole(&mut sender, &mut udp, &next)?;
    sender.close_stdin();
    sender.expect_peak_memory_below(
        50 * MB,
        "a datagram's worth of the line, not the whole 100 MB line",
    )
}

fn sender_stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    t.note(
        "the sender notes where it sends, and refuses an over-long line, on a stderr nobody reads",
    );
    let first = t.sentence(2);
    expect_sent_whole(&mut sender, &mut udp, &first)?;
    sender.send_line(&long_line(t, MAX_PAYLOAD + 1))?;
    let next = t.word();
    expect_sent_whole(&mut sender, &mut udp, &next)?;
    sender.close_stdin();
    sender.expect_success()
}

fn sender_exits_at_end_of_input(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let mut sender = sender(t, udp.addr()?)?;
    let line = t.word();
    sender.send_line(&line)?;
    sender.close_stdin();
    let (datagram, _) = udp.receive()?;
    ensure(
        datagram == line.as_bytes(),
        format!(
            "expected the datagram \"{line}\", got \"{}\"",
            escape(&datagram)
        ),
    )?;
    sender.expect_success()
}

fn sender_and_receiver(t: &mut Session) -> Outcome {
    let (mut receiver, addr) = receiver(t)?;
    let mut sender = sender(t, addr)?;
    for line in ["hello", "", "UDP keeps boundaries", "  spaces count too  "] {
        sender.send_line(line)?;
        let report = receiver.read_line()?;
        let expected = format!("{} bytes from 127.0.0.1:", line.len());
        ensure(
            report.starts_with(&expected),
            format!("expected the receiver to print `{expected}PORT`, but it printed {report:?}"),
        )?;
    }
    sender.close_stdin();
    sender.expect_success()?;
    receiver.expect_running()?;
    t.snapshot("send-and-receive")
}
