//! Grades ch1-1, the gopher client: it sends the selector and CR LF, and prints every
//! byte of the reply, however the network splits it, until the server closes.
//!
//! The client runs against the gopher server fixture (`ch1::gopher`), which serves a
//! menu and files made of varied words and records the request it received.

use ch1::gopher::{
    Delivery, GopherServer, Site, expect_error_exit, expect_reply, expect_request, start_client,
};
use harness::prelude::*;
use std::process::ExitCode;

/// The size of the big file: far more than one read, or one socket buffer, holds.
const BIG_FILE: usize = 200 * 1024;

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
