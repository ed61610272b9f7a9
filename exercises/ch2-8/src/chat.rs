//! The two roles of the chat and the conversation they share.
//!
//! Your work is in three functions below, marked `todo!()`: `converse`,
//! `print_incoming` and `read_stdin_lines`. The server's accept loop and the client's
//! connect are given; read them first, they show how your functions are used.

use anyhow::Context;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The longest message to accept from the peer. Without a limit, a peer that never
/// sends a newline would make you buffer without end.
const MAX_MESSAGE: usize = 64 * 1024;

/// How a conversation ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// The peer closed the connection (or it broke): the server waits for another.
    PeerLeft,
    /// Our own input ended (Ctrl-D): time to stop.
    InputClosed,
}

/// Listens on `host:port` and chats with one client at a time until stdin ends.
pub async fn serve(host: &str, port: u16) -> anyhow::Result<()> {
    let mut typed = read_stdin_lines();
    let listener = TcpListener::bind((host, port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = accepted.context("accept failed")?;
                eprintln!("connected: {peer}");
                match converse(stream, &mut typed, "client").await? {
                    End::PeerLeft => eprintln!("client left"),
                    End::InputClosed => return Ok(()),
                }
            }
            line = typed.recv() => match line {
                Some(_) => eprintln!("nobody is connected yet: that line was not sent"),
                None => return Ok(()),
            },
        }
    }
}

/// Connects to the server and chats until either side stops.
pub async fn connect(host: &str, port: u16) -> anyhow::Result<()> {
    let stream = TcpStream::connect((host, port))
        .await
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    let mut typed = read_stdin_lines();
    if converse(stream, &mut typed, "server").await? == End::PeerLeft {
        eprintln!("the server closed the connection");
    }
    Ok(())
}

/// One conversation, in both directions at once.
///
/// - Call `stream.set_nodelay(true)` (small chat lines should leave at once), then
///   split the stream with `into_split()` into a read half and a write half.
/// - Spawn `print_incoming(read_half, peer)` as its own task (`tokio::spawn`): it
///   prints the peer's lines while this function goes on.
/// - Loop with `tokio::select!` over two events: the printing task finishing (the peer
///   left: return `End::PeerLeft`) and `typed.recv()` (a line to send with
///   `send_line`; `None` means stdin ended: return `End::InputClosed`).
/// - Before returning, abort the printing task and `shutdown()` the write half.
///
/// Why not one loop that reads stdin, then the socket? Because while it waits for the
/// keyboard, nothing reads the socket: that is half duplex (ch2-7).
async fn converse(
    stream: TcpStream,
    typed: &mut mpsc::Receiver<String>,
    peer: &'static str,
) -> anyhow::Result<End> {
    let _ = (stream, typed, peer, print_incoming, End::InputClosed);
    todo!("run both directions of the conversation at once (see the doc comment)")
}

/// Prints every line the peer sends, as `PEER: text` (e.g. `server: hello`), until the
/// peer closes the connection; then returns `Ok(())`.
///
/// TCP is a byte stream: one read may return half a line, or three lines. Wrap the read
/// half in a `tokio::io::BufReader` and read up to each `\n` (`read_until`, or
/// `lines()`). Strip the line end with `trim_line_end`, show bytes that are not UTF-8
/// with `String::from_utf8_lossy`, and refuse (return an error for) a line longer than
/// `MAX_MESSAGE`.
async fn print_incoming(from_peer: OwnedReadHalf, peer: &str) -> anyhow::Result<()> {
    let _ = (from_peer, peer, MAX_MESSAGE);
    todo!("print the peer's lines as they arrive")
}

/// Strips the `\n` (and the `\r` that telnet and some clients put before it).
fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Sends one line in a single write, so it leaves in one piece.
async fn send_line(to_peer: &mut OwnedWriteHalf, line: &str) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    to_peer.write_all(&bytes).await
}

/// Reads the keyboard on a thread of its own and hands each line to a channel.
///
/// Reading stdin blocks and cannot be cancelled, so give it a `std::thread` of its
/// own: make a channel with `mpsc::channel(16)`, and in the thread send every line of
/// `std::io::stdin().lock().lines()` with `sender.blocking_send(line)`. When stdin
/// ends the thread ends, the sender is dropped, and the receiver's `recv()` returns
/// `None`: that is how the chat learns its input is over.
fn read_stdin_lines() -> mpsc::Receiver<String> {
    let _ = (trim_line_end, send_line);
    todo!("read stdin on its own thread and return the receiving end of a channel")
}
