//! Grades ch1-1, the gopher client: it sends the selector and CR LF, and prints every
//! byte of the reply, however the network splits it, until the server closes.
//!
//! The client runs against the gopher server fixture (`ch1::gopher`), which serves a
//! menu and files made of varied words and records the request it received.

use ch1::gopher::{
    Delivery, GopherServer, HUGE_FILE_LIMIT, Site, expect_error_exit, expect_only_the_error_line,
    expect_reply, expect_request, fetch_huge_file, start_client,
};
use harness::prelude::*;
use harness::transcript::escape;
use std::process::ExitCode;

/// The size of the big file: far more than one read, or one socket buffer, holds.
const BIG_FILE: usize = 200 * 1024;

/// How long the server stalls in the middle of a reply: longer than a client that
/// takes "nothing came for a while" as the end of the reply waits.
const STALL: Duration = Duration::from_millis(800);

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("the client asks for the root menu with an empty selector: just CR LF", asks_for_root_menu)
            .hint("With no SELECTOR argument the selector is empty, and the request is only \"\\r\\n\". Send it \
                   with one write_all of the whole request."),
        Case::new("the client sends the selector followed by CR LF, and nothing else", sends_selector_and_crlf)
            .hint("A gopher request is the selector and \"\\r\\n\" (CR LF, not just \\n). Build the whole \
                   request, format!(\"{selector}\\r\\n\"), and send it with one write_all."),
        Case::new("the client prints the root menu, unchanged, and exits with status 0", prints_root_menu)
            .hint("Copy the reply's bytes to stdout as they are (keep the \\r\\n and the final `.` line), then \
                   exit with status 0 once the server has closed the connection."),
        Case::new("the client prints a text file named by its selector", prints_text_file)
            .hint("Send the SELECTOR argument as the request, then print the reply as it is."),
        Case::new("a reply that arrives in many pieces is printed whole", prints_reply_sent_in_pieces)
            .hint("The classic bug: printing what the first read returned and stopping. TCP delivers a byte \
                   stream: one reply may take many reads. Keep reading until read returns 0 (the server has \
                   closed the connection), or let io::copy do that loop."),
        Case::new("a 200 KB reply arrives whole", prints_big_reply)
            .hint("A big reply never fits in one read. Read until read returns 0 and write each piece to \
                   stdout as it comes (io::copy does both), rather than one read into a fixed buffer."),
        Case::new("a binary file is copied byte for byte", copies_binary_file)
            .hint("Not every reply is text: copy bytes, not strings. Reading into a String fails on bytes that \
                   are not UTF-8, and printing line by line changes the line ends. Write exactly what read \
                   returned (write_all on stdout)."),
        Case::new("the client takes a host name, not only an IP address", accepts_host_name)
            .hint("HOST may be a name such as localhost. TcpStream::connect((host, port)) resolves it and tries \
                   each address; parsing \"{host}:{port}\" as a SocketAddr works only for IP addresses."),
        Case::new("a client that cannot connect prints one error line and exits non-zero", reports_refused_connection)
            .hint("Connecting to a port where nobody listens fails with `connection refused`: print one \
                   `error: …` line on stderr and exit non-zero (return an error from main), without a panic."),
        Case::new("the client fetches the root menu, then a file it lists", fetches_menu_then_file),
        Case::new("the client reaches a server on the IPv6 loopback address, ::1", reaches_ipv6_server)
            .hint("HOST may be an IPv6 address. TcpStream::connect((host, port)) takes \"::1\" as it is; \
                   format!(\"{host}:{port}\") gives \"::1:70\", which is no address at all (an IPv6 address \
                   with a port is written [::1]:70). Pass the pair, not a string."),
        Case::new("a host name whose first address refuses: the client connects to the next one", tries_every_address)
            .hint("A name may resolve to several addresses (here ::1, then 127.0.0.1), and the first may refuse. \
                   TcpStream::connect((host, port)) tries each in turn until one accepts; taking only the \
                   first address of to_socket_addrs() gives up too early."),
        Case::new("lines that arrive together are printed at once, before the server closes", prints_as_it_comes)
            .hint("Write each piece to stdout as soon as read returns it (write_all, and no buffer held until the \
                   end): a reply from a slow server must show as it comes. Collecting the reply first \
                   (read_to_end), or a BufWriter flushed only at the end, prints nothing until the server closes."),
        Case::new("a reply that stalls in the middle is printed whole, after the stall", waits_out_a_stall)
            .hint("The server stops for 0.8 s in the middle of its reply. A pause is not the end: only a read \
                   that returns 0 (the server has closed) ends the reply. A read timeout taken as the end cuts \
                   a slow server's reply short."),
        Case::new("a server that resets the connection mid-reply makes the client fail, not succeed", fails_on_reset)
            .hint("Only a read that returns 0 is the end of the reply; a read that fails (ConnectionReset: the \
                   server vanished) means the reply is incomplete. `while let Ok(n) = stream.read(..)` stops \
                   quietly on an error and exits 0 as if all had come: return the error instead, so main prints \
                   one `error:` line and exits 1."),
        Case::new("a server that half-closes after its reply: the client prints it, exits and closes", ends_on_half_close)
            .hint("The server shuts down only its sending side after the reply and keeps the connection open. \
                   The client's read returns 0 all the same: that is the end of the reply. Print it, exit with \
                   status 0, and the socket closes with the process."),
        Case::new("a 64 MB file is passed on as it comes, not held in memory", streams_a_huge_file)
            .hint("Copy each read's bytes to stdout before the next read, with one fixed buffer (8 KiB is \
                   plenty), or io::copy. read_to_end collects the whole file in memory first: 64 MB \
                   here, gigabytes for a disk image."),
        Case::new("with stdout closed, the client stops with one error line about stdout and status 1", stdout_closed)
            .hint("When stdout is closed (`ch1-1 HOST | head -1`), writing the reply fails with a broken pipe. \
                   That is not the network's fault: return the write's error with a word that says so \
                   (.context(\"cannot write the reply to stdout\")), so main prints one `error:` line naming \
                   stdout and exits 1. Ignoring the failed write, unwrapping it, or wrapping io::copy's error \
                   as a receive error all get this wrong."),
    ])
}

