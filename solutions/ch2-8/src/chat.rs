//! The two roles of the chat and the conversation they share.

use anyhow::Context;
use std::io::{BufRead, Write};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The longest message accepted from the peer. Without a limit, a peer that never
/// sends a newline would make us buffer without end.
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

// ANCHOR: serve
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
// ANCHOR_END: serve

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

// ANCHOR: converse
/// One conversation: lines from the peer are printed by their own task while this loop
/// sends whatever is typed. Neither direction ever waits for the other.
async fn converse(
    stream: TcpStream,
    typed: &mut mpsc::Receiver<String>,
    peer: &'static str,
) -> anyhow::Result<End> {
    // Chat lines are small: send each at once instead of letting Nagle hold it back.
    stream.set_nodelay(true)?;
    let (from_peer, mut to_peer) = stream.into_split();
    let mut incoming = tokio::spawn(print_incoming(from_peer, peer));
    let end = loop {
        tokio::select! {
            finished = &mut incoming => {
                match finished {
                    // Nobody reads our stdout: stop the whole program, not just this chat.
                    Ok(Err(error)) if error.is::<StdoutClosed>() => return Err(error),
                    Ok(Err(error)) => note!("error: {error}"),
                    Err(error) => note!("error: the reading task failed: {error}"),
                    Ok(Ok(())) => {}
                }
                break End::PeerLeft;
            }
            line = typed.recv() => match line {
                Some(line) => {
                    if let Err(error) = send_line(&mut to_peer, &line).await {
                        note!("error: could not send: {error}");
                        break End::PeerLeft;
                    }
                }
                None => break End::InputClosed,
            },
        }
    };
    incoming.abort();
    // Closing our sending side tells the peer we are done (it reads end-of-file).
    let _ = to_peer.shutdown().await;
    Ok(end)
}
// ANCHOR_END: converse

// ANCHOR: print_incoming
/// Prints every line the peer sends, as `PEER: text`, until the peer closes.
///
/// A line is whatever ends in `\n`, however many reads it takes to arrive: TCP is a
/// byte stream, so one `read` may return half a message or three of them. This task
/// owns its reader and its line buffer for the whole conversation, so nothing can
/// interrupt a line half-read: that is why it runs on its own, and not as one branch
/// of a `select!` (whose losing branch is dropped, with whatever it had read).
///
/// `println!` would panic when stdout is closed; `writeln!` returns the error, which
/// becomes [`StdoutClosed`] and stops the program.
async fn print_incoming(from_peer: OwnedReadHalf, peer: &str) -> anyhow::Result<()> {
    let mut reader = BufReader::new(from_peer);
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = (MAX_MESSAGE + 1) as u64;
        let read = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut line)
            .await?;
        if read == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") && line.len() > MAX_MESSAGE {
            anyhow::bail!("the {peer} sent a line longer than {MAX_MESSAGE} bytes");
        }
        let text = String::from_utf8_lossy(trim_line_end(&line));
        writeln!(std::io::stdout(), "{peer}: {text}").map_err(StdoutClosed)?;
    }
}
// ANCHOR_END: print_incoming

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

// ANCHOR: read_stdin_lines
/// Reads the keyboard on a thread of its own and hands each line to a channel.
///
/// Reading stdin blocks, and cannot be cancelled; on its own thread it blocks nobody.
/// When stdin ends (Ctrl-D) the thread ends and the channel closes, which is how the
/// chat learns its input is over.
fn read_stdin_lines() -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if sender.blocking_send(line).is_err() {
                break;
            }
        }
    });
    receiver
}
// ANCHOR_END: read_stdin_lines
