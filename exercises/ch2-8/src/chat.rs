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

/// Writing to stdout failed: nobody reads what we print any more (`chat | head -1`
/// after its line, a closed terminal). That is not this connection's fault, and no
/// later conversation could be shown either, so the whole program stops with this
/// error, and exit status 1.
#[derive(Debug)]
struct StdoutClosed(std::io::Error);

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to stdout: {}", self.0)
    }
}

impl std::error::Error for StdoutClosed {}

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
                note!("connected: {peer}");
                match converse(stream, &mut typed, "client").await? {
                    End::PeerLeft => note!("client left"),
                    End::InputClosed => return Ok(()),
                }
            }
            line = typed.recv() => match line {
                Some(_) => note!("nobody is connected yet: that line was not sent"),
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
        note!("the server closed the connection");
    }
    Ok(())
}

/// One conversation with `peer` (`"client"` or `"server"`), in both directions at
/// once, until one side stops. The contract:
///
/// - Every line the peer sends is printed as soon as it has arrived whole (see
///   [`print_incoming`]), even while nobody types: printing must never wait for the
///   keyboard.
/// - Every line that arrives on `typed` is sent to the peer at once, followed by `\n`
///   ([`send_line`]), even while the peer is silent: sending must never wait for the
///   peer to say something first.
/// - Small lines must leave at once, not be held back by Nagle's algorithm.
/// - When the peer closes the connection (or it breaks), return `End::PeerLeft`; when
///   `typed` is closed (our stdin ended), return `End::InputClosed`. Either way, stop
///   both directions and close our sending side first, so the peer reads end of
///   stream: nothing may keep printing or sending after this function returns.
/// - A problem with this connection (the peer reset it, sent a line that is too long)
///   is reported on stderr and ends the conversation as `End::PeerLeft`: it must not
///   end the server, which goes on to the next client.
/// - A problem with our stdout is not the connection's: when [`print_incoming`] fails
///   with [`StdoutClosed`] (`error.is::<StdoutClosed>()`), return that error, which
///   ends the program (one `error: cannot write to stdout: …` line, exit status 1).
/// - A line the peer sends in pieces must never be lost or cut in two because the
///   keyboard had a line in between: whatever reads the socket must keep its partly
///   read line across that event (a read future that loses the race in a `select!` is
///   dropped, and with it the bytes it had read).
///
/// Why not one loop that reads stdin, then the socket? Because while it waits for the
/// keyboard, nothing reads the socket: that is half duplex (ch2-7). Two things must be
/// waited for at the same time.
async fn converse(
    stream: TcpStream,
    typed: &mut mpsc::Receiver<String>,
    peer: &'static str,
) -> anyhow::Result<End> {
    todo!("run both directions of the conversation at once (see the doc comment)")
}

/// Prints every line the peer sends, as `PEER: text` (e.g. `server: hello`), until the
/// peer closes the connection; then returns `Ok(())`.
///
/// - TCP is a byte stream: one read may return half a line, or three lines. A line is
///   printed once, whole, when its `\n` has arrived.
/// - The line end (`\n` or `\r\n`) is not printed ([`trim_line_end`]).
/// - The peer may send bytes that are not UTF-8: they must not end the conversation;
///   print them as `\u{fffd}` (`String::from_utf8_lossy`).
/// - A line longer than [`MAX_MESSAGE`] bytes is refused: return an error rather than
///   buffer without end.
/// - Stdout may be closed (`chat | head -1`): `println!` would then panic. Write with
///   `writeln!` and return its error as [`StdoutClosed`] (`.map_err(StdoutClosed)?`).
/// - Several lines that arrive in one read are all printed at once, not one per later
///   event.
async fn print_incoming(from_peer: OwnedReadHalf, peer: &str) -> anyhow::Result<()> {
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

/// Reads the keyboard without blocking the conversation, and hands each line (without
/// its line end) to the returned channel, in order. When stdin ends (Ctrl-D), the
/// channel closes: `recv()` returns `None`, which is how the chat learns its input is
/// over.
///
/// Reading stdin blocks and cannot be cancelled, so it must not run on one of tokio's
/// worker threads, where it would hold up the tasks that read the socket.
fn read_stdin_lines() -> mpsc::Receiver<String> {
    todo!("read stdin on its own thread and return the receiving end of a channel")
}