/// The selectors of the site each case serves.
struct Selectors {
    /// A text file listed in the root menu.
    text: String,
    /// A binary file (item type 9).
    binary: String,
    /// A text file of about [`BIG_FILE`] bytes.
    big: String,
}

/// A realistic little gopher site made of varied words: an information line, text
/// files, a sub-menu, a binary file, a link to another server.
fn build_site(t: &mut Session) -> (Site, Selectors) {
    let owner = t.word();
    let about = t.word();
    let (first, second) = (t.sentence(6), t.sentence(5));
    let note = t.word();
    let logo = t.word();
    let selectors = Selectors {
        text: format!("/{about}.txt"),
        binary: format!("/{logo}.bin"),
        big: "/archive/big.txt".to_string(),
    };
    let notes = Site::new().info(&format!("Notes kept by {owner}")).text(
        &format!("On {note}"),
        &format!("/notes/{note}.txt"),
        vec![t.sentence(4)],
    );
    let archive = Site::new().text("Everything, in one file", &selectors.big, big_text(t));
    let site = Site::new()
        .info(&format!("Welcome to the gopher hole of {owner}"))
        .info("")
        .text(
            &format!("About {about}"),
            &selectors.text,
            vec![first, String::new(), second],
        )
        .menu("Notes", "/notes", notes)
        .menu("Archive", "/archive", archive)
        .binary(
            &format!("The {logo} logo"),
            &selectors.binary,
            binary_bytes(t),
        )
        .floodgap();
    (site, selectors)
}

/// About [`BIG_FILE`] bytes of numbered lines of varied words (each line different, so a
/// lost or repeated piece shows).
fn big_text(t: &mut Session) -> Vec<String> {
    let words: Vec<String> = (0..10).map(|_| t.word()).collect();
    let mut lines = Vec::new();
    let mut size = 0;
    while size < BIG_FILE {
        let n = lines.len();
        let picked: Vec<&str> = (0..7)
            .map(|k| words[(n * 3 + k * 7) % words.len()].as_str())
            .collect();
        let line = format!("{n:05} {}", picked.join(" "));
        size += line.len() + 2;
        lines.push(line);
    }
    lines
}

/// Bytes that are not text: every byte value, CR and LF alone, no final newline.
fn binary_bytes(t: &mut Session) -> Vec<u8> {
    let mut bytes = t.word().into_bytes();
    bytes.extend(0..=255u8);
    bytes.extend_from_slice(b"\r\r\n\n\xff\xfe\x00");
    bytes.extend(t.word().into_bytes());
    bytes
}

/// Starts the gopher server fixture for a freshly built site.
fn gopher(t: &mut Session, delivery: Delivery) -> Outcome<(GopherServer, Selectors)> {
    let (site, selectors) = build_site(t);
    let server = GopherServer::start(site, delivery)?;
    t.note(&format!("a gopher server listens on {}", server.addr()));
    Ok((server, selectors))
}

fn asks_for_root_menu(t: &mut Session) -> Outcome {
    let (server, _) = gopher(t, Delivery::Whole)?;
    let mut client = start_client(t, "127.0.0.1", &server, None, &[])?;
    expect_request(t, &mut client, &server, "")
}

fn sends_selector_and_crlf(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let mut client = start_client(t, "127.0.0.1", &server, Some(&selectors.text), &[])?;
    expect_request(t, &mut client, &server, &selectors.text)
}

fn prints_root_menu(t: &mut Session) -> Outcome {
    let (server, _) = gopher(t, Delivery::Whole)?;
    let mut client = start_client(t, "127.0.0.1", &server, None, &[])?;
    expect_reply(&mut client, &server.reply(""))
}

fn prints_text_file(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let mut client = start_client(t, "127.0.0.1", &server, Some(&selectors.text), &[])?;
    expect_reply(&mut client, &server.reply(&selectors.text))
}

fn prints_reply_sent_in_pieces(t: &mut Session) -> Outcome {
    let (server, _) = gopher(t, Delivery::Pieces(16))?;
    t.note("the gopher server writes its reply in 16 pieces, a moment apart");
    let mut client = start_client(t, "127.0.0.1", &server, None, &[])?;
    expect_reply(&mut client, &server.reply(""))
}

fn prints_big_reply(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let reply = server.reply(&selectors.big);
    t.note(&format!("the file is {} bytes long", reply.len()));
    let mut client = start_client(t, "127.0.0.1", &server, Some(&selectors.big), &[])?;
    expect_reply(&mut client, &reply)
}

fn copies_binary_file(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Pieces(4))?;
    let mut client = start_client(t, "127.0.0.1", &server, Some(&selectors.binary), &[])?;
    expect_reply(&mut client, &server.reply(&selectors.binary))
}

fn accepts_host_name(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    let mut client = start_client(t, "localhost", &server, Some(&selectors.text), &[])?;
    expect_reply(&mut client, &server.reply(&selectors.text))
}

fn reports_refused_connection(t: &mut Session) -> Outcome {
    let refused = t.refused_addr()?;
    let (host, port) = (refused.ip().to_string(), refused.port().to_string());
    let mut client = t.start("client", &[&host, "--port", &port])?;
    expect_error_exit(&mut client, None)
}

fn fetches_menu_then_file(t: &mut Session) -> Outcome {
    let (server, selectors) = gopher(t, Delivery::Whole)?;
    t.normalise(r"127\.0\.0\.1\\t\d{1,5}", r"127.0.0.1\tPORT")?;
    let mut client = start_client(t, "127.0.0.1", &server, None, &[])?;
    expect_request(t, &mut client, &server, "")?;
    expect_reply(&mut client, &server.reply(""))?;
    let mut client = start_client(t, "127.0.0.1", &server, Some(&selectors.text), &[])?;
    expect_request(t, &mut client, &server, &selectors.text)?;
    expect_reply(&mut client, &server.reply(&selectors.text))?;
    t.snapshot("menu_then_file")
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

/// Starts the client for `selector` against the test's own `listener` (reached as
/// `host`), accepts its connection and checks its request.
fn client_of(
    t: &mut Session,
    listener: &mut StreamListener,
    host: &str,
    selector: &str,
) -> Outcome<(Program, StreamPeer)> {
    let port = listener.addr()?.port().to_string();
    let client = t.start("client", &[host, selector, "--port", &port])?;
    let mut tcp = listener.accept()?;
    tcp.expect_line(&format!("{selector}\\r"))?;
    Ok((client, tcp))
}

/// Plays a gopher server on `listener`: answers the client (started for `host`) with
/// a menu, closes, and checks the client printed the menu byte for byte.
fn serve_menu_by_hand(t: &mut Session, mut listener: StreamListener, host: &str) -> Outcome {
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, host, &selector)?;
    let reply = wire(&menu_lines(t));
    tcp.send_bytes(&reply)?;
    tcp.close();
    expect_reply(&mut client, &reply)
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
    let mut listener = t.listen()?;
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, "127.0.0.1", &selector)?;
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

fn waits_out_a_stall(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, "127.0.0.1", &selector)?;
    let reply = wire(&menu_lines(t));
    tcp.send_with_pause(&reply, reply.len() / 2, STALL)?;
    tcp.close();
    expect_reply(&mut client, &reply)
}

fn fails_on_reset(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, "127.0.0.1", &selector)?;
    let reply = wire(&menu_lines(t));
    tcp.send_bytes(&reply[..reply.len() / 2])?;
    tcp.reset();
    expect_error_exit(&mut client, None)
}

fn ends_on_half_close(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, "127.0.0.1", &selector)?;
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
    let mut listener = t.listen()?;
    let selector = format!("/{}", t.word());
    let (mut client, mut tcp) = client_of(t, &mut listener, "127.0.0.1", &selector)?;
    tcp.send_bytes(&wire(&menu_lines(t)))?;
    tcp.close();
    client.expect_error_exit_naming(1, "stdout")?;
    expect_only_the_error_line(&client)
}
